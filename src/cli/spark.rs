//! `spark-job` (the PySpark program of a configuration, docs/databricks.md) and `trace`
//! (what became of one record): the commands that look past the roll-up.

use std::process::ExitCode;

use anyhow::{Context, bail};
use rust_decimal::Decimal;

use super::{RecordsArgs, SparkJobArgs, TraceArgs};
use crate::records::Figure;

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

fn figure_of(args: &RecordsArgs) -> anyhow::Result<Figure> {
    Ok(match (&args.line, &args.meter, &args.outcome) {
        (Some(concept), _, _) => match &args.breakdown {
            Some(b) => {
                let (field, value) = b
                    .split_once('=')
                    .with_context(|| format!("--breakdown {b:?}: expected FIELD=VALUE"))?;
                Figure::Breakdown {
                    concept: concept.clone(),
                    field: field.to_string(),
                    value: (!value.is_empty()).then(|| value.to_string()),
                }
            }
            None => Figure::Line {
                concept: concept.clone(),
            },
        },
        (_, Some(meter), _) => Figure::Day {
            meter: meter.clone(),
            date: args.day.context("--meter needs --day")?,
        },
        (_, _, Some(outcome)) => Figure::Outcome {
            dataset: args.dataset.clone().unwrap_or_default(),
            outcome: outcome.clone(),
        },
        _ => bail!(
            "say which figure: --line CONCEPT [--breakdown FIELD=VALUE], --meter M --day D, or --dataset D --outcome O"
        ),
    })
}

pub(super) fn records(args: &RecordsArgs) -> anyhow::Result<ExitCode> {
    let figure = figure_of(args)?;
    let config = crate::import::load_config(&args.config)?;
    let period = crate::model::Period::Month(args.period);
    let started = std::time::Instant::now();
    let scan = crate::records::Scan::new(&args.data, &config, &args.ob, &period, &figure)?;
    let first = std::sync::OnceLock::new();
    let listing = scan.collect(&|found| {
        if found > 0 {
            let _ = first.set(started.elapsed());
        }
    })?;
    let listed = started.elapsed();
    let loaded = crate::load(&args.data, &args.config, &|_: &std::path::Path| {})?;
    let report = loaded
        .engine
        .run(&period, &crate::engine::Selection::One(args.ob.clone()));
    let inv = report
        .invoices
        .first()
        .with_context(|| format!("OB {} has no invoice for {}", args.ob, period.label()))?;
    if args.timings {
        eprintln!(
            "timings: first records after {:.2} s, all {} after {:.2} s; a plain load took {:.2} s",
            first.get().copied().unwrap_or(listed).as_secs_f64(),
            listing.rows.len(),
            listed.as_secs_f64(),
            (started.elapsed() - listed).as_secs_f64()
        );
    }
    let figure_value = crate::records::figure_value(inv, &figure)
        .with_context(|| format!("the invoice of {} has no such figure", args.ob))?;
    let total: Decimal = listing.total.parse().unwrap_or_default();
    let matches = total == figure_value;
    if let Some(out) = &args.out {
        let parquet = out.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
        let bytes = if parquet { listing.parquet()? } else { listing.csv()? };
        crate::output::xlsx::write_atomically(out, &bytes, true)?;
    }
    if args.json {
        let doc = serde_json::json!({
            "listing": listing,
            "figure": crate::model::money::plain_string(figure_value),
            "matches": matches,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        if args.out.is_none() {
            println!("{}", listing.columns.join("\t"));
            for r in listing.rows.iter().take(50) {
                println!("{}", r.join("\t"));
            }
            if listing.rows.len() > 50 {
                println!(
                    "… {} more (write them all with --out FILE.csv)",
                    listing.rows.len() - 50
                );
            }
        }
        println!(
            "{} records: {} = {}; the invoice shows {}: {}",
            listing.rows.len(),
            listing.how,
            listing.total,
            crate::model::money::plain_string(figure_value),
            if matches { "they add up" } else { "THEY DO NOT ADD UP" }
        );
    }
    Ok(if matches { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
