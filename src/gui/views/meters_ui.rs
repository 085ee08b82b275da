//! The Meters tab (meter inspector): every meter's quantity by day for the OB and period,
//! sortable, with the dataset it comes from and its total.

use egui_extras::{Column, TableBuilder};
use rust_decimal::Decimal;

use super::quantity;
use crate::report::Invoice;

/// How the day rows are ordered: by date, or by one meter's quantity (largest first).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum MeterSort {
    #[default]
    Date,
    Meter(usize),
}

/// Row indices (days) in display order.
pub fn order(inv: &Invoice, sort: &MeterSort) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..inv.days.len()).collect();
    if let MeterSort::Meter(m) = sort
        && let Some(meter) = inv.daily.get(*m)
    {
        idx.sort_by(|a, b| meter.values[*b].cmp(&meter.values[*a]).then(a.cmp(b)));
    }
    idx
}

/// Sum of the daily quantities of each meter (for count_distinct, max and latest this is
/// not the invoice quantity; the tab says so).
pub fn totals(inv: &Invoice) -> Vec<Decimal> {
    inv.daily.iter().map(|m| m.values.iter().copied().sum()).collect()
}

pub fn meters_ui(
    ui: &mut egui::Ui,
    inv: &Invoice,
    sort: &mut MeterSort,
    meter_info: &[(String, String, String)],
) -> Option<super::Command> {
    let mut command = None;
    ui.heading("Meter inspector");
    egui::Grid::new("meter_info")
        .striped(true)
        .num_columns(3)
        .show(ui, |ui| {
            ui.strong("Meter");
            ui.strong("Reads");
            ui.strong("Filter");
            ui.end_row();
            for (code, reads, filter) in meter_info {
                ui.label(code);
                ui.label(reads);
                ui.label(filter);
                ui.end_row();
            }
        });
    let sums = totals(inv);
    ui.add_space(6.0);
    ui.horizontal_wrapped(|ui| {
        ui.strong("Sum of days:");
        for (m, s) in inv.daily.iter().zip(&sums) {
            ui.label(format!("{} {}", m.meter, quantity(*s)));
        }
    });
    ui.weak("Click a column header to sort by it, a quantity to list its records. Quantities are per local day of the OB; for count_distinct, max and latest the sum of days is not the invoice quantity.");
    let rows = order(inv, sort);
    // One column per meter: scroll sideways when they do not fit.
    egui::ScrollArea::horizontal().id_salt("meters_wide").show(ui, |ui| {
        let mut tb = TableBuilder::new(ui)
            .id_salt("meters_table")
            .striped(true)
            .column(Column::auto().at_least(90.0));
        for _ in &inv.daily {
            tb = tb.column(Column::auto().at_least(110.0));
        }
        tb.header(22.0, |mut h| {
            h.col(|ui| {
                if ui.selectable_label(*sort == MeterSort::Date, "Date").clicked() {
                    *sort = MeterSort::Date;
                }
            });
            for (i, m) in inv.daily.iter().enumerate() {
                h.col(|ui| {
                    let label = format!("{} ({})", m.meter, m.unit);
                    if ui
                        .selectable_label(*sort == MeterSort::Meter(i), label)
                        .on_hover_text(&m.name)
                        .clicked()
                    {
                        *sort = MeterSort::Meter(i);
                    }
                });
            }
        })
        .body(|body| {
            body.rows(18.0, rows.len(), |mut row| {
                let d = rows[row.index()];
                row.col(|ui| {
                    ui.label(inv.days[d].to_string());
                });
                for m in &inv.daily {
                    row.col(|ui| {
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                            let cell = egui::Label::new(quantity(m.values[d])).sense(egui::Sense::click());
                            if ui.add(cell).on_hover_text("List the records of this day").clicked() {
                                command = Some(super::Command::ShowRecords(crate::records::Figure::Day {
                                    meter: m.meter.clone(),
                                    date: inv.days[d],
                                }));
                            }
                        });
                    });
                }
            });
        });
    });
    command
}
