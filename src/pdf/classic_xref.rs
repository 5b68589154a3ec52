//! Where each object of a plain file lies: its one classic
//! cross-reference table (ISO 32000-1, 7.5.4), read for the lazy object
//! layer (`lazy.rs`).
//!
//! hayro-syntax reads an object by parsing it whole, skipping every
//! nested value to find the entries of a dictionary; the lazy layer then
//! reads the same bytes again with the content lexer. For a Chromium
//! notice's Type 3 font dictionaries (long `/Widths` and `/Differences`
//! arrays, which the lazy layer defers anyway) that first parse was 6 % of
//! the instructions. With the offsets of this table the lazy layer reads
//! a dictionary or stream object itself, once, and a file whose table
//! gives every object a page reaches is never opened by hayro-syntax.
//!
//! Only the simplest, commonest layout is taken: `startxref` pointing at
//! one `xref` table whose trailer has no `/Prev` (no incremental update),
//! no `/XRefStm` (no hybrid file) and no `/Encrypt`, every entry in the
//! fixed 20-byte form, a trailer naming the catalog and a `/Size` above
//! every listed number. (An encrypted file the lazy layer takes reaches here with
//! its `/Encrypt` key renamed by `security.rs`; `lazy.rs` decrypts every
//! object it reads, from this table or through hayro-syntax.) Anything else is `None`, and every object is read through
//! hayro-syntax, which also repairs broken tables. The caller checks each
//! object's `n g obj` header before trusting an offset.

use super::content;
use lopdf::{Object, ObjectId};

/// Bytes from the end of the file searched for `startxref` (the
/// specification puts it in the last 1 024 bytes; trailing garbage is
/// common).
const STARTXREF_WINDOW: usize = 4096;

/// One cross-reference entry: `oooooooooo ggggg n` and a two-byte end of
/// line (ISO 32000-1, 7.5.4).
const ENTRY_LEN: usize = 20;

/// Object numbers at or above this are not looked up here (the lazy
/// table's own bound).
const MAX_OBJECT_NUMBER: u32 = 1 << 24;

/// Byte offsets and generations of the objects in use, sorted by object
/// number, and the trailer's `/Root`.
pub struct ClassicXref {
    offsets: Vec<(u32, usize, u16)>,
    root: ObjectId,
}

/// A fixed-width decimal field of an entry.
fn field(bytes: Option<&[u8]>) -> Option<usize> {
    bytes?.iter().try_fold(0usize, |value, &b| {
        b.is_ascii_digit()
            .then(|| value * 10 + usize::from(b - b'0'))
    })
}

impl ClassicXref {
    /// The table of `file`, when it is the simple layout above, its
    /// trailer names the catalog by reference and its `/Size` is above
    /// every object number the table lists.
    pub fn read(file: &[u8]) -> Option<ClassicXref> {
        let window = file.len().saturating_sub(STARTXREF_WINDOW);
        let tail = file.get(window..)?;
        let at = window + memchr::memmem::rfind(tail, b"startxref")?;
        let mut pos = at + b"startxref".len();
        let digits = |pos: &mut usize| -> Option<usize> {
            while file.get(*pos).is_some_and(u8::is_ascii_whitespace) {
                *pos += 1;
            }
            let start = *pos;
            while file.get(*pos).is_some_and(u8::is_ascii_digit) {
                *pos += 1;
            }
            std::str::from_utf8(file.get(start..*pos)?)
                .ok()?
                .parse()
                .ok()
        };
        let mut pos_xref = digits(&mut pos)?;
        while file.get(pos_xref).is_some_and(u8::is_ascii_whitespace) {
            pos_xref += 1;
        }
        let mut pos = pos_xref.checked_add(4)?;
        if file.get(pos_xref..pos)? != b"xref" {
            return None;
        }
        let mut offsets = Vec::new();
        // Object numbers must rise through the table (the order writers
        // use): then no number is listed twice, and lookups can bisect.
        let mut next = 0u32;
        loop {
            while file.get(pos).is_some_and(u8::is_ascii_whitespace) {
                pos += 1;
            }
            if file.get(pos..pos + 7) == Some(b"trailer") {
                pos += 7;
                break;
            }
            let start = u32::try_from(digits(&mut pos)?).ok()?;
            let count = u32::try_from(digits(&mut pos)?).ok()?;
            while file.get(pos).is_some_and(u8::is_ascii_whitespace) {
                pos += 1;
            }
            let end = start.checked_add(count)?;
            if start < next || end > MAX_OBJECT_NUMBER {
                return None;
            }
            next = end;
            // Each entry takes 20 bytes of the file: no more are read than
            // the file holds.
            for number in start..end {
                let entry = file.get(pos..pos + ENTRY_LEN)?;
                pos += ENTRY_LEN;
                let offset = field(entry.get(0..10))?;
                let generation = u16::try_from(field(entry.get(11..16))?).ok()?;
                match entry.get(17) {
                    Some(b'n') => offsets.push((number, offset, generation)),
                    Some(b'f') => {}
                    _ => return None,
                }
            }
        }
        let mut budget = 4096;
        let Some(Object::Dictionary(trailer)) =
            content::parse_value(file.get(pos..)?, &mut budget, &mut content::NoDefer)
        else {
            return None;
        };
        if [&b"Prev"[..], b"XRefStm", b"Encrypt"]
            .iter()
            .any(|key| trailer.has(key))
        {
            return None;
        }
        let Ok(&Object::Reference(root)) = trailer.get(b"Root") else {
            return None;
        };
        let Ok(&Object::Integer(size)) = trailer.get(b"Size") else {
            return None;
        };
        if offsets
            .last()
            .is_some_and(|&(number, ..)| i64::from(number) >= size)
        {
            return None;
        }
        Some(ClassicXref { offsets, root })
    }

    /// The catalog's id, from the trailer.
    pub fn root(&self) -> ObjectId {
        self.root
    }

    /// How many objects are in use.
    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    /// Where object `number` of `generation` starts (its `n g obj`).
    pub fn offset(&self, number: u32, generation: u16) -> Option<usize> {
        let at = self
            .offsets
            .binary_search_by_key(&number, |(n, ..)| *n)
            .ok()?;
        let &(_, offset, g) = self.offsets.get(at)?;
        (g == generation).then_some(offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(xref: &str, trailer: &str) -> Vec<u8> {
        let body = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";
        format!(
            "{body}{xref}trailer\n{trailer}\nstartxref\n{}\n%%EOF\n",
            body.len()
        )
        .into_bytes()
    }

    #[test]
    fn a_plain_table_gives_offsets() {
        let bytes = file(
            "xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \n",
            "<< /Size 2 /Root 1 0 R >>",
        );
        let table = ClassicXref::read(&bytes).unwrap();
        assert_eq!(table.root(), (1, 0));
        assert_eq!(table.len(), 1);
        assert_eq!(table.offset(1, 0), Some(9));
        assert_eq!(table.offset(1, 1), None);
        assert_eq!(table.offset(0, 65535), None);
        // A table listing an object the trailer's `/Size` does not cover,
        // or a trailer without `/Size` or `/Root`: not trusted.
        for trailer in [
            "<< /Size 1 /Root 1 0 R >>",
            "<< /Root 1 0 R >>",
            "<< /Size 2 >>",
            "<< /Size 2 /Root 1 >>",
        ] {
            let xref = "xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \n";
            assert!(
                ClassicXref::read(&file(xref, trailer)).is_none(),
                "{trailer}"
            );
        }
    }

    #[test]
    fn updates_streams_encryption_and_damage_are_left_to_hayro() {
        for (xref, trailer) in [
            (
                "xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \n",
                "<< /Size 2 /Root 1 0 R /Prev 5 >>",
            ),
            (
                "xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \n",
                "<< /Size 2 /Root 1 0 R /Encrypt 3 0 R >>",
            ),
            (
                "xref\n0 2\n0000000000 65535 f \n000000009 00000 n \n",
                "<< /Size 2 /Root 1 0 R >>",
            ),
            ("xref\n0 99999999\n", "<< /Size 2 >>"),
            (
                "xref\n1 1\n0000000009 00000 n \n0 1\n0000000000 65535 f \n",
                "<< /Size 2 /Root 1 0 R >>",
            ),
            ("", "<< /Size 2 >>"),
        ] {
            assert!(ClassicXref::read(&file(xref, trailer)).is_none(), "{xref}");
        }
        assert!(ClassicXref::read(b"").is_none());
        assert!(ClassicXref::read(b"startxref 99999999999999999999999").is_none());
        assert!(ClassicXref::read(b"startxref 18446744073709551615").is_none());
    }
}
