//! The register workbook (docs/register.md): sheets Documents, Lines and History, from the register
//! alone.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_xlsxwriter::{DocProperties, Format, Workbook, XlsxError};

use super::style::*;
use crate::register::{DocLine, DocumentHead, History};

/// Builds the register workbook of `heads` (in the order issued) with their `lines`.
pub fn register_workbook(
    heads: &[DocumentHead],
    lines: &BTreeMap<String, Vec<DocLine>>,
    history: &History,
    generated: &DateTime<Utc>,
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let st = Styles::new(2);
    let money_of = |dp: u32| Format::new().set_num_format(decimals_format(dp));

    let ws = wb.add_worksheet();
    ws.set_name("Documents")?;
    table_header(
        ws,
        &[
            "Number",
            "Kind",
            "OB",
            "Period",
            "Currency",
            "Issue date",
            "Subtotal",
            "Tax",
            "Total",
            "Replaces",
        ],
        &st,
    )?;
    for (c, w) in [24.0, 12.0, 8.0, 24.0, 9.0, 12.0, 14.0, 14.0, 14.0, 24.0]
        .iter()
        .enumerate()
    {
        ws.set_column_width(c as u16, *w)?;
    }
    for (i, h) in heads.iter().enumerate() {
        let r = i as u32 + 1;
        let money = money_of(h.decimals);
        ws.write_string(r, 0, &h.number)?;
        ws.write_string(r, 1, h.kind.name())?;
        ws.write_string(r, 2, &h.ob)?;
        ws.write_string(r, 3, &h.period_label)?;
        ws.write_string(r, 4, &h.currency)?;
        ws.write_date_with_format(r, 5, h.issue_date, &st.date)?;
        ws.write_number_with_format(r, 6, num(h.subtotal), &money)?;
        ws.write_number_with_format(r, 7, num(h.tax), &money)?;
        ws.write_number_with_format(r, 8, num(h.total), &money)?;
        if let Some(rep) = &h.replaces {
            ws.write_string(r, 9, rep)?;
        }
    }
    ws.autofilter(0, 0, heads.len() as u32, 9)?;
    ws.set_freeze_panes(1, 0)?;

    let ws = wb.add_worksheet();
    ws.set_name("Lines")?;
    table_header(
        ws,
        &["Number", "Concept", "Description", "Quantity", "Unit price", "Amount"],
        &st,
    )?;
    for (c, w) in [24.0, 14.0, 40.0, 16.0, 14.0, 14.0].iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    let mut r = 1u32;
    for h in heads {
        let money = money_of(h.decimals);
        for l in lines.get(&h.number).into_iter().flatten() {
            ws.write_string(r, 0, &h.number)?;
            ws.write_string(r, 1, &l.concept)?;
            ws.write_string(r, 2, &l.description)?;
            ws.write_number_with_format(
                r,
                3,
                num(l.quantity),
                &Format::new().set_num_format(exact_format(l.quantity)),
            )?;
            if let Some(p) = l.unit_price {
                ws.write_number_with_format(r, 4, num(p), &Format::new().set_num_format(exact_format(p)))?;
            }
            ws.write_number_with_format(r, 5, num(l.amount), &money)?;
            r += 1;
        }
    }
    ws.autofilter(0, 0, r - 1, 5)?;
    ws.set_freeze_panes(1, 0)?;

    let ws = wb.add_worksheet();
    ws.set_name("History")?;
    let months: Vec<String> = history.months.iter().map(|m| m.to_string()).collect();
    let mut header: Vec<&str> = vec!["OB", "Currency", "Concept"];
    header.extend(months.iter().map(String::as_str));
    table_header(ws, &header, &st)?;
    ws.set_column_width(2, 16)?;
    let decimals: BTreeMap<(&str, &str), u32> = history
        .totals
        .iter()
        .map(|t| ((t.ob.as_str(), t.currency.as_str()), t.decimals))
        .collect();
    for (i, row) in history.rows.iter().enumerate() {
        let r = i as u32 + 1;
        let dp = decimals
            .get(&(row.ob.as_str(), row.currency.as_str()))
            .copied()
            .unwrap_or(2);
        let money = money_of(dp);
        ws.write_string(r, 0, &row.ob)?;
        ws.write_string(r, 1, &row.currency)?;
        ws.write_string(r, 2, &row.concept)?;
        for (c, a) in row.amounts.iter().enumerate() {
            if let Some(a) = a {
                ws.write_number_with_format(r, c as u16 + 3, num(*a), &money)?;
            }
        }
    }
    ws.autofilter(0, 0, history.rows.len() as u32, (months.len() + 2) as u16)?;
    ws.set_freeze_panes(1, 3)?;

    for ws in wb.worksheets_mut().iter_mut() {
        let name = ws.name();
        print_setup(ws, true, "Register", &name);
    }
    wb.set_properties(
        &DocProperties::new()
            .set_title("Billing register")
            .set_creation_datetime(generated),
    );
    wb.save_to_buffer()
}
