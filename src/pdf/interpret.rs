//! The content-stream interpreter: page operators → positioned glyphs.
//!
//! Written by hand: lopdf parses operators but its `extract_text` has no
//! positions, skips Form XObjects and ignores `/ToUnicode` when a font has
//! an `/Encoding`. We track exactly the state that decides where a glyph
//! lands and whether a person can see it (ISO 32000-1, 8.4 graphics state,
//! 9.3 text state, 9.4 text objects, 14.9.4 `/ActualText`), plus the
//! paths and fills that make tables and backgrounds, and report it all to
//! a [`Device`]. Glyphs are held back only while something later can
//! change them (an open `/ActualText` span, a text clip not yet painted)
//! and reach the device in drawing order otherwise.
//!
//! Page coordinates are what a viewer shows: the crop box's origin moved
//! to the top-left, y down, and the page's `/Rotate` applied.

use super::content::{Operand, Operands};
use super::device::{Device, PaintKind, PaintedPath, Rgb, Warning};
use super::font::{DecodedCode, Font};
use super::geometry::{Matrix, Rect};
use super::objects::Source;
use super::objects::{as_dict, get, get_dict, get_name, number, numbers, resolve, stream_bytes};
use super::{DEADLINE_CHECK_EVERY, Glyph, Hidden, Limits, PdfError};
use compact_str::{CompactString, ToCompactString};
use lopdf::{Dictionary, Object, ObjectId, Stream};
use rustc_hash::FxHashMap;
use smallvec::SmallVec;
use std::collections::HashMap;
use std::sync::Arc;

/// Font ascent and descent, in ems, used for glyph boxes. Fonts' own
/// `/Ascent` values vary; layout only needs a box that covers the ink.
const GLYPH_ASCENT: f64 = 0.8;
const GLYPH_DESCENT: f64 = -0.2;

/// A fill this close to white (each component, 0–1) is "white": text drawn
/// in it on a white page cannot be seen.
const WHITE_THRESHOLD: f64 = 0.95;

/// What one document's pages share: fonts, loaded once, and the count of
/// content bytes decoded so far (bounded per document).
#[derive(Default)]
pub struct FontCache {
    by_id: HashMap<ObjectId, Arc<Font>>,
    /// ToUnicode and encoding CMaps shared by several fonts, parsed once.
    cmaps: super::font::SharedCMaps,
    /// Page and form content bytes decoded in this document.
    pub decoded_bytes: usize,
    /// Fonts written inline in a resource dictionary, by the dictionary's
    /// address (the document outlives the cache): loaded once too.
    inline: HashMap<usize, Arc<Font>>,
    /// Glyphs made in this document.
    pub glyphs: usize,
    /// Bytes of glyph text made in this document.
    pub text_bytes: usize,
    /// The standard font drawn for a font name the resources lack.
    missing: Option<Arc<Font>>,
}

/// `/ActualText` longer than this many bytes is ignored (the glyphs it
/// covers stand): a replacement text is a word or a line, and an 8 MB one
/// shared by many spans would multiply.
const MAX_ACTUAL_TEXT_BYTES: usize = 4096;

/// Glyphs between two looks at the clock inside one text-showing operator
/// (one `TJ` can hold a million glyphs).
const DEADLINE_CHECK_EVERY_GLYPHS: usize = 1024;

/// Filled areas remembered per page to judge what lies under white text
/// (the most recent ones matter: later fills cover earlier ones).
const MAX_REMEMBERED_FILLS: usize = 4096;

/// Segments kept per painted path (a table's grid is a few hundred).
const MAX_SEGMENTS_PER_PATH: usize = 4096;

#[derive(Clone)]
struct GraphicsState {
    ctm: Matrix,
    fill_is_white: bool,
    /// Whether `sc`/`scn` components in the fill colour space are
    /// device-like (gray, RGB, CMYK), so "white" can be judged.
    fill_space_is_device: bool,
    fill: Rgb,
    stroke: Rgb,
    stroke_space_is_device: bool,
    fill_alpha: f32,
    line_width: f64,
    /// A text clip (render mode 4–7) is active in this state.
    text_clip: bool,
    clip: Option<Rect>,
    font: Option<Arc<Font>>,
    font_size: f64,
    char_spacing: f64,
    word_spacing: f64,
    horizontal_scale: f64,
    leading: f64,
    rise: f64,
    render_mode: i64,
}

impl Default for GraphicsState {
    fn default() -> Self {
        GraphicsState {
            ctm: Matrix::IDENTITY,
            fill_is_white: false,
            fill_space_is_device: true,
            fill: [0.0; 3],
            stroke: [0.0; 3],
            stroke_space_is_device: true,
            fill_alpha: 1.0,
            line_width: 1.0,
            text_clip: false,
            clip: None,
            font: None,
            font_size: 0.0,
            char_spacing: 0.0,
            word_spacing: 0.0,
            horizontal_scale: 1.0,
            leading: 0.0,
            rise: 0.0,
            render_mode: 0,
        }
    }
}

/// What a glyph's matrices share with the glyphs shown before it while
/// the text matrix's linear part (a–d) stays the same, as it does along a
/// run of text (only the pen moves): the linear parts of the products
/// with the state's matrices depend on it alone, and so do the glyph's
/// size and angle. Made again when its bits change; each glyph's offsets
/// (e, f) are its own. The same arithmetic as computing every product
/// for every glyph, bit for bit, without four matrix products, a square
/// root and an arc tangent per glyph.
#[derive(Clone, Copy)]
struct TextFrame {
    /// What else the products depend on: the bits of the CTM and of the
    /// font size, horizontal scaling and rise (see [`TextFrame::state`];
    /// the page matrix is the interpreter's own).
    state: [u64; 9],
    /// The bits of the text matrix's a, b, c, d this frame was made for.
    key: [u64; 4],
    /// Text space → page space.
    device: Matrix,
    /// The text rendering matrix: the font size, scaling and rise, then
    /// `device`.
    trm: Matrix,
    /// As `trm` without the rise.
    baseline: Matrix,
    /// Whether `trm` neither turns nor shears (its b and c are zero; see
    /// [`glyph_box`]).
    upright: bool,
    /// The glyph's effective size.
    size: f64,
    /// The baseline's direction (see [`baseline_angle`]).
    angle: f64,
}

impl TextFrame {
    /// The bits of the CTM and of the text scale matrix's a, d and f (its
    /// b, c and e are zero; the baseline's matrix is the same without f).
    fn state(ctm: &Matrix, text_scale: &Matrix) -> [u64; 9] {
        let [a, b, c, d, e, f] = ctm.0;
        let [sa, _, _, sd, _, sf] = text_scale.0;
        [a, b, c, d, e, f, sa, sd, sf].map(f64::to_bits)
    }
}

/// Whether two bit arrays are equal, compared in registers (an array's
/// `==` of this size is a call to `memcmp`, once per show string).
#[inline(always)]
fn same_bits<const N: usize>(a: &[u64; N], b: &[u64; N]) -> bool {
    a.iter().zip(b).fold(0, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// A marked-content span: with `/ActualText`, the glyphs inside it are
/// replaced by that text.
struct MarkedSpan {
    actual_text: Option<CompactString>,
    first_glyph: usize,
}

/// Interprets one page (and the forms and annotations it draws).
pub struct Interpreter<'a, 'd> {
    doc: &'a Source,
    fonts: &'a mut FontCache,
    limits: &'a Limits,
    /// Page space: device (PDF user space) → top-left origin, y down, the
    /// page's rotation applied.
    to_page: Matrix,
    page_box: Rect,
    page_number: u32,
    /// The page being drawn. Its own type, not `dyn Device`: the one
    /// device an interpreter draws to, so a glyph is pushed where it is
    /// made (a call through the vtable took the glyph by value, a copy).
    device: &'d mut super::PageContent,
    /// Glyphs not yet sent to the device (see the module doc).
    pending: Vec<Glyph>,
    /// Glyphs made on this page (for the limit).
    glyph_count: usize,
    operator_count: usize,
    /// Filled areas so far, with whether their colour is light.
    fills: Vec<(Rect, bool)>,
    /// Indices in `pending` of clip-only (mode 7) glyphs awaiting paint.
    text_clip_glyphs: Vec<usize>,
    gs: GraphicsState,
    stack: Vec<GraphicsState>,
    tm: Matrix,
    tlm: Matrix,
    path_points: Vec<(f64, f64)>,
    path_start: Option<(f64, f64)>,
    path_segments: Vec<((f64, f64), (f64, f64))>,
    path_rects: Vec<Rect>,
    pending_clip: bool,
    spans: Vec<MarkedSpan>,
    form_stack: Vec<ObjectId>,
    decoded: Vec<DecodedCode>,
    /// What the last glyph's matrices shared (see [`TextFrame`]).
    text_frame: Option<TextFrame>,
    /// The last font `Tf` found: the resources' address, the name, the
    /// font (a missing font is not kept: each selection warns).
    last_font: Option<(usize, SmallVec<[u8; 16]>, Arc<Font>)>,
    /// Every font `Tf` found on this page, by the resources' address and
    /// the name (a missing font is not kept): a page that goes back and
    /// forth between fonts (Chromium's, 60–70 a page) finds each again
    /// without the resources' `/Font` dictionary, its SipHash look-up and
    /// the document's font cache. Bounded by the fonts the resources name.
    selected: FxHashMap<usize, FxHashMap<Box<[u8]>, Arc<Font>>>,
}

/// User space → page space for a crop box and a `/Rotate` of 0, 90, 180
/// or 270 (clockwise as displayed), and the page's displayed size.
pub fn page_matrix(crop: [f64; 4], rotate: i32) -> (Matrix, f64, f64) {
    let [x0, y0, x1, y1] = crop;
    let (left, right) = (x0.min(x1), x0.max(x1));
    let (bottom, top) = (y0.min(y1), y0.max(y1));
    let (w, h) = (right - left, top - bottom);
    match rotate {
        90 => (Matrix([0.0, 1.0, 1.0, 0.0, -bottom, -left]), h, w),
        180 => (Matrix([-1.0, 0.0, 0.0, 1.0, left + w, -bottom]), w, h),
        270 => (Matrix([0.0, -1.0, -1.0, 0.0, bottom + h, left + w]), h, w),
        _ => (Matrix([1.0, 0.0, 0.0, -1.0, -left, h + bottom]), w, h),
    }
}

impl<'a, 'd> Interpreter<'a, 'd> {
    /// Prepares a page whose crop box is `crop` (PDF user space), shown
    /// turned by `rotate` degrees, drawing to `page`.
    pub fn new(
        doc: &'a Source,
        fonts: &'a mut FontCache,
        limits: &'a Limits,
        page_number: u32,
        crop: [f64; 4],
        rotate: i32,
        page: &'d mut super::PageContent,
    ) -> Self {
        let (to_page, width, height) = page_matrix(crop, rotate);
        let page_box = Rect {
            x0: 0.0,
            y0: 0.0,
            x1: width,
            y1: height,
        };
        page.number = page_number;
        page.width = width;
        page.height = height;
        page.to_user = to_page.invert().unwrap_or_default();
        Interpreter {
            doc,
            fonts,
            limits,
            to_page,
            page_box,
            page_number,
            device: page,
            pending: Vec::new(),
            glyph_count: 0,
            operator_count: 0,
            fills: Vec::new(),
            text_clip_glyphs: Vec::new(),
            gs: GraphicsState::default(),
            stack: Vec::new(),
            tm: Matrix::IDENTITY,
            tlm: Matrix::IDENTITY,
            path_points: Vec::new(),
            path_start: None,
            path_segments: Vec::new(),
            path_rects: Vec::new(),
            pending_clip: false,
            spans: Vec::new(),
            form_stack: Vec::new(),
            decoded: Vec::new(),
            text_frame: None,
            last_font: None,
            selected: FxHashMap::default(),
        }
    }

    /// Runs a content stream with its resources.
    pub fn run(
        &mut self,
        content: &[u8],
        resources: Option<&'a Dictionary>,
    ) -> Result<(), PdfError> {
        // A malformed token is skipped; what the stream draws stands, as
        // in every viewer.
        super::content::for_each_operator(content, |operator, operands| {
            self.operator_count += 1;
            if self.operator_count > self.limits.max_operators_per_page {
                return Err(PdfError::LimitExceeded {
                    page: self.page_number,
                    what: "content operators per page",
                    limit: self.limits.max_operators_per_page,
                });
            }
            if self.operator_count.is_multiple_of(DEADLINE_CHECK_EVERY)
                && self
                    .limits
                    .deadline
                    .is_some_and(|d| std::time::Instant::now() > d)
            {
                return Err(PdfError::TimedOut {
                    page: self.page_number,
                });
            }
            self.operator(operator, operands, resources)?;
            self.flush_glyphs();
            Ok(())
        })
    }

    /// Ends the page: unclosed `/ActualText` spans still apply, and every
    /// glyph reaches the device.
    pub fn finish(mut self) {
        while let Some(span) = self.spans.pop() {
            self.close_span(span);
        }
        self.text_clip_glyphs.clear();
        self.flush_glyphs();
    }

    /// Sends held glyphs to the device once nothing can change them.
    /// Runs after every operator: the test inline, the sending (rare: only
    /// glyphs held back) out of line.
    #[inline(always)]
    fn flush_glyphs(&mut self) {
        if !self.pending.is_empty() && self.spans.is_empty() && self.text_clip_glyphs.is_empty() {
            self.send_pending();
        }
    }

    #[inline(never)]
    fn send_pending(&mut self) {
        for g in self.pending.drain(..) {
            self.device.glyph(g);
        }
    }

    /// The document being drawn.
    pub fn document(&self) -> &'a Source {
        self.doc
    }

    /// Draws an annotation's appearance stream: its `/Matrix` maps the
    /// form's `/BBox` onto the annotation's `/Rect` (ISO 32000-1, 12.5.5).
    pub fn draw_appearance(
        &mut self,
        stream: &'a Stream,
        rect: Rect,
        page_resources: Option<&'a Dictionary>,
    ) -> Result<(), PdfError> {
        let doc = self.doc;
        let form_matrix = form_matrix(doc, stream).unwrap_or(Matrix::IDENTITY);
        let bbox = get(doc, &stream.dict, b"BBox")
            .and_then(|o| match o {
                Object::Array(a) => numbers(doc, a),
                _ => None,
            })
            .and_then(|v| Rect::bounding(&[(*v.first()?, *v.get(1)?), (*v.get(2)?, *v.get(3)?)]));
        let Some(bbox) = bbox else {
            return Ok(());
        };
        let shown = form_matrix.apply_rect(&bbox);
        if shown.width() <= 0.0 || shown.height() <= 0.0 {
            return Ok(());
        }
        let (sx, sy) = (rect.width() / shown.width(), rect.height() / shown.height());
        let fit = Matrix([
            sx,
            0.0,
            0.0,
            sy,
            rect.x0 - shown.x0 * sx,
            rect.y0 - shown.y0 * sy,
        ]);
        let saved = self.gs.clone();
        self.gs = GraphicsState {
            ctm: fit,
            ..GraphicsState::default()
        };
        let result = self.draw_form(stream, None, page_resources);
        self.gs = saved;
        result
    }

    /// Draws text a widget shows without an appearance stream (a form
    /// field's `/V`), left-aligned and vertically centred in `rect`
    /// (user space), as a viewer that builds the appearance would.
    pub fn draw_field_value(&mut self, text: &str, rect: Rect, size: f64) -> Result<(), PdfError> {
        /// Padding a viewer leaves inside a field, points.
        const FIELD_PADDING: f64 = 2.0;
        let size = if size > 0.0 {
            size
        } else {
            (rect.height() * 0.6).clamp(4.0, 12.0)
        };
        let baseline = rect.y0 + (rect.height() - size) / 2.0 + 0.2 * size;
        let mut x = rect.x0 + FIELD_PADDING;
        let to_page = self.to_page;
        let font: std::sync::Arc<str> = "(field value)".into();
        for ch in text.chars() {
            if ch == '\n' || ch == '\r' {
                continue;
            }
            let advance = if ch.is_ascii() { 0.55 } else { 1.0 } * size;
            let corners = [
                to_page.apply(x, baseline + GLYPH_DESCENT * size),
                to_page.apply(x + advance, baseline + GLYPH_ASCENT * size),
            ];
            if let Some(bbox) = Rect::bounding(&corners) {
                self.push_glyph(Glyph {
                    text: ch.to_compact_string(),
                    bbox,
                    origin: to_page.apply(x, baseline),
                    size,
                    font: font.clone(),
                    hidden: None,
                    page: self.page_number,
                    angle: baseline_angle(&to_page),
                    fill: [0.0; 3],
                    opacity: 1.0,
                })?;
            }
            x += advance;
        }
        Ok(())
    }

    /// Counts a glyph against the limits and sends it on (see
    /// `flush_glyphs`). Inlined into `show`, its one hot caller: the glyph
    /// is built where it is handed to the device, not copied into a call.
    #[inline(always)]
    fn push_glyph(&mut self, glyph: Glyph) -> Result<(), PdfError> {
        let page = self.page_number;
        let over = |what: &'static str, limit: usize| PdfError::LimitExceeded { page, what, limit };
        if self.glyph_count >= self.limits.max_glyphs_per_page {
            return Err(over("glyphs per page", self.limits.max_glyphs_per_page));
        }
        if self.fonts.glyphs >= self.limits.max_glyphs_per_document {
            return Err(over(
                "glyphs in the document",
                self.limits.max_glyphs_per_document,
            ));
        }
        self.fonts.text_bytes += glyph.text.len();
        if self.fonts.text_bytes > self.limits.max_text_bytes_per_document {
            return Err(over(
                "bytes of glyph text in the document",
                self.limits.max_text_bytes_per_document,
            ));
        }
        if self.glyph_count.is_multiple_of(DEADLINE_CHECK_EVERY_GLYPHS)
            && self
                .limits
                .deadline
                .is_some_and(|d| std::time::Instant::now() > d)
        {
            return Err(PdfError::TimedOut { page });
        }
        self.fonts.glyphs += 1;
        self.glyph_count += 1;
        if self.spans.is_empty() && self.text_clip_glyphs.is_empty() && self.pending.is_empty() {
            // Nothing can change it any more (see `flush_glyphs`): straight
            // to the device, not through `pending`.
            self.device.glyph(glyph);
        } else {
            self.pending.push(glyph);
        }
        Ok(())
    }

    /// Paint happened: glyphs used as a clip (mode 7) show through it.
    fn painted(&mut self) {
        if self.gs.text_clip {
            for i in self.text_clip_glyphs.drain(..) {
                if let Some(g) = self.pending.get_mut(i) {
                    g.hidden = None;
                }
            }
        }
    }

    fn operator(
        &mut self,
        name: &[u8],
        ops: Operands<'_>,
        resources: Option<&'a Dictionary>,
    ) -> Result<(), PdfError> {
        let num = |i: usize| ops.number(i);
        match name {
            b"q" if self.stack.len() < self.limits.max_nesting => {
                self.stack.push(self.gs.clone());
            }
            b"Q" => {
                if let Some(gs) = self.stack.pop() {
                    self.gs = gs;
                }
                if !self.gs.text_clip {
                    // The clip was never painted through: its glyphs stay hidden.
                    self.text_clip_glyphs.clear();
                }
            }
            b"gs" => {
                if let Some(name) = ops.name(0) {
                    self.ext_gstate(resources, name);
                }
            }
            b"w" => self.gs.line_width = num(0).unwrap_or(1.0).abs(),
            b"cm" => {
                if let Some(m) = matrix_operands(ops.numbers()) {
                    self.gs.ctm = m.then(&self.gs.ctm);
                }
            }
            // Colour: only "is the fill white" matters.
            // g, rg and k also set the fill space to DeviceGray/RGB/CMYK.
            b"g" | b"rg" | b"k" => {
                self.gs.fill_space_is_device = true;
                self.gs.fill = to_rgb(ops.numbers()).unwrap_or([0.0; 3]);
                self.gs.fill_is_white = is_white(self.gs.fill);
            }
            b"sc" | b"scn" => {
                // In a Separation or DeviceN space a tint of 1 is full ink,
                // not white; only device-like spaces are judged.
                self.gs.fill = if self.gs.fill_space_is_device {
                    to_rgb(ops.numbers()).unwrap_or([0.0; 3])
                } else {
                    [0.0; 3]
                };
                self.gs.fill_is_white = self.gs.fill_space_is_device && is_white(self.gs.fill);
            }
            b"cs" => {
                self.gs.fill_is_white = false;
                self.gs.fill = [0.0; 3];
                self.gs.fill_space_is_device = ops
                    .name(0)
                    .is_some_and(|n| self.is_device_like_space(n, resources));
            }
            b"G" | b"RG" | b"K" => {
                self.gs.stroke_space_is_device = true;
                self.gs.stroke = to_rgb(ops.numbers()).unwrap_or([0.0; 3]);
            }
            b"SC" | b"SCN" => {
                self.gs.stroke = if self.gs.stroke_space_is_device {
                    to_rgb(ops.numbers()).unwrap_or([0.0; 3])
                } else {
                    [0.0; 3]
                };
            }
            b"CS" => {
                self.gs.stroke = [0.0; 3];
                self.gs.stroke_space_is_device = ops
                    .name(0)
                    .is_some_and(|n| self.is_device_like_space(n, resources));
            }
            b"sh" => self.painted(),
            // Paths: points for clipping, segments and rectangles for the
            // device (ruling lines, cell fills).
            b"m" => {
                if let (Some(x), Some(y)) = (num(0), num(1)) {
                    self.path_point(x, y);
                    self.path_start = self.path_points.last().copied();
                }
            }
            b"l" => {
                if let (Some(x), Some(y)) = (num(0), num(1)) {
                    let from = self.path_points.last().copied();
                    self.path_point(x, y);
                    if let (Some(a), Some(b)) = (from, self.path_points.last().copied())
                        && self.path_segments.len() < MAX_SEGMENTS_PER_PATH
                    {
                        self.path_segments.push((a, b));
                    }
                }
            }
            b"h" => {
                if let (Some(a), Some(b)) = (self.path_points.last().copied(), self.path_start)
                    && self.path_segments.len() < MAX_SEGMENTS_PER_PATH
                {
                    self.path_segments.push((a, b));
                }
            }
            b"c" => {
                for i in [0, 2, 4] {
                    if let (Some(x), Some(y)) = (num(i), num(i + 1)) {
                        self.path_point(x, y);
                    }
                }
            }
            b"v" | b"y" => {
                for i in [0, 2] {
                    if let (Some(x), Some(y)) = (num(i), num(i + 1)) {
                        self.path_point(x, y);
                    }
                }
            }
            b"re" => {
                if let (Some(x), Some(y), Some(w), Some(h)) = (num(0), num(1), num(2), num(3)) {
                    let m = self.gs.ctm.then(&self.to_page);
                    let corners = [
                        m.apply(x, y),
                        m.apply(x + w, y),
                        m.apply(x + w, y + h),
                        m.apply(x, y + h),
                    ];
                    self.path_point(x, y);
                    self.path_point(x + w, y + h);
                    if let Some(r) = Rect::bounding(&corners)
                        && self.path_rects.len() < MAX_SEGMENTS_PER_PATH
                    {
                        self.path_rects.push(r);
                    }
                }
            }
            b"W" | b"W*" => self.pending_clip = true,
            b"n" => self.end_path(None),
            b"S" | b"s" => self.end_path(Some(PaintKind::Stroke)),
            b"f" | b"F" | b"f*" | b"B" | b"B*" | b"b" | b"b*" => {
                self.end_path(Some(PaintKind::Fill))
            }
            b"BT" => {
                self.tm = Matrix::IDENTITY;
                self.tlm = Matrix::IDENTITY;
            }
            // Text drawn in modes 4–7 is added to the clip at ET.
            b"ET" => self.gs.text_clip |= self.gs.render_mode >= 4,
            b"Tf" => {
                self.gs.font_size = num(1).unwrap_or(0.0);
                if let Some(font_name) = ops.name(0) {
                    // The same name in the same resources as the last
                    // selection is the same font (Chromium selects it
                    // again in every text object): no look-up.
                    let key = resources.map_or(0, |r| std::ptr::from_ref(r) as usize);
                    if let Some((_, _, font)) = self
                        .last_font
                        .as_ref()
                        .filter(|(at, name, _)| *at == key && name.as_slice() == font_name)
                    {
                        self.gs.font = Some(font.clone());
                        return Ok(());
                    }
                    if let Some(font) = self
                        .selected
                        .get(&key)
                        .and_then(|fonts| fonts.get(font_name))
                        .cloned()
                    {
                        self.last_font = Some((key, SmallVec::from_slice(font_name), font.clone()));
                        self.gs.font = Some(font);
                        return Ok(());
                    }
                    // Loading a font can parse megabytes of CMap, and a
                    // document may select hundreds of fonts: the clock is
                    // read before each font the page has not selected
                    // yet, not every 4 096 operators only (a font found
                    // again above loads nothing and reads no clock).
                    if self
                        .limits
                        .deadline
                        .is_some_and(|d| std::time::Instant::now() > d)
                    {
                        return Err(PdfError::TimedOut {
                            page: self.page_number,
                        });
                    }
                    let found = self.font(resources, font_name);
                    if let Some(font) = &found {
                        self.selected
                            .entry(key)
                            .or_default()
                            .insert(font_name.into(), font.clone());
                        self.last_font = Some((key, SmallVec::from_slice(font_name), font.clone()));
                    }
                    self.gs.font = found.or_else(|| Some(self.missing_font()));
                }
            }
            b"Tc" => self.gs.char_spacing = num(0).unwrap_or(0.0),
            b"Tw" => self.gs.word_spacing = num(0).unwrap_or(0.0),
            b"Tz" => self.gs.horizontal_scale = num(0).unwrap_or(100.0) / 100.0,
            b"TL" => self.gs.leading = num(0).unwrap_or(0.0),
            b"Ts" => self.gs.rise = num(0).unwrap_or(0.0),
            b"Tr" => self.gs.render_mode = num(0).unwrap_or(0.0) as i64,
            b"Td" => self.next_line(num(0).unwrap_or(0.0), num(1).unwrap_or(0.0)),
            b"TD" => {
                let ty = num(1).unwrap_or(0.0);
                self.gs.leading = -ty;
                self.next_line(num(0).unwrap_or(0.0), ty);
            }
            b"Tm" => {
                if let Some(m) = matrix_operands(ops.numbers()) {
                    self.tm = m;
                    self.tlm = m;
                }
            }
            b"T*" => self.next_line(0.0, -self.gs.leading),
            b"Tj" => self.show_operand(ops.string(0))?,
            b"'" => {
                self.next_line(0.0, -self.gs.leading);
                self.show_operand(ops.string(0))?;
            }
            b"\"" => {
                self.gs.word_spacing = num(0).unwrap_or(0.0);
                self.gs.char_spacing = num(1).unwrap_or(0.0);
                self.next_line(0.0, -self.gs.leading);
                self.show_operand(ops.string(2))?;
            }
            b"TJ" => {
                if let Some(items) = ops.array(0) {
                    for item in items {
                        match item {
                            Operand::String(bytes) => self.show(bytes)?,
                            Operand::Number(n) => {
                                let tx = -n / 1000.0 * self.gs.font_size * self.gs.horizontal_scale;
                                self.tm = translated(&self.tm, tx, 0.0);
                            }
                            _ => {}
                        }
                    }
                }
            }
            b"Do" => {
                if let Some(xname) = ops.name(0) {
                    self.draw_xobject(resources, xname)?;
                }
            }
            b"BI" => self.image_at_ctm(),
            b"BMC" | b"BDC" => {
                let actual_text = if name == b"BDC" {
                    self.actual_text(ops.get(1), resources)
                } else {
                    None
                };
                if let Some(tag) = ops.name(0) {
                    self.device.begin_marked_content(tag);
                }
                self.spans.push(MarkedSpan {
                    actual_text,
                    first_glyph: self.pending.len(),
                });
            }
            b"EMC" => {
                if let Some(span) = self.spans.pop() {
                    self.close_span(span);
                    self.device.end_marked_content();
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Device gray/RGB/CMYK, their Cal forms, or an ICC-based space.
    fn is_device_like_space(&self, name: &[u8], resources: Option<&Dictionary>) -> bool {
        match name {
            b"DeviceGray" | b"DeviceRGB" | b"DeviceCMYK" | b"CalGray" | b"CalRGB" | b"G"
            | b"RGB" | b"CMYK" => true,
            other => resources
                .and_then(|r| get_dict(self.doc, r, b"ColorSpace"))
                .and_then(|spaces| spaces.get(other).ok())
                .and_then(|o| resolve(self.doc, o))
                .is_some_and(|o| match o {
                    Object::Name(n) => matches!(n.as_slice(), b"DeviceGray" | b"DeviceRGB" | b"DeviceCMYK"),
                    Object::Array(a) => a.first().is_some_and(|f| {
                        matches!(f, Object::Name(n) if matches!(n.as_slice(), b"ICCBased" | b"CalGray" | b"CalRGB"))
                    }),
                    _ => false,
                }),
        }
    }

    fn path_point(&mut self, x: f64, y: f64) {
        let p = self.gs.ctm.then(&self.to_page).apply(x, y);
        if self.path_points.len() < 4096 {
            self.path_points.push(p);
        }
    }

    fn end_path(&mut self, paint: Option<PaintKind>) {
        let bounds = Rect::bounding(&self.path_points);
        if let Some(kind) = paint {
            if kind == PaintKind::Fill {
                self.painted();
                if let Some(r) = bounds {
                    if self.fills.len() >= MAX_REMEMBERED_FILLS {
                        self.fills.remove(0);
                    }
                    self.fills.push((r, is_white(self.gs.fill)));
                }
            }
            let (color, line_width) = match kind {
                PaintKind::Stroke => (
                    self.gs.stroke,
                    self.gs.line_width * self.gs.ctm.then(&self.to_page).vertical_scale(),
                ),
                PaintKind::Fill => (self.gs.fill, 0.0),
            };
            self.device.path(PaintedPath {
                kind,
                color,
                line_width,
                segments: std::mem::take(&mut self.path_segments),
                rects: std::mem::take(&mut self.path_rects),
            });
        }
        if self.pending_clip
            && let Some(r) = bounds
        {
            self.gs.clip = Some(match self.gs.clip {
                Some(c) => c.intersect(&r),
                None => r,
            });
        }
        self.pending_clip = false;
        self.path_points.clear();
        self.path_segments.clear();
        self.path_rects.clear();
        self.path_start = None;
    }

    /// Reads the parts of an `ExtGState` that decide what shows: fill
    /// opacity (`/ca`) and line width (`/LW`).
    fn ext_gstate(&mut self, resources: Option<&'a Dictionary>, name: &[u8]) {
        let Some(dict) = resources
            .and_then(|r| get_dict(self.doc, r, b"ExtGState"))
            .and_then(|all| all.get(name).ok())
            .and_then(|o| resolve(self.doc, o))
            .and_then(as_dict)
        else {
            return;
        };
        if let Some(ca) = get(self.doc, dict, b"ca").and_then(number) {
            self.gs.fill_alpha = ca.clamp(0.0, 1.0) as f32;
        }
        if let Some(lw) = get(self.doc, dict, b"LW").and_then(number) {
            self.gs.line_width = lw.abs();
        }
    }

    /// Whether the last fill under a point is dark (white text shows on it).
    fn dark_fill_under(&self, point: (f64, f64)) -> bool {
        self.fills
            .iter()
            .rev()
            .find(|(r, _)| r.contains(point))
            .is_some_and(|(_, light)| !light)
    }

    fn next_line(&mut self, tx: f64, ty: f64) {
        self.tlm = translated(&self.tlm, tx, ty);
        self.tm = self.tlm;
    }

    /// A font the resources do not have (pdfium's `bug_1893.pdf`: an empty
    /// `/Font` dictionary): viewers draw the text in a standard font, so it
    /// is read as Helvetica with the standard encoding, with a warning.
    fn missing_font(&mut self) -> Arc<Font> {
        self.device.warning(Warning {
            page: self.page_number,
            message: "a font the page names is missing; read as a standard font",
        });
        let doc = self.doc;
        let fonts = &mut self.fonts;
        fonts
            .missing
            .get_or_insert_with(|| {
                let mut dict = Dictionary::new();
                dict.set("Type", Object::Name(b"Font".to_vec()));
                dict.set("Subtype", Object::Name(b"Type1".to_vec()));
                dict.set("BaseFont", Object::Name(b"Helvetica".to_vec()));
                Arc::new(Font::load(doc, &dict, b"Helvetica", &mut fonts.cmaps))
            })
            .clone()
    }

    fn font(&mut self, resources: Option<&'a Dictionary>, name: &[u8]) -> Option<Arc<Font>> {
        let fonts = get_dict(self.doc, resources?, b"Font")?;
        let entry = fonts.get(name).ok()?;
        if let Object::Reference(id) = entry {
            if let Some(f) = self.fonts.by_id.get(id) {
                return Some(f.clone());
            }
            let dict = resolve(self.doc, entry).and_then(as_dict)?;
            let font = Arc::new(Font::load(self.doc, dict, name, &mut self.fonts.cmaps));
            self.fonts.by_id.insert(*id, font.clone());
            Some(font)
        } else {
            let dict = as_dict(entry)?;
            let key = std::ptr::from_ref(dict) as usize;
            if let Some(f) = self.fonts.inline.get(&key) {
                return Some(f.clone());
            }
            let font = Arc::new(Font::load(self.doc, dict, name, &mut self.fonts.cmaps));
            self.fonts.inline.insert(key, font.clone());
            Some(font)
        }
    }

    fn show_operand(&mut self, op: Option<&[u8]>) -> Result<(), PdfError> {
        if let Some(bytes) = op {
            self.show(bytes)?;
        }
        Ok(())
    }

    fn show(&mut self, bytes: &[u8]) -> Result<(), PdfError> {
        // The font is lent out of the state for the string and put back,
        // not cloned: an `Arc` clone and drop are two atomic operations
        // per show string (Chromium shows each glyph with its own `Tj`).
        // Nothing `show_font` does reads or sets the state's font.
        let Some(font) = self.gs.font.take() else {
            return Ok(());
        };
        let shown = self.show_font(&font, bytes);
        self.gs.font = Some(font);
        shown
    }

    fn show_font(&mut self, font: &Font, bytes: &[u8]) -> Result<(), PdfError> {
        let mut decoded = std::mem::take(&mut self.decoded);
        decoded.clear();
        // What the document's text budget has left: decoding past it would
        // only make text push_glyph refuses.
        let text_left = self
            .limits
            .max_text_bytes_per_document
            .saturating_sub(self.fonts.text_bytes);
        font.decode(self.doc, bytes, &mut decoded, text_left);
        let gs = &self.gs;
        let size = gs.font_size;
        let th = gs.horizontal_scale;
        let text_scale = Matrix([size * th, 0.0, 0.0, size, 0.0, gs.rise]);
        // Without the rise: a raised or lowered glyph (`Ts`, a superscript)
        // keeps its line's baseline, as a reader sees it.
        let baseline_scale = Matrix([size * th, 0.0, 0.0, size, 0.0, 0.0]);
        let vertical = font.vertical();
        let clip_only = gs.render_mode == 7;
        let hidden_by_state = match gs.render_mode {
            3 | 7 => Some(Hidden::RenderMode),
            // Filled with no ink at all (`/ca 0`): as invisible as render
            // mode 3, and used the same way, as the text layer laid over a
            // picture of the text (pdf.js's issue14627.pdf).
            0 | 4 if gs.fill_alpha <= 0.0 => Some(Hidden::RenderMode),
            _ => None,
        };
        let fill_is_white = gs.fill_is_white;
        let (fill, opacity) = (gs.fill, gs.fill_alpha);
        let (ctm, to_page) = (gs.ctm, self.to_page);
        // The frame outlives the operator: a page that shows each glyph
        // with its own `Tj` (Chromium's) keeps one text matrix scale.
        let state = TextFrame::state(&ctm, &text_scale);
        // By reference: the frame is a few hundred bytes, copied on every
        // show string for a by-value `is_some_and`.
        if self
            .text_frame
            .as_ref()
            .is_some_and(|f| !same_bits(&f.state, &state))
        {
            self.text_frame = None;
        }
        for code in decoded.iter_mut() {
            let key = self.tm.linear_bits();
            let shared = match &mut self.text_frame {
                Some(f) if f.key == key => &*f,
                slot => {
                    let device = self.tm.then(&ctm).then(&to_page);
                    let trm = text_scale.then(&device);
                    &*slot.insert(TextFrame {
                        state,
                        key,
                        device,
                        trm,
                        baseline: baseline_scale.then(&device),
                        upright: trm.0[1] == 0.0 && trm.0[2] == 0.0,
                        size: size.abs() * device.vertical_scale(),
                        angle: baseline_angle(&trm),
                    })
                }
            };
            // `tm.then(&ctm).then(&to_page)`, `text_scale.then(&device)`
            // and `baseline_scale.then(&device)`: the linear parts shared,
            // each offset as `Matrix::then` computes it.
            let [.., tm_e, tm_f] = self.tm.0;
            let (e, f) = ctm.apply(tm_e, tm_f);
            let device = shared.device.with_offset(to_page.apply(e, f));
            let [.., scale_e, scale_f] = text_scale.0;
            let trm = shared.trm.with_offset(device.apply(scale_e, scale_f));
            let [.., base_e, base_f] = baseline_scale.0;
            let baseline = shared.baseline.with_offset(device.apply(base_e, base_f));
            let (glyph_size, angle) = (shared.size, shared.angle);
            // Vertical writing puts the glyph's horizontal origin half its
            // width left of the pen and `origin_y` below it (9.7.4.3).
            let (left, down) = vertical.map_or((0.0, 0.0), |v| (-code.width / 2.0, -v.origin_y));
            let bbox = glyph_box(
                &trm,
                shared.upright,
                (left, left + code.width),
                (GLYPH_DESCENT + down, GLYPH_ASCENT + down),
            );
            let origin = baseline.apply(left, down);
            if let Some(bbox) = bbox {
                let center = bbox.center();
                let hidden = hidden_by_state.or_else(|| {
                    if !self.page_box.contains(center) {
                        Some(Hidden::OffPage)
                    } else if self.gs.clip.is_some_and(|c| !c.contains(center)) {
                        Some(Hidden::Clipped)
                    } else if fill_is_white && !self.dark_fill_under(center) {
                        Some(Hidden::WhiteFill)
                    } else {
                        None
                    }
                });
                if clip_only && hidden == Some(Hidden::RenderMode) {
                    self.text_clip_glyphs.push(self.pending.len());
                }
                self.push_glyph(Glyph {
                    text: std::mem::take(&mut code.text),
                    bbox,
                    origin,
                    size: glyph_size,
                    font: font.name.clone(),
                    hidden,
                    page: self.page_number,
                    angle,
                    fill,
                    opacity,
                })?;
            }
            let spacing = self.gs.char_spacing
                + if code.is_word_space && !font.is_composite() {
                    self.gs.word_spacing
                } else {
                    0.0
                };
            self.tm = match vertical {
                // Downward, with no horizontal scaling (9.4.4).
                Some(v) => translated(&self.tm, 0.0, v.advance * size + spacing),
                None => translated(&self.tm, (code.width * size + spacing) * th, 0.0),
            };
        }
        self.decoded = decoded;
        Ok(())
    }

    fn image_at_ctm(&mut self) {
        let m = self.gs.ctm.then(&self.to_page);
        let corners = [
            m.apply(0.0, 0.0),
            m.apply(1.0, 0.0),
            m.apply(0.0, 1.0),
            m.apply(1.0, 1.0),
        ];
        if let Some(r) = Rect::bounding(&corners) {
            self.painted();
            self.device.image(r);
        }
    }

    fn draw_xobject(
        &mut self,
        resources: Option<&'a Dictionary>,
        name: &[u8],
    ) -> Result<(), PdfError> {
        let doc = self.doc;
        let Some(xobjects) = resources.and_then(|r| get_dict(doc, r, b"XObject")) else {
            return Ok(());
        };
        let Ok(entry) = xobjects.get(name) else {
            return Ok(());
        };
        let id = entry.as_reference().ok();
        let Some(Object::Stream(stream)) = resolve(doc, entry) else {
            return Ok(());
        };
        match get_name(doc, &stream.dict, b"Subtype") {
            Some(b"Image") => self.image_at_ctm(),
            Some(b"Form") => self.draw_form(stream, id, resources)?,
            _ => {}
        }
        Ok(())
    }

    /// Draws a Form XObject (or an appearance stream) in the current state.
    fn draw_form(
        &mut self,
        stream: &'a Stream,
        id: Option<ObjectId>,
        resources: Option<&'a Dictionary>,
    ) -> Result<(), PdfError> {
        let doc = self.doc;
        {
            {
                if self.form_stack.len() >= self.limits.max_nesting {
                    return Err(PdfError::LimitExceeded {
                        page: self.page_number,
                        what: "Form XObject nesting depth",
                        limit: self.limits.max_nesting,
                    });
                }
                if id.is_some_and(|id| self.form_stack.contains(&id)) {
                    // A form that draws itself: draw it once.
                    return Ok(());
                }
                let Some(content) = stream_bytes(stream, self.limits.max_stream_bytes) else {
                    self.device.warning(Warning {
                        page: self.page_number,
                        message: "a form's content stream could not be decoded",
                    });
                    return Ok(());
                };
                self.fonts.decoded_bytes += content.len();
                if self.fonts.decoded_bytes > self.limits.max_document_bytes {
                    return Err(PdfError::LimitExceeded {
                        page: self.page_number,
                        what: "decompressed content bytes in the document",
                        limit: self.limits.max_document_bytes,
                    });
                }
                let saved_gs = self.gs.clone();
                let saved_stack_len = self.stack.len();
                let (saved_tm, saved_tlm) = (self.tm, self.tlm);
                if let Some(m) = form_matrix(doc, stream) {
                    self.gs.ctm = m.then(&self.gs.ctm);
                }
                let form_resources = get_dict(doc, &stream.dict, b"Resources").or(resources);
                self.form_stack.push(id.unwrap_or((0, 0)));
                let result = self.run(&content, form_resources);
                self.form_stack.pop();
                self.gs = saved_gs;
                self.stack.truncate(saved_stack_len);
                self.tm = saved_tm;
                self.tlm = saved_tlm;
                result?;
            }
        }
        Ok(())
    }

    fn actual_text(
        &mut self,
        props: Option<Operand<'_>>,
        resources: Option<&Dictionary>,
    ) -> Option<CompactString> {
        let doc = self.doc;
        let text: &[u8] = match props? {
            Operand::Dictionary(d) => match d.get(b"ActualText")? {
                Operand::String(bytes) => bytes,
                _ => return None,
            },
            Operand::Name(n) => {
                let all = get_dict(doc, resources?, b"Properties")?;
                let dict = resolve(doc, all.get(n).ok()?).and_then(as_dict)?;
                match get(doc, dict, b"ActualText")? {
                    Object::String(bytes, _) => bytes,
                    _ => return None,
                }
            }
            _ => return None,
        };
        if text.len() > MAX_ACTUAL_TEXT_BYTES {
            self.device.warning(Warning {
                page: self.page_number,
                message: "an /ActualText over the length bound was ignored",
            });
            return None;
        }
        decode_text_string(text)
    }

    fn close_span(&mut self, span: MarkedSpan) {
        let Some(text) = span.actual_text else { return };
        let start = span.first_glyph.min(self.pending.len());
        // Clip glyphs inside the span merge into one glyph: their indices
        // would no longer hold.
        self.text_clip_glyphs.retain(|&i| i < start);
        let mut covered = self.pending.drain(start..);
        let Some(mut first) = covered.next() else {
            return;
        };
        for g in covered {
            first.bbox = first.bbox.union(&g.bbox);
        }
        first.text = text;
        self.pending.push(first);
    }
}

/// `Matrix::translate(tx, ty).then(m)`, as the text and line matrices
/// move after every glyph, kerning step and `Td`: the offset computed as
/// `then` computes it, the linear part kept (a translation's own is the
/// identity) instead of multiplied through by 1 and 0, twelve products
/// fewer a glyph. Only `then`'s -0 + 0 = +0 (and NaN from an infinite
/// matrix) are not reproduced in the linear part.
fn translated(m: &Matrix, tx: f64, ty: f64) -> Matrix {
    let [a, b, c, d, e, f] = m.0;
    Matrix([a, b, c, d, tx * a + ty * c + e, tx * b + ty * d + f])
}

/// The box of the rectangle `xs` × `ys` mapped by `m`: what
/// [`Rect::bounding`] of its four mapped corners gives, bit for bit. A
/// glyph's text rendering matrix seldom turns or shears (b and c zero)
/// and its offsets are the pen's place on the page (not zero): then each
/// corner's x is `x * a + e` (the `y * c` that [`Matrix::apply`] adds
/// before `e` is a zero, and a zero added to a number is that number; a
/// zero sum plus a non-zero `e` is `e`) and its y is `y * d + f`, so the
/// box is two products and one comparison a side instead of eight
/// products and eight comparisons. Anything else, or a result that is not
/// finite, is left to [`Rect::bounding`]. `upright` says that b and c
/// are zero (the text frame knows it once for its glyphs).
#[inline]
fn glyph_box(m: &Matrix, upright: bool, xs: (f64, f64), ys: (f64, f64)) -> Option<Rect> {
    let [a, _, _, d, e, f] = m.0;
    if upright && e != 0.0 && f != 0.0 {
        let (left, right) = (xs.0 * a + e, xs.1 * a + e);
        let (low, high) = (ys.0 * d + f, ys.1 * d + f);
        // All four finite (then so are the corners' `y * c` zeros): an
        // infinity or NaN among them makes their sum no finite number (a
        // sum that overflows is left to the general reading too).
        if (left + right + low + high).is_finite() {
            return Some(Rect {
                x0: left.min(right),
                y0: low.min(high),
                x1: left.max(right),
                y1: low.max(high),
            });
        }
    }
    Rect::bounding(&[
        m.apply(xs.0, ys.0),
        m.apply(xs.1, ys.0),
        m.apply(xs.0, ys.1),
        m.apply(xs.1, ys.1),
    ])
}

/// A text string (`/ActualText`) as lopdf's `decode_text_string` decodes
/// it: after a UTF-16BE byte order mark, its code units (an odd last
/// byte passed over; an unpaired surrogate makes it no text), else
/// through lopdf (a UTF-8 byte order mark, PDFDocEncoding). UTF-16, the
/// form Chromium writes for every span, is decoded here straight into the
/// glyph's text: no copy of the bytes, no vector of code units, no
/// `String` in between.
fn decode_text_string(text: &[u8]) -> Option<CompactString> {
    if let Some(units) = text.strip_prefix(b"\xFE\xFF") {
        let units = units
            .as_chunks::<2>()
            .0
            .iter()
            .map(|&pair| u16::from_be_bytes(pair));
        let mut out = CompactString::default();
        for c in char::decode_utf16(units) {
            out.push(c.ok()?);
        }
        return Some(out);
    }
    let text = Object::String(text.to_vec(), lopdf::StringFormat::Literal);
    lopdf::decode_text_string(&text)
        .ok()
        .map(CompactString::from)
}

/// A form's `/Matrix`, if it has a valid one.
fn form_matrix(doc: &Source, stream: &Stream) -> Option<Matrix> {
    get(doc, &stream.dict, b"Matrix")
        .and_then(|o| match o {
            Object::Array(a) => numbers(doc, a),
            _ => None,
        })
        .and_then(|v| Matrix::from_slice(&v))
}

/// The direction of a matrix's x axis as a person sees the page, degrees
/// counter-clockwise (page space has y down).
fn baseline_angle(m: &Matrix) -> f64 {
    let [a, b, ..] = m.0;
    (-b).atan2(a).to_degrees()
}

/// An operator's operands as a matrix, as `numbers` and
/// [`Matrix::from_slice`] read them: `None` unless every operand is a
/// number (a content stream's operands are never references) and there
/// are six or more, the first six finite. No vector in between: `cm` and
/// `Tm` are among a page's commonest operators.
fn matrix_operands(ops: impl IntoIterator<Item = Option<f64>>) -> Option<Matrix> {
    let mut m = [0.0; 6];
    let mut count = 0usize;
    for op in ops {
        let v = op?;
        if let Some(slot) = m.get_mut(count) {
            *slot = v;
        }
        count += 1;
    }
    if count < m.len() {
        return None;
    }
    Matrix::from_slice(&m)
}

/// Colour operands → RGB: one component is gray, three RGB, four CMYK
/// (operands that are no numbers, a pattern's name, are passed over).
fn to_rgb(ops: impl IntoIterator<Item = Option<f64>>) -> Option<Rgb> {
    // The first four numbers, and how many there are (more than four is
    // no colour): no vector per colour operator.
    let mut components = [0f32; 4];
    let mut count = 0usize;
    for v in ops.into_iter().flatten() {
        if let Some(slot) = components.get_mut(count) {
            *slot = v as f32;
        }
        count += 1;
    }
    match components.get(..count).unwrap_or_default() {
        [g] => Some([*g; 3]),
        [r, g, b] => Some([*r, *g, *b]),
        [c, m, y, k] => Some([
            (1.0 - c) * (1.0 - k),
            (1.0 - m) * (1.0 - k),
            (1.0 - y) * (1.0 - k),
        ]),
        _ => None,
    }
}

/// Whether a colour is (near) white.
fn is_white(c: Rgb) -> bool {
    c.iter().all(|v| f64::from(*v) >= WHITE_THRESHOLD)
}

/// The `/Resources` of a page, inherited through `/Parent`.
pub fn page_resources<'a>(doc: &'a Source, page: &'a Dictionary) -> Option<&'a Dictionary> {
    super::objects::inherited(doc, page, b"Resources").and_then(as_dict)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Operands as the operator loop's `Operands::numbers` gives them.
    fn nums(ops: &[Object]) -> Vec<Option<f64>> {
        ops.iter().map(number).collect()
    }

    #[test]
    fn matrix_operands_are_six_numbers_or_nothing() {
        let ints = |v: &[i64]| v.iter().map(|&i| Object::Integer(i)).collect::<Vec<_>>();
        assert_eq!(
            matrix_operands(nums(&ints(&[1, 0, 0, -1, 5, 6]))),
            Some(Matrix([1.0, 0.0, 0.0, -1.0, 5.0, 6.0]))
        );
        let mut mixed = ints(&[2, 0, 0, 2]);
        mixed.extend([Object::Real(0.5), Object::Real(-1.25)]);
        assert_eq!(
            matrix_operands(nums(&mixed)),
            Some(Matrix([2.0, 0.0, 0.0, 2.0, 0.5, -1.25]))
        );
        // Extra numbers are passed over; a non-number anywhere, too few
        // numbers or a non-finite one give nothing.
        assert_eq!(
            matrix_operands(nums(&ints(&[1, 2, 3, 4, 5, 6, 7]))),
            Some(Matrix([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]))
        );
        let mut named = ints(&[1, 0, 0, 1, 0, 0]);
        named.push(Object::Name(b"X".to_vec()));
        assert_eq!(matrix_operands(nums(&named)), None);
        assert_eq!(matrix_operands(nums(&ints(&[1, 0, 0, 1, 0]))), None);
        let mut infinite = ints(&[1, 0, 0, 1, 0]);
        infinite.push(Object::Real(f32::INFINITY));
        assert_eq!(matrix_operands(nums(&infinite)), None);
    }

    /// `translated` is `Matrix::translate(tx, ty).then(m)` bit for bit on
    /// the matrices text meets: turned, mirrored, sheared, tiny, huge.
    #[test]
    fn translated_is_a_translation_then_the_matrix() {
        let matrices = [
            [1.0, 0.0, 0.0, 1.0, 0.0, 0.0],
            [10.5, 0.0, 0.0, 10.5, 72.3, 700.1],
            [0.0, 12.0, -12.0, 0.0, 300.0, 90.0],
            [0.6, 0.8, -0.8, 0.6, -5.5, 1e-9],
            [-1.0, 0.0, 0.25, -1.0, 1e12, -3.0],
        ];
        let steps = [
            (0.0, 0.0),
            (6.125, 0.0),
            (0.0, -11.0),
            (-0.3, 2.75),
            (1e-7, 1e7),
        ];
        for m in matrices {
            let m = Matrix(m);
            for (tx, ty) in steps {
                let ours = translated(&m, tx, ty).0.map(f64::to_bits);
                let then = Matrix::translate(tx, ty).then(&m).0.map(f64::to_bits);
                assert_eq!(ours, then, "{m:?} by ({tx}, {ty})");
            }
        }
    }

    /// `glyph_box` gives `Rect::bounding` of the four mapped corners bit
    /// for bit, on generated matrices and rectangles that hit its fast
    /// path (no turn, offsets not zero) and every edge around it: signed
    /// zeros, zero offsets, zero scales, infinities, NaN, huge values.
    #[test]
    fn glyph_boxes_are_the_bounding_box_of_the_mapped_corners() {
        let specials = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            -0.2,
            0.8,
            1e308,
            -1e308,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
        ];
        let mut state = 0x6B6F_7865_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let bits = |r: Option<Rect>| r.map(|r| [r.x0, r.y0, r.x1, r.y1].map(f64::to_bits));
        for _ in 0..200_000 {
            let mut value = |zero_likely: bool| {
                let r = next();
                match r % 8 {
                    0 => specials[(r >> 8) as usize % specials.len()],
                    1 | 2 if zero_likely => {
                        if r & 0x100 == 0 {
                            0.0
                        } else {
                            -0.0
                        }
                    }
                    _ => ((r >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 2000.0,
                }
            };
            let m = Matrix([
                value(false),
                value(true),
                value(true),
                value(false),
                value(false),
                value(false),
            ]);
            let (x0, x1, y0, y1) = (value(true), value(false), value(false), value(false));
            let corners = [
                m.apply(x0, y0),
                m.apply(x1, y0),
                m.apply(x0, y1),
                m.apply(x1, y1),
            ];
            let upright = m.0[1] == 0.0 && m.0[2] == 0.0;
            assert_eq!(
                bits(glyph_box(&m, upright, (x0, x1), (y0, y1))),
                bits(Rect::bounding(&corners)),
                "{m:?} {x0} {x1} {y0} {y1}"
            );
        }
    }

    /// Text strings decode as lopdf decodes them, on generated UTF-16
    /// strings (odd lengths, lone and paired surrogates) and others.
    #[test]
    fn text_strings_decode_as_lopdf_decodes_them() {
        let units: [u16; 8] = [
            0x0041, 0x3000, 0x65E5, 0xD83D, 0xDE00, 0xDC00, 0x00E9, 0x0000,
        ];
        let mut state = 0x7465_7874_u64;
        for round in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut bytes = match round % 4 {
                0 => Vec::new(),
                1 => b"\xEF\xBB\xBF".to_vec(),
                _ => b"\xFE\xFF".to_vec(),
            };
            for k in 0..(state % 9) {
                let u = units[((state >> (8 + 3 * k)) % 8) as usize];
                bytes.extend_from_slice(&u.to_be_bytes());
            }
            if state & 0x8000_0000 != 0 {
                bytes.push(0x80);
            }
            let object = Object::String(bytes.clone(), lopdf::StringFormat::Literal);
            assert_eq!(
                decode_text_string(&bytes).map(String::from),
                lopdf::decode_text_string(&object).ok(),
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn colour_operands_by_count_of_numbers() {
        let reals = |v: &[f32]| v.iter().map(|&r| Object::Real(r)).collect::<Vec<_>>();
        assert_eq!(to_rgb(nums(&reals(&[0.5]))), Some([0.5; 3]));
        assert_eq!(
            to_rgb(nums(&reals(&[0.1, 0.2, 0.3]))),
            Some([0.1, 0.2, 0.3])
        );
        assert_eq!(to_rgb(nums(&reals(&[0.0, 0.0, 0.0, 1.0]))), Some([0.0; 3]));
        assert_eq!(
            to_rgb(nums(&reals(&[1.0, 0.0, 0.0, 0.0]))),
            Some([0.0, 1.0, 1.0])
        );
        // A pattern's name is passed over.
        let mut pattern = reals(&[1.0]);
        pattern.push(Object::Name(b"P0".to_vec()));
        assert_eq!(to_rgb(nums(&pattern)), Some([1.0; 3]));
        assert_eq!(to_rgb(nums(&reals(&[0.1, 0.2]))), None);
        assert_eq!(to_rgb(nums(&reals(&[0.1, 0.2, 0.3, 0.4, 0.5]))), None);
        assert_eq!(to_rgb(nums(&[])), None);
    }
}
