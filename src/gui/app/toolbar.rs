//! The toolbar (inputs, OB, period, exports) and the status line under it.

use super::*;

impl WorkbenchApp {
    pub(super) fn toolbar_ui(&mut self, ui: &mut egui::Ui) -> Option<Command> {
        let mut command = None;
        ui.horizontal_wrapped(|ui| {
            ui.strong("Billing Workbench");
            ui.separator();
            let config = self.loaded.as_ref().map(|l| l.engine.config());
            let current = config
                .and_then(|c| c.ob(&self.ob))
                .map(|o| format!("{} — {} ({})", o.code, o.name, o.currency))
                .unwrap_or_else(|| "choose".into());
            let obs = config.map_or(&[][..], |c| c.obs.as_slice());
            let search = &mut self.ob_search;
            egui::ComboBox::from_label("OB")
                .width(300.0)
                .height(420.0)
                .selected_text(current)
                .show_ui(ui, |ui| {
                    // Thousands of OBs (an OB table): typed search, and only the rows in
                    // view are laid out.
                    let field = ui.add(
                        egui::TextEdit::singleline(search)
                            .hint_text("Search code or name")
                            .desired_width(280.0),
                    );
                    if obs.len() > 12 {
                        field.request_focus();
                    }
                    let shown = crate::gui::views::ob_matches(obs, search);
                    ui.weak(format!("{} of {} OBs", shown.len(), obs.len()));
                    let row_height = ui.spacing().interact_size.y;
                    egui::ScrollArea::vertical().max_height(360.0).show_rows(
                        ui,
                        row_height,
                        shown.len(),
                        |ui, range| {
                            for o in &shown[range] {
                                if ui
                                    .selectable_label(
                                        o.code == self.ob,
                                        format!("{} — {} ({})", o.code, o.name, o.currency),
                                    )
                                    .clicked()
                                {
                                    command = Some(Command::SelectOb(o.code.clone()));
                                    ui.close();
                                }
                            }
                        },
                    );
                });
            ui.separator();
            ui.label("Period");
            if ui.button("< Prev").on_hover_text("Previous month (Alt+Left)").clicked() {
                command = Some(Command::PreviousPeriod);
            }
            ui.strong(self.period.label());
            if ui.button("Next >").on_hover_text("Next month (Alt+Right)").clicked() {
                command = Some(Command::NextPeriod);
            }
            ui.checkbox(&mut self.custom_range, "Custom range");
            if self.custom_range {
                ui.add(
                    egui::TextEdit::singleline(&mut self.range_text.0)
                        .hint_text("from YYYY-MM-DD")
                        .desired_width(96.0),
                );
                ui.add(
                    egui::TextEdit::singleline(&mut self.range_text.1)
                        .hint_text("to YYYY-MM-DD")
                        .desired_width(96.0),
                );
                let parse = |s: &str| chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
                let range = parse(&self.range_text.0)
                    .zip(parse(&self.range_text.1))
                    .filter(|(f, t)| f <= t);
                if ui.add_enabled(range.is_some(), egui::Button::new("Apply")).clicked()
                    && let Some((from, to)) = range
                {
                    command = Some(Command::SetRange { from, to });
                }
            }
            ui.separator();
            let can_export = self.invoice().is_some() && self.job.is_none();
            if ui
                .add_enabled(can_export, egui::Button::new("Export invoice…"))
                .on_hover_text("Ctrl+E")
                .clicked()
            {
                command = Some(Command::ExportInvoice);
            }
            if ui
                .add_enabled(
                    self.report().is_some() && self.job.is_none(),
                    egui::Button::new("Export all OBs…"),
                )
                .on_hover_text("Ctrl+Shift+E")
                .clicked()
            {
                command = Some(Command::ExportAll);
            }
            ui.separator();
            if ui
                .button(if self.settings.dark {
                    "Light theme"
                } else {
                    "Dark theme"
                })
                .clicked()
            {
                command = Some(Command::ToggleTheme);
            }
            if ui.button("Shortcuts (F1)").clicked() {
                command = Some(Command::ToggleShortcuts);
            }
        });
        command
    }

    pub(super) fn status_ui(&mut self, ui: &mut egui::Ui) -> Option<Command> {
        let mut command = None;
        ui.horizontal(|ui| {
            if let Some(job) = &self.job {
                ui.label(&job.title);
                let f = job.progress.fraction();
                ui.add(egui::ProgressBar::new(f).desired_width(220.0).show_percentage());
                ui.label(format!("{:.1} s", job.started.elapsed().as_secs_f32()));
                if ui.button("Cancel").clicked() {
                    command = Some(Command::Cancel);
                }
            } else {
                ui.label(&self.status);
            }
            if let Some(dir) = self.exported_to.clone()
                && self.job.is_none()
                && ui.button("Open folder").clicked()
            {
                command = Some(Command::OpenFolder(dir));
            }
            if let Some(e) = &self.error {
                ui.colored_label(egui::Color32::RED, e);
            }
        });
        command
    }
}
