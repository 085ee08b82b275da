//! Avro object container files (all six codecs of the Avro specification). Only the fields
//! the configuration needs are decoded: by the schema walk itself where every one of them
//! has a plain shape (`decode`, the path of every export we know), else by arrow-avro over
//! blocks the walk has checked (`blocks`).
//!
//! arrow-avro stops quietly at a file cut inside a block, so the block framing is checked
//! first: a truncated or garbled file is an error naming the byte offset, never a short read.

use std::io::{Cursor, Read};
use std::path::Path;

use arrow_avro::reader::{ReaderBuilder, read_header_info};

use crate::model::table::{FieldPlan, Table};

use super::ImportError;
use super::arrow::{push_array, source_type};
use super::sink::{SourceType, TableBuilder};

mod blocks;
mod decode;
mod walk;

const BATCH_ROWS: usize = 16 * 1024;

/// Reads one Avro file into a table of the plan's fields, decoding it in up to `max_runs`
/// runs of blocks in parallel (a dataset of fewer files than cores still uses every core;
/// more runs than needed only cost time, because each builds its own dictionaries).
pub fn read(path: &Path, plan: &FieldPlan, max_runs: usize) -> Result<Table, ImportError> {
    read_in_runs(path, plan, max_runs, MIN_RUN_BYTES, Decoder::Best)
}

/// Which decoder reads the blocks.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Decoder {
    /// The schema walk's own decoder where it reads every planned field, else arrow-avro.
    Best,
    /// arrow-avro, always (the tests compare the two).
    #[cfg_attr(not(test), allow(dead_code))]
    Arrow,
}

/// `read`, decoding in at most `max_runs` runs of at least `min_run_bytes` each.
fn read_in_runs(
    path: &Path,
    plan: &FieldPlan,
    max_runs: usize,
    min_run_bytes: usize,
    decoder: Decoder,
) -> Result<Table, ImportError> {
    let bytes = std::fs::read(path).map_err(|e| ImportError::io(path, e))?;
    let bad = |message: String| ImportError::Format {
        path: path.to_path_buf(),
        message,
    };

    let header = read_header_info(Cursor::new(&bytes[..]))
        .map_err(|e| bad(format!("not a readable Avro object container file: {e}")))?;
    header
        .compression()
        .map_err(|e| bad(format!("unsupported Avro codec: {e}")))?;
    let header_len = header.header_len() as usize;
    let blocks = check_framing(&bytes, header_len, header.sync()).map_err(bad)?;

    let probe = ReaderBuilder::new()
        .build(Cursor::new(&bytes[..]))
        .map_err(|e| bad(format!("cannot decode the Avro schema: {e}")))?;
    let schema = probe.schema();
    drop(probe);
    let columns: Vec<(String, SourceType)> = schema
        .fields()
        .iter()
        .map(|f| (f.name().clone(), source_type(f.data_type())))
        .collect();
    let builder = TableBuilder::new(path, plan, &columns)?;
    let used = builder.used_sources();
    let sha256 = super::sha256_bytes(&bytes);
    if used.is_empty() {
        let mut table = builder.finish();
        table.sha256 = sha256;
        return Ok(table);
    }
    // A big file is decoded in runs of blocks on all cores: each run is a valid container
    // file of its own (the header, then whole blocks), and the runs are joined in order.
    let runs = split_blocks(&blocks, max_runs, min_run_bytes);
    let decode_run = |(first, last): (usize, usize)| -> Result<Table, ImportError> {
        let (start, end) = if first < last {
            (blocks[first].start, blocks[last - 1].end)
        } else {
            (header_len, header_len)
        };
        let first_record = blocks[..first].iter().map(|b| b.records).sum::<u64>();
        decode_blocks(
            path,
            plan,
            &columns,
            &bytes[..header_len],
            (start, &bytes[start..end]),
            first_record,
            decoder,
        )
    };
    let parts: Vec<Result<Table, ImportError>> = if runs.len() <= 1 {
        vec![decode_run((0, blocks.len()))]
    } else {
        use rayon::prelude::*;
        runs.par_iter().map(|r| decode_run(*r)).collect()
    };
    let mut table: Option<Table> = None;
    for part in parts {
        let part = part?;
        match &mut table {
            None => table = Some(part),
            Some(t) => t.append(part),
        }
    }
    let mut table = table.unwrap_or_else(|| builder.finish());
    table.sha256 = sha256;
    Ok(table)
}

/// One block of a container file: its bytes (count, size, data, sync) and record count.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Block {
    start: usize,
    end: usize,
    records: u64,
}

/// Bytes a run of blocks must at least hold before a file is worth splitting.
const MIN_RUN_BYTES: usize = 4 << 20;

/// Splits blocks into at most `parts` runs `[first, last)` of about equal bytes, each of
/// at least `min_bytes` or so.
fn split_blocks(blocks: &[Block], parts: usize, min_bytes: usize) -> Vec<(usize, usize)> {
    let total: usize = blocks.iter().map(|b| b.end - b.start).sum();
    let parts = parts.min(total / min_bytes.max(1)).clamp(1, blocks.len().max(1));
    let mut runs = Vec::with_capacity(parts);
    let mut first = 0;
    let mut seen = 0;
    for (i, b) in blocks.iter().enumerate() {
        seen += b.end - b.start;
        if runs.len() + 1 < parts && seen * parts >= total * (runs.len() + 1) {
            runs.push((first, i + 1));
            first = i + 1;
        }
    }
    if first < blocks.len() || runs.is_empty() {
        runs.push((first, blocks.len()));
    }
    runs
}

/// Walks the blocks after the header: count, size, data, sync marker. Returns the blocks.
fn check_framing(bytes: &[u8], header_len: usize, sync: [u8; 16]) -> Result<Vec<Block>, String> {
    let mut at = |pos: usize, buf: &mut [u8]| {
        let n = buf.len().min(bytes.len().saturating_sub(pos));
        buf[..n].copy_from_slice(&bytes[pos..pos + n]);
        n
    };
    walk_blocks(&mut at, bytes.len(), header_len, sync)
}

/// `check_framing` over a file, reading only each block's header and sync marker.
fn check_file_framing(
    file: &mut std::fs::File,
    len: usize,
    header_len: usize,
    sync: [u8; 16],
) -> Result<Vec<Block>, String> {
    use std::io::{Seek, SeekFrom};
    let mut failed = None;
    let mut at = |pos: usize, buf: &mut [u8]| {
        let mut n = 0;
        if let Err(e) = file.seek(SeekFrom::Start(pos as u64)) {
            failed.get_or_insert(e.to_string());
            return 0;
        }
        while n < buf.len() {
            match file.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) => {
                    failed.get_or_insert(e.to_string());
                    break;
                }
            }
        }
        n
    };
    let blocks = walk_blocks(&mut at, len, header_len, sync);
    match failed {
        Some(e) => Err(e),
        None => blocks,
    }
}

/// The block walk of `check_framing`: `at(pos, buf)` fills `buf` from byte `pos` and
/// returns how many bytes it could.
fn walk_blocks(
    at: &mut dyn FnMut(usize, &mut [u8]) -> usize,
    len: usize,
    header_len: usize,
    sync: [u8; 16],
) -> Result<Vec<Block>, String> {
    let mut pos = header_len;
    let mut blocks = Vec::new();
    let mut block = 0u64;
    let mut head = [0u8; 20];
    while pos < len {
        let start = pos;
        let got = at(pos, &mut head);
        let mut p = 0;
        let cut = || format!("truncated: block {} header cut at byte {start}", block + 1);
        let count = read_long(&head[..got], &mut p).ok_or_else(cut)?;
        let size = read_long(&head[..got], &mut p).ok_or_else(cut)?;
        pos += p;
        if count < 0 || size < 0 {
            return Err(format!(
                "garbled: block {} at byte {start} has a negative count or size",
                block + 1
            ));
        }
        let end = pos
            .checked_add(size as usize)
            .and_then(|e| e.checked_add(16))
            .ok_or_else(|| format!("garbled: block {} at byte {start} is too large", block + 1))?;
        if end > len {
            return Err(format!(
                "truncated: block {} at byte {start} needs {} bytes but the file ends at byte {len}",
                block + 1,
                end - start,
            ));
        }
        let mut marker = [0u8; 16];
        if at(end - 16, &mut marker) != 16 || marker != sync {
            return Err(format!(
                "garbled: block {} at byte {start} does not end with the file's sync marker",
                block + 1
            ));
        }
        blocks.push(Block {
            start,
            end,
            records: count as u64,
        });
        block += 1;
        pos = end;
    }
    Ok(blocks)
}

/// The length of an Avro container file's header (magic, metadata, sync marker), if
/// `bytes` start with a readable one.
pub fn header_len(bytes: &[u8]) -> Option<usize> {
    read_header_info(Cursor::new(bytes))
        .ok()
        .map(|h| h.header_len() as usize)
}

/// How a big Avro file is read in pieces: its header (schema, codec, sync marker), its
/// columns, and runs of whole blocks of about equal size.
#[derive(Debug, Clone)]
pub struct Layout {
    header: Vec<u8>,
    pub columns: Vec<(String, SourceType)>,
    /// (first byte, end byte, records before the run) of each run.
    runs: Vec<(usize, usize, u64)>,
    /// Records in the file, from its block headers.
    pub records: u64,
}

impl Layout {
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    /// The number in the file (from 0) of run `run`'s first record.
    pub fn first_record(&self, run: usize) -> u64 {
        self.runs[run].2
    }
}

/// Reads a file's header and block framing (not its data) and splits its blocks into
/// runs of about `run_bytes` each.
pub fn layout(path: &Path, run_bytes: usize) -> Result<Layout, ImportError> {
    let bad = |message: String| ImportError::Format {
        path: path.to_path_buf(),
        message,
    };
    let mut file = std::fs::File::open(path).map_err(|e| ImportError::io(path, e))?;
    let len = file.metadata().map_err(|e| ImportError::io(path, e))?.len() as usize;
    let header = read_header_info(std::io::BufReader::new(&mut file))
        .map_err(|e| bad(format!("not a readable Avro object container file: {e}")))?;
    header
        .compression()
        .map_err(|e| bad(format!("unsupported Avro codec: {e}")))?;
    let header_len = header.header_len() as usize;
    let blocks = check_file_framing(&mut file, len, header_len, header.sync()).map_err(bad)?;
    let mut head = vec![0u8; header_len];
    {
        use std::io::{Seek, SeekFrom};
        file.seek(SeekFrom::Start(0)).map_err(|e| ImportError::io(path, e))?;
        file.read_exact(&mut head).map_err(|e| ImportError::io(path, e))?;
    }
    let probe = ReaderBuilder::new()
        .build(Cursor::new(&head[..]))
        .map_err(|e| bad(format!("cannot decode the Avro schema: {e}")))?;
    let columns = probe
        .schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), source_type(f.data_type())))
        .collect();
    let total: usize = blocks.iter().map(|b| b.end - b.start).sum();
    let runs = split_blocks(&blocks, total.div_ceil(run_bytes.max(1)).max(1), 1)
        .into_iter()
        .map(|(first, last)| {
            let before = blocks[..first].iter().map(|b| b.records).sum();
            if first < last {
                (blocks[first].start, blocks[last - 1].end, before)
            } else {
                (header_len, header_len, before)
            }
        })
        .collect();
    Ok(Layout {
        header: head,
        columns,
        runs,
        records: blocks.iter().map(|b| b.records).sum(),
    })
}

/// Reads run `run` of a file laid out by `layout` into a table of the plan's fields.
pub fn read_run(path: &Path, layout: &Layout, run: usize, plan: &FieldPlan) -> Result<Table, ImportError> {
    use std::io::{Seek, SeekFrom};
    let (start, end, first_record) = layout.runs[run];
    let mut bytes = vec![0u8; end - start];
    let mut file = std::fs::File::open(path).map_err(|e| ImportError::io(path, e))?;
    file.seek(SeekFrom::Start(start as u64))
        .and_then(|_| file.read_exact(&mut bytes))
        .map_err(|e| ImportError::io(path, e))?;
    decode_blocks(
        path,
        plan,
        &layout.columns,
        &layout.header,
        (start, &bytes),
        first_record,
        Decoder::Best,
    )
}

/// Decodes whole blocks (`blocks`, at byte `offset` of the file, after its `header`) into
/// a table.
fn decode_blocks(
    path: &Path,
    plan: &FieldPlan,
    columns: &[(String, SourceType)],
    header: &[u8],
    (offset, blocks): (usize, &[u8]),
    first_record: u64,
    decoder: Decoder,
) -> Result<Table, ImportError> {
    let bad = |message: String| ImportError::Format {
        path: path.to_path_buf(),
        message,
    };
    let mut builder = TableBuilder::new(path, plan, columns)?;
    let used = builder.used_sources();
    if used.is_empty() {
        return Ok(builder.finish());
    }
    if decoder == Decoder::Best && blocks::decode_blocks(path, header, (offset, blocks), first_record, &mut builder)? {
        return Ok(builder.finish());
    }
    let decompressed = blocks::checked_blocks(path, header, (offset, blocks), first_record)?;
    let (header, blocks) = match &decompressed {
        Some((h, b)) => (&h[..], &b[..]),
        None => (header, blocks),
    };
    let input = Cursor::new(header).chain(Cursor::new(blocks));
    let reader = ReaderBuilder::new()
        .with_batch_size(BATCH_ROWS)
        .with_projection(used.clone())
        .build(input)
        .map_err(|e| bad(format!("cannot decode: {e}")))?;
    let mut rows = 0usize;
    for batch in reader {
        let batch = batch.map_err(|e| bad(format!("cannot decode record {}: {e}", first_record + rows as u64 + 1)))?;
        for (out_idx, source_idx) in used.iter().enumerate() {
            push_array(&mut builder, *source_idx, batch.column(out_idx));
        }
        rows += batch.num_rows();
    }
    builder.rows = rows;
    Ok(builder.finish())
}

/// Avro `long`: zig-zag variable-length integer.
pub(super) fn read_long(bytes: &[u8], pos: &mut usize) -> Option<i64> {
    let mut value: u64 = 0;
    let mut shift = 0;
    loop {
        let b = *bytes.get(*pos)?;
        *pos += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
    Some(walk::zigzag(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::table::Form;
    use arrow_array::ArrayRef;
    use arrow_schema::{DataType, TimeUnit};

    #[test]
    fn zigzag_longs() {
        let cases: [(&[u8], i64); 5] = [(&[0], 0), (&[1], -1), (&[2], 1), (&[0x80, 0x01], 64), (&[0x7f], -64)];
        for (bytes, want) in cases {
            let mut pos = 0;
            assert_eq!(read_long(bytes, &mut pos), Some(want));
        }
        let mut pos = 0;
        assert_eq!(read_long(&[0x80], &mut pos), None);
    }

    fn blocks(sizes: &[usize]) -> Vec<Block> {
        let mut start = 0;
        sizes
            .iter()
            .map(|s| {
                let b = Block {
                    start,
                    end: start + s,
                    records: 1,
                };
                start += s;
                b
            })
            .collect()
    }

    #[test]
    fn blocks_split_into_runs_of_about_equal_bytes() {
        let b = blocks(&[10, 10, 10, 10, 10, 10]);
        assert_eq!(split_blocks(&b, 2, 1), [(0, 3), (3, 6)]);
        assert_eq!(split_blocks(&b, 4, 1), [(0, 2), (2, 3), (3, 5), (5, 6)]);
        assert_eq!(split_blocks(&b, 2, 40), [(0, 6)], "too small to split");
        assert_eq!(split_blocks(&b, 10, 1).len(), 6, "never more runs than blocks");
        assert_eq!(split_blocks(&[], 2, 1), [(0, 0)]);
        let uneven = blocks(&[50, 1, 1, 1, 1]);
        assert_eq!(split_blocks(&uneven, 2, 1), [(0, 1), (1, 5)]);
    }

    /// An Avro file of `batches` blocks (one per write) with a few field types.
    fn multi_block_file(dir: &Path, batches: usize) -> std::path::PathBuf {
        use arrow_array::{
            BooleanArray, Date32Array, Float32Array, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray,
            TimestampMicrosecondArray, TimestampMillisecondArray,
        };
        use arrow_schema::{Field, Schema};
        use std::sync::Arc;
        let schema = Arc::new(Schema::new(vec![
            Field::new("event_id", DataType::Utf8, true),
            Field::new("event_ts", DataType::Timestamp(TimeUnit::Millisecond, None), false),
            Field::new("user_id", DataType::Utf8, true),
            Field::new("audio_ms", DataType::Int64, true),
            Field::new("ratio", DataType::Float32, true),
            Field::new("kb", DataType::Float64, true),
            Field::new("test", DataType::Boolean, true),
            Field::new("day", DataType::Date32, true),
            Field::new("seats", DataType::Int32, false),
            Field::new(
                "seen",
                DataType::Timestamp(TimeUnit::Microsecond, Some("+00:00".into())),
                true,
            ),
        ]));
        let path = dir.join("multi.avro");
        let file = std::fs::File::create(&path).unwrap();
        let mut w = arrow_avro::writer::WriterBuilder::new(schema.as_ref().clone())
            .build::<_, arrow_avro::writer::format::AvroOcfFormat>(file)
            .unwrap();
        for b in 0..batches as i64 {
            let rows: Vec<i64> = (b * 1000..(b + 1) * 1000).collect();
            let cols: Vec<ArrayRef> = vec![
                Arc::new(StringArray::from_iter(
                    rows.iter().map(|r| (r % 97 != 0).then(|| format!("e{r}"))),
                )),
                Arc::new(TimestampMillisecondArray::from_iter_values(
                    rows.iter().map(|r| 1_790_812_800_000 + r * 1000),
                )),
                Arc::new(StringArray::from_iter(
                    rows.iter().map(|r| Some(format!("user-{}", (r * 7919) % 613))),
                )),
                Arc::new(Int64Array::from_iter(
                    rows.iter().map(|r| (r % 13 != 0).then_some(r % 5000)),
                )),
                Arc::new(Float32Array::from_iter(
                    rows.iter().map(|r| (r % 11 != 0).then_some(*r as f32 / 10.0)),
                )),
                Arc::new(Float64Array::from_iter(
                    rows.iter().map(|r| (r % 7 != 0).then_some(*r as f64 * 0.1)),
                )),
                Arc::new(BooleanArray::from_iter(
                    rows.iter().map(|r| (r % 5 != 0).then_some(r % 2 == 0)),
                )),
                Arc::new(Date32Array::from_iter(
                    rows.iter().map(|r| (r % 3 != 0).then_some(20_000 + (*r as i32 % 400))),
                )),
                Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| (*r as i32) - 3000))),
                Arc::new(
                    TimestampMicrosecondArray::from_iter(
                        rows.iter()
                            .map(|r| (r % 17 != 0).then_some(1_790_812_800_000_000 + r * 1_000_001)),
                    )
                    .with_timezone("+00:00"),
                ),
            ];
            w.write(&RecordBatch::try_new(schema.clone(), cols).unwrap()).unwrap();
        }
        w.finish().unwrap();
        path
    }

    /// Every field of `multi_block_file`, each in its own form.
    fn multi_block_plan() -> FieldPlan {
        let mut plan = FieldPlan::default();
        plan.add("event_id", Form::Id, true);
        plan.add("event_ts", Form::Time, true);
        plan.add("user_id", Form::Value, true);
        plan.add("user_id", Form::Distinct, true);
        plan.add("audio_ms", Form::Number, true);
        plan.add("ratio", Form::Number, true);
        plan.add("kb", Form::Number, true);
        plan.add("kb", Form::Value, true);
        plan.add("test", Form::Value, true);
        plan.add("test", Form::Distinct, true);
        plan.add("day", Form::Time, true);
        plan.add("seats", Form::Number, true);
        plan.add("seats", Form::Id, true);
        plan.add("seen", Form::Time, true);
        plan.add("event_ts", Form::Value, true);
        plan
    }

    #[test]
    fn the_walks_own_decoder_reads_what_arrow_avro_reads() {
        let tmp = tempfile::tempdir().unwrap();
        let path = multi_block_file(tmp.path(), 5);
        let plan = multi_block_plan();
        let bytes = std::fs::read(&path).unwrap();
        let info = read_header_info(Cursor::new(&bytes[..])).unwrap();
        let schema = info.writer_schema().unwrap();
        let walker = walk::Walker::new(schema.json_string.as_bytes()).unwrap();
        assert!(walker.decodes(&(0..10).collect::<Vec<_>>()), "{}", schema.json_string);
        let direct = read_in_runs(&path, &plan, 2, 1, Decoder::Best).unwrap();
        let arrow = read_in_runs(&path, &plan, 2, 1, Decoder::Arrow).unwrap();
        assert_eq!(direct.rows, 5000);
        assert_same_cells(&direct, &arrow);
    }

    #[test]
    fn a_file_decoded_in_runs_equals_one_run() {
        let tmp = tempfile::tempdir().unwrap();
        let path = multi_block_file(tmp.path(), 7);
        let plan = multi_block_plan();
        let one = read_in_runs(&path, &plan, 1, 1, Decoder::Best).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let header = read_header_info(Cursor::new(&bytes[..])).unwrap();
        let n_blocks = check_framing(&bytes, header.header_len() as usize, header.sync())
            .unwrap()
            .len();
        assert_eq!(n_blocks, 7);
        let three = read_in_runs(&path, &plan, 3, 1, Decoder::Best).unwrap();
        assert_eq!((one.rows, three.rows), (7000, 7000));
        assert_eq!(one.sha256, three.sha256);
        assert_same_cells(&one, &three);
    }

    /// Every cell of `a` and `b` reads the same.
    fn assert_same_cells(a: &Table, b: &Table) {
        assert_eq!(a.rows, b.rows);
        assert_eq!(a.columns.len(), b.columns.len());
        for key in a.columns.keys() {
            for r in 0..a.rows {
                assert_eq!(
                    a.columns[key].cell_text(r),
                    b.columns[key].cell_text(r),
                    "{key:?} row {r}"
                );
            }
        }
    }

    /// `multi_block_plan` with a gate that reads the records of seconds 1000 to 2999 of
    /// `multi_block_file` (record r is at second r) and keeps `event_id` and `event_ts`.
    fn gated_plan() -> FieldPlan {
        let origin = 1_790_812_800_000_000;
        let mut plan = multi_block_plan();
        plan.gate = Some(crate::model::table::RowGate {
            keep: vec!["event_id".into(), "event_ts".into()],
            time_field: "event_ts".into(),
            from_us: origin + 1000 * 1_000_000,
            to_us: origin + 3000 * 1_000_000,
        });
        plan
    }

    #[test]
    fn a_gate_leaves_the_records_outside_it_unread_and_reads_the_rest_alike() {
        use crate::model::table::{CellState, Column, RowGate};
        let tmp = tempfile::tempdir().unwrap();
        let path = multi_block_file(tmp.path(), 5);
        let (origin, day) = (1_790_812_800_000_000i64, 86_400_000_000i64);
        // By each record's time (ascending: one run of records read), and by a date that
        // cycles and is null in every third record (read and unread records alternate).
        let gates = [
            ("event_ts", origin + 1000 * 1_000_000, origin + 3000 * 1_000_000),
            ("day", 20_100 * day, 20_200 * day),
        ];
        // With an id-form column the gate may skip, and without one.
        for ((time_field, from_us, to_us), with_id) in gates.into_iter().flat_map(|g| [(g, true), (g, false)]) {
            let mut plan = multi_block_plan();
            plan.fields
                .retain(|(f, form, _)| with_id || (f.as_str(), *form) != ("seats", Form::Id));
            let whole = read_in_runs(&path, &plan, 2, 1, Decoder::Best).unwrap();
            let keep = ["event_id", "event_ts", time_field];
            plan.gate = Some(RowGate {
                keep: keep.iter().map(|k| k.to_string()).collect(),
                time_field: time_field.into(),
                from_us,
                to_us,
            });
            let gated = read_in_runs(&path, &plan, 2, 1, Decoder::Best).unwrap();
            assert_eq!((gated.rows, gated.unread.len()), (5000, 5000));
            assert_eq!(gated.columns.len(), whole.columns.len());
            let Some(Column::Time(times)) = whole.column(time_field, Form::Time) else {
                panic!("no {time_field}")
            };
            let mut unread = 0;
            for r in 0..5000 {
                let outside = times.states[r] == CellState::Ok && !(from_us..to_us).contains(&times.values[r]);
                assert_eq!(gated.unread[r], outside, "{time_field} row {r}");
                unread += usize::from(outside);
            }
            // A kept field's column has every row; another's the rows read, in order, and
            // nothing of a record left unread, even a field read before the gate's time
            // field could judge it (`user_id` to `test` before `day`).
            for (key, col) in &gated.columns {
                let rows: Vec<usize> = (0..5000)
                    .filter(|r| keep.contains(&key.0.as_str()) || !gated.unread[*r])
                    .collect();
                assert_eq!(col.len(), rows.len(), "{key:?} ({time_field}, id {with_id})");
                assert_eq!(gated.rows_of(&key.0), rows.len(), "{key:?}");
                for (at, r) in rows.into_iter().enumerate() {
                    let (got, want) = (col.cell_text(at), whole.columns[key].cell_text(r));
                    assert_eq!(got, want, "{key:?} row {r} ({time_field}, id {with_id})");
                }
            }
            assert!(unread > 1000, "{time_field}: {unread} left unread");
        }
        // A gate whose time field is read as text cannot judge a record: nothing is left out.
        let mut by_text = gated_plan();
        if let Some(g) = &mut by_text.gate {
            g.time_field = "user_id".into();
        }
        let read = read_in_runs(&path, &by_text, 2, 1, Decoder::Best).unwrap();
        assert!(read.unread.is_empty());
        assert_same_cells(
            &read,
            &read_in_runs(&path, &multi_block_plan(), 2, 1, Decoder::Best).unwrap(),
        );
    }

    #[test]
    fn a_file_read_in_pieces_equals_the_whole_file() {
        let tmp = tempfile::tempdir().unwrap();
        let path = multi_block_file(tmp.path(), 7);
        let plan = multi_block_plan();
        let whole = read_in_runs(&path, &plan, 1, 1, Decoder::Best).unwrap();
        // A few blocks per piece: 3 pieces of the 7 blocks.
        let bytes = std::fs::metadata(&path).unwrap().len() as usize;
        let layout = layout(&path, bytes / 3).unwrap();
        assert_eq!(layout.runs(), 3);
        let mut joined: Option<Table> = None;
        for run in 0..layout.runs() {
            let part = read_run(&path, &layout, run, &plan).unwrap();
            match &mut joined {
                None => joined = Some(part),
                Some(t) => t.append(part),
            }
        }
        let joined = joined.unwrap();
        assert_eq!(joined.rows, 7000);
        assert_same_cells(&whole, &joined);
    }

    #[test]
    fn a_string_that_is_not_utf8_is_an_error_naming_record_and_field() {
        let tmp = tempfile::tempdir().unwrap();
        let path = multi_block_file(tmp.path(), 1);
        let mut bytes = std::fs::read(&path).unwrap();
        // The first user id, "user-0", as written: its length (zig-zag 12), then the bytes.
        let at = bytes
            .windows(7)
            .position(|w| w == b"\x0cuser-0")
            .expect("the first user id");
        bytes[at + 1] = 0xff;
        std::fs::write(&path, &bytes).unwrap();
        // Each form checks on its own path: values only when new to the dictionary,
        // distinct values and ids on every read.
        // A record a gate leaves unread is still checked: the same file is refused alike.
        let mut plans = vec![multi_block_plan(), gated_plan()];
        for form in [Form::Value, Form::Distinct, Form::Id] {
            let mut plan = FieldPlan::default();
            plan.add("event_ts", Form::Time, true);
            plan.add("user_id", form, true);
            plans.push(plan);
        }
        for plan in &plans {
            let e = read_in_runs(&path, plan, 1, 1, Decoder::Best)
                .err()
                .unwrap()
                .to_string();
            assert!(
                e.contains("multi.avro") && e.contains("record 1, field user_id") && e.contains("not UTF-8"),
                "{e}"
            );
        }
    }

    #[test]
    fn a_garbled_block_is_found_from_its_header_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let path = multi_block_file(tmp.path(), 3);
        let mut bytes = std::fs::read(&path).unwrap();
        let n = bytes.len();
        bytes[n - 1] ^= 0xff; // the last block's sync marker
        std::fs::write(&path, &bytes).unwrap();
        let err = layout(&path, 1 << 20).err().unwrap().to_string();
        assert!(
            err.contains("multi.avro") && err.contains("block 3") && err.contains("sync marker"),
            "{err}"
        );
    }
}
