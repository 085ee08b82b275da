//! `trace`: what became of one record (README, "Tracing a record"). The usage datasets are
//! read again, file by file in the order a load reads them, through the same import and
//! the same record rules; every record with the id is reported with its file and record
//! number, its outcome and why, its OB and local day, and, when it was rated, each meter
//! it counted in with the invoice line and breakdown rows the meter feeds.

use std::collections::HashMap;
use std::path::Path;

use chrono::DateTime;
use serde::Serialize;

use crate::engine::process::{self, Outcome};
use crate::import::{Catalog, ImportError};
use crate::model::config::Aggregation;
use crate::model::table::{CellState, Column, Form, Scalar};
use crate::model::{Config, Period};

/// Every record found with the id.
#[derive(Debug, Clone, Serialize)]
pub struct Trace {
    pub id: String,
    pub records: Vec<Occurrence>,
}

/// One record with the id, and what became of it.
#[derive(Debug, Clone, Serialize)]
pub struct Occurrence {
    pub dataset: String,
    pub file: String,
    /// The record's number in its file, from 1.
    pub record: u64,
    /// unattributable, out of scope, duplicate, excluded, suspended or rated.
    pub outcome: &'static str,
    /// Why, in words: the rule, the earlier record, or the failing field.
    pub reason: String,
    pub code: Option<&'static str>,
    pub field: Option<String>,
    pub value: Option<String>,
    pub ob: Option<String>,
    /// The record's time in the OB's zone (RFC 3339), and its local day.
    pub local_time: Option<String>,
    pub local_day: Option<String>,
    /// The period the record was looked at in (`--period`, else its local month).
    pub period: Option<String>,
    /// For a duplicate: the file and record number of the first record with the id.
    pub duplicate_of: Option<(String, u64)>,
    pub meters: Vec<MeterUse>,
}

/// A meter a rated record counted in.
#[derive(Debug, Clone, Serialize)]
pub struct MeterUse {
    pub meter: String,
    /// What the record added: `1 record`, or the field and its value.
    pub counted: String,
    /// The invoice lines (concepts) the meter feeds for the OB.
    pub lines: Vec<String>,
    /// Breakdown rows: (field, value, label).
    pub breakdown: Vec<(String, String, String)>,
}

/// Where a record with the id was first seen: its file and record number.
type First = Option<(String, u64)>;

/// Traces `id` through the usage datasets of `data` (or only `dataset`).
pub fn trace(
    data: &Path,
    config: &Config,
    id: &str,
    dataset: Option<&str>,
    period: Option<&Period>,
) -> Result<Trace, crate::LoadError> {
    let (config, catalog, inputs) = export_inputs(data, config, "trace reads the export itself")?;
    let mut records = Vec::new();
    for ds in &config.datasets {
        if dataset.is_some_and(|d| !d.eq_ignore_ascii_case(&ds.name)) {
            continue;
        }
        let entry = crate::import::entry_for(&catalog, &ds.name)?;
        let (_, files) = entry.files(ds.version)?;
        let mut plan = config.field_plan(ds);
        // The meters' fields as text too, to show the value that counted.
        for m in config.meters_of(&ds.name) {
            if let Some(f) = &m.field {
                plan.add(f, Form::Value, false);
            }
        }
        let mut first: First = None;
        for path in &files {
            let table = crate::import::read_file(path, &plan)?;
            let rows: Vec<usize> = match table.column(&ds.id_field, Form::Id) {
                Some(Column::Id(ids)) => (0..ids.len())
                    .filter(|r| ids.state(*r) == CellState::Ok && ids.get(*r) == id)
                    .collect(),
                _ => Vec::new(),
            };
            if rows.is_empty() {
                continue;
            }
            // The values the meters read, as text, before the rules keep only their forms.
            let shown: HashMap<String, Vec<String>> = config
                .meters_of(&ds.name)
                .into_iter()
                .filter_map(|m| m.field.clone())
                .filter_map(|f| {
                    let col = match table.column(&f, Form::Value) {
                        Some(Column::Value(c)) => rows
                            .iter()
                            .map(|r| {
                                let v = c.get(*r);
                                if v.is_null() {
                                    "null (not counted)".to_string()
                                } else {
                                    v.text()
                                }
                            })
                            .collect(),
                        _ => return None,
                    };
                    Some((f, col))
                })
                .collect();
            let prepared = process::prepare(&config, ds, table, &inputs.dimensions);
            let file = path.display().to_string();
            for (k, r) in rows.iter().enumerate() {
                let place = (file.clone(), *r as u64 + 1);
                let duplicate_of = first.clone();
                first.get_or_insert(place.clone());
                let at = Located {
                    config: &config,
                    inputs: &inputs,
                    ds,
                    prepared: &prepared,
                    row: *r,
                    shown: &shown,
                    index: k,
                };
                records.push(at.occurrence(place, duplicate_of, period));
            }
        }
    }
    Ok(Trace {
        id: id.to_string(),
        records,
    })
}

/// An export's configuration (with its `[[ob_table]]` OBs), datasets and dimension tables,
/// for reading its records again; a usage summary keeps none (`what` says what to do).
pub(crate) fn export_inputs(
    data: &Path,
    config: &Config,
    what: &str,
) -> Result<(Config, Catalog, crate::model::inputs::Inputs), crate::LoadError> {
    if crate::import::summary::is_summary(data) {
        return Err(crate::LoadError::Import(ImportError::Dataset {
            message: format!(
                "{}: a usage summary keeps no records; {what} (the summary's suspended and unattributable tables list those records with file and row)",
                data.display()
            ),
        }));
    }
    let mut config = config.clone();
    let catalog = Catalog::discover(data)?;
    crate::import::add_table_obs(&mut config, &catalog, &|_: &Path| {})?;
    let inputs = crate::import::load_support(&config, &catalog, &|_: &Path| {})?;
    Ok((config, catalog, inputs))
}

/// One record of a prepared file.
struct Located<'a> {
    config: &'a Config,
    inputs: &'a crate::model::inputs::Inputs,
    ds: &'a crate::model::config::DatasetConfig,
    prepared: &'a process::PreparedDataset,
    row: usize,
    shown: &'a HashMap<String, Vec<String>>,
    /// The record's index among the file's records with the id.
    index: usize,
}

impl Located<'_> {
    fn occurrence(&self, (file, record): (String, u64), duplicate_of: First, period: Option<&Period>) -> Occurrence {
        let p = self.prepared;
        let r = self.row;
        let mut o = Occurrence {
            dataset: self.ds.name.clone(),
            file,
            record,
            outcome: "rated",
            reason: String::new(),
            code: None,
            field: None,
            value: None,
            ob: None,
            local_time: None,
            local_day: None,
            period: None,
            duplicate_of: None,
            meters: Vec::new(),
        };
        let issue_of = |list: &[process::Issue]| list.iter().find(|i| i.row as usize == r).cloned();
        if p.outcome[r] == Outcome::Unattributable {
            o.outcome = "unattributable";
            if let Some(i) = issue_of(&p.unattributable) {
                o.reason = format!("{} (run-level suspense, on no invoice)", i.message);
                o.code = Some(i.code.as_str());
                o.field = Some(i.field.to_string());
                o.value = Some(i.value.to_string());
            }
            return o;
        }
        let ob = &self.config.obs[p.ob[r] as usize];
        o.ob = Some(ob.code.clone());
        let t = p.time_us[r];
        if let Some(local) = DateTime::from_timestamp_micros(t).map(|d| d.with_timezone(&ob.timezone)) {
            o.local_time = Some(local.to_rfc3339());
            o.local_day = Some(local.date_naive().to_string());
        }
        let own_month = crate::model::period::utc_date(t).and_then(|_| {
            DateTime::from_timestamp_micros(t)
                .map(|d| Period::Month(crate::model::YearMonth::of(d.with_timezone(&ob.timezone).date_naive())))
        });
        let period = period.cloned().or(own_month);
        if let Some(period) = &period {
            o.period = Some(period.label());
            let bounds = period.day_bounds_us(ob.timezone);
            if bounds.first().is_some_and(|s| t < *s) || bounds.last().is_some_and(|e| t >= *e) {
                o.outcome = "out of scope";
                o.reason = format!("outside {} in {} (OB {})", period.label(), ob.timezone.name(), ob.code);
                return o;
            }
        }
        if let Some(first) = duplicate_of {
            o.outcome = "duplicate";
            o.reason = format!(
                "{} {} was seen earlier in {}, record {}",
                self.ds.id_field,
                p.ids.get(r),
                first.0,
                first.1
            );
            o.duplicate_of = Some(first);
            return o;
        }
        match p.outcome[r] {
            Outcome::Excluded => {
                o.outcome = "excluded";
                let rule: Vec<String> = self
                    .ds
                    .exclude
                    .iter()
                    .map(|c| {
                        let values: Vec<String> = c.values.iter().map(ToString::to_string).collect();
                        format!("{} = [{}]", c.field, values.join(", "))
                    })
                    .collect();
                o.reason = format!("matches the exclude rule of {}: {}", self.ds.name, rule.join(" and "));
            }
            Outcome::Suspended => {
                o.outcome = "suspended";
                if let Some(i) = issue_of(&p.issues) {
                    o.reason = i.message.to_string();
                    o.code = Some(i.code.as_str());
                    o.field = Some(i.field.to_string());
                    o.value = Some(i.value.to_string());
                }
            }
            _ => {
                o.reason = "passed every check".to_string();
                o.meters = self.meters(&ob.code);
            }
        }
        o
    }

    /// The meters whose `where` the record matches, with what it added and where it shows.
    fn meters(&self, ob: &str) -> Vec<MeterUse> {
        let p = self.prepared;
        let mask = p.meter_mask[self.row];
        let mut out = Vec::new();
        for (bit, slot) in p.slots.iter().enumerate() {
            if mask & (1 << bit) == 0 {
                continue;
            }
            let m = &self.config.meters[slot.meter];
            let counted = match (&m.aggregation, &m.field) {
                (Aggregation::Count, _) | (_, None) => "1 record".to_string(),
                (a, Some(f)) => {
                    let value = self
                        .shown
                        .get(f)
                        .and_then(|v| v.get(self.index))
                        .cloned()
                        .unwrap_or_default();
                    let what = match a {
                        Aggregation::CountDistinct => "a distinct value of",
                        Aggregation::Max => "a candidate for the maximum of",
                        Aggregation::Latest => "a candidate for the latest",
                        _ => "",
                    };
                    if what.is_empty() {
                        format!("{f} = {value}")
                    } else {
                        format!("{what} {f}: {value}")
                    }
                }
            };
            let lines = self
                .config
                .charges_for(ob)
                .iter()
                .filter(|c| c.meter == m.code)
                .map(|c| c.concept.clone())
                .collect();
            let breakdown = m
                .breakdown
                .iter()
                .filter_map(|b| match p.table.column(b, Form::Value) {
                    Some(Column::Value(c)) => {
                        let v = c.get(self.row);
                        Some((b.clone(), v.text(), self.label(b, v)))
                    }
                    _ => None,
                })
                .collect();
            out.push(MeterUse {
                meter: m.code.clone(),
                counted,
                lines,
                breakdown,
            });
        }
        out
    }

    fn label(&self, field: &str, v: &Scalar) -> String {
        if v.is_null() {
            return "(none)".to_string();
        }
        self.inputs
            .dimensions
            .get(field)
            .and_then(|d| d.labels.get(&v.text()))
            .cloned()
            .unwrap_or_else(|| v.text())
    }
}

impl Trace {
    /// The trace as text for a terminal.
    pub fn render(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        if self.records.is_empty() {
            let _ = writeln!(s, "No record has the id {:?}.", self.id);
            return s;
        }
        for o in &self.records {
            let _ = writeln!(s, "{} {:?}: {}, record {}", o.dataset, self.id, o.file, o.record);
            if let (Some(ob), Some(t), Some(day)) = (&o.ob, &o.local_time, &o.local_day) {
                let period = o
                    .period
                    .as_deref()
                    .map(|p| format!(", looked at in {p}"))
                    .unwrap_or_default();
                let _ = writeln!(s, "  OB {ob}, {t} (local day {day}{period})");
            }
            let code = o.code.map(|c| format!(" [{c}]")).unwrap_or_default();
            let _ = writeln!(s, "  {}{code}: {}", o.outcome.to_uppercase(), o.reason);
            for m in &o.meters {
                let _ = writeln!(s, "  meter {}: {}", m.meter, m.counted);
                if !m.lines.is_empty() {
                    let _ = writeln!(s, "    invoice line {}", m.lines.join(", "));
                }
                for (f, v, l) in &m.breakdown {
                    let _ = writeln!(s, "    breakdown {f} = {v} ({l})");
                }
            }
        }
        s
    }
}
