//! A piece's records counted per input file and local day, for the per-file statistics,
//! with the first causes of its suspended records.

use std::sync::Arc;

use super::DayCounts;
use crate::engine::process::{Code, Outcome};

/// How many causes a file's statistics name.
pub const FILE_CAUSES: usize = 3;

/// Why records fail (code and field), with the record it was first met at: a number that
/// grows with the record's place in its file (so causes of one file sort in record order).
pub type Cause = (u64, Code, Arc<str>);

/// Adds `cause` to `first`, the first causes each once in record order, if it is new and
/// there is room. Causes must come in record order.
pub fn note_first(first: &mut Vec<Cause>, cause: Cause) {
    if first.len() < FILE_CAUSES && !first.iter().any(|(_, c, f)| *c == cause.1 && *f == cause.2) {
        first.push(cause);
    }
}

/// The first causes (`note_first`) among `all`, in any order.
pub fn first_causes(mut all: Vec<Cause>) -> Vec<Cause> {
    all.sort_by_key(|c| c.0);
    let mut first = Vec::new();
    for cause in all {
        note_first(&mut first, cause);
    }
    first
}

/// Per (file, day): the first causes of the suspended records there.
pub type FileDayCauses = Vec<(u32, u32, Vec<Cause>)>;

/// A piece's records counted per input file and day: rows come in order, so the files come
/// in turn (`PreparedDataset::files`).
pub(super) struct FileTally {
    /// (file, first row after it).
    segments: Vec<(u32, usize)>,
    /// Per segment: counts by day (empty until it has a record).
    counts: Vec<Vec<DayCounts>>,
    /// Per segment: the first causes of its suspended records by day (empty until one).
    causes: Vec<Vec<Vec<Cause>>>,
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
            causes: vec![Vec::new(); segments.len()],
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
            Outcome::Unattributable | Outcome::Unread => {}
        }
    }

    /// Notes the cause of the suspended record last counted (on `day`); the cause's record is
    /// its row in the piece (the fold adds the rows before the piece).
    pub(super) fn note_cause(&mut self, day: usize, cause: Cause) {
        let by_day = &mut self.causes[self.at];
        if by_day.is_empty() {
            by_day.resize(self.days, Vec::new());
        }
        note_first(&mut by_day[day], cause);
    }

    /// (file, day, counts), by file then day, and the first causes per (file, day).
    pub(super) fn finish(mut self) -> (Vec<(u32, u32, DayCounts)>, FileDayCauses) {
        let mut causes: FileDayCauses = Vec::new();
        for ((file, _), by_day) in self.segments.iter().zip(std::mem::take(&mut self.causes)) {
            let used = by_day.into_iter().enumerate().filter(|(_, c)| !c.is_empty());
            causes.extend(used.map(|(day, c)| (*file, day as u32, c)));
        }
        // A file split over two segments: its causes of one day are taken together.
        causes.sort_by_key(|(f, d, _)| (*f, *d));
        causes.dedup_by(|later, kept| {
            let same = (later.0, later.1) == (kept.0, kept.1);
            if same {
                kept.2 = first_causes(kept.2.drain(..).chain(later.2.drain(..)).collect());
            }
            same
        });
        (self.counts_by_file(), causes)
    }

    fn counts_by_file(self) -> Vec<(u32, u32, DayCounts)> {
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
