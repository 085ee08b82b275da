//! Avro object container files, decoded column by column with arrow-avro (all six codecs
//! of the Avro specification). Only the fields the configuration needs are decoded.
//!
//! arrow-avro stops quietly at a file cut inside a block, so the block framing is checked
//! first: a truncated or garbled file is an error naming the byte offset, never a short read.

use std::io::Cursor;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Decimal64Type, Decimal128Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_avro::reader::{ReaderBuilder, read_header_info};
use arrow_schema::{DataType, TimeUnit};
use rust_decimal::Decimal;

use crate::model::table::{FieldPlan, Table};

use super::ImportError;
use super::sink::{Cell, SourceType, TableBuilder};

const BATCH_ROWS: usize = 16 * 1024;

/// Reads one Avro file into a table of the plan's fields.
pub fn read(path: &Path, plan: &FieldPlan) -> Result<Table, ImportError> {
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
    check_framing(&bytes, header.header_len() as usize, header.sync()).map_err(bad)?;

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
    let mut builder = TableBuilder::new(path, plan, &columns)?;
    let used = builder.used_sources();
    if used.is_empty() {
        let mut table = builder.finish();
        table.sha256 = super::sha256_bytes(&bytes);
        return Ok(table);
    }
    let reader = ReaderBuilder::new()
        .with_batch_size(BATCH_ROWS)
        .with_projection(used.clone())
        .build(Cursor::new(&bytes[..]))
        .map_err(|e| bad(format!("cannot decode: {e}")))?;
    let mut rows = 0usize;
    for batch in reader {
        let batch = batch.map_err(|e| bad(format!("cannot decode record {}: {e}", rows + 1)))?;
        for (out_idx, source_idx) in used.iter().enumerate() {
            push_array(&mut builder, *source_idx, batch.column(out_idx));
        }
        rows += batch.num_rows();
    }
    builder.rows = rows;
    let mut table = builder.finish();
    table.sha256 = super::sha256_bytes(&bytes);
    Ok(table)
}

/// Walks the blocks after the header: count, size, data, sync marker. Returns the record count.
fn check_framing(bytes: &[u8], header_len: usize, sync: [u8; 16]) -> Result<u64, String> {
    let mut pos = header_len;
    let mut records = 0u64;
    let mut block = 0u64;
    while pos < bytes.len() {
        let start = pos;
        let count = read_long(bytes, &mut pos)
            .ok_or_else(|| format!("truncated: block {} header cut at byte {start}", block + 1))?;
        let size = read_long(bytes, &mut pos)
            .ok_or_else(|| format!("truncated: block {} header cut at byte {start}", block + 1))?;
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
        if end > bytes.len() {
            return Err(format!(
                "truncated: block {} at byte {start} needs {} bytes but the file ends at byte {}",
                block + 1,
                end - start,
                bytes.len()
            ));
        }
        if bytes[end - 16..end] != sync {
            return Err(format!(
                "garbled: block {} at byte {start} does not end with the file's sync marker",
                block + 1
            ));
        }
        records += count as u64;
        block += 1;
        pos = end;
    }
    Ok(records)
}

/// Avro `long`: zig-zag variable-length integer.
fn read_long(bytes: &[u8], pos: &mut usize) -> Option<i64> {
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
    Some((value >> 1) as i64 ^ -((value & 1) as i64))
}

pub(crate) fn source_type(dt: &DataType) -> SourceType {
    match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => SourceType::Text,
        DataType::Dictionary(_, v) if matches!(**v, DataType::Utf8) => SourceType::Text,
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => SourceType::Int,
        DataType::Float32 | DataType::Float64 => SourceType::Float,
        DataType::Boolean => SourceType::Bool,
        DataType::Decimal64(_, _) | DataType::Decimal128(_, _) => SourceType::Decimal,
        DataType::Timestamp(_, _) => SourceType::Timestamp,
        DataType::Date32 => SourceType::Date,
        _ => SourceType::Other,
    }
}

fn decimal(value: i128, scale: i8) -> Option<Decimal> {
    if scale < 0 {
        let factor = 10i128.checked_pow(u32::from(scale.unsigned_abs()))?;
        return Decimal::try_from_i128_with_scale(value.checked_mul(factor)?, 0).ok();
    }
    Decimal::try_from_i128_with_scale(value, scale as u32).ok()
}

macro_rules! push_ints {
    ($b:expr, $src:expr, $arr:expr, $t:ty) => {
        for v in $arr.as_primitive::<$t>().iter() {
            $b.push($src, v.map_or(Cell::Null, |x| Cell::Int(x as i64)));
        }
    };
}

/// Pushes every value of an Arrow array (Avro or Parquet) into the builder.
pub(crate) fn push_array(b: &mut TableBuilder, src: usize, array: &ArrayRef) {
    match array.data_type() {
        DataType::Utf8 => {
            for v in array.as_string::<i32>().iter() {
                b.push(src, v.map_or(Cell::Null, Cell::Text));
            }
        }
        DataType::LargeUtf8 => {
            for v in array.as_string::<i64>().iter() {
                b.push(src, v.map_or(Cell::Null, Cell::Text));
            }
        }
        DataType::Utf8View => {
            for v in array.as_string_view().iter() {
                b.push(src, v.map_or(Cell::Null, Cell::Text));
            }
        }
        DataType::Dictionary(_, _) => {
            let dict = array.as_dictionary::<Int32Type>();
            let values = dict.values().as_string::<i32>();
            for k in dict.keys().iter() {
                let cell = match k {
                    Some(k) if !values.is_null(k as usize) => Cell::Text(values.value(k as usize)),
                    _ => Cell::Null,
                };
                b.push(src, cell);
            }
        }
        DataType::Int8 => push_ints!(b, src, array, Int8Type),
        DataType::Int16 => push_ints!(b, src, array, Int16Type),
        DataType::Int32 => push_ints!(b, src, array, Int32Type),
        DataType::Int64 => push_ints!(b, src, array, Int64Type),
        DataType::UInt8 => push_ints!(b, src, array, UInt8Type),
        DataType::UInt16 => push_ints!(b, src, array, UInt16Type),
        DataType::UInt32 => push_ints!(b, src, array, UInt32Type),
        DataType::UInt64 => {
            for v in array.as_primitive::<UInt64Type>().iter() {
                let cell = match v {
                    None => Cell::Null,
                    Some(x) => i64::try_from(x).map_or(Cell::Decimal(Decimal::from(x)), Cell::Int),
                };
                b.push(src, cell);
            }
        }
        DataType::Float32 => {
            for v in array.as_primitive::<Float32Type>().iter() {
                // An f32 widened to f64 keeps its value; its shortest f32 form is what was meant.
                b.push(
                    src,
                    v.map_or(Cell::Null, |x| Cell::Float(format!("{x}").parse().unwrap_or(f64::NAN))),
                );
            }
        }
        DataType::Float64 => {
            for v in array.as_primitive::<Float64Type>().iter() {
                b.push(src, v.map_or(Cell::Null, Cell::Float));
            }
        }
        DataType::Boolean => {
            for v in array.as_boolean().iter() {
                b.push(src, v.map_or(Cell::Null, Cell::Bool));
            }
        }
        DataType::Decimal64(_, scale) => {
            let scale = *scale;
            for v in array.as_primitive::<Decimal64Type>().iter() {
                b.push(src, decimal_cell(v.map(i128::from), scale));
            }
        }
        DataType::Decimal128(_, scale) => {
            let scale = *scale;
            for v in array.as_primitive::<Decimal128Type>().iter() {
                b.push(src, decimal_cell(v, scale));
            }
        }
        DataType::Timestamp(unit, _) => {
            let (mul, div) = match unit {
                TimeUnit::Second => (1_000_000, 1),
                TimeUnit::Millisecond => (1_000, 1),
                TimeUnit::Microsecond => (1, 1),
                TimeUnit::Nanosecond => (1, 1_000),
            };
            let values: Vec<Option<i64>> = match unit {
                TimeUnit::Second => array.as_primitive::<TimestampSecondType>().iter().collect(),
                TimeUnit::Millisecond => array.as_primitive::<TimestampMillisecondType>().iter().collect(),
                TimeUnit::Microsecond => array.as_primitive::<TimestampMicrosecondType>().iter().collect(),
                TimeUnit::Nanosecond => array.as_primitive::<TimestampNanosecondType>().iter().collect(),
            };
            for v in values {
                b.push(
                    src,
                    v.map_or(Cell::Null, |x| Cell::Instant(x.saturating_mul(mul).div_euclid(div))),
                );
            }
        }
        DataType::Date32 => {
            for v in array.as_primitive::<Date32Type>().iter() {
                b.push(src, v.map_or(Cell::Null, |d| Cell::date_days(i64::from(d))));
            }
        }
        _ => {
            // Rejected by `TableBuilder::new`; never reached for planned fields.
            for _ in 0..array.len() {
                b.push(src, Cell::Null);
            }
        }
    }
}

fn decimal_cell(v: Option<i128>, scale: i8) -> Cell<'static> {
    match v {
        None => Cell::Null,
        Some(x) => decimal(x, scale).map_or(Cell::Float(f64::NAN), Cell::Decimal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn negative_scale_decimals() {
        assert_eq!(decimal(12, -2), Some(Decimal::from(1200)));
        assert_eq!(decimal(1234, 2), Some(Decimal::new(1234, 2)));
    }
}
