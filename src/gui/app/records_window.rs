//! The records behind a figure (README, "The records behind a figure"): an invoice line or
//! one of its breakdown rows, a day of the meter inspector, or a reconciliation cell. The
//! export is read again on a worker thread; rows appear as they are found, in a virtual
//! table with their total beside the figure, can be exported as CSV or Parquet, traced
//! one by one, and the window closes back to where it was opened.

use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{Receiver, TryRecvError};

use super::*;
use crate::records::{Figure, Listing};

/// What the worker sends while it reads the export.
enum Found {
    Columns(Vec<String>),
    Rows(Vec<Vec<String>>),
    /// The total and how it was worked out, or why the records could not be listed.
    Done(Result<(String, String), String>),
}

/// The listing asked for: running (rows arriving), or done.
#[derive(Default)]
pub(super) struct RecordsState {
    figure: Option<Figure>,
    /// The figure as the tab shows it (plain decimal text).
    expected: String,
    /// The tab it was opened from, to go back to.
    origin: Option<Tab>,
    /// The OB and period listed (the window keeps them if another is picked meanwhile).
    ob: String,
    period_label: String,
    listing: Listing,
    rx: Option<Receiver<Found>>,
    cancel: Arc<AtomicBool>,
    done: Option<Result<(), String>>,
    started: Option<std::time::Instant>,
    /// Seconds until the first rows arrived, and until all had.
    first_rows: Option<f64>,
    finished: Option<f64>,
}

impl WorkbenchApp {
    /// Lists the records behind `figure` of the OB and period on screen.
    #[allow(clippy::disallowed_methods)] // the window times the listing for its status line
    pub(super) fn start_records(&mut self, figure: Figure) {
        self.records.cancel.store(true, Ordering::Relaxed);
        if let Figure::Line { concept } | Figure::Breakdown { concept, .. } = &figure {
            self.selected_line = Some(concept.clone());
        }
        let expected = self
            .invoice()
            .and_then(|inv| crate::records::figure_value(inv, &figure))
            .map(crate::model::money::plain_string)
            .unwrap_or_default();
        let (data, config, ob, period) = (self.data_dir(), self.config_path(), self.ob.clone(), self.period);
        let (tx, rx) = std::sync::mpsc::channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let stop = cancel.clone();
        let wanted = figure.clone();
        std::thread::spawn(move || {
            let run = || -> Result<(String, String), String> {
                let config = crate::import::load_config(&config).map_err(|e| e.to_string())?;
                let scan =
                    crate::records::Scan::new(&data, &config, &ob, &period, &wanted).map_err(|e| e.to_string())?;
                let _ = tx.send(Found::Columns(scan.columns.clone()));
                let rows_tx = std::sync::Mutex::new(tx.clone());
                scan.run(
                    &|rows| {
                        if !rows.is_empty() {
                            let _ = rows_tx.lock().map(|t| t.send(Found::Rows(rows)));
                        }
                    },
                    &|| stop.load(Ordering::Relaxed),
                )
                .map_err(|e| e.to_string())
            };
            let result = run();
            let _ = tx.send(Found::Done(result));
        });
        self.records = RecordsState {
            figure: Some(figure),
            expected,
            origin: Some(self.tab),
            ob: self.ob.clone(),
            period_label: self.period.label(),
            rx: Some(rx),
            cancel,
            started: Some(std::time::Instant::now()),
            ..RecordsState::default()
        };
    }

    /// Waits for the listing being made (tests; the window polls instead).
    pub fn wait_for_records(&mut self) {
        while self.records.done.is_none() && self.records.rx.is_some() {
            self.receive_records(true);
        }
    }

    /// The records listed, once all are.
    pub fn records_listing(&self) -> Option<&Listing> {
        matches!(self.records.done, Some(Ok(()))).then_some(&self.records.listing)
    }

    /// Why the records could not be listed, if they could not; which figure is listed.
    pub fn records_status(&self) -> (Option<&Figure>, Option<&str>) {
        let problem = match &self.records.done {
            Some(Err(e)) => Some(e.as_str()),
            _ => None,
        };
        (self.records.figure.as_ref(), problem)
    }

    /// Takes what the worker sent; `block`: wait for the next message.
    fn receive_records(&mut self, block: bool) {
        let Some(rx) = &self.records.rx else { return };
        let mut messages = Vec::new();
        if block {
            match rx.recv() {
                Ok(m) => messages.push(m),
                Err(_) => self.records.done = Some(Err("the listing stopped".into())),
            }
        }
        loop {
            match rx.try_recv() {
                Ok(m) => messages.push(m),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.records.rx = None;
                    break;
                }
            }
        }
        let elapsed = self.records.started.map(|s| s.elapsed().as_secs_f64());
        for m in messages {
            let r = &mut self.records;
            match m {
                Found::Columns(c) => r.listing.columns = c,
                Found::Rows(rows) => {
                    r.first_rows = r.first_rows.or(elapsed);
                    r.listing.rows.extend(rows);
                }
                Found::Done(Ok((total, how))) => {
                    r.listing.total = total;
                    r.listing.how = how;
                    r.finished = elapsed;
                    r.done = Some(Ok(()));
                }
                Found::Done(Err(e)) => r.done = Some(Err(e)),
            }
        }
    }

    pub(super) fn records_window(&mut self, ctx: &egui::Context) {
        self.receive_records(false);
        let Some(figure) = self.records.figure.clone() else {
            return;
        };
        if self.records.done.is_none() {
            ctx.request_repaint_after(PROGRESS_REPAINT);
        }
        let mut open = true;
        let mut action = None;
        egui::Window::new(format!(
            "Records behind {} of {} in {}",
            figure.label(),
            self.records.ob,
            self.records.period_label
        ))
        .open(&mut open)
        .default_size([900.0, 480.0])
        .show(ctx, |ui| action = self.records_ui(ui, &figure));
        match action {
            Some(Action::Export { parquet }) => self.export_records(&figure, parquet),
            Some(Action::Trace(dataset, id)) => self.start_trace(dataset, id),
            Some(Action::Cancel) => self.records.cancel.store(true, Ordering::Relaxed),
            Some(Action::Back) => self.close_records(&figure),
            None if !open => self.close_records(&figure),
            None => {}
        }
    }

    fn records_ui(&self, ui: &mut egui::Ui, figure: &Figure) -> Option<Action> {
        let r = &self.records;
        let l = &r.listing;
        let mut action = None;
        match &r.done {
            None => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(format!("Reading the export again… {} records so far", l.rows.len()));
                    if ui.button("Cancel").clicked() {
                        action = Some(Action::Cancel);
                    }
                });
            }
            Some(Err(e)) => {
                ui.colored_label(egui::Color32::RED, e);
            }
            Some(Ok(())) => {
                let adds_up = l.total == r.expected;
                let text = format!(
                    "{} records: {} = {}; the figure shows {}: {}",
                    l.rows.len(),
                    l.how,
                    l.total,
                    r.expected,
                    if adds_up { "they add up" } else { "THEY DO NOT ADD UP" }
                );
                if adds_up {
                    ui.label(text);
                } else {
                    ui.colored_label(egui::Color32::RED, text);
                }
                if let (Some(first), Some(all)) = (r.first_rows, r.finished) {
                    ui.weak(format!("First records after {first:.1} s, all after {all:.1} s."));
                }
            }
        }
        ui.horizontal(|ui| {
            if ui.button(back_label(figure)).clicked() {
                action = Some(Action::Back);
            }
            let done = matches!(r.done, Some(Ok(())));
            if ui.add_enabled(done, egui::Button::new("Export CSV…")).clicked() {
                action = Some(Action::Export { parquet: false });
            }
            if ui.add_enabled(done, egui::Button::new("Export Parquet…")).clicked() {
                action = Some(Action::Export { parquet: true });
            }
        });
        if !l.columns.is_empty()
            && let Some(t) = records_table(ui, l)
        {
            action = Some(t);
        }
        action
    }

    /// Closes the listing and goes back to the figure it explains.
    fn close_records(&mut self, figure: &Figure) {
        self.records.cancel.store(true, Ordering::Relaxed);
        if let Figure::Line { concept } | Figure::Breakdown { concept, .. } = figure {
            self.selected_line = Some(concept.clone());
        }
        if let Some(tab) = self.records.origin {
            self.tab = tab;
        }
        self.records = RecordsState::default();
    }

    fn export_records(&mut self, figure: &Figure, parquet: bool) {
        let Some(l) = self.records_listing() else { return };
        let Some(dir) = self.picker.export_folder() else { return };
        let extension = if parquet { "parquet" } else { "csv" };
        let name = format!(
            "{}-{}-{}-records.{extension}",
            self.records.ob,
            figure.slug(),
            self.records.period_label
        );
        let path = dir.join(name);
        let bytes = if parquet {
            l.parquet().map_err(|e| e.to_string())
        } else {
            l.csv().map_err(|e| e.to_string())
        };
        let written = bytes
            .and_then(|bytes| crate::output::xlsx::write_atomically(&path, &bytes, true).map_err(|e| e.to_string()));
        match written {
            Ok(()) => self.status = format!("Wrote {}", path.display()),
            Err(e) => self.error = Some(e),
        }
    }
}

/// What the records window asks for.
enum Action {
    Back,
    Cancel,
    Export {
        parquet: bool,
    },
    /// Trace the record (dataset, id).
    Trace(String, String),
}

/// A figure written for `BW_START_RECORDS` (screenshots): `CONCEPT`, `CONCEPT:FIELD=VALUE`,
/// `METER@YYYY-MM-DD` or `DATASET/OUTCOME`.
pub(super) fn figure_named(text: &str) -> Figure {
    if let Some((dataset, outcome)) = text.split_once('/') {
        return Figure::Outcome {
            dataset: dataset.into(),
            outcome: outcome.into(),
        };
    }
    if let Some((meter, date)) = text.split_once('@')
        && let Ok(date) = date.parse()
    {
        return Figure::Day {
            meter: meter.into(),
            date,
        };
    }
    match text.split_once(':').and_then(|(c, b)| Some((c, b.split_once('=')?))) {
        Some((concept, (field, value))) => Figure::Breakdown {
            concept: concept.into(),
            field: field.into(),
            value: Some(value.into()),
        },
        None => Figure::Line { concept: text.into() },
    }
}

fn back_label(figure: &Figure) -> &'static str {
    match figure {
        Figure::Line { .. } | Figure::Breakdown { .. } => "Back to the line",
        Figure::Day { .. } => "Back to the meters",
        Figure::Outcome { .. } => "Back to the reconciliation",
    }
}

/// The listing as a virtual table: only the rows on screen are laid out. Each row has a
/// *Trace* button.
fn records_table(ui: &mut egui::Ui, l: &Listing) -> Option<Action> {
    use egui_extras::{Column, TableBuilder};
    let mut action = None;
    egui::ScrollArea::horizontal().show(ui, |ui| {
        let mut table = TableBuilder::new(ui)
            .striped(true)
            .max_scroll_height(380.0)
            .column(Column::auto().at_least(50.0));
        for c in &l.columns {
            // Room for a part file's name, a 36-character id and an RFC 3339 time.
            let width = match c.as_str() {
                "file" => 140.0,
                "id" => 260.0,
                "local_time" => 190.0,
                _ => 70.0,
            };
            table = table.column(Column::auto().at_least(width).clip(true));
        }
        table
            .header(20.0, |mut h| {
                h.col(|_| {});
                for c in &l.columns {
                    h.col(|ui| {
                        ui.strong(c);
                    });
                }
            })
            .body(|body| {
                body.rows(20.0, l.rows.len(), |mut row| {
                    let cells = &l.rows[row.index()];
                    row.col(|ui| {
                        if ui
                            .small_button("Trace")
                            .on_hover_text("What became of this record, and every other record with its id")
                            .clicked()
                        {
                            action = Some(Action::Trace(cells[0].clone(), cells[3].clone()));
                        }
                    });
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
    action
}
