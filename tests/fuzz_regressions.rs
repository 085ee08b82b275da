//! Every input the fuzzer ever saved (`fuzz/regressions/TARGET-…`) is read again: none
//! may panic. How to fuzz: README, "Fuzzing".

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures, as tests should

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
        e.contains("Events.parquet") && e.contains("a dictionary page claims"),
        "{e}"
    );
}
