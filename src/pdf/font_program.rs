//! What an embedded font program says about text, for fonts whose PDF
//! dictionary does not: the built-in encoding of a Type 1 or CFF font, and
//! the Unicode `cmap` of a TrueType or OpenType font.
//!
//! These are fallbacks (see the order in [`super::font`]): a Type 1 font
//! with no `/Encoding` (TeX's fonts) draws its codes through the encoding
//! in its program, and a CID font with no usable `/ToUnicode` (pdfium reads
//! these best) still names its glyphs in its own `cmap` table.
//!
//! The Type 1 cleartext `/Encoding` is read by a small scanner of our own
//! (`dup <code> /<name> put`, ISO 32000-1 9.6.6.2 and the Type 1 spec,
//! section 2.3); CFF and TrueType tables are read with `ttf-parser`, which
//! is fuzzed upstream and never panics on bad data.

use std::collections::HashMap;

/// The cleartext part of a Type 1 program we scan for `/Encoding`: the
/// encoding comes before `eexec`, within the first few kilobytes.
const MAX_TYPE1_CLEARTEXT: usize = 64 * 1024;

/// Glyph names in a built-in encoding, by code.
pub type NameTable = Vec<Option<String>>;

/// The built-in encoding of a Type 1 program (`/FontFile`): `None` when the
/// program says `StandardEncoding` or has no readable `/Encoding`.
pub fn type1_encoding(program: &[u8]) -> Option<NameTable> {
    let clear = program.get(..program.len().min(MAX_TYPE1_CLEARTEXT))?;
    let clear = match find(clear, b"eexec") {
        Some(end) => clear.get(..end)?,
        None => clear,
    };
    let start = find(clear, b"/Encoding")? + b"/Encoding".len();
    let rest = clear.get(start..)?;
    let tokens = Tokens {
        bytes: rest,
        pos: 0,
    };
    let mut table: NameTable = vec![None; 256];
    let mut found = false;
    // A window of the last three tokens: `dup <code> /<name> put`.
    let mut last: [&[u8]; 3] = [b"", b"", b""];
    for tok in tokens {
        if tok == b"StandardEncoding" && !found {
            return None;
        }
        if tok == b"def" || tok == b"readonly" {
            if found {
                break;
            }
            continue;
        }
        if tok == b"put"
            && last[0] == b"dup"
            && let Some(name) = last[2].strip_prefix(b"/")
            && let Some(code) = std::str::from_utf8(last[1])
                .ok()
                .and_then(|s| s.parse::<usize>().ok())
            && let Some(slot) = table.get_mut(code)
        {
            *slot = Some(String::from_utf8_lossy(name).into_owned());
            found = true;
        }
        last = [last[1], last[2], tok];
    }
    found.then_some(table)
}

/// The built-in encoding of a bare CFF program (`/FontFile3`, `/Type1C`).
pub fn cff_encoding(program: &[u8]) -> Option<NameTable> {
    let cff = ttf_parser::cff::Table::parse(program)?;
    let mut table: NameTable = vec![None; 256];
    let mut found = false;
    for (code, slot) in table.iter_mut().enumerate() {
        let Ok(code) = u8::try_from(code) else {
            continue;
        };
        if let Some(gid) = cff.glyph_index(code).filter(|g| g.0 != 0)
            && let Some(name) = cff.glyph_name(gid)
        {
            *slot = Some(name.to_owned());
            found = true;
        }
    }
    found.then_some(table)
}

/// The most glyphs we map back to Unicode: a CJK font has up to 65 535.
const MAX_GLYPHS: usize = 65_536;

/// Glyph id → Unicode from a TrueType/OpenType program's Unicode `cmap`
/// subtables (platform 0, or Windows 3/1 and 3/10). The lowest code point
/// wins when several map to one glyph.
pub fn glyph_unicode(program: &[u8]) -> Option<HashMap<u16, char>> {
    let face = ttf_parser::Face::parse(program, 0).ok()?;
    let cmap = face.tables().cmap?;
    let mut map: HashMap<u16, char> = HashMap::new();
    for sub in cmap.subtables {
        if !sub.is_unicode() {
            continue;
        }
        sub.codepoints(|cp| {
            if map.len() >= MAX_GLYPHS {
                return;
            }
            if let Some(c) = char::from_u32(cp).filter(|c| !c.is_control())
                && let Some(gid) = sub.glyph_index(cp)
                && gid.0 != 0
            {
                map.entry(gid.0)
                    .and_modify(|old| {
                        if c < *old {
                            *old = c;
                        }
                    })
                    .or_insert(c);
            }
        });
    }
    (!map.is_empty()).then_some(map)
}

/// Glyph id → CID of a CID-keyed CFF program (bare or inside OpenType).
pub fn cff_glyph_cids(program: &[u8]) -> Option<HashMap<u16, u16>> {
    let cff = ttf_parser::cff::Table::parse(program).or_else(|| {
        ttf_parser::Face::parse(program, 0)
            .ok()
            .and_then(|f| f.tables().cff)
    })?;
    let count = cff.number_of_glyphs();
    let map: HashMap<u16, u16> = (0..count)
        .filter_map(|g| Some((g, cff.glyph_cid(ttf_parser::GlyphId(g))?)))
        .collect();
    (!map.is_empty()).then_some(map)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// PostScript tokens, enough for an encoding vector: names keep their
/// slash, brackets and braces are their own tokens, comments are skipped.
struct Tokens<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let bytes = self.bytes;
        loop {
            match bytes.get(self.pos)? {
                b if b.is_ascii_whitespace() => self.pos += 1,
                b'%' => {
                    while bytes
                        .get(self.pos)
                        .is_some_and(|&b| b != b'\n' && b != b'\r')
                    {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
        let start = self.pos;
        let delim = |b: u8| b.is_ascii_whitespace() || b"[]{}()<>%".contains(&b);
        match bytes.get(start) {
            Some(b) if b"[]{}()<>".contains(b) => self.pos += 1,
            _ => {
                self.pos += 1;
                while bytes.get(self.pos).is_some_and(|&b| !delim(b) && b != b'/') {
                    self.pos += 1;
                }
            }
        }
        bytes.get(start..self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type1_custom_encoding() {
        let program = b"%!PS-AdobeFont-1.0: CMR10\n/Encoding 256 array\n0 1 255 {1 index exch /.notdef put} for\ndup 11 /ff put\ndup 65 /A put\ndup 233 /eacute put\nreadonly def\ncurrentfile eexec\x80\x81dup 66 /B put";
        let table = type1_encoding(program).unwrap();
        assert_eq!(table[11].as_deref(), Some("ff"));
        assert_eq!(table[65].as_deref(), Some("A"));
        assert_eq!(table[233].as_deref(), Some("eacute"));
        assert_eq!(table[66], None, "nothing after eexec is read");
    }

    #[test]
    fn type1_standard_or_missing_encoding() {
        assert_eq!(type1_encoding(b"/Encoding StandardEncoding def"), None);
        assert_eq!(type1_encoding(b"/FontName /X def"), None);
        assert_eq!(type1_encoding(b""), None);
        // Out-of-range codes and stray tokens are skipped, not trusted.
        assert_eq!(
            type1_encoding(b"/Encoding 256 array dup 999 /A put dup x /B put def"),
            None
        );
    }

    #[test]
    fn garbage_programs_give_nothing() {
        assert!(cff_encoding(b"not a font").is_none());
        assert!(glyph_unicode(b"\x00\x01\x00\x00garbage").is_none());
        assert!(cff_glyph_cids(&[0u8; 64]).is_none());
    }
}
