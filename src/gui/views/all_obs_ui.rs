//! The All OBs tab: the OB × concept matrix for the period with totals per currency,
//! allocation shares, and the change against the previous period per OB and concept,
//! flagging unusual jumps so runaway usage is caught before invoices go out.

use egui_extras::{Column, TableBuilder};
use rust_decimal::Decimal;

use super::money;
use crate::report::RunReport;

/// How an amount moved against the previous period.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// No previous period to compare with.
    Unknown,
    New,
    Gone,
    /// Percent change, to one decimal.
    Percent(Decimal),
}

impl Change {
    /// More than doubled, halved or worse, or appeared from nothing: worth a look.
    pub fn unusual(&self) -> bool {
        match self {
            Change::New | Change::Gone => true,
            Change::Percent(p) => *p > Decimal::from(100) || *p <= Decimal::from(-50),
            Change::Unknown => false,
        }
    }

    pub fn text(&self) -> String {
        match self {
            Change::Unknown => String::new(),
            Change::New => "new".into(),
            Change::Gone => "gone".into(),
            Change::Percent(p) if p.is_sign_negative() => format!("{p} %"),
            Change::Percent(p) => format!("+{p} %"),
        }
    }
}

pub fn change(current: Option<Decimal>, previous: Option<Option<Decimal>>) -> Change {
    let Some(previous) = previous else {
        return Change::Unknown;
    };
    match (current.filter(|c| !c.is_zero()), previous.filter(|p| !p.is_zero())) {
        (None, None) => Change::Percent(Decimal::ZERO),
        (Some(_), None) => Change::New,
        (None, Some(_)) => Change::Gone,
        (Some(c), Some(p)) => Change::Percent(((c - p) * Decimal::from(100) / p).round_dp(1)),
    }
}

/// One OB's row of the matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct ObRow {
    pub ob: String,
    pub currency: String,
    pub decimals: u32,
    /// Per concept of `Matrix::concepts`: amount and change.
    pub cells: Vec<(Option<Decimal>, Change)>,
    pub total: Decimal,
    pub total_change: Change,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Matrix {
    pub concepts: Vec<String>,
    pub rows: Vec<ObRow>,
    /// The invoices summed per currency (`RunReport::totals_by_currency`).
    pub totals: Vec<crate::report::CurrencyTotals>,
    pub failed: Vec<(String, String)>,
}

/// The previous period's figures per OB: its total and its amount per concept, from a
/// rated report, or from the register when that month's data is not loaded.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Previous {
    /// Where the figures come from, for the caption.
    pub issued: bool,
    pub obs: std::collections::BTreeMap<String, (Decimal, Vec<(String, Decimal)>)>,
}

impl Previous {
    pub fn of_report(r: &RunReport) -> Previous {
        Previous {
            issued: false,
            obs: r
                .invoices
                .iter()
                .map(|i| {
                    let lines = i.lines.iter().map(|l| (l.concept.clone(), l.amount)).collect();
                    (i.ob.clone(), (i.total, lines))
                })
                .collect(),
        }
    }

    /// The documents in force for `month` in the register, if any was issued.
    pub fn of_register(s: &crate::register::Snapshot, month: crate::model::YearMonth) -> Option<Previous> {
        // The register's history of that one month: each OB's document in force.
        let h = crate::register::history(&s.heads, &s.lines, Some(month), Some(month));
        let obs: std::collections::BTreeMap<String, (Decimal, Vec<(String, Decimal)>)> = h
            .totals
            .iter()
            .filter_map(|t| {
                let concepts = h
                    .rows
                    .iter()
                    .filter(|r| r.ob == t.ob)
                    .filter_map(|r| Some((r.concept.clone(), r.amounts.first().copied().flatten()?)))
                    .collect();
                Some((t.ob.clone(), (t.totals.first().copied().flatten()?, concepts)))
            })
            .collect();
        (!obs.is_empty()).then_some(Previous { issued: true, obs })
    }
}

/// Builds the matrix of `current`, compared with `previous` when given.
pub fn matrix(current: &RunReport, previous: Option<&Previous>) -> Matrix {
    let mut m = Matrix {
        concepts: current.concepts(),
        totals: current.totals_by_currency(),
        ..Matrix::default()
    };
    for inv in &current.invoices {
        let prev = previous.map(|p| p.obs.get(&inv.ob));
        let cells = m
            .concepts
            .iter()
            .map(|c| {
                let now = inv.lines.iter().find(|l| &l.concept == c).map(|l| l.amount);
                let before = prev
                    .map(|p| p.and_then(|(_, lines)| lines.iter().find(|(concept, _)| concept == c).map(|(_, a)| *a)));
                (now, change(now, before))
            })
            .collect();
        let total_change = change(Some(inv.total), prev.map(|p| p.map(|(total, _)| *total)));
        m.rows.push(ObRow {
            ob: inv.ob.clone(),
            currency: inv.currency.clone(),
            decimals: inv.decimals,
            cells,
            total: inv.total,
            total_change,
        });
    }
    m.failed = current
        .errors
        .iter()
        .map(|e| (e.ob.clone(), e.message.clone()))
        .collect();
    m
}

/// The All OBs tab: `m` is `matrix(current, previous)` (built once by the app, not every
/// frame: with thousands of OBs that would cost the frame); `previous_issued` says where
/// the previous period came from (`None`: not rated yet).
pub fn all_obs_ui(ui: &mut egui::Ui, current: &RunReport, m: &Matrix, previous_issued: Option<bool>) {
    ui.heading(format!("All OBs, {}", current.period_label));
    if previous_issued.is_none() {
        ui.weak("The previous period is being rated; changes appear when it is ready.");
    } else if previous_issued == Some(true) {
        ui.weak("Change against the previous period as issued (its data is not loaded); highlighted: more than doubled, halved, new or gone.");
    } else {
        ui.weak("Change against the previous period; highlighted: more than doubled, halved, new or gone.");
    }
    let warn = egui::Color32::from_rgb(230, 120, 0);
    // Thousands of OBs (an OB table): the matrix scrolls on its own and lays out only the
    // rows in view; the tab's scroll area moves it sideways and shows what is below.
    let mut tb = TableBuilder::new(ui)
        .id_salt("matrix")
        .striped(true)
        .vscroll(true)
        .max_scroll_height(440.0)
        .column(Column::auto().at_least(60.0))
        .column(Column::auto().at_least(40.0));
    for _ in &m.concepts {
        tb = tb.column(Column::auto().at_least(110.0));
    }
    tb = tb.column(Column::auto().at_least(130.0));
    tb.header(22.0, |mut h| {
        for t in ["OB", "Cur."]
            .iter()
            .map(|s| s.to_string())
            .chain(m.concepts.iter().cloned())
            .chain(["Total".to_string()])
        {
            h.col(|ui| {
                ui.strong(t);
            });
        }
    })
    .body(|body| {
        body.rows(36.0, m.rows.len(), |mut row| {
            let r = &m.rows[row.index()];
            {
                row.col(|ui| {
                    ui.strong(&r.ob);
                });
                row.col(|ui| {
                    ui.label(&r.currency);
                });
                for (amount, ch) in r
                    .cells
                    .iter()
                    .chain(std::iter::once(&(Some(r.total), r.total_change.clone())))
                {
                    row.col(|ui| {
                        ui.with_layout(egui::Layout::top_down(egui::Align::Max), |ui| {
                            ui.label(amount.map(|a| money(a, r.decimals)).unwrap_or_else(|| "–".into()));
                            if ch.unusual() {
                                ui.colored_label(warn, format!("! {}", ch.text()));
                            } else {
                                ui.small(ch.text());
                            }
                        });
                    });
                }
            }
        });
    });
    for (ob, message) in &m.failed {
        ui.colored_label(egui::Color32::RED, format!("{ob} not invoiced: {message}"));
    }
    ui.add_space(8.0);
    ui.heading("Totals per currency");
    egui::Grid::new("currency_totals")
        .striped(true)
        .num_columns(5)
        .spacing([18.0, 4.0])
        .show(ui, |ui| {
            for h in ["Currency", "OBs", "Subtotal", "Tax", "Total"] {
                ui.strong(h);
            }
            ui.end_row();
            let dp = m.rows.first().map_or(2, |r| r.decimals);
            for t in &m.totals {
                ui.label(&t.currency);
                for text in [
                    t.obs.to_string(),
                    money(t.subtotal, dp),
                    money(t.tax, dp),
                    money(t.total, dp),
                ] {
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| ui.label(text));
                }
                ui.end_row();
            }
        });
    ui.add_space(8.0);
    ui.heading(format!("Allocation shares ({})", current.billing_currency));
    // Shares are split at the billing currency's decimals, which every invoice carries.
    let dp = m.rows.first().map_or(2, |r| r.decimals);
    for a in &current.run.allocations {
        ui.collapsing(
            format!(
                "{}: pool {} over basis {}",
                a.concept,
                money(a.pool, dp),
                super::quantity(a.basis_total)
            ),
            |ui| {
                egui::Grid::new(format!("alloc_{}", a.concept))
                    .striped(true)
                    .show(ui, |ui| {
                        ui.strong("OB");
                        ui.strong("Basis");
                        ui.strong("Share");
                        ui.end_row();
                        for share in &a.shares {
                            ui.label(&share.ob);
                            ui.label(super::quantity(share.basis));
                            ui.label(money(share.amount, dp));
                            ui.end_row();
                        }
                    });
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(v: i64) -> Option<Decimal> {
        Some(Decimal::from(v))
    }

    #[test]
    fn changes_and_jumps() {
        assert_eq!(change(d(300), Some(d(100))), Change::Percent(Decimal::from(200)));
        assert!(change(d(300), Some(d(100))).unusual(), "tripled");
        assert!(!change(d(150), Some(d(100))).unusual());
        assert!(change(d(50), Some(d(100))).unusual(), "halved");
        assert_eq!(change(d(5), Some(None)), Change::New);
        assert_eq!(change(None, Some(d(5))), Change::Gone);
        assert_eq!(change(d(5), None), Change::Unknown);
        assert!(!Change::Unknown.unusual());
    }
}
