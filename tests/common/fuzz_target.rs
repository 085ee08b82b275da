//! One fuzz execution: the bytes of a target's input through its reader. Shared by the
//! fuzzer (`examples/fuzz`) and the replay of saved inputs (`tests/fuzz_regressions.rs`).

#![allow(clippy::disallowed_methods)] // tests, benches and tools read and write files freely

use std::path::Path;

use billing_workbench::model::table::{FieldPlan, Form};

/// Every target: the readers by file extension, the configuration and the discards file.
pub const TARGETS: [&str; 8] = ["avro", "parquet", "csv", "json", "xlsx", "ods", "config", "discards"];

/// The fields every reader is asked for: one of each form, none required, so a file
/// that lost a column is still read.
pub fn plan() -> FieldPlan {
    let mut plan = FieldPlan::default();
    plan.add("id", Form::Id, false);
    plan.add("ts", Form::Time, false);
    plan.add("country", Form::Value, false);
    plan.add("app", Form::Distinct, false);
    plan.add("qty", Form::Number, false);
    plan.add("kb", Form::Number, false);
    plan.add("test", Form::Value, false);
    plan
}

/// Reads `bytes` as `target`'s input (in folder `work`); an error is a fine outcome.
/// Returns whether the input was read without an error.
pub fn execute(target: &str, bytes: &[u8], work: &Path) -> bool {
    match target {
        "config" => {
            let text = String::from_utf8_lossy(bytes);
            billing_workbench::model::Config::parse(&text, Path::new("fuzz.toml")).is_ok()
        }
        "discards" => {
            let file = billing_workbench::discards::path(work);
            std::fs::write(&file, bytes).is_ok() && billing_workbench::discards::load(work).is_ok()
        }
        ext => {
            let file = work.join(format!("Events.{ext}"));
            std::fs::write(&file, bytes).is_ok() && billing_workbench::import::read_file(&file, &plan()).is_ok()
        }
    }
}
