//! The Invoice tab: the invoice as it will be exported, with per-line detail on demand.

use egui_extras::{Column, TableBuilder};

use super::{money, quantity};
use crate::model::money::plain_string;
use crate::report::{Invoice, Line, LineDetail};

/// One row of the lines table as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct LineRow {
    pub concept: String,
    pub description: String,
    pub quantity: String,
    pub unit: String,
    pub unit_price: String,
    pub amount: String,
}

/// The table rows of an invoice, then Subtotal, Tax and Total.
pub fn rows(inv: &Invoice) -> Vec<LineRow> {
    let mut out: Vec<LineRow> = inv
        .lines
        .iter()
        .map(|l| LineRow {
            concept: l.concept.clone(),
            description: l.description.clone(),
            quantity: quantity(l.quantity),
            unit: l.unit.clone(),
            unit_price: l.unit_price.map(plain_string).unwrap_or_default(),
            amount: money(l.amount, inv.decimals),
        })
        .collect();
    let total = |label: &str, text: String, v| LineRow {
        concept: label.into(),
        description: text,
        quantity: String::new(),
        unit: String::new(),
        unit_price: String::new(),
        amount: money(v, inv.decimals),
    };
    out.push(total("Subtotal", String::new(), inv.subtotal));
    out.push(total(
        "Tax",
        format!("{} %", plain_string(inv.tax_rate * rust_decimal::Decimal::from(100))),
        inv.tax,
    ));
    out.push(total("Total", format!("Amount due in {}", inv.currency), inv.total));
    out
}

/// How a line's amount came about, in plain words.
pub fn detail(line: &Line, dp: u32) -> Vec<String> {
    let mut out = Vec::new();
    match &line.detail {
        LineDetail::Charge(d) => {
            out.push(format!(
                "{} model on meter {}: quantity {}, included {}, billable {}",
                d.model,
                d.meter,
                quantity(line.quantity),
                quantity(d.included),
                quantity(d.billable)
            ));
            for t in &d.tiers {
                out.push(format!(
                    "tier {} ({} – {}): {} units × {} + flat {} = {}",
                    t.tier,
                    quantity(t.low),
                    t.up_to.map_or("no limit".to_string(), quantity),
                    quantity(t.units),
                    plain_string(t.unit_price),
                    plain_string(t.flat),
                    plain_string(t.amount)
                ));
            }
            if let Some(p) = d.packages {
                out.push(format!("{} package(s)", quantity(p)));
            }
            out.push(format!(
                "model amount {} (exact), rounded to {} decimals",
                plain_string(d.model_amount),
                dp
            ));
            if d.minimum_applied {
                out.push(format!("minimum {} applied", money(d.minimum, dp)));
            }
        }
        LineDetail::Fee(d) => {
            out.push(format!(
                "fee {}: active contract days {} of {}",
                money(d.full_amount, dp),
                d.active_days,
                d.period_days
            ));
        }
        LineDetail::Allocation(d) => {
            out.push(format!(
                "pool {} split by meter {}: this OB {} of {} in total; share {} before conversion",
                money(d.pool, dp),
                d.meter,
                quantity(line.quantity),
                quantity(d.basis_total),
                money(d.share_before_fx, dp)
            ));
        }
        LineDetail::Recorded => out.push("as recorded in the register".to_string()),
    }
    if line.detail.fx_rate() != rust_decimal::Decimal::ONE {
        out.push(format!(
            "converted at {} per unit of the billing currency",
            plain_string(line.detail.fx_rate())
        ));
    }
    out
}

pub fn invoice_ui(
    ui: &mut egui::Ui,
    inv: &Invoice,
    issuer: &str,
    selected: &mut Option<String>,
) -> Option<super::Command> {
    let mut command = None;
    ui.horizontal(|ui| {
        ui.heading(format!("Invoice {}", inv.invoice_number));
    });
    egui::Grid::new("invoice_header")
        .num_columns(2)
        .spacing([24.0, 4.0])
        .show(ui, |ui| {
            for (k, v) in [
                ("OB", inv.ob.clone()),
                ("Legal entity", inv.legal_entity.clone()),
                (
                    "Period",
                    format!(
                        "{} ({} to {}, {})",
                        inv.period_label, inv.period_start, inv.period_end, inv.timezone
                    ),
                ),
                ("Currency", inv.currency.clone()),
                ("Issuer", issuer.to_string()),
            ] {
                ui.strong(k);
                ui.label(v);
                ui.end_row();
            }
        });
    ui.add_space(8.0);
    let rows = rows(inv);
    let n_lines = inv.lines.len();
    TableBuilder::new(ui)
        .id_salt("invoice_lines")
        .striped(true)
        .column(Column::auto().at_least(90.0))
        .column(Column::remainder().at_least(200.0))
        .column(Column::auto().at_least(110.0))
        .column(Column::auto().at_least(80.0))
        .column(Column::auto().at_least(90.0))
        .column(Column::auto().at_least(120.0))
        .header(22.0, |mut h| {
            for t in ["Concept", "Description", "Quantity", "Unit", "Unit price", "Amount"] {
                h.col(|ui| {
                    ui.strong(t);
                });
            }
        })
        .body(|mut body| {
            for (i, r) in rows.iter().enumerate() {
                body.row(22.0, |mut row| {
                    let strong = i >= n_lines;
                    row.col(|ui| {
                        if strong {
                            ui.strong(&r.concept);
                        } else {
                            let is_selected = selected.as_deref() == Some(r.concept.as_str());
                            if ui
                                .selectable_label(is_selected, &r.concept)
                                .on_hover_text("Show how this amount came about")
                                .clicked()
                            {
                                *selected = if is_selected { None } else { Some(r.concept.clone()) };
                            }
                        }
                    });
                    row.col(|ui| {
                        ui.label(&r.description);
                    });
                    // Numbers right-aligned, the unit as text.
                    for (text, number) in [(&r.quantity, true), (&r.unit, false), (&r.unit_price, true)] {
                        row.col(|ui| {
                            if number {
                                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| ui.label(text));
                            } else {
                                ui.label(text);
                            }
                        });
                    }
                    row.col(|ui| {
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                            if strong {
                                ui.strong(&r.amount);
                            } else {
                                ui.label(&r.amount);
                            }
                        });
                    });
                });
            }
        });
    if let Some(line) = selected
        .as_ref()
        .and_then(|c| inv.lines.iter().find(|l| &l.concept == c))
    {
        ui.add_space(8.0);
        ui.group(|ui| {
            ui.strong(format!("{}: {}", line.concept, line.description));
            for d in detail(line, inv.decimals) {
                ui.label(d);
            }
            if line.kind == crate::report::LineKind::Charge
                && ui
                    .button("Records behind this line…")
                    .on_hover_text("List the records that make up the quantity, read again from the export")
                    .clicked()
            {
                command = Some(super::Command::ShowRecords(crate::records::Figure::Line {
                    concept: line.concept.clone(),
                }));
            }
            let rows: Vec<_> = inv.breakdown.iter().filter(|b| b.concept == line.concept).collect();
            if !rows.is_empty() {
                ui.add_space(4.0);
                ui.strong("Breakdown");
                egui::Grid::new("line_breakdown").striped(true).show(ui, |ui| {
                    for b in rows {
                        ui.label(format!("{} = {}", b.field, b.label));
                        ui.label(super::quantity(b.quantity));
                        ui.label(super::money(b.amount, inv.decimals));
                        if ui
                            .small_button("Records…")
                            .on_hover_text("List the records of this breakdown row")
                            .clicked()
                        {
                            command = Some(super::Command::ShowRecords(crate::records::Figure::Breakdown {
                                concept: b.concept.clone(),
                                field: b.field.clone(),
                                value: (!b.value.is_empty()).then(|| b.value.clone()),
                            }));
                        }
                        ui.end_row();
                    }
                });
            }
        });
    } else {
        ui.add_space(6.0);
        ui.weak("Click a concept to see how its amount came about.");
    }
    command
}
