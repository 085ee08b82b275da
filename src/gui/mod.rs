//! The application window (README.md, "The window"): a thin layer over the engine. Everything it shows is
//! built by plain functions of the engine's report (see `views`), tested without a window.

// The window times frames and jobs, and reads the settings it persists.
#![allow(clippy::disallowed_methods)]

pub mod app;
pub mod job;
pub mod views;

pub use app::WorkbenchApp;

/// Opens the window on the remembered inputs, or on the bundled sample data.
pub fn run() -> eframe::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Billing Workbench")
            .with_inner_size([1360.0, 860.0])
            .with_min_inner_size([900.0, 600.0])
            .with_drag_and_drop(true),
        persist_window: true,
        ..Default::default()
    };
    eframe::run_native(
        "Billing Workbench",
        options,
        Box::new(|cc| {
            let settings = cc
                .storage
                .and_then(|s| eframe::get_value(s, eframe::APP_KEY))
                .unwrap_or_default();
            Ok(Box::new(WorkbenchApp::new(settings, Box::new(app::RfdPicker))))
        }),
    )
}
