//! The Spark hand-off on a real Spark (docs/databricks.md): the job `spark-job` writes runs
//! in `local[2]` on the sample as Parquet, CSV and JSON (written by Spark's own writers)
//! and on a high-cardinality export; the usage summary it writes must give the very JSON,
//! `check` report and workbook sheets of the direct run on the same files (Run info aside).
//!
//! Needs `spark-submit` (pyspark) and Java 17, which `scripts/setup.sh` installs; without
//! them the Spark tests are skipped locally and fail under CI.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures, as tests should
#![allow(clippy::disallowed_methods)] // tests, benches and tools read and write files freely

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use common::run;
use serde_json::Value;

/// One Spark at a time: this machine has two cores and each job uses both.
static SPARK: Mutex<()> = Mutex::new(());

/// pyspark's own `spark-submit`, wherever pip installed it (`None`: no pyspark here).
fn spark_submit() -> Option<PathBuf> {
    let script = "import os, pyspark; print(os.path.join(os.path.dirname(pyspark.__file__), 'bin', 'spark-submit'))";
    let found = Command::new("python3")
        .args(["-c", script])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .filter(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var("CI").is_err(),
            "CI must run the Spark tests: scripts/setup.sh installs pyspark and Java 17"
        );
        eprintln!("skipped: no pyspark here (scripts/setup.sh installs it with Java 17)");
    }
    found
}

/// `spark-submit --master local[2] SCRIPT ARGS`; returns (exit code, what it printed).
/// Spark passes the Python program's own output through its standard output, so both
/// streams are kept.
fn submit(spark: &Path, script: &Path, args: &[&str]) -> (i32, String) {
    let scratch = tempfile::tempdir().unwrap();
    let out = Command::new(spark)
        .args(["--master", "local[2]", "--driver-memory", "3g"])
        .args(["--conf", "spark.ui.enabled=false", "--conf", "spark.log.level=WARN"])
        .arg(script)
        .args(args)
        .current_dir(scratch.path())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Generates the job for `config` and runs it on `data`; returns the summary folder.
fn summarise(spark: &Path, data: &Path, config: &Path, work: &Path) -> PathBuf {
    let job = work.join("job.py");
    let (code, _, err) = run(&["spark-job", "--config", s(config), "--out", s(&job), "--force"]);
    assert_eq!(code, 0, "{err}");
    let out = work.join("summary");
    let started = std::time::Instant::now();
    let (code, err) = submit(spark, &job, &["--data", s(data), "--out", s(&out)]);
    assert_eq!(code, 0, "the job failed:\n{err}");
    eprintln!(
        "spark job on {}: {:.1} s",
        data.display(),
        started.elapsed().as_secs_f64()
    );
    out
}

fn json_of(args: &[&str]) -> (i32, String) {
    let (code, out, err) = run(args);
    assert!(code == 0 || code == 1, "{args:?}: {err}");
    (code, out)
}

fn base_name(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_string()
}

/// Every sheet of every workbook in `dir` except Run info, cell by cell (files by name).
fn sheets(dir: &Path) -> Vec<(String, String, Vec<Vec<String>>)> {
    use calamine::Reader;
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    let mut out = Vec::new();
    for path in names {
        let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
        for sheet in wb.sheet_names() {
            if sheet == "Run info" {
                continue;
            }
            let range = wb.worksheet_range(&sheet).unwrap();
            let cells = range
                .rows()
                .map(|r| {
                    r.iter()
                        .enumerate()
                        .map(|(i, c)| match (sheet.as_str(), i) {
                            ("Files", 1) => base_name(&c.to_string()),
                            _ => c.to_string(),
                        })
                        .collect()
                })
                .collect();
            out.push((path.file_name().unwrap().to_string_lossy().into_owned(), sheet, cells));
        }
    }
    out
}

/// The direct run and the summary give the same invoices, JSON and check report.
fn assert_same(data: &Path, summary: &Path, config: &Path, months: &[&str]) {
    let invoice = |d: &Path, month: &str| {
        let mut args = common::invoice_args(d, config, "all");
        args.extend(["--period", month, "--json"]);
        json_of(&args)
    };
    for month in months {
        let direct = invoice(data, month);
        let summed = invoice(summary, month);
        assert!(direct.1.contains("\"invoices\""), "{}", direct.1);
        assert_eq!(direct, summed, "invoice --json for {month} differs");

        let check = |d: &Path| {
            let (code, out) = json_of(&[
                "check",
                "--data",
                s(d),
                "--config",
                s(config),
                "--period",
                month,
                "--json",
            ]);
            let mut v: Value = serde_json::from_str(&out).unwrap();
            v.as_object_mut().unwrap().remove("data_dir");
            // Files are named as each side read them (a local path, the job's URI).
            for f in v["files"].as_array_mut().into_iter().flatten() {
                f["file"] = Value::from(base_name(f["file"].as_str().unwrap_or("")));
            }
            (code, v)
        };
        assert_eq!(check(data), check(summary), "check --json for {month} differs");
    }
    let month = months[months.len() - 1];
    let tmp = tempfile::tempdir().unwrap();
    let write = |d: &Path, out: &Path| {
        let mut args = common::invoice_args(d, config, "all");
        args.extend(["--period", month, "--out", s(out)]);
        let (code, _, err) = run(&args);
        assert!(code == 0 || code == 1, "{err}");
    };
    write(data, &tmp.path().join("direct"));
    write(summary, &tmp.path().join("summary"));
    let direct = sheets(&tmp.path().join("direct"));
    assert!(direct.iter().any(|(_, sheet, _)| sheet == "Breakdown"));
    assert_eq!(direct, sheets(&tmp.path().join("summary")), "a workbook sheet differs");
}

fn sample(out: &Path, extra: &[&str]) -> PathBuf {
    let mut args = vec!["sample", "--out", s(out), "--format", "parquet"];
    args.extend(extra);
    let (code, _, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    out.join("billing.toml")
}

#[test]
fn the_summary_of_parquet_csv_and_json_exports_rates_like_the_export() {
    let Some(spark) = spark_submit() else { return };
    let _one = SPARK.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let parquet = tmp.path().join("parquet");
    let config = sample(&parquet, &["--events", "20000", "--months", "2", "--start", "2026-09"]);
    let convert = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/spark/convert.py");
    let mut folders = vec![parquet.clone()];
    for format in ["csv", "json"] {
        let out = tmp.path().join(format);
        let (code, err) = submit(&spark, &convert, &[s(&parquet), s(&out), format]);
        assert_eq!(code, 0, "{err}");
        folders.push(out);
    }
    for data in folders {
        let work = tempfile::tempdir().unwrap();
        let summary = summarise(&spark, &data, &config, work.path());
        assert_same(&data, &summary, &config, &["2026-09", "2026-10"]);
    }
}

/// The months of an example's "Expected totals" table.
fn example_months(readme: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(readme).unwrap();
    let mut months: Vec<String> = text
        .lines()
        .skip_while(|l| !l.starts_with("## Expected totals"))
        .filter_map(|l| l.split('|').nth(2).map(str::trim))
        .filter(|m| m.len() == 7 && m.as_bytes()[4] == b'-')
        .map(str::to_string)
        .collect();
    months.sort();
    months.dedup();
    months
}

#[test]
fn every_example_rates_the_same_from_its_summary() {
    let Some(spark) = spark_submit() else { return };
    let _one = SPARK.lock().unwrap_or_else(|e| e.into_inner());
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut ran = 0;
    for entry in std::fs::read_dir(&examples).unwrap() {
        let dir = entry.unwrap().path();
        let (data, config) = (dir.join("data"), dir.join("billing.toml"));
        if !data.is_dir() || !config.is_file() {
            continue;
        }
        let months = example_months(&dir.join("README.md"));
        assert!(!months.is_empty(), "{}", dir.display());
        let work = tempfile::tempdir().unwrap();
        let summary = summarise(&spark, &data, &config, work.path());
        let months: Vec<&str> = months.iter().map(String::as_str).collect();
        assert_same(&data, &summary, &config, &months);
        // Issued from the summary, the documents are those of the export: issuing the export
        // afterwards finds every one of them unchanged.
        let register = work.path().join("register.sqlite");
        let month = months[months.len() - 1];
        for (from, out) in [(&summary, "from-summary"), (&data, "from-export")] {
            let (code, text, err) = run(&[
                "issue",
                "--data",
                s(from),
                "--config",
                s(&config),
                "--ob",
                "all",
                "--period",
                month,
                "--out",
                s(&work.path().join(out)),
                "--register",
                s(&register),
            ]);
            assert!(code == 0 || code == 1, "{err}");
            if out == "from-export" {
                assert!(err.contains("unchanged") && !err.contains("differs"), "{text}{err}");
            }
        }
        ran += 1;
    }
    assert!(ran >= 4, "only {ran} examples have a data folder");
}

#[test]
fn a_high_cardinality_export_gives_the_same_invoices_from_its_summary() {
    let Some(spark) = spark_submit() else { return };
    let _one = SPARK.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let events = std::env::var("BW_SPARK_EVENTS").unwrap_or_else(|_| "1000000".into());
    let config = sample(
        &data,
        &[
            "--events",
            &events,
            "--months",
            "3",
            "--start",
            "2026-08",
            "--high-cardinality",
        ],
    );
    let summary = summarise(&spark, &data, &config, tmp.path());
    assert_same(&data, &summary, &config, &["2026-08", "2026-09", "2026-10"]);
}

#[test]
fn a_cluster_without_the_avro_source_is_told_so() {
    let Some(spark) = spark_submit() else { return };
    let _one = SPARK.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (code, _, err) = run(&["sample", "--out", s(&data), "--events", "2000"]);
    assert_eq!(code, 0, "{err}");
    let job = tmp.path().join("job.py");
    let (code, _, err) = run(&["spark-job", "--config", s(&data.join("billing.toml")), "--out", s(&job)]);
    assert_eq!(code, 0, "{err}");
    let (code, err) = submit(
        &spark,
        &job,
        &["--data", s(&data), "--out", s(&tmp.path().join("summary"))],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no Avro source") && err.contains("D_Aura_App.avro"),
        "{err}"
    );
}

#[test]
fn a_summary_of_another_configuration_is_refused_naming_both_checksums() {
    let tmp = tempfile::tempdir().unwrap();
    let config = common::write_config(tmp.path(), common::TINY_CONFIG);
    let summary = tmp.path().join("summary");
    std::fs::create_dir_all(&summary).unwrap();
    let manifest = serde_json::json!({
        "format": "billing-workbench usage summary",
        "format_version": 1,
        "product_version": "0.0.0",
        "config_sha256": "0".repeat(64),
        "config_file": "/cluster/billing.toml",
        "data": "abfss://exports@aura.dfs.core.windows.net/2026-10",
        "datasets": [],
        "tables": [],
    });
    std::fs::write(summary.join("_summary.json"), manifest.to_string()).unwrap();
    let mut args = common::invoice_args(&summary, &config, "all");
    args.extend(["--period", "2026-10", "--json"]);
    let (code, _, err) = run(&args);
    assert_ne!(code, 0);
    let sha = billing_workbench::import::sha256_file(&config).unwrap();
    assert!(err.contains(&"0".repeat(64)) && err.contains(&sha), "{err}");
    assert!(err.contains("/cluster/billing.toml"), "{err}");
}

#[test]
fn the_job_is_python_with_the_configuration_in_view() {
    let tmp = tempfile::tempdir().unwrap();
    let config = common::write_config(tmp.path(), common::TINY_CONFIG);
    let job = tmp.path().join("job.py");
    let (code, _, err) = run(&["spark-job", "--config", s(&config), "--out", s(&job)]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&job).unwrap();
    assert!(text.contains("\"time_field\""), "the rules are embedded");
    // Written once: a second run without --force leaves the file alone.
    let (code, _, err) = run(&["spark-job", "--config", s(&config), "--out", s(&job)]);
    assert_ne!(code, 0, "{err}");
    let compiled = Command::new("python3").args(["-m", "py_compile"]).arg(&job).status();
    if let Ok(status) = compiled {
        assert!(status.success(), "the job is not valid Python");
    }
}
