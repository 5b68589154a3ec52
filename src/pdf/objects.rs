//! Small, panic-free accessors over lopdf objects.
//!
//! lopdf gives us the object graph; these helpers resolve references with a
//! hop limit (a reference cycle cannot loop forever) and read numbers, names
//! and arrays leniently, returning `None` where a hostile or sloppy file has
//! the wrong type.

use lopdf::{Dictionary, Document, Object, Stream};

/// How many reference hops `resolve` follows before it gives up. Real files
/// need one or two; the limit only stops `1 0 obj 1 0 R endobj` loops.
const MAX_REFERENCE_HOPS: usize = 32;

/// Follows references until a direct object.
pub fn resolve<'a>(doc: &'a Document, mut obj: &'a Object) -> Option<&'a Object> {
    for _ in 0..MAX_REFERENCE_HOPS {
        match obj {
            Object::Reference(id) => obj = doc.get_object(*id).ok()?,
            other => return Some(other),
        }
    }
    None
}

/// The value under `key`, resolved.
pub fn get<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    resolve(doc, dict.get(key).ok()?)
}

/// How many `/Parent` levels an inherited page attribute is looked up.
const MAX_PAGE_TREE_DEPTH: usize = 32;

/// A page attribute, inherited through `/Parent` when the page lacks it
/// (ISO 32000-1, 7.7.3.4: `/Resources`, `/MediaBox`, `/CropBox`).
pub fn inherited<'a>(doc: &'a Document, page: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    let mut node = page;
    for _ in 0..MAX_PAGE_TREE_DEPTH {
        if let Some(v) = get(doc, node, key) {
            return Some(v);
        }
        node = get_dict(doc, node, b"Parent")?;
    }
    None
}

/// A dictionary under `key` (a stream's dictionary counts).
pub fn get_dict<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Dictionary> {
    as_dict(get(doc, dict, key)?)
}

/// The dictionary of a dictionary or stream object.
pub fn as_dict(obj: &Object) -> Option<&Dictionary> {
    match obj {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

/// A stream under `key`.
pub fn get_stream<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Stream> {
    match get(doc, dict, key)? {
        Object::Stream(s) => Some(s),
        _ => None,
    }
}

/// A name under `key`.
pub fn get_name<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a [u8]> {
    match get(doc, dict, key)? {
        Object::Name(n) => Some(n.as_slice()),
        _ => None,
    }
}

/// An array under `key`.
pub fn get_array<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a [Object]> {
    match get(doc, dict, key)? {
        Object::Array(a) => Some(a.as_slice()),
        _ => None,
    }
}

/// A number (integer or real) as f64.
pub fn number(obj: &Object) -> Option<f64> {
    match obj {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    }
}

/// A number under `key`.
pub fn get_number(doc: &Document, dict: &Dictionary, key: &[u8]) -> Option<f64> {
    number(get(doc, dict, key)?)
}

/// An array of numbers, resolving each element; `None` if any is not a number.
pub fn numbers(doc: &Document, arr: &[Object]) -> Option<Vec<f64>> {
    arr.iter()
        .map(|o| resolve(doc, o).and_then(number))
        .collect()
}

/// A stream's decoded bytes, bounded by `limit`. Falls back to the raw bytes
/// when the stream has no filter lopdf knows (as readers do).
pub fn stream_bytes(stream: &Stream, limit: usize) -> Option<Vec<u8>> {
    if stream.dict.get(b"Filter").is_err() {
        return (stream.content.len() <= limit).then(|| stream.content.clone());
    }
    stream.decompressed_content_with_limit(limit).ok()
}
