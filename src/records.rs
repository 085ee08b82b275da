//! `records`: the records behind a figure (README, "The records behind a figure"): an
//! invoice line, a breakdown row, a day of a meter, or a reconciliation cell. The load
//! keeps no record columns, so the usage dataset is read again file by file, through the
//! same rules (duplicates against every earlier record of the dataset, in file then row
//! order); the records are listed with their id, local time, the fields the meter reads
//! and the value that counted, and re-aggregated the way the engine does, so the listing
//! shows that it adds up to the figure.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use chrono::{DateTime, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::engine::process::{self, Outcome};
use crate::import::ImportError;
use crate::model::config::Aggregation;
use crate::model::money::{parse_decimal, plain_string};
use crate::model::table::{CellState, Column, Form};
use crate::model::{Config, Period};

/// Which figure to explain.
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    /// The quantity of the invoice line of a charge.
    Line { concept: String },
    /// A breakdown row of a line: the value of a breakdown field (`None`: the null value).
    Breakdown {
        concept: String,
        field: String,
        value: Option<String>,
    },
    /// One local day of a meter.
    Day { meter: String, date: NaiveDate },
    /// A reconciliation cell: one outcome of a dataset for the OB.
    Outcome { dataset: String, outcome: String },
}

/// The records behind a figure.
#[derive(Debug, Clone, Serialize)]
pub struct Listing {
    /// The columns of `rows`: dataset, file, record, id, local time, the fields read, counted.
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// The records re-aggregated like the engine: `round_6(aggregate / divide_by)` for a
    /// meter, the number of records for a reconciliation cell.
    pub total: String,
    /// How the total was worked out (`sum of audio_ms / 60000`, `distinct user_id`, …).
    pub how: String,
}

/// Why a figure cannot be listed.
fn unknown(what: String) -> crate::LoadError {
    crate::LoadError::Import(ImportError::Dataset { message: what })
}

/// The records behind `figure` for OB `ob` in `period`.
pub fn list(
    data: &Path,
    config: &Config,
    ob: &str,
    period: &Period,
    figure: &Figure,
) -> Result<Listing, crate::LoadError> {
    let (config, catalog, inputs) = crate::trace::export_inputs(data, config, "list them from the export itself")?;
    let ob_index = config
        .obs
        .iter()
        .position(|o| o.code == ob)
        .ok_or_else(|| unknown(format!("OB {ob} is not in the configuration")))?;
    let tz = config.obs[ob_index].timezone;
    let (meter, ds) = target(&config, ob, figure)?;
    let m = meter.map(|i| &config.meters[i]);
    let mut shown: Vec<String> = Vec::new();
    if let Some(m) = m {
        let fields = m
            .field
            .iter()
            .cloned()
            .chain(m.where_.iter().map(|c| c.field.clone()))
            .chain(m.breakdown.iter().cloned());
        for f in fields {
            if !shown.contains(&f) {
                shown.push(f);
            }
        }
    }
    let mut plan = config.field_plan(ds);
    for f in &shown {
        plan.add(f, Form::Value, false);
    }
    let bounds = period.day_bounds_us(tz);
    let (start, end) = (bounds[0], bounds[bounds.len() - 1]);
    let entry = crate::import::entry_for(&catalog, &ds.name)?;
    let (_, files) = entry.files(ds.version)?;
    let mut seen: HashSet<String> = HashSet::new();
    let mut rows = Vec::new();
    let mut agg = Aggregate::default();
    for path in &files {
        let table = crate::import::read_file(path, &plan)?;
        let texts: Vec<Option<crate::model::table::ValueColumn>> = shown
            .iter()
            .map(|f| match table.column(f, Form::Value) {
                Some(Column::Value(c)) => Some(c.clone()),
                _ => None,
            })
            .collect();
        let mut p = process::prepare(&config, ds, table, &inputs.dimensions);
        let duplicate: Vec<bool> = (0..p.ids.len())
            .map(|r| p.ids.state(r) == CellState::Ok && !seen.insert(p.ids.get(r).to_string()))
            .collect();
        p.mark_duplicates(&duplicate);
        let slot = meter.and_then(|mi| p.slots.iter().position(|s| s.meter == mi));
        for &row in &p.rows_by_ob[ob_index] {
            let r = row as usize;
            let t = p.time_us[r];
            if t < start || t >= end {
                continue;
            }
            let text = |f: &str| -> Option<String> {
                let i = shown.iter().position(|s| s == f)?;
                let v = texts[i].as_ref()?.get(r);
                (!v.is_null()).then(|| v.text())
            };
            let keep = match figure {
                Figure::Outcome { outcome, .. } => outcome_name(p.outcome[r]) == outcome.as_str(),
                _ => {
                    let matched = slot.is_some_and(|k| p.meter_mask[r] & (1 << k) != 0);
                    let in_group = match figure {
                        Figure::Breakdown { field, value, .. } => text(field) == *value,
                        Figure::Day { date, .. } => local_date(t, tz) == Some(*date),
                        _ => true,
                    };
                    p.outcome[r] == Outcome::Rated && matched && in_group
                }
            };
            if !keep {
                continue;
            }
            let counted = match m {
                Some(m) => agg.add(m.aggregation, m.field.as_deref().and_then(&text), t, p.ids.get(r)),
                None => {
                    agg.count += 1;
                    "1".to_string()
                }
            };
            let mut cells = vec![
                ds.name.clone(),
                path.display().to_string(),
                (r + 1).to_string(),
                p.ids.get(r).to_string(),
                DateTime::from_timestamp_micros(t)
                    .map(|d| d.with_timezone(&tz).to_rfc3339())
                    .unwrap_or_default(),
            ];
            cells.extend(shown.iter().map(|f| text(f).unwrap_or_default()));
            cells.push(counted);
            rows.push(cells);
        }
    }
    let mut columns: Vec<String> = ["dataset", "file", "record", "id", "local_time"]
        .map(String::from)
        .to_vec();
    columns.extend(shown.iter().cloned());
    columns.push("counted".to_string());
    let (total, how) = total_of(&config, m, &agg);
    Ok(Listing {
        columns,
        rows,
        total,
        how,
    })
}

/// The meter (none for a reconciliation cell) and the usage dataset behind a figure.
fn target<'a>(
    config: &'a Config,
    ob: &str,
    figure: &Figure,
) -> Result<(Option<usize>, &'a crate::model::config::DatasetConfig), crate::LoadError> {
    let meter = match figure {
        Figure::Line { concept } | Figure::Breakdown { concept, .. } => {
            let charge = config
                .charges_for(ob)
                .into_iter()
                .find(|c| c.concept == *concept)
                .ok_or_else(|| unknown(format!("OB {ob} has no charge {concept}")))?;
            Some(charge.meter.clone())
        }
        Figure::Day { meter, .. } => Some(meter.clone()),
        Figure::Outcome { .. } => None,
    };
    let meter = match &meter {
        Some(code) => Some(
            config
                .meters
                .iter()
                .position(|m| m.code == *code)
                .ok_or_else(|| unknown(format!("no meter {code}")))?,
        ),
        None => None,
    };
    let dataset = match (figure, meter) {
        (Figure::Outcome { dataset, .. }, _) => dataset.clone(),
        (_, Some(m)) => config.meters[m].dataset.clone(),
        _ => String::new(),
    };
    let ds = config
        .datasets
        .iter()
        .find(|d| d.name.eq_ignore_ascii_case(&dataset))
        .ok_or_else(|| unknown(format!("no usage dataset {dataset}")))?;
    Ok((meter, ds))
}

/// The records' total as the engine works it out, and how, in words.
fn total_of(config: &Config, m: Option<&crate::model::config::MeterConfig>, agg: &Aggregate) -> (String, String) {
    match m {
        Some(m) => {
            let value = agg.value(m.aggregation);
            let q = config.billing.rounding.round6(value / m.divide_by);
            let of = m.field.as_deref().unwrap_or("records");
            let how = match m.aggregation {
                Aggregation::Count => "count of records".to_string(),
                Aggregation::Sum => format!("sum of {of}"),
                Aggregation::CountDistinct => format!("distinct {of}"),
                Aggregation::Max => format!("max of {of}"),
                Aggregation::Latest => format!("latest {of}"),
            };
            let how = if m.divide_by == Decimal::ONE {
                how
            } else {
                format!("{how} / {}", plain_string(m.divide_by))
            };
            (plain_string(q), how)
        }
        None => (agg.count.to_string(), "count of records".to_string()),
    }
}

fn outcome_name(o: Outcome) -> &'static str {
    match o {
        Outcome::Rated => "rated",
        Outcome::Duplicate => "duplicates",
        Outcome::Excluded => "excluded",
        Outcome::Suspended => "suspended",
        Outcome::Unattributable => "unattributable",
    }
}

fn local_date(t: i64, tz: chrono_tz::Tz) -> Option<NaiveDate> {
    DateTime::from_timestamp_micros(t).map(|d| d.with_timezone(&tz).date_naive())
}

/// The records' aggregate, as the engine folds it.
#[derive(Default)]
struct Aggregate {
    count: u64,
    sum: Decimal,
    max: Option<Decimal>,
    latest: Option<(i64, String, Decimal)>,
    distinct: BTreeSet<String>,
}

impl Aggregate {
    /// Adds a record; returns what it counted as text (empty for a null value).
    fn add(&mut self, a: Aggregation, value: Option<String>, t: i64, id: &str) -> String {
        let number = value.as_deref().and_then(parse_decimal);
        match (a, &value, number) {
            (Aggregation::Count, _, _) => {
                self.count += 1;
                return "1".to_string();
            }
            (Aggregation::CountDistinct, Some(v), _) => {
                self.distinct.insert(v.clone());
            }
            (Aggregation::Sum, _, Some(n)) => self.sum += n,
            (Aggregation::Max, _, Some(n)) => self.max = Some(self.max.map_or(n, |m| m.max(n))),
            (Aggregation::Latest, _, Some(n))
                if self
                    .latest
                    .as_ref()
                    .is_none_or(|(kt, kid, _)| (t, id) > (*kt, kid.as_str())) =>
            {
                self.latest = Some((t, id.to_string(), n));
            }
            _ => {}
        }
        value.unwrap_or_default()
    }

    fn value(&self, a: Aggregation) -> Decimal {
        match a {
            Aggregation::Count => Decimal::from(self.count),
            Aggregation::Sum => self.sum,
            Aggregation::CountDistinct => Decimal::from(self.distinct.len() as u64),
            Aggregation::Max => self.max.unwrap_or(Decimal::ZERO),
            Aggregation::Latest => self.latest.as_ref().map_or(Decimal::ZERO, |l| l.2),
        }
    }
}

impl Listing {
    /// The listing as CSV (RFC 4180), header first; values are text as read.
    pub fn csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&self.columns)?;
        for r in &self.rows {
            w.write_record(r)?;
        }
        w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    }
}
