//! Per-file statistics (README, "Per-file statistics"): every input file's rows read,
//! unattributable, out of period and in scope by outcome, with the first causes; in
//! `check` (text and JSON) and the Summary workbook's Files sheet. A dataset's files add
//! up to its reconciliation, and a file with a much larger share of suspended records
//! stands out.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures, as tests should
#![allow(clippy::disallowed_methods)] // tests, benches and tools read and write files freely

mod common;

use std::path::Path;

use common::run;
use serde_json::Value;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn check_json(data: &Path, config: &Path, period: &str) -> Value {
    let (code, out, err) = run(&[
        "check",
        "--data",
        s(data),
        "--config",
        s(config),
        "--period",
        period,
        "--json",
    ]);
    assert!(code == 0 || code == 1, "{err}");
    serde_json::from_str(&out).unwrap()
}

/// A generated sample export in `dir/data`.
fn sample(dir: &Path, events: &str, months: &str, start: &str) -> std::path::PathBuf {
    let data = dir.join("data");
    let (code, _, err) = run(&[
        "sample",
        "--out",
        s(&data),
        "--events",
        events,
        "--months",
        months,
        "--start",
        start,
    ]);
    assert_eq!(code, 0, "{err}");
    data
}

fn n(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or_else(|| panic!("{key} in {v}"))
}

#[test]
fn the_files_of_the_sample_add_up_to_the_reconciliation() {
    let tmp = tempfile::tempdir().unwrap();
    let data = sample(tmp.path(), "30000", "2", "2026-09");
    let config = data.join("billing.toml");
    for period in ["2026-09", "2026-10"] {
        let report = check_json(&data, &config, period);
        let files = report["files"].as_array().unwrap();
        // Aura_Audit's highest version has several part files; the gateway one file.
        assert!(
            files.iter().filter(|f| f["dataset"] == "Aura_Audit").count() >= 2,
            "{files:?}"
        );
        for f in files {
            assert_eq!(
                n(f, "rows_read"),
                n(f, "unattributable") + n(f, "out_of_period") + n(f, "in_scope"),
                "{f}"
            );
            assert_eq!(
                n(f, "in_scope"),
                n(f, "duplicates") + n(f, "excluded") + n(f, "suspended") + n(f, "rated"),
                "{f}"
            );
        }
        for rc in report["reconciliation"].as_array().unwrap() {
            let of: Vec<&Value> = files.iter().filter(|f| f["dataset"] == rc["dataset"]).collect();
            assert!(!of.is_empty(), "{rc}");
            for key in ["rows_read", "unattributable", "in_scope", "out_of_period"] {
                let sum: u64 = of.iter().map(|f| n(f, key)).sum();
                assert_eq!(sum, n(rc, key), "{key} of {}", rc["dataset"]);
            }
        }
        // The outcomes add up to the OBs' invoices.
        let mut args = common::invoice_args(&data, &config, "all");
        args.extend(["--period", period, "--json"]);
        let (code, out, err) = run(&args);
        assert!(code == 0 || code == 1, "{err}");
        let doc: Value = serde_json::from_str(&out).unwrap();
        for key in ["duplicates", "excluded", "suspended", "rated"] {
            for dataset in ["Aura_Audit", "Aura_Gateway_Message"] {
                let by_obs: u64 = doc["invoices"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|i| i["reconciliation"].as_array().unwrap().iter())
                    .filter(|r| r["dataset"] == dataset)
                    .map(|r| n(r, key))
                    .sum();
                let by_files: u64 = files
                    .iter()
                    .filter(|f| f["dataset"] == dataset)
                    .map(|f| n(f, key))
                    .sum();
                // OBs without an invoice (a missing FX rate) are left out of the JSON.
                assert!(
                    by_files >= by_obs,
                    "{key} of {dataset}: files {by_files}, invoices {by_obs}"
                );
                if doc["errors"].as_array().unwrap().is_empty() {
                    assert_eq!(by_files, by_obs, "{key} of {dataset}");
                }
            }
        }
    }
}

const APPS_CONFIG: &str = r#"
[billing]
currency = "EUR"
invoice_prefix = "F"
issuer = "Files test"

[[dataset]]
name = "Events"
id_field = "id"
time_field = "ts"
ob_field = "country"

[[dimension]]
field = "app"
dataset = "Apps"
key = "app_id"
label = "app_name"

[[ob]]
code = "ES"
name = "Espana"
keys = ["ES"]

[[meter]]
code = "events"
dataset = "Events"
aggregation = "count"
unit = "ev"

[[charge]]
concept = "EV"
description = "Events"
meter = "events"
model = "per_unit"
unit_price = "1.00"
"#;

/// A data folder with the Apps dimension and an empty `Events` part folder, and the
/// configuration `APPS_CONFIG`: (data folder, part folder, configuration file).
fn apps_folder(root: &Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let data = root.join("data");
    let parts = data.join("Events");
    std::fs::create_dir_all(&parts).unwrap();
    common::write_apps_csv(&data);
    let config = common::write_config(root, APPS_CONFIG);
    (data, parts, config)
}

#[test]
fn a_file_with_many_suspended_records_stands_out_and_names_its_causes() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, parts, config) = apps_folder(tmp.path());
    let mut good = String::from("id,ts,country,app\n");
    for i in 0..20 {
        good.push_str(&format!("g{i},2026-10-0{}T10:00:00Z,ES,A1\n", 1 + i % 9));
    }
    let mut bad = String::from("id,ts,country,app\n");
    for i in 0..10 {
        let app = if i < 6 { "NOPE" } else { "A2" };
        bad.push_str(&format!("b{i},2026-10-15T10:00:00Z,ES,{app}\n"));
    }
    bad.push_str("b10,not a time,ES,A1\nb11,2026-10-15T10:00:00Z,XX,A1\ng0,2026-10-15T10:00:00Z,ES,A1\n");
    bad.push_str("b12,2026-09-30T10:00:00Z,ES,A1\n");
    std::fs::write(parts.join("part-00000.csv"), good).unwrap();
    std::fs::write(parts.join("part-00001.csv"), bad).unwrap();

    let report = check_json(&data, &config, "2026-10");
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{files:?}");
    let (first, second) = (&files[0], &files[1]);
    assert!(first["file"].as_str().unwrap().ends_with("part-00000.csv"));
    assert_eq!(
        (n(first, "rows_read"), n(first, "rated"), n(first, "suspended")),
        (20, 20, 0)
    );
    assert_eq!(n(second, "rows_read"), 14);
    assert_eq!(n(second, "unattributable"), 2, "a bad time and an unknown OB");
    assert_eq!(n(second, "out_of_period"), 1);
    assert_eq!(n(second, "duplicates"), 1, "g0 was seen in the first file");
    assert_eq!(n(second, "suspended"), 6);
    assert_eq!(n(second, "rated"), 4);
    let causes: Vec<&str> = second["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        causes,
        ["UNKNOWN_DIMENSION app", "INVALID_VALUE ts", "UNKNOWN_OB country"]
    );

    let (_, text, _) = run(&[
        "check",
        "--data",
        s(&data),
        "--config",
        s(&config),
        "--period",
        "2026-10",
    ]);
    let line = text.lines().find(|l| l.contains("part-00001.csv")).unwrap();
    assert!(line.contains("stands out"), "{text}");
    assert!(
        !text
            .lines()
            .find(|l| l.contains("part-00000.csv"))
            .unwrap()
            .contains("stands out")
    );
    assert!(
        text.contains("first causes: UNKNOWN_DIMENSION app, INVALID_VALUE ts, UNKNOWN_OB country"),
        "{text}"
    );

    // The Summary workbook's Files sheet holds the same rows.
    let out = tmp.path().join("out");
    let mut args = common::invoice_args(&data, &config, "all");
    args.extend(["--period", "2026-10", "--out", s(&out)]);
    let (code, _, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(out.join("Summary-202610.xlsx")).unwrap();
    let sheet = wb.worksheet_range("Files").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows[0][0], "Dataset");
    assert_eq!(rows.len(), 3);
    assert!(rows[2][1].ends_with("part-00001.csv"));
    let counts: Vec<&str> = rows[2][2..10].iter().map(String::as_str).collect();
    assert_eq!(counts, ["14", "2", "1", "11", "1", "0", "6", "4"]);
    assert_eq!(rows[2][10], "54.5");
    assert_eq!(
        rows[2][11],
        "UNKNOWN_DIMENSION app, INVALID_VALUE ts, UNKNOWN_OB country"
    );
}

fn trace(dir: &Path, config: &Path, id: &str, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["trace", "--data", s(dir), "--config", s(config), "--id", id];
    args.extend(extra);
    let (_, text, _) = run(&args);
    args.push("--json");
    let (code, out, err) = run(&args);
    assert!(code == 0 || code == 1, "{err}");
    (code, serde_json::from_str(&out).unwrap(), text)
}

#[test]
fn a_trace_tells_what_became_of_a_record_and_why() {
    let (tmp, config) = common::tiny_folder("csv");
    let dir = tmp.path();

    // Rated: its OB and local day, the meters it counted in, the line and breakdown rows.
    let (code, t, text) = trace(dir, &config, "e3", &[]);
    assert_eq!(code, 0);
    let r = &t["records"][0];
    assert_eq!((r["outcome"].as_str(), r["ob"].as_str()), (Some("rated"), Some("BR")));
    assert_eq!(r["record"], 3);
    assert_eq!(r["local_day"], "2026-10-15");
    assert_eq!(r["local_time"], "2026-10-15T09:00:00-03:00");
    let meters: Vec<&str> = r["meters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["meter"].as_str().unwrap())
        .collect();
    assert_eq!(meters, ["units", "events", "kb"]);
    assert_eq!(r["meters"][0]["counted"], "qty = 6");
    assert_eq!(r["meters"][0]["lines"][0], "UNITS");
    assert_eq!(
        r["meters"][0]["breakdown"][0],
        serde_json::json!(["app", "A2", "App Two, the second"])
    );
    assert!(
        text.contains("meter units: qty = 6") && text.contains("breakdown app = A2"),
        "{text}"
    );

    // The second e2 is a duplicate of the first, named by file and record.
    let (_, t, text) = trace(dir, &config, "e2", &[]);
    let records = t["records"].as_array().unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["outcome"], "rated");
    assert_eq!(records[1]["outcome"], "duplicate");
    assert_eq!(records[1]["duplicate_of"][1], 2);
    assert!(records[1]["duplicate_of"][0].as_str().unwrap().ends_with("Events.csv"));
    assert!(
        text.contains("was seen earlier in") && text.contains("record 2"),
        "{text}"
    );

    // Excluded names the rule; suspended the field and value; unattributable the cause.
    let (_, t, _) = trace(dir, &config, "e4", &[]);
    assert_eq!(t["records"][0]["outcome"], "excluded");
    assert_eq!(
        t["records"][0]["reason"],
        "matches the exclude rule of Events: test = [true]"
    );
    let (_, t, _) = trace(dir, &config, "e5", &[]);
    let r = &t["records"][0];
    assert_eq!(
        (r["outcome"].as_str(), r["code"].as_str()),
        (Some("suspended"), Some("UNKNOWN_DIMENSION"))
    );
    assert_eq!((r["field"].as_str(), r["value"].as_str()), (Some("app"), Some("A9")));
    let (_, t, _) = trace(dir, &config, "e6", &[]);
    assert_eq!(t["records"][0]["code"], "INVALID_VALUE");
    assert_eq!(t["records"][0]["value"], "-3");
    let (_, t, _) = trace(dir, &config, "e7", &[]);
    assert_eq!(t["records"][0]["outcome"], "unattributable");
    assert_eq!(t["records"][0]["code"], "UNKNOWN_OB");

    // e1 falls on 30 September in São Paulo: out of scope when October is asked for.
    let (_, t, _) = trace(dir, &config, "e1", &["--period", "2026-10"]);
    assert_eq!(t["records"][0]["outcome"], "out of scope");
    assert_eq!(t["records"][0]["local_day"], "2026-09-30");
    let (_, t, _) = trace(dir, &config, "e1", &[]);
    assert_eq!(
        (t["records"][0]["outcome"].as_str(), t["records"][0]["period"].as_str()),
        (Some("rated"), Some("2026-09"))
    );

    // An id that is nowhere: exit 1 and says so.
    let (code, t, text) = trace(dir, &config, "nope", &[]);
    assert_eq!(code, 1);
    assert!(t["records"].as_array().unwrap().is_empty());
    assert!(text.contains("No record has the id"), "{text}");
}

#[test]
fn the_records_behind_every_figure_add_up_to_it() {
    use billing_workbench::records::{Figure, list};
    let tmp = tempfile::tempdir().unwrap();
    let data = sample(tmp.path(), "4000", "1", "2026-10");
    let config_path = data.join("billing.toml");
    let config = billing_workbench::import::load_config(&config_path).unwrap();
    let loaded = billing_workbench::load(&data, &config_path, &|_: &Path| {}).unwrap();
    let month = billing_workbench::model::YearMonth::parse("2026-10").unwrap();
    let period = billing_workbench::model::Period::Month(month);
    let report = loaded
        .engine
        .run(&period, &billing_workbench::engine::Selection::One("ES".into()));
    let inv = &report.invoices[0];
    let total = |figure: Figure| -> (String, usize) {
        let l = list(&data, &config, "ES", &period, &figure).unwrap();
        (l.total, l.rows.len())
    };
    let q = billing_workbench::model::money::plain_string;
    let mut checked = 0;
    for line in inv.lines.iter().filter(|l| {
        config.meters.iter().any(|m| {
            config
                .charges
                .iter()
                .any(|c| c.concept == l.concept && c.meter == m.code)
        })
    }) {
        let (t, n) = total(Figure::Line {
            concept: line.concept.clone(),
        });
        assert_eq!(t, q(line.quantity), "line {}", line.concept);
        assert!(n > 0 || line.quantity.is_zero());
        checked += 1;
    }
    for b in &inv.breakdown {
        let figure = Figure::Breakdown {
            concept: b.concept.clone(),
            field: b.field.clone(),
            value: (!b.value.is_empty()).then(|| b.value.clone()),
        };
        assert_eq!(
            total(figure).0,
            q(b.quantity),
            "breakdown {} {}={}",
            b.concept,
            b.field,
            b.value
        );
        checked += 1;
    }
    for d in inv.daily.iter().take(3) {
        for (day, value) in inv.days.iter().zip(&d.values).step_by(7) {
            let (t, _) = total(Figure::Day {
                meter: d.meter.clone(),
                date: *day,
            });
            assert_eq!(t, q(*value), "{} on {day}", d.meter);
            checked += 1;
        }
    }
    for r in &inv.reconciliation {
        for (outcome, want) in [
            ("duplicates", r.duplicates),
            ("excluded", r.excluded),
            ("suspended", r.suspended),
            ("rated", r.rated),
        ] {
            let (t, n) = total(Figure::Outcome {
                dataset: r.dataset.clone(),
                outcome: outcome.into(),
            });
            assert_eq!((t, n as u64), (want.to_string(), want), "{} {outcome}", r.dataset);
            checked += 1;
        }
    }
    assert!(checked > 30, "{checked} figures checked");

    // The command line writes the same records as CSV and says that they add up.
    let out = tmp.path().join("voice.csv");
    let (code, text, err) = run(&[
        "records",
        "--data",
        s(&data),
        "--config",
        s(&config_path),
        "--ob",
        "ES",
        "--period",
        "2026-10",
        "--line",
        "VOICE",
        "--out",
        s(&out),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(text.contains("they add up"), "{text}");
    let csv = std::fs::read_to_string(&out).unwrap();
    let voice = inv.lines.iter().find(|l| l.concept == "VOICE").unwrap();
    assert!(csv.starts_with("dataset,file,record,id,local_time,audio_ms"), "{csv}");
    let (_, n) = total(Figure::Line {
        concept: "VOICE".into(),
    });
    assert_eq!(csv.lines().count(), n + 1);
    assert!(!voice.quantity.is_zero());
}

#[test]
fn records_read_in_parallel_runs_keep_their_file_and_record_numbers() {
    use billing_workbench::records::{Figure, list};
    // 400,000 events: each Avro part holds more than one run of blocks, read in parallel.
    let tmp = tempfile::tempdir().unwrap();
    let data = sample(tmp.path(), "400000", "1", "2026-10");
    let config_path = data.join("billing.toml");
    let config = billing_workbench::import::load_config(&config_path).unwrap();
    let period =
        billing_workbench::model::Period::Month(billing_workbench::model::YearMonth::parse("2026-10").unwrap());
    let figure = Figure::Outcome {
        dataset: "Aura_Audit".into(),
        outcome: "rated".into(),
    };
    let l = list(&data, &config, "ES", &period, &figure).unwrap();
    let loaded = billing_workbench::load(&data, &config_path, &|_: &Path| {}).unwrap();
    // Files read in several runs, in parallel, are hashed by a task of their own beside
    // the runs: the recorded hash must be the file's own.
    for f in loaded.engine.files() {
        assert_eq!(
            f.sha256,
            billing_workbench::import::sha256_file(&f.path).unwrap(),
            "{}",
            f.path.display()
        );
    }
    let report = loaded
        .engine
        .run(&period, &billing_workbench::engine::Selection::One("ES".into()));
    let inv = &report.invoices[0];
    let rated = inv
        .reconciliation
        .iter()
        .find(|r| r.dataset == "Aura_Audit")
        .unwrap()
        .rated;
    assert_eq!(l.rows.len() as u64, rated);
    assert!(rated > 20_000, "{rated}");
    // In file, then record order, with no record twice.
    let places: Vec<(String, u64)> = l.rows.iter().map(|r| (r[1].clone(), r[2].parse().unwrap())).collect();
    assert!(places.windows(2).all(|w| w[0] < w[1]), "records out of order");
    // A record late in each file (past its first run) is where trace, which reads the file
    // whole, finds it.
    let last_of_file: Vec<&(String, u64)> = places
        .iter()
        .enumerate()
        .filter(|(i, p)| places.get(i + 1).is_none_or(|n| n.0 != p.0))
        .map(|(_, p)| p)
        .collect();
    assert_eq!(last_of_file.len(), 2, "two part files");
    for (file, record) in last_of_file {
        let layout =
            billing_workbench::import::avro::layout(Path::new(file), billing_workbench::import::PIECE_BYTES).unwrap();
        assert!(layout.runs() > 1, "{file} is read in one run");
        assert!(
            *record > layout.first_record(1),
            "{record} lies in the first run of {file}"
        );
        let row = places.iter().position(|p| p.0 == *file && p.1 == *record).unwrap();
        let id = &l.rows[row][3];
        let t = billing_workbench::trace::trace(&data, &config, id, Some("Aura_Audit"), Some(&period)).unwrap();
        let found: Vec<(String, u64)> = t.records.iter().map(|o| (o.file.clone(), o.record)).collect();
        assert_eq!(found, [(file.clone(), *record)], "{id}");
    }
}

#[test]
fn a_files_causes_are_those_of_its_counts_in_the_period() {
    // Its suspended count is the period's, so are the causes named beside it; an
    // unattributable record belongs to no period and is named in every one.
    let tmp = tempfile::tempdir().unwrap();
    let (data, parts, config) = apps_folder(tmp.path());
    let rows = "id,ts,country,app\n\
        s1,2026-09-20T10:00:00Z,ES,NOPE\n\
        o1,2026-10-05T10:00:00Z,ES,A1\n\
        u1,not a time,ES,A1\n\
        o2,2026-10-06T10:00:00Z,ES,NOPE\n";
    std::fs::write(parts.join("part-00000.csv"), rows).unwrap();
    let causes = |month: &str| {
        let report = check_json(&data, &config, month);
        let file = report["files"].as_array().unwrap()[0].clone();
        let named: Vec<String> = file["causes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect();
        (n(&file, "suspended"), named)
    };
    assert_eq!(
        causes("2026-09"),
        (
            1,
            vec!["UNKNOWN_DIMENSION app".to_string(), "INVALID_VALUE ts".to_string()]
        )
    );
    assert_eq!(
        causes("2026-10"),
        (
            1,
            vec!["INVALID_VALUE ts".to_string(), "UNKNOWN_DIMENSION app".to_string()]
        )
    );
    assert_eq!(causes("2026-11"), (0, vec!["INVALID_VALUE ts".to_string()]));
}
