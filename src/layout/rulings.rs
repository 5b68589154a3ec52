//! Ruling lines: the borders a producer draws around table cells.
//!
//! Most producers draw a table's grid (stroked lines, or thin filled
//! rectangles, or the edges of stroked cell rectangles); where they do, a
//! cell's extent is exact, whatever the text in it. This step keeps the
//! horizontal and vertical pieces of every painted path, in the page's
//! layout frame, and answers the question the table reader asks: where are
//! the column edges across a band of the page. Paths painted white (on a
//! white page, invisible) are no rulings.

use crate::pdf::{Matrix, PaintKind, PaintedPath, Rect};

/// A segment within this many points of horizontal (vertical) is a
/// horizontal (vertical) ruling.
const AXIS_TOLERANCE: f64 = 1.0;

/// A filled rectangle at most this thick is a ruling line, not a cell fill.
const MAX_RULE_THICKNESS: f64 = 2.5;

/// Rulings shorter than this are ticks, arrows or glyph-like marks.
const MIN_RULING_LENGTH: f64 = 4.0;

/// Edges closer than this are one edge (double borders, rounding).
const EDGE_MERGE_DISTANCE: f64 = 2.0;

/// Rulings kept per page.
const MAX_RULINGS: usize = 20_000;

/// A colour this close to white in every channel paints nothing visible.
const WHITE: f32 = 0.95;

/// One straight ruling: `at` is its y (horizontal) or x (vertical); it runs
/// from `from` to `to` along the other axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ruling {
    /// Position across.
    pub at: f64,
    /// Start along.
    pub from: f64,
    /// End along.
    pub to: f64,
}

/// A page's rulings, in its layout frame.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rulings {
    /// Horizontal rulings (row borders).
    pub horizontal: Vec<Ruling>,
    /// Vertical rulings (column borders).
    pub vertical: Vec<Ruling>,
}

impl Rulings {
    /// paths_to_rulings: the straight, visible pieces of painted paths,
    /// seen through `frame`.
    pub fn from_paths(paths: &[PaintedPath], frame: &Matrix) -> Rulings {
        let mut out = Rulings::default();
        for path in paths {
            if path.color.iter().all(|c| *c >= WHITE) {
                continue;
            }
            for &(a, b) in &path.segments {
                out.add_segment(frame.apply(a.0, a.1), frame.apply(b.0, b.1));
            }
            for r in &path.rects {
                let r = frame.apply_rect(r);
                match path.kind {
                    PaintKind::Fill if r.height() <= MAX_RULE_THICKNESS => {
                        let y = (r.y0 + r.y1) / 2.0;
                        out.add_segment((r.x0, y), (r.x1, y));
                    }
                    PaintKind::Fill if r.width() <= MAX_RULE_THICKNESS => {
                        let x = (r.x0 + r.x1) / 2.0;
                        out.add_segment((x, r.y0), (x, r.y1));
                    }
                    // A stroked rectangle is four rulings; a filled cell's
                    // edges bound it too.
                    _ => {
                        out.add_segment((r.x0, r.y0), (r.x1, r.y0));
                        out.add_segment((r.x0, r.y1), (r.x1, r.y1));
                        out.add_segment((r.x0, r.y0), (r.x0, r.y1));
                        out.add_segment((r.x1, r.y0), (r.x1, r.y1));
                    }
                }
            }
        }
        out
    }

    fn add_segment(&mut self, a: (f64, f64), b: (f64, f64)) {
        if self.horizontal.len() + self.vertical.len() >= MAX_RULINGS {
            return;
        }
        let (dx, dy) = ((b.0 - a.0).abs(), (b.1 - a.1).abs());
        if dy <= AXIS_TOLERANCE && dx >= MIN_RULING_LENGTH {
            self.horizontal.push(Ruling {
                at: (a.1 + b.1) / 2.0,
                from: a.0.min(b.0),
                to: a.0.max(b.0),
            });
        } else if dx <= AXIS_TOLERANCE && dy >= MIN_RULING_LENGTH {
            self.vertical.push(Ruling {
                at: (a.0 + b.0) / 2.0,
                from: a.1.min(b.1),
                to: a.1.max(b.1),
            });
        }
    }

    /// The x of every vertical ruling that crosses the whole band from `top`
    /// to `bottom` (a row's glyph box), left to right, near ones merged.
    /// These are the column edges of a ruled table row.
    pub fn column_edges(&self, band: &Rect) -> Vec<f64> {
        let mut xs = Vec::new();
        self.column_edges_into(band, &mut xs);
        xs
    }

    /// [`Rulings::column_edges`] into `xs` (cleared first): layout asks it
    /// of every line, and one buffer for them all saves a vector a line
    /// (a collected filter, grown by doubling).
    pub fn column_edges_into(&self, band: &Rect, xs: &mut Vec<f64>) {
        xs.clear();
        let mid = (band.y0 + band.y1) / 2.0;
        let (top, bottom) = (band.y0 + 1.0, band.y1 - 1.0);
        for r in &self.vertical {
            if r.from <= mid && r.to >= mid && r.from <= top && r.to >= bottom {
                xs.push(r.at);
            }
        }
        xs.sort_by(f64::total_cmp);
        xs.dedup_by(|b, a| (*b - *a).abs() <= EDGE_MERGE_DISTANCE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stroke(segments: Vec<((f64, f64), (f64, f64))>) -> PaintedPath {
        PaintedPath {
            kind: PaintKind::Stroke,
            color: [0.0; 3],
            line_width: 0.5,
            segments,
            rects: Vec::new(),
        }
    }

    #[test]
    fn grid_gives_column_edges_across_a_row() {
        let mut paths = vec![stroke(vec![
            ((10.0, 100.0), (10.0, 200.0)),
            ((60.0, 100.0), (60.0, 200.0)),
            ((60.5, 100.0), (60.5, 200.0)),
            ((150.0, 100.0), (150.0, 150.0)),
            ((10.0, 100.0), (200.0, 100.0)),
        ])];
        // A white line is invisible: no ruling.
        let mut white = stroke(vec![((100.0, 100.0), (100.0, 200.0))]);
        white.color = [1.0; 3];
        paths.push(white);
        // A thin filled rectangle is a ruling.
        paths.push(PaintedPath {
            kind: PaintKind::Fill,
            color: [0.2; 3],
            line_width: 0.0,
            segments: Vec::new(),
            rects: vec![Rect {
                x0: 199.5,
                y0: 100.0,
                x1: 200.5,
                y1: 200.0,
            }],
        });
        let r = Rulings::from_paths(&paths, &Matrix::IDENTITY);
        assert_eq!(r.horizontal.len(), 1);
        let row = Rect {
            x0: 0.0,
            y0: 160.0,
            x1: 300.0,
            y1: 170.0,
        };
        // 150 stops above the row; 60 and 60.5 are one edge.
        assert_eq!(r.column_edges(&row), vec![10.0, 60.0, 200.0]);
    }
}
