//! Column sinks: every reader pushes cells of its own types here, and each sink reads them
//! into the form the configuration needs (docs/datasets.md, "How values are read": "a value is read by what the configuration
//! uses it for"). This is the one place where source types meet field roles.

use std::path::Path;

use rust_decimal::Decimal;

use crate::model::money::{decimal_from_f64, parse_decimal};
use crate::model::period::parse_instant_us;
use crate::model::table::{Column, FieldPlan, Form, Scalar, Table};

use super::ImportError;

/// The type class of a source column, for deciding whether a typed column can be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceType {
    Text,
    Int,
    Float,
    Bool,
    Decimal,
    Timestamp,
    Date,
    /// Anything else (lists, structs, binary): never readable.
    Other,
}

/// Whether a typed source column can hold values of `form` at all. Text can always be
/// tried value by value; a typed column of the wrong kind is an error for the whole file.
pub fn readable(form: Form, source: SourceType) -> bool {
    match form {
        Form::Id | Form::Value | Form::Distinct => source != SourceType::Other,
        Form::Time => matches!(source, SourceType::Text | SourceType::Timestamp | SourceType::Date),
        Form::Number => matches!(
            source,
            SourceType::Text | SourceType::Int | SourceType::Float | SourceType::Decimal
        ),
    }
}

/// One cell pushed by a reader.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    Null,
    Text(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    Decimal(Decimal),
    /// UTC microseconds.
    Instant(i64),
}

const MICROS_PER_DAY: i64 = 86_400_000_000;

impl Cell<'_> {
    pub fn date_days(days: i64) -> Cell<'static> {
        Cell::Instant(days * MICROS_PER_DAY)
    }

    /// A non-text cell as the scalar a value column keeps (texts are pushed as they are).
    fn scalar(&self) -> Scalar {
        match *self {
            Cell::Null => Scalar::Null,
            Cell::Text(t) => Scalar::Text(t.to_string()),
            Cell::Bool(b) => Scalar::Bool(b),
            Cell::Int(i) => Scalar::Number(Decimal::from(i)),
            Cell::Decimal(d) => Scalar::Number(d),
            Cell::Float(f) => match decimal_from_f64(f) {
                Some(d) => Scalar::Number(d),
                None => Scalar::Text(format!("{f}")),
            },
            Cell::Instant(_) => Scalar::Text(self.raw_text()),
        }
    }

    fn raw_text(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Text(t) => (*t).to_string(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(f) => format!("{f}"),
            Cell::Bool(b) => b.to_string(),
            Cell::Decimal(d) => d.to_string(),
            Cell::Instant(t) => chrono::DateTime::from_timestamp_micros(*t)
                .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
                .unwrap_or_default(),
        }
    }
}

/// Pushes `cell` into `column` read as its form.
pub fn push_cell(column: &mut Column, cell: Cell<'_>) {
    match column {
        Column::Id(c) => match cell {
            Cell::Null => c.push(None),
            Cell::Text(t) => c.push(Some(t)),
            other => c.push(Some(&other.raw_text())),
        },
        Column::Time(c) => match cell {
            Cell::Null => c.push_null(),
            Cell::Instant(t) => c.push(t),
            Cell::Text(t) if t.trim().is_empty() => c.push_null(),
            Cell::Text(t) => match parse_instant_us(t) {
                Some(v) => c.push(v),
                None => c.push_invalid(t.to_string()),
            },
            other => c.push_invalid(other.raw_text()),
        },
        Column::Number(c) => match cell {
            Cell::Null => c.push_null(),
            Cell::Int(i) => c.push(Decimal::from(i)),
            Cell::Decimal(d) => c.push(d),
            Cell::Float(f) => match decimal_from_f64(f) {
                Some(d) => c.push(d),
                None => c.push_invalid(format!("{f}")),
            },
            Cell::Text(t) if t.trim().is_empty() => c.push_null(),
            Cell::Text(t) => match parse_decimal(t) {
                Some(d) => c.push(d),
                None => c.push_invalid(t.to_string()),
            },
            other => c.push_invalid(other.raw_text()),
        },
        Column::Value(c) => match cell {
            Cell::Null => c.push_null(),
            Cell::Text(t) => c.push_text(t),
            other => c.push(other.scalar()),
        },
        Column::Distinct(c) => match cell {
            Cell::Null => c.push_hash(0),
            Cell::Text(t) => c.push_text(t),
            other => c.push(&other.scalar()),
        },
    }
}

/// Builds one file's table: which source column feeds which (field, form) columns.
pub struct TableBuilder {
    /// For each source column index: the target columns (indices into `targets`).
    pub routes: Vec<Vec<usize>>,
    pub targets: Vec<((String, Form), Column)>,
    pub rows: usize,
    /// The plan's `RowGate`, for a reader that reads record by record.
    gate: Option<Gate>,
    /// Whether the record being read is left unread (its time is outside the gate).
    leaving: bool,
    /// Per record read between `begin_record` and `end_record`: whether it was left unread.
    unread: Vec<bool>,
    /// Records begun (`begin_record`).
    records: usize,
    /// Records begun and not left unread: the rows of the columns a gate may skip.
    read: usize,
}

/// A `RowGate` resolved to source columns.
struct Gate {
    gate: crate::model::table::RowGate,
    /// The source column read as the gate's time.
    time: usize,
    /// Per source column: whether it feeds a field the gate keeps.
    kept: Vec<bool>,
    /// The targets of the source columns before `time` that feed no field kept: a record
    /// left unread may have pushed cells there before its time was read, and takes them
    /// back.
    early: Vec<usize>,
}

impl TableBuilder {
    /// Matches the plan's fields to `source_columns` (exact name first, then ignoring case)
    /// and checks types. A required field that is absent is an error naming the file.
    pub fn new(
        path: &Path,
        plan: &FieldPlan,
        source_columns: &[(String, SourceType)],
    ) -> Result<TableBuilder, ImportError> {
        let mut routes = vec![Vec::new(); source_columns.len()];
        let mut targets = Vec::new();
        for (field, form, required) in &plan.fields {
            let found = source_columns
                .iter()
                .position(|(n, _)| n == field)
                .or_else(|| source_columns.iter().position(|(n, _)| n.eq_ignore_ascii_case(field)));
            match found {
                Some(i) => {
                    let (name, source) = &source_columns[i];
                    if !readable(*form, *source) {
                        return Err(ImportError::WrongType {
                            path: path.to_path_buf(),
                            field: name.clone(),
                            found: format!("{source:?}").to_lowercase(),
                            wanted: form_wanted(*form),
                        });
                    }
                    routes[i].push(targets.len());
                    targets.push(((field.clone(), *form), Column::empty(*form)));
                }
                None if *required => {
                    return Err(ImportError::MissingColumn {
                        path: path.to_path_buf(),
                        field: field.clone(),
                        available: source_columns.iter().map(|(n, _)| n.clone()).collect(),
                    });
                }
                None => {}
            }
        }
        let gate = plan.gate.as_ref().and_then(|g| {
            let feeds = |i: usize, field: &str, form: Option<Form>| {
                routes[i]
                    .iter()
                    .any(|t| targets[*t].0.0 == field && form.is_none_or(|f| targets[*t].0.1 == f))
            };
            let time = (0..routes.len()).find(|i| feeds(*i, &g.time_field, Some(Form::Time)))?;
            let kept: Vec<bool> = (0..routes.len())
                .map(|i| g.keep.iter().any(|k| feeds(i, k, None)))
                .collect();
            let early = (0..time)
                .filter(|i| !kept[*i])
                .flat_map(|i| routes[i].iter().copied())
                .collect();
            Some(Gate {
                time,
                kept,
                early,
                gate: g.clone(),
            })
        });
        Ok(TableBuilder {
            routes,
            targets,
            rows: 0,
            gate,
            leaving: false,
            unread: Vec::new(),
            records: 0,
            read: 0,
        })
    }

    /// Starts a record, for a reader that reads record by record and asks `leaves`.
    pub fn begin_record(&mut self) {
        self.leaving = false;
        self.records += 1;
    }

    /// Whether the record being read may leave source column `source` unread: the plan
    /// has a `RowGate`, the record's time was read (as an instant) and lies outside it, and
    /// the column feeds no field the gate keeps.
    #[inline]
    pub fn leaves(&self, source: usize) -> bool {
        self.leaving && self.gate.as_ref().is_some_and(|g| !g.kept[source])
    }

    /// Ends the record started by `begin_record`.
    pub fn end_record(&mut self) {
        let Some(g) = &self.gate else { return };
        self.unread.push(self.leaving);
        if !self.leaving {
            self.read += 1;
            return;
        }
        for t in &g.early {
            self.targets[*t].1.truncate(self.read);
        }
    }

    /// Source column indices that feed at least one target.
    pub fn used_sources(&self) -> Vec<usize> {
        (0..self.routes.len()).filter(|i| !self.routes[*i].is_empty()).collect()
    }

    /// Makes room in every column for `rows` more rows (`Column::reserve`).
    pub fn reserve(&mut self, rows: usize) {
        for (_, column) in &mut self.targets {
            column.reserve(rows);
        }
    }

    /// Pushes a cell of source column `source` into every column it feeds.
    pub fn push(&mut self, source: usize, cell: Cell<'_>) {
        if let (Some(g), Cell::Instant(t)) = (&self.gate, cell)
            && g.time == source
        {
            self.leaving = g.gate.leaves(t);
        }
        for t in &self.routes[source] {
            push_cell(&mut self.targets[*t].1, cell);
        }
    }

    /// Pushes a text (or a null text) of source column `source`: a null is read as the
    /// empty text by value and distinct columns, as no id by id columns.
    pub fn push_text(&mut self, source: usize, value: Option<&str>) {
        for t in &self.routes[source] {
            match &mut self.targets[*t].1 {
                Column::Value(c) => c.push_text(value.unwrap_or("")),
                Column::Distinct(c) => c.push_text(value.unwrap_or("")),
                Column::Id(c) => c.push(value),
                other => push_cell(other, value.map_or(Cell::Null, Cell::Text)),
            }
        }
    }

    /// `push_text` of a text read as bytes: refused if they are not UTF-8, which the value
    /// and distinct columns check only where they must (see `ValueColumn::push_bytes`).
    #[inline]
    pub fn push_bytes(&mut self, source: usize, value: &[u8]) -> Result<(), std::str::Utf8Error> {
        for t in &self.routes[source] {
            match &mut self.targets[*t].1 {
                Column::Value(c) => c.push_bytes(value)?,
                Column::Distinct(c) => c.push_bytes(value)?,
                Column::Id(c) => c.push_bytes(value)?,
                other => push_cell(other, Cell::Text(std::str::from_utf8(value)?)),
            }
        }
        Ok(())
    }

    /// Pushes a column of texts (see `push_text`).
    pub fn push_texts<'a, I>(&mut self, source: usize, values: I)
    where
        I: Iterator<Item = Option<&'a str>>,
    {
        values.for_each(|v| self.push_text(source, v));
    }

    /// Pushes a column of integers (see `push_texts`).
    pub fn push_ints<I>(&mut self, source: usize, values: I)
    where
        I: Iterator<Item = Option<i64>> + Clone,
    {
        for t in &self.routes[source] {
            match &mut self.targets[*t].1 {
                Column::Number(c) => values.clone().for_each(|v| match v {
                    Some(i) => c.push(Decimal::from(i)),
                    None => c.push_null(),
                }),
                other => values
                    .clone()
                    .for_each(|v| push_cell(other, v.map_or(Cell::Null, Cell::Int))),
            }
        }
    }

    /// Pushes a column of instants in UTC microseconds (see `push_texts`).
    pub fn push_instants<I>(&mut self, source: usize, values: I)
    where
        I: Iterator<Item = Option<i64>> + Clone,
    {
        for t in &self.routes[source] {
            match &mut self.targets[*t].1 {
                Column::Time(c) => values.clone().for_each(|v| match v {
                    Some(x) => c.push(x),
                    None => c.push_null(),
                }),
                other => values
                    .clone()
                    .for_each(|v| push_cell(other, v.map_or(Cell::Null, Cell::Instant))),
            }
        }
    }

    pub fn finish(self) -> Table {
        let (rows, unread, whole) = match &self.gate {
            Some(g) if self.records > 0 => {
                let unread = if self.read < self.records {
                    self.unread
                } else {
                    Vec::new()
                };
                (self.records, unread, g.gate.keep.clone())
            }
            _ => (
                self.targets.first().map_or(self.rows, |t| t.1.len()),
                Vec::new(),
                Vec::new(),
            ),
        };
        Table {
            rows,
            columns: self.targets.into_iter().collect(),
            sha256: String::new(),
            unread,
            whole,
        }
    }
}

fn form_wanted(form: Form) -> &'static str {
    match form {
        Form::Id => "an id (text or integer)",
        Form::Time => "a timestamp (timestamp-millis/micros, date, or ISO-8601 text)",
        Form::Number => "a number",
        Form::Value | Form::Distinct => "a scalar value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::table::CellState;

    #[test]
    fn text_cells_are_read_by_their_role() {
        let mut num = Column::empty(Form::Number);
        for t in ["12.5", "", "abc", "-1"] {
            push_cell(&mut num, Cell::Text(t));
        }
        let Column::Number(n) = num else { panic!() };
        assert_eq!(
            n.states,
            [CellState::Ok, CellState::Null, CellState::Invalid, CellState::Invalid]
        );
        assert_eq!(n.invalid_text[&2], "abc");

        let mut time = Column::empty(Form::Time);
        push_cell(&mut time, Cell::Text("2026-10-01T00:00:00Z"));
        push_cell(&mut time, Cell::Text("not a time"));
        let Column::Time(t) = time else { panic!() };
        assert_eq!(t.states, [CellState::Ok, CellState::Invalid]);

        let mut id = Column::empty(Form::Id);
        push_cell(&mut id, Cell::Int(42));
        let Column::Id(i) = id else { panic!() };
        assert_eq!(i.get(0), "42");
    }

    #[test]
    fn missing_required_column_names_file_and_field() {
        let mut plan = FieldPlan::default();
        plan.add("event_id", Form::Id, true);
        let err = TableBuilder::new(Path::new("x.csv"), &plan, &[("id".into(), SourceType::Text)])
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("x.csv") && err.contains("event_id"), "{err}");
    }

    #[test]
    fn typed_column_of_wrong_kind_is_an_error() {
        let mut plan = FieldPlan::default();
        plan.add("event_ts", Form::Time, true);
        let err = TableBuilder::new(Path::new("a.avro"), &plan, &[("event_ts".into(), SourceType::Bool)])
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("a.avro") && err.contains("event_ts"), "{err}");
    }
}
