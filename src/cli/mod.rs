//! The command line (docs/cli.md): clap definitions and one function per command. Maps errors
//! to exit status: 0 done, 1 input or configuration error, 2 bad command line.

// The command line times the run for `--timings`.
#![allow(clippy::disallowed_methods)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};

use crate::engine::Selection;
use crate::model::{Period, YearMonth};
use crate::report::RunReport;

mod issue;
mod spark;

#[derive(Debug, Parser)]
#[command(
    name = "billing-workbench",
    version,
    about = "Turns monthly usage exports into exact, auditable invoices",
    after_help = "The user's reference is in the docs folder of the repository (installed in \
/usr/share/doc/billing-workbench/docs): cli.md for every command and option, json.md for --json, \
datasets.md, configuration.md, processing.md, rating.md, workbooks.md, month-end.md, \
register.md and databricks.md."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Rate a period and write invoices (or print the JSON document of docs/json.md with --json).
    Invoice(InvoiceArgs),
    /// Report what a data folder and configuration hold, and whether they can be invoiced.
    Check(CheckArgs),
    /// Generate a deterministic, realistic Aura export and its billing.toml.
    Sample(SampleArgs),
    /// Rate a period like `invoice`, then issue the invoices: write them and record them in
    /// the register (docs/register.md); a period already issued is left unchanged, reported as
    /// differing, or corrected with --correct.
    Issue(IssueArgs),
    /// List, show or export the documents of the register.
    Register(RegisterArgs),
    /// Write the rate-card workbook equivalent to a TOML configuration (finance edits
    /// prices there; --config accepts the workbook like the TOML).
    RateCard(RateCardArgs),
    /// Write the PySpark program that turns a data folder into a usage summary on Spark or
    /// Databricks (docs/databricks.md); `--data SUMMARY` then rates it here.
    SparkJob(SparkJobArgs),
    /// Tell what became of one record: its file and record number, outcome and why, OB and
    /// local day, and the meters, invoice lines and breakdown rows it counted in.
    Trace(TraceArgs),
    /// List the records behind a figure of an OB's invoice (a line, a breakdown row, a day
    /// of a meter, a reconciliation cell), re-aggregated to show that they add up to it.
    Records(RecordsArgs),
}

#[derive(Debug, Args)]
pub struct RecordsArgs {
    /// The data folder (an export: a usage summary keeps no records).
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// The configuration (billing.toml or a rate-card workbook).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// The OB whose invoice holds the figure.
    #[arg(long, value_name = "CODE")]
    pub ob: String,
    /// The month of the invoice.
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    pub period: YearMonth,
    /// The invoice line (its concept).
    #[arg(long, value_name = "CONCEPT", conflicts_with_all = ["meter", "outcome"])]
    pub line: Option<String>,
    /// With --line: one breakdown row, FIELD=VALUE (FIELD= for the null value).
    #[arg(long, value_name = "FIELD=VALUE", requires = "line")]
    pub breakdown: Option<String>,
    /// A meter, with --day: one day of the meter inspector.
    #[arg(long, value_name = "METER", requires = "day")]
    pub meter: Option<String>,
    /// With --meter: the OB's local day.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, requires = "meter")]
    pub day: Option<chrono::NaiveDate>,
    /// A reconciliation cell: duplicates, excluded, suspended or rated, with --dataset.
    #[arg(long, value_name = "OUTCOME", value_parser = ["duplicates", "excluded", "suspended", "rated"], requires = "dataset")]
    pub outcome: Option<String>,
    /// With --outcome: the usage dataset.
    #[arg(long, value_name = "NAME", requires = "outcome")]
    pub dataset: Option<String>,
    /// Write the records to FILE: Parquet when it ends in .parquet, CSV otherwise.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Print the listing as JSON.
    #[arg(long)]
    pub json: bool,
    /// Print on stderr when the first records were found, when all were, and how long a
    /// plain load of the same export takes.
    #[arg(long)]
    pub timings: bool,
}

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The data folder (an export: a usage summary keeps no records).
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// The configuration (billing.toml or a rate-card workbook).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// The record's id.
    #[arg(long, value_name = "EVENT_ID")]
    pub id: String,
    /// Only this usage dataset.
    #[arg(long, value_name = "NAME")]
    pub dataset: Option<String>,
    /// The period the record is looked at in (default: its own local month).
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    pub period: Option<YearMonth>,
    /// Print the trace as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SparkJobArgs {
    /// The configuration (billing.toml or a rate-card workbook).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// The Python program to write (job.py).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct RateCardArgs {
    /// The TOML configuration (billing.toml).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// The workbook to write (.xlsx).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Overwrite an existing workbook.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct IssueArgs {
    #[command(flatten)]
    pub invoice: InvoiceArgs,
    #[command(flatten)]
    pub register: RegisterLocation,
    /// Where the register holds a different document for the period, issue a credit note
    /// and a corrected invoice.
    #[arg(long)]
    pub correct: bool,
}

#[derive(Debug, Args, Clone)]
pub struct RegisterLocation {
    /// The register: a SQLite file or a postgres://user@host:port/dbname URL (default:
    /// [billing] register, else billing-register.sqlite beside the configuration).
    #[arg(long, value_name = "R")]
    pub register: Option<String>,
}

#[derive(Debug, Args)]
pub struct RegisterArgs {
    #[command(subcommand)]
    pub command: RegisterCommand,
}

#[derive(Debug, Subcommand)]
pub enum RegisterCommand {
    /// One row per document, in the order issued.
    List {
        #[command(flatten)]
        at: RegisterAt,
        /// Only this OB's documents.
        #[arg(long, value_name = "CODE")]
        ob: Option<String>,
        /// Only documents of this month.
        #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
        period: Option<YearMonth>,
        /// Print the documents as JSON (docs/json.md).
        #[arg(long)]
        json: bool,
    },
    /// One document with its lines, reconciliation and inputs.
    Show {
        /// The document number, e.g. AURA-ES-202610-R1.
        number: String,
        #[command(flatten)]
        at: RegisterAt,
        /// Print the document as JSON (docs/json.md).
        #[arg(long)]
        json: bool,
    },
    /// Write the register workbook: Documents, Lines and History.
    Export {
        #[command(flatten)]
        at: RegisterAt,
        /// The workbook to write (.xlsx).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// First month (periods starting from it).
        #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
        from: Option<YearMonth>,
        /// Last month.
        #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
        to: Option<YearMonth>,
        /// Overwrite an existing workbook.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
pub struct RegisterAt {
    #[command(flatten)]
    pub location: RegisterLocation,
    /// The configuration whose register to read ([billing] register, or the file beside it).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InputArgs {
    /// The data folder holding the datasets.
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// The billing configuration (billing.toml).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
}

#[derive(Debug, Args)]
pub struct InvoiceArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// OB code, or `all`.
    #[arg(long, value_name = "CODE|all")]
    pub ob: String,
    /// The month to invoice.
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month, required_unless_present = "from", conflicts_with_all = ["from", "to"])]
    pub period: Option<YearMonth>,
    /// First day of a custom period (inclusive).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, requires = "to")]
    pub from: Option<NaiveDate>,
    /// Last day of a custom period (inclusive).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, requires = "from")]
    pub to: Option<NaiveDate>,
    /// Folder the workbooks are written to.
    #[arg(long, value_name = "DIR", required_unless_present = "json")]
    pub out: Option<PathBuf>,
    /// Print the JSON document on standard output (docs/json.md).
    #[arg(long)]
    pub json: bool,
    /// Overwrite existing workbooks.
    #[arg(long)]
    pub force: bool,
    /// Issue date printed on the invoices (default: today).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub issue_date: Option<NaiveDate>,
    /// Suspended records listed in full on the Suspense sheet (the counts always cover all).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub suspense_rows: usize,
    /// Print how long loading and rating took (on standard error).
    #[arg(long)]
    pub timings: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The month to reconcile (default: the latest month with usage).
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    pub period: Option<YearMonth>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SampleArgs {
    /// Folder to write the datasets and billing.toml into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Number of Aura_Audit events.
    #[arg(long, default_value_t = 100_000)]
    pub events: u64,
    /// Number of months the events span.
    #[arg(long, default_value_t = 2)]
    pub months: u32,
    /// First month.
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month, default_value = "2026-09")]
    pub start: YearMonth,
    /// Random seed: the same seed gives the same files.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Write the datasets as Parquet instead of Avro (for benchmarks and Spark).
    #[arg(long, default_value = "avro", value_parser = ["avro", "parquet"])]
    pub format: String,
    /// Shape the export like a real one at scale (for benchmarks): 36-character unique
    /// event ids, about 0.15 distinct users and 0.25 distinct sessions per event in a month,
    /// parts of a million events alternating the null and deflate codecs, distinct
    /// sessions metered too.
    #[arg(long)]
    pub high_cardinality: bool,
}

fn parse_month(s: &str) -> Result<YearMonth, String> {
    YearMonth::parse(s).ok_or_else(|| format!("expected a month YYYY-MM, got \"{s}\""))
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("expected a date YYYY-MM-DD, got \"{s}\""))
}

/// Runs a command.
pub fn run(command: Command) -> ExitCode {
    report_errors(match command {
        Command::Invoice(args) => invoice(&args),
        Command::Check(args) => check(&args),
        Command::Sample(args) => sample(&args),
        Command::Issue(args) => issue::issue(&args),
        Command::Register(args) => issue::register(&args),
        Command::RateCard(args) => rate_card(&args),
        Command::SparkJob(args) => spark::spark_job(&args),
        Command::Trace(args) => spark::trace(&args),
        Command::Records(args) => spark::records(&args),
    })
}

fn report_errors(result: anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// No command in a build without the window (feature `gui`): the import report of the
/// bundled sample data. With the window, `main` opens it instead.
pub fn without_window() -> ExitCode {
    report_errors(check_sample())
}

fn check_sample() -> anyhow::Result<ExitCode> {
    let dir = crate::host::sample_data_dir();
    println!(
        "Billing Workbench {} was built without the window (feature `gui`); showing `check` on the bundled sample data.\n",
        env!("CARGO_PKG_VERSION")
    );
    check(&CheckArgs {
        input: InputArgs {
            data: dir.clone(),
            config: dir.join("billing.toml"),
        },
        period: None,
        json: false,
    })
}

/// A rated period: the report, which OBs were asked for, and the configuration's
/// `[billing] register` (so the register is found without reading the configuration again).
struct Rated {
    report: RunReport,
    selection: Selection,
    register: Option<String>,
}

/// Loads the inputs and rates the period for the selected OBs, with the reviewers'
/// discards applied: what `invoice` writes and `issue` issues. `hash_files`: whether what
/// is written records the input files' hashes (workbooks and the register do, the JSON
/// does not).
fn rate(args: &InvoiceArgs, hash_files: bool) -> anyhow::Result<Rated> {
    let period = match (args.period, args.from, args.to) {
        (Some(m), _, _) => Period::Month(m),
        (None, Some(from), Some(to)) => {
            Period::range(from, to).map_err(|_| anyhow::anyhow!("--from {from} is after --to {to}"))?
        }
        _ => bail!("give --period YYYY-MM or --from YYYY-MM-DD --to YYYY-MM-DD"),
    };
    let started = std::time::Instant::now();
    // Only this period is rated: its meters are all the load rolls up.
    let options = crate::LoadOptions {
        hash_files,
        only: Some(period),
    };
    let loaded = crate::load_with(&args.input.data, &args.input.config, &|_: &Path| {}, options)?;
    let load_time = started.elapsed();
    let used = loaded.engine.config().referenced_datasets();
    for entry in &loaded.catalog.entries {
        if used.contains(&entry.name.to_ascii_lowercase()) {
            for problem in &entry.problems {
                eprintln!("warning: {}: {problem}", entry.name);
            }
        }
    }
    let selection = if args.ob.eq_ignore_ascii_case("all") {
        Selection::All
    } else {
        if loaded.engine.config().ob(&args.ob).is_none() {
            bail!(
                "{}: no [[ob]] has code \"{}\" (configured: {})",
                args.input.config.display(),
                args.ob,
                loaded
                    .engine
                    .config()
                    .obs
                    .iter()
                    .map(|o| o.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        Selection::One(args.ob.clone())
    };
    let rating_started = std::time::Instant::now();
    let mut report = loaded.engine.run(&period, &selection);
    if args.timings {
        let rows = loaded.engine.rows_read();
        let stages: Vec<String> = loaded
            .timings
            .iter()
            .map(|(stage, d)| format!("{stage} {:.2} s", d.as_secs_f64()))
            .collect();
        eprintln!(
            "timings: loaded {rows} records in {:.2} s ({}); rated {} for all OBs in {:.0} ms",
            load_time.as_secs_f64(),
            stages.join(", "),
            period.label(),
            rating_started.elapsed().as_secs_f64() * 1000.0
        );
    }
    let register = loaded.engine.config().billing.register.clone();
    // The process ends after writing: leave the loaded data to the operating system
    // instead of freeing millions of allocations one by one (a few hundred ms at 10M).
    std::mem::forget(loaded);
    report.apply_discards(&crate::discards::load(&args.input.data)?);
    Ok(Rated {
        report,
        selection,
        register,
    })
}

fn stamp_of(args: &InvoiceArgs) -> crate::output::xlsx::Stamp {
    crate::output::xlsx::Stamp::draft(
        args.issue_date.unwrap_or_else(crate::host::today),
        crate::host::generation_time(),
        args.suspense_rows,
    )
}

/// Prints the OB errors and the run's warnings on standard error.
fn print_problems(report: &RunReport) {
    for e in &report.errors {
        eprintln!("error: OB {}: {}", e.ob, e.message);
    }
    for w in report.unusable.iter().chain(&report.warnings) {
        eprintln!("warning: {w}");
    }
}

fn invoice(args: &InvoiceArgs) -> anyhow::Result<ExitCode> {
    let Rated {
        report,
        selection,
        register,
    } = rate(args, args.out.is_some())?;
    let mut stamp = stamp_of(args);
    // Drafts of periods already issued say how they compare with the document in force.
    let existing = issue::resolve(Some(&args.input.config), register.as_deref(), None)
        .and_then(|l| Ok(crate::register::Register::open_existing(&l)?));
    match existing {
        Ok(Some(mut register)) => match crate::issuing::draft_notes(&mut register, &report) {
            Ok(notes) => stamp.notes = notes,
            Err(e) => eprintln!("warning: {e}"),
        },
        Ok(None) => {}
        Err(e) => eprintln!("warning: {e:#}"),
    }
    let english = crate::output::xlsx::words("en");
    for note in stamp
        .notes
        .iter()
        .map(|(ob, n)| format!("OB {ob}: {}", n.render(english)))
    {
        eprintln!("{note}");
    }
    if let Some(out_dir) = &args.out {
        let written = crate::output::xlsx::write_all(
            &report,
            out_dir,
            &stamp,
            selection == Selection::All,
            args.force,
            &|_| true,
        )?;
        for path in &written {
            eprintln!("wrote {}", path.display());
        }
    }
    if args.json {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", crate::output::json::document(&report))?;
    }
    print_problems(&report);
    Ok(if report.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn check(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let report = crate::check::check(&args.input.data, &args.input.config, args.period);
    for w in &report.unusable {
        eprintln!("warning: {w}");
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).context("cannot print the report")?
        );
    } else {
        print!("{}", report.render());
    }
    Ok(if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn rate_card(args: &RateCardArgs) -> anyhow::Result<ExitCode> {
    if crate::import::rate_card::is_workbook(&args.config) {
        bail!(
            "{}: already a rate-card workbook; rate-card writes one from a TOML configuration",
            args.config.display()
        );
    }
    // Validated first: the workbook is only written for a configuration that works.
    crate::import::load_config(&args.config)?;
    let text = std::fs::read_to_string(&args.config)
        .with_context(|| format!("{}: cannot read the configuration", args.config.display()))?;
    let doc: toml::Table = toml::from_str(&text).with_context(|| format!("{}", args.config.display()))?;
    let bytes = crate::output::xlsx::rate_card_workbook(&doc)
        .with_context(|| format!("{}: cannot build the workbook", args.out.display()))?;
    crate::output::xlsx::write_atomically(&args.out, &bytes, args.force)?;
    eprintln!("wrote {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}

fn sample(args: &SampleArgs) -> anyhow::Result<ExitCode> {
    let opts = crate::sample::SampleOptions {
        events: args.events,
        months: args.months,
        start: args.start,
        seed: args.seed,
        parquet: args.format == "parquet",
        high_cardinality: args.high_cardinality,
    };
    let written = crate::sample::generate(&args.out, &opts)?;
    println!(
        "wrote {} events in {} files to {}",
        args.events,
        written,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
