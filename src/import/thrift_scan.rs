//! A bounds check of Thrift compact-protocol structs (Parquet's footer and page headers)
//! before the `parquet` crate parses them.
//!
//! Why: parquet 60's Thrift reader believes a corrupt list or string length and skips the
//! claimed elements one at a time, 14 s of CPU for a 2 KB file the fuzzer found. Every
//! compact-protocol value takes at least one byte, so a list may not claim more elements
//! than bytes remain, nor a string more bytes; with that and a nesting limit the scan, and
//! the parse after it, are linear in the input.

/// Deeper nesting than Parquet's own structs need (its deepest is about 6).
const MAX_DEPTH: usize = 32;

/// What a scanned struct gave: its length in bytes and its top-level integer fields.
#[derive(Debug, Default)]
pub struct Scanned {
    pub len: usize,
    /// `(field id, value)` of every top-level i16/i32/i64 field, in order.
    pub ints: Vec<(i16, i64)>,
}

impl Scanned {
    /// The value of top-level integer field `id`, if present.
    pub fn int(&self, id: i16) -> Option<i64> {
        self.ints.iter().find(|(f, _)| *f == id).map(|(_, v)| *v)
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn byte(&mut self) -> Result<u8, String> {
        let b = *self
            .bytes
            .get(self.pos)
            .ok_or_else(|| format!("Thrift struct cut short at byte {}", self.pos))?;
        self.pos += 1;
        Ok(b)
    }

    fn skip(&mut self, n: usize) -> Result<(), String> {
        if n > self.remaining() {
            return Err(format!(
                "Thrift value at byte {} claims {n} bytes, {} remain",
                self.pos,
                self.remaining()
            ));
        }
        self.pos += n;
        Ok(())
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f) << shift.min(63);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(format!("Thrift varint longer than 10 bytes before byte {}", self.pos))
    }

    fn zigzag(&mut self) -> Result<i64, String> {
        let v = self.varint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    /// A count of elements that each take at least `min_bytes`.
    fn count(&mut self, n: u64, min_bytes: usize) -> Result<usize, String> {
        let at = self.pos;
        match usize::try_from(n) {
            Ok(n) if n.saturating_mul(min_bytes) <= self.remaining() => Ok(n),
            _ => Err(format!(
                "Thrift collection at byte {at} claims {n} elements, {} bytes remain",
                self.remaining()
            )),
        }
    }

    fn value(&mut self, kind: u8, depth: usize, ints: Option<(&mut Vec<(i16, i64)>, i16)>) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "Thrift values nested deeper than {MAX_DEPTH} at byte {}",
                self.pos
            ));
        }
        match kind {
            // Booleans in a struct field header carry their value in the type.
            1 | 2 => Ok(()),
            3 => self.skip(1),
            4..=6 => {
                let v = self.zigzag()?;
                if let Some((ints, id)) = ints {
                    ints.push((id, v));
                }
                Ok(())
            }
            7 => self.skip(8),
            8 => {
                let n = self.varint()?;
                let n = self.count(n, 1)?;
                self.skip(n)
            }
            9 | 10 => {
                let header = self.byte()?;
                let n = match header >> 4 {
                    15 => self.varint()?,
                    short => u64::from(short),
                };
                let element = header & 0x0f;
                let n = self.count(n, 1)?;
                for _ in 0..n {
                    self.element(element, depth + 1)?;
                }
                Ok(())
            }
            11 => {
                let n = self.varint()?;
                if n == 0 {
                    return Ok(());
                }
                let kinds = self.byte()?;
                let n = self.count(n, 2)?;
                for _ in 0..n {
                    self.element(kinds >> 4, depth + 1)?;
                    self.element(kinds & 0x0f, depth + 1)?;
                }
                Ok(())
            }
            12 => self.fields(depth + 1, None),
            13 => self.skip(16),
            other => Err(format!(
                "Thrift type {other} at byte {} is not one of the protocol",
                self.pos
            )),
        }
    }

    /// A list, set or map element: a boolean there takes one byte.
    fn element(&mut self, kind: u8, depth: usize) -> Result<(), String> {
        if matches!(kind, 1 | 2) {
            return self.skip(1);
        }
        self.value(kind, depth, None)
    }

    fn fields(&mut self, depth: usize, mut ints: Option<&mut Vec<(i16, i64)>>) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "Thrift structs nested deeper than {MAX_DEPTH} at byte {}",
                self.pos
            ));
        }
        let mut id: i16 = 0;
        loop {
            let header = self.byte()?;
            let kind = header & 0x0f;
            if kind == 0 {
                return Ok(());
            }
            id = match header >> 4 {
                0 => self.zigzag()? as i16,
                delta => id.wrapping_add(i16::from(delta)),
            };
            self.value(kind, depth, ints.as_deref_mut().map(|v| (v, id)))?;
        }
    }
}

/// Scans one struct at the start of `bytes`.
pub fn scan_struct(bytes: &[u8]) -> Result<Scanned, String> {
    let mut cursor = Cursor { bytes, pos: 0 };
    let mut ints = Vec::new();
    cursor.fields(0, Some(&mut ints))?;
    Ok(Scanned { len: cursor.pos, ints })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_top_level_integers_and_the_length() {
        // field 1 i32 = 3 (zigzag 6), field 3 i32 = -2 (zigzag 3), field 4 string "ab", stop.
        let bytes = [0x15, 6, 0x25, 3, 0x18, 2, b'a', b'b', 0, 0xff];
        let s = scan_struct(&bytes).unwrap();
        assert_eq!(s.len, 9);
        assert_eq!(s.int(1), Some(3));
        assert_eq!(s.int(3), Some(-2));
        assert_eq!(s.int(2), None);
    }

    #[test]
    fn refuses_a_list_claiming_more_elements_than_bytes() {
        // field 1: list of i32 with a long size of 2^31.
        let bytes = [0x19, 0xf5, 0x80, 0x80, 0x80, 0x80, 0x08, 0, 0];
        let e = scan_struct(&bytes).unwrap_err();
        assert!(e.contains("claims 2147483648 elements"), "{e}");
    }

    #[test]
    fn refuses_a_string_longer_than_the_input_and_deep_nesting() {
        let e = scan_struct(&[0x18, 0x7f, b'a', 0]).unwrap_err();
        assert!(e.contains("claims 127"), "{e}");
        let deep = vec![0x1c; 100];
        assert!(scan_struct(&deep).unwrap_err().contains("nested deeper"));
        let lists = [[0x19u8].as_slice(), &[0x19; 200]].concat();
        assert!(scan_struct(&lists).unwrap_err().contains("nested deeper"));
    }

    #[test]
    fn a_list_of_booleans_takes_a_byte_each() {
        // field 1: list of 2 booleans (type 1), values 1 and 2, stop.
        let s = scan_struct(&[0x19, 0x21, 1, 2, 0]).unwrap();
        assert_eq!(s.len, 5);
        assert!(scan_struct(&[0x19, 0x31, 1, 2, 0]).is_err());
    }
}
