//! The four charge models (docs/rating.md). Each returns its amount *and* the tiers that made it,
//! so the invoice detail is the very data that produced the amount.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::model::config::{ChargeModel, Tier};
pub use crate::report::TierUse;

/// A model's exact (unrounded) amount and its details.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelAmount {
    pub amount: Decimal,
    pub tiers: Vec<TierUse>,
    /// Packages billed (package model).
    pub packages: Option<Decimal>,
}

/// Rates billable quantity `b` (already net of included units) with prices in the
/// invoice currency.
pub fn rate(model: &ChargeModel, b: Decimal) -> ModelAmount {
    match model {
        ChargeModel::PerUnit { unit_price } => ModelAmount {
            amount: b * unit_price,
            tiers: Vec::new(),
            packages: None,
        },
        ChargeModel::Graduated { tiers } => graduated(tiers, b),
        ChargeModel::Volume { tiers } => volume(tiers, b),
        ChargeModel::Package {
            package_size,
            package_price,
        } => {
            let packages = if package_size.is_zero() {
                Decimal::ZERO
            } else {
                (b / package_size).ceil()
            };
            ModelAmount {
                amount: packages * package_price,
                tiers: Vec::new(),
                packages: Some(packages),
            }
        }
    }
}

fn bounds(tiers: &[Tier]) -> impl Iterator<Item = (usize, Decimal, Option<Decimal>, &Tier)> {
    let mut low = Decimal::ZERO;
    tiers.iter().enumerate().map(move |(i, t)| {
        let l = low;
        if let Some(u) = t.up_to {
            low = u;
        }
        (i + 1, l, t.up_to, t)
    })
}

/// `Σ_k [ max(0, min(b, up_k) − low_k) × price_k + (flat_k if b > low_k) ]`.
fn graduated(tiers: &[Tier], b: Decimal) -> ModelAmount {
    let mut total = Decimal::ZERO;
    let mut used = Vec::new();
    for (tier, low, up_to, t) in bounds(tiers) {
        if b <= low {
            break;
        }
        let top = up_to.map_or(b, |u| b.min(u));
        let units = (top - low).max(Decimal::ZERO);
        let amount = units * t.unit_price + t.flat;
        total += amount;
        used.push(TierUse {
            tier,
            low,
            up_to,
            units,
            unit_price: t.unit_price,
            flat: t.flat,
            amount,
        });
    }
    ModelAmount {
        amount: total,
        tiers: used,
        packages: None,
    }
}

/// The first tier with `b ≤ up_k` (else the last): `b × price_k + flat_k`; 0 when `b = 0`.
fn volume(tiers: &[Tier], b: Decimal) -> ModelAmount {
    if b.is_zero() || tiers.is_empty() {
        return ModelAmount {
            amount: Decimal::ZERO,
            tiers: Vec::new(),
            packages: None,
        };
    }
    let all: Vec<_> = bounds(tiers).collect();
    let chosen = all
        .iter()
        .find(|(_, _, up, _)| up.is_some_and(|u| b <= u))
        .unwrap_or(&all[all.len() - 1]);
    let (tier, low, up_to, t) = *chosen;
    let amount = b * t.unit_price + t.flat;
    ModelAmount {
        amount,
        tiers: vec![TierUse {
            tier,
            low,
            up_to,
            units: b,
            unit_price: t.unit_price,
            flat: t.flat,
            amount,
        }],
        packages: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn tiers(spec: &[(Option<Decimal>, Decimal, Decimal)]) -> Vec<Tier> {
        spec.iter()
            .map(|&(up_to, unit_price, flat)| Tier {
                up_to,
                unit_price,
                flat,
            })
            .collect()
    }

    /// The worked example of docs/rating.md: tiers 0–100 at 1.00, 100–∞ at 0.50, b = 150.
    fn spec_example() -> Vec<Tier> {
        tiers(&[(Some(dec!(100)), dec!(1.00), dec!(0)), (None, dec!(0.50), dec!(0))])
    }

    #[test]
    fn spec_worked_example_graduated_vs_volume() {
        let g = rate(&ChargeModel::Graduated { tiers: spec_example() }, dec!(150));
        assert_eq!(g.amount, dec!(125.00));
        assert_eq!(g.tiers.len(), 2);
        assert_eq!(g.tiers[1].units, dec!(50));
        let v = rate(&ChargeModel::Volume { tiers: spec_example() }, dec!(150));
        assert_eq!(v.amount, dec!(75.00));
        assert_eq!(v.tiers[0].tier, 2);
    }

    #[test]
    fn table_of_models() {
        let three = tiers(&[
            (Some(dec!(10)), dec!(2), dec!(5)),
            (Some(dec!(20)), dec!(1), dec!(3)),
            (None, dec!(0.5), dec!(1)),
        ]);
        let cases: Vec<(ChargeModel, Decimal, Decimal)> = vec![
            (
                ChargeModel::PerUnit {
                    unit_price: dec!(0.004),
                },
                dec!(123.5),
                dec!(0.494),
            ),
            (ChargeModel::Graduated { tiers: three.clone() }, dec!(0), dec!(0)),
            // 10×2+5 + 5×1+3
            (ChargeModel::Graduated { tiers: three.clone() }, dec!(15), dec!(33)),
            // exactly on a bound: the next tier is not touched
            (ChargeModel::Graduated { tiers: three.clone() }, dec!(10), dec!(25)),
            // 25 + 13 + 5×0.5+1
            (ChargeModel::Graduated { tiers: three.clone() }, dec!(25), dec!(41.5)),
            (ChargeModel::Volume { tiers: three.clone() }, dec!(0), dec!(0)),
            (ChargeModel::Volume { tiers: three.clone() }, dec!(10), dec!(25)),
            (ChargeModel::Volume { tiers: three.clone() }, dec!(10.5), dec!(13.5)),
            (ChargeModel::Volume { tiers: three }, dec!(100), dec!(51)),
            (
                ChargeModel::Package {
                    package_size: dec!(1000),
                    package_price: dec!(3.50),
                },
                dec!(0),
                dec!(0),
            ),
            (
                ChargeModel::Package {
                    package_size: dec!(1000),
                    package_price: dec!(3.50),
                },
                dec!(1),
                dec!(3.50),
            ),
            (
                ChargeModel::Package {
                    package_size: dec!(1000),
                    package_price: dec!(3.50),
                },
                dec!(2000),
                dec!(7.00),
            ),
            (
                ChargeModel::Package {
                    package_size: dec!(1000),
                    package_price: dec!(3.50),
                },
                dec!(2000.000001),
                dec!(10.50),
            ),
        ];
        for (model, b, want) in cases {
            assert_eq!(rate(&model, b).amount, want, "{model:?} b={b}");
        }
    }
}
