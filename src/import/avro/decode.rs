//! The direct decoder: the top-level fields a table reads, decoded by the schema walk
//! straight into cells, with no Arrow arrays in between. It reads only the shapes of every
//! export we know (see `Direct`); a file with any other planned field goes to arrow-avro.

use serde_json::Value;

use super::walk::{skip, varint};
use crate::import::sink::{Cell, TableBuilder};

/// A top-level field the walk decodes itself: a plain value, or a two-branch union of
/// null and that value. These are the shapes of every export we know; any other shape
/// (decimals, named type references, other logical types) makes the whole file go
/// through arrow-avro instead, so what a value reads as never depends on the path.
#[derive(Debug, Clone)]
pub(super) struct Direct {
    /// The null branch's index in a `["null", T]` or `[T, "null"]` union.
    null_branch: Option<i64>,
    leaf: Leaf,
}

/// The value types of `Direct`, each read into the cell arrow-avro's array would give.
#[derive(Debug, Clone)]
enum Leaf {
    Text,
    Enum(Vec<String>),
    Int,
    Long,
    Float,
    Double,
    Boolean,
    /// timestamp-millis and local-timestamp-millis.
    Millis,
    /// timestamp-micros and local-timestamp-micros.
    Micros,
    Date,
}

impl Leaf {
    fn of(schema: &Value) -> Option<Leaf> {
        let primitive = |name: &str| match name {
            "string" => Some(Leaf::Text),
            "int" => Some(Leaf::Int),
            "long" => Some(Leaf::Long),
            "float" => Some(Leaf::Float),
            "double" => Some(Leaf::Double),
            "boolean" => Some(Leaf::Boolean),
            _ => None,
        };
        match schema {
            Value::String(name) => primitive(name),
            Value::Object(o) => {
                let kind = o.get("type")?.as_str()?;
                match (kind, o.get("logicalType").and_then(Value::as_str)) {
                    ("enum", _) => Some(Leaf::Enum(
                        o.get("symbols")?
                            .as_array()?
                            .iter()
                            .map(|s| s.as_str().map(str::to_string))
                            .collect::<Option<_>>()?,
                    )),
                    (kind, None) => primitive(kind),
                    ("long", Some("timestamp-millis" | "local-timestamp-millis")) => Some(Leaf::Millis),
                    ("long", Some("timestamp-micros" | "local-timestamp-micros")) => Some(Leaf::Micros),
                    ("int", Some("date")) => Some(Leaf::Date),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

impl Direct {
    pub(super) fn of(schema: &Value) -> Option<Direct> {
        match schema {
            Value::Array(branches) if branches.len() == 2 => {
                let null_at = branches.iter().position(|b| b == "null")?;
                Some(Direct {
                    null_branch: Some(null_at as i64),
                    leaf: Leaf::of(&branches[1 - null_at])?,
                })
            }
            Value::Array(_) => None,
            other => Some(Direct {
                null_branch: None,
                leaf: Leaf::of(other)?,
            }),
        }
    }
}

/// Decodes one top-level field's value into `builder`'s columns of source `source`, with
/// the checks of `Walker::walk` (and UTF-8 for strings, which arrow-avro checks too).
pub(super) fn decode(
    d: &Direct,
    data: &[u8],
    at: &mut usize,
    b: &mut TableBuilder,
    source: usize,
) -> Result<(), String> {
    if is_null(d, data, at)? {
        // As arrow's arrays give them: a null text is pushed like a null of `push_texts`.
        match d.leaf {
            Leaf::Text => b.push_text(source, None),
            _ => b.push(source, Cell::Null),
        }
        return Ok(());
    }
    if let Leaf::Text = d.leaf {
        let bytes = text(data, at)?;
        return b
            .push_bytes(source, bytes)
            .map_err(|e| format!("a string that is not UTF-8: {e}"));
    }
    let cell = cell(&d.leaf, data, at)?;
    b.push(source, cell);
    Ok(())
}

/// Reads past one top-level field's value with every check `decode` makes, the UTF-8 of a
/// string included, and keeps nothing of it: for a record a `RowGate` leaves unread, so
/// that a file is refused or read alike whatever the gate.
pub(super) fn pass(d: &Direct, data: &[u8], at: &mut usize) -> Result<(), String> {
    if is_null(d, data, at)? {
        return Ok(());
    }
    if let Leaf::Text = d.leaf {
        return crate::model::table::check_utf8(text(data, at)?)
            .map_err(|e| format!("a string that is not UTF-8: {e}"));
    }
    cell(&d.leaf, data, at).map(|_| ())
}

/// Reads a union's branch index, if the field is a union with null: whether the value is
/// the null.
fn is_null(d: &Direct, data: &[u8], at: &mut usize) -> Result<bool, String> {
    let Some(null_at) = d.null_branch else {
        return Ok(false);
    };
    let i = varint(data, at)?;
    if i == null_at {
        return Ok(true);
    }
    if i != 1 - null_at {
        return Err(format!("union branch index {i} outside the union of 2 branches"));
    }
    Ok(false)
}

/// A string's bytes (not yet checked for UTF-8).
fn text<'a>(data: &'a [u8], at: &mut usize) -> Result<&'a [u8], String> {
    let len = varint(data, at)?;
    let len = usize::try_from(len).map_err(|_| format!("a negative length {len}"))?;
    let start = *at;
    skip(data, at, len)?;
    Ok(&data[start..*at])
}

/// A value of any leaf but `Text`.
fn cell<'a>(leaf: &'a Leaf, data: &[u8], at: &mut usize) -> Result<Cell<'a>, String> {
    Ok(match leaf {
        Leaf::Text => unreachable!("texts are read by `text`"),
        Leaf::Enum(symbols) => {
            let i = varint(data, at)?;
            match usize::try_from(i).ok().and_then(|i| symbols.get(i)) {
                Some(symbol) => Cell::Text(symbol),
                None => return Err(format!("enum index {i} outside its {} symbols", symbols.len())),
            }
        }
        Leaf::Int => {
            let v = varint(data, at)?;
            i32::try_from(v).map_err(|_| format!("an int {v} outside 32 bits"))?;
            Cell::Int(v)
        }
        Leaf::Long => Cell::Int(varint(data, at)?),
        Leaf::Float => {
            let start = *at;
            skip(data, at, 4)?;
            let x = f32::from_le_bytes([data[start], data[start + 1], data[start + 2], data[start + 3]]);
            // An f32 widened to f64 keeps its value; its shortest f32 form is what was meant.
            Cell::Float(format!("{x}").parse().unwrap_or(f64::NAN))
        }
        Leaf::Double => {
            let start = *at;
            skip(data, at, 8)?;
            let mut le = [0u8; 8];
            le.copy_from_slice(&data[start..*at]);
            Cell::Float(f64::from_le_bytes(le))
        }
        Leaf::Boolean => match data.get(*at) {
            Some(&v @ (0 | 1)) => {
                *at += 1;
                Cell::Bool(v == 1)
            }
            Some(v) => return Err(format!("a boolean byte {v} is neither 0 nor 1")),
            None => return Err("the block ends inside a value".into()),
        },
        Leaf::Millis => Cell::Instant(varint(data, at)?.saturating_mul(1000)),
        Leaf::Micros => Cell::Instant(varint(data, at)?),
        Leaf::Date => {
            let v = varint(data, at)?;
            i32::try_from(v).map_err(|_| format!("a date {v} outside 32 bits"))?;
            Cell::date_days(v)
        }
    })
}
