//! The Files tab: what became of each input file's records in the period, over all OBs,
//! sortable by any column; a file whose share of suspended records stands out is
//! highlighted (a broken join or a bad day of the export shows at once).

use crate::report::{FileStats, RunReport};

/// The columns, in order.
pub const COLUMNS: [&str; 12] = crate::report::FILE_COLUMNS;

/// The column the table is sorted by, and whether descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FileSort {
    pub column: usize,
    pub descending: bool,
}

impl FileSort {
    /// A click on a column header: sorts by it, or turns the order around.
    pub fn click(&mut self, column: usize) {
        if self.column == column {
            self.descending = !self.descending;
        } else {
            *self = FileSort {
                column,
                descending: (2..=10).contains(&column),
            };
        }
    }
}

/// The table's rows, sorted: the cells and whether the file stands out.
pub fn file_rows(report: &RunReport, sort: FileSort) -> Vec<(Vec<String>, bool)> {
    let files = &report.run.files;
    let standouts = FileStats::standouts(files);
    let mut order: Vec<(&FileStats, bool)> = files.iter().zip(standouts).collect();
    order.sort_by(|(a, _), (b, _)| {
        let by = match sort.column {
            0 => a.dataset.cmp(&b.dataset),
            1 => a.file.cmp(&b.file),
            2..=9 => a.counts()[sort.column - 2].cmp(&b.counts()[sort.column - 2]),
            10 => a.suspended_percent().total_cmp(&b.suspended_percent()),
            _ => a.causes.cmp(&b.causes),
        };
        if sort.descending { by.reverse() } else { by }
    });
    order
        .into_iter()
        .map(|(f, stands_out)| {
            let name = std::path::Path::new(&f.file)
                .file_name()
                .map_or(f.file.clone(), |n| n.to_string_lossy().into_owned());
            let mut cells = vec![f.dataset.clone(), name];
            cells.extend(
                f.counts()
                    .iter()
                    .map(|v| super::quantity(rust_decimal::Decimal::from(*v))),
            );
            cells.push(format!("{:.1}", f.suspended_percent()));
            cells.push(f.causes.join(", "));
            (cells, stands_out)
        })
        .collect()
}

pub fn files_ui(ui: &mut egui::Ui, report: &RunReport, sort: &mut FileSort) {
    ui.heading(format!("Input files in {}", report.period_label));
    ui.label(
        "Per file, over all configured OBs: rows read = unattributable + out of period + duplicates + \
         excluded + suspended + rated. Click a column to sort; a file whose share of suspended \
         records stands out is shown in orange.",
    );
    let rows = file_rows(report, *sort);
    // The table is wider than most windows: a solid scroll bar (the floating ones show only
    // under the pointer) says that more columns (Rated, Suspended %, First causes) lie to
    // the right.
    ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
    egui::ScrollArea::both().show(ui, |ui| {
        egui::Grid::new("files")
            .striped(true)
            .num_columns(COLUMNS.len())
            .spacing([8.0, 4.0])
            .show(ui, |ui| {
                for (i, h) in COLUMNS.iter().enumerate() {
                    let mark = match (sort.column == i, sort.descending) {
                        (true, true) => " v",
                        (true, false) => " ^",
                        _ => "",
                    };
                    if ui.button(format!("{h}{mark}")).clicked() {
                        sort.click(i);
                    }
                }
                ui.end_row();
                for (cells, stands_out) in &rows {
                    for (i, c) in cells.iter().enumerate() {
                        let text = if *stands_out {
                            egui::RichText::new(c)
                                .color(egui::Color32::from_rgb(215, 110, 0))
                                .strong()
                        } else {
                            egui::RichText::new(c)
                        };
                        if (2..=10).contains(&i) {
                            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| ui.label(text));
                        } else {
                            ui.label(text);
                        }
                    }
                    ui.end_row();
                }
            });
    });
}
