//! Affine matrices and rectangles (ISO 32000-1, 8.3.3 and 8.3.4).
//!
//! Matrices use the PDF row-vector convention: a point `p` maps to `p × M`,
//! and `a.then(b)` is the matrix that applies `a` first, then `b`.

use serde::Serialize;

/// `[a b c d e f]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Matrix(pub [f64; 6]);

impl Default for Matrix {
    fn default() -> Self {
        Matrix::IDENTITY
    }
}

impl Matrix {
    /// The identity.
    pub const IDENTITY: Matrix = Matrix([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    /// A translation.
    pub fn translate(x: f64, y: f64) -> Matrix {
        Matrix([1.0, 0.0, 0.0, 1.0, x, y])
    }

    /// The inverse, when the matrix is invertible.
    pub fn invert(&self) -> Option<Matrix> {
        let [a, b, c, d, e, f] = self.0;
        let det = a * d - b * c;
        if det.abs() < 1e-12 || !det.is_finite() {
            return None;
        }
        let (ia, ib, ic, id) = (d / det, -b / det, -c / det, a / det);
        Some(Matrix([
            ia,
            ib,
            ic,
            id,
            -(e * ia + f * ic),
            -(e * ib + f * id),
        ]))
    }

    /// Maps a rectangle and returns the bounding box of the result.
    pub fn apply_rect(&self, r: &Rect) -> Rect {
        let corners = [
            self.apply(r.x0, r.y0),
            self.apply(r.x1, r.y0),
            self.apply(r.x0, r.y1),
            self.apply(r.x1, r.y1),
        ];
        Rect::bounding(&corners).unwrap_or(*r)
    }

    /// Reads six numbers; `None` unless all are finite.
    pub fn from_slice(v: &[f64]) -> Option<Matrix> {
        let m: [f64; 6] = v.get(..6)?.try_into().ok()?;
        m.iter().all(|x| x.is_finite()).then_some(Matrix(m))
    }

    /// `self × next`: apply `self`, then `next`.
    pub fn then(&self, next: &Matrix) -> Matrix {
        let [a, b, c, d, e, f] = self.0;
        let [a2, b2, c2, d2, e2, f2] = next.0;
        Matrix([
            a * a2 + b * c2,
            a * b2 + b * d2,
            c * a2 + d * c2,
            c * b2 + d * d2,
            e * a2 + f * c2 + e2,
            e * b2 + f * d2 + f2,
        ])
    }

    /// The bits of the linear part (a, b, c, d): two matrices with the
    /// same bits here have products whose linear parts are the same.
    pub fn linear_bits(&self) -> [u64; 4] {
        let [a, b, c, d, ..] = self.0;
        [a.to_bits(), b.to_bits(), c.to_bits(), d.to_bits()]
    }

    /// This matrix's linear part with the offset (e, f) given. The offset
    /// of `m.then(next)` is `next.apply(e, f)` of `m`'s offset, the same
    /// arithmetic as [`Matrix::then`]'s.
    pub fn with_offset(&self, (e, f): (f64, f64)) -> Matrix {
        let [a, b, c, d, ..] = self.0;
        Matrix([a, b, c, d, e, f])
    }

    /// Maps a point.
    pub fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        let [a, b, c, d, e, f] = self.0;
        (x * a + y * c + e, x * b + y * d + f)
    }

    /// How much the matrix stretches a vertical unit vector: the size of a
    /// one-unit font drawn with it.
    pub fn vertical_scale(&self) -> f64 {
        let [_, _, c, d, _, _] = self.0;
        (c * c + d * d).sqrt()
    }
}

/// An axis-aligned rectangle. In page coordinates: points, origin at the
/// top-left of the page's crop box, y growing downwards (the way a person
/// reads), so `y0` is the top.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct Rect {
    /// Left.
    pub x0: f64,
    /// Top.
    pub y0: f64,
    /// Right.
    pub x1: f64,
    /// Bottom.
    pub y1: f64,
}

impl Rect {
    /// The smallest rectangle holding all points.
    pub fn bounding(points: &[(f64, f64)]) -> Option<Rect> {
        let first = points.first()?;
        let mut r = Rect {
            x0: first.0,
            y0: first.1,
            x1: first.0,
            y1: first.1,
        };
        for &(x, y) in points {
            r.x0 = r.x0.min(x);
            r.x1 = r.x1.max(x);
            r.y0 = r.y0.min(y);
            r.y1 = r.y1.max(y);
        }
        Some(r)
    }

    /// Width.
    pub fn width(&self) -> f64 {
        self.x1 - self.x0
    }

    /// Height.
    pub fn height(&self) -> f64 {
        self.y1 - self.y0
    }

    /// Centre point.
    pub fn center(&self) -> (f64, f64) {
        ((self.x0 + self.x1) / 2.0, (self.y0 + self.y1) / 2.0)
    }

    /// Whether a point lies inside (edges included).
    pub fn contains(&self, (x, y): (f64, f64)) -> bool {
        x >= self.x0 && x <= self.x1 && y >= self.y0 && y <= self.y1
    }

    /// The union.
    pub fn union(&self, o: &Rect) -> Rect {
        Rect {
            x0: self.x0.min(o.x0),
            y0: self.y0.min(o.y0),
            x1: self.x1.max(o.x1),
            y1: self.y1.max(o.y1),
        }
    }

    /// The intersection (possibly empty: then `x0 > x1` or `y0 > y1`).
    pub fn intersect(&self, o: &Rect) -> Rect {
        Rect {
            x0: self.x0.max(o.x0),
            y0: self.y0.max(o.y0),
            x1: self.x1.min(o.x1),
            y1: self.y1.min(o.y1),
        }
    }

    /// Area, zero when empty.
    pub fn area(&self) -> f64 {
        self.width().max(0.0) * self.height().max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn then_applies_left_first() {
        let scale = Matrix([2.0, 0.0, 0.0, 2.0, 0.0, 0.0]);
        let shift = Matrix::translate(10.0, 0.0);
        assert_eq!(scale.then(&shift).apply(1.0, 1.0), (12.0, 2.0));
        assert_eq!(shift.then(&scale).apply(1.0, 1.0), (22.0, 2.0));
    }

    #[test]
    fn a_products_offset_is_the_next_matrix_applied_to_the_first_offset() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Small integers, fractions, zeros of both signs.
            match x % 5 {
                0 => 0.0,
                1 => -0.0,
                _ => (x >> 11) as f64 / (1u64 << 40) as f64 - 4096.0,
            }
        };
        for _ in 0..10_000 {
            let m = Matrix(std::array::from_fn(|_| next()));
            let n = Matrix(std::array::from_fn(|_| next()));
            let whole = m.then(&n);
            let [.., e, f] = m.0;
            let parts = whole.with_offset(n.apply(e, f));
            assert_eq!(parts.0.map(f64::to_bits), whole.0.map(f64::to_bits));
            let other = Matrix([m.0[0], m.0[1], m.0[2], m.0[3], next(), next()]);
            assert_eq!(other.linear_bits(), m.linear_bits());
            let shared = whole.with_offset(n.apply(other.0[4], other.0[5]));
            assert_eq!(
                shared.0.map(f64::to_bits),
                other.then(&n).0.map(f64::to_bits)
            );
        }
    }
}
