//! The register of issued documents (docs/register.md): an append-only database of every invoice,
//! credit note and correction the product issued, with its lines, breakdowns, daily
//! quantities, reconciliation, suspense counts and the hashes of what it was made from.
//!
//! One small interface ([`Backend`]: a query and an all-or-nothing batch of statements) is
//! implemented twice, for a SQLite file ([`sqlite`]) and for a shared PostgreSQL database
//! ([`postgres`]); everything else ([`Register`], the row layout in [`rows`]) is written
//! once against it. Numbers are unique in the database, so two processes issuing the same
//! OB and period at once cannot both record it: the second gets [`RegisterError::Conflict`].

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::report::{LineKind, Reconciliation};

pub mod history;
pub mod location;
mod postgres;
mod rows;
mod schema;
mod sqlite;

pub use history::{History, history};
pub use location::Location;

/// What kind of document a register row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::IntoStaticStr, strum::EnumString)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DocKind {
    Invoice,
    CreditNote,
    Correction,
}

impl DocKind {
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// A document's identity and totals: one row of `register list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentHead {
    pub number: String,
    pub kind: DocKind,
    pub ob: String,
    pub legal_entity: String,
    pub period_label: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub currency: String,
    pub decimals: u32,
    pub issue_date: NaiveDate,
    pub subtotal: Decimal,
    pub tax: Decimal,
    pub total: Decimal,
    /// The document this one cancels (a credit note) or replaces (a correction).
    pub replaces: Option<String>,
    /// 0 for the invoice, k for its k-th credit note and correction.
    pub revision: u32,
}

/// One line as issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocLine {
    pub concept: String,
    pub description: String,
    pub kind: LineKind,
    pub quantity: Decimal,
    pub unit: String,
    pub unit_price: Option<Decimal>,
    pub amount: Decimal,
}

/// One breakdown row as issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocBreakdown {
    pub concept: String,
    pub field: String,
    pub value: String,
    pub label: String,
    pub quantity: Decimal,
    pub amount: Decimal,
}

/// One meter's quantity on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DailyQuantity {
    pub meter: String,
    pub name: String,
    pub unit: String,
    pub dataset: String,
    pub day: NaiveDate,
    pub quantity: Decimal,
}

/// One input file a document was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordedInput {
    pub dataset: String,
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

/// Everything the register keeps of one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Document {
    #[serde(flatten)]
    pub head: DocumentHead,
    pub timezone: String,
    pub tax_rate: Decimal,
    pub lines: Vec<DocLine>,
    pub breakdown: Vec<DocBreakdown>,
    pub daily: Vec<DailyQuantity>,
    pub reconciliation: Vec<Reconciliation>,
    pub suspense: BTreeMap<String, u64>,
    pub inputs: Vec<RecordedInput>,
    pub config_sha256: String,
    /// The file name of the workbook written, and its SHA-256.
    pub workbook: String,
    pub workbook_sha256: String,
    pub product_version: String,
    pub issued_by: String,
    /// When the document was recorded (UTC, RFC 3339).
    pub recorded_at: String,
}

/// Which documents `register list` and `register export` show.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub ob: Option<String>,
    /// Documents whose period starts on or after this day.
    pub from: Option<NaiveDate>,
    /// Documents whose period starts on or before this day.
    pub to: Option<NaiveDate>,
}

impl Filter {
    fn accepts(&self, h: &DocumentHead) -> bool {
        self.ob.as_deref().is_none_or(|ob| ob.eq_ignore_ascii_case(&h.ob))
            && self.from.is_none_or(|d| h.period_start >= d)
            && self.to.is_none_or(|d| h.period_start <= d)
    }
}

/// Why the register could not be read or written. Never carries a password.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("register {location}: {message}")]
    Open { location: String, message: String },
    #[error(
        "register {location}: written by a newer Billing Workbench (schema {found}; this version reads up to {supported}); it was not changed"
    )]
    NewerSchema {
        location: String,
        found: i64,
        supported: i64,
    },
    #[error("register {location}: locked by another process; nothing was recorded (try again)")]
    Locked { location: String },
    #[error("register {location}: {number} is already recorded")]
    Conflict { location: String, number: String },
    #[error("register {location}: {message}")]
    Database { location: String, message: String },
    #[error("register {location}: row {what} cannot be read: {message}")]
    Corrupt {
        location: String,
        what: String,
        message: String,
    },
}

/// A value bound to or read from a statement: the register stores text and 64-bit integers
/// only (decimals as their exact strings, dates as ISO 8601), so both databases read alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
}

/// A statement and its parameters (`$1`, `$2`, … in both dialects).
pub type Statement = (String, Vec<Value>);

/// The two operations the register needs from a database.
pub trait Backend: Send {
    /// Runs a query; every row's values in column order.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, RegisterError>;
    /// Runs the statements in one transaction: all of them, or none. A unique key already
    /// present is [`RegisterError::Conflict`] (its `number` left for the caller to fill).
    fn write(&mut self, statements: &[Statement]) -> Result<(), RegisterError>;
}

/// An open register.
pub struct Register {
    backend: Box<dyn Backend>,
    location: String,
}

impl std::fmt::Debug for Register {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Register").field("location", &self.location).finish()
    }
}

impl Register {
    /// Opens the register, creating it (and its tables) on first use.
    pub fn open(location: &Location) -> Result<Register, RegisterError> {
        let shown = location.to_string();
        let mut backend: Box<dyn Backend> = match location {
            Location::File(path) => Box::new(sqlite::SqliteBackend::open(path, &shown)?),
            Location::Postgres(url) => Box::new(postgres::PostgresBackend::connect(url, &shown)?),
        };
        schema::prepare(backend.as_mut(), location.dialect(), &shown)?;
        Ok(Register {
            backend,
            location: shown,
        })
    }

    /// Opens the register if it exists (a draft never creates one).
    pub fn open_existing(location: &Location) -> Result<Option<Register>, RegisterError> {
        match location {
            Location::File(path) if !path.exists() => Ok(None),
            _ => Register::open(location).map(Some),
        }
    }

    /// Where the register is, as shown to the user.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Every document the filter accepts, in the order issued.
    pub fn list(&mut self, filter: &Filter) -> Result<Vec<DocumentHead>, RegisterError> {
        let heads = rows::heads(self.backend.as_mut(), &self.location)?;
        Ok(heads.into_iter().filter(|h| filter.accepts(h)).collect())
    }

    /// The lines of every document, by number.
    pub fn lines(&mut self) -> Result<BTreeMap<String, Vec<DocLine>>, RegisterError> {
        rows::all_lines(self.backend.as_mut(), &self.location)
    }

    /// One document with everything recorded for it.
    pub fn document(&mut self, number: &str) -> Result<Option<Document>, RegisterError> {
        rows::document(self.backend.as_mut(), &self.location, number)
    }

    /// Everything the window shows of the register: heads and lines.
    pub fn snapshot(&mut self) -> Result<Snapshot, RegisterError> {
        Ok(Snapshot {
            location: self.location.clone(),
            heads: self.list(&Filter::default())?,
            lines: self.lines()?,
        })
    }

    /// Records documents in one transaction: all of them, or none (a number already
    /// recorded, by this or another process, is [`RegisterError::Conflict`]).
    pub fn record(&mut self, documents: &[Document]) -> Result<(), RegisterError> {
        let mut statements = Vec::new();
        for d in documents {
            rows::insert(d, &mut statements);
        }
        match self.backend.write(&statements) {
            Err(RegisterError::Conflict { location, .. }) => Err(RegisterError::Conflict {
                location,
                number: documents
                    .iter()
                    .map(|d| d.head.number.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
            other => other,
        }
    }
}

/// Of `heads`, the document in force for an OB and period: the invoice, or its latest
/// correction (credit notes only cancel).
pub fn in_force<'a>(heads: &'a [DocumentHead], ob: &str, start: NaiveDate, end: NaiveDate) -> Option<&'a DocumentHead> {
    heads
        .iter()
        .filter(|h| h.ob == ob && h.period_start == start && h.period_end == end && h.kind != DocKind::CreditNote)
        .max_by_key(|h| h.revision)
}

/// The register as read at one moment: every document's head (in the order issued) and
/// lines. What the window draws its Register and History tabs and issue states from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub location: String,
    pub heads: Vec<DocumentHead>,
    pub lines: BTreeMap<String, Vec<DocLine>>,
}

impl Snapshot {
    /// The document in force for an OB and period, with its lines.
    pub fn in_force(&self, ob: &str, start: NaiveDate, end: NaiveDate) -> Option<(&DocumentHead, &[DocLine])> {
        let h = in_force(&self.heads, ob, start, end)?;
        Some((h, self.lines.get(&h.number).map_or(&[][..], Vec::as_slice)))
    }
}
