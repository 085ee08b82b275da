//! The in-memory form of a dataset: only the fields the configuration uses, typed by what
//! they are used for (docs/datasets.md, "How values are read").
//!
//! Import fills these columns from any file format; the engine reads them. Low-cardinality
//! text is dictionary-coded so ten million events fit comfortably in memory.

use std::collections::HashMap;

use rust_decimal::Decimal;

mod distinct;
mod id;
mod plan;
mod rows;

pub use distinct::{DistinctColumn, text_hash, value_hash};
pub use id::IdColumn;
pub use plan::{FieldPlan, RowGate};

/// A value of a compared or grouped field, kept with its source type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scalar {
    Null,
    Bool(bool),
    Number(Decimal),
    Text(String),
}

impl Scalar {
    /// The text form used for dimension keys, breakdown values and text comparison.
    pub fn text(&self) -> String {
        match self {
            Scalar::Null => String::new(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Number(n) => n.normalize().to_string(),
            Scalar::Text(t) => t.clone(),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Scalar::Null)
    }
}

/// How a field is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Form {
    /// The record id: text, one per record.
    Id,
    /// A point in time, read to UTC microseconds.
    Time,
    /// A measured number: exact decimal.
    Number,
    /// Anything compared, grouped or looked up: dictionary-coded scalars.
    Value,
    /// A field only counted distinct: each value is kept as its 128-bit hash, never as text.
    Distinct,
}

/// Whether a cell could be read as its form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum CellState {
    Null = 0,
    Ok = 1,
    Invalid = 2,
}

/// Refuses bytes that are not UTF-8. ASCII, the form of the ids and distinct values of every
/// export we know, is checked a word at a time; only other bytes take the full check.
#[inline]
pub fn check_utf8(bytes: &[u8]) -> Result<(), std::str::Utf8Error> {
    if !bytes.is_ascii() {
        std::str::from_utf8(bytes)?;
    }
    Ok(())
}

/// Times in UTC microseconds; the raw text is kept for cells that could not be read.
#[derive(Debug, Clone, Default)]
pub struct TimeColumn {
    pub values: Vec<i64>,
    pub states: Vec<CellState>,
    pub invalid_text: HashMap<u32, String>,
}

impl TimeColumn {
    pub fn push(&mut self, value: i64) {
        self.values.push(value);
        self.states.push(CellState::Ok);
    }
    pub fn push_null(&mut self) {
        self.values.push(0);
        self.states.push(CellState::Null);
    }
    pub fn push_invalid(&mut self, raw: String) {
        let row = u32::try_from(self.values.len()).unwrap_or(u32::MAX);
        self.invalid_text.insert(row, raw);
        self.values.push(0);
        self.states.push(CellState::Invalid);
    }
    pub fn append(&mut self, other: TimeColumn) {
        let base = u32::try_from(self.values.len()).unwrap_or(u32::MAX);
        self.invalid_text
            .extend(other.invalid_text.into_iter().map(|(r, t)| (r + base, t)));
        self.values.extend(other.values);
        self.states.extend(other.states);
    }
}

/// Exact measured numbers. Negative, NaN and infinite values are `Invalid` (docs/processing.md, rule 5);
/// the raw text of an invalid cell is kept for the suspense message.
#[derive(Debug, Clone, Default)]
pub struct NumberColumn {
    pub values: Vec<Decimal>,
    pub states: Vec<CellState>,
    pub invalid_text: HashMap<u32, String>,
}

impl NumberColumn {
    pub fn push(&mut self, value: Decimal) {
        if value.is_sign_negative() && !value.is_zero() {
            self.push_invalid(value.to_string());
        } else {
            self.values.push(value);
            self.states.push(CellState::Ok);
        }
    }
    pub fn push_null(&mut self) {
        self.values.push(Decimal::ZERO);
        self.states.push(CellState::Null);
    }
    pub fn push_invalid(&mut self, raw: String) {
        let row = u32::try_from(self.values.len()).unwrap_or(u32::MAX);
        self.invalid_text.insert(row, raw);
        self.values.push(Decimal::ZERO);
        self.states.push(CellState::Invalid);
    }
    pub fn append(&mut self, other: NumberColumn) {
        let base = u32::try_from(self.values.len()).unwrap_or(u32::MAX);
        self.invalid_text
            .extend(other.invalid_text.into_iter().map(|(r, t)| (r + base, t)));
        self.values.extend(other.values);
        self.states.extend(other.states);
    }
}

/// A fast, non-cryptographic hasher for dictionary look-ups (keys come from our own files).
pub type FastState = foldhash::fast::RandomState;

/// Measured numbers as exact fixed-point integers at one scale per column: sums, maxima and
/// comparisons run on integers, which is what makes re-rating millions of records fast.
#[derive(Debug, Clone, Default)]
pub struct FixedColumn {
    pub values: Vec<i64>,
    pub states: Vec<CellState>,
    pub scale: u32,
}

impl FixedColumn {
    /// The exact fixed-point form of a number column, or `None` if a value does not fit in
    /// an `i64` at the column's largest scale (the engine then keeps the decimals).
    pub fn from_numbers(col: &NumberColumn) -> Option<FixedColumn> {
        let scale = col
            .values
            .iter()
            .zip(&col.states)
            .filter(|(_, s)| **s == CellState::Ok)
            .map(|(v, _)| v.scale())
            .max()
            .unwrap_or(0);
        let mut values = Vec::with_capacity(col.values.len());
        for (v, s) in col.values.iter().zip(&col.states) {
            if *s != CellState::Ok {
                values.push(0);
                continue;
            }
            let mantissa = if v.scale() == scale {
                v.mantissa()
            } else {
                let mut d = *v;
                d.rescale(scale);
                if d.scale() != scale {
                    return None;
                }
                d.mantissa()
            };
            values.push(i64::try_from(mantissa).ok()?);
        }
        Some(FixedColumn {
            values,
            states: col.states.clone(),
            scale,
        })
    }

    pub fn decimal(&self, v: i128) -> Decimal {
        fixed_decimal(v, self.scale)
    }
}

/// A fixed-point integer at `scale` as the exact decimal. Every figure the engine keeps
/// fits: a record's value is at most 2^63, and a sum past Decimal's 2^96 (about 7.9e28)
/// would need 2^33 records at that limit. One that does not fit is never billed as a
/// saturated `Decimal::MAX`: the run stops here, naming the figure.
#[allow(clippy::panic)]
pub fn fixed_decimal(v: i128, scale: u32) -> Decimal {
    match Decimal::try_from_i128_with_scale(v, scale) {
        Ok(d) => d,
        Err(_) => {
            panic!("the fixed-point figure {v} at scale {scale} does not fit an exact decimal (about 7.9e28 at most)")
        }
    }
}

/// Dictionary-coded scalars. Code 0 is always `Scalar::Null`.
#[derive(Debug, Clone)]
pub struct ValueColumn {
    pub codes: Vec<u32>,
    pub dict: Vec<Scalar>,
    /// Text values of up to 15 bytes, looked up by their bytes packed into one integer:
    /// most codes in exports are short, and this is the hottest lookup of a load.
    short_lookup: HashMap<u128, u32, FastState>,
    /// Longer text values, looked up by their bytes without allocating.
    text_lookup: HashMap<Box<[u8]>, u32, FastState>,
    other_lookup: HashMap<Scalar, u32, FastState>,
    /// The last short text looked up and its code: exports often repeat a value over
    /// consecutive records (one app, one channel), and this spares the hash.
    last_short: (u128, u32),
}

impl Default for ValueColumn {
    fn default() -> Self {
        let mut other_lookup = HashMap::with_hasher(FastState::default());
        other_lookup.insert(Scalar::Null, 0);
        ValueColumn {
            codes: Vec::new(),
            dict: vec![Scalar::Null],
            short_lookup: HashMap::with_hasher(FastState::default()),
            text_lookup: HashMap::with_hasher(FastState::default()),
            other_lookup,
            // No text has key 0 but the empty one, which is never looked up (it is null).
            last_short: (0, 0),
        }
    }
}

impl ValueColumn {
    fn next_code(&self) -> u32 {
        u32::try_from(self.dict.len()).unwrap_or(u32::MAX)
    }

    pub fn code_of(&mut self, value: Scalar) -> u32 {
        if let Scalar::Text(t) = &value {
            return self.text_code(t);
        }
        if let Some(c) = self.other_lookup.get(&value) {
            return *c;
        }
        let code = self.next_code();
        self.dict.push(value.clone());
        self.other_lookup.insert(value, code);
        code
    }

    fn text_code(&mut self, text: &str) -> u32 {
        match self.lookup(text.as_bytes()) {
            Some(code) => code,
            None => self.insert_text(text),
        }
    }

    /// The code of a text already in the dictionary, found by its bytes.
    #[inline]
    fn lookup(&mut self, bytes: &[u8]) -> Option<u32> {
        if let Some(key) = short_key(bytes) {
            if key == self.last_short.0 && key != 0 {
                return Some(self.last_short.1);
            }
            let code = *self.short_lookup.get(&key)?;
            self.last_short = (key, code);
            return Some(code);
        }
        self.text_lookup.get(bytes).copied()
    }

    /// Adds a text that `lookup` does not find.
    fn insert_text(&mut self, text: &str) -> u32 {
        let code = self.next_code();
        self.dict.push(Scalar::Text(text.to_string()));
        match short_key(text.as_bytes()) {
            Some(key) => {
                self.short_lookup.insert(key, code);
                self.last_short = (key, code);
            }
            None => {
                self.text_lookup.insert(text.as_bytes().into(), code);
            }
        }
        code
    }

    /// Pushes a text read as bytes (empty: null), refusing bytes that are not UTF-8. Only
    /// a text new to the dictionary is checked: one found equals a text checked before.
    #[inline]
    pub fn push_bytes(&mut self, bytes: &[u8]) -> Result<(), std::str::Utf8Error> {
        let code = if bytes.is_empty() {
            0
        } else {
            match self.lookup(bytes) {
                Some(code) => code,
                None => self.insert_text(std::str::from_utf8(bytes)?),
            }
        };
        self.codes.push(code);
        Ok(())
    }

    /// The code of `value`, adding it if new; copies the value only when it is new.
    pub fn intern(&mut self, value: &Scalar) -> u32 {
        match value {
            Scalar::Text(t) => self.text_code(t),
            Scalar::Null => 0,
            other => self.code_of(other.clone()),
        }
    }

    pub fn push(&mut self, value: Scalar) {
        let code = self.code_of(value);
        self.codes.push(code);
    }

    /// Pushes text; an empty string counts as null (docs/datasets.md).
    pub fn push_text(&mut self, text: &str) {
        let code = if text.is_empty() { 0 } else { self.text_code(text) };
        self.codes.push(code);
    }

    pub fn push_null(&mut self) {
        self.codes.push(0);
    }

    pub fn get(&self, row: usize) -> &Scalar {
        &self.dict[self.codes[row] as usize]
    }

    pub fn append(&mut self, other: &ValueColumn) {
        let remap: Vec<u32> = other.dict.iter().map(|v| self.code_of(v.clone())).collect();
        self.codes.extend(other.codes.iter().map(|c| remap[*c as usize]));
    }
}

/// A text of at most 15 bytes as one integer: its bytes, then its length in the last byte
/// (so "a" and "a\0" differ). Built from whole-word loads: copying the bytes into a
/// buffer and reading it back stalled the store forwarding of the hottest lookup of a load.
#[inline]
fn short_key(bytes: &[u8]) -> Option<u128> {
    let len = bytes.len();
    if len > 15 {
        return None;
    }
    let tag = (len as u64) << 56;
    let (lo, hi) = if len <= 8 {
        (le_word(bytes), tag)
    } else {
        (le_word(&bytes[..8]), le_word(&bytes[8..]) | tag)
    };
    Some(u128::from(lo) | (u128::from(hi) << 64))
}

/// Up to 8 bytes as a little-endian integer, by two overlapping loads where needed (the
/// bytes both loads cover sit at the same places in both, so or-ing them is exact).
#[inline]
fn le_word(b: &[u8]) -> u64 {
    let n = b.len();
    match n {
        8 => u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
        4..=7 => {
            let lo = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            let hi = u32::from_le_bytes([b[n - 4], b[n - 3], b[n - 2], b[n - 1]]);
            u64::from(lo) | (u64::from(hi) << (8 * (n - 4)))
        }
        2..=3 => {
            let lo = u16::from_le_bytes([b[0], b[1]]);
            let hi = u16::from_le_bytes([b[n - 2], b[n - 1]]);
            u64::from(lo) | (u64::from(hi) << (8 * (n - 2)))
        }
        1 => u64::from(b[0]),
        _ => 0,
    }
}

/// One column in one of the five forms.
#[derive(Debug, Clone)]
pub enum Column {
    Id(IdColumn),
    Time(TimeColumn),
    Number(NumberColumn),
    Value(ValueColumn),
    Distinct(DistinctColumn),
}

impl Column {
    pub fn empty(form: Form) -> Column {
        match form {
            Form::Id => Column::Id(IdColumn::default()),
            Form::Time => Column::Time(TimeColumn::default()),
            Form::Number => Column::Number(NumberColumn::default()),
            Form::Value => Column::Value(ValueColumn::default()),
            Form::Distinct => Column::Distinct(DistinctColumn::default()),
        }
    }

    /// Makes room for `rows` more rows (ids as long as those in, or 40 bytes: a UUID and a
    /// prefix), so that a block's records fill the column without it growing by doubling.
    pub fn reserve(&mut self, rows: usize) {
        match self {
            Column::Id(c) => {
                let each = c.bytes.len().checked_div(c.states.len()).map_or(40, |b| b + 1);
                c.bytes.reserve(rows * each);
                c.ends.reserve(rows);
                c.states.reserve(rows);
            }
            Column::Time(c) => {
                c.values.reserve(rows);
                c.states.reserve(rows);
            }
            Column::Number(c) => {
                c.values.reserve(rows);
                c.states.reserve(rows);
            }
            Column::Value(c) => c.codes.reserve(rows),
            Column::Distinct(c) => {
                c.codes.reserve(rows);
                c.hashes.reserve(rows);
            }
        }
    }

    /// The id column inside, or an empty one for another form.
    pub fn into_id(self) -> IdColumn {
        match self {
            Column::Id(c) => c,
            _ => IdColumn::default(),
        }
    }

    /// Pads the column with nulls up to `rows` rows (nothing if it has as many).
    pub fn fill_nulls(&mut self, rows: usize) {
        let rows = rows.max(self.len());
        match self {
            Column::Id(c) => (c.len()..rows).for_each(|_| c.push(None)),
            Column::Time(c) => {
                c.values.resize(rows, 0);
                c.states.resize(rows, CellState::Null);
            }
            Column::Number(c) => {
                c.values.resize(rows, Decimal::ZERO);
                c.states.resize(rows, CellState::Null);
            }
            Column::Value(ValueColumn { codes, .. }) | Column::Distinct(DistinctColumn { codes, .. }) => {
                codes.resize(rows, 0)
            }
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Column::Id(c) => c.len(),
            Column::Time(c) => c.values.len(),
            Column::Number(c) => c.values.len(),
            Column::Value(c) => c.codes.len(),
            Column::Distinct(c) => c.codes.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends `other`, which must be of the same form.
    pub fn append(&mut self, other: Column) {
        match (self, other) {
            (Column::Id(a), Column::Id(b)) => a.append(&b),
            (Column::Time(a), Column::Time(b)) => a.append(b),
            (Column::Number(a), Column::Number(b)) => a.append(b),
            (Column::Value(a), Column::Value(b)) => a.append(&b),
            (Column::Distinct(a), Column::Distinct(b)) => a.append(&b),
            _ => debug_assert!(false, "appending columns of different forms"),
        }
    }
}

/// A dataset read into columns, keyed by (field, form).
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub rows: usize,
    pub columns: HashMap<(String, Form), Column>,
    /// SHA-256 of the file this table was read from (empty for joined tables).
    pub sha256: String,
    /// Per row, whether a `RowGate` left the record partly unread (empty: none was). Such
    /// a record has cells only in the columns of the fields in `whole` (the gate's id, time
    /// and OB fields): the other columns hold the rows read, in order, and no more.
    pub unread: Vec<bool>,
    /// The fields whose columns hold every row (see `unread`).
    pub whole: Vec<String>,
}

impl Table {
    pub fn column(&self, field: &str, form: Form) -> Option<&Column> {
        self.columns.get(&(field.to_string(), form))
    }

    pub fn take(&mut self, field: &str, form: Form) -> Option<Column> {
        self.columns.remove(&(field.to_string(), form))
    }

    /// The rows the column of `field` holds (see `unread`).
    pub fn rows_of(&self, field: &str) -> usize {
        if self.unread.is_empty() || self.whole.iter().any(|w| w == field) {
            self.rows
        } else {
            self.rows - self.unread.iter().filter(|u| **u).count()
        }
    }

    /// Appends a table of the next file; columns missing on either side are filled with nulls.
    pub fn append(&mut self, mut other: Table) {
        for w in std::mem::take(&mut other.whole) {
            if !self.whole.contains(&w) {
                debug_assert!(self.unread.is_empty(), "appending tables read through different gates");
                self.whole.push(w);
            }
        }
        let rows_before = self.rows;
        for ((field, form), col) in self.columns.iter_mut() {
            match other.columns.remove(&(field.clone(), *form)) {
                Some(c) => col.append(c),
                None => col.append(null_column(*form, other.rows_of(field))),
            }
        }
        for ((field, form), col) in std::mem::take(&mut other.columns) {
            let mut filled = null_column(form, self.rows_of(&field));
            filled.append(col);
            self.columns.insert((field, form), filled);
        }
        if !self.unread.is_empty() || !other.unread.is_empty() {
            self.unread.resize(rows_before, false);
            self.unread
                .extend((0..other.rows).map(|r| other.unread.get(r).is_some_and(|u| *u)));
        }
        self.rows += other.rows;
    }
}

/// A column of `rows` nulls.
pub fn null_column(form: Form, rows: usize) -> Column {
    let mut c = Column::empty(form);
    c.fill_nulls(rows);
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reserved_column_takes_its_rows_without_moving() {
        for form in [Form::Id, Form::Time, Form::Number, Form::Value, Form::Distinct] {
            let mut col = Column::empty(form);
            col.reserve(1000);
            let before = format!("{:p}", column_data(&col));
            for i in 0..1000 {
                let text = format!("{i:036}");
                match &mut col {
                    Column::Id(c) => c.push(Some(&text)),
                    Column::Time(c) => c.push(i),
                    Column::Number(c) => c.push(Decimal::from(i)),
                    Column::Value(c) => c.push_text(&text),
                    Column::Distinct(c) => c.push_text(&text),
                }
            }
            assert_eq!(col.len(), 1000);
            assert_eq!(format!("{:p}", column_data(&col)), before, "{form:?}");
        }
    }

    /// The first vector of a column whose growth `reserve` is about.
    fn column_data(col: &Column) -> *const u8 {
        match col {
            Column::Id(c) => c.bytes.as_ptr(),
            Column::Time(c) => c.values.as_ptr().cast(),
            Column::Number(c) => c.values.as_ptr().cast(),
            Column::Value(c) => c.codes.as_ptr().cast(),
            Column::Distinct(c) => c.hashes.as_ptr().cast(),
        }
    }

    #[test]
    fn a_distinct_column_codes_every_row_until_compacted() {
        let mut c = DistinctColumn::default();
        for t in ["u1", "u2", "", "u1", "u2", "u3"] {
            c.push_text(t);
        }
        assert_eq!(c.codes, [1, 2, 0, 3, 4, 5], "one code per non-null row as read");
        let k = c.compacted();
        assert_eq!(k.codes, [1, 2, 0, 1, 2, 3], "one code per value, in order of first row");
        assert_eq!(k.width(), 4);
        for r in 0..c.codes.len() {
            assert_eq!(c.hashes[c.codes[r] as usize], k.hashes[k.codes[r] as usize]);
        }
    }

    #[test]
    fn texts_read_as_bytes_equal_texts_and_bytes_that_are_not_utf8_are_refused() {
        let texts = [
            "café",
            "a",
            "",
            "a",
            "naïve and rather longer than fifteen bytes",
            "café",
            "日本",
        ];
        let (mut by_text, mut by_bytes) = (ValueColumn::default(), ValueColumn::default());
        let (mut d_text, mut d_bytes) = (DistinctColumn::default(), DistinctColumn::default());
        let (mut i_text, mut i_bytes) = (IdColumn::default(), IdColumn::default());
        for t in texts {
            by_text.push_text(t);
            by_bytes.push_bytes(t.as_bytes()).unwrap();
            d_text.push_text(t);
            d_bytes.push_bytes(t.as_bytes()).unwrap();
            i_text.push(Some(t));
            i_bytes.push_bytes(t.as_bytes()).unwrap();
        }
        assert_eq!((&by_text.codes, &by_text.dict), (&by_bytes.codes, &by_bytes.dict));
        assert_eq!(by_bytes.codes, [1, 2, 0, 2, 3, 1, 4]);
        assert_eq!(d_text.hashes, d_bytes.hashes);
        assert_eq!(d_bytes.hashes[1], text_hash("café"));
        for r in 0..texts.len() {
            assert_eq!((i_text.get(r), i_text.state(r)), (i_bytes.get(r), i_bytes.state(r)));
        }
        // A lone continuation byte, and a character cut in two.
        for bad in [
            &b"\x80"[..],
            &"café".as_bytes()[..4],
            &[b'x'; 20][..19].iter().chain(b"\xff").copied().collect::<Vec<u8>>(),
        ] {
            assert!(by_bytes.push_bytes(bad).is_err(), "{bad:?}");
            assert!(d_bytes.push_bytes(bad).is_err(), "{bad:?}");
            assert!(i_bytes.push_bytes(bad).is_err(), "{bad:?}");
        }
        assert_eq!(by_bytes.codes.len(), texts.len());
        assert_eq!(i_bytes.len(), texts.len());
    }

    #[test]
    fn short_keys_are_the_bytes_then_the_length() {
        for text in [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "abcdefg",
            "abcdefgh",
            "abcdefghi",
            "abcdefghijklmno",
        ] {
            let mut buf = [0u8; 16];
            buf[..text.len()].copy_from_slice(text.as_bytes());
            buf[15] = text.len() as u8;
            assert_eq!(short_key(text.as_bytes()), Some(u128::from_le_bytes(buf)), "{text}");
        }
        assert_eq!(short_key(b"abcdefghijklmnop"), None);
        assert_ne!(short_key(b"a"), short_key(b"a\0"));
    }

    #[test]
    fn ids_round_trip_and_append() {
        let mut a = IdColumn::default();
        a.push(Some("e1"));
        a.push(None);
        let mut b = IdColumn::default();
        b.push(Some("e22"));
        a.append(&b);
        assert_eq!(a.get(0), "e1");
        assert_eq!(a.state(1), CellState::Null);
        assert_eq!(a.get(2), "e22");
    }

    #[test]
    fn value_columns_merge_dictionaries() {
        let mut a = ValueColumn::default();
        a.push_text("x");
        a.push_null();
        let mut b = ValueColumn::default();
        b.push_text("y");
        b.push_text("x");
        a.append(&b);
        let texts: Vec<String> = (0..4).map(|r| a.get(r).text()).collect();
        assert_eq!(texts, ["x", "", "y", "x"]);
        assert_eq!(a.codes[0], a.codes[3]);
    }

    #[test]
    fn distinct_columns_know_values_by_type_and_hash() {
        let mut a = DistinctColumn::default();
        a.push_text("5");
        a.push(&Scalar::Number(Decimal::from(5)));
        a.push_text("");
        a.push(&Scalar::Number(Decimal::new(50, 1)));
        a.push_text("5");
        // Text "5" and number 5 are two values; 5.0 is the number 5; "" is null.
        assert_eq!(a.compacted().codes, [1, 2, 0, 2, 1]);
        assert_eq!(a.compacted().width(), 3);
        let mut b = DistinctColumn::default();
        b.push_text("7");
        b.push(&Scalar::Number(Decimal::from(5)));
        a.append(&b);
        let a = a.compacted();
        assert_eq!(&a.codes[5..], [3, 2]);
        assert_eq!(a.hashes[3], text_hash("7"));
    }

    #[test]
    fn short_and_long_texts_share_one_dictionary() {
        let long = "a-value-longer-than-fifteen-bytes";
        let mut a = ValueColumn::default();
        for t in [
            "a",
            "a\0",
            long,
            "a",
            "123456789012345",
            "1234567890123456",
            long,
            "a\0",
        ] {
            a.push_text(t);
        }
        assert_eq!(a.codes, [1, 2, 3, 1, 4, 5, 3, 2]);
        assert_eq!(a.get(1).text(), "a\0");
        assert_eq!(a.code_of(Scalar::Text("123456789012345".into())), 4);
        assert_eq!(a.dict.len(), 6);
    }

    #[test]
    fn fixed_point_keeps_exact_values() {
        let mut n = NumberColumn::default();
        for v in ["1.5", "2", "0.25"] {
            n.push(v.parse().unwrap());
        }
        n.push_null();
        let f = FixedColumn::from_numbers(&n).unwrap();
        assert_eq!(f.scale, 2);
        assert_eq!(f.values, [150, 200, 25, 0]);
        assert_eq!(f.decimal(375), "3.75".parse().unwrap());
    }

    #[test]
    fn negative_numbers_are_invalid() {
        let mut n = NumberColumn::default();
        n.push(Decimal::from(-3));
        n.push(Decimal::from(3));
        assert_eq!(n.states, [CellState::Invalid, CellState::Ok]);
        assert_eq!(n.invalid_text[&0], "-3");
    }
}
