//! The seed corpus: small valid inputs of every target, written by the same builders the
//! tests use (the tiny scenario in each format, the configurations, a discards file).

#![allow(clippy::disallowed_methods)] // tests, benches and tools read and write files freely

use std::path::Path;

use billing_workbench::discards;
use billing_workbench::report::Discard;

use super::common;

fn put(dir: &Path, target: &str, name: &str, bytes: &[u8]) {
    let d = dir.join(target);
    std::fs::create_dir_all(&d).expect("seed folder");
    std::fs::write(d.join(name), bytes).expect("seed");
}

/// Writes `dir/<target>/<seed>` for every target but ods (LibreOffice writes that one).
pub fn write(dir: &Path) {
    let tmp = tempfile::tempdir().expect("temp folder");
    let t = tmp.path();
    let events = common::tiny_events();
    let file = |name: &str| std::fs::read(t.join(name)).expect("written seed");
    common::write_avro(&t.join("a.avro"), &events, None);
    put(dir, "avro", "null-codec.avro", &file("a.avro"));
    common::write_avro(
        &t.join("d.avro"),
        &events,
        Some(arrow_avro::compression::CompressionCodec::Deflate),
    );
    put(dir, "avro", "deflate.avro", &file("d.avro"));
    common::write_parquet(&t.join("e.parquet"), &events);
    put(dir, "parquet", "tiny.parquet", &file("e.parquet"));
    put(dir, "csv", "tiny.csv", common::csv_text(&events).as_bytes());
    put(
        dir,
        "csv",
        "apps.csv",
        b"app_id,app_name\nA1,App One\nA2,\"App Two, the second\"\n",
    );
    put(dir, "json", "tiny.json", common::json_text(&events).as_bytes());
    common::write_xlsx(&t.join("e.xlsx"), &events);
    put(dir, "xlsx", "tiny.xlsx", &file("e.xlsx"));
    put(dir, "config", "tiny.toml", common::TINY_CONFIG.as_bytes());
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/billing.toml");
    put(
        dir,
        "config",
        "sample.toml",
        &std::fs::read(sample).expect("sample configuration"),
    );
    discards::save(
        t,
        &[
            Discard {
                dataset: "Events".into(),
                record_id: "e5".into(),
                reason: "test app".into(),
                by: Some("ana".into()),
                at: Some("2026-11-03T09:15:00Z".into()),
            },
            Discard {
                dataset: "Events".into(),
                record_id: "e6".into(),
                reason: "negative \"quantity\"".into(),
                by: None,
                at: None,
            },
        ],
    )
    .expect("discards");
    put(
        dir,
        "discards",
        "two.toml",
        &std::fs::read(discards::path(t)).expect("discards file"),
    );
    println!("wrote the seed corpus to {}", dir.display());
}
