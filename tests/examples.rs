//! Every folder of `examples/` runs, and gives the totals its README lists under
//! "Expected totals" (worked out by hand there), exactly.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures, as tests should
#![allow(clippy::disallowed_methods)] // tests, benches and tools read and write files freely

mod common;

use std::path::{Path, PathBuf};

use common::run;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (OB, period, subtotal, tax, total) rows of the README's "Expected totals" table.
fn expected(readme: &Path) -> Vec<[String; 5]> {
    let text = std::fs::read_to_string(readme).unwrap();
    let section = text
        .split("## Expected totals")
        .nth(1)
        .unwrap_or_else(|| panic!("{}: no Expected totals", readme.display()));
    section
        .lines()
        .filter_map(|l| {
            let cells: Vec<String> = l
                .trim()
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect();
            let month = cells.get(1)?;
            (cells.len() == 5 && month.len() == 7 && month.as_bytes()[4] == b'-').then(|| {
                [
                    cells[0].clone(),
                    cells[1].clone(),
                    cells[2].clone(),
                    cells[3].clone(),
                    cells[4].clone(),
                ]
            })
        })
        .collect()
}

/// The data folder and configurations of an example: its own `data/` and `billing.toml`,
/// or, for `aura-liceo`, the bundled sample with the example's rate-card workbook.
fn inputs(dir: &Path) -> (PathBuf, Vec<PathBuf>) {
    if dir.join("data").is_dir() {
        (dir.join("data"), vec![dir.join("billing.toml")])
    } else {
        let sample = root().join("sample-data");
        (
            sample.clone(),
            vec![sample.join("billing.toml"), dir.join("billing.xlsx")],
        )
    }
}

fn check_example(name: &str) -> usize {
    let dir = root().join("examples").join(name);
    let rows = expected(&dir.join("README.md"));
    assert!(!rows.is_empty(), "{name}: no expected totals");
    let (data, configs) = inputs(&dir);
    for config in configs {
        let mut periods: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
        periods.dedup();
        for period in periods {
            let (code, out, err) = run(&[
                "invoice",
                "--data",
                data.to_str().unwrap(),
                "--config",
                config.to_str().unwrap(),
                "--ob",
                "all",
                "--period",
                period,
                "--json",
            ]);
            assert_eq!(code, 0, "{name} {}: {err}", config.display());
            let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
            for r in rows.iter().filter(|r| r[1] == period) {
                let inv = doc["invoices"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|i| i["ob"] == r[0].as_str())
                    .unwrap_or_else(|| panic!("{name}: no invoice for {}", r[0]));
                for (key, want) in [("subtotal", &r[2]), ("tax", &r[3]), ("total", &r[4])] {
                    assert_eq!(
                        inv[key].as_str().unwrap(),
                        want,
                        "{name} {} {period} {key} ({})",
                        r[0],
                        config.display()
                    );
                }
            }
        }
    }
    rows.len()
}

#[test]
fn every_example_folder_is_checked() {
    let mut names: Vec<String> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("README.md").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 3, "{names:?}");
    for name in &names {
        let checked = check_example(name);
        assert!(checked > 0, "{name}");
    }
}

#[test]
fn the_totvs_invoices_are_in_portuguese() {
    let dir = root().join("examples/totvs-ai-consumption");
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, err) = run(&[
        "invoice",
        "--data",
        dir.join("data").to_str().unwrap(),
        "--config",
        dir.join("billing.toml").to_str().unwrap(),
        "--ob",
        "T10002",
        "--period",
        "2026-10",
        "--out",
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(tmp.path().join("TOTVS-IA-T10002-202610.xlsx")).unwrap();
    let sheet = wb.worksheet_range("Invoice").unwrap();
    assert_eq!(sheet.get_value((0, 0)).unwrap().to_string(), "FATURA");
    let total = sheet.rows().find(|r| r[0] == "Total").unwrap();
    assert_eq!(total[1].to_string(), "Total a pagar em BRL");
}
