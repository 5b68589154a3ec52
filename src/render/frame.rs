//! Where a box in PDF user space lands on the rendered image.
//!
//! Boxes (provenance, glyphs, cells) are in the user space of the
//! *unrotated* page: points, y growing upwards, the space of the page's
//! `/CropBox`, whose origin need not be `0 0`. The image shows the crop box
//! turned by `/Rotate` (clockwise, ISO 32000-1 7.7.3.3, Table 30) and
//! scaled. This file is that one mapping, kept apart so it can be tested on
//! its own for every rotation and a shifted origin.

/// A page as it is shown: its crop box and its rotation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageFrame {
    /// The visible area in user space: `[x0, y0, x1, y1]`, x0 < x1, y0 < y1.
    pub crop: [f64; 4],
    /// Clockwise quarter turns: 0, 1, 2 or 3 (`/Rotate` 0, 90, 180, 270).
    pub quarter_turns: u8,
}

impl PageFrame {
    /// A frame from a crop box in any corner order and a `/Rotate` value in
    /// degrees (any multiple of 90, negative too; others count as 0, as
    /// viewers do).
    pub fn new(crop: [f64; 4], rotate_degrees: i64) -> PageFrame {
        let [a, b, c, d] = crop;
        let quarter_turns = if rotate_degrees % 90 == 0 {
            // rem_euclid(4) is in 0..4, so the cast cannot truncate.
            (rotate_degrees / 90).rem_euclid(4) as u8
        } else {
            0
        };
        PageFrame {
            crop: [a.min(c), b.min(d), a.max(c), b.max(d)],
            quarter_turns,
        }
    }

    /// Width and height of the shown page in points (rotation applied).
    pub fn shown_size(&self) -> (f64, f64) {
        let w = self.crop[2] - self.crop[0];
        let h = self.crop[3] - self.crop[1];
        if self.quarter_turns % 2 == 1 {
            (h, w)
        } else {
            (w, h)
        }
    }

    /// A point of user space → image pixels (origin top-left, y down).
    pub fn point_to_pixels(&self, (x, y): (f64, f64), scale: f64) -> (f64, f64) {
        let [cx0, _, _, cy1] = self.crop;
        let (w, h) = (self.crop[2] - cx0, cy1 - self.crop[1]);
        // Unrotated, y down, from the crop box's top-left corner.
        let (u, v) = (x - cx0, cy1 - y);
        // Turned clockwise: the top-left corner goes to the top-right, etc.
        let (px, py) = match self.quarter_turns {
            1 => (h - v, u),
            2 => (w - u, h - v),
            3 => (v, w - u),
            _ => (u, v),
        };
        (px * scale, py * scale)
    }

    /// A user-space box `[x0, y0, x1, y1]` → the pixel box
    /// `[left, top, right, bottom]` that covers it.
    pub fn bbox_to_pixels(&self, bbox: [f64; 4], scale: f64) -> [f64; 4] {
        let [x0, y0, x1, y1] = bbox;
        let a = self.point_to_pixels((x0, y0), scale);
        let b = self.point_to_pixels((x1, y1), scale);
        [a.0.min(b.0), a.1.min(b.1), a.0.max(b.0), a.1.max(b.1)]
    }

    /// A box in the PDF layer's page coordinates (top-left of the crop box,
    /// y down, unrotated: see [`crate::pdf::Rect`]) → user space.
    pub fn page_rect_to_user(&self, r: &crate::pdf::Rect) -> [f64; 4] {
        let [cx0, _, _, cy1] = self.crop;
        [cx0 + r.x0, cy1 - r.y1, cx0 + r.x1, cy1 - r.y0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 200 × 100 crop box whose origin is not 0 0, and a box 10 pt in from
    /// its left and 20 pt down from its top, 30 × 5 pt.
    const CROP: [f64; 4] = [50.0, 300.0, 250.0, 400.0];
    const BOX: [f64; 4] = [60.0, 375.0, 90.0, 380.0];

    fn px(turns: i64, scale: f64) -> [f64; 4] {
        PageFrame::new(CROP, turns * 90).bbox_to_pixels(BOX, scale)
    }

    #[test]
    fn unrotated_counts_from_the_crop_box_top_left() {
        assert_eq!(px(0, 1.0), [10.0, 20.0, 40.0, 25.0]);
        assert_eq!(px(0, 2.0), [20.0, 40.0, 80.0, 50.0]);
        assert_eq!(PageFrame::new(CROP, 0).shown_size(), (200.0, 100.0));
    }

    #[test]
    fn rotate_90_turns_the_top_edge_to_the_right_edge() {
        // Shown 100 wide, 200 tall; the box's distance from the top (20..25)
        // becomes its distance from the right edge.
        assert_eq!(PageFrame::new(CROP, 90).shown_size(), (100.0, 200.0));
        assert_eq!(px(1, 1.0), [75.0, 10.0, 80.0, 40.0]);
    }

    #[test]
    fn rotate_180_mirrors_both_axes() {
        assert_eq!(px(2, 1.0), [160.0, 75.0, 190.0, 80.0]);
    }

    #[test]
    fn rotate_270_turns_the_top_edge_to_the_left_edge() {
        assert_eq!(px(3, 1.0), [20.0, 160.0, 25.0, 190.0]);
        assert_eq!(px(-1, 1.0), px(3, 1.0));
    }

    #[test]
    fn odd_rotations_and_corner_order_are_tolerated() {
        let f = PageFrame::new([250.0, 400.0, 50.0, 300.0], 45);
        assert_eq!(f, PageFrame::new(CROP, 0));
    }

    #[test]
    fn page_rects_come_back_to_user_space() {
        let f = PageFrame::new(CROP, 0);
        let r = crate::pdf::Rect {
            x0: 10.0,
            y0: 20.0,
            x1: 40.0,
            y1: 25.0,
        };
        assert_eq!(f.page_rect_to_user(&r), BOX);
    }
}
