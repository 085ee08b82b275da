//! The walk of uncompressed Avro blocks against the writer's schema: every union branch
//! index within its union, every boolean 0 or 1, every enum index within its symbols, every
//! length within the block, and each block's records ending exactly at its end. arrow-avro
//! 60.1 reads any branch other than the null one of a `["null", T]` union as `T`, so a
//! flipped bit there would otherwise be read as a value (docs/datasets.md: corrupt bytes are an error
//! naming the file and the offset). The same walk decodes the fields a table needs
//! (`decode`), so checked bytes are read once.

use std::collections::HashMap;

use serde_json::Value;

use super::decode::{Direct, decode, pass};
use crate::import::sink::TableBuilder;

/// The most records a block may claim when a record can take no bytes at all (a schema of
/// nulls): more than any writer puts in one block.
const MAX_EMPTY_RECORDS: u64 = 1 << 24;

/// One node of the writer's schema, as the walk needs it.
#[derive(Debug, Clone)]
enum Node {
    Null,
    Boolean,
    /// int and long: one zig-zag varint.
    Varint,
    Fixed(usize),
    /// bytes and string: a length, then that many bytes.
    Bytes,
    Enum(usize),
    Union(Vec<usize>),
    Array(usize),
    Map(usize),
    Record(Vec<(String, usize)>),
}

/// The writer's schema flattened into nodes; node 0 is the record of the file.
#[derive(Debug, Clone)]
pub struct Walker {
    nodes: Vec<Node>,
    /// For each top-level field, how the walk decodes it straight into cells, when its
    /// type is one the direct decoder reads (see `Direct`).
    direct: Vec<Option<Direct>>,
}

/// Where and why a block does not match its schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Corrupt {
    /// Offset within the block's data.
    pub at: usize,
    /// The record's index within the block (0-based).
    pub record: u64,
    pub field: String,
    pub message: String,
}

impl Walker {
    /// Builds the walk from the header's `avro.schema` JSON.
    pub fn new(schema_json: &[u8]) -> Result<Walker, String> {
        let schema: Value =
            serde_json::from_slice(schema_json).map_err(|e| format!("the Avro schema is not JSON: {e}"))?;
        let mut w = Walker {
            nodes: Vec::new(),
            direct: Vec::new(),
        };
        let mut named = HashMap::new();
        w.add(&schema, "", &mut named)?;
        if let Node::Record(fields) = &w.nodes[0] {
            let types = schema.get("fields").and_then(Value::as_array);
            w.direct = (0..fields.len())
                .map(|i| {
                    types
                        .and_then(|t| t.get(i))
                        .and_then(|f| f.get("type"))
                        .and_then(Direct::of)
                })
                .collect();
        }
        Ok(w)
    }

    fn add(&mut self, schema: &Value, namespace: &str, named: &mut HashMap<String, usize>) -> Result<usize, String> {
        let node = match schema {
            Value::String(name) => return self.primitive_or_named(name, namespace, named),
            Value::Array(branches) => {
                let at = self.push(Node::Null);
                let mut b = Vec::with_capacity(branches.len());
                for branch in branches {
                    b.push(self.add(branch, namespace, named)?);
                }
                self.nodes[at] = Node::Union(b);
                return Ok(at);
            }
            Value::Object(o) => o,
            other => return Err(format!("unexpected Avro schema element {other}")),
        };
        let kind = node.get("type").ok_or("an Avro schema object without \"type\"")?;
        let kind = match kind {
            Value::String(k) => k.as_str(),
            nested => return self.add(nested, namespace, named),
        };
        let name_of = |node: &serde_json::Map<String, Value>| -> (String, String) {
            let name = node.get("name").and_then(Value::as_str).unwrap_or_default();
            let ns = node.get("namespace").and_then(Value::as_str).unwrap_or(namespace);
            if name.contains('.') || ns.is_empty() {
                let ns_of_name = name.rsplit_once('.').map_or(ns, |(n, _)| n);
                (name.to_string(), ns_of_name.to_string())
            } else {
                (format!("{ns}.{name}"), ns.to_string())
            }
        };
        match kind {
            "record" | "error" => {
                let (full, ns) = name_of(node);
                let at = self.push(Node::Record(Vec::new()));
                named.insert(full, at);
                let mut fields = Vec::new();
                for f in node
                    .get("fields")
                    .and_then(Value::as_array)
                    .ok_or("a record without fields")?
                {
                    let name = f.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
                    let ty = f.get("type").ok_or("a record field without a type")?;
                    fields.push((name, self.add(ty, &ns, named)?));
                }
                self.nodes[at] = Node::Record(fields);
                Ok(at)
            }
            "enum" => {
                let (full, _) = name_of(node);
                let symbols = node.get("symbols").and_then(Value::as_array).map_or(0, Vec::len);
                let at = self.push(Node::Enum(symbols));
                named.insert(full, at);
                Ok(at)
            }
            "fixed" => {
                let (full, _) = name_of(node);
                let size = node
                    .get("size")
                    .and_then(Value::as_u64)
                    .ok_or("a fixed without a size")?;
                let at = self.push(Node::Fixed(usize::try_from(size).map_err(|_| "a fixed too large")?));
                named.insert(full, at);
                Ok(at)
            }
            "array" => {
                let at = self.push(Node::Null);
                let items = self.add(node.get("items").ok_or("an array without items")?, namespace, named)?;
                self.nodes[at] = Node::Array(items);
                Ok(at)
            }
            "map" => {
                let at = self.push(Node::Null);
                let values = self.add(node.get("values").ok_or("a map without values")?, namespace, named)?;
                self.nodes[at] = Node::Map(values);
                Ok(at)
            }
            // A primitive with attributes (a logical type, for example).
            primitive => self.primitive_or_named(primitive, namespace, named),
        }
    }

    fn primitive_or_named(
        &mut self,
        name: &str,
        namespace: &str,
        named: &HashMap<String, usize>,
    ) -> Result<usize, String> {
        let node = match name {
            "null" => Node::Null,
            "boolean" => Node::Boolean,
            "int" | "long" => Node::Varint,
            "float" => Node::Fixed(4),
            "double" => Node::Fixed(8),
            "bytes" | "string" => Node::Bytes,
            other => {
                let full = if other.contains('.') || namespace.is_empty() {
                    other.to_string()
                } else {
                    format!("{namespace}.{other}")
                };
                return named
                    .get(&full)
                    .or_else(|| named.get(other))
                    .copied()
                    .ok_or_else(|| format!("the Avro schema names an unknown type \"{other}\""));
            }
        };
        Ok(self.push(node))
    }

    fn push(&mut self, node: Node) -> usize {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// Walks `records` records through `data` (one block's bytes, uncompressed); they must
    /// end exactly at its end.
    pub fn check_block(&self, data: &[u8], records: u64) -> Result<(), Corrupt> {
        self.walk_records(data, records, None)
    }

    /// Whether the walk can decode every one of these top-level fields itself.
    pub fn decodes(&self, sources: &[usize]) -> bool {
        sources.iter().all(|&i| self.direct.get(i).is_some_and(Option::is_some))
    }

    /// `check_block`, decoding the fields `builder` reads into it on the way (every one of
    /// them must be one the walk `decodes`).
    pub fn decode_block(&self, data: &[u8], records: u64, builder: &mut TableBuilder) -> Result<(), Corrupt> {
        // A count the block cannot hold is refused by the walk; room is made only for what
        // its bytes can carry.
        let fits = usize::try_from(records).unwrap_or(usize::MAX).min(data.len());
        builder.reserve(fits);
        self.walk_records(data, records, Some(builder))
    }

    fn walk_records(&self, data: &[u8], records: u64, mut sink: Option<&mut TableBuilder>) -> Result<(), Corrupt> {
        // Every record takes at least `min` bytes: a count the block cannot hold (a header
        // claiming 2^40 records) is refused before anything is walked or allocated.
        let min = self.min_bytes(0, 0).max(1) as u64;
        let most = if self.min_bytes(0, 0) == 0 {
            MAX_EMPTY_RECORDS
        } else {
            data.len() as u64 / min
        };
        if records > most {
            return Err(Corrupt {
                at: 0,
                record: 0,
                field: String::new(),
                message: format!("the block claims {records} records in {} bytes", data.len()),
            });
        }
        let mut at = 0usize;
        let fields: &[(String, usize)] = match &self.nodes[0] {
            Node::Record(fields) => fields,
            _ => &[],
        };
        // The fields decoded here, by top-level index.
        let decoded: Vec<Option<&Direct>> = match sink.as_deref() {
            Some(b) => (0..fields.len())
                .map(|i| {
                    b.routes
                        .get(i)
                        .is_some_and(|r| !r.is_empty())
                        .then(|| self.direct.get(i).and_then(Option::as_ref))
                        .flatten()
                })
                .collect(),
            None => Vec::new(),
        };
        for record in 0..records {
            // The top-level field being walked, named only when something is wrong.
            let mut field = usize::MAX;
            let walked = match sink.as_deref_mut() {
                Some(b) if !fields.is_empty() => {
                    b.begin_record();
                    let walked = fields.iter().enumerate().try_for_each(|(i, (_, node))| {
                        field = i;
                        match decoded[i] {
                            // A record its plan's gate leaves unread: checked, not read.
                            Some(d) if b.leaves(i) => pass(d, data, &mut at),
                            Some(d) => decode(d, data, &mut at, b, i),
                            None => self.walk(*node, data, &mut at, &mut field, 1),
                        }
                    });
                    b.end_record();
                    walked
                }
                _ => self.walk(0, data, &mut at, &mut field, 0),
            };
            walked.map_err(|message| Corrupt {
                at,
                record,
                field: match &self.nodes[0] {
                    Node::Record(fields) => fields.get(field).map(|(n, _)| n.clone()).unwrap_or_default(),
                    _ => String::new(),
                },
                message,
            })?;
        }
        if at != data.len() {
            return Err(Corrupt {
                at,
                record: records,
                field: String::new(),
                message: format!("{} bytes are left after the block's {records} records", data.len() - at),
            });
        }
        Ok(())
    }

    /// The fewest bytes a value of `node` takes (a union: its smallest branch plus the
    /// index; a recursive type counts as 1 past 64 levels).
    fn min_bytes(&self, node: usize, depth: usize) -> usize {
        if depth > 64 {
            return 1;
        }
        match &self.nodes[node] {
            Node::Null => 0,
            Node::Boolean | Node::Varint | Node::Bytes | Node::Enum(_) | Node::Array(_) | Node::Map(_) => 1,
            Node::Fixed(n) => *n,
            Node::Union(b) => 1 + b.iter().map(|n| self.min_bytes(*n, depth + 1)).min().unwrap_or(0),
            Node::Record(fields) => fields.iter().map(|(_, f)| self.min_bytes(*f, depth + 1)).sum(),
        }
    }

    fn walk(&self, node: usize, data: &[u8], at: &mut usize, field: &mut usize, depth: usize) -> Result<(), String> {
        if depth > 64 {
            return Err("values nested more than 64 deep".into());
        }
        match &self.nodes[node] {
            Node::Null => Ok(()),
            Node::Boolean => match data.get(*at) {
                Some(0 | 1) => {
                    *at += 1;
                    Ok(())
                }
                Some(b) => Err(format!("a boolean byte {b} is neither 0 nor 1")),
                None => Err("the block ends inside a value".into()),
            },
            Node::Varint => varint(data, at).map(|_| ()),
            Node::Fixed(n) => skip(data, at, *n),
            Node::Bytes => {
                let len = varint(data, at)?;
                let len = usize::try_from(len).map_err(|_| format!("a negative length {len}"))?;
                skip(data, at, len)
            }
            Node::Enum(symbols) => {
                let i = varint(data, at)?;
                if i < 0 || i as u64 >= *symbols as u64 {
                    return Err(format!("enum index {i} outside its {symbols} symbols"));
                }
                Ok(())
            }
            Node::Union(branches) => {
                let i = varint(data, at)?;
                match usize::try_from(i).ok().and_then(|i| branches.get(i)) {
                    Some(b) => self.walk(*b, data, at, field, depth + 1),
                    None => Err(format!(
                        "union branch index {i} outside the union of {} branches",
                        branches.len()
                    )),
                }
            }
            Node::Array(items) => self.walk_blocks(data, at, field, depth, None, *items),
            Node::Map(values) => self.walk_blocks(data, at, field, depth, Some(()), *values),
            Node::Record(fields) => {
                for (i, (_, f)) in fields.iter().enumerate() {
                    if depth == 0 {
                        *field = i;
                    }
                    self.walk(*f, data, at, field, depth + 1)?;
                }
                Ok(())
            }
        }
    }

    /// The blocks of an array or map: counts (negative: followed by a byte size), then the
    /// items (map entries with a string key first), until a count of 0.
    fn walk_blocks(
        &self,
        data: &[u8],
        at: &mut usize,
        field: &mut usize,
        depth: usize,
        keyed: Option<()>,
        item: usize,
    ) -> Result<(), String> {
        loop {
            let count = varint(data, at)?;
            if count == 0 {
                return Ok(());
            }
            if count < 0 {
                varint(data, at)?;
            }
            let count = count.unsigned_abs();
            // Every item takes at least a byte unless it is null: refuse counts the block
            // cannot hold instead of looping over them.
            if count > (data.len() - *at) as u64 && !matches!(self.nodes[item], Node::Null) {
                return Err(format!("a block of {count} items is longer than the data left"));
            }
            for _ in 0..count {
                if keyed.is_some() {
                    let len = varint(data, at)?;
                    let len = usize::try_from(len).map_err(|_| format!("a negative length {len}"))?;
                    skip(data, at, len)?;
                }
                self.walk(item, data, at, field, depth + 1)?;
            }
        }
    }
}

pub(super) fn skip(data: &[u8], at: &mut usize, n: usize) -> Result<(), String> {
    match at.checked_add(n) {
        Some(end) if end <= data.len() => {
            *at = end;
            Ok(())
        }
        _ => Err(format!("a value of {n} bytes runs past the end of the block")),
    }
}

/// A zig-zag varint of at most 10 bytes. Most varints of an export (union branches,
/// string lengths, small counts) are one byte, read inline; longer ones take the loop.
#[inline]
pub(super) fn varint(data: &[u8], at: &mut usize) -> Result<i64, String> {
    if let Some(&b) = data.get(*at)
        && b & 0x80 == 0
    {
        *at += 1;
        return Ok(zigzag(u64::from(b)));
    }
    long_varint(data, at)
}

/// The signed value of a zig-zag encoded one.
#[inline]
pub(super) fn zigzag(v: u64) -> i64 {
    (v >> 1) as i64 ^ -((v & 1) as i64)
}

#[inline(never)]
fn long_varint(data: &[u8], at: &mut usize) -> Result<i64, String> {
    let mut value: u64 = 0;
    for shift in (0..70).step_by(7) {
        let Some(b) = data.get(*at) else {
            return Err("the block ends inside a value".into());
        };
        *at += 1;
        value |= u64::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
        if b & 0x80 == 0 {
            return Ok(zigzag(value));
        }
    }
    Err("a number longer than 10 bytes".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = r#"{"type":"record","name":"E","namespace":"x","fields":[
        {"name":"id","type":"string"},
        {"name":"n","type":["null","long"]},
        {"name":"kind","type":{"type":"enum","name":"K","symbols":["a","b"]}},
        {"name":"again","type":["null","K"]},
        {"name":"tags","type":{"type":"array","items":"string"}},
        {"name":"ok","type":"boolean"}
    ]}"#;

    /// One record: id "ab", n = 3, kind b, again null, tags ["t"], ok true.
    fn record() -> Vec<u8> {
        vec![4, b'a', b'b', 2, 6, 2, 0, 2, 2, b't', 0, 1]
    }

    #[test]
    fn varints_of_one_and_of_many_bytes() {
        let cases: [(&[u8], i64); 6] = [
            (&[0], 0),
            (&[1], -1),
            (&[0x7f], -64),
            (&[0x80, 0x01], 64),
            (&[0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], i64::MAX),
            (&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], i64::MIN),
        ];
        for (bytes, want) in cases {
            let mut at = 0;
            assert_eq!(varint(bytes, &mut at), Ok(want), "{bytes:?}");
            assert_eq!(at, bytes.len());
        }
        assert_eq!(varint(&[0x80], &mut 0).unwrap_err(), "the block ends inside a value");
        assert_eq!(varint(&[], &mut 0).unwrap_err(), "the block ends inside a value");
        assert_eq!(
            varint(&[0x80; 11], &mut 0).unwrap_err(),
            "a number longer than 10 bytes"
        );
    }

    #[test]
    fn a_valid_block_passes() {
        let w = Walker::new(SCHEMA.as_bytes()).unwrap();
        let mut data = record();
        data.extend(record());
        assert_eq!(w.check_block(&data, 2), Ok(()));
    }

    #[test]
    fn a_branch_index_outside_the_union_is_named() {
        let w = Walker::new(SCHEMA.as_bytes()).unwrap();
        let mut data = record();
        data.extend(record());
        // The second record's `n` branch 1 (zig-zag 2) flipped to branch 3 (6): the value
        // after it still lines up, so only the index betrays the corruption.
        data[12 + 3] = 6;
        let e = w.check_block(&data, 2).unwrap_err();
        assert_eq!((e.record, e.field.as_str(), e.at), (1, "n", 16));
        assert_eq!(e.message, "union branch index 3 outside the union of 2 branches");
    }

    #[test]
    fn a_block_claiming_more_records_than_it_can_hold_is_refused() {
        let w = Walker::new(SCHEMA.as_bytes()).unwrap();
        let e = w.check_block(&record(), 1 << 40).unwrap_err();
        assert_eq!(e.message, "the block claims 1099511627776 records in 12 bytes");
        let nulls = Walker::new(br#"{"type":"record","name":"N","fields":[{"name":"x","type":"null"}]}"#).unwrap();
        assert_eq!(nulls.check_block(&[], 3), Ok(()));
        assert!(nulls.check_block(&[], 1 << 40).is_err());
    }

    #[test]
    fn other_corruptions_are_named() {
        let w = Walker::new(SCHEMA.as_bytes()).unwrap();
        let cases: [(usize, u8, &str); 3] = [
            (5, 4, "enum index 2 outside its 2 symbols"),
            (11, 7, "a boolean byte 7 is neither 0 nor 1"),
            (0, 40, "a value of 20 bytes runs past the end of the block"),
        ];
        for (at, byte, message) in cases {
            let mut data = record();
            data[at] = byte;
            assert_eq!(w.check_block(&data, 1).unwrap_err().message, message);
        }
        let e = w.check_block(&record(), 2).unwrap_err();
        assert_eq!(e.message, "the block ends inside a value");
        let mut long = record();
        long.push(0);
        assert!(
            w.check_block(&long, 1)
                .unwrap_err()
                .message
                .contains("1 bytes are left")
        );
    }
}
