//! The Breakdown tab: amount by concept, the share of each value of a chosen breakdown
//! field, and daily usage per meter; the numbers behind each chart in a table beside it.

use std::collections::BTreeMap;

use egui_extras::{Column, TableBuilder};
use egui_plot::{Bar, BarChart, Legend, Line, Plot, PlotPoints};
use rust_decimal::Decimal;

use super::{money, plot_value, quantity};
use crate::report::Invoice;

/// Amount per concept, in line order.
pub fn concept_amounts(inv: &Invoice) -> Vec<(String, Decimal)> {
    inv.lines.iter().map(|l| (l.concept.clone(), l.amount)).collect()
}

/// The breakdown fields present on an invoice, in first-seen order.
pub fn fields(inv: &Invoice) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for b in &inv.breakdown {
        if !out.contains(&b.field) {
            out.push(b.field.clone());
        }
    }
    out
}

/// One value's part of the lines broken down by `field`.
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    pub label: String,
    pub value: String,
    pub amount: Decimal,
    /// Percent of the total over all values, to two decimals.
    pub percent: Decimal,
}

/// Amounts per value of `field`, summed over the concepts broken down by it, largest first.
pub fn shares(inv: &Invoice, field: &str) -> Vec<Share> {
    let mut by_value: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    for b in inv.breakdown.iter().filter(|b| b.field == field) {
        *by_value.entry((b.value.clone(), b.label.clone())).or_default() += b.amount;
    }
    let total: Decimal = by_value.values().copied().sum();
    let mut out: Vec<Share> = by_value
        .into_iter()
        .map(|((value, label), amount)| Share {
            label,
            value,
            amount,
            percent: if total.is_zero() {
                Decimal::ZERO
            } else {
                (amount * Decimal::from(100) / total).round_dp(2)
            },
        })
        .collect();
    out.sort_by(|a, b| b.amount.cmp(&a.amount).then_with(|| a.value.cmp(&b.value)));
    out
}

pub fn breakdown_ui(ui: &mut egui::Ui, inv: &Invoice, field: &mut Option<String>, meters: &mut Vec<String>) {
    let dp = inv.decimals;
    ui.heading(format!("Amount by concept ({})", inv.currency));
    let amounts = concept_amounts(inv);
    ui.columns(2, |cols| {
        let bars: Vec<Bar> = amounts
            .iter()
            .enumerate()
            // The first concept on top, as in the table beside the chart.
            .map(|(i, (c, a))| {
                Bar::new((amounts.len() - 1 - i) as f64, plot_value(*a))
                    .name(c)
                    .width(0.7)
            })
            .collect();
        let names: Vec<String> = amounts.iter().rev().map(|a| a.0.clone()).collect();
        // Horizontal bars: every bar is labelled with its concept, however many there are
        // (labels under vertical bars are dropped by the plot when they would overlap).
        // Room for a readable label per bar: the plot drops labels closer than a line.
        let height = (names.len() as f32 * 26.0).max(160.0);
        Plot::new("by_concept")
            .height(height)
            .allow_scroll(false)
            .y_grid_spacer(egui_plot::uniform_grid_spacer(|_| [1.0, 1.0, 1.0]))
            .y_axis_min_width(90.0)
            .y_axis_formatter(move |m, _| {
                names
                    .get(m.value.round() as usize)
                    .filter(|_| m.value >= 0.0 && (m.value - m.value.round()).abs() < 1e-6)
                    .cloned()
                    .unwrap_or_default()
            })
            .show(&mut cols[0], |p| {
                p.bar_chart(BarChart::new("Amount", bars).horizontal())
            });
        amount_table(
            &mut cols[1],
            "concept_table",
            &["Concept", "Amount"],
            amounts.iter().map(|(c, a)| vec![c.clone(), money(*a, dp)]).collect(),
        );
    });

    ui.separator();
    let all_fields = fields(inv);
    if field.as_ref().is_none_or(|f| !all_fields.contains(f)) {
        *field = all_fields.first().cloned();
    }
    ui.horizontal(|ui| {
        ui.heading("Share of each value");
        egui::ComboBox::from_label("breakdown field")
            .selected_text(field.clone().unwrap_or_default())
            .show_ui(ui, |ui| {
                for f in &all_fields {
                    ui.selectable_value(field, Some(f.clone()), f);
                }
            });
    });
    if let Some(f) = field.clone() {
        let rows = shares(inv, &f);
        ui.columns(2, |cols| {
            let bars: Vec<Bar> = rows
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    Bar::new(i as f64, plot_value(s.percent))
                        .name(format!("{} ({} %)", s.label, s.percent))
                        .width(0.7)
                })
                .collect();
            let labels: Vec<String> = rows.iter().map(|s| s.label.clone()).collect();
            Plot::new("shares")
                .height((rows.len() as f32 * 26.0).clamp(160.0, 420.0))
                .allow_scroll(false)
                // Each bar is labelled with its value's label, not its index.
                .y_grid_spacer(egui_plot::uniform_grid_spacer(|_| [1.0, 1.0, 1.0]))
                .y_axis_min_width(90.0)
                .y_axis_formatter(move |m, _| {
                    labels
                        .get(m.value.round() as usize)
                        .filter(|_| m.value >= 0.0 && (m.value - m.value.round()).abs() < 1e-6)
                        .cloned()
                        .unwrap_or_default()
                })
                .x_axis_formatter(|m, _| format!("{} %", m.value))
                .show(&mut cols[0], |p| {
                    p.bar_chart(BarChart::new("Share %", bars).horizontal())
                });
            amount_table(
                &mut cols[1],
                "share_table",
                &["Label", "Value", "Amount", "Share"],
                rows.iter()
                    .map(|s| {
                        vec![
                            s.label.clone(),
                            s.value.clone(),
                            money(s.amount, dp),
                            format!("{} %", s.percent),
                        ]
                    })
                    .collect(),
            );
        });
    } else {
        ui.weak("No line of this invoice has a breakdown.");
    }

    ui.separator();
    ui.heading("Daily usage per meter");
    ui.horizontal_wrapped(|ui| {
        for m in &inv.daily {
            let mut on = meters.contains(&m.meter);
            if ui.checkbox(&mut on, &m.meter).changed() {
                if on {
                    meters.push(m.meter.clone());
                } else {
                    meters.retain(|x| x != &m.meter);
                }
            }
        }
    });
    let chosen: Vec<_> = inv.daily.iter().filter(|m| meters.contains(&m.meter)).collect();
    ui.columns(2, |cols| {
        Plot::new("daily")
            .height(240.0)
            .legend(Legend::default())
            .allow_scroll(false)
            .show(&mut cols[0], |p| {
                for m in &chosen {
                    let pts: PlotPoints = m
                        .values
                        .iter()
                        .enumerate()
                        .map(|(d, v)| [d as f64 + 1.0, plot_value(*v)])
                        .collect();
                    p.line(Line::new(format!("{} ({})", m.meter, m.unit), pts));
                }
            });
        let mut headers = vec!["Date".to_string()];
        headers.extend(chosen.iter().map(|m| m.meter.clone()));
        let rows: Vec<Vec<String>> = inv
            .days
            .iter()
            .enumerate()
            .map(|(d, day)| {
                let mut r = vec![day.to_string()];
                r.extend(chosen.iter().map(|m| quantity(m.values[d])));
                r
            })
            .collect();
        let hs: Vec<&str> = headers.iter().map(String::as_str).collect();
        amount_table(&mut cols[1], "daily_table", &hs, rows);
    });
}

/// A small read-only table; every column but the first is right-aligned.
pub fn amount_table(ui: &mut egui::Ui, id: &str, headers: &[&str], rows: Vec<Vec<String>>) {
    let mut tb = TableBuilder::new(ui).id_salt(id).striped(true).max_scroll_height(240.0);
    for _ in headers {
        tb = tb.column(Column::auto().at_least(70.0));
    }
    tb.header(20.0, |mut h| {
        for t in headers {
            h.col(|ui| {
                ui.strong(*t);
            });
        }
    })
    .body(|body| {
        body.rows(18.0, rows.len(), |mut row| {
            let r = &rows[row.index()];
            for (c, text) in r.iter().enumerate() {
                row.col(|ui| {
                    if c == 0 {
                        ui.label(text);
                    } else {
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| ui.label(text));
                    }
                });
            }
        });
    });
}
