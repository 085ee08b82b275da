//! Parquet through arrow-rs' `parquet` crate: only the planned columns are decoded (a
//! projection mask), and the Arrow arrays are pushed into columns like Avro's.
//!
//! Why not polars (used until this version): fuzzing found polars 0.55's Parquet reader
//! panicking on many corrupt files, asking for 2^61 bytes on one kind (which ends the
//! program), and reading out of bounds on another (an unsafe precondition that debug
//! builds stop on). arrow-rs returns errors for the same inputs; see README "Fuzzing".

use std::path::Path;

use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::model::table::{FieldPlan, Table};

use super::ImportError;
use super::arrow::{push_array, source_type};
use super::sink::{SourceType, TableBuilder};

/// Record batches of this many rows.
const BATCH_ROWS: usize = 64 * 1024;

/// Opens a file for reading from memory: parquet 60 reading a corrupt footer straight
/// from a `File` skips a huge thrift field one `read` call at a time (a hang the fuzzer
/// found); from memory the same input ends in an error at once.
fn read_bytes(path: &Path) -> Result<bytes::Bytes, ImportError> {
    Ok(bytes::Bytes::from(
        std::fs::read(path).map_err(|e| ImportError::io(path, e))?,
    ))
}

fn open_bytes(path: &Path, bytes: bytes::Bytes) -> Result<ParquetRecordBatchReaderBuilder<bytes::Bytes>, ImportError> {
    check_footer(path, footer_of(path, &bytes)?)?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes.clone()).map_err(|e| bad(path, &e))?;
    check_page_headers(path, &bytes, reader.metadata())?;
    Ok(reader)
}

fn bad(path: &Path, e: &dyn std::fmt::Display) -> ImportError {
    ImportError::Format {
        path: path.to_path_buf(),
        message: format!("cannot read Parquet: {e}"),
    }
}

/// The footer's length from a file's last 8 bytes (`PAR1` after a little-endian u32),
/// checked against the file's length.
fn footer_len(path: &Path, len: u64, tail: &[u8]) -> Result<u64, ImportError> {
    if len < 12 {
        return Err(bad(path, &format!("{len} bytes are too few for a Parquet file")));
    }
    if &tail[4..8] != b"PAR1" {
        return Err(bad(path, &"the file does not end with PAR1"));
    }
    let footer = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    if footer + 12 > len {
        return Err(bad(path, &format!("a footer of {footer} bytes in a file of {len}")));
    }
    Ok(footer)
}

fn footer_of<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a [u8], ImportError> {
    let len = bytes.len();
    let footer = footer_len(path, len as u64, &bytes[len.saturating_sub(8)..])? as usize;
    Ok(&bytes[len - 8 - footer..len - 8])
}

/// The footer's Thrift is bounds-checked before parquet parses it (see `thrift_scan`).
fn check_footer(path: &Path, footer: &[u8]) -> Result<(), ImportError> {
    super::thrift_scan::scan_struct(footer)
        .map(|_| ())
        .map_err(|e| bad(path, &format!("corrupt footer: {e}")))
}

/// Walks every page header of every column chunk, bounds-checking each header's Thrift
/// and its page size against the chunk, before parquet reads a page: a corrupt header
/// is an error naming row group, column and byte offset, in time linear in the headers.
fn check_page_headers(
    path: &Path,
    bytes: &[u8],
    meta: &parquet::file::metadata::ParquetMetaData,
) -> Result<(), ImportError> {
    for (g, group) in meta.row_groups().iter().enumerate() {
        for (c, column) in group.columns().iter().enumerate() {
            let (start, len) = column.byte_range();
            let end = start.saturating_add(len);
            if end > bytes.len() as u64 {
                return Err(bad(
                    path,
                    &format!(
                        "row group {g}, column {c}: bytes {start}..{end} lie beyond the file's {}",
                        bytes.len()
                    ),
                ));
            }
            let (mut at, end) = (start as usize, end as usize);
            while at < end {
                let header = super::thrift_scan::scan_struct(&bytes[at..end]).map_err(|e| {
                    bad(
                        path,
                        &format!("row group {g}, column {c}: corrupt page header at byte {at}: {e}"),
                    )
                })?;
                // PageHeader field 3 is compressed_page_size.
                let size = header.int(3).and_then(|s| usize::try_from(s).ok()).ok_or_else(|| {
                    bad(
                        path,
                        &format!("row group {g}, column {c}: corrupt page header at byte {at}: no page size"),
                    )
                })?;
                let next = at.saturating_add(header.len).saturating_add(size);
                if next > end {
                    return Err(bad(
                        path,
                        &format!(
                            "row group {g}, column {c}: the page at byte {at} claims {size} bytes, beyond the chunk's end at {end}"
                        ),
                    ));
                }
                at = next;
            }
        }
    }
    Ok(())
}

fn columns(builder: &ParquetRecordBatchReaderBuilder<bytes::Bytes>) -> Vec<(String, SourceType)> {
    builder
        .schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), source_type(f.data_type())))
        .collect()
}

/// The columns of a Parquet file, from its footer alone: the last 8 bytes give the
/// footer's length and end with `PAR1`; only the footer is read, not the records.
pub fn columns_of(path: &Path) -> Result<Vec<(String, SourceType)>, ImportError> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path).map_err(|e| ImportError::io(path, e))?;
    let len = file.metadata().map_err(|e| ImportError::io(path, e))?.len();
    let mut tail = [0u8; 8];
    if len >= 8 {
        file.seek(SeekFrom::Start(len - 8))
            .and_then(|_| file.read_exact(&mut tail))
            .map_err(|e| ImportError::io(path, e))?;
    }
    let footer = footer_len(path, len, &tail)?;
    let mut buf = vec![0u8; footer as usize];
    file.seek(SeekFrom::Start(len - 8 - footer))
        .and_then(|_| file.read_exact(&mut buf))
        .map_err(|e| ImportError::io(path, e))?;
    check_footer(path, &buf)?;
    let meta = parquet::file::metadata::ParquetMetaDataReader::decode_metadata(&buf).map_err(|e| bad(path, &e))?;
    let fm = meta.file_metadata();
    let schema = parquet::arrow::parquet_to_arrow_schema(fm.schema_descr(), fm.key_value_metadata())
        .map_err(|e| bad(path, &e))?;
    Ok(schema
        .fields()
        .iter()
        .map(|f| (f.name().clone(), source_type(f.data_type())))
        .collect())
}

/// Refuses a dictionary page that claims more values than it has bytes (every plain
/// dictionary value takes at least one byte): parquet 60 allocates for the claim before it
/// reads a value, 13.7 GB on an input the fuzzer found. Only each column chunk's first
/// page is looked at (a dictionary page comes first); data pages are skipped unread.
fn check_dictionaries(path: &Path, bytes: &bytes::Bytes, columns: &[usize]) -> Result<(), ImportError> {
    use parquet::column::page::Page;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let bad = |e: &dyn std::fmt::Display| bad(path, e);
    let reader = SerializedFileReader::new(bytes.clone()).map_err(|e| bad(&e))?;
    for g in 0..reader.num_row_groups() {
        let group = reader.get_row_group(g).map_err(|e| bad(&e))?;
        for &c in columns {
            if c >= group.num_columns() {
                continue;
            }
            let mut pages = group.get_column_page_reader(c).map_err(|e| bad(&e))?;
            if !pages.peek_next_page().map_err(|e| bad(&e))?.is_some_and(|p| p.is_dict) {
                continue;
            }
            if let Some(Page::DictionaryPage { buf, num_values, .. }) = pages.get_next_page().map_err(|e| bad(&e))?
                && num_values as usize > buf.len()
            {
                return Err(bad(&format!(
                    "row group {g}, column {c}: a dictionary page claims {num_values} values in {} bytes",
                    buf.len()
                )));
            }
        }
    }
    Ok(())
}

/// Reads a Parquet file into a table of the plan's fields.
pub fn read_parquet(path: &Path, plan: &FieldPlan) -> Result<Table, ImportError> {
    let bad = |e: &dyn std::fmt::Display| bad(path, e);
    let bytes = read_bytes(path)?;
    let reader = open_bytes(path, bytes.clone())?;
    let columns = columns(&reader);
    let mut builder = TableBuilder::new(path, plan, &columns)?;
    let used = builder.used_sources();
    // Top-level fields are leaf columns of the same index only in a flat schema, which is
    // what every planned field is (`readable` refuses nested ones).
    if reader.parquet_schema().num_columns() == columns.len() {
        check_dictionaries(path, &bytes, &used)?;
    }
    let rows = usize::try_from(reader.metadata().file_metadata().num_rows()).unwrap_or(0);
    if used.is_empty() {
        builder.rows = rows;
        return Ok(builder.finish());
    }
    // Top-level columns only: a planned field is never a nested one (`readable` refuses them).
    let mask = ProjectionMask::roots(reader.parquet_schema(), used.iter().copied());
    let batches = reader
        .with_projection(mask)
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| bad(&e))?;
    let mut read = 0usize;
    for batch in batches {
        let batch = batch.map_err(|e| bad(&e))?;
        for (out, source) in used.iter().enumerate() {
            push_array(&mut builder, *source, batch.column(out));
        }
        read += batch.num_rows();
    }
    builder.rows = read;
    Ok(builder.finish())
}

/// Writes record batches as one Parquet file, snappy-compressed (the sample generator and
/// the tests).
pub fn write_parquet(path: &Path, batches: &[arrow_array::RecordBatch]) -> Result<(), ImportError> {
    let bad = |e: &dyn std::fmt::Display| ImportError::Format {
        path: path.to_path_buf(),
        message: format!("cannot write Parquet: {e}"),
    };
    let Some(first) = batches.first() else {
        return Err(bad(&"no records to write"));
    };
    let file = std::fs::File::create(path).map_err(|e| ImportError::io(path, e))?;
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        .build();
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, first.schema(), Some(props)).map_err(|e| bad(&e))?;
    for b in batches {
        writer.write(b).map_err(|e| bad(&e))?;
    }
    writer.close().map_err(|e| bad(&e))?;
    Ok(())
}
