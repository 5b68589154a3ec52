//! Repairs lopdf leaves undone after loading a damaged file.
//!
//! A stream whose `/Filter` or `/DecodeParms` is an indirect reference
//! (legal, ISO 32000-1 7.3.8.2, but rare) is not decoded by lopdf, which
//! reads those entries as direct objects: [`inline_indirect_filters`]
//! replaces the references with what they point to.
//!
//! A stream whose `/Length` is missing, indirect to nothing, or wrong comes
//! out of lopdf empty (pdfium's `hello_world` variants, hand-edited test
//! files, truncated producers). Readers find the data by scanning for
//! `endstream`, as poppler and pdfium do (ISO 32000-1 7.3.8.1 says the
//! keyword ends the data); so does this module, from the offset lopdf
//! recorded for the stream's data.

use lopdf::{Document, Object};

/// The furthest we scan for `endstream`: a page's content stream is rarely
/// over a few megabytes, and the scan stops at the next `endobj` anyway.
const MAX_SCAN_BYTES: usize = 64 * 1024 * 1024;

/// Fills in the data of streams lopdf loaded empty though the file has
/// bytes between `stream` and `endstream`. Returns how many it repaired.
/// Encrypted documents are left alone: their raw bytes are not the data.
pub fn recover_stream_data(doc: &mut Document, file: &[u8]) -> usize {
    if doc.is_encrypted() {
        return 0;
    }
    let mut repaired = 0;
    for object in doc.objects.values_mut() {
        let Object::Stream(stream) = object else {
            continue;
        };
        if !stream.content.is_empty() {
            continue;
        }
        let Some(start) = stream.start_position else {
            continue;
        };
        if let Some(data) = data_until_endstream(file, start) {
            stream.set_content(data.to_vec());
            // The recovered bytes are raw; `/Length` now tells their size.
            stream
                .dict
                .set("Length", Object::Integer(data.len() as i64));
            repaired += 1;
        }
    }
    repaired
}

/// How many reference hops a `/Filter` may take (a cycle stops here).
const MAX_FILTER_HOPS: usize = 8;

/// Makes indirect `/Filter` and `/DecodeParms` entries of streams direct,
/// so lopdf decodes those streams. Returns how many entries it replaced.
pub fn inline_indirect_filters(doc: &mut Document) -> usize {
    let mut fixes = Vec::new();
    for (id, object) in &doc.objects {
        let Object::Stream(stream) = object else {
            continue;
        };
        for key in [&b"Filter"[..], b"DecodeParms"] {
            let Ok(&Object::Reference(first)) = stream.dict.get(key) else {
                continue;
            };
            let mut target = first;
            let mut resolved = None;
            for _ in 0..MAX_FILTER_HOPS {
                match doc.objects.get(&target) {
                    Some(Object::Reference(next)) => target = *next,
                    Some(direct) => {
                        resolved = Some(direct.clone());
                        break;
                    }
                    None => break,
                }
            }
            if let Some(direct) = resolved {
                fixes.push((*id, key.to_vec(), direct));
            }
        }
    }
    let count = fixes.len();
    for (id, key, direct) in fixes {
        if let Some(Object::Stream(stream)) = doc.objects.get_mut(&id) {
            stream.dict.set(key, direct);
        }
    }
    count
}

/// The bytes from `start` up to the `endstream` keyword (less the end of
/// line before it), if `endstream` comes before the next `endobj`.
fn data_until_endstream(file: &[u8], start: usize) -> Option<&[u8]> {
    let rest = file.get(start..)?;
    let rest = rest.get(..rest.len().min(MAX_SCAN_BYTES))?;
    let end = find(rest, b"endstream")?;
    if find(rest.get(..end)?, b"endobj").is_some() {
        return None;
    }
    let mut data = rest.get(..end)?;
    if let Some(d) = data.strip_suffix(b"\n") {
        data = d.strip_suffix(b"\r").unwrap_or(d);
    } else if let Some(d) = data.strip_suffix(b"\r") {
        data = d;
    }
    (!data.is_empty()).then_some(data)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_ends_at_endstream() {
        let file = b"stream\nBT (Hi) Tj ET\nendstream\nendobj";
        assert_eq!(data_until_endstream(file, 7), Some(&b"BT (Hi) Tj ET"[..]));
        let crlf = b"stream\r\nabc\r\nendstream";
        assert_eq!(data_until_endstream(crlf, 8), Some(&b"abc"[..]));
    }

    #[test]
    fn no_endstream_before_endobj_gives_nothing() {
        assert_eq!(
            data_until_endstream(b"abc endobj 2 0 obj endstream", 0),
            None
        );
        assert_eq!(data_until_endstream(b"abc", 0), None);
        assert_eq!(data_until_endstream(b"abc", 10), None);
        assert_eq!(data_until_endstream(b"\nendstream", 0), None);
    }
}
