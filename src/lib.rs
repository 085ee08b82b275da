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
pub mod engine;
#[cfg(feature = "gui")]
pub mod gui;
pub mod import;
pub mod model;
pub mod output;
pub mod report;
pub mod sample;

use std::path::Path;

use import::{Catalog, ImportError, Progress};
use model::Config;
use model::config::ConfigError;

/// Why inputs could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Import(#[from] ImportError),
}

/// A data folder and configuration, read and prepared.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub catalog: Catalog,
    pub engine: engine::Engine,
    /// How long each stage of the load took, for `invoice --timings` and the window's status.
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

/// Reads the configuration and every dataset it uses, then prepares them for rating.
pub fn load(data_dir: &Path, config_path: &Path, progress: &dyn Progress) -> Result<Loaded, LoadError> {
    let started = std::time::Instant::now();
    let config = Config::load(config_path)?;
    let catalog = Catalog::discover(data_dir)?;
    let inputs = import::load(&config, &catalog, progress)?;
    let read = started.elapsed();
    let engine = engine::Engine::new(config, inputs);
    let mut timings = vec![("read", read)];
    timings.extend(engine.timings.iter().copied());
    Ok(Loaded {
        catalog,
        engine,
        timings,
    })
}
