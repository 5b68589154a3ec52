//! Where objects come from, and small, panic-free accessors over them.
//!
//! A [`Source`] hands out lopdf objects: parsed on first use from a file
//! hayro-syntax opens ([`super::lazy`]), or from a document lopdf loaded
//! whole (encrypted files `security.rs` declines, files hayro-syntax
//! cannot open, and the repairs of `recovery.rs`). The helpers resolve references with a hop limit (a
//! reference cycle cannot loop forever) and read numbers, names and arrays
//! leniently, returning `None` where a hostile or sloppy file has the wrong
//! type.

use super::content::PlainItem;
use super::lazy::LazyDoc;
use lopdf::{Dictionary, Object, ObjectId, Stream};
use std::collections::BTreeMap;

/// An opened PDF's objects.
pub enum Source {
    /// Every object parsed while loading (lopdf); boxed, the document is
    /// large and the source is moved around.
    Eager(Box<lopdf::Document>),
    /// Objects parsed when first asked for.
    Lazy(LazyDoc),
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Source::Eager(_) => "Source::Eager",
            Source::Lazy(_) => "Source::Lazy",
        })
    }
}

impl Source {
    /// The object `id` (one level: a stored reference is returned as is).
    pub fn get_object(&self, id: ObjectId) -> Option<&Object> {
        match self {
            Source::Eager(doc) => doc.get_object(id).ok(),
            Source::Lazy(doc) => doc.get_object(id),
        }
    }

    /// Page numbers (from 1) and their object ids.
    pub fn get_pages(&self) -> BTreeMap<u32, ObjectId> {
        match self {
            Source::Eager(doc) => doc.get_pages(),
            Source::Lazy(doc) => doc.get_pages(),
        }
    }

    /// A deferred array of numbers and names, read from the file's bytes
    /// (see `LazyDoc::plain_array`); `None` for any other object.
    pub fn plain_array(&self, object: &Object) -> Option<Vec<PlainItem<'_>>> {
        match self {
            Source::Eager(_) => None,
            Source::Lazy(doc) => doc.plain_array(object),
        }
    }

    /// A deferred array's numbers, read from the file's bytes (see
    /// `LazyDoc::plain_numbers`): `Some(None)` when it holds a name, `None`
    /// for any other object.
    pub fn plain_numbers(&self, object: &Object) -> Option<Option<Vec<f64>>> {
        match self {
            Source::Eager(_) => None,
            Source::Lazy(doc) => doc.plain_numbers(object),
        }
    }

    /// The dictionary object `id`.
    pub fn get_dictionary(&self, id: ObjectId) -> Option<&Dictionary> {
        match self {
            Source::Eager(doc) => doc.get_dictionary(id).ok(),
            Source::Lazy(doc) => match resolve(self, doc.get_object(id)?)? {
                Object::Dictionary(d) => Some(d),
                _ => None,
            },
        }
    }

    /// True when the lazy path's value budget ran out (some objects read
    /// as `null`).
    pub fn exhausted(&self) -> bool {
        match self {
            Source::Eager(_) => false,
            Source::Lazy(doc) => doc.exhausted(),
        }
    }

    /// A page's content streams, decoded and joined with newlines, at most
    /// `limit` bytes in all: lopdf's `get_page_content_with_limit`, over
    /// either source (a stream that fails to decode counts as its raw
    /// bytes; one past the limit is an error, not truncated).
    pub fn page_content(&self, page: ObjectId, limit: usize) -> lopdf::Result<Vec<u8>> {
        let doc = match self {
            Source::Eager(doc) => return doc.get_page_content_with_limit(page, limit),
            Source::Lazy(doc) => doc,
        };
        let exceeded = || lopdf::Error::from(lopdf::DecompressError::MemoryLimitExceeded { limit });
        let mut ids = Vec::new();
        if let Some(Ok(mut contents)) = self.get_dictionary(page).map(|p| p.get(b"Contents")) {
            for _ in 0..MAX_REFERENCE_HOPS {
                match contents {
                    Object::Reference(id) => match doc.get_object(*id) {
                        None | Some(Object::Stream(_)) => ids.push(*id),
                        Some(other) => {
                            contents = other;
                            continue;
                        }
                    },
                    Object::Array(a) => ids.extend(a.iter().filter_map(|o| match o {
                        Object::Reference(id) => Some(*id),
                        _ => None,
                    })),
                    _ => {}
                }
                break;
            }
        }
        let mut content = Vec::new();
        for id in ids {
            let Some(Object::Stream(stream)) = doc.get_object(id) else {
                continue;
            };
            let remaining = limit.saturating_sub(content.len());
            match decode(stream, remaining) {
                // The first (usually only) stream is moved, not copied.
                Ok(data) if content.is_empty() => content = data,
                Ok(data) => content.extend_from_slice(&data),
                Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded {
                    ..
                })) => return Err(exceeded()),
                Err(_) if stream.content.len() <= remaining => {
                    content.extend_from_slice(&stream.content);
                }
                Err(_) => return Err(exceeded()),
            }
            content.push(b'\n');
        }
        Ok(content)
    }
}

/// The objects' source under the name the accessors below use.
type Document = Source;

/// How many reference hops `resolve` follows before it gives up. Real files
/// need one or two; the limit only stops `1 0 obj 1 0 R endobj` loops.
const MAX_REFERENCE_HOPS: usize = 32;

/// Follows references until a direct object.
pub fn resolve<'a>(doc: &'a Document, mut obj: &'a Object) -> Option<&'a Object> {
    for _ in 0..MAX_REFERENCE_HOPS {
        match obj {
            Object::Reference(id) => obj = doc.get_object(*id)?,
            other => return Some(other),
        }
    }
    None
}

/// The value under `key` as stored (a reference stays one): lopdf's
/// `Dictionary::get` without its error, which for a missing key (most
/// look-ups of `/DecodeParms`, `/Filter`, optional font keys) formats the
/// key into a new `String` only to be dropped (about 3 200 times over the
/// 77 one-page fixtures, callgrind).
pub fn entry<'a>(dict: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    dict.as_hashmap().get(key)
}

/// The value under `key`, resolved.
pub fn get<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    resolve(doc, entry(dict, key)?)
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

/// The numbers of the array under `key`, as `get_array` and [`numbers`]
/// read them; a deferred array of the lazy layer is read straight from
/// the file's bytes.
pub fn get_numbers(doc: &Document, dict: &Dictionary, key: &[u8]) -> Option<Vec<f64>> {
    if let Some(numbers) = entry(dict, key).and_then(|o| doc.plain_numbers(o)) {
        return numbers;
    }
    get_array(doc, dict, key).and_then(|a| numbers(doc, a))
}

/// A stream's decoded bytes, bounded by `limit`. Falls back to the raw bytes
/// when the stream has no filter lopdf knows (as readers do).
pub fn stream_bytes(stream: &Stream, limit: usize) -> Option<Vec<u8>> {
    if !stream.dict.has(b"Filter") {
        return (stream.content.len() <= limit).then(|| stream.content.clone());
    }
    decode(stream, limit).ok()
}

/// A stream decoded as lopdf's `decompressed_content_with_limit` decodes
/// it. The commonest stream, one `/FlateDecode` and no `/DecodeParms` (a
/// ToUnicode map, a content stream), is inflated by one inflater per
/// thread, reset between streams: lopdf makes and zeroes a new one for
/// every stream, which was a fifth of the cost of a Chromium notice's 69
/// ToUnicode maps (callgrind).
///
/// reportlab's `[/ASCII85Decode /FlateDecode]` is taken the same way, the
/// ASCII85 stage by [`ascii85`]: lopdf's decoder makes a fresh inflater and
/// checks the limit at every input byte (about 320 000 instructions per
/// content stream of a reportlab notice, callgrind).
pub fn decode(stream: &Stream, limit: usize) -> lopdf::Result<Vec<u8>> {
    let over = || lopdf::DecompressError::MemoryLimitExceeded { limit }.into();
    if !stream.dict.has(b"DecodeParms") {
        let flate = |n: &[u8]| n == b"FlateDecode";
        match entry(&stream.dict, b"Filter") {
            Some(Object::Name(n)) if flate(n) => {
                return inflate(&stream.content, limit).ok_or_else(over);
            }
            Some(Object::Array(a)) => match a.as_slice() {
                [Object::Name(n)] if flate(n) => {
                    return inflate(&stream.content, limit).ok_or_else(over);
                }
                [Object::Name(a85), Object::Name(n)] if a85 == b"ASCII85Decode" && flate(n) => {
                    if let Some(deflated) = ascii85(&stream.content, limit) {
                        return inflate(&deflated, limit).ok_or_else(over);
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    stream.decompressed_content_with_limit(limit)
}

/// ASCII85 data (ISO 32000-1, 7.4.3) decoded as lopdf decodes it: an
/// ending `~>` dropped, white space and `z` (four zero bytes) between
/// groups, the first byte outside `!`..`u` ending the data, a last partial
/// group padded with `u`. `None` where lopdf fails (a `z` inside a group,
/// a group over 2^32 - 1, more than `limit` bytes): the caller's lopdf
/// decode then gives its error.
fn ascii85(input: &[u8], limit: usize) -> Option<Vec<u8>> {
    let data = input.strip_suffix(b"~>").unwrap_or(input);
    // At most four bytes out per five in, but `z` gives four per one:
    // the vector may grow past this guess, never past the limit by more
    // than one group.
    let mut out = Vec::with_capacity((data.len() / 5 * 4 + 4).min(limit.saturating_add(4)));
    let (mut group, mut count) = (0u32, 0usize);
    for &ch in data {
        if out.len() > limit {
            return None;
        }
        match ch {
            b'z' if count == 0 => out.extend_from_slice(&[0; 4]),
            b'z' => return None,
            b'!'..=b'u' => {
                group = group.checked_mul(85)?.checked_add(u32::from(ch - b'!'))?;
                count += 1;
                if count == 5 {
                    out.extend_from_slice(&group.to_be_bytes());
                    (group, count) = (0, 0);
                }
            }
            _ if ch.is_ascii_whitespace() => {}
            _ => break,
        }
    }
    if count > 0 {
        for _ in count..5 {
            group = group.checked_mul(85)?.checked_add(84)?;
        }
        out.extend_from_slice(group.to_be_bytes().get(..count - 1)?);
    }
    (out.len() <= limit).then_some(out)
}

/// What a stream inflates to at first, as a multiple of its size (text
/// compresses three to five times); the vector grows from there.
const INFLATE_FIRST_GUESS: usize = 4;

/// What [`inflate_whole`] grows its buffer by when a stream does not fit.
const INFLATE_GROWTH: usize = 4;

/// The smallest buffer [`inflate_whole`] starts with: a 100-byte stream
/// may well inflate past four times its size.
const INFLATE_MIN_BUFFER: usize = 1024;

/// The largest output buffer [`inflate_whole`] keeps for the next stream.
/// libdeflate writes into a buffer sized up front; a fresh zeroed vector
/// per stream costs a page fault per 4 KiB in a worker process (glibc
/// gives large blocks back to the system and maps them again), so the
/// buffer is reused and each stream's output copied out at its exact
/// size. A notice's streams inflate to tens of kilobytes; a buffer grown
/// past this for one big stream is dropped, so a thread does not hold
/// the largest output it ever saw.
const INFLATE_SCRATCH_KEPT: usize = 1024 * 1024;

thread_local! {
    static INFLATER: std::cell::RefCell<flate2::Decompress> =
        std::cell::RefCell::new(flate2::Decompress::new(true));
    static WHOLE_INFLATER: std::cell::RefCell<(libdeflater::Decompressor, Vec<u8>)> =
        std::cell::RefCell::new((libdeflater::Decompressor::new(), Vec::new()));
}

/// zlib data inflated, `None` past `limit` bytes. As lopdf, a corrupt
/// stream keeps what inflated before the damage (all of it: lopdf drops
/// its last read's worth), and one that inflates to nothing is tried
/// again as raw deflate after its two header bytes.
///
/// A whole, sound stream is inflated by [`inflate_whole`]; anything it
/// refuses (damaged, cut short, past the limit) by [`inflate_streaming`],
/// so a stream that is not sound reads exactly as before.
fn inflate(input: &[u8], limit: usize) -> Option<Vec<u8>> {
    if let Some(out) = inflate_whole(input, limit) {
        return (out.len() <= limit).then_some(out);
    }
    inflate_streaming(input, limit)
}

/// A sound zlib stream inflated in one call by libdeflate (about a third
/// fewer instructions than zlib-rs, and the Huffman tables of a Chromium
/// notice's 70 small ToUnicode maps cost half as much to set up): `None`
/// for anything libdeflate does not decode whole, header to Adler-32
/// checksum, within a buffer of at most `limit + 1` bytes.
///
/// libdeflate needs its whole output buffer up front (a reused one, see
/// [`INFLATE_SCRATCH_KEPT`]), so the buffer starts at the reused
/// buffer's whole length or [`INFLATE_FIRST_GUESS`] times the input,
/// whichever is larger, and grows by
/// [`INFLATE_GROWTH`] while the stream does not fit, never past `limit + 1`
/// bytes (one more than the limit: room to see it was passed). Each retry
/// starts over, so the work is bounded by a constant factor of the
/// output's size, and a stream that still does not fit goes to
/// [`inflate_streaming`] (which stops at the limit): a corrupt stream
/// libdeflate keeps reading implicit zeros from cannot run further.
///
/// When libdeflate decodes a stream whole, zlib-rs decodes the same bytes
/// (the deflate format fixes the output; libdeflate refuses a stream that
/// reads past its end, and checks the Adler-32 of what it wrote).
/// libdeflate accepts a few things zlib refuses, which no encoder writes:
/// length codes 286-287 and distance codes 30-31, more code lengths than
/// symbols, and a one-codeword Huffman code read with a `1` bit. Such a
/// stream, with a matching checksum, reads whole here where zlib-rs stops
/// at the block.
fn inflate_whole(input: &[u8], limit: usize) -> Option<Vec<u8>> {
    let most = limit.saturating_add(1);
    let guess = input
        .len()
        .saturating_mul(INFLATE_FIRST_GUESS)
        .max(INFLATE_MIN_BUFFER);
    WHOLE_INFLATER.with(|cell| {
        let (inflater, scratch) = &mut *cell.try_borrow_mut().ok()?;
        // The whole reused buffer is room already paid for: a stream that
        // inflates past the guess (a content stream of repeated operators
        // compresses ten times) fits at once instead of being decoded
        // again from the start in a buffer four times larger.
        let mut size = guess.max(scratch.len()).min(most);
        let out = loop {
            if scratch.len() < size {
                scratch.resize(size, 0);
            }
            let room = scratch.get_mut(..size)?;
            match inflater.zlib_decompress(input, room) {
                Ok(written) => break scratch.get(..written).map(<[u8]>::to_vec),
                Err(libdeflater::DecompressionError::InsufficientSpace) if size < most => {
                    size = size.saturating_mul(INFLATE_GROWTH).min(most);
                }
                Err(_) => break None,
            }
        };
        if scratch.len() > INFLATE_SCRATCH_KEPT {
            *scratch = Vec::new();
        }
        out
    })
}

/// zlib-rs's inflater over `input`, as lopdf's decoder (see [`inflate`]).
fn inflate_streaming(input: &[u8], limit: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len().saturating_mul(INFLATE_FIRST_GUESS).min(limit));
    if input.is_empty() {
        return Some(out);
    }
    INFLATER.with(|cell| {
        let Ok(mut inflater) = cell.try_borrow_mut() else {
            return inflate_with(&mut flate2::Decompress::new(true), input, &mut out, limit)
                .map(|_| ());
        };
        inflater.reset(true);
        let clean = inflate_with(&mut inflater, input, &mut out, limit)?;
        if !clean && out.is_empty() && input.len() > 2 {
            inflater.reset(false);
            out.clear();
            let _ = inflate_with(&mut inflater, input.get(2..)?, &mut out, limit)?;
        }
        Some(())
    })?;
    Some(out)
}

/// Runs `inflater` over `input` into `out`: `Some(true)` at the stream's
/// end, `Some(false)` when it stops early (damaged or cut short), `None`
/// past `limit`.
fn inflate_with(
    inflater: &mut flate2::Decompress,
    input: &[u8],
    out: &mut Vec<u8>,
    limit: usize,
) -> Option<bool> {
    let start_in = inflater.total_in();
    loop {
        if out.len() > limit {
            return None;
        }
        if out.len() == out.capacity() {
            // Room for at most one byte past the limit: enough to see it
            // was passed.
            let room = out
                .capacity()
                .max(4096)
                .min(limit.saturating_add(1) - out.len());
            out.reserve(room.max(1));
        }
        let consumed = usize::try_from(inflater.total_in() - start_in).ok()?;
        let before = (inflater.total_in(), out.len());
        let status =
            inflater.decompress_vec(input.get(consumed..)?, out, flate2::FlushDecompress::None);
        match status {
            Ok(flate2::Status::StreamEnd) => return (out.len() <= limit).then_some(true),
            Ok(_) if (inflater.total_in(), out.len()) == before => return Some(false),
            Ok(_) => {}
            Err(_) => return (out.len() <= limit).then_some(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn flate(content: Vec<u8>) -> Stream {
        Stream::new(lopdf::dictionary! { "Filter" => "FlateDecode" }, content)
    }

    /// The reused inflater gives what lopdf's decoder gives: whole, cut
    /// short, raw deflate behind a bad header, empty, and over the limit
    /// (damaged: at least what lopdf gives).
    #[test]
    fn the_reused_inflater_decodes_as_lopdf_does() {
        let text: Vec<u8> = (0..50_000u32)
            .flat_map(|i| i.to_string().into_bytes())
            .collect();
        let whole = zlib(&text);
        let mut damaged = whole.clone();
        if let Some(b) = damaged.get_mut(whole.len() / 2) {
            *b ^= 0xFF;
        }
        let cut = whole.get(..whole.len() / 3).unwrap().to_vec();
        let mut raw = vec![0u8, 0u8];
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(b"raw deflate").unwrap();
        raw.extend(e.finish().unwrap());
        let cases = [whole, damaged, cut, raw, Vec::new(), b"not zlib".to_vec()];
        for (case, content) in cases.into_iter().enumerate() {
            let stream = flate(content);
            for limit in [usize::MAX, text.len(), text.len() - 1, 10] {
                let ours = decode(&stream, limit).ok();
                let theirs = stream.decompressed_content_with_limit(limit).ok();
                // Damaged: lopdf drops what its last read inflated before
                // the error; ours keeps it, so lopdf's is a prefix.
                let same = match (&ours, &theirs) {
                    (Some(o), Some(t)) if case == 1 => o.starts_with(t),
                    _ => ours == theirs,
                };
                assert!(
                    same,
                    "case {case}, limit {limit}: {:?} bytes, lopdf {:?}",
                    ours.map(|o| o.len()),
                    theirs.map(|t| t.len())
                );
            }
        }
        // Twice in a row on one thread: the inflater is reset between.
        let again = flate(zlib(b"again"));
        assert_eq!(decode(&again, 100).unwrap(), b"again");
        assert_eq!(decode(&again, 100).unwrap(), b"again");
    }

    /// Every `stream ... endstream` body of every fixture PDF (a byte scan,
    /// so damaged files and object and xref streams count too).
    fn fixture_streams() -> Vec<Vec<u8>> {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "pdf") {
                    out.push(path);
                }
            }
        }
        let mut files = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
            &mut files,
        );
        files.sort();
        assert!(files.len() >= 200, "only {} fixture PDFs", files.len());
        let mut streams = Vec::new();
        for file in files {
            let bytes = std::fs::read(&file).unwrap();
            let mut at = 0;
            while let Some(found) = memchr::memmem::find(&bytes[at..], b"stream") {
                let mut start = at + found + b"stream".len();
                at = start;
                if bytes.get(start) == Some(&b'\r') {
                    start += 1;
                }
                if bytes.get(start) != Some(&b'\n') {
                    continue;
                }
                start += 1;
                let Some(len) = memchr::memmem::find(&bytes[start..], b"endstream") else {
                    break;
                };
                let mut body = &bytes[start..start + len];
                body = body.strip_suffix(b"\n").unwrap_or(body);
                body = body.strip_suffix(b"\r").unwrap_or(body);
                streams.push(body.to_vec());
                at = start + len + b"endstream".len();
            }
        }
        streams
    }

    /// libdeflate's whole-buffer path and the streaming inflater give the
    /// same bytes (or both `None`) for every stream of every fixture, at
    /// limits around its size, and for each sound one cut short, damaged,
    /// with trailing bytes, and behind the raw-deflate retry.
    #[test]
    fn whole_buffer_inflate_reads_every_stream_as_streaming_does() {
        fn check(input: &[u8], what: &str, every_limit: bool) {
            let size = inflate_streaming(input, usize::MAX).map_or(0, |o| o.len());
            let limits = [usize::MAX, size.saturating_sub(1), size, size / 2, 0];
            for limit in &limits[..if every_limit { 5 } else { 2 }] {
                let ours = inflate(input, *limit);
                let theirs = inflate_streaming(input, *limit);
                assert!(
                    ours == theirs,
                    "{what}, {} bytes in, limit {limit}: {:?} bytes, streaming {:?}",
                    input.len(),
                    ours.map(|o| o.len()),
                    theirs.map(|t| t.len())
                );
            }
        }
        let streams = fixture_streams();
        let mut sound = 0;
        for (i, stream) in streams.iter().enumerate() {
            check(stream, "whole", true);
            if inflate_whole(stream, usize::MAX).is_none() {
                continue;
            }
            sound += 1;
            let len = stream.len();
            // Cut short: in the data, in the checksum, the checksum gone.
            for cut in [len / 2, len - 1, len - 4, len - 5] {
                check(&stream[..cut], "cut", false);
            }
            // Trailing bytes after the checksum.
            check(&[&stream[..], b"\r\nendstream"].concat(), "trailing", false);
            // One byte changed: header, data, checksum.
            for (k, at) in [1, len / 3, len * 2 / 3, len - 2].into_iter().enumerate() {
                let mut damaged = stream.clone();
                damaged[at] ^= [0xFF, 0x01, 0x80, 0x10][(i + k) % 4];
                check(&damaged, "damaged", false);
            }
            // A bad header over raw deflate: the raw-deflate retry.
            let raw = [&[0u8, 0][..], &stream[2..len - 4]].concat();
            check(&raw, "raw", false);
        }
        // Most fixture streams are zlib data libdeflate reads whole.
        assert!(
            sound * 4 > streams.len() * 3,
            "{sound} of {} streams sound",
            streams.len()
        );
    }

    /// A stream that inflates to far more than its size (a page of one
    /// repeated byte) grows the buffer from the first guess up to the
    /// limit, and one past it is refused, as the streaming inflater does.
    #[test]
    fn whole_buffer_inflate_grows_to_the_limit_and_no_further() {
        let data = vec![b'x'; 3_000_000];
        let z = zlib(&data);
        assert!(z.len() * INFLATE_FIRST_GUESS * 100 < data.len());
        assert_eq!(inflate_whole(&z, usize::MAX).as_deref(), Some(&data[..]));
        assert_eq!(inflate(&z, data.len()).as_deref(), Some(&data[..]));
        assert_eq!(inflate(&z, data.len() - 1), None);
        assert_eq!(inflate_whole(&z, 100_000), None);
        assert_eq!(inflate(&z, 100_000), None);
        assert_eq!(inflate(&[], 10).as_deref(), Some(&[][..]));
    }

    /// ASCII85 in the encoding reportlab writes (four bytes to five
    /// characters, `z` for zeros, 75 characters a line, `~>` at the end).
    fn a85(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for chunk in data.chunks(4) {
            let mut word = [0u8; 4];
            word[..chunk.len()].copy_from_slice(chunk);
            let mut n = u32::from_be_bytes(word);
            if n == 0 && chunk.len() == 4 {
                out.push(b'z');
                continue;
            }
            let mut digits = [0u8; 5];
            for d in digits.iter_mut().rev() {
                *d = b'!' + (n % 85) as u8;
                n /= 85;
            }
            out.extend_from_slice(&digits[..chunk.len() + 1]);
            if out.len() % 76 > 70 {
                out.push(b'\n');
            }
        }
        out.extend_from_slice(b"~>");
        out
    }

    /// `[/ASCII85Decode /FlateDecode]` decodes as lopdf decodes it: whole
    /// streams of every length modulo 4 with zero runs, and damaged ASCII85
    /// (a `z` inside a group, a group over 2^32 - 1, a stray byte, no
    /// `~>`, white space after it), at limits around the sizes.
    #[test]
    fn ascii85_then_flate_decodes_as_lopdf_does() {
        let text: Vec<u8> = (0..20_000u32)
            .flat_map(|i| format!("{} 0 Td ", i % 997).into_bytes())
            .collect();
        let mut contents = Vec::new();
        for cut in 0..4 {
            let mut data = zlib(&text);
            data.truncate(data.len() - cut);
            contents.push(a85(&data));
        }
        let mut zeros = zlib(&[0u8; 4000]);
        zeros.extend_from_slice(&[0; 12]);
        contents.push(a85(&zeros));
        let whole = contents[0].clone();
        let mut damaged = Vec::new();
        for (at, bytes) in [
            (10, &b"z"[..]),
            (5, b"uuuuu"),
            (7, b"s8W-\""),
            (20, b"\x80"),
            (30, b"{"),
            (0, b" \r\n\t\x0c"),
        ] {
            let mut d = whole.clone();
            d.splice(at..at, bytes.iter().copied());
            damaged.push(d);
        }
        damaged.push(whole[..whole.len() - 2].to_vec());
        damaged.push([&whole[..], b" "].concat());
        damaged.push(b"z!!~>".to_vec());
        damaged.push(b"!~>".to_vec());
        damaged.push(Vec::new());
        contents.extend(damaged);
        let filter = lopdf::dictionary! {
            "Filter" => vec![Object::Name(b"ASCII85Decode".to_vec()), Object::Name(b"FlateDecode".to_vec())]
        };
        for (case, content) in contents.into_iter().enumerate() {
            let stream = Stream::new(filter.clone(), content.clone());
            for limit in [
                usize::MAX,
                text.len(),
                text.len() - 1,
                4000,
                content.len() * 4 / 5,
                10,
            ] {
                let ours = decode(&stream, limit).ok();
                let theirs = stream.decompressed_content_with_limit(limit).ok();
                let same = match (&ours, &theirs) {
                    (Some(o), Some(t)) => o.starts_with(t),
                    _ => ours == theirs,
                };
                assert!(
                    same,
                    "case {case}, limit {limit}: {:?} bytes, lopdf {:?}",
                    ours.map(|o| o.len()),
                    theirs.map(|t| t.len())
                );
                if case < 5 {
                    assert_eq!(ours, theirs, "case {case}, limit {limit}");
                }
            }
        }
        // The ASCII85 stage alone.
        assert_eq!(
            ascii85(b"87cURD]i,\"Ebo80~>", 100).unwrap(),
            b"Hello World!"
        );
        assert_eq!(ascii85(b"z!!~>", 100).unwrap(), [0, 0, 0, 0, 0]);
        assert_eq!(ascii85(b"!!z", 100), None);
        assert_eq!(ascii85(b"uuuuu", 100), None);
        assert_eq!(ascii85(b"zzz", 11), None);
        assert_eq!(ascii85(b"zz", 8).unwrap().len(), 8);
    }
}
