//! The Suspense tab: suspended and unattributable records, filterable by code and dataset,
//! with counts by code; a record can be discarded with a reason (kept next to the data).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Weak};

use egui_extras::{Column, TableBuilder};

use super::Command;
use crate::report::{RunReport, SuspenseEntry};

/// The filter the user chose; empty means any.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SuspenseFilter {
    pub code: String,
    pub dataset: String,
    pub text: String,
    /// Include run-level unattributable records.
    pub unattributable: bool,
    /// The record being discarded and the reason typed so far.
    pub discarding: Option<(String, String, String)>,
    /// The reason typed for discarding every record the filter shows, while asked.
    pub bulk_reason: Option<String>,
}

/// What the tab shows for one list of entries and one filter: counts by code, the
/// datasets to filter by, and the entries that pass. Built once and kept while neither
/// the entries nor the filter change ([`SuspenseCache`]): with a million records,
/// building it every frame took 224 ms a frame.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SuspenseView {
    pub counts: BTreeMap<String, u64>,
    pub datasets: Vec<String>,
    /// Indices into the entries, in their order.
    pub shown: Vec<usize>,
}

impl SuspenseView {
    pub fn new(entries: &[SuspenseEntry], f: &SuspenseFilter) -> SuspenseView {
        let datasets: BTreeSet<&str> = entries.iter().map(|e| &*e.dataset).collect();
        SuspenseView {
            counts: SuspenseEntry::count_by_code(entries),
            datasets: datasets.into_iter().map(str::to_string).collect(),
            shown: filter(entries, f),
        }
    }
}

/// Indices of the entries that pass the filter: code and dataset exactly, the search text
/// anywhere in the record id or the value, ignoring case.
pub fn filter(entries: &[SuspenseEntry], f: &SuspenseFilter) -> Vec<usize> {
    let text = f.text.to_lowercase();
    let contains = |s: &str| {
        if text.is_empty() {
            true
        } else if s.is_ascii() && text.is_ascii() {
            s.as_bytes()
                .windows(text.len())
                .any(|w| w.eq_ignore_ascii_case(text.as_bytes()))
        } else {
            s.to_lowercase().contains(&text)
        }
    };
    entries
        .iter()
        .enumerate()
        .filter(|(_, e)| f.code.is_empty() || e.code == f.code)
        .filter(|(_, e)| f.dataset.is_empty() || *e.dataset == *f.dataset)
        .filter(|(_, e)| contains(&e.record_id) || contains(&e.value))
        .map(|(i, _)| i)
        .collect()
}

/// The last view built, with what it was built from. The report is held weakly: while
/// the cache lives its allocation cannot be reused, so the same address means the same
/// report, and a report changed in place (`Arc::make_mut`) moves to a new one.
#[derive(Default)]
pub struct SuspenseCache {
    built_from: Option<(Weak<RunReport>, String, SuspenseFilter)>,
    view: SuspenseView,
}

impl SuspenseCache {
    /// The view of `entries` (the OB's, or the run's unattributable ones, of `report`).
    pub fn view(
        &mut self,
        report: &Arc<RunReport>,
        ob: &str,
        entries: &[SuspenseEntry],
        f: &SuspenseFilter,
    ) -> &SuspenseView {
        let key = |f: &SuspenseFilter| SuspenseFilter {
            discarding: None,
            ..f.clone()
        };
        let fresh = self
            .built_from
            .as_ref()
            .is_some_and(|(r, o, k)| std::ptr::eq(r.as_ptr(), Arc::as_ptr(report)) && o == ob && *k == key(f));
        if !fresh {
            self.view = SuspenseView::new(entries, f);
            self.built_from = Some((Arc::downgrade(report), ob.to_string(), key(f)));
        }
        &self.view
    }
}

/// What a bulk discard takes: every record the filter shows that is not discarded yet.
pub fn bulk_targets(entries: &[SuspenseEntry], view: &SuspenseView) -> Vec<(String, String)> {
    view.shown
        .iter()
        .map(|&i| &entries[i])
        .filter(|e| e.discarded.is_none())
        .map(|e| (e.dataset.to_string(), e.record_id.clone()))
        .collect()
}

/// The filter in words, for the bulk discard's question.
pub fn filter_words(f: &SuspenseFilter) -> String {
    let mut parts = Vec::new();
    if !f.code.is_empty() {
        parts.push(format!("code {}", f.code));
    }
    if !f.dataset.is_empty() {
        parts.push(format!("dataset {}", f.dataset));
    }
    if !f.text.trim().is_empty() {
        parts.push(format!("matching \"{}\"", f.text.trim()));
    }
    if parts.is_empty() {
        "every record".to_string()
    } else {
        parts.join(", ")
    }
}

/// "Discard all shown…": one reason for every record of a code, a dataset or the filter.
fn bulk_ui(
    ui: &mut egui::Ui,
    entries: &[SuspenseEntry],
    view: &SuspenseView,
    f: &mut SuspenseFilter,
) -> Option<Command> {
    let targets = bulk_targets(entries, view);
    let words = filter_words(f);
    let mut command = None;
    match &mut f.bulk_reason {
        None => {
            if ui
                .add_enabled(
                    !targets.is_empty(),
                    egui::Button::new(format!("Discard all {} shown…", targets.len())),
                )
                .on_hover_text("Discard, with one reason, every record the code, dataset and search filters show")
                .clicked()
            {
                f.bulk_reason = Some(String::new());
            }
        }
        Some(reason) => {
            ui.horizontal(|ui| {
                let label = ui.label(format!("Discard {} record(s) ({}) because:", targets.len(), words));
                ui.text_edit_singleline(reason).labelled_by(label.id);
                if ui
                    .add_enabled(!reason.trim().is_empty(), egui::Button::new("Confirm bulk discard"))
                    .clicked()
                {
                    command = Some(Command::DiscardMany {
                        records: targets.clone(),
                        reason: reason.trim().to_string(),
                    });
                }
            });
            if command.is_some() || ui.button("Cancel bulk discard").clicked() {
                f.bulk_reason = None;
            }
        }
    }
    command
}

pub fn suspense_ui(
    ui: &mut egui::Ui,
    entries: &[SuspenseEntry],
    view: &SuspenseView,
    f: &mut SuspenseFilter,
) -> Option<Command> {
    let mut command = None;
    ui.heading("Suspense");
    ui.horizontal_wrapped(|ui| {
        for (code, n) in &view.counts {
            ui.label(format!("{code}: {n}"));
        }
        ui.separator();
        ui.label(format!("{} record(s)", entries.len()));
        if view.shown.len() != entries.len() {
            ui.label(format!("{} shown", view.shown.len()));
        }
    });
    ui.horizontal(|ui| {
        egui::ComboBox::from_label("Code")
            .selected_text(if f.code.is_empty() { "any" } else { &f.code })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut f.code, String::new(), "any");
                for c in view.counts.keys() {
                    ui.selectable_value(&mut f.code, c.clone(), c);
                }
            });
        egui::ComboBox::from_label("Dataset")
            .selected_text(if f.dataset.is_empty() { "any" } else { &f.dataset })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut f.dataset, String::new(), "any");
                for d in &view.datasets {
                    ui.selectable_value(&mut f.dataset, d.clone(), d);
                }
            });
        ui.label("Search");
        ui.add(egui::TextEdit::singleline(&mut f.text).hint_text("record id or value"));
        ui.checkbox(&mut f.unattributable, "Unattributable (run level)");
    });
    if let Some((dataset, id, reason)) = &mut f.discarding {
        let (dataset, id) = (dataset.clone(), id.clone());
        ui.horizontal(|ui| {
            let label = ui.label(format!("Discard {id} ({dataset}) because:"));
            // Labelled for screen readers (and for the tests, which find it by label).
            ui.text_edit_singleline(reason).labelled_by(label.id);
            if ui
                .add_enabled(!reason.trim().is_empty(), egui::Button::new("Confirm discard"))
                .clicked()
            {
                command = Some(Command::Discard {
                    dataset: dataset.clone(),
                    record_id: id.clone(),
                    reason: reason.trim().to_string(),
                });
            }
        });
        if command.is_some() || ui.button("Cancel discard").clicked() {
            f.discarding = None;
        }
    }
    command = command.or_else(|| bulk_ui(ui, entries, view, f));
    ui.weak("Fix the inputs (for example add a missing dimension entry) and press Reload to rate these records again.");
    let shown = &view.shown;
    // Wider than the window: scroll sideways (the table scrolls its rows itself).
    egui::ScrollArea::horizontal().id_salt("suspense_wide").show(ui, |ui| {
        TableBuilder::new(ui)
            .id_salt("suspense_table")
            .striped(true)
            .resizable(true)
            // The decision first, so it stays in view however wide the rest is.
            .column(Column::auto().at_least(110.0))
            .column(Column::auto().at_least(165.0).clip(true))
            .column(Column::auto().at_least(120.0).clip(true))
            .column(Column::auto().at_least(200.0).clip(true))
            .column(Column::auto().at_least(90.0).clip(true))
            .column(Column::auto().at_least(90.0).clip(true))
            .column(Column::remainder().at_least(200.0).clip(true))
            .header(22.0, |mut h| {
                for t in ["Decision", "Code", "Dataset", "Record id", "Field", "Value", "Message"] {
                    h.col(|ui| {
                        ui.strong(t);
                    });
                }
            })
            // Virtual scrolling: only the visible rows are laid out, so a million records scroll smoothly.
            .body(|body| {
                body.rows(20.0, shown.len(), |mut row| {
                    let e = &entries[shown[row.index()]];
                    row.col(|ui| match &e.discarded {
                        Some(reason) => {
                            if ui
                                .small_button("Undo")
                                .on_hover_text(format!("Discarded: {reason}"))
                                .clicked()
                            {
                                command = Some(Command::Undiscard {
                                    dataset: e.dataset.to_string(),
                                    record_id: e.record_id.clone(),
                                });
                            }
                            ui.weak(reason);
                        }
                        None => {
                            ui.horizontal(|ui| {
                                if ui.small_button("Discard…").clicked() {
                                    f.discarding = Some((e.dataset.to_string(), e.record_id.clone(), String::new()));
                                }
                                if ui
                                    .small_button("Trace")
                                    .on_hover_text("What became of this record: file, record number, outcome and why")
                                    .clicked()
                                {
                                    command = Some(Command::Trace {
                                        dataset: e.dataset.to_string(),
                                        record_id: e.record_id.clone(),
                                    });
                                }
                            });
                        }
                    });
                    for t in e.cells() {
                        row.col(|ui| {
                            // Clipped to its column; the whole text on hover.
                            ui.add(egui::Label::new(t).truncate()).on_hover_text(t);
                        });
                    }
                });
            });
    });
    command
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Discard, RunSummary};

    fn entry(code: &'static str, dataset: &str, id: &str, value: &str) -> SuspenseEntry {
        SuspenseEntry {
            code,
            dataset: dataset.into(),
            record_id: id.into(),
            field: "channel_id".into(),
            value: value.into(),
            message: "".into(),
            discarded: None,
            discarded_by: None,
            discarded_at: None,
        }
    }

    fn entries() -> Vec<SuspenseEntry> {
        vec![
            entry("UNKNOWN_KEY", "Aura_Audit", "ev-001", "CH999"),
            entry("INVALID_VALUE", "Aura_Gateway_Message", "gw-17", "abc"),
            entry("UNKNOWN_KEY", "Aura_Audit", "EV-002", "ch998"),
            entry("UNKNOWN_KEY", "Aura_Audit", "ev-003", "Ñandú"),
        ]
    }

    fn report(unattributable: Vec<SuspenseEntry>) -> Arc<RunReport> {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 10, 1).expect("date");
        Arc::new(RunReport {
            period_label: "2026-10".into(),
            period_start: day,
            period_end: day,
            billing_currency: "EUR".into(),
            invoices: Vec::new(),
            errors: Vec::new(),
            run: RunSummary {
                unattributable_records: Arc::new(unattributable),
                ..RunSummary::default()
            },
            warnings: Vec::new(),
            unusable: Vec::new(),
            files: Vec::new(),
            config_path: "billing.toml".into(),
            config_sha256: String::new(),
            issuer: String::new(),
            logo: None,
        })
    }

    #[test]
    fn view_counts_codes_lists_datasets_and_filters() {
        let e = entries();
        let all = SuspenseView::new(&e, &SuspenseFilter::default());
        assert_eq!(all.counts.get("UNKNOWN_KEY"), Some(&3));
        assert_eq!(all.counts.get("INVALID_VALUE"), Some(&1));
        assert_eq!(all.datasets, ["Aura_Audit", "Aura_Gateway_Message"]);
        assert_eq!(all.shown, [0, 1, 2, 3]);

        let by = |code: &str, dataset: &str, text: &str| {
            let f = SuspenseFilter {
                code: code.into(),
                dataset: dataset.into(),
                text: text.into(),
                ..SuspenseFilter::default()
            };
            SuspenseView::new(&e, &f).shown
        };
        assert_eq!(by("UNKNOWN_KEY", "", ""), [0, 2, 3]);
        assert_eq!(by("", "Aura_Gateway_Message", ""), [1]);
        // The search ignores case in record ids and values, ASCII or not.
        assert_eq!(by("", "", "ev-00"), [0, 2, 3]);
        assert_eq!(by("", "", "CH99"), [0, 2]);
        assert_eq!(by("", "", "ñANDÚ"), [3]);
        assert_eq!(by("UNKNOWN_KEY", "", "ch998"), [2]);
        assert_eq!(by("", "", "a longer text than any record id"), Vec::<usize>::new());
    }

    #[test]
    fn cached_view_is_rebuilt_when_the_report_or_filter_changes() {
        let mut cache = SuspenseCache::default();
        let mut r = report(entries());
        let f = SuspenseFilter::default();
        assert_eq!(cache.view(&r, "ES", &r.run.unattributable_records, &f).shown.len(), 4);

        // The same report, OB and filter: the view is reused, whatever is passed.
        assert_eq!(cache.view(&r, "ES", &[], &f).shown.len(), 4);
        // Typing a discard reason is not a change of filter.
        let typing = SuspenseFilter {
            discarding: Some(("Aura_Audit".into(), "ev-001".into(), "tes".into())),
            ..f.clone()
        };
        assert_eq!(cache.view(&r, "ES", &[], &typing).shown.len(), 4);

        // Another OB or filter builds it again.
        assert_eq!(
            cache.view(&r, "BR", &r.run.unattributable_records[..1], &f).shown.len(),
            1
        );
        let code = SuspenseFilter {
            code: "INVALID_VALUE".into(),
            ..f.clone()
        };
        assert_eq!(cache.view(&r, "BR", &r.run.unattributable_records, &code).shown, [1]);

        // A report changed in place (a discard marked, as the window does) is another report.
        assert_eq!(cache.view(&r, "BR", &r.run.unattributable_records, &f).shown.len(), 4);
        let report = Arc::make_mut(&mut r);
        Arc::make_mut(&mut report.run.unattributable_records).truncate(2);
        report.apply_discards(&[Discard {
            dataset: "Aura_Audit".into(),
            record_id: "ev-001".into(),
            reason: "test traffic".into(),
            by: None,
            at: None,
        }]);
        assert_eq!(cache.view(&r, "BR", &r.run.unattributable_records, &f).shown, [0, 1]);
        assert_eq!(
            cache
                .view(&r, "BR", &r.run.unattributable_records, &f)
                .counts
                .get("UNKNOWN_KEY"),
            Some(&1)
        );
    }

    #[test]
    fn discards_copy_the_shared_run_level_list_only_when_they_change_it() {
        let r = report(entries());
        let (mut a, mut b) = ((*r).clone(), (*r).clone());
        assert!(Arc::ptr_eq(
            &a.run.unattributable_records,
            &b.run.unattributable_records
        ));
        let discard = Discard {
            dataset: "Aura_Gateway_Message".into(),
            record_id: "gw-17".into(),
            reason: "gateway test message".into(),
            by: None,
            at: None,
        };
        // No decision touches the list: it stays shared.
        a.apply_discards(&[]);
        assert!(Arc::ptr_eq(
            &a.run.unattributable_records,
            &b.run.unattributable_records
        ));
        // A decision marks this report's copy only.
        b.apply_discards(std::slice::from_ref(&discard));
        assert!(!Arc::ptr_eq(
            &a.run.unattributable_records,
            &b.run.unattributable_records
        ));
        let marked: Vec<_> = b
            .run
            .unattributable_records
            .iter()
            .map(|e| e.discarded.as_deref())
            .collect();
        assert_eq!(marked, [None, Some("gateway test message"), None, None]);
        assert!(a.run.unattributable_records.iter().all(|e| e.discarded.is_none()));
        // Taking the decision back clears the mark.
        b.apply_discards(&[]);
        assert!(b.run.unattributable_records.iter().all(|e| e.discarded.is_none()));
    }
}
