//! The largest-remainder split (docs/rating.md): shares `total × w_i / Σw` floored to the money
//! unit, the remaining units given one by one to the largest remainders, ties by key
//! ascending. Integer arithmetic throughout, so the parts always add up to the total.

use rust_decimal::Decimal;

/// Splits `total` (with `dp` decimals) over `weights` (key, weight ≥ 0). `None` when the
/// weights add up to zero. Parts are returned in the order of `weights`.
pub fn largest_remainder(total: Decimal, weights: &[(String, Decimal)], dp: u32) -> Option<Vec<Decimal>> {
    let w_scale = weights.iter().map(|(_, w)| w.scale()).max().unwrap_or(0);
    let ints: Vec<i128> = weights.iter().map(|(_, w)| scaled(*w, w_scale)).collect();
    let sum: i128 = ints.iter().sum();
    if sum <= 0 {
        return None;
    }
    let units = scaled(total, dp);
    let mut parts: Vec<i128> = Vec::with_capacity(ints.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(ints.len());
    for (i, w) in ints.iter().enumerate() {
        let product = units * w;
        parts.push(product.div_euclid(sum));
        remainders.push((product.rem_euclid(sum), i));
    }
    let left = units - parts.iter().sum::<i128>();
    // Largest remainder first; equal remainders by key ascending (code point order).
    remainders.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| weights[a.1].0.as_bytes().cmp(weights[b.1].0.as_bytes()))
    });
    for (_, i) in remainders.iter().take(usize::try_from(left).unwrap_or(0)) {
        parts[*i] += 1;
    }
    Some(
        parts
            .into_iter()
            .map(|p| Decimal::from_i128_with_scale(p, dp))
            .collect(),
    )
}

fn scaled(value: Decimal, scale: u32) -> i128 {
    let mut v = value;
    v.rescale(scale);
    v.mantissa()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn w(list: &[(&str, Decimal)]) -> Vec<(String, Decimal)> {
        list.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn thirds_with_ties_go_to_the_smallest_keys() {
        // 100.00 over three equal weights: 33.33 each, one cent left, tie → "A".
        let parts = largest_remainder(dec!(100.00), &w(&[("C", dec!(1)), ("A", dec!(1)), ("B", dec!(1))]), 2).unwrap();
        assert_eq!(parts, vec![dec!(33.33), dec!(33.34), dec!(33.33)]);
    }

    #[test]
    fn largest_remainder_wins_before_key() {
        // 10.00 over 1, 2, 4 (sum 7): 1.428571.., 2.857142.., 5.714285..
        // floors 1.42, 2.85, 5.71 = 9.98; remainders .857, .714, .428 → +1 cent to A and B.
        let parts = largest_remainder(dec!(10.00), &w(&[("A", dec!(1)), ("B", dec!(2)), ("C", dec!(4))]), 2).unwrap();
        assert_eq!(parts, vec![dec!(1.43), dec!(2.86), dec!(5.71)]);
        assert_eq!(parts.iter().sum::<Decimal>(), dec!(10.00));
    }

    #[test]
    fn zero_weights() {
        assert!(largest_remainder(dec!(5), &w(&[("A", dec!(0))]), 2).is_none());
        let parts = largest_remainder(dec!(5.00), &w(&[("A", dec!(0)), ("B", dec!(3))]), 2).unwrap();
        assert_eq!(parts, vec![dec!(0.00), dec!(5.00)]);
    }
}
