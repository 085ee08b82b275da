//! The `--json` document of SPEC 8, key for key. Quantities, prices and money are decimal
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

/// The SPEC 8 document for a run, pretty-printed.
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
