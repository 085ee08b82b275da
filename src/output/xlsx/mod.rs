//! The invoice workbook and the all-OB summary (docs/workbooks.md), written from a `RunReport` only:
//! no rating logic here. Numbers are numeric cells; where a line is per-unit its amount is a
//! formula carrying the engine's exact figure as its cached result; text from the data is
//! always written as a string, never as a formula.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use rust_xlsxwriter::XlsxError;

use crate::report::{Invoice, RunReport};

mod invoice;
mod rate_card;
mod register;
mod style;
mod summary;
mod words;

pub use invoice::invoice_workbook;
pub use rate_card::rate_card_workbook;
pub use register::register_workbook;
pub use summary::summary_workbook;
pub use words::{Words, fill, words};

/// What a workbook is stamped with besides the report.
#[derive(Debug, Clone)]
pub struct Stamp {
    pub issue_date: NaiveDate,
    /// Generation time (pin it with `SOURCE_DATE_EPOCH` for reproducible files).
    pub generated: DateTime<Utc>,
    /// Suspense records written in full; the counts by code always cover all of them.
    pub suspense_rows: usize,
    /// Whether the invoice sheet carries the logo of `assets/logo.png`.
    pub logo: bool,
    /// The `Status` row of the Invoice sheet.
    pub status: Status,
    /// Per OB, how a draft compares with the issued document (a sentence under the totals).
    pub notes: BTreeMap<String, DraftNote>,
}

/// How a draft compares with the document in force of its OB and period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftNote {
    pub number: String,
    pub issue_date: NaiveDate,
    pub issued_total: rust_decimal::Decimal,
    /// The draft's total minus the issued one; `None` when the draft equals the document.
    pub delta: Option<rust_decimal::Decimal>,
    pub changed_lines: usize,
    pub decimals: u32,
}

impl DraftNote {
    /// The sentence in a language's words.
    pub fn render(&self, w: &Words) -> String {
        let date = self.issue_date.format("%Y-%m-%d").to_string();
        match self.delta {
            None => fill(&w.draft_equals, &[("number", &self.number), ("date", &date)]),
            Some(d) => fill(
                &w.draft_differs,
                &[
                    ("number", &self.number),
                    ("date", &date),
                    (
                        "total",
                        &crate::model::money::money_string(self.issued_total, self.decimals),
                    ),
                    ("sign", if d.is_sign_negative() { "−" } else { "+" }),
                    ("delta", &crate::model::money::money_string(d.abs(), self.decimals)),
                    ("changed", &self.changed_lines.to_string()),
                ],
            ),
        }
    }
}

impl Stamp {
    /// A draft's stamp (the `invoice` command and the window's exports).
    pub fn draft(issue_date: NaiveDate, generated: DateTime<Utc>, suspense_rows: usize) -> Stamp {
        Stamp {
            issue_date,
            generated,
            suspense_rows,
            logo: true,
            status: Status::Draft,
            notes: BTreeMap::new(),
        }
    }
}

/// What a workbook is (docs/register.md): the Invoice sheet's `Status` row and its title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Draft,
    Issued,
    /// A credit note cancelling the document of that number.
    CreditNoteFor(String),
    /// A corrected invoice replacing the document of that number.
    CorrectionOf(String),
}

impl Status {
    /// The `Status` cell.
    pub fn label(&self) -> String {
        match self {
            Status::Draft => "Draft".to_string(),
            Status::Issued => "Issued".to_string(),
            Status::CreditNoteFor(n) => format!("Credit note for {n}"),
            Status::CorrectionOf(n) => format!("Correction of {n}"),
        }
    }

    /// The sheet's title in a language's words.
    pub fn title<'w>(&self, w: &'w Words) -> &'w str {
        match self {
            Status::CreditNoteFor(_) => &w.title_credit_note,
            _ => &w.title_invoice,
        }
    }
}

/// Why a workbook was not written. The target is never left half-written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{}: already exists; nothing was written (use --force to overwrite)", path.display())]
    Exists { path: PathBuf },
    #[error("{}: cannot write: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}: cannot build the workbook: {source}", path.display())]
    Xlsx { path: PathBuf, source: XlsxError },
}

/// File name of an invoice workbook.
pub fn invoice_file_name(invoice: &Invoice) -> String {
    format!("{}.xlsx", invoice.invoice_number)
}

/// File name of the summary workbook: `Summary-<YYYYMM>.xlsx` (or the range's dates).
pub fn summary_file_name(report: &RunReport) -> String {
    let suffix = if report.period_label.contains("..") {
        format!(
            "{}-{}",
            report.period_start.format("%Y%m%d"),
            report.period_end.format("%Y%m%d")
        )
    } else {
        report.period_start.format("%Y%m").to_string()
    };
    format!("Summary-{suffix}.xlsx")
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, then a rename.
/// Without `force` an existing file is refused and left untouched.
pub fn write_atomically(path: &Path, bytes: &[u8], force: bool) -> Result<(), WriteError> {
    use std::io::Write;
    let io = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    if !force && path.exists() {
        return Err(WriteError::Exists {
            path: path.to_path_buf(),
        });
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".bw-")
        .suffix(".xlsx.tmp")
        .tempfile_in(dir)
        .map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    if force {
        tmp.persist(path).map_err(|e| io(e.error))?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                WriteError::Exists {
                    path: path.to_path_buf(),
                }
            } else {
                io(e.error)
            }
        })?;
    }
    // A temporary file is private (0600); an invoice is an ordinary document.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).map_err(io)?;
    }
    Ok(())
}

/// Writes one workbook per invoice (and the summary when `summary`); refuses to overwrite
/// any existing file unless `force`, checking every target before writing any. After each
/// invoice workbook `keep_going(path)` is asked whether to go on (progress and cancel):
/// when it says no, the group of workbooks being written (one per core) is finished and
/// the files written so far are returned, each of them whole.
pub fn write_all(
    report: &RunReport,
    dir: &Path,
    stamp: &Stamp,
    summary: bool,
    force: bool,
    keep_going: &dyn Fn(&Path) -> bool,
) -> Result<Vec<PathBuf>, WriteError> {
    let mut targets: Vec<PathBuf> = report.invoices.iter().map(|i| dir.join(invoice_file_name(i))).collect();
    if summary {
        targets.push(dir.join(summary_file_name(report)));
    }
    if !force && let Some(existing) = targets.iter().find(|p| p.exists()) {
        return Err(WriteError::Exists { path: existing.clone() });
    }
    std::fs::create_dir_all(dir).map_err(|source| WriteError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    // Workbooks are built and written one per core at a time (each atomically, so a
    // failure leaves no partial file); progress and cancel are asked after each file, in
    // order, and a cancel stops after the group being written, whose files are all listed.
    let pairs: Vec<(&Invoice, &PathBuf)> = report.invoices.iter().zip(&targets).collect();
    let chunk = rayon::current_num_threads().max(1);
    for group in pairs.chunks(chunk) {
        use rayon::prelude::*;
        let done: Vec<Result<(), WriteError>> = group
            .par_iter()
            .map(|(inv, path)| {
                let bytes = invoice_workbook(report, inv, stamp).map_err(|source| WriteError::Xlsx {
                    path: (*path).clone(),
                    source,
                })?;
                write_atomically(path, &bytes, force)
            })
            .collect();
        let mut go_on = true;
        for ((_, path), result) in group.iter().zip(done) {
            result?;
            written.push((*path).clone());
            go_on &= keep_going(path);
        }
        if !go_on {
            return Ok(written);
        }
    }
    if summary && let Some(path) = targets.last() {
        let bytes = summary_workbook(report, stamp).map_err(|source| WriteError::Xlsx {
            path: path.clone(),
            source,
        })?;
        write_atomically(path, &bytes, force)?;
        written.push(path.clone());
    }
    Ok(written)
}
