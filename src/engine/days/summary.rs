//! The daily roll-up of a usage summary (docs/databricks.md): the Spark job has already
//! decided every record's outcome, OB and local day, so its rows become `ObDays` and
//! `DatasetRecords` directly, in the same rolled form a streaming load builds.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;

use crate::model::Config;
use crate::model::summary::{Aggregate, Cell, DayCount, Manifest, RecordIssue, SummaryRows};
use crate::model::table::Scalar;

use super::super::aggregate::Acc;
use super::super::process::{Code, Issue};
use super::super::stream::{DatasetRecords, FileRecords, Streamed};
use super::{Cause, DatasetDays, DayCounts, GroupDays, MeterDays, ObDays, note_first};

/// Why a summary's rows do not fit the configuration.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct SummaryError(pub String);

/// One meter's accumulators of one OB and dataset: per day, and per breakdown field and
/// value, per day.
#[derive(Default)]
struct MeterCells {
    days: BTreeMap<NaiveDate, Acc>,
    groups: BTreeMap<String, BTreeMap<Option<String>, BTreeMap<NaiveDate, Acc>>>,
}

fn acc_of(a: Aggregate) -> Acc {
    match a {
        Aggregate::Count(n) => Acc::Count(n),
        Aggregate::Sum(s) => Acc::DecSum(s),
        Aggregate::Max(m) => Acc::DecMax(Some(m)),
        Aggregate::Latest(t, id, v) => Acc::LatestId(Some((t, id.into_boxed_str(), v))),
    }
}

type Cells = HashMap<(usize, usize, usize), MeterCells>;

/// The accumulator of `cell`, created empty when new.
fn place<'a>(config: &Config, cells: &'a mut Cells, cell: &Cell) -> &'a mut Acc {
    let empty = Acc::rolled(config.meters[cell.meter].aggregation);
    let m = cells.entry((cell.ob, cell.dataset, cell.meter)).or_default();
    match &cell.group {
        None => m.days.entry(cell.day).or_insert(empty),
        Some((field, value)) => m
            .groups
            .entry(field.clone())
            .or_default()
            .entry(value.clone())
            .or_default()
            .entry(cell.day)
            .or_insert(empty),
    }
}

/// The first causes of suspended records per (file, date).
type CausesByDate = HashMap<(u32, NaiveDate), Vec<Cause>>;

/// Each input file's rows (from the manifest), unattributable records and their first
/// causes.
fn file_records(manifest: &Manifest, issues: &mut [RecordIssue], datasets_n: usize) -> Vec<Vec<FileRecords>> {
    let mut files: Vec<Vec<FileRecords>> = manifest
        .datasets
        .iter()
        .map(|d| {
            d.files
                .iter()
                .map(|f| FileRecords {
                    rows: f.rows,
                    ..FileRecords::default()
                })
                .collect()
        })
        .collect();
    files.resize(datasets_n, Vec::new());
    issues.sort_by_key(|i| (i.dataset, i.file, i.row));
    for i in issues.iter() {
        let Ok(code) = i.code.parse::<Code>() else { continue };
        let per_file = &mut files[i.dataset];
        if per_file.len() <= i.file as usize {
            per_file.resize(i.file as usize + 1, FileRecords::default());
        }
        // Suspended records' causes are kept per day with the roll-up (`streamed`).
        if i.ob.is_none() {
            let f = &mut per_file[i.file as usize];
            f.unattributable += 1;
            f.note(i.row, code, &Arc::from(i.field.as_str()));
        }
    }
    files
}

/// The roll-up of `rows` for `config` (whose datasets, OBs and meters the rows index).
pub fn streamed(config: &Config, manifest: &Manifest, rows: SummaryRows) -> Result<Streamed, SummaryError> {
    let datasets_n = config.datasets.len();
    let obs_n = config.obs.len();
    // Per (ob, dataset): day counts, and per meter the cells.
    let mut counts: HashMap<(usize, usize), Vec<DayCount>> = HashMap::new();
    let mut cells: Cells = HashMap::new();
    let mut dates: Vec<BTreeSet<NaiveDate>> = vec![BTreeSet::new(); obs_n];
    for c in rows.counts {
        dates[c.ob].insert(c.day);
        counts.entry((c.ob, c.dataset)).or_default().push(c);
    }
    for (cell, codes) in rows.distinct {
        dates[cell.ob].insert(cell.day);
        if let Acc::Distinct(list) = place(config, &mut cells, &cell) {
            if list.is_empty() {
                *list = codes;
            } else {
                list.extend(codes);
            }
        }
    }
    for (cell, aggregate) in rows.aggregates {
        dates[cell.ob].insert(cell.day);
        *place(config, &mut cells, &cell) = acc_of(aggregate);
    }

    // Suspended records in record order (file, then row), then unattributable ones.
    let mut issues = rows.issues;
    let files = file_records(manifest, &mut issues, datasets_n);
    issues.sort_by_key(|i| (i.dataset, i.ob.is_none(), i.file, i.row));
    let mut records: Vec<DatasetRecords> = config
        .datasets
        .iter()
        .map(|d| DatasetRecords {
            name: d.name.as_str().into(),
            ..Default::default()
        })
        .collect();
    let mut suspended: HashMap<(usize, usize), Vec<(NaiveDate, u32)>> = HashMap::new();
    // Per (OB, dataset): the first causes per (file, date) of its suspended records, which
    // come in record order (file, then row).
    let mut causes: HashMap<(usize, usize), CausesByDate> = HashMap::new();
    let mut texts: HashMap<String, Arc<str>> = HashMap::new();
    let mut shared = |t: String| -> Arc<str> { Arc::clone(texts.entry(t.clone()).or_insert_with(|| t.into())) };
    for i in issues {
        let code: Code = i
            .code
            .parse()
            .map_err(|_| SummaryError(format!("unknown record code {:?} in the summary", i.code)))?;
        let ds = &mut records[i.dataset];
        let row = ds.ids.len() as u32;
        ds.ids.push(Some(&i.id));
        let issue = Issue {
            row,
            code,
            field: shared(i.field),
            value: shared(i.value),
            message: shared(i.message),
        };
        match i.ob {
            Some((ob, day)) => {
                dates[ob].insert(day);
                let first = causes.entry((ob, i.dataset)).or_default().entry((i.file, day));
                note_first(first.or_default(), (i.row, code, Arc::clone(&issue.field)));
                suspended
                    .entry((ob, i.dataset))
                    .or_default()
                    .push((day, ds.issues.len() as u32));
                ds.issues.push(issue);
            }
            None => ds.unattributable.push(issue),
        }
    }
    for ((ds, m), f) in records.iter_mut().zip(&manifest.datasets).zip(files) {
        ds.rows = m.rows as usize;
        ds.latest_us = m.latest_us;
        ds.files = f;
    }

    let days = (0..obs_n)
        .map(|ob| {
            let dates: Vec<NaiveDate> = dates[ob].iter().copied().collect();
            let slot: HashMap<NaiveDate, usize> = dates.iter().enumerate().map(|(i, d)| (*d, i)).collect();
            let n = dates.len();
            let datasets = (0..datasets_n)
                .map(|di| {
                    let mut day_counts = vec![DayCounts::default(); n];
                    let mut files: Vec<(u32, u32, DayCounts)> = Vec::new();
                    let mut rows_total = 0;
                    for c in counts.remove(&(ob, di)).unwrap_or_default() {
                        rows_total += c.records;
                        let day = slot[&c.day];
                        let into = &mut day_counts[day];
                        into.records += c.records;
                        into.duplicates += c.duplicates;
                        into.excluded += c.excluded;
                        into.suspended += c.suspended;
                        into.rated += c.rated;
                        files.push((
                            c.file,
                            day as u32,
                            DayCounts {
                                records: c.records,
                                duplicates: c.duplicates,
                                excluded: c.excluded,
                                suspended: c.suspended,
                                rated: c.rated,
                            },
                        ));
                    }
                    files.sort_unstable_by_key(|(f, d, _)| (*f, *d));
                    let meters = meter_days(config, di, ob, &mut cells, &slot);
                    let suspended = suspended
                        .remove(&(ob, di))
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(day, i)| (slot[&day] as u32, i))
                        .collect();
                    let mut first: Vec<(u32, u32, Vec<Cause>)> = causes
                        .remove(&(ob, di))
                        .unwrap_or_default()
                        .into_iter()
                        .map(|((file, day), c)| (file, slot[&day] as u32, c))
                        .collect();
                    first.sort_unstable_by_key(|(f, d, _)| (*f, *d));
                    DatasetDays {
                        causes: first,
                        rows: rows_total,
                        counts: day_counts,
                        suspended,
                        meters,
                        files,
                    }
                })
                .collect();
            ObDays { ob, dates, datasets }
        })
        .collect();
    Ok(Streamed {
        datasets: records,
        days,
        within: None,
    })
}

/// The meters of dataset `di` for OB `ob`: their cells spread over the OB's days (`slot`
/// gives each date's day).
fn meter_days(
    config: &Config,
    di: usize,
    ob: usize,
    cells: &mut Cells,
    slot: &HashMap<NaiveDate, usize>,
) -> Vec<MeterDays> {
    let n = slot.len();
    config
        .meters
        .iter()
        .enumerate()
        .filter(|(_, m)| m.dataset.eq_ignore_ascii_case(&config.datasets[di].name))
        .map(|(mi, m)| {
            let empty = Acc::rolled(m.aggregation);
            let mut found = cells.remove(&(ob, di, mi)).unwrap_or_default();
            let spread = |by_day: BTreeMap<NaiveDate, Acc>, into: &mut Vec<Acc>| {
                let at = into.len();
                into.extend(std::iter::repeat_n(empty.clone(), n));
                for (day, mut acc) in by_day {
                    acc.finish();
                    into[at + slot[&day]] = acc;
                }
            };
            let mut day_accs = Vec::with_capacity(n);
            spread(std::mem::take(&mut found.days), &mut day_accs);
            let groups = m
                .breakdown
                .iter()
                .map(|field| {
                    let values = found.groups.remove(field).unwrap_or_default();
                    let mut group = GroupDays {
                        field: field.clone(),
                        values: Vec::with_capacity(values.len()),
                        codes: Vec::with_capacity(values.len()),
                        accs: Vec::with_capacity(values.len() * n),
                    };
                    for (code, (value, by_day)) in values.into_iter().enumerate() {
                        group.values.push(value.map_or(Scalar::Null, Scalar::Text));
                        group.codes.push(code as u32);
                        spread(by_day, &mut group.accs);
                    }
                    group
                })
                .collect();
            MeterDays {
                meter: mi,
                scale: 0,
                days: day_accs,
                groups,
            }
        })
        .collect()
}
