//! A piece's breakdown accumulators while its records are rolled up: one per value and
//! day, most of them never touched, and each record adds to one of them per breakdown
//! field at a place no cache line predicts. Counts and fixed-point sums, the aggregations
//! of every breakdown we know, are kept as bare integers (8 and 16 bytes instead of the
//! 48 of an `Acc`), so the piece's accumulators take a third to a sixth of the cache;
//! they become `Acc`s once the piece is rolled up.

use crate::model::table::{CellState, IdColumn};

use super::super::aggregate::{Acc, Source};

/// Accumulators of one breakdown group of a piece, `[value * days + day]`.
pub(super) enum Dense {
    Count(Vec<u64>),
    /// Fixed-point sums at the column's scale (`Acc::Sum`).
    Sum(Vec<i128>),
    Any(Vec<Acc>),
}

impl Dense {
    /// Empty accumulators of the aggregation `empty` is the empty accumulator of.
    pub(super) fn like(empty: &Acc) -> Dense {
        match empty {
            Acc::Count(_) => Dense::Count(Vec::new()),
            Acc::Sum(_) => Dense::Sum(Vec::new()),
            _ => Dense::Any(Vec::new()),
        }
    }

    /// Adds `n` empty accumulators (`empty`, as `like` was given).
    pub(super) fn grow(&mut self, n: usize, empty: &Acc) {
        match self {
            Dense::Count(v) => v.resize(v.len() + n, 0),
            Dense::Sum(v) => v.resize(v.len() + n, 0),
            Dense::Any(v) => v.extend(std::iter::repeat_n(empty.clone(), n)),
        }
    }

    /// `Source::add` of record `row` (its values at `cell`) into accumulator `at`.
    #[inline]
    pub(super) fn add(&mut self, at: usize, source: &Source<'_>, row: usize, cell: usize, time: i64, ids: &IdColumn) {
        match self {
            Dense::Count(v) => v[at] += 1,
            Dense::Sum(v) => {
                if let Source::Fixed(col) = source
                    && col.states[cell] == CellState::Ok
                {
                    v[at] += i128::from(col.values[cell]);
                }
            }
            Dense::Any(v) => source.add(&mut v[at], row, cell, time, ids),
        }
    }

    /// The accumulators as `Acc`s, in the same places.
    pub(super) fn into_accs(self) -> Vec<Acc> {
        match self {
            Dense::Count(v) => v.into_iter().map(Acc::Count).collect(),
            Dense::Sum(v) => v.into_iter().map(Acc::Sum).collect(),
            Dense::Any(v) => v,
        }
    }
}
