//! The billing engine: pure and deterministic (no files, no clock, no window).
//! A load streams every dataset's pieces through the period-independent record rules (docs/processing.md)
//! into each OB's daily roll-up (`stream`); `Engine::run` cuts a period from the roll-up,
//! and rates the selected OBs.

pub mod aggregate;
mod allocation;
pub mod charge_model;
pub mod days;
pub mod ordered;
pub mod process;
pub mod rate;
pub mod split;
pub mod stream;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use rust_decimal::Decimal;

use crate::model::Config;
use crate::model::inputs::{CostRow, DimensionTable, Inputs};
use crate::model::period::Period;
use crate::model::table::Scalar;
use crate::report::{
    DailyMeter, InputFile, Invoice, Line, ObError, Reconciliation, RunReport, RunSummary, SuspenseEntry,
};

use aggregate::ObUsage;
use rate::Money;
pub use stream::{DatasetRecords, FileRecords, Piece, StreamError, Streamed};

/// Every configured OB's usage in `period`, straight from whole datasets' records: the
/// reference the streaming roll-up is tested against.
pub fn usages_direct(config: &Config, inputs: &Inputs, period: &Period) -> Vec<ObUsage> {
    let tables = inputs.usage.iter().map(|d| d.table.clone()).collect();
    let datasets = stream::prepare_whole(config, tables, &inputs.dimensions);
    (0..config.obs.len())
        .map(|ob| aggregate::usage(config, &datasets, ob, period))
        .collect()
}

/// Which OBs to invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    All,
    One(String),
}

/// Loaded, prepared data ready to be rated for any period.
#[derive(Debug, Clone)]
pub struct Engine {
    config: Config,
    /// What is kept of each usage dataset's records, indexed like `config.datasets`.
    datasets: Vec<DatasetRecords>,
    dimensions: HashMap<String, DimensionTable>,
    platform_cost: Vec<CostRow>,
    files: Vec<InputFile>,
    /// Each OB's records by local day, indexed like `config.obs`.
    days: Vec<days::ObDays>,
    /// The only period whose meters `days` holds, for a load that rates one period
    /// (`stream::Schedule::within`); `None`: every day's.
    within: Option<Period>,
    /// The run-level unattributable records do not depend on the period: listed by the
    /// first run and shared by every report after it.
    unattributable: std::sync::OnceLock<Unattributable>,
    /// `unusable_inputs`, worked out once.
    unusable: std::sync::OnceLock<Vec<String>>,
}

/// Why an OB could not be invoiced for a period (the other OBs still are).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RateError {
    #[error(
        "{}: OB {ob} is invoiced in {currency} but there is no [[fx]] rate with period = \"{month}\" and currency = \"{currency}\"",
        config.display()
    )]
    MissingFxRate {
        config: std::path::PathBuf,
        ob: String,
        currency: String,
        month: crate::model::YearMonth,
    },
}

/// The run-level unattributable records with their counts by code and per dataset.
#[derive(Debug, Clone)]
struct Unattributable {
    records: Arc<Vec<SuspenseEntry>>,
    by_code: BTreeMap<String, u64>,
    /// Indexed like `Engine::datasets`.
    by_dataset: Vec<u64>,
}

impl Engine {
    /// The validated configuration the engine was built with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Every input file read, with its dataset, rows and checksum.
    pub fn files(&self) -> &[InputFile] {
        &self.files
    }

    /// Records read per dataset (usage, dimension tables and Platform_Cost), by the
    /// dataset's name in lower case.
    pub fn rows_read_by_dataset(&self) -> BTreeMap<String, u64> {
        let mut rows = BTreeMap::new();
        for d in &self.datasets {
            rows.insert(d.name.to_ascii_lowercase(), d.rows as u64);
        }
        for d in self.dimensions.values() {
            rows.insert(
                d.dataset.to_ascii_lowercase(),
                d.files.iter().map(|f| f.rows as u64).sum(),
            );
        }
        if self
            .files
            .iter()
            .any(|f| f.dataset == crate::model::config::PLATFORM_COST)
        {
            rows.insert(
                crate::model::config::PLATFORM_COST.to_ascii_lowercase(),
                self.platform_cost.len() as u64,
            );
        }
        rows
    }
    /// Prepares whole datasets already read into tables (each table is one piece).
    pub fn new(config: Config, mut inputs: Inputs) -> Engine {
        let pieces = inputs
            .usage
            .iter_mut()
            .enumerate()
            .map(|(dataset, d)| {
                let table = std::mem::take(&mut d.table);
                // The files the table was read from, when their rows add up to it.
                let files: Vec<(u32, usize)> = d.files.iter().enumerate().map(|(i, f)| (i as u32, f.rows)).collect();
                let known = files.iter().map(|f| f.1).sum::<usize>() == table.rows;
                Some(Piece {
                    dataset,
                    table,
                    files: if known { files } else { Vec::new() },
                })
            })
            .collect();
        Engine::from_pieces(config, inputs, pieces, 1)
    }

    /// Streams `pieces` (in dataset, file and row order) on `workers` threads; a `None`
    /// is an item without records (as hashing a file is in a load), marked hollow.
    pub fn from_pieces(config: Config, inputs: Inputs, pieces: Vec<Option<Piece>>, workers: usize) -> Engine {
        Engine::from_pieces_within(config, inputs, pieces, workers, None)
    }

    /// `from_pieces`, with the meters narrowed to `within` (`stream::Schedule::within`).
    pub fn from_pieces_within(
        config: Config,
        inputs: Inputs,
        pieces: Vec<Option<Piece>>,
        workers: usize,
        within: Option<Period>,
    ) -> Engine {
        let n = pieces.len();
        let hollow = pieces.iter().map(Option::is_none).collect();
        let pieces: Vec<Mutex<Option<Piece>>> = pieces.into_iter().map(Mutex::new).collect();
        let read = |i: usize| -> Result<Option<Piece>, std::convert::Infallible> {
            Ok(pieces[i].lock().ok().and_then(|mut p| p.take()))
        };
        let schedule = stream::Schedule {
            tasks: n,
            workers,
            expected_records: Vec::new(),
            hollow,
            within,
        };
        match stream::stream(&config, &inputs.dimensions, &schedule, &read, &|| false, &|_| {}) {
            Ok(streamed) => Engine::assemble(config, inputs, streamed),
            Err(stream::StreamError::Cancelled) => unreachable!("nothing cancels this load"),
            Err(stream::StreamError::Read(never)) => match never {},
        }
    }

    /// The engine of a finished streaming load; `inputs` names the files read (their
    /// tables are not used).
    pub fn assemble(config: Config, inputs: Inputs, streamed: Streamed) -> Engine {
        let mut files = Vec::new();
        for ds in &inputs.usage {
            files.extend(ds.files.iter().map(|f| InputFile::new(&ds.name, f)));
        }
        let mut dims: Vec<_> = inputs.dimensions.values().collect();
        dims.sort_by(|a, b| a.dataset.cmp(&b.dataset));
        dims.dedup_by(|a, b| a.dataset == b.dataset);
        for dt in dims {
            files.extend(dt.files.iter().map(|f| InputFile::new(&dt.dataset, f)));
        }
        files.extend(
            inputs
                .platform_cost_files
                .iter()
                .map(|f| InputFile::new(crate::model::config::PLATFORM_COST, f)),
        );
        files.extend(inputs.ob_table_files.iter().map(|(ds, f)| InputFile::new(ds, f)));
        files.extend(inputs.summary_files.iter().map(|f| InputFile::new("usage summary", f)));
        Engine {
            config,
            datasets: streamed.datasets,
            dimensions: inputs.dimensions,
            platform_cost: inputs.platform_cost,
            files,
            days: streamed.days,
            within: streamed.within,
            unattributable: std::sync::OnceLock::new(),
            unusable: std::sync::OnceLock::new(),
        }
    }

    /// Records read, over every usage dataset.
    pub fn rows_read(&self) -> usize {
        self.datasets.iter().map(|d| d.rows).sum()
    }

    /// The latest month (UTC) in which a record that belongs to an OB falls.
    pub fn latest_month(&self) -> Option<crate::model::YearMonth> {
        let max = self.datasets.iter().filter_map(|d| d.latest_us).max()?;
        crate::model::period::utc_date(max).map(crate::model::YearMonth::of)
    }

    /// Whether `period` can be rated: every period can, unless the load was narrowed to one
    /// (`LoadOptions::only`), whose dates it must lie within.
    pub fn covers(&self, period: &Period) -> bool {
        self.within
            .is_none_or(|w| w.first_day() <= period.first_day() && period.last_day() <= w.last_day())
    }

    /// Every configured OB's usage in `period`, folded from the daily roll-up.
    ///
    /// # Panics
    /// If the load was narrowed to a period that does not cover `period` (`covers`): its
    /// meters would read as zero.
    pub fn usages(&self, period: &Period) -> Vec<ObUsage> {
        assert!(
            self.covers(period),
            "the load's meters cover {} only, not {}",
            self.within.map_or_else(String::new, |w| w.label()),
            period.label()
        );
        let names: Vec<Arc<str>> = self.datasets.iter().map(|d| Arc::clone(&d.name)).collect();
        self.days
            .iter()
            .map(|d| d.usage(&self.config, &names, period))
            .collect()
    }

    /// Every cause (code and field, docs/datasets.md) that makes more than half of a dataset's
    /// records unattributable or suspended, as a sentence naming the dataset, the count,
    /// the share and an example value. Counted over every record the load read, since an
    /// unattributable record belongs to no period.
    pub fn unusable_inputs(&self) -> &[String] {
        self.unusable.get_or_init(|| self.find_unusable())
    }

    fn find_unusable(&self) -> Vec<String> {
        let mut out = Vec::new();
        for ds in &self.datasets {
            let mut causes: Vec<(process::Code, &str, u64, &str)> = Vec::new();
            for issue in ds.unattributable.iter().chain(&ds.issues) {
                match causes
                    .iter_mut()
                    .find(|(c, f, _, _)| *c == issue.code && *f == &*issue.field)
                {
                    Some(cause) => cause.2 += 1,
                    None => causes.push((issue.code, &issue.field, 1, &issue.value)),
                }
            }
            let rows = ds.rows as u64;
            for (code, field, count, example) in causes {
                if count * 2 <= rows {
                    continue;
                }
                let example = if example.is_empty() {
                    "null".to_string()
                } else {
                    format!("{example:?}")
                };
                out.push(format!(
                    "{}: {count} of {rows} records ({} %) {} in {field}, e.g. {example}",
                    ds.name,
                    count * 100 / rows,
                    code.as_str()
                ));
            }
        }
        out
    }

    /// Rates `period` for the selected OBs.
    pub fn run(&self, period: &Period, selection: &Selection) -> RunReport {
        let config = &self.config;
        let usages = self.usages(period);
        let mut warnings = Vec::new();
        let run = self.run_summary(period, &usages, &mut warnings);

        let mut invoices = Vec::new();
        let mut errors = Vec::new();
        for (i, ob) in config.obs.iter().enumerate() {
            if let Selection::One(code) = selection
                && *code != ob.code
            {
                continue;
            }
            match self.invoice(i, period, &usages[i], &run) {
                Ok(inv) => invoices.push(inv),
                Err(e) => errors.push(ObError {
                    ob: ob.code.clone(),
                    message: e.to_string(),
                }),
            }
        }
        RunReport {
            period_label: period.label(),
            period_start: period.first_day(),
            period_end: period.last_day(),
            billing_currency: config.billing.currency.clone(),
            invoices,
            errors,
            run,
            warnings,
            unusable: self.unusable_inputs().to_vec(),
            files: self.files.clone(),
            config_path: config.path.clone(),
            config_sha256: config.sha256.clone(),
            issuer: config.billing.issuer.clone(),
            logo: config.logo.clone(),
        }
    }

    fn run_summary(&self, period: &Period, usages: &[ObUsage], warnings: &mut Vec<String>) -> RunSummary {
        let mut run = RunSummary::default();
        let unattributable = self.unattributable.get_or_init(|| {
            let mut records = Vec::new();
            let mut by_dataset = Vec::new();
            for (di, ds) in self.datasets.iter().enumerate() {
                let before = records.len();
                records.extend(ds.unattributable.iter().map(|issue| self.entry(di, issue)));
                by_dataset.push((records.len() - before) as u64);
            }
            Unattributable {
                by_code: SuspenseEntry::count_by_code(&records),
                records: Arc::new(records),
                by_dataset,
            }
        });
        run.unattributable_records = Arc::clone(&unattributable.records);
        run.unattributable = unattributable.by_code.clone();
        for (di, ds) in self.datasets.iter().enumerate() {
            run.rows_read.insert(ds.name.to_string(), ds.rows as u64);
            run.unattributable_by_dataset
                .insert(ds.name.to_string(), unattributable.by_dataset[di]);
            let (mut in_scope, mut out) = (0, 0);
            for u in usages {
                if let Some((_, c)) = u.counts.get(di) {
                    in_scope += c.in_scope;
                    out += c.out_of_period;
                }
            }
            run.in_scope.insert(ds.name.to_string(), in_scope);
            run.out_of_period.insert(ds.name.to_string(), out);
        }
        run.allocations = allocation::split_pools(&self.config, &self.platform_cost, period, usages, warnings);
        run.files = self.file_stats(period);
        run
    }

    /// Per input file of every usage dataset: its records in `period` over all OBs.
    fn file_stats(&self, period: &Period) -> Vec<crate::report::FileStats> {
        let mut counts: HashMap<(usize, u32), aggregate::Counts> = HashMap::new();
        let mut suspended_causes: HashMap<(usize, u32), Vec<stream::Cause>> = HashMap::new();
        for d in &self.days {
            for (di, file, causes) in d.file_causes(period) {
                suspended_causes.entry((di, file)).or_default().extend(causes);
            }
            for (di, file, c) in d.file_counts(period) {
                let into = counts.entry((di, file)).or_default();
                into.in_scope += c.in_scope;
                into.out_of_period += c.out_of_period;
                into.duplicates += c.duplicates;
                into.excluded += c.excluded;
                into.suspended += c.suspended;
                into.rated += c.rated;
            }
        }
        let mut out = Vec::new();
        for (di, ds) in self.datasets.iter().enumerate() {
            let paths: Vec<String> = self
                .files
                .iter()
                .filter(|f| f.dataset == *ds.name)
                .map(|f| f.path.display().to_string())
                .collect();
            for k in 0..paths.len().max(ds.files.len()) {
                let records = ds.files.get(k).cloned().unwrap_or_default();
                let c = counts.remove(&(di, k as u32)).unwrap_or_default();
                // The causes of its unattributable records and of those suspended in the
                // period, as the counts beside them: the first few in record order.
                let mut causes = records.causes.clone();
                causes.extend(suspended_causes.remove(&(di, k as u32)).unwrap_or_default());
                out.push(crate::report::FileStats {
                    dataset: ds.name.to_string(),
                    file: paths.get(k).cloned().unwrap_or_else(|| format!("file {}", k + 1)),
                    rows_read: records.rows,
                    unattributable: records.unattributable,
                    out_of_period: c.out_of_period,
                    in_scope: c.in_scope,
                    duplicates: c.duplicates,
                    excluded: c.excluded,
                    suspended: c.suspended,
                    rated: c.rated,
                    causes: days::first_causes(causes)
                        .iter()
                        .map(|(_, code, field)| format!("{} {field}", code.as_str()))
                        .collect(),
                });
            }
        }
        out
    }

    fn entry(&self, di: usize, issue: &process::Issue) -> SuspenseEntry {
        let ds = &self.datasets[di];
        SuspenseEntry {
            code: issue.code.as_str(),
            dataset: Arc::clone(&ds.name),
            record_id: ds.ids.get(issue.row as usize).to_string(),
            field: Arc::clone(&issue.field),
            value: Arc::clone(&issue.value),
            message: Arc::clone(&issue.message),
            discarded: None,
            discarded_by: None,
            discarded_at: None,
        }
    }

    /// The label of a breakdown value: from the dimension table, else the value itself.
    pub fn label(&self, field: &str, value: &Scalar) -> String {
        if value.is_null() {
            return "(none)".to_string();
        }
        let text = value.text();
        self.dimensions
            .get(field)
            .and_then(|d| d.labels.get(&text))
            .cloned()
            .unwrap_or(text)
    }

    fn invoice(&self, ob_idx: usize, period: &Period, usage: &ObUsage, run: &RunSummary) -> Result<Invoice, RateError> {
        let config = &self.config;
        let ob = &config.obs[ob_idx];
        let billing = &config.billing;
        let month = period.fx_month();
        let rate = config
            .fx_rate(&ob.currency, month)
            .ok_or_else(|| RateError::MissingFxRate {
                config: config.path.clone(),
                ob: ob.code.clone(),
                currency: ob.currency.clone(),
                month,
            })?;
        let money = Money {
            dp: billing.decimals,
            rounding: billing.rounding,
            rate,
            converts: ob.currency != billing.currency,
        };

        let mut lines: Vec<Line> = Vec::new();
        let mut breakdown = Vec::new();
        let labels = |field: &str, value: &Scalar| self.label(field, value);
        for charge in config.charges_for(&ob.code) {
            let Some(meter) = config.meters.iter().position(|m| m.code == charge.meter) else {
                continue;
            };
            let line = rate::charge_line(config, charge, usage.meters[meter].quantity, &money);
            breakdown.extend(rate::breakdown_rows(&line, usage, meter, &labels, billing.decimals));
            lines.push(line);
        }
        lines.extend(rate::fee_lines(config, ob, period, &money));
        lines.extend(allocation::lines(config, &ob.code, &run.allocations, &money));
        let subtotal: Decimal = lines.iter().map(|l| l.amount).sum();
        let tax = money.round(subtotal * ob.tax_rate);
        let total = subtotal + tax;

        let daily = config
            .meters
            .iter()
            .zip(&usage.meters)
            .map(|(m, q)| DailyMeter {
                meter: m.code.clone(),
                name: m.name.clone(),
                unit: m.unit.clone(),
                dataset: m.dataset.clone(),
                values: q.daily.clone(),
            })
            .collect();
        let reconciliation = usage
            .counts
            .iter()
            .map(|(name, c)| Reconciliation {
                dataset: name.clone(),
                in_scope: c.in_scope,
                duplicates: c.duplicates,
                excluded: c.excluded,
                suspended: c.suspended,
                rated: c.rated,
            })
            .collect();
        let suspense: Vec<SuspenseEntry> = usage
            .suspended
            .iter()
            .map(|(di, i)| self.entry(*di, &self.datasets[*di].issues[*i as usize]))
            .collect();
        let suspense_counts = SuspenseEntry::count_by_code(&suspense);
        Ok(Invoice {
            ob: ob.code.clone(),
            legal_entity: ob.name.clone(),
            invoice_number: format!("{}-{}-{}", billing.invoice_prefix, ob.code, period.number_suffix()),
            currency: ob.currency.clone(),
            decimals: billing.decimals,
            period_label: period.label(),
            period_start: period.first_day(),
            period_end: period.last_day(),
            timezone: ob.timezone.name().to_string(),
            language: ob.language.clone(),
            tax_rate: ob.tax_rate,
            lines,
            subtotal,
            tax,
            total,
            breakdown,
            days: period.dates(),
            daily,
            reconciliation,
            suspense,
            suspense_counts,
            warnings: Vec::new(),
        })
    }
}
