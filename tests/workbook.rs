//! Invoice workbooks read back with calamine match the engine's report exactly; data text
//! is never a formula; writes are atomic and never clobber without --force.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures, as tests should
#![allow(clippy::disallowed_methods)] // tests, benches and tools read and write files freely

mod common;

use std::path::Path;

use billing_workbench::engine::Selection;
use billing_workbench::model::money::decimal_from_f64;
use billing_workbench::model::{Period, YearMonth};
use billing_workbench::report::RunReport;
use calamine::{Data, Reader, open_workbook_auto};
use common::*;
use rust_decimal::Decimal;

fn report(dir: &Path, config: &Path, period: &str) -> RunReport {
    let loaded = billing_workbench::load(dir, config, &|_: &Path| {}).unwrap();
    loaded
        .engine
        .run(&Period::Month(YearMonth::parse(period).unwrap()), &Selection::All)
}

fn cell_decimal(d: &Data) -> Decimal {
    match d {
        Data::Float(f) => decimal_from_f64(*f).unwrap(),
        Data::Int(i) => Decimal::from(*i),
        other => panic!("not a number: {other:?}"),
    }
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("not text: {other:?}"),
    }
}

fn write(dir: &Path, config: &Path, out: &Path, extra: &[&str]) -> (i32, String) {
    let mut args = invoice_args(dir, config, "all");
    args.extend([
        "--period",
        "2026-10",
        "--out",
        out.to_str().unwrap(),
        "--issue-date",
        "2026-11-05",
    ]);
    args.extend_from_slice(extra);
    let (code, _, err) = run(&args);
    (code, err)
}

/// Compares every line, total, breakdown and reconciliation cell of each invoice workbook.
fn assert_workbooks_match(report: &RunReport, out: &Path) {
    for inv in &report.invoices {
        let path = out.join(format!("{}.xlsx", inv.invoice_number));
        let mut wb = open_workbook_auto(&path).unwrap();
        assert_eq!(
            wb.sheet_names(),
            [
                "Invoice",
                "Breakdown",
                "Daily",
                "Charts",
                "Suspense",
                "Reconciliation",
                "Run info"
            ],
            "{}",
            path.display()
        );
        let sheet = wb.worksheet_range("Invoice").unwrap();
        let rows: Vec<&[Data]> = sheet.rows().collect();
        let value_of = |label: &str| {
            rows.iter()
                .find(|r| r.first().is_some_and(|c| cell_text(c) == label))
                .map(|r| r[1].clone())
                .unwrap()
        };
        assert_eq!(cell_text(&value_of("Invoice number")), inv.invoice_number);
        assert_eq!(cell_text(&value_of("OB")), inv.ob);
        assert_eq!(cell_text(&value_of("Legal entity")), inv.legal_entity);
        assert_eq!(cell_text(&value_of("Currency")), inv.currency);
        assert!(
            matches!(value_of("Period start"), Data::DateTime(_)),
            "dates are real dates"
        );
        let head = rows
            .iter()
            .position(|r| r.len() >= 6 && cell_text(&r[0]) == "Concept" && cell_text(&r[5]) == "Amount")
            .unwrap();
        assert_eq!(
            rows[head].iter().take(6).map(cell_text).collect::<Vec<_>>(),
            ["Concept", "Description", "Quantity", "Unit", "Unit price", "Amount"]
        );
        for (i, line) in inv.lines.iter().enumerate() {
            let r = rows[head + 1 + i];
            assert_eq!(cell_text(&r[0]), line.concept);
            assert_eq!(cell_text(&r[1]), line.description);
            assert_eq!(
                cell_decimal(&r[2]),
                line.quantity.normalize(),
                "{} quantity",
                line.concept
            );
            assert_eq!(cell_decimal(&r[5]), line.amount.normalize(), "{} amount", line.concept);
            if let Some(p) = line.unit_price {
                assert_eq!(cell_decimal(&r[4]), p.normalize());
            }
        }
        let total_row = |label: &str| {
            rows.iter()
                .find(|r| cell_text(&r[0]) == label)
                .map(|r| cell_decimal(&r[5]))
                .unwrap()
        };
        assert_eq!(total_row("Subtotal"), inv.subtotal.normalize());
        assert_eq!(total_row("Tax"), inv.tax.normalize());
        assert_eq!(total_row("Total"), inv.total.normalize());

        let bd = wb.worksheet_range("Breakdown").unwrap();
        let bd: Vec<&[Data]> = bd.rows().skip(1).collect();
        assert_eq!(bd.len(), inv.breakdown.len());
        for (r, b) in bd.iter().zip(&inv.breakdown) {
            assert_eq!(
                (cell_text(&r[0]), cell_text(&r[1]), cell_text(&r[2]), cell_text(&r[3])),
                (b.concept.clone(), b.field.clone(), b.value.clone(), b.label.clone())
            );
            assert_eq!(cell_decimal(&r[4]), b.quantity.normalize());
            assert_eq!(cell_decimal(&r[5]), b.amount.normalize());
        }
        let rc = wb.worksheet_range("Reconciliation").unwrap();
        let rc: Vec<&[Data]> = rc.rows().collect();
        assert_eq!(
            rc[0].iter().take(6).map(cell_text).collect::<Vec<_>>(),
            ["Dataset", "In scope", "Duplicates", "Excluded", "Suspended", "Rated"]
        );
        for (r, want) in rc.iter().skip(1).zip(&inv.reconciliation) {
            assert_eq!(cell_text(&r[0]), want.dataset);
            let got: Vec<Decimal> = r[1..6].iter().map(cell_decimal).collect();
            let want: Vec<Decimal> = [
                want.in_scope,
                want.duplicates,
                want.excluded,
                want.suspended,
                want.rated,
            ]
            .iter()
            .map(|n| Decimal::from(*n))
            .collect();
            assert_eq!(got, want);
        }
        let daily = wb.worksheet_range("Daily").unwrap();
        assert_eq!(
            daily.rows().count() - 1 - inv.daily.len() - 1,
            inv.days.len(),
            "one row per day, then the meter notes"
        );
        for (c, m) in inv.daily.iter().enumerate() {
            for (d, v) in m.values.iter().enumerate() {
                assert_eq!(cell_decimal(daily.get((d + 1, c + 1)).unwrap()), v.normalize());
            }
        }
    }
}

#[test]
fn tiny_workbooks_round_trip_exactly() {
    let (tmp, config) = tiny_folder("avro");
    let out = tmp.path().join("out");
    let (code, err) = write(tmp.path(), &config, &out, &[]);
    assert_eq!(code, 0, "{err}");
    let r = report(tmp.path(), &config, "2026-10");
    assert_workbooks_match(&r, &out);
    assert!(out.join("Summary-202610.xlsx").is_file());
    // No temporary files are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".bw-"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn sample_workbooks_round_trip_exactly() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let config = dir.join("billing.toml");
    let tmp = tempfile::tempdir().unwrap();
    let (code, err) = write(&dir, &config, tmp.path(), &[]);
    assert_eq!(code, 0, "{err}");
    let r = report(&dir, &config, "2026-10");
    assert_eq!(r.invoices.len(), 8);
    assert_workbooks_match(&r, tmp.path());

    let mut wb = open_workbook_auto(tmp.path().join("Summary-202610.xlsx")).unwrap();
    let s = wb.worksheet_range("Summary").unwrap();
    let rows: Vec<&[Data]> = s.rows().collect();
    assert_eq!(
        rows[0][..6].iter().map(cell_text).collect::<Vec<_>>(),
        ["OB", "Name", "Currency", "Subtotal", "Tax", "Total"]
    );
    for (row, inv) in rows.iter().skip(1).zip(&r.invoices) {
        assert_eq!(cell_text(&row[0]), inv.ob);
        assert_eq!(cell_decimal(&row[5]), inv.total.normalize());
    }
    // Totals by currency: the report's, equal to the invoices summed here, and the sheet's.
    let totals = r.totals_by_currency();
    assert_eq!(totals.len(), 7, "EUR is shared by ES and DE");
    for t in &totals {
        let of: Vec<_> = r.invoices.iter().filter(|i| i.currency == t.currency).collect();
        assert_eq!(t.obs, of.len());
        assert_eq!(t.total, of.iter().map(|i| i.total).sum::<Decimal>(), "{}", t.currency);
        assert_eq!(t.subtotal + t.tax, t.total, "{}", t.currency);
        let row = rows
            .iter()
            .skip(r.invoices.len() + 1)
            .find(|row| cell_text(&row[0]) == t.currency)
            .unwrap_or_else(|| panic!("no totals row for {}", t.currency));
        assert_eq!(cell_decimal(&row[5]), t.total.normalize(), "{}", t.currency);
    }
    assert_eq!(
        rows[0][6..].iter().map(cell_text).collect::<Vec<_>>(),
        r.concepts(),
        "one column per concept, in the report's order"
    );
    // The run info lists every input with its checksum.
    let info = wb.worksheet_range("Reconciliation").unwrap();
    assert!(info.rows().count() >= 3);
    let mut inv = open_workbook_auto(tmp.path().join("AURA-ES-202610.xlsx")).unwrap();
    let run_info = inv.worksheet_range("Run info").unwrap();
    let shas: Vec<String> = run_info
        .rows()
        .filter(|r| r.len() > 5)
        .map(|r| cell_text(&r[5]))
        .filter(|s| s.len() == 64)
        .collect();
    assert_eq!(shas.len(), r.files.len(), "one SHA-256 per input file");
}

#[test]
fn formula_like_text_from_data_is_written_as_text() {
    let (tmp, config) = tiny_folder("csv");
    let nasty = ["=HYPERLINK(\"http://x\",\"y\")", "+1", "@SUM(A1)", "-2+3"];
    let mut text = std::fs::read_to_string(tmp.path().join("Events.csv")).unwrap();
    for (i, n) in nasty.iter().enumerate() {
        text.push_str(&format!(
            "n{i},2026-10-10T10:00:00Z,BR,\"{}\",1,0,false\r\n",
            n.replace('"', "\"\"")
        ));
    }
    std::fs::write(tmp.path().join("Events.csv"), text).unwrap();
    let out = tmp.path().join("out");
    let (code, err) = write(tmp.path(), &config, &out, &[]);
    assert_eq!(code, 0, "{err}");
    let mut wb = open_workbook_auto(out.join("T-BR-202610.xlsx")).unwrap();
    let sheet = wb.worksheet_range("Suspense").unwrap();
    let values: Vec<String> = sheet
        .rows()
        .skip(1)
        .filter(|r| cell_text(&r[0]) == "UNKNOWN_DIMENSION")
        .map(|r| cell_text(&r[4]))
        .collect();
    for n in nasty {
        assert!(values.contains(&n.to_string()), "{n} not found as text in {values:?}");
    }
    let formulas = wb.worksheet_formula("Suspense").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formula on the Suspense sheet"
    );
}

#[test]
fn existing_file_is_refused_and_untouched_without_force() {
    let (tmp, config) = tiny_folder("avro");
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let existing = out.join("T-ES-202610.xlsx");
    std::fs::write(&existing, b"an earlier invoice").unwrap();
    let (code, err) = write(tmp.path(), &config, &out, &[]);
    assert_eq!(code, 1);
    assert!(err.contains("T-ES-202610.xlsx") && err.contains("--force"), "{err}");
    assert_eq!(std::fs::read(&existing).unwrap(), b"an earlier invoice");
    assert!(
        !out.join("T-BR-202610.xlsx").exists(),
        "nothing is written when a target exists"
    );
    let (code, err) = write(tmp.path(), &config, &out, &["--force"]);
    assert_eq!(code, 0, "{err}");
    assert_ne!(std::fs::read(&existing).unwrap(), b"an earlier invoice");
}

#[test]
fn unwritable_folder_is_a_clear_error() {
    let (tmp, config) = tiny_folder("avro");
    let blocker = tmp.path().join("a-file");
    std::fs::write(&blocker, b"x").unwrap();
    let (code, err) = write(tmp.path(), &config, &blocker.join("out"), &[]);
    assert_eq!(code, 1);
    assert!(err.contains("a-file"), "{err}");
}

#[test]
fn same_inputs_give_identical_files() {
    let (tmp, config) = tiny_folder("avro");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for out in [&a, &b] {
        let mut args = invoice_args(tmp.path(), &config, "BR");
        args.extend([
            "--period",
            "2026-10",
            "--out",
            out.to_str().unwrap(),
            "--issue-date",
            "2026-11-05",
        ]);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_billing-workbench"))
            .args(&args)
            .env("SOURCE_DATE_EPOCH", "1795000000")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    assert_eq!(
        std::fs::read(a.join("T-BR-202610.xlsx")).unwrap(),
        std::fs::read(b.join("T-BR-202610.xlsx")).unwrap()
    );
    assert!(!a.join("Summary-202610.xlsx").exists(), "one OB: no summary");
}

#[test]
fn long_suspense_lists_the_first_rows_and_counts_all() {
    let (tmp, config) = tiny_folder("avro");
    let out = tmp.path().join("out");
    let (code, err) = write(tmp.path(), &config, &out, &["--suspense-rows", "1"]);
    assert_eq!(code, 0, "{err}");
    let mut wb = open_workbook_auto(out.join("T-BR-202610.xlsx")).unwrap();
    let sheet = wb.worksheet_range("Suspense").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    let listed = rows.iter().skip(1).take_while(|r| !cell_text(&r[0]).is_empty()).count();
    assert_eq!(listed, 1);
    assert!(rows.iter().any(|r| cell_text(&r[0]).contains("first 1 of 2")));
    let total = rows.iter().find(|r| cell_text(&r[0]) == "Total").unwrap();
    assert_eq!(cell_decimal(&total[1]), Decimal::from(2));
}

#[test]
fn writing_all_workbooks_stops_when_asked_and_leaves_whole_files() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let r = report(&dir, &dir.join("billing.toml"), "2026-10");
    let tmp = tempfile::tempdir().unwrap();
    let mut stamp = billing_workbench::output::xlsx::Stamp::draft(
        chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap(),
        100,
    );
    stamp.logo = false;
    let asked = std::cell::Cell::new(0);
    let written = billing_workbench::output::xlsx::write_all(&r, tmp.path(), &stamp, true, false, &|_| {
        asked.set(asked.get() + 1);
        asked.get() < 2
    })
    .unwrap();
    // Workbooks are written one per core at a time: the run stops after the group that
    // holds the second workbook, and lists every file it wrote.
    let group = rayon::current_num_threads().max(1);
    let expected = (2usize.div_ceil(group) * group).min(r.invoices.len());
    assert_eq!(
        written.len(),
        expected,
        "stopped after the group of the second workbook"
    );
    let on_disk: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().collect();
    assert_eq!(
        on_disk.len(),
        written.len(),
        "only the listed workbooks, no summary, no temporary file left"
    );
    for path in &written {
        open_workbook_auto(path).unwrap().worksheet_range("Invoice").unwrap();
    }
}
