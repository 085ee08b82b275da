//! The Reconciliation tab: per dataset, in scope = duplicates + excluded + suspended + rated
//! for the OB, and the run-level rows read = unattributable + in scope + out of period.

use super::quantity;
use crate::report::{Invoice, RunReport};

/// One run-level row: (dataset, rows read, unattributable, in scope, out of period, balanced).
pub fn run_rows(report: &RunReport) -> Vec<(String, u64, u64, u64, u64, bool)> {
    report
        .run
        .rows_read
        .iter()
        .map(|(ds, read)| {
            let u = report.run.unattributable_by_dataset.get(ds).copied().unwrap_or(0);
            let s = report.run.in_scope.get(ds).copied().unwrap_or(0);
            let o = report.run.out_of_period.get(ds).copied().unwrap_or(0);
            (ds.clone(), *read, u, s, o, *read == u + s + o)
        })
        .collect()
}

fn n(v: u64) -> String {
    quantity(rust_decimal::Decimal::from(v))
}

pub fn reconciliation_ui(ui: &mut egui::Ui, inv: &Invoice, report: &RunReport) {
    ui.heading(format!("Reconciliation for {} in {}", inv.ob, inv.period_label));
    ui.label("In scope = duplicates + excluded + suspended + rated");
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
            for r in &inv.reconciliation {
                ui.label(&r.dataset);
                for v in [r.in_scope, r.duplicates, r.excluded, r.suspended, r.rated] {
                    ui.label(n(v));
                }
                if r.balances() {
                    ui.colored_label(egui::Color32::from_rgb(0, 140, 60), "balances");
                } else {
                    ui.colored_label(egui::Color32::RED, "DOES NOT BALANCE");
                }
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
            for (ds, read, u, s, o, ok) in run_rows(report) {
                ui.label(ds);
                for v in [read, u, s, o] {
                    ui.label(n(v));
                }
                if ok {
                    ui.colored_label(egui::Color32::from_rgb(0, 140, 60), "balances");
                } else {
                    ui.colored_label(egui::Color32::RED, "DOES NOT BALANCE");
                }
                ui.end_row();
            }
        });
}
