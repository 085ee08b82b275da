//! Dropping rows from a column: a record a `RowGate` leaves unread keeps no cell in the
//! columns of the fields it is not read for (`Table::unread`).

use std::collections::HashMap;

use super::{CellState, Column, IdColumn};

impl Column {
    /// Drops every row from `len` on (nothing if the column has fewer).
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len() {
            return;
        }
        match self {
            Column::Id(c) => {
                let end = if len == 0 { 0 } else { c.ends[len - 1] as usize };
                c.bytes.truncate(end);
                c.ends.truncate(len);
                c.states.truncate(len);
            }
            Column::Time(c) => {
                c.values.truncate(len);
                c.states.truncate(len);
                c.invalid_text.retain(|r, _| (*r as usize) < len);
            }
            Column::Number(c) => {
                c.values.truncate(len);
                c.states.truncate(len);
                c.invalid_text.retain(|r, _| (*r as usize) < len);
            }
            Column::Value(c) => c.codes.truncate(len),
            Column::Distinct(c) => c.codes.truncate(len),
        }
    }

    /// A cell as text, its state and any invalid text included, for tests to compare.
    #[cfg(test)]
    pub(crate) fn cell_text(&self, r: usize) -> String {
        match self {
            Column::Id(c) => format!("{:?} {}", c.state(r), c.get(r)),
            Column::Time(c) => format!(
                "{:?} {} {:?}",
                c.states[r],
                c.values[r],
                c.invalid_text.get(&(r as u32))
            ),
            Column::Number(c) => format!(
                "{:?} {} {:?}",
                c.states[r],
                c.values[r],
                c.invalid_text.get(&(r as u32))
            ),
            Column::Value(c) => format!("{:?}", c.get(r)),
            Column::Distinct(c) => format!("{:x}", c.hashes[c.codes[r] as usize]),
        }
    }

    /// Keeps only the rows `r` with `keep[r]`, in order (a row past `keep` is kept).
    pub fn keep_rows(&mut self, keep: &[bool]) {
        let kept = |r: usize| keep.get(r).is_none_or(|k| *k);
        match self {
            Column::Id(c) => {
                let mut out = IdColumn::default();
                for r in (0..c.len()).filter(|r| kept(*r)) {
                    match c.state(r) {
                        CellState::Ok => out.push(Some(c.get(r))),
                        _ => out.push(None),
                    }
                }
                *c = out;
            }
            Column::Time(c) => {
                c.invalid_text = renumber(std::mem::take(&mut c.invalid_text), keep);
                retain(&mut c.values, &kept);
                retain(&mut c.states, &kept);
            }
            Column::Number(c) => {
                c.invalid_text = renumber(std::mem::take(&mut c.invalid_text), keep);
                retain(&mut c.values, &kept);
                retain(&mut c.states, &kept);
            }
            Column::Value(c) => retain(&mut c.codes, &kept),
            Column::Distinct(c) => retain(&mut c.codes, &kept),
        }
    }
}

fn retain<T>(values: &mut Vec<T>, kept: &impl Fn(usize) -> bool) {
    let mut r = 0usize;
    values.retain(|_| {
        r += 1;
        kept(r - 1)
    });
}

/// Texts keyed by row, keyed by the row's place among the rows kept instead.
fn renumber(texts: HashMap<u32, String>, keep: &[bool]) -> HashMap<u32, String> {
    if texts.is_empty() {
        return texts;
    }
    let mut place = Vec::with_capacity(keep.len());
    let mut next = 0u32;
    for k in keep {
        place.push(next);
        next += u32::from(*k);
    }
    texts
        .into_iter()
        .filter(|(r, _)| keep.get(*r as usize).is_none_or(|k| *k))
        .map(|(r, t)| {
            (
                place
                    .get(r as usize)
                    .copied()
                    .unwrap_or_else(|| next + r - keep.len() as u32),
                t,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::Form;
    use super::*;

    #[test]
    fn rows_dropped_take_their_texts_and_leave_the_others_in_order() {
        for form in [Form::Id, Form::Time, Form::Number, Form::Value, Form::Distinct] {
            let mut col = Column::empty(form);
            for (i, text) in ["1", "x", "", "2", "y", "3"].into_iter().enumerate() {
                push(&mut col, i as i64, text);
            }
            let mut kept = col.clone();
            kept.keep_rows(&[false, true, true, false, true]);
            let mut cut = col.clone();
            cut.truncate(4);
            for (c, rows) in [(&kept, vec![1, 2, 4, 5]), (&cut, vec![0, 1, 2, 3])] {
                assert_eq!(c.len(), rows.len(), "{form:?}");
                for (at, r) in rows.into_iter().enumerate() {
                    assert_eq!(c.cell_text(at), col.cell_text(r), "{form:?} row {r}");
                }
            }
        }
    }

    /// Pushes `text` as a cell of `col`: a number becomes a value, other text invalid
    /// (or, for ids and values, itself), the empty text a null.
    fn push(col: &mut Column, i: i64, text: &str) {
        let number = text.parse::<i64>().ok();
        match col {
            Column::Id(c) => c.push(Some(text).filter(|t| !t.is_empty())),
            Column::Time(c) => match number {
                Some(n) => c.push(n * 1000 + i),
                None if text.is_empty() => c.push_null(),
                None => c.push_invalid(text.to_string()),
            },
            Column::Number(c) => match number {
                Some(n) => c.push(rust_decimal::Decimal::from(n)),
                None if text.is_empty() => c.push_null(),
                None => c.push_invalid(text.to_string()),
            },
            Column::Value(c) => c.push_text(text),
            Column::Distinct(c) => c.push_text(text),
        }
    }
}
