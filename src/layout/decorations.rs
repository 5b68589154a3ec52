//! Decorations: what is drawn over or beside the page's text but is no part
//! of it (watermarks, stamps, seals).
//!
//! A person tells a watermark from the text under it by how it is drawn,
//! not by what it says: it runs in another direction, it is translucent,
//! it is far larger than the body text and lies across it, or it is a
//! stamp of another colour lying over other text. So the body's style is
//! read off the page first (the direction and colour most of its glyphs
//! share, their typical size), and a glyph is a decoration when its style
//! sets it apart *and* (for direction, size and colour) it lies over body
//! text. Text of another style that lies over nothing (a red heading, a
//! large title, a turned label beside a drawing) is body text; text of
//! another direction is laid out in lines of its own direction.
//!
//! `glyphs_to_runs` is the step: visible glyphs in, body glyphs (turned
//! into the body's frame when the body is not upright) and decorations out.

use crate::pdf::{Glyph, Matrix, Rect, Rgb};
use smallvec::SmallVec;

/// Glyphs whose baseline direction differs from the body's by more than
/// this many degrees are set apart (a diagonal watermark, a turned stamp).
const DIRECTION_TOLERANCE_DEGREES: f64 = 3.0;

/// Glyphs drawn at less than this opacity are set apart: body text is
/// opaque; translucent text is a watermark.
const MIN_BODY_OPACITY: f32 = 0.6;

/// A glyph this many times the body's typical size is a decoration when it
/// lies over body text (a title is large too, but lies over nothing).
const DECORATION_SIZE_RATIO: f64 = 2.5;

/// Colours further apart than this (Euclidean, RGB 0–1) are "another
/// colour": a red seal on black text, not two near-blacks.
const COLOR_DISTANCE: f32 = 0.35;

/// Share of a glyph's box that must lie over body glyphs for a glyph of
/// another size or colour to be "over" the text.
const OVERLAP_SHARE: f64 = 0.2;

/// Why a glyph is a decoration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecorationKind {
    /// It runs in another direction than the body.
    Direction,
    /// It is translucent.
    Translucent,
    /// It is much larger than the body and lies over it.
    Size,
    /// It is of another colour and lies over body text.
    Color,
}

impl DecorationKind {
    /// A stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            DecorationKind::Direction => "direction",
            DecorationKind::Translucent => "translucent",
            DecorationKind::Size => "size",
            DecorationKind::Color => "color",
        }
    }
}

/// Text kept out of values, and where it lies.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoration {
    /// Page, from 1.
    pub page: u32,
    /// Its box, page coordinates of the body's frame.
    pub bbox: Rect,
    /// Its text (never printed: a stamp could lie over a secret, but its
    /// own text is not one; kept for `kaitsu text`).
    pub text: String,
    /// Why.
    pub kind: DecorationKind,
}

/// The body's style on one page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BodyStyle {
    /// Baseline direction, degrees (see [`Glyph::angle`]).
    pub angle: f64,
    /// Typical (median) size.
    pub size: f64,
    /// The most common fill colour.
    pub color: Rgb,
}

/// Reads the body's style: the direction and colour most glyphs share, and
/// their median size. `None` without glyphs.
pub fn body_style(glyphs: &[&Glyph]) -> Option<BodyStyle> {
    // Most pages run one way in one colour: then (what `mode_by` finds
    // when every item equals the first) the first inked glyph's direction
    // and colour are the body's, read in one pass that also collects the
    // inked glyphs' sizes (reserved for all: no regrowth). Every glyph
    // running at the first one's angle, they all pass the direction
    // filter of the median's input or none does.
    let inked = || glyphs.iter().filter(|g| !super::is_blank(&g.text));
    let first = inked().next()?;
    let mut sizes: Vec<f64> = Vec::with_capacity(glyphs.len());
    let uniform = inked().all(|g| {
        sizes.push(g.size);
        g.angle == first.angle && g.fill == first.fill
    });
    if uniform {
        let angle = first.angle.round() as i64 as f64;
        let color = color_key(first.fill).map(|v| v as f32 / 20.0);
        if angle_distance(first.angle, angle) > DIRECTION_TOLERANCE_DEGREES {
            sizes.clear();
        }
        let size = super::median(&mut sizes).unwrap_or(10.0);
        return Some(BodyStyle { angle, size, color });
    }
    // Reserved for every glyph (most are inked): a collected filter grew
    // by doubling, a copy each time.
    let mut inked: Vec<&&Glyph> = Vec::with_capacity(glyphs.len());
    inked.extend(glyphs.iter().filter(|g| !super::is_blank(&g.text)));
    if inked.is_empty() {
        return None;
    }
    // Directions in whole degrees; the most common wins.
    let angles: Vec<f64> = inked.iter().map(|g| g.angle).collect();
    let angle = mode_by(&angles, |a| a.round() as i64)? as f64;
    let fills: Vec<Rgb> = inked.iter().map(|g| g.fill).collect();
    let color = mode_by(&fills, |c| color_key(*c))
        .map(|k| k.map(|v| v as f32 / 20.0))
        .unwrap_or([0.0; 3]);
    // The first pass's buffer, refilled.
    sizes.clear();
    sizes.extend(
        inked
            .iter()
            .filter(|g| angle_distance(g.angle, angle) <= DIRECTION_TOLERANCE_DEGREES)
            .map(|g| g.size),
    );
    let size = super::median(&mut sizes).unwrap_or(10.0);
    Some(BodyStyle { angle, size, color })
}

/// A fill colour's key: its components in twentieths.
fn color_key(c: Rgb) -> [i64; 3] {
    c.map(|v| (v * 20.0).round() as i64)
}

/// The most common key of `items`, the smallest of equally common ones.
/// `key` must give equal items (`==`) equal keys.
fn mode_by<T: PartialEq, K: Ord + Copy>(items: &[T], key: impl Fn(&T) -> K) -> Option<K> {
    // Most pages have one direction and one colour: no sort for them, and
    // no key computed (rounding is a library call) when every item is the
    // first one's equal.
    let first_item = items.first()?;
    if items.iter().all(|i| i == first_item) {
        return Some(key(first_item));
    }
    // Glyphs come in runs of one colour: a run's key is computed once.
    let mut keys: Vec<K> = Vec::with_capacity(items.len());
    let mut last: Option<(&T, K)> = None;
    for item in items {
        let k = match last {
            Some((prev, k)) if prev == item => k,
            _ => key(item),
        };
        last = Some((item, k));
        keys.push(k);
    }
    let first = key(first_item);
    if keys.iter().all(|k| *k == first) {
        return Some(first);
    }
    // A page has a few colours: counted, not sorted, unless there are
    // more than `MODE_COUNTED_KEYS`.
    let mut counts: SmallVec<[(K, usize); MODE_COUNTED_KEYS]> = SmallVec::new();
    let counted = keys.iter().all(|k| {
        if let Some((_, n)) = counts.iter_mut().find(|(c, _)| c == k) {
            *n += 1;
            true
        } else if counts.len() < MODE_COUNTED_KEYS {
            counts.push((*k, 1));
            true
        } else {
            false
        }
    });
    if counted {
        counts.sort_unstable_by_key(|(k, _)| *k);
        let mut best: Option<(K, usize)> = None;
        for (k, n) in counts {
            if best.is_none_or(|(_, m)| n > m) {
                best = Some((k, n));
            }
        }
        return best.map(|(k, _)| k);
    }
    keys.sort();
    let mut best: Option<(K, usize)> = None;
    let mut i = 0;
    while i < keys.len() {
        let k = keys[i];
        let n = keys[i..].iter().take_while(|x| **x == k).count();
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((k, n));
        }
        i += n;
    }
    best.map(|(k, _)| k)
}

/// Distinct keys `mode_by` counts before it sorts instead.
const MODE_COUNTED_KEYS: usize = 16;

/// The smallest difference between two directions, degrees.
/// Whether two baseline directions are one (within
/// `DIRECTION_TOLERANCE_DEGREES`).
pub fn same_direction(a: f64, b: f64) -> bool {
    angle_distance(a, b) <= DIRECTION_TOLERANCE_DEGREES
}

fn angle_distance(a: f64, b: f64) -> f64 {
    // Nearly every glyph runs in the body's direction exactly: no
    // remainder to take (it costs a library call per glyph).
    if a == b {
        return 0.0;
    }
    let d = (a - b).rem_euclid(360.0);
    d.min(360.0 - d)
}

fn color_distance(a: Rgb, b: Rgb) -> f32 {
    a.iter()
        .zip(b.iter())
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f32>()
        .sqrt()
}

/// The matrix that turns the body's direction upright, about the page's
/// top-left corner, followed by a shift that keeps the page's content at
/// positive coordinates: `(frame, width, height)` of the turned page.
pub fn upright_frame(angle: f64, width: f64, height: f64) -> (Matrix, f64, f64) {
    // Quarter turns only: the body of a page is turned by whole quarters
    // (a rotated matrix on an unrotated page); anything else is a decoration.
    let quarter = ((angle / 90.0).round() as i64).rem_euclid(4);
    match quarter {
        // Body runs bottom to top: turn clockwise as seen (page y is down).
        1 => (Matrix([0.0, 1.0, -1.0, 0.0, height, 0.0]), height, width),
        // Upside down.
        2 => (Matrix([-1.0, 0.0, 0.0, -1.0, width, height]), width, height),
        // Top to bottom: turn counter-clockwise as seen.
        3 => (Matrix([0.0, -1.0, 1.0, 0.0, 0.0, width]), height, width),
        _ => (Matrix::IDENTITY, width, height),
    }
}

/// A body turned by less than this many degrees from a quarter turn runs
/// that quarter's way: float noise in a producer's matrices, far too small
/// to move a glyph off its line (0.1 degree over a 600-point line is 1 pt).
const SKEW_MIN_DEGREES: f64 = 0.1;

/// The exact direction of a page's body: the median direction of its glyphs
/// that run the body's way (`body_angle`, whole degrees). A sheet printed
/// askew, or a page a producer turned by a CSS transform, runs a little off
/// a quarter turn: a person reads along its baselines, not the page's axes.
pub fn exact_body_angle(glyphs: &[&Glyph], body_angle: f64) -> f64 {
    let mut angles: Vec<f64> = glyphs
        .iter()
        .filter(|g| !super::is_blank(&g.text) && same_direction(g.angle, body_angle))
        .map(|g| body_angle + signed_difference(g.angle, body_angle))
        .collect();
    super::median(&mut angles).unwrap_or(body_angle)
}

/// `a - b` in (-180, 180].
fn signed_difference(a: f64, b: f64) -> f64 {
    let d = (a - b).rem_euclid(360.0);
    if d > 180.0 { d - 360.0 } else { d }
}

/// [`upright_frame`] for a body that runs `angle` degrees exactly: the
/// quarter turn, then the rest of the turn about the turned page's centre
/// (so the content stays where it was), when the rest is more than
/// `SKEW_MIN_DEGREES`. A skewed page's lines are then level.
pub fn upright_frame_exact(angle: f64, width: f64, height: f64) -> (Matrix, f64, f64) {
    let (quarter, w, h) = upright_frame(angle, width, height);
    let quarters = (angle / 90.0).round();
    let rest = angle - quarters * 90.0;
    if rest.abs() <= SKEW_MIN_DEGREES {
        return (quarter, w, h);
    }
    // Turns the direction `rest` (counter-clockwise as seen, y down) to
    // left to right, as `other_direction_lines` does, about (w/2, h/2).
    let (sin, cos) = rest.to_radians().sin_cos();
    let (cx, cy) = (w / 2.0, h / 2.0);
    let level = Matrix([
        cos,
        sin,
        -sin,
        cos,
        cx - (cos * cx - sin * cy),
        cy - (sin * cx + cos * cy),
    ]);
    (quarter.then(&level), w, h)
}

/// glyphs_to_runs: splits a page's visible glyphs into body glyphs and
/// decorations, by the body's style.
pub fn split_decorations<'g>(
    glyphs: Vec<&'g Glyph>,
    style: &BodyStyle,
) -> (Vec<&'g Glyph>, Vec<Decoration>) {
    let mut body = Vec::with_capacity(glyphs.len());
    let mut candidates: Vec<(&Glyph, DecorationKind)> = Vec::new();
    let mut decorations = Vec::new();
    for g in glyphs {
        // Asked last in the arms below: most glyphs are of the body's size
        // and colour, and are never asked it.
        let inked = || !super::is_blank(&g.text);
        // An OCR layer (kept invisible glyphs) has no ink to be faint.
        let kind = if g.opacity < MIN_BODY_OPACITY && g.hidden.is_none() {
            Some(DecorationKind::Translucent)
        } else {
            None
        };
        match kind {
            Some(kind) => decorations.push(decoration(g, kind)),
            None if !same_direction(g.angle, style.angle) => {
                candidates.push((g, DecorationKind::Direction))
            }
            None if g.size >= DECORATION_SIZE_RATIO * style.size && inked() => {
                candidates.push((g, DecorationKind::Size))
            }
            // The body's own colour needs no square root.
            None if g.fill != style.color
                && color_distance(g.fill, style.color) > COLOR_DISTANCE
                && inked() =>
            {
                candidates.push((g, DecorationKind::Color))
            }
            None => body.push(g),
        }
    }
    // Direction, size and colour set a glyph apart only where it lies over
    // body text: a turned label along a drawing's edge, a turned heading
    // or a column of another direction is text a person reads.
    // Judged against the body in the body's style only: a turned run that
    // lies over nothing must not cover itself glyph by glyph.
    // The inked body boxes, taken once (not once per candidate).
    let inked_body: Vec<Rect> = if candidates.is_empty() {
        Vec::new()
    } else {
        body.iter()
            .filter(|b| !super::is_blank(&b.text))
            .map(|b| b.bbox)
            .collect()
    };
    for (g, kind) in candidates {
        // Boxes apart from the glyph's add nothing (a zero area): four
        // comparisons rule most of them out before any area is taken.
        let covered: f64 = inked_body
            .iter()
            .filter(|b| {
                !(b.x1 <= g.bbox.x0 || b.x0 >= g.bbox.x1 || b.y1 <= g.bbox.y0 || b.y0 >= g.bbox.y1)
            })
            .map(|b| b.intersect(&g.bbox).area())
            .sum();
        if g.bbox.area() > 0.0 && covered >= OVERLAP_SHARE * g.bbox.area().min(max_body_area(style))
        {
            decorations.push(decoration(g, kind));
        } else {
            body.push(g);
        }
    }
    (body, decorations)
}

/// A body glyph's typical ink area: a large decoration covers a few body
/// glyphs, so its overlap is judged against their size, not its own.
fn max_body_area(style: &BodyStyle) -> f64 {
    style.size * style.size
}

fn decoration(g: &Glyph, kind: DecorationKind) -> Decoration {
    Decoration {
        page: g.page,
        bbox: g.bbox,
        text: g.text.to_string(),
        kind,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glyph(text: &str, x: f64, y: f64, size: f64) -> Glyph {
        Glyph {
            text: text.into(),
            bbox: Rect {
                x0: x,
                y0: y - 0.8 * size,
                x1: x + size,
                y1: y + 0.2 * size,
            },
            origin: (x, y),
            size,
            opacity: 1.0,
            page: 1,
            ..Glyph::default()
        }
    }

    #[test]
    fn diagonal_translucent_and_overlapping_glyphs_are_decorations() {
        let mut body: Vec<Glyph> = (0..20)
            .map(|i| glyph("あ", 100.0 + 10.0 * i as f64, 200.0, 10.0))
            .collect();
        let mut diagonal = glyph("秘", 120.0, 200.0, 10.0);
        diagonal.angle = 35.0;
        let mut faint = glyph("社", 150.0, 300.0, 10.0);
        faint.opacity = 0.3;
        let big_over = glyph("外", 130.0, 210.0, 40.0);
        let big_alone = glyph("開", 100.0, 100.0, 30.0);
        let mut red_over = glyph("印", 140.0, 202.0, 10.0);
        red_over.fill = [0.9, 0.1, 0.1];
        let mut red_alone = glyph("赤", 100.0, 400.0, 10.0);
        red_alone.fill = [0.9, 0.1, 0.1];
        let mut turned_alone = glyph("縦", 20.0, 600.0, 10.0);
        turned_alone.angle = 90.0;
        body.extend([
            diagonal,
            faint,
            big_over,
            big_alone,
            red_over,
            red_alone,
            turned_alone,
        ]);
        let refs: Vec<&Glyph> = body.iter().collect();
        let style = body_style(&refs).unwrap_or_else(|| unreachable!());
        assert_eq!(style.angle, 0.0);
        let (kept, decorations) = split_decorations(refs, &style);
        let out: Vec<(&str, DecorationKind)> = decorations
            .iter()
            .map(|d| (d.text.as_str(), d.kind))
            .collect();
        assert_eq!(
            out,
            vec![
                ("社", DecorationKind::Translucent),
                ("秘", DecorationKind::Direction),
                ("外", DecorationKind::Size),
                ("印", DecorationKind::Color),
            ]
        );
        assert!(kept.iter().any(|g| g.text == "開"));
        assert!(kept.iter().any(|g| g.text == "赤"));
        assert!(kept.iter().any(|g| g.text == "縦"), "turned, over nothing");
    }

    /// The mode by counting and by sorting agree: the most common key, the
    /// smallest of a tie, with few and with many distinct keys.
    #[test]
    fn the_mode_is_the_most_common_key_and_the_smallest_of_a_tie() {
        let by_sorting = |items: &[i64]| {
            let mut keys = items.to_vec();
            keys.sort();
            let mut best: Option<(i64, usize)> = None;
            for k in &keys {
                let n = keys.iter().filter(|x| *x == k).count();
                if best.is_none_or(|(_, m)| n > m) {
                    best = Some((*k, n));
                }
            }
            best.map(|(k, _)| k)
        };
        let mut seed = 11u64;
        for len in 0..120 {
            for distinct in [1u64, 2, 5, 16, 17, 60] {
                let items: Vec<i64> = (0..len)
                    .map(|_| {
                        seed = seed
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        ((seed >> 33) % distinct) as i64 - 3
                    })
                    .collect();
                assert_eq!(mode_by(&items, |k| *k), by_sorting(&items), "{items:?}");
            }
        }
        assert_eq!(mode_by(&[2, 1, 2, 1], |k: &i64| *k), Some(1));
    }

    #[test]
    fn a_turned_body_is_turned_upright() {
        // Text running bottom to top on a 600 x 800 page.
        let (m, w, h) = upright_frame(90.0, 600.0, 800.0);
        assert_eq!((w, h), (800.0, 600.0));
        // Two points along the baseline, going up the page…
        let a = m.apply(100.0, 500.0);
        let b = m.apply(100.0, 400.0);
        // …go left to right once turned, at the same height, on the page.
        assert!(b.0 > a.0 && (a.1 - b.1).abs() < 1e-9);
        assert!(a.0 >= 0.0 && a.1 >= 0.0 && a.0 <= w && a.1 <= h);
    }
}
