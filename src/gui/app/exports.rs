//! What the window writes: the discards file, one invoice workbook, every workbook of
//! the period, and opening the folder they went to.

use super::*;

impl WorkbenchApp {
    pub(super) fn stamp() -> output::xlsx::Stamp {
        output::xlsx::Stamp::draft(crate::host::today(), crate::host::generation_time(), 10_000)
    }

    pub(super) fn save_discards(&mut self) {
        if let Some(why) = &self.discards_unreadable {
            self.error = Some(format!("Not saved. {why}; fix or remove the file, then reload."));
            return;
        }
        match discards::save(&self.data_dir(), &self.discards) {
            Ok(()) => self.status = format!("Saved {} discard decision(s) next to the data.", self.discards.len()),
            Err(e) => self.error = Some(e.to_string()),
        }
        for report in self.reports.values_mut() {
            Arc::make_mut(report).apply_discards(&self.discards);
        }
    }

    pub(super) fn export_invoice(&mut self, ctx: Option<&egui::Context>) {
        let (Some(report), Some(inv)) = (self.report().cloned(), self.invoice().cloned()) else {
            self.error = Some("Nothing to export: no invoice for this OB and period.".into());
            return;
        };
        if self.job.is_some() {
            return;
        }
        let Some(path) = self.picker.save_invoice(&output::xlsx::invoice_file_name(&inv)) else {
            return;
        };
        self.job = Some(Job::spawn("Exporting invoice", repaint_fn(ctx), move |p| {
            p.total.store(1, Ordering::Relaxed);
            let result = output::xlsx::invoice_workbook(&report, &inv, &Self::stamp())
                .map_err(|e| format!("{}: {e}", path.display()))
                // The save dialog has asked about replacing an existing file.
                .and_then(|bytes| output::xlsx::write_atomically(&path, &bytes, true).map_err(|e| e.to_string()))
                .map(|()| vec![path]);
            p.done.store(1, Ordering::Relaxed);
            JobOutput::Exported(result)
        }));
    }

    pub(super) fn export_all(&mut self, ctx: Option<&egui::Context>) {
        let Some(report) = self.report().cloned() else { return };
        if self.job.is_some() {
            return;
        }
        let Some(dir) = self.picker.export_folder() else { return };
        self.job = Some(Job::spawn("Exporting all OBs", repaint_fn(ctx), move |p| {
            p.total.store(report.invoices.len() + 1, Ordering::Relaxed);
            // Cancel stops the writing after the workbook being written.
            let keep_going = |_: &Path| {
                p.done.fetch_add(1, Ordering::Relaxed);
                !p.cancel.load(Ordering::Relaxed)
            };
            let result = output::xlsx::write_all(&report, &dir, &Self::stamp(), true, false, &keep_going)
                .map_err(|e| e.to_string());
            p.done.store(report.invoices.len() + 1, Ordering::Relaxed);
            JobOutput::Exported(result)
        }));
    }
}

/// Who decides and when (UTC, to the second): kept with every discard decision.
pub(super) fn decided_now() -> (String, String) {
    (
        crate::host::user(),
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}

/// Opens a folder in the platform's file manager; a failure is shown, the files stay.
pub(super) fn open_folder(dir: &Path) -> Result<(), String> {
    opener::open(dir).map_err(|e| format!("cannot open {}: {e}", dir.display()))
}
