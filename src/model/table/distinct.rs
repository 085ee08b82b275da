//! Fields that are only counted distinct (users, sessions): kept as 128-bit hashes of
//! their values, never as texts.

use std::collections::HashMap;

use super::{FastState, Scalar};

/// The 128-bit hash a distinct count knows a value by (xxh3, seeded by the value's type so
/// that the text "5" and the number 5 stay two values, as `Scalar` equality has them); 0 is
/// null. The collision odds are in ARCHITECTURE.md.
pub fn value_hash(v: &Scalar) -> u128 {
    use xxhash_rust::xxh3::xxh3_128_with_seed;
    match v {
        Scalar::Null => 0,
        Scalar::Bool(b) => xxh3_128_with_seed(&[u8::from(*b)], 1),
        Scalar::Number(n) => xxh3_128_with_seed(n.normalize().to_string().as_bytes(), 2),
        Scalar::Text(t) => text_hash(t),
    }
}

/// `value_hash` of `Scalar::Text(text)`, without building the scalar.
#[inline]
pub fn text_hash(text: &str) -> u128 {
    text_bytes_hash(text.as_bytes())
}

/// `text_hash` of the text whose UTF-8 bytes these are.
#[inline]
fn text_bytes_hash(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128_with_seed(bytes, 3)
}

/// Values of a field that is only counted distinct: per row a code and per code the value's
/// hash (`value_hash`); code 0 is null. Distinct counts of high-cardinality fields (users,
/// sessions) are the costliest columns of a load, so this form keeps no text and, as it is
/// read, no map either: every non-null row gets a code of its own, and the same value may
/// sit under several codes. Codes are made distinct where values are counted: the stream's
/// fold maps each hash to one dataset-wide code, and `compacted` does it for a whole table.
#[derive(Debug, Clone)]
pub struct DistinctColumn {
    pub codes: Vec<u32>,
    /// `hashes[code]`; `hashes[0]` is 0 (null).
    pub hashes: Vec<u128>,
}

impl Default for DistinctColumn {
    fn default() -> Self {
        DistinctColumn {
            codes: Vec::new(),
            hashes: vec![0],
        }
    }
}

impl DistinctColumn {
    /// Pushes the value hashed to `hash` (0: null).
    #[inline]
    pub fn push_hash(&mut self, hash: u128) {
        let code = if hash == 0 {
            0
        } else {
            self.hashes.push(hash);
            u32::try_from(self.hashes.len() - 1).unwrap_or(u32::MAX)
        };
        self.codes.push(code);
    }

    /// Pushes text; an empty string counts as null (docs/datasets.md), as in a `ValueColumn`.
    #[inline]
    pub fn push_text(&mut self, text: &str) {
        self.push_text_bytes(text.as_bytes());
    }

    /// `push_text` of a text read as bytes, refusing bytes that are not UTF-8.
    #[inline]
    pub fn push_bytes(&mut self, bytes: &[u8]) -> Result<(), std::str::Utf8Error> {
        super::check_utf8(bytes)?;
        self.push_text_bytes(bytes);
        Ok(())
    }

    #[inline]
    fn push_text_bytes(&mut self, bytes: &[u8]) {
        self.push_hash(if bytes.is_empty() { 0 } else { text_bytes_hash(bytes) });
    }

    pub fn push(&mut self, value: &Scalar) {
        self.push_hash(value_hash(value));
    }

    /// The number of codes, null included (bitsets over the codes are this wide).
    pub fn width(&self) -> usize {
        self.hashes.len()
    }

    pub fn append(&mut self, other: &DistinctColumn) {
        for c in &other.codes {
            self.push_hash(other.hashes[*c as usize]);
        }
    }

    /// The same column with one code per distinct value (codes in order of first row), as
    /// a count over its codes needs.
    pub fn compacted(&self) -> DistinctColumn {
        let mut lookup: HashMap<u128, u32, FastState> = HashMap::with_hasher(FastState::default());
        let mut out = DistinctColumn {
            codes: Vec::with_capacity(self.codes.len()),
            hashes: vec![0],
        };
        for c in &self.codes {
            let hash = self.hashes[*c as usize];
            let code = if hash == 0 {
                0
            } else {
                let next = out.hashes.len() as u32;
                let code = *lookup.entry(hash).or_insert(next);
                if code == next {
                    out.hashes.push(hash);
                }
                code
            };
            out.codes.push(code);
        }
        out
    }
}
