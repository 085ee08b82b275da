//! The all-OB summary workbook (docs/workbooks.md).

use rust_decimal::Decimal;
use rust_xlsxwriter::{DocProperties, Format, Workbook, Worksheet, XlsxError};

use super::Stamp;
use super::style::*;
use crate::report::RunReport;

/// Builds the all-OB summary workbook.
pub fn summary_workbook(report: &RunReport, stamp: &Stamp) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let dp = report.invoices.first().map_or(2, |i| i.decimals);
    let st = Styles::new(dp);
    summary_sheet(wb.add_worksheet(), report, &st)?;
    allocations_sheet(wb.add_worksheet(), report, &st)?;
    suspense_sheet(wb.add_worksheet(), report, stamp, &st)?;
    reconciliation_sheet(wb.add_worksheet(), report, &st)?;
    files_sheet(wb.add_worksheet(), report, &st)?;
    let title = format!("Billing summary {}", report.period_label);
    for ws in wb.worksheets_mut().iter_mut() {
        let name = ws.name();
        print_setup(ws, true, &title, &name);
    }
    let props = DocProperties::new()
        .set_title(&title)
        .set_author(&report.issuer)
        .set_company(&report.issuer)
        .set_creation_datetime(&stamp.generated);
    wb.set_properties(&props);
    wb.save_to_buffer()
}

fn summary_sheet(ws: &mut Worksheet, report: &RunReport, st: &Styles) -> Result<(), XlsxError> {
    ws.set_name("Summary")?;
    let concepts = report.concepts();
    let mut headers: Vec<&str> = vec!["OB", "Name", "Currency", "Subtotal", "Tax", "Total"];
    headers.extend(concepts.iter().map(String::as_str));
    table_header(ws, &headers, st)?;
    ws.set_column_width(1, 40)?;
    for c in 3..headers.len() {
        ws.set_column_width(c as u16, 15)?;
    }
    for (i, inv) in report.invoices.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &inv.ob)?;
        ws.write_string(r, 1, &inv.legal_entity)?;
        ws.write_string(r, 2, &inv.currency)?;
        for (c, v) in [inv.subtotal, inv.tax, inv.total].iter().enumerate() {
            ws.write_number_with_format(r, 3 + c as u16, num(*v), &st.money)?;
        }
        for (c, concept) in concepts.iter().enumerate() {
            let amount: Option<Decimal> = inv.lines.iter().find(|l| &l.concept == concept).map(|l| l.amount);
            if let Some(a) = amount {
                ws.write_number_with_format(r, 6 + c as u16, num(a), &st.money)?;
            }
        }
    }
    let n = report.invoices.len() as u32;
    ws.autofilter(0, 0, n, headers.len() as u16 - 1)?;
    let mut r = n + 2;
    for e in &report.errors {
        ws.write_string_with_format(r, 0, &e.ob, &st.label)?;
        ws.write_string(r, 1, format!("not invoiced: {}", e.message))?;
        r += 1;
    }
    r += 1;
    ws.write_string_with_format(r, 0, "Totals by currency", &st.label)?;
    r += 1;
    for (c, h) in ["Currency", "OBs", "", "Subtotal", "Tax", "Total"].iter().enumerate() {
        ws.write_string_with_format(r, c as u16, *h, &st.header)?;
    }
    for t in report.totals_by_currency() {
        r += 1;
        ws.write_string(r, 0, &t.currency)?;
        ws.write_number(r, 1, t.obs as f64)?;
        for (c, v) in [t.subtotal, t.tax, t.total].iter().enumerate() {
            ws.write_number_with_format(r, 3 + c as u16, num(*v), &st.money)?;
        }
    }
    Ok(())
}

fn allocations_sheet(ws: &mut Worksheet, report: &RunReport, st: &Styles) -> Result<(), XlsxError> {
    ws.set_name("Allocations")?;
    table_header(ws, &["Concept", "Pool", "OB", "Basis quantity", "Share"], st)?;
    ws.set_column_width(0, 16)?;
    ws.set_column_width(1, 14)?;
    ws.set_column_width(3, 18)?;
    ws.set_column_width(4, 14)?;
    let mut r = 0;
    for a in &report.run.allocations {
        for share in &a.shares {
            r += 1;
            ws.write_string(r, 0, &a.concept)?;
            ws.write_number_with_format(r, 1, num(a.pool), &st.money)?;
            ws.write_string(r, 2, &share.ob)?;
            let basis_format = Format::new().set_num_format(exact_format(share.basis));
            ws.write_number_with_format(r, 3, num(share.basis), &basis_format)?;
            ws.write_number_with_format(r, 4, num(share.amount), &st.money)?;
        }
    }
    ws.autofilter(0, 0, r, 4)?;
    ws.write_string_with_format(
        r + 2,
        0,
        format!(
            "Shares in {}, before conversion to each OB's currency.",
            report.billing_currency
        ),
        &st.muted,
    )?;
    Ok(())
}

fn suspense_sheet(ws: &mut Worksheet, report: &RunReport, stamp: &Stamp, st: &Styles) -> Result<(), XlsxError> {
    ws.set_name("Suspense")?;
    table_header(ws, &["Code", "Dataset", "Record id", "Field", "Value", "Message"], st)?;
    for (c, w) in [20.0, 22.0, 30.0, 16.0, 20.0, 60.0].iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    let records = &report.run.unattributable_records;
    let shown = records.len().min(stamp.suspense_rows);
    for (i, s) in records.iter().take(shown).enumerate() {
        for (c, v) in s.cells().iter().enumerate() {
            ws.write_string(i as u32 + 1, c as u16, *v)?;
        }
    }
    ws.autofilter(0, 0, shown as u32, 5)?;
    let mut r = shown as u32 + 2;
    ws.write_string_with_format(
        r,
        0,
        "Unattributable records (run level, on no OB invoice); suspended records by OB:",
        &st.muted,
    )?;
    r += 1;
    for (c, h) in ["Scope", "Code", "Records"].iter().enumerate() {
        ws.write_string_with_format(r, c as u16, *h, &st.header)?;
    }
    for (code, n) in &report.run.unattributable {
        r += 1;
        ws.write_string(r, 0, "unattributable")?;
        ws.write_string(r, 1, code)?;
        ws.write_number(r, 2, *n as f64)?;
    }
    for inv in &report.invoices {
        for (code, n) in &inv.suspense_counts {
            r += 1;
            ws.write_string(r, 0, &inv.ob)?;
            ws.write_string(r, 1, code)?;
            ws.write_number(r, 2, *n as f64)?;
        }
    }
    Ok(())
}

fn reconciliation_sheet(ws: &mut Worksheet, report: &RunReport, st: &Styles) -> Result<(), XlsxError> {
    ws.set_name("Reconciliation")?;
    table_header(
        ws,
        &[
            "Dataset",
            "Rows read",
            "Unattributable",
            "In scope",
            "Out of period",
            "Balanced",
        ],
        st,
    )?;
    ws.set_column_width(0, 26)?;
    for c in 1..6 {
        ws.set_column_width(c, 15)?;
    }
    for (i, rc) in report.run.reconciliation().iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &rc.dataset)?;
        for (c, v) in [rc.rows_read, rc.unattributable, rc.in_scope, rc.out_of_period]
            .iter()
            .enumerate()
        {
            ws.write_number(r, c as u16 + 1, *v as f64)?;
        }
        ws.write_string(r, 5, if rc.balanced { "yes" } else { "NO" })?;
    }
    Ok(())
}

/// Per input file: what became of its records (docs/workbooks.md, "Files").
fn files_sheet(ws: &mut Worksheet, report: &RunReport, st: &Styles) -> Result<(), XlsxError> {
    ws.set_name("Files")?;
    let headers = crate::report::FILE_COLUMNS;
    table_header(ws, &headers, st)?;
    ws.set_column_width(0, 24)?;
    ws.set_column_width(1, 60)?;
    for c in 2..11 {
        ws.set_column_width(c, 13)?;
    }
    ws.set_column_width(11, 50)?;
    let files = &report.run.files;
    let standouts = crate::report::FileStats::standouts(files);
    for (i, (f, stands_out)) in files.iter().zip(standouts).enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &f.dataset)?;
        ws.write_string(r, 1, &f.file)?;
        for (c, v) in f.counts().iter().enumerate() {
            ws.write_number(r, c as u16 + 2, *v as f64)?;
        }
        let percent = (f.suspended_percent() * 10.0).round() / 10.0;
        if stands_out {
            ws.write_number_with_format(r, 10, percent, &st.label)?;
        } else {
            ws.write_number(r, 10, percent)?;
        }
        ws.write_string(r, 11, f.causes.join(", "))?;
    }
    if !files.is_empty() {
        ws.autofilter(0, 0, files.len() as u32, headers.len() as u16 - 1)?;
    }
    Ok(())
}
