//! Meters (docs/rating.md, "Quantities"): one pass over a dataset's records for one OB and period,
//! counting outcomes for the reconciliation and aggregating rated records into every
//! matching meter: in total, per breakdown value and per local day.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::model::Config;
use crate::model::config::Aggregation;
use crate::model::money::Rounding;
use crate::model::period::{Period, day_index};
use crate::model::table::{
    CellState, Column, DistinctColumn, FixedColumn, Form, IdColumn, NumberColumn, Scalar, ValueColumn, fixed_decimal,
};

use super::process::{Outcome, PreparedDataset};

/// A running aggregate. Numbers are fixed-point integers of the column's scale, except
/// for columns that do not fit (`Dec*`), which keep exact decimals.
#[derive(Debug, Clone)]
pub(super) enum Acc {
    Count(u64),
    Sum(i128),
    /// Dictionary codes seen (null excluded); sorted and without repeats after `finish`.
    Distinct(Vec<u32>),
    Max(Option<i64>),
    /// (time, row, value) of the latest record with a value.
    Latest(Option<(i64, u32, i64)>),
    DecSum(Decimal),
    DecMax(Option<Decimal>),
    DecLatest(Option<(i64, u32, Decimal)>),
    /// The form a load's roll-up keeps `latest` in: (time, id, value) of the latest record,
    /// with the id itself, because records of many pieces meet in one day.
    LatestId(Option<(i64, Box<str>, Decimal)>),
}

impl Acc {
    pub(super) fn new(a: Aggregation, decimal: bool) -> Acc {
        match (a, decimal) {
            (Aggregation::Count, _) => Acc::Count(0),
            (Aggregation::CountDistinct, _) => Acc::Distinct(Vec::new()),
            (Aggregation::Sum, false) => Acc::Sum(0),
            (Aggregation::Max, false) => Acc::Max(None),
            (Aggregation::Latest, false) => Acc::Latest(None),
            (Aggregation::Sum, true) => Acc::DecSum(Decimal::ZERO),
            (Aggregation::Max, true) => Acc::DecMax(None),
            (Aggregation::Latest, true) => Acc::DecLatest(None),
        }
    }

    /// The aggregate; `finish` must have run for a distinct count.
    pub(super) fn value(&self, scale: u32) -> Decimal {
        let fixed = |v: i128| fixed_decimal(v, scale);
        match self {
            Acc::Count(n) => Decimal::from(*n),
            Acc::Sum(s) => fixed(*s),
            Acc::Distinct(codes) => Decimal::from(codes.len() as u64),
            Acc::Max(m) => m.map_or(Decimal::ZERO, |v| fixed(i128::from(v))),
            Acc::Latest(l) => l.map_or(Decimal::ZERO, |(_, _, v)| fixed(i128::from(v))),
            Acc::DecSum(s) => *s,
            Acc::DecMax(m) => m.unwrap_or(Decimal::ZERO),
            Acc::DecLatest(l) => l.map_or(Decimal::ZERO, |(_, _, v)| v),
            Acc::LatestId(l) => l.as_ref().map_or(Decimal::ZERO, |(_, _, v)| *v),
        }
    }

    /// The empty accumulator of a load's roll-up: counts and distinct codes as they are,
    /// numbers as exact decimals (pieces of one field may arrive at different scales), and
    /// `latest` with the record's id.
    pub(super) fn rolled(a: Aggregation) -> Acc {
        match a {
            Aggregation::Count => Acc::Count(0),
            Aggregation::CountDistinct => Acc::Distinct(Vec::new()),
            Aggregation::Sum => Acc::DecSum(Decimal::ZERO),
            Aggregation::Max => Acc::DecMax(None),
            Aggregation::Latest => Acc::LatestId(None),
        }
    }

    /// This piece-level accumulator in the roll-up's form (see `rolled`); a distinct count
    /// is remapped by the caller. `ids` are the piece's record ids.
    pub(super) fn into_rolled(self, scale: u32, ids: &IdColumn) -> Acc {
        let fixed = |v: i128| fixed_decimal(v, scale);
        let id = |r: u32| -> Box<str> { ids.get(r as usize).into() };
        match self {
            Acc::Sum(v) => Acc::DecSum(fixed(v)),
            Acc::Max(m) => Acc::DecMax(m.map(|v| fixed(i128::from(v)))),
            Acc::Latest(l) => Acc::LatestId(l.map(|(t, r, v)| (t, id(r), fixed(i128::from(v))))),
            Acc::DecLatest(l) => Acc::LatestId(l.map(|(t, r, v)| (t, id(r), v))),
            other => other,
        }
    }

    /// Sorts and de-duplicates the codes of a distinct count.
    pub(super) fn finish(&mut self) {
        if let Acc::Distinct(codes) = self {
            codes.sort_unstable();
            codes.dedup();
            codes.shrink_to_fit();
        }
    }

    /// Folds `other` (the same aggregation over other records, in the roll-up's form) into
    /// `self`. A distinct count is folded by `union_count`, which needs a scratch bitset.
    pub(super) fn merge(&mut self, other: &Acc) {
        match (self, other) {
            (Acc::Count(a), Acc::Count(b)) => *a += b,
            (Acc::Sum(a), Acc::Sum(b)) => *a += b,
            (Acc::DecSum(a), Acc::DecSum(b)) => *a += b,
            (Acc::Max(a), Acc::Max(b)) => *a = (*a).max(*b),
            (Acc::DecMax(a), Acc::DecMax(b)) => *a = (*a).max(*b),
            (Acc::LatestId(a), Acc::LatestId(Some((t, id, v))))
                if a.as_ref().is_none_or(|(kt, kid, _)| (*t, &**id) > (*kt, &**kid)) =>
            {
                *a = Some((*t, id.clone(), *v));
            }
            _ => {}
        }
    }

    /// Moves `other` into `self` (see `merge`), taking its id instead of copying it.
    pub(super) fn absorb(&mut self, other: Acc) {
        match (&mut *self, other) {
            (Acc::LatestId(a), Acc::LatestId(Some((t, id, v)))) => {
                if a.as_ref().is_none_or(|(kt, kid, _)| (t, &*id) > (*kt, &**kid)) {
                    *a = Some((t, id, v));
                }
            }
            (Acc::Distinct(a), Acc::Distinct(b)) => a.extend(b),
            (_, other) => self.merge(&other),
        }
    }
}

/// The number of distinct codes over several finished distinct counts. `scratch` is a
/// bitset over the dictionary, all zero on entry and on return.
pub(super) fn union_count<'a>(parts: impl Iterator<Item = &'a Acc> + Clone, scratch: &mut Vec<u64>) -> u64 {
    let mut count = 0u64;
    for part in parts.clone() {
        if let Acc::Distinct(codes) = part {
            for &c in codes {
                let (word, bit) = (c as usize / 64, 1u64 << (c % 64));
                if scratch.len() <= word {
                    scratch.resize(word + 1, 0);
                }
                if scratch[word] & bit == 0 {
                    scratch[word] |= bit;
                    count += 1;
                }
            }
        }
    }
    for part in parts {
        if let Acc::Distinct(codes) = part {
            for &c in codes {
                scratch[c as usize / 64] = 0;
            }
        }
    }
    count
}

/// Whether a record at (`time`, `row`) is later than the one kept: greater time, ties by
/// greater id as a string.
#[inline]
pub(super) fn later(time: i64, row: usize, kept_time: i64, kept_row: u32, ids: &IdColumn) -> bool {
    match time.cmp(&kept_time) {
        Ordering::Greater => true,
        Ordering::Less => false,
        Ordering::Equal => ids.get(row) > ids.get(kept_row as usize),
    }
}

/// Where a meter's values come from in one dataset.
pub(super) enum Source<'a> {
    None,
    Fixed(&'a FixedColumn),
    Number(&'a NumberColumn),
    Distinct(&'a DistinctColumn),
}

impl<'a> Source<'a> {
    /// The column meter `meter` measures in `ds`.
    pub(super) fn of(config: &Config, ds: &'a PreparedDataset, meter: usize) -> Source<'a> {
        let m = &config.meters[meter];
        match &m.field {
            Some(f) if m.aggregation.measures_number() => match (ds.fixed.get(f), ds.table.column(f, Form::Number)) {
                (Some(c), _) => Source::Fixed(c),
                (None, Some(Column::Number(c))) => Source::Number(c),
                _ => Source::None,
            },
            Some(f) => match ds.table.column(f, Form::Distinct) {
                Some(Column::Distinct(c)) => Source::Distinct(c),
                _ => Source::None,
            },
            None => Source::None,
        }
    }

    pub(super) fn scale(&self) -> u32 {
        match self {
            Source::Fixed(c) => c.scale,
            _ => 0,
        }
    }

    pub(super) fn is_decimal(&self) -> bool {
        matches!(self, Source::Number(_))
    }

    /// Adds record `row` (its values at `cell` of the columns: `PreparedDataset::cell`).
    #[inline]
    pub(super) fn add(&self, acc: &mut Acc, row: usize, cell: usize, time: i64, ids: &IdColumn) {
        match (acc, self) {
            (Acc::Count(n), _) => *n += 1,
            (Acc::Distinct(codes), Source::Distinct(col)) => {
                let code = col.codes[cell];
                if code != 0 && codes.last() != Some(&code) {
                    // Keep memory near the number of distinct codes, not of records: when
                    // full, drop repeats; the vector grows only if that frees under half.
                    if codes.len() == codes.capacity() && codes.len() >= 1024 {
                        codes.sort_unstable();
                        codes.dedup();
                    }
                    codes.push(code);
                }
            }
            (acc, Source::Fixed(col)) => {
                if col.states[cell] != CellState::Ok {
                    return;
                }
                let v = col.values[cell];
                match acc {
                    Acc::Sum(s) => *s += i128::from(v),
                    Acc::Max(m) => *m = Some(m.map_or(v, |x| x.max(v))),
                    Acc::Latest(l) if l.is_none_or(|(t, r, _)| later(time, row, t, r, ids)) => {
                        *l = Some((time, row as u32, v));
                    }
                    _ => {}
                }
            }
            (acc, Source::Number(col)) => {
                if col.states[cell] != CellState::Ok {
                    return;
                }
                let v = col.values[cell];
                match acc {
                    Acc::DecSum(s) => *s += v,
                    Acc::DecMax(m) => *m = Some(m.map_or(v, |x| x.max(v))),
                    Acc::DecLatest(l) if l.is_none_or(|(t, r, _)| later(time, row, t, r, ids)) => {
                        *l = Some((time, row as u32, v));
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

/// The breakdown fields of meter `meter` that `ds` has, with their columns.
pub(super) fn breakdown_columns<'a>(
    config: &'a Config,
    ds: &'a PreparedDataset,
    meter: usize,
) -> Vec<(&'a str, &'a ValueColumn)> {
    config.meters[meter]
        .breakdown
        .iter()
        .filter_map(|b| match ds.table.column(b, Form::Value) {
            Some(Column::Value(c)) => Some((b.as_str(), c)),
            _ => None,
        })
        .collect()
}

/// Record counts of one dataset for one OB and period (docs/processing.md, "The reconciliation").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub in_scope: u64,
    pub out_of_period: u64,
    pub duplicates: u64,
    pub excluded: u64,
    pub suspended: u64,
    pub rated: u64,
}

/// A meter's quantities for one OB and period, after `round_6(aggregate / divide_by)`.
#[derive(Debug, Clone, PartialEq)]
pub struct MeterQuantities {
    pub meter: usize,
    pub quantity: Decimal,
    /// Per breakdown field (meter order): values with non-zero quantity, sorted by value.
    pub groups: Vec<(String, Vec<(Scalar, Decimal)>)>,
    /// One quantity per local day of the period.
    pub daily: Vec<Decimal>,
}

/// One OB's usage in a period: counts per dataset, suspended records and meter quantities.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObUsage {
    pub counts: Vec<(String, Counts)>,
    /// (dataset index, index into its issues) of suspended records in scope.
    pub suspended: Vec<(usize, u32)>,
    /// Indexed like `config.meters`.
    pub meters: Vec<MeterQuantities>,
}

struct MeterAcc<'a> {
    slot_bit: usize,
    meter: usize,
    source: Source<'a>,
    total: Acc,
    daily: Vec<Acc>,
    groups: Vec<(&'a str, &'a ValueColumn, Vec<Acc>)>,
}

/// Aggregates OB `ob` over `period` in one pass over its records. The engine rates from
/// the daily roll-up (`days`) instead; this direct form is the reference it is tested against.
pub fn usage(config: &Config, datasets: &[PreparedDataset], ob: usize, period: &Period) -> ObUsage {
    let tz = config.obs[ob].timezone;
    let bounds = period.day_bounds_us(tz);
    let (start, end) = (bounds[0], bounds[bounds.len() - 1]);
    let days = bounds.len() - 1;
    let mut usage = ObUsage::default();
    let mut meter_totals: BTreeMap<usize, MeterQuantities> = BTreeMap::new();
    let rounding = config.billing.rounding;

    for (di, ds) in datasets.iter().enumerate() {
        let mut counts = Counts::default();
        let mut accs: Vec<MeterAcc<'_>> = ds
            .slots
            .iter()
            .enumerate()
            .map(|(bit, slot)| {
                let m = &config.meters[slot.meter];
                let source = Source::of(config, ds, slot.meter);
                let dec = source.is_decimal();
                let groups = breakdown_columns(config, ds, slot.meter)
                    .into_iter()
                    .map(|(b, c)| (b, c, vec![Acc::new(m.aggregation, dec); c.dict.len()]))
                    .collect();
                MeterAcc {
                    slot_bit: bit,
                    meter: slot.meter,
                    total: Acc::new(m.aggregation, dec),
                    daily: vec![Acc::new(m.aggregation, dec); days],
                    source,
                    groups,
                }
            })
            .collect();
        let mut issue_cursor = 0usize;
        for &row in &ds.rows_by_ob[ob] {
            let r = row as usize;
            let t = ds.time_us[r];
            if t < start || t >= end {
                counts.out_of_period += 1;
                continue;
            }
            counts.in_scope += 1;
            match ds.outcome[r] {
                Outcome::Duplicate => counts.duplicates += 1,
                Outcome::Excluded => counts.excluded += 1,
                Outcome::Suspended => {
                    counts.suspended += 1;
                    // Issues are sorted by row, and rows of one OB come in order.
                    while issue_cursor < ds.issues.len() && ds.issues[issue_cursor].row < row {
                        issue_cursor += 1;
                    }
                    if ds.issues.get(issue_cursor).is_some_and(|i| i.row == row) {
                        usage.suspended.push((di, issue_cursor as u32));
                    }
                }
                Outcome::Unattributable => {}
                Outcome::Unread => unreachable!("a record left unread lies outside the period it was read for"),
                Outcome::Rated => {
                    counts.rated += 1;
                    let mask = ds.meter_mask[r];
                    if mask == 0 {
                        continue;
                    }
                    let day = day_index(&bounds, t).unwrap_or(0);
                    for acc in accs.iter_mut() {
                        if mask & (1 << acc.slot_bit) == 0 {
                            continue;
                        }
                        let cell = ds.cell(r);
                        acc.source.add(&mut acc.total, r, cell, t, &ds.ids);
                        acc.source.add(&mut acc.daily[day], r, cell, t, &ds.ids);
                        for (_, col, group) in acc.groups.iter_mut() {
                            let code = col.codes[cell] as usize;
                            acc.source.add(&mut group[code], r, cell, t, &ds.ids);
                        }
                    }
                }
            }
        }
        for mut acc in accs {
            acc.total.finish();
            acc.daily.iter_mut().for_each(Acc::finish);
            for (_, _, group) in acc.groups.iter_mut() {
                group.iter_mut().for_each(Acc::finish);
            }
            let m = &config.meters[acc.meter];
            let scale = acc.source.scale();
            let q = |a: &Acc| rounding.round6(a.value(scale) / m.divide_by);
            let groups = acc
                .groups
                .iter()
                .map(|(field, col, accs)| {
                    let mut values: Vec<(Scalar, Decimal)> = accs
                        .iter()
                        .enumerate()
                        .map(|(code, a)| (col.dict[code].clone(), q(a)))
                        .filter(|(_, qty)| !qty.is_zero())
                        .collect();
                    values.sort_by(|a, b| a.0.text().as_bytes().cmp(b.0.text().as_bytes()));
                    ((*field).to_string(), values)
                })
                .collect();
            meter_totals.insert(
                acc.meter,
                MeterQuantities {
                    meter: acc.meter,
                    quantity: q(&acc.total),
                    groups,
                    daily: acc.daily.iter().map(q).collect(),
                },
            );
        }
        usage.counts.push((ds.name.to_string(), counts));
    }
    usage.meters = (0..config.meters.len())
        .map(|i| {
            meter_totals.remove(&i).unwrap_or_else(|| MeterQuantities {
                meter: i,
                quantity: Decimal::ZERO,
                groups: Vec::new(),
                daily: vec![Decimal::ZERO; days],
            })
        })
        .collect();
    usage
}

/// `round_6(aggregate / divide_by)` is applied per total, group and day; exposed for tests.
pub fn quantity(rounding: Rounding, aggregate: Decimal, divide_by: Decimal) -> Decimal {
    rounding.round6(aggregate / divide_by)
}
