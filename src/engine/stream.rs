//! The streaming load: a dataset arrives as pieces (a file, or a run of blocks of a big
//! Avro file) and each piece goes straight through the period-independent record rules (docs/processing.md)
//! into every OB's per-day roll-up, so no column of records outlives its piece. What a
//! load keeps is what a period needs: day aggregates, breakdown groups, outcome counts,
//! the distinct values of `count_distinct` meters as dataset-wide codes, the `latest`
//! candidates, and the suspended and unattributable records (ids in one arena, texts
//! shared).
//!
//! Pieces are read and prepared on all cores; two steps must see them in order, and run
//! in turn, piece after piece (a turnstile): the duplicate check (docs/processing.md, rule 3: "seen
//! earlier in file order, then row order") and folding a piece's roll-up into the
//! dataset's (the first use of a breakdown value and the order of suspended records
//! follow the records). Between them each piece is rolled up per day on its own, in
//! parallel, so the ordered steps touch a piece's day aggregates, not its records. The
//! duplicate check is sharded by id hash, a turnstile per shard, so two pieces check
//! their ids at once, each in a shard of its own.
//!
//! Ids are checked as 128-bit hashes (xxh3-128) and distinct values are coded through
//! their 128-bit hashes: for 10^9 different ids the chance that any two share a hash is
//! about n^2 / 2^129, 1.5 x 10^-21. No file I/O and no clock here: the caller's `read`
//! does the reading.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::model::Config;
use crate::model::config::{Aggregation, DatasetConfig};
use crate::model::inputs::DimensionTable;
use crate::model::period::Period;
use crate::model::table::{CellState, Column, Form, IdColumn, Table, ValueColumn};

pub use super::days::Cause;
use super::days::{GrowingDays, ObDays, PieceMaps, note_first};
use super::ordered::{Claims, Hash128, HashMap128, HashSet128, Stopped, Turnstile, id_hash, on_workers};
use super::process::{self, Issue, PreparedDataset};

/// One piece of a usage dataset, as read.
#[derive(Debug)]
pub struct Piece {
    /// Index into `config.datasets`.
    pub dataset: usize,
    pub table: Table,
    /// The files its rows come from: (file index in the dataset, rows), in row order
    /// (empty: one file, the dataset's first).
    pub files: Vec<(u32, usize)>,
}

/// What a load keeps of one usage dataset's records besides the roll-up.
#[derive(Debug, Clone, Default)]
pub struct DatasetRecords {
    pub name: Arc<str>,
    pub rows: usize,
    /// Suspended records in record order; `Issue::row` indexes `ids`.
    pub issues: Vec<Issue>,
    /// Unattributable records in record order; `Issue::row` indexes `ids`.
    pub unattributable: Vec<Issue>,
    /// Record ids of the suspended and unattributable records.
    pub ids: IdColumn,
    /// The latest time (UTC microseconds) of a record that belongs to an OB.
    pub latest_us: Option<i64>,
    /// Per input file of the dataset, in file order.
    pub files: Vec<FileRecords>,
}

/// What a load keeps of one input file besides its share of the roll-up (which keeps the
/// first causes of its suspended records, per day).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileRecords {
    pub rows: u64,
    pub unattributable: u64,
    /// The first few causes of its unattributable records (which belong to no period), in
    /// record order, each once.
    pub causes: Vec<Cause>,
}

impl FileRecords {
    /// Notes the cause of the unattributable record `record` (its number in the dataset,
    /// or its row in the file), if it is among the first few; records come in order.
    pub fn note(&mut self, record: u64, code: process::Code, field: &Arc<str>) {
        note_first(&mut self.causes, (record, code, Arc::clone(field)));
    }
}

/// A finished streaming load: each dataset's records and each OB's roll-up.
#[derive(Debug)]
pub struct Streamed {
    pub datasets: Vec<DatasetRecords>,
    pub days: Vec<ObDays>,
    /// `Schedule::within`: the only period whose meters `days` holds (`None`: every day's).
    pub within: Option<Period>,
}

/// Why a streaming load stopped.
#[derive(Debug)]
pub enum StreamError<E> {
    /// Reading a piece failed (the earliest failed piece's error).
    Read(E),
    Cancelled,
}

/// Shards of a dataset-wide distinct interner (a power of two).
const SHARDS: usize = 64;

/// The dataset-wide codes of one field's distinct values, shared by the workers: a value's
/// code only has to be the same wherever the value occurs, not follow the record order, so
/// pieces are coded in the parallel step instead of one at a time at the fold. The hash's
/// top bits pick a shard; a shard's n-th value gets code `1 + n * SHARDS + shard` (0 is
/// null), so the codes stay dense and bitsets over them stay small.
struct Interner {
    shards: Vec<Mutex<HashMap128>>,
}

impl Interner {
    fn new() -> Interner {
        Interner {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap128::default())).collect(),
        }
    }

    /// The dataset-wide code of every hash (0 stays 0), locking each shard once.
    fn codes(&self, hashes: &[u128]) -> Vec<u32> {
        let shard_of = |h: u128| (h >> (128 - SHARDS.trailing_zeros())) as usize;
        let mut by_shard: Vec<Vec<u32>> = vec![Vec::new(); SHARDS];
        for (i, h) in hashes.iter().enumerate() {
            if *h != 0 {
                by_shard[shard_of(*h)].push(i as u32);
            }
        }
        let mut out = vec![0u32; hashes.len()];
        for (shard, rows) in by_shard.iter().enumerate().filter(|(_, r)| !r.is_empty()) {
            let mut map = self.shards[shard].lock().unwrap_or_else(|e| e.into_inner());
            warm(rows.iter().map(|&i| hashes[i as usize]), |h| {
                map.contains_key(&Hash128::of(*h))
            });
            for &i in rows {
                let next = map.len() as u32;
                let local = *map.entry(Hash128::of(hashes[i as usize])).or_insert(next);
                out[i as usize] = 1 + local * SHARDS as u32 + shard as u32;
            }
        }
        out
    }
}

/// A piece after its own decisions, waiting for the duplicate check.
struct Prepared {
    dataset: usize,
    data: PreparedDataset,
    /// Per row: the id's hash (rows without an id: 0, never looked at).
    hashes: Vec<u128>,
    /// Per shard of the duplicate check: the rows with an id whose hash falls in it, in
    /// row order.
    by_shard: Vec<Vec<u32>>,
}

/// A piece rolled up per OB and day, waiting to be folded in.
struct Rolled {
    dataset: usize,
    data: PreparedDataset,
    /// Per OB with records in the piece.
    days: Vec<(usize, ObDays)>,
    /// Per distinct field: the dataset-wide code of each of the piece's codes.
    distinct: HashMap<String, Vec<u32>>,
}

/// Which fields of a dataset are grouped (breakdowns) and counted distinct.
#[derive(Debug, Clone, Default)]
struct DatasetFields {
    /// (meter, its breakdown fields), for the dataset's meters in configuration order.
    meters: Vec<(usize, Vec<String>)>,
    breakdown: Vec<String>,
    distinct: Vec<String>,
}

impl DatasetFields {
    fn of(config: &Config, ds: &DatasetConfig) -> DatasetFields {
        let mut f = DatasetFields::default();
        for (i, m) in config.meters.iter().enumerate() {
            if !m.dataset.eq_ignore_ascii_case(&ds.name) {
                continue;
            }
            f.meters.push((i, m.breakdown.clone()));
            for b in &m.breakdown {
                if !f.breakdown.contains(b) {
                    f.breakdown.push(b.clone());
                }
            }
            if let (Aggregation::CountDistinct, Some(field)) = (m.aggregation, &m.field)
                && !f.distinct.contains(field)
            {
                f.distinct.push(field.clone());
            }
        }
        f
    }
}

/// The dataset-wide state the fold step keeps (the duplicate check keeps the ids seen).
struct DatasetState {
    records: DatasetRecords,
    /// Breakdown values in the order the dataset first has them.
    groups: HashMap<String, ValueColumn>,
    /// Breakdown fields some piece has.
    present: Vec<String>,
}

/// The shared, read-only part of a load.
struct Context<'a> {
    config: &'a Config,
    dimensions: &'a HashMap<String, DimensionTable>,
    fields: Vec<DatasetFields>,
    /// Per dataset and field counted distinct: the dataset-wide codes.
    interners: Vec<HashMap<String, Interner>>,
    /// `Schedule::within`.
    within: Option<Period>,
}

impl Context<'_> {
    fn prepare(&self, piece: Piece) -> Prepared {
        let ds = &self.config.datasets[piece.dataset];
        let mut data = process::prepare(self.config, ds, piece.table, self.dimensions);
        data.files = piece.files;
        let mut hashes = Vec::with_capacity(data.ids.len());
        let mut by_shard: Vec<Vec<u32>> = vec![Vec::new(); ID_SHARDS];
        for r in 0..data.ids.len() {
            if data.ids.state(r) == CellState::Ok {
                let h = id_hash(data.ids.get_bytes(r));
                by_shard[id_shard(h)].push(r as u32);
                hashes.push(h);
            } else {
                hashes.push(0);
            }
        }
        Prepared {
            dataset: piece.dataset,
            data,
            hashes,
            by_shard,
        }
    }

    fn roll(&self, p: Prepared) -> Rolled {
        let one = std::slice::from_ref(&p.data);
        let days: Vec<(usize, ObDays)> = (0..self.config.obs.len())
            .filter(|ob| !p.data.rows_by_ob[*ob].is_empty())
            .map(|ob| (ob, ObDays::build_within(self.config, one, ob, self.within.as_ref())))
            .collect();
        let distinct = self.fields[p.dataset]
            .distinct
            .iter()
            .filter_map(|field| match p.data.table.column(field, Form::Distinct) {
                Some(Column::Distinct(col)) => {
                    let interner = self.interners[p.dataset].get(field)?;
                    if self.within.is_none() {
                        return Some((field.clone(), interner.codes(&col.hashes)));
                    }
                    // Only the values the roll-up holds need a dataset-wide code: with the
                    // meters narrowed to a period, most of a piece's values are in no day.
                    let mut used = vec![false; col.hashes.len()];
                    for (_, d) in &days {
                        d.mark_distinct(self.config, field, &mut used);
                    }
                    let hashes: Vec<u128> = col
                        .hashes
                        .iter()
                        .zip(&used)
                        .map(|(h, u)| if *u { *h } else { 0 })
                        .collect();
                    Some((field.clone(), interner.codes(&hashes)))
                }
                _ => None,
            })
            .collect();
        Rolled {
            dataset: p.dataset,
            data: p.data,
            days,
            distinct,
        }
    }
}

/// Looks every hash up once before the real pass: the look-ups of a big table miss the
/// cache, and a loop of look-ups whose results nothing waits for lets the processor wait for
/// many of those misses at once, where the inserting pass, whose branches follow what it
/// finds, waits for them one by one.
fn warm(hashes: impl Iterator<Item = u128>, look: impl Fn(&u128) -> bool) {
    let mut found = 0usize;
    for h in hashes {
        found += usize::from(look(&h));
    }
    std::hint::black_box(found);
}

/// Shards of the duplicate check's id sets (a power of two). An id's hash picks its shard,
/// so every copy of an id meets the same shard, and each shard has a turnstile of its own:
/// the pieces pass every shard in piece order, but while one piece checks its ids of a
/// shard the next one can check its ids of the shard before. With one set the check ran on
/// one core at a time, for about a quarter of the load's wall time.
const ID_SHARDS: usize = 16;

/// The shard of the duplicate check an id's hash belongs to: its top bits (the set's own
/// hasher uses the low ones).
fn id_shard(h: u128) -> usize {
    (h >> (128 - ID_SHARDS.trailing_zeros())) as usize
}

/// The ids seen so far: per shard, a turnstile over each usage dataset's set of hashes.
struct Seen {
    shards: Vec<Turnstile<Vec<HashSet128>>>,
}

impl Seen {
    /// Sets sized for the records `schedule` expects per dataset (a shard gets a little more
    /// than its share, so that none grows by doubling, which holds both copies at once).
    fn new(datasets: usize, schedule: &Schedule, hollow: &Arc<[bool]>) -> Seen {
        let per_shard = |n: u64| usize::try_from(n / ID_SHARDS as u64 + n / (ID_SHARDS as u64 * 50)).unwrap_or(0);
        let sets = || {
            (0..datasets)
                .map(|d| {
                    let expected = schedule.expected_records.get(d).copied().unwrap_or(0);
                    HashSet128::with_capacity_and_hasher(per_shard(expected), Default::default())
                })
                .collect()
        };
        Seen {
            shards: (0..ID_SHARDS)
                .map(|_| Turnstile::skipping(sets(), Arc::clone(hollow)))
                .collect(),
        }
    }

    /// Marks the duplicates of item `seq`'s piece (if it has one) against every id its
    /// dataset had before, and lets the item through every shard.
    fn dedupe(&self, seq: usize, mut piece: Option<&mut Prepared>) {
        let mut duplicate: Vec<bool> = Vec::new();
        for (shard, gate) in self.shards.iter().enumerate() {
            gate.pass(seq, |sets| {
                let Some(p) = piece.as_deref_mut() else { return };
                let seen = &mut sets[p.dataset];
                let rows = &p.by_shard[shard];
                warm(rows.iter().map(|&r| p.hashes[r as usize]), |h| seen.contains(h));
                for &r in rows {
                    if !seen.insert(p.hashes[r as usize]) {
                        if duplicate.is_empty() {
                            duplicate = vec![false; p.hashes.len()];
                        }
                        duplicate[r as usize] = true;
                    }
                }
            });
        }
        if let Some(p) = piece
            && !duplicate.is_empty()
        {
            p.data.mark_duplicates(&duplicate);
        }
    }
}

/// Folds a rolled piece into its dataset and into every OB's roll-up.
fn fold(config: &Config, states: &mut [DatasetState], growing: &mut [GrowingDays], r: Rolled) {
    let state = &mut states[r.dataset];
    let data = r.data;
    let mut codes: HashMap<String, Vec<u32>> = HashMap::new();
    for (field, col) in state.groups.iter_mut() {
        if let Some(Column::Value(piece)) = data.table.column(field, Form::Value) {
            codes.insert(field.clone(), piece.dict.iter().map(|v| col.intern(v)).collect());
            if !state.present.contains(field) {
                state.present.push(field.clone());
            }
        }
    }
    let distinct = r.distinct;
    let records = &mut state.records;
    let issue_base = records.issues.len() as u32;
    let row_base = records.rows as u64;
    records.rows += data.rows;
    note_files(records, &data, row_base);
    for (into, from) in [
        (&mut records.issues, &data.issues),
        (&mut records.unattributable, &data.unattributable),
    ] {
        for issue in from {
            let row = records.ids.len() as u32;
            records.ids.push(Some(data.ids.get(issue.row as usize)));
            into.push(Issue { row, ..issue.clone() });
        }
    }
    let latest = data
        .rows_by_ob
        .iter()
        .flatten()
        .map(|r| data.time_us[*r as usize])
        .max();
    records.latest_us = records.latest_us.max(latest);
    let maps = PieceMaps {
        ids: &data.ids,
        issue_base,
        row_base,
        codes: &codes,
        distinct: &distinct,
    };
    for (ob, days) in r.days {
        growing[ob].absorb(config, r.dataset, days, &maps);
    }
}

/// Adds a piece's rows, unattributable records and their causes to its files' records
/// (`row_base`: the dataset's records before the piece).
fn note_files(records: &mut DatasetRecords, data: &PreparedDataset, row_base: u64) {
    let segments: Vec<(u32, usize)> = if data.files.is_empty() {
        vec![(0, data.rows)]
    } else {
        data.files.clone()
    };
    let file_of = data.file_of_rows();
    for (file, rows) in &segments {
        let f = *file as usize;
        if records.files.len() <= f {
            records.files.resize(f + 1, FileRecords::default());
        }
        records.files[f].rows += *rows as u64;
    }
    for issue in &data.unattributable {
        let file = file_of.get(issue.row as usize).copied().unwrap_or(0) as usize;
        let f = &mut records.files[file];
        f.unattributable += 1;
        f.note(row_base + u64::from(issue.row), issue.code, &issue.field);
    }
}

/// How a load's work is laid out.
#[derive(Debug, Clone, Default)]
pub struct Schedule {
    /// Work items, read by `read(0..tasks)`.
    pub tasks: usize,
    pub workers: usize,
    /// Per usage dataset: the records it is expected to hold (0: not known). The duplicate
    /// check sizes its id set by it once, instead of growing it by doubling (which copies the
    /// set and holds both copies at once).
    pub expected_records: Vec<u64>,
    /// Items that never carry records (hashing a file): `read` must give `None` for them.
    /// The ordered steps do not wait for them, so the pieces after a file's hash need not
    /// wait for it (empty: none).
    pub hollow: Vec<bool>,
    /// Roll meters up only on the local days of this period (`ObDays::build_within`): a load
    /// that rates one period and no other. Counts, files, suspended and unattributable
    /// records and duplicates still cover every record.
    pub within: Option<Period>,
}

/// Streams `schedule.tasks` work items through the engine on `schedule.workers` threads.
/// `read(i)` reads item `i` (in dataset, file and row order); an item may be `None` (work
/// with no records, such as hashing a file, best marked `Schedule::hollow`). `cancelled`
/// is asked before each item; `done(i)` is called when item `i` is folded in.
pub fn stream<E: Send>(
    config: &Config,
    dimensions: &HashMap<String, DimensionTable>,
    schedule: &Schedule,
    read: &(dyn Fn(usize) -> Result<Option<Piece>, E> + Sync),
    cancelled: &(dyn Fn() -> bool + Sync),
    done: &(dyn Fn(usize) + Sync),
) -> Result<Streamed, StreamError<E>> {
    let fields: Vec<DatasetFields> = config.datasets.iter().map(|d| DatasetFields::of(config, d)).collect();
    let states: Vec<DatasetState> = config
        .datasets
        .iter()
        .zip(&fields)
        .map(|(ds, f)| DatasetState {
            records: DatasetRecords {
                name: ds.name.as_str().into(),
                ..DatasetRecords::default()
            },
            groups: f
                .breakdown
                .iter()
                .map(|b| (b.clone(), ValueColumn::default()))
                .collect(),
            present: Vec::new(),
        })
        .collect();
    let meters: Vec<Vec<(usize, Vec<String>)>> = fields.iter().map(|f| f.meters.clone()).collect();
    let growing: Vec<GrowingDays> = (0..config.obs.len()).map(|ob| GrowingDays::new(ob, &meters)).collect();
    let interners = fields
        .iter()
        .map(|f| f.distinct.iter().map(|d| (d.clone(), Interner::new())).collect())
        .collect();
    let context = Context {
        config,
        dimensions,
        fields,
        interners,
        within: schedule.within,
    };
    let hollow: Arc<[bool]> = schedule.hollow.as_slice().into();
    let seen = Seen::new(config.datasets.len(), schedule, &hollow);
    let (tasks, workers) = (schedule.tasks, schedule.workers);
    let fold_gate = Turnstile::skipping((states, growing), Arc::clone(&hollow));
    let claims = Claims::new(tasks);
    on_workers(workers, &|| {
        while let Some((seq, piece)) = claims.next(cancelled, read) {
            if hollow.get(seq).is_some_and(|h| *h) {
                assert!(piece.flatten().is_none(), "item {seq} is marked hollow but has records");
                done(seq);
                continue;
            }
            let mut prepared = piece.flatten().map(|p| context.prepare(p));
            seen.dedupe(seq, prepared.as_mut());
            let rolled = match prepared {
                Some(p) if !claims.stopped() => Some(context.roll(p)),
                _ => None,
            };
            fold_gate.pass(seq, |(states, growing)| {
                if let Some(r) = rolled {
                    fold(config, &mut states[..], &mut growing[..], r);
                }
            });
            done(seq);
        }
    });
    claims.finish().map_err(|e| match e {
        Stopped::Failed(e) => StreamError::Read(e),
        Stopped::Cancelled => StreamError::Cancelled,
    })?;
    drop(seen);
    let (states, growing) = fold_gate.into_inner();
    let present: Vec<Vec<String>> = states.iter().map(|s| s.present.clone()).collect();
    let days = growing.into_iter().map(|g| g.finish(config, &present)).collect();
    Ok(Streamed {
        datasets: states.into_iter().map(|s| s.records).collect(),
        days,
        within: schedule.within,
    })
}

/// The record rules (docs/processing.md) for whole datasets at once, the reference the streaming load is
/// tested against: every dataset prepared as one piece, duplicates marked in row order.
pub fn prepare_whole(
    config: &Config,
    tables: Vec<Table>,
    dimensions: &HashMap<String, DimensionTable>,
) -> Vec<PreparedDataset> {
    config
        .datasets
        .iter()
        .zip(tables)
        .map(|(ds, mut table)| {
            // One code per distinct value: the direct pass counts codes.
            for column in table.columns.values_mut() {
                if let Column::Distinct(c) = column {
                    *c = c.compacted();
                }
            }
            let mut data = process::prepare(config, ds, table, dimensions);
            let mut seen = std::collections::HashSet::new();
            let duplicate: Vec<bool> = (0..data.ids.len())
                .map(|r| data.ids.state(r) == CellState::Ok && !seen.insert(data.ids.get(r).to_string()))
                .collect();
            data.mark_duplicates(&duplicate);
            data
        })
        .collect()
}
