//! What the import layer hands the engine: the used datasets as tables, dimension tables,
//! Platform_Cost rows, and where each came from.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::table::Table;

/// File formats a dataset may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    Avro,
    Parquet,
    Csv,
    Json,
    Spreadsheet,
}

impl Format {
    pub fn from_extension(ext: &str) -> Option<Format> {
        Some(match ext.to_ascii_lowercase().as_str() {
            "avro" => Format::Avro,
            "parquet" => Format::Parquet,
            "csv" => Format::Csv,
            "json" | "jsonl" | "ndjson" => Format::Json,
            "xlsx" | "xls" | "ods" | "xlsm" | "xlsb" => Format::Spreadsheet,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Avro => "avro",
            Format::Parquet => "parquet",
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Spreadsheet => "spreadsheet",
        }
    }
}

/// One input file that was read.
#[derive(Debug, Clone, PartialEq)]
pub struct FileInfo {
    pub path: PathBuf,
    pub bytes: u64,
    pub rows: usize,
    pub format: Format,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
}

/// A dataset as read: its resolved version, files in read order, and columns.
#[derive(Debug, Clone)]
pub struct DatasetData {
    pub name: String,
    pub version: Option<u32>,
    pub files: Vec<FileInfo>,
    pub table: Table,
}

/// A dimension table: key text to label.
#[derive(Debug, Clone, Default)]
pub struct DimensionTable {
    pub dataset: String,
    pub labels: HashMap<String, String>,
    pub files: Vec<FileInfo>,
}

/// One row of `Platform_Cost`.
#[derive(Debug, Clone, PartialEq)]
pub struct CostRow {
    pub date: NaiveDate,
    pub pool: String,
    pub amount: Decimal,
}

/// Everything the engine needs from the data folder.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Usage datasets in configuration order.
    pub usage: Vec<DatasetData>,
    /// Dimension tables keyed by the dimension's field.
    pub dimensions: HashMap<String, DimensionTable>,
    pub platform_cost: Vec<CostRow>,
    pub platform_cost_files: Vec<FileInfo>,
    /// The files of `[[ob_table]]` datasets, with the dataset's name.
    pub ob_table_files: Vec<(String, FileInfo)>,
    /// When the data is a usage summary: its `_summary.json`.
    pub summary_files: Vec<FileInfo>,
}
