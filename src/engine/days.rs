//! Each OB's records rolled up per local day, once per load. Periods are whole local days
//! of the OB's time zone (docs/processing.md: a month or an inclusive date range), so every meter's
//! quantity over a period is a fold of its days: counts and sums add, maxima take the
//! larger, `latest` keeps the later record and a distinct count is the size of the union
//! of each day's codes. Rating another period then reads a few hundred day aggregates
//! instead of every record, which is what makes switching period in the window instant.
//!
//! `aggregate::usage` computes the same thing straight from the records; the tests hold
//! the two to exact equality.

use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, NaiveDate};
use chrono_tz::Tz;
use rust_decimal::Decimal;

use crate::model::Config;
use crate::model::period::{Period, local_midnight_us};
use crate::model::table::{DistinctColumn, Scalar, ValueColumn};

use super::aggregate::{Acc, Counts, MeterQuantities, ObUsage, Source, breakdown_columns, union_count};
use super::process::{Outcome, PreparedDataset};
use dense::Dense;
pub use tally::Cause;
use tally::{FileDayCauses, FileTally};
pub(super) use tally::{first_causes, note_first};

mod dense;
mod growing;
pub mod summary;
mod tally;
pub(super) use growing::{GrowingDays, PieceMaps};

/// Days either side of the data's first record that get a precomputed midnight; a record
/// further away (a stray timestamp) is placed with the time-zone rules directly.
const WINDOW_DAYS: i64 = 20_000;

/// Record counts of one local day (out of period is the OB's rows minus the in-scope ones).
#[derive(Debug, Clone, Copy, Default)]
struct DayCounts {
    records: u64,
    duplicates: u64,
    excluded: u64,
    suspended: u64,
    rated: u64,
}

impl DayCounts {
    fn add(&mut self, c: &DayCounts) {
        self.records += c.records;
        self.duplicates += c.duplicates;
        self.excluded += c.excluded;
        self.suspended += c.suspended;
        self.rated += c.rated;
    }
}

#[derive(Debug, Clone)]
struct GroupDays {
    field: String,
    /// Breakdown values in the order this OB first used them, with their dictionary codes.
    values: Vec<Scalar>,
    codes: Vec<u32>,
    /// `accs[value * days + day]`.
    accs: Vec<Acc>,
}

#[derive(Debug, Clone)]
struct MeterDays {
    meter: usize,
    scale: u32,
    days: Vec<Acc>,
    groups: Vec<GroupDays>,
}

#[derive(Debug, Clone)]
struct DatasetDays {
    /// This OB's records in the dataset.
    rows: u64,
    counts: Vec<DayCounts>,
    /// (day, index into the dataset's issues) of suspended records, in record order.
    suspended: Vec<(u32, u32)>,
    meters: Vec<MeterDays>,
    /// (file, day, counts) of the records of each input file, by file then day.
    files: Vec<(u32, u32, DayCounts)>,
    /// (file, day, first causes) of the suspended records of each input file, by file then
    /// day; a cause's record is the record's number in the dataset.
    causes: FileDayCauses,
}

/// One OB's records, by local day.
#[derive(Debug, Clone)]
pub struct ObDays {
    ob: usize,
    /// The local dates that have at least one record, ascending; day `i` is `dates[i]`.
    dates: Vec<NaiveDate>,
    datasets: Vec<DatasetDays>,
}

/// Microseconds in 24 hours.
const DAY_US: i64 = 86_400_000_000;

/// Local dates of instants in one time zone, looked up in precomputed midnights.
struct DayFinder {
    tz: Tz,
    first: NaiveDate,
    /// `bounds[i]` is the first instant of `first + i` days.
    bounds: Vec<i64>,
}

impl DayFinder {
    fn new(tz: Tz, times: impl Iterator<Item = i64>) -> DayFinder {
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        let mut anchor = None;
        for t in times {
            anchor.get_or_insert(t);
            lo = lo.min(t);
            hi = hi.max(t);
        }
        let date = |t: i64| DateTime::from_timestamp_micros(t).map(|d| d.with_timezone(&tz).date_naive());
        let (first, last) = match (anchor.and_then(date), date(lo), date(hi)) {
            (Some(a), Some(l), Some(h)) => (
                l.max(a - Duration::days(WINDOW_DAYS)),
                h.min(a + Duration::days(WINDOW_DAYS)),
            ),
            (Some(a), _, _) => (a, a),
            _ => (NaiveDate::MIN, NaiveDate::MIN),
        };
        let first = first.pred_opt().unwrap_or(first);
        let span = (last - first).num_days().max(0) + 2;
        let bounds = (0..=span)
            .map(|i| local_midnight_us(first + Duration::days(i), tz))
            .collect();
        DayFinder { tz, first, bounds }
    }

    /// The local date of `t` as days from the common era; `hint` is the window day of the
    /// previous call (records often come in time order).
    #[inline]
    fn day(&self, t: i64, hint: &mut usize) -> i32 {
        let b = &self.bounds;
        if *hint + 1 < b.len() && b[*hint] <= t && t < b[*hint + 1] {
            return self.first.num_days_from_ce() + *hint as i32;
        }
        if b.len() >= 2 && b[0] <= t && t < b[b.len() - 1] {
            // Local days are 23 to 25 hours long, so the day a 24-hour clock gives is the
            // right one or next to it: a step or two instead of a binary search (records
            // of three months come in no time order, so the hint seldom holds).
            let mut i = usize::try_from((t - b[0]) / DAY_US).map_or(0, |i| i.min(b.len() - 2));
            while b[i] > t {
                i -= 1;
            }
            while b[i + 1] <= t {
                i += 1;
            }
            *hint = i;
            return self.first.num_days_from_ce() + *hint as i32;
        }
        self.far_day(t)
    }

    /// A record far from the others: its local date from the time-zone rules, checked
    /// against the same local midnights the window uses.
    fn far_day(&self, t: i64) -> i32 {
        let Some(date) = DateTime::from_timestamp_micros(t).map(|d| d.with_timezone(&self.tz).date_naive()) else {
            return if t < 0 { i32::MIN } else { i32::MAX };
        };
        let mut d = date;
        if t < local_midnight_us(d, self.tz) {
            d = d.pred_opt().unwrap_or(d);
        } else if let Some(next) = d.succ_opt()
            && t >= local_midnight_us(next, self.tz)
        {
            d = next;
        }
        d.num_days_from_ce()
    }
}

impl ObDays {
    /// Rolls up OB `ob`'s records of every dataset.
    pub fn build(config: &Config, datasets: &[PreparedDataset], ob: usize) -> ObDays {
        Self::build_within(config, datasets, ob, None)
    }

    /// `build`, with meters rolled up only on the local days of `within` (if given): every
    /// day still gets its record counts, files and suspended records, so what `usage`
    /// gives for a period inside `within` is the same as from `build`.
    pub fn build_within(config: &Config, datasets: &[PreparedDataset], ob: usize, within: Option<&Period>) -> ObDays {
        let tz = config.obs[ob].timezone;
        let times = datasets
            .iter()
            .flat_map(|ds| ds.rows_by_ob[ob].iter().map(|r| ds.time_us[*r as usize]));
        let finder = DayFinder::new(tz, times);

        // Pass 1: every record's local date, and which dates occur.
        let mut hint = 0;
        let keys: Vec<Vec<i32>> = datasets
            .iter()
            .map(|ds| {
                ds.rows_by_ob[ob]
                    .iter()
                    .map(|r| finder.day(ds.time_us[*r as usize], &mut hint))
                    .collect()
            })
            .collect();
        let window_first = finder.first.num_days_from_ce();
        let mut in_window = vec![false; finder.bounds.len()];
        let mut far: Vec<i32> = Vec::new();
        for &k in keys.iter().flatten() {
            match usize::try_from(i64::from(k) - i64::from(window_first)) {
                Ok(i) if i < in_window.len() => in_window[i] = true,
                _ => far.push(k),
            }
        }
        far.sort_unstable();
        far.dedup();
        let mut day_keys: Vec<i32> = in_window
            .iter()
            .enumerate()
            .filter(|(_, used)| **used)
            .map(|(i, _)| window_first + i as i32)
            .chain(far.iter().copied())
            .collect();
        day_keys.sort_unstable();
        let mut window_slot = vec![u32::MAX; in_window.len()];
        for (slot, k) in day_keys.iter().enumerate() {
            if let Ok(i) = usize::try_from(i64::from(*k) - i64::from(window_first))
                && i < window_slot.len()
            {
                window_slot[i] = slot as u32;
            }
        }
        let slot_of = |k: i32| -> u32 {
            match usize::try_from(i64::from(k) - i64::from(window_first)) {
                Ok(i) if i < window_slot.len() => window_slot[i],
                _ => day_keys.partition_point(|x| *x < k) as u32,
            }
        };
        let slots: Vec<Vec<u32>> = keys.iter().map(|ks| ks.iter().map(|k| slot_of(*k)).collect()).collect();
        drop(keys);
        let dates: Vec<NaiveDate> = day_keys
            .iter()
            .map(|k| NaiveDate::from_num_days_from_ce_opt(*k).unwrap_or(NaiveDate::MAX))
            .collect();
        let metered: Vec<bool> = dates
            .iter()
            .map(|d| within.is_none_or(|p| (p.first_day()..=p.last_day()).contains(d)))
            .collect();

        // Pass 2: every record into its day.
        let datasets = datasets
            .iter()
            .zip(&slots)
            .map(|(ds, slots)| Self::roll_dataset(config, ds, ob, slots, &metered))
            .collect();
        ObDays { ob, dates, datasets }
    }

    /// `metered[day]`: whether the day's meters are rolled up.
    fn roll_dataset(config: &Config, ds: &PreparedDataset, ob: usize, slots: &[u32], metered: &[bool]) -> DatasetDays {
        let days = metered.len();
        struct Rolling<'a> {
            bit: usize,
            meter: usize,
            source: Source<'a>,
            empty: Acc,
            /// For a distinct count: (day << 32 | code) of every counted record, sorted into
            /// each day's code list at the end. (A bitset per day over the piece's codes
            /// cost more to clear and scan than the few records of an OB's day in a piece.)
            distinct: Option<(&'a DistinctColumn, Vec<u64>)>,
            days: Vec<Acc>,
            groups: Vec<(&'a str, &'a ValueColumn, Vec<u32>, GroupDays, Dense)>,
        }
        let rows = &ds.rows_by_ob[ob];
        let mut counts = vec![DayCounts::default(); days];
        let mut suspended = Vec::new();
        let mut meters: Vec<Rolling<'_>> = ds
            .slots
            .iter()
            .enumerate()
            .map(|(bit, slot)| {
                let m = &config.meters[slot.meter];
                let source = Source::of(config, ds, slot.meter);
                let empty = Acc::new(m.aggregation, source.is_decimal());
                let groups = breakdown_columns(config, ds, slot.meter)
                    .into_iter()
                    .map(|(field, col)| {
                        let group = GroupDays {
                            field: field.to_string(),
                            values: Vec::new(),
                            codes: Vec::new(),
                            accs: Vec::new(),
                        };
                        (field, col, vec![u32::MAX; col.dict.len()], group, Dense::like(&empty))
                    })
                    .collect();
                let distinct = match (&empty, &source) {
                    (Acc::Distinct(_), Source::Distinct(col)) => Some((*col, Vec::new())),
                    _ => None,
                };
                Rolling {
                    distinct,
                    bit,
                    meter: slot.meter,
                    days: vec![empty.clone(); days],
                    empty,
                    source,
                    groups,
                }
            })
            .collect();
        let mut issue_cursor = 0usize;
        let mut tally = FileTally::new(&ds.files, days);
        for (&row, &slot) in rows.iter().zip(slots) {
            let r = row as usize;
            let day = slot as usize;
            let c = &mut counts[day];
            c.records += 1;
            tally.count(r, day, ds.outcome[r]);
            match ds.outcome[r] {
                Outcome::Duplicate => c.duplicates += 1,
                Outcome::Excluded => c.excluded += 1,
                Outcome::Unattributable => {}
                // Outside every day the roll-up meters: one on a metered day would be a
                // record billed unread, so that is a bug, not data.
                Outcome::Unread => assert!(!metered[day], "a record left unread falls on a metered day"),
                Outcome::Suspended => {
                    c.suspended += 1;
                    // Issues are sorted by row, and rows of one OB come in order.
                    while issue_cursor < ds.issues.len() && ds.issues[issue_cursor].row < row {
                        issue_cursor += 1;
                    }
                    if let Some(i) = ds.issues.get(issue_cursor).filter(|i| i.row == row) {
                        suspended.push((day as u32, issue_cursor as u32));
                        tally.note_cause(day, (u64::from(row), i.code, Arc::clone(&i.field)));
                    }
                }
                Outcome::Rated => {
                    c.rated += 1;
                    let mask = ds.meter_mask[r];
                    if mask == 0 || !metered[day] {
                        continue;
                    }
                    let t = ds.time_us[r];
                    let cell = ds.cell(r);
                    for m in meters.iter_mut() {
                        if mask & (1 << m.bit) == 0 {
                            continue;
                        }
                        match &mut m.distinct {
                            Some((col, pairs)) => {
                                let code = col.codes[cell];
                                if code != 0 {
                                    pairs.push((day as u64) << 32 | u64::from(code));
                                }
                            }
                            None => m.source.add(&mut m.days[day], r, cell, t, &ds.ids),
                        }
                        for (_, col, local, group, dense) in m.groups.iter_mut() {
                            let code = col.codes[cell] as usize;
                            if local[code] == u32::MAX {
                                local[code] = group.values.len() as u32;
                                group.values.push(col.dict[code].clone());
                                group.codes.push(code as u32);
                                dense.grow(days, &m.empty);
                            }
                            let at = local[code] as usize * days + day;
                            dense.add(at, &m.source, r, cell, t, &ds.ids);
                        }
                    }
                }
            }
        }
        let meters = meters
            .into_iter()
            .map(|mut m| {
                if let Some((_, pairs)) = m.distinct.take() {
                    for (day, codes) in codes_by_day(pairs) {
                        m.days[day] = Acc::Distinct(codes);
                    }
                }
                m.days.iter_mut().for_each(Acc::finish);
                let groups = m
                    .groups
                    .into_iter()
                    .map(|(_, _, _, mut g, dense)| {
                        g.accs = dense.into_accs();
                        g.accs.iter_mut().for_each(Acc::finish);
                        g
                    })
                    .collect();
                MeterDays {
                    meter: m.meter,
                    scale: m.source.scale(),
                    days: m.days,
                    groups,
                }
            })
            .collect();
        let (files, causes) = tally.finish();
        DatasetDays {
            causes,
            rows: rows.len() as u64,
            counts,
            suspended,
            meters,
            files,
        }
    }

    /// Per dataset and input file, the counts of this OB's records in `period`; out of
    /// period is the file's records of this OB minus those in scope.
    pub fn file_counts(&self, period: &Period) -> Vec<(usize, u32, Counts)> {
        let (first, last) = (period.first_day(), period.last_day());
        let lo = self.dates.partition_point(|d| *d < first) as u32;
        let hi = self.dates.partition_point(|d| *d <= last) as u32;
        let mut out: Vec<(usize, u32, Counts)> = Vec::new();
        for (di, ds) in self.datasets.iter().enumerate() {
            for (file, day, c) in &ds.files {
                if out.last().is_none_or(|(d, f, _)| (*d, *f) != (di, *file)) {
                    out.push((di, *file, Counts::default()));
                }
                let Some((_, _, into)) = out.last_mut() else { continue };
                if (lo..hi).contains(day) {
                    into.in_scope += c.records;
                    into.duplicates += c.duplicates;
                    into.excluded += c.excluded;
                    into.suspended += c.suspended;
                    into.rated += c.rated;
                } else {
                    into.out_of_period += c.records;
                }
            }
        }
        out
    }

    /// Per dataset and input file, the first causes of this OB's records suspended in
    /// `period` (each file's causes in record order, not yet cut to `FILE_CAUSES`).
    pub fn file_causes(&self, period: &Period) -> Vec<(usize, u32, Vec<Cause>)> {
        let (first, last) = (period.first_day(), period.last_day());
        let lo = self.dates.partition_point(|d| *d < first) as u32;
        let hi = self.dates.partition_point(|d| *d <= last) as u32;
        let mut out: Vec<(usize, u32, Vec<Cause>)> = Vec::new();
        for (di, ds) in self.datasets.iter().enumerate() {
            for (file, _, causes) in ds.causes.iter().filter(|(_, day, _)| (lo..hi).contains(day)) {
                match out.last_mut() {
                    Some((d, f, into)) if (*d, *f) == (di, *file) => into.extend(causes.iter().cloned()),
                    _ => out.push((di, *file, causes.clone())),
                }
            }
        }
        out
    }

    /// This OB's usage in `period`: the same result as `aggregate::usage`.
    pub fn usage(&self, config: &Config, names: &[Arc<str>], period: &Period) -> ObUsage {
        let (first, last) = (period.first_day(), period.last_day());
        let lo = self.dates.partition_point(|d| *d < first);
        let hi = self.dates.partition_point(|d| *d <= last);
        // For each date of the period, its day here (if it has records).
        let period_days: Vec<Option<usize>> = period
            .dates()
            .iter()
            .map(|d| self.dates[lo..hi].binary_search(d).ok().map(|i| lo + i))
            .collect();
        let rounding = config.billing.rounding;
        let mut scratch = Vec::new();
        let mut usage = ObUsage::default();
        let mut meters: Vec<Option<MeterQuantities>> = vec![None; config.meters.len()];
        for ((di, name), rolled) in names.iter().enumerate().zip(&self.datasets) {
            let mut counts = Counts::default();
            for c in &rolled.counts[lo..hi] {
                counts.in_scope += c.records;
                counts.duplicates += c.duplicates;
                counts.excluded += c.excluded;
                counts.suspended += c.suspended;
                counts.rated += c.rated;
            }
            counts.out_of_period = rolled.rows - counts.in_scope;
            usage.counts.push((name.to_string(), counts));
            usage.suspended.extend(
                rolled
                    .suspended
                    .iter()
                    .filter(|(day, _)| (lo..hi).contains(&(*day as usize)))
                    .map(|(_, i)| (di, *i)),
            );
            for m in &rolled.meters {
                let meter = &config.meters[m.meter];
                let q = |a: Decimal| rounding.round6(a / meter.divide_by);
                let fold = |accs: &[Acc], scratch: &mut Vec<u64>| -> Decimal {
                    let mut total = Acc::rolled(meter.aggregation);
                    if let Acc::Distinct(_) = total {
                        return Decimal::from(union_count(accs.iter(), scratch));
                    }
                    for a in accs {
                        total.merge(a);
                    }
                    total.value(0)
                };
                let empty = q(Acc::rolled(meter.aggregation).value(0));
                let groups = m
                    .groups
                    .iter()
                    .map(|g| {
                        let n = self.dates.len();
                        let mut values: Vec<(Scalar, Decimal, u32)> = g
                            .values
                            .iter()
                            .zip(&g.codes)
                            .enumerate()
                            .map(|(v, (value, code))| {
                                let accs = &g.accs[v * n + lo..v * n + hi];
                                (value.clone(), q(fold(accs, &mut scratch)), *code)
                            })
                            .filter(|(_, qty, _)| !qty.is_zero())
                            .collect();
                        // By text, then dictionary order (as `aggregate::usage` lists them).
                        values.sort_by(|a, b| a.0.text().as_bytes().cmp(b.0.text().as_bytes()).then(a.2.cmp(&b.2)));
                        (g.field.clone(), values.into_iter().map(|(v, q, _)| (v, q)).collect())
                    })
                    .collect();
                meters[m.meter] = Some(MeterQuantities {
                    meter: m.meter,
                    quantity: q(fold(&m.days[lo..hi], &mut scratch)),
                    groups,
                    daily: period_days
                        .iter()
                        .map(|d| d.map_or(empty, |d| q(m.days[d].value(0))))
                        .collect(),
                });
            }
        }
        let days = period_days.len();
        usage.meters = meters
            .into_iter()
            .enumerate()
            .map(|(i, m)| {
                m.unwrap_or_else(|| MeterQuantities {
                    meter: i,
                    quantity: Decimal::ZERO,
                    groups: Vec::new(),
                    daily: vec![Decimal::ZERO; days],
                })
            })
            .collect();
        usage
    }

    /// Marks in `used`, indexed by the codes of `field`'s distinct column, every code a
    /// distinct count of `field` holds in this roll-up (by day or by breakdown value).
    pub(super) fn mark_distinct(&self, config: &Config, field: &str, used: &mut [bool]) {
        for ds in &self.datasets {
            for m in ds
                .meters
                .iter()
                .filter(|m| config.meters[m.meter].field.as_deref() == Some(field))
            {
                for acc in m.days.iter().chain(m.groups.iter().flat_map(|g| &g.accs)) {
                    if let Acc::Distinct(codes) = acc {
                        for c in codes {
                            used[*c as usize] = true;
                        }
                    }
                }
            }
        }
    }

    /// The OB this roll-up is of.
    pub fn ob(&self) -> usize {
        self.ob
    }
}

/// (day << 32 | code) pairs as each day's codes, ascending, each once; days in order.
fn codes_by_day(mut pairs: Vec<u64>) -> Vec<(usize, Vec<u32>)> {
    pairs.sort_unstable();
    pairs.dedup();
    let mut days = Vec::new();
    let mut rest = &pairs[..];
    while let Some(first) = rest.first() {
        let day = first >> 32;
        let n = rest.partition_point(|p| p >> 32 == day);
        days.push((day as usize, rest[..n].iter().map(|p| *p as u32).collect()));
        rest = &rest[n..];
    }
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_become_each_days_codes_in_order_once() {
        let pair = |day: u64, code: u64| day << 32 | code;
        let pairs = vec![
            pair(3, 9),
            pair(0, 5),
            pair(3, 2),
            pair(0, 5),
            pair(7, u64::from(u32::MAX)),
            pair(3, 9),
        ];
        assert_eq!(
            codes_by_day(pairs),
            [(0, vec![5]), (3, vec![2, 9]), (7, vec![u32::MAX])]
        );
        assert!(codes_by_day(Vec::new()).is_empty());
    }

    #[test]
    fn the_day_found_is_the_one_a_search_of_the_midnights_gives() {
        // Zones with 23- and 25-hour days, a half-hour one and a 30-minute DST shift.
        for zone in [
            "America/New_York",
            "Europe/Madrid",
            "Asia/Kolkata",
            "Australia/Lord_Howe",
        ] {
            let tz: Tz = zone.parse().unwrap_or(Tz::UTC);
            let start = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
                .map(|d| d.timestamp_micros())
                .unwrap_or_default();
            let step = 37 * 60 * 1_000_000 + 123;
            let times: Vec<i64> = (0..15_000).map(|i| start + i * step).collect();
            let finder = DayFinder::new(tz, times.iter().copied());
            let b = &finder.bounds;
            let first = finder.first.num_days_from_ce();
            // Out of time order, so that the hint seldom holds.
            let mut hint = 0;
            for (k, t) in times
                .iter()
                .enumerate()
                .map(|(k, _)| (k, times[(k * 7919) % times.len()]))
            {
                let want = first + (b.partition_point(|x| *x <= t) - 1) as i32;
                assert_eq!(finder.day(t, &mut hint), want, "{zone}, time {k}");
            }
        }
    }

    #[test]
    fn local_dates_near_and_far() {
        let tz: Tz = "America/New_York".parse().unwrap_or(Tz::UTC);
        let at = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|d| d.timestamp_micros())
                .unwrap_or_default()
        };
        let near = at("2026-10-15T12:00:00Z");
        // 2100 is outside the window around the first record: the far path must agree.
        let cases = [
            (at("2026-11-01T03:59:59Z"), "2026-10-31"),
            (at("2026-11-01T04:00:00Z"), "2026-11-01"),
            (at("2026-11-02T04:59:59Z"), "2026-11-01"), // 25-hour day (DST ends)
            (at("2026-11-02T05:00:00Z"), "2026-11-02"),
            (at("2100-03-01T04:59:59Z"), "2100-02-28"),
            (at("2100-03-01T05:00:00Z"), "2100-03-01"),
        ];
        let finder = DayFinder::new(tz, std::iter::once(near).chain(cases.iter().map(|c| c.0)));
        assert!(finder.bounds.len() < 2 * WINDOW_DAYS as usize + 10);
        let mut hint = 0;
        for (t, want) in cases {
            let got = NaiveDate::from_num_days_from_ce_opt(finder.day(t, &mut hint));
            assert_eq!(got.map(|d| d.to_string()).as_deref(), Some(want), "{t}");
        }
    }
}
