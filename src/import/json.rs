//! Newline-delimited JSON: one object per line. A line that is not a JSON object makes the
//! file unreadable (an error naming the line); a value of the wrong kind is read by its role.

use std::io::{BufRead, BufReader};
use std::path::Path;

use serde_json::Value;

use crate::model::table::{FieldPlan, Table};

use super::ImportError;
use super::sink::{Cell, SourceType, TableBuilder};

pub fn read(path: &Path, plan: &FieldPlan) -> Result<Table, ImportError> {
    let file = std::fs::File::open(path).map_err(|e| ImportError::io(path, e))?;
    let mut records: Vec<serde_json::Map<String, Value>> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| ImportError::io(path, e))?;
        let text = line.trim_start_matches('\u{feff}').trim();
        if text.is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(text).map_err(|e| ImportError::Format {
            path: path.to_path_buf(),
            message: format!("line {}: not valid JSON: {e}", i + 1),
        })?;
        let Value::Object(map) = value else {
            return Err(ImportError::Format {
                path: path.to_path_buf(),
                message: format!("line {}: expected one JSON object per line", i + 1),
            });
        };
        for k in map.keys() {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
        records.push(map);
    }
    // JSON carries no schema: every column is read value by value, like text.
    let columns: Vec<(String, SourceType)> = names.iter().map(|n| (n.clone(), SourceType::Text)).collect();
    let mut builder = TableBuilder::new(path, plan, &columns)?;
    let used = builder.used_sources();
    for record in &records {
        for src in &used {
            let cell_text;
            let cell = match record.get(&names[*src]) {
                None | Some(Value::Null) => Cell::Null,
                Some(Value::Bool(b)) => Cell::Bool(*b),
                Some(Value::String(s)) => Cell::Text(s),
                Some(Value::Number(n)) => match n.as_i64() {
                    Some(i) => Cell::Int(i),
                    None => {
                        cell_text = n.to_string();
                        Cell::Text(&cell_text)
                    }
                },
                Some(other) => {
                    cell_text = other.to_string();
                    Cell::Text(&cell_text)
                }
            };
            builder.push(*src, cell);
        }
    }
    builder.rows = records.len();
    Ok(builder.finish())
}
