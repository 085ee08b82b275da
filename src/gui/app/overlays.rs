//! Windows drawn over the tabs: the keyboard shortcuts (F1) and a record's trace, which
//! reads the export again on a worker thread (README, "Tracing a record").

use super::*;

/// The trace asked for from the Suspense tab: running, or its text.
#[derive(Default)]
pub(super) struct TraceState {
    title: String,
    rx: Option<std::sync::mpsc::Receiver<Result<String, String>>>,
    result: Option<Result<String, String>>,
}

impl WorkbenchApp {
    /// Traces record `id` of `dataset` in the period on screen, off the UI thread.
    pub(super) fn start_trace(&mut self, dataset: String, id: String) {
        let (data, config) = (self.data_dir(), self.config_path());
        let period = self.period;
        let (tx, rx) = std::sync::mpsc::channel();
        self.trace = TraceState {
            title: format!("Trace of {id} ({dataset})"),
            rx: Some(rx),
            result: None,
        };
        std::thread::spawn(move || {
            let traced = crate::import::load_config(&config)
                .map_err(|e| e.to_string())
                .and_then(|c| {
                    crate::trace::trace(&data, &c, &id, Some(&dataset), Some(&period)).map_err(|e| e.to_string())
                })
                .map(|t| t.render());
            let _ = tx.send(traced);
        });
    }

    /// Waits for the trace being made (tests; the window polls instead).
    pub fn wait_for_trace(&mut self) {
        if let Some(rx) = self.trace.rx.take() {
            self.trace.result = rx.recv().ok();
        }
    }

    /// The text of the last trace, once made.
    pub fn trace_text(&self) -> Option<&str> {
        match &self.trace.result {
            Some(Ok(t)) => Some(t),
            Some(Err(e)) => Some(e),
            None => None,
        }
    }

    pub(super) fn overlays(&mut self, ctx: &egui::Context) {
        self.records_window(ctx);
        if self.show_shortcuts {
            let mut open = true;
            egui::Window::new("Keyboard shortcuts")
                .open(&mut open)
                .collapsible(false)
                .resizable(false)
                .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
                .show(ctx, |ui| {
                    egui::Grid::new("shortcuts").striped(true).show(ui, |ui| {
                        for (keys, what) in views::SHORTCUTS {
                            ui.strong(*keys);
                            ui.label(*what);
                            ui.end_row();
                        }
                    });
                });
            self.show_shortcuts = open;
        }
        if let Some(rx) = &self.trace.rx {
            match rx.try_recv() {
                Ok(r) => {
                    self.trace.result = Some(r);
                    self.trace.rx = None;
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => ctx.request_repaint_after(PROGRESS_REPAINT),
                Err(std::sync::mpsc::TryRecvError::Disconnected) => self.trace.rx = None,
            }
        }
        if self.trace.title.is_empty() {
            return;
        }
        let mut open = true;
        egui::Window::new(self.trace.title.clone())
            .open(&mut open)
            .collapsible(false)
            .default_width(720.0)
            .show(ctx, |ui| match &self.trace.result {
                None => {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Reading the export again…");
                    });
                }
                Some(Ok(text)) => {
                    egui::ScrollArea::vertical().max_height(420.0).show(ui, |ui| {
                        ui.add(egui::Label::new(egui::RichText::new(text).monospace()).wrap());
                    });
                }
                Some(Err(e)) => {
                    ui.colored_label(egui::Color32::RED, e);
                }
            });
        if !open {
            self.trace = TraceState::default();
        }
    }
}
