//! The `invoice --json` document (docs/json.md), key for key. Quantities, prices and money are decimal
//! strings; counts are integers.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::money::{money_string, plain_string};
use crate::report::{Invoice, Reconciliation, RunReport};

#[derive(Serialize)]
struct Document<'a> {
    invoices: Vec<JsonInvoice<'a>>,
    run: JsonRun<'a>,
    errors: Vec<JsonError<'a>>,
}

#[derive(Serialize)]
struct JsonInvoice<'a> {
    ob: &'a str,
    invoice_number: &'a str,
    currency: &'a str,
    period_start: String,
    period_end: String,
    lines: Vec<JsonLine<'a>>,
    subtotal: String,
    tax: String,
    total: String,
    reconciliation: &'a [Reconciliation],
    suspense: &'a BTreeMap<String, u64>,
}

#[derive(Serialize)]
struct JsonLine<'a> {
    concept: &'a str,
    description: &'a str,
    quantity: String,
    unit_price: Option<String>,
    amount: String,
}

#[derive(Serialize)]
struct JsonRun<'a> {
    rows_read: &'a BTreeMap<String, u64>,
    out_of_period: &'a BTreeMap<String, u64>,
    unattributable: &'a BTreeMap<String, u64>,
}

#[derive(Serialize)]
struct JsonError<'a> {
    ob: &'a str,
    message: &'a str,
}

fn invoice(inv: &Invoice) -> JsonInvoice<'_> {
    let m = |v| money_string(v, inv.decimals);
    JsonInvoice {
        ob: &inv.ob,
        invoice_number: &inv.invoice_number,
        currency: &inv.currency,
        period_start: inv.period_start.to_string(),
        period_end: inv.period_end.to_string(),
        lines: inv
            .lines
            .iter()
            .map(|l| JsonLine {
                concept: &l.concept,
                description: &l.description,
                quantity: plain_string(l.quantity),
                unit_price: l.unit_price.map(plain_string),
                amount: m(l.amount),
            })
            .collect(),
        subtotal: m(inv.subtotal),
        tax: m(inv.tax),
        total: m(inv.total),
        reconciliation: &inv.reconciliation,
        suspense: &inv.suspense_counts,
    }
}

/// The `invoice --json` document for a run (docs/json.md), pretty-printed.
pub fn document(report: &RunReport) -> String {
    let doc = Document {
        invoices: report.invoices.iter().map(invoice).collect(),
        run: JsonRun {
            rows_read: &report.run.rows_read,
            out_of_period: &report.run.out_of_period,
            unattributable: &report.run.unattributable,
        },
        errors: report
            .errors
            .iter()
            .map(|e| JsonError {
                ob: &e.ob,
                message: &e.message,
            })
            .collect(),
    };
    serde_json::to_string_pretty(&doc)
        .unwrap_or_else(|e| format!("{{\"errors\": [{{\"ob\": \"\", \"message\": \"{e}\"}}]}}"))
}

/// One document of `register list --json` (docs/register.md): money at the currency's decimals.
#[derive(Serialize)]
struct JsonHead<'a> {
    number: &'a str,
    kind: &'static str,
    ob: &'a str,
    period_start: String,
    period_end: String,
    currency: &'a str,
    issue_date: String,
    subtotal: String,
    tax: String,
    total: String,
    replaces: Option<&'a str>,
}

fn head(h: &crate::register::DocumentHead) -> JsonHead<'_> {
    let m = |v| money_string(v, h.decimals);
    JsonHead {
        number: &h.number,
        kind: h.kind.name(),
        ob: &h.ob,
        period_start: h.period_start.format("%Y-%m-%d").to_string(),
        period_end: h.period_end.format("%Y-%m-%d").to_string(),
        currency: &h.currency,
        issue_date: h.issue_date.format("%Y-%m-%d").to_string(),
        subtotal: m(h.subtotal),
        tax: m(h.tax),
        total: m(h.total),
        replaces: h.replaces.as_deref(),
    }
}

/// `register list --json`: `{"documents": [...]}` in the order issued.
pub fn register_list(heads: &[crate::register::DocumentHead]) -> String {
    #[derive(Serialize)]
    struct List<'a> {
        documents: Vec<JsonHead<'a>>,
    }
    serde_json::to_string(&List {
        documents: heads.iter().map(head).collect(),
    })
    .unwrap_or_default()
}

#[derive(Serialize)]
struct JsonDocLine<'a> {
    concept: &'a str,
    description: &'a str,
    quantity: String,
    unit: &'a str,
    unit_price: Option<String>,
    amount: String,
}

#[derive(Serialize)]
struct JsonDocBreakdown<'a> {
    concept: &'a str,
    field: &'a str,
    value: &'a str,
    label: &'a str,
    quantity: String,
    amount: String,
}

/// `register show --json`: the document's head with its lines, breakdown, reconciliation,
/// suspense counts, inputs and provenance.
pub fn register_document(d: &crate::register::Document) -> String {
    #[derive(Serialize)]
    struct Show<'a> {
        #[serde(flatten)]
        head: JsonHead<'a>,
        legal_entity: &'a str,
        lines: Vec<JsonDocLine<'a>>,
        breakdown: Vec<JsonDocBreakdown<'a>>,
        reconciliation: &'a [Reconciliation],
        suspense: &'a BTreeMap<String, u64>,
        inputs: &'a [crate::register::RecordedInput],
        config_sha256: &'a str,
        workbook: &'a str,
        workbook_sha256: &'a str,
        product_version: &'a str,
        issued_by: &'a str,
        recorded_at: &'a str,
    }
    let m = |v| money_string(v, d.head.decimals);
    serde_json::to_string(&Show {
        head: head(&d.head),
        legal_entity: &d.head.legal_entity,
        lines: d
            .lines
            .iter()
            .map(|l| JsonDocLine {
                concept: &l.concept,
                description: &l.description,
                quantity: plain_string(l.quantity),
                unit: &l.unit,
                unit_price: l.unit_price.map(plain_string),
                amount: m(l.amount),
            })
            .collect(),
        breakdown: d
            .breakdown
            .iter()
            .map(|b| JsonDocBreakdown {
                concept: &b.concept,
                field: &b.field,
                value: &b.value,
                label: &b.label,
                quantity: plain_string(b.quantity),
                amount: m(b.amount),
            })
            .collect(),
        reconciliation: &d.reconciliation,
        suspense: &d.suspense,
        inputs: &d.inputs,
        config_sha256: &d.config_sha256,
        workbook: &d.workbook,
        workbook_sha256: &d.workbook_sha256,
        product_version: &d.product_version,
        issued_by: &d.issued_by,
        recorded_at: &d.recorded_at,
    })
    .unwrap_or_default()
}

#[derive(Serialize)]
struct JsonIssue<'a> {
    issued: Vec<JsonOutcome<'a>>,
    errors: Vec<JsonError<'a>>,
}

#[derive(Serialize)]
struct JsonOutcome<'a> {
    ob: &'a str,
    action: &'static str,
    documents: &'a [String],
    changes: Vec<JsonChange<'a>>,
}

#[derive(Serialize)]
struct JsonChange<'a> {
    concept: &'a str,
    issued: Option<String>,
    now: Option<String>,
}

/// `issue --json` (docs/register.md).
pub fn issue_document(run: &crate::issuing::IssueRun) -> String {
    let doc = JsonIssue {
        issued: run
            .outcomes
            .iter()
            .map(|o| JsonOutcome {
                ob: &o.ob,
                action: o.action.name(),
                documents: &o.documents,
                changes: o
                    .changes
                    .iter()
                    .map(|c| JsonChange {
                        concept: &c.concept,
                        issued: c.issued.map(|d| money_string(d, o.decimals)),
                        now: c.now.map(|d| money_string(d, o.decimals)),
                    })
                    .collect(),
            })
            .collect(),
        errors: run
            .errors
            .iter()
            .map(|e| JsonError {
                ob: &e.ob,
                message: &e.message,
            })
            .collect(),
    };
    serde_json::to_string(&doc).unwrap_or_default()
}
