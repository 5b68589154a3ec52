//! Single-byte font encodings (ISO 32000-1, 9.6.6) and glyph names.
//!
//! Written by hand because the crates that have these tables keep them
//! private (lopdf's `encodings` module is not public). Only what notices
//! need: WinAnsi and MacRoman come from `encoding_rs` (windows-1252 and
//! x-mac-roman are the same tables), StandardEncoding is ASCII with its two
//! quote differences, and glyph names cover `uniXXXX`, `uXXXX[XX]` and the
//! Adobe Glyph List names for printable ASCII. Japanese text in a simple
//! font always arrives with a `/ToUnicode` map, which takes precedence.

/// A base encoding: 256 slots, each a character or nothing.
pub type ByteTable = [Option<char>; 256];

/// The base encodings a simple font may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseEncoding {
    /// `/StandardEncoding` (also the default for non-symbolic Type 1).
    Standard,
    /// `/WinAnsiEncoding`.
    WinAnsi,
    /// `/MacRomanEncoding`.
    MacRoman,
    /// `/MacExpertEncoding`.
    MacExpert,
    /// The built-in encoding of the standard Symbol font.
    Symbol,
    /// The built-in encoding of the standard ZapfDingbats font.
    ZapfDingbats,
}

impl BaseEncoding {
    /// Reads an `/Encoding` or `/BaseEncoding` name.
    pub fn from_name(name: &[u8]) -> Option<Self> {
        match name {
            b"StandardEncoding" => Some(BaseEncoding::Standard),
            b"WinAnsiEncoding" => Some(BaseEncoding::WinAnsi),
            b"MacRomanEncoding" => Some(BaseEncoding::MacRoman),
            b"MacExpertEncoding" => Some(BaseEncoding::MacExpert),
            _ => None,
        }
    }

    /// The built-in encoding of a standard symbolic font named by
    /// `/BaseFont` (a subset prefix `ABCDEF+` allowed).
    pub fn for_standard_font(base_font: &str) -> Option<Self> {
        let name = base_font.split_once('+').map_or(base_font, |(_, n)| n);
        match name {
            "Symbol" | "Symbol,Bold" | "Symbol,Italic" | "Symbol,BoldItalic" => {
                Some(BaseEncoding::Symbol)
            }
            "ZapfDingbats" | "Dingbats" | "ITCZapfDingbats" => Some(BaseEncoding::ZapfDingbats),
            _ => None,
        }
    }

    /// The 256-slot table.
    pub fn table(self) -> ByteTable {
        let mut table = [None; 256];
        match self {
            BaseEncoding::Standard => fill_from_map(&mut table, &pdf_encoding::STANDARD),
            BaseEncoding::MacExpert => fill_from_map(&mut table, &pdf_encoding::MACEXPERT),
            BaseEncoding::Symbol => fill_from_map(&mut table, &pdf_encoding::SYMBOL),
            BaseEncoding::ZapfDingbats => fill_from_map(&mut table, &pdf_encoding::ZDINGBAT),
            BaseEncoding::WinAnsi => fill_from(&mut table, encoding_rs::WINDOWS_1252),
            BaseEncoding::MacRoman => fill_from(&mut table, encoding_rs::MACINTOSH),
        }
        table
    }
}

/// `pdf_encoding` takes `space` and `hyphen` from ISO Latin-1's no-break
/// space and soft hyphen; a page that draws them shows a space and a
/// hyphen, as the Adobe Glyph List says.
fn fill_from_map(table: &mut ByteTable, map: &pdf_encoding::ForwardMap) {
    for (b, slot) in table.iter_mut().enumerate() {
        *slot = u8::try_from(b)
            .ok()
            .and_then(|b| map.get(b))
            .filter(|c| !c.is_control())
            .map(|c| match c {
                '\u{00A0}' => ' ',
                '\u{00AD}' => '-',
                other => other,
            });
    }
}

fn fill_from(table: &mut ByteTable, encoding: &'static encoding_rs::Encoding) {
    for (b, slot) in table.iter_mut().enumerate().skip(0x20) {
        let byte = [b as u8];
        let (text, _, had_errors) = encoding.decode(&byte);
        if !had_errors {
            *slot = text.chars().next().filter(|c| !c.is_control());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn win_ansi_has_ascii_and_its_specials() {
        let t = BaseEncoding::WinAnsi.table();
        assert_eq!(t[b'A' as usize], Some('A'));
        assert_eq!(t[0x80], Some('€'));
        assert_eq!(t[0x0a], None);
    }

    #[test]
    fn standard_symbol_and_dingbats() {
        let t = BaseEncoding::Standard.table();
        assert_eq!(t[b'A' as usize], Some('A'));
        assert_eq!(t[0x27], Some('\u{2019}'));
        assert_eq!(t[0xB1], Some('–'));
        assert_eq!(t[0x20], Some(' '));
        assert_eq!(t[0x2D], Some('-'));
        assert_eq!(BaseEncoding::Symbol.table()[0x61], Some('α'));
        assert_eq!(BaseEncoding::ZapfDingbats.table()[0x34], Some('✔'));
        assert_eq!(
            BaseEncoding::for_standard_font("ABCDEF+Symbol"),
            Some(BaseEncoding::Symbol)
        );
        assert_eq!(BaseEncoding::for_standard_font("Helvetica"), None);
    }
}
