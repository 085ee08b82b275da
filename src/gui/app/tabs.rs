//! The tab bar and the tab being shown, each drawn from the engine's report.

use super::*;

impl WorkbenchApp {
    pub(super) fn tab_ui(&mut self, ui: &mut egui::Ui) -> Option<Command> {
        match self.tab {
            Tab::Register => {
                let obs: Vec<String> = self
                    .loaded
                    .as_ref()
                    .map(|l| l.engine.config().obs.iter().map(|o| o.code.clone()).collect())
                    .unwrap_or_default();
                egui::ScrollArea::vertical().show(ui, |ui| {
                    views::register_ui::register_ui(
                        ui,
                        self.register.as_deref(),
                        self.register_error.as_deref(),
                        &obs,
                        &mut self.register_filter,
                    )
                });
                return None;
            }
            Tab::History => {
                let currency = self
                    .loaded
                    .as_ref()
                    .and_then(|l| l.engine.config().ob(&self.ob).map(|o| o.currency.clone()))
                    .unwrap_or_default();
                egui::ScrollArea::vertical().show(ui, |ui| {
                    views::history_ui::history_ui(ui, self.register.as_deref(), &mut self.history, &currency)
                });
                return None;
            }
            _ => {}
        }
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
        if !matches!(self.tab, Tab::AllObs | Tab::Files) && invoice.is_none() {
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
                let state = views::register_ui::issue_state(self.register.as_deref(), inv);
                command = views::register_ui::state_ui(ui, &state);
                let shown = egui::ScrollArea::vertical().show(ui, |ui| {
                    views::invoice_ui::invoice_ui(ui, inv, &report.issuer, &mut self.selected_line)
                });
                command = command.or(shown.inner);
            }
            (Tab::Breakdown, Some(inv)) => {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    views::breakdown_ui::breakdown_ui(ui, inv, &mut self.share_field, &mut self.daily_meters)
                });
            }
            (Tab::Meters, Some(inv)) => {
                let info = self.meter_info();
                command = views::meters_ui::meters_ui(ui, inv, &mut self.meter_sort, &info);
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
            (Tab::Reconciliation, Some(inv)) => {
                command = views::reconciliation_ui::reconciliation_ui(ui, inv, &report);
            }
            (Tab::Files, _) => views::files_ui::files_ui(ui, &report, &mut self.files_sort),
            (Tab::AllObs, _) => {
                let key = (
                    Arc::as_ptr(&report) as usize,
                    self.previous_period()
                        .and_then(|p| self.reports.get(&p))
                        .map(|r| Arc::as_ptr(r) as usize),
                    self.register.as_ref().map(|r| Arc::as_ptr(r) as usize),
                );
                if self.matrix_cache.as_ref().is_none_or(|(k, _, _)| *k != key) {
                    let previous = self.previous_figures();
                    let m = views::all_obs_ui::matrix(&report, previous.as_ref());
                    self.matrix_cache = Some((key, Arc::new(m), previous.map(|p| p.issued)));
                }
                if let Some((_, m, issued)) = self.matrix_cache.clone() {
                    egui::ScrollArea::both().show(ui, |ui| views::all_obs_ui::all_obs_ui(ui, &report, &m, issued));
                }
            }
            _ => {}
        }
        command
    }

    /// The previous period's figures for the All OBs change: the rated report, or the
    /// issued documents when that month has no usage loaded.
    pub(super) fn previous_figures(&self) -> Option<views::all_obs_ui::Previous> {
        let p = self.previous_period()?;
        let rated = self.reports.get(&p)?;
        let has_data = rated.run.in_scope.values().any(|n| *n > 0);
        if !has_data
            && let (Period::Month(m), Some(s)) = (p, self.register.as_deref())
            && let Some(issued) = views::all_obs_ui::Previous::of_register(s, m)
        {
            return Some(issued);
        }
        Some(views::all_obs_ui::Previous::of_report(rated))
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
