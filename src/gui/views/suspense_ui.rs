//! The Suspense tab: suspended and unattributable records, filterable by code and dataset,
//! with counts by code; a record can be discarded with a reason (kept next to the data).

use std::collections::BTreeMap;

use egui_extras::{Column, TableBuilder};

use super::Command;
use crate::report::SuspenseEntry;

/// The filter the user chose; empty means any.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SuspenseFilter {
    pub code: String,
    pub dataset: String,
    pub text: String,
    /// Include run-level unattributable records.
    pub unattributable: bool,
    /// The record being discarded and the reason typed so far.
    pub discarding: Option<(String, String, String)>,
}

/// Indices of the entries that pass the filter.
pub fn filter(entries: &[SuspenseEntry], f: &SuspenseFilter) -> Vec<usize> {
    let text = f.text.to_lowercase();
    entries
        .iter()
        .enumerate()
        .filter(|(_, e)| f.code.is_empty() || e.code == f.code)
        .filter(|(_, e)| f.dataset.is_empty() || e.dataset == f.dataset)
        .filter(|(_, e)| {
            text.is_empty() || e.record_id.to_lowercase().contains(&text) || e.value.to_lowercase().contains(&text)
        })
        .map(|(i, _)| i)
        .collect()
}

/// Records per code.
pub fn counts(entries: &[SuspenseEntry]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for e in entries {
        *out.entry(e.code.clone()).or_default() += 1;
    }
    out
}

pub fn suspense_ui(ui: &mut egui::Ui, entries: &[SuspenseEntry], f: &mut SuspenseFilter) -> Option<Command> {
    let mut command = None;
    ui.heading("Suspense");
    ui.horizontal_wrapped(|ui| {
        for (code, n) in counts(entries) {
            ui.label(format!("{code}: {n}"));
        }
        ui.separator();
        ui.label(format!("{} record(s)", entries.len()));
    });
    let codes: Vec<String> = counts(entries).into_keys().collect();
    let mut datasets: Vec<String> = entries.iter().map(|e| e.dataset.clone()).collect();
    datasets.sort();
    datasets.dedup();
    ui.horizontal(|ui| {
        egui::ComboBox::from_label("Code")
            .selected_text(if f.code.is_empty() { "any" } else { &f.code })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut f.code, String::new(), "any");
                for c in &codes {
                    ui.selectable_value(&mut f.code, c.clone(), c);
                }
            });
        egui::ComboBox::from_label("Dataset")
            .selected_text(if f.dataset.is_empty() { "any" } else { &f.dataset })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut f.dataset, String::new(), "any");
                for d in &datasets {
                    ui.selectable_value(&mut f.dataset, d.clone(), d);
                }
            });
        ui.label("Search");
        ui.add(egui::TextEdit::singleline(&mut f.text).hint_text("record id or value"));
        ui.checkbox(&mut f.unattributable, "Unattributable (run level)");
    });
    if let Some((dataset, id, reason)) = &mut f.discarding {
        let (dataset, id) = (dataset.clone(), id.clone());
        ui.horizontal(|ui| {
            ui.label(format!("Discard {id} ({dataset}) because:"));
            ui.text_edit_singleline(reason);
            if ui
                .add_enabled(!reason.trim().is_empty(), egui::Button::new("Confirm discard"))
                .clicked()
            {
                command = Some(Command::Discard {
                    dataset: dataset.clone(),
                    record_id: id.clone(),
                    reason: reason.trim().to_string(),
                });
            }
        });
        if command.is_some() || ui.button("Cancel discard").clicked() {
            f.discarding = None;
        }
    }
    ui.weak("Fix the inputs (for example add a missing dimension entry) and press Reload to rate these records again.");
    let shown = filter(entries, f);
    // Wider than the window: scroll sideways (the table scrolls its rows itself).
    egui::ScrollArea::horizontal().id_salt("suspense_wide").show(ui, |ui| {
        TableBuilder::new(ui)
            .id_salt("suspense_table")
            .striped(true)
            .resizable(true)
            // The decision first, so it stays in view however wide the rest is.
            .column(Column::auto().at_least(110.0))
            .column(Column::auto().at_least(165.0).clip(true))
            .column(Column::auto().at_least(120.0).clip(true))
            .column(Column::auto().at_least(200.0).clip(true))
            .column(Column::auto().at_least(90.0).clip(true))
            .column(Column::auto().at_least(90.0).clip(true))
            .column(Column::remainder().at_least(200.0).clip(true))
            .header(22.0, |mut h| {
                for t in ["Decision", "Code", "Dataset", "Record id", "Field", "Value", "Message"] {
                    h.col(|ui| {
                        ui.strong(t);
                    });
                }
            })
            // Virtual scrolling: only the visible rows are laid out, so a million records scroll smoothly.
            .body(|body| {
                body.rows(20.0, shown.len(), |mut row| {
                    let e = &entries[shown[row.index()]];
                    row.col(|ui| match &e.discarded {
                        Some(reason) => {
                            if ui
                                .small_button("Undo")
                                .on_hover_text(format!("Discarded: {reason}"))
                                .clicked()
                            {
                                command = Some(Command::Undiscard {
                                    dataset: e.dataset.clone(),
                                    record_id: e.record_id.clone(),
                                });
                            }
                            ui.weak(reason);
                        }
                        None => {
                            if ui.small_button("Discard…").clicked() {
                                f.discarding = Some((e.dataset.clone(), e.record_id.clone(), String::new()));
                            }
                        }
                    });
                    for t in [&e.code, &e.dataset, &e.record_id, &e.field, &e.value, &e.message] {
                        row.col(|ui| {
                            // Clipped to its column; the whole text on hover.
                            ui.add(egui::Label::new(t.as_str()).truncate())
                                .on_hover_text(t.as_str());
                        });
                    }
                });
            });
    });
    command
}
