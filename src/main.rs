//! `billing-workbench`: the window when no command is given, else the command; the library
//! does the work.

use std::process::ExitCode;

use billing_workbench::cli::Cli;
use clap::Parser;

fn main() -> ExitCode {
    match Cli::parse().command {
        Some(command) => billing_workbench::cli::run(command),
        None => open_window(),
    }
}

/// The window, on the remembered inputs or the bundled sample data.
#[cfg(feature = "gui")]
fn open_window() -> ExitCode {
    match billing_workbench::gui::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot open the window: {e}");
            ExitCode::from(1)
        }
    }
}

#[cfg(not(feature = "gui"))]
fn open_window() -> ExitCode {
    billing_workbench::cli::without_window()
}
