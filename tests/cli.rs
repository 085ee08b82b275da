//! The command line on the bundled sample data and on bad input: exit status and messages.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures, as tests should
#![allow(clippy::disallowed_methods)] // tests, benches and tools read and write files freely

mod common;

use common::*;
use serde_json::Value;

fn sample_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

#[test]
fn sample_data_invoices_reconcile() {
    let dir = sample_dir();
    let config = dir.join("billing.toml");
    let (code, doc, err) = invoice_json(&dir, &config, "2026-10");
    assert_eq!(code, 0, "{err}");
    let invoices = doc["invoices"].as_array().unwrap();
    assert_eq!(invoices.len(), 8);
    // CO has no COP rate for September on purpose: exit 1, the other OBs still invoiced.
    let (code, sept, _) = invoice_json(&dir, &config, "2026-09");
    assert_eq!(code, 1);
    assert_eq!(sept["invoices"].as_array().unwrap().len(), 7);
    assert_eq!(sept["errors"][0]["ob"], "CO");
    assert!(sept["errors"][0]["message"].as_str().unwrap().contains("COP"));
    let mut in_scope = 0;
    for inv in invoices {
        for r in inv["reconciliation"].as_array().unwrap() {
            let n = |k: &str| r[k].as_u64().unwrap();
            assert_eq!(
                n("in_scope"),
                n("duplicates") + n("excluded") + n("suspended") + n("rated"),
                "{r}"
            );
        }
        // Lines add up to the subtotal, exactly.
        let sum: rust_decimal::Decimal = inv["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["amount"].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap())
            .sum();
        assert_eq!(sum.to_string(), inv["subtotal"].as_str().unwrap());
        in_scope += inv["reconciliation"][0]["in_scope"].as_u64().unwrap();
    }
    assert!(in_scope > 10_000, "the sample has real volume: {in_scope}");
    let unattributable: u64 = doc["run"]["unattributable"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert!(unattributable > 0, "the sample contains unattributable records");
}

#[test]
fn check_reports_sample_data() {
    let dir = sample_dir();
    let (code, out, _) = run(&[
        "check",
        "--data",
        dir.to_str().unwrap(),
        "--config",
        dir.join("billing.toml").to_str().unwrap(),
        "--period",
        "2026-09",
        "--json",
    ]);
    assert_eq!(code, 1, "CO has no FX rate for September");
    let report: Value = serde_json::from_str(&out).unwrap();
    let audit = report["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "Aura_Audit")
        .unwrap();
    assert_eq!(audit["version"], 2);
    assert_eq!(audit["used"], true);
    assert!(
        report["reconciliation"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["balanced"] == true)
    );
    let (code, out, _) = run(&[
        "check",
        "--data",
        dir.to_str().unwrap(),
        "--config",
        dir.join("billing.toml").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "October, the latest month, has every rate: {out}");
    assert!(
        out.contains("Reconciliation for 2026-10") && out.contains("Ready to invoice"),
        "{out}"
    );
}

#[test]
fn truncated_avro_is_an_error_naming_the_file() {
    let (tmp, config) = tiny_folder("avro");
    let path = tmp.path().join("Events.avro");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 20]).unwrap();
    let (code, doc, err) = invoice_json(tmp.path(), &config, "2026-10");
    assert_eq!(code, 1);
    assert_eq!(doc, Value::Null, "no invoice from an incomplete input");
    assert!(err.contains("Events.avro") && err.contains("truncated"), "{err}");
}

#[test]
fn garbled_avro_is_an_error_naming_the_file() {
    let (tmp, config) = tiny_folder("avro");
    let path = tmp.path().join("Events.avro");
    let mut bytes = std::fs::read(&path).unwrap();
    let n = bytes.len();
    bytes[n - 5] ^= 0xff; // inside the sync marker
    std::fs::write(&path, &bytes).unwrap();
    let (code, _, err) = invoice_json(tmp.path(), &config, "2026-10");
    assert_eq!(code, 1);
    assert!(err.contains("Events.avro") && err.contains("garbled"), "{err}");
}

#[test]
fn unknown_avro_codec_is_an_error() {
    let (tmp, config) = tiny_folder("avro");
    let path = tmp.path().join("Events.avro");
    write_avro(
        &path,
        &tiny_events(),
        Some(arrow_avro::compression::CompressionCodec::Snappy),
    );
    let mut bytes = std::fs::read(&path).unwrap();
    // Rename the codec in the header (same length keeps the file well-formed).
    let key = bytes.windows(10).position(|w| w == b"avro.codec").expect("codec key");
    let pos = key
        + bytes[key..]
            .windows(6)
            .position(|w| w == b"snappy")
            .expect("codec value");
    bytes[pos..pos + 6].copy_from_slice(b"brotli");
    std::fs::write(&path, &bytes).unwrap();
    let (code, doc, err) = invoice_json(tmp.path(), &config, "2026-10");
    assert_eq!(code, 1, "{err}");
    assert_eq!(doc, Value::Null);
    assert!(err.contains("Events.avro") && err.contains("brotli"), "{err}");
}

#[test]
fn csv_missing_a_required_column() {
    let (tmp, config) = tiny_folder("csv");
    let text = std::fs::read_to_string(tmp.path().join("Events.csv"))
        .unwrap()
        .replace("country", "pais");
    std::fs::write(tmp.path().join("Events.csv"), text).unwrap();
    let (code, _, err) = invoice_json(tmp.path(), &config, "2026-10");
    assert_eq!(code, 1);
    assert!(err.contains("Events.csv") && err.contains("\"country\""), "{err}");
}

#[test]
fn typed_field_of_the_wrong_type() {
    let (tmp, _) = tiny_folder("avro");
    // Read `test` (a boolean) as the time field.
    let config = write_config(
        tmp.path(),
        &TINY_CONFIG.replace("time_field = \"ts\"", "time_field = \"test\""),
    );
    let (code, _, err) = invoice_json(tmp.path(), &config, "2026-10");
    assert_eq!(code, 1);
    assert!(
        err.contains("Events.avro") && err.contains("\"test\"") && err.contains("timestamp"),
        "{err}"
    );
}

#[test]
fn config_typo_names_file_and_line() {
    let (tmp, _) = tiny_folder("csv");
    let config = write_config(
        tmp.path(),
        &TINY_CONFIG.replace("meter = \"events\"\nmodel", "meter = \"event\"\nmodel"),
    );
    let (code, _, err) = invoice_json(tmp.path(), &config, "2026-10");
    assert_eq!(code, 1);
    assert!(
        err.contains("billing.toml:") && err.contains("meter \"event\""),
        "{err}"
    );
}

#[test]
fn bad_command_line_is_exit_2() {
    let (code, _, _) = run(&["invoice", "--period", "2026-10"]);
    assert_eq!(code, 2);
    let (code, _, err) = run(&[
        "invoice", "--data", ".", "--config", "x", "--ob", "all", "--period", "2026-13", "--json",
    ]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn missing_fx_rate_fails_only_that_ob() {
    let (tmp, config) = tiny_folder("avro");
    let (code, doc, _) = invoice_json(tmp.path(), &config, "2026-11");
    assert_eq!(code, 1);
    assert_eq!(doc["errors"][0]["ob"], "BR");
    assert_eq!(doc["invoices"].as_array().unwrap().len(), 1);
    assert_eq!(doc["invoices"][0]["ob"], "ES");
}

#[test]
fn sample_generator_is_deterministic() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for d in [&a, &b] {
        let (code, _, err) = run(&[
            "sample",
            "--out",
            d.path().to_str().unwrap(),
            "--events",
            "3000",
            "--months",
            "1",
            "--start",
            "2026-10",
            "--seed",
            "11",
        ]);
        assert_eq!(code, 0, "{err}");
    }
    let read = |d: &tempfile::TempDir| {
        let mut files: Vec<_> = walk(d.path());
        files.sort();
        files
            .iter()
            .map(|p| {
                (
                    p.strip_prefix(d.path()).unwrap().to_path_buf(),
                    std::fs::read(p).unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert!(read(&a) == read(&b), "the same options must give byte-identical files");
    let (x, _, _) = invoice_json(a.path(), &a.path().join("billing.toml"), "2026-10");
    let (ja, jb) = (
        invoice_json(a.path(), &a.path().join("billing.toml"), "2026-10").1,
        invoice_json(b.path(), &b.path().join("billing.toml"), "2026-10").1,
    );
    assert_eq!(x, 1, "CO has no rate in the first month");
    assert_eq!(ja["invoices"], jb["invoices"]);
    assert_eq!(ja["run"], jb["run"]);
    assert_eq!(ja["errors"][0]["ob"], "CO");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
