//! Page columns: a sheet that carries two columns of text side by side.
//!
//! A notice printed 2-up (two pages scaled onto one landscape sheet), or a
//! page set in two columns, is read by a person column by column: down the
//! left one, then down the right one. Read across, each line would join
//! the left column's line with whatever sits at that height on the right.
//!
//! A page has two columns when an empty vertical band (the gutter) runs
//! down the whole of its text, with a full column of text on either side,
//! and the lines of the two sides do not share baselines: a table's
//! columns also leave empty bands between them, but every row puts text on
//! both sides at one height, and its rulings cross the band. Each column
//! becomes a page of its own in the layout (the sheet's number is kept for
//! provenance).

use super::{Line, Rulings};

/// A gutter is at least this many ems (of the page's median line size)
/// wide: wider than a table's cell padding, narrower than any two pages'
/// margins side by side.
const GUTTER_MIN_EMS: f64 = 2.0;

/// The gutter lies in this middle share of the text's width: columns of a
/// page are of comparable widths (a narrow margin note is no column).
const GUTTER_CENTRAL_SHARE: f64 = 0.5;

/// Bins of the coverage mask across the text's width (one `u128`).
const COVERAGE_BINS: u32 = 128;

/// Each column holds at least this many lines.
const MIN_COLUMN_LINES: usize = 5;

/// Each column's text runs down at least this share of the page's text
/// height: a column is a column of the page, not a block beside another.
const MIN_COLUMN_HEIGHT_SHARE: f64 = 0.5;

/// At most this share of the shorter column's lines may share their
/// baseline with a line of the other column (chance coincidences). A
/// table's rows share nearly all of theirs.
const MAX_SHARED_BASELINES: f64 = 0.4;

/// The x of the middle of a page's column gutter, when the page has two
/// columns of text (see the module doc).
pub(crate) fn gutter(lines: &[Line], rulings: &Rulings) -> Option<f64> {
    if lines.len() < 2 * MIN_COLUMN_LINES {
        return None;
    }
    // Nearly every page's text covers the middle of its width, where a
    // gutter would run (a title, a greeting, a table's long cells): told on
    // a coverage mask of `COVERAGE_BINS` bins from each chunk's first and
    // last glyph, with no vector and no sort. A bin a chunk only touches
    // counts as covered, so a gutter 2 ems wide leaves at least two bins.
    let ends = |c: &super::Chunk| Some((c.chars.first()?.x0, c.chars.last()?.x1));
    let all_ends = || lines.iter().flat_map(|l| l.chunks.iter().filter_map(ends));
    let (left, right) = all_ends().fold((f64::MAX, f64::MIN), |(l, r), (x0, x1)| {
        (l.min(x0), r.max(x1))
    });
    let bin = (right - left) / COVERAGE_BINS as f64;
    // (No text, or none wide: nothing to split; a NaN width too.)
    if bin.is_nan() || bin <= 0.0 {
        return None;
    }
    let bin_of = |x: f64| (((x - left) / bin) as u32).min(COVERAGE_BINS - 1);
    let covered = all_ends().fold(0u128, |mask, (x0, x1)| {
        let (b0, b1) = (bin_of(x0), bin_of(x1.max(x0)));
        let upto = if b1 + 1 >= 128 {
            u128::MAX
        } else {
            (1u128 << (b1 + 1)) - 1
        };
        mask | (upto & !((1u128 << b0) - 1))
    });
    // Two empty bins side by side in the middle share of the width.
    let pairs = !covered & !(covered >> 1);
    let quarter = (COVERAGE_BINS as f64 * (1.0 - GUTTER_CENTRAL_SHARE) / 2.0) as u32;
    let middle = (u128::MAX >> (quarter + 1)) & (u128::MAX << quarter);
    if pairs & middle == 0 {
        return None;
    }
    let mut spans: Vec<(f64, f64)> = lines
        .iter()
        .flat_map(|l| l.chunks.iter().map(|c| (c.x0(), c.x1())))
        .collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (left, right) = (
        spans.first()?.0,
        spans.iter().map(|s| s.1).fold(f64::MIN, f64::max),
    );
    let mut sizes: Vec<f64> = lines.iter().map(|l| l.size).collect();
    let em = super::median(&mut sizes)?;
    let width = right - left;
    let (lo, hi) = (
        left + width * (1.0 - GUTTER_CENTRAL_SHARE) / 2.0,
        right - width * (1.0 - GUTTER_CENTRAL_SHARE) / 2.0,
    );
    // The widest empty band between the spans, its middle in [lo, hi].
    let mut best: Option<(f64, f64)> = None;
    let mut reach = f64::MIN;
    for &(x0, x1) in &spans {
        if reach > f64::MIN && x0 > reach {
            let mid = (reach + x0) / 2.0;
            if (lo..=hi).contains(&mid) && best.is_none_or(|(a, b)| x0 - reach > b - a) {
                best = Some((reach, x0));
            }
        }
        reach = reach.max(x1);
    }
    let (g0, g1) = best?;
    if g1 - g0 < GUTTER_MIN_EMS * em {
        return None;
    }
    // A ruling across the band joins its two sides (a table's row border).
    if rulings.horizontal.iter().any(|r| r.from < g0 && r.to > g1) {
        return None;
    }
    let mid = (g0 + g1) / 2.0;
    let (mut left_lines, mut right_lines, mut shared) = (0usize, 0usize, 0usize);
    let (mut left_y, mut right_y) = ((f64::MAX, f64::MIN), (f64::MAX, f64::MIN));
    for l in lines {
        let on_left = l.chunks.iter().any(|c| c.x1() <= mid);
        let on_right = l.chunks.iter().any(|c| c.x0() >= mid);
        if on_left {
            left_lines += 1;
            left_y = (left_y.0.min(l.baseline), left_y.1.max(l.baseline));
        }
        if on_right {
            right_lines += 1;
            right_y = (right_y.0.min(l.baseline), right_y.1.max(l.baseline));
        }
        shared += usize::from(on_left && on_right);
    }
    if left_lines < MIN_COLUMN_LINES || right_lines < MIN_COLUMN_LINES {
        return None;
    }
    let top = left_y.0.min(right_y.0);
    let height = left_y.1.max(right_y.1) - top;
    let tall = |(y0, y1): (f64, f64)| y1 - y0 >= MIN_COLUMN_HEIGHT_SHARE * height;
    if !tall(left_y) || !tall(right_y) {
        return None;
    }
    if shared as f64 > MAX_SHARED_BASELINES * left_lines.min(right_lines) as f64 {
        return None;
    }
    Some(mid)
}

/// Splits a page's lines at the gutter `mid`: the left column's lines and
/// the right column's, each top to bottom, and each side's rulings.
pub(crate) fn split(lines: Vec<Line>, rulings: &Rulings, mid: f64) -> [(Vec<Line>, Rulings); 2] {
    let mut left = Vec::with_capacity(lines.len());
    let mut right = Vec::with_capacity(lines.len());
    for line in lines {
        let Line {
            page,
            page_height,
            baseline,
            size,
            chunks,
            ..
        } = line;
        let (l, r): (Vec<_>, Vec<_>) = chunks.into_iter().partition(|c| c.x1() <= mid);
        if !l.is_empty() {
            left.push(Line::new(page, page_height, baseline, size, l));
        }
        if !r.is_empty() {
            right.push(Line::new(page, page_height, baseline, size, r));
        }
    }
    let side = |keep: &dyn Fn(f64, f64) -> bool| Rulings {
        horizontal: rulings
            .horizontal
            .iter()
            .filter(|r| keep(r.from, r.to))
            .copied()
            .collect(),
        vertical: rulings
            .vertical
            .iter()
            .filter(|r| keep(r.at, r.at))
            .copied()
            .collect(),
    };
    let left_rulings = side(&|_, to| to <= mid);
    let right_rulings = side(&|from, _| from >= mid);
    [(left, left_rulings), (right, right_rulings)]
}
