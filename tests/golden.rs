//! The full JSON of `invoice --ob all --json` on `sample-data/` for both months, compared
//! byte for byte with the committed documents in `tests/golden/`: every refactor is checked
//! against fixed figures. After a change that is meant to move a figure, rewrite them with
//! `BW_BLESS=1 cargo test --test golden` and review the diff before committing it.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures, as tests should
#![allow(clippy::disallowed_methods)] // tests, benches and tools read and write files freely

mod common;

use std::path::PathBuf;

fn golden(period: &str) {
    // Relative paths, as the committed documents have them in messages: cargo runs
    // integration tests in the package's root.
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    assert_eq!(
        std::env::current_dir().unwrap().canonicalize().unwrap(),
        dir.canonicalize().unwrap()
    );
    let data = PathBuf::from("sample-data");
    let out = tempfile::tempdir().unwrap();
    let config = data.join("billing.toml");
    let mut args = common::invoice_args(&data, &config, "all");
    args.extend(["--period", period, "--json", "--out", out.path().to_str().unwrap()]);
    let (_, json, err) = common::run(&args);
    assert!(json.starts_with('{'), "no JSON for {period}: {err}");
    let expected_path = dir.join(format!("tests/golden/sample-{period}.json"));
    if std::env::var("BW_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&expected_path, &json).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap();
    if json != expected {
        let line = json
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .map_or(json.lines().count().min(expected.lines().count()), |l| l);
        panic!(
            "the JSON for {period} differs from {} from line {}:\n  now:      {}\n  expected: {}",
            expected_path.display(),
            line + 1,
            json.lines().nth(line).unwrap_or("(end)"),
            expected.lines().nth(line).unwrap_or("(end)"),
        );
    }
}

#[test]
fn september_json_is_the_committed_document() {
    golden("2026-09");
}

#[test]
fn october_json_is_the_committed_document() {
    golden("2026-10");
}
