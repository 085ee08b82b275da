//! The look the workbooks share: colours, number formats, cell styles, print set-up and
//! table headers.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Worksheet, XlsxError};

pub(super) const NAVY: u32 = 0x1F3864;
pub(super) const LIGHT: u32 = 0xDCE6F1;

/// A decimal as the number an xlsx cell holds (every `Decimal` has a nearest `f64`; the
/// exact figure is in the report, and amounts are rounded to the currency's decimals).
pub(super) fn num(d: Decimal) -> f64 {
    d.as_f64()
}

/// `#,##0.00` for `dp` = 2; `#,##0` for 0.
pub(super) fn decimals_format(dp: u32) -> String {
    if dp == 0 {
        "#,##0".to_string()
    } else {
        format!("#,##0.{}", "0".repeat(dp as usize))
    }
}

/// A format that shows a quantity or price with exactly the decimals it has.
pub(super) fn exact_format(d: Decimal) -> String {
    decimals_format(d.normalize().scale())
}

pub(super) struct Styles {
    pub(super) title: Format,
    pub(super) label: Format,
    pub(super) value: Format,
    pub(super) date: Format,
    pub(super) header: Format,
    pub(super) header_right: Format,
    pub(super) text: Format,
    pub(super) money: Format,
    pub(super) money_bold: Format,
    pub(super) total_label: Format,
    pub(super) muted: Format,
    pub(super) unit: Format,
}

impl Styles {
    pub(super) fn new(dp: u32) -> Styles {
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

/// A4, one page wide, with the invoice number and page numbers in the margins.
pub(super) fn print_setup(ws: &mut Worksheet, landscape: bool, left: &str, right: &str) {
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

pub(super) enum HeaderValue<'a> {
    Text(&'a str),
    Date(NaiveDate),
}

pub(super) fn table_header(ws: &mut Worksheet, headers: &[&str], st: &Styles) -> Result<(), XlsxError> {
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &st.header)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}
