//! The plain results every output reads: invoices with lines, totals, breakdowns, daily
//! quantities, suspense and reconciliation, and the run-level summary. No logic beyond
//! small accessors; built by `engine`, read by `output`, `cli` (and later the window).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::model::inputs::Format;

/// What kind of entry produced a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Charge,
    Fee,
    Allocation,
}

/// How one price tier contributed to a line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TierUse {
    /// 1-based tier number.
    pub tier: usize,
    pub low: Decimal,
    pub up_to: Option<Decimal>,
    pub units: Decimal,
    pub unit_price: Decimal,
    pub flat: Decimal,
    pub amount: Decimal,
}

/// How a line's amount came about (shown on demand in the window), one kind per line
/// kind, as Lago's `amount_details` are.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum LineDetail {
    Charge(ChargeDetail),
    Fee(FeeDetail),
    Allocation(AllocationDetail),
    /// A line read back from the register: how it came about stays with the run that
    /// issued it (its inputs and configuration are recorded by hash).
    Recorded,
}

impl LineDetail {
    /// Units of the invoice currency per unit of the billing currency (1 when the same).
    pub fn fx_rate(&self) -> Decimal {
        match self {
            LineDetail::Charge(d) => d.fx_rate,
            LineDetail::Fee(d) => d.fx_rate,
            LineDetail::Allocation(d) => d.fx_rate,
            LineDetail::Recorded => Decimal::ONE,
        }
    }
}

/// A charge line: its model on its meter's quantity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChargeDetail {
    /// The `model` name (`per_unit`, `graduated`, `volume`, `package`).
    pub model: String,
    pub meter: String,
    pub included: Decimal,
    pub billable: Decimal,
    pub tiers: Vec<TierUse>,
    pub packages: Option<Decimal>,
    /// The model's exact amount before rounding.
    pub model_amount: Decimal,
    pub minimum: Decimal,
    pub minimum_applied: bool,
    pub fx_rate: Decimal,
}

/// A fee line: the fee, prorated by the contract's active days in the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeeDetail {
    /// The fee in the invoice currency before proration.
    pub full_amount: Decimal,
    pub active_days: i64,
    pub period_days: i64,
    pub fx_rate: Decimal,
}

/// An allocation line: this OB's share of a pool by a basis meter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllocationDetail {
    /// The basis meter.
    pub meter: String,
    /// The pool in the billing currency.
    pub pool: Decimal,
    /// The basis quantity over all OBs.
    pub basis_total: Decimal,
    /// This OB's share before conversion.
    pub share_before_fx: Decimal,
    pub fx_rate: Decimal,
}

/// One invoice line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub concept: String,
    pub description: String,
    pub kind: LineKind,
    pub quantity: Decimal,
    pub unit: String,
    /// Present where `amount = round(quantity × unit_price)` holds for the whole line.
    pub unit_price: Option<Decimal>,
    pub amount: Decimal,
    pub detail: LineDetail,
}

/// One row of a breakdown: a value of a breakdown field and its part of a line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreakdownRow {
    pub concept: String,
    pub field: String,
    pub value: String,
    pub label: String,
    pub quantity: Decimal,
    pub amount: Decimal,
}

/// Daily quantities of one meter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailyMeter {
    pub meter: String,
    pub name: String,
    pub unit: String,
    pub dataset: String,
    pub values: Vec<Decimal>,
}

/// A record that could not be billed, and why. Records that fail the same way share their
/// texts (`Arc<str>`): a broken dimension can suspend millions of records, and each then
/// costs its record id and a few pointers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuspenseEntry {
    pub code: &'static str,
    #[serde(serialize_with = "shared_text")]
    pub dataset: Arc<str>,
    pub record_id: String,
    #[serde(serialize_with = "shared_text")]
    pub field: Arc<str>,
    #[serde(serialize_with = "shared_text")]
    pub value: Arc<str>,
    #[serde(serialize_with = "shared_text")]
    pub message: Arc<str>,
    /// The reason a reviewer gave for discarding the record (it stays unbilled either way).
    pub discarded: Option<String>,
    /// Who discarded it and when (UTC, RFC 3339), where the decision says.
    pub discarded_by: Option<String>,
    pub discarded_at: Option<String>,
}

impl SuspenseEntry {
    /// The six texts the Suspense sheet lists (docs/workbooks.md): code, dataset, record id, field, value,
    /// message.
    pub fn cells(&self) -> [&str; 6] {
        [
            self.code,
            &self.dataset,
            &self.record_id,
            &self.field,
            &self.value,
            &self.message,
        ]
    }

    /// Records per code.
    pub fn count_by_code(entries: &[SuspenseEntry]) -> BTreeMap<String, u64> {
        let mut counts: BTreeMap<&'static str, u64> = BTreeMap::new();
        for e in entries {
            *counts.entry(e.code).or_default() += 1;
        }
        counts.into_iter().map(|(code, n)| (code.to_string(), n)).collect()
    }
}

/// A shared text as a plain string (serde's own `Arc` support is a feature that would
/// rebuild every crate using serde).
fn shared_text<S: serde::Serializer>(text: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(text)
}

fn shared_list<S: serde::Serializer>(list: &Arc<Vec<SuspenseEntry>>, s: S) -> Result<S::Ok, S::Error> {
    list.as_slice().serialize(s)
}

/// Record counts of one dataset: `in_scope = duplicates + excluded + suspended + rated`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Reconciliation {
    pub dataset: String,
    pub in_scope: u64,
    pub duplicates: u64,
    pub excluded: u64,
    pub suspended: u64,
    pub rated: u64,
}

impl Reconciliation {
    /// Whether the reconciliation balances (docs/processing.md).
    pub fn balances(&self) -> bool {
        self.in_scope == self.duplicates + self.excluded + self.suspended + self.rated
    }
}

/// One OB's invoice for one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Invoice {
    pub ob: String,
    pub legal_entity: String,
    pub invoice_number: String,
    pub currency: String,
    pub decimals: u32,
    pub period_label: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub timezone: String,
    /// The language of the invoice's sheet (`en`, `es`, `pt-BR`).
    pub language: String,
    pub tax_rate: Decimal,
    pub lines: Vec<Line>,
    pub subtotal: Decimal,
    pub tax: Decimal,
    pub total: Decimal,
    pub breakdown: Vec<BreakdownRow>,
    pub days: Vec<NaiveDate>,
    pub daily: Vec<DailyMeter>,
    pub reconciliation: Vec<Reconciliation>,
    pub suspense: Vec<SuspenseEntry>,
    pub suspense_counts: BTreeMap<String, u64>,
    pub warnings: Vec<String>,
}

/// An OB that could not be invoiced, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObError {
    pub ob: String,
    pub message: String,
}

/// One file that was read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputFile {
    pub dataset: String,
    pub path: PathBuf,
    pub bytes: u64,
    pub rows: usize,
    pub format: &'static str,
    pub sha256: String,
}

impl InputFile {
    pub fn new(dataset: &str, info: &crate::model::inputs::FileInfo) -> InputFile {
        InputFile {
            dataset: dataset.to_string(),
            path: info.path.clone(),
            bytes: info.bytes,
            rows: info.rows,
            format: Format::name(info.format),
            sha256: info.sha256.clone(),
        }
    }
}

/// Run-level figures over all configured OBs, whatever `--ob` selects.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct RunSummary {
    pub rows_read: BTreeMap<String, u64>,
    /// Σ over OBs of records in scope, per dataset.
    pub in_scope: BTreeMap<String, u64>,
    pub out_of_period: BTreeMap<String, u64>,
    pub unattributable: BTreeMap<String, u64>,
    pub unattributable_by_dataset: BTreeMap<String, u64>,
    /// Shared by every report of one load: they do not depend on the period.
    #[serde(serialize_with = "shared_list")]
    pub unattributable_records: Arc<Vec<SuspenseEntry>>,
    /// Allocation shares per concept: (OB, basis quantity, share in billing currency).
    pub allocations: Vec<AllocationShares>,
    /// Per input file of the usage datasets, in dataset and file order.
    pub files: Vec<FileStats>,
}

/// The columns of a file's statistics, as the Files sheet and the Files tab show them.
pub const FILE_COLUMNS: [&str; 12] = [
    "Dataset",
    "File",
    "Rows read",
    "Unattributable",
    "Out of period",
    "In scope",
    "Duplicates",
    "Excluded",
    "Suspended",
    "Rated",
    "Suspended %",
    "First causes",
];

/// What became of one input file's records in a period, over all configured OBs:
/// `rows read = unattributable + in scope + out of period` and `in scope = duplicates +
/// excluded + suspended + rated`, and a dataset's files add up to its reconciliation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileStats {
    pub dataset: String,
    pub file: String,
    pub rows_read: u64,
    pub unattributable: u64,
    pub out_of_period: u64,
    pub in_scope: u64,
    pub duplicates: u64,
    pub excluded: u64,
    pub suspended: u64,
    pub rated: u64,
    /// The first causes of its unattributable records and of its records suspended in the
    /// period (the causes behind the counts), in record order: `CODE field`.
    pub causes: Vec<String>,
}

impl FileStats {
    /// The share of its in-scope records that are suspended, in percent (0 when none).
    pub fn suspended_percent(&self) -> f64 {
        if self.in_scope == 0 {
            return 0.0;
        }
        self.suspended as f64 * 100.0 / self.in_scope as f64
    }

    /// Whether its share of suspended records stands out: at least 5 points and twice the
    /// share of its dataset's other files together (a file with a broken join or a bad
    /// day of the export).
    pub fn stands_out(&self, all: &[FileStats]) -> bool {
        let (mut suspended, mut in_scope) = (0u64, 0u64);
        for f in all.iter().filter(|f| f.dataset == self.dataset && f.file != self.file) {
            suspended += f.suspended;
            in_scope += f.in_scope;
        }
        self.stands_out_of(suspended, in_scope)
    }

    /// Whether the file stands out against the other files' suspended and in-scope counts.
    fn stands_out_of(&self, others_suspended: u64, others_in_scope: u64) -> bool {
        let others = if others_in_scope == 0 {
            0.0
        } else {
            others_suspended as f64 * 100.0 / others_in_scope as f64
        };
        let mine = self.suspended_percent();
        mine >= 5.0 && mine >= 2.0 * others
    }

    /// Rows read, unattributable, out of period, in scope, duplicates, excluded, suspended
    /// and rated: the counts of the Files tab and sheet, in their column order.
    pub fn counts(&self) -> [u64; 8] {
        [
            self.rows_read,
            self.unattributable,
            self.out_of_period,
            self.in_scope,
            self.duplicates,
            self.excluded,
            self.suspended,
            self.rated,
        ]
    }

    /// `stands_out` for every file of `all` at once, from each dataset's totals.
    pub fn standouts(all: &[FileStats]) -> Vec<bool> {
        let mut totals: HashMap<&str, (u64, u64)> = HashMap::new();
        for f in all {
            let t = totals.entry(f.dataset.as_str()).or_default();
            t.0 += f.suspended;
            t.1 += f.in_scope;
        }
        all.iter()
            .map(|f| {
                let (s, i) = totals[f.dataset.as_str()];
                f.stands_out_of(s - f.suspended, i - f.in_scope)
            })
            .collect()
    }
}

/// Run-level counts of one dataset: `rows read = unattributable + Σ in scope + out of period`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunReconciliation {
    pub dataset: String,
    pub rows_read: u64,
    pub unattributable: u64,
    pub in_scope: u64,
    pub out_of_period: u64,
    pub balanced: bool,
}

impl RunSummary {
    /// The run-level reconciliation, one row per dataset.
    pub fn reconciliation(&self) -> Vec<RunReconciliation> {
        let get = |m: &BTreeMap<String, u64>, ds: &str| m.get(ds).copied().unwrap_or(0);
        self.rows_read
            .iter()
            .map(|(ds, read)| {
                let (u, s, o) = (
                    get(&self.unattributable_by_dataset, ds),
                    get(&self.in_scope, ds),
                    get(&self.out_of_period, ds),
                );
                RunReconciliation {
                    dataset: ds.clone(),
                    rows_read: *read,
                    unattributable: u,
                    in_scope: s,
                    out_of_period: o,
                    balanced: *read == u + s + o,
                }
            })
            .collect()
    }

    /// Whether `rows read = unattributable + Σ in scope + out of period` for every dataset.
    pub fn balances(&self) -> bool {
        self.reconciliation().iter().all(|r| r.balanced)
    }
}

/// How one allocation pool was split.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllocationShares {
    pub concept: String,
    pub pool: Decimal,
    pub basis_total: Decimal,
    /// One per OB, in configuration order.
    pub shares: Vec<AllocationShare>,
}

/// One OB's part of an allocation pool, in the billing currency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllocationShare {
    pub ob: String,
    /// The OB's quantity of the basis meter.
    pub basis: Decimal,
    pub amount: Decimal,
}

/// Everything one run produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunReport {
    pub period_label: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub billing_currency: String,
    pub invoices: Vec<Invoice>,
    pub errors: Vec<ObError>,
    pub run: RunSummary,
    pub warnings: Vec<String>,
    /// Causes that make most of a dataset unusable (docs/datasets.md) (loud: stderr, a banner in the
    /// window, `check` not ready).
    pub unusable: Vec<String>,
    pub files: Vec<InputFile>,
    pub config_path: PathBuf,
    pub config_sha256: String,
    pub issuer: String,
    /// The issuer's own logo (`[billing] logo`), PNG or JPEG bytes; the product's otherwise.
    #[serde(skip)]
    pub logo: Option<Arc<Vec<u8>>>,
}

/// A reviewer's decision to discard a suspended record: why, who and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Discard {
    pub dataset: String,
    pub record_id: String,
    pub reason: String,
    /// The operating-system user who decided (absent in files written before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// When, in UTC (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

impl Line {
    /// Whether a workbook may show this line's amount as `ROUND(quantity × unit price)`:
    /// Excel's ROUND is half away from zero, so only where that gives the engine's amount.
    pub fn amount_is_formula(&self, decimals: u32) -> bool {
        self.unit_price
            .is_some_and(|p| crate::model::money::Rounding::HalfUp.round(self.quantity * p, decimals) == self.amount)
    }
}

/// The invoices of one currency, summed.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrencyTotals {
    pub currency: String,
    pub obs: usize,
    pub subtotal: Decimal,
    pub tax: Decimal,
    pub total: Decimal,
}

impl RunReport {
    /// Every concept invoiced in the run, in the order the invoices first have them (the
    /// columns of the summary workbook and of the window's All OBs matrix).
    pub fn concepts(&self) -> Vec<String> {
        let mut concepts: Vec<String> = Vec::new();
        for l in self.invoices.iter().flat_map(|i| &i.lines) {
            if !concepts.contains(&l.concept) {
                concepts.push(l.concept.clone());
            }
        }
        concepts
    }

    /// The invoices summed per currency, currencies in alphabetical order.
    pub fn totals_by_currency(&self) -> Vec<CurrencyTotals> {
        let mut totals: BTreeMap<&str, CurrencyTotals> = BTreeMap::new();
        for inv in &self.invoices {
            let t = totals.entry(&inv.currency).or_insert_with(|| CurrencyTotals {
                currency: inv.currency.clone(),
                obs: 0,
                subtotal: Decimal::ZERO,
                tax: Decimal::ZERO,
                total: Decimal::ZERO,
            });
            t.obs += 1;
            t.subtotal += inv.subtotal;
            t.tax += inv.tax;
            t.total += inv.total;
        }
        totals.into_values().collect()
    }

    /// Marks the suspended and unattributable records that reviewers discarded.
    pub fn apply_discards(&mut self, discards: &[Discard]) {
        // By (dataset, record id); reversed so that the first decision on a record wins.
        let by_record: std::collections::HashMap<(&str, &str), &Discard> = discards
            .iter()
            .rev()
            .map(|d| ((d.dataset.as_str(), d.record_id.as_str()), d))
            .collect();
        let decision = |e: &SuspenseEntry| -> Option<&Discard> {
            if by_record.is_empty() {
                return None;
            }
            by_record.get(&(&*e.dataset, e.record_id.as_str())).copied()
        };
        let mark = |e: &mut SuspenseEntry, d: Option<&Discard>| {
            e.discarded = d.map(|d| d.reason.clone());
            e.discarded_by = d.and_then(|d| d.by.clone());
            e.discarded_at = d.and_then(|d| d.at.clone());
        };
        for inv in &mut self.invoices {
            for e in &mut inv.suspense {
                let d = decision(e);
                mark(e, d);
            }
        }
        // The run-level list is shared by the reports of one load: copied only when a
        // decision changes it.
        let records = &mut self.run.unattributable_records;
        if records.iter().any(|e| {
            e.discarded.as_deref() != decision(e).map(|d| d.reason.as_str())
                || e.discarded_by != decision(e).and_then(|d| d.by.clone())
        }) {
            for e in Arc::make_mut(records) {
                let d = decision(e);
                mark(e, d);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(dataset: &str, name: &str, in_scope: u64, suspended: u64) -> FileStats {
        FileStats {
            dataset: dataset.into(),
            file: name.into(),
            rows_read: in_scope,
            unattributable: 0,
            out_of_period: 0,
            in_scope,
            duplicates: 0,
            excluded: 0,
            suspended,
            rated: in_scope - suspended,
            causes: Vec::new(),
        }
    }

    #[test]
    fn standouts_agree_with_each_file_against_the_others_of_its_dataset() {
        let files = vec![
            file("A", "a1", 1000, 10),
            file("A", "a2", 1000, 300),
            file("A", "a3", 1000, 12),
            file("B", "b1", 100, 6),
            file("B", "b2", 100, 6),
            file("C", "c1", 50, 40),
        ];
        let each: Vec<bool> = files.iter().map(|f| f.stands_out(&files)).collect();
        assert_eq!(FileStats::standouts(&files), each);
        // a2 (30 %) against 1.1 %; c1 alone against nothing; b1 and b2 (6 %) against each other: not.
        assert_eq!(each, [false, true, false, false, false, true]);
    }
}
