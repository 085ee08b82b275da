//! Background work: loading, rating and exporting run on a worker thread; the window polls
//! the job each frame, shows its progress and stays responsive. Cancel drops the job: the
//! worker's result is thrown away when it arrives.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use crate::Loaded;
use crate::model::Period;
use crate::report::RunReport;

/// What a finished job hands back.
pub enum JobOutput {
    Loaded(Result<Arc<Loaded>, String>),
    Rated {
        period: Period,
        report: Arc<RunReport>,
        previous: Option<(Period, Arc<RunReport>)>,
    },
    Exported(Result<Vec<PathBuf>, String>),
    /// Issuing finished (its folder, and what was done per OB), or could not start.
    Issued(PathBuf, Result<crate::issuing::IssueRun, String>),
}

/// Progress counters a worker updates, and the cancel flag it checks.
#[derive(Default)]
pub struct Progress {
    pub done: AtomicUsize,
    pub total: AtomicUsize,
    pub cancel: std::sync::atomic::AtomicBool,
}

impl crate::import::Progress for Progress {
    /// One step more than the files: the engine's assembly after the last file.
    fn files_total(&self, files: usize) {
        self.total.store(files + 1, Ordering::Relaxed);
    }
    fn file_done(&self, _: &std::path::Path) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }
    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

impl Progress {
    pub fn fraction(&self) -> f32 {
        let total = self.total.load(Ordering::Relaxed);
        if total == 0 {
            0.0
        } else {
            self.done.load(Ordering::Relaxed) as f32 / total as f32
        }
    }
}

/// A running job.
pub struct Job {
    pub title: String,
    pub progress: Arc<Progress>,
    pub started: Instant,
    rx: mpsc::Receiver<JobOutput>,
}

impl Job {
    /// Runs `work` on a worker thread; `repaint` is called when it is done.
    pub fn spawn(
        title: impl Into<String>,
        repaint: impl Fn() + Send + 'static,
        work: impl FnOnce(&Progress) -> JobOutput + Send + 'static,
    ) -> Job {
        let (tx, rx) = mpsc::channel();
        let progress = Arc::new(Progress::default());
        let p = Arc::clone(&progress);
        std::thread::spawn(move || {
            let out = work(&p);
            let _ = tx.send(out);
            repaint();
        });
        Job {
            title: title.into(),
            progress,
            started: Instant::now(),
            rx,
        }
    }

    /// The output, if the job has finished.
    pub fn poll(&self) -> Option<JobOutput> {
        self.rx.try_recv().ok()
    }

    /// Blocks until the job finishes (tests and the command line only).
    pub fn wait(self) -> Option<JobOutput> {
        self.rx.recv().ok()
    }
}
