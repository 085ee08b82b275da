//! Rating one OB's invoice (docs/rating.md): charges, fees and allocations in the OB's currency,
//! totals, breakdowns and daily quantities. Exact decimals; rounded once where docs/rating.md says.

use rust_decimal::Decimal;

use crate::model::Config;
use crate::model::config::{ChargeConfig, ChargeModel, ObConfig, Tier};
use crate::model::money::Rounding;
use crate::model::period::Period;
use crate::model::table::Scalar;
use crate::report::{BreakdownRow, ChargeDetail, FeeDetail, Line, LineDetail, LineKind};

use super::aggregate::ObUsage;
use super::charge_model;
use super::split::largest_remainder;

/// Money settings of one invoice.
#[derive(Debug, Clone, Copy)]
pub struct Money {
    pub dp: u32,
    pub rounding: Rounding,
    /// Units of the OB currency per unit of the billing currency.
    pub rate: Decimal,
    pub converts: bool,
}

impl Money {
    pub fn round(&self, v: Decimal) -> Decimal {
        self.rounding.round(v, self.dp)
    }

    /// A unit or tier price in the OB currency: `round_6(price × rate)`.
    pub fn price(&self, p: Decimal) -> Decimal {
        if self.converts {
            self.rounding.round6(p * self.rate)
        } else {
            p
        }
    }

    /// An amount-type value in the OB currency: `round_m(value × rate)`.
    pub fn amount(&self, a: Decimal) -> Decimal {
        if self.converts { self.round(a * self.rate) } else { a }
    }
}

/// The charge model with every price converted into the OB currency.
pub fn convert_model(model: &ChargeModel, money: &Money) -> ChargeModel {
    let tiers = |ts: &[Tier]| -> Vec<Tier> {
        ts.iter()
            .map(|t| Tier {
                up_to: t.up_to,
                unit_price: money.price(t.unit_price),
                flat: money.amount(t.flat),
            })
            .collect()
    };
    match model {
        ChargeModel::PerUnit { unit_price } => ChargeModel::PerUnit {
            unit_price: money.price(*unit_price),
        },
        ChargeModel::Graduated { tiers: t } => ChargeModel::Graduated { tiers: tiers(t) },
        ChargeModel::Volume { tiers: t } => ChargeModel::Volume { tiers: tiers(t) },
        ChargeModel::Package {
            package_size,
            package_price,
        } => ChargeModel::Package {
            package_size: *package_size,
            package_price: money.amount(*package_price),
        },
    }
}

fn model_name(m: &ChargeModel) -> &'static str {
    crate::model::config::ModelKind::from(m).into()
}

/// A charge line for quantity `q`.
pub fn charge_line(config: &Config, charge: &ChargeConfig, q: Decimal, money: &Money) -> Line {
    let meter = config.meter(&charge.meter);
    let model = convert_model(&charge.model, money);
    let billable = (q - charge.included).max(Decimal::ZERO);
    let result = charge_model::rate(&model, billable);
    let minimum = money.amount(charge.minimum);
    let rounded = money.round(result.amount);
    let amount = rounded.max(minimum);
    let minimum_applied = minimum > rounded;
    let unit_price = match &model {
        ChargeModel::PerUnit { unit_price }
            if !minimum_applied && charge.included.is_zero() && money.round(q * unit_price) == amount =>
        {
            Some(*unit_price)
        }
        _ => None,
    };
    Line {
        concept: charge.concept.clone(),
        description: charge.description.clone(),
        kind: LineKind::Charge,
        quantity: q,
        unit: meter.map(|m| m.unit.clone()).unwrap_or_default(),
        unit_price,
        amount,
        detail: LineDetail::Charge(ChargeDetail {
            model: model_name(&model).to_string(),
            meter: charge.meter.clone(),
            included: charge.included,
            billable,
            tiers: result.tiers,
            packages: result.packages,
            model_amount: result.amount,
            minimum,
            minimum_applied,
            fx_rate: money.rate,
        }),
    }
}

/// Days of the period within the OB's contract dates.
pub fn active_days(ob: &ObConfig, period: &Period) -> i64 {
    let start = ob
        .contract_start
        .map_or(period.first_day(), |s| s.max(period.first_day()));
    let end = ob.contract_end.map_or(period.last_day(), |e| e.min(period.last_day()));
    if end < start { 0 } else { (end - start).num_days() + 1 }
}

/// The fee lines of an OB: none when the contract covers no day of the period.
pub fn fee_lines(config: &Config, ob: &ObConfig, period: &Period, money: &Money) -> Vec<Line> {
    let days = active_days(ob, period);
    if days == 0 {
        return Vec::new();
    }
    let period_days = period.days();
    config
        .fees_for(&ob.code)
        .into_iter()
        .map(|fee| {
            let a = money.amount(fee.amount);
            let amount = if fee.prorate {
                money.round(a * Decimal::from(days) / Decimal::from(period_days))
            } else {
                a
            };
            Line {
                concept: fee.concept.clone(),
                description: fee.description.clone(),
                kind: LineKind::Fee,
                quantity: Decimal::ONE,
                unit: String::new(),
                unit_price: Some(amount),
                amount,
                detail: LineDetail::Fee(FeeDetail {
                    full_amount: a,
                    active_days: days,
                    period_days,
                    fx_rate: money.rate,
                }),
            }
        })
        .collect()
}

/// Splits a charge line's amount over the values of each breakdown field of its meter.
pub fn breakdown_rows(
    line: &Line,
    usage: &ObUsage,
    meter: usize,
    labels: &dyn Fn(&str, &Scalar) -> String,
    dp: u32,
) -> Vec<BreakdownRow> {
    let mut rows = Vec::new();
    for (field, values) in &usage.meters[meter].groups {
        let weights: Vec<(String, Decimal)> = values.iter().map(|(v, q)| (v.text(), *q)).collect();
        let Some(parts) = largest_remainder(line.amount, &weights, dp) else {
            continue;
        };
        for ((value, q), amount) in values.iter().zip(parts) {
            rows.push(BreakdownRow {
                concept: line.concept.clone(),
                field: field.clone(),
                value: value.text(),
                label: labels(field, value),
                quantity: *q,
                amount,
            });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn fx_converts_prices_to_6_and_amounts_to_money() {
        let money = Money {
            dp: 2,
            rounding: Rounding::HalfUp,
            rate: dec!(5.4321),
            converts: true,
        };
        assert_eq!(money.price(dec!(0.0040)), dec!(0.021728));
        assert_eq!(money.price(dec!(0.0125)), dec!(0.067901)); // 0.06790125
        assert_eq!(money.amount(dec!(25.00)), dec!(135.80)); // 135.8025
        assert_eq!(money.amount(dec!(1500.00)), dec!(8148.15));
        let model = ChargeModel::Graduated {
            tiers: vec![
                Tier {
                    up_to: Some(dec!(100)),
                    unit_price: dec!(1.00),
                    flat: dec!(0),
                },
                Tier {
                    up_to: None,
                    unit_price: dec!(0.50),
                    flat: dec!(2.00),
                },
            ],
        };
        let ChargeModel::Graduated { tiers } = convert_model(&model, &money) else {
            panic!()
        };
        assert_eq!(
            tiers[0].up_to,
            Some(dec!(100)),
            "tier bounds are quantities: never converted"
        );
        assert_eq!(tiers[0].unit_price, dec!(5.4321));
        assert_eq!(tiers[1].unit_price, dec!(2.71605));
        assert_eq!(tiers[1].flat, dec!(10.86));
    }

    #[test]
    fn proration_by_contract_days() {
        let ob = ObConfig {
            code: "BR".into(),
            name: "x".into(),
            keys: vec![],
            currency: "EUR".into(),
            timezone: chrono_tz::UTC,
            tax_rate: Decimal::ZERO,
            contract_start: chrono::NaiveDate::from_ymd_opt(2026, 10, 11),
            contract_end: None,
            language: "en".into(),
        };
        let oct = Period::Month(crate::model::YearMonth::parse("2026-10").unwrap());
        assert_eq!(active_days(&ob, &oct), 21);
        let sep = Period::Month(crate::model::YearMonth::parse("2026-09").unwrap());
        assert_eq!(active_days(&ob, &sep), 0);
        // 1500 × 21 / 31 = 1016.129… → 1016.13
        let money = Money {
            dp: 2,
            rounding: Rounding::HalfUp,
            rate: Decimal::ONE,
            converts: false,
        };
        assert_eq!(
            money.round(dec!(1500.00) * Decimal::from(21) / Decimal::from(31)),
            dec!(1016.13)
        );
    }
}
