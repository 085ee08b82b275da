//! End-to-end benchmark: generate 1M and 10M Aura events (Avro and Parquet), then time
//! `billing-workbench invoice --ob all --json` for one month and report events per second
//! and peak memory of the process.
//!
//! `cargo bench` (release build). Sizes: `BENCH_EVENTS=1000000,10000000` (default).
//! Data is generated once into `BENCH_DIR` (default `bench-data/`) and reused.
//! Each command runs `BENCH_RUNS` times (default 3); the median run is reported with the
//! fastest and slowest, because wall time on a shared 2-core machine varies by 10-15%.
//! `BENCH_WINDOW=1` also loads the Avro data in-process and times rating a period, which
//! is what the window pays when the period changes.

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

fn generate(dir: &Path, events: u64, format: &str) {
    if dir.join("billing.toml").is_file() {
        return;
    }
    eprintln!("generating {events} events as {format} in {} …", dir.display());
    let t = Instant::now();
    let ok = Command::new(bin())
        .args([
            "sample",
            "--out",
            dir.to_str().unwrap_or("."),
            "--events",
            &events.to_string(),
            "--months",
            "1",
            "--start",
            "2026-10",
            "--seed",
            "42",
            "--format",
            format,
        ])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "generation failed");
    eprintln!("  generated in {:.1} s", t.elapsed().as_secs_f64());
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
    let sizes: Vec<u64> = std::env::var("BENCH_EVENTS")
        .unwrap_or_else(|_| "1000000,10000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3)
        .max(1);
    println!(
        "{:<10} {:>12} {:>10} {:>14} {:>12} {:>16}",
        "format", "events", "wall s", "events/s", "peak MB", "runs (min-max s)"
    );
    for events in sizes {
        for format in ["avro", "parquet"] {
            let dir = root.join(format!("{format}-{events}"));
            generate(&dir, events, format);
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
            let mut results: Vec<(Duration, u64)> = (0..runs)
                .map(|_| {
                    let (wall, peak, code) = measure(&args);
                    // Exit 1 is expected: the sample leaves one OB without an FX rate in its first month.
                    assert!(code == 0 || code == 1, "invoice failed with exit {code}");
                    (wall, peak)
                })
                .collect();
            results.sort();
            let (wall, peak) = results[results.len() / 2];
            println!(
                "{:<10} {:>12} {:>10.2} {:>14.0} {:>12.0} {:>16}",
                format,
                events,
                wall.as_secs_f64(),
                events as f64 / wall.as_secs_f64(),
                peak as f64 / 1_048_576.0,
                format!(
                    "{runs} ({:.1}-{:.1})",
                    results[0].0.as_secs_f64(),
                    results[results.len() - 1].0.as_secs_f64()
                )
            );
            if format == "avro" && std::env::var("BENCH_WINDOW").is_ok_and(|v| v == "1") {
                window_figures(&dir);
            }
        }
    }
}
