//! A piece's records counted per input file and local day, for the per-file statistics.

use super::DayCounts;
use crate::engine::process::Outcome;

/// A piece's records counted per input file and day: rows come in order, so the files come
/// in turn (`PreparedDataset::files`).
pub(super) struct FileTally {
    /// (file, first row after it).
    segments: Vec<(u32, usize)>,
    /// Per segment: counts by day (empty until it has a record).
    counts: Vec<Vec<DayCounts>>,
    at: usize,
    days: usize,
}

impl FileTally {
    pub(super) fn new(files: &[(u32, usize)], days: usize) -> FileTally {
        let mut segments = Vec::with_capacity(files.len().max(1));
        let mut end = 0;
        for (file, n) in files {
            end += n;
            segments.push((*file, end));
        }
        if segments.is_empty() {
            segments.push((0, usize::MAX));
        }
        FileTally {
            counts: vec![Vec::new(); segments.len()],
            segments,
            at: 0,
            days,
        }
    }

    pub(super) fn count(&mut self, row: usize, day: usize, outcome: Outcome) {
        while self.at + 1 < self.segments.len() && row >= self.segments[self.at].1 {
            self.at += 1;
        }
        let by_day = &mut self.counts[self.at];
        if by_day.is_empty() {
            by_day.resize(self.days, DayCounts::default());
        }
        let f = &mut by_day[day];
        f.records += 1;
        match outcome {
            Outcome::Duplicate => f.duplicates += 1,
            Outcome::Excluded => f.excluded += 1,
            Outcome::Suspended => f.suspended += 1,
            Outcome::Rated => f.rated += 1,
            Outcome::Unattributable => {}
        }
    }

    /// (file, day, counts), by file then day.
    pub(super) fn finish(self) -> Vec<(u32, u32, DayCounts)> {
        let mut files: Vec<(u32, u32, DayCounts)> = Vec::new();
        for ((file, _), by_day) in self.segments.iter().zip(self.counts) {
            let used = by_day.into_iter().enumerate().filter(|(_, c)| c.records > 0);
            files.extend(used.map(|(day, c)| (*file, day as u32, c)));
        }
        // A file split over two segments is counted once.
        files.sort_by_key(|(f, d, _)| (*f, *d));
        files.dedup_by(|later, kept| {
            let same = (later.0, later.1) == (kept.0, kept.1);
            if same {
                kept.2.add(&later.2);
            }
            same
        });
        files
    }
}
