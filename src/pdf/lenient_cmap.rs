//! A forgiving reader of `/ToUnicode` CMaps, for maps the strict parser
//! (hayro-cmap) rejects whole.
//!
//! Producers make small slips (a missing `endbfchar`, an odd-length hex
//! string, a stray token, a range whose destination is an empty string);
//! one slip must not cost every character of the font. This reader takes
//! what parses: each `<src> <dst>` pair of a `bfchar` section and each
//! `<lo> <hi> <dst>` or `<lo> <hi> [<dst>…]` of a `bfrange` section
//! (ISO 32000-1 9.10.3), and skips what does not. The result is bounded:
//! at most [`MAX_ENTRIES`] codes, ranges of at most [`MAX_RANGE`] codes.

use std::collections::HashMap;

/// The most codes one map may give: a 16-bit code space, four times over.
const MAX_ENTRIES: usize = 262_144;
/// The most codes one `bfrange` line may cover (a whole 16-bit space).
const MAX_RANGE: u32 = 65_536;
/// Longest hex string we read as a code or destination (bytes of text).
const MAX_HEX_BYTES: usize = 64;

/// Code → text, as far as the map parses. `None` when nothing did.
pub fn parse(bytes: &[u8]) -> Option<HashMap<u32, String>> {
    let mut map = HashMap::new();
    let mut lexer = Lexer { bytes, pos: 0 };
    let mut section = Section::None;
    let mut pending: Vec<Token> = Vec::new();
    while let Some(tok) = lexer.next() {
        if map.len() >= MAX_ENTRIES {
            break;
        }
        match &tok {
            Token::Word(w) if w == b"beginbfchar" => {
                section = Section::Char;
                pending.clear();
                continue;
            }
            Token::Word(w) if w == b"beginbfrange" => {
                section = Section::Range;
                pending.clear();
                continue;
            }
            Token::Word(w) if w.starts_with(b"end") || w.starts_with(b"begin") => {
                section = Section::None;
                pending.clear();
                continue;
            }
            _ => {}
        }
        match section {
            Section::None => {}
            Section::Char => {
                pending.push(tok);
                if pending.len() == 2 {
                    if let [Token::Hex(src), dst] = pending.as_slice()
                        && let Some(text) = destination(dst)
                    {
                        map.insert(code(src), text);
                    } else if !matches!(pending.first(), Some(Token::Hex(_))) {
                        // Out of step: resynchronise on the next hex string.
                        pending.remove(0);
                        continue;
                    }
                    pending.clear();
                }
            }
            Section::Range => {
                pending.push(tok);
                if pending.len() == 3 {
                    if let [Token::Hex(lo), Token::Hex(hi), dst] = pending.as_slice() {
                        add_range(&mut map, code(lo), code(hi), dst);
                    } else if !matches!(pending.first(), Some(Token::Hex(_))) {
                        pending.remove(0);
                        continue;
                    }
                    pending.clear();
                }
            }
        }
    }
    (!map.is_empty()).then_some(map)
}

fn add_range(map: &mut HashMap<u32, String>, lo: u32, hi: u32, dst: &Token) {
    if hi < lo || hi - lo >= MAX_RANGE {
        return;
    }
    match dst {
        Token::Hex(start) => {
            let units = utf16_units(start);
            let Some((&last, head)) = units.split_last() else {
                return;
            };
            for (i, c) in (lo..=hi).enumerate() {
                if map.len() >= MAX_ENTRIES {
                    return;
                }
                let mut text = head.to_vec();
                // The last unit counts up (9.10.3); it may not cross a byte
                // boundary, but producers do, and readers follow them.
                text.push(last.wrapping_add(i as u16));
                map.insert(c, String::from_utf16_lossy(&text));
            }
        }
        Token::Array(items) => {
            for (c, item) in (lo..=hi).zip(items) {
                if map.len() >= MAX_ENTRIES {
                    return;
                }
                map.insert(c, String::from_utf16_lossy(&utf16_units(item)));
            }
        }
        Token::Word(_) => {}
    }
}

fn destination(tok: &Token) -> Option<String> {
    match tok {
        Token::Hex(bytes) if !bytes.is_empty() => {
            Some(String::from_utf16_lossy(&utf16_units(bytes)))
        }
        // `/space`: a glyph name as destination (seen in the wild).
        Token::Word(w) => {
            let name = w.strip_prefix(b"/")?;
            super::glyph_names::glyph_name_to_text(name).map(|t| t.into_owned())
        }
        _ => None,
    }
}

fn code(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .take(4)
        .fold(0u32, |acc, &b| (acc << 8) | u32::from(b))
}

fn utf16_units(bytes: &[u8]) -> Vec<u16> {
    bytes
        .chunks(2)
        .map(|p| match p {
            [a, b] => u16::from_be_bytes([*a, *b]),
            [a] => u16::from(*a),
            _ => 0,
        })
        .collect()
}

#[derive(Clone, Copy)]
enum Section {
    None,
    Char,
    Range,
}

#[derive(Debug)]
enum Token {
    /// `<…>`: its bytes.
    Hex(Vec<u8>),
    /// `[<…> <…>]`: the hex strings inside.
    Array(Vec<Vec<u8>>),
    /// Anything else: keywords, names, numbers.
    Word(Vec<u8>),
}

struct Lexer<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Lexer<'_> {
    fn next(&mut self) -> Option<Token> {
        loop {
            match self.bytes.get(self.pos)? {
                b if b.is_ascii_whitespace() => self.pos += 1,
                b'%' => {
                    while self
                        .bytes
                        .get(self.pos)
                        .is_some_and(|&b| b != b'\n' && b != b'\r')
                    {
                        self.pos += 1;
                    }
                }
                b'<' if self.bytes.get(self.pos + 1) == Some(&b'<') => self.pos += 2,
                b'>' if self.bytes.get(self.pos + 1) == Some(&b'>') => self.pos += 2,
                b'<' => return Some(Token::Hex(self.hex())),
                b'[' => {
                    self.pos += 1;
                    let mut items = Vec::new();
                    loop {
                        match self.bytes.get(self.pos) {
                            None => break,
                            Some(b']') => {
                                self.pos += 1;
                                break;
                            }
                            Some(b'<') => items.push(self.hex()),
                            Some(_) => self.pos += 1,
                        }
                    }
                    return Some(Token::Array(items));
                }
                _ => {
                    let start = self.pos;
                    self.pos += 1;
                    while self
                        .bytes
                        .get(self.pos)
                        .is_some_and(|b| !b.is_ascii_whitespace() && !b"<>[]/%".contains(b))
                    {
                        self.pos += 1;
                    }
                    return Some(Token::Word(self.bytes.get(start..self.pos)?.to_vec()));
                }
            }
        }
    }

    /// A hex string starting at `<`; odd digits pad with 0, others skip.
    fn hex(&mut self) -> Vec<u8> {
        self.pos += 1;
        let mut digits = Vec::new();
        while let Some(&b) = self.bytes.get(self.pos) {
            self.pos += 1;
            if b == b'>' {
                break;
            }
            if let Some(d) = (b as char).to_digit(16)
                && digits.len() < 2 * MAX_HEX_BYTES
            {
                digits.push(d as u8);
            }
        }
        if digits.len() % 2 == 1 {
            digits.push(0);
        }
        digits.chunks(2).map(|p| p[0] << 4 | p[1]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_chars_and_ranges() {
        let cmap = b"begincmap 2 beginbfchar <01> <0041> <02> <00660069> endbfchar
            1 beginbfrange <10> <12> <0061> endbfrange
            1 beginbfrange <20> <21> [<03B1> <03B2>] endbfrange endcmap";
        let map = parse(cmap).unwrap();
        assert_eq!(map[&1], "A");
        assert_eq!(map[&2], "fi");
        assert_eq!(map[&0x12], "c");
        assert_eq!(map[&0x21], "β");
    }

    #[test]
    fn takes_what_parses_around_a_slip() {
        // No `endbfchar`, a stray word, an odd-length code.
        let cmap = b"beginbfchar <01> <0041> oops <02> <0042> <3> <0043>
            beginbfrange <05> <04> <0061> <06> <06> <0062> endbfrange";
        let map = parse(cmap).unwrap();
        assert_eq!(map[&1], "A");
        assert_eq!(map[&2], "B");
        assert_eq!(map[&0x30], "C");
        assert_eq!(map.get(&5), None, "a reversed range is skipped");
        assert_eq!(map[&6], "b");
    }

    #[test]
    fn nothing_or_garbage_gives_none() {
        assert!(parse(b"").is_none());
        assert!(parse(b"beginbfrange <00> <FFFFFFFF> <0041> endbfrange").is_none());
        assert!(parse(&[b'<'; 1000]).is_none());
        assert!(parse(b"[[[[<<<<>>>>").is_none());
    }
}
