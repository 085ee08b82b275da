//! The spreadsheet rate card: `rate-card` writes the workbook of a TOML configuration, and
//! `--config billing.xlsx` (or `.ods`) gives the same validated configuration and the same
//! invoices; every problem in a workbook names its sheet and cell.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures, as tests should
#![allow(clippy::disallowed_methods)] // tests, benches and tools read and write files freely

mod common;

use std::path::{Path, PathBuf};

use billing_workbench::import::load_config;
use common::run;

fn sample_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

fn rate_card(config: &Path, out: &Path) {
    let (code, _, err) = run(&[
        "rate-card",
        "--config",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
}

fn invoices_json(config: &Path) -> String {
    let data = sample_dir();
    let (code, out, err) = run(&[
        "invoice",
        "--data",
        data.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--ob",
        "all",
        "--period",
        "2026-10",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    out
}

/// The validated configuration as text, without what names its file, decimals by value
/// (a numeric cell keeps no trailing zeros: `0.0400` reads back as `0.04`, the same price).
fn shape(path: &Path) -> String {
    let mut c = load_config(path).unwrap();
    c.sha256.clear();
    c.path = PathBuf::new();
    let text = format!("{c:?}");
    let mut out = String::new();
    let mut number = String::new();
    let flush = |number: &mut String, out: &mut String| {
        if number.contains('.') {
            let trimmed = number.trim_end_matches('0').trim_end_matches('.');
            out.push_str(trimmed);
        } else {
            out.push_str(number);
        }
        number.clear();
    };
    for ch in text.chars() {
        if ch.is_ascii_digit() || (ch == '.' && !number.is_empty()) {
            number.push(ch);
        } else {
            flush(&mut number, &mut out);
            out.push(ch);
        }
    }
    flush(&mut number, &mut out);
    out
}

#[test]
fn the_sample_round_trips_through_the_workbook_and_libreoffice() {
    let tmp = tempfile::tempdir().unwrap();
    let toml = sample_dir().join("billing.toml");
    let xlsx = tmp.path().join("billing.xlsx");
    rate_card(&toml, &xlsx);
    assert_eq!(shape(&xlsx), shape(&toml), "the same validated configuration");
    assert_eq!(invoices_json(&xlsx), invoices_json(&toml), "the same invoices");
    // The workbook's own hash identifies the configuration on Run info.
    let bytes = std::fs::read(&xlsx).unwrap();
    assert_eq!(
        load_config(&xlsx).unwrap().sha256,
        billing_workbench::import::sha256_bytes(&bytes)
    );
    // The same workbook saved by LibreOffice as .ods (booleans become 1/0 there).
    let ods = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rate-card/sample-billing.ods");
    assert_eq!(shape(&ods), shape(&toml));

    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "README",
            "billing",
            "dataset",
            "dimension",
            "ob",
            "ob_table",
            "meter",
            "charge",
            "tiers",
            "fee",
            "allocation",
            "fx"
        ]
    );
    let tiers = wb.worksheet_range("tiers").unwrap();
    let header: Vec<String> = tiers.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(header, ["concept", "obs", "up_to", "unit_price", "flat"]);
    // VOICE's three graduated tiers, in order, the last without up_to.
    let voice: Vec<Vec<String>> = tiers
        .rows()
        .filter(|r| r[0] == "VOICE")
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(voice.len(), 3);
    assert_eq!(voice[0][2], "2000");
    assert_eq!(voice[2][2], "");
    // Text from the configuration stays text.
    let ob = wb.worksheet_range("ob").unwrap();
    assert!(matches!(ob.get_value((1, 0)), Some(calamine::Data::String(_))));
}

#[test]
fn a_configuration_round_trips_with_every_kind_of_value() {
    let text = r#"
[billing]
currency = "EUR"
decimals = 3
rounding = "half_even"
invoice_prefix = "X"
issuer = "=HYPERLINK(\"x\")"

[[dataset]]
name = "Events"
id_field = "id"
time_field = "ts"
ob_field = "ob"
exclude = { is_test = [true], code = ["123", "abc"], n = [7] }
version = 2

[[ob]]
code = "A"
name = "A, S.A."
keys = ["a1", "a2"]
timezone = "Europe/Madrid"
tax_rate = "0.21"
contract_start = 2026-01-15

[[meter]]
code = "m"
dataset = "Events"
aggregation = "sum"
field = "q"
where = { kind = ["voice", "text"] }
divide_by = "1000"
breakdown = ["kind"]

[[charge]]
concept = "C"
meter = "m"
model = "volume"
tiers = [ { up_to = "10.5", unit_price = "0.0100" }, { unit_price = "0.0075", flat = "1.25" } ]
included = "2"
minimum = "5"
obs = ["A"]

[[charge]]
concept = "C"
meter = "m"
model = "package"
package_size = "100"
package_price = "3.333"

[[fee]]
concept = "F"
amount = "99.99"
prorate = true
"#;
    let tmp = tempfile::tempdir().unwrap();
    let toml_path = tmp.path().join("c.toml");
    std::fs::write(&toml_path, text).unwrap();
    let xlsx = tmp.path().join("c.xlsx");
    rate_card(&toml_path, &xlsx);
    assert_eq!(shape(&xlsx), shape(&toml_path));
}

/// Writes `doc` as a rate card and returns the error of reading it back.
fn workbook_error(doc: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let xlsx = tmp.path().join("bad.xlsx");
    let table: toml::Table = toml::from_str(doc).unwrap();
    std::fs::write(
        &xlsx,
        billing_workbench::output::xlsx::rate_card_workbook(&table).unwrap(),
    )
    .unwrap();
    load_config(&xlsx).unwrap_err().to_string()
}

fn sample_with(from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(sample_dir().join("billing.toml")).unwrap();
    assert!(text.contains(from), "the sample changed: {from}");
    text.replacen(from, to, 1)
}

#[test]
fn every_problem_names_its_sheet_and_cell() {
    // The first OB's time zone: sheet ob, column timezone (E), row 2.
    let e = workbook_error(&sample_with(
        "timezone = \"Europe/Madrid\"",
        "timezone = \"Europe/Madird\"",
    ));
    assert!(e.contains("ob!E2: timezone \"Europe/Madird\""), "{e}");
    // A wrong type: decimals is a whole number.
    let e = workbook_error(&sample_with("decimals = 2", "decimals = \"two\""));
    assert!(e.contains("billing!B3"), "{e}");
    // An unknown model on the second charge row.
    let e = workbook_error(&sample_with("model = \"graduated\"", "model = \"graduatd\""));
    assert!(e.contains("charge!") && e.contains("graduatd"), "{e}");
    // A tier price that is not a number.
    let e = workbook_error(&sample_with(
        "{ up_to = \"2000\", unit_price = \"0.0400\" }",
        "{ up_to = \"2000\", unit_price = \"four\" }",
    ));
    assert!(e.contains("tiers!D"), "{e}");
}

#[test]
fn a_tier_without_its_charge_is_an_error_naming_the_row() {
    let tmp = tempfile::tempdir().unwrap();
    let toml = sample_dir().join("billing.toml");
    let xlsx = tmp.path().join("billing.xlsx");
    rate_card(&toml, &xlsx);
    // Rename the concept of the first tier row in a copy written by a spreadsheet tool.
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let mut out = rust_xlsxwriter::Workbook::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        let ws = out.add_worksheet();
        ws.set_name(&name).unwrap();
        for (r, row) in range.rows().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match v {
                    calamine::Data::Float(f) => {
                        ws.write_number(r, c, *f).unwrap();
                    }
                    calamine::Data::Bool(b) => {
                        ws.write_boolean(r, c, *b).unwrap();
                    }
                    calamine::Data::Empty => {}
                    other => {
                        let t = other.to_string();
                        let t = if name == "tiers" && r == 1 && c == 0 {
                            "NOPE".to_string()
                        } else {
                            t
                        };
                        ws.write_string(r, c, t).unwrap();
                    }
                }
            }
        }
    }
    let edited = tmp.path().join("edited.xlsx");
    out.save(&edited).unwrap();
    let e = load_config(&edited).unwrap_err().to_string();
    assert!(e.contains("tiers!A2: no charge row has concept \"NOPE\""), "{e}");
}

#[test]
fn rate_card_refuses_a_workbook_and_an_invalid_configuration() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, err) = run(&[
        "rate-card",
        "--config",
        "tests/fixtures/rate-card/sample-billing.ods",
        "--out",
        tmp.path().join("x.xlsx").to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("already a rate-card workbook"), "{err}");
    let bad = tmp.path().join("bad.toml");
    std::fs::write(&bad, sample_with("currency = \"EUR\"", "currency = 5")).unwrap();
    let (code, _, err) = run(&[
        "rate-card",
        "--config",
        bad.to_str().unwrap(),
        "--out",
        tmp.path().join("y.xlsx").to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(!tmp.path().join("y.xlsx").exists());
}
