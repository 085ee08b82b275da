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

/// (OB, period, subtotal, tax, total) rows of the table under a README heading.
fn table_under(readme: &Path, heading: &str) -> Vec<[String; 5]> {
    let text = std::fs::read_to_string(readme).unwrap();
    let section = text
        .split(&format!("## {heading}\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("{}: no {heading}", readme.display()));
    let section = section.split("\n## ").next().unwrap_or(section);
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
    let rows = table_under(&dir.join("README.md"), "Expected totals");
    assert!(!rows.is_empty(), "{name}: no expected totals");
    let (data, mut configs) = inputs(&dir);
    // The round trip: the example's TOML as a rate-card workbook gives the same totals.
    let tmp = tempfile::tempdir().unwrap();
    if dir.join("billing.toml").is_file() {
        let xlsx = tmp.path().join("billing.xlsx");
        let (code, _, err) = run(&[
            "rate-card",
            "--config",
            dir.join("billing.toml").to_str().unwrap(),
            "--out",
            xlsx.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{name}: {err}");
        configs.push(xlsx);
    }
    check_totals(name, &data, &configs, &rows);
    rows.len()
}

/// Runs `invoice --ob all` for each period of `rows` with each configuration and compares
/// the totals exactly.
fn check_totals(name: &str, data: &Path, configs: &[PathBuf], rows: &[[String; 5]]) {
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

#[test]
fn allegro_suspense_is_reprocessed_after_the_dimension_is_fixed_and_the_discard_holds() {
    let dir = root().join("examples/allegro-allowances");
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    for e in std::fs::read_dir(dir.join("data")).unwrap().flatten() {
        std::fs::copy(e.path(), data.join(e.file_name())).unwrap();
    }
    let plans = std::fs::read_to_string(data.join("D_Plan.csv")).unwrap();
    std::fs::write(data.join("D_Plan.csv"), format!("{plans}P9,Empresa 5 GB\n")).unwrap();
    let after = table_under(&dir.join("README.md"), "After reprocessing");
    assert_eq!(after.len(), 1);
    check_totals("allegro-allowances", &data, &[dir.join("billing.toml")], &after);
    // The discarded record stays suspended and discarded; the reprocessed one is rated.
    let out = tmp.path().join("out");
    let (code, _, err) = run(&[
        "invoice",
        "--data",
        data.to_str().unwrap(),
        "--config",
        dir.join("billing.toml").to_str().unwrap(),
        "--ob",
        "ACC-200",
        "--period",
        "2026-10",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(out.join("MOB-ACC-200-202610.xlsx")).unwrap();
    let suspense = wb.worksheet_range("Suspense").unwrap();
    let text: Vec<String> = suspense.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect();
    assert!(text.iter().any(|t| t == "m-007"), "{text:?}");
    assert!(
        text.iter().any(|t| t.contains("NOC-4471")),
        "the reason is listed: {text:?}"
    );
}

#[cfg(feature = "gui")]
#[test]
fn the_invantive_runaway_is_highlighted_in_all_obs() {
    use billing_workbench::engine::Selection;
    use billing_workbench::gui::views::all_obs_ui::{Change, Previous, matrix};
    use billing_workbench::model::{Period, YearMonth};
    let dir = root().join("examples/invantive-audit-events");
    let loaded = billing_workbench::load(&dir.join("data"), &dir.join("billing.toml"), &|_: &Path| {}).unwrap();
    let run = |m: &str| {
        loaded
            .engine
            .run(&Period::Month(YearMonth::parse(m).unwrap()), &Selection::All)
    };
    let (sept, oct) = (run("2026-09"), run("2026-10"));
    let m = matrix(&oct, Some(&Previous::of_report(&sept)));
    let cell = |ob: &str, concept: &str| {
        let row = m.rows.iter().find(|r| r.ob == ob).unwrap();
        let i = m.concepts.iter().position(|c| c == concept).unwrap();
        row.cells[i].1.clone()
    };
    let nl = cell("P-NL", "ITGENLIC125");
    assert_eq!(nl, Change::Percent(rust_decimal::Decimal::new(9000, 1)));
    assert!(nl.unusual());
    assert_eq!(cell("P-DE", "XXCUSTOM001"), Change::New);
    assert!(!cell("P-BE", "ITGENLIC125").unusual());
}
