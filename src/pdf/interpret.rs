//! The content-stream interpreter: page operators → positioned glyphs.
//!
//! Written by hand: lopdf parses operators but its `extract_text` has no
//! positions, skips Form XObjects and ignores `/ToUnicode` when a font has
//! an `/Encoding`. We track exactly the state that decides where a glyph
//! lands and whether a person can see it (ISO 32000-1, 8.4 graphics state,
//! 9.3 text state, 9.4 text objects, 14.9.4 `/ActualText`), and ignore
//! everything that only paints.

use super::font::{DecodedCode, Font};
use super::geometry::{Matrix, Rect};
use super::objects::{as_dict, get, get_dict, get_name, number, numbers, resolve, stream_bytes};
use super::{DEADLINE_CHECK_EVERY, Glyph, Hidden, Limits, PageContent, PdfError};
use lopdf::{Dictionary, Document, Object, ObjectId};
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
    /// Page and form content bytes decoded in this document.
    pub decoded_bytes: usize,
}

#[derive(Clone)]
struct GraphicsState {
    ctm: Matrix,
    fill_is_white: bool,
    /// Whether `sc`/`scn` components in the fill colour space are
    /// device-like (gray, RGB, CMYK), so "white" can be judged.
    fill_space_is_device: bool,
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

/// A marked-content span: with `/ActualText`, the glyphs inside it are
/// replaced by that text.
struct MarkedSpan {
    actual_text: Option<String>,
    first_glyph: usize,
}

/// Interprets one page (and the forms it draws).
pub struct Interpreter<'a> {
    doc: &'a Document,
    fonts: &'a mut FontCache,
    limits: &'a Limits,
    /// Page space: device (PDF user space) → top-left origin, y down.
    to_page: Matrix,
    page_box: Rect,
    page_number: u32,
    out: PageContent,
    gs: GraphicsState,
    stack: Vec<GraphicsState>,
    tm: Matrix,
    tlm: Matrix,
    path_points: Vec<(f64, f64)>,
    pending_clip: bool,
    spans: Vec<MarkedSpan>,
    form_stack: Vec<ObjectId>,
    decoded: Vec<DecodedCode>,
}

impl<'a> Interpreter<'a> {
    /// Prepares a page whose crop box is `media` (PDF user space).
    pub fn new(
        doc: &'a Document,
        fonts: &'a mut FontCache,
        limits: &'a Limits,
        page_number: u32,
        media: [f64; 4],
    ) -> Self {
        let [x0, y0, x1, y1] = media;
        let (left, right) = (x0.min(x1), x0.max(x1));
        let (bottom, top) = (y0.min(y1), y0.max(y1));
        let to_page = Matrix([1.0, 0.0, 0.0, -1.0, -left, top]);
        let page_box = Rect {
            x0: 0.0,
            y0: 0.0,
            x1: right - left,
            y1: top - bottom,
        };
        Interpreter {
            doc,
            fonts,
            limits,
            to_page,
            page_box,
            page_number,
            out: PageContent {
                number: page_number,
                width: page_box.x1,
                height: page_box.y1,
                ..PageContent::default()
            },
            gs: GraphicsState::default(),
            stack: Vec::new(),
            tm: Matrix::IDENTITY,
            tlm: Matrix::IDENTITY,
            path_points: Vec::new(),
            pending_clip: false,
            spans: Vec::new(),
            form_stack: Vec::new(),
            decoded: Vec::new(),
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
            self.out.operator_count += 1;
            if self.out.operator_count > self.limits.max_operators_per_page {
                return Err(PdfError::LimitExceeded {
                    page: self.page_number,
                    what: "content operators per page",
                    limit: self.limits.max_operators_per_page,
                });
            }
            if self.out.operator_count.is_multiple_of(DEADLINE_CHECK_EVERY)
                && self
                    .limits
                    .deadline
                    .is_some_and(|d| std::time::Instant::now() > d)
            {
                return Err(PdfError::TimedOut {
                    page: self.page_number,
                });
            }
            self.operator(operator, operands, resources)
        })
    }

    /// The page's glyphs, images and counts.
    pub fn finish(mut self) -> PageContent {
        // Unclosed /ActualText spans still apply.
        while let Some(span) = self.spans.pop() {
            self.close_span(span);
        }
        self.out
    }

    fn operator(
        &mut self,
        name: &str,
        ops: &[Object],
        resources: Option<&'a Dictionary>,
    ) -> Result<(), PdfError> {
        let num = |i: usize| ops.get(i).and_then(number);
        match name {
            "q" if self.stack.len() < self.limits.max_nesting => {
                self.stack.push(self.gs.clone());
            }
            "Q" => {
                if let Some(gs) = self.stack.pop() {
                    self.gs = gs;
                }
            }
            "cm" => {
                if let Some(m) = numbers(self.doc, ops).and_then(|v| Matrix::from_slice(&v)) {
                    self.gs.ctm = m.then(&self.gs.ctm);
                }
            }
            // Colour: only "is the fill white" matters.
            // g, rg and k also set the fill space to DeviceGray/RGB/CMYK.
            "g" | "rg" | "k" => {
                self.gs.fill_space_is_device = true;
                self.gs.fill_is_white = match name {
                    "g" => num(0).is_some_and(|g| g >= WHITE_THRESHOLD),
                    "rg" => is_white_rgb(ops),
                    _ => is_white_cmyk(ops),
                };
            }
            "sc" | "scn" => {
                let comps: Vec<f64> = ops.iter().filter_map(number).collect();
                // In a Separation or DeviceN space a tint of 1 is full ink,
                // not white; only device-like spaces are judged.
                self.gs.fill_is_white = self.gs.fill_space_is_device
                    && match comps.len() {
                        1 => comps[0] >= WHITE_THRESHOLD,
                        3 => comps.iter().all(|c| *c >= WHITE_THRESHOLD),
                        4 => comps.iter().all(|c| *c <= 1.0 - WHITE_THRESHOLD),
                        _ => false,
                    };
            }
            "cs" => {
                self.gs.fill_is_white = false;
                self.gs.fill_space_is_device = ops
                    .first()
                    .is_some_and(|o| self.is_device_like_space(o, resources));
            }
            // Paths: kept only as bounding boxes, for clipping.
            "m" | "l" => {
                if let (Some(x), Some(y)) = (num(0), num(1)) {
                    self.path_point(x, y);
                }
            }
            "c" => {
                for i in [0, 2, 4] {
                    if let (Some(x), Some(y)) = (num(i), num(i + 1)) {
                        self.path_point(x, y);
                    }
                }
            }
            "v" | "y" => {
                for i in [0, 2] {
                    if let (Some(x), Some(y)) = (num(i), num(i + 1)) {
                        self.path_point(x, y);
                    }
                }
            }
            "re" => {
                if let (Some(x), Some(y), Some(w), Some(h)) = (num(0), num(1), num(2), num(3)) {
                    self.path_point(x, y);
                    self.path_point(x + w, y + h);
                }
            }
            "W" | "W*" => self.pending_clip = true,
            "n" | "S" | "s" | "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" => self.end_path(),
            "BT" => {
                self.tm = Matrix::IDENTITY;
                self.tlm = Matrix::IDENTITY;
            }
            "ET" => {}
            "Tf" => {
                self.gs.font_size = num(1).unwrap_or(0.0);
                if let Some(Object::Name(font_name)) = ops.first() {
                    self.gs.font = self.font(resources, font_name);
                }
            }
            "Tc" => self.gs.char_spacing = num(0).unwrap_or(0.0),
            "Tw" => self.gs.word_spacing = num(0).unwrap_or(0.0),
            "Tz" => self.gs.horizontal_scale = num(0).unwrap_or(100.0) / 100.0,
            "TL" => self.gs.leading = num(0).unwrap_or(0.0),
            "Ts" => self.gs.rise = num(0).unwrap_or(0.0),
            "Tr" => self.gs.render_mode = ops.first().and_then(number).unwrap_or(0.0) as i64,
            "Td" => self.next_line(num(0).unwrap_or(0.0), num(1).unwrap_or(0.0)),
            "TD" => {
                let ty = num(1).unwrap_or(0.0);
                self.gs.leading = -ty;
                self.next_line(num(0).unwrap_or(0.0), ty);
            }
            "Tm" => {
                if let Some(m) = numbers(self.doc, ops).and_then(|v| Matrix::from_slice(&v)) {
                    self.tm = m;
                    self.tlm = m;
                }
            }
            "T*" => self.next_line(0.0, -self.gs.leading),
            "Tj" => self.show_operand(ops.first())?,
            "'" => {
                self.next_line(0.0, -self.gs.leading);
                self.show_operand(ops.first())?;
            }
            "\"" => {
                self.gs.word_spacing = num(0).unwrap_or(0.0);
                self.gs.char_spacing = num(1).unwrap_or(0.0);
                self.next_line(0.0, -self.gs.leading);
                self.show_operand(ops.get(2))?;
            }
            "TJ" => {
                if let Some(Object::Array(items)) = ops.first() {
                    for item in items {
                        match item {
                            Object::String(bytes, _) => self.show(bytes)?,
                            other => {
                                if let Some(n) = number(other) {
                                    let tx =
                                        -n / 1000.0 * self.gs.font_size * self.gs.horizontal_scale;
                                    self.tm = Matrix::translate(tx, 0.0).then(&self.tm);
                                }
                            }
                        }
                    }
                }
            }
            "Do" => {
                if let Some(Object::Name(xname)) = ops.first() {
                    self.draw_xobject(resources, xname)?;
                }
            }
            "BI" => self.image_at_ctm(),
            "BMC" => self.spans.push(MarkedSpan {
                actual_text: None,
                first_glyph: self.out.glyphs.len(),
            }),
            "BDC" => {
                let actual_text = self.actual_text(ops.get(1), resources);
                self.spans.push(MarkedSpan {
                    actual_text,
                    first_glyph: self.out.glyphs.len(),
                });
            }
            "EMC" => {
                if let Some(span) = self.spans.pop() {
                    self.close_span(span);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Device gray/RGB/CMYK, their Cal forms, or an ICC-based space.
    fn is_device_like_space(&self, space: &Object, resources: Option<&Dictionary>) -> bool {
        let Object::Name(name) = space else {
            return false;
        };
        match name.as_slice() {
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

    fn end_path(&mut self) {
        if self.pending_clip
            && let Some(r) = Rect::bounding(&self.path_points)
        {
            self.gs.clip = Some(match self.gs.clip {
                Some(c) => c.intersect(&r),
                None => r,
            });
        }
        self.pending_clip = false;
        self.path_points.clear();
    }

    fn next_line(&mut self, tx: f64, ty: f64) {
        self.tlm = Matrix::translate(tx, ty).then(&self.tlm);
        self.tm = self.tlm;
    }

    fn font(&mut self, resources: Option<&'a Dictionary>, name: &[u8]) -> Option<Arc<Font>> {
        let fonts = get_dict(self.doc, resources?, b"Font")?;
        let entry = fonts.get(name).ok()?;
        if let Object::Reference(id) = entry {
            if let Some(f) = self.fonts.by_id.get(id) {
                return Some(f.clone());
            }
            let dict = resolve(self.doc, entry).and_then(as_dict)?;
            let font = Arc::new(Font::load(self.doc, dict, name));
            self.fonts.by_id.insert(*id, font.clone());
            Some(font)
        } else {
            let dict = as_dict(entry)?;
            Some(Arc::new(Font::load(self.doc, dict, name)))
        }
    }

    fn show_operand(&mut self, op: Option<&Object>) -> Result<(), PdfError> {
        if let Some(Object::String(bytes, _)) = op {
            self.show(bytes)?;
        }
        Ok(())
    }

    fn show(&mut self, bytes: &[u8]) -> Result<(), PdfError> {
        let Some(font) = self.gs.font.clone() else {
            return Ok(());
        };
        let mut decoded = std::mem::take(&mut self.decoded);
        decoded.clear();
        font.decode(bytes, &mut decoded);
        let gs = &self.gs;
        let size = gs.font_size;
        let th = gs.horizontal_scale;
        let text_scale = Matrix([size * th, 0.0, 0.0, size, 0.0, gs.rise]);
        let hidden_by_state = match gs.render_mode {
            3 | 7 => Some(Hidden::RenderMode),
            _ if gs.fill_is_white => Some(Hidden::WhiteFill),
            _ => None,
        };
        for code in decoded.iter_mut() {
            let device = self.tm.then(&self.gs.ctm).then(&self.to_page);
            let trm = text_scale.then(&device);
            let corners = [
                trm.apply(0.0, GLYPH_DESCENT),
                trm.apply(code.width, GLYPH_DESCENT),
                trm.apply(0.0, GLYPH_ASCENT),
                trm.apply(code.width, GLYPH_ASCENT),
            ];
            let origin = trm.apply(0.0, 0.0);
            if let Some(bbox) = Rect::bounding(&corners) {
                let center = bbox.center();
                let hidden = hidden_by_state.or_else(|| {
                    if !self.page_box.contains(center) {
                        Some(Hidden::OffPage)
                    } else if self.gs.clip.is_some_and(|c| !c.contains(center)) {
                        Some(Hidden::Clipped)
                    } else {
                        None
                    }
                });
                if self.out.glyphs.len() >= self.limits.max_glyphs_per_page {
                    return Err(PdfError::LimitExceeded {
                        page: self.page_number,
                        what: "glyphs per page",
                        limit: self.limits.max_glyphs_per_page,
                    });
                }
                self.out.glyphs.push(Glyph {
                    text: std::mem::take(&mut code.text),
                    bbox,
                    origin,
                    size: size.abs() * device.vertical_scale(),
                    font: font.name.clone(),
                    hidden,
                    page: self.page_number,
                });
            }
            let spacing = self.gs.char_spacing
                + if code.is_word_space && !font.is_composite() {
                    self.gs.word_spacing
                } else {
                    0.0
                };
            let tx = (code.width * size + spacing) * th;
            self.tm = Matrix::translate(tx, 0.0).then(&self.tm);
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
            self.out.images.push(r);
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
            Some(b"Form") => {
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
                if let Some(m) = get(doc, &stream.dict, b"Matrix")
                    .and_then(|o| match o {
                        Object::Array(a) => numbers(doc, a),
                        _ => None,
                    })
                    .and_then(|v| Matrix::from_slice(&v))
                {
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
            _ => {}
        }
        Ok(())
    }

    fn actual_text(
        &self,
        props: Option<&Object>,
        resources: Option<&Dictionary>,
    ) -> Option<String> {
        let dict = match props? {
            Object::Dictionary(d) => d,
            Object::Name(n) => {
                let all = get_dict(self.doc, resources?, b"Properties")?;
                resolve(self.doc, all.get(n).ok()?).and_then(as_dict)?
            }
            _ => return None,
        };
        let text = get(self.doc, dict, b"ActualText")?;
        lopdf::decode_text_string(text).ok()
    }

    fn close_span(&mut self, span: MarkedSpan) {
        let Some(text) = span.actual_text else { return };
        let start = span.first_glyph.min(self.out.glyphs.len());
        let mut covered = self.out.glyphs.drain(start..);
        let Some(mut first) = covered.next() else {
            return;
        };
        for g in covered {
            first.bbox = first.bbox.union(&g.bbox);
        }
        first.text = text;
        self.out.glyphs.push(first);
    }
}

fn is_white_rgb(ops: &[Object]) -> bool {
    let c: Vec<f64> = ops.iter().filter_map(number).collect();
    c.len() == 3 && c.iter().all(|v| *v >= WHITE_THRESHOLD)
}

fn is_white_cmyk(ops: &[Object]) -> bool {
    let c: Vec<f64> = ops.iter().filter_map(number).collect();
    c.len() == 4 && c.iter().all(|v| *v <= 1.0 - WHITE_THRESHOLD)
}

/// The `/Resources` of a page, inherited through `/Parent`.
pub fn page_resources<'a>(doc: &'a Document, page: &'a Dictionary) -> Option<&'a Dictionary> {
    super::objects::inherited(doc, page, b"Resources").and_then(as_dict)
}
