//! The import report behind `check` (and the window's inputs panel): which datasets were
//! found, which are used, what could not be read, the configuration's problems, and the
//! run-level reconciliation for a period.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::engine::Selection;
use crate::import::Catalog;
use crate::model::config::ConfigError;
use crate::model::money::money_string;
use crate::model::{Config, Period, YearMonth};
pub use crate::report::RunReconciliation;

#[derive(Debug, Clone, Serialize)]
pub struct DatasetLine {
    pub name: String,
    pub used: bool,
    pub version: Option<u32>,
    pub versions: Vec<u32>,
    pub files: usize,
    /// Rows read (used datasets only).
    pub rows: Option<u64>,
    pub formats: Vec<&'static str>,
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InvoiceTotal {
    pub ob: String,
    pub invoice_number: String,
    pub currency: String,
    pub total: String,
    pub suspended: u64,
}

/// Everything `check` says.
#[derive(Debug, Clone, Serialize, Default)]
pub struct CheckReport {
    pub data_dir: String,
    pub config: String,
    pub datasets: Vec<DatasetLine>,
    pub config_problems: Vec<String>,
    pub load_error: Option<String>,
    pub period: Option<String>,
    pub reconciliation: Vec<RunReconciliation>,
    /// Per input file of the usage datasets (their sums are the reconciliation).
    pub files: Vec<crate::report::FileStats>,
    pub unattributable: BTreeMap<String, u64>,
    pub invoices: Vec<InvoiceTotal>,
    pub ob_errors: Vec<String>,
    pub warnings: Vec<String>,
    /// Causes that make most of a dataset unusable (docs/datasets.md); any makes the inputs not ready.
    pub unusable: Vec<String>,
}

impl CheckReport {
    /// Nothing stands between these inputs and a complete set of invoices.
    pub fn is_clean(&self) -> bool {
        self.config_problems.is_empty()
            && self.load_error.is_none()
            && self.ob_errors.is_empty()
            && self.unusable.is_empty()
    }

    /// The per-file lines of the text report: counts, then the first causes.
    fn render_files(&self, s: &mut String) {
        if self.files.is_empty() {
            return;
        }
        let _ = writeln!(
            s,
            "\nFiles (read = unattributable + out of period + duplicates + excluded + suspended + rated):"
        );
        let standouts = crate::report::FileStats::standouts(&self.files);
        for (f, stands_out) in self.files.iter().zip(standouts) {
            let name = std::path::Path::new(&f.file)
                .file_name()
                .map_or(f.file.clone(), |n| n.to_string_lossy().into_owned());
            let _ = writeln!(
                s,
                "  {:<22} {:<28} read {:>9} = {:>7} + {:>8} + {:>7} + {:>7} + {:>7} + {:>9}{}",
                f.dataset,
                name,
                f.rows_read,
                f.unattributable,
                f.out_of_period,
                f.duplicates,
                f.excluded,
                f.suspended,
                f.rated,
                if stands_out {
                    format!("  suspended {:.1} %: stands out", f.suspended_percent())
                } else {
                    String::new()
                }
            );
            if !f.causes.is_empty() {
                let _ = writeln!(s, "      first causes: {}", f.causes.join(", "));
            }
        }
    }

    /// The report as text for a terminal.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "Data folder:   {}", self.data_dir);
        let _ = writeln!(s, "Configuration: {}", self.config);
        let _ = writeln!(s, "\nDatasets found:");
        for d in &self.datasets {
            let version = d.version.map(|v| format!("v{v}")).unwrap_or_else(|| "-".into());
            let rows = d.rows.map(|r| r.to_string()).unwrap_or_else(|| "-".into());
            let _ = writeln!(
                s,
                "  {:<24} {:<9} version {:<4} {:>3} file(s) {:>10} rows  {}",
                d.name,
                if d.used { "used" } else { "not used" },
                version,
                d.files,
                rows,
                d.formats.join(",")
            );
            for p in &d.problems {
                let _ = writeln!(s, "      problem: {p}");
            }
        }
        if !self.config_problems.is_empty() {
            let _ = writeln!(s, "\nConfiguration problems:");
            for p in &self.config_problems {
                let _ = writeln!(s, "  {p}");
            }
        }
        if let Some(e) = &self.load_error {
            let _ = writeln!(s, "\nCannot read the inputs:\n  {e}");
        }
        if let Some(p) = &self.period {
            let _ = writeln!(
                s,
                "\nReconciliation for {p} (rows read = unattributable + in scope + out of period):"
            );
            for r in &self.reconciliation {
                let _ = writeln!(
                    s,
                    "  {:<24} read {:>10} = unattributable {:>8} + in scope {:>10} + out of period {:>10}  {}",
                    r.dataset,
                    r.rows_read,
                    r.unattributable,
                    r.in_scope,
                    r.out_of_period,
                    if r.balanced { "ok" } else { "DOES NOT BALANCE" }
                );
            }
            if !self.unattributable.is_empty() {
                let list: Vec<String> = self.unattributable.iter().map(|(k, v)| format!("{k} {v}")).collect();
                let _ = writeln!(s, "  unattributable records: {}", list.join(", "));
            }
            self.render_files(&mut s);
            let _ = writeln!(s, "\nInvoices for {p}:");
            for i in &self.invoices {
                let _ = writeln!(
                    s,
                    "  {:<4} {:<32} {:>3} {:>16}   suspended records: {}",
                    i.ob, i.invoice_number, i.currency, i.total, i.suspended
                );
            }
        }
        for e in &self.ob_errors {
            let _ = writeln!(s, "  error: {e}");
        }
        for w in &self.warnings {
            let _ = writeln!(s, "  warning: {w}");
        }
        if !self.unusable.is_empty() {
            let _ = writeln!(
                s,
                "\nMost of a dataset is unusable ({} cause(s), each printed as a warning on standard error).",
                self.unusable.len()
            );
        }
        let _ = writeln!(
            s,
            "\n{}",
            if self.is_clean() {
                "Ready to invoice."
            } else {
                "NOT ready to invoice: see the problems above."
            }
        );
        s
    }
}

/// Builds the import report; never fails: what went wrong is part of the report.
pub fn check(data_dir: &Path, config_path: &Path, period: Option<YearMonth>) -> CheckReport {
    let mut report = CheckReport {
        data_dir: data_dir.display().to_string(),
        config: config_path.display().to_string(),
        ..CheckReport::default()
    };
    // A usage summary (docs/databricks.md): its usage datasets are listed from the
    // manifest, the tables copied beside it are a data folder of their own.
    let summary = crate::import::summary::is_summary(data_dir);
    let catalog = if summary {
        crate::import::summary::tables(data_dir)
    } else {
        Catalog::discover(data_dir)
    };
    let catalog = match catalog {
        Ok(c) => c,
        Err(e) => {
            report.load_error = Some(e.to_string());
            return report;
        }
    };
    let config = match crate::import::load_config(config_path) {
        Ok(c) => Some(c),
        Err(ConfigError::Invalid { path, issues }) => {
            report.config_problems = issues.iter().map(|i| i.render(&path)).collect();
            None
        }
        Err(e) => {
            report.config_problems.push(e.to_string());
            None
        }
    };
    let used = config.as_ref().map(Config::referenced_datasets).unwrap_or_default();
    for entry in &catalog.entries {
        let pinned = config.as_ref().and_then(|c| c.pinned_version(&entry.name));
        let (version, files, mut problems) = match entry.files(pinned) {
            Ok((v, f)) => (v, f, entry.problems.clone()),
            Err(e) => (None, Vec::new(), vec![e.to_string()]),
        };
        problems.sort();
        let formats = formats_of(files.iter().filter_map(|f| f.extension().and_then(|e| e.to_str())));
        report.datasets.push(DatasetLine {
            name: entry.name.clone(),
            used: used.contains(&entry.name.to_ascii_lowercase()),
            version,
            versions: entry.versions(),
            files: files.len(),
            rows: None,
            formats,
            problems,
        });
    }
    let Some(config) = config else { return report };
    let summarised = if summary {
        match summary_datasets(data_dir, &config, &mut report.datasets) {
            Ok(d) => d,
            Err(e) => {
                report.load_error = Some(e.to_string());
                return report;
            }
        }
    } else {
        Vec::new()
    };
    report.datasets.sort_by_key(|d| d.name.to_ascii_lowercase());
    for name in &used {
        if catalog.find(name).is_none() && !summarised.iter().any(|d| d.name.eq_ignore_ascii_case(name)) {
            report.config_problems.push(format!(
                "dataset {name} is used by the configuration but is not in {}",
                data_dir.display()
            ));
        }
    }
    drop(config);
    let loaded = match crate::load(data_dir, config_path, &|_: &Path| {}) {
        Ok(l) => l,
        Err(e) => {
            report.load_error = Some(e.to_string());
            return report;
        }
    };
    let engine = loaded.engine;
    let rows = engine.rows_read_by_dataset();
    for line in &mut report.datasets {
        line.rows = rows.get(&line.name.to_ascii_lowercase()).copied();
    }
    report.unusable = engine.unusable_inputs().to_vec();
    let Some(month) = period.or_else(|| engine.latest_month()) else {
        report
            .warnings
            .push("no usage record has a time: nothing to reconcile".into());
        return report;
    };
    let run = engine.run(&Period::Month(month), &Selection::All);
    report.period = Some(month.to_string());
    report.reconciliation = run.run.reconciliation();
    report.files = run.run.files.clone();
    report.unattributable = run.run.unattributable.clone();
    report.invoices = run
        .invoices
        .iter()
        .map(|i| InvoiceTotal {
            ob: i.ob.clone(),
            invoice_number: i.invoice_number.clone(),
            currency: i.currency.clone(),
            total: money_string(i.total, i.decimals),
            suspended: i.suspense_counts.values().sum(),
        })
        .collect();
    report.ob_errors = run
        .errors
        .iter()
        .map(|e| format!("OB {}: {}", e.ob, e.message))
        .collect();
    report.warnings = run.warnings;
    report
}

/// The format names of files, by their extensions (or format names, as a usage summary's
/// manifest gives them), sorted and each once.
fn formats_of<'a>(names: impl Iterator<Item = &'a str>) -> Vec<&'static str> {
    let mut f: Vec<&'static str> = names
        .filter_map(|n| {
            crate::model::inputs::Format::from_extension(n)
                .map(|f| f.name())
                .or((n == "spreadsheet").then_some("spreadsheet"))
        })
        .collect();
    f.sort_unstable();
    f.dedup();
    f
}

/// The datasets of a usage summary's manifest (docs/databricks.md) as `check` lists them:
/// the used ones are returned (their rows are known after the load), the others added.
fn summary_datasets(
    dir: &Path,
    config: &Config,
    lines: &mut Vec<DatasetLine>,
) -> Result<Vec<crate::model::summary::ManifestDataset>, crate::import::ImportError> {
    let m = crate::import::summary::manifest(dir, config)?;
    for u in m.unused {
        lines.push(DatasetLine {
            formats: formats_of(u.formats.iter().map(String::as_str)),
            name: u.name,
            used: false,
            version: u.version,
            versions: u.versions,
            files: u.files,
            rows: None,
            problems: u.problems,
        });
    }
    for d in &m.datasets {
        lines.push(DatasetLine {
            name: d.found.clone(),
            used: true,
            version: d.version,
            versions: d.versions.clone(),
            files: d.files.len(),
            rows: None,
            formats: formats_of(d.files.iter().map(|f| f.format.as_str())),
            problems: d.problems.clone(),
        });
    }
    Ok(m.datasets)
}
