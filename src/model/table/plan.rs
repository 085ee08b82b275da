//! What a reader is asked to read of a dataset: its fields, each in its form, and for a
//! load of one period the records it may leave partly unread.

use super::Form;

/// The fields of a dataset the configuration needs, and the form each is read in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldPlan {
    /// (field, form, required): a required field absent from a file is an error.
    pub fields: Vec<(String, Form, bool)>,
    /// Records a reader may leave mostly unread (`RowGate`); `None`: read every field of
    /// every record.
    pub gate: Option<RowGate>,
}

/// Which records a reader may leave partly unread, for a load that rates one period and
/// no other: a record whose time (read as an instant, not as text) lies outside
/// `[from_us, to_us)` is out of that period whatever its other fields say (docs/processing.md,
/// rule 2), so only the fields that decide that are read (`keep`: its id, time and OB, for
/// rule 1 and the duplicate check). Its other fields are still checked as the file's bytes
/// demand, but not read: their columns get no cell for it, and the table marks the record
/// in `Table::unread`. Readers that read column by column (Parquet) ignore the gate; the
/// result is the same either way.
#[derive(Debug, Clone, PartialEq)]
pub struct RowGate {
    pub keep: Vec<String>,
    pub time_field: String,
    pub from_us: i64,
    pub to_us: i64,
}

impl RowGate {
    /// The gate of `period` for a dataset's id, time and OB fields. Its bounds are the
    /// period's UTC dates widened by two days each side, wider than any time zone's offset,
    /// so a record it leaves partly unread is outside the period in every OB's time zone.
    pub fn around(period: &crate::model::period::Period, id: &str, time: &str, ob: &str) -> RowGate {
        let margin = 2 * 86_400_000_000i64;
        let (from_us, to_us) = period.bounds_us(chrono_tz::UTC);
        RowGate {
            keep: vec![id.to_string(), time.to_string(), ob.to_string()],
            time_field: time.to_string(),
            from_us: from_us.saturating_sub(margin),
            to_us: to_us.saturating_add(margin),
        }
    }

    /// Whether a record at `t_us` may be left unread.
    pub fn leaves(&self, t_us: i64) -> bool {
        t_us < self.from_us || t_us >= self.to_us
    }
}

impl FieldPlan {
    pub fn add(&mut self, field: &str, form: Form, required: bool) {
        if let Some(f) = self.fields.iter_mut().find(|(n, fm, _)| n == field && *fm == form) {
            f.2 |= required;
        } else {
            self.fields.push((field.to_string(), form, required));
        }
    }
}
