//! Value normalisation of the record contract: NFKC, single spaces, trimmed.

use unicode_normalization::UnicodeNormalization;

/// NFKC, runs of whitespace collapsed to one space, trimmed. NFKC runs on
/// the whole value (not glyph by glyph) so half-width kana and their voiced
/// marks compose (ｶﾞ → ガ).
pub fn normalize(text: &str) -> String {
    if already_nfkc(text) {
        return collapse_whitespace(text);
    }
    let nfkc: String = text.nfkc().collect();
    collapse_whitespace(&nfkc)
}

/// [`normalize`] of a text the caller owns: a text that is normalised
/// already (NFKC, single spaces, trimmed: most cell values) is handed back
/// as it is, not copied.
fn normalize_owned(text: String) -> String {
    if already_nfkc(&text) && is_collapsed(&text) {
        return text;
    }
    normalize(&text)
}

/// Runs of whitespace as one space, trimmed: the words of
/// `split_whitespace` joined by `" "`, without a vector of them, and a
/// text that is so already copied whole.
fn collapse_whitespace(text: &str) -> String {
    if is_collapsed(text) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Whether `text` holds no whitespace but single ASCII spaces between
/// words, by bytes: every other whitespace character starts with one of a
/// few bytes (see `crate::layout::is_blank`), and a text holding one of
/// those is left to the full pass (`false` only means "look closer").
fn is_collapsed(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.first() == Some(&b' ') || bytes.last() == Some(&b' ') {
        return false;
    }
    let mut prev_space = false;
    for (i, &b) in bytes.iter().enumerate() {
        // One table load a byte instead of a chain of range tests: almost
        // every byte is `PLAIN`.
        match BYTE_CLASS.get(usize::from(b)).copied().unwrap_or(PLAIN) {
            PLAIN => prev_space = false,
            SPACE => {
                if prev_space {
                    return false;
                }
                prev_space = true;
            }
            IDEOGRAPHIC_LEAD => {
                if bytes.get(i + 1..i + 3) == Some(&[0x80, 0x80]) {
                    return false;
                }
                prev_space = false;
            }
            _ => return false,
        }
    }
    true
}

/// Classes of a byte for [`is_collapsed`]: nothing to look at, an ASCII
/// space, the lead byte E3 that U+3000 IDEOGRAPHIC SPACE shares with kana
/// and CJK punctuation, or a byte that may start other whitespace (ASCII
/// controls 09-0D, the leads C2, E1, E2).
const PLAIN: u8 = 0;
/// See [`PLAIN`].
const SPACE: u8 = 1;
/// See [`PLAIN`].
const IDEOGRAPHIC_LEAD: u8 = 2;
/// See [`PLAIN`].
const OTHER_WHITESPACE_LEAD: u8 = 3;

/// [`PLAIN`] and the other classes, by byte value.
const BYTE_CLASS: [u8; 256] = {
    let mut table = [PLAIN; 256];
    let mut b = 0x09;
    while b <= 0x0D {
        table[b] = OTHER_WHITESPACE_LEAD;
        b += 1;
    }
    table[0x20] = SPACE;
    table[0xC2] = OTHER_WHITESPACE_LEAD;
    table[0xE1] = OTHER_WHITESPACE_LEAD;
    table[0xE2] = OTHER_WHITESPACE_LEAD;
    table[0xE3] = IDEOGRAPHIC_LEAD;
    table
};

/// `normalize`, then every space removed: how labels are compared.
pub fn compact(text: &str) -> String {
    if already_nfkc(text) {
        let mut out = String::with_capacity(text.len());
        crate::layout::push_without_whitespace(&mut out, text);
        return out;
    }
    text.nfkc().filter(|c| !c.is_whitespace()).collect()
}

/// Whether NFKC would leave `text` as it is, by the standard's quick check
/// (no decomposition buffer). Most of a notice's text is: the full NFKC
/// pass, run on every label comparison, was a notable share of the notice
/// reader's instructions.
fn already_nfkc(text: &str) -> bool {
    // ASCII (addresses, passwords, numbers) by the library's word-at-a-time
    // test first, not decoded character by character.
    text.is_ascii()
        || crate::layout::is_nfkc_by_range(text)
        || unicode_normalization::is_nfkc_quick(text.chars())
            == unicode_normalization::IsNormalized::Yes
}

/// JIS X 0208 1-33, the full-width tilde `～` of a Japanese font: the
/// Adobe-Japan1 table (CID 664) and Shift_JIS decoders give it as 〜 U+301C
/// WAVE DASH, which NFKC keeps, while Windows' code page gives U+FF5E,
/// which NFKC makes `~`. The page cannot tell the two apart.
const JIS_WAVE_DASH: char = '\u{301C}';

/// A password as a person types it: the service manual allows printable
/// ASCII only (letters, digits and ``!"#$%&'()*+,-./:;<=>@[]^_`{}~|``), so
/// the one wave a password can hold is `~`, whichever code point the
/// producer's font mapping gave its full-width glyph (U+301C WAVE DASH or U+FF5E).
/// Applied to temporary and DNS auth passwords only: in other text the wave
/// dash is the usual Japanese range mark (9:00〜17:00) and stays.
pub fn password_text(value: String) -> String {
    if value.contains(JIS_WAVE_DASH) {
        value.replace(JIS_WAVE_DASH, "~")
    } else {
        value
    }
}

/// `None` for an empty value or a dash placeholder (`-`, `－`, `—`). The
/// katakana long-vowel mark `ー` is not a dash: it may be the last line of a
/// wrapped reading.
pub fn non_placeholder(value: String) -> Option<String> {
    (!is_placeholder(&value)).then_some(value)
}

/// Whether a value is empty or a dash placeholder (see [`non_placeholder`]).
fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    v.is_empty() || matches!(v, "-" | "--" | "―" | "—" | "–" | "‐" | "−")
}

/// Joins the parts of one cell, given as `(line index, text)` in reading
/// order: parts on one line are separate words (a space), a part on a new
/// line continues a wrapped cell (no separator). Dash placeholders are
/// empty parts, unless the cell's text goes on on both sides of the dash on
/// its line: then the dash is part of what is printed (`aoba` `−` `risk`, a
/// non-ASCII dash cut out of an ASCII value), and is kept for the value's
/// own checks. `None` when nothing is left.
pub fn join_cell_parts<'a>(parts: impl IntoIterator<Item = (usize, &'a str)>) -> Option<String> {
    let parts: smallvec::SmallVec<[(usize, &str); 8]> = parts.into_iter().collect();
    let text_on = |line: usize, range: &[(usize, &str)]| {
        range.iter().any(|(l, t)| *l == line && !is_placeholder(t))
    };
    let inside = |k: usize, line: usize| {
        text_on(line, parts.get(..k).unwrap_or_default())
            && text_on(line, parts.get(k + 1..).unwrap_or_default())
    };
    // Room for every part and a space before each: one allocation.
    let room = parts.iter().map(|(_, t)| t.len() + 1).sum();
    let mut joined = String::with_capacity(room);
    let mut last_line = None;
    for (k, &(line, text)) in parts.iter().enumerate() {
        if is_placeholder(text) && (text.trim().is_empty() || !inside(k, line)) {
            continue;
        }
        if last_line == Some(line) {
            joined.push(' ');
        }
        joined.push_str(text);
        last_line = Some(line);
    }
    non_placeholder(normalize_owned(joined))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_wave_dash_is_the_tilde_a_person_types() {
        // upTeX's and Shift_JIS's full-width tilde, and Windows' one (NFKC).
        assert_eq!(password_text(normalize("3Tz\u{301C}p9Q")), "3Tz~p9Q");
        assert_eq!(password_text(normalize("3Tz\u{FF5E}p9Q")), "3Tz~p9Q");
        assert_eq!(password_text("a~b".to_string()), "a~b");
        // Other text keeps its range mark.
        assert_eq!(normalize("9:00\u{301C}17:00"), "9:00\u{301C}17:00");
    }

    #[test]
    fn nfkc_and_spaces() {
        assert_eq!(normalize("  山下\u{3000}秀樹 "), "山下 秀樹");
        assert_eq!(normalize("ＡＢＣ１２３（株）"), "ABC123(株)");
        assert_eq!(normalize("ｶﾞｷﾞ"), "ガギ");
        assert_eq!(compact("ご利用 ID 数"), "ご利用ID数");
        // The quick path and the full NFKC pass agree.
        assert_eq!(compact("ＩＤ　数 ｶﾞ"), "ID数ガ");
        assert_eq!(compact("plain ascii"), "plainascii");
        assert_eq!(normalize("ID\t 数"), "ID 数");
        // The copy-whole path and the word path agree.
        for text in [
            "a b",
            " a b",
            "a b ",
            "a  b",
            "a\u{3000}b",
            "a\u{00A0}b",
            "a\u{2003}b",
            "a\nb",
            "山田 花子",
            "※ 注",
            "",
            " ",
        ] {
            let by_words = text.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(collapse_whitespace(text), by_words, "{text:?}");
        }
        // The owned path agrees with the borrowing one.
        for text in [
            "a b",
            " a b",
            "a  b",
            "ＡＢ",
            "ｶﾞ",
            "山田 花子",
            "a\u{3000}b",
            "",
        ] {
            assert_eq!(
                normalize_owned(text.to_string()),
                normalize(text),
                "{text:?}"
            );
        }
        assert!(is_collapsed("山田 花子 a@b.jp"));
        assert!(!is_collapsed("山田\u{3000}花子"));
        assert_eq!(non_placeholder("-".into()), None);
        assert_eq!(non_placeholder("a".into()), Some("a".into()));
        assert_eq!(
            join_cell_parts([(0, "山田"), (0, "花子"), (1, "ハナ"), (2, "-")]),
            Some("山田 花子ハナ".into())
        );
        // A dash between other text of its line is printed text, not a
        // placeholder; dashes alone on their line still are.
        assert_eq!(
            join_cell_parts([(0, "hUt"), (0, "\u{2013}"), (0, "v4cF")]),
            Some("hUt \u{2013} v4cF".into())
        );
        assert_eq!(join_cell_parts([(0, "-"), (0, "-")]), None);
        // At the edge of a line it is a neighbouring cell's placeholder.
        assert_eq!(
            join_cell_parts([(0, "-"), (0, "変更")]),
            Some("変更".into())
        );
    }
}
