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
