//! SPEC 4 rule 3: a record whose id was seen earlier in the dataset is a duplicate.
//!
//! Ten million ids do not fit in cache, so a single hash set spends its time waiting on
//! memory. Instead every id is hashed once (in parallel), rows are split by hash into
//! shards small enough to stay in cache, and the shards are checked on all cores. Equal
//! ids always land in the same shard and each shard keeps row order, so the record that
//! counts as the first is the earliest one, exactly as a single pass would decide.

use std::hash::BuildHasher;
use std::sync::atomic::{AtomicUsize, Ordering};

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

use crate::model::table::{CellState, IdColumn};

/// Rows per shard the split aims at: small enough that a shard's table stays in cache.
const SHARD_ROWS: usize = 1 << 16;

/// For every row: whether its id is present and seen earlier in the column.
pub fn duplicates(ids: &IdColumn) -> Vec<bool> {
    let rows = ids.len();
    let workers = std::thread::available_parallelism().map_or(1, |w| w.get());
    let hashes = hash_ids(ids, workers);

    let shards = (rows / SHARD_ROWS).next_power_of_two().max(1);
    let shard_of = |h: u64| (h >> 40) as usize & (shards - 1);
    // A stable counting sort of the rows by shard.
    let mut starts = vec![0usize; shards + 1];
    for (r, h) in hashes.iter().enumerate() {
        if ids.state(r) == CellState::Ok {
            starts[shard_of(*h) + 1] += 1;
        }
    }
    for s in 0..shards {
        starts[s + 1] += starts[s];
    }
    let mut fill = starts.clone();
    let mut by_shard = vec![0u32; starts[shards]];
    for (r, h) in hashes.iter().enumerate() {
        if ids.state(r) == CellState::Ok {
            let s = shard_of(*h);
            by_shard[fill[s]] = r as u32;
            fill[s] += 1;
        }
    }

    let next = AtomicUsize::new(0);
    let found: Vec<Vec<u32>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers.min(shards))
            .map(|_| {
                scope.spawn(|| {
                    let mut dups = Vec::new();
                    let mut table: HashTable<u32> = HashTable::new();
                    loop {
                        let s = next.fetch_add(1, Ordering::Relaxed);
                        if s >= shards {
                            break;
                        }
                        table.clear();
                        for &row in &by_shard[starts[s]..starts[s + 1]] {
                            let hash = hashes[row as usize];
                            // The id itself is read only when a stored hash matches.
                            let same = |&j: &u32| ids.get(j as usize) == ids.get(row as usize);
                            match table.entry(hash, same, |&j| hashes[j as usize]) {
                                Entry::Occupied(_) => dups.push(row),
                                Entry::Vacant(v) => {
                                    v.insert(row);
                                }
                            }
                        }
                    }
                    dups
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let mut duplicate = vec![false; rows];
    for row in found.into_iter().flatten() {
        duplicate[row as usize] = true;
    }
    duplicate
}

fn hash_ids(ids: &IdColumn, workers: usize) -> Vec<u64> {
    let rows = ids.len();
    let state = foldhash::fast::FixedState::with_seed(0x5eed);
    let mut hashes = vec![0u64; rows];
    let chunk = rows.div_ceil(workers.max(1)).max(1);
    std::thread::scope(|scope| {
        for (i, part) in hashes.chunks_mut(chunk).enumerate() {
            let state = &state;
            scope.spawn(move || {
                for (k, h) in part.iter_mut().enumerate() {
                    *h = state.hash_one(ids.get(i * chunk + k));
                }
            });
        }
    });
    hashes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(values: &[Option<&str>]) -> IdColumn {
        let mut c = IdColumn::default();
        for v in values {
            c.push(*v);
        }
        c
    }

    #[test]
    fn the_first_of_equal_ids_is_kept() {
        let ids = column(&[
            Some("a"),
            Some("b"),
            Some("a"),
            None,
            None,
            Some("b"),
            Some("c"),
            Some("a"),
        ]);
        assert_eq!(duplicates(&ids), [false, false, true, false, false, true, false, true]);
    }

    #[test]
    fn many_shards_agree_with_a_plain_set() {
        // Enough rows for several shards; every third id repeats an earlier one.
        let values: Vec<String> = (0..300_000u32)
            .map(|i| {
                if i % 3 == 2 {
                    format!("id{}", i / 7)
                } else {
                    format!("id{i}")
                }
            })
            .collect();
        let ids = column(&values.iter().map(|v| Some(v.as_str())).collect::<Vec<_>>());
        let mut seen = std::collections::HashSet::new();
        let want: Vec<bool> = values.iter().map(|v| !seen.insert(v.as_str())).collect();
        assert!(want.iter().filter(|d| **d).count() > 50_000);
        assert_eq!(duplicates(&ids), want);
    }
}
