//! Spreadsheets (xlsx, xls, ods) through calamine: the first sheet, header in row 1.
//! Date cells are UTC instants; error cells (`#N/A`) are unreadable values.

use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto};

use crate::model::table::{FieldPlan, Table};

use super::ImportError;
use super::sink::{Cell, SourceType, TableBuilder};

pub fn read(path: &Path, plan: &FieldPlan) -> Result<Table, ImportError> {
    let bad = |message: String| ImportError::Format {
        path: path.to_path_buf(),
        message,
    };
    let mut workbook = open_workbook_auto(path).map_err(|e| bad(format!("cannot open spreadsheet: {e}")))?;
    let sheet_name = workbook.sheet_names().first().cloned().unwrap_or_default();
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| bad("the workbook has no sheet".to_string()))?
        .map_err(|e| bad(format!("sheet '{sheet_name}': {e}")))?;
    let mut rows = range.rows();
    let header: Vec<(String, SourceType)> = match rows.next() {
        Some(h) => h
            .iter()
            .map(|c| (c.to_string().trim().to_string(), SourceType::Text))
            .collect(),
        None => Vec::new(),
    };
    let mut builder = TableBuilder::new(path, plan, &header)?;
    let used = builder.used_sources();
    let mut count = 0;
    for (r, row) in rows.enumerate() {
        if row.iter().all(|c| matches!(c, Data::Empty)) {
            continue;
        }
        for src in &used {
            let data = row.get(*src).unwrap_or(&Data::Empty);
            let text;
            let cell = match data {
                Data::Empty => Cell::Null,
                Data::Int(i) => Cell::Int(*i),
                Data::Float(f) => {
                    if f.fract() == 0.0 && f.abs() < 9.0e15 {
                        Cell::Int(*f as i64)
                    } else {
                        Cell::Float(*f)
                    }
                }
                Data::String(s) => Cell::Text(s),
                Data::Bool(b) => Cell::Bool(*b),
                Data::DateTime(dt) => match dt.as_datetime() {
                    Some(ndt) => Cell::Instant(ndt.and_utc().timestamp_micros()),
                    None => {
                        text = format!("{dt}");
                        Cell::Text(&text)
                    }
                },
                Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s),
                Data::Error(e) => {
                    // Keep the cell reference so the suspense message can point at it.
                    text = format!("{e:?} (sheet '{sheet_name}', row {})", r + 2);
                    Cell::Text(&text)
                }
            };
            builder.push(*src, cell);
        }
        count += 1;
    }
    builder.rows = count;
    Ok(builder.finish())
}
