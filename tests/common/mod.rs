//! Named fixture builders shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used)]
#![allow(clippy::disallowed_methods)] // tests, benches and tools read and write files freely

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMillisecondArray,
};
use arrow_schema::{DataType, Field, Schema, TimeUnit};

/// The hand-computed scenario: two OBs (BR in BRL at 5.5, ES in EUR with a contract
/// starting on 11 October), one of every record outcome, and time-zone boundary cases.
pub const TINY_CONFIG: &str = r#"
[billing]
currency = "EUR"
decimals = 2
rounding = "half_up"
invoice_prefix = "T"
issuer = "Test issuer"

[[dataset]]
name = "Events"
id_field = "id"
time_field = "ts"
ob_field = "country"
exclude = { test = [true] }

[[dimension]]
field = "app"
dataset = "Apps"
key = "app_id"
label = "app_name"
required = true

[[ob]]
code = "BR"
name = "Brasil Ltda"
keys = ["BR"]
currency = "BRL"
timezone = "America/Sao_Paulo"
tax_rate = "0.10"

[[ob]]
code = "ES"
name = "Espana S.A."
keys = ["ES"]
timezone = "Europe/Madrid"
tax_rate = "0.21"
contract_start = "2026-10-11"

[[meter]]
code = "units"
dataset = "Events"
aggregation = "sum"
field = "qty"
unit = "u"
breakdown = ["app"]

[[meter]]
code = "events"
dataset = "Events"
aggregation = "count"
unit = "ev"

[[meter]]
code = "kb"
dataset = "Events"
aggregation = "sum"
field = "kb"
unit = "kb"

[[charge]]
concept = "UNITS"
description = "Units"
meter = "units"
model = "graduated"
tiers = [ { up_to = "10", unit_price = "1.00" }, { unit_price = "0.50" } ]

[[charge]]
concept = "EVENTS"
description = "Events"
meter = "events"
model = "per_unit"
unit_price = "0.10"
minimum = "1.00"

[[fee]]
concept = "FEE"
description = "Monthly fee"
amount = "31.00"
prorate = true

[[allocation]]
concept = "ALLOC"
description = "Shared cost"
basis = "events"
amount = "10.00"

[[fx]]
period = "2026-10"
currency = "BRL"
rate = "5.5"
"#;

/// One event of the tiny scenario.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: Option<&'static str>,
    pub ts: &'static str,
    pub country: Option<&'static str>,
    pub app: &'static str,
    pub qty: i64,
    pub kb: f64,
    pub test: bool,
}

pub const fn ev(
    id: Option<&'static str>,
    ts: &'static str,
    country: Option<&'static str>,
    app: &'static str,
    qty: i64,
    kb: f64,
    test: bool,
) -> Event {
    Event {
        id,
        ts,
        country,
        app,
        qty,
        kb,
        test,
    }
}

pub fn tiny_events() -> Vec<Event> {
    vec![
        ev(Some("e1"), "2026-10-01T02:59:59Z", Some("BR"), "A1", 5, 0.1, false), // BR: still September
        ev(Some("e2"), "2026-10-01T03:00:00Z", Some("BR"), "A1", 7, 0.2, false), // BR: first instant of October
        ev(Some("e3"), "2026-10-15T12:00:00Z", Some("BR"), "A2", 6, 0.3, false),
        ev(Some("e2"), "2026-10-16T12:00:00Z", Some("BR"), "A1", 100, 9.9, false), // duplicate
        ev(Some("e4"), "2026-10-20T12:00:00Z", Some("BR"), "A1", 1, 0.0, true),    // excluded
        ev(Some("e5"), "2026-10-21T12:00:00Z", Some("BR"), "A9", 1, 0.0, false),   // unknown app
        ev(Some("e6"), "2026-10-22T12:00:00Z", Some("BR"), "A1", -3, 0.0, false),  // negative quantity
        ev(Some("e7"), "2026-10-23T12:00:00Z", Some("XX"), "A1", 1, 0.0, false),   // unknown OB
        ev(None, "2026-10-24T12:00:00Z", Some("BR"), "A1", 1, 0.0, false),         // no id
        ev(Some("e8"), "2026-10-31T22:30:00Z", Some("ES"), "A1", 4, 0.0, false),   // Madrid 23:30 on 31 Oct
        ev(Some("e9"), "2026-10-31T23:30:00Z", Some("ES"), "A2", 2, 0.0, false),   // Madrid 00:30 on 1 Nov
        ev(Some("e10"), "2026-10-05T10:00:00Z", Some("ES"), "A2", 3, 0.4, false),
    ]
}

fn millis(ts: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(ts).unwrap().timestamp_millis()
}

pub fn write_config(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("billing.toml");
    std::fs::write(&p, text).unwrap();
    p
}

pub fn write_apps_csv(dir: &Path) {
    std::fs::write(
        dir.join("Apps.csv"),
        "app_id,app_name\nA1,App One\nA2,\"App Two, the second\"\n",
    )
    .unwrap();
}

fn events_batch(events: &[Event]) -> RecordBatch {
    let schema = Schema::new(vec![
        Field::new("id", DataType::Utf8, true),
        Field::new(
            "ts",
            DataType::Timestamp(TimeUnit::Millisecond, Some("+00:00".into())),
            false,
        ),
        Field::new("country", DataType::Utf8, true),
        Field::new("app", DataType::Utf8, false),
        Field::new("qty", DataType::Int64, false),
        Field::new("kb", DataType::Float64, false),
        Field::new("test", DataType::Boolean, false),
    ]);
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(events.iter().map(|e| e.id).collect::<Vec<_>>())),
        Arc::new(
            TimestampMillisecondArray::from(events.iter().map(|e| millis(e.ts)).collect::<Vec<_>>())
                .with_timezone("+00:00"),
        ),
        Arc::new(StringArray::from(events.iter().map(|e| e.country).collect::<Vec<_>>())),
        Arc::new(StringArray::from(events.iter().map(|e| e.app).collect::<Vec<_>>())),
        Arc::new(Int64Array::from(events.iter().map(|e| e.qty).collect::<Vec<_>>())),
        Arc::new(Float64Array::from(events.iter().map(|e| e.kb).collect::<Vec<_>>())),
        Arc::new(BooleanArray::from(events.iter().map(|e| e.test).collect::<Vec<_>>())),
    ];
    RecordBatch::try_new(Arc::new(schema), cols).unwrap()
}

/// Writes events as an Avro file with the given codec.
pub fn write_avro(path: &Path, events: &[Event], codec: Option<arrow_avro::compression::CompressionCodec>) {
    let batch = events_batch(events);
    let file = std::fs::File::create(path).unwrap();
    let mut w = arrow_avro::writer::WriterBuilder::new(batch.schema().as_ref().clone())
        .with_compression(codec)
        .build::<_, arrow_avro::writer::format::AvroOcfFormat>(file)
        .unwrap();
    w.write(&batch).unwrap();
    w.finish().unwrap();
}

/// Writes events as an Avro file without the column `dropped` (an older schema).
pub fn write_avro_without(path: &Path, events: &[Event], dropped: &str) {
    let batch = events_batch(events);
    let schema = batch.schema();
    let keep: Vec<usize> = (0..schema.fields().len())
        .filter(|i| schema.field(*i).name() != dropped)
        .collect();
    let batch = batch.project(&keep).unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut w = arrow_avro::writer::WriterBuilder::new(batch.schema().as_ref().clone())
        .build::<_, arrow_avro::writer::format::AvroOcfFormat>(file)
        .unwrap();
    w.write(&batch).unwrap();
    w.finish().unwrap();
}

pub fn write_parquet(path: &Path, events: &[Event]) {
    billing_workbench::import::frame::write_parquet(path, &[events_batch(events)]).unwrap();
}

/// CSV with a BOM, CRLF line ends and quoted fields, as Excel on Windows writes it.
pub fn csv_text(events: &[Event]) -> String {
    let mut s = String::from("\u{feff}id,ts,country,app,qty,kb,test\r\n");
    for e in events {
        s.push_str(&format!(
            "{},\"{}\",{},\"{}\",{},{},{}\r\n",
            e.id.unwrap_or(""),
            e.ts,
            e.country.unwrap_or(""),
            e.app,
            e.qty,
            e.kb,
            e.test
        ));
    }
    s
}

pub fn json_text(events: &[Event]) -> String {
    events
        .iter()
        .map(|e| {
            serde_json::json!({"id": e.id, "ts": e.ts, "country": e.country, "app": e.app, "qty": e.qty, "kb": e.kb, "test": e.test})
                .to_string()
                + "\n"
        })
        .collect()
}

pub fn write_xlsx(path: &Path, events: &[Event]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["id", "ts", "country", "app", "qty", "kb", "test"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (i, e) in events.iter().enumerate() {
        let r = i as u32 + 1;
        if let Some(id) = e.id {
            ws.write_string(r, 0, id).unwrap();
        }
        ws.write_string(r, 1, e.ts).unwrap();
        if let Some(c) = e.country {
            ws.write_string(r, 2, c).unwrap();
        }
        ws.write_string(r, 3, e.app).unwrap();
        ws.write_number(r, 4, e.qty as f64).unwrap();
        ws.write_number(r, 5, e.kb).unwrap();
        ws.write_boolean(r, 6, e.test).unwrap();
    }
    wb.save(path).unwrap();
}

/// A folder with the tiny scenario's events in `format`, the Apps dimension and the config.
pub fn tiny_folder(format: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let events = tiny_events();
    match format {
        "avro" => write_avro(&dir.join("Events.avro"), &events, None),
        "parquet" => write_parquet(&dir.join("Events.parquet"), &events),
        "csv" => std::fs::write(dir.join("Events.csv"), csv_text(&events)).unwrap(),
        "json" => std::fs::write(dir.join("Events.json"), json_text(&events)).unwrap(),
        "xlsx" => write_xlsx(&dir.join("Events.xlsx"), &events),
        other => panic!("unknown format {other}"),
    }
    write_apps_csv(dir);
    let config = write_config(dir, TINY_CONFIG);
    (tmp, config)
}

/// Runs the binary; returns (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    // `option_env!`: the fuzzer's seed writer shares these builders and has no binary.
    let Some(binary) = option_env!("CARGO_BIN_EXE_billing-workbench") else {
        panic!("run from an integration test")
    };
    let out = Command::new(binary).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `invoice --data DIR --config FILE --ob OB`: the start of every invoice command line.
pub fn invoice_args<'a>(dir: &'a Path, config: &'a Path, ob: &'a str) -> Vec<&'a str> {
    vec![
        "invoice",
        "--data",
        dir.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--ob",
        ob,
    ]
}

/// `invoice --ob all --json` on a folder; returns the parsed document.
pub fn invoice_json(dir: &Path, config: &Path, period: &str) -> (i32, serde_json::Value, String) {
    let mut args = invoice_args(dir, config, "all");
    args.extend(["--period", period, "--json"]);
    let (code, out, err) = run(&args);
    let doc = serde_json::from_str(&out).unwrap_or(serde_json::Value::Null);
    (code, doc, err)
}
