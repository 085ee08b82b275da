//! Issuing (docs/register.md): compares each rated invoice with the document in force in the
//! register and issues, leaves unchanged, reports the difference, or corrects it with a
//! credit note and a corrected invoice. Used alike by the `issue` command and the window.
//!
//! Order of work for one OB: every workbook is written under its final name (never over an
//! existing file), then all of the OB's documents are recorded in one transaction; when
//! recording fails the files just written are removed. So a recorded document always has
//! its file, and a file left behind always has its record. When another process recorded
//! the same OB and period first, the files are removed and the OB is decided again against
//! what that process recorded.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde::Serialize;

use crate::output::xlsx::{self, DraftNote, Stamp, Status, WriteError};
use crate::register::{
    DailyQuantity, DocBreakdown, DocKind, DocLine, Document, DocumentHead, Filter, RecordedInput, Register,
    RegisterError,
};
use crate::report::{BreakdownRow, DailyMeter, Invoice, Line, LineDetail, ObError, RunReport};

/// What `issue` did, or would do, for one OB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Nothing was issued for the period: the invoice is issued.
    Issued,
    /// The document in force has the same lines and totals: nothing written.
    Unchanged,
    /// The document in force differs and `--correct` was not given: nothing written.
    Differs,
    /// A credit note and a corrected invoice were issued.
    Corrected,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::Issued => "issued",
            Action::Unchanged => "unchanged",
            Action::Differs => "differs",
            Action::Corrected => "corrected",
        }
    }
}

/// A line (or `subtotal`, `tax`, `total`) whose figures differ from the document in force;
/// `None` on the side that lacks the line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub concept: String,
    pub issued: Option<Decimal>,
    pub now: Option<Decimal>,
    pub issued_quantity: Option<Decimal>,
    pub now_quantity: Option<Decimal>,
}

/// The result for one OB.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub ob: String,
    pub action: Action,
    /// The numbers this run wrote and recorded.
    pub documents: Vec<String>,
    pub changes: Vec<Change>,
    /// The document in force before this run, if any.
    pub in_force: Option<DocumentHead>,
    /// The files written.
    #[serde(skip)]
    pub files: Vec<PathBuf>,
    /// The total's difference from the document in force (now − issued).
    #[serde(skip)]
    pub delta: Option<Decimal>,
    #[serde(skip)]
    pub decimals: u32,
}

/// A whole `issue` run.
#[derive(Debug, Clone, Default)]
pub struct IssueRun {
    pub outcomes: Vec<Outcome>,
    pub errors: Vec<ObError>,
}

impl IssueRun {
    /// The exit rule of docs/register.md: success unless an OB differs or failed.
    pub fn succeeded(&self) -> bool {
        self.errors.is_empty() && self.outcomes.iter().all(|o| o.action != Action::Differs)
    }
}

/// Why issuing stopped for one OB.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error(transparent)]
    Register(#[from] RegisterError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("{}: written, but it cannot be removed after recording failed ({source}): delete it by hand", path.display())]
    Orphan { path: PathBuf, source: std::io::Error },
}

/// The lines (and totals) of `now` that differ from the document in force (`issued` with
/// its `lines`).
pub fn changes(issued: &DocumentHead, lines: &[DocLine], now: &Invoice) -> Vec<Change> {
    let mut out = Vec::new();
    let issued_by: BTreeMap<&str, &DocLine> = lines.iter().map(|l| (l.concept.as_str(), l)).collect();
    let now_by: BTreeMap<&str, &Line> = now.lines.iter().map(|l| (l.concept.as_str(), l)).collect();
    let mut concepts: Vec<&str> = lines.iter().map(|l| l.concept.as_str()).collect();
    for l in &now.lines {
        if !concepts.contains(&l.concept.as_str()) {
            concepts.push(&l.concept);
        }
    }
    for c in concepts {
        let (i, n) = (issued_by.get(c), now_by.get(c));
        let same = match (i, n) {
            (Some(i), Some(n)) => i.quantity == n.quantity && i.unit_price == n.unit_price && i.amount == n.amount,
            _ => false,
        };
        if !same {
            out.push(Change {
                concept: c.to_string(),
                issued: i.map(|l| l.amount),
                now: n.map(|l| l.amount),
                issued_quantity: i.map(|l| l.quantity),
                now_quantity: n.map(|l| l.quantity),
            });
        }
    }
    for (name, a, b) in [
        ("subtotal", issued.subtotal, now.subtotal),
        ("tax", issued.tax, now.tax),
        ("total", issued.total, now.total),
    ] {
        if a != b {
            out.push(Change {
                concept: name.to_string(),
                issued: Some(a),
                now: Some(b),
                issued_quantity: None,
                now_quantity: None,
            });
        }
    }
    out
}

/// The invoice number every document of an OB and period descends from.
fn base_number(d: &DocumentHead) -> &str {
    match (d.kind, d.number.rsplit_once("-R")) {
        (DocKind::Correction, Some((base, _))) => base,
        _ => &d.number,
    }
}

/// The register's record of an invoice as it is issued now.
fn document_of(
    report: &RunReport,
    inv: &Invoice,
    kind: DocKind,
    replaces: Option<&str>,
    revision: u32,
    stamp: &Stamp,
) -> Document {
    let mut daily = Vec::new();
    for m in &inv.daily {
        for (day, q) in inv.days.iter().zip(&m.values) {
            daily.push(DailyQuantity {
                meter: m.meter.clone(),
                name: m.name.clone(),
                unit: m.unit.clone(),
                dataset: m.dataset.clone(),
                day: *day,
                quantity: *q,
            });
        }
    }
    Document {
        head: DocumentHead {
            number: inv.invoice_number.clone(),
            kind,
            ob: inv.ob.clone(),
            legal_entity: inv.legal_entity.clone(),
            period_label: inv.period_label.clone(),
            period_start: inv.period_start,
            period_end: inv.period_end,
            currency: inv.currency.clone(),
            decimals: inv.decimals,
            issue_date: stamp.issue_date,
            subtotal: inv.subtotal,
            tax: inv.tax,
            total: inv.total,
            replaces: replaces.map(str::to_string),
            revision,
        },
        timezone: inv.timezone.clone(),
        tax_rate: inv.tax_rate,
        lines: inv
            .lines
            .iter()
            .map(|l| DocLine {
                concept: l.concept.clone(),
                description: l.description.clone(),
                kind: l.kind,
                quantity: l.quantity,
                unit: l.unit.clone(),
                unit_price: l.unit_price,
                amount: l.amount,
            })
            .collect(),
        breakdown: inv
            .breakdown
            .iter()
            .map(|b| DocBreakdown {
                concept: b.concept.clone(),
                field: b.field.clone(),
                value: b.value.clone(),
                label: b.label.clone(),
                quantity: b.quantity,
                amount: b.amount,
            })
            .collect(),
        daily,
        reconciliation: inv.reconciliation.clone(),
        suspense: inv.suspense_counts.clone(),
        inputs: report
            .files
            .iter()
            .map(|f| RecordedInput {
                dataset: f.dataset.clone(),
                path: f.path.display().to_string(),
                bytes: f.bytes,
                sha256: f.sha256.clone(),
            })
            .collect(),
        config_sha256: report.config_sha256.clone(),
        workbook: xlsx::invoice_file_name(inv),
        workbook_sha256: String::new(),
        product_version: env!("CARGO_PKG_VERSION").to_string(),
        issued_by: crate::host::user(),
        recorded_at: stamp.generated.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

/// A recorded document as an invoice again (for a credit note's workbook, or the window),
/// with every quantity and amount multiplied by `sign`.
pub fn invoice_of(doc: &Document, sign: Decimal) -> Invoice {
    let h = &doc.head;
    let mut days: Vec<chrono::NaiveDate> = doc.daily.iter().map(|q| q.day).collect();
    days.sort_unstable();
    days.dedup();
    let mut daily: Vec<DailyMeter> = Vec::new();
    for q in &doc.daily {
        if daily.last().is_none_or(|m| m.meter != q.meter) {
            daily.push(DailyMeter {
                meter: q.meter.clone(),
                name: q.name.clone(),
                unit: q.unit.clone(),
                dataset: q.dataset.clone(),
                values: vec![Decimal::ZERO; days.len()],
            });
        }
        if let (Some(m), Ok(i)) = (daily.last_mut(), days.binary_search(&q.day)) {
            m.values[i] = q.quantity * sign;
        }
    }
    Invoice {
        ob: h.ob.clone(),
        legal_entity: h.legal_entity.clone(),
        invoice_number: h.number.clone(),
        currency: h.currency.clone(),
        decimals: h.decimals,
        period_label: h.period_label.clone(),
        period_start: h.period_start,
        period_end: h.period_end,
        timezone: doc.timezone.clone(),
        language: "en".to_string(),
        tax_rate: doc.tax_rate,
        lines: doc
            .lines
            .iter()
            .map(|l| Line {
                concept: l.concept.clone(),
                description: l.description.clone(),
                kind: l.kind,
                quantity: l.quantity * sign,
                unit: l.unit.clone(),
                unit_price: l.unit_price,
                amount: l.amount * sign,
                detail: LineDetail::Recorded,
            })
            .collect(),
        subtotal: h.subtotal * sign,
        tax: h.tax * sign,
        total: h.total * sign,
        breakdown: doc
            .breakdown
            .iter()
            .map(|b| BreakdownRow {
                concept: b.concept.clone(),
                field: b.field.clone(),
                value: b.value.clone(),
                label: b.label.clone(),
                quantity: b.quantity * sign,
                amount: b.amount * sign,
            })
            .collect(),
        days,
        daily,
        reconciliation: doc.reconciliation.clone(),
        suspense: Vec::new(),
        suspense_counts: doc.suspense.clone(),
        warnings: Vec::new(),
    }
}

/// The credit note cancelling `in_force`: its record (every quantity and amount negated).
fn credit_note_of(in_force: &Document, number: String, revision: u32, stamp: &Stamp) -> Document {
    let mut d = in_force.clone();
    let neg = Decimal::NEGATIVE_ONE;
    d.head.number = number.clone();
    d.head.kind = DocKind::CreditNote;
    d.head.replaces = Some(in_force.head.number.clone());
    d.head.revision = revision;
    d.head.issue_date = stamp.issue_date;
    d.head.subtotal *= neg;
    d.head.tax *= neg;
    d.head.total *= neg;
    for l in &mut d.lines {
        l.quantity *= neg;
        l.amount *= neg;
    }
    for b in &mut d.breakdown {
        b.quantity *= neg;
        b.amount *= neg;
    }
    for q in &mut d.daily {
        q.quantity *= neg;
    }
    d.workbook = format!("{number}.xlsx");
    d.product_version = env!("CARGO_PKG_VERSION").to_string();
    d.issued_by = crate::host::user();
    d.recorded_at = stamp.generated.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    d
}

/// What issuing `inv` does against the document in force (its head and lines), if any:
/// a pure decision, shared by `issue` and the window's confirmation.
pub fn outcome(in_force: Option<(&DocumentHead, &[DocLine])>, inv: &Invoice, correct: bool) -> Outcome {
    let (action, changes) = match in_force {
        None => (Action::Issued, Vec::new()),
        Some((h, lines)) => {
            let changes = changes(h, lines, inv);
            if changes.is_empty() {
                (Action::Unchanged, changes)
            } else if correct {
                (Action::Corrected, changes)
            } else {
                (Action::Differs, changes)
            }
        }
    };
    Outcome {
        ob: inv.ob.clone(),
        action,
        documents: Vec::new(),
        delta: in_force.map(|(h, _)| inv.total - h.total),
        changes,
        in_force: in_force.map(|(h, _)| h.clone()),
        files: Vec::new(),
        decimals: inv.decimals,
    }
}

/// Issues every invoice of the report into `out_dir` (docs/register.md). `keep_going(ob)` is asked
/// after each OB (progress and cancel); OBs the report could not invoice are errors.
pub fn issue(
    register: &mut Register,
    report: &RunReport,
    out_dir: &Path,
    stamp: &Stamp,
    correct: bool,
    keep_going: &dyn Fn(&str) -> bool,
) -> IssueRun {
    let mut run = IssueRun {
        outcomes: Vec::new(),
        errors: report.errors.clone(),
    };
    if let Err(source) = std::fs::create_dir_all(out_dir) {
        let e = WriteError::Io {
            path: out_dir.to_path_buf(),
            source,
        };
        run.errors.extend(report.invoices.iter().map(|i| ObError {
            ob: i.ob.clone(),
            message: e.to_string(),
        }));
        return run;
    }
    // What the register holds, read once; each OB's documents are added as it is issued.
    let mut heads = match register.list(&Filter::default()) {
        Ok(h) => h,
        Err(e) => {
            run.errors.extend(report.invoices.iter().map(|i| ObError {
                ob: i.ob.clone(),
                message: e.to_string(),
            }));
            return run;
        }
    };
    for inv in &report.invoices {
        match issue_one(register, &mut heads, report, inv, out_dir, stamp, correct) {
            Ok(o) => run.outcomes.push(o),
            Err(e) => run.errors.push(ObError {
                ob: inv.ob.clone(),
                message: e.to_string(),
            }),
        }
        if !keep_going(&inv.ob) {
            break;
        }
    }
    run
}

fn issue_one(
    register: &mut Register,
    heads: &mut Vec<DocumentHead>,
    report: &RunReport,
    inv: &Invoice,
    out_dir: &Path,
    stamp: &Stamp,
    correct: bool,
) -> Result<Outcome, IssueError> {
    // A conflict means another process recorded this OB and period in the meantime:
    // decide again against its record (a few times at most).
    let mut attempt = 0;
    loop {
        let in_force = match crate::register::in_force(heads, &inv.ob, inv.period_start, inv.period_end) {
            Some(h) => {
                let number = h.number.clone();
                register.document(&number)?
            }
            None => None,
        };
        let mut decided = outcome(in_force.as_ref().map(|d| (&d.head, d.lines.as_slice())), inv, correct);
        let planned = match (decided.action, &in_force) {
            (Action::Issued, _) => vec![(document_of(report, inv, DocKind::Invoice, None, 0, stamp), inv.clone())],
            (Action::Corrected, Some(d)) => {
                let k = d.head.revision + 1;
                let base = base_number(&d.head).to_string();
                let credit = credit_note_of(d, format!("{base}-C{k}"), k, stamp);
                let mut corrected = inv.clone();
                corrected.invoice_number = format!("{base}-R{k}");
                let mut record = document_of(report, &corrected, DocKind::Correction, Some(&d.head.number), k, stamp);
                record.head.number.clone_from(&corrected.invoice_number);
                let mut credit_invoice = invoice_of(&credit, Decimal::ONE);
                // The credit note speaks the OB's language as it is configured now.
                credit_invoice.language.clone_from(&inv.language);
                vec![(credit, credit_invoice), (record, corrected)]
            }
            _ => return Ok(decided),
        };
        let recorded: Vec<DocumentHead> = planned.iter().map(|(d, _)| d.head.clone()).collect();
        match write_and_record(register, report, out_dir, stamp, planned) {
            Ok(files) => {
                heads.extend(recorded);
                decided.documents = files.iter().map(|(n, _)| n.clone()).collect();
                decided.files = files.into_iter().map(|(_, p)| p).collect();
                return Ok(decided);
            }
            Err(IssueError::Register(RegisterError::Conflict { .. })) if attempt < 3 => {
                attempt += 1;
                *heads = register.list(&Filter::default())?;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Writes each document's workbook under its final name, then records them all in one
/// transaction; removes the files when recording fails.
fn write_and_record(
    register: &mut Register,
    report: &RunReport,
    out_dir: &Path,
    stamp: &Stamp,
    planned: Vec<(Document, Invoice)>,
) -> Result<Vec<(String, PathBuf)>, IssueError> {
    let mut written: Vec<(String, PathBuf)> = Vec::new();
    let mut records = Vec::new();
    let remove_all = |written: &[(String, PathBuf)]| -> Result<(), IssueError> {
        for (_, path) in written {
            std::fs::remove_file(path).map_err(|source| IssueError::Orphan {
                path: path.clone(),
                source,
            })?;
        }
        Ok(())
    };
    for (mut doc, inv) in planned {
        let mut doc_stamp = stamp.clone();
        doc_stamp.notes.clear();
        doc_stamp.status = match (doc.head.kind, &doc.head.replaces) {
            (DocKind::CreditNote, Some(n)) => Status::CreditNoteFor(n.clone()),
            (DocKind::Correction, Some(n)) => Status::CorrectionOf(n.clone()),
            _ => Status::Issued,
        };
        let path = out_dir.join(xlsx::invoice_file_name(&inv));
        let bytes = match xlsx::invoice_workbook(report, &inv, &doc_stamp) {
            Ok(b) => b,
            Err(source) => {
                remove_all(&written)?;
                return Err(WriteError::Xlsx { path, source }.into());
            }
        };
        if let Err(e) = xlsx::write_atomically(&path, &bytes, false) {
            remove_all(&written)?;
            return Err(e.into());
        }
        doc.workbook = xlsx::invoice_file_name(&inv);
        doc.workbook_sha256 = crate::import::sha256_bytes(&bytes);
        written.push((doc.head.number.clone(), path));
        records.push(doc);
    }
    if let Err(e) = register.record(&records) {
        remove_all(&written)?;
        return Err(e.into());
    }
    Ok(written)
}

/// For drafts of periods already issued: per OB, how the draft compares with the
/// document in force (the sentence under its totals).
pub fn draft_notes(register: &mut Register, report: &RunReport) -> Result<BTreeMap<String, DraftNote>, RegisterError> {
    // One read of the register for every OB of the run.
    let snapshot = register.snapshot()?;
    let mut notes = BTreeMap::new();
    for inv in &report.invoices {
        let o = outcome(snapshot.in_force(&inv.ob, inv.period_start, inv.period_end), inv, false);
        if let Some(h) = &o.in_force {
            notes.insert(inv.ob.clone(), note(&o, h));
        }
    }
    Ok(notes)
}

/// How a draft compares with the document in force.
pub fn note(o: &Outcome, h: &DocumentHead) -> DraftNote {
    DraftNote {
        number: h.number.clone(),
        issue_date: h.issue_date,
        issued_total: h.total,
        delta: (o.action != Action::Unchanged).then(|| o.delta.unwrap_or_default()),
        changed_lines: o
            .changes
            .iter()
            .filter(|c| !matches!(c.concept.as_str(), "subtotal" | "tax" | "total"))
            .count(),
        decimals: o.decimals,
    }
}
