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
        let space = b == b' ';
        let may_start_other_whitespace = match b {
            0x09..=0x0D | 0xC2 | 0xE1 | 0xE2 => true,
            0xE3 => bytes.get(i + 1..i + 3) == Some(&[0x80, 0x80]),
            _ => false,
        };
        if may_start_other_whitespace || (space && prev_space) {
            return false;
        }
        prev_space = space;
    }
    true
}

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
    crate::layout::is_nfkc_by_range(text)
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
    let mut joined = String::new();
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
    non_placeholder(normalize(&joined))
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
