//! `spark-job`: the PySpark program of a configuration (docs/databricks.md).

use std::process::ExitCode;

use super::SparkJobArgs;

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
