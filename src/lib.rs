//! Billing Workbench: monthly usage exports in, exact and auditable invoices out.
//!
//! Data flows one way:
//!
//! ```text
//! files ─► import ─► model tables ─► engine (outcomes, meters, rating) ─► report ─┬─► output (JSON, xlsx)
//!                                                                                └─► cli
//! ```
//!
//! [`load`] reads a data folder with its configuration into an [`engine::Engine`];
//! `Engine::run` rates a period into a [`report::RunReport`] that every output reads.

pub mod check;
pub mod cli;
pub mod discards;
pub mod engine;
#[cfg(feature = "gui")]
pub mod gui;
pub mod host;
pub mod import;
pub mod issuing;
pub mod model;
pub mod output;
pub mod records;
pub mod register;
pub mod report;
pub mod sample;
pub mod spark;
pub mod trace;

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use import::{Catalog, ImportError, Progress};
use model::config::ConfigError;
use model::inputs::DatasetData;

/// Why inputs could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error("loading was cancelled")]
    Cancelled,
}

/// A data folder and configuration, read and prepared.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub catalog: Catalog,
    pub engine: engine::Engine,
    /// How long each stage of the load took, for `invoice --timings` and the window's status.
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

/// What a load does besides reading and rolling up the records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadOptions {
    /// Take the SHA-256 of every usage file, which Run info and the register record. A run
    /// whose output records no file hash (`invoice --json` without `--out`) leaves it out:
    /// reading every file a second time to hash it was about 7 % of the load's processor
    /// time on the hard 10 M export. Without it `FileInfo::sha256` is empty.
    pub hash_files: bool,
    /// Roll the meters up only on the days of this period, for a run that rates this
    /// period and no other (`invoice`, `issue`): the engine then refuses any period
    /// outside it (`Engine::covers`), and an Avro record more than two days outside it is
    /// read for its id, time and OB only (`model::table::RowGate`). Every record is still
    /// checked for being unattributable and for duplicates, and counted, so the outcome
    /// counts, the reconciliation and the per-file statistics are those of a whole load;
    /// on three months of traffic this took about a quarter off the run. `None`: every
    /// day's, every field (the window).
    pub only: Option<model::period::Period>,
}

impl Default for LoadOptions {
    fn default() -> LoadOptions {
        LoadOptions {
            hash_files: true,
            only: None,
        }
    }
}

/// Reads the configuration, the dimension tables and Platform_Cost, then streams every
/// usage dataset through the engine on all cores (see `engine::stream`), hashing every file.
pub fn load(data_dir: &Path, config_path: &Path, progress: &dyn Progress) -> Result<Loaded, LoadError> {
    load_with(data_dir, config_path, progress, LoadOptions::default())
}

/// `load`, with `options`.
#[allow(clippy::disallowed_methods)] // the caller of the engine times the load's stages
pub fn load_with(
    data_dir: &Path,
    config_path: &Path,
    progress: &dyn Progress,
    options: LoadOptions,
) -> Result<Loaded, LoadError> {
    let started = std::time::Instant::now();
    let mut config = import::load_config(config_path)?;
    if import::summary::is_summary(data_dir) {
        return load_summary(data_dir, config, progress, started);
    }
    let catalog = Catalog::discover(data_dir)?;
    let ob_table_files = import::add_table_obs(&mut config, &catalog, progress)?;
    progress.files_total(
        config
            .referenced_datasets()
            .iter()
            .filter_map(|name| catalog.find(name)?.files(config.pinned_version(name)).ok())
            .map(|(_, files)| files.len())
            .sum(),
    );
    let mut inputs = import::load_support(&config, &catalog, progress)?;
    inputs.ob_table_files = ob_table_files;
    let plan = import::StreamPlan::new(&config, &catalog, options.hash_files, options.only.as_ref())?;
    let support = started.elapsed();

    let mut tasks_of_file: HashMap<&Path, AtomicUsize> = HashMap::new();
    for i in 0..plan.tasks.len() {
        for f in plan.task_file(i) {
            tasks_of_file.entry(f).or_default().fetch_add(1, Ordering::Relaxed);
        }
    }
    let read = |i: usize| {
        plan.read(i)
            .map(|piece| piece.map(|(dataset, files, table)| engine::Piece { dataset, table, files }))
    };
    let done = |i: usize| {
        for f in plan.task_file(i) {
            if tasks_of_file
                .get(f)
                .is_some_and(|n| n.fetch_sub(1, Ordering::Relaxed) == 1)
            {
                progress.file_done(f);
            }
        }
    };
    // One worker per core: a third worker on two cores (to have one computing while
    // another waits at a gate) was 2 % slower in alternating runs, and held more memory.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cancelled = || progress.cancelled();
    let streamed = engine::stream::stream(
        &config,
        &inputs.dimensions,
        &engine::stream::Schedule {
            tasks: plan.tasks.len(),
            workers,
            expected_records: plan.expected_records(),
            hollow: plan
                .tasks
                .iter()
                .map(|t| matches!(t, import::Task::Hash { .. }))
                .collect(),
            within: options.only,
        },
        &read,
        &cancelled,
        &done,
    )
    .map_err(|e| match e {
        engine::StreamError::Read(e) => LoadError::Import(e),
        engine::StreamError::Cancelled => LoadError::Cancelled,
    })?;
    for (d, planned) in plan.datasets.iter().enumerate() {
        inputs.usage.push(DatasetData {
            name: planned.name.clone(),
            version: planned.version,
            files: plan.file_infos(d),
            table: Default::default(),
        });
    }
    let engine = engine::Engine::assemble(config, inputs, streamed);
    Ok(Loaded {
        catalog,
        engine,
        timings: vec![("dimensions", support), ("stream", started.elapsed() - support)],
    })
}

/// Loads a usage summary written by the Spark job (docs/databricks.md): the dimension
/// tables, Platform_Cost and `[[ob_table]]` datasets from the copies in its `tables`
/// folder, the roll-up from its Parquet tables.
#[allow(clippy::disallowed_methods)] // the caller of the engine times the load's stages
fn load_summary(
    dir: &Path,
    mut config: model::Config,
    progress: &dyn Progress,
    started: std::time::Instant,
) -> Result<Loaded, LoadError> {
    let manifest = import::summary::manifest(dir, &config)?;
    let catalog = import::summary::tables(dir)?;
    let ob_table_files = import::add_table_obs(&mut config, &catalog, progress)?;
    let mut inputs = import::load_support(&config, &catalog, progress)?;
    inputs.ob_table_files = ob_table_files;
    let support = started.elapsed();
    if progress.cancelled() {
        return Err(LoadError::Cancelled);
    }
    let rows = import::summary::rows(dir, &config)?;
    let streamed = engine::days::summary::streamed(&config, &manifest, rows).map_err(|e| ImportError::Format {
        path: dir.join(import::summary::MANIFEST),
        message: e.to_string(),
    })?;
    let manifest_path = dir.join(import::summary::MANIFEST);
    inputs.summary_files.push(model::inputs::FileInfo {
        bytes: std::fs::metadata(&manifest_path).map_or(0, |m| m.len()),
        sha256: import::sha256_file(&manifest_path).unwrap_or_default(),
        path: manifest_path,
        rows: 0,
        format: model::inputs::Format::Parquet,
    });
    for d in &manifest.datasets {
        inputs.usage.push(DatasetData {
            name: d.name.clone(),
            version: d.version,
            files: d
                .files
                .iter()
                .map(|f| model::inputs::FileInfo {
                    path: f.path.clone().into(),
                    bytes: f.bytes,
                    rows: f.rows as usize,
                    format: model::inputs::Format::from_extension(&f.format).unwrap_or(model::inputs::Format::Parquet),
                    sha256: String::new(),
                })
                .collect(),
            table: Default::default(),
        });
    }
    let engine = engine::Engine::assemble(config, inputs, streamed);
    Ok(Loaded {
        catalog,
        engine,
        timings: vec![("dimensions", support), ("summary", started.elapsed() - support)],
    })
}
