//! Decrypting a file whose `/Encrypt` dictionary sits directly in its
//! trailer.
//!
//! ISO 32000-1 (7.5.5, Table 15) allows `/Encrypt` to be a direct
//! dictionary, and some producers write it so (pdfminer's `rc4-40.pdf` to
//! `aes-256-m.pdf`, pdf.js's `issue6010_*.pdf`: RC4-40 to AES-256 R6).
//! lopdf 0.47 decrypts only an `/Encrypt` that is a reference (it skips
//! that object when decrypting), so it rejects such a file even with the
//! right password. poppler, pdfium and pdf.js read it.
//!
//! The repair is an incremental update, the way any PDF editor would
//! rewrite the trailer: the dictionary is appended as a new object, and a
//! new cross-reference section and trailer point to it, with `/Prev` the
//! file's own last cross-reference section. The file's bytes are not
//! touched, only added to (a few hundred bytes), and lopdf then decrypts
//! it with the user or owner password as usual. This was chosen over a
//! second object parser (hayro-syntax) for decryption: every real-world
//! file lopdf would not decrypt with the right password had this cause.

use lopdf::{Dictionary, Document, Object, Writer};

/// How far from the end of the file `startxref` is looked for: the
/// specification puts it in the last 1 KiB; some producers append a little
/// garbage after `%%EOF`.
const STARTXREF_WINDOW: usize = 4096;

/// Trailer keys that only mean something in a cross-reference *stream*'s
/// dictionary (the trailer of a file with xref streams): the appended
/// trailer is a classic one and must not carry them.
const XREF_STREAM_KEYS: &[&[u8]] = &[
    b"Type",
    b"W",
    b"Index",
    b"Filter",
    b"DecodeParms",
    b"Length",
    b"XRefStm",
    b"Prev",
];

/// The file with its direct `/Encrypt` dictionary moved into an appended
/// object, or `None` when `locked` (the document lopdf loaded without a
/// password) has no direct `/Encrypt` dictionary, no usable `/Size`, or
/// the file no `startxref`.
pub fn with_indirect_encrypt(bytes: &[u8], locked: &Document) -> Option<Vec<u8>> {
    let Ok(Object::Dictionary(encrypt)) = locked.trailer.get(b"Encrypt") else {
        return None;
    };
    let size = locked
        .trailer
        .get(b"Size")
        .ok()?
        .as_i64()
        .ok()
        .and_then(|s| u32::try_from(s).ok())
        .filter(|s| *s > 0 && *s < u32::MAX)?;
    let prev = last_startxref(bytes)?;
    let mut trailer: Dictionary = locked.trailer.clone();
    for key in XREF_STREAM_KEYS {
        trailer.remove(key);
    }
    trailer.set("Encrypt", Object::Reference((size, 0)));
    trailer.set("Size", Object::Integer(i64::from(size) + 1));
    trailer.set("Prev", Object::Integer(i64::try_from(prev).ok()?));

    let mut out = Vec::with_capacity(bytes.len() + 1024);
    out.extend_from_slice(bytes);
    out.push(b'\n');
    let object_offset = out.len();
    out.extend_from_slice(format!("{size} 0 obj\n").as_bytes());
    Writer::write_object(&mut out, &Object::Dictionary(encrypt.clone())).ok()?;
    out.extend_from_slice(b"\nendobj\n");
    let xref_offset = out.len();
    out.extend_from_slice(
        format!(
            "xref\n0 1\n0000000000 65535 f \n{size} 1\n{object_offset:010} 00000 n \ntrailer\n"
        )
        .as_bytes(),
    );
    Writer::write_object(&mut out, &Object::Dictionary(trailer)).ok()?;
    out.extend_from_slice(format!("\nstartxref\n{xref_offset}\n%%EOF\n").as_bytes());
    Some(out)
}

/// The offset after the file's last `startxref` keyword.
fn last_startxref(bytes: &[u8]) -> Option<u64> {
    const KEYWORD: &[u8] = b"startxref";
    let start = bytes.len().saturating_sub(STARTXREF_WINDOW);
    let tail = bytes.get(start..)?;
    let at = tail.windows(KEYWORD.len()).rposition(|w| w == KEYWORD)?;
    let rest = tail.get(at + KEYWORD.len()..)?;
    let digits: Vec<u8> = rest
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .take(20)
        .copied()
        .collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn startxref_is_read_from_the_tail() {
        assert_eq!(last_startxref(b"...startxref\n1234\n%%EOF\n"), Some(1234));
        assert_eq!(
            last_startxref(b"startxref 1 startxref\r\n99 %%EOF"),
            Some(99)
        );
        assert_eq!(last_startxref(b"no keyword"), None);
        assert_eq!(last_startxref(b"startxref\n%%EOF"), None);
        assert_eq!(
            last_startxref(b"startxref 99999999999999999999999999"),
            None
        );
    }

    #[test]
    fn only_a_direct_dictionary_is_moved() {
        let mut doc = Document::new();
        doc.trailer.set("Size", 5);
        assert_eq!(with_indirect_encrypt(b"startxref 9", &doc), None);
        doc.trailer.set("Encrypt", Object::Reference((4, 0)));
        assert_eq!(with_indirect_encrypt(b"startxref 9", &doc), None);
        doc.trailer.set("Encrypt", Dictionary::new());
        let patched = with_indirect_encrypt(b"startxref 9", &doc).unwrap_or_default();
        let text = String::from_utf8_lossy(&patched);
        assert!(text.contains("5 0 obj"), "{text}");
        assert!(text.contains("/Encrypt 5 0 R"), "{text}");
        assert!(text.contains("/Prev 9"), "{text}");
        doc.trailer.set("Size", -1);
        assert_eq!(with_indirect_encrypt(b"startxref 9", &doc), None);
    }
}
