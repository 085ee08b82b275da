//! Record processing (docs/processing.md). Everything about a record's outcome that does not depend on
//! the period is decided once, when data is loaded: whether it is unattributable, its OB,
//! whether its id was seen before, whether it is excluded or suspended, and which meters'
//! `where` it matches. Cutting by period is then a cheap pass (see `aggregate`).

use std::collections::HashMap;
use std::sync::Arc;

use crate::model::Config;
use crate::model::config::{Condition, DatasetConfig, Literal};
use crate::model::inputs::DimensionTable;
use crate::model::money::parse_decimal;
use crate::model::table::{CellState, Column, Form, IdColumn, Scalar, Table, ValueColumn};

/// A record's OB index when it has none (unattributable).
pub const NO_OB: u16 = u16::MAX;

/// What becomes of a record that is in scope (docs/processing.md, rules 3 to 6), or that it is
/// unattributable (rule 1). Out of scope (rule 2) depends on the period and is decided later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Outcome {
    Rated,
    Duplicate,
    Excluded,
    Suspended,
    Unattributable,
    /// Attributable, and read only for its id, time and OB (`RowGate`), its time lying
    /// outside the only period the load rates: out of that period (rule 2) whatever its
    /// other fields say, so rules 4 to 6 were not applied. Counted as a record of its day.
    Unread,
}

/// Suspense and unattributable codes, named as docs/processing.md lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Code {
    MissingField,
    InvalidValue,
    UnknownOb,
    UnknownDimension,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Why one record is suspended or unattributable. The texts are shared: records that fail
/// the same way (a whole month with an unknown channel) point at one field name, value and
/// message, so millions of suspended records cost little to keep and to list.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub row: u32,
    pub code: Code,
    pub field: Arc<str>,
    pub value: Arc<str>,
    pub message: Arc<str>,
}

/// A failure's value and message, shared by every record that fails the same way.
type SharedTexts = (Arc<str>, Arc<str>);

/// How a meter reads one dataset: its bit in `meter_mask` and the columns it needs.
#[derive(Debug, Clone)]
pub struct MeterSlot {
    /// Index into `config.meters`.
    pub meter: usize,
}

/// A dataset after the period-independent record rules (docs/processing.md).
#[derive(Debug, Clone)]
pub struct PreparedDataset {
    pub name: Arc<str>,
    pub rows: usize,
    pub outcome: Vec<Outcome>,
    pub ob: Vec<u16>,
    pub time_us: Vec<i64>,
    /// Bit `k` set: the record matches the `where` of `slots[k]`.
    pub meter_mask: Vec<u64>,
    pub slots: Vec<MeterSlot>,
    pub ids: IdColumn,
    /// Suspended records, by row.
    pub issues: Vec<Issue>,
    /// Unattributable records, by row.
    pub unattributable: Vec<Issue>,
    /// Row numbers of each OB's records, in file order.
    pub rows_by_ob: Vec<Vec<u32>>,
    /// The columns rating still needs: breakdown and distinct values, and measured numbers
    /// that do not fit fixed point.
    pub table: Table,
    /// Measured numbers in fixed point, by field.
    pub fixed: HashMap<String, crate::model::table::FixedColumn>,
    /// Per row, its cell in the columns of `table` and `fixed` (`cell`), which hold only the
    /// rows read (`Table::unread`; `u32::MAX` for a row left unread). Empty: every row was
    /// read, and a row's cell is the row.
    pub cells: Vec<u32>,
    /// The input files the rows came from: (file index in the dataset, rows), in row
    /// order; empty when not known (all rows count as file 0).
    pub files: Vec<(u32, usize)>,
}

impl PreparedDataset {
    /// Row `row`'s cell in the columns of `table` and `fixed`: never asked of a row left
    /// unread, whose outcome is `Outcome::Unread` or `Outcome::Unattributable`.
    #[inline]
    pub fn cell(&self, row: usize) -> usize {
        if self.cells.is_empty() {
            row
        } else {
            self.cells[row] as usize
        }
    }

    /// The file index of every row (see `files`).
    pub fn file_of_rows(&self) -> Vec<u32> {
        let mut out = Vec::with_capacity(self.rows);
        for (file, rows) in &self.files {
            out.extend(std::iter::repeat_n(*file, *rows));
        }
        out.resize(self.rows, self.files.last().map_or(0, |f| f.0));
        out
    }

    /// Rule 3 of docs/processing.md for this piece: `duplicate[r]` says that row `r`'s id was seen before
    /// (earlier in this piece or in an earlier one). An unattributable record stays so;
    /// any other becomes a duplicate, whatever rules 4 to 6 had said.
    pub fn mark_duplicates(&mut self, duplicate: &[bool]) {
        let mut any = false;
        for (r, dup) in duplicate.iter().enumerate() {
            if *dup && self.outcome[r] != Outcome::Unattributable {
                self.outcome[r] = Outcome::Duplicate;
                self.meter_mask[r] = 0;
                any = true;
            }
        }
        if any {
            self.issues
                .retain(|i| self.outcome[i.row as usize] == Outcome::Suspended);
        }
    }
}

/// Whether a value satisfies a literal, by the literal's type (docs/datasets.md and docs/processing.md: typed equality,
/// text read as the literal's type, null and unreadable values never match).
pub fn matches(value: &Scalar, literal: &Literal) -> bool {
    match (literal, value) {
        (_, Scalar::Null) => false,
        (Literal::Bool(want), Scalar::Bool(b)) => want == b,
        (Literal::Bool(want), Scalar::Text(t)) => match t.trim().to_ascii_lowercase().as_str() {
            "true" => *want,
            "false" => !*want,
            _ => false,
        },
        (Literal::Bool(_), Scalar::Number(_)) => false,
        (Literal::Number(want), Scalar::Number(n)) => want == n,
        (Literal::Number(want), Scalar::Text(t)) => parse_decimal(t).is_some_and(|n| n == *want),
        (Literal::Number(_), Scalar::Bool(_)) => false,
        (Literal::Text(want), other) => other.text() == *want,
    }
}

/// Evaluates AND-across-fields conditions for every row; `None` if there are none.
fn evaluate(table: &Table, conditions: &[Condition]) -> Option<Vec<bool>> {
    if conditions.is_empty() {
        return None;
    }
    let mut result = vec![true; table.rows];
    for c in conditions {
        let Some(Column::Value(col)) = table.column(&c.field, Form::Value) else {
            return Some(vec![false; table.rows]);
        };
        let per_code: Vec<bool> = col
            .dict
            .iter()
            .map(|v| c.values.iter().any(|l| matches(v, l)))
            .collect();
        for (r, code) in col.codes.iter().enumerate() {
            result[r] &= per_code[*code as usize];
        }
    }
    Some(result)
}

fn value_column<'a>(table: &'a Table, field: &str) -> Option<&'a ValueColumn> {
    match table.column(field, Form::Value) {
        Some(Column::Value(c)) => Some(c),
        _ => None,
    }
}

/// A dimension check of one field: per dictionary code of the field's column, `None`
/// when the value is fine, else the failure with its value and message.
struct DimCheck<'a> {
    field: Arc<str>,
    col: &'a ValueColumn,
    verdict: Vec<Option<(Code, SharedTexts)>>,
}

/// The dimension checks of a piece, in configuration order, for the fields it has.
fn dimension_checks<'a>(
    config: &Config,
    table: &'a Table,
    dimensions: &HashMap<String, DimensionTable>,
) -> Vec<DimCheck<'a>> {
    let mut dim_checks = Vec::new();
    for dim in &config.dimensions {
        let (Some(col), Some(dt)) = (value_column(table, &dim.field), dimensions.get(&dim.field)) else {
            continue;
        };
        let verdict = col
            .dict
            .iter()
            .map(|v| match v {
                Scalar::Null if dim.required => Some((
                    Code::MissingField,
                    ("".into(), format!("{} is required but missing", dim.field).into()),
                )),
                Scalar::Null => None,
                v if dt.labels.contains_key(&v.text()) => None,
                v => {
                    let v = v.text();
                    let message = format!("{} \"{v}\" is not in {}", dim.field, dt.dataset);
                    Some((Code::UnknownDimension, (v.into(), message.into())))
                }
            })
            .collect();
        dim_checks.push(DimCheck {
            field: dim.field.as_str().into(),
            col,
            verdict,
        });
    }
    dim_checks
}

/// Keeps only the columns rating reads, and turns every numeric one that fits into exact
/// fixed-point integers (taken out of the table).
fn keep_rated_columns(
    table: &mut Table,
    meters: &[(usize, &crate::model::config::MeterConfig)],
) -> HashMap<String, crate::model::table::FixedColumn> {
    let mut keep: Vec<(String, Form)> = Vec::new();
    for (_, m) in meters {
        if let Some(f) = &m.field {
            keep.push((f.clone(), m.aggregation.field_form()));
        }
        keep.extend(m.breakdown.iter().map(|b| (b.clone(), Form::Value)));
    }
    table.columns.retain(|k, _| keep.contains(k));
    let mut fixed = HashMap::new();
    let numeric: Vec<String> = table
        .columns
        .keys()
        .filter(|(_, f)| *f == Form::Number)
        .map(|(n, _)| n.clone())
        .collect();
    for field in numeric {
        let converted = match table.column(&field, Form::Number) {
            Some(Column::Number(c)) => crate::model::table::FixedColumn::from_numbers(c),
            _ => None,
        };
        if let Some(f) = converted {
            table.take(&field, Form::Number);
            fixed.insert(field, f);
        }
    }
    fixed
}

/// Per dictionary code of the OB field: the OB it belongs to, or the (value, message) of
/// a key that belongs to no configured OB.
fn ob_of_codes(
    config: &Config,
    ds: &DatasetConfig,
    ob_col: &ValueColumn,
) -> (Vec<Option<u16>>, Vec<Option<SharedTexts>>) {
    let ob_of_key: HashMap<&str, u16> = config
        .obs
        .iter()
        .enumerate()
        .flat_map(|(i, ob)| ob.keys.iter().map(move |k| (k.as_str(), i as u16)))
        .collect();
    let ob_per_code: Vec<Option<u16>> = ob_col
        .dict
        .iter()
        .map(|v| ob_of_key.get(v.text().as_str()).copied())
        .collect();
    let unknown_ob: Vec<Option<SharedTexts>> = ob_col
        .dict
        .iter()
        .zip(&ob_per_code)
        .map(|(v, ob)| {
            ob.is_none().then(|| {
                let v = v.text();
                let message = format!("{} \"{v}\" belongs to no configured OB", ds.ob_field);
                (v.into(), message.into())
            })
        })
        .collect();

    (ob_per_code, unknown_ob)
}

/// The numeric fields the meters measure, in meter order, each once.
fn measured_columns<'a>(
    table: &'a Table,
    meters: &[(usize, &crate::model::config::MeterConfig)],
) -> Vec<(Arc<str>, &'a crate::model::table::NumberColumn)> {
    let mut measured: Vec<(Arc<str>, &crate::model::table::NumberColumn)> = Vec::new();
    for (_, m) in meters {
        if let (true, Some(field)) = (m.aggregation.measures_number(), &m.field)
            && !measured.iter().any(|(f, _)| **f == **field)
            && let Some(Column::Number(c)) = table.column(field, Form::Number)
        {
            measured.push((field.as_str().into(), c));
        }
    }

    measured
}

/// Decides every record's period-independent outcome, taking every id as seen for the first
/// time: whether it was seen before depends on the records before this piece, so the caller
/// marks duplicates afterwards (`PreparedDataset::mark_duplicates`).
pub fn prepare(
    config: &Config,
    ds: &DatasetConfig,
    table: Table,
    dimensions: &HashMap<String, DimensionTable>,
) -> PreparedDataset {
    let mut table = table;
    let rows = table.rows;
    let ids = match table.take(&ds.id_field, Form::Id) {
        Some(Column::Id(c)) => c,
        _ => crate::model::table::null_column(Form::Id, rows).into_id(),
    };
    let times = match table.take(&ds.time_field, Form::Time) {
        Some(Column::Time(c)) => c,
        _ => Default::default(),
    };
    let (unread, whole_ob) = cells_of_read_rows(&mut table, &ds.ob_field);
    let empty_values = ValueColumn::default();
    let ob_col = whole_ob
        .as_ref()
        .or_else(|| value_column(&table, &ds.ob_field))
        .unwrap_or(&empty_values);
    let (ob_per_code, unknown_ob) = ob_of_codes(config, ds, ob_col);
    let id_field: Arc<str> = ds.id_field.as_str().into();
    let time_field: Arc<str> = ds.time_field.as_str().into();
    let ob_field: Arc<str> = ds.ob_field.as_str().into();
    let no_value: Arc<str> = "".into();
    let missing = |field: &str| -> Arc<str> { format!("{field} is missing").into() };
    let (id_missing, time_missing, ob_missing) =
        (missing(&ds.id_field), missing(&ds.time_field), missing(&ds.ob_field));

    let excluded = evaluate(&table, &ds.exclude);
    let meters: Vec<(usize, &crate::model::config::MeterConfig)> = config
        .meters
        .iter()
        .enumerate()
        .filter(|(_, m)| m.dataset.eq_ignore_ascii_case(&ds.name))
        .collect();
    let slots: Vec<MeterSlot> = meters.iter().map(|(i, _)| MeterSlot { meter: *i }).collect();
    let wheres: Vec<Option<Vec<bool>>> = meters.iter().map(|(_, m)| evaluate(&table, &m.where_)).collect();

    let dim_checks = dimension_checks(config, &table, dimensions);
    let measured = measured_columns(&table, &meters);

    let mut outcome = Vec::with_capacity(rows);
    let mut ob = Vec::with_capacity(rows);
    let mut meter_mask = vec![0u64; rows];
    let mut issues = Vec::new();
    let mut unattributable_issues = Vec::new();
    let mut rows_by_ob: Vec<Vec<u32>> = vec![Vec::new(); config.obs.len()];
    // Per row, its cell in the columns of `table` (empty: the row itself).
    let mut cells: Vec<u32> = Vec::with_capacity(if unread.is_empty() { 0 } else { rows });
    let mut read = 0usize;
    for r in 0..rows {
        let row = r as u32;
        let is_unread = unread.get(r).is_some_and(|u| *u);
        let at = read;
        if !unread.is_empty() {
            cells.push(if is_unread { u32::MAX } else { at as u32 });
        }
        read += usize::from(!is_unread);
        let id_ok = ids.state(r) == CellState::Ok;
        let issue = |code: Code, field: &Arc<str>, value: &Arc<str>, message: &Arc<str>| Issue {
            row,
            code,
            field: Arc::clone(field),
            value: Arc::clone(value),
            message: Arc::clone(message),
        };
        // Rule 1: unattributable.
        let ob_code = ob_col.codes.get(r).copied().unwrap_or(0);
        let unattributable = if !id_ok {
            Some(issue(Code::MissingField, &id_field, &no_value, &id_missing))
        } else if times.states.get(r) != Some(&CellState::Ok) {
            match times.states.get(r) {
                Some(CellState::Invalid) => {
                    let raw = times.invalid_text.get(&row).cloned().unwrap_or_default();
                    let message = format!("{} \"{raw}\" is not a timestamp", ds.time_field);
                    Some(issue(Code::InvalidValue, &time_field, &raw.into(), &message.into()))
                }
                _ => Some(issue(Code::MissingField, &time_field, &no_value, &time_missing)),
            }
        } else if ob_code == 0 {
            Some(issue(Code::MissingField, &ob_field, &no_value, &ob_missing))
        } else if let Some((v, message)) = &unknown_ob[ob_code as usize] {
            Some(issue(Code::UnknownOb, &ob_field, v, message))
        } else {
            None
        };
        if let Some(i) = unattributable {
            unattributable_issues.push(i);
            outcome.push(Outcome::Unattributable);
            ob.push(NO_OB);
            continue;
        }
        let o = ob_per_code[ob_code as usize].unwrap_or(NO_OB);
        ob.push(o);
        rows_by_ob[o as usize].push(row);
        if is_unread {
            outcome.push(Outcome::Unread);
            continue;
        }
        // Rules 4 to 6 (rule 2, the period, is applied when rating; rule 3 by the caller).
        if excluded.as_ref().is_some_and(|e| e[at]) {
            outcome.push(Outcome::Excluded);
            continue;
        }
        let mut suspended = None;
        for check in &dim_checks {
            let code = check.col.codes[at];
            if let Some((failure, (v, message))) = &check.verdict[code as usize] {
                suspended = Some(issue(*failure, &check.field, v, message));
                break;
            }
        }
        if suspended.is_none() {
            for (field, col) in &measured {
                if col.states[at] == CellState::Invalid {
                    let raw = col.invalid_text.get(&(at as u32)).cloned().unwrap_or_default();
                    let message = format!("{field} \"{raw}\" is negative or not a number");
                    suspended = Some(issue(Code::InvalidValue, field, &raw.into(), &message.into()));
                    break;
                }
            }
        }
        if let Some(i) = suspended {
            issues.push(i);
            outcome.push(Outcome::Suspended);
            continue;
        }
        outcome.push(Outcome::Rated);
        let mut mask = 0u64;
        for (k, w) in wheres.iter().enumerate() {
            if w.as_ref().is_none_or(|w| w[at]) {
                mask |= 1 << k;
            }
        }
        meter_mask[row as usize] = mask;
    }

    let fixed = keep_rated_columns(&mut table, &meters);

    PreparedDataset {
        name: ds.name.as_str().into(),
        rows,
        outcome,
        ob,
        time_us: times.values,
        meter_mask,
        slots,
        ids,
        issues,
        unattributable: unattributable_issues,
        rows_by_ob,
        table,
        fixed,
        cells,
        files: Vec::new(),
    }
}

/// Takes `table.unread` and leaves every column of `table` holding the rows read and no
/// others (`Table::unread`): the columns of the gate's whole fields drop their unread rows.
/// Returns the unread flags and, if it was whole, the OB column with every row.
fn cells_of_read_rows(table: &mut Table, ob_field: &str) -> (Vec<bool>, Option<ValueColumn>) {
    let unread = std::mem::take(&mut table.unread);
    let whole = std::mem::take(&mut table.whole);
    if unread.is_empty() {
        return (unread, None);
    }
    let read: Vec<bool> = unread.iter().map(|u| !u).collect();
    let mut whole_ob = None;
    for ((field, form), column) in table.columns.iter_mut() {
        if !whole.contains(field) {
            continue;
        }
        if let (Form::Value, Column::Value(c)) = (form, &*column)
            && field == ob_field
        {
            whole_ob = Some(c.clone());
        }
        column.keep_rows(&read);
    }
    let cells = read.iter().filter(|r| **r).count();
    for (key, column) in &table.columns {
        // A column out of step with the rows read would bill one record's values to another.
        assert_eq!(column.len(), cells, "column {key:?} of a table read through a gate");
    }
    (unread, whole_ob)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_named_as_the_spec_writes_them() {
        let names: Vec<&str> = [
            Code::MissingField,
            Code::InvalidValue,
            Code::UnknownOb,
            Code::UnknownDimension,
        ]
        .into_iter()
        .map(Code::as_str)
        .collect();
        assert_eq!(
            names,
            ["MISSING_FIELD", "INVALID_VALUE", "UNKNOWN_OB", "UNKNOWN_DIMENSION"]
        );
        assert_eq!("UNKNOWN_OB".parse::<Code>(), Ok(Code::UnknownOb));
    }
    use rust_decimal::Decimal;

    #[test]
    fn typed_matching() {
        let t = |s: &str| Scalar::Text(s.into());
        let n = |i: i64| Scalar::Number(Decimal::from(i));
        let cases = [
            (Scalar::Bool(true), Literal::Bool(true), true),
            (t("true"), Literal::Bool(true), true),
            (t("TRUE"), Literal::Bool(true), true),
            (t("yes"), Literal::Bool(true), false),
            (n(1), Literal::Bool(true), false),
            (n(5), Literal::Number(Decimal::from(5)), true),
            (t("5.0"), Literal::Number(Decimal::from(5)), true),
            (t("five"), Literal::Number(Decimal::from(5)), false),
            (t("voice"), Literal::Text("voice".into()), true),
            (t("Voice"), Literal::Text("voice".into()), false),
            (Scalar::Null, Literal::Text("".into()), false),
            (Scalar::Null, Literal::Bool(false), false),
        ];
        for (v, l, want) in cases {
            assert_eq!(matches(&v, &l), want, "{v:?} vs {l:?}");
        }
    }
}
