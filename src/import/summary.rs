//! Reading a usage summary written by the Spark job (docs/databricks.md): `_summary.json`
//! and its Parquet tables, turned into the plain rows of `model::summary`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::model::Config;
use crate::model::summary::{Aggregate, Cell, DayCount, FORMAT_VERSION, Manifest, RecordIssue, SummaryRows};
use crate::model::table::{CellState, Column, FieldPlan, Form, IdColumn, NumberColumn, Table, TimeColumn, ValueColumn};

use super::ImportError;

/// The manifest's file name: a data folder holding it is a usage summary.
pub const MANIFEST: &str = "_summary.json";

/// Whether `dir` is a usage summary rather than an export.
pub fn is_summary(dir: &Path) -> bool {
    dir.join(MANIFEST).is_file()
}

fn format_error(path: &Path, message: String) -> ImportError {
    ImportError::Format {
        path: path.to_path_buf(),
        message,
    }
}

/// Reads `_summary.json` and checks that it was made from `config`.
pub fn manifest(dir: &Path, config: &Config) -> Result<Manifest, ImportError> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| ImportError::io(&path, e))?;
    let manifest: Manifest =
        serde_json::from_str(&text).map_err(|e| format_error(&path, format!("not a usage summary manifest: {e}")))?;
    if manifest.format_version != FORMAT_VERSION {
        return Err(format_error(
            &path,
            format!(
                "summary format {} is not the one this version reads ({FORMAT_VERSION}); generate the job again with spark-job",
                manifest.format_version
            ),
        ));
    }
    if manifest.config_sha256 != config.sha256 {
        return Err(format_error(
            &path,
            format!(
                "the summary was made with a configuration of SHA-256 {} ({}), but {} has SHA-256 {}; run the job generated from this configuration",
                manifest.config_sha256,
                if manifest.config_file.is_empty() {
                    "unknown file"
                } else {
                    &manifest.config_file
                },
                config.path.display(),
                config.sha256
            ),
        ));
    }
    let names: Vec<&str> = manifest.datasets.iter().map(|d| d.name.as_str()).collect();
    let wanted: Vec<&str> = config.datasets.iter().map(|d| d.name.as_str()).collect();
    if names != wanted {
        return Err(format_error(
            &path,
            format!("the summary holds datasets {names:?}, the configuration {wanted:?}"),
        ));
    }
    Ok(manifest)
}

/// The dimension tables, Platform_Cost and `[[ob_table]]` datasets the job copied into
/// the summary's `tables` folder (none when the configuration reads none).
pub fn tables(dir: &Path) -> Result<super::Catalog, ImportError> {
    let tables = dir.join("tables");
    if !tables.exists() {
        return Ok(super::Catalog {
            dir: tables,
            entries: Vec::new(),
        });
    }
    super::Catalog::discover(&tables)
}

/// The Parquet part files of one summary table, in byte order of their names.
fn parts(dir: &Path) -> Result<Vec<PathBuf>, ImportError> {
    let mut files = Vec::new();
    for item in std::fs::read_dir(dir).map_err(|e| ImportError::io(dir, e))? {
        let item = item.map_err(|e| ImportError::io(dir, e))?;
        let name = item.file_name().to_string_lossy().into_owned();
        if !name.starts_with(['_', '.']) && name.ends_with(".parquet") {
            files.push(item.path());
        }
    }
    files.sort();
    Ok(files)
}

/// One summary table read whole with the columns of `plan`.
fn table(dir: &Path, name: &str, plan: &[(&str, Form)]) -> Result<Table, ImportError> {
    let files = parts(&dir.join(name))?;
    let (table, _) = super::read_parts(&files, &field_plan(plan), &|_| {})?;
    Ok(table)
}

/// The columns of a summary table, every one required.
fn field_plan(plan: &[(&str, Form)]) -> FieldPlan {
    let mut fields = FieldPlan::default();
    for (field, form) in plan {
        fields.add(field, *form, true);
    }
    fields
}

/// Typed access to a table's columns, with an error naming the table for a bad cell.
struct Rows<'a> {
    table: &'a Table,
    path: PathBuf,
}

impl<'a> Rows<'a> {
    fn values(&self, field: &str) -> Option<&'a ValueColumn> {
        match self.table.column(field, Form::Value) {
            Some(Column::Value(c)) => Some(c),
            _ => None,
        }
    }
    fn ids(&self, field: &str) -> Option<&'a IdColumn> {
        match self.table.column(field, Form::Id) {
            Some(Column::Id(c)) => Some(c),
            _ => None,
        }
    }
    fn numbers(&self, field: &str) -> Option<&'a NumberColumn> {
        match self.table.column(field, Form::Number) {
            Some(Column::Number(c)) => Some(c),
            _ => None,
        }
    }
    fn times(&self, field: &str) -> Option<&'a TimeColumn> {
        match self.table.column(field, Form::Time) {
            Some(Column::Time(c)) => Some(c),
            _ => None,
        }
    }
    fn bad(&self, row: usize, what: &str) -> ImportError {
        format_error(&self.path, format!("row {}: {what}", row + 1))
    }
}

fn number(col: Option<&NumberColumn>, row: usize) -> Option<Decimal> {
    let c = col?;
    (c.states[row] == CellState::Ok).then(|| c.values[row])
}

fn count(col: Option<&NumberColumn>, row: usize) -> u64 {
    number(col, row).and_then(|d| u64::try_from(d).ok()).unwrap_or(0)
}

fn text(col: Option<&ValueColumn>, row: usize) -> Option<String> {
    let v = col?.get(row);
    (!v.is_null()).then(|| v.text())
}

/// Indices of the configuration's datasets, OBs and meters by name.
struct Names {
    datasets: HashMap<String, usize>,
    obs: HashMap<String, usize>,
    meters: HashMap<String, usize>,
}

impl Names {
    fn of(config: &Config) -> Names {
        let index = |names: Vec<&str>| names.into_iter().enumerate().map(|(i, n)| (n.to_string(), i)).collect();
        Names {
            datasets: index(config.datasets.iter().map(|d| d.name.as_str()).collect()),
            obs: index(config.obs.iter().map(|o| o.code.as_str()).collect()),
            meters: index(config.meters.iter().map(|m| m.code.as_str()).collect()),
        }
    }
}

/// A value column's dictionary resolved once: each code's index in `names` (`None`: a name
/// the configuration does not have, or null).
fn resolve(col: Option<&ValueColumn>, names: &HashMap<String, usize>) -> Vec<Option<usize>> {
    col.map(|c| c.dict.iter().map(|v| names.get(&v.text()).copied()).collect())
        .unwrap_or_default()
}

/// The key columns every summary table starts with, resolved per dictionary code.
struct Keys<'a> {
    dataset: (Option<&'a ValueColumn>, Vec<Option<usize>>),
    ob: (Option<&'a ValueColumn>, Vec<Option<usize>>),
    day: Option<&'a TimeColumn>,
    meter: (Option<&'a ValueColumn>, Vec<Option<usize>>),
    breakdown: Option<&'a ValueColumn>,
    value: Option<&'a ValueColumn>,
}

fn lookup(
    rows: &Rows<'_>,
    (col, resolved): &(Option<&ValueColumn>, Vec<Option<usize>>),
    r: usize,
    what: &str,
) -> Result<usize, ImportError> {
    let code = col.map_or(0, |c| c.codes[r] as usize);
    resolved.get(code).copied().flatten().ok_or_else(|| {
        let name = text(*col, r).unwrap_or_default();
        rows.bad(r, &format!("{what} {name:?} is not in the configuration"))
    })
}

impl Keys<'_> {
    fn dataset(&self, rows: &Rows<'_>, r: usize) -> Result<usize, ImportError> {
        lookup(rows, &self.dataset, r, "dataset")
    }
    fn ob_day(&self, rows: &Rows<'_>, r: usize) -> Result<(usize, NaiveDate), ImportError> {
        let ob = lookup(rows, &self.ob, r, "OB")?;
        let day = self
            .day
            .filter(|c| c.states[r] == CellState::Ok)
            .and_then(|c| crate::model::period::utc_date(c.values[r]))
            .ok_or_else(|| rows.bad(r, "no day"))?;
        Ok((ob, day))
    }
    fn cell(&self, rows: &Rows<'_>, r: usize) -> Result<Cell, ImportError> {
        let dataset = self.dataset(rows, r)?;
        let (ob, day) = self.ob_day(rows, r)?;
        let meter = lookup(rows, &self.meter, r, "meter")?;
        let group = text(self.breakdown, r).map(|field| (field, text(self.value, r)));
        Ok(Cell {
            dataset,
            ob,
            day,
            meter,
            group,
        })
    }
}

fn keys<'a>(rows: &Rows<'a>, names: &Names) -> Keys<'a> {
    let with = |field: &str, names: &HashMap<String, usize>| {
        let col = rows.values(field);
        (col, resolve(col, names))
    };
    Keys {
        dataset: with("dataset", &names.datasets),
        ob: with("ob", &names.obs),
        day: rows.times("day"),
        meter: with("meter", &names.meters),
        breakdown: rows.values("breakdown"),
        value: rows.values("value"),
    }
}

const CELL_COLUMNS: [(&str, Form); 6] = [
    ("dataset", Form::Value),
    ("ob", Form::Value),
    ("day", Form::Time),
    ("meter", Form::Value),
    ("breakdown", Form::Value),
    ("value", Form::Value),
];

/// The `distinct` table, read one part file at a time (it is most of a summary) and kept
/// only as each cell's codes: one `u32` per row.
fn distinct(dir: &Path, names: &Names) -> Result<Vec<(Cell, Vec<u32>)>, ImportError> {
    let mut plan = CELL_COLUMNS.to_vec();
    plan.push(("code", Form::Number));
    let fields = field_plan(&plan);
    let folder = dir.join("distinct");
    let mut index: HashMap<Cell, usize> = HashMap::new();
    let mut cells: Vec<(Cell, Vec<u32>)> = Vec::new();
    for part in parts(&folder)? {
        let t = super::read_file(&part, &fields)?;
        let rows = Rows {
            table: &t,
            path: part.clone(),
        };
        let k = keys(&rows, names);
        let codes = rows.numbers("code");
        // Rows of one cell come together: the cell is worked out again only when the key
        // columns' dictionary codes change.
        let mut last: Option<([u32; 5], Option<i64>, usize)> = None;
        let key_codes =
            |r: usize| [k.dataset.0, k.ob.0, k.meter.0, k.breakdown, k.value].map(|c| c.map_or(0, |c| c.codes[r]));
        for r in 0..t.rows {
            let code = number(codes, r)
                .and_then(|d| u32::try_from(d).ok())
                .filter(|c| *c > 0)
                .ok_or_else(|| rows.bad(r, "no code for the distinct value"))?;
            let day = k
                .day
                .and_then(|c| (c.states[r] == CellState::Ok).then_some(c.values[r]));
            let at = match last {
                Some((kc, d, at)) if kc == key_codes(r) && d == day => at,
                _ => {
                    let cell = k.cell(&rows, r)?;
                    let at = *index.entry(cell.clone()).or_insert_with(|| {
                        cells.push((cell, Vec::new()));
                        cells.len() - 1
                    });
                    last = Some((key_codes(r), day, at));
                    at
                }
            };
            cells[at].1.push(code);
        }
    }
    Ok(cells)
}

/// Every row of the summary in `dir`.
pub fn rows(dir: &Path, config: &Config) -> Result<SummaryRows, ImportError> {
    let names = Names::of(config);
    let mut out = SummaryRows::default();
    let open = |name: &str, plan: &[(&str, Form)]| -> Result<(Table, PathBuf), ImportError> {
        Ok((table(dir, name, plan)?, dir.join(name)))
    };

    let (t, path) = open(
        "counts",
        &[
            ("dataset", Form::Value),
            ("ob", Form::Value),
            ("day", Form::Time),
            ("file", Form::Number),
            ("records", Form::Number),
            ("duplicates", Form::Number),
            ("excluded", Form::Number),
            ("suspended", Form::Number),
            ("rated", Form::Number),
        ],
    )?;
    let rows = Rows { table: &t, path };
    let k = keys(&rows, &names);
    let n = |f: &str| rows.numbers(f);
    for r in 0..t.rows {
        let dataset = k.dataset(&rows, r)?;
        let (ob, day) = k.ob_day(&rows, r)?;
        out.counts.push(DayCount {
            dataset,
            ob,
            day,
            file: count(n("file"), r) as u32,
            records: count(n("records"), r),
            duplicates: count(n("duplicates"), r),
            excluded: count(n("excluded"), r),
            suspended: count(n("suspended"), r),
            rated: count(n("rated"), r),
        });
    }

    let mut plan = CELL_COLUMNS.to_vec();
    plan.extend([
        ("count", Form::Number),
        ("sum", Form::Number),
        ("max", Form::Number),
        ("latest_time_us", Form::Number),
        ("latest_id", Form::Id),
        ("latest_value", Form::Number),
    ]);
    let (t, path) = open("meters", &plan)?;
    let rows = Rows { table: &t, path };
    let k = keys(&rows, &names);
    for r in 0..t.rows {
        let cell = k.cell(&rows, r)?;
        let aggregation = config.meters[cell.meter].aggregation;
        use crate::model::config::Aggregation as A;
        let missing = |what: &str| rows.bad(r, &format!("no {what} for a {} meter", <&str>::from(aggregation)));
        let aggregate = match aggregation {
            A::Count => Aggregate::Count(count(rows.numbers("count"), r)),
            A::Sum => Aggregate::Sum(number(rows.numbers("sum"), r).ok_or_else(|| missing("sum"))?),
            A::Max => Aggregate::Max(number(rows.numbers("max"), r).ok_or_else(|| missing("max"))?),
            A::Latest => {
                let t = number(rows.numbers("latest_time_us"), r)
                    .and_then(|d| i64::try_from(d).ok())
                    .ok_or_else(|| missing("latest_time_us"))?;
                let id = rows.ids("latest_id").map(|c| c.get(r).to_string()).unwrap_or_default();
                let v = number(rows.numbers("latest_value"), r).ok_or_else(|| missing("latest_value"))?;
                Aggregate::Latest(t, id, v)
            }
            A::CountDistinct => continue,
        };
        out.aggregates.push((cell, aggregate));
    }

    out.distinct = distinct(dir, &names)?;

    for (name, attributed) in [("suspended", true), ("unattributable", false)] {
        let mut plan = vec![
            ("dataset", Form::Value),
            ("file", Form::Number),
            ("row", Form::Number),
            ("id", Form::Id),
            ("code", Form::Value),
            ("field", Form::Value),
            ("value", Form::Id),
            ("message", Form::Id),
        ];
        if attributed {
            plan.extend([("ob", Form::Value), ("day", Form::Time)]);
        }
        let (t, path) = open(name, &plan)?;
        let rows = Rows { table: &t, path };
        let k = keys(&rows, &names);
        let id = |f: &str, r: usize| rows.ids(f).map(|c| c.get(r).to_string()).unwrap_or_default();
        for r in 0..t.rows {
            let dataset = k.dataset(&rows, r)?;
            let ob = if attributed { Some(k.ob_day(&rows, r)?) } else { None };
            out.issues.push(RecordIssue {
                dataset,
                ob,
                file: count(rows.numbers("file"), r) as u32,
                row: count(rows.numbers("row"), r),
                id: id("id", r),
                code: text(rows.values("code"), r).unwrap_or_default(),
                field: text(rows.values("field"), r).unwrap_or_default(),
                value: id("value", r),
                message: id("message", r),
            });
        }
    }
    Ok(out)
}
