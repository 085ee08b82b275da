//! Decodes every Avro file given (or found under a folder given) with each decoder the
//! project could use, one thread, all fields, and prints records per second by codec.
//! Each decoder must count the same records in a file, or the run fails.
//!
//!   cargo run --release --manifest-path benches/avro-decoders/Cargo.toml -- bench-data/avro-10000000/Aura_Audit/v2

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Cursor};
use std::path::{Path, PathBuf};
use std::time::Instant;

use polars::prelude::SerReader;

type Decoder = fn(&[u8]) -> Result<usize, String>;

const DECODERS: [(&str, Decoder); 3] = [
    ("arrow-avro 60.1", arrow_avro_records),
    ("polars 0.55 AvroReader", polars_records),
    ("apache-avro 0.22", apache_avro_records),
];

fn arrow_avro_records(bytes: &[u8]) -> Result<usize, String> {
    let reader = arrow_avro::reader::ReaderBuilder::new()
        .with_batch_size(8192)
        .build(Cursor::new(bytes))
        .map_err(|e| e.to_string())?;
    let mut rows = 0;
    for batch in reader {
        rows += batch.map_err(|e| e.to_string())?.num_rows();
    }
    Ok(rows)
}

fn polars_records(bytes: &[u8]) -> Result<usize, String> {
    let frame = polars::io::avro::AvroReader::new(Cursor::new(bytes))
        .finish()
        .map_err(|e| e.to_string())?;
    Ok(frame.height())
}

fn apache_avro_records(bytes: &[u8]) -> Result<usize, String> {
    let reader = apache_avro::Reader::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut rows = 0;
    for value in reader {
        value.map_err(|e| e.to_string())?;
        rows += 1;
    }
    Ok(rows)
}

/// The codec named in the file's header ("null" when absent).
fn codec(path: &Path) -> Result<String, String> {
    let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let header =
        arrow_avro::reader::read_header_info(BufReader::new(file)).map_err(|e| format!("{}: {e}", path.display()))?;
    let codec = header.compression().map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(codec.map_or("null".to_string(), |c| format!("{c:?}").to_lowercase()))
}

fn avro_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        entries.sort();
        for entry in entries {
            avro_files(&entry, out);
        }
    } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("avro")) {
        out.push(path.to_path_buf());
    }
}

#[derive(Default)]
struct Tally {
    files: usize,
    records: usize,
    seconds: f64,
    failed: Vec<String>,
}

fn main() {
    let mut files = Vec::new();
    for arg in std::env::args().skip(1) {
        avro_files(Path::new(&arg), &mut files);
    }
    if files.is_empty() {
        eprintln!("usage: avro-decoders FILE_OR_DIR...");
        std::process::exit(2);
    }
    // (codec, decoder) -> tally
    let mut tallies: BTreeMap<(String, usize), Tally> = BTreeMap::new();
    let mut mismatches = 0;
    for path in &files {
        let codec = codec(path).unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(1);
        });
        let bytes = std::fs::read(path).expect("readable file");
        let mut counted: Option<usize> = None;
        for (i, (name, decode)) in DECODERS.iter().enumerate() {
            let tally = tallies.entry((codec.clone(), i)).or_default();
            // polars reads any codec it does not know as uncompressed (STACK.md): it is
            // only given the codecs it supports.
            if *name == DECODERS[1].0 && !["null", "deflate", "snappy"].contains(&codec.as_str()) {
                tally
                    .failed
                    .push(format!("{}: codec {codec} not supported", path.display()));
                continue;
            }
            let start = Instant::now();
            match decode(&bytes) {
                Ok(records) => {
                    tally.seconds += start.elapsed().as_secs_f64();
                    tally.files += 1;
                    tally.records += records;
                    if let Some(expected) = counted.filter(|c| *c != records) {
                        eprintln!(
                            "{}: {name} counted {records} records, an earlier decoder {expected}",
                            path.display()
                        );
                        mismatches += 1;
                    }
                    counted = Some(records);
                }
                Err(e) => tally.failed.push(format!("{}: {e}", path.display())),
            }
        }
    }
    println!(
        "{:<10} {:<24} {:>6} {:>11} {:>9} {:>12}",
        "codec", "decoder", "files", "records", "seconds", "records/s"
    );
    for ((codec, i), t) in &tallies {
        let rate = if t.seconds > 0.0 {
            t.records as f64 / t.seconds
        } else {
            0.0
        };
        println!(
            "{:<10} {:<24} {:>6} {:>11} {:>9.2} {:>12.0}",
            codec, DECODERS[*i].0, t.files, t.records, t.seconds, rate
        );
        for f in &t.failed {
            println!("           not decoded: {f}");
        }
    }
    if mismatches > 0 {
        eprintln!("{mismatches} files were counted differently by two decoders");
        std::process::exit(1);
    }
}
