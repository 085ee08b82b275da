//! The user's reference checks itself: the worked examples of `docs/processing.md` and
//! `docs/rating.md` (a configuration, the records, and the figures expected) run through the
//! engine and must give exactly those figures, and every command-line option of every
//! command is described in `docs/cli.md`.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures, as tests should
#![allow(clippy::disallowed_methods)] // tests, benches and tools read and write files freely

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use billing_workbench::engine::Selection;
use billing_workbench::model::money::plain_string;
use billing_workbench::model::{Period, YearMonth};

/// One worked example of a docs page: its files and the figures it states.
#[derive(Default, Debug)]
struct Example {
    config: String,
    files: Vec<(String, String)>,
    expect: Vec<String>,
}

/// The fenced blocks of a page tagged `example=NAME` (the configuration, `file=` data
/// files) and `expect=NAME` (the figures), by example name.
fn examples(page: &str) -> BTreeMap<String, Example> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(page)).unwrap();
    let mut out: BTreeMap<String, Example> = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```") else { continue };
        let tags: BTreeMap<&str, &str> = info.split_whitespace().filter_map(|t| t.split_once('=')).collect();
        let body: Vec<&str> = lines.by_ref().take_while(|l| !l.starts_with("```")).collect();
        let body = body.join("\n") + "\n";
        if let Some(name) = tags.get("example") {
            let e = out.entry((*name).to_string()).or_default();
            match tags.get("file") {
                Some(file) => e.files.push(((*file).to_string(), body)),
                None => e.config = body,
            }
        } else if let Some(name) = tags.get("expect") {
            let e = out.entry((*name).to_string()).or_default();
            e.expect
                .extend(body.lines().filter(|l| !l.trim().is_empty()).map(String::from));
        }
    }
    out
}

/// Runs an example and checks each figure it states; returns how many were checked.
fn check(page: &str, name: &str, e: &Example) -> usize {
    assert!(
        !e.config.is_empty() && !e.expect.is_empty(),
        "{page}: example {name} is incomplete"
    );
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("billing.toml");
    std::fs::write(&config, &e.config).unwrap();
    for (file, body) in &e.files {
        std::fs::write(tmp.path().join(file), body).unwrap();
    }
    let month = e.expect[0]
        .strip_prefix("period ")
        .unwrap_or_else(|| panic!("{page}: example {name} starts its figures with `period YYYY-MM`"));
    let period = Period::Month(YearMonth::parse(month).unwrap());
    let loaded = billing_workbench::load(tmp.path(), &config, &|_: &Path| {})
        .unwrap_or_else(|err| panic!("{page}: example {name}: {err}"));
    let report = loaded.engine.run(&period, &Selection::All);
    assert!(report.errors.is_empty(), "{page}: example {name}: {:?}", report.errors);
    let run = report.run.reconciliation();
    for figure in &e.expect[1..] {
        let (what, want) = figure.split_once(" = ").unwrap_or_else(|| panic!("{page}: {figure}"));
        let words: Vec<&str> = what.split_whitespace().collect();
        let got = if words[0] == "run" {
            let r = run.iter().find(|r| r.dataset == words[1]).unwrap();
            match words[2] {
                "rows_read" => r.rows_read,
                "unattributable" => r.unattributable,
                "out_of_period" => r.out_of_period,
                other => panic!("{page}: unknown run figure {other}"),
            }
            .to_string()
        } else {
            let inv = report
                .invoices
                .iter()
                .find(|i| i.ob == words[0])
                .unwrap_or_else(|| panic!("{page}: example {name} has no invoice for {}", words[0]));
            let money = |d| plain_string(d);
            match words.as_slice() {
                [_, "subtotal"] => money(inv.subtotal),
                [_, "tax"] => money(inv.tax),
                [_, "total"] => money(inv.total),
                [_, dataset, count] if inv.reconciliation.iter().any(|r| r.dataset == *dataset) => {
                    let r = inv.reconciliation.iter().find(|r| r.dataset == *dataset).unwrap();
                    match *count {
                        "in_scope" => r.in_scope,
                        "duplicates" => r.duplicates,
                        "excluded" => r.excluded,
                        "suspended" => r.suspended,
                        "rated" => r.rated,
                        other => panic!("{page}: unknown count {other}"),
                    }
                    .to_string()
                }
                [_, concept, field] => {
                    let line = inv
                        .lines
                        .iter()
                        .find(|l| l.concept == *concept)
                        .unwrap_or_else(|| panic!("{page}: example {name}: {} has no line {concept}", inv.ob));
                    match *field {
                        "quantity" => money(line.quantity),
                        "amount" => money(line.amount),
                        "unit_price" => line.unit_price.map(money).unwrap_or_default(),
                        other => panic!("{page}: unknown line figure {other}"),
                    }
                }
                [_, concept, group, field] => {
                    let (f, v) = group.split_once('=').unwrap();
                    let row = inv
                        .breakdown
                        .iter()
                        .find(|b| b.concept == *concept && b.field == f && b.value == v)
                        .unwrap_or_else(|| panic!("{page}: example {name}: no breakdown row {what}"));
                    match *field {
                        "quantity" => money(row.quantity),
                        "amount" => money(row.amount),
                        other => panic!("{page}: unknown breakdown figure {other}"),
                    }
                }
                _ => panic!("{page}: cannot read the figure `{figure}`"),
            }
        };
        // Figures are compared as exact decimals: the page's 13.00 is the engine's 13.
        let exact = |t: &str| t.parse::<rust_decimal::Decimal>().ok();
        match (exact(&got), exact(want)) {
            (Some(g), Some(w)) => assert_eq!(g, w, "{page}, example {name}: {what} is {got}"),
            _ => assert_eq!(got, want, "{page}, example {name}: {what}"),
        }
    }
    e.expect.len() - 1
}

fn check_page(page: &str, at_least: usize) {
    let all = examples(page);
    assert!(all.len() >= at_least, "{page} has {} worked examples", all.len());
    let checked: usize = all.iter().map(|(name, e)| check(page, name, e)).sum();
    assert!(checked >= at_least * 5, "{page}: only {checked} figures checked");
}

#[test]
fn the_worked_example_of_processing_gives_its_figures() {
    check_page("docs/processing.md", 1);
}

#[test]
fn the_worked_examples_of_rating_give_their_figures() {
    check_page("docs/rating.md", 2);
}

/// Every `--option` of `billing-workbench COMMAND --help`, for every command.
fn options_of(command: &[&str]) -> Vec<String> {
    let mut args = command.to_vec();
    args.push("--help");
    let (code, out, err) = common::run(&args);
    assert_eq!(code, 0, "{err}");
    let mut found: Vec<String> = out
        .split_whitespace()
        .filter_map(|w| w.strip_prefix("--"))
        .map(|w| w.trim_end_matches([',', '.', ')', ']']).to_string())
        .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        .filter(|w| w != "help" && w != "version")
        .collect();
    found.sort();
    found.dedup();
    found
}

#[test]
fn every_command_line_option_is_in_docs_cli() {
    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cli.md")).unwrap();
    let (_, top, _) = common::run(&["--help"]);
    let commands: Vec<&str> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.len() >= 9, "{commands:?}");
    let mut missing = Vec::new();
    for c in &commands {
        assert!(
            docs.contains(&format!("## `{c}`")),
            "docs/cli.md has no section for {c}"
        );
        let mut invocations = vec![vec![*c]];
        if *c == "register" {
            invocations = ["list", "show", "export"].map(|s| vec!["register", s]).to_vec();
        }
        for inv in invocations {
            for o in options_of(&inv) {
                if !docs.contains(&format!("`--{o}")) {
                    missing.push(format!("{} --{o}", inv.join(" ")));
                }
            }
        }
    }
    assert!(missing.is_empty(), "docs/cli.md does not describe: {missing:?}");
}

#[test]
fn every_configuration_key_is_in_docs_configuration() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let raw = std::fs::read_to_string(root.join("src/model/config/raw.rs")).unwrap();
    let docs = std::fs::read_to_string(root.join("docs/configuration.md")).unwrap();
    // The keys the parser accepts: every `pub NAME:` of its structs, under its serde name.
    let mut keys = Vec::new();
    let mut rename: Option<String> = None;
    for line in raw.lines().map(str::trim) {
        if let Some(at) = line.find("rename = \"") {
            let rest = &line[at + 10..];
            rename = rest.split('"').next().map(String::from);
        } else if let Some(field) = line
            .strip_prefix("pub(super) ")
            .or_else(|| line.strip_prefix("pub "))
            .and_then(|l| l.split_once(':'))
            .map(|(f, _)| f)
        {
            if !field.contains(' ') && !field.contains('(') {
                keys.push(rename.take().unwrap_or_else(|| field.to_string()));
            }
        } else if !line.starts_with("#[") && !line.starts_with("///") {
            rename = None;
        }
    }
    assert!(keys.len() > 40, "{keys:?}");
    let missing: Vec<&String> = keys
        .iter()
        .filter(|k| {
            !docs.contains(&format!("`{k}`"))
                && !docs.contains(&format!("{k} ="))
                && !docs.contains(&format!("[[{k}]]"))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "docs/configuration.md does not describe: {missing:?}"
    );
}
