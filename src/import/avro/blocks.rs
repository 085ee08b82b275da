//! Avro blocks one by one: decompressed here (every codec of the specification, with a
//! size limit against decompression bombs), then walked against the schema, and either
//! decoded straight into a table (`decode_blocks`) or handed to arrow-avro as a checked,
//! decompressed container (`checked_blocks`).

use std::io::Cursor;
use std::path::Path;

use arrow_avro::compression::CompressionCodec;
use arrow_avro::reader::read_header_info;

use super::read_long;
use super::walk::{Corrupt, Walker};
use crate::import::ImportError;
use crate::import::sink::TableBuilder;

/// The largest block the import decompresses (a decompression bomb is refused, not
/// allocated): Avro writers flush blocks of kilobytes to a few megabytes.
const MAX_BLOCK_BYTES: u64 = 512 << 20;

/// Decompresses one block's data with the file's codec.
fn decompress(codec: CompressionCodec, data: &[u8]) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut out = Vec::new();
    let limited = |r: &mut dyn Read, out: &mut Vec<u8>| -> Result<(), String> {
        r.take(MAX_BLOCK_BYTES + 1)
            .read_to_end(out)
            .map_err(|e| format!("cannot decompress: {e}"))?;
        if out.len() as u64 > MAX_BLOCK_BYTES {
            return Err(format!("decompresses to more than {} MB", MAX_BLOCK_BYTES >> 20));
        }
        Ok(())
    };
    match codec {
        CompressionCodec::Deflate => out = inflate(data)?,
        CompressionCodec::Snappy => {
            // The data, then the big-endian CRC-32 of the uncompressed bytes.
            let Some((data, crc)) = data.split_last_chunk::<4>() else {
                return Err("a snappy block shorter than its checksum".into());
            };
            let len = snap::raw::decompress_len(data).map_err(|e| format!("cannot decompress: {e}"))?;
            if len as u64 > MAX_BLOCK_BYTES {
                return Err(format!("decompresses to more than {} MB", MAX_BLOCK_BYTES >> 20));
            }
            out = snap::raw::Decoder::new()
                .decompress_vec(data)
                .map_err(|e| format!("cannot decompress: {e}"))?;
            if crc32fast::hash(&out) != u32::from_be_bytes(*crc) {
                return Err("the snappy checksum does not match".into());
            }
        }
        CompressionCodec::ZStandard => {
            let mut d = zstd::stream::read::Decoder::new(data).map_err(|e| format!("cannot decompress: {e}"))?;
            limited(&mut d, &mut out)?;
        }
        CompressionCodec::Bzip2 => limited(&mut bzip2::read::BzDecoder::new(data), &mut out)?,
        CompressionCodec::Xz => limited(&mut liblzma::read::XzDecoder::new(data), &mut out)?,
    }
    Ok(out)
}

/// Raw deflate data inflated into one buffer, grown only when full: the `Read` adapters
/// zero every chunk of the buffer before they fill it, a tenth of a load's inflate time.
fn inflate(data: &[u8]) -> Result<Vec<u8>, String> {
    use flate2::{Decompress, FlushDecompress, Status};
    let mut d = Decompress::new(false);
    // Export blocks inflate to 2-4 times their size.
    let mut out = Vec::with_capacity(data.len().saturating_mul(4).max(1024));
    loop {
        let consumed = usize::try_from(d.total_in()).unwrap_or(usize::MAX).min(data.len());
        let (had_in, had_out) = (d.total_in(), d.total_out());
        let status = d
            .decompress_vec(&data[consumed..], &mut out, FlushDecompress::Finish)
            .map_err(|e| format!("cannot decompress: {e}"))?;
        if status == Status::StreamEnd {
            return Ok(out);
        }
        if out.len() as u64 > MAX_BLOCK_BYTES {
            return Err(format!("decompresses to more than {} MB", MAX_BLOCK_BYTES >> 20));
        }
        if out.len() == out.capacity() {
            out.reserve(out.len());
        } else if d.total_in() == had_in && d.total_out() == had_out {
            return Err("cannot decompress: the deflate data ends early".into());
        }
    }
}

/// The header with its codec set to `null` (every other metadata entry kept).
fn null_codec_header(header: &[u8]) -> Option<Vec<u8>> {
    let mut pos = 4;
    let mut entries: Vec<(&[u8], &[u8])> = Vec::new();
    loop {
        let mut count = read_long(header, &mut pos)?;
        if count == 0 {
            break;
        }
        if count < 0 {
            count = -count;
            read_long(header, &mut pos)?;
        }
        for _ in 0..count {
            let mut text = || -> Option<&[u8]> {
                let len = usize::try_from(read_long(header, &mut pos)?).ok()?;
                let t = header.get(pos..pos.checked_add(len)?)?;
                pos += len;
                Some(t)
            };
            let key = text()?;
            let value = text()?;
            entries.push((key, value));
        }
    }
    let sync = header.get(pos..pos + 16)?;
    let mut out = header[..4].to_vec();
    write_long(&mut out, entries.len() as i64);
    for (key, value) in entries {
        let value: &[u8] = if key == b"avro.codec" { b"null" } else { value };
        for t in [key, value] {
            write_long(&mut out, t.len() as i64);
            out.extend_from_slice(t);
        }
    }
    write_long(&mut out, 0);
    out.extend_from_slice(sync);
    Some(out)
}

fn write_long(out: &mut Vec<u8>, v: i64) {
    let mut z = ((v << 1) ^ (v >> 63)) as u64;
    while z >= 0x80 {
        out.push((z as u8) | 0x80);
        z >>= 7;
    }
    out.push(z as u8);
}

/// A container file rewritten with its blocks decompressed: (header, blocks).
type Decompressed = (Vec<u8>, Vec<u8>);

/// The header's codec and the walk of its schema.
fn open_header(path: &Path, header: &[u8]) -> Result<(Option<CompressionCodec>, Walker), ImportError> {
    let bad = |message: String| ImportError::Format {
        path: path.to_path_buf(),
        message,
    };
    let info = read_header_info(Cursor::new(header))
        .map_err(|e| bad(format!("not a readable Avro object container file: {e}")))?;
    let codec = info
        .compression()
        .map_err(|e| bad(format!("unsupported Avro codec: {e}")))?;
    let schema = info
        .writer_schema()
        .map_err(|e| bad(format!("the header has no readable avro.schema: {e}")))?;
    let walker = Walker::new(schema.json_string.as_bytes()).map_err(bad)?;
    Ok((codec, walker))
}

/// Calls `each(data, records, sync)` for every block of `blocks` (whole blocks starting at
/// byte `offset` of the file), its data decompressed; a `Corrupt` it returns becomes an
/// error naming the file, the byte, the record and the field.
fn for_each_block(
    path: &Path,
    codec: Option<CompressionCodec>,
    (offset, blocks): (usize, &[u8]),
    first_record: u64,
    mut each: impl FnMut(&[u8], u64, &[u8]) -> Result<(), Corrupt>,
) -> Result<(), ImportError> {
    let bad = |message: String| ImportError::Format {
        path: path.to_path_buf(),
        message,
    };
    let mut pos = 0usize;
    let mut record = first_record;
    while pos < blocks.len() {
        let start = pos;
        let cut = || bad(format!("truncated: block header cut at byte {}", offset + start));
        let count = read_long(blocks, &mut pos).ok_or_else(cut)?;
        let size = read_long(blocks, &mut pos).ok_or_else(cut)?;
        let (Ok(count), Ok(size)) = (u64::try_from(count), usize::try_from(size)) else {
            return Err(bad(format!(
                "garbled: block at byte {} has a negative count or size",
                offset + start
            )));
        };
        let data_at = pos;
        let data = blocks
            .get(pos..pos.checked_add(size).ok_or_else(cut)?)
            .ok_or_else(cut)?;
        let sync = blocks.get(pos + size..pos + size + 16).ok_or_else(cut)?;
        let plain = match codec {
            Some(c) => std::borrow::Cow::Owned(
                decompress(c, data).map_err(|m| bad(format!("block at byte {}: {m}", offset + start)))?,
            ),
            None => std::borrow::Cow::Borrowed(data),
        };
        if let Err(c) = each(&plain, count, sync) {
            let place = match codec {
                None => format!("byte {}", offset + data_at + c.at),
                Some(_) => format!("block at byte {}, byte {} of its data", offset + start, c.at),
            };
            return Err(bad(format!(
                "corrupt: {place} (record {}{}): {}",
                record + c.record + 1,
                if c.field.is_empty() {
                    String::new()
                } else {
                    format!(", field {}", c.field)
                },
                c.message
            )));
        }
        record += count;
        pos += size + 16;
    }
    Ok(())
}

/// Checks every block against the writer's schema before arrow-avro sees it, and hands
/// compressed blocks over decompressed (with a `null` codec header), so that only checked
/// bytes are decoded: arrow-avro 60.1 reads any branch index of a nullable union other
/// than the null one as the value, and loops forever on a block whose records end early.
/// `blocks` are whole blocks starting at byte `offset` of the file. Returns the header and
/// blocks to decode instead, when they were compressed.
pub(super) fn checked_blocks(
    path: &Path,
    header: &[u8],
    blocks: (usize, &[u8]),
    first_record: u64,
) -> Result<Option<Decompressed>, ImportError> {
    let (codec, walker) = open_header(path, header)?;
    let mut rewritten = codec.map(|_| Vec::with_capacity(blocks.1.len() * 4));
    for_each_block(path, codec, blocks, first_record, |plain, count, sync| {
        walker.check_block(plain, count)?;
        if let Some(out) = rewritten.as_mut() {
            write_long(out, count as i64);
            write_long(out, plain.len() as i64);
            out.extend_from_slice(plain);
            out.extend_from_slice(sync);
        }
        Ok(())
    })?;
    match rewritten {
        None => Ok(None),
        Some(out) => {
            let head = null_codec_header(header).ok_or_else(|| ImportError::Format {
                path: path.to_path_buf(),
                message: "cannot read the header's metadata".into(),
            })?;
            Ok(Some((head, out)))
        }
    }
}

/// Decodes whole blocks straight into `builder` while checking them (one pass over the
/// bytes, no Arrow arrays), when the walk `decodes` every field the builder reads.
/// Returns false, having read nothing, when it does not: then `checked_blocks` and
/// arrow-avro read the blocks.
pub(super) fn decode_blocks(
    path: &Path,
    header: &[u8],
    blocks: (usize, &[u8]),
    first_record: u64,
    builder: &mut TableBuilder,
) -> Result<bool, ImportError> {
    let (codec, walker) = open_header(path, header)?;
    if !walker.decodes(&builder.used_sources()) {
        return Ok(false);
    }
    for_each_block(path, codec, blocks, first_record, |plain, count, _| {
        walker.decode_block(plain, count, builder)
    })?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deflated(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn inflate_grows_its_buffer_and_refuses_cut_data() {
        // Compresses far better than 4:1, so the buffer must grow several times.
        let data: Vec<u8> = (0..200_000u32).flat_map(|i| (i % 7).to_le_bytes()).collect();
        let packed = deflated(&data);
        assert!(packed.len() * 16 < data.len());
        assert_eq!(inflate(&packed).unwrap(), data);
        assert_eq!(inflate(&deflated(b"")).unwrap(), b"");
        let cut = &packed[..packed.len() / 2];
        assert!(inflate(cut).unwrap_err().starts_with("cannot decompress"));
        assert!(
            inflate(b"\xff\xff\xff\xff")
                .unwrap_err()
                .starts_with("cannot decompress")
        );
    }
}
