//! `spark-job` (the PySpark program of a configuration, docs/databricks.md) and `trace`
//! (what became of one record): the commands that look past the roll-up.

use std::process::ExitCode;

use super::{SparkJobArgs, TraceArgs};

pub(super) fn spark_job(args: &SparkJobArgs) -> anyhow::Result<ExitCode> {
    let config = crate::import::load_config(&args.config)?;
    let text = crate::spark::job(&config);
    crate::output::xlsx::write_atomically(&args.out, text.as_bytes(), args.force)?;
    eprintln!(
        "wrote {}: run it with spark-submit {} --data URI --out URI",
        args.out.display(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub(super) fn trace(args: &TraceArgs) -> anyhow::Result<ExitCode> {
    let config = crate::import::load_config(&args.config)?;
    let period = args.period.map(crate::model::Period::Month);
    let trace = crate::trace::trace(&args.data, &config, &args.id, args.dataset.as_deref(), period.as_ref())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&trace)?);
    } else {
        print!("{}", trace.render());
    }
    Ok(if trace.records.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
