//! Every tab's view model tested as data, on the sample's October report: what the window
//! would draw, checked against the engine's own figures (the window itself is driven in
//! tests/gui.rs).

#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures, as tests should

use std::path::{Path, PathBuf};

use billing_workbench::engine::Selection;
use billing_workbench::gui::views::{
    breakdown_ui, files_ui, inputs_ui, invoice_ui, meters_ui, money, reconciliation_ui,
};
use billing_workbench::model::{Period, YearMonth};
use billing_workbench::report::{LineDetail, LineKind, RunReport};
use rust_decimal::Decimal;

fn sample() -> (billing_workbench::Loaded, RunReport) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let loaded = billing_workbench::load(&dir, &dir.join("billing.toml"), &|_: &Path| {}).unwrap();
    let report = loaded
        .engine
        .run(&Period::Month(YearMonth::parse("2026-10").unwrap()), &Selection::All);
    (loaded, report)
}

#[test]
fn invoice_rows_are_the_lines_then_subtotal_tax_and_total() {
    let (_, r) = sample();
    let inv = &r.invoices[0];
    let rows = invoice_ui::rows(inv);
    assert_eq!(rows.len(), inv.lines.len() + 3);
    for (row, line) in rows.iter().zip(&inv.lines) {
        assert_eq!(row.concept, line.concept);
        assert_eq!(row.amount, money(line.amount, inv.decimals));
    }
    let tail: Vec<&str> = rows[inv.lines.len()..].iter().map(|r| r.concept.as_str()).collect();
    assert_eq!(tail, ["Subtotal", "Tax", "Total"]);
    assert_eq!(rows.last().unwrap().amount, money(inv.total, inv.decimals));
    assert_eq!(
        rows.last().unwrap().description,
        format!("Amount due in {}", inv.currency)
    );
}

#[test]
fn line_details_tell_each_kind_of_line_in_its_own_words() {
    let (_, r) = sample();
    let mut seen = [false; 3];
    for inv in &r.invoices {
        for line in &inv.lines {
            let text = invoice_ui::detail(line, inv.decimals).join("\n");
            match (&line.kind, &line.detail) {
                (LineKind::Charge, LineDetail::Charge(d)) => {
                    assert!(
                        text.starts_with(&format!("{} model on meter {}", d.model, d.meter)),
                        "{text}"
                    );
                    seen[0] = true;
                }
                (LineKind::Fee, LineDetail::Fee(d)) => {
                    assert!(
                        text.contains(&format!("active contract days {} of {}", d.active_days, d.period_days)),
                        "{text}"
                    );
                    seen[1] = true;
                }
                (LineKind::Allocation, LineDetail::Allocation(d)) => {
                    assert!(text.contains(&format!("split by meter {}", d.meter)), "{text}");
                    seen[2] = true;
                }
                (kind, detail) => panic!("a {kind:?} line with a {detail:?} detail"),
            }
            assert_eq!(
                text.contains("converted at"),
                line.detail.fx_rate() != Decimal::ONE,
                "{} {}: {text}",
                inv.ob,
                line.concept
            );
        }
    }
    assert_eq!(seen, [true; 3], "the sample has charges, fees and allocations");
}

#[test]
fn breakdown_shares_add_up_to_the_lines_broken_down() {
    let (_, r) = sample();
    let inv = &r.invoices[0];
    let amounts = breakdown_ui::concept_amounts(inv);
    assert_eq!(amounts.iter().map(|(_, a)| *a).sum::<Decimal>(), inv.subtotal);
    let fields = breakdown_ui::fields(inv);
    assert!(!fields.is_empty(), "the sample breaks lines down");
    for field in &fields {
        let shares = breakdown_ui::shares(inv, field);
        let expected: Decimal = inv
            .breakdown
            .iter()
            .filter(|b| &b.field == field)
            .map(|b| b.amount)
            .sum();
        assert_eq!(shares.iter().map(|s| s.amount).sum::<Decimal>(), expected, "{field}");
        assert!(shares.windows(2).all(|w| w[0].amount >= w[1].amount), "largest first");
        let percent: Decimal = shares.iter().map(|s| s.percent).sum();
        assert!((percent - Decimal::from(100)).abs() <= Decimal::new(1, 2) * Decimal::from(shares.len() as u64));
    }
}

#[test]
fn meter_days_sort_by_a_meter_and_total_its_days() {
    let (_, r) = sample();
    let inv = &r.invoices[0];
    assert_eq!(
        meters_ui::order(inv, &meters_ui::MeterSort::Date),
        (0..inv.days.len()).collect::<Vec<_>>()
    );
    let by_first = meters_ui::order(inv, &meters_ui::MeterSort::Meter(0));
    let values = &inv.daily[0].values;
    assert!(by_first.windows(2).all(|w| values[w[0]] >= values[w[1]]));
    let totals = meters_ui::totals(inv);
    assert_eq!(totals.len(), inv.daily.len());
    assert_eq!(totals[0], values.iter().copied().sum::<Decimal>());
}

#[test]
fn the_inputs_panel_lists_used_datasets_with_their_rows() {
    let (loaded, _) = sample();
    let rows = inputs_ui::dataset_rows(&loaded);
    let audit = rows.iter().find(|r| r.name == "Aura_Audit").unwrap();
    assert!(audit.used);
    assert_eq!(audit.version, "v2");
    let read = loaded.engine.rows_read_by_dataset()["aura_audit"];
    assert_eq!(audit.rows.replace(',', ""), read.to_string());
    let unused = rows.iter().find(|r| r.name == "D_Gbl_Country").unwrap();
    assert!(!unused.used, "no dimension reads D_Gbl_Country");
    assert_eq!(unused.rows, "–", "no rows are shown for a dataset not read");
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    let names_of_catalog: Vec<&str> = loaded.catalog.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, names_of_catalog, "in the folder's order");
}

#[test]
fn reconciliation_rows_balance_and_show_the_report_counts() {
    let (_, r) = sample();
    let count = |s: &str| s.replace(',', "").parse::<u64>().unwrap();
    for inv in &r.invoices {
        let rows = reconciliation_ui::ob_rows(inv);
        assert_eq!(rows.len(), inv.reconciliation.len());
        for ((cells, balances), rec) in rows.iter().zip(&inv.reconciliation) {
            assert!(*balances, "{} {}", inv.ob, rec.dataset);
            let n: Vec<u64> = cells[1..].iter().map(|c| count(c)).collect();
            assert_eq!(
                n,
                [rec.in_scope, rec.duplicates, rec.excluded, rec.suspended, rec.rated]
            );
            assert_eq!(n[0], n[1..].iter().sum::<u64>(), "in scope = the four outcomes");
        }
    }
    let run = reconciliation_ui::run_rows(&r);
    assert!(!run.is_empty());
    for (cells, balances) in &run {
        assert!(*balances, "{}", cells[0]);
        let n: Vec<u64> = cells[1..].iter().map(|c| count(c)).collect();
        assert_eq!(
            n[0],
            n[1] + n[2] + n[3],
            "rows read = unattributable + in scope + out of period"
        );
    }
}

/// Issues the sample's October for all OBs into a fresh SQLite register and returns its
/// snapshot with the report.
#[test]
fn the_files_tab_lists_every_file_sorted_by_the_column_clicked() {
    let (loaded, r) = sample();
    let usage_files = loaded
        .engine
        .files()
        .iter()
        .filter(|f| f.dataset.starts_with("Aura_"))
        .count();
    let rows = files_ui::file_rows(&r, files_ui::FileSort::default());
    assert_eq!(rows.len(), usage_files);
    assert_eq!(rows.len(), r.run.files.len());
    // Sorting by rows read, largest first, then turning the order around.
    let mut sort = files_ui::FileSort::default();
    sort.click(2);
    assert!(sort.descending);
    let read = |rows: &[(Vec<String>, bool)]| -> Vec<u64> {
        rows.iter()
            .map(|(c, _)| c[2].replace(',', "").parse().unwrap())
            .collect()
    };
    let down = read(&files_ui::file_rows(&r, sort));
    assert!(down.windows(2).all(|w| w[0] >= w[1]), "{down:?}");
    sort.click(2);
    let up = read(&files_ui::file_rows(&r, sort));
    assert!(up.windows(2).all(|w| w[0] <= w[1]), "{up:?}");
    // The files' rows add up to the run's rows read.
    let total: u64 = r.run.files.iter().map(|f| f.rows_read).sum();
    assert_eq!(total, r.run.rows_read.values().sum::<u64>());
}

fn issued_sample() -> (tempfile::TempDir, billing_workbench::register::Snapshot, RunReport) {
    use billing_workbench::register::{Location, Register};
    let (_, report) = sample();
    let tmp = tempfile::tempdir().unwrap();
    let mut register = Register::open(&Location::File(tmp.path().join("r.sqlite"))).unwrap();
    let mut stamp = billing_workbench::output::xlsx::Stamp::draft(
        chrono::NaiveDate::from_ymd_opt(2026, 11, 5).unwrap(),
        chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap(),
        10,
    );
    stamp.logo = false;
    let run =
        billing_workbench::issuing::issue(&mut register, &report, &tmp.path().join("out"), &stamp, false, &|_| {
            true
        });
    assert!(run.succeeded(), "{:?}", run.errors);
    let snapshot = register.snapshot().unwrap();
    (tmp, snapshot, report)
}

#[test]
fn the_register_tab_filters_by_ob_and_month_and_states_follow_the_register() {
    use billing_workbench::gui::views::register_ui::{IssueState, RegisterFilter, issue_state, plan_line, rows};
    let (_tmp, snapshot, report) = issued_sample();
    assert_eq!(rows(&snapshot, &RegisterFilter::default()).len(), report.invoices.len());
    let es = RegisterFilter {
        ob: "es".into(),
        month: "2026-10".into(),
        open: None,
    };
    let shown = rows(&snapshot, &es);
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].number, "AURA-ES-202610");
    let none = RegisterFilter {
        month: "2026-09".into(),
        ..RegisterFilter::default()
    };
    assert!(rows(&snapshot, &none).is_empty());

    let inv = report.invoices.iter().find(|i| i.ob == "ES").unwrap();
    assert_eq!(
        issue_state(Some(&snapshot), inv),
        IssueState::Issued {
            number: "AURA-ES-202610".into(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, 5).unwrap()
        }
    );
    assert_eq!(issue_state(None, inv), IssueState::Draft);
    // A changed line: the state differs by exactly the line's change.
    let mut changed = inv.clone();
    changed.lines[0].amount += Decimal::new(150, 2);
    changed.subtotal += Decimal::new(150, 2);
    changed.total += Decimal::new(150, 2);
    let IssueState::Differs(o) = issue_state(Some(&snapshot), &changed) else {
        panic!("expected a difference")
    };
    assert_eq!(o.delta, Some(Decimal::new(150, 2)));
    assert_eq!(o.changes[0].concept, changed.lines[0].concept);
    assert_eq!(
        o.changes.iter().map(|c| c.concept.as_str()).collect::<Vec<_>>()[1..],
        ["subtotal", "total"]
    );
    let (head, lines) = snapshot.in_force("ES", inv.period_start, inv.period_end).unwrap();
    let planned = billing_workbench::issuing::outcome(Some((head, lines)), &changed, true);
    assert_eq!(
        plan_line(&planned),
        "ES: correct AURA-ES-202610 with a credit note and a corrected invoice (total +1.50)"
    );
}

#[test]
fn history_and_the_previous_period_come_from_the_register_alone() {
    use billing_workbench::gui::views::all_obs_ui::{Change, Previous, matrix};
    let (_tmp, snapshot, report) = issued_sample();
    let h = billing_workbench::register::history(&snapshot.heads, &snapshot.lines, None, None);
    assert_eq!(h.months, [YearMonth { year: 2026, month: 10 }]);
    for inv in &report.invoices {
        let t = h.totals.iter().find(|t| t.ob == inv.ob).unwrap();
        assert_eq!(t.totals, [Some(inv.total)]);
        for l in &inv.lines {
            let row = h
                .rows
                .iter()
                .find(|r| r.ob == inv.ob && r.concept == l.concept)
                .unwrap();
            assert_eq!(row.amounts, [Some(l.amount)], "{} {}", inv.ob, l.concept);
        }
    }
    // A range outside the issued months is empty but keeps its months.
    let later = billing_workbench::register::history(
        &snapshot.heads,
        &snapshot.lines,
        Some(YearMonth { year: 2026, month: 11 }),
        Some(YearMonth { year: 2026, month: 12 }),
    );
    assert_eq!(later.months.len(), 2);
    assert!(later.totals.is_empty());
    // All OBs compared with the issued month: the same figures, so every change is 0 %.
    let previous = Previous::of_register(&snapshot, YearMonth { year: 2026, month: 10 }).unwrap();
    assert!(previous.issued);
    let m = matrix(&report, Some(&previous));
    assert!(
        m.rows.iter().all(|r| r.total_change == Change::Percent(Decimal::ZERO)),
        "{m:?}"
    );
    assert!(Previous::of_register(&snapshot, YearMonth { year: 2026, month: 9 }).is_none());
}
