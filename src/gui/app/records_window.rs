//! The records behind an invoice line (README, "The records behind a figure"): read again
//! from the export on a worker thread, shown in a virtual table with their total beside
//! the line's quantity, exported as CSV, and closed back to the line.

use super::*;

/// The listing asked for from the Invoice tab: running, or done.
#[derive(Default)]
pub(super) struct RecordsState {
    concept: String,
    /// The line's quantity as the invoice shows it.
    figure: String,
    rx: Option<std::sync::mpsc::Receiver<Result<crate::records::Listing, String>>>,
    result: Option<Result<crate::records::Listing, String>>,
}

impl WorkbenchApp {
    /// Lists the records behind line `concept` of the OB and period on screen.
    pub(super) fn start_records(&mut self, concept: String) {
        let figure = self
            .invoice()
            .and_then(|i| i.lines.iter().find(|l| l.concept == concept))
            .map(|l| crate::model::money::plain_string(l.quantity))
            .unwrap_or_default();
        let (data, config, ob, period) = (self.data_dir(), self.config_path(), self.ob.clone(), self.period);
        let (tx, rx) = std::sync::mpsc::channel();
        let line = crate::records::Figure::Line {
            concept: concept.clone(),
        };
        std::thread::spawn(move || {
            let listed = crate::import::load_config(&config)
                .map_err(|e| e.to_string())
                .and_then(|c| crate::records::list(&data, &c, &ob, &period, &line).map_err(|e| e.to_string()));
            let _ = tx.send(listed);
        });
        self.records = RecordsState {
            concept,
            figure,
            rx: Some(rx),
            result: None,
        };
    }

    /// Waits for the listing being made (tests; the window polls instead).
    pub fn wait_for_records(&mut self) {
        if let Some(rx) = self.records.rx.take() {
            self.records.result = rx.recv().ok();
        }
    }

    /// The records listed, once done.
    pub fn records_listing(&self) -> Option<&crate::records::Listing> {
        self.records.result.as_ref().and_then(|r| r.as_ref().ok())
    }

    pub(super) fn records_window(&mut self, ctx: &egui::Context) {
        if let Some(rx) = &self.records.rx {
            match rx.try_recv() {
                Ok(r) => {
                    self.records.result = Some(r);
                    self.records.rx = None;
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => ctx.request_repaint_after(PROGRESS_REPAINT),
                Err(std::sync::mpsc::TryRecvError::Disconnected) => self.records.rx = None,
            }
        }
        if self.records.concept.is_empty() {
            return;
        }
        let mut open = true;
        let mut back = false;
        let mut export = false;
        egui::Window::new(format!("Records behind {} of {}", self.records.concept, self.ob))
            .open(&mut open)
            .default_size([900.0, 480.0])
            .show(ctx, |ui| match &self.records.result {
                None => {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Reading the export again…");
                    });
                }
                Some(Err(e)) => {
                    ui.colored_label(egui::Color32::RED, e);
                }
                Some(Ok(l)) => {
                    let adds_up = l.total == self.records.figure;
                    ui.label(format!(
                        "{} records: {} = {}; the line shows {}: {}",
                        l.rows.len(),
                        l.how,
                        l.total,
                        self.records.figure,
                        if adds_up { "they add up" } else { "THEY DO NOT ADD UP" }
                    ));
                    ui.horizontal(|ui| {
                        back = ui.button("Back to the line").clicked();
                        export = ui.button("Export CSV…").clicked();
                    });
                    records_table(ui, l);
                }
            });
        if export {
            self.export_records();
        }
        if back || !open {
            self.selected_line = Some(self.records.concept.clone());
            self.tab = Tab::Invoice;
            self.records = RecordsState::default();
        }
    }

    fn export_records(&mut self) {
        let Some(l) = self.records_listing() else { return };
        let Some(dir) = self.picker.export_folder() else { return };
        let name = format!(
            "{}-{}-{}-records.csv",
            self.ob,
            self.records.concept,
            self.period.label()
        );
        let path = dir.join(name);
        let written = l
            .csv()
            .map_err(|e| e.to_string())
            .and_then(|bytes| crate::output::xlsx::write_atomically(&path, &bytes, true).map_err(|e| e.to_string()));
        match written {
            Ok(()) => self.status = format!("Wrote {}", path.display()),
            Err(e) => self.error = Some(e),
        }
    }
}

/// The listing as a virtual table: only the rows on screen are laid out.
fn records_table(ui: &mut egui::Ui, l: &crate::records::Listing) {
    use egui_extras::{Column, TableBuilder};
    egui::ScrollArea::horizontal().show(ui, |ui| {
        let mut table = TableBuilder::new(ui).striped(true).max_scroll_height(380.0);
        for _ in &l.columns {
            table = table.column(Column::auto().at_least(70.0).clip(true));
        }
        table
            .header(20.0, |mut h| {
                for c in &l.columns {
                    h.col(|ui| {
                        ui.strong(c);
                    });
                }
            })
            .body(|body| {
                body.rows(18.0, l.rows.len(), |mut row| {
                    let cells = &l.rows[row.index()];
                    for (i, c) in cells.iter().enumerate() {
                        row.col(|ui| {
                            let shown = if i == 1 {
                                std::path::Path::new(c)
                                    .file_name()
                                    .map_or(c.clone(), |n| n.to_string_lossy().into_owned())
                            } else {
                                c.clone()
                            };
                            ui.add(egui::Label::new(shown).truncate()).on_hover_text(c);
                        });
                    }
                });
            });
    });
}
