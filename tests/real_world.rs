//! Exports written by the tools our users have (Spark, DuckDB; `tests/fixtures/real/`,
//! made by `scripts/fixtures/make_real_world.py`) give the same invoices as the same
//! records in Avro. What each tool wrote is listed in docs/real-world-inputs.md.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures, as tests should
#![allow(clippy::disallowed_methods)] // tests, benches and tools read and write files freely

mod common;

use std::path::Path;

use common::*;

fn copy_tree(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap().flatten() {
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        std::fs::copy(from, to).unwrap();
    }
}

#[test]
fn every_real_writer_gives_the_avro_invoices() {
    let (avro, avro_config) = tiny_folder("avro");
    let (code, reference, err) = invoice_json(avro.path(), &avro_config, "2026-10");
    assert_eq!(code, 0, "{err}");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real");
    let mut writers: Vec<_> = std::fs::read_dir(&root).unwrap().flatten().map(|e| e.path()).collect();
    writers.sort();
    assert!(writers.len() >= 12, "fixtures missing in {}", root.display());
    for writer in writers {
        let tmp = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(&writer).unwrap().flatten() {
            copy_tree(&entry.path(), &tmp.path().join(entry.file_name()));
        }
        write_apps_csv(tmp.path());
        let config = write_config(tmp.path(), TINY_CONFIG);
        let (code, doc, err) = invoice_json(tmp.path(), &config, "2026-10");
        let name = writer.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(code, 0, "{name}: {err}");
        assert!(!err.contains("warning"), "{name}: {err}");
        assert_eq!(doc["invoices"], reference["invoices"], "{name}");
        assert_eq!(
            doc["run"]["unattributable"], reference["run"]["unattributable"],
            "{name}"
        );
    }
}
