//! A `/ToUnicode` CMap read in one pass, for the maps producers write.
//!
//! Why not hayro-cmap alone: a Chromium notice carries 60–70 Type 3 fonts,
//! each with its own small ToUnicode map, and hayro-cmap's general CMap
//! parse (every token through hayro-postscript, a heap block per entry) and
//! its look-up (a copy of the destination and a `String` per code) were
//! 26 M of the 542 M instructions of the 77 one-page fixtures: 42 k per
//! map, 265 per code shown. This reader keeps what a ToUnicode map's
//! look-ups use, the `bfchar` and `bfrange` entries, in two flat vectors.
//!
//! It reads only the shapes producers write and gives up (`None`: the
//! caller then asks hayro-cmap, and its lenient fallback) at anything else:
//! `usecmap`, CID or notdef sections, a literal string inside a section,
//! procedures, ASCII85 strings, immediate names, a number that is not a
//! short run of digits, and anything hayro-postscript's scanner rejects.
//! When it does read a map, its answer for every code is hayro-cmap's: the
//! same entries in the same order (a stable sort by first code), found by
//! the same binary search and decoded by the same UTF-16 rules, and it
//! rejects (gives up on) every map hayro-cmap rejects. The tests check this
//! code by code on every fixture's CMaps and on generated and mutated ones.
//!
//! Bounded: one entry per destination string of the input, each holding
//! its own bytes' worth of UTF-16 units, so memory stays linear in the
//! stream (which the caller caps) and each token is read once.
//!
//! The fixed opening and closing lines most producers write around the
//! sections ([`KNOWN_HEADERS`], [`KNOWN_TRAILERS`]) are stepped over by
//! comparing bytes: tokens that change nothing, a third of a Chromium
//! map's reading.

use compact_str::CompactString;
use std::cmp::Ordering;

/// One `bfchar` or `bfrange` line: codes `start..=end` map to the
/// destination `units[at..at + len]`, the last unit advanced by the code's
/// offset from `start`.
#[derive(Debug, Clone, Copy)]
struct Entry {
    start: u32,
    end: u32,
    at: u32,
    len: u32,
}

/// A ToUnicode map's entries.
#[derive(Debug, Default)]
pub struct Map {
    entries: Vec<Entry>,
    units: Vec<u16>,
    /// For a map whose entries do not overlap and lie close together (a
    /// simple font's, Chromium's Type 3 fonts', a subset CID font's glyph
    /// ids): each code's entry where the binary search would find it. A
    /// font asks for every glyph it shows, and the search was about 190
    /// instructions a glyph for a Chromium notice's composite font.
    index: Option<Index>,
}

/// [`Map::index`]: the entry of each code from `base` on, plus one (0:
/// none).
#[derive(Debug)]
struct Index {
    base: u32,
    slots: Box<[u16]>,
}

/// The most codes an index spans (128 KB of slots, a whole two-byte code
/// space).
const INDEX_MAX_SPAN: usize = 1 << 16;

/// Codes an index may span per entry beyond the first 256: a map whose
/// codes lie farther apart keeps the binary search, so the index (two
/// bytes a code) stays within about ten times the map's own text (an
/// entry is at least `<0000> <0000>`, 13 bytes).
const INDEX_SPAN_PER_ENTRY: usize = 64;

/// The smallest span always indexed: a one-byte code space.
const INDEX_MIN_SPAN: usize = 256;
const _: () = assert!(INDEX_MIN_SPAN <= INDEX_MAX_SPAN);

/// The reader met something it leaves to hayro-cmap.
struct Unsupported;

type Read<T> = Result<T, Unsupported>;

impl Map {
    /// The text of `code`: hayro-cmap's `lookup_bf_string`, as a string.
    pub fn lookup(&self, code: u32) -> Option<CompactString> {
        let at = match &self.index {
            Some(index) => {
                let slot = usize::try_from(code.checked_sub(index.base)?).ok()?;
                usize::from(index.slots.get(slot)?.checked_sub(1)?)
            }
            None => self.search(code)?,
        };
        self.text(at, code)
    }

    /// The entry holding `code`, by binary search (hayro-cmap's).
    fn search(&self, code: u32) -> Option<usize> {
        self.entries
            .binary_search_by(|e| {
                if code < e.start {
                    Ordering::Greater
                } else if code > e.end {
                    Ordering::Less
                } else {
                    Ordering::Equal
                }
            })
            .ok()
    }

    /// The text of `code` from the entry at `at`, which holds it.
    fn text(&self, at: usize, code: u32) -> Option<CompactString> {
        let entry = self.entries.get(at)?;
        let offset = u16::try_from(code.checked_sub(entry.start)?).ok()?;
        let first = usize::try_from(entry.at).ok()?;
        let len = usize::try_from(entry.len).ok()?;
        let units = self.units.get(first..first.checked_add(len)?)?;
        let (&last, head) = units.split_last()?;
        let last = last.checked_add(offset)?;
        if head.is_empty() {
            // The common case: one UTF-16 unit, one character.
            let c = char::from_u32(u32::from(last))?;
            let mut buf = [0u8; 4];
            return Some(CompactString::new(c.encode_utf8(&mut buf)));
        }
        let mut text = CompactString::default();
        for c in char::decode_utf16(head.iter().copied().chain([last])) {
            text.push(c.ok()?);
        }
        Some(text)
    }
}

/// Reads a ToUnicode CMap; `None` when it is not one of the shapes this
/// reader takes (the caller then asks hayro-cmap).
pub fn read(data: &[u8]) -> Option<Map> {
    read_map(data, true).ok()
}

/// The opening lines producers write before a map's first section, each
/// read by [`read_map`]'s loop as tokens that change nothing (no section,
/// no key left waiting for its value) and ending in white space, so the
/// token after one starts where it ends. A map that starts with one is
/// read from its end (longest first; the tests check that each reads
/// alone as an empty map, and that maps read alike with and without
/// this). About 30 of a Chromium map's 40 tokens outside its entries.
const KNOWN_HEADERS: [&[u8]; 5] = [
    // Chromium (Skia).
    b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo\n\
      <<  /Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n\
      /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n",
    b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo\n\
      << /Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n\
      /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n",
    // LibreOffice.
    b"/CIDInit/ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo<<\n\
      /Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n\
      /CMapName/Adobe-Identity-UCS def\n/CMapType 2 def\n",
    // The first lines of most others (the system info names the font).
    b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n",
    b"/CIDInit/ProcSet findresource begin\n12 dict begin\nbegincmap\n",
];

/// The closing lines producers write after a map's last `endbfchar` or
/// `endbfrange`, to the end of the stream: tokens that change nothing,
/// so a map whose rest is one of them is complete there (the tests check
/// both, as for [`KNOWN_HEADERS`]).
const KNOWN_TRAILERS: [&[u8]; 3] = [
    b"\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend",
    b"\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n",
    b"\nendcmap\nCMapName currentdict /CMap defineresource pop\nend end\n",
];

/// Where [`read_map`]'s loop starts: after a known header, else at 0.
fn after_known_header(data: &[u8]) -> usize {
    KNOWN_HEADERS
        .iter()
        .find(|header| data.starts_with(header))
        .map_or(0, |header| header.len())
}

/// Reads a map; `known_text` lets it step over [`KNOWN_HEADERS`] and stop
/// at [`KNOWN_TRAILERS`] (the tests compare it with the token walk).
fn read_map(data: &[u8], known_text: bool) -> Read<Map> {
    let start = if known_text {
        after_known_header(data)
    } else {
        0
    };
    let mut lexer = Lexer { data, pos: start };
    let mut map = Map::default();
    let mut bytes = Vec::new();
    while let Some(token) = lexer.next()? {
        match token {
            // hayro-cmap reads the token after these keys as their value
            // (ignoring it when it has the wrong type).
            Token::Name(b"Registry" | b"Ordering" | b"Supplement" | b"CMapName" | b"WMode") => {
                lexer.next()?;
            }
            Token::Executable(b"begincodespacerange") => loop {
                let low = lexer.next()?.ok_or(Unsupported)?;
                if low == Token::Executable(b"endcodespacerange") {
                    break;
                }
                let low_len = code(low, &mut bytes)?.1;
                let high_len = code(lexer.next()?.ok_or(Unsupported)?, &mut bytes)?.1;
                if low_len != high_len {
                    return Err(Unsupported);
                }
            },
            Token::Executable(b"beginbfchar") => {
                loop {
                    let source = lexer.next()?.ok_or(Unsupported)?;
                    if source == Token::Executable(b"endbfchar") {
                        break;
                    }
                    let (code, _) = code(source, &mut bytes)?;
                    let dst = lexer.next()?.ok_or(Unsupported)?;
                    map.push(code, code, dst, &mut bytes)?;
                }
                if known_text && KNOWN_TRAILERS.contains(&lexer.rest()) {
                    break;
                }
            }
            Token::Executable(b"beginbfrange") => {
                loop {
                    let low = lexer.next()?.ok_or(Unsupported)?;
                    if low == Token::Executable(b"endbfrange") {
                        break;
                    }
                    let (start, _) = code(low, &mut bytes)?;
                    let (end, _) = code(lexer.next()?.ok_or(Unsupported)?, &mut bytes)?;
                    match lexer.next()?.ok_or(Unsupported)? {
                        dst @ Token::Hex(_) => map.push(start, end, dst, &mut bytes)?,
                        Token::Executable(b"[") => {
                            // One destination per code; each needs a token of
                            // the input, so the loop is bounded by it.
                            for code in start..=end {
                                let dst = lexer.next()?.ok_or(Unsupported)?;
                                map.push(code, code, dst, &mut bytes)?;
                            }
                            if lexer.next()? != Some(Token::Executable(b"]")) {
                                return Err(Unsupported);
                            }
                        }
                        _ => return Err(Unsupported),
                    }
                }
                if known_text && KNOWN_TRAILERS.contains(&lexer.rest()) {
                    break;
                }
            }
            Token::Executable(
                b"usecmap" | b"begincidrange" | b"begincidchar" | b"beginnotdefrange"
                | b"beginnotdefchar",
            ) => return Err(Unsupported),
            _ => {}
        }
    }
    map.entries.sort_by_key(|e| e.start);
    map.index = index(&map.entries);
    Ok(map)
}

/// The index of sorted `entries` (see [`Map::index`]), when no entry
/// holds a code of the next one (first ≤ last < next first): then the
/// binary search finds the one entry holding a code, and so does the
/// index; codes before the first entry or after the last have none.
fn index(entries: &[Entry]) -> Option<Index> {
    let disjoint = entries.iter().all(|e| e.start <= e.end)
        && entries.windows(2).all(|pair| match pair {
            [a, b] => a.end < b.start,
            _ => true,
        });
    let (first, last) = (entries.first()?, entries.last()?);
    if !disjoint {
        return None;
    }
    let span = usize::try_from(last.end - first.start)
        .ok()?
        .checked_add(1)?;
    let most = entries
        .len()
        .saturating_mul(INDEX_SPAN_PER_ENTRY)
        .clamp(INDEX_MIN_SPAN, INDEX_MAX_SPAN);
    if span > most {
        return None;
    }
    let mut slots = vec![0u16; span].into_boxed_slice();
    for (i, e) in entries.iter().enumerate() {
        // The slot value is the entry's position plus one.
        let value = u16::try_from(i + 1).ok()?;
        let start = usize::try_from(e.start - first.start).ok()?;
        let end = usize::try_from(e.end - first.start).ok()?;
        slots.get_mut(start..=end)?.fill(value);
    }
    Some(Index {
        base: first.start,
        slots,
    })
}

impl Map {
    /// Adds `start..=end` → the hex string `dst` (hayro-cmap's
    /// `decode_be`: an odd first byte is a unit of its own).
    fn push(&mut self, start: u32, end: u32, dst: Token<'_>, bytes: &mut Vec<u8>) -> Read<()> {
        let Token::Hex(hex) = dst else {
            return Err(Unsupported);
        };
        let at = u32::try_from(self.units.len()).map_err(|_| Unsupported)?;
        if let Some(unit) = short_hex(hex)
            .filter(|_| hex.len() == 4)
            .and_then(|v| u16::try_from(v).ok())
        {
            // `<XXXX>`, nearly every destination: one unit, as below.
            self.units.push(unit);
            self.entries.push(Entry {
                start,
                end,
                at,
                len: 1,
            });
            return Ok(());
        }
        decode_hex(hex, bytes)?;
        if bytes.is_empty() {
            return Err(Unsupported);
        }
        let (odd, pairs) = bytes.split_at(bytes.len() % 2);
        self.units.extend(odd.iter().map(|&b| u16::from(b)));
        self.units.extend(
            pairs
                .chunks_exact(2)
                .filter_map(|p| Some(u16::from_be_bytes([*p.first()?, *p.get(1)?]))),
        );
        let len = u32::try_from(self.units.len()).map_err(|_| Unsupported)? - at;
        self.entries.push(Entry {
            start,
            end,
            at,
            len,
        });
        Ok(())
    }
}

/// A code: a hex string of one to four bytes, and its length.
fn code(token: Token<'_>, bytes: &mut Vec<u8>) -> Read<(u32, usize)> {
    let Token::Hex(hex) = token else {
        return Err(Unsupported);
    };
    if let Some(value) = short_hex(hex) {
        // `<XX>` or `<XXXX>`: what the general path below gives them.
        return Ok((value, hex.len() / 2));
    }
    decode_hex(hex, bytes)?;
    if !(1..=4).contains(&bytes.len()) {
        return Err(Unsupported);
    }
    let value = bytes.iter().fold(0u32, |v, &b| (v << 8) | u32::from(b));
    Ok((value, bytes.len()))
}

/// The value of a hex string of exactly two or four digits and nothing
/// else (the codes and destinations producers write), read without the
/// byte vector of [`decode_hex`]; `None` for any other string, which goes
/// through it.
fn short_hex(hex: &[u8]) -> Option<u32> {
    if hex.len() != 2 && hex.len() != 4 {
        return None;
    }
    hex.iter().try_fold(0u32, |value, &b| {
        let digit = match b {
            b'0'..=b'9' => b - b'0',
            b'A'..=b'F' => b - b'A' + 10,
            b'a'..=b'f' => b - b'a' + 10,
            _ => return None,
        };
        Some(value << 4 | u32::from(digit))
    })
}

/// hayro-postscript's hex decoding: white space skipped, an odd last digit
/// padded with zero, any other byte an error.
fn decode_hex(hex: &[u8], out: &mut Vec<u8>) -> Read<()> {
    out.clear();
    let mut high: Option<u8> = None;
    for &b in hex {
        if is_whitespace(b) {
            continue;
        }
        let digit = match b {
            b'0'..=b'9' => b - b'0',
            b'A'..=b'F' => b - b'A' + 10,
            b'a'..=b'f' => b - b'a' + 10,
            _ => return Err(Unsupported),
        };
        match high.take() {
            Some(h) => out.push(h << 4 | digit),
            None => high = Some(digit),
        }
    }
    if let Some(h) = high {
        out.push(h << 4);
    }
    Ok(())
}

/// The tokens this reader takes, as hayro-postscript splits them.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Token<'a> {
    /// `<…>`: the bytes between the brackets, not yet decoded.
    Hex(&'a [u8]),
    /// `(…)`: skipped, never decoded (a literal string inside a section is
    /// left to hayro-cmap).
    Literal,
    /// `/Name`.
    Name(&'a [u8]),
    /// An operator, `[`, `]`, `<<`, `>>`.
    Executable(&'a [u8]),
    /// One to nine decimal digits.
    Integer,
}

/// Digits a number token may have here: an integer well inside `i64`,
/// which hayro-postscript reads without a limit error.
const MAX_INTEGER_DIGITS: usize = 9;

struct Lexer<'a> {
    data: &'a [u8],
    pos: usize,
}

/// hayro-postscript's byte classes, by table: white space, delimiters,
/// and the regular bytes names and numbers are made of.
const WHITE: u8 = 1;
const DELIMITER: u8 = 2;
const REGULAR: u8 = 0;

static CLASS: [u8; 256] = {
    let mut class = [REGULAR; 256];
    let white = [0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20];
    let mut i = 0;
    while i < white.len() {
        class[white[i] as usize] = WHITE;
        i += 1;
    }
    let delimiters = *b"()<>[]{}/%";
    let mut i = 0;
    while i < delimiters.len() {
        class[delimiters[i] as usize] = DELIMITER;
        i += 1;
    }
    class
};

fn class(b: u8) -> u8 {
    CLASS.get(usize::from(b)).copied().unwrap_or(REGULAR)
}

fn is_whitespace(b: u8) -> bool {
    class(b) == WHITE
}

fn is_regular(b: u8) -> bool {
    class(b) == REGULAR
}

impl<'a> Lexer<'a> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.data.get(self.pos.checked_add(ahead)?).copied()
    }

    /// The bytes from the current position on.
    fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or_default()
    }

    /// The run of regular bytes from the current position.
    fn regular_run(&mut self) -> &'a [u8] {
        let rest = self.rest();
        let len = rest
            .iter()
            .position(|&b| !is_regular(b))
            .unwrap_or(rest.len());
        self.pos += len;
        rest.get(..len).unwrap_or_default()
    }

    /// The next token; `Ok(None)` at the end of the data.
    fn next(&mut self) -> Read<Option<Token<'a>>> {
        loop {
            let rest = self.rest();
            let white = rest
                .iter()
                .position(|&b| !is_whitespace(b))
                .unwrap_or(rest.len());
            self.pos += white;
            if self.peek(0) != Some(b'%') {
                break;
            }
            let comment = self.rest();
            self.pos += comment
                .iter()
                .position(|&b| b == b'\n' || b == b'\r')
                .unwrap_or(comment.len());
        }
        let Some(first) = self.peek(0) else {
            return Ok(None);
        };
        let token = match first {
            b'(' => {
                self.pos += 1;
                let mut depth = 1u32;
                while depth > 0 {
                    let b = self.peek(0).ok_or(Unsupported)?;
                    self.pos += 1;
                    match b {
                        b'\\' => {
                            self.peek(0).ok_or(Unsupported)?;
                            self.pos += 1;
                        }
                        b'(' => depth += 1,
                        b')' => depth -= 1,
                        _ => {}
                    }
                }
                Token::Literal
            }
            b'<' => match self.peek(1) {
                Some(b'~') => return Err(Unsupported),
                Some(b'<') => {
                    self.pos += 2;
                    Token::Executable(b"<<")
                }
                _ => {
                    let start = self.pos + 1;
                    let len = self
                        .data
                        .get(start..)
                        .and_then(|rest| rest.iter().position(|&b| b == b'>'))
                        .ok_or(Unsupported)?;
                    self.pos = start + len + 1;
                    Token::Hex(self.data.get(start..start + len).ok_or(Unsupported)?)
                }
            },
            b'>' if self.peek(1) == Some(b'>') => {
                self.pos += 2;
                Token::Executable(b">>")
            }
            b'/' if self.peek(1) != Some(b'/') => {
                self.pos += 1;
                Token::Name(self.regular_run())
            }
            b'[' => {
                self.pos += 1;
                Token::Executable(b"[")
            }
            b']' => {
                self.pos += 1;
                Token::Executable(b"]")
            }
            b'.' | b'+' | b'-' | b'0'..=b'9' => {
                let run = self.regular_run();
                if run.len() > MAX_INTEGER_DIGITS || !run.iter().all(u8::is_ascii_digit) {
                    return Err(Unsupported);
                }
                Token::Integer
            }
            b if is_regular(b) => Token::Executable(self.regular_run()),
            // `{`, `}`, `)`, `//`, a lone `>`.
            _ => return Err(Unsupported),
        };
        Ok(Some(token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::lazy::LazyDoc;
    use crate::pdf::objects::stream_bytes;
    use hayro_cmap::{BfString, CMap};
    use lopdf::Object;
    use std::path::Path;

    /// hayro-cmap's text of `code`, as `font.rs` makes it.
    fn hayro_text(cmap: &CMap, code: u32) -> Option<CompactString> {
        match cmap.lookup_bf_string(code)? {
            BfString::Char(c) => Some(CompactString::from(c.to_string())),
            BfString::String(s) => Some(CompactString::from(s)),
        }
    }

    /// Checks this reader against hayro-cmap on `data`: a map it reads,
    /// hayro-cmap reads too, with the same text for every code around each
    /// entry's ends and for every one-byte code and the first two-byte
    /// ones. True when this reader read the map.
    fn agrees(data: &[u8]) -> bool {
        let ours = read(data);
        let theirs = CMap::parse(data, hayro_cmap::load_embedded);
        let Some(ours) = ours else {
            return false;
        };
        let Some(theirs) = theirs else {
            panic!(
                "read a map hayro-cmap rejects: {:?}",
                String::from_utf8_lossy(data)
            );
        };
        let mut probes: Vec<u32> = (0..=0x2FF).collect();
        for e in &ours.entries {
            for code in [e.start, e.end, e.start / 2 + e.end / 2] {
                probes.extend([code.wrapping_sub(1), code, code.wrapping_add(1)]);
            }
        }
        for code in probes {
            assert_eq!(
                ours.lookup(code),
                hayro_text(&theirs, code),
                "code {code:#x} of {:?}",
                String::from_utf8_lossy(data)
            );
        }
        true
    }

    /// Every stream of every fixture PDF that holds a CMap (ToUnicode and
    /// embedded encodings alike), read with the lazy path's objects.
    fn fixture_cmaps() -> Vec<Vec<u8>> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut dirs = vec![root];
        let mut maps = Vec::new();
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "pdf") {
                    continue;
                }
                let Some(doc) = std::fs::read(&path).ok().and_then(|b| LazyDoc::open(&b)) else {
                    continue;
                };
                for number in 1..u32::try_from(doc.len()).unwrap_or(0) {
                    if let Some(Object::Stream(s)) = doc.get_object((number, 0))
                        && let Some(bytes) = stream_bytes(s, 4 << 20)
                        && bytes.windows(9).any(|w| w == b"begincmap")
                    {
                        maps.push(bytes);
                    }
                }
            }
        }
        maps
    }

    #[test]
    fn agrees_with_hayro_cmap_on_every_fixture_cmap() {
        let maps = fixture_cmaps();
        let read = maps.iter().filter(|m| agrees(m)).count();
        // Most fixtures' maps are of the shapes this reader takes (the
        // rest go to hayro-cmap, which the check above also covers).
        assert!(maps.len() > 500, "{} CMaps found", maps.len());
        assert!(read * 10 > maps.len() * 9, "{read} of {} read", maps.len());
    }

    /// The font tests' generator, with hex strings for CMaps.
    use crate::pdf::font::tests::Rng;

    impl Rng {
        fn hex(&mut self, bytes: usize) -> String {
            let mut s = String::from("<");
            for _ in 0..bytes {
                // Codes and UTF-16 units near the edges: surrogates,
                // 0xFFFF (a range's last unit overflowing), small values.
                let b = match self.below(6) {
                    0 => 0xD8 + self.below(8) as u8,
                    1 => 0xFF,
                    2 => 0x00,
                    _ => self.below(256) as u8,
                };
                s.push_str(&format!("{b:02X}"));
                if self.below(8) == 0 {
                    s.push(' ');
                }
            }
            if self.below(20) == 0 {
                s.push('A');
            }
            s.push('>');
            s
        }
    }

    /// A random CMap of the shapes producers write, with the edge cases
    /// above: code lengths 1–4, odd destination lengths, overlapping and
    /// reversed ranges, arrays, comments.
    /// One to three changes to `bytes`: a cut, a stray byte from `stray`
    /// inserted, or a byte removed (stops once nothing is left).
    fn mutate(bytes: &mut Vec<u8>, rng: &mut Rng, stray: &[u8]) {
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(bytes.len() as u64) as usize;
            match rng.below(3) {
                0 => bytes.truncate(at),
                1 => {
                    let b = stray[rng.below(stray.len() as u64) as usize];
                    bytes.insert(at, b);
                }
                _ => {
                    bytes.remove(at.min(bytes.len().saturating_sub(1)));
                }
            }
            if bytes.is_empty() {
                break;
            }
        }
    }

    fn generated(rng: &mut Rng) -> String {
        let mut s = String::from(
            "%!PS-Adobe-3.0 Resource-CMap\n/CIDInit /ProcSet findresource begin 12 dict begin\n\
             begincmap /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
             /CMapName /Adobe-Identity-UCS def /CMapType 2 def\n",
        );
        let width = 1 + rng.below(2) as usize;
        s.push_str(&format!(
            "1 begincodespacerange {} {} endcodespacerange\n",
            rng.hex(width),
            rng.hex(width)
        ));
        for _ in 0..rng.below(4) {
            let n = rng.below(6);
            if rng.below(2) == 0 {
                s.push_str(&format!("{n} beginbfchar\n"));
                for _ in 0..n {
                    let (code, dst) = (1 + rng.below(4) as usize, 1 + rng.below(5) as usize);
                    s.push_str(&format!("{} {}\n", rng.hex(code), rng.hex(dst)));
                }
                s.push_str("endbfchar % a comment\n");
            } else {
                s.push_str(&format!("{n} beginbfrange\n"));
                for _ in 0..n {
                    let code = 1 + rng.below(2) as usize;
                    let (lo, hi) = (rng.hex(code), rng.hex(code));
                    if rng.below(4) == 0 {
                        s.push_str(&format!("{lo} {hi} ["));
                        for _ in 0..rng.below(5) {
                            let dst = 1 + rng.below(4) as usize;
                            s.push_str(&rng.hex(dst));
                        }
                        s.push_str("]\n");
                    } else {
                        let dst = 1 + rng.below(5) as usize;
                        s.push_str(&format!("{lo} {hi} {}\n", rng.hex(dst)));
                    }
                }
                s.push_str("endbfrange\n");
            }
        }
        s.push_str("endcmap CMapName currentdict /CMap defineresource pop end end\n");
        s
    }

    #[test]
    fn agrees_with_hayro_cmap_on_generated_and_mutated_cmaps() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut read = 0;
        let rounds = 4_000;
        for _ in 0..rounds {
            let text = generated(&mut rng);
            read += usize::from(agrees(text.as_bytes()));
            // The same map with a few bytes changed: a stray delimiter, a
            // cut, a doubled token.
            let mut bytes = text.into_bytes();
            mutate(&mut bytes, &mut rng, b"<>()[]{}/%\\~ 09AZ-.");
            agrees(&bytes);
        }
        assert!(read > rounds / 4, "{read} of {rounds} generated maps read");
    }

    /// What [`read_map`] makes of `data` with and without the known
    /// headers and trailers, as text (a map's entries, units and index, or
    /// its rejection).
    fn both_readings(data: &[u8]) -> (String, String) {
        let show = |read: Read<Map>| format!("{:?}", read.ok());
        (show(read_map(data, true)), show(read_map(data, false)))
    }

    #[test]
    fn known_headers_and_trailers_change_nothing_alone() {
        for header in KNOWN_HEADERS {
            // White space last: the next token starts where it ends.
            assert!(header.last().is_some_and(|&b| is_whitespace(b)));
            let read = read_map(header, false).ok();
            assert!(read.is_some_and(|m| m.entries.is_empty() && m.units.is_empty()));
            // Every byte of a header is needed: cut short, it is not
            // that one (a shorter header it starts with may still match).
            for cut in 0..header.len() {
                let skipped = after_known_header(&header[..cut]);
                assert!(skipped <= cut);
                assert!(skipped == 0 || KNOWN_HEADERS.iter().any(|h| h.len() == skipped));
            }
        }
        for trailer in KNOWN_TRAILERS {
            // It follows a section's end keyword: a delimiter first.
            assert!(trailer.first().is_some_and(|&b| !is_regular(b)));
            let read = read_map(trailer, false).ok();
            assert!(read.is_some_and(|m| m.entries.is_empty() && m.units.is_empty()));
        }
    }

    /// The known headers and trailers are read as the token walk reads
    /// them: on every fixture CMap, and on generated maps given each
    /// header and trailer, whole and with a few bytes changed (cuts and
    /// stray bytes inside a header or trailer included).
    #[test]
    fn known_headers_and_trailers_read_as_the_token_walk() {
        let fixtures = fixture_cmaps();
        let mut fast = 0;
        for map in &fixtures {
            let (known, walked) = both_readings(map);
            assert_eq!(known, walked, "{:?}", String::from_utf8_lossy(map));
            fast += usize::from(after_known_header(map) > 0);
        }
        // Most fixture maps (Chromium's, LibreOffice's) open with one.
        assert!(fast * 2 > fixtures.len(), "{fast} of {}", fixtures.len());
        let mut rng = Rng(0x5EED_C0DE_F00D);
        let mut trailed = 0;
        for round in 0..6_000 {
            let text = generated(&mut rng);
            let body_start = text.find("/CMapType 2 def\n").unwrap() + "/CMapType 2 def\n".len();
            let body_end = text.rfind("endcmap").unwrap();
            let body = text[body_start..body_end].trim_end_matches('\n');
            let header = KNOWN_HEADERS[round % KNOWN_HEADERS.len()];
            let trailer = KNOWN_TRAILERS[rng.below(KNOWN_TRAILERS.len() as u64) as usize];
            let mut bytes = header.to_vec();
            bytes.extend_from_slice(body.as_bytes());
            bytes.extend_from_slice(trailer);
            trailed += usize::from(body.ends_with("endbfrange"));
            let (known, walked) = both_readings(&bytes);
            assert_eq!(known, walked, "{:?}", String::from_utf8_lossy(&bytes));
            mutate(&mut bytes, &mut rng, b"<>()[]{}/%\\~ 09AZ-.\n");
            let (known, walked) = both_readings(&bytes);
            assert_eq!(known, walked, "{:?}", String::from_utf8_lossy(&bytes));
        }
        assert!(trailed > 1_000, "{trailed} maps ended at a known trailer");
    }

    /// The one-byte index gives every code the entry the binary search
    /// gives it, on generated maps of one-byte codes (most indexed, some
    /// overlapping, which are not).
    #[test]
    fn the_one_byte_index_finds_what_the_search_finds() {
        let mut rng = Rng(0xB17E_5EED);
        let mut indexed = 0;
        for _ in 0..4_000 {
            let mut s = String::from("1 begincodespacerange <00> <FF> endcodespacerange\n");
            let mut next = rng.below(8);
            let n = rng.below(40);
            s.push_str(&format!("{n} beginbfrange\n"));
            for _ in 0..n {
                // Mostly ascending and apart; now and then back a little.
                let lo = if rng.below(30) == 0 {
                    next.saturating_sub(rng.below(4))
                } else {
                    next + rng.below(3)
                };
                let hi = (lo + rng.below(6)).min(0xFF);
                let lo = lo.min(0xFF);
                s.push_str(&format!(
                    "<{lo:02X}> <{hi:02X}> <{:04X}>\n",
                    0x41 + rng.below(900)
                ));
                next = hi + 1;
            }
            s.push_str("endbfrange\n");
            let map = read(s.as_bytes()).expect("read");
            indexed += usize::from(map.index.is_some());
            for code in 0..=0x1FF {
                let searched = map.search(code).and_then(|at| map.text(at, code));
                assert_eq!(map.lookup(code), searched, "code {code:#x} of {s}");
            }
        }
        assert!(indexed > 2_000, "{indexed} maps indexed");
    }

    /// The index of two-byte maps (a subset CID font's glyph ids: bfchar
    /// entries with gaps, some ranges) gives every code the entry the
    /// binary search gives it; maps whose codes lie too far apart, or
    /// overlap, keep the search.
    #[test]
    fn the_two_byte_index_finds_what_the_search_finds() {
        let mut rng = Rng(0x2B17_E5ED);
        let (mut indexed, mut searched_only) = (0, 0);
        for _ in 0..1_500 {
            let mut s = String::from("1 begincodespacerange <0000> <FFFF> endcodespacerange\n");
            let n = 1 + rng.below(60);
            // Gaps from tight to far beyond the index's span per entry.
            let widest = if rng.below(4) == 0 { 400 } else { 40 };
            let gap = 1 + rng.below(widest);
            let mut next = rng.below(3000);
            let mut lines = Vec::new();
            for _ in 0..n {
                let lo = if rng.below(40) == 0 {
                    next.saturating_sub(rng.below(4))
                } else {
                    next + rng.below(gap)
                };
                let width = if rng.below(5) == 0 { rng.below(8) } else { 0 };
                let hi = (lo + width).min(0xFFFF);
                let lo = lo.min(0xFFFF);
                lines.push(format!(
                    "<{lo:04X}> <{hi:04X}> <{:04X}>\n",
                    0x3041 + rng.below(900)
                ));
                next = hi + 1;
            }
            s.push_str(&format!("{n} beginbfrange\n{}endbfrange\n", lines.concat()));
            let map = read(s.as_bytes()).expect("read");
            if map.index.is_some() {
                indexed += 1;
            } else {
                searched_only += 1;
            }
            let (first, last) = match (map.entries.first(), map.entries.last()) {
                (Some(f), Some(l)) => (f.start, l.end),
                _ => continue,
            };
            for code in first.saturating_sub(3)..=last.saturating_add(3).min(0x1_0000) {
                let searched = map.search(code).and_then(|at| map.text(at, code));
                assert_eq!(map.lookup(code), searched, "code {code:#x} of {s}");
            }
            if let Some(index) = &map.index {
                assert!(index.slots.len() <= INDEX_MAX_SPAN);
                assert!(
                    index.slots.len() <= (n as usize * INDEX_SPAN_PER_ENTRY).max(INDEX_MIN_SPAN)
                );
            }
        }
        assert!(
            indexed > 500 && searched_only > 100,
            "{indexed} indexed, {searched_only} not"
        );
    }

    /// A short hex string reads as the general decoding reads it, for
    /// every string of two and four bytes from an alphabet of hex digits
    /// of both cases, white space and strays.
    #[test]
    fn short_hex_strings_read_as_decode_hex_reads_them() {
        let alphabet = b"09afAFgG \n<";
        let mut bytes = Vec::new();
        let mut check = |hex: &[u8]| {
            let general = decode_hex(hex, &mut bytes).ok().map(|()| {
                let value = bytes.iter().fold(0u32, |v, &b| (v << 8) | u32::from(b));
                (value, bytes.len())
            });
            if let Some(value) = short_hex(hex) {
                assert_eq!(Some((value, hex.len() / 2)), general, "{hex:?}");
            } else if let Some((_, len)) = general {
                // Left to the general path only when it is not plain.
                assert!(len * 2 != hex.len() || hex.iter().any(|b| !b.is_ascii_hexdigit()));
            }
        };
        for a in alphabet {
            for b in alphabet {
                check(&[*a, *b]);
                for c in alphabet {
                    for d in alphabet {
                        check(&[*a, *b, *c, *d]);
                    }
                }
            }
        }
        for code in 0..=0xFFFFu32 {
            let hex = format!("{code:04X}");
            assert_eq!(short_hex(hex.as_bytes()), Some(code));
            assert_eq!(short_hex(hex.to_lowercase().as_bytes()), Some(code));
        }
    }

    #[test]
    fn a_typical_chromium_map() {
        let map = read(
            b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
              /CIDSystemInfo\n<<  /Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n\
              /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
              1 begincodespacerange\n<00> <FF>\nendcodespacerange\n\
              2 beginbfchar\n<0F> <958B>\n<10> <D835DC00>\nendbfchar\n\
              1 beginbfrange\n<20> <22> <0041>\nendbfrange\n\
              endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n",
        )
        .expect("read");
        assert_eq!(map.lookup(0x0F).as_deref(), Some("開"));
        assert_eq!(map.lookup(0x10).as_deref(), Some("\u{1D400}"));
        assert_eq!(map.lookup(0x22).as_deref(), Some("C"));
        assert_eq!(map.lookup(0x23), None);
        // What it leaves to hayro-cmap.
        assert!(read(b"/Base usecmap 1 beginbfchar <01> <0041> endbfchar").is_none());
        assert!(read(b"1 beginbfchar <01> (A) endbfchar").is_none());
        assert!(read(b"1 beginbfchar <01> <> endbfchar").is_none());
        assert!(read(b"1 beginbfchar <01> <0041>").is_none());
    }
}
