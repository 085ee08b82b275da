//! What the command line and the window both take from the machine they run on: where the
//! bundled sample data lives, today's date and the time a workbook is generated. The one
//! place outside the views and commands that reads the clock.

// This module is the one that reads the clock for the others.
#![allow(clippy::disallowed_methods)]

use std::path::PathBuf;

/// Where the bundled sample data lives: `sample-data/` in the working folder, else the
/// one an installed package ships (`<prefix>/share/billing-workbench/sample-data` beside
/// `<prefix>/bin`), else the one beside the sources the program was built from.
pub fn sample_data_dir() -> PathBuf {
    let here = PathBuf::from("sample-data");
    if here.join("billing.toml").is_file() {
        return here;
    }
    let installed = std::env::current_exe().ok().and_then(|exe| {
        let prefix = exe.parent()?.parent()?;
        Some(prefix.join("share/billing-workbench/sample-data"))
    });
    if let Some(dir) = installed.filter(|d| d.join("billing.toml").is_file()) {
        return dir;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

/// Today in the machine's time zone: the default issue date of an invoice.
pub fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// Now, or the instant `SOURCE_DATE_EPOCH` names (for reproducible workbooks).
pub fn generation_time() -> chrono::DateTime<chrono::Utc> {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
        .unwrap_or_else(chrono::Utc::now)
}

/// The operating-system user running the program (recorded with every issued document).
pub fn user() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "unknown".to_string())
}
