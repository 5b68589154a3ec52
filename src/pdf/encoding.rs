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
}

impl BaseEncoding {
    /// Reads an `/Encoding` or `/BaseEncoding` name.
    pub fn from_name(name: &[u8]) -> Option<Self> {
        match name {
            b"StandardEncoding" => Some(BaseEncoding::Standard),
            b"WinAnsiEncoding" => Some(BaseEncoding::WinAnsi),
            b"MacRomanEncoding" => Some(BaseEncoding::MacRoman),
            _ => None,
        }
    }

    /// The 256-slot table.
    pub fn table(self) -> ByteTable {
        let mut table = [None; 256];
        match self {
            BaseEncoding::Standard => {
                for (b, slot) in table.iter_mut().enumerate().skip(0x20).take(0x5f) {
                    *slot = char::from_u32(b as u32);
                }
                table[0x27] = Some('\u{2019}');
                table[0x60] = Some('\u{2018}');
            }
            BaseEncoding::WinAnsi => fill_from(&mut table, encoding_rs::WINDOWS_1252),
            BaseEncoding::MacRoman => fill_from(&mut table, encoding_rs::MACINTOSH),
        }
        table
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

/// Adobe Glyph List names of the printable ASCII punctuation. Letters and
/// digits are handled by rule in [`glyph_name_to_char`].
const ASCII_GLYPH_NAMES: &[(&str, char)] = &[
    ("space", ' '),
    ("exclam", '!'),
    ("quotedbl", '"'),
    ("numbersign", '#'),
    ("dollar", '$'),
    ("percent", '%'),
    ("ampersand", '&'),
    ("quotesingle", '\''),
    ("quoteright", '\u{2019}'),
    ("parenleft", '('),
    ("parenright", ')'),
    ("asterisk", '*'),
    ("plus", '+'),
    ("comma", ','),
    ("hyphen", '-'),
    ("minus", '-'),
    ("period", '.'),
    ("slash", '/'),
    ("colon", ':'),
    ("semicolon", ';'),
    ("less", '<'),
    ("equal", '='),
    ("greater", '>'),
    ("question", '?'),
    ("at", '@'),
    ("bracketleft", '['),
    ("backslash", '\\'),
    ("bracketright", ']'),
    ("asciicircum", '^'),
    ("underscore", '_'),
    ("grave", '`'),
    ("quoteleft", '\u{2018}'),
    ("braceleft", '{'),
    ("bar", '|'),
    ("braceright", '}'),
    ("asciitilde", '~'),
    ("zero", '0'),
    ("one", '1'),
    ("two", '2'),
    ("three", '3'),
    ("four", '4'),
    ("five", '5'),
    ("six", '6'),
    ("seven", '7'),
    ("eight", '8'),
    ("nine", '9'),
];

/// The character a glyph name stands for, when the name tells.
pub fn glyph_name_to_char(name: &[u8]) -> Option<char> {
    let name = std::str::from_utf8(name).ok()?;
    // "a.sc", "one.oldstyle": the part before the first period names the glyph.
    let base = name.split('.').next().unwrap_or(name);
    if base.len() == 1 {
        let c = base.chars().next()?;
        if c.is_ascii_alphabetic() {
            return Some(c);
        }
    }
    // Subset fonts name glyphs by number ("g582", "cid123"): no meaning.
    let numbered = |prefix: &str| {
        base.strip_prefix(prefix)
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
    };
    if numbered("g") || numbered("cid") {
        return None;
    }
    if let Some(&(_, c)) = ASCII_GLYPH_NAMES.iter().find(|(n, _)| *n == base) {
        return Some(c);
    }
    if let Some(hex) = base.strip_prefix("uni")
        && hex.len() >= 4
    {
        return u32::from_str_radix(hex.get(..4)?, 16)
            .ok()
            .and_then(char::from_u32);
    }
    if let Some(hex) = base.strip_prefix('u')
        && (4..=6).contains(&hex.len())
    {
        return u32::from_str_radix(hex, 16).ok().and_then(char::from_u32);
    }
    None
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
    fn glyph_names() {
        assert_eq!(glyph_name_to_char(b"underscore"), Some('_'));
        assert_eq!(glyph_name_to_char(b"uni7528"), Some('用'));
        assert_eq!(glyph_name_to_char(b"u1F600"), Some('😀'));
        assert_eq!(glyph_name_to_char(b"g582"), None);
        assert_eq!(glyph_name_to_char(b"A"), Some('A'));
    }
}
