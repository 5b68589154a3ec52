//! Page images with boxes: a page rasterised, with where each value (or
//! cell, or glyph) was read drawn on it and labelled by field.
//!
//! This sits beside `output`, at the end of the one-way flow: it reads a
//! record (for value boxes), the layout (cells) or the PDF layer's glyphs,
//! and never feeds anything back. Rasterising is hayro's (pure Rust, from
//! the family of the hayro-cmap crate the PDF layer already uses); this
//! module only maps boxes onto its pixels ([`frame`]), chooses them
//! ([`boxes`]) and draws them ([`draw`]).
//!
//! Secrets: a secret value's box is filled opaque unless revealed, in every
//! box mode, so an image never shows a temporary password by accident.
//! Pages count from 1.

pub mod boxes;
pub mod draw;
pub mod frame;

pub use boxes::{BoxKind, LabelledBox, is_secret_field};
pub use draw::Canvas;
pub use frame::PageFrame;

use crate::ParseOptions;
use crate::output::Record;
use crate::secret::Secret;
use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_interpret::font::FontQuery;
use hayro::hayro_interpret::hayro_cmap::CidFamily;
use hayro::hayro_syntax::Pdf;
use hayro::vello_cpu::color::palette::css::WHITE;
use std::sync::{Arc, OnceLock};

/// The largest scale: 8 × 72 = 576 dpi is more than any review needs.
pub const MAX_SCALE: f64 = 8.0;
/// The longest image side in pixels (the rasteriser's limit is 65 535;
/// a page this big at this scale is not a notice and would cost memory).
pub const MAX_SIDE: f64 = 10_000.0;
/// Default scale: 2 pixels per point (144 dpi) reads small print well.
pub const DEFAULT_SCALE: f64 = 2.0;

/// Why a page could not be rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The rasteriser could not open the file.
    #[error("cannot open the PDF for rendering: {0}")]
    Open(String),
    /// No such page.
    #[error("page {page} does not exist: the document has {count} page(s)")]
    NoSuchPage {
        /// Requested page, from 1.
        page: u32,
        /// Pages in the document.
        count: usize,
    },
    /// Scale out of range or image too big.
    #[error(
        "scale {scale} is out of range: use 0 < scale <= {MAX_SCALE} and at most {MAX_SIDE} pixels a side"
    )]
    Scale {
        /// The scale asked for.
        scale: f64,
    },
    /// The rasteriser failed on this page.
    #[error("the rasteriser failed on page {page}")]
    Rasteriser {
        /// Page, from 1.
        page: u32,
    },
    /// PNG encoding failed.
    #[error("cannot encode the PNG: {0}")]
    Png(String),
}

/// A PDF opened for rendering.
pub struct Document {
    pdf: Pdf,
    frames: Vec<PageFrame>,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("frames", &self.frames)
            .finish_non_exhaustive()
    }
}

impl Document {
    /// Opens `bytes`, trying the empty password, then each of `passwords`.
    pub fn open(bytes: &[u8], passwords: &[Secret]) -> Result<Document, RenderError> {
        let mut last = String::from("unreadable");
        for pw in std::iter::once("").chain(passwords.iter().map(Secret::expose)) {
            match Pdf::new_with_password(bytes.to_vec(), pw) {
                Ok(pdf) => {
                    let frames = pdf
                        .pages()
                        .iter()
                        .map(|p| {
                            let c = p.intersected_crop_box();
                            let turns = match p.rotation() {
                                hayro::hayro_syntax::page::Rotation::None => 0,
                                hayro::hayro_syntax::page::Rotation::Horizontal => 90,
                                hayro::hayro_syntax::page::Rotation::Flipped => 180,
                                hayro::hayro_syntax::page::Rotation::FlippedHorizontal => 270,
                            };
                            PageFrame::new([c.x0, c.y0, c.x1, c.y1], turns)
                        })
                        .collect();
                    return Ok(Document { pdf, frames });
                }
                // Never name the password: only what kind of failure it was.
                Err(hayro::hayro_syntax::LoadPdfError::Decryption(_)) => {
                    last = "encrypted: no password given opens it".into();
                }
                Err(hayro::hayro_syntax::LoadPdfError::Invalid) => {
                    last = "not a readable PDF".into();
                }
            }
        }
        Err(RenderError::Open(last))
    }

    /// Each page's frame, page 1 first.
    pub fn frames(&self) -> &[PageFrame] {
        &self.frames
    }

    /// Rasterises one page (from 1) at `scale` pixels per point.
    pub fn rasterise(&self, page: u32, scale: f64) -> Result<Canvas, RenderError> {
        let pages = self.pdf.pages();
        let count = pages.len();
        let index = usize::try_from(page)
            .ok()
            .and_then(|p| p.checked_sub(1))
            .filter(|&i| i < count)
            .ok_or(RenderError::NoSuchPage { page, count })?;
        let p = pages
            .get(index)
            .ok_or(RenderError::NoSuchPage { page, count })?;
        let (w, h) = p.render_dimensions();
        if !(scale > 0.0 && scale <= MAX_SCALE)
            || f64::from(w) * scale > MAX_SIDE
            || f64::from(h) * scale > MAX_SIDE
        {
            return Err(RenderError::Scale { scale });
        }
        let settings = interpreter_settings();
        let pixmap_settings = hayro::PixmapSettings {
            x_scale: scale as f32,
            y_scale: scale as f32,
            bg_color: WHITE,
        };
        // The rasteriser is young; a panic on an odd file must cost this
        // page, never the server.
        let pixmap = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let cache = hayro::RenderCache::new();
            hayro::render(
                p,
                &cache,
                &settings,
                &hayro::RenderSettings::default(),
                &pixmap_settings,
            )
        }))
        .map_err(|_| RenderError::Rasteriser { page })?;
        Ok(Canvas {
            width: u32::from(pixmap.width()),
            height: u32::from(pixmap.height()),
            // The background is opaque white, so premultiplied equals
            // straight RGBA.
            rgba: pixmap.data_as_u8_slice().to_vec(),
        })
    }
}

/// Japanese font files looked for when a PDF does not embed its Japanese
/// font (reportlab's UniJIS/RKSJ notices): Debian's IPAex and Noto CJK
/// packages. Without one, those glyphs render in a Latin fallback font
/// (wrong shapes) but every box still lands where it belongs.
const JAPANESE_FONTS: &[&str] = &[
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
];

fn japanese_font() -> Option<Arc<Vec<u8>>> {
    static FONT: OnceLock<Option<Arc<Vec<u8>>>> = OnceLock::new();
    FONT.get_or_init(|| {
        JAPANESE_FONTS
            .iter()
            .find_map(|p| std::fs::read(p).ok())
            .map(Arc::new)
    })
    .clone()
}

fn interpreter_settings() -> InterpreterSettings {
    InterpreterSettings {
        font_resolver: Arc::new(|query| match query {
            FontQuery::Standard(s) => Some(s.get_font_data()),
            FontQuery::Fallback(f) => {
                let japanese = f
                    .character_collection
                    .as_ref()
                    .is_some_and(|cc| cc.family == CidFamily::AdobeJapan1);
                if japanese && let Some(font) = japanese_font() {
                    let data: hayro::hayro_interpret::font::FontData = font;
                    return Some((data, 0));
                }
                Some(f.pick_standard_font().get_font_data())
            }
        }),
        ..InterpreterSettings::default()
    }
}

/// The boxes of one document: those to draw, and the value boxes (which
/// decide what is shaded as secret).
#[derive(Debug, Clone, Default)]
pub struct DocumentBoxes {
    /// The boxes of the kind asked for.
    pub drawn: Vec<LabelledBox>,
    /// Every value's box (empty when the file is not a notice).
    pub values: Vec<LabelledBox>,
}

/// Collects the boxes of `kind` for a document. `revealed` is the record
/// built with secrets shown (used only to find where values are; nothing of
/// it is drawn but field names); `None` when the file gave no notice.
pub fn collect_boxes(
    kind: BoxKind,
    bytes: &[u8],
    options: &ParseOptions,
    revealed: Option<&Record>,
    frames: &[PageFrame],
) -> DocumentBoxes {
    let layout = crate::layout_bytes(bytes, options).ok();
    let values = match (revealed, &layout) {
        (Some(r), Some(l)) => boxes::value_boxes(r, l, frames),
        (Some(r), None) => boxes::provenance_boxes(r),
        _ => Vec::new(),
    };
    let mut drawn = match kind {
        // Pieces of wrapped secrets (no field) are shaded, not drawn.
        BoxKind::Values => values
            .iter()
            .filter(|b| b.field.is_some())
            .cloned()
            .collect(),
        BoxKind::Cells => layout
            .as_ref()
            .map(|l| boxes::cell_boxes(l, frames))
            .unwrap_or_default(),
        BoxKind::Glyphs => crate::pdf::open(bytes, &options.passwords)
            .ok()
            .and_then(|d| crate::pdf::extract_pages(&d, &options.limits).ok())
            .map(|pages| boxes::glyph_boxes(&pages, frames))
            .unwrap_or_default(),
    };
    boxes::mark_secret_overlaps(&mut drawn, &values);
    DocumentBoxes { drawn, values }
}

/// Draws `boxes` of `page` onto `canvas` rendered at `scale`: outlines in
/// the colour of their kind, value labels, and secrets (drawn boxes marked
/// secret and secret value boxes) filled opaque unless `reveal`.
pub fn draw_boxes(
    canvas: &mut Canvas,
    frame: &PageFrame,
    scale: f64,
    kind: BoxKind,
    found: &DocumentBoxes,
    page: u32,
    reveal: bool,
) {
    let colour = match kind {
        BoxKind::Values => draw::VALUE,
        BoxKind::Cells => draw::CELL,
        BoxKind::Glyphs => draw::GLYPH,
    };
    let line = if kind == BoxKind::Glyphs { 1.0 } else { 2.0 };
    // Labels grow with the image so they stay readable at high scales.
    let zoom = if scale > 3.0 { 2 } else { 1 };
    let on_page = |b: &&LabelledBox| b.page == page;
    for b in found.drawn.iter().filter(on_page) {
        let r = frame.bbox_to_pixels(b.bbox, scale);
        canvas.outline(r, colour, line);
        if let Some(field) = &b.field {
            canvas.label(field, r[0] - line, r[1] - line, colour, zoom);
        }
    }
    // Last, so no outline or label is drawn over a shaded secret.
    if !reveal {
        for b in found.drawn.iter().chain(&found.values).filter(on_page) {
            if b.secret {
                canvas.fill(frame.bbox_to_pixels(b.bbox, scale), draw::SHADE);
            }
        }
    }
}

/// Encodes a canvas as PNG.
pub fn to_png(canvas: &Canvas) -> Result<Vec<u8>, RenderError> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, canvas.width, canvas.height);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc
        .write_header()
        .map_err(|e| RenderError::Png(e.to_string()))?;
    writer
        .write_image_data(&canvas.rgba)
        .map_err(|e| RenderError::Png(e.to_string()))?;
    writer
        .finish()
        .map_err(|e| RenderError::Png(e.to_string()))?;
    Ok(out)
}

/// What to render.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Page, from 1.
    pub page: u32,
    /// Which boxes.
    pub boxes: BoxKind,
    /// Pixels per point.
    pub scale: f64,
    /// Show secrets instead of shading their boxes.
    pub reveal: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            page: 1,
            boxes: BoxKind::Values,
            scale: DEFAULT_SCALE,
            reveal: false,
        }
    }
}

/// One page as a PNG with its boxes: everything `kaitsu render` does.
pub fn render_png(
    bytes: &[u8],
    parse: &ParseOptions,
    options: &RenderOptions,
) -> Result<Vec<u8>, RenderError> {
    let doc = Document::open(bytes, &parse.passwords)?;
    let frame = *doc
        .frames()
        .get(
            usize::try_from(options.page)
                .unwrap_or(usize::MAX)
                .wrapping_sub(1),
        )
        .ok_or(RenderError::NoSuchPage {
            page: options.page,
            count: doc.frames().len(),
        })?;
    let mut canvas = doc.rasterise(options.page, options.scale)?;
    let revealed = crate::parse_bytes(bytes, parse)
        .ok()
        .map(|n| Record::success("", &n, true));
    let found = collect_boxes(options.boxes, bytes, parse, revealed.as_ref(), doc.frames());
    draw_boxes(
        &mut canvas,
        &frame,
        options.scale,
        options.boxes,
        &found,
        options.page,
        options.reveal,
    );
    to_png(&canvas)
}
