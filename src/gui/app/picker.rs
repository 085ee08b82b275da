//! The native file dialogs, behind a trait so that tests can answer them.

use std::path::PathBuf;

/// Native file dialogs, injectable so tests can answer them.
pub trait Picker {
    fn data_folder(&self) -> Option<PathBuf>;
    fn config_file(&self) -> Option<PathBuf>;
    fn save_invoice(&self, suggested_name: &str) -> Option<PathBuf>;
    fn export_folder(&self) -> Option<PathBuf>;
}

/// The real dialogs (rfd: the desktop portal, or zenity; none → as if cancelled).
pub struct RfdPicker;

impl Picker for RfdPicker {
    fn data_folder(&self) -> Option<PathBuf> {
        rfd::FileDialog::new().set_title("Open data folder").pick_folder()
    }
    fn config_file(&self) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title("Open billing configuration")
            .add_filter("Billing configuration or rate card", &["toml", "xlsx", "ods"])
            .pick_file()
    }
    fn save_invoice(&self, suggested_name: &str) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title("Export invoice")
            .set_file_name(suggested_name)
            .add_filter("Excel workbook", &["xlsx"])
            .save_file()
    }
    fn export_folder(&self) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title("Export all invoices to folder")
            .pick_folder()
    }
}

/// Fixed answers, for tests.
#[derive(Debug, Clone, Default)]
pub struct FixedPicker {
    pub data_folder: Option<PathBuf>,
    pub config_file: Option<PathBuf>,
    pub save_invoice: Option<PathBuf>,
    pub export_folder: Option<PathBuf>,
}

impl Picker for FixedPicker {
    fn data_folder(&self) -> Option<PathBuf> {
        self.data_folder.clone()
    }
    fn config_file(&self) -> Option<PathBuf> {
        self.config_file.clone()
    }
    fn save_invoice(&self, _: &str) -> Option<PathBuf> {
        self.save_invoice.clone()
    }
    fn export_folder(&self) -> Option<PathBuf> {
        self.export_folder.clone()
    }
}
