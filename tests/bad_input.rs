//! The rules of docs/datasets.md for input that is wrong in ways real exports are: offsets written `+00`,
//! a dataset mostly unusable for one cause, ragged CSV rows, stray files in a part folder.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures, as tests should
#![allow(clippy::disallowed_methods)] // tests, benches and tools read and write files freely

mod common;

use common::*;

/// The tiny scenario's CSV with every time written as DuckDB writes a TIMESTAMPTZ:
/// a space, milliseconds without trailing zeros, and `+00`.
fn duckdb_times(text: &str) -> String {
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let mut fields: Vec<String> = line.split(',').map(str::to_string).collect();
        if fields.len() > 1 && fields[1].ends_with("Z\"") {
            fields[1] = fields[1].replace('T', " ").replace("Z\"", ".5+00\"");
        }
        out.push_str(&fields.join(","));
    }
    out
}

#[test]
fn offsets_written_plus_00_read_as_utc() {
    let (tmp, config) = tiny_folder("csv");
    let reference = invoice_json(tmp.path(), &config, "2026-10").1;
    let text = std::fs::read_to_string(tmp.path().join("Events.csv")).unwrap();
    let duck = duckdb_times(&text);
    assert!(duck.contains("\"2026-10-15 12:00:00.5+00\""), "{duck}");
    std::fs::write(tmp.path().join("Events.csv"), duck).unwrap();
    let (code, doc, err) = invoice_json(tmp.path(), &config, "2026-10");
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("warning"), "{err}");
    // Half a second later changes no day and no quantity: the same invoices.
    assert_eq!(doc["invoices"], reference["invoices"]);
}

#[test]
fn a_mostly_unusable_dataset_is_loud_everywhere() {
    let (tmp, config) = tiny_folder("csv");
    let text = std::fs::read_to_string(tmp.path().join("Events.csv")).unwrap();
    // Day-first dates, as a spreadsheet in some locales writes them: no time can be read.
    let broken = text.replace("\"2026-10-", "\"").replace("T", " 10-2026 ");
    std::fs::write(tmp.path().join("Events.csv"), broken).unwrap();
    let (code, _, err) = invoice_json(tmp.path(), &config, "2026-10");
    assert_eq!(code, 0, "the run still completes: {err}");
    let warning = err
        .lines()
        .find(|l| l.starts_with("warning: Events: "))
        .unwrap_or_else(|| panic!("no warning naming the dataset: {err}"));
    // The record without an id and the one of an unknown OB fail first on other fields.
    assert!(
        warning.contains(" of 12 records (")
            && warning.contains(" %) INVALID_VALUE in ts, e.g. \"01 10-2026 02:59:59Z\""),
        "{warning}"
    );
    let dir = tmp.path().to_str().unwrap();
    let (code, out, err) = run(&["check", "--data", dir, "--config", config.to_str().unwrap()]);
    assert_eq!(code, 1, "check is not ready: {out}");
    assert!(err.contains(warning), "{err}");
    assert!(out.contains("NOT ready to invoice"), "{out}");
}

#[test]
fn under_half_unusable_is_no_warning() {
    let (tmp, config) = tiny_folder("csv");
    let text = std::fs::read_to_string(tmp.path().join("Events.csv")).unwrap();
    // Two records of twelve with a time that cannot be read.
    let broken = text
        .replace("\"2026-10-15T12:00:00Z\"", "\"15/10/2026\"")
        .replace("\"2026-10-05T10:00:00Z\"", "\"05/10/2026\"");
    std::fs::write(tmp.path().join("Events.csv"), broken).unwrap();
    let (code, _, err) = invoice_json(tmp.path(), &config, "2026-10");
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("warning: Events"), "{err}");
}

#[test]
fn a_ragged_csv_row_is_an_error_naming_file_and_line() {
    let (tmp, config) = tiny_folder("csv");
    let text = std::fs::read_to_string(tmp.path().join("Events.csv")).unwrap();
    let mut lines: Vec<&str> = text.split_inclusive("\r\n").collect();
    let shifted = lines[4].replacen(',', ",,", 1);
    lines[4] = &shifted;
    std::fs::write(tmp.path().join("Events.csv"), lines.concat()).unwrap();
    let (code, doc, err) = invoice_json(tmp.path(), &config, "2026-10");
    assert_eq!(code, 1, "{err}");
    assert!(doc.is_null(), "no document from an unreadable input: {doc}");
    assert!(
        err.contains("Events.csv: line 5: 8 fields, but the header has 7 fields"),
        "{err}"
    );
}

#[test]
fn stray_files_in_a_part_folder_are_named() {
    let (tmp, config) = tiny_folder("csv");
    let parts = tmp.path().join("Events");
    std::fs::create_dir(&parts).unwrap();
    std::fs::rename(tmp.path().join("Events.csv"), parts.join("part-001.csv")).unwrap();
    std::fs::write(parts.join("part-001.csv.bak"), "old").unwrap();
    std::fs::write(parts.join("README.txt"), "notes").unwrap();
    std::fs::write(parts.join("_SUCCESS"), "").unwrap();
    std::fs::write(parts.join(".part-001.csv.crc"), "").unwrap();
    let (code, _, err) = invoice_json(tmp.path(), &config, "2026-10");
    assert_eq!(code, 0, "{err}");
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(warnings.len(), 2, "{err}");
    assert!(
        warnings[0].contains("README.txt") && warnings[0].contains("not read"),
        "{err}"
    );
    assert!(warnings[1].contains("part-001.csv.bak"), "{err}");
}

#[test]
fn an_avro_union_branch_outside_the_union_is_an_error_with_its_offset() {
    let (tmp, config) = tiny_folder("avro");
    let path = tmp.path().join("Events.avro");
    let mut bytes = std::fs::read(&path).unwrap();
    // `country` is a nullable string: branch 1 (zig-zag 2), length 2 (4), "BR". Branch 3
    // (6) still lines up with the bytes after it, so only the index betrays the flip.
    let at = bytes.windows(4).position(|w| w == [2, 4, b'B', b'R']).unwrap();
    bytes[at] = 6;
    std::fs::write(&path, &bytes).unwrap();
    let (code, doc, err) = invoice_json(tmp.path(), &config, "2026-10");
    assert_eq!(code, 1, "{err}");
    assert!(doc.is_null(), "{doc}");
    let wanted = format!(
        "Events.avro: corrupt: byte {} (record 1, field country): union branch index 3 outside the union of 2 branches",
        at + 1
    );
    assert!(err.contains(&wanted), "{err}");
}
