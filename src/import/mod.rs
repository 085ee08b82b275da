//! The only code that knows file formats: discovery, Avro, Parquet, CSV, JSON and
//! spreadsheets. Reads the fields the configuration needs into `model::table` columns.
//! Depends on `model` only.

// import is the layer that reads the exports and the configuration.
#![allow(clippy::disallowed_methods)]

mod arrow;
pub mod avro;
pub mod csv;
pub mod discover;
pub mod frame;
pub mod json;
mod ob_table;
pub use ob_table::add_table_obs;
pub mod rate_card;
pub mod sheet;
pub mod sink;
mod stream_plan;
pub mod summary;
pub use stream_plan::{PIECE_BYTES, PlannedDataset, ReadPiece, StreamPlan, Task};
mod thrift_scan;

use std::path::{Path, PathBuf};

pub use discover::Catalog;

use crate::model::Config;
use crate::model::config::{ConfigError, PLATFORM_COST};
use crate::model::inputs::{CostRow, DatasetData, DimensionTable, FileInfo, Format, Inputs};
use crate::model::money::parse_decimal;
use crate::model::period::utc_date;
use crate::model::table::{CellState, Column, FieldPlan, Form, Table};

/// A file or folder that cannot be read. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}: {message}", path.display())]
    Format { path: PathBuf, message: String },
    #[error("{}: column \"{field}\" is missing (the configuration needs it); columns found: {}", path.display(), available.join(", "))]
    MissingColumn {
        path: PathBuf,
        field: String,
        available: Vec<String>,
    },
    #[error("{}: column \"{field}\" is of type {found}, but the configuration reads it as {wanted}", path.display())]
    WrongType {
        path: PathBuf,
        field: String,
        found: String,
        wanted: &'static str,
    },
    #[error("{}: not a folder", path.display())]
    NotAFolder { path: PathBuf },
    #[error("{}: dataset {name} is not in this folder (the configuration needs it)", dir.display())]
    NotFound { dir: PathBuf, name: String },
    #[error("{message}")]
    Dataset { message: String },
}

impl ImportError {
    pub fn io(path: &Path, source: std::io::Error) -> ImportError {
        ImportError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

fn format_of(path: &Path) -> Result<Format, ImportError> {
    path.extension()
        .and_then(|e| e.to_str())
        .and_then(Format::from_extension)
        .ok_or_else(|| ImportError::Format {
            path: path.to_path_buf(),
            message: "unknown file format".into(),
        })
}

/// Reads and validates a configuration file: `billing.toml`, or a rate-card workbook
/// (`.xlsx`, `.ods`) with the same content (docs/configuration.md).
pub fn load_config(path: &Path) -> Result<Config, ConfigError> {
    let mut config = if rate_card::is_workbook(path) {
        rate_card::read(path)?
    } else {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)?
    };
    if let Some(logo) = &config.billing.logo {
        config.logo = Some(std::sync::Arc::new(read_logo(path, logo)?));
    }
    Ok(config)
}

/// The bytes of `[billing] logo`: a PNG or JPEG file.
fn read_logo(config: &Path, logo: &Path) -> Result<Vec<u8>, ConfigError> {
    let problem = |message: String| ConfigError::Invalid {
        path: config.to_path_buf(),
        issues: vec![crate::model::config::ConfigIssue {
            line: 0,
            message,
            at: Some("[billing] logo".to_string()),
        }],
    };
    let bytes = std::fs::read(logo).map_err(|e| problem(format!("{}: cannot read the logo: {e}", logo.display())))?;
    let png = bytes.starts_with(b"\x89PNG\r\n\x1a\n");
    let jpeg = bytes.starts_with(&[0xFF, 0xD8, 0xFF]);
    if !png && !jpeg {
        return Err(problem(format!(
            "{}: the logo must be a PNG or JPEG image",
            logo.display()
        )));
    }
    Ok(bytes)
}

/// SHA-256 of a file, lowercase hex (for the Run info sheet).
pub fn sha256_file(path: &Path) -> Result<String, ImportError> {
    use sha2::Digest;
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| ImportError::io(path, e))?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(|e| ImportError::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// SHA-256 of bytes already in memory (readers that read a whole file hash it here, saving
/// a second read).
pub fn sha256_bytes(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(bytes))
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads one file of any format.
pub fn read_file(path: &Path, plan: &FieldPlan) -> Result<Table, ImportError> {
    read_file_on(path, plan, 1)
}

/// `read_file`, with up to `threads` threads for one big file where the format allows.
///
/// A reader that panics on a corrupt file (polars' Parquet reader does, on some of the
/// fuzzer's inputs) gives an error naming the file instead of ending the program.
fn read_file_on(path: &Path, plan: &FieldPlan, threads: usize) -> Result<Table, ImportError> {
    let format = format_of(path)?;
    let read = || match format {
        Format::Avro => avro::read(path, plan, threads),
        Format::Parquet => frame::read_parquet(path, plan),
        Format::Csv => csv::read(path, plan),
        Format::Json => json::read(path, plan),
        Format::Spreadsheet => sheet::read(path, plan),
    };
    guarded(path, read)
}

/// Runs a reader of `path`; a panic in it becomes an error naming the file.
fn guarded(path: &Path, read: impl FnOnce() -> Result<Table, ImportError>) -> Result<Table, ImportError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|_| {
        Err(ImportError::Format {
            path: path.to_path_buf(),
            message: "the reader stopped on this file: it is probably corrupt".into(),
        })
    })
}

/// Reads part files in parallel on rayon's pool and joins them in file order; the error of
/// the earliest failing file is the one returned, so the message does not depend on timing.
/// (The usage datasets of a load are streamed piece by piece instead, see `StreamPlan`:
/// this reads dimension tables, Platform_Cost and the whole-dataset reference.)
pub fn read_parts(
    files: &[PathBuf],
    plan: &FieldPlan,
    on_file: &(dyn Fn(&Path) + Sync),
) -> Result<(Table, Vec<FileInfo>), ImportError> {
    use rayon::prelude::*;
    // Fewer files than cores: each file is split across the spare cores.
    let threads_per_file = rayon::current_num_threads().div_ceil(files.len().max(1));
    let parts: Vec<Result<Table, ImportError>> = files
        .par_iter()
        .map(|path| {
            let result = read_file_on(path, plan, threads_per_file).and_then(|mut t| {
                if t.sha256.is_empty() {
                    t.sha256 = sha256_file(path)?;
                }
                Ok(t)
            });
            on_file(path);
            result
        })
        .collect();
    let mut table = Table::default();
    let mut infos = Vec::new();
    for (path, part) in files.iter().zip(parts) {
        let part = part?;
        infos.push(FileInfo {
            path: path.clone(),
            bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
            rows: part.rows,
            format: format_of(path)?,
            sha256: part.sha256.clone(),
        });
        if table.columns.is_empty() && table.rows == 0 {
            table = part;
        } else {
            table.append(part);
        }
    }
    Ok((table, infos))
}

/// Progress of a load, for the command line and the window.
pub trait Progress: Sync {
    /// How many files the load will read, told once before the first is read.
    fn files_total(&self, _files: usize) {}
    fn file_done(&self, path: &Path);
    /// Whether the user asked to stop; a load checks it before every piece.
    fn cancelled(&self) -> bool {
        false
    }
}

impl<F: Fn(&Path) + Sync> Progress for F {
    fn file_done(&self, path: &Path) {
        self(path)
    }
}

/// Reads every dataset the configuration uses from `dir`, usage datasets whole (the
/// reference the streaming load is tested against; a load streams them, see `StreamPlan`).
pub fn load(config: &Config, catalog: &Catalog, progress: &dyn Progress) -> Result<Inputs, ImportError> {
    let on_file = |p: &Path| progress.file_done(p);
    let mut inputs = load_support(config, catalog, progress)?;
    for ds in &config.datasets {
        let entry = entry_for(catalog, &ds.name)?;
        let (version, files) = entry.files(ds.version)?;
        let plan = config.field_plan(ds);
        let (table, infos) = read_parts(&files, &plan, &on_file)?;
        inputs.usage.push(DatasetData {
            name: ds.name.clone(),
            version,
            files: infos,
            table,
        });
    }
    Ok(inputs)
}

pub(crate) fn entry_for<'a>(catalog: &'a Catalog, name: &str) -> Result<&'a discover::Entry, ImportError> {
    catalog.find(name).ok_or_else(|| ImportError::NotFound {
        dir: catalog.dir.clone(),
        name: name.to_string(),
    })
}

/// Reads the dimension tables and Platform_Cost: what every piece of a usage dataset is
/// checked against. The usage datasets are left empty.
pub fn load_support(config: &Config, catalog: &Catalog, progress: &dyn Progress) -> Result<Inputs, ImportError> {
    let on_file = |p: &Path| progress.file_done(p);
    let mut inputs = Inputs::default();
    for dim in &config.dimensions {
        let entry = entry_for(catalog, &dim.dataset)?;
        let (_, files) = entry.files(dim.version)?;
        let mut plan = FieldPlan::default();
        plan.add(&dim.key, Form::Value, true);
        plan.add(&dim.label, Form::Value, true);
        let (table, infos) = read_parts(&files, &plan, &on_file)?;
        let mut labels = std::collections::HashMap::new();
        if let (Some(Column::Value(keys)), Some(Column::Value(names))) = (
            table.column(&dim.key, Form::Value),
            table.column(&dim.label, Form::Value),
        ) {
            for row in 0..table.rows {
                let key = keys.get(row);
                if !key.is_null() {
                    labels.insert(key.text(), names.get(row).text());
                }
            }
        }
        inputs.dimensions.insert(
            dim.field.clone(),
            DimensionTable {
                dataset: entry.name.clone(),
                labels,
                files: infos,
            },
        );
    }
    if config.uses_platform_cost() {
        let entry = entry_for(catalog, PLATFORM_COST)?;
        let (_, files) = entry.files(None)?;
        let mut plan = FieldPlan::default();
        plan.add("date", Form::Time, true);
        plan.add("pool", Form::Value, true);
        plan.add("amount", Form::Number, true);
        plan.add("currency", Form::Value, true);
        let (table, infos) = read_parts(&files, &plan, &on_file)?;
        inputs.platform_cost = cost_rows(config, &table, &infos)?;
        inputs.platform_cost_files = infos;
    }
    Ok(inputs)
}

/// Platform_Cost rows; an unreadable date or amount, or a foreign currency, is an error
/// naming the file and row: allocation pools must be complete.
fn cost_rows(config: &Config, table: &Table, files: &[FileInfo]) -> Result<Vec<CostRow>, ImportError> {
    let (
        Some(Column::Time(dates)),
        Some(Column::Value(pools)),
        Some(Column::Number(amounts)),
        Some(Column::Value(currencies)),
    ) = (
        table.column("date", Form::Time),
        table.column("pool", Form::Value),
        table.column("amount", Form::Number),
        table.column("currency", Form::Value),
    )
    else {
        return Ok(Vec::new());
    };
    let locate = |row: usize| {
        let mut start = 0;
        for f in files {
            if row < start + f.rows {
                return (f.path.clone(), row - start + 1);
            }
            start += f.rows;
        }
        (PathBuf::from(PLATFORM_COST), row + 1)
    };
    let mut rows = Vec::with_capacity(table.rows);
    for row in 0..table.rows {
        let fail = |what: String| {
            let (path, n) = locate(row);
            ImportError::Format {
                path,
                message: format!("record {n}: {what}"),
            }
        };
        let date = match dates.states[row] {
            CellState::Ok => utc_date(dates.values[row]).ok_or_else(|| fail("date out of range".into()))?,
            _ => return Err(fail("date is missing or not a date".into())),
        };
        let amount = match amounts.states[row] {
            CellState::Ok => amounts.values[row],
            // Credits in a cloud bill are negative: they are real money, not bad values.
            CellState::Invalid => amounts
                .invalid_text
                .get(&(row as u32))
                .and_then(|t| parse_decimal(t))
                .ok_or_else(|| fail("amount is not a number".into()))?,
            CellState::Null => return Err(fail("amount is missing".into())),
        };
        let currency = currencies.get(row).text();
        if currency != config.billing.currency {
            return Err(fail(format!(
                "currency is \"{currency}\" but Platform_Cost must be in billing.currency \"{}\"",
                config.billing.currency
            )));
        }
        rows.push(CostRow {
            date,
            pool: pools.get(row).text(),
            amount,
        });
    }
    Ok(rows)
}
