//! The seam between the interpreter and whoever wants what a page draws.
//!
//! The content-stream interpreter reports everything it draws to a
//! [`Device`]: glyphs (with direction, colour, opacity, font, size and box),
//! painted paths (the ruling lines and filled rectangles that make tables
//! and backgrounds), images, marked content, and warnings about odd but
//! survivable input. Every method has a do-nothing default, so a device
//! implements only what it needs (like hayro's `Device` or ripgrep's
//! `Sink`). [`PageContent`] is the recording device the layout layer reads;
//! tests use it too.
//!
//! Coordinates are page coordinates as a person sees the page (the page's
//! `/Rotate` applied, origin top-left, y down); see [`super::geometry::Rect`].

use super::geometry::Rect;
use super::{Glyph, PageContent};

/// A colour, reduced to RGB in 0–1 (gray and CMYK converted naively; an
/// unknown colour space reads as black ink).
pub type Rgb = [f32; 3];

/// How a path was painted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaintKind {
    /// Stroked only.
    Stroke,
    /// Filled (and maybe stroked).
    Fill,
}

/// One painted path, reduced to what layout needs: its straight segments
/// and rectangles, in page coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct PaintedPath {
    /// Stroke or fill.
    pub kind: PaintKind,
    /// The paint colour (stroke colour for strokes, fill colour for fills).
    pub color: Rgb,
    /// Stroke width in page units (0 for fills).
    pub line_width: f64,
    /// Straight segments (`m`/`l` pairs and rectangle sides).
    pub segments: Vec<((f64, f64), (f64, f64))>,
    /// Rectangles (`re`), as drawn.
    pub rects: Vec<Rect>,
}

/// A warning: input that is odd but survivable. Never holds page text (it
/// could be a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Page, from 1.
    pub page: u32,
    /// What was odd.
    pub message: &'static str,
}

/// Receives what the interpreter draws, in drawing order.
pub trait Device {
    /// A glyph.
    fn glyph(&mut self, _glyph: Glyph) {}
    /// A painted path.
    fn path(&mut self, _path: PaintedPath) {}
    /// An image, by the box it covers.
    fn image(&mut self, _bbox: Rect) {}
    /// A marked-content sequence begins (`BMC`/`BDC`), with its tag.
    fn begin_marked_content(&mut self, _tag: &[u8]) {}
    /// The innermost marked-content sequence ends.
    fn end_marked_content(&mut self) {}
    /// Something odd but survivable.
    fn warning(&mut self, _warning: Warning) {}
}

/// A device that ignores everything.
#[derive(Debug, Default)]
pub struct NullDevice;

impl Device for NullDevice {}

/// Bound on recorded paths per page: ruling lines need a few hundred, a
/// hostile page could draw millions.
pub const MAX_PATHS_PER_PAGE: usize = 20_000;

/// Bound on recorded warnings per page.
const MAX_WARNINGS_PER_PAGE: usize = 64;

impl Device for PageContent {
    #[inline]
    fn glyph(&mut self, glyph: Glyph) {
        self.glyphs.push(glyph);
    }
    fn path(&mut self, path: PaintedPath) {
        if self.paths.len() < MAX_PATHS_PER_PAGE {
            self.paths.push(path);
        }
    }
    fn image(&mut self, bbox: Rect) {
        self.images.push(bbox);
    }
    fn warning(&mut self, warning: Warning) {
        if self.warnings.len() < MAX_WARNINGS_PER_PAGE && !self.warnings.contains(&warning) {
            self.warnings.push(warning);
        }
    }
}
