//! A mutational fuzzer for every reader and the configuration parser, on stable Rust.
//!
//! ```sh
//! cargo run --release --example fuzz -- seeds                 # (re)write fuzz/seeds/
//! cargo run --release --example fuzz -- run avro 600          # 10 minutes on the Avro reader
//! cargo run --release --example fuzz -- replay fuzz/regressions
//! ```
//!
//! Targets: avro, parquet, csv, json, xlsx, ods, config, discards. Each execution takes a
//! seed of the target, applies a few random mutations (bit flips, interesting bytes,
//! inserted, deleted or repeated ranges, splices with another seed, truncation; for
//! Avro and Parquet mostly past the header, so the decoder is reached), writes it to a
//! file in memory (/dev/shm) and reads it. Reading may fail with an error (that is the
//! point); it must not panic, hang or allocate without bound:
//!
//! - a panic is caught, and the input saved to `fuzz/crashes/`;
//! - an execution over 10 s is a hang: the input is saved and the process exits 2;
//! - the allocator is capped at 4 GiB: a reader that asks for more aborts the process,
//!   and the input it was reading is left in the work file named on start.
//!
//! Every input ever saved belongs in `fuzz/regressions/`, which `cargo test` replays
//! (`tests/fuzz_regressions.rs`).

#![allow(clippy::disallowed_methods)] // tests, benches and tools read and write files freely

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};

#[path = "../../tests/common/mod.rs"]
mod common;
#[path = "../../tests/common/fuzz_target.rs"]
mod fuzz_target;
mod seeds;

use fuzz_target::{TARGETS, execute};

#[global_allocator]
static ALLOCATOR: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, 4 << 30);

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn seeds_of(target: &str) -> Vec<Vec<u8>> {
    let dir = fuzz_dir().join("seeds").join(target);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (run `fuzz seeds` first)", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

/// Where the decoder starts to matter: mutations mostly land past a binary file's header.
fn header_len(target: &str, bytes: &[u8]) -> usize {
    match target {
        "avro" => billing_workbench::import::avro::header_len(bytes).unwrap_or(0),
        "parquet" => 4,
        _ => 0,
    }
}

fn mutate(rng: &mut impl Rng, input: &mut Vec<u8>, others: &[Vec<u8>], skip: usize) {
    const INTERESTING: [u8; 8] = [0, 1, 0x7f, 0x80, 0xff, 0xfe, b'"', b','];
    for _ in 0..rng.random_range(1..=4) {
        if input.is_empty() {
            input.push(rng.random());
            continue;
        }
        let from = if skip < input.len() && rng.random_bool(0.9) {
            skip
        } else {
            0
        };
        let at = rng.random_range(from..input.len());
        match rng.random_range(0..9) {
            0 | 1 => input[at] ^= 1 << rng.random_range(0..8),
            2 => input[at] = INTERESTING[rng.random_range(0..INTERESTING.len())],
            3 => input[at] = rng.random(),
            4 => {
                let n = rng.random_range(1..=16);
                for _ in 0..n {
                    input.insert(at, rng.random());
                }
            }
            5 => {
                let end = (at + rng.random_range(1..=64)).min(input.len());
                input.drain(at..end);
            }
            6 => {
                let end = (at + rng.random_range(1..=64)).min(input.len());
                let copy = input[at..end].to_vec();
                let to = rng.random_range(at..=input.len());
                input.splice(to..to, copy);
            }
            7 => {
                let other = &others[rng.random_range(0..others.len())];
                if !other.is_empty() {
                    let start = rng.random_range(0..other.len());
                    let end = (start + rng.random_range(1..=256)).min(other.len());
                    let to = at.min(input.len());
                    input.splice(
                        to..(to + end - start).min(input.len()),
                        other[start..end].iter().copied(),
                    );
                }
            }
            _ => input.truncate(at.max(1)),
        }
    }
}

/// Saves a failing input under `fuzz/crashes/` and returns its path.
fn save(target: &str, bytes: &[u8], why: &str) -> PathBuf {
    let dir = fuzz_dir().join("crashes");
    let _ = std::fs::create_dir_all(&dir);
    let name = format!("{target}-{why}-{:016x}", xxhash_rust::xxh3::xxh3_64(bytes));
    let path = dir.join(name);
    let _ = std::fs::write(&path, bytes);
    path
}

fn run(target: &str, seconds: u64) {
    let seeds = seeds_of(target);
    assert!(!seeds.is_empty(), "no seeds for {target}");
    let work = std::env::temp_dir().join(format!("bw-fuzz-{target}-{}", std::process::id()));
    let work = if Path::new("/dev/shm").is_dir() {
        Path::new("/dev/shm").join(work.file_name().unwrap_or_default())
    } else {
        work
    };
    std::fs::create_dir_all(&work).expect("work folder");
    eprintln!(
        "fuzz {target}: {} seeds, {seconds} s, work folder {}",
        seeds.len(),
        work.display()
    );
    // Quiet panics: they are counted and saved, not printed one by one.
    std::panic::set_hook(Box::new(|_| {}));
    let current: Mutex<Vec<u8>> = Mutex::new(Vec::new());
    let started_exec = AtomicU64::new(0);
    let done = std::sync::atomic::AtomicBool::new(false);
    let clock = Instant::now();
    let deadline = Duration::from_secs(seconds);
    let (mut execs, mut crashes, mut read) = (0u64, 0u64, 0u64);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(std::process::id().into());
    std::thread::scope(|scope| {
        // The watchdog: an execution that runs 10 s is a hang.
        scope.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(500));
                let since = started_exec.load(Ordering::Relaxed);
                if since > 0 && clock.elapsed().as_millis() as u64 > since + 10_000 {
                    let input = current.lock().map(|c| c.clone()).unwrap_or_default();
                    let path = save(target, &input, "hang");
                    eprintln!("fuzz {target}: HANG, input saved to {}", path.display());
                    std::process::exit(2);
                }
            }
        });
        while clock.elapsed() < deadline {
            let mut input = seeds[rng.random_range(0..seeds.len())].clone();
            let skip = header_len(target, &input);
            mutate(&mut rng, &mut input, &seeds, skip);
            if let Ok(mut c) = current.lock() {
                c.clone_from(&input);
            }
            started_exec.store(clock.elapsed().as_millis() as u64 + 1, Ordering::Relaxed);
            let outcome = std::panic::catch_unwind(|| execute(target, &input, &work));
            started_exec.store(0, Ordering::Relaxed);
            execs += 1;
            match outcome {
                Ok(true) => read += 1,
                Ok(false) => {}
                Err(_) => {
                    crashes += 1;
                    let path = save(target, &input, "panic");
                    eprintln!("fuzz {target}: PANIC, input saved to {}", path.display());
                }
            }
        }
        done.store(true, Ordering::Relaxed);
    });
    let _ = std::fs::remove_dir_all(&work);
    println!(
        "fuzz {target}: {execs} executions in {:.0} s ({:.0}/s), {read} read without error, {crashes} panics, no hang, heap cap of 4 GiB never reached",
        clock.elapsed().as_secs_f64(),
        execs as f64 / clock.elapsed().as_secs_f64(),
    );
    if crashes > 0 {
        std::process::exit(1);
    }
}

/// Replays every saved input (`TARGET-…` files) of a folder; any panic fails.
fn replay(dir: &Path) {
    let work = std::env::temp_dir().join(format!("bw-fuzz-replay-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("work folder");
    let mut failed = 0;
    for entry in std::fs::read_dir(dir).expect("folder").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(target) = TARGETS.iter().find(|t| name.starts_with(&format!("{t}-"))) else {
            continue;
        };
        let bytes = std::fs::read(entry.path()).expect("input");
        if std::panic::catch_unwind(|| execute(target, &bytes, &work)).is_err() {
            eprintln!("{name}: panics");
            failed += 1;
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    if failed > 0 {
        std::process::exit(1);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["seeds"] => seeds::write(&fuzz_dir().join("seeds")),
        ["run", target, seconds] if TARGETS.contains(target) => run(target, seconds.parse().expect("seconds")),
        ["replay", dir] => replay(Path::new(dir)),
        _ => {
            eprintln!(
                "usage: fuzz seeds | fuzz run <{}> <seconds> | fuzz replay <folder>",
                TARGETS.join("|")
            );
            std::process::exit(2);
        }
    }
}
