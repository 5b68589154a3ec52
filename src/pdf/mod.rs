//! The PDF layer: bytes → pages of positioned glyphs.
//!
//! It owns everything that knows PDF: opening and decrypting (lopdf), fonts
//! and CMaps (`font.rs`, via hayro-cmap for the predefined CMaps), and the
//! content-stream interpreter (`interpret.rs`). What leaves this module is
//! plain data, [`PageContent`] with [`Glyph`]s in page coordinates, so the
//! layout layer never sees a PDF object.
//!
//! Why lopdf: it is maintained, lenient (rebuilds a broken xref), reads
//! object and xref streams, decrypts RC4/AES-128/AES-256 and bounds stream
//! decompression. Its own text extraction is not positional, so the
//! interpreter is ours. Pages are numbered from 1.

mod content;
mod encoding;
mod font;
pub mod geometry;
mod interpret;
mod objects;
mod standard_metrics;

use crate::secret::Secret;
pub use geometry::Rect;
use interpret::{FontCache, Interpreter, page_resources};
use lopdf::{Document, LoadOptions};
use objects::numbers;
use serde::Serialize;
use std::sync::Arc;

/// Why a glyph cannot be seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Hidden {
    /// Text render mode 3 or 7 (no fill, no stroke).
    RenderMode,
    /// Filled in white, on a white page.
    WhiteFill,
    /// Outside the clipping path.
    Clipped,
    /// Outside the page's crop box.
    OffPage,
}

/// One glyph as a person would see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    /// Unicode text (usually one character; may be empty or several).
    pub text: String,
    /// Ink box in page coordinates (see [`Rect`]).
    pub bbox: Rect,
    /// Baseline origin in page coordinates.
    pub origin: (f64, f64),
    /// Effective font size in points.
    pub size: f64,
    /// The font's `/BaseFont`.
    pub font: Arc<str>,
    /// `Some` when a person cannot see the glyph.
    pub hidden: Option<Hidden>,
    /// Page number, from 1.
    pub page: u32,
}

/// What one page draws.
#[derive(Debug, Clone, Default)]
pub struct PageContent {
    /// Page number, from 1.
    pub number: u32,
    /// Crop box width, points.
    pub width: f64,
    /// Crop box height, points.
    pub height: f64,
    /// Glyphs in drawing order (not reading order).
    pub glyphs: Vec<Glyph>,
    /// Where images were drawn.
    pub images: Vec<Rect>,
    /// Operators interpreted (for limits).
    pub operator_count: usize,
}

impl PageContent {
    /// True when one image covers most of the page: a scan.
    pub fn is_scanned(&self) -> bool {
        let page_area = self.width * self.height;
        page_area > 0.0
            && self
                .images
                .iter()
                .any(|r| r.intersect(&self.bbox()).area() >= SCAN_COVERAGE * page_area)
    }

    fn bbox(&self) -> Rect {
        Rect {
            x0: 0.0,
            y0: 0.0,
            x1: self.width,
            y1: self.height,
        }
    }
}

/// An image covering at least this share of the page makes it a scan.
const SCAN_COVERAGE: f64 = 0.6;

/// Bounds that keep one hostile file from stalling a batch.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Decompressed bytes of one stream.
    pub max_stream_bytes: usize,
    /// Decompressed content bytes of all pages and forms of a document (a
    /// small form drawn a thousand times must not decode a thousand times
    /// without bound).
    pub max_document_bytes: usize,
    /// Pages read.
    pub max_pages: usize,
    /// Glyphs on one page.
    pub max_glyphs_per_page: usize,
    /// Operators on one page, forms included.
    pub max_operators_per_page: usize,
    /// Depth of `q` and of Form XObjects.
    pub max_nesting: usize,
    /// When interpretation must stop (a per-file time budget). Checked
    /// every [`DEADLINE_CHECK_EVERY`] operators.
    pub deadline: Option<std::time::Instant>,
}

/// Operators between two looks at the clock.
pub const DEADLINE_CHECK_EVERY: usize = 4096;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_stream_bytes: 64 * 1024 * 1024,
            max_document_bytes: 256 * 1024 * 1024,
            max_pages: 2_000,
            max_glyphs_per_page: 500_000,
            max_operators_per_page: 5_000_000,
            max_nesting: 64,
            deadline: None,
        }
    }
}

/// Why a PDF could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PdfError {
    /// Encrypted, and no password given opens it.
    #[error("the PDF is encrypted and {0}")]
    Encrypted(&'static str),
    /// Not a readable PDF.
    #[error("not a readable PDF ({0})")]
    Corrupt(String),
    /// The time budget ran out.
    #[error(
        "page {page}: parsing took longer than the time budget; raise --timeout if the file is genuine"
    )]
    TimedOut {
        /// Page, from 1.
        page: u32,
    },
    /// A bound was hit.
    #[error("page {page}: more {what} than the limit of {limit}")]
    LimitExceeded {
        /// Page, from 1.
        page: u32,
        /// What was counted.
        what: &'static str,
        /// The bound.
        limit: usize,
    },
}

/// Opens a PDF from memory, trying the empty user password and then each
/// given password.
pub fn open(bytes: &[u8], passwords: &[Secret]) -> Result<Document, PdfError> {
    let options = || LoadOptions {
        max_decompressed_size: Some(Limits::default().max_stream_bytes),
        ..LoadOptions::default()
    };
    let is_pdf = bytes.windows(5).take(1024).any(|w| w == b"%PDF-");
    if !is_pdf {
        return Err(PdfError::Corrupt(if bytes.is_empty() {
            "the file is empty".into()
        } else {
            "no %PDF- header in the first 1 KiB".into()
        }));
    }
    let first_error = match Document::load_mem_with_options(bytes, options()) {
        Ok(doc) if !needs_password(&doc) => return Ok(doc),
        Ok(_) => None,
        Err(e) => Some(e),
    };
    if let Some(e) = &first_error
        && !matches!(
            e,
            lopdf::Error::InvalidPassword | lopdf::Error::Decryption(_)
        )
    {
        return Err(PdfError::Corrupt(e.to_string()));
    }
    for pw in passwords {
        let opts = LoadOptions {
            password: Some(pw.expose().to_owned()),
            ..options()
        };
        if let Ok(doc) = Document::load_mem_with_options(bytes, opts)
            && !needs_password(&doc)
        {
            return Ok(doc);
        }
    }
    Err(PdfError::Encrypted(if passwords.is_empty() {
        "needs a password: pass it with --password"
    } else {
        "none of the given passwords opens it: check the password sent with the notice"
    }))
}

/// lopdf returns an AES-256 file it could not decrypt as `Ok` with zero
/// pages and `is_encrypted()`: that is a missing password, not an empty PDF.
fn needs_password(doc: &Document) -> bool {
    doc.is_encrypted() && doc.get_pages().is_empty()
}

/// Interprets every page.
pub fn extract_pages(doc: &Document, limits: &Limits) -> Result<Vec<PageContent>, PdfError> {
    let mut fonts = FontCache::default();
    let pages = doc.get_pages();
    let mut out = Vec::with_capacity(pages.len().min(limits.max_pages));
    for (number, id) in pages {
        if out.len() >= limits.max_pages {
            return Err(PdfError::LimitExceeded {
                page: number,
                what: "pages",
                limit: limits.max_pages,
            });
        }
        if limits
            .deadline
            .is_some_and(|d| std::time::Instant::now() > d)
        {
            return Err(PdfError::TimedOut { page: number });
        }
        let Ok(page) = doc.get_dictionary(id) else {
            continue;
        };
        let media = page_box(doc, page);
        let content = doc
            .get_page_content_with_limit(id, limits.max_stream_bytes)
            .map_err(|e| match e {
                lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded {
                    ..
                }) => PdfError::LimitExceeded {
                    page: number,
                    what: "decompressed content bytes",
                    limit: limits.max_stream_bytes,
                },
                other => PdfError::Corrupt(format!("page {number}: {other}")),
            })?;
        fonts.decoded_bytes += content.len();
        if fonts.decoded_bytes > limits.max_document_bytes {
            return Err(PdfError::LimitExceeded {
                page: number,
                what: "decompressed content bytes in the document",
                limit: limits.max_document_bytes,
            });
        }
        let resources = page_resources(doc, page);
        let mut interp = Interpreter::new(doc, &mut fonts, limits, number, media);
        interp.run(&content, resources)?;
        out.push(interp.finish());
    }
    if out.is_empty() {
        return Err(PdfError::Corrupt("the document has no pages".into()));
    }
    Ok(out)
}

/// The crop box (or media box) of a page, inherited through `/Parent`.
fn page_box(doc: &Document, page: &lopdf::Dictionary) -> [f64; 4] {
    [&b"CropBox"[..], b"MediaBox"]
        .iter()
        .find_map(|key| match objects::inherited(doc, page, key) {
            Some(lopdf::Object::Array(a)) => {
                numbers(doc, a).and_then(|v| v.get(..4).and_then(|s| <[f64; 4]>::try_from(s).ok()))
            }
            _ => None,
        })
        // A4 portrait when the file says nothing.
        .unwrap_or([0.0, 0.0, 595.0, 842.0])
}
