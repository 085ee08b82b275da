//! End-to-end benchmark: generate Aura exports, then time `billing-workbench invoice --ob
//! all --json` for one month against a floor measured in the same run, the bare arrow-avro
//! decode of the same files (every field, all cores), and report the ratio and the peak
//! memory of the process.
//!
//! `cargo bench` (release build). Exports: `BENCH_SETS` (default
//! `hard-1000000,hard-10000000,avro-10000000,parquet-10000000`), each `SHAPE-EVENTS` where
//! SHAPE is `hard` (`sample --high-cardinality --months 3`: long unique ids, millions of
//! distinct users and sessions, three months in one export), `avro` or `parquet` (the
//! default sample, one month). Add `hard-50000000` for the large case (6 GB of Avro).
//! Data is generated once into `BENCH_DIR` (default `bench-data/`) and reused.
//! Each command runs `BENCH_RUNS` times (default 3); the median run is reported with the
//! fastest and slowest, because wall time on a shared 2-core machine varies by 10-15%.
//! `BENCH_WINDOW=1` also loads the Avro data in-process and times rating a period, which
//! is what the window pays when the period changes.

#![allow(clippy::disallowed_methods)] // tests, benches and tools read and write files freely

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_billing-workbench")
}

/// Peak resident memory of a running process, in bytes (VmHWM never goes down).
fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Runs a command with stdout discarded; returns wall time, peak memory and exit status.
fn measure(args: &[&str]) -> (Duration, u64, i32) {
    let start = Instant::now();
    let mut child = Command::new(bin())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start");
    let mut peak = 0;
    let status = loop {
        if let Some(p) = peak_rss(child.id()) {
            peak = peak.max(p);
        }
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    (start.elapsed(), peak, status.code().unwrap_or(-1))
}

fn generate(dir: &Path, events: u64, shape: &str) {
    if dir.join("billing.toml").is_file() {
        return;
    }
    eprintln!("generating {events} events ({shape}) in {} …", dir.display());
    let t = Instant::now();
    let events = events.to_string();
    let mut args = vec!["sample", "--out", dir.to_str().unwrap_or("."), "--events", &events];
    args.extend(match shape {
        "hard" => [
            "--months",
            "3",
            "--start",
            "2026-08",
            "--seed",
            "42",
            "--high-cardinality",
        ]
        .as_slice(),
        "parquet" => [
            "--months", "1", "--start", "2026-10", "--seed", "42", "--format", "parquet",
        ]
        .as_slice(),
        _ => ["--months", "1", "--start", "2026-10", "--seed", "42"].as_slice(),
    });
    let ok = Command::new(bin()).args(&args).status().is_ok_and(|s| s.success());
    assert!(ok, "generation failed");
    eprintln!("  generated in {:.1} s", t.elapsed().as_secs_f64());
}

/// The Avro files an invoice run reads: the highest version of each usage dataset, the
/// other datasets' files.
fn avro_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        let mut subdirs = Vec::new();
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                subdirs.push(p);
            } else if p.extension().is_some_and(|x| x == "avro") {
                files.push(p);
            }
        }
        // Versioned folders: only the highest version is read.
        let versions: Vec<&PathBuf> = subdirs
            .iter()
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('v'))
            })
            .collect();
        let keep = versions.iter().max_by_key(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n[1..].parse::<u32>().ok())
                .unwrap_or(0)
        });
        for s in &subdirs {
            if versions.contains(&s) && Some(&s) != keep {
                continue;
            }
            stack.push(s.clone());
        }
    }
    files.sort();
    files
}

/// The floor: every field of every file decoded with arrow-avro, files spread over all
/// cores (largest first), nothing kept. Returns the wall time and the records decoded.
fn bare_decode(files: &[PathBuf]) -> (Duration, u64) {
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    let mut order: Vec<&PathBuf> = files.iter().collect();
    order.sort_by_key(|f| std::cmp::Reverse(std::fs::metadata(f).map(|m| m.len()).unwrap_or(0)));
    let next = AtomicUsize::new(0);
    let records = AtomicU64::new(0);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let t = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..cores {
            scope.spawn(|| {
                while let Some(f) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let file = std::io::BufReader::new(std::fs::File::open(f).expect("open"));
                    let reader = arrow_avro::reader::ReaderBuilder::new()
                        .with_batch_size(16 * 1024)
                        .build(file)
                        .expect("avro");
                    for batch in reader {
                        let batch = batch.expect("decode");
                        records.fetch_add(batch.num_rows() as u64, Ordering::Relaxed);
                        std::hint::black_box(&batch);
                    }
                }
            });
        }
    });
    (t.elapsed(), records.into_inner())
}

fn median<T: Ord + Copy>(mut v: Vec<T>) -> (T, T, T) {
    v.sort();
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

/// In-process: what the window pays. Load once, then rate one period for every OB (a
/// period switch; an OB switch is a look-up in the result).
fn window_figures(dir: &Path) {
    use billing_workbench::engine::Selection;
    use billing_workbench::model::{Period, YearMonth};
    let t = Instant::now();
    let loaded = billing_workbench::load(dir, &dir.join("billing.toml"), &|_: &Path| {}).expect("load");
    let load_s = t.elapsed().as_secs_f64();
    let mut runs = Vec::new();
    for month in ["2026-10", "2026-09", "2026-11", "2026-10"] {
        let period = Period::Month(YearMonth::parse(month).expect("month"));
        let t = Instant::now();
        let report = loaded.engine.run(&period, &Selection::All);
        runs.push((month, t.elapsed().as_secs_f64() * 1000.0, report.invoices.len()));
    }
    println!("  in-process load {load_s:.2} s; rating all OBs for one period (ms):");
    for (month, ms, n) in runs {
        println!("    {month}: {ms:.0} ms ({n} invoices)");
    }
    let report = loaded.engine.run(
        &Period::Month(YearMonth::parse("2026-10").expect("month")),
        &Selection::All,
    );
    suspense_figures(report);
}

/// The Suspense tab with a million records (the sample's suspended records, repeated):
/// building its view (counts, datasets, rows that pass the filter) when the filter or
/// the result changes, and a frame's look-up of the kept view otherwise.
#[cfg(feature = "gui")]
fn suspense_figures(report: billing_workbench::report::RunReport) {
    use billing_workbench::gui::views::suspense_ui::{SuspenseCache, SuspenseFilter, SuspenseView};
    let sample: Vec<_> = report
        .invoices
        .iter()
        .flat_map(|i| i.suspense.iter().cloned())
        .collect();
    if sample.is_empty() {
        return;
    }
    let mut report = report;
    report.run.unattributable_records = std::sync::Arc::new(
        (0..1_000_000)
            .map(|i| {
                let mut e = sample[i % sample.len()].clone();
                e.record_id = format!("{}-{i}", e.record_id);
                e
            })
            .collect(),
    );
    let report = std::sync::Arc::new(report);
    let entries = &report.run.unattributable_records;
    let filters = [
        ("no filter", SuspenseFilter::default()),
        (
            "one code",
            SuspenseFilter {
                code: entries[0].code.to_string(),
                ..SuspenseFilter::default()
            },
        ),
        (
            "search text",
            SuspenseFilter {
                text: "-99".into(),
                ..SuspenseFilter::default()
            },
        ),
    ];
    println!("  suspense tab, 1M records: view built when the filter changes (ms):");
    for (name, f) in &filters {
        let t = Instant::now();
        let view = SuspenseView::new(entries, f);
        println!(
            "    {name}: {:.0} ms ({} shown)",
            t.elapsed().as_secs_f64() * 1000.0,
            view.shown.len()
        );
    }
    let mut cache = SuspenseCache::default();
    cache.view(&report, "ES", entries, &filters[0].1);
    let t = Instant::now();
    for _ in 0..1000 {
        std::hint::black_box(cache.view(&report, "ES", entries, &filters[0].1));
    }
    println!("    any other frame: {} ns", t.elapsed().as_nanos() / 1000);
}

#[cfg(not(feature = "gui"))]
fn suspense_figures(_: billing_workbench::report::RunReport) {}

fn main() {
    // `cargo bench` passes `--bench`; any other argument filters nothing here.
    let root = PathBuf::from(std::env::var("BENCH_DIR").unwrap_or_else(|_| "bench-data".into()));
    let sets: Vec<(String, u64)> = std::env::var("BENCH_SETS")
        .unwrap_or_else(|_| "hard-1000000,hard-10000000,avro-10000000,parquet-10000000".into())
        .split(',')
        .filter_map(|s| {
            let (shape, n) = s.trim().split_once('-')?;
            Some((shape.to_string(), n.parse().ok()?))
        })
        .collect();
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3)
        .max(1);
    println!(
        "{:<22} {:>11} {:>9} {:>9} {:>7} {:>9} {:>18}",
        "export", "records", "wall s", "floor s", "ratio", "peak MB", "runs (min-max s)"
    );
    for (shape, events) in sets {
        let dir = root.join(format!("{shape}-{events}"));
        generate(&dir, events, &shape);
        let config = dir.join("billing.toml");
        let args = [
            "invoice",
            "--data",
            dir.to_str().unwrap_or("."),
            "--config",
            config.to_str().unwrap_or("."),
            "--ob",
            "all",
            "--period",
            "2026-10",
            "--json",
        ];
        let files = avro_files(&dir);
        let mut floors = Vec::new();
        let mut results = Vec::new();
        let mut records = 0;
        // Floor and product alternate, so drift on a shared machine hits both alike.
        for _ in 0..runs {
            if !files.is_empty() {
                let (t, n) = bare_decode(&files);
                floors.push(t);
                records = n;
            }
            let (wall, peak, code) = measure(&args);
            // Exit 1 is expected: the sample leaves one OB without an FX rate in its first month.
            assert!(code == 0 || code == 1, "invoice failed with exit {code}");
            results.push((wall, peak));
        }
        let ((wall, peak), (fast, _), (slow, _)) = median(results);
        let floor = (!floors.is_empty()).then(|| median(floors).0);
        println!(
            "{:<22} {:>11} {:>9.2} {:>9} {:>7} {:>9.0} {:>18}",
            format!("{shape}-{events}"),
            records,
            wall.as_secs_f64(),
            floor.map_or("-".into(), |f| format!("{:.2}", f.as_secs_f64())),
            floor.map_or("-".into(), |f| format!("{:.2}x", wall.as_secs_f64() / f.as_secs_f64())),
            peak as f64 / 1_048_576.0,
            format!("{runs} ({:.1}-{:.1})", fast.as_secs_f64(), slow.as_secs_f64())
        );
        if shape != "parquet" && std::env::var("BENCH_WINDOW").is_ok_and(|v| v == "1") {
            window_figures(&dir);
        }
    }
}
