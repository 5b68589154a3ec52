//! Line breaks inside a wrapped name: a space, or none?
//!
//! A cell that wraps is joined without a separator (the record contract):
//! most wraps fall inside a word. But a producer draws no glyph for a space
//! at a line's end, so a name wrapped exactly at its space (長谷川 / 久美子 in
//! a narrow cell) would lose the space without a trace. The page tells the
//! two apart where it can, by how much room the first line left:
//!
//! - a line breaks inside a word only when what follows would not fit, and
//!   Japanese text may break before any glyph. So when the first line ends
//!   with room left before the cell's right edge for the next line's first
//!   unit (a Japanese glyph, with the glyphs that may not start a line after
//!   it; a Latin word after Japanese text; a Latin glyph after Latin text,
//!   which breaks inside a word only on a full line), the break was not
//!   for want of room: it was at a space, and the lines are joined with one;
//! - a first line full to the edge may have broken at a space or inside a
//!   word, and the page cannot tell. The value is read as printed (no
//!   space) and noted ([`Drift::WrapSpaceDoubt`]), so validation names the
//!   field for a reviewer. Not before a glyph that may not start a line
//!   (ー, small kana, closing punctuation): no space comes there.
//!
//! Doubt is noted on the names a lost space misleads: the contractor's and
//! the users' (a user name creates an account), unless the name shows its
//! space elsewhere already (family and given name are one space apart). The
//! service and product names are a provider's few catalogue strings: a
//! space a break showed is added to them, but a full line there is not
//! doubted (every wrapped one would be, and a finding on each teaches a
//! reviewer to pass the code over).
//!
//! The cell's right edge is its vertical ruling, less the padding the cell
//! shows on its left (producers pad cells alike on both sides); without
//! rulings, the widest line of the value, or of the other user names in the
//! same column, is as far as the cell is known to reach (so a full line
//! there is only ever doubted, never given a space).
//!
//! Only person and service names are looked at, as in [`super::doubt`]:
//! spaces are dropped from IDs, passwords, domains and URLs anyway. Runs
//! once per notice after the values are read; a value on one line costs a
//! binary search over its page's lines.

use super::model::{Drift, Notice, Provenance};
use super::normalize::{compact, normalize};
use crate::layout::{Char, Document, Page, is_blank, is_cjk, text_of};
use crate::pdf::Rect;

/// A glyph belongs to a value when its centre lies this many points
/// outside the value's box at most (boxes are glyph boxes, exact).
const BOX_SLACK: f64 = 0.5;

/// The next unit "would have fitted" when the room left is at least its
/// width plus this many ems: glyph positions and the padding read off the
/// cell's left are good to a few hundredths of an em, and a wrongly added
/// space is worse than a doubt.
const FIT_MARGIN: f64 = 0.05;

/// A vertical ruling this many points right of a line's last glyph (or
/// left of its first) may still be the cell's edge: glyph boxes may
/// overhang the cell's padding by a little.
const EDGE_SLACK: f64 = 0.5;

/// A user name in another row is in the same column when its left edge is
/// within this many ems of this one's (left-aligned cells).
const SAME_COLUMN: f64 = 1.0;

/// Glyphs that may not start a line (JIS X 4051 kinsoku: small kana, the
/// long vowel mark, iteration marks, closing brackets and punctuation): a
/// producer carries the glyph before them down with them, and no space
/// comes before them in a name.
const NO_LINE_START: &str = "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿーゝゞヽヾ々〻、。,.:;!?)]}」』】〕〉》・";

/// How one line break of a value reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Break {
    /// The next unit would have fitted: the break was at a space.
    Space,
    /// Inside a word, for sure (before a glyph that may not start a line).
    Word,
    /// The first line was full: a space or not, the page cannot tell.
    Unknown,
}

/// Whether a field path names a person or service name. Every one ends
/// in `name`, which rules out most paths at once.
fn is_name_field(path: &str) -> bool {
    path.ends_with("name")
        && (matches!(path, "contractor_name" | "service_name" | "product_name")
            || user_index(path).is_some())
}

/// The user index of a `users[i].name` path.
fn user_index(path: &str) -> Option<usize> {
    path.strip_prefix("users[")?
        .strip_suffix("].name")?
        .parse()
        .ok()
}

/// Whether a full line in a name is doubted: a person's or company's name
/// (the contractor, a user), not a catalogue string (service, product).
fn is_person_name(path: &str) -> bool {
    path == "contractor_name" || user_index(path).is_some()
}

fn first_char(c: &Char) -> Option<char> {
    c.text.chars().next()
}

fn is_cjk_glyph(c: &Char) -> bool {
    first_char(c).is_some_and(is_cjk)
}

/// Reads every line break inside a name value of `notice` (whose provenance
/// is in PDF user space): adds the space a break at a space lost, and notes
/// [`Drift::WrapSpaceDoubt`] where the page cannot tell.
pub(super) fn read_wrap_spaces(doc: &Document, notice: &mut Notice) {
    // Most names are on one line: their box says so, and they cost no
    // glyph scan and no copy of their path.
    let mut frame: Option<(u32, Option<crate::pdf::Matrix>)> = None;
    let mut spans = |at: &Provenance| {
        let Some(page) = doc.page(at.page) else {
            return false;
        };
        // The page's frame, found once a page (names sit on one or two).
        let to_frame = match frame {
            Some((n, m)) if n == at.page => m,
            _ => {
                let m = page.to_user.invert();
                frame = Some((at.page, m));
                m
            }
        };
        to_frame.is_some_and(|m| may_span_lines(page, &m.apply_rect(&at.bbox)))
    };
    let names: Vec<(String, Provenance)> = notice
        .provenance
        .iter()
        .filter(|(p, at)| is_name_field(p) && spans(at))
        .map(|(p, at)| (p.clone(), *at))
        .collect();
    // Every user name's box, gathered when a name first wraps.
    let mut user_names: Option<Vec<Option<Provenance>>> = None;
    for (path, at) in names {
        let Some(page) = doc.page(at.page) else {
            continue;
        };
        let Some(to_frame) = page.to_user.invert() else {
            continue;
        };
        let value_box = to_frame.apply_rect(&at.bbox);
        let lines = value_lines(page, &value_box);
        if lines.len() < 2 {
            continue;
        }
        let size = lines
            .first()
            .and_then(|l| l.first())
            .map_or(0.0, |c| c.size);
        let user_names = user_names.get_or_insert_with(|| user_name_boxes(notice));
        let column_edge = user_index(&path)
            .map(|i| column_reach(user_names, i, at.page, &to_frame, size))
            .unwrap_or(f64::NEG_INFINITY);
        let reach = lines
            .iter()
            .flat_map(|l| l.iter().map(|c| c.x1))
            .fold(column_edge, f64::max);
        let breaks: Vec<Break> = lines
            .windows(2)
            .map(|pair| read_break(page, &pair[0], &pair[1], reach))
            .collect();
        let Some(value) = value_mut(notice, &path) else {
            continue;
        };
        let texts: Vec<String> = lines.iter().map(|l| normalize(&text_of(l))).collect();
        let joined: String = texts.concat();
        // The value must be these lines' glyphs: otherwise it was read
        // from other glyphs than those looked at, and is left alone.
        if compact(&joined) != compact(value) {
            continue;
        }
        let had_space = value.contains(' ');
        let mut doubt = false;
        // Characters before each break, spaces aside (so a space added
        // does not move the next break).
        let mut before = 0;
        for (text, kind) in texts.iter().zip(&breaks) {
            before += compact(text).chars().count();
            match kind {
                Break::Space => {
                    insert_space_after(value, before);
                }
                Break::Word => {}
                Break::Unknown => doubt |= is_person_name(&path) && !had_space,
            }
        }
        if doubt {
            notice.notes.drift.push(Drift::WrapSpaceDoubt {
                field: path,
                page: at.page,
            });
        }
    }
}

/// The name value at `path`.
fn value_mut<'n>(notice: &'n mut Notice, path: &str) -> Option<&'n mut String> {
    match path {
        "contractor_name" => notice.contractor_name.as_mut(),
        "service_name" => notice.service_name.as_mut(),
        "product_name" => notice.product_name.as_mut(),
        _ => notice.users.get_mut(user_index(path)?)?.name.as_mut(),
    }
}

/// Inserts a space into `value` after its first `count` characters that
/// are not spaces, unless one is there (or it is the value's end). Whether
/// one was inserted.
fn insert_space_after(value: &mut String, count: usize) -> bool {
    let mut seen = 0;
    for (i, ch) in value.char_indices() {
        if seen == count {
            if ch == ' ' || i == 0 {
                return false;
            }
            value.insert(i, ' ');
            return true;
        }
        if ch != ' ' {
            seen += 1;
        }
    }
    false
}

/// A value box at most this many of its first line's font sizes tall
/// holds one line: a glyph box is at most about 1.5 em tall (Noto Sans
/// CJK's), and two lines take at least a line pitch (1 em) and a glyph's
/// ink (0.8 em).
const ONE_LINE_HEIGHT: f64 = 1.6;

/// Whether a value's box (layout frame) may hold more than one line:
/// taller than
/// [`ONE_LINE_HEIGHT`] of the size of the first line that can hold its
/// glyphs.
fn may_span_lines(page: &Page, value: &Rect) -> bool {
    let start = page
        .lines
        .partition_point(|l| l.baseline < value.y0 - BOX_SLACK);
    page.lines
        .get(start)
        .is_some_and(|l| value.y1 - value.y0 > ONE_LINE_HEIGHT * l.size)
}

/// The value's glyphs, line by line (top to bottom; each line's glyphs left
/// to right, spaces left out at its ends). Lines are found by a binary
/// search on their baselines: a page's lines run top to bottom.
fn value_lines<'p>(page: &'p Page, value: &Rect) -> Vec<Vec<&'p Char>> {
    let inside = |c: &Char| {
        let (x, y) = c.bbox().center();
        x >= value.x0 - BOX_SLACK
            && x <= value.x1 + BOX_SLACK
            && y >= value.y0 - BOX_SLACK
            && y <= value.y1 + BOX_SLACK
    };
    // A glyph's centre lies above its baseline, and below the baseline
    // less its line's size: only lines with a baseline at or below the
    // box's top can hold one.
    let start = page
        .lines
        .partition_point(|l| l.baseline < value.y0 - BOX_SLACK);
    let mut out = Vec::new();
    for line in page.lines.get(start..).unwrap_or_default() {
        if line.baseline - 2.0 * line.size > value.y1 + BOX_SLACK {
            break;
        }
        let mut chars: Vec<&Char> = line.chars().filter(|c| inside(c)).collect();
        while chars.last().is_some_and(|c| is_blank(&c.text)) {
            chars.pop();
        }
        let lead = chars.iter().take_while(|c| is_blank(&c.text)).count();
        chars.drain(..lead);
        if !chars.is_empty() {
            out.push(chars);
        }
    }
    out
}

/// Each user's name box (PDF user space), by user index.
/// Glyphs that may not end a line (opening brackets, JIS X 4051 and UAX
/// #14's OP class): the glyph after one moves down with it.
const NO_LINE_END: &str = "([{「『【〔〈《（［｛";

fn user_name_boxes(notice: &Notice) -> Vec<Option<Provenance>> {
    (0..notice.users.len())
        .map(|i| notice.provenance.get(&format!("users[{i}].name")).copied())
        .collect()
}

/// How far right the other user names of the same column on this page
/// reach: a lower bound of the column's right edge where no ruling gives
/// it. `names` are [`user_name_boxes`].
fn column_reach(
    names: &[Option<Provenance>],
    own: usize,
    page: u32,
    to_frame: &crate::pdf::Matrix,
    size: f64,
) -> f64 {
    let own_x0 = names
        .get(own)
        .copied()
        .flatten()
        .map(|p| to_frame.apply_rect(&p.bbox).x0);
    let Some(own_x0) = own_x0 else {
        return f64::NEG_INFINITY;
    };
    names
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != own)
        .filter_map(|(_, p)| p.as_ref())
        .filter(|p| p.page == page)
        .map(|p| to_frame.apply_rect(&p.bbox))
        .filter(|b| (b.x0 - own_x0).abs() <= SAME_COLUMN * size)
        .map(|b| b.x1)
        .fold(f64::NEG_INFINITY, f64::max)
}

/// The right edge of the cell a line of glyphs sits in: its vertical
/// ruling less the padding the cell shows on the left, when rulings bound
/// it on both sides.
fn ruled_edge(page: &Page, line: &[&Char]) -> Option<f64> {
    let (first, last) = (line.first()?, line.last()?);
    let band = Rect {
        x0: first.x0,
        x1: last.x1,
        y0: line.iter().map(|c| c.y0).fold(f64::INFINITY, f64::min),
        y1: line.iter().map(|c| c.y1).fold(f64::NEG_INFINITY, f64::max),
    };
    let edges = page.rulings.column_edges(&band);
    let left = edges
        .iter()
        .copied()
        .filter(|x| *x <= first.x0 + EDGE_SLACK)
        .fold(f64::NEG_INFINITY, f64::max);
    let right = edges
        .iter()
        .copied()
        .filter(|x| *x >= last.x1 - EDGE_SLACK)
        .fold(f64::INFINITY, f64::min);
    (left.is_finite() && right.is_finite()).then(|| right - (first.x0 - left).max(0.0))
}

/// How the break between `line` and `next` reads; `reach` is how far the
/// cell is known to reach without rulings.
fn read_break(page: &Page, line: &[&Char], next: &[&Char], reach: f64) -> Break {
    let (Some(last), Some(head)) = (line.last(), next.first()) else {
        return Break::Unknown;
    };
    if first_char(head).is_some_and(|c| NO_LINE_START.contains(c)) {
        return Break::Word;
    }
    // A hyphen at the line's end: a word hyphenated there.
    if first_char(last).is_some_and(|c| matches!(c, '-' | '‐' | '‑')) {
        return Break::Unknown;
    }
    let edge = ruled_edge(page, line).unwrap_or(reach);
    let room = edge - last.x1;
    let unit = if is_cjk_glyph(head) {
        // The glyph, and those that may not start a line after it (a
        // producer carries it down with them).
        let tail = next
            .iter()
            .skip(1)
            .take_while(|c| first_char(c).is_some_and(|ch| NO_LINE_START.contains(ch)))
            .count();
        next.get(tail).map_or(head.x1, |c| c.x1) - head.x0
    } else if !is_cjk_glyph(last) {
        // Latin after Latin breaks inside a word only on a full line.
        head.x1 - head.x0
    } else {
        // A Latin word after Japanese text moves down whole.
        let mut word = next
            .iter()
            .take_while(|c| !is_cjk_glyph(c) && !is_blank(&c.text))
            .count();
        // No line breaks after an opening bracket: a word ending in one
        // ("Microsoft365(" before パッケージ) moves down with the glyph after
        // it, and with those that may not start a line after that.
        if next
            .get(word.wrapping_sub(1))
            .and_then(|c| first_char(c))
            .is_some_and(|c| NO_LINE_END.contains(c))
        {
            word += 1 + next
                .iter()
                .skip(word + 1)
                .take_while(|c| first_char(c).is_some_and(|ch| NO_LINE_START.contains(ch)))
                .count();
        }
        next.get(word.saturating_sub(1)).map_or(head.x1, |c| c.x1) - head.x0
    };
    if room >= unit + FIT_MARGIN * head.size {
        Break::Space
    } else {
        Break::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glyphs(x0: f64, text: &str, width: f64) -> Vec<Char> {
        text.chars()
            .enumerate()
            .map(|(i, ch)| Char {
                text: ch.to_string().into(),
                x0: x0 + i as f64 * width,
                x1: x0 + (i + 1) as f64 * width,
                size: 10.0,
                y0: 0.0,
                y1: 10.0,
            })
            .collect()
    }

    fn refs(chars: &[Char]) -> Vec<&Char> {
        chars.iter().collect()
    }

    fn page() -> Page {
        Page {
            number: 1,
            sheet: 1,
            height: 800.0,
            lines: Vec::new(),
            to_user: crate::pdf::Matrix::IDENTITY,
            rulings: crate::layout::Rulings::default(),
        }
    }

    #[test]
    fn room_for_the_next_glyph_means_a_space() {
        let p = page();
        // 長谷川 / 久美子 in a cell reaching 41: room 11 for a 10-wide glyph.
        let (a, b) = (glyphs(0.0, "長谷川", 10.0), glyphs(0.0, "久美子", 10.0));
        assert_eq!(read_break(&p, &refs(&a), &refs(&b), 41.0), Break::Space);
        // Full to the edge: a space or not, the page cannot tell.
        assert_eq!(read_break(&p, &refs(&a), &refs(&b), 31.0), Break::Unknown);
        // Room, but the next glyph may not start a line: a word break.
        let c = glyphs(0.0, "ー子", 10.0);
        assert_eq!(read_break(&p, &refs(&a), &refs(&c), 41.0), Break::Word);
        // A glyph carried down with a small kana after it: the pair must
        // have fitted.
        let d = glyphs(0.0, "ジェリ", 10.0);
        assert_eq!(read_break(&p, &refs(&a), &refs(&d), 41.0), Break::Unknown);
        assert_eq!(read_break(&p, &refs(&a), &refs(&d), 51.0), Break::Space);
    }

    #[test]
    fn a_latin_word_after_japanese_text_moves_down_whole() {
        let p = page();
        let a = glyphs(0.0, "サービス", 10.0);
        let b = glyphs(0.0, "Microsoft", 5.0);
        // Room for the M, not for the word: no telling.
        assert_eq!(read_break(&p, &refs(&a), &refs(&b), 55.0), Break::Unknown);
        assert_eq!(read_break(&p, &refs(&a), &refs(&b), 90.0), Break::Space);
        // Latin after Latin: room for a glyph is a space (John / Smith).
        let j = glyphs(0.0, "John", 5.0);
        let s = glyphs(0.0, "Smith", 5.0);
        assert_eq!(read_break(&p, &refs(&j), &refs(&s), 26.0), Break::Space);
        assert_eq!(read_break(&p, &refs(&j), &refs(&s), 22.0), Break::Unknown);
    }

    #[test]
    fn a_latin_word_ending_in_an_opening_bracket_moves_down_with_the_next_glyph() {
        // サービス / Microsoft365(パッケージ: "(" may not end a line, so the
        // unit that did not fit is "Microsoft365(パ", not "Microsoft365(".
        let first = glyphs(0.0, "サービス", 10.0);
        let next = glyphs(0.0, "Ab(パケ", 5.0);
        // Room for "Ab(" (15 pt) but not for "Ab(パ" (20 pt).
        let b = read_break(&page(), &refs(&first), &refs(&next), 40.0 + 17.0);
        assert!(matches!(b, Break::Unknown), "{b:?}");
        let b = read_break(&page(), &refs(&first), &refs(&next), 40.0 + 21.0);
        assert!(matches!(b, Break::Space), "{b:?}");
    }

    #[test]
    fn a_ruled_cell_reaches_its_ruling_less_its_padding() {
        let mut p = page();
        for x in [-4.0, 45.0] {
            p.rulings.vertical.push(crate::layout::rulings::Ruling {
                at: x,
                from: -20.0,
                to: 40.0,
            });
        }
        // Padding 4 on the left: the cell's text reaches 41.
        let a = glyphs(0.0, "長谷川", 10.0);
        assert_eq!(ruled_edge(&p, &refs(&a)), Some(41.0));
        let b = glyphs(0.0, "久美子", 10.0);
        // The ruling decides, whatever the lines reach.
        assert_eq!(read_break(&p, &refs(&a), &refs(&b), 30.0), Break::Space);
    }

    #[test]
    fn a_space_goes_after_the_first_lines_characters() {
        let mut v = "長谷川久美子".to_string();
        assert!(insert_space_after(&mut v, 3));
        assert_eq!(v, "長谷川 久美子");
        // Already there, or at the end: nothing.
        assert!(!insert_space_after(&mut v, 3));
        assert!(!insert_space_after(&mut v, 6));
        assert_eq!(v, "長谷川 久美子");
    }

    #[test]
    fn name_paths() {
        assert_eq!(user_index("users[12].name"), Some(12));
        assert_eq!(user_index("users[1].user_id"), None);
        assert!(is_name_field("service_name"));
        assert!(!is_name_field("domain"));
        assert!(is_person_name("contractor_name"));
        assert!(!is_person_name("product_name"));
    }
}
