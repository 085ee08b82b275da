//! The window, driven by label with egui_kittest: start on the sample data, pick an OB and a
//! period, open every tab, export an invoice and check it against the engine's figures, and
//! load a broken configuration and see the error.

#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures, as tests should
#![allow(clippy::disallowed_methods)] // tests, benches and tools read and write files freely

mod common;

use billing_workbench::gui::WorkbenchApp;
use billing_workbench::gui::app::{FixedPicker, Settings};
use billing_workbench::model::money::decimal_from_f64;
use calamine::{Data, Reader, open_workbook_auto};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn harness(app: WorkbenchApp) -> Harness<'static, WorkbenchApp> {
    Harness::builder()
        .with_size([1500.0, 950.0])
        .build_ui_state(|ui, app: &mut WorkbenchApp| app.show(ui), app)
}

/// The tiny scenario's inputs in `dir`, on OB BR in October 2026.
fn tiny_br_october(dir: &std::path::Path, config: std::path::PathBuf) -> Settings {
    Settings {
        data_dir: Some(dir.to_path_buf()),
        config: Some(config),
        ob: Some("BR".into()),
        month: Some("2026-10".into()),
        dark: false,
        tab: None,
    }
}

/// The tiny folder's BR in October, loaded, exporting into the returned folder (the data
/// folder is the first one returned: keep it alive).
fn tiny_br_october_exporting() -> (tempfile::TempDir, tempfile::TempDir, WorkbenchApp) {
    let (tmp, config) = common::tiny_folder("csv");
    let out = tempfile::tempdir().unwrap();
    let settings = tiny_br_october(tmp.path(), config);
    let picker = FixedPicker {
        export_folder: Some(out.path().to_path_buf()),
        ..FixedPicker::default()
    };
    let mut app = WorkbenchApp::new(settings, Box::new(picker));
    app.wait_for_jobs();
    (tmp, out, app)
}

fn settle(h: &mut Harness<'static, WorkbenchApp>) {
    h.state_mut().wait_for_jobs();
    h.run_steps(4);
}

fn sample_app(picker: FixedPicker) -> WorkbenchApp {
    let settings = Settings {
        month: Some("2026-10".into()),
        ..Settings::default()
    };
    let mut app = WorkbenchApp::new(settings, Box::new(picker));
    app.wait_for_jobs();
    app
}

#[test]
fn starts_on_sample_data_and_shows_every_tab() {
    let mut h = harness(sample_app(FixedPicker::default()));
    settle(&mut h);
    assert!(h.state().data_dir().ends_with("sample-data"));
    // The first OB's invoice is on screen.
    h.get_by_label("Invoice AURA-ES-202610");
    h.get_by_label("Subtotal");
    h.get_by_label_contains("Aura_Audit");

    for (tab, expect) in [
        ("Breakdown", "Amount by concept (EUR)"),
        ("Meters", "Meter inspector"),
        ("Reconciliation", "Reconciliation for ES in 2026-10"),
        ("All OBs", "Totals per currency"),
    ] {
        h.get_by_label(tab).click();
        h.run_steps(3);
        h.get_by_label(expect);
    }
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Suspense")
        .click();
    h.run_steps(3);
    h.get_by_label_contains("UNKNOWN_DIMENSION:");
}

#[test]
fn pick_ob_and_period() {
    let mut h = harness(sample_app(FixedPicker::default()));
    settle(&mut h);
    h.get_by_role_and_label(egui::accesskit::Role::ComboBox, "OB").click();
    h.run_steps(2);
    h.get_by_label("BR — Telefonica Brasil S.A. (BRL)").click();
    h.run_steps(2);
    assert_eq!(h.state().ob, "BR");
    h.get_by_label("Invoice AURA-BR-202610");
    // The previous month: CO has no rate there, BR is invoiced.
    h.get_by_label("< Prev").click();
    h.run_steps(2);
    settle(&mut h);
    h.get_by_label("Invoice AURA-BR-202609");
    let inv = h.state().invoice().unwrap().clone();
    assert_eq!(inv.period_label, "2026-09");
    // Switching back shows the cached October at once: no job.
    h.get_by_label("Next >").click();
    h.run_steps(2);
    assert!(!h.state().is_busy());
    h.get_by_label("Invoice AURA-BR-202610");
    // Alt+Down and Alt+Up walk the OBs in configuration order, without a job.
    let codes: Vec<String> = {
        let loaded = h.state().loaded.clone().unwrap();
        loaded.engine.config().obs.iter().map(|o| o.code.clone()).collect()
    };
    let at = codes.iter().position(|c| c == "BR").unwrap();
    h.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowDown);
    h.run_steps(2);
    assert_eq!(h.state().ob, codes[at + 1]);
    assert!(!h.state().is_busy());
    h.get_by_label(&format!("Invoice AURA-{}-202610", codes[at + 1]));
    h.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowUp);
    h.run_steps(2);
    assert_eq!(h.state().ob, "BR");
}

#[test]
fn a_switch_shows_in_the_frame_that_received_it() {
    let mut h = harness(sample_app(FixedPicker::default()));
    settle(&mut h);
    let codes: Vec<String> = {
        let loaded = h.state().loaded.clone().unwrap();
        loaded.engine.config().obs.iter().map(|o| o.code.clone()).collect()
    };
    let at = codes.iter().position(|c| *c == h.state().ob).unwrap();
    // One frame, the one the key press arrives in (kittest's `key_press` runs a frame per
    // event): its invoice is already the next OB's.
    h.input_mut()
        .events
        .push(egui::Event::ModifiersChanged(egui::Modifiers::ALT));
    h.input_mut().events.push(egui::Event::Key {
        key: egui::Key::ArrowDown,
        physical_key: None,
        pressed: true,
        repeat: false,
        modifiers: egui::Modifiers::ALT,
    });
    h.step();
    assert_eq!(h.state().ob, codes[at + 1]);
    h.get_by_label(&format!("Invoice AURA-{}-202610", codes[at + 1]));
}

#[test]
fn export_invoice_matches_the_engine() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("exported.xlsx");
    let picker = FixedPicker {
        save_invoice: Some(target.clone()),
        export_folder: Some(tmp.path().join("all")),
        ..FixedPicker::default()
    };
    let mut h = harness(sample_app(picker));
    settle(&mut h);
    h.get_by_label("Export invoice…").click();
    h.run_steps(2);
    settle(&mut h);
    assert!(h.state().error.is_none(), "{:?}", h.state().error);
    let inv = h.state().invoice().unwrap().clone();
    let mut wb = open_workbook_auto(&target).unwrap();
    let sheet = wb.worksheet_range("Invoice").unwrap();
    let total = sheet
        .rows()
        .find(|r| r[0] == Data::String("Total".into()))
        .map(|r| r[5].clone())
        .unwrap();
    let Data::Float(f) = total else { panic!("{total:?}") };
    assert_eq!(decimal_from_f64(f).unwrap(), inv.total.normalize());

    h.get_by_label("Export all OBs…").click();
    h.run_steps(2);
    settle(&mut h);
    assert!(tmp.path().join("all/Summary-202610.xlsx").is_file());
    assert_eq!(std::fs::read_dir(tmp.path().join("all")).unwrap().count(), 9);
    h.get_by_label("Open folder");
}

#[test]
fn broken_configuration_is_shown_in_the_window() {
    let (tmp, config) = common::tiny_folder("csv");
    std::fs::write(
        &config,
        common::TINY_CONFIG.replace("meter = \"events\"\nmodel", "meter = \"event\"\nmodel"),
    )
    .unwrap();
    let settings = Settings {
        data_dir: Some(tmp.path().to_path_buf()),
        config: Some(config),
        ..Settings::default()
    };
    let mut app = WorkbenchApp::new(settings, Box::new(FixedPicker::default()));
    app.wait_for_jobs();
    let mut h = harness(app);
    h.run_steps(3);
    h.get_by_label("These inputs could not be loaded:");
    h.get_by_label_contains("meter \"event\"");
    assert!(h.state().loaded.is_none());
}

#[test]
fn discarding_a_record_is_kept_next_to_the_data() {
    let (tmp, config) = common::tiny_folder("avro");
    let settings = Settings {
        data_dir: Some(tmp.path().to_path_buf()),
        config: Some(config),
        ob: Some("BR".into()),
        month: Some("2026-10".into()),
        dark: true,
        tab: None,
    };
    let mut app = WorkbenchApp::new(settings.clone(), Box::new(FixedPicker::default()));
    app.wait_for_jobs();
    let mut h = harness(app);
    h.run_steps(2);
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Suspense")
        .click();
    h.run_steps(2);
    h.get_all_by_label("Discard…").next().unwrap().click();
    h.run_steps(2);
    // The reason field, found by the label it is labelled by.
    let is_reason = |n: &egui_kittest::kittest::AccessKitNode<'_>| {
        n.role() == egui::accesskit::Role::TextInput && n.label().is_some_and(|l| l.ends_with("because:"))
    };
    h.get_by(is_reason).focus();
    h.run_steps(2);
    h.get_by(is_reason).type_text("duplicate of a test tenant");
    h.run_steps(2);
    h.get_by_label("Confirm discard").click();
    h.run_steps(2);
    let saved = billing_workbench::discards::load(tmp.path()).unwrap();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].reason, "duplicate of a test tenant");
    // A restart shows the decision again.
    let mut again = WorkbenchApp::new(settings, Box::new(FixedPicker::default()));
    again.wait_for_jobs();
    let inv = again.invoice().unwrap();
    assert_eq!(inv.suspense.iter().filter(|e| e.discarded.is_some()).count(), 1);
}

#[test]
fn a_mostly_unusable_dataset_shows_a_banner_on_every_tab() {
    let (tmp, config) = common::tiny_folder("csv");
    let events = tmp.path().join("Events.csv");
    let text = std::fs::read_to_string(&events).unwrap();
    // Times a spreadsheet wrote day first: none can be read.
    std::fs::write(&events, text.replace("\"2026-10-", "\"").replace('T', " 10-2026 ")).unwrap();
    let settings = Settings {
        data_dir: Some(tmp.path().to_path_buf()),
        config: Some(config),
        month: Some("2026-10".into()),
        ..Settings::default()
    };
    let mut app = WorkbenchApp::new(settings, Box::new(FixedPicker::default()));
    app.wait_for_jobs();
    let mut h = harness(app);
    settle(&mut h);
    let banner = "Most of a dataset could not be used: these invoices are built on the rest.";
    for tab in ["Breakdown", "Meters", "Reconciliation", "All OBs", "Invoice"] {
        h.get_by_label(tab).click();
        h.run_steps(3);
        h.get_by_label(banner);
        h.get_by_label_contains("INVALID_VALUE in ts, e.g. \"01 10-2026 02:59:59Z\"");
    }
}

#[test]
fn a_range_ending_before_it_starts_is_refused_on_the_status_line() {
    use billing_workbench::gui::views::Command;
    let mut h = harness(sample_app(FixedPicker::default()));
    settle(&mut h);
    let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    h.state_mut().apply(
        Command::SetRange {
            from: date("2026-10-20"),
            to: date("2026-10-05"),
        },
        None,
    );
    settle(&mut h);
    h.get_by_label_contains("Not rated: the range 2026-10-20..2026-10-05 ends before it starts");
    // The invoice of the period before stays on screen.
    h.get_by_label("Invoice AURA-ES-202610");
}

#[test]
fn a_corrupt_discards_file_is_shown_and_never_saved_over() {
    use billing_workbench::discards;
    use billing_workbench::gui::views::Command;
    let (tmp, config) = common::tiny_folder("avro");
    let file = discards::path(tmp.path());
    std::fs::write(&file, "[[discard]]\ndataset = \"Events\"\nrecord_id = ").unwrap();
    let settings = Settings {
        data_dir: Some(tmp.path().to_path_buf()),
        config: Some(config),
        ob: Some("BR".into()),
        month: Some("2026-10".into()),
        ..Settings::default()
    };
    let mut app = WorkbenchApp::new(settings, Box::new(FixedPicker::default()));
    app.wait_for_jobs();
    let mut h = harness(app);
    h.run_steps(3);
    h.get_by_label_contains("no discard decision is applied, and none is saved over it");
    h.state_mut().apply(
        Command::Discard {
            dataset: "Events".into(),
            record_id: "e1".into(),
            reason: "test".into(),
        },
        None,
    );
    h.run_steps(2);
    assert!(h.state().error.as_deref().unwrap().starts_with("Not saved."));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "[[discard]]\ndataset = \"Events\"\nrecord_id = ",
        "the file is left as it was"
    );
}

/// Copies a folder (the sample data) so a test can issue from it without touching the
/// repository's copy.
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else if e.file_name() != "billing-register.sqlite" {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

#[test]
fn issuing_from_the_window_changes_the_state_and_fills_register_and_history() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_dir(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data"),
        &data,
    );
    let out = tmp.path().join("issued");
    let picker = FixedPicker {
        export_folder: Some(out.clone()),
        ..FixedPicker::default()
    };
    let settings = Settings {
        month: Some("2026-10".into()),
        data_dir: Some(data.clone()),
        ..Settings::default()
    };
    let mut app = WorkbenchApp::new(settings, Box::new(picker));
    app.wait_for_jobs();
    let mut h = harness(app);
    settle(&mut h);
    h.get_by_label("Draft: not issued yet.");
    h.get_by_label("Issue…").click();
    h.run_steps(3);
    h.get_by_label("ES: issue the invoice");
    h.get_by_label("Issue and choose folder…").click();
    h.run_steps(2);
    settle(&mut h);
    assert!(out.join("AURA-ES-202610.xlsx").is_file());
    assert!(
        data.join("billing-register.sqlite").is_file(),
        "the register is created beside the configuration"
    );
    h.get_by_label_contains("as AURA-ES-202610.");
    assert!(
        h.query_by_label("Issue…").is_none(),
        "an issued invoice in force is not issued again"
    );

    // Issue all: ES is listed as unchanged, the others as to be issued.
    h.get_by_label("Issue all…").click();
    h.run_steps(3);
    h.get_by_label("ES: unchanged (AURA-ES-202610 stays in force)");
    h.get_by_label("BR: issue the invoice");
    h.get_by_label("Cancel").click();
    h.run_steps(2);
    assert!(h.state().confirm.is_none());

    h.get_by_label("Register").click();
    h.run_steps(3);
    h.get_by_label_contains("1 documents.");
    h.get_by_label("AURA-ES-202610").click();
    h.run_steps(3);
    h.get_by_label("AURA-ES-202610 (invoice)");
    let s = h.state().register_snapshot().unwrap();
    assert_eq!(s.heads.len(), 1);
    assert_eq!(s.heads[0].total, h.state().invoice().unwrap().total);

    h.get_by_label("History").click();
    h.run_steps(3);
    h.get_by_label("Issued totals per OB in EUR");
    h.get_by_label("ES EUR");
}

#[test]
fn a_rate_card_workbook_opens_as_the_configuration() {
    let tmp = tempfile::tempdir().unwrap();
    let sample = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let xlsx = tmp.path().join("billing.xlsx");
    let (code, _, err) = common::run(&[
        "rate-card",
        "--config",
        sample.join("billing.toml").to_str().unwrap(),
        "--out",
        xlsx.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let picker = FixedPicker {
        config_file: Some(xlsx.clone()),
        ..FixedPicker::default()
    };
    let mut h = harness(sample_app(picker));
    settle(&mut h);
    let toml_total = h.state().invoice().unwrap().total;
    h.get_by_label("Open configuration…").click();
    h.run_steps(2);
    settle(&mut h);
    assert_eq!(h.state().config_path(), xlsx);
    assert!(h.state().load_error.is_none(), "{:?}", h.state().load_error);
    h.get_by_label("Invoice AURA-ES-202610");
    assert_eq!(
        h.state().invoice().unwrap().total,
        toml_total,
        "the same invoice from the workbook"
    );
}

/// The sample data with 5,000 more OBs from an OB table (`T0000` … `T4999`, keys no record
/// uses, so they are invoiced their fees and shares only).
fn five_thousand_obs() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_dir(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data"),
        &data,
    );
    let mut csv = String::from("t_code,customer_name,license_server_id\n");
    for i in 0..5000 {
        csv.push_str(&format!("T{i:04},Customer {i:04} Ltda.,ls-{i:04}\n"));
    }
    std::fs::write(data.join("D_License_Server.csv"), csv).unwrap();
    let mut config = std::fs::read_to_string(data.join("billing.toml")).unwrap();
    config.push_str(
        "\n[[ob_table]]\ndataset = \"D_License_Server\"\ncode = \"t_code\"\nname = \"customer_name\"\nkeys = \"license_server_id\"\ntimezone = \"America/Sao_Paulo\"\n",
    );
    std::fs::write(data.join("billing.toml"), config).unwrap();
    (tmp, data)
}

#[test]
fn five_thousand_obs_are_searched_by_typing_and_scrolled_in_all_obs() {
    let (_tmp, data) = five_thousand_obs();
    let settings = Settings {
        month: Some("2026-10".into()),
        data_dir: Some(data),
        ..Settings::default()
    };
    let mut app = WorkbenchApp::new(settings, Box::new(FixedPicker::default()));
    app.wait_for_jobs();
    assert!(app.load_error.is_none(), "{:?}", app.load_error);
    assert_eq!(app.report().unwrap().invoices.len(), 5008);
    let mut h = harness(app);
    settle(&mut h);
    h.get_by_role_and_label(egui::accesskit::Role::ComboBox, "OB").click();
    h.run_steps(2);
    h.get_by_label("5008 of 5008 OBs");
    h.get_by_role(egui::accesskit::Role::TextInput)
        .type_text("customer 4321");
    h.run_steps(2);
    h.get_by_label("1 of 5008 OBs");
    h.get_by_label("T4321 — Customer 4321 Ltda. (EUR)").click();
    h.run_steps(2);
    assert_eq!(h.state().ob, "T4321");
    h.get_by_label("Invoice AURA-T4321-202610");

    h.get_by_label("All OBs").click();
    h.run_steps(3);
    h.get_by_label("Totals per currency");
    // Only the rows in view are laid out: the last OB's row is not.
    assert!(h.query_by_label("T4999").is_none());
    h.get_by_label("T0001").hover();
    h.run_steps(1);
    let started = std::time::Instant::now();
    for _ in 0..20 {
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Line,
            delta: egui::vec2(0.0, -20.0),
            modifiers: egui::Modifiers::NONE,
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
        });
        h.step();
    }
    let per_frame = started.elapsed().as_secs_f64() * 1000.0 / 20.0;
    eprintln!("All OBs with 5,008 OBs: {per_frame:.1} ms per frame (scrolling, this build)");
    assert!(
        h.query_by_label("T0001").is_none(),
        "the matrix scrolled past its first rows"
    );
}

#[test]
fn f1_lists_the_shortcuts_and_the_last_tab_is_remembered() {
    let mut h = harness(sample_app(FixedPicker::default()));
    settle(&mut h);
    h.key_press(egui::Key::F1);
    h.run_steps(2);
    assert!(h.state().show_shortcuts);
    h.get_by_label("Keyboard shortcuts");
    h.get_by_label("Previous / next OB");
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    assert!(!h.state().show_shortcuts);
    assert!(h.query_by_label("Keyboard shortcuts").is_none());

    // The tab shown last comes back with the settings.
    h.get_by_label("Meters").click();
    h.run_steps(2);
    let settings = Settings {
        tab: Some(h.state().tab.label().to_string()),
        month: Some("2026-10".into()),
        ..Settings::default()
    };
    let app = WorkbenchApp::new(settings, Box::new(FixedPicker::default()));
    assert_eq!(app.tab.label(), "Meters");
}

#[test]
fn every_record_of_a_code_is_discarded_at_once_with_who_when_and_why() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_dir(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data"),
        &data,
    );
    let settings = Settings {
        month: Some("2026-10".into()),
        data_dir: Some(data.clone()),
        ob: Some("BR".into()),
        ..Settings::default()
    };
    let mut app = WorkbenchApp::new(settings, Box::new(FixedPicker::default()));
    app.wait_for_jobs();
    let inv = app.invoice().unwrap().clone();
    let unknown: Vec<_> = inv.suspense.iter().filter(|e| e.code == "UNKNOWN_DIMENSION").collect();
    assert!(
        unknown.len() > 1,
        "the sample has several UNKNOWN_DIMENSION records for BR"
    );
    let mut h = harness(app);
    settle(&mut h);
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Suspense")
        .click();
    h.run_steps(3);
    h.get_by_role_and_label(egui::accesskit::Role::ComboBox, "Code").click();
    h.run_steps(2);
    h.get_by_role_and_label(egui::accesskit::Role::Button, "UNKNOWN_DIMENSION")
        .click();
    h.run_steps(3);
    h.get_by_label(&format!("Discard all {} shown…", unknown.len())).click();
    h.run_steps(2);
    let question = format!("Discard {} record(s) (code UNKNOWN_DIMENSION) because:", unknown.len());
    let is_reason = |n: &egui_kittest::kittest::AccessKitNode<'_>| {
        n.role() == egui::accesskit::Role::TextInput && n.label().is_some_and(|l| l == question)
    };
    h.get_by(is_reason).focus();
    h.run_steps(2);
    h.get_by(is_reason)
        .type_text("app ids not yet in D_Aura_App; agreed with BR billing");
    h.run_steps(2);
    h.get_by_label("Confirm bulk discard").click();
    h.run_steps(3);
    // Saved next to the data, each decision with who and when.
    let saved = billing_workbench::discards::load(&data).unwrap();
    assert_eq!(saved.len(), unknown.len());
    assert!(
        saved
            .iter()
            .all(|d| d.reason == "app ids not yet in D_Aura_App; agreed with BR billing")
    );
    assert!(
        saved
            .iter()
            .all(|d| d.by.is_some() && d.at.as_deref().is_some_and(|a| a.ends_with('Z')))
    );
    let inv = h.state().invoice().unwrap().clone();
    let marked: Vec<_> = inv.suspense.iter().filter(|e| e.discarded.is_some()).collect();
    assert_eq!(marked.len(), unknown.len());
    assert!(
        marked
            .iter()
            .all(|e| e.code == "UNKNOWN_DIMENSION" && e.discarded_by.is_some())
    );
    // The workbook lists why, who and when.
    let report = h.state().report().unwrap().clone();
    let bytes = billing_workbench::output::xlsx::invoice_workbook(
        &report,
        &inv,
        &billing_workbench::output::xlsx::Stamp::draft(
            chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap(),
            1000,
        ),
    )
    .unwrap();
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = wb.worksheet_range("Suspense").unwrap();
    let header: Vec<String> = sheet.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(&header[6..], ["Discarded (reason)", "Discarded by", "Discarded at"]);
    let rows_with_reason = sheet
        .rows()
        .filter(|r| r.get(6).is_some_and(|c| c.to_string().starts_with("app ids not yet")))
        .count();
    assert_eq!(rows_with_reason, unknown.len());
}

#[test]
fn a_suspended_record_is_traced_from_the_suspense_tab() {
    let (tmp, config) = common::tiny_folder("csv");
    let settings = tiny_br_october(tmp.path(), config);
    let mut app = WorkbenchApp::new(settings, Box::new(FixedPicker::default()));
    app.wait_for_jobs();
    let first = app.invoice().unwrap().suspense[0].clone();
    let mut h = harness(app);
    h.run_steps(2);
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Suspense")
        .click();
    h.run_steps(2);
    h.get_all_by_label("Trace").next().unwrap().click();
    h.run_steps(2);
    h.state_mut().wait_for_trace();
    h.run_steps(3);
    let text = h.state().trace_text().unwrap().to_string();
    assert!(text.contains(&format!("\"{}\"", first.record_id)), "{text}");
    assert!(text.contains(&format!("SUSPENDED [{}]", first.code)), "{text}");
    // The window shows the same text, and closes.
    h.get_by_label_contains("SUSPENDED");
    h.get_by_label_contains(&format!("Trace of {}", first.record_id));
}

#[test]
fn from_an_invoice_line_to_its_records_and_back() {
    let (_tmp, out, app) = tiny_br_october_exporting();
    let units = app
        .invoice()
        .unwrap()
        .lines
        .iter()
        .find(|l| l.concept == "UNITS")
        .unwrap()
        .quantity;
    let mut h = harness(app);
    h.run_steps(2);
    h.get_by_label("UNITS").click();
    h.run_steps(2);
    h.get_by_label("Records behind this line…").click();
    h.run_steps(2);
    h.state_mut().wait_for_records();
    h.run_steps(3);
    let listing = h.state().records_listing().unwrap().clone();
    assert_eq!(listing.total, billing_workbench::model::money::plain_string(units));
    let ids: Vec<&str> = listing.rows.iter().map(|r| r[3].as_str()).collect();
    assert_eq!(ids, ["e2", "e3"]);
    h.get_by_label_contains("they add up");
    h.get_by_label("e3");
    h.get_by_label("Export CSV…").click();
    h.run_steps(2);
    let csv = std::fs::read_to_string(out.path().join("BR-UNITS-2026-10-records.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    h.get_by_label("Back to the line").click();
    h.run_steps(3);
    assert!(h.state().records_listing().is_none());
    h.get_by_label_contains("UNITS: Units");
}

#[test]
fn from_a_breakdown_row_a_reconciliation_cell_and_a_day_to_their_records() {
    let (_tmp, out, app) = tiny_br_october_exporting();
    let mut h = harness(app);
    h.run_steps(2);
    let ids = |h: &Harness<'static, WorkbenchApp>| -> Vec<String> {
        let l = h
            .state()
            .records_listing()
            .unwrap_or_else(|| panic!("{:?}", h.state().records_status()));
        l.rows.iter().map(|r| r[3].clone()).collect()
    };

    // A breakdown row of the UNITS line: the app A1 has e2 (its duplicate is not billed).
    h.get_by_label("UNITS").click();
    h.run_steps(2);
    h.get_all_by_label("Records…").next().unwrap().click();
    h.run_steps(2);
    h.state_mut().wait_for_records();
    h.run_steps(3);
    assert_eq!(ids(&h), ["e2"]);
    h.get_by_label_contains("they add up");
    h.get_by_label_contains("Records behind UNITS, app = A1 of BR in 2026-10");
    h.get_by_label("Back to the line").click();
    h.run_steps(3);
    h.get_by_label_contains("UNITS: Units");

    // The rated cell of the reconciliation (BR suspended e5 and e6, and rated e2 and e3).
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Reconciliation")
        .click();
    h.run_steps(2);
    h.get_all_by_role_and_label(egui::accesskit::Role::Link, "2")
        .nth(1)
        .unwrap()
        .click();
    h.run_steps(2);
    h.state_mut().wait_for_records();
    h.run_steps(3);
    assert_eq!(ids(&h), ["e2", "e3"]);
    h.get_by_label_contains("2 records: count of records = 2; the figure shows 2: they add up");

    // Exported as Parquet: the same columns and rows as the table.
    h.get_by_label("Export Parquet…").click();
    h.run_steps(2);
    let file = std::fs::File::open(out.path().join("BR-Events-rated-2026-10-records.parquet")).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let batches: Vec<_> = reader.map(Result::unwrap).collect();
    let listing = h.state().records_listing().unwrap().clone();
    let schema = batches[0].schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, listing.columns.iter().map(String::as_str).collect::<Vec<_>>());
    let id_column = batches[0]
        .column(3)
        .as_any()
        .downcast_ref::<arrow_array::StringArray>()
        .unwrap();
    assert_eq!(id_column.iter().collect::<Vec<_>>(), [Some("e2"), Some("e3")]);

    // Trace a record of the table: e2 has a duplicate, and the trace says so.
    h.get_all_by_label("Trace").next().unwrap().click();
    h.run_steps(2);
    h.state_mut().wait_for_trace();
    h.run_steps(3);
    let text = h.state().trace_text().unwrap().to_string();
    assert!(text.contains("\"e2\""), "{text}");
    assert!(text.contains("DUPLICATE"), "{text}");
    h.get_by_label("Back to the reconciliation").click();
    h.run_steps(3);
    assert!(h.state().records_listing().is_none());
    h.get_by_label_contains("In scope = duplicates + excluded + suspended + rated");

    // A day of the meter inspector: units on 15 October is e3's 6.
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Meters").click();
    h.run_steps(2);
    h.get_all_by_label("6").next().unwrap().click();
    h.run_steps(2);
    h.state_mut().wait_for_records();
    h.run_steps(3);
    assert_eq!(ids(&h), ["e3"]);
    h.get_by_label_contains("Records behind units on 2026-10-15 of BR in 2026-10");
    h.get_by_label("Back to the meters").click();
    h.run_steps(3);
    h.get_by_label_contains("Meter inspector");
}
