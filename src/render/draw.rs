//! Drawing boxes and their labels onto a rendered page.
//!
//! The page is an opaque RGBA image (white background), so drawing is
//! writing pixels: outlines, opaque fills for secrets, and ASCII labels
//! from the public-domain 8×8 bitmap font of the `font8x8` crate (field
//! paths are ASCII; no font file or shaping is needed for them).

/// Straight RGBA pixels, row by row, every pixel opaque.
#[derive(Debug, Clone, PartialEq)]
pub struct Canvas {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 4` bytes.
    pub rgba: Vec<u8>,
}

/// An opaque colour.
pub type Rgb = [u8; 3];

/// Outline of a value box.
pub const VALUE: Rgb = [0xd0, 0x1c, 0x1c];
/// Outline of a cell box.
pub const CELL: Rgb = [0x1c, 0x8a, 0x3c];
/// Outline of a glyph box.
pub const GLYPH: Rgb = [0x1c, 0x5a, 0xd0];
/// Fill over a secret that is not revealed.
pub const SHADE: Rgb = [0x40, 0x40, 0x40];
/// Label text.
const LABEL_TEXT: Rgb = [0xff, 0xff, 0xff];

/// Pixels of one glyph cell of the label font.
const FONT_CELL: u32 = 8;

impl Canvas {
    /// The pixel at `(x, y)`, if inside.
    pub fn pixel(&self, x: u32, y: u32) -> Option<[u8; 4]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let i = usize::try_from((u64::from(y) * u64::from(self.width) + u64::from(x)) * 4).ok()?;
        let p = self.rgba.get(i..i + 4)?;
        Some([p[0], p[1], p[2], p[3]])
    }

    fn set(&mut self, x: i64, y: i64, c: Rgb) {
        if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
            return;
        }
        // In range: 0 <= x < width and 0 <= y < height, both u32.
        let i = ((y as u64 * u64::from(self.width) + x as u64) * 4) as usize;
        if let Some(p) = self.rgba.get_mut(i..i + 4) {
            p.copy_from_slice(&[c[0], c[1], c[2], 0xff]);
        }
    }

    /// Fills `[left, top, right, bottom]` (pixels, clipped to the image).
    pub fn fill(&mut self, r: [f64; 4], c: Rgb) {
        let [x0, y0, x1, y1] = self.clip(r);
        for y in y0..y1 {
            for x in x0..x1 {
                self.set(x, y, c);
            }
        }
    }

    /// Outlines `[left, top, right, bottom]` with lines `width` pixels wide,
    /// drawn just outside the box so the text inside stays visible.
    pub fn outline(&mut self, r: [f64; 4], c: Rgb, width: f64) {
        let [l, t, rt, b] = r;
        self.fill([l - width, t - width, rt + width, t], c);
        self.fill([l - width, b, rt + width, b + width], c);
        self.fill([l - width, t, l, b], c);
        self.fill([rt, t, rt + width, b], c);
    }

    /// Writes `text` (ASCII; other characters as `?`) on a `bg` band whose
    /// bottom-left corner is `(x, bottom)`, `zoom` pixels per font pixel.
    pub fn label(&mut self, text: &str, x: f64, bottom: f64, bg: Rgb, zoom: u32) {
        let zoom = zoom.max(1);
        let cell = FONT_CELL * zoom;
        let n = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
        let (x, top) = (
            x.round() as i64,
            (bottom.round() as i64) - i64::from(cell) - 2,
        );
        let w = f64::from(n.saturating_mul(cell)) + 4.0;
        self.fill(
            [
                x as f64,
                top as f64,
                x as f64 + w,
                top as f64 + f64::from(cell) + 2.0,
            ],
            bg,
        );
        for (i, ch) in text.chars().enumerate() {
            let code = if ch.is_ascii() {
                ch as usize
            } else {
                '?' as usize
            };
            let Some(rows) = font8x8::legacy::BASIC_LEGACY.get(code) else {
                continue;
            };
            let gx = x + 2 + (i as i64) * i64::from(cell);
            for (row, bits) in rows.iter().enumerate() {
                for col in 0..8u32 {
                    // Bit 0 is the leftmost pixel.
                    if bits & (1 << col) == 0 {
                        continue;
                    }
                    for dy in 0..zoom {
                        for dx in 0..zoom {
                            self.set(
                                gx + i64::from(col * zoom + dx),
                                top + 1 + (row as i64) * i64::from(zoom) + i64::from(dy),
                                LABEL_TEXT,
                            );
                        }
                    }
                }
            }
        }
    }

    fn clip(&self, [x0, y0, x1, y1]: [f64; 4]) -> [i64; 4] {
        let cx = |v: f64| v.round().clamp(0.0, f64::from(self.width)) as i64;
        let cy = |v: f64| v.round().clamp(0.0, f64::from(self.height)) as i64;
        [cx(x0), cy(y0), cx(x1), cy(y1)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn white(w: u32, h: u32) -> Canvas {
        Canvas {
            width: w,
            height: h,
            rgba: vec![0xff; (w * h * 4) as usize],
        }
    }

    #[test]
    fn fill_is_clipped_to_the_image() {
        let mut c = white(10, 10);
        c.fill([-5.0, -5.0, 3.0, 3.0], SHADE);
        c.fill([8.0, 8.0, 50.0, 50.0], SHADE);
        assert_eq!(c.pixel(2, 2), Some([0x40, 0x40, 0x40, 0xff]));
        assert_eq!(c.pixel(3, 3), Some([0xff; 4]));
        assert_eq!(c.pixel(9, 9), Some([0x40, 0x40, 0x40, 0xff]));
        assert_eq!(c.pixel(10, 10), None);
    }

    #[test]
    fn outline_leaves_the_inside_alone() {
        let mut c = white(20, 20);
        c.outline([5.0, 5.0, 15.0, 15.0], VALUE, 2.0);
        assert_eq!(c.pixel(4, 10), Some([0xd0, 0x1c, 0x1c, 0xff]));
        assert_eq!(c.pixel(10, 10), Some([0xff; 4]));
    }

    #[test]
    fn labels_draw_glyph_pixels() {
        let mut c = white(40, 20);
        c.label("A", 0.0, 12.0, VALUE, 1);
        let text_pixels = (0..40)
            .flat_map(|x| (0..20).map(move |y| (x, y)))
            .filter(|&(x, y)| c.pixel(x, y) == Some([0xff; 4]) && y < 12 && x < 12)
            .count();
        // The band is red, the letter white: some white pixels inside it.
        assert!(text_pixels > 5, "{text_pixels}");
    }
}
