//! The tab bar and the tab being shown, each drawn from the engine's report.

use super::*;

impl WorkbenchApp {
    pub(super) fn tab_ui(&mut self, ui: &mut egui::Ui) -> Option<Command> {
        let Some(report) = self.report().cloned() else {
            ui.weak(match &self.job {
                Some(job) => format!(
                    "{}… The result appears here when it is done; progress is shown below.",
                    job.title
                ),
                None => "Nothing rated yet: load inputs and choose a period.".to_string(),
            });
            return None;
        };
        for w in &report.warnings {
            ui.colored_label(egui::Color32::from_rgb(200, 120, 0), format!("Warning: {w}"));
        }
        let invoice = report.invoices.iter().find(|i| i.ob == self.ob);
        if self.tab != Tab::AllObs && invoice.is_none() {
            match report.errors.iter().find(|e| e.ob == self.ob) {
                Some(e) => {
                    ui.colored_label(
                        egui::Color32::RED,
                        format!("OB {} cannot be invoiced for {}:", self.ob, report.period_label),
                    );
                    ui.label(&e.message);
                }
                None => {
                    ui.weak("Choose an OB.");
                }
            }
            return None;
        }
        let mut command = None;
        match (self.tab, invoice) {
            (Tab::Invoice, Some(inv)) => {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    views::invoice_ui::invoice_ui(ui, inv, &report.issuer, &mut self.selected_line)
                });
            }
            (Tab::Breakdown, Some(inv)) => {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    views::breakdown_ui::breakdown_ui(ui, inv, &mut self.share_field, &mut self.daily_meters)
                });
            }
            (Tab::Meters, Some(inv)) => {
                let info = self.meter_info();
                views::meters_ui::meters_ui(ui, inv, &mut self.meter_sort, &info);
            }
            (Tab::Suspense, Some(inv)) => {
                let entries = if self.suspense.unattributable {
                    &report.run.unattributable_records
                } else {
                    &inv.suspense
                };
                let view = self.suspense_view.view(&report, &self.ob, entries, &self.suspense);
                command = views::suspense_ui::suspense_ui(ui, entries, view, &mut self.suspense);
            }
            (Tab::Reconciliation, Some(inv)) => views::reconciliation_ui::reconciliation_ui(ui, inv, &report),
            (Tab::AllObs, _) => {
                let previous = self.previous_period().and_then(|p| self.reports.get(&p).cloned());
                egui::ScrollArea::both().show(ui, |ui| views::all_obs_ui::all_obs_ui(ui, &report, previous.as_deref()));
            }
            _ => {}
        }
        command
    }

    /// (meter, what it reads, its filter) for the meter inspector.
    pub(super) fn meter_info(&self) -> Vec<(String, String, String)> {
        let Some(l) = &self.loaded else { return Vec::new() };
        l.engine
            .config()
            .meters
            .iter()
            .map(|m| {
                let reads = format!(
                    "{} of {}{} in {}",
                    match m.aggregation {
                        crate::model::config::Aggregation::Count => "count",
                        crate::model::config::Aggregation::Sum => "sum",
                        crate::model::config::Aggregation::CountDistinct => "distinct count",
                        crate::model::config::Aggregation::Max => "max",
                        crate::model::config::Aggregation::Latest => "latest",
                    },
                    m.field.as_deref().unwrap_or("records"),
                    if m.divide_by == rust_decimal::Decimal::ONE {
                        String::new()
                    } else {
                        format!(" / {}", m.divide_by.normalize())
                    },
                    m.dataset
                );
                let filter = m
                    .where_
                    .iter()
                    .map(|c| {
                        format!(
                            "{} in [{}]",
                            c.field,
                            c.values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" and ");
                (
                    m.code.clone(),
                    reads,
                    if filter.is_empty() {
                        "all rated records".into()
                    } else {
                        filter
                    },
                )
            })
            .collect()
    }
}
