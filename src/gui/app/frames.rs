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
    /// When the OB or period last changed, and whether the frame being drawn shows it.
    pub(super) switched: Option<(std::time::Instant, bool)>,
    /// With no job running: when the current second of frames began, how many frames
    /// were built in it and the slowest build (scrolling a long table, typing a filter).
    pub(super) idle: Option<(std::time::Instant, u32, f64)>,
}
