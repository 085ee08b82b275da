//! Record ids, kept as one arena of bytes.

use super::{CellState, check_utf8};

/// Record ids: one arena of their UTF-8 bytes with offsets, nulls marked. Every id pushed
/// is valid UTF-8 (`push` takes text, `push_bytes` checks), so each one read back is.
#[derive(Debug, Clone, Default)]
pub struct IdColumn {
    pub(super) bytes: Vec<u8>,
    pub(super) ends: Vec<u32>,
    pub(super) states: Vec<CellState>,
}

impl IdColumn {
    pub fn push(&mut self, value: Option<&str>) {
        self.push_valid(value.map(str::as_bytes));
    }

    /// Pushes an id read as bytes (empty: null), refusing bytes that are not UTF-8.
    pub fn push_bytes(&mut self, value: &[u8]) -> Result<(), std::str::Utf8Error> {
        check_utf8(value)?;
        self.push_valid(Some(value));
        Ok(())
    }

    fn push_valid(&mut self, value: Option<&[u8]>) {
        match value {
            Some(v) if !v.is_empty() => {
                self.bytes.extend_from_slice(v);
                self.states.push(CellState::Ok);
            }
            _ => self.states.push(CellState::Null),
        }
        self.ends.push(u32::try_from(self.bytes.len()).unwrap_or(u32::MAX));
    }

    pub fn len(&self) -> usize {
        self.states.len()
    }

    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    pub fn state(&self, row: usize) -> CellState {
        self.states[row]
    }

    /// The id of `row`; empty for a null id.
    pub fn get(&self, row: usize) -> &str {
        std::str::from_utf8(self.get_bytes(row)).unwrap_or_default()
    }

    /// The bytes of `get(row)`, without looking at them.
    pub fn get_bytes(&self, row: usize) -> &[u8] {
        let start = if row == 0 { 0 } else { self.ends[row - 1] as usize };
        &self.bytes[start..self.ends[row] as usize]
    }

    pub fn append(&mut self, other: &IdColumn) {
        let base = u32::try_from(self.bytes.len()).unwrap_or(u32::MAX);
        self.bytes.extend_from_slice(&other.bytes);
        self.ends.extend(other.ends.iter().map(|e| e + base));
        self.states.extend_from_slice(&other.states);
    }
}
