//! CSV (docs/datasets.md): UTF-8 with or without a byte-order mark, comma-separated, CRLF or LF line
//! ends, quoted fields as in RFC 4180. Every value is text, read by what the configuration
//! uses it for (an unreadable value becomes `INVALID_VALUE`, not an error for the file).
//! A row with more or fewer fields than the header, or bytes that are not UTF-8, make the
//! whole file unreadable: an error naming the file and the line.

use std::path::Path;

use crate::model::table::{FieldPlan, Table};

use super::ImportError;
use super::sink::{Cell, SourceType, TableBuilder};

fn reader(path: &Path) -> Result<csv::Reader<std::fs::File>, ImportError> {
    let file = std::fs::File::open(path).map_err(|e| ImportError::io(path, e))?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(file))
}

/// The line (1-based) of the file of the record the reader places at byte `byte`: the csv reader counts records,
/// not the line ends inside quoted fields, so a message would point a user at the wrong line.
fn line_at(path: &Path, byte: u64) -> Option<u64> {
    use std::io::Read;
    let file = std::fs::File::open(path).ok()?;
    let mut prefix = Vec::new();
    file.take(byte + 1).read_to_end(&mut prefix).ok()?;
    // After a CRLF the reader places the next record at the LF: the record starts after it.
    Some(prefix.iter().filter(|b| **b == b'\n').count() as u64 + 1)
}

fn error(path: &Path, e: &csv::Error) -> ImportError {
    let line = e.position().and_then(|p| line_at(path, p.byte()));
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            let fields = |n: u64| {
                if n == 1 {
                    "1 field".to_string()
                } else {
                    format!("{n} fields")
                }
            };
            format!("{}, but the header has {}", fields(*len), fields(*expected_len))
        }
        csv::ErrorKind::Utf8 { err, .. } => format!("field {} is not UTF-8 text", err.field() + 1),
        csv::ErrorKind::Io(io) => format!("cannot read: {io}"),
        _ => format!("cannot read CSV: {e}"),
    };
    ImportError::Format {
        path: path.to_path_buf(),
        message: match line {
            Some(l) => format!("line {l}: {message}"),
            None => message,
        },
    }
}

/// The header's column names (a byte-order mark is not part of the first), all text.
pub fn columns_of(path: &Path) -> Result<Vec<(String, SourceType)>, ImportError> {
    let mut r = reader(path)?;
    header(path, &mut r)
}

fn header(path: &Path, r: &mut csv::Reader<std::fs::File>) -> Result<Vec<(String, SourceType)>, ImportError> {
    let names = r.headers().map_err(|e| error(path, &e))?;
    Ok(names
        .iter()
        .map(|n| (n.trim_start_matches('\u{feff}').to_string(), SourceType::Text))
        .collect())
}

/// Reads a CSV file into a table of the plan's fields.
pub fn read(path: &Path, plan: &FieldPlan) -> Result<Table, ImportError> {
    let mut r = reader(path)?;
    let columns = header(path, &mut r)?;
    let mut builder = TableBuilder::new(path, plan, &columns)?;
    let used = builder.used_sources();
    let mut record = csv::ByteRecord::new();
    let mut rows = 0usize;
    loop {
        match r.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(error(path, &e)),
        }
        for &source in &used {
            let bytes = record.get(source).unwrap_or_default();
            let text = std::str::from_utf8(bytes).map_err(|_| ImportError::Format {
                path: path.to_path_buf(),
                message: format!(
                    "line {}: field \"{}\" is not UTF-8 text",
                    record.position().and_then(|p| line_at(path, p.byte())).unwrap_or(0),
                    columns[source].0
                ),
            })?;
            builder.push(source, if text.is_empty() { Cell::Null } else { Cell::Text(text) });
        }
        rows += 1;
    }
    builder.rows = rows;
    Ok(builder.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::table::{Column, Form};

    fn plan() -> FieldPlan {
        let mut plan = FieldPlan::default();
        plan.add("id", Form::Id, true);
        plan.add("n", Form::Number, true);
        plan
    }

    fn read_text(text: &str) -> Result<Table, ImportError> {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("x.csv");
        std::fs::write(&path, text).unwrap();
        read(&path, &plan())
    }

    #[test]
    fn quoted_fields_crlf_and_a_byte_order_mark() {
        let t = read_text("\u{feff}id,other,n\r\n\"a,1\",\"say \"\"hi\"\"\",1.50\r\nb,,\r\n").unwrap();
        assert_eq!(t.rows, 2);
        let Some(Column::Id(ids)) = t.column("id", Form::Id) else {
            panic!("no id column")
        };
        assert_eq!(ids.get(0), "a,1");
        let Some(Column::Number(n)) = t.column("n", Form::Number) else {
            panic!("no number column")
        };
        assert_eq!(n.values[0].to_string(), "1.50");
        assert_eq!(n.states[1], crate::model::table::CellState::Null);
    }

    #[test]
    fn a_row_with_more_or_fewer_fields_names_the_line() {
        for (text, wanted) in [
            ("id,n\na,1\nb,2,3\n", "line 3: 3 fields, but the header has 2 fields"),
            ("id,n\na,1\nb,2\nc\n", "line 4: 1 field, but the header has 2 fields"),
            (
                "id,n\r\n\"multi\nline\",1\r\nb\r\n",
                "line 4: 1 field, but the header has 2 fields",
            ),
        ] {
            let e = read_text(text).unwrap_err().to_string();
            assert!(e.contains("x.csv") && e.contains(wanted), "{e}");
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_name_the_line() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("x.csv");
        std::fs::write(&path, b"id,n\na,1\n\xff\xfe,2\n").unwrap();
        let e = read(&path, &plan()).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("\"id\" is not UTF-8"), "{e}");
    }
}
