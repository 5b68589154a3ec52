//! Doubt on read values: signs, read off the glyphs under a value's box,
//! that the value may be wrong even though it parsed.
//!
//! The parser commits to one reading of every value; these notes say where
//! that reading could have gone another way, so validation can name the
//! field instead of passing a wrong value on silently:
//!
//! - a gap between two Japanese glyphs of a name that lay within
//!   [`crate::layout::SPACE_DOUBT_MARGIN`] of the space threshold (a space may be missing
//!   or extra);
//! - a glyph of a name whose size sets it apart from the rest of the value
//!   (another style run: a mark or a neighbouring cell's text, not part of
//!   the name).
//!
//! Only person and service names are looked at: spaces are dropped from
//! IDs, passwords, domains and URLs anyway, and those have shape checks.
//! Runs once per notice after the values are read, over each value's own
//! page: no part of the reading loop.

use super::model::{Drift, Notice};
use crate::layout::{Char, Document, Line, space_in_doubt};
use crate::pdf::Rect;

/// A glyph whose font size differs from the value's median by more than
/// this ratio is of another style run: names are set in one size, and
/// the smallest mix seen (a 9 pt mark in 10.5 pt text) is 1.17; Latin and
/// Japanese glyphs of one run share a size.
const STYLE_SIZE_RATIO: f64 = 1.15;

/// A glyph belongs to a value when its centre lies this many points
/// outside the value's box at most (boxes are glyph boxes, exact).
const BOX_SLACK: f64 = 0.5;

/// Whether a field path names a person or service name.
fn is_name_field(path: &str) -> bool {
    matches!(path, "contractor_name" | "service_name" | "product_name")
        || (path.starts_with("users[") && path.ends_with("].name"))
}

/// Adds [`Drift::SpaceDoubt`] and [`Drift::StyleMix`] notes for the name
/// values of `notice` (whose provenance is in PDF user space).
pub(super) fn note_doubts(doc: &Document, notice: &mut Notice) {
    let mut notes = Vec::new();
    // Each page's line extents, found when a value on it is first looked at.
    let mut extents: Vec<(u32, Vec<(f64, f64)>)> = Vec::new();
    for (path, at) in notice.provenance.iter().filter(|(p, _)| is_name_field(p)) {
        let Some(page) = doc.page(at.page) else {
            continue;
        };
        let Some(to_frame) = page.to_user.invert() else {
            continue;
        };
        let value = to_frame.apply_rect(&at.bbox);
        let inside = |c: &Char| holds(&value, c);
        let line_extents = match extents.iter().position(|(p, _)| *p == page.number) {
            Some(k) => &extents[k].1,
            None => {
                extents.push((
                    page.number,
                    page.lines.iter().map(vertical_extent).collect(),
                ));
                &extents[extents.len() - 1].1
            }
        };
        // Only chunks with a glyph of the value: the rest cannot hold a
        // gap between two of its glyphs (and the scan stays linear in the
        // page, not in names × page). A line wholly above or below the
        // value holds none of its glyphs.
        let chunks = page
            .lines
            .iter()
            .zip(line_extents)
            .filter(|(_, (top, bottom))| {
                *bottom >= value.y0 - BOX_SLACK && *top <= value.y1 + BOX_SLACK
            })
            .flat_map(|(l, _)| l.chunks.iter())
            .filter(|ch| ch.chars.iter().any(inside));
        if chunks.clone().any(|ch| space_in_doubt(&ch.chars, inside)) {
            notes.push(Drift::SpaceDoubt {
                field: path.clone(),
                page: at.page,
            });
        }
        let sizes: Vec<f64> = chunks
            .flat_map(|ch| ch.chars.iter())
            .filter(|c| !crate::layout::is_blank(&c.text) && inside(c))
            .map(|c| c.size)
            .collect();
        if mixed_sizes(&sizes) {
            notes.push(Drift::StyleMix {
                field: path.clone(),
                page: at.page,
            });
        }
    }
    notice.notes.drift.extend(notes);
}

/// The top and bottom of a line's glyph boxes: every glyph's centre lies
/// between them.
fn vertical_extent(line: &Line) -> (f64, f64) {
    let (mut top, mut bottom) = (f64::INFINITY, f64::NEG_INFINITY);
    for c in line.chars() {
        // By comparison, as `f64::min`/`max` of every edge but cheaper: a
        // NaN edge compares false and is passed over, as they pass it over.
        for y in [c.y0, c.y1] {
            if y < top {
                top = y;
            }
            if y > bottom {
                bottom = y;
            }
        }
    }
    (top, bottom)
}

/// Whether a glyph's centre lies in a value's box.
fn holds(value: &Rect, c: &Char) -> bool {
    let (x, y) = c.bbox().center();
    x >= value.x0 - BOX_SLACK
        && x <= value.x1 + BOX_SLACK
        && y >= value.y0 - BOX_SLACK
        && y <= value.y1 + BOX_SLACK
}

/// Whether some size differs from the median by more than
/// [`STYLE_SIZE_RATIO`].
fn mixed_sizes(sizes: &[f64]) -> bool {
    let mut sorted: Vec<f64> = sizes
        .iter()
        .copied()
        .filter(|s| s.is_finite() && *s > 0.0)
        .collect();
    sorted.sort_by(f64::total_cmp);
    let Some(median) = sorted.get(sorted.len() / 2).copied() else {
        return false;
    };
    sorted
        .iter()
        .any(|s| s / median > STYLE_SIZE_RATIO || median / s > STYLE_SIZE_RATIO)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The comparisons give what `f64::min`/`max` of every edge give, a NaN
    /// edge included.
    #[test]
    fn vertical_extents_as_by_min_and_max() {
        let mut line = crate::layout::test_line(100.0, &[(10.0, "山田"), (60.0, "花子")]);
        let edges = [
            (3.0, 9.0),
            (f64::NAN, 7.0),
            (12.0, 2.0),
            (f64::NAN, f64::NAN),
        ];
        for (c, (y0, y1)) in line
            .chunks
            .iter_mut()
            .flat_map(|ch| ch.chars.iter_mut())
            .zip(edges)
        {
            c.y0 = y0;
            c.y1 = y1;
        }
        let by_fold = line
            .chars()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(top, bottom), c| {
                (top.min(c.y0.min(c.y1)), bottom.max(c.y0.max(c.y1)))
            });
        assert_eq!(vertical_extent(&line), by_fold);
        assert_eq!(by_fold, (2.0, 12.0));
    }

    #[test]
    fn name_fields() {
        assert!(is_name_field("contractor_name"));
        assert!(is_name_field("users[12].name"));
        assert!(!is_name_field("users[1].user_id"));
        assert!(!is_name_field("domain"));
    }

    #[test]
    fn sizes_of_one_run_are_not_mixed() {
        assert!(!mixed_sizes(&[]));
        assert!(!mixed_sizes(&[10.5]));
        assert!(!mixed_sizes(&[10.5, 10.5, 10.4, 10.6]));
        // Within the ratio: still one run.
        assert!(!mixed_sizes(&[10.0, 10.0, 11.4]));
        // A 9 pt mark in 10.5 pt text, a 14 pt glyph in 10 pt text.
        assert!(mixed_sizes(&[10.5, 10.5, 10.5, 9.0]));
        assert!(mixed_sizes(&[10.0, 10.0, 14.0]));
        // Nonsense sizes are ignored, not a panic.
        assert!(!mixed_sizes(&[f64::NAN, 0.0, 10.0]));
    }

    #[test]
    fn a_glyph_belongs_by_its_centre() {
        let value = Rect {
            x0: 10.0,
            y0: 0.0,
            x1: 50.0,
            y1: 10.0,
        };
        let c = |x0: f64| Char {
            text: "青".into(),
            x0,
            x1: x0 + 10.0,
            size: 10.0,
            y0: 0.0,
            y1: 10.0,
        };
        assert!(holds(&value, &c(10.0)));
        assert!(holds(&value, &c(40.0)));
        assert!(!holds(&value, &c(46.0)));
        assert!(!holds(&value, &c(-6.0)));
    }
}
