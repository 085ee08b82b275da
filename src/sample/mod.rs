//! The sample generator: a deterministic, realistic Aura export (docs/datasets.md, "The Aura export") with a
//! `billing.toml` that uses every feature of docs/configuration.md. The same options give the same files.
//!
//! Events are generated and written in bounded batches, so fifty million events need no
//! more memory than fifty thousand. It writes files only; it never reads them.

// The generator writes the sample exports.
#![allow(clippy::disallowed_methods)]

mod config_text;
mod world;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMillisecondArray,
};
use arrow_avro::compression::CompressionCodec;
use arrow_avro::writer::{AvroWriter, WriterBuilder};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use chrono::{Datelike, Duration, NaiveDate, TimeZone, Timelike};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::model::YearMonth;
use world::World;

/// What to generate.
#[derive(Debug, Clone)]
pub struct SampleOptions {
    pub events: u64,
    pub months: u32,
    pub start: YearMonth,
    pub seed: u64,
    /// Usage datasets as Parquet instead of Avro.
    pub parquet: bool,
    /// Shape the export like a real one at scale: ids of 36 characters that are all
    /// distinct, millions of distinct users and sessions, part files of about a million
    /// events alternating the null and deflate codecs, and a gateway message per four events.
    pub high_cardinality: bool,
}

const BATCH: usize = 50_000;
const EVENTS_PER_PART: u64 = 1_000_000;

/// One generated column, in the types the Aura schema declares.
enum Col {
    Text(Vec<Option<String>>),
    Long(Vec<Option<i64>>),
    Double(Vec<Option<f64>>),
    Bool(Vec<bool>),
    TimeMs(Vec<i64>),
    Date(Vec<i32>),
}

struct Batch {
    fields: Vec<(&'static str, bool)>,
    cols: Vec<Col>,
}

impl Batch {
    fn schema(&self) -> Schema {
        let fields: Vec<Field> = self
            .fields
            .iter()
            .zip(&self.cols)
            .map(|((name, nullable), col)| {
                let dt = match col {
                    Col::Text(_) => DataType::Utf8,
                    Col::Long(_) => DataType::Int64,
                    Col::Double(_) => DataType::Float64,
                    Col::Bool(_) => DataType::Boolean,
                    Col::TimeMs(_) => DataType::Timestamp(TimeUnit::Millisecond, Some("+00:00".into())),
                    Col::Date(_) => DataType::Date32,
                };
                Field::new(*name, dt, *nullable)
            })
            .collect();
        Schema::new(fields)
    }

    fn record_batch(&self) -> anyhow::Result<RecordBatch> {
        let arrays: Vec<ArrayRef> = self
            .cols
            .iter()
            .map(|c| -> ArrayRef {
                match c {
                    Col::Text(v) => Arc::new(StringArray::from(v.clone())),
                    Col::Long(v) => Arc::new(Int64Array::from(v.clone())),
                    Col::Double(v) => Arc::new(Float64Array::from(v.clone())),
                    Col::Bool(v) => Arc::new(BooleanArray::from(v.clone())),
                    Col::TimeMs(v) => Arc::new(TimestampMillisecondArray::from(v.clone()).with_timezone("+00:00")),
                    Col::Date(v) => Arc::new(Date32Array::from(v.clone())),
                }
            })
            .collect();
        Ok(RecordBatch::try_new(Arc::new(self.schema()), arrays)?)
    }
}

/// A file being written in batches, in Avro (with a codec) or Parquet.
enum Sink {
    Avro(AvroWriter<std::io::BufWriter<fs::File>>, PathBuf),
    Parquet(Box<parquet::arrow::ArrowWriter<fs::File>>),
}

impl Sink {
    fn create(path: &Path, first: &Batch, codec: Option<CompressionCodec>, parquet: bool) -> anyhow::Result<Sink> {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let file = fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        if parquet {
            let props = parquet::file::properties::WriterProperties::builder()
                .set_compression(parquet::basic::Compression::SNAPPY)
                .build();
            let writer = parquet::arrow::ArrowWriter::try_new(file, Arc::new(first.schema()), Some(props))?;
            Ok(Sink::Parquet(Box::new(writer)))
        } else {
            let w = WriterBuilder::new(first.schema())
                .with_compression(codec)
                .build(std::io::BufWriter::new(file))?;
            Ok(Sink::Avro(w, path.to_path_buf()))
        }
    }

    fn write(&mut self, batch: &Batch) -> anyhow::Result<()> {
        match self {
            Sink::Avro(w, _) => w.write(&batch.record_batch()?)?,
            Sink::Parquet(w) => w.write(&batch.record_batch()?)?,
        }
        Ok(())
    }

    fn finish(self) -> anyhow::Result<()> {
        match self {
            Sink::Avro(mut w, path) => {
                w.finish()?;
                drop(w);
                pin_sync_marker(&path)?;
            }
            Sink::Parquet(w) => {
                w.close()?;
            }
        }
        Ok(())
    }
}

/// Replaces the random sync marker arrow-avro chose with one derived from the file name,
/// so that the same options give byte-identical files.
fn pin_sync_marker(path: &Path) -> anyhow::Result<()> {
    let mut bytes = fs::read(path)?;
    let header = arrow_avro::reader::read_header_info(std::io::Cursor::new(&bytes[..]))?;
    let random = header.sync();
    let mut pinned = [0u8; 16];
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for (i, b) in format!("bw-sync:{name}").bytes().enumerate() {
        pinned[i % 16] = pinned[i % 16].wrapping_mul(31).wrapping_add(b);
    }
    // The marker stands after the header and after every block: replace each occurrence.
    let mut i = 0;
    while i + 16 <= bytes.len() {
        if bytes[i..i + 16] == random {
            bytes[i..i + 16].copy_from_slice(&pinned);
            i += 16;
        } else {
            i += 1;
        }
    }
    fs::write(path, bytes)?;
    Ok(())
}

/// Writes whole small datasets (dimensions, Platform_Cost) in one batch.
fn write_small(path: &Path, batch: &Batch, codec: Option<CompressionCodec>, parquet: bool) -> anyhow::Result<()> {
    let path = &if parquet {
        path.with_extension("parquet")
    } else {
        path.to_path_buf()
    };
    let mut sink = Sink::create(path, batch, codec, parquet)?;
    sink.write(batch)?;
    sink.finish()
}

/// Generates the export into `out`; returns the number of files written.
pub fn generate(out: &Path, opts: &SampleOptions) -> anyhow::Result<usize> {
    anyhow::ensure!(opts.months >= 1, "--months must be at least 1");
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let world = World::new(opts.seed);
    let mut files = 0;

    for (name, batch) in world.dimension_tables() {
        write_small(&out.join(format!("{name}.avro")), &batch, None, opts.parquet)?;
        files += 1;
    }
    write_small(
        &out.join("Platform_Cost.avro"),
        &world.platform_cost(opts),
        Some(CompressionCodec::Deflate),
        opts.parquet,
    )?;
    files += 1;

    let ext = if opts.parquet { "parquet" } else { "avro" };
    let audit_dir = out.join("Aura_Audit");
    // An older export version that must be ignored: the highest version is read.
    let stale = SampleOptions {
        events: (opts.events / 100).max(10),
        ..opts.clone()
    };
    files += write_events(&world, &stale, &audit_dir.join("v1"), ext, opts.seed ^ 0xdead)?;
    files += write_events(&world, opts, &audit_dir.join("v2"), ext, opts.seed)?;
    for marker in ["v2/_SUCCESS", "v2/_committed_4711", "v1/_SUCCESS"] {
        fs::write(audit_dir.join(marker), b"")?;
    }
    fs::write(audit_dir.join("v2/.part-00000.crc"), b"crc")?;

    let gw_path = out.join(format!("Aura_Gateway_Message.{ext}"));
    let mut sink: Option<Sink> = None;
    world.gateway_messages(opts, &mut |batch| {
        if sink.is_none() {
            sink = Some(Sink::create(
                &gw_path,
                &batch,
                Some(CompressionCodec::Snappy),
                opts.parquet,
            )?);
        }
        match sink.as_mut() {
            Some(s) => s.write(&batch),
            None => Ok(()),
        }
    })?;
    if let Some(s) = sink {
        s.finish()?;
    }
    files += 1;

    let config = config_text::billing_toml(opts);
    fs::write(out.join("billing.toml"), config)
        .with_context(|| format!("cannot write {}", out.join("billing.toml").display()))?;
    Ok(files + 1)
}

fn write_events(world: &World, opts: &SampleOptions, dir: &Path, ext: &str, seed: u64) -> anyhow::Result<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let parts = opts.events.div_ceil(EVENTS_PER_PART).max(2);
    let per_part = opts.events.div_ceil(parts);
    let codecs: &[Option<CompressionCodec>] = if opts.high_cardinality {
        &[None, Some(CompressionCodec::Deflate)]
    } else {
        &[
            Some(CompressionCodec::Deflate),
            Some(CompressionCodec::ZStandard),
            Some(CompressionCodec::Snappy),
        ]
    };
    let mut written = 0u64;
    let mut files = 0;
    let mut serial = 0u64;
    for part in 0..parts {
        let n = per_part.min(opts.events - written);
        if n == 0 {
            break;
        }
        let path: PathBuf = dir.join(format!("part-{part:05}.{ext}"));
        let mut sink: Option<Sink> = None;
        let mut left = n;
        while left > 0 {
            let size = left.min(BATCH as u64) as usize;
            let batch = world.audit_batch(&mut rng, opts, size, &mut serial);
            if sink.is_none() {
                sink = Some(Sink::create(
                    &path,
                    &batch,
                    codecs[part as usize % codecs.len()],
                    opts.parquet,
                )?);
            }
            if let Some(s) = sink.as_mut() {
                s.write(&batch)?;
            }
            left -= size as u64;
        }
        if let Some(s) = sink {
            s.finish()?;
        }
        written += n;
        files += 1;
    }
    Ok(files)
}

/// SplitMix64's finaliser: a well-mixed 64-bit value from a counter.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The id of the `serial`-th event. At scale ids are `evt-` and 32 hex digits that look
/// random (no two share a prefix, as with UUIDs); the default sample's are readable.
fn event_id(opts: &SampleOptions, seed: u64, serial: u64) -> String {
    if opts.high_cardinality {
        let (a, b) = (mix(seed ^ serial), mix(!seed ^ serial.rotate_left(17)));
        format!("evt-{a:016x}{b:016x}")
    } else {
        format!(
            "evt-{:016x}-{serial:08}",
            seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 16
        )
    }
}

/// A user (`u-` and 12 hex digits) and one of its four sessions (`u-…-sN`), drawn uniformly
/// from a population of 0.15 users per event of the export: about 1.3 M distinct users
/// and 2.5 M distinct sessions in a month of 3.3 M events.
fn drawn_user(rng: &mut ChaCha8Rng, opts: &SampleOptions, seed: u64, ob: &str, weight: f64) -> (String, String) {
    let population = ((opts.events as f64 * 0.15 * weight) as u64).max(1);
    let ob_bits = u64::from(ob.as_bytes().first().copied().unwrap_or(0)) << 56;
    let user = format!("u-{:012x}", mix(seed ^ ob_bits ^ rng.random_range(0..population)) >> 16);
    let session = format!("{user}-s{}", rng.random_range(0..4));
    (user, session)
}

/// Picks an index with probability proportional to `weights`.
fn pick(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// Zipf-like popularity: the k-th item is 1/(k+1) as popular as the first.
fn zipf(n: usize) -> Vec<f64> {
    (0..n).map(|k| 1.0 / (k as f64 + 1.0)).collect()
}

/// Relative traffic by local hour of day.
const HOURLY: [f64; 24] = [
    0.15, 0.08, 0.05, 0.05, 0.06, 0.12, 0.3, 0.6, 0.9, 1.1, 1.2, 1.25, 1.2, 1.15, 1.2, 1.25, 1.2, 1.1, 1.0, 0.95, 0.85,
    0.65, 0.45, 0.3,
];

/// An instant in the generated range, drawn with daily and weekly rhythm in the OB's zone.
fn event_time(rng: &mut ChaCha8Rng, tz: chrono_tz::Tz, opts: &SampleOptions) -> i64 {
    let start = opts
        .start
        .first_day()
        .and_hms_opt(0, 0, 0)
        .map_or(0, |d| d.and_utc().timestamp_millis());
    let mut end_month = opts.start;
    for _ in 0..opts.months {
        end_month = end_month.next();
    }
    let end = end_month
        .first_day()
        .and_hms_opt(0, 0, 0)
        .map_or(0, |d| d.and_utc().timestamp_millis());
    // A few events sit right at a local month boundary, to exercise period cutting.
    if rng.random::<f64>() < 0.004 {
        let mut m = opts.start;
        for _ in 0..rng.random_range(0..=opts.months) {
            m = m.next();
        }
        let local_midnight = crate::model::period::local_midnight_us(m.first_day(), tz) / 1000;
        let t = local_midnight + rng.random_range(-3_600_000..3_600_000);
        return t.clamp(start, end - 1);
    }
    loop {
        let t = rng.random_range(start..end);
        let local = tz.timestamp_millis_opt(t).single().map(|d| d.naive_local());
        let Some(local) = local else { continue };
        let weekday = match local.weekday().num_days_from_monday() {
            5 => 0.7,
            6 => 0.55,
            _ => 1.0,
        };
        if rng.random::<f64>() * 1.25 < HOURLY[local.hour() as usize] * weekday {
            return t;
        }
    }
}

fn days_since_epoch(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days() as i32
}

fn month_days(opts: &SampleOptions) -> Vec<NaiveDate> {
    let first = opts.start.first_day();
    let mut end = opts.start;
    for _ in 0..opts.months {
        end = end.next();
    }
    let days = (end.first_day() - first).num_days();
    (0..days).map(|i| first + Duration::days(i)).collect()
}
