//! The window's own frame figures (`BW_FRAME_STATS=1`): frames drawn during a job, the
//! longest gap, the time from a switch to the frame that shows it, and idle frame builds.

/// `BW_FRAME_STATS=1`: print frame figures on stderr (read once, not every frame).
pub(super) fn frame_stats_wanted() -> bool {
    static WANTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *WANTED.get_or_init(|| std::env::var("BW_FRAME_STATS").is_ok_and(|v| v == "1"))
}

#[derive(Debug, Default)]
pub(super) struct FrameStats {
    pub(super) last: Option<std::time::Instant>,
    pub(super) count: u32,
    pub(super) longest_gap_ms: f64,
    /// When the OB or period last changed, until a frame shows the result.
    pub(super) switched: Option<std::time::Instant>,
    /// A switch whose result the last frame built: when it was asked for and what it was
    /// (reported when the next frame starts, that is once the result is rendered).
    pub(super) drawn: Option<(std::time::Instant, String, f64)>,
    /// With no job running: when the current second of frames began, how many frames
    /// were built in it and the slowest build (scrolling a long table, typing a filter).
    pub(super) idle: Option<(std::time::Instant, u32, f64)>,
}

impl super::WorkbenchApp {
    /// `BW_FRAME_STATS`: the switch the last frame showed, now that it is on screen.
    pub(super) fn report_drawn_switch(&mut self) {
        if let Some((at, what, built)) = self.frames.drawn.take() {
            eprintln!(
                "Switched to {what}: result built {built:.0} ms and on screen {:.0} ms after the command",
                at.elapsed().as_secs_f64() * 1000.0
            );
        }
    }

    /// Draws the whole window.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let started = std::time::Instant::now();
        self.show_frame(ui);
        if self.job.is_none() && frame_stats_wanted() {
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            let (since, frames, slowest) = self.frames.idle.get_or_insert((started, 0, 0.0));
            *frames += 1;
            *slowest = slowest.max(ms);
            if since.elapsed() >= std::time::Duration::from_secs(1) {
                eprintln!("Idle second: {frames} frames built, the slowest in {slowest:.1} ms");
                self.frames.idle = None;
            }
        }
    }

    /// After the panels are drawn (and before the commands they gave are applied): if they
    /// showed the last switch's result, note when the switch was asked for, to report once
    /// the frame is on screen.
    pub(super) fn note_switch_drawn(&mut self, ctx: &egui::Context) {
        if let Some(at) = self.frames.switched
            && self.reports.contains_key(&self.period)
        {
            self.frames.switched = None;
            if frame_stats_wanted() {
                let built = at.elapsed().as_secs_f64() * 1000.0;
                self.frames.drawn = Some((at, format!("{} {}", self.ob, self.period.label()), built));
                // The next frame starts once this one is rendered: it reports the switch.
                ctx.request_repaint();
            }
        }
    }
}
