//! The banner above every tab when most of a dataset is unusable (docs/datasets.md): a result built
//! on such input must not look like an ordinary one.

/// Draws one loud line per cause; nothing when `causes` is empty.
pub fn unusable_banner(ui: &mut egui::Ui, causes: &[String]) {
    if causes.is_empty() {
        return;
    }
    egui::Frame::new()
        .fill(egui::Color32::from_rgb(150, 20, 20))
        .inner_margin(egui::Margin::same(8))
        .corner_radius(4.0)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(
                egui::RichText::new("Most of a dataset could not be used: these invoices are built on the rest.")
                    .strong()
                    .color(egui::Color32::WHITE),
            );
            for cause in causes {
                ui.label(egui::RichText::new(cause).color(egui::Color32::WHITE));
            }
        });
    ui.add_space(4.0);
}
