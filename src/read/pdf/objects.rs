//! Small helpers over lopdf objects, and bounded stream decoding.

use std::io::Read;

use lopdf::{Dictionary, Document, Object, Stream};

/// References are followed at most this many times (guards reference loops).
const MAX_DEREF: usize = 16;

pub(crate) fn deref<'a>(doc: &'a Document, mut obj: &'a Object) -> &'a Object {
    for _ in 0..MAX_DEREF {
        match obj {
            Object::Reference(id) => match doc.objects.get(id) {
                Some(o) => obj = o,
                None => return &Object::Null,
            },
            _ => return obj,
        }
    }
    &Object::Null
}

pub(crate) fn dict_of<'a>(doc: &'a Document, obj: &'a Object) -> Option<&'a Dictionary> {
    match deref(doc, obj) {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

pub(crate) fn name_of(obj: &Object) -> Option<&[u8]> {
    obj.as_name().ok()
}

pub(crate) fn number_of(doc: &Document, obj: &Object) -> Option<f32> {
    match deref(doc, obj) {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

/// A stream's decoded bytes, at most [`MAX_STREAM_BYTES`]; `None` if unreadable.
pub(crate) fn stream_bytes(doc: &Document, obj: &Object) -> Option<Vec<u8>> {
    match deref(doc, obj) {
        Object::Stream(s) => decode_stream(s, MAX_STREAM_BYTES).ok(),
        _ => None,
    }
}

/// No single stream (content, form, CMap) is decoded beyond this size.
pub(crate) const MAX_STREAM_BYTES: usize = 64 << 20;

/// Why a stream could not be decoded.
#[derive(Debug)]
pub(crate) enum DecodeError {
    /// An image or an unsupported filter: not content we can read.
    Unsupported,
    /// The decoded size passed the limit; the prefix read so far is kept.
    TooLarge(Vec<u8>),
}

/// Decode a stream, stopping at `limit` bytes so that a zip bomb cannot
/// exhaust memory. Flate is decoded here (bounded); other filters go
/// through lopdf, whose output is bounded by their small expansion ratio.
pub(crate) fn decode_stream(stream: &Stream, limit: usize) -> Result<Vec<u8>, DecodeError> {
    let filters: Vec<&[u8]> = match stream.dict.get(b"Filter") {
        Ok(Object::Name(n)) => vec![n.as_slice()],
        Ok(Object::Array(a)) => a.iter().filter_map(|o| o.as_name().ok()).collect(),
        _ => Vec::new(),
    };
    let has_params = stream.dict.has(b"DecodeParms");
    match filters.as_slice() {
        [] => {
            let n = stream.content.len().min(limit);
            if stream.content.len() > limit {
                return Err(DecodeError::TooLarge(stream.content[..n].to_vec()));
            }
            Ok(stream.content.clone())
        }
        [b"FlateDecode" | b"Fl"] if !has_params => inflate(&stream.content, limit),
        _ => {
            // LZW/ASCII85/predictors: rare in content streams; let lopdf do them.
            let out = stream
                .decompressed_content()
                .map_err(|_| DecodeError::Unsupported)?;
            if out.len() > limit {
                let mut out = out;
                out.truncate(limit);
                return Err(DecodeError::TooLarge(out));
            }
            Ok(out)
        }
    }
}

/// Inflate zlib data (or raw deflate, which some writers emit), bounded.
fn inflate(data: &[u8], limit: usize) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::with_capacity((data.len() * 4).min(limit).min(16 << 20));
    let read = flate2::read::ZlibDecoder::new(data)
        .take(limit as u64 + 1)
        .read_to_end(&mut out);
    if read.is_err() && out.is_empty() {
        // A corrupt stream keeps what inflated before the damage; a stream
        // without the zlib header is tried as raw deflate.
        let _ = flate2::read::DeflateDecoder::new(data)
            .take(limit as u64 + 1)
            .read_to_end(&mut out);
    }
    if out.len() > limit {
        out.truncate(limit);
        return Err(DecodeError::TooLarge(out));
    }
    Ok(out)
}
