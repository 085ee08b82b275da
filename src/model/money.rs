//! Exact decimal helpers: rounding modes, reading decimals from text and doubles.
//!
//! Nothing here does I/O. Binary floating point never carries money: a double is turned
//! into a decimal by its shortest round-trip form (docs/datasets.md), once, where it is read.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// How ties are rounded (`billing.rounding`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    Default,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Rounding {
    /// Half away from zero.
    #[default]
    HalfUp,
    /// Half to even (banker's rounding).
    HalfEven,
}

impl Rounding {
    /// `round_n`: rounds `value` to `dp` decimals with this mode.
    pub fn round(self, value: Decimal, dp: u32) -> Decimal {
        let strategy = match self {
            Rounding::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            Rounding::HalfEven => RoundingStrategy::MidpointNearestEven,
        };
        value.round_dp_with_strategy(dp, strategy)
    }

    /// `round_6`, the rounding of quantities and converted unit prices.
    pub fn round6(self, value: Decimal) -> Decimal {
        self.round(value, 6)
    }
}

/// Floors `value` to `dp` decimals (allocations and breakdown splits always floor).
pub fn floor_dp(value: Decimal, dp: u32) -> Decimal {
    value.round_dp_with_strategy(dp, RoundingStrategy::ToNegativeInfinity)
}

/// The decimal a double stands for: its shortest round-trip form (`123.45` stays `123.45`).
/// `None` for NaN, infinities and values a decimal cannot hold exactly.
pub fn decimal_from_f64(value: f64) -> Option<Decimal> {
    if !value.is_finite() {
        return None;
    }
    // Rust's `Display` for f64 prints the shortest string that reads back to the same double.
    Decimal::from_str_exact(&format!("{value}")).ok()
}

/// Reads a decimal from text as written in a data file or the configuration:
/// surrounding blanks ignored, plain or scientific notation. `None` if not a number.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(d) = Decimal::from_str_exact(t) {
        return Some(d);
    }
    if t.contains(['e', 'E']) {
        return Decimal::from_scientific(t).ok();
    }
    None
}

/// Money as printed: exactly `dp` decimals (`125` → `125.00`).
pub fn money_string(value: Decimal, dp: u32) -> String {
    let mut v = value;
    v.rescale(dp);
    v.to_string()
}

/// A quantity or price as printed: no trailing zeros (`123.500000` → `123.5`).
pub fn plain_string(value: Decimal) -> String {
    value.normalize().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn half_up_and_half_even_differ_only_on_ties() {
        let cases = [
            // value, dp, half_up, half_even
            (dec!(0.125), 2, dec!(0.13), dec!(0.12)),
            (dec!(0.135), 2, dec!(0.14), dec!(0.14)),
            (dec!(-0.125), 2, dec!(-0.13), dec!(-0.12)),
            (dec!(2.5), 0, dec!(3), dec!(2)),
            (dec!(3.5), 0, dec!(4), dec!(4)),
            (dec!(0.124), 2, dec!(0.12), dec!(0.12)),
            (dec!(1.0000005), 6, dec!(1.000001), dec!(1.000000)),
        ];
        for (value, dp, up, even) in cases {
            assert_eq!(Rounding::HalfUp.round(value, dp), up, "half_up {value}");
            assert_eq!(Rounding::HalfEven.round(value, dp), even, "half_even {value}");
        }
    }

    #[test]
    fn floor_never_rounds_up() {
        assert_eq!(floor_dp(dec!(1.239), 2), dec!(1.23));
        assert_eq!(floor_dp(dec!(1.23), 2), dec!(1.23));
    }

    #[test]
    fn doubles_are_read_by_their_shortest_form() {
        assert_eq!(decimal_from_f64(123.45), Some(dec!(123.45)));
        assert_eq!(decimal_from_f64(0.1), Some(dec!(0.1)));
        assert_eq!(decimal_from_f64(0.1 + 0.2), Some(dec!(0.30000000000000004)));
        assert_eq!(decimal_from_f64(f64::NAN), None);
        assert_eq!(decimal_from_f64(f64::INFINITY), None);
        // Sum of shortest forms is exact where a float sum is not.
        let sum: Decimal = [0.1, 0.2, 0.3].iter().filter_map(|v| decimal_from_f64(*v)).sum();
        assert_eq!(sum, dec!(0.6));
    }

    #[test]
    fn text_numbers() {
        assert_eq!(parse_decimal(" 12.50 "), Some(dec!(12.50)));
        assert_eq!(parse_decimal("1e3"), Some(dec!(1000)));
        assert_eq!(parse_decimal("abc"), None);
        assert_eq!(parse_decimal(""), None);
    }

    #[test]
    fn printing() {
        assert_eq!(money_string(dec!(125), 2), "125.00");
        assert_eq!(plain_string(dec!(123.500000)), "123.5");
    }
}
