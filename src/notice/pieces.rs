//! Cutting a table line's chunks into cell pieces.
//!
//! A narrow gap can merge two cells into one chunk (a reading and a
//! password, a name and an address, a password and 追加). The pieces are
//! cut where the script changes between ASCII and anything else, around an
//! e-mail address, and after the パスワード(仮) label, which is what the
//! user table needs to tell cells apart by their content.

use super::columns::PASSWORD_LABEL;
use super::normalize::compact;
use crate::layout::{Char, Chunk, Line, bbox_of, text_of};
use crate::pdf::Rect;
use smallvec::SmallVec;

/// Whether compact text is an e-mail address (a user ID): what
/// `^[A-Za-z0-9._%+\-']+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+$` matches,
/// by hand (it runs for every cell of every row).
pub(super) fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._%+-'".contains(&b));
    let label_ok =
        |l: &str| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    local_ok && domain.contains('.') && domain.split('.').all(label_ok)
}

/// A piece of a chunk: one cell's worth of text and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Piece {
    pub(super) x0: f64,
    pub(super) text: String,
    /// The box around its glyphs (layout frame).
    pub(super) bbox: Option<Rect>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CharClass {
    Reading,
    Ascii,
    Space,
    Other,
}

pub(super) fn is_katakana(c: char) -> bool {
    ('\u{30A1}'..='\u{30FC}').contains(&c)
}

fn char_class(c: &Char, next: Option<&Char>) -> CharClass {
    let Some(first) = c.text.chars().next() else {
        return CharClass::Space;
    };
    if first.is_whitespace() {
        CharClass::Space
    } else if is_katakana(first)
        || (matches!(first, '大' | '小')
            && next
                .and_then(|n| n.text.chars().next())
                .is_some_and(is_katakana))
    {
        CharClass::Reading
    } else if first.is_ascii_graphic() {
        CharClass::Ascii
    } else {
        CharClass::Other
    }
}

/// Whether a chunk whose first glyph says `text` may start with the
/// パスワード(仮) label: `false` only when the glyph's compact form (its text
/// NFKC-stable, spaces dropped) is no prefix of the label, which is what
/// `chunk_to_pieces` would find at its first glyph, without building it.
fn may_start_password_label(text: &str) -> bool {
    if !crate::layout::is_nfkc_by_range(text) {
        return true;
    }
    let mut label = PASSWORD_LABEL.chars();
    text.chars()
        .filter(|c| !c.is_whitespace())
        .all(|c| label.next() == Some(c))
}

/// How many leading glyphs spell the パスワード(仮) label (their text
/// compacted), 0 when they do not.
fn password_label_glyphs(chars: &[Char]) -> usize {
    // Glyphs NFKC-stable by range compact to their characters without
    // whitespace: compared with the label's characters one by one, no
    // text built. Any other glyph: the compacted text of the glyphs so far.
    let mut label = PASSWORD_LABEL.chars();
    for (i, c) in chars.iter().enumerate() {
        if !crate::layout::is_nfkc_by_range(&c.text) {
            return password_label_glyphs_compacted(chars);
        }
        for ch in c.text.chars().filter(|c| !c.is_whitespace()) {
            if label.next() != Some(ch) {
                return 0;
            }
        }
        if label.as_str().is_empty() {
            return i + 1;
        }
    }
    0
}

/// [`password_label_glyphs`] by compacting the glyphs' text so far at
/// every glyph (NFKC may compose across glyphs).
fn password_label_glyphs_compacted(chars: &[Char]) -> usize {
    let mut seen = String::new();
    let may_start_label = chars
        .first()
        .is_none_or(|c| may_start_password_label(&c.text));
    for (i, c) in chars.iter().enumerate().take_while(|_| may_start_label) {
        seen.push_str(&c.text);
        let so_far = compact(&seen);
        if so_far == PASSWORD_LABEL {
            return i + 1;
        }
        if !PASSWORD_LABEL.starts_with(&so_far) {
            break;
        }
    }
    0
}

/// Cuts a chunk into cell pieces where its script changes between ASCII
/// and anything else, and around an e-mail address.
fn chunk_to_pieces(chunk: &Chunk) -> Pieces {
    let chars = &chunk.chars;
    let mut pieces = Pieces::new();
    let mut start = 0;
    // The ログイン情報 label first: it mixes scripts.
    let label_len = password_label_glyphs(chars);
    if label_len > 0 {
        pieces.push(Piece {
            x0: chars.first().map_or(0.0, |c| c.x0),
            text: PASSWORD_LABEL.to_string(),
            bbox: bbox_of(chars.get(..label_len).unwrap_or_default()),
        });
        start = label_len;
    }
    let mut segment_class: Option<CharClass> = None;
    let first_unlabelled = start;
    for i in first_unlabelled..chars.len() {
        let class = char_class(&chars[i], chars.get(i + 1));
        if class == CharClass::Space {
            continue;
        }
        if let Some(prev) = segment_class {
            let ascii_boundary = (prev == CharClass::Ascii) != (class == CharClass::Ascii);
            if ascii_boundary {
                push_segment(&chars[start..i], &mut pieces);
                start = i;
            }
        }
        segment_class = Some(class);
    }
    push_segment(&chars[start..], &mut pieces);
    pieces
}

/// Whether text holds `@`, `＠` or `﹫`, by bytes: the two wide forms start
/// with the byte 0xEF, which most glyphs' text does not hold at all.
fn may_hold_at_sign(text: &str) -> bool {
    text.bytes().any(|b| b == b'@' || b == 0xEF) && text.contains(['@', '＠', '﹫'])
}

/// Pieces of a chunk kept on the stack by [`chunk_to_pieces`]: a chunk is
/// one cell, or two merged by a narrow gap; more allocate.
const INLINE_PIECES: usize = 2;

/// A chunk's pieces (see [`INLINE_PIECES`]): no allocation per chunk.
type Pieces = SmallVec<[Piece; INLINE_PIECES]>;

/// Words of a segment kept on the stack by [`push_segment`] (a cell holds
/// a few); more allocate.
const INLINE_WORDS: usize = 8;

/// Adds a segment, cutting an ASCII one around an e-mail address.
fn push_segment(chars: &[Char], pieces: &mut Pieces) {
    let mut word_start = 0;
    let mut words: SmallVec<[&[Char]; INLINE_WORDS]> = SmallVec::new();
    // In the same pass: the box around the inked glyphs (as `bbox_of`, in
    // the same order), which is the piece's box when the segment stays one
    // piece, and whether any glyph may hold an at sign.
    let mut inked_box: Option<Rect> = None;
    let mut any_at_sign = false;
    for (i, c) in chars.iter().enumerate() {
        if crate::layout::is_blank(&c.text) {
            if i > word_start {
                words.push(&chars[word_start..i]);
            }
            word_start = i + 1;
        } else {
            inked_box = Some(inked_box.map_or(c.bbox(), |b| b.union(&c.bbox())));
            any_at_sign |= may_hold_at_sign(&c.text);
        }
    }
    if word_start < chars.len() {
        words.push(&chars[word_start..]);
    }
    // No address without an at sign (NFKC makes `＠` and `﹫` one): most
    // words are not tried, and not joined, compacted and matched.
    let is_email =
        |w: &[Char]| w.iter().any(|c| may_hold_at_sign(&c.text)) && is_email(&compact(&text_of(w)));
    let email_at = if any_at_sign {
        words.iter().position(|w| is_email(w))
    } else {
        None
    };
    let one_piece = !(email_at.is_some() && words.len() > 1);
    let groups: [&[&[Char]]; 3] = match email_at {
        Some(i) if words.len() > 1 => [&words[..i], &words[i..=i], &words[i + 1..]],
        _ => [&words[..], &[], &[]],
    };
    for group in groups {
        let Some(first) = group.first() else {
            continue;
        };
        let mut text = text_of(first);
        for w in group.iter().skip(1) {
            text.push(' ');
            text.push_str(&text_of(w));
        }
        let x0 = first.first().map_or(0.0, |c| c.x0);
        if !text.is_empty() {
            let bbox = if one_piece {
                inked_box
            } else {
                bbox_of(group.iter().flat_map(|w| w.iter()))
            };
            pieces.push(Piece { x0, text, bbox });
        }
    }
}

pub(super) fn line_pieces(line: &Line) -> Vec<Piece> {
    line_pieces_lazily(line).collect()
}

/// The pieces of a line, chunk by chunk as they are asked for.
pub(super) fn line_pieces_lazily(line: &Line) -> impl Iterator<Item = Piece> + '_ {
    line.chunks.iter().flat_map(chunk_to_pieces)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::test_line as line;

    fn pieces(text: &str) -> Vec<String> {
        line_pieces(&line(100.0, &[(10.0, text)]))
            .into_iter()
            .map(|p| p.text)
            .collect()
    }

    #[test]
    fn at_signs_are_found_in_every_form() {
        for s in ["@", "a@b", "＠", "x﹫", "ｘ@"] {
            assert!(may_hold_at_sign(s), "{s:?}");
        }
        for s in ["", "a", "山田", "ｘ", "\u{FE6A}"] {
            assert!(!may_hold_at_sign(s), "{s:?}");
        }
    }

    #[test]
    fn a_chunk_is_cut_where_ascii_starts_or_ends() {
        assert_eq!(
            pieces("山田花子taro@example.jp"),
            vec!["山田花子", "taro@example.jp"]
        );
        assert_eq!(
            pieces("大エー・小ビーAb1#xy追加"),
            vec!["大エー・小ビー", "Ab1#xy", "追加"]
        );
        // One script: one piece.
        assert_eq!(pieces("山田花子"), vec!["山田花子"]);
        assert_eq!(pieces("Ab1#xy"), vec!["Ab1#xy"]);
        assert!(pieces("").is_empty());
        assert!(pieces(" ").is_empty());
    }

    #[test]
    fn an_address_is_its_own_piece_among_ascii_words() {
        assert_eq!(
            pieces("taro@example.jp Ab1#xyz"),
            vec!["taro@example.jp", "Ab1#xyz"]
        );
        assert_eq!(
            pieces("Ab1 taro@example.jp Cd2"),
            vec!["Ab1", "taro@example.jp", "Cd2"]
        );
        // Not an address (no dot in the host): the words stay together.
        assert_eq!(pieces("taro@example Ab1"), vec!["taro@example Ab1"]);
    }

    #[test]
    fn the_password_label_is_one_piece_before_its_value() {
        assert_eq!(
            pieces(&format!("{PASSWORD_LABEL}Ab1#xy")),
            vec![PASSWORD_LABEL, "Ab1#xy"]
        );
        // Only a whole label: a prefix of it is text like any other.
        assert_eq!(pieces("パスワードAb1"), vec!["パスワード", "Ab1"]);
    }

    /// The glyph-by-glyph comparison and the compacting one agree.
    #[test]
    fn the_label_is_found_alike_by_both_paths() {
        let glyphs = |texts: &[&str]| -> Vec<Char> {
            texts
                .iter()
                .enumerate()
                .map(|(i, t)| Char {
                    text: (*t).into(),
                    x0: 10.0 * i as f64,
                    x1: 10.0 * (i + 1) as f64,
                    size: 10.0,
                    y0: 0.0,
                    y1: 10.0,
                })
                .collect()
        };
        for texts in [
            &["パ", "ス", "ワ", "ー", "ド", "(", "仮", ")", "A", "b"][..],
            &["パ", "ス", " ", "ワ", "ー", "ド", "(", "仮", ")"][..],
            &["パス", "ワード", "(仮)"][..],
            &["パ", "ス", "ワ", "ー", "ド", "(", "仮"][..],
            &["パ", "ス", "ワ", "ー", "ド", "A"][..],
            &[" ", "パ", "ス", "ワ", "ー", "ド", "(", "仮", ")"][..],
            &["ﾊﾟ", "ス", "ワ", "ー", "ド", "(", "仮", ")"][..],
            &["ハ", "\u{309A}", "ス", "ワ", "ー", "ド", "(", "仮", ")"][..],
            &["パ", "ス", "ワ", "ー", "ド", "(", "仮", ")", ")"][..],
            &["山"][..],
            &[][..],
        ] {
            let chars = glyphs(texts);
            assert_eq!(
                password_label_glyphs(&chars),
                password_label_glyphs_compacted(&chars),
                "{texts:?}"
            );
        }
        assert_eq!(
            password_label_glyphs(&glyphs(&["パス", "ワード", "(仮)", "x"])),
            3
        );
    }

    #[test]
    fn only_a_first_glyph_that_starts_the_label_is_looked_at_further() {
        assert!(may_start_password_label("パ"));
        assert!(may_start_password_label(PASSWORD_LABEL));
        assert!(may_start_password_label(" "));
        assert!(!may_start_password_label("山"));
        assert!(!may_start_password_label("Ab"));
        // Not NFKC-stable by the range test: the full comparison decides.
        assert!(may_start_password_label("ﾊﾟ"));
    }

    #[test]
    fn addresses_by_hand_as_by_the_pattern() {
        for yes in ["a@b.jp", "taro.y+x@mail.example-1.co.jp", "o'neil_%@a.b"] {
            assert!(is_email(yes), "{yes}");
        }
        for no in [
            "",
            "@b.jp",
            "a@",
            "a@b",
            "a@b.",
            "a@.jp",
            "a@b..jp",
            "a@@b.jp",
            "a@b.jp@c.jp",
            "a b@c.jp",
            "山@b.jp",
            "a@b_c.jp",
            "a@b.j p",
        ] {
            assert!(!is_email(no), "{no}");
        }
    }

    #[test]
    fn pieces_carry_their_glyph_boxes() {
        let got = line_pieces(&line(100.0, &[(10.0, "山田ab")]));
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].x0, 30.0);
        let bbox = got[1].bbox.expect("a box");
        assert_eq!((bbox.x0, bbox.x1), (30.0, 50.0));
    }
}
