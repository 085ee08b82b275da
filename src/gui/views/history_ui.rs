//! The History tab: from the register alone, each OB's issued totals month by month and
//! one concept's quantity and amount per OB, over a chosen range of months.

use egui_plot::{Legend, Line, Plot, PlotPoints};

use super::{money, plot_value};
use crate::model::YearMonth;
use crate::register::{History, Snapshot};

/// The History tab's choices.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistoryChoice {
    pub from: Option<YearMonth>,
    pub to: Option<YearMonth>,
    pub concept: Option<String>,
    /// Amounts of one currency share an axis: the currency whose OBs are charted.
    pub currency: Option<String>,
}

/// The history the tab shows.
pub fn history_of(snapshot: &Snapshot, choice: &HistoryChoice) -> History {
    crate::register::history(&snapshot.heads, &snapshot.lines, choice.from, choice.to)
}

fn points(values: &[Option<rust_decimal::Decimal>]) -> PlotPoints<'static> {
    values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| [i as f64, plot_value(v)]))
        .collect()
}

fn month_axis(months: &[YearMonth]) -> impl Fn(egui_plot::GridMark, &std::ops::RangeInclusive<f64>) -> String + '_ {
    move |mark, _| {
        let i = mark.value.round();
        if (mark.value - i).abs() > 1e-6 || i < 0.0 {
            return String::new();
        }
        months.get(i as usize).map(|m| m.to_string()).unwrap_or_default()
    }
}

/// The History tab; amounts start in `preferred_currency` (the chosen OB's).
pub fn history_ui(
    ui: &mut egui::Ui,
    snapshot: Option<&Snapshot>,
    choice: &mut HistoryChoice,
    preferred_currency: &str,
) {
    let Some(s) = snapshot else {
        ui.weak("No register yet: the history is drawn from issued documents.");
        return;
    };
    let all = crate::register::history(&s.heads, &s.lines, None, None);
    if all.months.is_empty() {
        ui.weak("Nothing issued yet.");
        return;
    }
    let mut currencies: Vec<String> = all.totals.iter().map(|t| t.currency.clone()).collect();
    currencies.sort();
    currencies.dedup();
    if choice.currency.as_ref().is_none_or(|c| !currencies.contains(c)) {
        choice.currency = currencies
            .iter()
            .find(|c| *c == preferred_currency)
            .or(currencies.first())
            .cloned();
    }
    ui.horizontal(|ui| {
        let pick = |ui: &mut egui::Ui, label: &str, value: &mut Option<YearMonth>| {
            ui.label(label);
            egui::ComboBox::from_id_salt(label)
                .selected_text(value.map_or("any".to_string(), |m| m.to_string()))
                .show_ui(ui, |ui| {
                    ui.selectable_value(value, None, "any");
                    for m in &all.months {
                        ui.selectable_value(value, Some(*m), m.to_string());
                    }
                });
        };
        pick(ui, "From", &mut choice.from);
        pick(ui, "To", &mut choice.to);
        ui.label("Currency");
        egui::ComboBox::from_id_salt("history_currency")
            .selected_text(choice.currency.clone().unwrap_or_default())
            .show_ui(ui, |ui| {
                for c in &currencies {
                    ui.selectable_value(&mut choice.currency, Some(c.clone()), c);
                }
            });
    });
    let h = history_of(s, choice);
    let currency = choice.currency.clone().unwrap_or_default();
    ui.strong(format!("Issued totals per OB in {currency}"));
    Plot::new("history_totals")
        .height(220.0)
        .legend(Legend::default())
        .allow_scroll(false)
        .x_axis_formatter(month_axis(&h.months))
        .show(ui, |p| {
            for t in h.totals.iter().filter(|t| t.currency == currency) {
                p.line(Line::new(format!("{} ({})", t.ob, t.currency), points(&t.totals)));
            }
        });
    let mut concepts: Vec<String> = h.rows.iter().map(|r| r.concept.clone()).collect();
    concepts.sort();
    concepts.dedup();
    if choice.concept.as_ref().is_none_or(|c| !concepts.contains(c)) {
        choice.concept = concepts.first().cloned();
    }
    ui.horizontal(|ui| {
        ui.label("Concept");
        egui::ComboBox::from_id_salt("history_concept")
            .selected_text(choice.concept.clone().unwrap_or_default())
            .show_ui(ui, |ui| {
                for c in &concepts {
                    ui.selectable_value(&mut choice.concept, Some(c.clone()), c);
                }
            });
    });
    let chosen: Vec<_> = h
        .rows
        .iter()
        .filter(|r| Some(&r.concept) == choice.concept.as_ref())
        .collect();
    ui.columns(2, |cols| {
        cols[0].strong("Quantity");
        Plot::new("history_quantity")
            .height(200.0)
            .legend(Legend::default())
            .allow_scroll(false)
            .x_axis_formatter(month_axis(&h.months))
            .show(&mut cols[0], |p| {
                for r in &chosen {
                    p.line(Line::new(r.ob.clone(), points(&r.quantities)));
                }
            });
        cols[1].strong(format!("Amount ({currency})"));
        Plot::new("history_amount")
            .height(200.0)
            .legend(Legend::default())
            .allow_scroll(false)
            .x_axis_formatter(month_axis(&h.months))
            .show(&mut cols[1], |p| {
                for r in chosen.iter().filter(|r| r.currency == currency) {
                    p.line(Line::new(r.ob.clone(), points(&r.amounts)));
                }
            });
    });
    egui::Grid::new("history_table").striped(true).show(ui, |ui| {
        ui.strong("OB");
        for m in &h.months {
            ui.strong(m.to_string());
        }
        ui.end_row();
        for t in &h.totals {
            ui.label(format!("{} {}", t.ob, t.currency));
            for v in &t.totals {
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    ui.label(v.map_or("—".to_string(), |v| money(v, t.decimals)))
                });
            }
            ui.end_row();
        }
    });
}
