//! A document as rows of the register's tables, and back. Decimals are stored as their
//! exact strings and dates as ISO 8601 text, so nothing is rounded on the way.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{
    Backend, DailyQuantity, DocBreakdown, DocKind, DocLine, Document, DocumentHead, RecordedInput, RegisterError,
    Statement, Value,
};
use crate::report::{LineKind, Reconciliation};

const HEAD_COLUMNS: &str = "number, kind, ob, legal_entity, period_label, period_start, period_end, currency, \
                            decimals, issue_date, subtotal, tax, total, replaces, revision";

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn dec(d: Decimal) -> Value {
    Value::Text(d.to_string())
}

fn int(n: u64) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

fn date(d: NaiveDate) -> Value {
    Value::Text(d.format("%Y-%m-%d").to_string())
}

fn kind_name(k: LineKind) -> &'static str {
    match k {
        LineKind::Charge => "charge",
        LineKind::Fee => "fee",
        LineKind::Allocation => "allocation",
    }
}

/// Appends the INSERT statements of one document.
pub(super) fn insert(d: &Document, out: &mut Vec<Statement>) {
    let h = &d.head;
    let n = || text(&h.number);
    out.push((
        format!(
            "INSERT INTO documents ({HEAD_COLUMNS}, timezone, tax_rate, config_sha256, workbook, workbook_sha256, \
             product_version, issued_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
             $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)"
        ),
        vec![
            n(),
            text(h.kind.name()),
            text(&h.ob),
            text(&h.legal_entity),
            text(&h.period_label),
            date(h.period_start),
            date(h.period_end),
            text(&h.currency),
            int(h.decimals.into()),
            date(h.issue_date),
            dec(h.subtotal),
            dec(h.tax),
            dec(h.total),
            h.replaces.as_deref().map_or(Value::Null, text),
            int(h.revision.into()),
            text(&d.timezone),
            dec(d.tax_rate),
            text(&d.config_sha256),
            text(&d.workbook),
            text(&d.workbook_sha256),
            text(&d.product_version),
            text(&d.issued_by),
            text(&d.recorded_at),
        ],
    ));
    for (i, l) in d.lines.iter().enumerate() {
        out.push((
            "INSERT INTO document_lines (number, position, concept, description, kind, quantity, unit, unit_price, \
             amount) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                .to_string(),
            vec![
                n(),
                int(i as u64),
                text(&l.concept),
                text(&l.description),
                text(kind_name(l.kind)),
                dec(l.quantity),
                text(&l.unit),
                l.unit_price.map_or(Value::Null, dec),
                dec(l.amount),
            ],
        ));
    }
    for (i, b) in d.breakdown.iter().enumerate() {
        out.push((
            "INSERT INTO document_breakdown (number, position, concept, field, value, label, quantity, amount) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                .to_string(),
            vec![
                n(),
                int(i as u64),
                text(&b.concept),
                text(&b.field),
                text(&b.value),
                text(&b.label),
                dec(b.quantity),
                dec(b.amount),
            ],
        ));
    }
    let mut meters: Vec<&str> = Vec::new();
    for q in &d.daily {
        let position = meters.iter().position(|m| *m == q.meter).unwrap_or_else(|| {
            meters.push(&q.meter);
            meters.len() - 1
        });
        out.push((
            "INSERT INTO document_daily (number, position, meter, name, unit, dataset, day, quantity) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                .to_string(),
            vec![
                n(),
                int(position as u64),
                text(&q.meter),
                text(&q.name),
                text(&q.unit),
                text(&q.dataset),
                date(q.day),
                dec(q.quantity),
            ],
        ));
    }
    for r in &d.reconciliation {
        out.push((
            "INSERT INTO document_reconciliation (number, dataset, in_scope, duplicates, excluded, suspended, rated) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
                .to_string(),
            vec![
                n(),
                text(&r.dataset),
                int(r.in_scope),
                int(r.duplicates),
                int(r.excluded),
                int(r.suspended),
                int(r.rated),
            ],
        ));
    }
    for (code, records) in &d.suspense {
        out.push((
            "INSERT INTO document_suspense (number, code, records) VALUES ($1, $2, $3)".to_string(),
            vec![n(), text(code), int(*records)],
        ));
    }
    for (i, f) in d.inputs.iter().enumerate() {
        out.push((
            "INSERT INTO document_inputs (number, position, dataset, path, bytes, sha256) \
             VALUES ($1, $2, $3, $4, $5, $6)"
                .to_string(),
            vec![
                n(),
                int(i as u64),
                text(&f.dataset),
                text(&f.path),
                int(f.bytes),
                text(&f.sha256),
            ],
        ));
    }
}

/// Reads typed cells of one row, naming the row in errors.
struct Cells<'a> {
    row: &'a [Value],
    what: String,
    location: &'a str,
    next: usize,
}

impl<'a> Cells<'a> {
    fn new(row: &'a [Value], what: String, location: &'a str) -> Cells<'a> {
        Cells {
            row,
            what,
            location,
            next: 0,
        }
    }

    fn bad(&self, message: String) -> RegisterError {
        RegisterError::Corrupt {
            location: self.location.to_string(),
            what: self.what.clone(),
            message,
        }
    }

    fn value(&mut self) -> &'a Value {
        let v = self.row.get(self.next).unwrap_or(&Value::Null);
        self.next += 1;
        v
    }

    fn opt_text(&mut self) -> Result<Option<String>, RegisterError> {
        match self.value() {
            Value::Null => Ok(None),
            Value::Text(s) => Ok(Some(s.clone())),
            Value::Int(i) => Err(self.bad(format!("column {} holds the number {i}, not text", self.next))),
        }
    }

    fn text(&mut self) -> Result<String, RegisterError> {
        self.opt_text()?
            .ok_or_else(|| self.bad(format!("column {} is empty", self.next)))
    }

    fn int(&mut self) -> Result<i64, RegisterError> {
        match self.value() {
            Value::Int(i) => Ok(*i),
            other => Err(self.bad(format!("column {} holds {other:?}, not a number", self.next))),
        }
    }

    fn count(&mut self) -> Result<u64, RegisterError> {
        let i = self.int()?;
        u64::try_from(i).map_err(|_| self.bad(format!("column {} is negative", self.next)))
    }

    fn parsed<T: FromStr>(&mut self, what: &str, text: Option<String>) -> Result<Option<T>, RegisterError> {
        text.map(|s| s.parse().map_err(|_| self.bad(format!("\"{s}\" is not {what}"))))
            .transpose()
    }

    fn decimal(&mut self) -> Result<Decimal, RegisterError> {
        let t = self.text()?;
        Ok(self.parsed("a decimal", Some(t))?.unwrap_or_default())
    }

    fn opt_decimal(&mut self) -> Result<Option<Decimal>, RegisterError> {
        let t = self.opt_text()?;
        self.parsed("a decimal", t)
    }

    fn date(&mut self) -> Result<NaiveDate, RegisterError> {
        let t = self.text()?;
        NaiveDate::parse_from_str(&t, "%Y-%m-%d").map_err(|_| self.bad(format!("\"{t}\" is not a date")))
    }
}

fn head(c: &mut Cells<'_>) -> Result<DocumentHead, RegisterError> {
    let number = c.text()?;
    let kind_text = c.text()?;
    let kind = DocKind::from_str(&kind_text).map_err(|_| c.bad(format!("\"{kind_text}\" is not a document kind")))?;
    Ok(DocumentHead {
        number,
        kind,
        ob: c.text()?,
        legal_entity: c.text()?,
        period_label: c.text()?,
        period_start: c.date()?,
        period_end: c.date()?,
        currency: c.text()?,
        decimals: u32::try_from(c.int()?).unwrap_or(2),
        issue_date: c.date()?,
        subtotal: c.decimal()?,
        tax: c.decimal()?,
        total: c.decimal()?,
        replaces: c.opt_text()?,
        revision: u32::try_from(c.int()?).unwrap_or(0),
    })
}

const LINE_COLUMNS: &str = "concept, description, kind, quantity, unit, unit_price, amount";

fn line(c: &mut Cells<'_>) -> Result<DocLine, RegisterError> {
    let (concept, description, kind) = (c.text()?, c.text()?, c.text()?);
    Ok(DocLine {
        concept,
        description,
        kind: match kind.as_str() {
            "fee" => LineKind::Fee,
            "allocation" => LineKind::Allocation,
            _ => LineKind::Charge,
        },
        quantity: c.decimal()?,
        unit: c.text()?,
        unit_price: c.opt_decimal()?,
        amount: c.decimal()?,
    })
}

/// The lines of every document, by number, in their order.
pub(super) fn all_lines(b: &mut dyn Backend, location: &str) -> Result<BTreeMap<String, Vec<DocLine>>, RegisterError> {
    let rows = b.query(
        &format!("SELECT number, {LINE_COLUMNS} FROM document_lines ORDER BY number, position"),
        &[],
    )?;
    let mut out: BTreeMap<String, Vec<DocLine>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        let mut c = Cells::new(r, format!("{} of document_lines", i + 1), location);
        let number = c.text()?;
        out.entry(number).or_default().push(line(&mut c)?);
    }
    Ok(out)
}

/// Every document's head, in the order issued.
pub(super) fn heads(b: &mut dyn Backend, location: &str) -> Result<Vec<DocumentHead>, RegisterError> {
    let rows = b.query(&format!("SELECT {HEAD_COLUMNS} FROM documents ORDER BY seq"), &[])?;
    rows.iter()
        .enumerate()
        .map(|(i, r)| head(&mut Cells::new(r, format!("{} of documents", i + 1), location)))
        .collect()
}

/// One document with everything recorded for it.
pub(super) fn document(b: &mut dyn Backend, location: &str, number: &str) -> Result<Option<Document>, RegisterError> {
    let key = [text(number)];
    let rows = b.query(
        &format!(
            "SELECT {HEAD_COLUMNS}, timezone, tax_rate, config_sha256, workbook, workbook_sha256, product_version, \
             issued_by, recorded_at FROM documents WHERE number = $1"
        ),
        &key,
    )?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let what = |t: &str| format!("of {t} for {number}");
    let mut c = Cells::new(row, what("documents"), location);
    let head = head(&mut c)?;
    let (timezone, tax_rate) = (c.text()?, c.decimal()?);
    let (config_sha256, workbook, workbook_sha256) = (c.text()?, c.text()?, c.text()?);
    let (product_version, issued_by, recorded_at) = (c.text()?, c.text()?, c.text()?);

    let mut lines = Vec::new();
    for r in b.query(
        &format!("SELECT {LINE_COLUMNS} FROM document_lines WHERE number = $1 ORDER BY position"),
        &key,
    )? {
        lines.push(line(&mut Cells::new(&r, what("document_lines"), location))?);
    }
    let mut breakdown = Vec::new();
    for r in b.query(
        "SELECT concept, field, value, label, quantity, amount FROM document_breakdown \
         WHERE number = $1 ORDER BY position",
        &key,
    )? {
        let mut c = Cells::new(&r, what("document_breakdown"), location);
        breakdown.push(DocBreakdown {
            concept: c.text()?,
            field: c.text()?,
            value: c.text()?,
            label: c.text()?,
            quantity: c.decimal()?,
            amount: c.decimal()?,
        });
    }
    let mut daily = Vec::new();
    for r in b.query(
        "SELECT meter, name, unit, dataset, day, quantity FROM document_daily WHERE number = $1 ORDER BY position, day",
        &key,
    )? {
        let mut c = Cells::new(&r, what("document_daily"), location);
        daily.push(DailyQuantity {
            meter: c.text()?,
            name: c.text()?,
            unit: c.text()?,
            dataset: c.text()?,
            day: c.date()?,
            quantity: c.decimal()?,
        });
    }
    let mut reconciliation = Vec::new();
    for r in b.query(
        "SELECT dataset, in_scope, duplicates, excluded, suspended, rated FROM document_reconciliation \
         WHERE number = $1 ORDER BY dataset",
        &key,
    )? {
        let mut c = Cells::new(&r, what("document_reconciliation"), location);
        reconciliation.push(Reconciliation {
            dataset: c.text()?,
            in_scope: c.count()?,
            duplicates: c.count()?,
            excluded: c.count()?,
            suspended: c.count()?,
            rated: c.count()?,
        });
    }
    let mut suspense = BTreeMap::new();
    for r in b.query(
        "SELECT code, records FROM document_suspense WHERE number = $1 ORDER BY code",
        &key,
    )? {
        let mut c = Cells::new(&r, what("document_suspense"), location);
        suspense.insert(c.text()?, c.count()?);
    }
    let mut inputs = Vec::new();
    for r in b.query(
        "SELECT dataset, path, bytes, sha256 FROM document_inputs WHERE number = $1 ORDER BY position",
        &key,
    )? {
        let mut c = Cells::new(&r, what("document_inputs"), location);
        inputs.push(RecordedInput {
            dataset: c.text()?,
            path: c.text()?,
            bytes: c.count()?,
            sha256: c.text()?,
        });
    }
    Ok(Some(Document {
        head,
        timezone,
        tax_rate,
        lines,
        breakdown,
        daily,
        reconciliation,
        suspense,
        inputs,
        config_sha256,
        workbook,
        workbook_sha256,
        product_version,
        issued_by,
        recorded_at,
    }))
}
