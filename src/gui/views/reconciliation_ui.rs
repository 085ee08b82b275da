//! The Reconciliation tab: per dataset, in scope = duplicates + excluded + suspended + rated
//! for the OB, and the run-level rows read = unattributable + in scope + out of period.

use super::quantity;
use crate::report::{Invoice, RunReport};

fn n(v: u64) -> String {
    quantity(rust_decimal::Decimal::from(v))
}

/// The OB table's rows: dataset, in scope, duplicates, excluded, suspended, rated, and
/// whether they balance.
pub fn ob_rows(inv: &Invoice) -> Vec<(Vec<String>, bool)> {
    inv.reconciliation
        .iter()
        .map(|r| {
            let mut cells = vec![r.dataset.clone()];
            cells.extend([r.in_scope, r.duplicates, r.excluded, r.suspended, r.rated].map(n));
            (cells, r.balances())
        })
        .collect()
}

/// The whole run's rows: dataset, rows read, unattributable, in scope, out of period, and
/// whether they balance.
pub fn run_rows(report: &RunReport) -> Vec<(Vec<String>, bool)> {
    report
        .run
        .reconciliation()
        .iter()
        .map(|r| {
            let mut cells = vec![r.dataset.clone()];
            cells.extend([r.rows_read, r.unattributable, r.in_scope, r.out_of_period].map(n));
            (cells, r.balanced)
        })
        .collect()
}

/// The outcome of each clickable column of the OB table, after dataset and in scope.
const OUTCOMES: [&str; 4] = ["duplicates", "excluded", "suspended", "rated"];

fn check_ui(ui: &mut egui::Ui, balances: bool) {
    if balances {
        ui.colored_label(egui::Color32::from_rgb(0, 140, 60), "balances");
    } else {
        ui.colored_label(egui::Color32::RED, "DOES NOT BALANCE");
    }
}

pub fn reconciliation_ui(ui: &mut egui::Ui, inv: &Invoice, report: &RunReport) -> Option<super::Command> {
    let mut command = None;
    ui.heading(format!("Reconciliation for {} in {}", inv.ob, inv.period_label));
    ui.label("In scope = duplicates + excluded + suspended + rated. Click a count to list its records.");
    egui::Grid::new("recon_ob")
        .striped(true)
        .num_columns(7)
        .spacing([18.0, 4.0])
        .show(ui, |ui| {
            for h in [
                "Dataset",
                "In scope",
                "Duplicates",
                "Excluded",
                "Suspended",
                "Rated",
                "Check",
            ] {
                ui.strong(h);
            }
            ui.end_row();
            for (cells, balances) in ob_rows(inv) {
                for (i, c) in cells.iter().enumerate() {
                    // Counts right-aligned; the dataset's name as text. The outcome counts
                    // list their records when clicked.
                    if i == 0 {
                        ui.label(c);
                    } else if let Some(outcome) = OUTCOMES.get(i.wrapping_sub(2)) {
                        let clicked = ui
                            .with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                                ui.link(c)
                                    .on_hover_text(format!("List the {outcome} records"))
                                    .clicked()
                            })
                            .inner;
                        if clicked {
                            command = Some(super::Command::ShowRecords(crate::records::Figure::Outcome {
                                dataset: cells[0].clone(),
                                outcome: (*outcome).to_string(),
                            }));
                        }
                    } else {
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| ui.label(c));
                    }
                }
                check_ui(ui, balances);
                ui.end_row();
            }
        });
    ui.add_space(12.0);
    ui.heading("Whole run (all configured OBs)");
    ui.label("Rows read = unattributable + Σ in scope over OBs + out of period");
    egui::Grid::new("recon_run")
        .striped(true)
        .num_columns(6)
        .spacing([18.0, 4.0])
        .show(ui, |ui| {
            for h in [
                "Dataset",
                "Rows read",
                "Unattributable",
                "In scope",
                "Out of period",
                "Check",
            ] {
                ui.strong(h);
            }
            ui.end_row();
            for (cells, balances) in run_rows(report) {
                for (i, c) in cells.iter().enumerate() {
                    // Counts right-aligned; the dataset's name as text.
                    if i == 0 {
                        ui.label(c);
                    } else {
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| ui.label(c));
                    }
                }
                check_ui(ui, balances);
                ui.end_row();
            }
        });
    command
}
