//! Invariants that must hold for any data: reconciliation adds up, allocations and
//! breakdowns add up exactly, and rating does not depend on record order or file split.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures, as tests should

use std::path::Path;

use billing_workbench::engine::split::largest_remainder;
use billing_workbench::engine::{Engine, Piece, Selection, usages_direct};
use billing_workbench::import::sink::{Cell, SourceType, TableBuilder};
use billing_workbench::model::config::Config;
use billing_workbench::model::inputs::{DatasetData, DimensionTable, Inputs};
use billing_workbench::model::table::{RowGate, Table};
use billing_workbench::model::{Period, YearMonth};
use billing_workbench::report::RunReport;
use proptest::prelude::*;
use rust_decimal::Decimal;

const CONFIG: &str = r#"
[billing]
currency = "EUR"
rounding = "half_even"

[[dataset]]
name = "E"
id_field = "id"
time_field = "ts"
ob_field = "ob"
exclude = { flag = [true] }

[[dimension]]
field = "app"
dataset = "Apps"
key = "k"
label = "l"

[[ob]]
code = "A"
name = "A"
keys = ["A"]
timezone = "Europe/Madrid"
tax_rate = "0.21"

[[ob]]
code = "B"
name = "B"
keys = ["B"]
currency = "USD"
timezone = "America/New_York"

[[ob]]
code = "C"
name = "C"
keys = ["C"]
timezone = "Asia/Tokyo"
contract_start = "2026-10-09"

[[meter]]
code = "q"
dataset = "E"
aggregation = "sum"
field = "qty"
divide_by = "7"
breakdown = ["app", "chan"]

[[meter]]
code = "n"
dataset = "E"
aggregation = "count"
where = { chan = ["x", "y"] }
breakdown = ["chan"]

[[meter]]
code = "d"
dataset = "E"
aggregation = "count_distinct"
field = "user"

[[meter]]
code = "m"
dataset = "E"
aggregation = "max"
field = "qty"

[[meter]]
code = "l"
dataset = "E"
aggregation = "latest"
field = "qty"

[[charge]]
concept = "Q"
meter = "q"
model = "graduated"
tiers = [ { up_to = "3", unit_price = "1.333" }, { up_to = "9", unit_price = "0.777", flat = "1.11" }, { unit_price = "0.1" } ]
included = "0.5"

[[charge]]
concept = "N"
meter = "n"
model = "volume"
tiers = [ { up_to = "2", unit_price = "0.05" }, { unit_price = "0.03", flat = "0.01" } ]
minimum = "0.07"

[[charge]]
concept = "D"
meter = "d"
model = "package"
package_size = "3"
package_price = "0.99"

[[fee]]
concept = "F"
amount = "99.99"
prorate = true

[[allocation]]
concept = "AL"
basis = "q"
amount = "1000.01"

[[fx]]
period = "2026-10"
currency = "USD"
rate = "1.0789"
"#;

#[derive(Debug, Clone)]
struct Rec {
    id: u32,
    minute: i64,
    ob: u8,
    app: u8,
    chan: u8,
    user: u8,
    qty: i64,
    flag: bool,
}

fn rec() -> impl Strategy<Value = Rec> {
    (
        0u32..400,
        -2_000i64..46_000,
        0u8..4,
        0u8..4,
        0u8..3,
        0u8..6,
        -2i64..50,
        proptest::bool::weighted(0.05),
    )
        .prop_map(|(id, minute, ob, app, chan, user, qty, flag)| Rec {
            id,
            minute,
            ob,
            app,
            chan,
            user,
            qty,
            flag,
        })
}

fn table(records: &[Rec]) -> Table {
    gated_table(records, None)
}

/// The records read as a record-by-record reader reads them, with the plan's `gate`: a
/// value the gate lets it skip is not pushed at all, as in the Avro walk.
fn gated_table(records: &[Rec], gate: Option<RowGate>) -> Table {
    // `app` comes before the gate's time field: a record left unread pushes its value
    // before the gate can judge it, and must take it back.
    let cols: Vec<(String, SourceType)> = ["id", "app", "ts", "ob", "chan", "user", "qty", "flag"]
        .iter()
        .map(|n| (n.to_string(), SourceType::Text))
        .collect();
    let config = Config::parse(CONFIG, Path::new("p.toml")).unwrap();
    let mut plan = config.field_plan(&config.datasets[0]);
    plan.gate = gate;
    let mut b = TableBuilder::new(Path::new("mem"), &plan, &cols).unwrap();
    // 2026-10-01T00:00Z as the origin; minutes reach either side of October.
    let origin = 1_790_812_800_000_000i64;
    for r in records {
        let id = format!("r{}", r.id);
        let ob = ["A", "B", "C", "Z"][r.ob as usize];
        let app = ["a1", "a2", "a3", "zz"][r.app as usize];
        let chan = ["x", "y", "w"][r.chan as usize];
        let user = format!("u{}", r.user);
        let cells = [
            Cell::Text(&id),
            Cell::Text(app),
            Cell::Instant(origin + r.minute * 60_000_000),
            Cell::Text(ob),
            Cell::Text(chan),
            Cell::Text(&user),
            Cell::Int(r.qty),
            Cell::Bool(r.flag),
        ];
        b.begin_record();
        for (source, cell) in cells.into_iter().enumerate() {
            if !b.leaves(source) {
                b.push(source, cell);
            }
        }
        b.end_record();
    }
    b.finish()
}

/// The configuration and inputs of `parts` joined into one table.
fn inputs(parts: &[&[Rec]]) -> (Config, Inputs) {
    let config = Config::parse(CONFIG, Path::new("p.toml")).unwrap();
    let mut t = Table::default();
    for p in parts {
        let part = table(p);
        if t.columns.is_empty() {
            t = part;
        } else {
            t.append(part);
        }
    }
    let mut inputs = Inputs::default();
    inputs.usage.push(DatasetData {
        name: "E".into(),
        version: None,
        files: vec![],
        table: t,
    });
    let labels = [("a1", "App 1"), ("a2", "App 2"), ("a3", "App 3")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    inputs.dimensions.insert(
        "app".into(),
        DimensionTable {
            dataset: "Apps".into(),
            labels,
            files: vec![],
        },
    );
    (config, inputs)
}

fn engine(parts: &[&[Rec]]) -> Engine {
    let (config, inputs) = inputs(parts);
    Engine::new(config, inputs)
}

/// The records streamed as pieces of the given sizes (a piece per block run or file) on
/// `workers` threads, with an item without records (a file's hash) before the pieces
/// `hollow` says; with `only`, as a load that rates that period and no other reads them.
fn streamed(records: &[Rec], sizes: &[usize], hollow: &[bool], workers: usize, only: Option<Period>) -> Engine {
    let (config, inputs) = inputs(&[]);
    let gate = only.map(|p| RowGate::around(&p, "id", "ts", "ob"));
    let mut pieces = Vec::new();
    let mut at = 0usize;
    for (i, size) in sizes.iter().chain(std::iter::once(&usize::MAX)).enumerate() {
        if hollow.get(i).is_some_and(|h| *h) {
            pieces.push(None);
        }
        let end = at.saturating_add(*size).min(records.len());
        pieces.push(Some(Piece {
            dataset: 0,
            table: gated_table(&records[at..end], gate.clone()),
            files: Vec::new(),
        }));
        at = end;
        if at == records.len() {
            break;
        }
    }
    Engine::from_pieces_within(config, inputs, pieces, workers, only)
}

fn rate(parts: &[&[Rec]]) -> RunReport {
    engine(parts).run(&Period::Month(YearMonth::parse("2026-10").unwrap()), &Selection::All)
}

/// Makes ids unique except for exact copies, so that which copy comes first cannot matter.
fn normalise(mut records: Vec<Rec>, copies: &[usize]) -> Vec<Rec> {
    for (i, r) in records.iter_mut().enumerate() {
        r.id = i as u32;
    }
    let extra: Vec<Rec> = copies
        .iter()
        .filter_map(|c| records.get(c % records.len().max(1)).cloned())
        .collect();
    records.extend(extra);
    records
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn reconciliation_adds_up(records in proptest::collection::vec(rec(), 0..200)) {
        let report = rate(&[&records]);
        prop_assert!(report.run.balances(), "{:?}", report.run);
        prop_assert_eq!(report.run.rows_read["E"], records.len() as u64);
        for inv in &report.invoices {
            for r in &inv.reconciliation {
                prop_assert!(r.balances(), "{:?}", r);
            }
        }
    }

    #[test]
    fn breakdowns_and_totals_add_up(records in proptest::collection::vec(rec(), 1..200)) {
        let report = rate(&[&records]);
        for inv in &report.invoices {
            let sum: Decimal = inv.lines.iter().map(|l| l.amount).sum();
            prop_assert_eq!(sum, inv.subtotal);
            prop_assert_eq!(inv.total, inv.subtotal + inv.tax);
            for line in &inv.lines {
                prop_assert_eq!(line.amount.scale() <= 2 || line.amount == line.amount.round_dp(2), true);
                let mut fields: Vec<&str> = inv.breakdown.iter().filter(|b| b.concept == line.concept).map(|b| b.field.as_str()).collect();
                fields.dedup();
                for f in fields {
                    let s: Decimal = inv.breakdown.iter().filter(|b| b.concept == line.concept && b.field == f).map(|b| b.amount).sum();
                    prop_assert_eq!(s, line.amount, "{} {}", line.concept, f);
                }
            }
        }
        for a in &report.run.allocations {
            let s: Decimal = a.shares.iter().map(|x| x.amount).sum();
            prop_assert_eq!(s, a.pool);
        }
    }

    #[test]
    fn independent_of_record_order_and_file_split(
        records in proptest::collection::vec(rec(), 1..150),
        copies in proptest::collection::vec(0usize..1000, 0..10),
        seed in any::<u64>(),
        cut in 0usize..1000,
    ) {
        let records = normalise(records, &copies);
        let reference = rate(&[&records]);
        let mut shuffled = records.clone();
        // A deterministic shuffle from the seed.
        let mut s = seed | 1;
        for i in (1..shuffled.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            shuffled.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let at = cut % (shuffled.len() + 1);
        let split = rate(&[&shuffled[..at], &shuffled[at..]]);
        let strip = |r: &RunReport| {
            let mut invoices = r.invoices.clone();
            for inv in &mut invoices {
                inv.suspense.sort_by(|a, b| a.record_id.cmp(&b.record_id));
            }
            invoices
        };
        prop_assert_eq!(strip(&reference), strip(&split));
        prop_assert_eq!(&reference.run.rows_read, &split.run.rows_read);
        prop_assert_eq!(&reference.run.unattributable, &split.run.unattributable);
    }

    #[test]
    fn daily_roll_up_equals_a_pass_over_the_records(
        records in proptest::collection::vec(rec(), 0..200),
        copies in proptest::collection::vec(0usize..1000, 0..10),
        from in -3i64..40,
        len in 0i64..40,
    ) {
        // Any whole-day range, including ones that start before or end after the data and
        // the October DST change in Madrid and New York.
        let records = normalise(records, &copies);
        let engine = engine(&[&records]);
        let (config, whole) = inputs(&[&records]);
        let origin = chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        let from = origin + chrono::Duration::days(from);
        let ranges = [
            Period::range(from, from + chrono::Duration::days(len)).unwrap(),
            Period::Month(YearMonth::parse("2026-10").unwrap()),
            Period::Month(YearMonth::parse("2026-09").unwrap()),
        ];
        for period in &ranges {
            prop_assert_eq!(engine.usages(period), usages_direct(&config, &whole, period), "{}", period.label());
        }
    }

    #[test]
    fn independent_of_piece_split_and_thread_count(
        records in proptest::collection::vec(rec(), 0..200),
        copies in proptest::collection::vec(0usize..1000, 0..20),
        sizes in proptest::collection::vec(1usize..60, 0..8),
        hollow in proptest::collection::vec(proptest::bool::ANY, 0..9),
        workers in 1usize..5,
    ) {
        // The same records in the same order, streamed in other pieces on other threads:
        // the first of two equal ids must be the same record, suspense in the same order.
        let records = normalise(records, &copies);
        let one = engine(&[&records]);
        let split = streamed(&records, &sizes, &hollow, workers, None);
        for month in ["2026-09", "2026-10", "2026-11"] {
            let period = Period::Month(YearMonth::parse(month).unwrap());
            prop_assert_eq!(one.usages(&period), split.usages(&period), "{}", month);
            let (a, b) = (one.run(&period, &Selection::All), split.run(&period, &Selection::All));
            prop_assert_eq!(&a.invoices, &b.invoices);
            prop_assert_eq!(&a.run, &b.run);
        }
    }

    #[test]
    fn a_load_narrowed_to_one_period_rates_it_as_a_whole_load(
        records in proptest::collection::vec(rec(), 0..200),
        copies in proptest::collection::vec(0usize..1000, 0..20),
        sizes in proptest::collection::vec(1usize..60, 0..8),
        workers in 1usize..4,
        which in 0usize..4,
    ) {
        // `invoice` rates one period: its load rolls up only that period's meters, and reads
        // records well outside it for their id, time and OB only. What it rates must be
        // what a whole load rates, to the record counts, the suspense, the per-file
        // statistics and their causes, and the duplicates (rule 3 still sees every id).
        let records = normalise(records, &copies);
        let date = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 10, d).unwrap();
        let period = [
            Period::Month(YearMonth::parse("2026-09").unwrap()),
            Period::Month(YearMonth::parse("2026-10").unwrap()),
            Period::range(date(10), date(12)).unwrap(),
            Period::range(date(20), date(20)).unwrap(),
        ][which];
        let whole = engine(&[&records]);
        let narrowed = streamed(&records, &sizes, &[], workers, Some(period));
        prop_assert!(narrowed.covers(&period));
        // Suspended records as indexes into the load's list of them: a narrowed load lists
        // none outside the period, so the indexes differ; the invoices below compare the
        // records they stand for.
        let usages = |e: &Engine| {
            let mut u = e.usages(&period);
            u.iter_mut().for_each(|x| x.suspended.clear());
            u
        };
        prop_assert_eq!(usages(&whole), usages(&narrowed));
        let (a, b) = (whole.run(&period, &Selection::All), narrowed.run(&period, &Selection::All));
        prop_assert_eq!(&a.invoices, &b.invoices);
        prop_assert_eq!(&a.run, &b.run);
    }

    #[test]
    fn largest_remainder_adds_up_exactly(
        cents in 0i64..10_000_000,
        weights in proptest::collection::vec((0u64..1_000_000, 0u32..7), 1..12),
    ) {
        let total = Decimal::new(cents, 2);
        let w: Vec<(String, Decimal)> = weights.iter().enumerate().map(|(i, (m, s))| (format!("k{i:02}"), Decimal::new(*m as i64, *s))).collect();
        match largest_remainder(total, &w, 2) {
            None => prop_assert!(w.iter().all(|x| x.1.is_zero())),
            Some(parts) => {
                prop_assert_eq!(parts.iter().copied().sum::<Decimal>(), total);
                let sum: Decimal = w.iter().map(|x| x.1).sum();
                for (p, (_, wi)) in parts.iter().zip(&w) {
                    // Each part is within one cent of its exact share.
                    let exact = total * wi / sum;
                    prop_assert!((*p - exact).abs() < Decimal::new(1, 2));
                }
            }
        }
    }
}

#[test]
fn daily_roll_up_equals_a_pass_over_the_sample_export() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let loaded = billing_workbench::load(&dir, &dir.join("billing.toml"), &|_: &Path| {}).unwrap();
    let engine = &loaded.engine;
    let catalog = billing_workbench::import::Catalog::discover(&dir).unwrap();
    let whole = billing_workbench::import::load(engine.config(), &catalog, &|_: &Path| {}).unwrap();
    let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let periods = [
        Period::Month(YearMonth::parse("2026-08").unwrap()),
        Period::Month(YearMonth::parse("2026-09").unwrap()),
        Period::Month(YearMonth::parse("2026-10").unwrap()),
        Period::Month(YearMonth::parse("2026-11").unwrap()),
        Period::range(date("2026-09-20"), date("2026-10-10")).unwrap(),
        Period::range(date("2026-10-25"), date("2026-10-25")).unwrap(),
    ];
    for period in &periods {
        let rolled = engine.usages(period);
        assert_eq!(
            rolled,
            usages_direct(engine.config(), &whole, period),
            "{}",
            period.label()
        );
        if matches!(period, Period::Month(m) if m.to_string() == "2026-10") {
            // The comparison is not vacuous: October has rated usage and suspense.
            assert!(rolled.iter().any(|u| u.meters.iter().any(|m| !m.quantity.is_zero())));
            assert!(rolled.iter().any(|u| !u.suspended.is_empty()));
        }
    }
}

#[test]
fn records_that_fail_the_same_way_share_their_texts() {
    let records: Vec<Rec> = (0..6)
        .map(|i| Rec {
            id: i,
            minute: 100 + i as i64,
            ob: 0,
            app: if i == 5 { 0 } else { 3 },
            chan: 0,
            user: 0,
            qty: 1,
            flag: false,
        })
        .collect();
    let report = rate(&[&records]);
    let suspense = &report.invoices.iter().find(|i| i.ob == "A").unwrap().suspense;
    assert_eq!(suspense.len(), 5);
    let first = &suspense[0];
    assert_eq!(
        first.cells(),
        ["UNKNOWN_DIMENSION", "E", "r0", "app", "zz", "app \"zz\" is not in Apps"]
    );
    for (i, e) in suspense.iter().enumerate() {
        assert_eq!(e.record_id, format!("r{i}"));
        // One allocation per failure, not per record: a broken dimension can suspend millions.
        assert!(std::sync::Arc::ptr_eq(&e.message, &first.message));
        assert!(std::sync::Arc::ptr_eq(&e.value, &first.value));
        assert!(std::sync::Arc::ptr_eq(&e.field, &first.field));
        assert!(std::sync::Arc::ptr_eq(&e.dataset, &first.dataset));
    }
}

#[test]
fn a_load_narrowed_to_a_period_reports_it_as_a_whole_load_does() {
    // The bundled export through the real Avro reader: `invoice` and `issue` load one
    // period only (the meters of its days; records far outside it read for their id, time
    // and OB). Their report, per-file statistics and causes included, is the whole load's.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let config = dir.join("billing.toml");
    let whole = billing_workbench::load(&dir, &config, &|_: &Path| {}).unwrap();
    let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let periods = [
        Period::Month(YearMonth::parse("2026-09").unwrap()),
        Period::Month(YearMonth::parse("2026-10").unwrap()),
        Period::range(date("2026-10-10"), date("2026-10-12")).unwrap(),
    ];
    for period in periods {
        let options = billing_workbench::LoadOptions {
            hash_files: true,
            only: Some(period),
        };
        let narrowed = billing_workbench::load_with(&dir, &config, &|_: &Path| {}, options).unwrap();
        assert!(narrowed.engine.covers(&period));
        let other = Period::Month(YearMonth::parse("2026-08").unwrap());
        assert!(
            !narrowed.engine.covers(&other),
            "a narrowed load rates its own period only"
        );
        let (a, b) = (
            whole.engine.run(&period, &Selection::All),
            narrowed.engine.run(&period, &Selection::All),
        );
        assert_eq!(a.invoices, b.invoices, "{}", period.label());
        assert_eq!(a.run, b.run, "{}", period.label());
        assert_eq!(
            billing_workbench::output::json::document(&a),
            billing_workbench::output::json::document(&b)
        );
        // Not vacuous: records lie outside the period, some suspended, and October bills.
        assert!(a.run.files.iter().any(|f| f.out_of_period > 0));
        assert!(a.run.files.iter().any(|f| !f.causes.is_empty()));
        if matches!(period, Period::Month(m) if m.to_string() == "2026-10") {
            assert!(a.invoices.iter().any(|i| !i.total.is_zero()));
        }
    }
}
