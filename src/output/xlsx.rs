//! The invoice workbook and the all-OB summary (SPEC 6), written from a `RunReport` only:
//! no rating logic here. Numbers are numeric cells; where a line is per-unit its amount is a
//! formula carrying the engine's exact figure as its cached result; text from the data is
//! always written as a string, never as a formula.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{
    Chart, ChartType, DocProperties, Format, FormatAlign, FormatBorder, Formula, Image, Workbook, Worksheet, XlsxError,
};

use crate::model::money::{Rounding, money_string, plain_string};
use crate::report::{Invoice, LineKind, RunReport};

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
}

/// The logo, built into the binary so a workbook never depends on the working folder.
const LOGO: &[u8] = include_bytes!("../../assets/logo.png");

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

const INVOICE_TABLE_HEADER: [&str; 6] = ["Concept", "Description", "Quantity", "Unit", "Unit price", "Amount"];
const NAVY: u32 = 0x1F3864;
const LIGHT: u32 = 0xDCE6F1;

fn num(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// `#,##0.00` for `dp` = 2; `#,##0` for 0.
fn decimals_format(dp: u32) -> String {
    if dp == 0 {
        "#,##0".to_string()
    } else {
        format!("#,##0.{}", "0".repeat(dp as usize))
    }
}

/// A format that shows a quantity or price with exactly the decimals it has.
fn exact_format(d: Decimal) -> String {
    decimals_format(d.normalize().scale())
}

struct Styles {
    title: Format,
    label: Format,
    value: Format,
    date: Format,
    header: Format,
    header_right: Format,
    text: Format,
    money: Format,
    money_bold: Format,
    total_label: Format,
    muted: Format,
    unit: Format,
}

impl Styles {
    fn new(dp: u32) -> Styles {
        let money_fmt = decimals_format(dp);
        Styles {
            title: Format::new().set_bold().set_font_size(22).set_font_color(NAVY),
            label: Format::new().set_bold().set_font_color(0x595959),
            value: Format::new().set_align(FormatAlign::Left),
            date: Format::new().set_num_format("yyyy-mm-dd").set_align(FormatAlign::Left),
            header: Format::new()
                .set_bold()
                .set_font_color(0xFFFFFF)
                .set_background_color(NAVY)
                .set_border_bottom(FormatBorder::Thin),
            header_right: Format::new()
                .set_bold()
                .set_font_color(0xFFFFFF)
                .set_background_color(NAVY)
                .set_align(FormatAlign::Right),
            text: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            money: Format::new().set_num_format(&money_fmt),
            money_bold: Format::new()
                .set_num_format(&money_fmt)
                .set_bold()
                .set_background_color(LIGHT)
                .set_border_top(FormatBorder::Thin),
            total_label: Format::new()
                .set_bold()
                .set_background_color(LIGHT)
                .set_border_top(FormatBorder::Thin),
            muted: Format::new().set_italic().set_font_color(0x7F7F7F),
            unit: Format::new().set_indent(1),
        }
    }
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

/// Builds one OB's workbook in memory.
pub fn invoice_workbook(report: &RunReport, invoice: &Invoice, stamp: &Stamp) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let st = Styles::new(invoice.decimals);
    let table_top = invoice_sheet(wb.add_worksheet(), report, invoice, stamp, &st)?;
    breakdown_sheet(wb.add_worksheet(), invoice, &st)?;
    daily_sheet(wb.add_worksheet(), invoice, &st)?;
    charts_sheet(&mut wb, invoice, table_top)?;
    suspense_sheet(wb.add_worksheet(), invoice, stamp, &st)?;
    reconciliation_sheet(wb.add_worksheet(), invoice, &st)?;
    run_info_sheet(wb.add_worksheet(), report, stamp, &st)?;
    for (i, ws) in wb.worksheets_mut().iter_mut().enumerate().skip(1) {
        let name = ws.name();
        print_setup(ws, i != 5, &invoice.invoice_number, &name);
    }
    let props = DocProperties::new()
        .set_title(&invoice.invoice_number)
        .set_subject(format!(
            "Invoice {} for {} ({}), period {}",
            invoice.invoice_number, invoice.legal_entity, invoice.ob, invoice.period_label
        ))
        .set_author(&report.issuer)
        .set_company(&report.issuer)
        .set_keywords(format!("invoice, {}, {}", invoice.ob, invoice.invoice_number))
        .set_comment(format!("Generated by Billing Workbench {}", env!("CARGO_PKG_VERSION")))
        .set_creation_datetime(&stamp.generated);
    wb.set_properties(&props);
    wb.save_to_buffer()
}

/// Writes the Invoice sheet; returns the row of the lines table's header.
fn invoice_sheet(
    ws: &mut Worksheet,
    report: &RunReport,
    inv: &Invoice,
    stamp: &Stamp,
    st: &Styles,
) -> Result<u32, XlsxError> {
    ws.set_name("Invoice")?;
    ws.set_screen_gridlines(false);
    for (c, w) in [18.0, 46.0, 16.0, 12.0, 14.0, 18.0].iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    ws.set_row_height(0, 34)?;
    ws.write_string_with_format(0, 0, "INVOICE", &st.title)?;
    if stamp.logo
        && let Ok(img) = Image::new_from_buffer(LOGO)
    {
        let img = img.set_scale_to_size(220, 64, true);
        ws.insert_image_with_offset(0, 4, &img, 0, 2)?;
    }
    ws.write_string_with_format(1, 0, &report.issuer, &st.muted)?;

    let header: [(&str, HeaderValue); 9] = [
        ("Invoice number", HeaderValue::Text(&inv.invoice_number)),
        ("OB", HeaderValue::Text(&inv.ob)),
        ("Legal entity", HeaderValue::Text(&inv.legal_entity)),
        ("Period", HeaderValue::Text(&inv.period_label)),
        ("Period start", HeaderValue::Date(inv.period_start)),
        ("Period end", HeaderValue::Date(inv.period_end)),
        ("Issue date", HeaderValue::Date(stamp.issue_date)),
        ("Currency", HeaderValue::Text(&inv.currency)),
        ("Issuer", HeaderValue::Text(&report.issuer)),
    ];
    let top = 3u32;
    for (i, (label, value)) in header.iter().enumerate() {
        let r = top + i as u32;
        ws.write_string_with_format(r, 0, *label, &st.label)?;
        match value {
            HeaderValue::Text(t) => ws.write_string_with_format(r, 1, *t, &st.value)?,
            HeaderValue::Date(d) => ws.write_date_with_format(r, 1, d, &st.date)?,
        };
    }

    let head = top + header.len() as u32 + 1;
    for (c, h) in INVOICE_TABLE_HEADER.iter().enumerate() {
        let f = if c >= 2 && c != 3 { &st.header_right } else { &st.header };
        ws.write_string_with_format(head, c as u16, *h, f)?;
    }
    let first = head + 1;
    for (i, line) in inv.lines.iter().enumerate() {
        let r = first + i as u32;
        ws.write_string_with_format(r, 0, &line.concept, &st.text)?;
        ws.write_string_with_format(r, 1, &line.description, &st.text)?;
        ws.write_number_with_format(
            r,
            2,
            num(line.quantity),
            &Format::new().set_num_format(exact_format(line.quantity)),
        )?;
        ws.write_string_with_format(r, 3, &line.unit, &st.unit)?;
        let amount_text = money_string(line.amount, inv.decimals);
        match line.unit_price {
            Some(p) => {
                let price_format = if line.kind == LineKind::Fee {
                    st.money.clone()
                } else {
                    Format::new().set_num_format(exact_format(p))
                };
                ws.write_number_with_format(r, 4, num(p), &price_format)?;
                // Excel's ROUND is half away from zero: use a formula only where it reproduces the amount.
                if Rounding::HalfUp.round(line.quantity * p, inv.decimals) == line.amount {
                    let f = Formula::new(format!("=ROUND(C{}*E{},{})", r + 1, r + 1, inv.decimals))
                        .set_result(&amount_text);
                    ws.write_formula_with_format(r, 5, f, &st.money)?;
                } else {
                    ws.write_number_with_format(r, 5, num(line.amount), &st.money)?;
                }
            }
            None => {
                ws.write_number_with_format(r, 5, num(line.amount), &st.money)?;
            }
        }
        if line.kind == LineKind::Allocation {
            ws.write_string_with_format(r, 4, "share", &st.muted)?;
        }
    }
    let last = first + inv.lines.len() as u32;
    let sub_row = last;
    let sum = if inv.lines.is_empty() {
        "=0".to_string()
    } else {
        format!("=SUM(F{}:F{})", first + 1, last)
    };
    ws.write_string_with_format(sub_row, 0, "Subtotal", &st.total_label)?;
    for c in 1..5 {
        ws.write_blank(sub_row, c, &st.total_label)?;
    }
    ws.write_formula_with_format(
        sub_row,
        5,
        Formula::new(sum).set_result(money_string(inv.subtotal, inv.decimals)),
        &st.money_bold,
    )?;
    ws.write_string(sub_row + 1, 0, "Tax")?;
    ws.write_string(
        sub_row + 1,
        1,
        format!("Tax at {} %", plain_string(inv.tax_rate * Decimal::from(100))),
    )?;
    ws.write_number_with_format(sub_row + 1, 5, num(inv.tax), &st.money)?;
    ws.write_string_with_format(sub_row + 2, 0, "Total", &st.total_label)?;
    ws.write_string_with_format(
        sub_row + 2,
        1,
        format!("Amount due in {}", inv.currency),
        &st.total_label,
    )?;
    for c in 2..5 {
        ws.write_blank(sub_row + 2, c, &st.total_label)?;
    }
    let total =
        Formula::new(format!("=F{}+F{}", sub_row + 1, sub_row + 2)).set_result(money_string(inv.total, inv.decimals));
    ws.write_formula_with_format(sub_row + 2, 5, total, &st.money_bold)?;
    let note = sub_row + 4;
    ws.write_string_with_format(
        note,
        0,
        format!(
            "Period cut at local midnight in {}. Breakdowns, daily usage, suspended records and the reconciliation are on the following sheets.",
            inv.timezone
        ),
        &st.muted,
    )?;

    ws.set_freeze_panes(head + 1, 0)?;
    ws.set_repeat_rows(head, head)?;
    print_setup(ws, false, &inv.invoice_number, &inv.legal_entity);
    ws.set_margins(0.5, 0.5, 0.7, 0.7, 0.3, 0.3);
    ws.set_footer(format!("&L&8{}&R&8Page &P of &N", report.issuer.replace('&', "&&")));
    Ok(head)
}

/// A4, one page wide, with the invoice number and page numbers in the margins.
fn print_setup(ws: &mut Worksheet, landscape: bool, left: &str, right: &str) {
    ws.set_paper_size(9);
    if landscape {
        ws.set_landscape();
    }
    ws.set_print_fit_to_pages(1, 0);
    ws.set_header(format!(
        "&L&8{}&R&8{}",
        left.replace('&', "&&"),
        right.replace('&', "&&")
    ));
    ws.set_footer("&R&8Page &P of &N");
}

enum HeaderValue<'a> {
    Text(&'a str),
    Date(NaiveDate),
}

fn table_header(ws: &mut Worksheet, headers: &[&str], st: &Styles) -> Result<(), XlsxError> {
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &st.header)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

fn breakdown_sheet(ws: &mut Worksheet, inv: &Invoice, st: &Styles) -> Result<(), XlsxError> {
    ws.set_name("Breakdown")?;
    table_header(ws, &["Concept", "Field", "Value", "Label", "Quantity", "Amount"], st)?;
    for (c, w) in [12.0, 16.0, 18.0, 28.0, 16.0, 16.0].iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    for (i, b) in inv.breakdown.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &b.concept)?;
        ws.write_string(r, 1, &b.field)?;
        ws.write_string(r, 2, &b.value)?;
        ws.write_string(r, 3, &b.label)?;
        ws.write_number_with_format(
            r,
            4,
            num(b.quantity),
            &Format::new().set_num_format(exact_format(b.quantity)),
        )?;
        ws.write_number_with_format(r, 5, num(b.amount), &st.money)?;
    }
    ws.autofilter(0, 0, inv.breakdown.len() as u32, 5)?;
    Ok(())
}

fn daily_sheet(ws: &mut Worksheet, inv: &Invoice, st: &Styles) -> Result<(), XlsxError> {
    ws.set_name("Daily")?;
    let mut headers = vec!["Date"];
    headers.extend(inv.daily.iter().map(|d| d.meter.as_str()));
    table_header(ws, &headers, st)?;
    ws.set_column_width(0, 12)?;
    for (c, m) in inv.daily.iter().enumerate() {
        ws.set_column_width(c as u16 + 1, (m.meter.len() as f64 + 4.0).max(14.0))?;
        // Quantities with their meter's precision.
        let dp = m.values.iter().map(|v| v.normalize().scale()).max().unwrap_or(0);
        let fmt = Format::new().set_num_format(decimals_format(dp));
        for (r, v) in m.values.iter().enumerate() {
            ws.write_number_with_format(r as u32 + 1, c as u16 + 1, num(*v), &fmt)?;
        }
    }
    for (r, d) in inv.days.iter().enumerate() {
        ws.write_date_with_format(r as u32 + 1, 0, d, &st.date)?;
    }
    ws.autofilter(0, 0, inv.days.len() as u32, inv.daily.len() as u16)?;
    // Meter names and units under the table, for the reader.
    let under = inv.days.len() as u32 + 2;
    for (i, m) in inv.daily.iter().enumerate() {
        ws.write_string_with_format(
            under + i as u32,
            0,
            format!("{}: {} ({}), from {}", m.meter, m.name, m.unit, m.dataset),
            &st.muted,
        )?;
    }
    Ok(())
}

fn charts_sheet(wb: &mut Workbook, inv: &Invoice, table_top: u32) -> Result<(), XlsxError> {
    // The share chart needs its numbers on a sheet: the breakdown with the largest amount.
    let mut by_pair: BTreeMap<(&str, &str), Decimal> = BTreeMap::new();
    for b in &inv.breakdown {
        *by_pair.entry((b.concept.as_str(), b.field.as_str())).or_default() += b.amount;
    }
    let largest = by_pair
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(k, _)| *k);
    let ws = wb.add_worksheet();
    ws.set_name("Charts")?;
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format(decimals_format(inv.decimals));
    let mut share_rows = 0u32;
    if let Some((concept, field)) = largest {
        ws.write_string_with_format(0, 12, format!("{concept} by {field}"), &bold)?;
        ws.write_string_with_format(1, 12, "Label", &bold)?;
        ws.write_string_with_format(1, 13, "Amount", &bold)?;
        for b in inv
            .breakdown
            .iter()
            .filter(|b| b.concept == concept && b.field == field)
        {
            let r = 2 + share_rows;
            ws.write_string(r, 12, &b.label)?;
            ws.write_number_with_format(r, 13, num(b.amount), &money)?;
            share_rows += 1;
        }
    }
    let n_lines = inv.lines.len() as u32;
    if n_lines > 0 {
        let mut bar = Chart::new(ChartType::Bar);
        bar.title().set_name(&format!("Amount by concept ({})", inv.currency));
        bar.add_series()
            .set_categories(("Invoice", table_top + 1, 0, table_top + n_lines, 0))
            .set_values(("Invoice", table_top + 1, 5, table_top + n_lines, 5))
            .set_name("Amount");
        bar.legend().set_hidden();
        bar.set_width(620).set_height(360);
        ws.insert_chart(0, 0, &bar)?;
    }
    if share_rows > 0
        && let Some((concept, field)) = largest
    {
        let mut pie = Chart::new(ChartType::Doughnut);
        pie.title().set_name(&format!("{concept}: share by {field}"));
        pie.add_series()
            .set_categories(("Charts", 2, 12, 1 + share_rows, 12))
            .set_values(("Charts", 2, 13, 1 + share_rows, 13));
        pie.set_width(480).set_height(360);
        ws.insert_chart(0, 10, &pie)?;
    }
    let days = inv.days.len() as u32;
    if days > 0 && !inv.daily.is_empty() {
        let mut line = Chart::new(ChartType::Line);
        line.title().set_name("Daily usage per meter");
        line.x_axis().set_num_format("d mmm");
        for c in 0..inv.daily.len() {
            let col = c as u16 + 1;
            line.add_series()
                .set_categories(("Daily", 1, 0, days, 0))
                .set_values(("Daily", 1, col, days, col))
                .set_name(("Daily", 0, col));
        }
        line.set_width(1100).set_height(420);
        ws.insert_chart(19, 0, &line)?;
    }
    Ok(())
}

fn suspense_sheet(ws: &mut Worksheet, inv: &Invoice, stamp: &Stamp, st: &Styles) -> Result<(), XlsxError> {
    ws.set_name("Suspense")?;
    table_header(ws, &["Code", "Dataset", "Record id", "Field", "Value", "Message"], st)?;
    for (c, w) in [20.0, 22.0, 30.0, 16.0, 20.0, 60.0].iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    let shown = inv.suspense.len().min(stamp.suspense_rows);
    for (i, s) in inv.suspense.iter().take(shown).enumerate() {
        let r = i as u32 + 1;
        for (c, v) in s.cells().iter().enumerate() {
            ws.write_string(r, c as u16, *v)?;
        }
    }
    ws.autofilter(0, 0, shown as u32, 5)?;
    let mut r = shown as u32 + 2;
    if shown < inv.suspense.len() {
        ws.write_string_with_format(
            r,
            0,
            format!(
                "Showing the first {shown} of {} suspended records; the counts below cover all of them.",
                inv.suspense.len()
            ),
            &st.muted,
        )?;
        r += 1;
    }
    ws.write_string_with_format(r, 0, "Code", &st.header)?;
    ws.write_string_with_format(r, 1, "Records", &st.header)?;
    for (code, n) in &inv.suspense_counts {
        r += 1;
        ws.write_string(r, 0, code)?;
        ws.write_number(r, 1, *n as f64)?;
    }
    r += 1;
    ws.write_string_with_format(r, 0, "Total", &st.total_label)?;
    ws.write_number_with_format(r, 1, inv.suspense.len() as f64, &st.total_label)?;
    Ok(())
}

fn reconciliation_sheet(ws: &mut Worksheet, inv: &Invoice, st: &Styles) -> Result<(), XlsxError> {
    ws.set_name("Reconciliation")?;
    table_header(
        ws,
        &["Dataset", "In scope", "Duplicates", "Excluded", "Suspended", "Rated"],
        st,
    )?;
    ws.set_column_width(0, 26)?;
    for c in 1..6 {
        ws.set_column_width(c, 13)?;
    }
    let count = Format::new().set_num_format("#,##0");
    for (i, rc) in inv.reconciliation.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &rc.dataset)?;
        for (c, v) in [rc.in_scope, rc.duplicates, rc.excluded, rc.suspended, rc.rated]
            .iter()
            .enumerate()
        {
            ws.write_number_with_format(r, c as u16 + 1, *v as f64, &count)?;
        }
    }
    ws.autofilter(0, 0, inv.reconciliation.len() as u32, 5)?;
    let balanced = inv.reconciliation.iter().all(|r| r.balances());
    ws.write_string_with_format(
        inv.reconciliation.len() as u32 + 2,
        0,
        format!(
            "In scope = duplicates + excluded + suspended + rated: {}",
            if balanced {
                "holds for every dataset"
            } else {
                "DOES NOT HOLD"
            }
        ),
        &st.muted,
    )?;
    Ok(())
}

fn run_info_sheet(ws: &mut Worksheet, report: &RunReport, stamp: &Stamp, st: &Styles) -> Result<(), XlsxError> {
    ws.set_name("Run info")?;
    ws.set_column_width(0, 24)?;
    ws.set_column_width(1, 60)?;
    ws.set_column_width(2, 14)?;
    ws.set_column_width(3, 12)?;
    ws.set_column_width(4, 12)?;
    ws.set_column_width(5, 66)?;
    let rows: [(&str, String); 5] = [
        ("Product", format!("Billing Workbench {}", env!("CARGO_PKG_VERSION"))),
        (
            "Generated (UTC)",
            stamp.generated.format("%Y-%m-%d %H:%M:%S").to_string(),
        ),
        ("Period", report.period_label.clone()),
        ("Configuration", report.config_path.display().to_string()),
        ("Configuration SHA-256", report.config_sha256.clone()),
    ];
    for (i, (k, v)) in rows.iter().enumerate() {
        ws.write_string_with_format(i as u32, 0, *k, &st.label)?;
        ws.write_string(i as u32, 1, v)?;
    }
    let head = rows.len() as u32 + 1;
    for (c, h) in ["Dataset", "File", "Bytes", "Rows", "Format", "SHA-256"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(head, c as u16, *h, &st.header)?;
    }
    let count = Format::new().set_num_format("#,##0");
    for (i, f) in report.files.iter().enumerate() {
        let r = head + 1 + i as u32;
        ws.write_string(r, 0, &f.dataset)?;
        ws.write_string(r, 1, f.path.display().to_string())?;
        ws.write_number_with_format(r, 2, f.bytes as f64, &count)?;
        ws.write_number_with_format(r, 3, f.rows as f64, &count)?;
        ws.write_string(r, 4, f.format)?;
        ws.write_string(r, 5, &f.sha256)?;
    }
    ws.autofilter(head, 0, head + report.files.len() as u32, 5)?;
    Ok(())
}

/// Builds the all-OB summary workbook.
pub fn summary_workbook(report: &RunReport, stamp: &Stamp) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let dp = report.invoices.first().map_or(2, |i| i.decimals);
    let st = Styles::new(dp);
    let mut concepts: Vec<String> = Vec::new();
    for inv in &report.invoices {
        for l in &inv.lines {
            if !concepts.contains(&l.concept) {
                concepts.push(l.concept.clone());
            }
        }
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("Summary")?;
        let mut headers: Vec<&str> = vec!["OB", "Name", "Currency", "Subtotal", "Tax", "Total"];
        headers.extend(concepts.iter().map(String::as_str));
        table_header(ws, &headers, &st)?;
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
        let currencies: BTreeSet<&str> = report.invoices.iter().map(|i| i.currency.as_str()).collect();
        for cur in currencies {
            r += 1;
            let of: Vec<&Invoice> = report.invoices.iter().filter(|i| i.currency == cur).collect();
            ws.write_string(r, 0, cur)?;
            ws.write_number(r, 1, of.len() as f64)?;
            let sums = [
                of.iter().map(|i| i.subtotal).sum::<Decimal>(),
                of.iter().map(|i| i.tax).sum::<Decimal>(),
                of.iter().map(|i| i.total).sum::<Decimal>(),
            ];
            for (c, v) in sums.iter().enumerate() {
                ws.write_number_with_format(r, 3 + c as u16, num(*v), &st.money)?;
            }
        }
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("Allocations")?;
        table_header(ws, &["Concept", "Pool", "OB", "Basis quantity", "Share"], &st)?;
        ws.set_column_width(0, 16)?;
        ws.set_column_width(1, 14)?;
        ws.set_column_width(3, 18)?;
        ws.set_column_width(4, 14)?;
        let mut r = 0;
        for a in &report.run.allocations {
            for (ob, q, share) in &a.shares {
                r += 1;
                ws.write_string(r, 0, &a.concept)?;
                ws.write_number_with_format(r, 1, num(a.pool), &st.money)?;
                ws.write_string(r, 2, ob)?;
                ws.write_number_with_format(r, 3, num(*q), &Format::new().set_num_format(exact_format(*q)))?;
                ws.write_number_with_format(r, 4, num(*share), &st.money)?;
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
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("Suspense")?;
        table_header(ws, &["Code", "Dataset", "Record id", "Field", "Value", "Message"], &st)?;
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
    }
    {
        let ws = wb.add_worksheet();
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
            &st,
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
    }
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
/// any existing file unless `force`, checking every target before writing any.
pub fn write_all(
    report: &RunReport,
    dir: &Path,
    stamp: &Stamp,
    summary: bool,
    force: bool,
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
    for (inv, path) in report.invoices.iter().zip(&targets) {
        let bytes = invoice_workbook(report, inv, stamp).map_err(|source| WriteError::Xlsx {
            path: path.clone(),
            source,
        })?;
        write_atomically(path, &bytes, force)?;
        written.push(path.clone());
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
