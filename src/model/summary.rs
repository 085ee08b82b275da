//! A usage summary (docs/databricks.md): what the Spark job wrote, read back as plain rows.
//! Datasets, OBs and meters are indices into the configuration; days are the OB's local
//! dates. The engine builds its daily roll-up from these rows (`engine::days`).

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// The version of the summary layout this build reads and the job writes.
pub const FORMAT_VERSION: u64 = 1;

/// `_summary.json`.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Manifest {
    pub format_version: u64,
    pub product_version: String,
    pub config_sha256: String,
    #[serde(default)]
    pub config_file: String,
    /// The data folder the job read.
    pub data: String,
    pub datasets: Vec<ManifestDataset>,
    #[serde(default)]
    pub tables: Vec<ManifestTable>,
    /// The data folder's datasets that the configuration does not use.
    #[serde(default)]
    pub unused: Vec<UnusedDataset>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct UnusedDataset {
    pub name: String,
    pub version: Option<u32>,
    #[serde(default)]
    pub versions: Vec<u32>,
    pub files: usize,
    #[serde(default)]
    pub formats: Vec<String>,
    #[serde(default)]
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct ManifestDataset {
    /// The dataset's name in the configuration.
    pub name: String,
    /// Its name as found in the data folder.
    pub found: String,
    pub version: Option<u32>,
    /// The versions the folder holds (empty when not versioned).
    #[serde(default)]
    pub versions: Vec<u32>,
    /// What the job could not read in the dataset's folder (not a data file, …).
    #[serde(default)]
    pub problems: Vec<String>,
    pub rows: u64,
    /// The latest time (UTC microseconds) of a record that belongs to an OB.
    pub latest_us: Option<i64>,
    pub files: Vec<ManifestFile>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct ManifestFile {
    pub path: String,
    pub bytes: u64,
    #[serde(default)]
    pub rows: u64,
    #[serde(default)]
    pub format: String,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct ManifestTable {
    pub name: String,
    pub version: Option<u32>,
    pub files: Vec<ManifestFile>,
}

/// Record counts of one dataset, OB, local day and input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayCount {
    pub dataset: usize,
    pub ob: usize,
    pub day: NaiveDate,
    /// Index into the dataset's files in the manifest.
    pub file: u32,
    pub records: u64,
    pub duplicates: u64,
    pub excluded: u64,
    pub suspended: u64,
    pub rated: u64,
}

/// One aggregate of a meter, for a day (and a breakdown value).
#[derive(Debug, Clone, PartialEq)]
pub enum Aggregate {
    Count(u64),
    Sum(Decimal),
    Max(Decimal),
    /// (time in UTC microseconds, record id, value) of the latest record.
    Latest(i64, String, Decimal),
}

/// Where an aggregate or distinct value belongs: dataset, OB, day, meter and, for a
/// breakdown group, the breakdown field with the value (`None`: the null value).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cell {
    pub dataset: usize,
    pub ob: usize,
    pub day: NaiveDate,
    pub meter: usize,
    pub group: Option<(String, Option<String>)>,
}

/// A suspended or unattributable record.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordIssue {
    pub dataset: usize,
    /// `None` for an unattributable record.
    pub ob: Option<(usize, NaiveDate)>,
    /// The file (index into the dataset's files) and the row within it.
    pub file: u32,
    pub row: u64,
    pub id: String,
    pub code: String,
    pub field: String,
    pub value: String,
    pub message: String,
}

/// Every row of a summary.
#[derive(Debug, Clone, Default)]
pub struct SummaryRows {
    pub counts: Vec<DayCount>,
    pub aggregates: Vec<(Cell, Aggregate)>,
    /// The distinct values of `count_distinct` meters, per cell, each value as a code
    /// (from 1) that stands for the same value wherever its dataset and meter repeat it.
    pub distinct: Vec<(Cell, Vec<u32>)>,
    /// Suspended records, then unattributable ones (each in any order).
    pub issues: Vec<RecordIssue>,
}
