//! The window's state and the one place where commands are applied. What is persisted
//! (`Settings`) is kept apart from loaded data, jobs and caches, which are never saved.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde::{Deserialize, Serialize};

use super::job::{Job, JobOutput, Progress};
use super::views::{
    self, Command,
    meters_ui::MeterSort,
    suspense_ui::{SuspenseCache, SuspenseFilter},
};
use crate::discards;
use crate::engine::Selection;
use crate::model::{Period, YearMonth};
use crate::report::{Discard, Invoice, RunReport};
use crate::{Loaded, output};

mod exports;
mod frames;
mod issuing;
mod jobs;
mod overlays;
mod picker;
mod records_window;
mod tabs;
mod toolbar;

use exports::{decided_now, open_folder};
use frames::{FrameStats, frame_stats_wanted};
use jobs::repaint_fn;
pub use picker::{FixedPicker, Picker, RfdPicker};

/// (report, previous report, register) by address, the matrix, and whether the previous
/// period came from the register.
type MatrixCache = (
    (usize, Option<usize>, Option<usize>),
    Arc<views::all_obs_ui::Matrix>,
    Option<bool>,
);

/// What survives a restart.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Settings {
    pub data_dir: Option<PathBuf>,
    pub config: Option<PathBuf>,
    pub ob: Option<String>,
    pub month: Option<String>,
    pub dark: bool,
    /// The tab shown last.
    pub tab: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Invoice,
    Breakdown,
    Meters,
    Suspense,
    Reconciliation,
    Files,
    AllObs,
    Register,
    History,
}

impl Tab {
    pub const ALL: [Tab; 9] = [
        Tab::Invoice,
        Tab::Breakdown,
        Tab::Meters,
        Tab::Suspense,
        Tab::Reconciliation,
        Tab::Files,
        Tab::AllObs,
        Tab::Register,
        Tab::History,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Tab::Invoice => "Invoice",
            Tab::Breakdown => "Breakdown",
            Tab::Meters => "Meters",
            Tab::Suspense => "Suspense",
            Tab::Reconciliation => "Reconciliation",
            Tab::Files => "Files",
            Tab::AllObs => "All OBs",
            Tab::Register => "Register",
            Tab::History => "History",
        }
    }
}

/// The application.
pub struct WorkbenchApp {
    pub settings: Settings,
    picker: Box<dyn Picker>,
    pub loaded: Option<Arc<Loaded>>,
    pub load_error: Option<String>,
    pub period: Period,
    pub ob: String,
    pub tab: Tab,
    reports: HashMap<Period, Arc<RunReport>>,
    job: Option<Job>,
    /// A period asked for while a job was running: rated when it ends.
    pending: Option<Period>,
    pub status: String,
    pub error: Option<String>,
    pub exported_to: Option<PathBuf>,
    discards: Vec<Discard>,
    /// Why the data folder's discards file could not be read: then no decision of it is
    /// applied and none is saved over it, as `invoice` refuses to run on it.
    discards_unreadable: Option<String>,
    pub custom_range: bool,
    range_text: (String, String),
    /// What is typed in the OB picker's search field.
    ob_search: String,
    /// The keyboard-shortcut overlay (F1).
    pub show_shortcuts: bool,
    /// The All OBs matrix of the report, previous period and register it was built from.
    matrix_cache: Option<MatrixCache>,
    selected_line: Option<String>,
    share_field: Option<String>,
    daily_meters: Vec<String>,
    meter_sort: MeterSort,
    files_sort: views::files_ui::FileSort,
    trace: overlays::TraceState,
    records: records_window::RecordsState,
    suspense: SuspenseFilter,
    suspense_view: SuspenseCache,
    theme_applied: Option<bool>,
    /// The register as last read (None: no register yet), and why it could not be read.
    pub register: Option<Arc<crate::register::Snapshot>>,
    pub register_error: Option<String>,
    register_rx: Option<std::sync::mpsc::Receiver<Result<Option<crate::register::Snapshot>, String>>>,
    register_filter: views::register_ui::RegisterFilter,
    history: views::history_ui::HistoryChoice,
    /// What *Issue…* will do, shown for confirmation: per OB.
    pub confirm: Option<Vec<crate::issuing::Outcome>>,
    /// Frames drawn while a job ran and the longest gap between two of them (the window
    /// must never freeze); printed when `BW_FRAME_STATS=1`.
    frames: FrameStats,
}

/// How often the window redraws on its own while a background job runs, to move the
/// progress bar and the elapsed time. Input still redraws at once. Without a GPU (a
/// virtual desktop, or Xvfb here) a frame costs about 0.1 s of CPU, so redrawing
/// continuously (an animated spinner) took one of two cores from the load: 10M events
/// loaded in 18-22 s at 10 frames a second, in 13.5-14.3 s at four.
const PROGRESS_REPAINT: std::time::Duration = std::time::Duration::from_millis(250);

impl WorkbenchApp {
    /// Starts loading the remembered inputs, or the bundled sample data.
    pub fn new(settings: Settings, picker: Box<dyn Picker>) -> WorkbenchApp {
        let month = settings
            .month
            .as_deref()
            .and_then(YearMonth::parse)
            .unwrap_or(YearMonth { year: 2026, month: 10 });
        let start_tab = settings
            .tab
            .as_deref()
            .and_then(|t| Tab::ALL.into_iter().find(|x| x.label() == t))
            .unwrap_or(Tab::Invoice);
        let mut app = WorkbenchApp {
            ob: settings.ob.clone().unwrap_or_default(),
            settings,
            picker,
            loaded: None,
            load_error: None,
            period: Period::Month(month),
            tab: start_tab,
            reports: HashMap::new(),
            job: None,
            pending: None,
            status: String::new(),
            error: None,
            exported_to: None,
            discards: Vec::new(),
            discards_unreadable: None,
            custom_range: false,
            range_text: (String::new(), String::new()),
            ob_search: String::new(),
            show_shortcuts: false,
            matrix_cache: None,
            selected_line: None,
            share_field: None,
            daily_meters: Vec::new(),
            meter_sort: MeterSort::Date,
            files_sort: Default::default(),
            trace: Default::default(),
            records: Default::default(),
            suspense: SuspenseFilter::default(),
            suspense_view: SuspenseCache::default(),
            theme_applied: None,
            register: None,
            register_error: None,
            register_rx: None,
            register_filter: Default::default(),
            history: Default::default(),
            confirm: None,
            frames: FrameStats::default(),
        };
        // For screenshots and demos: start on a given tab and OB.
        if let Ok(tab) = std::env::var("BW_START_TAB") {
            app.tab = Tab::ALL
                .into_iter()
                .find(|t| t.label().eq_ignore_ascii_case(&tab))
                .unwrap_or(Tab::Invoice);
        }
        if let Ok(ob) = std::env::var("BW_START_OB") {
            app.ob = ob;
        }
        if let Ok(dir) = std::env::var("BW_START_DATA") {
            app.settings.data_dir = Some(PathBuf::from(dir));
            app.settings.config = None;
        }
        app.start_load(None);
        if let Some((dataset, id)) = std::env::var("BW_START_TRACE")
            .ok()
            .and_then(|t| t.split_once(':').map(|(d, i)| (d.to_string(), i.to_string())))
        {
            app.start_trace(dataset, id);
        }
        if let Ok(concept) = std::env::var("BW_START_RECORDS") {
            app.wait_for_jobs();
            app.start_records(records_window::figure_named(&concept));
        }
        app
    }

    pub fn data_dir(&self) -> PathBuf {
        self.settings
            .data_dir
            .clone()
            .unwrap_or_else(crate::host::sample_data_dir)
    }

    pub fn config_path(&self) -> PathBuf {
        self.settings
            .config
            .clone()
            .unwrap_or_else(|| self.data_dir().join("billing.toml"))
    }

    pub fn is_busy(&self) -> bool {
        self.job.is_some()
    }

    /// The report of the current period, if rated.
    pub fn report(&self) -> Option<&Arc<RunReport>> {
        self.reports.get(&self.period)
    }

    /// The current OB's invoice in the current period.
    pub fn invoice(&self) -> Option<&Invoice> {
        self.report()?.invoices.iter().find(|i| i.ob == self.ob)
    }

    fn previous_period(&self) -> Option<Period> {
        match self.period {
            Period::Month(m) => Some(Period::Month(m.previous())),
            Period::Range(_) => None,
        }
    }

    /// Applies one command.
    pub fn apply(&mut self, command: Command, ctx: Option<&egui::Context>) {
        match command {
            Command::OpenDataFolder => {
                if let Some(dir) = self.picker.data_folder() {
                    self.set_data_dir(dir, ctx);
                }
            }
            Command::OpenConfig => {
                if let Some(file) = self.picker.config_file() {
                    self.settings.config = Some(file);
                    self.start_load(ctx);
                }
            }
            Command::UseSampleData => {
                self.settings.data_dir = None;
                self.settings.config = None;
                self.start_load(ctx);
            }
            Command::Reload => self.start_load(ctx),
            Command::SelectOb(ob) => {
                self.frames.switched = Some(std::time::Instant::now());
                self.settings.ob = Some(ob.clone());
                self.ob = ob;
                self.selected_line = None;
                if let Some(ctx) = ctx {
                    ctx.request_repaint();
                }
            }
            Command::PreviousOb | Command::NextOb => {
                let codes: Vec<String> = self
                    .loaded
                    .as_ref()
                    .map(|l| l.engine.config().obs.iter().map(|o| o.code.clone()).collect())
                    .unwrap_or_default();
                if let Some(i) = codes.iter().position(|c| *c == self.ob) {
                    let j = if command == Command::PreviousOb {
                        i.checked_sub(1)
                    } else {
                        Some(i + 1).filter(|j| *j < codes.len())
                    };
                    if let Some(code) = j.and_then(|j| codes.get(j)) {
                        self.apply(Command::SelectOb(code.clone()), ctx);
                    }
                }
            }
            Command::PreviousPeriod | Command::NextPeriod => {
                if let Period::Month(m) = self.period {
                    let m = if command == Command::PreviousPeriod {
                        m.previous()
                    } else {
                        m.next()
                    };
                    self.set_period(Period::Month(m), ctx);
                }
            }
            Command::SetMonth(m) => self.set_period(Period::Month(m), ctx),
            Command::SetRange { from, to } => match Period::range(from, to) {
                Ok(period) => self.set_period(period, ctx),
                Err(e) => self.status = format!("Not rated: {e}."),
            },
            Command::ExportInvoice => self.export_invoice(ctx),
            Command::ExportAll => self.export_all(ctx),
            Command::Issue { all } => self.ask_to_issue(all),
            Command::OpenFolder(dir) => {
                if let Err(e) = open_folder(&dir) {
                    self.error = Some(e);
                }
            }
            Command::Discard {
                dataset,
                record_id,
                reason,
            } => {
                self.discards
                    .retain(|d| !(d.dataset == dataset && d.record_id == record_id));
                let (by, at) = decided_now();
                self.discards.push(Discard {
                    dataset,
                    record_id,
                    reason,
                    by: Some(by),
                    at: Some(at),
                });
                self.save_discards();
            }
            Command::DiscardMany { records, reason } => {
                let (by, at) = decided_now();
                let chosen: std::collections::HashSet<(&str, &str)> =
                    records.iter().map(|(d, r)| (d.as_str(), r.as_str())).collect();
                self.discards
                    .retain(|d| !chosen.contains(&(d.dataset.as_str(), d.record_id.as_str())));
                let n = records.len();
                self.discards
                    .extend(records.into_iter().map(|(dataset, record_id)| Discard {
                        dataset,
                        record_id,
                        reason: reason.clone(),
                        by: Some(by.clone()),
                        at: Some(at.clone()),
                    }));
                self.save_discards();
                if self.error.is_none() {
                    self.status = format!("Discarded {n} record(s): {reason}");
                }
            }
            Command::Undiscard { dataset, record_id } => {
                self.discards
                    .retain(|d| !(d.dataset == dataset && d.record_id == record_id));
                self.save_discards();
            }
            Command::ToggleTheme => self.settings.dark = !self.settings.dark,
            Command::ToggleShortcuts => self.show_shortcuts = !self.show_shortcuts,
            Command::Trace { dataset, record_id } => self.start_trace(dataset, record_id),
            Command::ShowRecords(figure) => self.start_records(figure),
            Command::Cancel => {
                if let Some(job) = self.job.take() {
                    // The worker checks the flag before every piece and stops.
                    job.progress.cancel.store(true, Ordering::Relaxed);
                    self.status = format!("{} cancelled.", job.title);
                }
                self.pending = None;
            }
        }
    }

    fn set_data_dir(&mut self, dir: PathBuf, ctx: Option<&egui::Context>) {
        // A folder with its own billing.toml brings its configuration along.
        if dir.join("billing.toml").is_file() {
            self.settings.config = None;
        }
        self.settings.data_dir = Some(dir);
        self.start_load(ctx);
    }

    fn set_period(&mut self, period: Period, ctx: Option<&egui::Context>) {
        self.frames.switched = Some(std::time::Instant::now());
        self.period = period;
        if let Period::Month(m) = period {
            self.settings.month = Some(m.to_string());
        }
        self.start_rating(ctx);
    }

    fn shortcuts(&self, ctx: &egui::Context) -> Vec<Command> {
        use egui::{Key, KeyboardShortcut, Modifiers};
        let mut out = Vec::new();
        let table = [
            (
                KeyboardShortcut::new(Modifiers::COMMAND | Modifiers::SHIFT, Key::O),
                Command::OpenConfig,
            ),
            (
                KeyboardShortcut::new(Modifiers::COMMAND, Key::O),
                Command::OpenDataFolder,
            ),
            (KeyboardShortcut::new(Modifiers::COMMAND, Key::R), Command::Reload),
            (
                KeyboardShortcut::new(Modifiers::COMMAND | Modifiers::SHIFT, Key::E),
                Command::ExportAll,
            ),
            (
                KeyboardShortcut::new(Modifiers::COMMAND, Key::E),
                Command::ExportInvoice,
            ),
            (
                KeyboardShortcut::new(Modifiers::ALT, Key::ArrowLeft),
                Command::PreviousPeriod,
            ),
            (
                KeyboardShortcut::new(Modifiers::ALT, Key::ArrowRight),
                Command::NextPeriod,
            ),
            (KeyboardShortcut::new(Modifiers::ALT, Key::ArrowUp), Command::PreviousOb),
            (KeyboardShortcut::new(Modifiers::ALT, Key::ArrowDown), Command::NextOb),
        ];
        ctx.input_mut(|i| {
            if i.consume_key(Modifiers::NONE, Key::F1)
                || (self.show_shortcuts && i.consume_key(Modifiers::NONE, Key::Escape))
            {
                out.push(Command::ToggleShortcuts);
            }
            for (shortcut, command) in table {
                if i.consume_shortcut(&shortcut) {
                    out.push(command);
                }
            }
        });
        out
    }

    fn show_frame(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.report_drawn_switch();
        self.poll(&ctx);
        self.poll_register();
        if self.theme_applied != Some(self.settings.dark) {
            ctx.set_visuals(if self.settings.dark {
                egui::Visuals::dark()
            } else {
                egui::Visuals::light()
            });
            self.theme_applied = Some(self.settings.dark);
        }
        // Dropped folders become the data folder; a dropped .toml or rate card the configuration.
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        for path in dropped {
            if path.is_dir() {
                self.set_data_dir(path, Some(&ctx));
            } else if path.extension().is_some_and(|e| e == "toml") || crate::import::rate_card::is_workbook(&path) {
                self.settings.config = Some(path);
                self.start_load(Some(&ctx));
            }
        }
        // Shortcuts are applied before anything is drawn and the toolbar's commands (OB,
        // period) before the panels below it, so this frame already shows their result;
        // applied after the frame, it came a frame and a render later.
        for c in self.shortcuts(&ctx) {
            self.apply(c, Some(&ctx));
        }
        egui::Panel::top("toolbar").show(ui, |ui| {
            ui.add_space(4.0);
            if let Some(c) = self.toolbar_ui(ui) {
                self.apply(c, Some(&ctx));
                // The toolbar itself shows the change in the next frame.
                ctx.request_repaint();
            }
            ui.add_space(4.0);
        });
        let mut commands = Vec::new();
        egui::Panel::bottom("status").show(ui, |ui| {
            if let Some(c) = self.status_ui(ui) {
                commands.push(c);
            }
        });
        egui::Panel::left("inputs")
            .resizable(true)
            .default_size(360.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    let (data, config) = (self.data_dir(), self.config_path());
                    if let Some(c) = views::inputs_ui::inputs_ui(
                        ui,
                        &data,
                        &config,
                        self.loaded.as_deref(),
                        self.load_error.as_deref(),
                    ) {
                        commands.push(c);
                    }
                });
            });
        egui::CentralPanel::default().show(ui, |ui| {
            if let Some(l) = &self.loaded {
                views::banner::unusable_banner(ui, l.engine.unusable_inputs());
            }
            ui.horizontal(|ui| {
                for tab in Tab::ALL {
                    if ui.selectable_label(self.tab == tab, tab.label()).clicked() {
                        self.tab = tab;
                    }
                }
            });
            ui.separator();
            if let Some(c) = self.tab_ui(ui) {
                commands.push(c);
            }
        });
        self.note_switch_drawn(&ctx);
        self.overlays(&ctx);
        if let Some(plan) = &self.confirm {
            match views::register_ui::confirm_ui(&ctx, plan) {
                Some(true) => self.issue_confirmed(Some(&ctx)),
                Some(false) => self.confirm = None,
                None => {}
            }
        }
        for c in commands {
            self.apply(c, Some(&ctx));
        }
        if self.job.is_some() {
            ctx.request_repaint_after(PROGRESS_REPAINT);
        }
    }
}

impl eframe::App for WorkbenchApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        let mut s = self.settings.clone();
        s.ob = Some(self.ob.clone()).filter(|o| !o.is_empty());
        s.tab = Some(self.tab.label().to_string());
        eframe::set_value(storage, eframe::APP_KEY, &s);
    }
}
