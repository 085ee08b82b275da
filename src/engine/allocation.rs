//! Allocations (docs/rating.md): a pool (rows of Platform_Cost in the period, or a fixed amount)
//! split over the OBs by a basis meter with the largest-remainder rule, then one line per
//! OB in its currency.

use rust_decimal::Decimal;

use crate::model::Config;
use crate::model::config::AllocationSource;
use crate::model::inputs::CostRow;
use crate::model::period::Period;
use crate::report::{AllocationDetail, AllocationShare, AllocationShares, Line, LineDetail, LineKind};

use super::aggregate::ObUsage;
use super::rate::Money;
use super::split::largest_remainder;

/// Every allocation's pool split over the OBs (`usages` indexed like `config.obs`). A pool
/// whose basis is 0 for every OB is not split: a warning says so.
pub(super) fn split_pools(
    config: &Config,
    platform_cost: &[CostRow],
    period: &Period,
    usages: &[ObUsage],
    warnings: &mut Vec<String>,
) -> Vec<AllocationShares> {
    let dp = config.billing.decimals;
    let mut out = Vec::new();
    for alloc in &config.allocations {
        let Some(basis) = config.meters.iter().position(|m| m.code == alloc.basis) else {
            continue;
        };
        let pool = match &alloc.source {
            AllocationSource::Fixed(a) => *a,
            AllocationSource::Pool(name) => {
                let (first, last) = (period.first_day(), period.last_day());
                let sum: Decimal = platform_cost
                    .iter()
                    .filter(|r| r.pool == *name && r.date >= first && r.date <= last)
                    .map(|r| r.amount)
                    .sum();
                config.billing.rounding.round(sum, dp)
            }
        };
        let weights: Vec<(String, Decimal)> = config
            .obs
            .iter()
            .zip(usages)
            .map(|(ob, u)| (ob.code.clone(), u.meters[basis].quantity))
            .collect();
        let basis_total: Decimal = weights.iter().map(|w| w.1).sum();
        match largest_remainder(pool, &weights, dp) {
            Some(parts) => out.push(AllocationShares {
                concept: alloc.concept.clone(),
                pool,
                basis_total,
                shares: weights
                    .into_iter()
                    .zip(parts)
                    .map(|((ob, basis), amount)| AllocationShare { ob, basis, amount })
                    .collect(),
            }),
            None => warnings.push(format!(
                "allocation {}: basis meter {} is 0 for every OB in {}; the pool of {pool} {} is not allocated",
                alloc.concept,
                alloc.basis,
                period.label(),
                config.billing.currency
            )),
        }
    }
    out
}

/// OB `ob`'s allocation lines, converted to its currency by `money`.
pub(super) fn lines(config: &Config, ob: &str, allocations: &[AllocationShares], money: &Money) -> Vec<Line> {
    let mut lines = Vec::new();
    for shares in allocations {
        let Some(alloc) = config.allocations.iter().find(|a| a.concept == shares.concept) else {
            continue;
        };
        let Some(share) = shares.shares.iter().find(|s| s.ob == ob) else {
            continue;
        };
        lines.push(Line {
            concept: alloc.concept.clone(),
            description: alloc.description.clone(),
            kind: LineKind::Allocation,
            quantity: share.basis,
            unit: config.meter(&alloc.basis).map(|m| m.unit.clone()).unwrap_or_default(),
            unit_price: None,
            amount: money.amount(share.amount),
            detail: LineDetail::Allocation(AllocationDetail {
                meter: alloc.basis.clone(),
                pool: shares.pool,
                basis_total: shares.basis_total,
                share_before_fx: share.amount,
                fx_rate: money.rate,
            }),
        });
    }
    lines
}
