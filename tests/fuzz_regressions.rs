//! Every input the fuzzer ever saved (`fuzz/regressions/TARGET-…`) is read again: none
//! may panic. How to fuzz: README, "Fuzzing".

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures, as tests should
#![allow(clippy::disallowed_methods)] // tests, benches and tools read and write files freely

#[path = "common/fuzz_target.rs"]
mod fuzz_target;

#[test]
fn saved_fuzz_inputs_read_without_panicking() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let work = tempfile::tempdir().unwrap();
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(target) = fuzz_target::TARGETS.iter().find(|t| name.starts_with(&format!("{t}-"))) else {
            continue;
        };
        let bytes = std::fs::read(entry.path()).unwrap();
        let outcome = std::panic::catch_unwind(|| fuzz_target::execute(target, &bytes, work.path()));
        assert!(outcome.is_ok(), "{name} panics");
        replayed += 1;
    }
    assert!(replayed > 0, "no saved inputs in {}", dir.display());
}

#[test]
fn a_parquet_dictionary_claiming_more_values_than_bytes_is_refused() {
    // Found by the fuzzer: parquet 60 allocated 13.7 GB for this page's claim.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let work = tempfile::tempdir().unwrap();
    let path = work.path().join("Events.parquet");
    std::fs::copy(dir.join("parquet-alloc-1"), &path).unwrap();
    use billing_workbench::model::table::{FieldPlan, Form};
    let mut plan = FieldPlan::default();
    for (field, form) in [
        ("id", Form::Id),
        ("ts", Form::Time),
        ("country", Form::Value),
        ("app", Form::Distinct),
    ] {
        plan.add(field, form, false);
    }
    for field in ["qty", "kb"] {
        plan.add(field, Form::Number, false);
    }
    plan.add("test", Form::Value, false);
    let e = billing_workbench::import::read_file(&path, &plan)
        .unwrap_err()
        .to_string();
    assert!(
        // The page-header walk now sees the corrupt header's page overrun its chunk
        // before the dictionary check counts its values; either refusal names the column.
        e.contains("Events.parquet")
            && e.contains("row group 0, column 2")
            && (e.contains("a dictionary page claims") || e.contains("beyond the chunk's end")),
        "{e}"
    );
}

#[test]
fn a_parquet_thrift_length_beyond_the_input_is_refused_before_parquet_skips_it() {
    // parquet 60 spent 14 s of CPU skipping the claimed elements of this 2 KB file.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let work = tempfile::tempdir().unwrap();
    let path = work.path().join("Events.parquet");
    std::fs::copy(dir.join("parquet-slow-1"), &path).unwrap();
    let e = billing_workbench::import::read_file(&path, &fuzz_target::plan())
        .unwrap_err()
        .to_string();
    assert!(e.contains("Events.parquet") && e.contains("corrupt page header"), "{e}");
}
