//! Value normalisation of the record contract: NFKC, single spaces, trimmed.

use unicode_normalization::UnicodeNormalization;

/// NFKC, runs of whitespace collapsed to one space, trimmed. NFKC runs on
/// the whole value (not glyph by glyph) so half-width kana and their voiced
/// marks compose (ｶﾞ → ガ).
pub fn normalize(text: &str) -> String {
    if already_nfkc(text) {
        return text.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    let nfkc: String = text.nfkc().collect();
    nfkc.split_whitespace().collect::<Vec<_>>().join(" ")
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

/// `None` for an empty value or a dash placeholder (`-`, `－`, `—`). The
/// katakana long-vowel mark `ー` is not a dash: it may be the last line of a
/// wrapped reading.
pub fn non_placeholder(value: String) -> Option<String> {
    let v = value.trim();
    if v.is_empty() || matches!(v, "-" | "--" | "―" | "—" | "–" | "‐" | "−") {
        None
    } else {
        Some(value)
    }
}

/// Joins the parts of one cell, given as `(line index, text)` in reading
/// order: parts on one line are separate words (a space), a part on a new
/// line continues a wrapped cell (no separator). Dash placeholders are
/// empty parts. `None` when nothing is left.
pub fn join_cell_parts<'a>(parts: impl IntoIterator<Item = (usize, &'a str)>) -> Option<String> {
    let mut joined = String::new();
    let mut last_line = None;
    for (line, text) in parts {
        if non_placeholder(text.to_string()).is_none() {
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
    fn nfkc_and_spaces() {
        assert_eq!(normalize("  山下\u{3000}秀樹 "), "山下 秀樹");
        assert_eq!(normalize("ＡＢＣ１２３（株）"), "ABC123(株)");
        assert_eq!(normalize("ｶﾞｷﾞ"), "ガギ");
        assert_eq!(compact("ご利用 ID 数"), "ご利用ID数");
        // The quick path and the full NFKC pass agree.
        assert_eq!(compact("ＩＤ　数 ｶﾞ"), "ID数ガ");
        assert_eq!(compact("plain ascii"), "plainascii");
        assert_eq!(normalize("ID\t 数"), "ID 数");
        assert_eq!(non_placeholder("-".into()), None);
        assert_eq!(non_placeholder("a".into()), Some("a".into()));
        assert_eq!(
            join_cell_parts([(0, "山田"), (0, "花子"), (1, "ハナ"), (2, "-")]),
            Some("山田 花子ハナ".into())
        );
    }
}
