//! Which writing system a character belongs to, for spacing decisions.

/// True for characters set on the Japanese full-width grid: kana, kanji,
/// full-width forms and CJK punctuation. Between such a character and a
/// Latin one, Writer and Word insert an "autospace" gap that is not a
/// space in the text.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF   // CJK and Kangxi radicals
        | 0x3000..=0x30FF // CJK symbols, hiragana, katakana
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xF900..=0xFAFF // CJK compatibility ideographs
        | 0xFF00..=0xFFEF // half- and full-width forms
        | 0x20000..=0x3FFFF // CJK extensions B and later
    )
}

/// Whether `text` is whitespace only (`text.trim().is_empty()`): whether
/// a glyph is inked, asked several times of every glyph. Every whitespace
/// character starts with one of a few UTF-8 lead bytes (ASCII controls
/// and space, 0xC2, 0xE1, 0xE2, and 0xE3 for U+3000 only), so almost all
/// text is settled by its first byte or three, without decoding.
#[inline]
pub fn is_blank(text: &str) -> bool {
    match text.as_bytes() {
        [] => true,
        // ASCII whitespace as `char::is_whitespace` has it.
        [b] => matches!(*b, b' ' | 0x09..=0x0D),
        // U+3000 IDEOGRAPHIC SPACE is E3 80 80; kana and CJK punctuation
        // share its lead byte.
        [0xE3, second, third, ..] if (*second, *third) != (0x80, 0x80) => false,
        [0x09..=0x0D | 0x20 | 0xC2 | 0xE1 | 0xE2 | 0xE3, ..] => all_whitespace(text),
        _ => false,
    }
}

/// The rare case of [`is_blank`], out of line so the common ones inline.
#[inline(never)]
fn all_whitespace(text: &str) -> bool {
    text.chars().all(char::is_whitespace)
}

/// Appends `text` to `out` without its whitespace (the compact form of a
/// value or a page's text; a glyph is quicker character by character). Runs between the bytes
/// that may start a whitespace character (see [`is_blank`]) are copied
/// whole; only a character at such a byte is decoded and looked at.
pub fn push_without_whitespace(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    // The start of the run not yet copied, and where the scan is.
    let (mut start, mut i) = (0, 0);
    while let Some(&b) = bytes.get(i) {
        let may_start_whitespace = match b {
            0x09..=0x0D | 0x20 | 0xC2 | 0xE1 | 0xE2 => true,
            0xE3 => bytes.get(i + 1..i + 3) == Some(&[0x80, 0x80]),
            _ => false,
        };
        if !may_start_whitespace {
            i += 1;
            continue;
        }
        // `i` is a lead byte or ASCII: a character boundary.
        out.push_str(text.get(start..i).unwrap_or_default());
        let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) else {
            return;
        };
        if !c.is_whitespace() {
            out.push(c);
        }
        i += c.len_utf8();
        start = i;
    }
    out.push_str(text.get(start..).unwrap_or_default());
}

/// True for characters of the right-to-left scripts (Hebrew, Arabic,
/// Syriac, Thaana, N'Ko and their presentation forms): a line of them is
/// drawn right to left, and read back into logical order.
pub fn is_rtl(c: char) -> bool {
    matches!(c as u32,
        0x0590..=0x08FF   // Hebrew, Arabic, Syriac, Thaana, N'Ko, Samaritan, Mandaic
        | 0xFB1D..=0xFDFF // Hebrew and Arabic presentation forms A
        | 0xFE70..=0xFEFF // Arabic presentation forms B
    )
}

/// False when `text` holds no right-to-left letter ([`is_rtl`]), by its
/// bytes alone: every such letter starts with a lead byte D6-E0
/// (U+0590-U+08FF) or EF (U+FB1D-U+FEFF), which Japanese text (E3-E9) and
/// ASCII never hold; no decoding for them.
fn may_hold_rtl(text: &str) -> bool {
    // Every byte asked, with no early exit: the loop is vectorised (a
    // joined run is a few dozen bytes, and almost never holds one).
    text.bytes().fold(false, |seen, b| {
        seen | (b.wrapping_sub(0xD6) <= 0xE0 - 0xD6) | (b == 0xEF)
    })
}

/// A run's text, joined left to right as drawn, in logical (reading) order:
/// unchanged without right-to-left letters; otherwise the Unicode
/// bidirectional algorithm (`unicode-bidi`) reorders it, which turns a
/// drawn right-to-left run back into the order it is read in while numbers
/// and Latin words inside it keep their own order, as pdf.js and poppler
/// give it. The paragraph is right to left when most letters are.
pub fn visual_to_logical(text: String) -> String {
    // By bytes first (no decoding for Japanese text and ASCII).
    if !may_hold_rtl(&text) || !text.chars().any(is_rtl) {
        return text;
    }
    let (rtl, ltr) = text.chars().fold((0usize, 0usize), |(r, l), c| {
        if is_rtl(c) {
            (r + 1, l)
        } else if c.is_alphabetic() {
            (r, l + 1)
        } else {
            (r, l)
        }
    });
    if rtl == 0 {
        return text;
    }
    let level = if rtl >= ltr {
        unicode_bidi::Level::rtl()
    } else {
        unicode_bidi::Level::ltr()
    };
    let info = unicode_bidi::BidiInfo::new(&text, Some(level));
    let logical: String = info
        .paragraphs
        .iter()
        .map(|para| info.reorder_line(para, para.range.clone()).into_owned())
        .collect();
    logical
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every right-to-left letter's UTF-8 starts with a byte the
    /// pre-filter of [`visual_to_logical`] looks for.
    #[test]
    fn the_byte_filter_sees_every_right_to_left_letter() {
        for c in (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|c| is_rtl(*c))
        {
            let lead = c.to_string().as_bytes()[0];
            assert!(matches!(lead, 0xD6..=0xE0 | 0xEF), "{c:?}");
        }
    }

    #[test]
    fn right_to_left_runs_read_in_logical_order() {
        // Hebrew "shalom" drawn right to left arrives left to right as
        // ם ו ל ש; it is read ש ל ו ם.
        assert_eq!(visual_to_logical("םולש".into()), "שלום");
        // A number inside keeps its own order.
        assert_eq!(visual_to_logical("123 םולש".into()), "שלום 123");
        // Latin and Japanese text is left alone.
        assert_eq!(visual_to_logical("abc 開通".into()), "abc 開通");
    }

    /// `is_blank` answers as `trim().is_empty()` for every character alone,
    /// followed by a space or a letter, and after a space.
    #[test]
    fn blank_is_whitespace_only() {
        assert!(is_blank(""));
        let mut blanks = 0;
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            for s in [
                c.to_string(),
                format!("{c} "),
                format!("{c}a"),
                format!(" {c}"),
                format!("\u{3000}{c}"),
            ] {
                assert_eq!(is_blank(&s), s.trim().is_empty(), "{s:?}");
            }
            blanks += usize::from(is_blank(&c.to_string()));
        }
        // Unicode's White_Space characters.
        assert_eq!(blanks, 25);
    }

    /// `push_without_whitespace` drops what `char::is_whitespace` says, and
    /// only that, whatever surrounds a character.
    #[test]
    fn whitespace_is_dropped_and_nothing_else() {
        let mut out = String::new();
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            for s in [
                c.to_string(),
                format!("a{c}\u{3000}あ{c}"),
                format!("{c}{c}ア"),
            ] {
                out.clear();
                push_without_whitespace(&mut out, &s);
                let expected: String = s.chars().filter(|c| !c.is_whitespace()).collect();
                assert_eq!(out, expected, "{s:?}");
            }
        }
    }

    #[test]
    fn classes() {
        assert!(is_cjk('用'));
        assert!(is_cjk('ア'));
        assert!(is_cjk('１'));
        assert!(!is_cjk('A'));
        assert!(!is_cjk('1'));
    }
}

/// CJK Radicals Supplement code points that Chromium's ToUnicode (and fonts
/// that share one glyph between a radical and its ideograph) give for
/// ordinary ideographs, with the ideograph they stand for (Unicode's
/// EquivalentUnifiedIdeograph.txt). NFKC folds the Kangxi Radicals block but
/// not this one. Only radicals drawn exactly like the ideograph are listed.
const RADICAL_EQUIVALENTS: &[(char, char)] = &[
    ('\u{2E8C}', '小'),
    ('\u{2E8D}', '小'),
    ('\u{2E9D}', '月'),
    ('\u{2E9F}', '母'),
    ('\u{2EA0}', '民'),
    ('\u{2EC1}', '虎'),
    ('\u{2EC3}', '西'),
    ('\u{2EC4}', '西'),
    ('\u{2EC5}', '見'),
    ('\u{2EC6}', '角'),
    ('\u{2EC8}', '言'),
    ('\u{2EC9}', '貝'),
    ('\u{2ECB}', '車'),
    ('\u{2ED1}', '長'),
    ('\u{2ED7}', '雨'),
    ('\u{2ED8}', '青'),
    ('\u{2EDD}', '食'),
    ('\u{2EE1}', '首'),
    ('\u{2EE3}', '骨'),
    ('\u{2EE4}', '鬼'),
    ('\u{2EE8}', '麦'),
    ('\u{2EE9}', '黄'),
    ('\u{2EEB}', '斉'),
    ('\u{2EED}', '歯'),
    ('\u{2EEF}', '竜'),
    ('\u{2EF2}', '亀'),
];

/// Folds a CJK Radicals Supplement code point to its ideograph.
pub fn fold_radical(c: char) -> char {
    if !('\u{2E80}'..='\u{2EFF}').contains(&c) {
        return c;
    }
    RADICAL_EQUIVALENTS
        .iter()
        .find(|(r, _)| *r == c)
        .map_or(c, |(_, ideograph)| *ideograph)
}

#[cfg(test)]
mod radical_tests {
    use super::*;

    #[test]
    fn radicals_fold_to_ideographs() {
        assert_eq!(fold_radical('⻄'), '西');
        assert_eq!(fold_radical('⻑'), '長');
        assert_eq!(fold_radical('西'), '西');
    }
}
