//! How a streaming load reads the usage datasets: each dataset split into tasks (runs of
//! Avro blocks, whole Parquet and CSV files, or the dataset read whole), run in any order
//! on any thread.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{
    Catalog, ImportError, avro, csv, entry_for, format_of, frame, guarded, read_file, read_parts, sha256_file, sink,
};
use crate::model::Config;
use crate::model::config::DatasetConfig;
use crate::model::inputs::{FileInfo, Format};
use crate::model::period::Period;
use crate::model::table::{FieldPlan, Form, RowGate, Table};

/// Bytes of Avro blocks a streamed piece holds: small enough that a few pieces in flight
/// per core stay far below the roll-up in memory and that the columns a piece decodes
/// (about 20,000 records of a deflate part) mostly stay in the processor's cache while the
/// piece is rolled up once per OB, large enough to keep the decoder busy. (2 MB was about
/// 4 % slower on the hard 10 M export, 512 KB about 6 %.)
pub const PIECE_BYTES: usize = 1 << 20;

/// One unit of a streaming load, in dataset, file and row order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// SHA-256 of a file (for Run info); no records.
    Hash { dataset: usize, file: usize },
    /// A run of blocks of an Avro file.
    Run { dataset: usize, file: usize, run: usize },
    /// A whole Parquet or CSV file.
    File { dataset: usize, file: usize },
    /// A dataset read whole (formats other than Avro).
    Whole { dataset: usize },
}

/// What a task read: the dataset, its files (index in the dataset, rows) and the records.
pub type ReadPiece = (usize, Vec<(u32, usize)>, Table);

/// A usage dataset as a streaming load reads it.
#[derive(Debug)]
pub struct PlannedDataset {
    pub name: String,
    pub version: Option<u32>,
    pub files: Vec<PathBuf>,
    plan: FieldPlan,
    /// Avro layouts, one per file (none for other formats); empty when the dataset is
    /// read whole.
    layouts: Vec<Option<avro::Layout>>,
    /// The planned columns some file of the dataset has: a piece without one of them gets
    /// it as nulls, as if the files had been joined.
    present: Vec<(String, Form)>,
    sha256: Vec<std::sync::OnceLock<String>>,
    /// Whether its Avro, Parquet and CSV files are hashed (a dataset read whole always is).
    hash: bool,
    rows: Vec<AtomicUsize>,
    whole: std::sync::OnceLock<Vec<FileInfo>>,
}

/// Every usage dataset of a configuration, split into tasks for a streaming load.
#[derive(Debug)]
pub struct StreamPlan {
    pub datasets: Vec<PlannedDataset>,
    pub tasks: Vec<Task>,
}

impl StreamPlan {
    /// Finds every usage dataset's files and reads their schemas and the framing of Avro
    /// files (not their records). Avro files are read in runs of blocks, Parquet and CSV
    /// files one by one; a dataset with JSON or spreadsheet parts is read whole, as one
    /// piece (their columns are known only once read). With `hash`, every Avro file also
    /// gets a task that hashes it (for Run info and the register). With `only`, for a load
    /// that rates that period and no other, records well outside it are read only for their
    /// id, time and OB (`RowGate`).
    pub fn new(
        config: &Config,
        catalog: &Catalog,
        hash: bool,
        only: Option<&Period>,
    ) -> Result<StreamPlan, ImportError> {
        let mut plan = StreamPlan {
            datasets: Vec::new(),
            tasks: Vec::new(),
        };
        for (d, ds) in config.datasets.iter().enumerate() {
            let mut fields = config.field_plan(ds);
            fields.gate = only.map(|p| RowGate::around(p, &ds.id_field, &ds.time_field, &ds.ob_field));
            plan.add(catalog, ds, d, fields, hash)?;
        }
        Ok(plan)
    }

    /// One usage dataset (`config.datasets[d]`, planned as dataset 0), read with `fields`
    /// and without hashing its files: for reading the records again (`records`).
    pub fn one(catalog: &Catalog, ds: &DatasetConfig, fields: FieldPlan) -> Result<StreamPlan, ImportError> {
        let mut plan = StreamPlan {
            datasets: Vec::new(),
            tasks: Vec::new(),
        };
        plan.add(catalog, ds, 0, fields, false)?;
        Ok(plan)
    }

    fn add(
        &mut self,
        catalog: &Catalog,
        ds: &DatasetConfig,
        d: usize,
        plan: FieldPlan,
        hash: bool,
    ) -> Result<(), ImportError> {
        let tasks = &mut self.tasks;
        let entry = entry_for(catalog, &ds.name)?;
        let (version, files) = entry.files(ds.version)?;
        let streamable = !files.is_empty()
            && files
                .iter()
                .all(|f| matches!(format_of(f), Ok(Format::Avro | Format::Parquet | Format::Csv)));
        let mut layouts = Vec::new();
        let mut present: Vec<(String, Form)> = Vec::new();
        if streamable {
            for (i, f) in files.iter().enumerate() {
                let format = format_of(f)?;
                let columns = if format == Format::Avro {
                    let layout = avro::layout(f, PIECE_BYTES)?;
                    if hash {
                        tasks.push(Task::Hash { dataset: d, file: i });
                    }
                    tasks.extend((0..layout.runs()).map(|run| Task::Run {
                        dataset: d,
                        file: i,
                        run,
                    }));
                    let columns = layout.columns.clone();
                    layouts.push(Some(layout));
                    columns
                } else {
                    tasks.push(Task::File { dataset: d, file: i });
                    layouts.push(None);
                    if format == Format::Parquet {
                        frame::columns_of(f)?
                    } else {
                        csv::columns_of(f)?
                    }
                };
                let builder = sink::TableBuilder::new(f, &plan, &columns)?;
                for (key, _) in &builder.targets {
                    if !present.contains(key) {
                        present.push(key.clone());
                    }
                }
            }
        } else {
            tasks.push(Task::Whole { dataset: d });
        }
        self.datasets.push(PlannedDataset {
            name: ds.name.clone(),
            version,
            sha256: files.iter().map(|_| std::sync::OnceLock::new()).collect(),
            hash,
            rows: files.iter().map(|_| AtomicUsize::new(0)).collect(),
            files,
            plan,
            layouts,
            present,
            whole: std::sync::OnceLock::new(),
        });
        Ok(())
    }

    /// The number in its file (from 0) of the first record task `i` reads.
    pub fn first_record(&self, i: usize) -> u64 {
        match self.tasks[i] {
            Task::Run { dataset, file, run } => self.datasets[dataset].layouts[file]
                .as_ref()
                .map_or(0, |l| l.first_record(run)),
            _ => 0,
        }
    }

    /// Runs task `i`: the dataset, the files (index in the dataset, rows) and the records
    /// it read, if it reads records.
    pub fn read(&self, i: usize) -> Result<Option<ReadPiece>, ImportError> {
        match self.tasks[i] {
            Task::Hash { dataset, file } => {
                let d = &self.datasets[dataset];
                let sha = sha256_file(&d.files[file])?;
                let _ = d.sha256[file].set(sha);
                Ok(None)
            }
            Task::Run { dataset, file, .. } | Task::File { dataset, file } => {
                let d = &self.datasets[dataset];
                let path = &d.files[file];
                let mut table = match (&d.layouts[file], self.tasks[i]) {
                    (Some(layout), Task::Run { run, .. }) => {
                        guarded(path, || avro::read_run(path, layout, run, &d.plan))?
                    }
                    _ => {
                        let table = read_file(path, &d.plan)?;
                        if d.hash {
                            let _ = d.sha256[file].set(sha256_file(path)?);
                        }
                        table
                    }
                };
                for (field, form) in &d.present {
                    let key = (field.clone(), *form);
                    if !table.columns.contains_key(&key) {
                        let nulls = crate::model::table::null_column(*form, table.rows_of(field));
                        table.columns.insert(key, nulls);
                    }
                }
                d.rows[file].fetch_add(table.rows, Ordering::Relaxed);
                Ok(Some((dataset, vec![(file as u32, table.rows)], table)))
            }
            Task::Whole { dataset } => {
                let d = &self.datasets[dataset];
                let (table, infos) = read_parts(&d.files, &d.plan, &|_: &Path| {})?;
                let files = infos.iter().enumerate().map(|(i, f)| (i as u32, f.rows)).collect();
                let _ = d.whole.set(infos);
                Ok(Some((dataset, files, table)))
            }
        }
    }

    /// The files task `i` reads (for progress: a file is done when all its tasks are).
    /// The records each usage dataset holds as far as known before reading them (Avro block
    /// headers; 0 for other formats): a capacity hint for the duplicate check.
    pub fn expected_records(&self) -> Vec<u64> {
        self.datasets
            .iter()
            .map(|d| d.layouts.iter().flatten().map(|l| l.records).sum())
            .collect()
    }

    pub fn task_file(&self, i: usize) -> Vec<&Path> {
        match self.tasks[i] {
            Task::Hash { dataset, file } | Task::Run { dataset, file, .. } | Task::File { dataset, file } => {
                vec![self.datasets[dataset].files[file].as_path()]
            }
            Task::Whole { dataset } => self.datasets[dataset].files.iter().map(PathBuf::as_path).collect(),
        }
    }

    /// What was read of each usage dataset, once every task has run.
    pub fn file_infos(&self, dataset: usize) -> Vec<FileInfo> {
        let d = &self.datasets[dataset];
        if let Some(infos) = d.whole.get() {
            return infos.clone();
        }
        d.files
            .iter()
            .enumerate()
            .map(|(i, path)| FileInfo {
                path: path.clone(),
                bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
                rows: d.rows[i].load(Ordering::Relaxed),
                format: format_of(path).unwrap_or(Format::Avro),
                sha256: d.sha256[i].get().cloned().unwrap_or_default(),
            })
            .collect()
    }
}
