//! Work that runs on all cores but must be seen in order: a turnstile that lets numbered
//! items through one at a time, and the 128-bit id hashes the duplicate check keeps.

use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// A hasher for values that are hashes already: the low 64 bits of a 128-bit hash.
#[derive(Default)]
pub struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u128(&mut self, v: u128) {
        self.0 = v as u64;
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// A 128-bit hash as two words, for map keys: an entry of a `u128` (aligned to 16 bytes)
/// and a `u32` code takes 32 bytes, one of this takes 24, so the maps of millions of
/// distinct values take a quarter less memory and cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hash128([u64; 2]);

impl Hash128 {
    pub fn of(h: u128) -> Hash128 {
        Hash128([h as u64, (h >> 64) as u64])
    }
}

impl std::hash::Hash for Hash128 {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // The same low 64 bits a `u128` key gives `PassThrough`.
        state.write_u64(self.0[0]);
    }
}

/// A set of 128-bit hashes.
pub type HashSet128 = hashbrown::HashSet<u128, BuildHasherDefault<PassThrough>>;
/// A map from 128-bit hashes to codes.
pub type HashMap128 = hashbrown::HashMap<Hash128, u32, BuildHasherDefault<PassThrough>>;

/// The 128-bit hash of an id (xxh3-128).
pub fn id_hash(id: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(id)
}

/// Lets work items pass one at a time, in the order of their numbers.
pub struct Turnstile<T> {
    state: Mutex<(usize, T)>,
    turn: Condvar,
    /// Items that never pass (work without records): their turn is skipped.
    skipped: Arc<[bool]>,
}

impl<T> Turnstile<T> {
    pub fn new(value: T) -> Turnstile<T> {
        Turnstile::skipping(value, Arc::from([]))
    }

    /// A turnstile that lets no item `i` with `skipped[i]` through and does not wait for
    /// one: the item after it may pass as soon as the item before it has.
    pub fn skipping(value: T, skipped: Arc<[bool]>) -> Turnstile<T> {
        let first = skipped.iter().take_while(|s| **s).count();
        Turnstile {
            state: Mutex::new((first, value)),
            turn: Condvar::new(),
            skipped,
        }
    }

    /// Waits for item `seq`'s turn, runs `f`, and lets the next item through.
    pub fn pass<R>(&self, seq: usize, f: impl FnOnce(&mut T) -> R) -> R {
        debug_assert!(!self.skipped.get(seq).is_some_and(|s| *s), "item {seq} is skipped");
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while guard.0 != seq {
            guard = self.turn.wait(guard).unwrap_or_else(|e| e.into_inner());
        }
        let result = f(&mut guard.1);
        guard.0 += 1;
        while self.skipped.get(guard.0).is_some_and(|s| *s) {
            guard.0 += 1;
        }
        drop(guard);
        self.turn.notify_all();
        result
    }

    pub fn into_inner(self) -> T {
        self.state.into_inner().unwrap_or_else(|e| e.into_inner()).1
    }
}

/// Hands out work items to workers in the order of their numbers, stops handing them out
/// once cancelled or once an item fails, and keeps the first failure in item order.
pub struct Claims<E> {
    tasks: usize,
    next: AtomicUsize,
    stop: AtomicBool,
    failed: Mutex<Option<(usize, E)>>,
}

impl<E> Claims<E> {
    pub fn new(tasks: usize) -> Claims<E> {
        Claims {
            tasks,
            next: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            failed: Mutex::new(None),
        }
    }

    /// The next item's number and what `read` made of it; `None` for the result once the
    /// work stops (the number is still handed out, so the ordered steps let it through).
    /// `None` altogether when every item is handed out.
    pub fn next<T>(
        &self,
        cancelled: &dyn Fn() -> bool,
        read: impl FnOnce(usize) -> Result<T, E>,
    ) -> Option<(usize, Option<T>)> {
        let seq = self.next.fetch_add(1, Ordering::Relaxed);
        if seq >= self.tasks {
            return None;
        }
        if cancelled() {
            self.stop.store(true, Ordering::Relaxed);
        }
        if self.stopped() {
            return Some((seq, None));
        }
        match read(seq) {
            Ok(t) => Some((seq, Some(t))),
            Err(e) => {
                self.stop.store(true, Ordering::Relaxed);
                let mut f = self.failed.lock().unwrap_or_else(|e| e.into_inner());
                if f.as_ref().is_none_or(|(s, _)| seq < *s) {
                    *f = Some((seq, e));
                }
                Some((seq, None))
            }
        }
    }

    /// Whether the work stopped (cancelled, or an item failed).
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Once every worker is done: the first failure, or the cancel, if any.
    pub fn finish(self) -> Result<(), Stopped<E>> {
        if let Some((_, e)) = self.failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
            return Err(Stopped::Failed(e));
        }
        if self.stop.load(Ordering::Relaxed) {
            return Err(Stopped::Cancelled);
        }
        Ok(())
    }
}

/// Runs `work` on `workers` threads (this one among them) until each returns.
pub fn on_workers(workers: usize, work: &(dyn Fn() + Sync)) {
    std::thread::scope(|scope| {
        for _ in 1..workers.max(1) {
            scope.spawn(work);
        }
        work();
    });
}

/// Runs `parallel(i)` for `i in 0..tasks` on `workers` threads and hands each result to
/// `serial(i, result, state)` in the order of `i`. Stops taking new items once `cancelled`
/// says so or an item fails; the first failure in item order is returned.
pub fn in_order<T, S: Send, E: Send>(
    tasks: usize,
    workers: usize,
    state: S,
    parallel: &(dyn Fn(usize) -> Result<T, E> + Sync),
    serial: &(dyn Fn(usize, T, &mut S) + Sync),
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Result<S, Stopped<E>> {
    let gate = Turnstile::new(state);
    let claims = Claims::new(tasks);
    on_workers(workers, &|| {
        while let Some((seq, result)) = claims.next(cancelled, parallel) {
            gate.pass(seq, |s| {
                if let Some(t) = result
                    && !claims.stopped()
                {
                    serial(seq, t, s);
                }
            });
        }
    });
    claims.finish()?;
    Ok(gate.into_inner())
}

/// Why `in_order` stopped early.
#[derive(Debug)]
pub enum Stopped<E> {
    Failed(E),
    Cancelled,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_seen_in_item_order_whatever_finishes_first() {
        // Later items finish first: item i sleeps longer the smaller i is.
        let seen = in_order(
            12,
            4,
            Vec::new(),
            &|i: usize| -> Result<usize, ()> {
                std::thread::sleep(std::time::Duration::from_millis((12 - i as u64) * 2));
                Ok(i * 10)
            },
            &|i, t, v: &mut Vec<(usize, usize)>| v.push((i, t)),
            &|| false,
        )
        .unwrap();
        assert_eq!(seen, (0..12).map(|i| (i, i * 10)).collect::<Vec<_>>());
    }

    #[test]
    fn skipped_items_are_not_waited_for() {
        // Items 0, 2 and 5 never arrive (a file's hash): the others pass in order anyway,
        // the later ones first asking on other threads.
        let gate = Turnstile::skipping(Vec::new(), Arc::from([true, false, true, false, false, true]));
        std::thread::scope(|scope| {
            for seq in [4, 3, 1] {
                let gate = &gate;
                scope.spawn(move || gate.pass(seq, |v: &mut Vec<usize>| v.push(seq)));
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        });
        assert_eq!(gate.into_inner(), [1, 3, 4]);
        let plain = Turnstile::new(Vec::new());
        plain.pass(0, |v: &mut Vec<usize>| v.push(0));
        assert_eq!(plain.into_inner(), [0]);
    }

    #[test]
    fn the_first_failure_in_item_order_is_returned() {
        let r = in_order(
            8,
            3,
            0usize,
            &|i: usize| if i == 5 || i == 6 { Err(i) } else { Ok(()) },
            &|_, (), n: &mut usize| *n += 1,
            &|| false,
        );
        assert!(matches!(r, Err(Stopped::Failed(5))), "{r:?}");
    }

    #[test]
    fn cancel_stops_before_the_items() {
        let r = in_order(
            5,
            2,
            0usize,
            &|_| Ok::<(), ()>(()),
            &|_, (), n: &mut usize| *n += 1,
            &|| true,
        );
        assert!(matches!(r, Err(Stopped::Cancelled)));
    }
}
