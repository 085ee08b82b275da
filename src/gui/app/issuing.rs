//! Issuing from the window (docs/register.md): the confirmation of what *Issue…* and *Issue all…*
//! will do, the issuing job, and reading the register (off the UI thread) after a load and
//! after issuing.

use super::*;
use crate::register::{Location, Register, Snapshot};

impl WorkbenchApp {
    /// Where the loaded configuration's register lives.
    fn register_location(&self, loaded: Option<&Loaded>) -> Result<Location, String> {
        let setting = loaded.and_then(|l| l.engine.config().billing.register.clone());
        Location::resolve(Some(&self.config_path()), setting.as_deref(), None)
    }

    /// Reads the register on a worker thread; the tabs show the snapshot when it arrives.
    pub(super) fn refresh_register(&mut self, loaded: Option<&Loaded>, ctx: Option<&egui::Context>) {
        let location = match self.register_location(loaded.or(self.loaded.as_deref())) {
            Ok(l) => l,
            Err(e) => {
                self.register_error = Some(e);
                return;
            }
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let repaint = repaint_fn(ctx);
        std::thread::spawn(move || {
            let read = Register::open_existing(&location)
                .and_then(|r| r.map(|mut r| r.snapshot()).transpose())
                .map_err(|e| e.to_string());
            let _ = tx.send(read);
            repaint();
        });
        self.register_rx = Some(rx);
    }

    /// Takes the register's snapshot when it has been read.
    pub(super) fn poll_register(&mut self) {
        let Some(rx) = &self.register_rx else { return };
        match rx.try_recv() {
            Ok(Ok(snapshot)) => {
                self.register = snapshot.map(Arc::new);
                self.register_error = None;
                self.register_rx = None;
            }
            Ok(Err(e)) => {
                self.register_error = Some(format!("The register cannot be read: {e}"));
                self.register_rx = None;
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => {}
            Err(std::sync::mpsc::TryRecvError::Disconnected) => self.register_rx = None,
        }
    }

    /// The invoices *Issue…* (the current OB) or *Issue all…* would issue.
    fn to_issue(&self, all: bool) -> Vec<Invoice> {
        let Some(report) = self.report() else { return Vec::new() };
        report
            .invoices
            .iter()
            .filter(|i| all || i.ob == self.ob)
            .cloned()
            .collect()
    }

    /// Shows the confirmation: per OB, issued, unchanged or corrected.
    pub(super) fn ask_to_issue(&mut self, all: bool) {
        if self.job.is_some() {
            self.status = "Busy: wait for the current job or cancel it.".into();
            return;
        }
        let invoices = self.to_issue(all);
        if invoices.is_empty() {
            self.error = Some("Nothing to issue: no invoice for this OB and period.".into());
            return;
        }
        let snapshot = self.register.clone();
        self.confirm = Some(
            invoices
                .iter()
                .map(|inv| {
                    let in_force = snapshot
                        .as_deref()
                        .and_then(|s| s.in_force(&inv.ob, inv.period_start, inv.period_end));
                    crate::issuing::outcome(in_force, inv, true)
                })
                .collect(),
        );
    }

    /// Issues what the confirmation listed into a folder the user picks.
    pub(super) fn issue_confirmed(&mut self, ctx: Option<&egui::Context>) {
        let Some(plan) = self.confirm.take() else { return };
        let Some(report) = self.report().cloned() else { return };
        let Some(dir) = self.picker.export_folder() else { return };
        let location = match self.register_location(self.loaded.as_deref()) {
            Ok(l) => l,
            Err(e) => {
                self.error = Some(e);
                return;
            }
        };
        let obs: Vec<String> = plan.iter().map(|o| o.ob.clone()).collect();
        let mut selected = (*report).clone();
        selected.invoices.retain(|i| obs.contains(&i.ob));
        selected.errors.retain(|e| obs.contains(&e.ob));
        let mut stamp = Self::stamp();
        stamp.status = output::xlsx::Status::Issued;
        self.job = Some(Job::spawn("Issuing", repaint_fn(ctx), move |p| {
            p.total.store(selected.invoices.len(), Ordering::Relaxed);
            let result = Register::open(&location)
                .map_err(|e| e.to_string())
                .map(|mut register| {
                    let keep_going = |_: &str| {
                        p.done.fetch_add(1, Ordering::Relaxed);
                        !p.cancel.load(Ordering::Relaxed)
                    };
                    crate::issuing::issue(&mut register, &selected, &dir, &stamp, true, &keep_going)
                });
            JobOutput::Issued(dir, result)
        }));
    }

    /// Shows what issuing did and reads the register again.
    pub(super) fn issued(
        &mut self,
        dir: PathBuf,
        result: Result<crate::issuing::IssueRun, String>,
        ctx: Option<&egui::Context>,
    ) {
        match result {
            Ok(run) => {
                let written: usize = run.outcomes.iter().map(|o| o.documents.len()).sum();
                let unchanged = run
                    .outcomes
                    .iter()
                    .filter(|o| o.action == crate::issuing::Action::Unchanged)
                    .count();
                self.status = format!(
                    "Issued {written} document(s) to {}; {unchanged} unchanged.",
                    dir.display()
                );
                self.exported_to = Some(dir);
                self.error = (!run.errors.is_empty()).then(|| {
                    run.errors
                        .iter()
                        .map(|e| format!("OB {}: {}", e.ob, e.message))
                        .collect::<Vec<_>>()
                        .join("\n")
                });
            }
            Err(e) => self.error = Some(format!("Nothing was issued: {e}")),
        }
        self.refresh_register(None, ctx);
    }
}

/// Blocks until the register has been read (tests).
impl WorkbenchApp {
    pub fn wait_for_register(&mut self) {
        if let Some(rx) = self.register_rx.take() {
            match rx.recv() {
                Ok(Ok(s)) => self.register = s.map(Arc::new),
                Ok(Err(e)) => self.register_error = Some(e),
                Err(_) => {}
            }
        }
    }

    /// The register snapshot shown (tests).
    pub fn register_snapshot(&self) -> Option<&Snapshot> {
        self.register.as_deref()
    }
}
