//! The same records in every input format give identical invoices, and the tiny
//! scenario's figures match the hand computation in `common::TINY_CONFIG`.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures, as tests should
#![allow(clippy::disallowed_methods)] // tests, benches and tools read and write files freely

mod common;

use common::*;
use serde_json::{Value, json};

fn line<'a>(inv: &'a Value, concept: &str) -> &'a Value {
    inv["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["concept"] == concept)
        .unwrap_or_else(|| panic!("no line {concept} in {inv}"))
}

fn invoice<'a>(doc: &'a Value, ob: &str) -> &'a Value {
    doc["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["ob"] == ob)
        .unwrap()
}

#[test]
fn tiny_scenario_from_avro_matches_the_hand_computation() {
    let (tmp, config) = tiny_folder("avro");
    let (code, doc, err) = invoice_json(tmp.path(), &config, "2026-10");
    assert_eq!(code, 0, "{err}");

    let br = invoice(&doc, "BR");
    assert_eq!(br["invoice_number"], "T-BR-202610");
    assert_eq!(br["currency"], "BRL");
    // Graduated in BRL: 10 × 5.50 + 3 × 2.75.
    assert_eq!(line(br, "UNITS")["quantity"], "13");
    assert_eq!(line(br, "UNITS")["amount"], "63.25");
    assert_eq!(line(br, "UNITS")["unit_price"], Value::Null);
    // 2 events × 0.55 = 1.10, below the converted minimum 5.50.
    assert_eq!(line(br, "EVENTS")["amount"], "5.50");
    assert_eq!(line(br, "FEE")["amount"], "170.50");
    // 10.00 split 2:2 → 5.00, converted at 5.5.
    assert_eq!(line(br, "ALLOC")["amount"], "27.50");
    assert_eq!(line(br, "ALLOC")["quantity"], "2");
    assert_eq!(br["subtotal"], "266.75");
    assert_eq!(br["tax"], "26.68");
    assert_eq!(br["total"], "293.43");
    assert_eq!(
        br["reconciliation"],
        json!([{"dataset": "Events", "in_scope": 6, "duplicates": 1, "excluded": 1, "suspended": 2, "rated": 2}])
    );
    assert_eq!(br["suspense"], json!({"INVALID_VALUE": 1, "UNKNOWN_DIMENSION": 1}));

    let es = invoice(&doc, "ES");
    assert_eq!(es["currency"], "EUR");
    assert_eq!(line(es, "UNITS")["amount"], "7.00");
    assert_eq!(line(es, "EVENTS")["amount"], "1.00");
    assert_eq!(
        line(es, "EVENTS")["unit_price"],
        Value::Null,
        "minimum applied: no single unit price"
    );
    // Contract from 11 October: 21 of 31 days.
    assert_eq!(line(es, "FEE")["amount"], "21.00");
    assert_eq!(line(es, "ALLOC")["amount"], "5.00");
    assert_eq!(es["total"], "41.14");
    assert_eq!(es["reconciliation"][0]["in_scope"], 2);

    assert_eq!(doc["run"]["rows_read"], json!({"Events": 12}));
    assert_eq!(doc["run"]["out_of_period"], json!({"Events": 2}));
    assert_eq!(
        doc["run"]["unattributable"],
        json!({"MISSING_FIELD": 1, "UNKNOWN_OB": 1})
    );
    assert_eq!(doc["errors"], json!([]));
}

#[test]
fn every_format_gives_the_same_document() {
    let (tmp, config) = tiny_folder("avro");
    let (_, reference, _) = invoice_json(tmp.path(), &config, "2026-10");
    assert!(reference["invoices"].as_array().is_some_and(|a| a.len() == 2));
    for format in ["parquet", "csv", "json", "xlsx"] {
        let (tmp, config) = tiny_folder(format);
        let (code, doc, err) = invoice_json(tmp.path(), &config, "2026-10");
        assert_eq!(code, 0, "{format}: {err}");
        assert_eq!(doc, reference, "{format} differs from avro");
    }
}

#[test]
fn every_avro_codec_reads_the_same() {
    use arrow_avro::compression::CompressionCodec as C;
    let (tmp, config) = tiny_folder("avro");
    let (_, reference, _) = invoice_json(tmp.path(), &config, "2026-10");
    for codec in [C::Deflate, C::Snappy, C::ZStandard, C::Bzip2, C::Xz] {
        write_avro(&tmp.path().join("Events.avro"), &tiny_events(), Some(codec));
        let (code, doc, err) = invoice_json(tmp.path(), &config, "2026-10");
        assert_eq!(code, 0, "{codec:?}: {err}");
        assert_eq!(doc, reference, "{codec:?}");
    }
}

#[test]
fn part_folders_split_anywhere_give_the_same_result() {
    let (tmp, config) = tiny_folder("avro");
    let (_, reference, _) = invoice_json(tmp.path(), &config, "2026-10");
    std::fs::remove_file(tmp.path().join("Events.avro")).unwrap();
    let events = tiny_events();
    let parts = tmp.path().join("events/v3");
    std::fs::create_dir_all(&parts).unwrap();
    // Mixed formats across parts, a Spark marker and a checksum file.
    write_avro(&parts.join("part-0.avro"), &events[..4], None);
    write_parquet(&parts.join("part-1.parquet"), &events[4..9]);
    std::fs::write(parts.join("part-2.csv"), csv_text(&events[9..])).unwrap();
    std::fs::write(parts.join("_SUCCESS"), "").unwrap();
    std::fs::write(parts.join(".part-0.avro.crc"), "x").unwrap();
    // An older version with different data must be ignored.
    std::fs::create_dir_all(tmp.path().join("events/v2")).unwrap();
    write_avro(&tmp.path().join("events/v2/part-0.avro"), &events[..1], None);
    let (code, doc, err) = invoice_json(tmp.path(), &config, "2026-10");
    assert_eq!(code, 0, "{err}");
    assert_eq!(doc, reference);
}

#[test]
fn csv_value_that_is_not_a_number_is_suspended_not_fatal() {
    let (tmp, config) = tiny_folder("csv");
    let text = csv_text(&tiny_events()).replace(
        "e10,\"2026-10-05T10:00:00Z\",ES,\"A2\",3,",
        "e10,\"2026-10-05T10:00:00Z\",ES,\"A2\",three,",
    );
    std::fs::write(tmp.path().join("Events.csv"), text).unwrap();
    let (code, doc, err) = invoice_json(tmp.path(), &config, "2026-10");
    assert_eq!(code, 0, "{err}");
    let es = invoice(&doc, "ES");
    assert_eq!(es["suspense"], json!({"INVALID_VALUE": 1}));
    assert_eq!(line(es, "UNITS")["quantity"], "4");
}

#[test]
fn custom_range_cuts_in_the_ob_time_zone() {
    let (tmp, config) = tiny_folder("avro");
    let (code, out, err) = run(&[
        "invoice",
        "--data",
        tmp.path().to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--ob",
        "ES",
        "--from",
        "2026-10-31",
        "--to",
        "2026-11-01",
        "--json",
    ]);
    // The range's month has a rate for nobody but BR; ES is in EUR, so it is invoiced.
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let es = invoice(&doc, "ES");
    assert_eq!(es["invoice_number"], "T-ES-20261031-20261101");
    // e8 (31 Oct 23:30 local) and e9 (1 Nov 00:30 local) are both inside.
    assert_eq!(line(es, "UNITS")["quantity"], "6");
    assert_eq!(es["period_end"], "2026-11-01");
}

#[test]
fn recorded_checksums_are_the_files_own() {
    // Usage files are hashed by a read of their own beside the records' (Avro: a task of
    // its own; Parquet and CSV: after the file is read). Either must give the file's
    // SHA-256, which the Run info sheet lists for auditors.
    for format in ["avro", "csv", "parquet"] {
        let (tmp, config) = tiny_folder(format);
        let loaded = billing_workbench::load(tmp.path(), &config, &|_: &std::path::Path| {}).unwrap();
        assert!(!loaded.engine.files().is_empty());
        for f in loaded.engine.files() {
            let want = billing_workbench::import::sha256_file(&f.path).unwrap();
            assert_eq!(f.sha256, want, "{}", f.path.display());
        }
        // A load for output that records no hash (`invoice --json`) leaves the usage files
        // unhashed, and says so with an empty hash rather than a wrong one.
        let options = billing_workbench::LoadOptions {
            hash_files: false,
            only: None,
        };
        let quick = billing_workbench::load_with(tmp.path(), &config, &|_: &std::path::Path| {}, options).unwrap();
        let usage = quick.engine.files().iter().filter(|f| f.dataset == "Events");
        assert!(usage.clone().count() > 0, "{format}");
        assert!(usage.clone().all(|f| f.sha256.is_empty()), "{format}");
        let report = |l: &billing_workbench::Loaded| {
            let period =
                billing_workbench::model::Period::Month(billing_workbench::model::YearMonth::parse("2026-10").unwrap());
            billing_workbench::output::json::document(
                &l.engine.run(&period, &billing_workbench::engine::Selection::All),
            )
        };
        assert_eq!(report(&quick), report(&loaded), "{format}");
    }
}

#[test]
fn a_load_narrowed_to_a_period_reads_parts_with_fewer_columns_as_a_whole_load_does() {
    // Two parts of one dataset, the second of an older schema without `app` (a dimension,
    // so a column a file may lack; required, so its records are suspended); records far
    // outside October in both (read for their id, time and OB only), one of them the first
    // copy of an id seen again in October. The narrowed load of `invoice` must report what
    // the whole load reports: the part without `app` gets the column's nulls for the
    // records it read, and only for those.
    let (tmp, _) = tiny_folder("avro");
    let dir = tmp.path();
    let config = write_config(dir, &TINY_CONFIG.replace("breakdown = [\"app\"]", ""));
    std::fs::create_dir(dir.join("Events")).unwrap();
    let mut first = tiny_events();
    first.push(ev(Some("e20"), "2026-08-10T12:00:00Z", Some("ES"), "A1", 9, 1.5, false));
    first.push(ev(Some("e21"), "2026-12-20T12:00:00Z", Some("BR"), "A2", 8, 2.5, false));
    write_avro(&dir.join("Events/part-00000.avro"), &first, None);
    std::fs::remove_file(dir.join("Events.avro")).unwrap();
    let older = [
        ev(Some("e22"), "2026-08-11T12:00:00Z", Some("BR"), "A1", 4, 0.0, false),
        ev(Some("e20"), "2026-10-12T12:00:00Z", Some("ES"), "A1", 50, 0.0, false), // duplicate of August's
        ev(Some("e23"), "2026-10-13T12:00:00Z", Some("ES"), "A2", 6, 0.0, false),
        ev(Some("e24"), "2026-12-01T12:00:00Z", Some("ES"), "A9", 1, 0.0, false),
        ev(Some("e25"), "2026-10-14T12:00:00Z", Some("BR"), "A9", 2, 0.0, false), // unknown app
    ];
    write_avro_without(&dir.join("Events/part-00001.avro"), &older, "app");
    let period =
        billing_workbench::model::Period::Month(billing_workbench::model::YearMonth::parse("2026-10").unwrap());
    let whole = billing_workbench::load(dir, &config, &|_: &std::path::Path| {}).unwrap();
    let options = billing_workbench::LoadOptions {
        hash_files: true,
        only: Some(period),
    };
    let narrowed = billing_workbench::load_with(dir, &config, &|_: &std::path::Path| {}, options).unwrap();
    let all = billing_workbench::engine::Selection::All;
    let (a, b) = (whole.engine.run(&period, &all), narrowed.engine.run(&period, &all));
    assert_eq!(a.invoices, b.invoices);
    assert_eq!(a.run, b.run);
    // Not vacuous: both parts hold records outside the period and the duplicate counts.
    assert_eq!(a.run.files.len(), 2, "{:?}", a.run.files);
    let part = |name: &str| a.run.files.iter().find(|f| f.file.ends_with(name)).unwrap();
    assert!(part("part-00000.avro").out_of_period >= 3);
    assert!(part("part-00001.avro").out_of_period >= 2);
    assert_eq!(part("part-00001.avro").duplicates, 1);
    assert_eq!(part("part-00001.avro").suspended, 2, "{:?}", part("part-00001.avro"));
    assert!(
        part("part-00001.avro")
            .causes
            .iter()
            .any(|c| c.contains("MISSING_FIELD"))
    );
}
