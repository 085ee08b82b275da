//! One file per tab. Each builds what it shows with a plain function of the report (tested
//! as data) and draws it; a view returns the commands the user gave, the app applies them.

pub mod all_obs_ui;
pub mod banner;
pub mod breakdown_ui;
pub mod files_ui;
pub mod history_ui;
pub mod inputs_ui;
pub mod invoice_ui;
pub mod meters_ui;
pub mod reconciliation_ui;
pub mod register_ui;
pub mod suspense_ui;

use rust_decimal::Decimal;

use crate::model::money::{money_string, plain_string};

/// What the user asked for; applied in one place (`WorkbenchApp::apply`).
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    OpenDataFolder,
    OpenConfig,
    UseSampleData,
    Reload,
    SelectOb(String),
    /// The OB before or after the current one in the configuration (Alt+Up, Alt+Down).
    PreviousOb,
    NextOb,
    PreviousPeriod,
    NextPeriod,
    SetMonth(crate::model::YearMonth),
    SetRange {
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    },
    ExportInvoice,
    ExportAll,
    /// Issue the current OB's invoice, or every OB's (after a confirmation).
    Issue {
        all: bool,
    },
    OpenFolder(std::path::PathBuf),
    Discard {
        dataset: String,
        record_id: String,
        reason: String,
    },
    /// List the records behind a figure: a line, a breakdown row, a day of a meter or a
    /// reconciliation cell (reads the export again).
    ShowRecords(crate::records::Figure),
    /// Tell what became of a record (reads the export again).
    Trace {
        dataset: String,
        record_id: String,
    },
    Undiscard {
        dataset: String,
        record_id: String,
    },
    /// Discard many suspended records at once (a code, a dataset or the current filter),
    /// each with the same reason: (dataset, record id) pairs.
    DiscardMany {
        records: Vec<(String, String)>,
        reason: String,
    },
    ToggleTheme,
    /// Show or hide the keyboard-shortcut overlay (F1).
    ToggleShortcuts,
    Cancel,
}

/// Every keyboard shortcut of the window, as the F1 overlay lists them.
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("F1", "Show or hide this list"),
    ("Ctrl+O", "Open data folder…"),
    (
        "Ctrl+Shift+O",
        "Open configuration (billing.toml or a rate-card workbook)…",
    ),
    ("Ctrl+R", "Reload the inputs"),
    ("Ctrl+E", "Export the invoice on screen…"),
    ("Ctrl+Shift+E", "Export all OBs…"),
    ("Alt+Left / Alt+Right", "Previous / next month"),
    ("Alt+Up / Alt+Down", "Previous / next OB"),
    ("Esc", "Close a menu or this list"),
];

/// The OBs whose code or legal entity contains `search` (any case), in configuration order.
pub fn ob_matches<'a>(
    obs: &'a [crate::model::config::ObConfig],
    search: &str,
) -> Vec<&'a crate::model::config::ObConfig> {
    let needle = search.trim().to_lowercase();
    obs.iter()
        .filter(|o| {
            needle.is_empty() || o.code.to_lowercase().contains(&needle) || o.name.to_lowercase().contains(&needle)
        })
        .collect()
}

/// Money with thousands separators and the currency's decimals.
pub fn money(d: Decimal, dp: u32) -> String {
    group_thousands(&money_string(d, dp))
}

/// A quantity with thousands separators and only the decimals it has.
pub fn quantity(d: Decimal) -> String {
    group_thousands(&plain_string(d))
}

/// `1234567.5` → `1,234,567.5`.
pub fn group_thousands(s: &str) -> String {
    let (sign, rest) = s.strip_prefix('-').map_or(("", s), |r| ("-", r));
    let (int, frac) = rest.split_once('.').map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

/// For charts only: amounts as floating point for drawing, never for sums.
pub fn plot_value(d: Decimal) -> f64 {
    d.as_f64()
}

/// An error with every cause the message does not already say, one per line (the
/// window shows errors as they are, not as a string cut at the first level).
pub fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let said = cause.to_string();
        if !text.contains(&said) {
            text.push_str("\ncaused by: ");
            text.push_str(&said);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_show_the_causes_their_message_leaves_out() {
        #[derive(Debug, thiserror::Error)]
        #[error("cannot load the inputs")]
        struct Outer(#[source] std::io::Error);
        let e = Outer(std::io::Error::other("disk on fire"));
        assert_eq!(with_causes(&e), "cannot load the inputs\ncaused by: disk on fire");
        #[derive(Debug, thiserror::Error)]
        #[error("cannot load: {0}")]
        struct Said(#[source] std::io::Error);
        assert_eq!(with_causes(&Said(std::io::Error::other("x"))), "cannot load: x");
    }

    #[test]
    fn thousands() {
        assert_eq!(group_thousands("1234567.50"), "1,234,567.50");
        assert_eq!(group_thousands("-1234"), "-1,234");
        assert_eq!(group_thousands("999"), "999");
        assert_eq!(money(Decimal::new(123456789, 2), 2), "1,234,567.89");
    }
}
