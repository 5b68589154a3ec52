//! Glyph names → Unicode text, for `/Differences`, Type 3 fonts and the
//! built-in encodings of embedded font programs.
//!
//! The order is the Adobe Glyph List specification's, with the heuristics
//! pdf.js and poppler add for names producers make up:
//!
//! 1. the full Adobe Glyph List (4 281 names, `pdf_encoding`'s copy of
//!    `glyphlist.txt`), so `eacute`, `germandbls`, `bullet`, `endash`,
//!    `quotedblleft`, `fi` and `afii10017` all resolve;
//! 2. a suffix after the first period is dropped (`a.sc`, `one.oldstyle`);
//! 3. `_` joins the components of a ligature (`f_f_i`, `T_h`): each must
//!    resolve;
//! 4. `uniXXXX…` (one or more four-digit groups) and `uXXXX[XX]`;
//! 5. names that carry a character code, as some producers write them:
//!    `Cdd`/`cdd` (decimal, two or three digits), `Gxx` (two hex digits)
//!    and `g00xx` (four hex digits), read as a Unicode value — the cases of
//!    pdf.js's `_simpleFontToUnicode`. Subset names such as `g582` or
//!    `cid123` are glyph ids, not codes, and stay without text.
//!
//! Control characters are never produced: a name that resolves to one has
//! no text.

use std::borrow::Cow;

/// The longest glyph name we look at; real ones are under 40 bytes. A
/// longer one is garbage and has no text.
const MAX_NAME_BYTES: usize = 128;

/// The text of a glyph name, when the name tells.
pub fn glyph_name_to_text(name: &[u8]) -> Option<Cow<'static, str>> {
    if name.len() > MAX_NAME_BYTES {
        return None;
    }
    let name = std::str::from_utf8(name).ok()?;
    if let Some(text) = agl(name) {
        return Some(Cow::Borrowed(text));
    }
    // "a.sc", "one.oldstyle": the part before the first period.
    let base = name.split('.').next().unwrap_or(name);
    if base.is_empty() {
        return None;
    }
    if base != name
        && let Some(text) = agl(base)
    {
        return Some(Cow::Borrowed(text));
    }
    if base.contains('_') {
        let mut out = String::new();
        for part in base.split('_') {
            out.push_str(&component(part)?);
        }
        return Some(Cow::Owned(out));
    }
    // The list has been asked for `base` above (it is the name, or was
    // looked up as the part before the period): the `uni`/`u` forms, not
    // `component`, which would search the list for it again (a subset
    // name such as `g62C` is in no list: two searches of 4 281 names).
    unicode_form(base).or_else(|| numbered(base).map(|c| Cow::Owned(c.to_string())))
}

/// One ligature component or a whole name without period: the list, then
/// `uni`/`u` forms.
fn component(part: &str) -> Option<Cow<'static, str>> {
    if let Some(text) = agl(part) {
        return Some(Cow::Borrowed(text));
    }
    unicode_form(part)
}

/// A name's `uniXXXX…` or `uXXXX[XX]` form.
fn unicode_form(part: &str) -> Option<Cow<'static, str>> {
    if let Some(hex) = part.strip_prefix("uni")
        && !hex.is_empty()
        && hex.len() % 4 == 0
    {
        let mut out = String::new();
        for i in (0..hex.len()).step_by(4) {
            let unit = hex.get(i..i + 4)?;
            out.push(printable(u32::from_str_radix(unit, 16).ok()?)?);
        }
        return Some(Cow::Owned(out));
    }
    if let Some(hex) = part.strip_prefix('u')
        && (4..=6).contains(&hex.len())
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
    {
        let c = printable(u32::from_str_radix(hex, 16).ok()?)?;
        return Some(Cow::Owned(c.to_string()));
    }
    None
}

/// The Adobe Glyph List entry, without control characters. An
/// open-addressing hash table over `pdf_encoding`'s list, built at compile
/// time: one hash of the name and (nearly always) one comparison, where a
/// binary search of the 4 281 names made about twelve (~680 instructions a
/// look-up); the crate's own `glyphname_to_unicode` first builds a hash map
/// of all 4 281 names, 1.3 M instructions in every process that meets a
/// glyph name (a tenth of a one-page notice).
fn agl(name: &str) -> Option<&'static str> {
    let list = pdf_encoding::GLYPH_LIST;
    let mut slot = name_hash(name.as_bytes()) as usize & AGL_MASK;
    // Every probe sequence ends at an empty slot: the table is never more
    // than half full (asserted where it is built).
    loop {
        let entry = *AGL_TABLE.get(slot)?;
        let (n, text) = list.get(usize::from(entry.checked_sub(1)?))?;
        if *n == name {
            return Some(*text).filter(|t| !t.chars().any(char::is_control));
        }
        slot = (slot + 1) & AGL_MASK;
    }
}

/// Slots of the glyph-list table: a power of two, at least twice the
/// list's 4 281 names, so probe runs stay short (32 kB of `u16`).
const AGL_SLOTS: usize = 1 << 14;
const AGL_MASK: usize = AGL_SLOTS - 1;

/// Each slot holds a list index plus one; 0 is an empty slot.
static AGL_TABLE: [u16; AGL_SLOTS] = build_agl_table();

/// FNV-1a, 32 bits: a few instructions a byte, computable in `const`.
const fn name_hash(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    let mut i = 0;
    while i < bytes.len() {
        h = (h ^ bytes[i] as u32).wrapping_mul(0x0100_0193);
        i += 1;
    }
    h
}

const fn build_agl_table() -> [u16; AGL_SLOTS] {
    let list = pdf_encoding::GLYPH_LIST;
    assert!(list.len() * 2 <= AGL_SLOTS && list.len() < u16::MAX as usize);
    let mut table = [0u16; AGL_SLOTS];
    let mut i = 0;
    while i < list.len() {
        let mut slot = name_hash(list[i].0.as_bytes()) as usize & AGL_MASK;
        while table[slot] != 0 {
            slot = (slot + 1) & AGL_MASK;
        }
        table[slot] = (i + 1) as u16;
        i += 1;
    }
    table
}

/// The shortest and longest run of digits in a Type 3 code name.
const TYPE3_CODE_DIGITS: std::ops::RangeInclusive<usize> = 2..=3;

/// A Type 3 glyph name made of one or two letters and a decimal code
/// (`a73`, `g233`, `cc65`), as TeX-to-PDF converters and some printers
/// name Type 3 glyphs by their code: the code read as Latin-1 (poppler's
/// heuristic). Only for Type 3 fonts, whose names are the producer's own;
/// in an embedded font program `g582` is a glyph id, not a code. Codes
/// below 32 are control characters and give nothing.
pub fn type3_code_name(name: &[u8]) -> Option<char> {
    let letters = name.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let digits = name.get(letters..)?;
    if !(1..=2).contains(&letters)
        || !TYPE3_CODE_DIGITS.contains(&digits.len())
        || !digits.iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    let value: u32 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    (32..=255)
        .contains(&value)
        .then(|| char::from_u32(value))
        .flatten()
}

/// A Type 3 glyph whose name says nothing (`/square`, `/B9`, producer's
/// own names): the code itself read as Latin-1, as poppler does for names
/// it cannot map (its `mapUnknownCharNames`). A Type 3 font's codes are
/// usually the text's own bytes; without this the glyphs have no text at
/// all. `.notdef` and control codes give nothing.
pub fn type3_unknown_name(name: &[u8], code: usize) -> Option<char> {
    if name == b".notdef" {
        return None;
    }
    u32::try_from(code)
        .ok()
        .and_then(printable)
        .filter(|c| u32::from(*c) <= 0xFF)
}

/// A name that spells a character code (step 5).
fn numbered(name: &str) -> Option<char> {
    let (first, rest) = name.split_at_checked(1)?;
    let value = match first {
        "C" | "c" if (2..=3).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_digit()) => {
            rest.parse().ok()?
        }
        "G" if rest.len() == 2 => u32::from_str_radix(rest, 16).ok()?,
        "g" if rest.len() == 4 && rest.starts_with("00") => u32::from_str_radix(rest, 16).ok()?,
        _ => return None,
    };
    printable(value)
}

fn printable(value: u32) -> Option<char> {
    char::from_u32(value).filter(|c| !c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(name: &str) -> Option<String> {
        glyph_name_to_text(name.as_bytes()).map(Cow::into_owned)
    }

    #[test]
    fn adobe_glyph_list_names() {
        assert_eq!(text("eacute").as_deref(), Some("é"));
        assert_eq!(text("germandbls").as_deref(), Some("ß"));
        assert_eq!(text("Ccedilla").as_deref(), Some("Ç"));
        assert_eq!(text("bullet").as_deref(), Some("•"));
        assert_eq!(text("endash").as_deref(), Some("–"));
        assert_eq!(text("quotedblleft").as_deref(), Some("“"));
        assert_eq!(text("fi").as_deref(), Some("\u{FB01}"));
        assert_eq!(text("afii10017").as_deref(), Some("А"));
        assert_eq!(text("underscore").as_deref(), Some("_"));
    }

    #[test]
    fn suffixes_and_ligatures() {
        assert_eq!(text("a.sc").as_deref(), Some("a"));
        assert_eq!(text("one.oldstyle").as_deref(), Some("1"));
        assert_eq!(text("f_f_i").as_deref(), Some("ffi"));
        assert_eq!(text("T_h.liga").as_deref(), Some("Th"));
        assert_eq!(text("f_xyzzy"), None, "every component must resolve");
    }

    #[test]
    fn unicode_forms() {
        assert_eq!(text("uni7528").as_deref(), Some("用"));
        assert_eq!(text("uni00660069").as_deref(), Some("fi"));
        assert_eq!(text("u1F600").as_deref(), Some("😀"));
        assert_eq!(text("uni0007"), None, "no control characters");
        assert_eq!(text("uniD800"), None, "a lone surrogate is no character");
    }

    /// `agl` hashes the list's names: each must be there once (sorted,
    /// no two alike), and agree with the crate's own lookup.
    #[test]
    fn the_glyph_list_is_sorted_and_agrees_with_its_map() {
        let list = pdf_encoding::GLYPH_LIST;
        assert!(list.windows(2).all(|w| w[0].0 < w[1].0));
        for (name, _) in list {
            let theirs = pdf_encoding::glyphname_to_unicode(name)
                .filter(|t| !t.chars().any(char::is_control));
            assert_eq!(agl(name), theirs, "{name}");
        }
        assert_eq!(agl("g1A"), None);
        assert_eq!(agl(""), None);
        assert_eq!(agl("eacutf"), None);
    }

    #[test]
    fn numbered_names() {
        assert_eq!(text("C65").as_deref(), Some("A"));
        assert_eq!(text("c101").as_deref(), Some("e"));
        assert_eq!(text("G41").as_deref(), Some("A"));
        assert_eq!(text("g0041").as_deref(), Some("A"));
        // Glyph ids of subset fonts carry no character.
        assert_eq!(text("g582"), None);
        assert_eq!(text("cid123"), None);
        assert_eq!(text("C7"), None);
    }

    #[test]
    fn type3_code_names() {
        assert_eq!(type3_code_name(b"a73"), Some('I'));
        assert_eq!(type3_code_name(b"a192"), Some('À'));
        assert_eq!(type3_code_name(b"cc65"), Some('A'));
        assert_eq!(type3_code_name(b"a16"), None, "a control code");
        assert_eq!(type3_code_name(b"a999"), None, "not a byte");
        assert_eq!(type3_code_name(b"abc12"), None);
        assert_eq!(type3_code_name(b"a1"), None);
    }

    #[test]
    fn unknown_type3_names_read_as_their_code() {
        assert_eq!(type3_unknown_name(b"square", 97), Some('a'));
        assert_eq!(type3_unknown_name(b"B9", 45), Some('-'));
        assert_eq!(type3_unknown_name(b".notdef", 97), None);
        assert_eq!(type3_unknown_name(b"x", 7), None, "a control code");
        assert_eq!(type3_unknown_name(b"x", 300), None, "not a byte");
    }

    #[test]
    fn garbage_has_no_text() {
        assert_eq!(text(""), None);
        assert_eq!(text(".notdef"), None);
        assert_eq!(glyph_name_to_text(&[0xff, 0xfe]), None);
        assert_eq!(text(&"x".repeat(MAX_NAME_BYTES + 1)), None);
    }
}
