//! The Register tab (the documents issued, filtered by OB and period, one opened with its
//! lines), the issue state of the invoice on screen, and the confirmation before issuing.
//! Everything shown is built by plain functions of the register's snapshot.

use egui_extras::{Column, TableBuilder};

use super::{Command, money, quantity};
use crate::issuing::{Action, Outcome};
use crate::register::{DocumentHead, Snapshot};
use crate::report::Invoice;

/// The Register tab's filters and the document opened.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegisterFilter {
    /// An OB code, or empty for all.
    pub ob: String,
    /// `YYYY-MM`, or empty for all.
    pub month: String,
    pub open: Option<String>,
}

/// The documents the filter shows, in the order issued.
pub fn rows<'a>(snapshot: &'a Snapshot, filter: &RegisterFilter) -> Vec<&'a DocumentHead> {
    snapshot
        .heads
        .iter()
        .filter(|h| filter.ob.is_empty() || h.ob.eq_ignore_ascii_case(&filter.ob))
        .filter(|h| filter.month.is_empty() || h.period_start.format("%Y-%m").to_string() == filter.month)
        .collect()
}

/// The state of the invoice on screen against the register (docs/register.md).
#[derive(Debug, Clone, PartialEq)]
pub enum IssueState {
    /// No register yet, or nothing issued for this OB and period.
    Draft,
    /// Issued and equal to the document in force.
    Issued { number: String, date: chrono::NaiveDate },
    /// Issued, and the figures now differ.
    Differs(Box<Outcome>),
}

/// The state of `inv`.
pub fn issue_state(snapshot: Option<&Snapshot>, inv: &Invoice) -> IssueState {
    let Some(in_force) = snapshot.and_then(|s| s.in_force(&inv.ob, inv.period_start, inv.period_end)) else {
        return IssueState::Draft;
    };
    let o = crate::issuing::outcome(Some(in_force), inv, false);
    match o.action {
        Action::Unchanged => IssueState::Issued {
            number: in_force.0.number.clone(),
            date: in_force.0.issue_date,
        },
        _ => IssueState::Differs(Box::new(o)),
    }
}

/// The one-line description of a state.
pub fn state_text(state: &IssueState) -> String {
    match state {
        IssueState::Draft => "Draft: not issued yet.".to_string(),
        IssueState::Issued { number, date } => format!("Issued on {date} as {number}."),
        IssueState::Differs(o) => {
            let h = o.in_force.as_ref();
            format!(
                "Differs from {} issued on {}: total {} now (issued {}, {} changed lines). Correct… issues a credit note and a corrected invoice.",
                h.map_or("", |h| h.number.as_str()),
                h.map_or(String::new(), |h| h.issue_date.to_string()),
                o.delta.map_or(String::new(), |d| signed(d, o.decimals)),
                h.map_or(String::new(), |h| money(h.total, h.decimals)),
                o.changes.iter().filter(|c| !is_total(&c.concept)).count()
            )
        }
    }
}

fn is_total(concept: &str) -> bool {
    matches!(concept, "subtotal" | "tax" | "total")
}

fn signed(d: rust_decimal::Decimal, dp: u32) -> String {
    if d.is_sign_negative() {
        money(d, dp)
    } else {
        format!("+{}", money(d, dp))
    }
}

/// Draws the issue state above the invoice (with the changed lines when it differs).
pub fn state_ui(ui: &mut egui::Ui, state: &IssueState) -> Option<Command> {
    let mut command = None;
    ui.horizontal(|ui| {
        let (colour, text) = match state {
            IssueState::Draft => (ui.visuals().weak_text_color(), state_text(state)),
            IssueState::Issued { .. } => (egui::Color32::from_rgb(30, 130, 60), state_text(state)),
            IssueState::Differs(_) => (egui::Color32::from_rgb(200, 110, 0), state_text(state)),
        };
        ui.colored_label(colour, text);
        let label = if matches!(state, IssueState::Differs(_)) {
            "Correct…"
        } else {
            "Issue…"
        };
        if !matches!(state, IssueState::Issued { .. }) && ui.button(label).clicked() {
            command = Some(Command::Issue { all: false });
        }
        if ui.button("Issue all…").clicked() {
            command = Some(Command::Issue { all: true });
        }
    });
    if let IssueState::Differs(o) = state {
        egui::Grid::new("changes").striped(true).show(ui, |ui| {
            ui.strong("Changed");
            ui.strong("Issued");
            ui.strong("Now");
            ui.end_row();
            for c in &o.changes {
                ui.label(&c.concept);
                ui.label(c.issued.map_or("—".to_string(), |d| money(d, o.decimals)));
                ui.label(c.now.map_or("—".to_string(), |d| money(d, o.decimals)));
                ui.end_row();
            }
        });
    }
    ui.separator();
    command
}

/// One line of the confirmation: what issuing will do for an OB.
pub fn plan_line(o: &Outcome) -> String {
    let number = o.in_force.as_ref().map_or("", |h| h.number.as_str());
    match o.action {
        Action::Issued => format!("{}: issue the invoice", o.ob),
        Action::Unchanged => format!("{}: unchanged ({number} stays in force)", o.ob),
        Action::Differs | Action::Corrected => format!(
            "{}: correct {number} with a credit note and a corrected invoice (total {})",
            o.ob,
            o.delta.map_or(String::new(), |d| signed(d, o.decimals))
        ),
    }
}

/// The confirmation window before issuing; `Some(true)` to issue, `Some(false)` to cancel.
pub fn confirm_ui(ctx: &egui::Context, plan: &[Outcome]) -> Option<bool> {
    let mut answer = None;
    egui::Window::new("Issue invoices")
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            let count = |a: Action| plan.iter().filter(|o| o.action == a).count();
            ui.label(format!(
                "{} to issue, {} unchanged, {} to correct. Issued documents are final: a later change is made by a credit note and a correction.",
                count(Action::Issued),
                count(Action::Unchanged),
                count(Action::Corrected) + count(Action::Differs)
            ));
            egui::ScrollArea::vertical().max_height(260.0).show(ui, |ui| {
                for o in plan {
                    ui.label(plan_line(o));
                }
            });
            ui.horizontal(|ui| {
                let doing = plan.iter().any(|o| o.action != Action::Unchanged);
                if ui.add_enabled(doing, egui::Button::new("Issue and choose folder…")).clicked() {
                    answer = Some(true);
                }
                if ui.button("Cancel").clicked() {
                    answer = Some(false);
                }
            });
        });
    answer
}

/// The Register tab.
pub fn register_ui(
    ui: &mut egui::Ui,
    snapshot: Option<&Snapshot>,
    error: Option<&str>,
    obs: &[String],
    filter: &mut RegisterFilter,
) {
    if let Some(e) = error {
        ui.colored_label(egui::Color32::RED, e);
    }
    let Some(s) = snapshot else {
        ui.weak("No register yet: issuing an invoice creates it beside the configuration.");
        return;
    };
    ui.horizontal(|ui| {
        ui.label(format!("Register {}: {} documents.", s.location, s.heads.len()));
        ui.label("OB");
        egui::ComboBox::from_id_salt("register_ob")
            .selected_text(if filter.ob.is_empty() { "all" } else { &filter.ob })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut filter.ob, String::new(), "all");
                for ob in obs {
                    ui.selectable_value(&mut filter.ob, ob.clone(), ob);
                }
            });
        let mut months: Vec<String> = s
            .heads
            .iter()
            .map(|h| h.period_start.format("%Y-%m").to_string())
            .collect();
        months.sort();
        months.dedup();
        ui.label("Period");
        egui::ComboBox::from_id_salt("register_period")
            .selected_text(if filter.month.is_empty() { "all" } else { &filter.month })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut filter.month, String::new(), "all");
                for m in months.iter().rev() {
                    ui.selectable_value(&mut filter.month, m.clone(), m);
                }
            });
    });
    let shown = rows(s, filter);
    let headers = [
        "Number",
        "Kind",
        "OB",
        "Period",
        "Currency",
        "Issue date",
        "Total",
        "Replaces",
    ];
    let mut tb = TableBuilder::new(ui)
        .id_salt("register")
        .striped(true)
        .max_scroll_height(380.0);
    for (i, _) in headers.iter().enumerate() {
        tb = tb.column(Column::auto().at_least(if i == 0 || i == 7 { 190.0 } else { 70.0 }));
    }
    tb.header(20.0, |mut h| {
        for t in headers {
            h.col(|ui| {
                ui.strong(t);
            });
        }
    })
    .body(|body| {
        body.rows(20.0, shown.len(), |mut row| {
            let d = shown[row.index()];
            row.col(|ui| {
                let open = filter.open.as_deref() == Some(d.number.as_str());
                if ui.selectable_label(open, &d.number).clicked() {
                    filter.open = if open { None } else { Some(d.number.clone()) };
                }
            });
            row.col(|ui| {
                ui.label(d.kind.name());
            });
            row.col(|ui| {
                ui.label(&d.ob);
            });
            row.col(|ui| {
                ui.label(&d.period_label);
            });
            row.col(|ui| {
                ui.label(&d.currency);
            });
            row.col(|ui| {
                ui.label(d.issue_date.to_string());
            });
            row.col(|ui| {
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    ui.label(money(d.total, d.decimals))
                });
            });
            row.col(|ui| {
                ui.label(d.replaces.as_deref().unwrap_or(""));
            });
        });
    });
    if let Some(h) = filter
        .open
        .as_deref()
        .and_then(|n| s.heads.iter().find(|h| h.number == n))
    {
        document_ui(ui, s, h);
    }
}

/// One document opened from the Register tab: its heading and lines.
fn document_ui(ui: &mut egui::Ui, s: &Snapshot, h: &DocumentHead) {
    ui.separator();
    ui.heading(format!("{} ({})", h.number, h.kind.name()));
    ui.label(format!(
        "{} {}, period {}, issued {}{}",
        h.ob,
        h.legal_entity,
        h.period_label,
        h.issue_date,
        h.replaces
            .as_deref()
            .map_or(String::new(), |r| format!(", replaces {r}"))
    ));
    let lines = s.lines.get(&h.number).cloned().unwrap_or_default();
    let rows: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            vec![
                l.concept.clone(),
                l.description.clone(),
                quantity(l.quantity),
                l.unit_price.map_or(String::new(), quantity),
                money(l.amount, h.decimals),
            ]
        })
        .chain([
            vec![
                "Subtotal".into(),
                String::new(),
                String::new(),
                String::new(),
                money(h.subtotal, h.decimals),
            ],
            vec![
                "Tax".into(),
                String::new(),
                String::new(),
                String::new(),
                money(h.tax, h.decimals),
            ],
            vec![
                "Total".into(),
                String::new(),
                String::new(),
                String::new(),
                money(h.total, h.decimals),
            ],
        ])
        .collect();
    super::breakdown_ui::amount_table(
        ui,
        "register_lines",
        &["Concept", "Description", "Quantity", "Unit price", "Amount"],
        rows,
    );
}
