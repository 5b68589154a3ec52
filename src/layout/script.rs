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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert!(is_cjk('用'));
        assert!(is_cjk('ア'));
        assert!(is_cjk('１'));
        assert!(!is_cjk('A'));
        assert!(!is_cjk('1'));
    }
}
