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
//! interpreter is ours. Pages are numbered from 1. Most files are read
//! lazily instead (`lazy.rs`: hayro-syntax locates the objects, only those
//! a page reaches are parsed, still as lopdf objects; `security.rs`
//! decrypts them for an encrypted file it understands).

mod annotations;
mod bundled_cmap;
mod classic_xref;
mod content;
pub mod device;
mod direct_encrypt;
mod encoding;
mod font;
mod font_program;
pub mod geometry;
mod glyph_names;
mod interpret;
mod lazy;
mod lenient_cmap;
mod objects;
mod recovery;
mod security;
mod standard_metrics;

use crate::secret::Secret;
use compact_str::CompactString;
pub use device::{Device, NullDevice, PaintKind, PaintedPath, Rgb, Warning};
pub use geometry::{Matrix, Rect};
use interpret::{FontCache, Interpreter, page_resources};
use lopdf::{Document, LoadOptions};
pub use objects::Source;
use objects::numbers;
use serde::Serialize;
use std::sync::Arc;

/// Why a glyph cannot be seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Hidden {
    /// Text render mode 3 or 7 (no fill, no stroke), or a fill with no
    /// opacity at all.
    RenderMode,
    /// Filled in white, on a white page.
    WhiteFill,
    /// Outside the clipping path.
    Clipped,
    /// Outside the page's crop box.
    OffPage,
}

/// One glyph as a person would see it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Glyph {
    /// Unicode text (usually one character; may be empty or several).
    /// A `CompactString`: text of up to 24 bytes (every glyph but a long
    /// ligature or `/ActualText`) lives inline, so making and dropping a
    /// page's glyphs allocates nothing for their text.
    pub text: CompactString,
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
    /// Direction of the baseline as a person sees the page, in degrees
    /// counter-clockwise: 0 is left to right, 90 bottom to top, -90 top to
    /// bottom (from the text rendering matrix, the page's `/Rotate` applied).
    pub angle: f64,
    /// Fill colour.
    pub fill: Rgb,
    /// Fill opacity (`/ca` of the graphics state), 0–1.
    pub opacity: f32,
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
    /// Painted paths (ruling lines, filled cells), in drawing order.
    pub paths: Vec<PaintedPath>,
    /// Odd but survivable input met on this page.
    pub warnings: Vec<Warning>,
    /// Page coordinates → PDF user space of the unrotated page (provenance
    /// is given in user space).
    pub to_user: Matrix,
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
    /// Glyphs in the whole document (200 pages sharing one content stream
    /// of 100 000 glyphs must not make 20 million).
    pub max_glyphs_per_document: usize,
    /// Bytes of glyph text the document may produce (a ToUnicode entry
    /// mapping one code to a million characters, drawn a thousand times,
    /// must not make a gigabyte).
    pub max_text_bytes_per_document: usize,
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

/// A page's glyph vector starts with room for one glyph per this many
/// bytes of its content stream (a shown glyph takes one to a few bytes
/// of string plus its share of operators), so a notice page's one to
/// three thousand glyphs are not copied through ten doublings.
const CONTENT_BYTES_PER_GLYPH: usize = 4;

/// The most glyphs reserved ahead for one page (about 500 kB, room a
/// page's memory never touches costs nothing): more are pushed as drawn.
/// A dense table page draws three to four thousand glyphs (the 200-user
/// fixtures), which a 2 048 cap copied once each when the vector doubled.
/// With `shrink_to_fit` after the page, what a page keeps is what it
/// drew, whatever its content stream promised.
const MAX_RESERVED_GLYPHS_PER_PAGE: usize = 4096;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_stream_bytes: 64 * 1024 * 1024,
            max_document_bytes: 256 * 1024 * 1024,
            max_pages: 2_000,
            max_glyphs_per_page: 500_000,
            max_glyphs_per_document: 2_000_000,
            max_text_bytes_per_document: 32 * 1024 * 1024,
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
    /// The time budget ran out before any page was read (loading the
    /// document, trying passwords).
    #[error(
        "opening the PDF (loading it, trying passwords) took longer than the time budget; \
         raise --timeout if the file is genuine"
    )]
    TimedOutOpening,
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
/// given password, with the default [`Limits`] and no time budget.
pub fn open(bytes: &[u8], passwords: &[Secret]) -> Result<Source, PdfError> {
    open_with_limits(bytes, passwords, &Limits::default())
}

/// Opens a PDF from memory, trying the empty user password and then each
/// given password. The deadline of `limits` is checked before each load
/// (every password try is a load; an AES-256 try costs about 6 ms of key
/// derivation, so a thousand passwords must stop at the deadline); a load
/// itself cannot be interrupted (lopdf), which is what the batch's worker
/// processes and their kill timer are for.
///
/// A file hayro-syntax can open is read lazily (objects parsed when a page
/// reaches them, `lazy.rs`), an encrypted one when `security.rs`
/// understands its encryption and a password opens it; the rest load
/// whole with lopdf, whose password handling and repairs (`recovery.rs`,
/// `direct_encrypt.rs`) stay as they were.
pub fn open_with_limits(
    bytes: &[u8],
    passwords: &[Secret],
    limits: &Limits,
) -> Result<Source, PdfError> {
    open_either(bytes, || lazy::LazyDoc::open(bytes), passwords, limits)
}

/// [`open_with_limits`] of bytes the caller gives away: the lazy reading
/// keeps them without a copy (the borrowed form copies the whole file,
/// about 1 % of a one-page notice's instructions), sharing them with
/// lopdf's fallback, which reads them too when the lazy reading declines.
pub fn open_owned_with_limits(
    bytes: Vec<u8>,
    passwords: &[Secret],
    limits: &Limits,
) -> Result<Source, PdfError> {
    let shared = Arc::new(bytes);
    open_either(
        &shared,
        || lazy::LazyDoc::open_shared(Arc::clone(&shared)),
        passwords,
        limits,
    )
}

/// The body of both opens: `lazy` opens `bytes` with `lazy.rs`, as its
/// caller holds them.
fn open_either(
    bytes: &[u8],
    lazy: impl FnOnce() -> Option<lazy::LazyDoc>,
    passwords: &[Secret],
    limits: &Limits,
) -> Result<Source, PdfError> {
    let is_pdf = bytes.windows(5).take(1024).any(|w| w == b"%PDF-");
    if !is_pdf {
        return Err(PdfError::Corrupt(if bytes.is_empty() {
            "the file is empty".into()
        } else {
            "no %PDF- header in the first 1 KiB".into()
        }));
    }
    if mentions_encryption(bytes) {
        match security::open_lazy(bytes, passwords, limits) {
            Ok(doc) => return Ok(Source::Lazy(doc)),
            // The empty password and every given one were checked, as
            // user and owner password, and the dictionary is one lopdf
            // reads too, so lopdf's load would end in this error after
            // parsing every object and hashing the empty password again.
            // Only a file lopdf cannot parse at all would get another one
            // there ("corrupt"), where the password is the better answer.
            Err(security::Fallback::NoPasswordOpens) => {
                return Err(PdfError::Encrypted(no_password_opens(passwords)));
            }
            Err(security::Fallback::Eager) => {}
        }
    } else if let Some(doc) = lazy()
        && doc.every_page_readable()
    {
        return Ok(Source::Lazy(doc));
    }
    open_eager(bytes, passwords, limits).map(|doc| Source::Eager(Box::new(doc)))
}

/// Whether the file has an `/Encrypt` key anywhere in its bytes (a
/// trailer, or an xref stream's dictionary, is never compressed): such a
/// file goes to `security.rs`, and to lopdf's path (which knows the
/// password tries and repairs) when that declines it. A false alarm (the
/// word inside a stream) only costs the faster path.
fn mentions_encryption(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, b"/Encrypt").is_some()
}

/// Opens a PDF with lopdf, which parses every object while loading.
fn open_eager(bytes: &[u8], passwords: &[Secret], limits: &Limits) -> Result<Document, PdfError> {
    let options = || LoadOptions {
        max_decompressed_size: Some(limits.max_stream_bytes),
        ..LoadOptions::default()
    };
    let out_of_time = || {
        limits
            .deadline
            .is_some_and(|d| std::time::Instant::now() > d)
    };
    // The document as lopdf loads it without a password, kept to tell a
    // damaged /Encrypt dictionary from a missing password.
    let mut locked = None;
    let first_error = match Document::load_mem_with_options(bytes, options()) {
        Ok(mut doc) if !needs_password(&doc) => {
            recovery::recover_stream_data(&mut doc, bytes);
            recovery::inline_indirect_filters(&mut doc);
            return Ok(doc);
        }
        Ok(doc) => {
            locked = Some(doc);
            None
        }
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
        if out_of_time() {
            return Err(PdfError::TimedOutOpening);
        }
        let opts = LoadOptions {
            password: Some(pw.expose().to_owned()),
            ..options()
        };
        if let Ok(mut doc) = Document::load_mem_with_options(bytes, opts)
            && !needs_password(&doc)
        {
            recovery::inline_indirect_filters(&mut doc);
            return Ok(doc);
        }
    }
    if out_of_time() {
        return Err(PdfError::TimedOutOpening);
    }
    // A direct /Encrypt dictionary in the trailer, which lopdf will not
    // decrypt: the same passwords on the file with it made indirect.
    if let Some(patched) = locked
        .as_ref()
        .and_then(|doc| direct_encrypt::with_indirect_encrypt(bytes, doc))
    {
        let attempts = std::iter::once(None).chain(passwords.iter().map(Some));
        for pw in attempts {
            if out_of_time() {
                return Err(PdfError::TimedOutOpening);
            }
            let opts = LoadOptions {
                password: pw.map(|p| p.expose().to_owned()),
                ..options()
            };
            if let Ok(mut doc) = Document::load_mem_with_options(&patched, opts)
                && !needs_password(&doc)
            {
                recovery::inline_indirect_filters(&mut doc);
                return Ok(doc);
            }
        }
    }
    if let Some(plain) = recovery::without_attachment_only_encryption(bytes)
        && let Ok(mut doc) = Document::load_mem_with_options(&plain, options())
        && !doc.get_pages().is_empty()
    {
        recovery::recover_stream_data(&mut doc, &plain);
        recovery::inline_indirect_filters(&mut doc);
        return Ok(doc);
    }
    if let Some(why) = locked.as_ref().and_then(malformed_encryption) {
        return Err(PdfError::Corrupt(format!(
            "its encryption dictionary is damaged: {why}"
        )));
    }
    Err(PdfError::Encrypted(no_password_opens(passwords)))
}

/// Why an encrypted file is not read when neither the empty password nor
/// one of `passwords` opens it.
fn no_password_opens(passwords: &[Secret]) -> &'static str {
    if passwords.is_empty() {
        "needs a password: pass it with --password"
    } else {
        "none of the given passwords opens it: check the password sent with the notice"
    }
}

/// Why a file's `/Encrypt` dictionary cannot be used, if it is damaged:
/// a required key (ISO 32000-1 7.6.3.2, Tables 20 and 21) missing, of the
/// wrong type, or a hash of the wrong length. lopdf reports such a file as
/// a wrong password; it is corrupt, and asking for a password would send
/// the user looking for one that cannot help.
fn malformed_encryption(doc: &Document) -> Option<String> {
    use lopdf::Object;
    let dict = match doc.trailer.get(b"Encrypt").ok()? {
        Object::Reference(id) => doc.get_object(*id).ok()?.as_dict().ok()?,
        Object::Dictionary(d) => d,
        _ => return Some("/Encrypt is not a dictionary".into()),
    };
    let int = |key: &[u8]| dict.get(key).ok().and_then(|o| o.as_i64().ok());
    let bytes = |key: &[u8]| match dict.get(key) {
        Ok(Object::String(s, _)) => Some(s.len()),
        _ => None,
    };
    if dict.get(b"Filter").and_then(|o| o.as_name()).is_err() {
        return Some("no /Filter name".into());
    }
    let (Some(_), Some(revision)) = (int(b"V"), int(b"R")) else {
        return Some("no /V or /R number".into());
    };
    if int(b"P").is_none() {
        return Some("no /P number".into());
    }
    // Hashes: 32 bytes up to revision 4, 48 from revision 5 (some
    // producers pad /O and /U, so longer is accepted).
    let hash_len = if revision >= 5 { 48 } else { 32 };
    for key in [&b"O"[..], b"U"] {
        match bytes(key) {
            Some(n) if n >= hash_len => {}
            Some(n) => {
                return Some(format!(
                    "/{} is {n} bytes, not {hash_len}",
                    String::from_utf8_lossy(key)
                ));
            }
            None => return Some(format!("no /{} string", String::from_utf8_lossy(key))),
        }
    }
    None
}

/// lopdf returns an AES-256 file it could not decrypt as `Ok` with zero
/// pages and `is_encrypted()`, and an RC4/AES-128 file opened without its
/// user password as `Ok` with zero objects, no longer `is_encrypted()` but
/// with `/Encrypt` still in the trailer: either is a missing password, not
/// an empty PDF.
fn needs_password(doc: &Document) -> bool {
    (doc.is_encrypted() || doc.trailer.get(b"Encrypt").is_ok()) && doc.get_pages().is_empty()
}

/// Interprets every page.
pub fn extract_pages(doc: &Source, limits: &Limits) -> Result<Vec<PageContent>, PdfError> {
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
        let Some(page) = doc.get_dictionary(id) else {
            continue;
        };
        let media = page_box(doc, page);
        let rotate = page_rotation(doc, page);
        let content = doc
            .page_content(id, limits.max_stream_bytes)
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
        let mut content_out = PageContent::default();
        content_out
            .glyphs
            .reserve((content.len() / CONTENT_BYTES_PER_GLYPH).min(MAX_RESERVED_GLYPHS_PER_PAGE));
        let mut interp = Interpreter::new(
            doc,
            &mut fonts,
            limits,
            number,
            media,
            rotate,
            &mut content_out,
        );
        interp.run(&content, resources)?;
        annotations::draw(&mut interp, page)?;
        interp.finish();
        content_out.glyphs.shrink_to_fit();
        if doc.exhausted() {
            return Err(objects_exhausted(number));
        }
        out.push(content_out);
    }
    if doc.exhausted() {
        return Err(objects_exhausted(1));
    }
    if out.is_empty() {
        return Err(PdfError::Corrupt("the document has no pages".into()));
    }
    Ok(out)
}

/// The lazy object layer's value budget ran out while reading `page`.
fn objects_exhausted(page: u32) -> PdfError {
    PdfError::LimitExceeded {
        page,
        what: "PDF object values parsed",
        limit: lazy::MAX_CONVERTED_VALUES,
    }
}

/// The page's `/Rotate`, inherited, as 0, 90, 180 or 270 (ISO 32000-1,
/// 7.7.3.3: a multiple of 90, clockwise when displayed).
fn page_rotation(doc: &Source, page: &lopdf::Dictionary) -> i32 {
    objects::inherited(doc, page, b"Rotate")
        .and_then(|o| objects::resolve(doc, o))
        .and_then(objects::number)
        .map_or(0, |r| ((r as i64 / 90).rem_euclid(4) * 90) as i32)
}

/// The crop box of a page, inherited through `/Parent`, cut to the media
/// box (ISO 32000-1, 7.7.3.3, 14.11.2). An empty or missing box is left
/// out, as viewers do (pdf.js's `boundingBox_invalid.pdf`): the media box
/// when the crop box is empty or outside it, A4 when both are.
fn page_box(doc: &Source, page: &lopdf::Dictionary) -> [f64; 4] {
    let read = |key: &[u8]| match objects::inherited(doc, page, key) {
        Some(lopdf::Object::Array(a)) => numbers(doc, a)
            .and_then(|v| v.get(..4).and_then(|s| <[f64; 4]>::try_from(s).ok()))
            .map(|[x0, y0, x1, y1]| [x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)])
            .filter(|b| is_usable_box(*b)),
        _ => None,
    };
    let media = read(b"MediaBox");
    let crop = read(b"CropBox");
    match (crop, media) {
        (Some(c), Some(m)) => Some([
            c[0].max(m[0]),
            c[1].max(m[1]),
            c[2].min(m[2]),
            c[3].min(m[3]),
        ])
        .filter(|b| is_usable_box(*b))
        .unwrap_or(m),
        (Some(b), None) | (None, Some(b)) => b,
        // A4 portrait when the file says nothing usable.
        (None, None) => [0.0, 0.0, 595.0, 842.0],
    }
}

/// A page box at least a point wide and tall, with finite corners.
fn is_usable_box(b: [f64; 4]) -> bool {
    b.iter().all(|v| v.is_finite()) && b[2] - b[0] >= 1.0 && b[3] - b[1] >= 1.0
}
