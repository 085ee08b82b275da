//! Parquet through polars' lazy scan: only the planned columns are read (projection
//! pushdown).

use std::path::Path;

use polars::prelude::*;
use rust_decimal::Decimal;

use crate::model::money::parse_decimal;
use crate::model::table::{FieldPlan, Table};

use super::ImportError;
use super::sink::{Cell, SourceType, TableBuilder};

fn parquet_scan(path: &Path) -> Result<(LazyFrame, impl Fn(PolarsError) -> ImportError), ImportError> {
    let bad = |e: PolarsError| ImportError::Format {
        path: path.to_path_buf(),
        message: format!("cannot read Parquet: {e}"),
    };
    let pl_path = PlRefPath::try_from_path(path).map_err(bad)?;
    let lf = LazyFrame::scan_parquet(pl_path, ScanArgsParquet::default()).map_err(bad)?;
    Ok((lf, bad))
}

/// Reads a Parquet file.
pub fn read_parquet(path: &Path, plan: &FieldPlan) -> Result<Table, ImportError> {
    let (lf, bad) = parquet_scan(path)?;
    read_lazy(path, plan, lf, bad)
}

/// The columns of a Parquet file (from its footer), without reading records.
pub fn columns_of(path: &Path) -> Result<Vec<(String, SourceType)>, ImportError> {
    let (mut lf, bad) = parquet_scan(path)?;
    Ok(lazy_columns(&mut lf, &bad)?.1)
}

/// A scan's columns: the raw names, and each as the import sees it (name and type).
type ScanColumns = (Vec<PlSmallStr>, Vec<(String, SourceType)>);

fn lazy_columns(lf: &mut LazyFrame, bad: &impl Fn(PolarsError) -> ImportError) -> Result<ScanColumns, ImportError> {
    let schema = lf.collect_schema().map_err(bad)?;
    let columns = schema
        .iter_names()
        .zip(schema.iter_values())
        .map(|(n, dt)| (n.to_string(), source_type(dt)))
        .collect();
    Ok((schema.iter_names().cloned().collect(), columns))
}

fn read_lazy(
    path: &Path,
    plan: &FieldPlan,
    mut lf: LazyFrame,
    bad: impl Fn(PolarsError) -> ImportError,
) -> Result<Table, ImportError> {
    let (raw_names, columns) = lazy_columns(&mut lf, &bad)?;
    let mut builder = TableBuilder::new(path, plan, &columns)?;
    let used = builder.used_sources();
    if used.is_empty() {
        let df = lf.select([len()]).collect().map_err(&bad)?;
        builder.rows = df
            .column("len")
            .ok()
            .and_then(|c| c.get(0).ok())
            .and_then(|v| v.extract::<usize>())
            .unwrap_or(0);
        return Ok(builder.finish());
    }
    let exprs: Vec<Expr> = used.iter().map(|i| col(raw_names[*i].clone())).collect();
    let df = lf.select(exprs).collect().map_err(&bad)?;
    for (out_idx, source_idx) in used.iter().enumerate() {
        let series = df.columns()[out_idx].as_materialized_series().rechunk();
        push_series(&mut builder, *source_idx, &series).map_err(&bad)?;
    }
    builder.rows = df.height();
    Ok(builder.finish())
}

fn source_type(dt: &DataType) -> SourceType {
    match dt {
        DataType::String => SourceType::Text,
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
        DataType::Decimal(_, _) => SourceType::Decimal,
        DataType::Datetime(_, _) => SourceType::Timestamp,
        DataType::Date => SourceType::Date,
        _ => SourceType::Other,
    }
}

fn push_series(b: &mut TableBuilder, src: usize, s: &Series) -> PolarsResult<()> {
    match s.dtype() {
        DataType::String => {
            for v in s.str()?.iter() {
                b.push(src, v.map_or(Cell::Null, Cell::Text));
            }
        }
        DataType::Boolean => {
            for v in s.bool()?.iter() {
                b.push(src, v.map_or(Cell::Null, Cell::Bool));
            }
        }
        DataType::Float32 | DataType::Float64 => {
            let f = s.cast(&DataType::Float64)?;
            let is_f32 = matches!(s.dtype(), DataType::Float32);
            for v in f.f64()?.iter() {
                let cell = match v {
                    None => Cell::Null,
                    // An f32's shortest form is what was written, not its widened f64 digits.
                    Some(x) if is_f32 => Cell::Float(format!("{}", x as f32).parse().unwrap_or(f64::NAN)),
                    Some(x) => Cell::Float(x),
                };
                b.push(src, cell);
            }
        }
        DataType::UInt64 => {
            for v in s.u64()?.iter() {
                let cell = match v {
                    None => Cell::Null,
                    Some(x) => i64::try_from(x).map_or(Cell::Decimal(Decimal::from(x)), Cell::Int),
                };
                b.push(src, cell);
            }
        }
        dt if dt.is_integer() => {
            let i = s.cast(&DataType::Int64)?;
            for v in i.i64()?.iter() {
                b.push(src, v.map_or(Cell::Null, Cell::Int));
            }
        }
        DataType::Decimal(_, _) => {
            // Exact: polars prints decimals with their full scale.
            let t = s.cast(&DataType::String)?;
            for v in t.str()?.iter() {
                let cell = match v {
                    None => Cell::Null,
                    Some(x) => parse_decimal(x).map_or(Cell::Float(f64::NAN), Cell::Decimal),
                };
                b.push(src, cell);
            }
        }
        DataType::Datetime(unit, _) => {
            let (mul, div) = match unit {
                TimeUnit::Milliseconds => (1_000i64, 1i64),
                TimeUnit::Microseconds => (1, 1),
                TimeUnit::Nanoseconds => (1, 1_000),
            };
            let phys = s.to_physical_repr();
            for v in phys.i64()?.iter() {
                b.push(
                    src,
                    v.map_or(Cell::Null, |x| Cell::Instant(x.saturating_mul(mul).div_euclid(div))),
                );
            }
        }
        DataType::Date => {
            let phys = s.to_physical_repr();
            for v in phys.i32()?.iter() {
                b.push(src, v.map_or(Cell::Null, |d| Cell::date_days(i64::from(d))));
            }
        }
        _ => {
            for _ in 0..s.len() {
                b.push(src, Cell::Null);
            }
        }
    }
    Ok(())
}

/// Writes a polars frame as Parquet (used by the sample generator and the tests).
pub fn write_parquet(path: &Path, df: &mut DataFrame) -> Result<(), ImportError> {
    let file = std::fs::File::create(path).map_err(|e| ImportError::io(path, e))?;
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Snappy)
        .finish(df)
        .map_err(|e| ImportError::Format {
            path: path.to_path_buf(),
            message: format!("cannot write Parquet: {e}"),
        })?;
    Ok(())
}
