//! The inputs panel: the data folder and configuration in use, the datasets found, and
//! the problems of the configuration and the data in plain words.

use super::Command;
use crate::Loaded;
use crate::import::discover::Layout;

/// One dataset as listed in the inputs panel.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetRow {
    pub name: String,
    pub version: String,
    pub files: usize,
    pub rows: String,
    pub format: String,
    pub used: bool,
    pub problems: Vec<String>,
}

/// The datasets of a loaded folder in the folder's order, each marked used or not; the used
/// ones carry the rows read.
pub fn dataset_rows(loaded: &Loaded) -> Vec<DatasetRow> {
    let used = loaded.engine.config().referenced_datasets();
    loaded
        .catalog
        .entries
        .iter()
        .map(|e| {
            let files: Vec<_> = loaded
                .engine
                .files()
                .iter()
                .filter(|f| f.dataset.eq_ignore_ascii_case(&e.name))
                .collect();
            let mut formats: Vec<&str> = files.iter().map(|f| f.format).collect();
            formats.dedup();
            let version = match &e.layout {
                Layout::Versioned { versions, .. } => {
                    let pinned = loaded.engine.config().pinned_version(&e.name);
                    let v = pinned.or_else(|| versions.keys().next_back().copied()).unwrap_or(0);
                    format!("v{v}")
                }
                _ => String::new(),
            };
            DatasetRow {
                name: e.name.clone(),
                version,
                files: if files.is_empty() {
                    e.files(None).map(|f| f.1.len()).unwrap_or(0)
                } else {
                    files.len()
                },
                rows: if files.is_empty() {
                    "–".into()
                } else {
                    super::quantity(files.iter().map(|f| f.rows).sum::<usize>().into())
                },
                format: formats.join(", "),
                used: used.contains(&e.name.to_ascii_lowercase()),
                problems: e.problems.clone(),
            }
        })
        .collect()
}

pub fn inputs_ui(
    ui: &mut egui::Ui,
    data_dir: &std::path::Path,
    config: &std::path::Path,
    loaded: Option<&Loaded>,
    load_error: Option<&str>,
) -> Option<Command> {
    let mut command = None;
    ui.heading("Inputs");
    ui.label("Data folder");
    ui.monospace(data_dir.display().to_string());
    ui.label("Configuration");
    ui.monospace(config.display().to_string());
    ui.horizontal_wrapped(|ui| {
        if ui.button("Open data folder…").clicked() {
            command = Some(Command::OpenDataFolder);
        }
        if ui.button("Open configuration…").clicked() {
            command = Some(Command::OpenConfig);
        }
        if ui
            .button("Reload")
            .on_hover_text("Read the inputs again (Ctrl+R)")
            .clicked()
        {
            command = Some(Command::Reload);
        }
        if ui.button("Sample data").clicked() {
            command = Some(Command::UseSampleData);
        }
    });
    ui.weak("You can also drop a folder, a billing.toml or a rate-card workbook (.xlsx, .ods) on the window.");
    if let Some(e) = load_error {
        ui.add_space(6.0);
        ui.colored_label(egui::Color32::RED, "These inputs could not be loaded:");
        ui.label(egui::RichText::new(e).color(egui::Color32::RED));
        if loaded.is_some() {
            ui.weak("Still showing the previous inputs.");
        }
    }
    if let Some(l) = loaded {
        ui.add_space(6.0);
        ui.strong("Datasets");
        egui::Grid::new("datasets").striped(true).num_columns(5).show(ui, |ui| {
            for h in ["Name", "Version", "Files", "Rows", "Format"] {
                ui.strong(h);
            }
            ui.end_row();
            for d in dataset_rows(l) {
                if d.used {
                    ui.label(&d.name);
                } else {
                    ui.weak(format!("{} (not used)", d.name));
                }
                ui.label(&d.version);
                ui.label(d.files.to_string());
                ui.label(&d.rows);
                ui.label(&d.format);
                ui.end_row();
                for p in &d.problems {
                    ui.label("");
                    ui.colored_label(egui::Color32::from_rgb(200, 120, 0), p);
                    ui.end_row();
                }
            }
        });
    }
    command
}
