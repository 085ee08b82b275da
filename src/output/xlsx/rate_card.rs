//! The rate-card workbook written from a TOML configuration (`rate-card`): one sheet per
//! section with the TOML keys as column headers, tiers on their own sheet, drop-down lists
//! for models, aggregations and roundings, and a README sheet. Reading it back
//! (`import::rate_card`) gives the same configuration.

use rust_xlsxwriter::{DataValidation, Format, Workbook, Worksheet, XlsxError};

use super::style::*;

/// Keys whose values are exact decimals: written as numbers where the number reads back
/// to the same decimal, else as text.
const DECIMAL_KEYS: [&str; 11] = [
    "tax_rate",
    "unit_price",
    "package_size",
    "package_price",
    "included",
    "minimum",
    "amount",
    "rate",
    "divide_by",
    "up_to",
    "flat",
];

const SECTIONS: [(&str, &str); 9] = [
    (
        "dataset",
        "Usage datasets: name, id_field, time_field, ob_field, exclude, version.",
    ),
    (
        "dimension",
        "Dimension tables checked against a field of every usage dataset that has it.",
    ),
    (
        "ob",
        "Operating businesses invoiced: code, name, keys (comma-separated), currency, timezone, tax_rate, contract dates.",
    ),
    (
        "ob_table",
        "OBs read from a dataset of the data folder: the dataset, its code, name and keys columns, and fixed values or *_column names for currency, timezone, tax_rate, language and contract dates.",
    ),
    (
        "meter",
        "Meters: what is measured from which dataset (aggregation from the list), where, divide_by, unit, breakdown.",
    ),
    (
        "charge",
        "Charges: one invoice line per concept on a meter; model from the list; per_unit takes unit_price, package takes package_size and package_price, graduated and volume take rows of the tiers sheet.",
    ),
    ("fee", "Recurring fees: amount, prorate (true/false), obs."),
    (
        "allocation",
        "Shared costs split by a basis meter: a Platform_Cost pool or a fixed amount.",
    ),
    (
        "fx",
        "Exchange rates: period (YYYY-MM), currency, rate (units of that currency per 1 billing currency).",
    ),
];

const README: &[&str] = &[
    "Billing Workbench rate card",
    "",
    "This workbook is a billing configuration: open it with --config billing.xlsx (or in the window) exactly like billing.toml.",
    "Each sheet holds one section, with its header in row 1 and one entry per row below; blank rows are skipped and column order does not matter.",
    "An empty cell means the key is absent (its default applies). Errors name the sheet and cell, e.g. ob!F7.",
    "Lists (keys, breakdown, obs) are comma-separated. Conditions (where, exclude) are written field: v1, v2; field2: v3 (AND across ;, OR within a list); a value is true/false, a number, or text (in double quotes to force text: \"123\").",
    "Money, prices and rates may be numbers or text; dates may be date cells or YYYY-MM-DD text.",
    "",
    "billing: one row per key of [billing] (currency, decimals, rounding, invoice_prefix, issuer, register, logo).",
    "tiers: one row per tier of a graduated or volume charge, in order: concept and obs as on the charge's row, up_to (empty for the last tier), unit_price, flat.",
];

fn cell_value(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    key: &str,
    v: &toml::Value,
    text: &Format,
) -> Result<(), XlsxError> {
    match v {
        toml::Value::String(s) if DECIMAL_KEYS.contains(&key) => match exact_number(s) {
            Some((f, dp)) => {
                ws.write_number_with_format(row, col, f, &Format::new().set_num_format(decimals_format(dp)))?;
            }
            None => {
                ws.write_string_with_format(row, col, s, text)?;
            }
        },
        toml::Value::String(s) => {
            ws.write_string_with_format(row, col, s, text)?;
        }
        toml::Value::Integer(i) => {
            ws.write_number(row, col, *i as f64)?;
        }
        toml::Value::Float(f) => {
            ws.write_number(row, col, *f)?;
        }
        toml::Value::Boolean(b) => {
            ws.write_boolean(row, col, *b)?;
        }
        toml::Value::Datetime(d) => {
            ws.write_string_with_format(row, col, d.to_string(), text)?;
        }
        toml::Value::Array(items) => {
            let joined: Vec<String> = items.iter().map(|i| plain(i, false)).collect();
            ws.write_string_with_format(row, col, joined.join(", "), text)?;
        }
        toml::Value::Table(t) => {
            let parts: Vec<String> = t
                .iter()
                .map(|(field, values)| {
                    let list = match values {
                        toml::Value::Array(a) => a.iter().map(|v| plain(v, true)).collect::<Vec<_>>(),
                        one => vec![plain(one, true)],
                    };
                    format!("{field}: {}", list.join(", "))
                })
                .collect();
            ws.write_string_with_format(row, col, parts.join("; "), text)?;
        }
    }
    Ok(())
}

/// A decimal text as a number and its decimals, when the number reads back to the same
/// decimal value.
fn exact_number(s: &str) -> Option<(f64, u32)> {
    let d = crate::model::money::parse_decimal(s)?;
    let f: f64 = s.trim().parse().ok()?;
    (crate::model::money::decimal_from_f64(f) == Some(d)).then_some((f, d.scale()))
}

/// A value as written in a list or condition; in a condition, text that would read as a
/// boolean or number is quoted.
fn plain(v: &toml::Value, quote_ambiguous: bool) -> String {
    match v {
        toml::Value::String(s) => {
            let ambiguous =
                s.parse::<f64>().is_ok() || s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false");
            if quote_ambiguous && ambiguous {
                format!("\"{s}\"")
            } else {
                s.clone()
            }
        }
        other => other.to_string(),
    }
}

fn list_validation(ws: &mut Worksheet, col: u16, values: &[&str], title: &str) -> Result<(), XlsxError> {
    let dv = DataValidation::new()
        .allow_list_strings(values)?
        .set_input_title(title)?
        .set_input_message(format!("One of: {}", values.join(", ")))?;
    ws.add_data_validation(1, col, 2000, col, &dv)?;
    Ok(())
}

/// Builds the rate-card workbook of a TOML configuration document.
pub fn rate_card_workbook(doc: &toml::Table) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let st = Styles::new(2);
    let text = Format::new().set_num_format("@");

    let ws = wb.add_worksheet();
    ws.set_name("README")?;
    ws.set_column_width(0, 140)?;
    for (i, line) in README.iter().enumerate() {
        let f = if i == 0 {
            st.title.clone()
        } else {
            Format::new().set_text_wrap()
        };
        ws.write_string_with_format(i as u32, 0, *line, &f)?;
    }
    for (r, (name, what)) in (README.len() as u32..).zip(SECTIONS) {
        ws.write_string(r, 0, format!("{name}: {what}"))?;
    }

    let ws = wb.add_worksheet();
    ws.set_name("billing")?;
    table_header(ws, &["key", "value"], &st)?;
    ws.set_column_width(0, 18)?;
    ws.set_column_width(1, 60)?;
    if let Some(toml::Value::Table(b)) = doc.get("billing") {
        for (i, (k, v)) in b.iter().enumerate() {
            let row = i as u32 + 1;
            ws.write_string(row, 0, k)?;
            cell_value(ws, row, 1, k, v, &text)?;
            if k == "rounding" {
                let dv = DataValidation::new().allow_list_strings(&["half_up", "half_even"])?;
                ws.add_data_validation(row, 1, row, 1, &dv)?;
            }
        }
    }
    ws.set_freeze_panes(1, 0)?;

    let mut tiers: Vec<Vec<(String, toml::Value)>> = Vec::new();
    for (name, _) in SECTIONS {
        let entries: Vec<&toml::Table> = match doc.get(name) {
            Some(toml::Value::Array(a)) => a.iter().filter_map(|v| v.as_table()).collect(),
            _ => Vec::new(),
        };
        let mut headers: Vec<String> = Vec::new();
        for e in &entries {
            for k in e.keys() {
                if k != "tiers" && !headers.contains(k) {
                    headers.push(k.clone());
                }
            }
        }
        let ws = wb.add_worksheet();
        ws.set_name(name)?;
        let hs: Vec<&str> = headers.iter().map(String::as_str).collect();
        table_header(ws, &hs, &st)?;
        for (c, h) in headers.iter().enumerate() {
            ws.set_column_width(c as u16, (h.len() as f64 + 4.0).max(14.0))?;
        }
        for (i, e) in entries.iter().enumerate() {
            let row = i as u32 + 1;
            for (c, h) in headers.iter().enumerate() {
                if let Some(v) = e.get(h) {
                    cell_value(ws, row, c as u16, h, v, &text)?;
                }
            }
            if let Some(toml::Value::Array(ts)) = e.get("tiers") {
                for t in ts.iter().filter_map(|t| t.as_table()) {
                    let mut cells = vec![(
                        "concept".to_string(),
                        e.get("concept").cloned().unwrap_or(toml::Value::String(String::new())),
                    )];
                    if let Some(obs) = e.get("obs") {
                        cells.push(("obs".to_string(), obs.clone()));
                    }
                    cells.extend(t.iter().map(|(k, v)| (k.clone(), v.clone())));
                    tiers.push(cells);
                }
            }
        }
        let column = |key: &str| headers.iter().position(|h| h == key).map(|c| c as u16);
        if name == "charge"
            && let Some(c) = column("model")
        {
            list_validation(ws, c, &["per_unit", "graduated", "volume", "package"], "Charge model")?;
        }
        if name == "meter"
            && let Some(c) = column("aggregation")
        {
            list_validation(
                ws,
                c,
                &["count", "sum", "count_distinct", "max", "latest"],
                "Aggregation",
            )?;
        }
        ws.set_freeze_panes(1, 0)?;
        ws.autofilter(0, 0, entries.len() as u32, headers.len().saturating_sub(1) as u16)?;
        if name == "charge" {
            let ws = wb.add_worksheet();
            ws.set_name("tiers")?;
            let headers = ["concept", "obs", "up_to", "unit_price", "flat"];
            table_header(ws, &headers, &st)?;
            for (i, cells) in tiers.iter().enumerate() {
                for (k, v) in cells {
                    if let Some(c) = headers.iter().position(|h| h == k) {
                        cell_value(ws, i as u32 + 1, c as u16, k, v, &text)?;
                    }
                }
            }
            for c in 0..5 {
                ws.set_column_width(c, 16)?;
            }
            ws.set_freeze_panes(1, 0)?;
        }
    }
    wb.save_to_buffer()
}
