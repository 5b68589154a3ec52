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

/// A copy of a file whose encryption covers only embedded files
/// (`/StmF /Identity` and `/StrF /Identity`, an `/EFF` filter: ISO
/// 32000-1 7.6.5), with the trailer's `/Encrypt` key renamed so lopdf
/// reads it as unencrypted. Its pages and strings are plain by the file's
/// own declaration: a reader opens it without the attachment's password
/// (pdf.js's `encrypted-attachment.pdf`). The rename keeps every byte
/// offset. `None` when the file encrypts anything else.
pub fn without_attachment_only_encryption(file: &[u8]) -> Option<Vec<u8>> {
    // Every `/StmF` and `/StrF` in the file must say `/Identity` (a stray
    // one elsewhere cannot hide a real crypt filter).
    let identity = |key: &[u8]| {
        find_all(file, key).next().is_some()
            && find_all(file, key).all(|at| {
                let rest = file.get(at + key.len()..).unwrap_or_default();
                let rest = rest.get(..rest.len().min(32)).unwrap_or_default();
                let trimmed = rest
                    .iter()
                    .position(|b| !b.is_ascii_whitespace())
                    .and_then(|i| rest.get(i..))
                    .unwrap_or_default();
                trimmed.starts_with(b"/Identity")
            })
    };
    if !(identity(b"/StmF") && identity(b"/StrF")) || find(file, b"/EFF").is_none() {
        return None;
    }
    let mut out = file.to_vec();
    let mut renamed = false;
    for at in find_all(file, b"/Encrypt") {
        // Only the key `/Encrypt` itself, not `/EncryptMetadata`.
        let next = file.get(at + b"/Encrypt".len()).copied().unwrap_or(b' ');
        if next.is_ascii_alphanumeric() {
            continue;
        }
        if let Some(last) = out.get_mut(at + b"/Encrypt".len() - 1) {
            *last = b'X';
            renamed = true;
        }
    }
    renamed.then_some(out)
}

fn find_all<'a>(hay: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    hay.windows(needle.len())
        .enumerate()
        .filter(move |(_, w)| *w == needle)
        .map(|(i, _)| i)
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
    fn attachment_only_encryption_is_set_aside() {
        let file = b"<< /Filter /Standard /StmF /Identity /StrF  /Identity /EFF /StdCF \
            /EncryptMetadata false >> trailer << /Encrypt 12 0 R /Root 1 0 R >>";
        let patched = without_attachment_only_encryption(file).unwrap();
        assert_eq!(patched.len(), file.len(), "offsets stay");
        assert!(find(&patched, b"/Encrypt ").is_none());
        assert!(find(&patched, b"/EncryptMetadata").is_some());
        // Streams encrypted: nothing is set aside.
        let real = b"<< /StmF /StdCF /StrF /Identity /EFF /StdCF >> << /Encrypt 12 0 R >>";
        assert_eq!(without_attachment_only_encryption(real), None);
        let decoy = b"(/StmF /Identity) << /StmF /StdCF /StrF /Identity /EFF /X >> /Encrypt 1 0 R";
        assert_eq!(without_attachment_only_encryption(decoy), None);
        assert_eq!(without_attachment_only_encryption(b"/Encrypt 1 0 R"), None);
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
