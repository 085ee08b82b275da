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
use super::avro::{push_array, source_type};
use super::sink::{SourceType, TableBuilder};

/// Record batches of this many rows.
const BATCH_ROWS: usize = 64 * 1024;

/// Opens a file for reading from memory: parquet 60 reading a corrupt footer straight
/// from a `File` skips a huge thrift field one `read` call at a time (a hang the fuzzer
/// found); from memory the same input ends in an error at once.
fn open(path: &Path) -> Result<ParquetRecordBatchReaderBuilder<bytes::Bytes>, ImportError> {
    let bytes = bytes::Bytes::from(std::fs::read(path).map_err(|e| ImportError::io(path, e))?);
    ParquetRecordBatchReaderBuilder::try_new(bytes).map_err(|e| ImportError::Format {
        path: path.to_path_buf(),
        message: format!("cannot read Parquet: {e}"),
    })
}

fn columns(builder: &ParquetRecordBatchReaderBuilder<bytes::Bytes>) -> Vec<(String, SourceType)> {
    builder
        .schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), source_type(f.data_type())))
        .collect()
}

/// The columns of a Parquet file (from its footer), without reading records.
pub fn columns_of(path: &Path) -> Result<Vec<(String, SourceType)>, ImportError> {
    Ok(columns(&open(path)?))
}

/// Reads a Parquet file into a table of the plan's fields.
pub fn read_parquet(path: &Path, plan: &FieldPlan) -> Result<Table, ImportError> {
    let bad = |e: &dyn std::fmt::Display| ImportError::Format {
        path: path.to_path_buf(),
        message: format!("cannot read Parquet: {e}"),
    };
    let reader = open(path)?;
    let columns = columns(&reader);
    let mut builder = TableBuilder::new(path, plan, &columns)?;
    let used = builder.used_sources();
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
