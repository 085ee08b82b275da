//! `issue` and `register list | show | export` (docs/register.md).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};

use super::{IssueArgs, RegisterArgs, RegisterAt, RegisterCommand, print_problems, rate, stamp_of};
use crate::issuing::{Action, Change};
use crate::model::money::money_string;
use crate::register::{Filter, Location, Register};

/// Where the register is (see `Location::resolve`), the configuration's `[billing]
/// register` setting already known; a problem names the configuration or `--register`.
pub(super) fn resolve(config: Option<&Path>, setting: Option<&str>, given: Option<&str>) -> anyhow::Result<Location> {
    Location::resolve(config, setting, given).map_err(|e| match config {
        Some(path) if given.is_none() => anyhow::anyhow!("{}: {e}", path.display()),
        _ => anyhow::anyhow!(e),
    })
}

/// Where the register is, reading the configuration's setting when it matters.
fn location(config: Option<&Path>, given: Option<&str>) -> anyhow::Result<Location> {
    let setting = match (config, given) {
        (Some(path), None) => crate::import::load_config(path)?.billing.register,
        _ => None,
    };
    resolve(config, setting.as_deref(), given)
}

fn show_change(c: &Change, dp: u32) -> String {
    let side = |v: Option<rust_decimal::Decimal>| v.map_or("(none)".to_string(), |d| money_string(d, dp));
    format!("    {}: {} → {}", c.concept, side(c.issued), side(c.now))
}

pub(super) fn issue(args: &IssueArgs) -> anyhow::Result<ExitCode> {
    let inv = &args.invoice;
    let Some(out_dir) = &inv.out else {
        bail!("issue writes the documents it issues: give --out DIR");
    };
    let super::Rated { report, register, .. } = rate(inv, true)?;
    let location = resolve(
        Some(&inv.input.config),
        register.as_deref(),
        args.register.register.as_deref(),
    )?;
    let mut register = Register::open(&location)?;
    let mut stamp = stamp_of(inv);
    stamp.status = crate::output::xlsx::Status::Issued;
    let run = crate::issuing::issue(&mut register, &report, out_dir, &stamp, args.correct, &|_| true);
    for o in &run.outcomes {
        let what = match o.action {
            Action::Issued | Action::Corrected => o.documents.join(", "),
            Action::Unchanged | Action::Differs => o.in_force.as_ref().map_or(String::new(), |h| {
                format!("{} issued {}", h.number, h.issue_date.format("%Y-%m-%d"))
            }),
        };
        eprintln!("{:<6} {:<10} {what}", o.ob, o.action.name());
        if o.action != Action::Unchanged {
            for c in &o.changes {
                eprintln!("{}", show_change(c, o.decimals));
            }
        }
        for f in &o.files {
            eprintln!("wrote {}", f.display());
        }
    }
    if run.outcomes.iter().any(|o| o.action == Action::Differs) {
        eprintln!("nothing was written for the OBs that differ: review the changes, then run again with --correct");
    }
    if inv.json {
        writeln!(
            std::io::stdout().lock(),
            "{}",
            crate::output::json::issue_document(&run)
        )?;
    }
    print_problems(&report);
    for e in run.errors.iter().filter(|e| !report.errors.contains(e)) {
        eprintln!("error: OB {}: {}", e.ob, e.message);
    }
    Ok(if run.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn open_at(at: &RegisterAt) -> anyhow::Result<Register> {
    let location = location(at.config.as_deref(), at.location.register.as_deref())?;
    if let Location::File(path) = &location
        && !path.exists()
    {
        bail!(
            "register {}: does not exist (nothing has been issued yet)",
            path.display()
        );
    }
    Ok(Register::open(&location)?)
}

pub(super) fn register(args: &RegisterArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        RegisterCommand::List { at, ob, period, json } => {
            let mut register = open_at(at)?;
            let filter = Filter {
                ob: ob.clone(),
                from: period.map(|m| m.first_day()),
                to: period.map(|m| m.last_day()),
            };
            let heads = register.list(&filter)?;
            if *json {
                println!("{}", crate::output::json::register_list(&heads));
            } else {
                println!(
                    "{:<24} {:<12} {:<6} {:<22} {:<4} {:<10} {:>14}  replaces",
                    "number", "kind", "OB", "period", "cur", "issued", "total"
                );
                for h in &heads {
                    println!(
                        "{:<24} {:<12} {:<6} {:<22} {:<4} {:<10} {:>14}  {}",
                        h.number,
                        h.kind.name(),
                        h.ob,
                        h.period_label,
                        h.currency,
                        h.issue_date.format("%Y-%m-%d"),
                        money_string(h.total, h.decimals),
                        h.replaces.as_deref().unwrap_or("")
                    );
                }
            }
        }
        RegisterCommand::Show { number, at, json } => {
            let mut register = open_at(at)?;
            let Some(d) = register.document(number)? else {
                bail!("register {}: no document {number}", register.location());
            };
            if *json {
                println!("{}", crate::output::json::register_document(&d));
            } else {
                let h = &d.head;
                let m = |v| money_string(v, h.decimals);
                println!(
                    "{} ({}) for {} {}, period {}",
                    h.number,
                    h.kind.name(),
                    h.ob,
                    h.legal_entity,
                    h.period_label
                );
                println!(
                    "issued {} by {} with Billing Workbench {}; workbook {} (SHA-256 {})",
                    h.issue_date.format("%Y-%m-%d"),
                    d.issued_by,
                    d.product_version,
                    d.workbook,
                    d.workbook_sha256
                );
                if let Some(r) = &h.replaces {
                    println!("replaces {r}");
                }
                for l in &d.lines {
                    println!(
                        "  {:<14} {:>16} {:<10} {:>14}",
                        l.concept,
                        l.quantity,
                        l.unit,
                        m(l.amount)
                    );
                }
                println!(
                    "  subtotal {}  tax {}  total {} {}",
                    m(h.subtotal),
                    m(h.tax),
                    m(h.total),
                    h.currency
                );
                for r in &d.reconciliation {
                    println!(
                        "  {}: in scope {}, duplicates {}, excluded {}, suspended {}, rated {}",
                        r.dataset, r.in_scope, r.duplicates, r.excluded, r.suspended, r.rated
                    );
                }
                println!("  configuration SHA-256 {}", d.config_sha256);
                for f in &d.inputs {
                    println!(
                        "  input {} {} ({} bytes, SHA-256 {})",
                        f.dataset, f.path, f.bytes, f.sha256
                    );
                }
            }
        }
        RegisterCommand::Export {
            at,
            out,
            from,
            to,
            force,
        } => {
            let mut register = open_at(at)?;
            let filter = Filter {
                ob: None,
                from: from.map(|m| m.first_day()),
                to: to.map(|m| m.last_day()),
            };
            let heads = register.list(&filter)?;
            let lines = register.lines()?;
            let history = crate::register::history(&heads, &lines, *from, *to);
            let bytes =
                crate::output::xlsx::register_workbook(&heads, &lines, &history, &crate::host::generation_time())
                    .with_context(|| format!("{}: cannot build the workbook", out.display()))?;
            crate::output::xlsx::write_atomically(out, &bytes, *force)?;
            eprintln!("wrote {} ({} documents)", out.display(), heads.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}
