//! The spreadsheet rate card (docs/configuration.md, "The rate card workbook"): a `.xlsx`
//! or `.ods` workbook equivalent to `billing.toml`, one sheet per section, header in row 1,
//! one entry per row. It is read into configuration text, one key per line, and validated
//! by the very code that validates TOML; every line remembers the cell it came from, so
//! each problem names its sheet and cell (`ob!F7: …`).

use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto};

use crate::model::config::{Config, ConfigError, ConfigIssue};

/// The sections read, in the order written into the text (`billing` first; `tiers` goes
/// into the charges).
const SECTIONS: [&str; 10] = [
    "billing",
    "dataset",
    "dimension",
    "ob",
    "ob_table",
    "meter",
    "charge",
    "fee",
    "allocation",
    "fx",
];

/// Keys holding comma-separated lists.
const LIST_KEYS: [&str; 3] = ["keys", "breakdown", "obs"];
/// Keys holding `field: v1, v2; field2: v3` conditions.
const CONDITION_KEYS: [&str; 2] = ["where", "exclude"];
const BOOL_KEYS: [&str; 2] = ["required", "prorate"];
const INT_KEYS: [&str; 2] = ["decimals", "version"];

/// Whether a path names a rate-card workbook rather than TOML.
pub fn is_workbook(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "xlsx" | "xlsm" | "ods"))
}

/// Where a line of the generated text came from.
#[derive(Debug, Clone)]
struct Origin {
    sheet: usize,
    /// 1-based row.
    row: u32,
    /// 0-based column, for a key line; `None` for an entry's first line.
    col: Option<u32>,
}

/// One sheet as read: its name as written and its column headers.
struct SheetInfo {
    name: String,
    headers: Vec<(String, u32)>,
}

/// `A`, `B`, … `Z`, `AA` for a 0-based column.
pub fn column_name(col: u32) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = ((n - 1) % 26) as u8;
        out.push(b'A' + r);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The text of a cell, `None` when empty; an error cell is an error naming it.
fn cell_text(d: &Data) -> Result<Option<String>, String> {
    Ok(match d {
        Data::Empty => None,
        Data::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        // The shortest decimal form that reads back to the same double.
        Data::Float(f) => Some(format!("{f}")),
        Data::Int(i) => Some(i.to_string()),
        Data::Bool(b) => Some(b.to_string()),
        Data::DateTime(dt) => dt.as_datetime().map(|t| {
            if t.time() == chrono::NaiveTime::MIN {
                t.date().format("%Y-%m-%d").to_string()
            } else {
                t.format("%Y-%m-%dT%H:%M:%S").to_string()
            }
        }),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Some(s.strip_suffix("T00:00:00").unwrap_or(s).to_string()),
        Data::Error(e) => return Err(format!("the cell holds the error {e}")),
    })
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A condition value: `true`/`false`, a number, `"quoted"` text, or text.
fn literal(v: &str) -> String {
    let v = v.trim();
    if let Some(inner) = v.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        return toml_string(inner);
    }
    match v.to_ascii_lowercase().as_str() {
        "true" | "false" => return v.to_ascii_lowercase(),
        _ => {}
    }
    if let Ok(i) = v.parse::<i64>() {
        return i.to_string();
    }
    if let Ok(f) = v.parse::<f64>()
        && f.is_finite()
        && crate::model::money::parse_decimal(v).is_some()
    {
        let shown = format!("{f}");
        return if shown.contains('.') {
            shown
        } else {
            format!("{shown}.0")
        };
    }
    toml_string(v)
}

/// The TOML value of `key` written as `text` in a cell. A value that does not fit its key
/// is written as text, so that the validation reports it at this cell.
fn toml_value(key: &str, text: &str) -> String {
    if LIST_KEYS.contains(&key) {
        let items: Vec<String> = text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(toml_string)
            .collect();
        return format!("[{}]", items.join(", "));
    }
    if CONDITION_KEYS.contains(&key) {
        let mut fields = Vec::new();
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((field, values)) = part.split_once(':') else {
                return toml_string(text);
            };
            let values: Vec<String> = values
                .split(',')
                .filter(|v| !v.trim().is_empty())
                .map(literal)
                .collect();
            fields.push(format!("{} = [{}]", toml_string(field.trim()), values.join(", ")));
        }
        return format!("{{ {} }}", fields.join(", "));
    }
    if BOOL_KEYS.contains(&key) {
        // LibreOffice keeps a boolean cell as 1 or 0 with a boolean format.
        match text.to_ascii_lowercase().as_str() {
            "true" | "1" => return "true".to_string(),
            "false" | "0" => return "false".to_string(),
            _ => {}
        }
    }
    if INT_KEYS.contains(&key)
        && let Ok(i) = text.parse::<i64>()
    {
        return i.to_string();
    }
    toml_string(text)
}

/// The configuration text of a workbook with the origin of every line.
struct Text {
    text: String,
    origins: Vec<Option<Origin>>,
    sheets: Vec<SheetInfo>,
}

impl Text {
    fn line(&mut self, line: String, origin: Option<Origin>) {
        self.text.push_str(&line);
        self.text.push('\n');
        self.origins.push(origin);
    }

    /// Where a problem reported on `line` is: the key's cell, or for an entry the cell of
    /// the first column the message names, else the row.
    fn locate(&self, line: usize, message: &str) -> Option<String> {
        let o = self.origins.get(line.checked_sub(1)?)?.as_ref()?;
        let sheet = &self.sheets[o.sheet];
        let col = o.col.or_else(|| {
            sheet
                .headers
                .iter()
                .find(|(h, _)| {
                    message
                        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .any(|w| w == h)
                })
                .map(|(_, c)| *c)
        });
        Some(match col {
            Some(c) => format!("{}!{}{}", sheet.name, column_name(c), o.row),
            None => format!("{} row {}", sheet.name, o.row),
        })
    }
}

type Rows = Vec<Vec<Data>>;

/// Reads a rate-card workbook and validates it as a configuration.
pub fn read(path: &Path) -> Result<Config, ConfigError> {
    let invalid = |at: String, message: String| ConfigError::Invalid {
        path: path.to_path_buf(),
        issues: vec![ConfigIssue {
            line: 0,
            message,
            at: Some(at),
        }],
    };
    let bytes = std::fs::read(path).map_err(|source| ConfigError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let sheets = load_sheets(path)?;
    let find = |wanted: &str| sheets.iter().position(|(n, _)| n.trim().eq_ignore_ascii_case(wanted));
    let mut out = Text {
        text: String::new(),
        origins: Vec::new(),
        sheets: Vec::new(),
    };
    out.line(
        format!("# generated from the rate-card workbook {}", path.display()),
        None,
    );
    let tiers = match find("tiers") {
        Some(i) => entries(&sheets[i].1).map_err(|(r, c, m)| invalid(cell(&sheets[i].0, r, c), m))?,
        None => Vec::new(),
    };
    let tiers_sheet = find("tiers").map(|i| {
        out.sheets.push(SheetInfo {
            name: sheets[i].0.clone(),
            headers: headers(&sheets[i].1),
        });
        out.sheets.len() - 1
    });
    let mut tier_used = vec![false; tiers.len()];
    for section in SECTIONS {
        let Some(i) = find(section) else { continue };
        let (name, rows) = &sheets[i];
        out.sheets.push(SheetInfo {
            name: name.clone(),
            headers: headers(rows),
        });
        let sheet = out.sheets.len() - 1;
        let list = entries(rows).map_err(|(r, c, m)| invalid(cell(name, r, c), m))?;
        if section == "billing" {
            out.line(
                "[billing]".to_string(),
                Some(Origin {
                    sheet,
                    row: 1,
                    col: None,
                }),
            );
            for e in &list {
                let key = e.get("key").map(|(t, _)| t.to_ascii_lowercase());
                let (Some(key), Some((value, col))) = (key, e.get("value")) else {
                    continue;
                };
                out.line(
                    format!("{} = {}", key, toml_value(&key, value)),
                    Some(Origin {
                        sheet,
                        row: e.row,
                        col: Some(*col),
                    }),
                );
            }
            continue;
        }
        for e in &list {
            out.line(
                format!("[[{section}]]"),
                Some(Origin {
                    sheet,
                    row: e.row,
                    col: None,
                }),
            );
            for (key, (value, col)) in &e.cells {
                // In [[ob_table]], `keys` names a column: one text, not a list.
                let rendered = if section == "ob_table" && key == "keys" {
                    toml_string(value)
                } else {
                    toml_value(key, value)
                };
                out.line(
                    format!("{} = {}", toml_string(key), rendered),
                    Some(Origin {
                        sheet,
                        row: e.row,
                        col: Some(*col),
                    }),
                );
            }
            if section == "charge" {
                let concept = e.get("concept").map(|(t, _)| t.as_str()).unwrap_or("");
                let obs = list_of(e.get("obs").map(|(t, _)| t.as_str()));
                for (t, used) in tiers.iter().zip(tier_used.iter_mut()) {
                    let same = t.get("concept").map(|(c, _)| c.as_str()) == Some(concept)
                        && list_of(t.get("obs").map(|(o, _)| o.as_str())) == obs;
                    if !same {
                        continue;
                    }
                    *used = true;
                    out.line(
                        "[[charge.tiers]]".to_string(),
                        tiers_sheet.map(|sheet| Origin {
                            sheet,
                            row: t.row,
                            col: None,
                        }),
                    );
                    for (key, (value, col)) in t.cells.iter().filter(|(k, _)| *k != "concept" && *k != "obs") {
                        out.line(
                            format!("{} = {}", toml_string(key), toml_value(key, value)),
                            tiers_sheet.map(|sheet| Origin {
                                sheet,
                                row: t.row,
                                col: Some(*col),
                            }),
                        );
                    }
                }
            }
        }
    }
    if let (Some(i), Some(unused)) = (find("tiers"), tier_used.iter().position(|u| !u)) {
        let t = &tiers[unused];
        return Err(invalid(
            cell(&sheets[i].0, t.row, 0),
            format!(
                "no charge row has concept \"{}\" with obs \"{}\": a tier belongs to the charge of the same concept and obs",
                t.get("concept").map_or("", |(c, _)| c.as_str()),
                t.get("obs").map_or("", |(o, _)| o.as_str())
            ),
        ));
    }
    let mut config = Config::parse_located(&out.text, path, &|line, message| out.locate(line, message))?;
    config.sha256 = crate::import::sha256_bytes(&bytes);
    Ok(config)
}

/// Every sheet of the workbook with its rows, row 1 of the sheet first.
fn load_sheets(path: &Path) -> Result<Vec<(String, Rows)>, ConfigError> {
    let mut wb = open_workbook_auto(path).map_err(|e| ConfigError::Syntax {
        path: path.to_path_buf(),
        message: format!("not a readable rate-card workbook: {e}"),
    })?;
    let mut sheets: Vec<(String, Rows)> = Vec::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).map_err(|e| ConfigError::Syntax {
            path: path.to_path_buf(),
            message: format!("sheet {name}: {e}"),
        })?;
        // Row 1 of the sheet is row 0 here whatever the range's start.
        let (top, left) = range.start().unwrap_or((0, 0));
        let mut rows: Rows = vec![Vec::new(); top as usize];
        for r in range.rows() {
            let mut row = vec![Data::Empty; left as usize];
            row.extend(r.iter().cloned());
            rows.push(row);
        }
        sheets.push((name, rows));
    }
    Ok(sheets)
}

fn cell(sheet: &str, row: u32, col: u32) -> String {
    format!("{sheet}!{}{row}", column_name(col))
}

/// A comma-separated list, trimmed, for comparing `obs` of tiers and charges.
fn list_of(text: Option<&str>) -> Vec<String> {
    text.unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn headers(rows: &Rows) -> Vec<(String, u32)> {
    rows.first()
        .map(|h| {
            h.iter()
                .enumerate()
                .filter_map(|(c, d)| {
                    let name = cell_text(d).ok().flatten()?.to_ascii_lowercase();
                    Some((name, c as u32))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One row of a sheet: its non-empty cells by header, with their columns.
struct Entry {
    row: u32,
    cells: Vec<(String, (String, u32))>,
}

impl Entry {
    fn get(&self, key: &str) -> Option<&(String, u32)> {
        self.cells.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// The entries of a sheet: rows below the header, blank rows skipped.
fn entries(rows: &Rows) -> Result<Vec<Entry>, (u32, u32, String)> {
    let headers = headers(rows);
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate().skip(1) {
        let r = i as u32 + 1;
        let mut cells = Vec::new();
        for (name, c) in &headers {
            let Some(d) = row.get(*c as usize) else { continue };
            match cell_text(d) {
                Ok(Some(t)) => cells.push((name.clone(), (t, *c))),
                Ok(None) => {}
                Err(m) => return Err((r, *c, m)),
            }
        }
        if !cells.is_empty() {
            out.push(Entry { row: r, cells });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_become_typed_toml_values() {
        assert_eq!(toml_value("keys", "ES, es-x ,"), r#"["ES", "es-x"]"#);
        assert_eq!(
            toml_value(
                "where",
                r#"interaction_type: voice, text; is_test: false; code: "123", 7"#
            ),
            r#"{ "interaction_type" = ["voice", "text"], "is_test" = [false], "code" = ["123", 7] }"#
        );
        assert_eq!(toml_value("where", "no colon here"), r#""no colon here""#);
        assert_eq!(toml_value("prorate", "TRUE"), "true");
        assert_eq!(toml_value("decimals", "2"), "2");
        assert_eq!(toml_value("decimals", "two"), r#""two""#);
        assert_eq!(toml_value("unit_price", "0.0125"), r#""0.0125""#);
        assert_eq!(literal("1.5"), "1.5");
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
    }

    #[test]
    fn numeric_cells_read_by_their_shortest_decimal_form() {
        assert_eq!(cell_text(&Data::Float(0.1)).unwrap().as_deref(), Some("0.1"));
        assert_eq!(cell_text(&Data::Float(1500.0)).unwrap().as_deref(), Some("1500"));
        assert!(cell_text(&Data::Error(calamine::CellErrorType::Div0)).is_err());
    }
}
