//! `records`: the records behind a figure (README, "The records behind a figure"): an
//! invoice line, a breakdown row, a day of a meter, or a reconciliation cell. The load
//! keeps no record columns, so the usage dataset is read again file by file, through the
//! same rules (duplicates against every earlier record of the dataset, in file then row
//! order); the records are listed with their id, local time, the fields the meter reads
//! and the value that counted, and re-aggregated the way the engine does, so the listing
//! shows that it adds up to the figure.

use std::collections::BTreeSet;
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
#[derive(Debug, Clone, Default, Serialize)]
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

/// The figure as the invoice shows it (none: the invoice has no such figure).
pub fn figure_value(inv: &crate::report::Invoice, figure: &Figure) -> Option<Decimal> {
    match figure {
        Figure::Line { concept } => inv.lines.iter().find(|l| l.concept == *concept).map(|l| l.quantity),
        Figure::Breakdown { concept, field, value } => inv
            .breakdown
            .iter()
            .find(|b| b.concept == *concept && b.field == *field && b.value == value.clone().unwrap_or_default())
            .map(|b| b.quantity)
            .or(Some(Decimal::ZERO)),
        Figure::Day { meter, date } => {
            let day = inv.days.iter().position(|d| d == date)?;
            inv.daily
                .iter()
                .find(|d| d.meter == *meter)
                .and_then(|d| d.values.get(day).copied())
        }
        Figure::Outcome { dataset, outcome } => inv
            .reconciliation
            .iter()
            .find(|r| r.dataset.eq_ignore_ascii_case(dataset))
            .map(|r| {
                Decimal::from(match outcome.as_str() {
                    "duplicates" => r.duplicates,
                    "excluded" => r.excluded,
                    "suspended" => r.suspended,
                    _ => r.rated,
                })
            }),
    }
}

/// Why a figure cannot be listed.
fn unknown(what: String) -> crate::LoadError {
    crate::LoadError::Import(ImportError::Dataset { message: what })
}

/// The records behind `figure` for OB `ob` in `period`, all at once.
pub fn list(
    data: &Path,
    config: &Config,
    ob: &str,
    period: &Period,
    figure: &Figure,
) -> Result<Listing, crate::LoadError> {
    Scan::new(data, config, ob, period, figure)?.collect(&|_| {})
}

/// A listing ready to run: the export found, the figure understood, the columns known.
pub struct Scan {
    config: Config,
    inputs: crate::model::inputs::Inputs,
    plan: crate::import::StreamPlan,
    /// Index of the usage dataset in `config.datasets`.
    dataset: usize,
    ob: usize,
    meter: Option<usize>,
    figure: Figure,
    /// The fields shown besides id and time: the meter's field, `where` and breakdown fields.
    shown: Vec<String>,
    /// [start, end) of the period in UTC microseconds.
    window: (i64, i64),
    /// The columns of the rows `run` finds.
    pub columns: Vec<String>,
}

/// What the serial step of a scan keeps: the ids seen and the aggregate of the rows found.
#[derive(Default)]
struct Kept {
    seen: crate::engine::ordered::HashSet128,
    agg: Aggregate,
}

impl Scan {
    /// Finds the export's files for `figure`; reads only the dimension tables.
    pub fn new(
        data: &Path,
        config: &Config,
        ob: &str,
        period: &Period,
        figure: &Figure,
    ) -> Result<Scan, crate::LoadError> {
        let (config, catalog, inputs) = crate::trace::export_inputs(data, config, "list them from the export itself")?;
        let ob_index = config
            .obs
            .iter()
            .position(|o| o.code == ob)
            .ok_or_else(|| unknown(format!("OB {ob} is not in the configuration")))?;
        let tz = config.obs[ob_index].timezone;
        let (meter, ds) = target(&config, ob, figure)?;
        let mut shown: Vec<String> = Vec::new();
        if let Some(m) = meter.map(|i| &config.meters[i]) {
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
        let mut fields = config.field_plan(ds);
        for f in &shown {
            fields.add(f, Form::Value, false);
        }
        let plan = crate::import::StreamPlan::one(&catalog, ds, fields)?;
        let dataset = config.datasets.iter().position(|d| d.name == ds.name).unwrap_or(0);
        let bounds = period.day_bounds_us(tz);
        let mut columns: Vec<String> = ["dataset", "file", "record", "id", "local_time"]
            .map(String::from)
            .to_vec();
        columns.extend(shown.iter().cloned());
        columns.push("counted".to_string());
        Ok(Scan {
            window: (bounds[0], bounds[bounds.len() - 1]),
            config,
            inputs,
            plan,
            dataset,
            ob: ob_index,
            meter,
            figure: figure.clone(),
            shown,
            columns,
        })
    }

    /// Runs the scan and keeps every row found; `found(n)` is told how many each piece
    /// added, as they are found.
    pub fn collect(&self, found: &(dyn Fn(usize) + Sync)) -> Result<Listing, crate::LoadError> {
        let rows = std::sync::Mutex::new(Vec::new());
        let (total, how) = self.run(
            &|more| {
                found(more.len());
                rows.lock().unwrap_or_else(|e| e.into_inner()).extend(more);
            },
            &|| false,
        )?;
        Ok(Listing {
            columns: self.columns.clone(),
            rows: rows.into_inner().unwrap_or_else(|e| e.into_inner()),
            total,
            how,
        })
    }

    /// Reads the export again on all cores; hands the rows found to `found` in file and
    /// record order, a piece at a time, and returns the total and how it was worked out.
    pub fn run(
        &self,
        found: &(dyn Fn(Vec<Vec<String>>) + Sync),
        cancelled: &(dyn Fn() -> bool + Sync),
    ) -> Result<(String, String), crate::LoadError> {
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get()) + 1;
        let ds = &self.config.datasets[self.dataset];
        let read = |i: usize| -> Result<Option<Read>, crate::import::ImportError> {
            let Some((_, files, table)) = self.plan.read(i)? else {
                return Ok(None);
            };
            let texts: Vec<Option<crate::model::table::ValueColumn>> = self
                .shown
                .iter()
                .map(|f| match table.column(f, Form::Value) {
                    Some(Column::Value(c)) => Some(c.clone()),
                    _ => None,
                })
                .collect();
            let p = process::prepare(&self.config, ds, table, &self.inputs.dimensions);
            let hashes = (0..p.ids.len())
                .map(|r| (p.ids.state(r) == CellState::Ok).then(|| crate::engine::ordered::id_hash(p.ids.get_bytes(r))))
                .collect();
            let candidates = self.candidates(&p, &texts, &files, self.plan.first_record(i));
            Ok(Some(Read { hashes, candidates }))
        };
        let serial = |_: usize, read: Option<Read>, kept: &mut Kept| {
            if let Some(read) = read {
                found(self.pick(read, kept));
            }
        };
        let kept = crate::engine::ordered::in_order(
            self.plan.tasks.len(),
            workers,
            Kept::default(),
            &read,
            &serial,
            cancelled,
        )
        .map_err(|e| match e {
            crate::engine::ordered::Stopped::Failed(e) => crate::LoadError::Import(e),
            crate::engine::ordered::Stopped::Cancelled => crate::LoadError::Cancelled,
        })?;
        Ok(total_of(
            &self.config,
            self.meter.map(|i| &self.config.meters[i]),
            &kept.agg,
        ))
    }

    /// The records of a piece that are behind the figure unless the duplicate check makes
    /// them duplicates, with their cells, worked out in the parallel step.
    fn candidates(
        &self,
        p: &process::PreparedDataset,
        texts: &[Option<crate::model::table::ValueColumn>],
        files: &[(u32, usize)],
        first: u64,
    ) -> Vec<Candidate> {
        let tz = self.config.obs[self.ob].timezone;
        let m = self.meter.map(|i| &self.config.meters[i]);
        let slot = self.meter.and_then(|mi| p.slots.iter().position(|s| s.meter == mi));
        let ds = &self.config.datasets[self.dataset];
        let mut out = Vec::new();
        for &row in &p.rows_by_ob[self.ob] {
            let r = row as usize;
            let t = p.time_us[r];
            if t < self.window.0 || t >= self.window.1 {
                continue;
            }
            let text = |f: &str| -> Option<String> {
                let i = self.shown.iter().position(|s| s == f)?;
                let v = texts[i].as_ref()?.get(r);
                (!v.is_null()).then(|| v.text())
            };
            let outcome = p.outcome[r];
            let may_keep = match &self.figure {
                // Any record may turn out to repeat an earlier id.
                Figure::Outcome { outcome: wanted, .. } => {
                    wanted == "duplicates" || outcome_name(outcome) == wanted.as_str()
                }
                figure => {
                    let matched = slot.is_some_and(|k| p.meter_mask[r] & (1 << k) != 0);
                    let in_group = match figure {
                        Figure::Breakdown { field, value, .. } => text(field) == *value,
                        Figure::Day { date, .. } => local_date(t, tz) == Some(*date),
                        _ => true,
                    };
                    outcome == Outcome::Rated && matched && in_group
                }
            };
            if !may_keep {
                continue;
            }
            let (file, record) = place(files, first, r);
            let mut cells = vec![
                ds.name.clone(),
                self.plan.datasets[0]
                    .files
                    .get(file as usize)
                    .map(|f| f.display().to_string())
                    .unwrap_or_default(),
                record.to_string(),
                p.ids.get(r).to_string(),
                DateTime::from_timestamp_micros(t)
                    .map(|d| d.with_timezone(&tz).to_rfc3339())
                    .unwrap_or_default(),
            ];
            cells.extend(self.shown.iter().map(|f| text(f).unwrap_or_default()));
            out.push(Candidate {
                row,
                outcome,
                t,
                value: m.and_then(|m| m.field.as_deref()).and_then(text),
                cells,
            });
        }
        out
    }

    /// The duplicate check for a piece, in order, then the piece's records behind the figure
    /// folded into the aggregate (the ordered step: only what must see the records in order).
    fn pick(&self, read: Read, kept: &mut Kept) -> Vec<Vec<String>> {
        let duplicate: Vec<bool> = read
            .hashes
            .iter()
            .map(|h| h.is_some_and(|h| !kept.seen.insert(h)))
            .collect();
        let m = self.meter.map(|i| &self.config.meters[i]);
        let mut rows = Vec::with_capacity(read.candidates.len());
        for c in read.candidates {
            let outcome = if duplicate[c.row as usize] {
                Outcome::Duplicate
            } else {
                c.outcome
            };
            let keep = match &self.figure {
                Figure::Outcome { outcome: wanted, .. } => outcome_name(outcome) == wanted.as_str(),
                _ => outcome == Outcome::Rated,
            };
            if !keep {
                continue;
            }
            let mut cells = c.cells;
            let counted = match m {
                Some(m) => kept.agg.add(m.aggregation, c.value, c.t, &cells[3]),
                None => {
                    kept.agg.count += 1;
                    "1".to_string()
                }
            };
            cells.push(counted);
            rows.push(cells);
        }
        rows
    }
}

/// A record that is behind the figure unless it repeats an earlier id.
struct Candidate {
    /// Its row in the piece.
    row: u32,
    /// Its outcome before the duplicate check.
    outcome: Outcome,
    t: i64,
    /// The value of the meter's field, as text.
    value: Option<String>,
    /// Every cell but `counted`.
    cells: Vec<String>,
}

/// A piece read, its candidates worked out, waiting for the duplicate check.
struct Read {
    /// Per row: the id's hash, if the id was read.
    hashes: Vec<Option<u128>>,
    candidates: Vec<Candidate>,
}

/// The file index and the record number (from 1) of row `r` of a piece.
fn place(files: &[(u32, usize)], first: u64, r: usize) -> (u32, u64) {
    let mut start = 0;
    for (i, (file, rows)) in files.iter().enumerate() {
        if r < start + rows || i + 1 == files.len() {
            let before = if i == 0 { first } else { 0 };
            return (*file, before + (r - start) as u64 + 1);
        }
        start += rows;
    }
    (0, first + r as u64 + 1)
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
        // Never read here: `records` reads every field of every record.
        Outcome::Unread => "unread",
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

impl Figure {
    /// The figure in words, for titles: `UNITS`, `UNITS, app_id = X`, `VOICE_MIN on 2026-10-03`.
    pub fn label(&self) -> String {
        match self {
            Figure::Line { concept } => concept.clone(),
            Figure::Breakdown { concept, field, value } => {
                format!("{concept}, {field} = {}", value.as_deref().unwrap_or("(null)"))
            }
            Figure::Day { meter, date } => format!("{meter} on {date}"),
            Figure::Outcome { dataset, outcome } => format!("{outcome} of {dataset}"),
        }
    }

    /// The figure as part of a file name: letters, digits, `-`, `.` and `_` only.
    pub fn slug(&self) -> String {
        let raw = match self {
            Figure::Line { concept } => concept.clone(),
            Figure::Breakdown { concept, field, value } => {
                format!("{concept}-{field}-{}", value.as_deref().unwrap_or("null"))
            }
            Figure::Day { meter, date } => format!("{meter}-{date}"),
            Figure::Outcome { dataset, outcome } => format!("{dataset}-{outcome}"),
        };
        raw.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-._".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    }
}

impl Listing {
    /// The listing as a Parquet file: one text column per column of the listing, the same
    /// names and order as the CSV.
    pub fn parquet(&self) -> Result<Vec<u8>, parquet::errors::ParquetError> {
        use std::sync::Arc;
        let fields: Vec<arrow_schema::Field> = self
            .columns
            .iter()
            .map(|c| arrow_schema::Field::new(c, arrow_schema::DataType::Utf8, false))
            .collect();
        let schema = Arc::new(arrow_schema::Schema::new(fields));
        let columns: Vec<arrow_array::ArrayRef> = (0..self.columns.len())
            .map(|i| {
                let values = self.rows.iter().map(|r| r.get(i).map_or("", String::as_str));
                Arc::new(arrow_array::StringArray::from_iter_values(values)) as arrow_array::ArrayRef
            })
            .collect();
        let batch = arrow_array::RecordBatch::try_new(schema.clone(), columns)?;
        let mut out = Vec::new();
        let mut writer = parquet::arrow::ArrowWriter::try_new(&mut out, schema, None)?;
        writer.write(&batch)?;
        writer.close()?;
        Ok(out)
    }
}
