//! What was billed month by month, from the register alone (no raw export needed): for
//! every OB and concept, the quantity and amount of the document in force of each month,
//! and each OB's issued totals. Custom ranges are left out (they would count days twice).

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::{DocKind, DocLine, DocumentHead};
use crate::model::YearMonth;

/// One OB's concept over the months.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    pub ob: String,
    pub currency: String,
    pub concept: String,
    /// One per month of [`History::months`]; `None` where nothing is in force.
    pub quantities: Vec<Option<Decimal>>,
    pub amounts: Vec<Option<Decimal>>,
}

/// One OB's issued totals over the months.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryTotals {
    pub ob: String,
    pub currency: String,
    pub decimals: u32,
    pub totals: Vec<Option<Decimal>>,
}

/// The register's documents in force, month by month.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct History {
    pub months: Vec<YearMonth>,
    /// Ordered by OB, currency and concept.
    pub rows: Vec<HistoryRow>,
    pub totals: Vec<HistoryTotals>,
}

/// Builds the history of `heads` (with their `lines` by number) over `from..=to`, or over
/// the months the documents cover when not given.
pub fn history(
    heads: &[DocumentHead],
    lines: &BTreeMap<String, Vec<DocLine>>,
    from: Option<YearMonth>,
    to: Option<YearMonth>,
) -> History {
    // The document in force per OB and month: the highest revision that is not a credit note.
    let mut in_force: BTreeMap<(&str, YearMonth), &DocumentHead> = BTreeMap::new();
    for h in heads {
        let month = YearMonth::of(h.period_start);
        let whole_month = h.period_start == month.first_day() && h.period_end == month.last_day();
        if h.kind == DocKind::CreditNote || !whole_month {
            continue;
        }
        if from.is_some_and(|f| month < f) || to.is_some_and(|t| month > t) {
            continue;
        }
        let slot = in_force.entry((h.ob.as_str(), month)).or_insert(h);
        if h.revision > slot.revision {
            *slot = h;
        }
    }
    let first = from.or_else(|| in_force.keys().map(|k| k.1).min());
    let last = to.or_else(|| in_force.keys().map(|k| k.1).max());
    let mut months = Vec::new();
    if let (Some(mut m), Some(last)) = (first, last) {
        while m <= last && months.len() < 1200 {
            months.push(m);
            m = m.next();
        }
    }
    let index = |m: YearMonth| months.iter().position(|x| *x == m);
    let mut rows: BTreeMap<(String, String, String), HistoryRow> = BTreeMap::new();
    let mut totals: BTreeMap<(String, String), HistoryTotals> = BTreeMap::new();
    for ((ob, month), h) in &in_force {
        let Some(i) = index(*month) else { continue };
        let t = totals
            .entry((ob.to_string(), h.currency.clone()))
            .or_insert_with(|| HistoryTotals {
                ob: ob.to_string(),
                currency: h.currency.clone(),
                decimals: h.decimals,
                totals: vec![None; months.len()],
            });
        t.totals[i] = Some(h.total);
        for l in lines.get(&h.number).into_iter().flatten() {
            let r = rows
                .entry((ob.to_string(), h.currency.clone(), l.concept.clone()))
                .or_insert_with(|| HistoryRow {
                    ob: ob.to_string(),
                    currency: h.currency.clone(),
                    concept: l.concept.clone(),
                    quantities: vec![None; months.len()],
                    amounts: vec![None; months.len()],
                });
            r.quantities[i] = Some(r.quantities[i].unwrap_or_default() + l.quantity);
            r.amounts[i] = Some(r.amounts[i].unwrap_or_default() + l.amount);
        }
    }
    History {
        months,
        rows: rows.into_values().collect(),
        totals: totals.into_values().collect(),
    }
}
