//! The window's background jobs: loading, rating a period (with the one before it, for
//! the changes), and taking their results when they arrive.

use super::*;

impl WorkbenchApp {
    /// Loads inputs on a worker; on failure the current view stays.
    pub(super) fn start_load(&mut self, ctx: Option<&egui::Context>) {
        if self.job.is_some() {
            self.status = "Busy: wait for the current job or cancel it.".into();
            return;
        }
        let (data, config) = (self.data_dir(), self.config_path());
        let repaint = repaint_fn(ctx);
        self.status = format!("Loading {}…", data.display());
        self.job = Some(Job::spawn("Loading inputs", repaint, move |p| {
            JobOutput::Loaded(load_inputs(&data, &config, p))
        }));
    }

    pub(super) fn start_rating(&mut self, ctx: Option<&egui::Context>) {
        let Some(loaded) = self.loaded.clone() else { return };
        if self.reports.contains_key(&self.period)
            && self.previous_period().is_none_or(|p| self.reports.contains_key(&p))
        {
            return;
        }
        if self.job.is_some() {
            self.pending = Some(self.period);
            return;
        }
        let period = self.period;
        let previous = self.previous_period().filter(|p| !self.reports.contains_key(p));
        let have_current = self.reports.get(&period).cloned();
        self.status = format!("Rating {}…", period.label());
        self.job = Some(Job::spawn(
            format!("Rating {}", period.label()),
            repaint_fn(ctx),
            move |p| {
                p.total.store(if previous.is_some() { 2 } else { 1 }, Ordering::Relaxed);
                let report = have_current.unwrap_or_else(|| Arc::new(loaded.engine.run(&period, &Selection::All)));
                p.done.fetch_add(1, Ordering::Relaxed);
                let previous = previous.map(|pp| (pp, Arc::new(loaded.engine.run(&pp, &Selection::All))));
                JobOutput::Rated {
                    period,
                    report,
                    previous,
                }
            },
        ));
    }

    /// Applies a finished job's output.
    pub(super) fn finish(&mut self, out: JobOutput, ctx: Option<&egui::Context>) {
        match out {
            JobOutput::Loaded(Ok(loaded)) => {
                let config = loaded.engine.config();
                if config.ob(&self.ob).is_none() {
                    self.ob = config.obs.first().map(|o| o.code.clone()).unwrap_or_default();
                }
                if self.settings.month.is_none()
                    && let Some(m) = loaded.engine.latest_month()
                {
                    self.period = Period::Month(m);
                }
                self.refresh_register(Some(&loaded), ctx);
                match discards::load(&self.data_dir()) {
                    Ok(d) => {
                        self.discards = d;
                        self.discards_unreadable = None;
                    }
                    Err(e) => {
                        let why = format!("{e}: no discard decision is applied, and none is saved over it");
                        self.error = Some(why.clone());
                        self.discards = Vec::new();
                        self.discards_unreadable = Some(why);
                    }
                }
                self.daily_meters = config.charges.iter().map(|c| c.meter.clone()).take(3).collect();
                self.status = format!("Loaded {} input file(s).", loaded.engine.files().len());
                self.loaded = Some(loaded);
                self.load_error = None;
                self.reports.clear();
                self.matrix_cache = None;
                self.start_rating(ctx);
            }
            JobOutput::Loaded(Err(e)) => {
                self.status = "Loading failed; the previous inputs are still shown.".into();
                self.load_error = Some(e);
            }
            JobOutput::Rated {
                period,
                report,
                previous,
            } => {
                let mut report = report;
                Arc::make_mut(&mut report).apply_discards(&self.discards);
                self.matrix_cache = None;
                self.reports.insert(period, report);
                if let Some((p, mut r)) = previous {
                    Arc::make_mut(&mut r).apply_discards(&self.discards);
                    self.reports.insert(p, r);
                }
                self.status = format!("Rated {}.", period.label());
                if let Some(p) = self.pending.take()
                    && p == self.period
                {
                    self.start_rating(ctx);
                }
            }
            JobOutput::Exported(Ok(paths)) => {
                self.exported_to = paths.first().and_then(|p| p.parent()).map(Path::to_path_buf);
                self.status = format!(
                    "Exported {} workbook(s) to {}.",
                    paths.len(),
                    self.exported_to.as_deref().unwrap_or(Path::new(".")).display()
                );
                self.error = None;
            }
            JobOutput::Exported(Err(e)) => self.error = Some(e),
            JobOutput::Issued(dir, result) => self.issued(dir, result, ctx),
        }
    }

    /// Polls the running job.
    pub(super) fn poll(&mut self, ctx: &egui::Context) {
        if self.job.is_some() {
            let now = std::time::Instant::now();
            if let Some(last) = self.frames.last {
                self.frames.longest_gap_ms = self.frames.longest_gap_ms.max((now - last).as_secs_f64() * 1000.0);
            }
            self.frames.last = Some(now);
            self.frames.count += 1;
        }
        if let Some(out) = self.job.as_ref().and_then(Job::poll) {
            let job = self.job.take();
            if frame_stats_wanted()
                && let Some(job) = job
            {
                eprintln!(
                    "{}: {:.2} s, {} frames drawn meanwhile, longest gap between frames {:.0} ms",
                    job.title,
                    job.started.elapsed().as_secs_f64(),
                    self.frames.count,
                    self.frames.longest_gap_ms
                );
            }
            self.frames = FrameStats {
                switched: self.frames.switched.take(),
                ..FrameStats::default()
            };
            self.finish(out, Some(ctx));
        }
    }

    /// Blocks until every job, and the jobs they start, are done (tests only).
    pub fn wait_for_jobs(&mut self) {
        while let Some(job) = self.job.take() {
            if let Some(out) = job.wait() {
                self.finish(out, None);
            }
        }
        self.wait_for_register();
    }
}

pub(super) fn repaint_fn(ctx: Option<&egui::Context>) -> impl Fn() + Send + 'static {
    let ctx = ctx.cloned();
    move || {
        if let Some(c) = &ctx {
            c.request_repaint();
        }
    }
}

/// Reads everything for the window, counting files for the progress bar; stops soon
/// after the job is cancelled.
pub(super) fn load_inputs(data: &Path, config_path: &Path, progress: &Progress) -> Result<Arc<Loaded>, String> {
    let loaded = crate::load(data, config_path, progress).map_err(|e| views::with_causes(&e))?;
    progress.done.fetch_add(1, Ordering::Relaxed);
    Ok(Arc::new(loaded))
}
