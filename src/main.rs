//! `billing-workbench`: parse the command line and dispatch; the library does the work.

use clap::Parser;

fn main() -> std::process::ExitCode {
    billing_workbench::cli::run(billing_workbench::cli::Cli::parse())
}
