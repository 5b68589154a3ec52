//! The layout layer: glyphs → lines → chunks, in reading order.
//!
//! Content-stream order is not reading order (producers draw table cells
//! column by column, or at random), so everything here is geometric:
//! glyphs are grouped into lines by baseline, sorted left to right, and a
//! line is cut into chunks where the gap between glyphs is wider than a
//! cell's padding. Chunk text gets a space only where the page shows one:
//! a space glyph, or a word gap between two Latin characters. The gap a
//! producer puts between Japanese and Latin text ("autospace") and the
//! gaps of letter-spaced labels are layout, not text.
//!
//! Invisible glyphs are dropped here, except the invisible text layer that
//! OCR lays over a scanned page image: that is the page's text.
//!
//! The steps, in order, per page: visible glyphs → `glyphs_to_runs`
//! ([`decorations`]: the body's style, decorations set apart, the body
//! turned upright when the page draws it turned) → `glyphs_to_lines` (by
//! baseline, overprinted copies dropped) → `chars_to_chunks` (cut at wide
//! gaps). Ruling lines go to [`rulings`] for the table reader.

mod columns;
pub mod decorations;
pub mod rulings;
mod script;
mod text;

pub use decorations::{Decoration, DecorationKind};
pub use rulings::Rulings;
pub use script::{is_blank, is_cjk, push_without_whitespace};
pub use text::{SPACE_DOUBT_MARGIN, space_in_doubt};

use crate::error::Error;
use crate::pdf::{Glyph, Hidden, Matrix, PageContent, Rect};
use compact_str::CompactString;
use smallvec::SmallVec;
use unicode_normalization::UnicodeNormalization;

/// Two glyphs are on one line when their baselines differ by at most this
/// share of the font size.
const BASELINE_TOLERANCE: f64 = 0.35;

/// The same for an OCR layer over a scan: a scanner's words sit on a
/// slightly skewed, uneven baseline.
const OCR_BASELINE_TOLERANCE: f64 = 0.6;

/// A gap wider than this many ems between two glyphs on a line starts a new
/// chunk (a new table cell, or label and value).
const CHUNK_GAP: f64 = 0.9;

/// A ruling this close (points) outside the gap between two glyphs still
/// runs between them: glyph boxes are advance boxes, a border may touch one.
const RULING_SLACK: f64 = 0.5;

/// A gap wider than this many ems between two Latin characters is a word
/// space even without a space glyph.
const LATIN_SPACE_GAP: f64 = 0.2;

/// Between Japanese and Latin text, a gap only counts as a space when it is
/// wider than this many ems: narrower gaps are Writer/Word autospace.
const AUTOSPACE_GAP: f64 = 0.45;

/// Two copies of a glyph closer than this many ems, and closer than
/// [`OVERPRINT_WIDTH_SHARE`] of its width, are one glyph drawn twice
/// (pseudo-bold overprinting): a person sees one. Fakers shift by a
/// fraction of a point; a doubled letter ("ii") sits a whole advance away.
const OVERPRINT_DISTANCE: f64 = 0.15;
/// See [`OVERPRINT_DISTANCE`].
const OVERPRINT_WIDTH_SHARE: f64 = 0.4;

/// One glyph as layout sees it: visible, with its text NFKC-normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct Char {
    /// The text (NFKC; a space glyph is `" "`). Inline up to 24 bytes, so
    /// a glyph costs no allocation of its own.
    pub text: CompactString,
    /// Left edge.
    pub x0: f64,
    /// Right edge.
    pub x1: f64,
    /// Font size in points.
    pub size: f64,
    /// Top edge of the ink box.
    pub y0: f64,
    /// Bottom edge of the ink box.
    pub y1: f64,
}

impl Char {
    /// The glyph's box, in its page's layout frame.
    pub fn bbox(&self) -> Rect {
        Rect {
            x0: self.x0,
            y0: self.y0,
            x1: self.x1,
            y1: self.y1,
        }
    }
}

/// The box around some glyphs, `None` for none.
pub fn bbox_of<'c>(chars: impl IntoIterator<Item = &'c Char>) -> Option<Rect> {
    chars
        .into_iter()
        .filter(|c| !c.is_space())
        .map(Char::bbox)
        .reduce(|a, b| a.union(&b))
}

impl Char {
    /// Appends the text without whitespace to `out`.
    fn push_compact(&self, out: &mut String) {
        let text = self.text.as_str();
        match text.as_bytes() {
            // Most glyphs are one ASCII character.
            [b] if !char::from(*b).is_whitespace() => out.push(char::from(*b)),
            [_] => {}
            // Or one Japanese character: copied whole.
            [_, _, _] if !is_blank(text) && text.chars().nth(1).is_none() => out.push_str(text),
            _ => out.extend(text.chars().filter(|c| !c.is_whitespace())),
        }
    }

    /// [`Char::push_compact`] for a glyph known to be inked (not
    /// [`Char::is_space`]): its text, when one ASCII character or one
    /// three-byte character (almost every glyph), is then no whitespace
    /// and is copied whole, inline; anything else through `push_compact`.
    #[inline]
    fn push_inked_compact(&self, out: &mut String) {
        let text = self.text.as_str();
        match text.as_bytes() {
            [b] => out.push(char::from(*b)),
            // A three-byte lead: one character.
            [0xE0..=0xEF, _, _] => out.push_str(text),
            _ => self.push_compact(out),
        }
    }

    fn is_space(&self) -> bool {
        is_blank(&self.text)
    }
}

/// A run of glyphs on one line with no wide gap inside: usually one table
/// cell, or a label, or a value.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// Glyphs, left to right.
    pub chars: Vec<Char>,
}

impl Chunk {
    /// Left edge.
    pub fn x0(&self) -> f64 {
        self.chars.first().map_or(0.0, |c| c.x0)
    }

    /// Right edge.
    pub fn x1(&self) -> f64 {
        self.chars.iter().map(|c| c.x1).fold(f64::MIN, f64::max)
    }

    /// The text a person reads: spaces only where the page shows one.
    pub fn text(&self) -> String {
        text::join_chars(&self.chars)
    }

    /// The text with every space removed: what labels are matched on.
    pub fn compact(&self) -> String {
        let mut out = String::new();
        self.push_compact(&mut out);
        out
    }

    /// Appends [`Chunk::compact`] to `out`.
    fn push_compact(&self, out: &mut String) {
        for c in &self.chars {
            c.push_compact(out);
        }
    }
}

/// One text line.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Page, from 1.
    pub page: u32,
    /// Height of that page, points.
    pub page_height: f64,
    /// Baseline, points from the top of the page.
    pub baseline: f64,
    /// Typical font size on the line.
    pub size: f64,
    /// Chunks, left to right.
    pub chunks: Vec<Chunk>,
    /// The text with every space removed.
    compact: String,
    /// [`is_nfkc_by_range`] of `compact`, answered while the line is built
    /// (its glyphs were each asked already): the notice reader asks it of
    /// every line.
    compact_by_range: bool,
}

impl Line {
    /// Builds a line from its chunks.
    pub fn new(page: u32, page_height: f64, baseline: f64, size: f64, chunks: Vec<Chunk>) -> Line {
        // Room for one Japanese character (3 bytes) a glyph, counted per
        // chunk (summing every glyph's own length cost more than growing).
        let mut compact =
            String::with_capacity(3 * chunks.iter().map(|c| c.chars.len()).sum::<usize>());
        for c in &chunks {
            c.push_compact(&mut compact);
        }
        let compact_by_range = is_nfkc_by_range(&compact);
        Line {
            page,
            page_height,
            baseline,
            size,
            chunks,
            compact,
            compact_by_range,
        }
    }
}

impl Line {
    /// Left edge of the first chunk.
    pub fn x0(&self) -> f64 {
        self.chunks.first().map_or(0.0, Chunk::x0)
    }

    /// All glyphs, left to right.
    pub fn chars(&self) -> impl Iterator<Item = &Char> {
        self.chunks.iter().flat_map(|c| c.chars.iter())
    }

    /// The line's text with chunks separated by a wide gap, as
    /// `pdftotext -layout` would show it.
    pub fn text(&self) -> String {
        self.chunks
            .iter()
            .map(Chunk::text)
            .collect::<Vec<_>>()
            .join("  ")
    }

    /// The line's text with every space removed (computed once: every
    /// label lookup reads it).
    pub fn compact(&self) -> &str {
        &self.compact
    }

    /// [`is_nfkc_by_range`] of [`Line::compact`], without reading it again.
    pub fn compact_is_nfkc_by_range(&self) -> bool {
        self.compact_by_range
    }
}

/// One page's lines, top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Page number, from 1: the sheet's, or the column's when a sheet
    /// carries two columns of text (each a page of its own, by the
    /// layout's `columns` step).
    pub number: u32,
    /// The PDF page (sheet) the page's text is on, from 1.
    pub sheet: u32,
    /// Height in points.
    pub height: f64,
    /// Lines, top to bottom.
    pub lines: Vec<Line>,
    /// The page's layout frame → PDF user space of the unrotated page.
    pub to_user: Matrix,
    /// Ruling lines (table borders), in the layout frame.
    pub rulings: Rulings,
}

/// A line of text a person cannot see.
#[derive(Debug, Clone, PartialEq)]
pub struct HiddenLine {
    /// Why it cannot be seen.
    pub reason: Hidden,
    /// The line.
    pub line: Line,
}

/// The whole document's layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Pages in order.
    pub pages: Vec<Page>,
    /// Text drawn where no one can see it (not an OCR layer over a scan):
    /// never part of a value, but a decoy is worth a warning.
    pub hidden: Vec<HiddenLine>,
    /// Watermarks, stamps and seals kept out of the text.
    pub decorations: Vec<Decoration>,
}

impl Document {
    /// Lays out every page. Fails with `no_text_layer` when no page has
    /// visible text.
    pub fn from_pages(pages: &[PageContent]) -> Result<Document, Error> {
        let mut laid_out = Vec::with_capacity(pages.len());
        let mut hidden = Vec::new();
        let mut decorations = Vec::new();
        for page in pages {
            let (p, second, h, d) = page_to_lines(page);
            for mut p in std::iter::once(p).chain(second) {
                // Pages after a sheet of two columns move on by one.
                let number = u32::try_from(laid_out.len() + 1).unwrap_or(u32::MAX);
                if p.number != number {
                    p.number = number;
                    for line in &mut p.lines {
                        line.page = number;
                    }
                }
                laid_out.push(p);
            }
            hidden.extend(h);
            decorations.extend(d);
        }
        if laid_out.iter().all(|p| p.lines.is_empty()) {
            return Err(Error::NoTextLayer { pages: pages.len() });
        }
        Ok(Document {
            pages: laid_out,
            hidden,
            decorations,
        })
    }

    /// A page by number (from 1).
    pub fn page(&self, number: u32) -> Option<&Page> {
        self.pages.iter().find(|p| p.number == number)
    }

    /// A box on a page's layout frame, in PDF user space of that page.
    pub fn to_user_space(&self, page: u32, bbox: &Rect) -> Option<Rect> {
        self.page(page).map(|p| p.to_user.apply_rect(bbox))
    }

    /// The PDF page (sheet) a page's text is on: the page's own number
    /// unless a sheet before it, or it, carries two columns.
    pub fn sheet_of(&self, page: u32) -> u32 {
        self.page(page).map_or(page, |p| p.sheet)
    }

    /// Every line, page by page.
    pub fn lines(&self) -> impl Iterator<Item = &Line> {
        self.pages.iter().flat_map(|p| p.lines.iter())
    }

    /// The layout as text, with every glyph whose centre lies in one of
    /// `regions` (page, box in the layout frame) shown as `mask`, once per
    /// run: redaction by position, whatever the glyphs say.
    pub fn to_text_masked(&self, regions: &[(u32, Rect)], mask: &str) -> String {
        let mut out = String::new();
        for page in &self.pages {
            out.push_str(&format!("--- page {} ---\n", page.number));
            let here: Vec<&Rect> = regions
                .iter()
                .filter(|(p, _)| *p == page.number)
                .map(|(_, r)| r)
                .collect();
            for line in &page.lines {
                let chunks: Vec<String> = line
                    .chunks
                    .iter()
                    .map(|chunk| {
                        let hidden = |c: &Char| here.iter().any(|r| r.contains(c.bbox().center()));
                        if !chunk.chars.iter().any(hidden) {
                            return chunk.text();
                        }
                        let mut text = String::new();
                        let mut run: Vec<Char> = Vec::new();
                        let mut masked = false;
                        for c in &chunk.chars {
                            if hidden(c) {
                                if !run.is_empty() {
                                    text.push_str(&text_of(&run));
                                    text.push(' ');
                                    run.clear();
                                }
                                if !masked {
                                    text.push_str(mask);
                                    text.push(' ');
                                    masked = true;
                                }
                            } else {
                                masked = false;
                                run.push(c.clone());
                            }
                        }
                        text.push_str(&text_of(&run));
                        text.trim().to_string()
                    })
                    .collect();
                out.push_str(&chunks.join("  "));
                out.push('\n');
            }
        }
        out
    }

    /// The layout as text, page by page (`kaitsu text`).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for page in &self.pages {
            out.push_str(&format!("--- page {} ---\n", page.number));
            for line in &page.lines {
                out.push_str(&line.text());
                out.push('\n');
            }
        }
        out
    }
}

/// A glyph's text, NFKC-normalised with radicals folded, and whether the
/// text passed [`is_nfkc_by_range`] (then it is its own normal form;
/// `false` says nothing of the result). Most glyph text is already
/// normalised (ASCII, kana, kanji): the quick check skips the normaliser's
/// allocation-heavy path for it.
fn normalize_glyph_text(glyph_text: &CompactString) -> (CompactString, bool) {
    // Text kept as it is is cloned, not rebuilt from its characters: an
    // inline `CompactString` (almost every glyph's) is copied whole.
    let text = glyph_text.as_str();
    if is_nfkc_by_range(text) {
        return (glyph_text.clone(), true);
    }
    let quick = unicode_normalization::is_nfkc_quick(text.chars());
    let normalized = if quick == unicode_normalization::IsNormalized::Yes
        && !text.chars().any(|c| ('\u{2E80}'..='\u{2EFF}').contains(&c))
    {
        glyph_text.clone()
    } else {
        text.nfkc().map(script::fold_radical).collect()
    };
    (normalized, false)
}

/// True when every character of `text` is one NFKC leaves alone whatever
/// surrounds it (no decomposition, combining class 0, never the second
/// half of a composition): ASCII, the CJK unified ideographs, hiragana
/// letters and katakana letters with the middle dot and prolonged-sound
/// mark, and the CJK punctuation, brackets, iteration mark, reference
/// mark and geometric shapes (■ markers) notices print. It answers the
/// quick check's question
/// for most of a notice's text with a few comparisons a character instead
/// of a table search; `false` only means "ask the quick check".
pub fn is_nfkc_by_range(text: &str) -> bool {
    text.chars().all(|c| {
        matches!(c,
            '\0'..='\x7F'
            | '\u{203B}'
            | '\u{25A0}'..='\u{25FF}'
            | '\u{3001}'..='\u{3002}'
            | '\u{3005}'
            | '\u{3008}'..='\u{3011}'
            | '\u{3041}'..='\u{3096}'
            | '\u{30A1}'..='\u{30FC}'
            | '\u{4E00}'..='\u{9FFF}')
    })
}

/// True when most of a page's invisible glyphs lie on its images: the text
/// layer of a picture of text that covers less of the page than a scan
/// (a screenshot with its text laid over it, pdf.js's issue14627.pdf).
fn invisible_text_over_images(page: &PageContent) -> bool {
    let (mut invisible, mut over_image) = (0usize, 0usize);
    for g in &page.glyphs {
        if g.hidden == Some(Hidden::RenderMode) && !is_blank(&g.text) {
            invisible += 1;
            let center = g.bbox.center();
            if page.images.iter().any(|r| r.contains(center)) {
                over_image += 1;
            }
        }
    }
    invisible > 0 && 2 * over_image > invisible
}

/// Whether layout keeps a glyph: what a person sees, plus an OCR layer.
fn is_visible(glyph: &Glyph, page_is_scan: bool) -> bool {
    match glyph.hidden {
        None => true,
        Some(Hidden::RenderMode) => page_is_scan,
        Some(_) => false,
    }
}

/// One page's visible glyphs → lines, its hidden glyphs → hidden lines, and
/// the text set apart as decoration.
fn page_to_lines(page: &PageContent) -> (Page, Option<Page>, Vec<HiddenLine>, Vec<Decoration>) {
    // An OCR layer is the only text of a scanned page. A page that also has
    // text a person can see is a normal page on a background image, and
    // its invisible text is hidden, not OCR.
    let scan = (page.is_scanned() || invisible_text_over_images(page))
        && !page
            .glyphs
            .iter()
            .any(|g| g.hidden.is_none() && !is_blank(&g.text));
    // One pass, the visible glyphs' vector reserved for all of them (most
    // are): collecting a filter grew it by doubling, a copy each time.
    let mut visible: Vec<&Glyph> = Vec::with_capacity(page.glyphs.len());
    let mut hidden: Vec<&Glyph> = Vec::new();
    for g in &page.glyphs {
        let usable = !g.text.is_empty() && g.size > 0.0;
        if !usable {
            continue;
        }
        if is_visible(g, scan) {
            visible.push(g);
        } else {
            hidden.push(g);
        }
    }
    let hidden_lines = [
        Hidden::RenderMode,
        Hidden::WhiteFill,
        Hidden::Clipped,
        Hidden::OffPage,
    ]
    .into_iter()
    .flat_map(|reason| {
        let of_reason: Vec<&Glyph> = hidden
            .iter()
            .copied()
            .filter(|g| g.hidden == Some(reason))
            .collect();
        glyphs_to_lines(
            of_reason,
            page.number,
            page.height,
            BASELINE_TOLERANCE,
            None,
        )
        .into_iter()
        .map(move |line| HiddenLine { reason, line })
    })
    .collect();
    let tolerance = if scan {
        OCR_BASELINE_TOLERANCE
    } else {
        BASELINE_TOLERANCE
    };
    let style = decorations::body_style(&visible);
    let (body, mut found_decorations) = match &style {
        Some(style) => decorations::split_decorations(visible, style),
        None => (visible, Vec::new()),
    };
    let body_angle = style.map_or(0.0, |s| s.angle);
    // Body text of another direction (it lies over nothing): its own lines.
    // Nearly every page's body runs one way: no partition (two vectors
    // grown glyph by glyph) when every glyph runs the body's way.
    // Whether every glyph runs exactly the body's (whole-degree) way, a
    // quarter turn, as on nearly every page: else the body's exact
    // direction is read, below.
    let mut exact = body_angle % 90.0 == 0.0;
    let (body, turned_body): (Vec<&Glyph>, Vec<&Glyph>) = if body.iter().all(|g| {
        exact &= g.angle == body_angle;
        decorations::same_direction(g.angle, body_angle)
    }) {
        (body, Vec::new())
    } else {
        exact = false;
        body.into_iter()
            .partition(|g| decorations::same_direction(g.angle, body_angle))
    };
    let (frame, _, height) = if exact {
        decorations::upright_frame(body_angle, page.width, page.height)
    } else {
        let angle = decorations::exact_body_angle(&body, body_angle);
        decorations::upright_frame_exact(angle, page.width, page.height)
    };
    let to_user = frame.invert().unwrap_or_default().then(&page.to_user);
    let rulings = rulings::Rulings::from_paths(&page.paths, &frame);
    let lines = if frame == Matrix::IDENTITY {
        glyphs_to_lines(body, page.number, height, tolerance, Some(&rulings))
    } else {
        let turned: Vec<Glyph> = body.iter().map(|g| turn_glyph(g, &frame)).collect();
        for d in &mut found_decorations {
            d.bbox = frame.apply_rect(&d.bbox);
        }
        glyphs_to_lines(
            turned.iter().collect(),
            page.number,
            height,
            tolerance,
            Some(&rulings),
        )
    };
    let others = other_direction_lines(&turned_body, page.number, height, tolerance);
    let page_of = |mut lines: Vec<Line>, rulings: Rulings, others: Vec<Line>| {
        lines.extend(others);
        Page {
            number: page.number,
            sheet: page.number,
            height,
            lines,
            to_user,
            rulings,
        }
    };
    let (first, second) = match columns::gutter(&lines, &rulings) {
        None => (page_of(lines, rulings, others), None),
        Some(mid) => {
            let [(left, left_rulings), (right, right_rulings)] =
                columns::split(lines, &rulings, mid);
            (
                page_of(left, left_rulings, others),
                Some(page_of(right, right_rulings, Vec::new())),
            )
        }
    };
    (first, second, hidden_lines, found_decorations)
}

/// Lines of body glyphs that run in another direction than the page's body
/// (a label turned along a drawing's edge, a diagonal heading): each
/// direction is turned upright on its own and laid out like the body, its
/// lines after the page's. Their boxes are in that direction's frame.
fn other_direction_lines(
    glyphs: &[&Glyph],
    page_number: u32,
    page_height: f64,
    tolerance: f64,
) -> Vec<Line> {
    let mut rest: Vec<&Glyph> = glyphs.to_vec();
    let mut lines = Vec::new();
    while let Some(first) = rest.first() {
        let angle = first.angle;
        let (same, others): (Vec<&Glyph>, Vec<&Glyph>) = rest
            .iter()
            .copied()
            .partition(|g| decorations::same_direction(g.angle, angle));
        rest = others;
        // Turns the direction `angle` (counter-clockwise as seen, y down)
        // to left to right.
        let (sin, cos) = angle.to_radians().sin_cos();
        let frame = Matrix([cos, sin, -sin, cos, 0.0, 0.0]);
        let turned: Vec<Glyph> = same.iter().map(|g| turn_glyph(g, &frame)).collect();
        lines.extend(glyphs_to_lines(
            turned.iter().collect(),
            page_number,
            page_height,
            tolerance,
            None,
        ));
    }
    lines
}

/// A glyph seen in a turned frame.
fn turn_glyph(g: &Glyph, frame: &Matrix) -> Glyph {
    let [a, b, ..] = frame.0;
    let turn = (-b).atan2(a).to_degrees();
    Glyph {
        bbox: frame.apply_rect(&g.bbox),
        origin: frame.apply(g.origin.0, g.origin.1),
        angle: g.angle + turn,
        ..g.clone()
    }
}

/// glyphs_to_lines: glyphs in any order → lines by baseline, top to
/// bottom, each cut into chunks.
fn glyphs_to_lines(
    mut glyphs: Vec<&Glyph>,
    page_number: u32,
    page_height: f64,
    tolerance: f64,
    rulings: Option<&Rulings>,
) -> Vec<Line> {
    sort_by_baseline(&mut glyphs);
    // Each line is a run of the sorted glyphs (no vector of its own): a
    // glyph joins the run when its baseline is near the run's first one.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    for (i, g) in glyphs.iter().enumerate() {
        let first = glyphs[start];
        let same_line = (g.origin.1 - first.origin.1).abs() <= tolerance * first.size.min(g.size);
        if i > start && !same_line {
            runs.push((start, i));
            start = i;
        }
    }
    if start < glyphs.len() {
        runs.push((start, glyphs.len()));
    }
    // One buffer for every line's glyphs and their space flags: a line's
    // chunks are moved out of it at their exact sizes.
    let mut chars: Vec<Char> = Vec::new();
    let mut spaces: Vec<bool> = Vec::new();
    let mut edges: Vec<f64> = Vec::new();
    let mut lines = Vec::with_capacity(runs.len());
    for (start, end) in runs {
        let Some(run) = glyphs.get_mut(start..end) else {
            continue;
        };
        run.sort_by(|a, b| a.bbox.x0.total_cmp(&b.bbox.x0));
        let kept = drop_overprints(run);
        let Some(group) = run.get(..kept) else {
            continue;
        };
        let baseline = group.iter().map(|g| g.origin.1).sum::<f64>() / group.len() as f64;
        let mut sizes: SmallVec<[f64; INLINE_LINE_GLYPHS]> = group.iter().map(|g| g.size).collect();
        let size = median(&mut sizes).unwrap_or(10.0);
        // One pass over the glyphs: each one's text, whether it is a
        // space, the line's inked box (as `bbox_of`) and its compact text
        // (as `Line::new`: only whitespace lies outside the chunks).
        chars.clear();
        spaces.clear();
        let mut band: Option<Rect> = None;
        let mut compact = String::with_capacity(3 * group.len());
        // Whether every glyph's text passed `is_nfkc_by_range`: then the
        // compact text (some of their characters) does too. Otherwise the
        // compact text is asked itself, below.
        let mut all_by_range = true;
        for g in group {
            let (text, by_range) = normalize_glyph_text(&g.text);
            all_by_range &= by_range;
            let c = Char {
                text,
                x0: g.bbox.x0,
                x1: g.bbox.x1,
                size: g.size,
                y0: g.bbox.y0,
                y1: g.bbox.y1,
            };
            let space = c.is_space();
            if !space {
                band = Some(band.map_or(c.bbox(), |b| b.union(&c.bbox())));
                c.push_inked_compact(&mut compact);
            }
            spaces.push(space);
            chars.push(c);
        }
        edges.clear();
        if let (Some(r), Some(band)) = (rulings, band) {
            r.column_edges_into(&band, &mut edges);
        }
        let chunks = cut_chunks(&mut chars, &spaces, &edges);
        if !chunks.is_empty() {
            let compact_by_range = all_by_range || is_nfkc_by_range(&compact);
            lines.push(Line {
                page: page_number,
                page_height,
                baseline,
                size,
                chunks,
                compact,
                compact_by_range,
            });
        }
    }
    lines
}

/// Glyphs an ascending run of baselines holds on average for
/// [`sort_by_baseline`] to sort by comparison: the library's stable sort
/// takes a run of 64 or more as sorted and sorts shorter ones again, and
/// pages of 200-user tables drawn in runs of about 60 glyphs cost it
/// more than the counting pass (callgrind).
const SORTED_RUN_GLYPHS: usize = 128;

/// Distinct baselines a page's glyphs are bucketed by in
/// [`sort_by_baseline`]; a page with more (turned or scattered text) is
/// sorted by comparison. A page of text has a few dozen lines.
const BUCKETED_BASELINES: usize = 512;

/// Sorts glyphs by baseline, stably, in the order `total_cmp` gives: what
/// `sort_by(|a, b| a.origin.1.total_cmp(&b.origin.1))` does, and what it
/// does for most pages, drawn top to bottom in long runs that the
/// library's stable sort merges cheaply. A page drawn in short runs (a
/// table whose cells wrap, drawn cell by cell: the line below, then back
/// up) made it partition and merge them: its glyphs are put on their few
/// dozen baselines instead, each glyph's baseline (an integer key that
/// orders as `total_cmp`) found among the distinct ones once a run, and
/// every glyph moved to its place in one counting pass.
fn sort_by_baseline(glyphs: &mut Vec<&Glyph>) {
    // Ascending runs, counted by where a baseline goes back up.
    let descents = glyphs
        .windows(2)
        .filter(|w| matches!(w, [a, b] if b.origin.1 < a.origin.1))
        .count();
    if (descents + 1).saturating_mul(SORTED_RUN_GLYPHS) <= glyphs.len() {
        glyphs.sort_by(|a, b| a.origin.1.total_cmp(&b.origin.1));
        return;
    }
    let mut keys: Vec<i64> = glyphs.iter().map(|g| total_order_key(g.origin.1)).collect();
    // The distinct baselines, sorted.
    let mut distinct: Vec<i64> = Vec::new();
    let mut last: Option<i64> = None;
    for &k in &keys {
        if last == Some(k) {
            continue;
        }
        last = Some(k);
        if let Err(at) = distinct.binary_search(&k) {
            if distinct.len() == BUCKETED_BASELINES {
                glyphs.sort_by(|a, b| a.origin.1.total_cmp(&b.origin.1));
                return;
            }
            distinct.insert(at, k);
        }
    }
    // Glyphs per baseline, then where each baseline's glyphs start.
    let mut starts: Vec<usize> = vec![0; distinct.len() + 1];
    let mut last: Option<(i64, usize)> = None;
    for k in keys.iter_mut() {
        let at = match last {
            Some((prev, at)) if prev == *k => at,
            _ => distinct.binary_search(k).unwrap_or_default(),
        };
        last = Some((*k, at));
        *k = at as i64;
        if let Some(n) = starts.get_mut(at + 1) {
            *n += 1;
        }
    }
    let mut before = 0;
    for s in starts.iter_mut() {
        before += *s;
        *s = before;
    }
    let mut sorted: Vec<&Glyph> = glyphs.clone();
    for (g, at) in glyphs.iter().zip(&keys) {
        if let Some(next) = starts.get_mut(*at as usize) {
            if let Some(slot) = sorted.get_mut(*next) {
                *slot = g;
            }
            *next += 1;
        }
    }
    *glyphs = sorted;
}

/// An integer that orders as [`f64::total_cmp`] orders its value: the
/// same bit flip `total_cmp` makes before it compares.
fn total_order_key(x: f64) -> i64 {
    let bits = x.to_bits() as i64;
    bits ^ ((((bits >> 63) as u64) >> 1) as i64)
}

/// The upper median of some values (the middle one of an odd count), by
/// selection rather than a full sort; `None` for none.
fn median(values: &mut [f64]) -> Option<f64> {
    let mid = values.len() / 2;
    let first = *values.first()?;
    // A line's glyphs mostly share one size: all one value (by bits, which
    // is what `total_cmp` calls equal) is its own median.
    if values.iter().all(|v| v.to_bits() == first.to_bits()) {
        return Some(first);
    }
    // A value held by more than half of them (a page's body size) covers
    // the middle of the sorted values: found by a majority vote and a
    // count, two passes without the selection's comparisons and moves.
    // Equal by bits is equal by `total_cmp`: the selection's answer.
    let mut candidate = first.to_bits();
    let mut lead = 0usize;
    for v in values.iter() {
        if lead == 0 {
            candidate = v.to_bits();
            lead = 1;
        } else if v.to_bits() == candidate {
            lead += 1;
        } else {
            lead -= 1;
        }
    }
    let held = values.iter().filter(|v| v.to_bits() == candidate).count();
    if 2 * held > values.len() {
        return Some(f64::from_bits(candidate));
    }
    let (_, m, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    Some(*m)
}

/// drop_overprints: a glyph drawn again at (almost) the same place, the way
/// producers fake bold, is one glyph. `group` is sorted by left edge.
/// In place: the glyphs kept are moved to the front, in order, and their
/// number returned.
fn drop_overprints(group: &mut [&Glyph]) -> usize {
    let mut kept: usize = 0;
    for i in 0..group.len() {
        let Some(&g) = group.get(i) else { break };
        let near = (OVERPRINT_DISTANCE * g.size).min(OVERPRINT_WIDTH_SHARE * g.bbox.width());
        // The kept glyphs from the last back while they start within
        // `near` of this one. A plain loop: as an iterator chain the
        // compiler sometimes left it out of line, a call per glyph (+3 M
        // instructions over the 77 one-page fixtures).
        let mut copy = false;
        let mut k = kept;
        while let Some(prev) = k.checked_sub(1).and_then(|j| group.get(j)) {
            k -= 1;
            // Not `>`: a NaN edge ends the walk too.
            let within = g.bbox.x0 - prev.bbox.x0 <= near;
            if !within {
                break;
            }
            if prev.text == g.text
                && !is_blank(&g.text)
                && (prev.origin.1 - g.origin.1).abs() <= near
                && (prev.bbox.x0 - g.bbox.x0).abs() <= near
            {
                copy = true;
                break;
            }
        }
        if !copy {
            if let Some(slot) = group.get_mut(kept) {
                *slot = g;
            }
            kept += 1;
        }
    }
    kept
}

/// Glyphs of a line whose sizes `glyphs_to_lines` keeps on the stack to
/// find their median; a longer line allocates.
const INLINE_LINE_GLYPHS: usize = 128;

/// lines_to_cells: cut a sorted line at wide gaps and where a ruling line
/// (a cell border) runs between two glyphs. Space glyphs bridge nothing: a
/// gap is measured between inked glyphs. `edges` are the x of the vertical
/// rulings that cross the line.
#[cfg(test)]
fn chars_to_chunks(mut chars: Vec<Char>, edges: &[f64]) -> Vec<Chunk> {
    let spaces: Vec<bool> = chars.iter().map(Char::is_space).collect();
    cut_chunks(&mut chars, &spaces, edges)
}

/// [`chars_to_chunks`] with each glyph's [`Char::is_space`] given, moving
/// the chunks' glyphs out of `chars` (left empty).
fn cut_chunks(chars: &mut Vec<Char>, spaces: &[bool], edges: &[f64]) -> Vec<Chunk> {
    // Where each chunk starts and ends first (from its first to its last
    // inked glyph: spaces around it belong to no chunk), then each chunk
    // moved out at its exact size: pushing glyph by glyph regrew every
    // chunk's buffer.
    let mut ranges: SmallVec<[(usize, usize); INLINE_CHUNKS]> = SmallVec::new();
    // The current chunk's first glyph, last inked glyph and right edge.
    let mut current: Option<(usize, usize, f64)> = None;
    for (i, (c, space)) in chars.iter().zip(spaces).enumerate() {
        if *space {
            continue;
        }
        let border_between = |x1: f64| {
            edges
                .iter()
                .any(|e| *e >= x1 - RULING_SLACK && *e <= c.x0 + RULING_SLACK)
        };
        current = match current {
            Some((start, last, x1)) if c.x0 - x1 > CHUNK_GAP * c.size || border_between(x1) => {
                ranges.push((start, last + 1));
                Some((i, i, c.x1))
            }
            Some((start, _, x1)) => Some((start, i, x1.max(c.x1))),
            None => Some((i, i, c.x1)),
        };
    }
    if let Some((start, last, _)) = current {
        ranges.push((start, last + 1));
    }
    // From the last chunk back: each one split off the buffer's end in one
    // copy (the spaces after it truncated first).
    let mut chunks = Vec::with_capacity(ranges.len());
    for &(start, end) in ranges.iter().rev() {
        chars.truncate(end);
        if start <= chars.len() {
            chunks.push(Chunk {
                chars: chars.split_off(start),
            });
        }
    }
    chars.clear();
    chunks.reverse();
    chunks
}

/// Chunks of a line kept on the stack by `chars_to_chunks` while it cuts;
/// a wider table allocates.
const INLINE_CHUNKS: usize = 16;

/// A line for unit tests: chunks given as `(x, text)`, glyphs 10 pt wide
/// and 10 pt tall, on page 1 of an A4 page.
#[cfg(test)]
pub(crate) fn test_line(baseline: f64, chunks: &[(f64, &str)]) -> Line {
    let chunks = chunks
        .iter()
        .map(|(x, text)| Chunk {
            chars: text
                .chars()
                .enumerate()
                .map(|(i, c)| Char {
                    text: c.to_string().into(),
                    x0: x + 10.0 * i as f64,
                    x1: x + 10.0 * (i + 1) as f64,
                    size: 10.0,
                    y0: baseline - 8.0,
                    y1: baseline + 2.0,
                })
                .collect(),
        })
        .collect();
    Line::new(1, 842.0, baseline, 10.0, chunks)
}

/// The text of a run of glyphs, with the spacing rules of [`Chunk::text`].
pub fn text_of<C: std::borrow::Borrow<Char>>(chars: &[C]) -> String {
    text::join_chars(chars)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The integer key orders every pair of values as `total_cmp` does:
    /// signed zeros, infinities, NaNs of both signs, subnormals and
    /// generated bit patterns.
    #[test]
    fn the_baseline_key_orders_as_total_cmp() {
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            f64::from_bits(1),
            -f64::from_bits(1),
            f64::MAX,
            f64::MIN,
            842.0,
            841.999_999_999,
        ];
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..2_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            values.push(f64::from_bits(state));
            values.push((state % 100_000) as f64 / 97.0 - 300.0);
        }
        for a in &values {
            for b in values.iter().step_by(7) {
                assert_eq!(
                    total_order_key(*a).cmp(&total_order_key(*b)),
                    a.total_cmp(b),
                    "{a:?} {b:?}"
                );
            }
        }
    }

    /// Glyphs sorted by baseline in buckets come out as the stable sort by
    /// `total_cmp` leaves them: a few baselines in runs, scattered ones,
    /// NaNs and signed zeros, and more baselines than are bucketed.
    #[test]
    fn baselines_sorted_in_buckets_as_by_the_stable_sort() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for case in 0..60 {
            let n = [0usize, 1, 2, 17, 300, 2_000][case % 6];
            let lines = [1u64, 3, 40, 700, 5_000][case % 5];
            let mut ys: Vec<f64> = Vec::with_capacity(n);
            while ys.len() < n {
                let y = match next() % 40 {
                    0 => f64::NAN,
                    1 => -f64::NAN,
                    2 => -0.0,
                    3 => 0.0,
                    _ => (next() % lines) as f64 * 12.5 + 30.0,
                };
                // Runs of one baseline, as a producer draws them; every
                // glyph on its own baseline in some cases (more distinct
                // baselines than are bucketed).
                let run = if case % 2 == 1 { 1 } else { next() % 12 + 1 };
                for _ in 0..run {
                    ys.push(y);
                }
            }
            ys.truncate(n);
            let glyphs: Vec<Glyph> = ys
                .iter()
                .enumerate()
                .map(|(i, &y)| Glyph {
                    origin: (i as f64, y),
                    ..glyph("a", i as f64, None)
                })
                .collect();
            let mut expected: Vec<&Glyph> = glyphs.iter().collect();
            expected.sort_by(|a, b| a.origin.1.total_cmp(&b.origin.1));
            let mut got: Vec<&Glyph> = glyphs.iter().collect();
            sort_by_baseline(&mut got);
            let order = |v: &[&Glyph]| v.iter().map(|g| g.origin.0.to_bits()).collect::<Vec<_>>();
            assert_eq!(order(&got), order(&expected), "case {case}");
        }
    }

    /// An inked glyph's compact text is what `push_compact` gives.
    #[test]
    fn inked_compact_text_is_push_compact() {
        for text in [
            "a",
            "7",
            "河",
            "ア",
            "ｱ",
            "＠",
            "a b",
            "カ\u{3099}",
            "\u{2F00}",
            "ab",
            "é",
            "𠀋",
        ] {
            let c = Char {
                text: text.into(),
                x0: 0.0,
                x1: 1.0,
                size: 1.0,
                y0: 0.0,
                y1: 1.0,
            };
            assert!(!c.is_space());
            let (mut slow, mut fast) = (String::new(), String::new());
            c.push_compact(&mut slow);
            c.push_inked_compact(&mut fast);
            assert_eq!(fast, slow, "{text:?}");
        }
    }

    /// Every character the range test passes is NFKC-stable by the quick
    /// check, alone and after a katakana letter (no composition pairs it
    /// with what precedes it); a voiced mark or a half-width letter is not
    /// passed.
    #[test]
    fn the_nfkc_range_test_agrees_with_the_quick_check() {
        use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};
        let mut passed = 0;
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let alone = c.to_string();
            if !is_nfkc_by_range(&alone) {
                continue;
            }
            passed += 1;
            let after = format!("カ{c}");
            assert_eq!(is_nfkc_quick(alone.chars()), IsNormalized::Yes, "{c:?}");
            assert_eq!(after.nfkc().collect::<String>(), after, "{c:?}");
        }
        assert!(passed > 20_000);
        for s in ["\u{3099}", "ｶ", "ガ\u{3099}", "①", "\u{F900}"] {
            assert!(!is_nfkc_by_range(s), "{s:?}");
        }
    }

    fn ch(text: &str, x0: f64, w: f64) -> Char {
        Char {
            text: text.into(),
            x0,
            x1: x0 + w,
            size: 10.0,
            y0: 92.0,
            y1: 102.0,
        }
    }

    fn glyph(text: &str, x: f64, hidden: Option<Hidden>) -> Glyph {
        Glyph {
            text: text.into(),
            bbox: crate::pdf::Rect {
                x0: x,
                y0: 92.0,
                x1: x + 10.0,
                y1: 102.0,
            },
            origin: (x, 100.0),
            size: 10.0,
            font: "F".into(),
            hidden,
            page: 1,
            opacity: 1.0,
            ..Glyph::default()
        }
    }

    fn page(glyphs: Vec<Glyph>, scanned: bool) -> PageContent {
        PageContent {
            number: 1,
            width: 595.0,
            height: 842.0,
            glyphs,
            images: if scanned {
                vec![crate::pdf::Rect {
                    x0: 0.0,
                    y0: 0.0,
                    x1: 595.0,
                    y1: 842.0,
                }]
            } else {
                Vec::new()
            },
            ..PageContent::default()
        }
    }

    /// A page turned 2 degrees (a sheet fed askew, a CSS-rotated page):
    /// two lines 14 pt apart whose baselines slope 17 pt over their width
    /// read as two lines, each glyph in its own and in order. Read by the
    /// page's axes, the right end of the upper line falls to the lower one.
    #[test]
    fn a_skewed_page_is_read_along_its_baselines() {
        let angle: f64 = 2.0;
        let (sin, cos) = angle.to_radians().sin_cos();
        let text = |row: usize| -> String {
            (0..40u8)
                .map(|i| char::from(if row == 0 { b'a' } else { b'A' } + i % 26))
                .collect()
        };
        let mut glyphs = Vec::new();
        for row in 0..2 {
            for (i, c) in text(row).chars().enumerate() {
                // Along the baseline by 12 pt a glyph; up the page by sin.
                let along = 12.0 * i as f64;
                let x = 50.0 + along * cos;
                let y = 100.0 + 14.0 * row as f64 - along * sin;
                glyphs.push(Glyph {
                    text: c.to_string().into(),
                    bbox: crate::pdf::Rect {
                        x0: x,
                        y0: y - 8.0,
                        x1: x + 10.0,
                        y1: y + 2.0,
                    },
                    origin: (x, y),
                    size: 10.0,
                    font: "F".into(),
                    page: 1,
                    opacity: 1.0,
                    angle,
                    ..Glyph::default()
                });
            }
        }
        let (page, _, _, _) = page_to_lines(&page(glyphs, false));
        let lines: Vec<String> = page.lines.iter().map(|l| l.compact().to_string()).collect();
        assert_eq!(lines, vec![text(0), text(1)]);
    }

    /// Lines of glyphs 10 pt wide, 12 pt apart: `(x of the first glyph,
    /// baseline, text)` each.
    fn lines_of(rows: &[(f64, f64, String)]) -> Vec<Glyph> {
        rows.iter()
            .flat_map(|(x, y, text)| {
                text.chars().enumerate().map(move |(i, c)| {
                    let x = x + 12.0 * i as f64;
                    Glyph {
                        text: c.to_string().into(),
                        bbox: crate::pdf::Rect {
                            x0: x,
                            y0: y - 8.0,
                            x1: x + 10.0,
                            y1: y + 2.0,
                        },
                        origin: (x, *y),
                        size: 10.0,
                        font: "F".into(),
                        page: 1,
                        opacity: 1.0,
                        ..Glyph::default()
                    }
                })
            })
            .collect()
    }

    /// A sheet printed 2-up (or set in two columns): the right column's
    /// lines sit between the left one's. A person reads down the left
    /// column, then down the right one: two pages, each line whole. Read
    /// across, every line would take the other column's text at its height.
    #[test]
    fn two_columns_are_read_one_after_the_other() {
        let left: Vec<String> = (0..8).map(|k| format!("left{k}abcdefgh")).collect();
        let right: Vec<String> = (0..8).map(|k| format!("right{k}ijklmnop")).collect();
        let mut rows = Vec::new();
        for k in 0..8 {
            rows.push((40.0, 100.0 + 20.0 * k as f64, left[k].clone()));
            rows.push((320.0, 108.0 + 20.0 * k as f64, right[k].clone()));
        }
        let texts = |p: &Page| -> Vec<String> { p.lines.iter().map(|l| l.text()).collect() };
        let (first, second, _, _) = page_to_lines(&page(lines_of(&rows), false));
        assert_eq!(texts(&first), left);
        assert_eq!(second.as_ref().map(texts), Some(right));
        let doc = Document::from_pages(&[page(lines_of(&rows), false)]).unwrap();
        let numbers: Vec<(u32, u32)> = doc.pages.iter().map(|p| (p.number, p.sheet)).collect();
        assert_eq!(numbers, vec![(1, 1), (2, 1)]);
        assert!(doc.pages[1].lines.iter().all(|l| l.page == 2));
    }

    /// A table's columns leave an empty band between them too, but every
    /// row has text on both sides at one height: one page, rows whole.
    #[test]
    fn a_tables_columns_are_no_page_columns() {
        let rows: Vec<(f64, f64, String)> = (0..8)
            .flat_map(|k| {
                let y = 100.0 + 20.0 * k as f64;
                [
                    (40.0, y, format!("label{k}abcdefg")),
                    (320.0, y, format!("value{k}hijklmn")),
                ]
            })
            .collect();
        let (first, second, _, _) = page_to_lines(&page(lines_of(&rows), false));
        assert!(second.is_none());
        assert_eq!(first.lines.len(), 8);
        assert!(first.lines.iter().all(|l| l.chunks.len() == 2));
    }

    /// A line's carried range answer is `is_nfkc_by_range` of its compact
    /// text, whatever its glyphs: generated lines mixing text the range
    /// test passes with full-width digits, the ideographic space (NFKC
    /// makes both ASCII), half-width katakana, a radical and a voiced mark.
    #[test]
    fn a_lines_range_answer_is_the_range_test_of_its_compact_text() {
        let pieces = [
            "A",
            "1",
            " ",
            "あ",
            "カ",
            "漢",
            "：",
            "１",
            "\u{3000}",
            "ｶ",
            "ﾞ",
            "\u{2F08}",
            "\u{3099}",
            "①",
            "a b",
            "\u{3000}x",
            "、",
            "■",
        ];
        // A small linear congruential generator: the same lines every run.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize % n
        };
        let (mut lines, mut passed) = (0, 0);
        for _ in 0..2_000 {
            let count = 1 + next(12);
            let glyphs: Vec<Glyph> = (0..count)
                .map(|i| glyph(pieces[next(pieces.len())], 12.0 * i as f64, None))
                .collect();
            for line in page_to_lines(&page(glyphs, false)).0.lines {
                lines += 1;
                let by_range = is_nfkc_by_range(line.compact());
                passed += usize::from(by_range);
                assert_eq!(line.compact_is_nfkc_by_range(), by_range, "{line:?}");
            }
        }
        // Both answers were asked about often.
        assert!(
            lines > 1_500 && passed > 200 && lines - passed > 200,
            "{lines} {passed}"
        );
    }

    #[test]
    fn ocr_words_on_a_skewed_baseline_stay_on_one_line() {
        let mut second = glyph("B", 100.0, Some(Hidden::RenderMode));
        second.origin.1 += 5.0;
        let scan = page(
            vec![glyph("A", 10.0, Some(Hidden::RenderMode)), second.clone()],
            true,
        );
        assert_eq!(page_to_lines(&scan).0.lines.len(), 1);
        second.hidden = None;
        let printed = page(vec![glyph("A", 10.0, None), second], false);
        assert_eq!(page_to_lines(&printed).0.lines.len(), 2);
    }

    #[test]
    fn ocr_layer_is_text_only_on_a_page_without_visible_text() {
        let ocr = page(vec![glyph("A", 10.0, Some(Hidden::RenderMode))], true);
        let (p, _, hidden, _) = page_to_lines(&ocr);
        assert_eq!(p.lines.len(), 1);
        assert!(hidden.is_empty());

        let decoy = page(
            vec![
                glyph("A", 10.0, None),
                glyph("B", 200.0, Some(Hidden::RenderMode)),
            ],
            true,
        );
        let (p, _, hidden, _) = page_to_lines(&decoy);
        assert_eq!(p.lines.first().map(Line::text).as_deref(), Some("A"));
        assert_eq!(hidden.len(), 1);
    }

    #[test]
    fn overprinted_copies_are_one_glyph_and_lines_split_by_baseline() {
        // "A" drawn three times a fraction of a point apart (fake bold), a
        // doubled letter a whole advance away, and a line below.
        let mut below = glyph("C", 10.0, None);
        below.origin.1 += 20.0;
        let glyphs = [
            glyph("A", 10.0, None),
            glyph("A", 10.3, None),
            glyph("A", 10.6, None),
            glyph("A", 20.0, None),
            below,
        ];
        let lines = glyphs_to_lines(glyphs.iter().collect(), 1, 842.0, BASELINE_TOLERANCE, None);
        let texts: Vec<String> = lines.iter().map(Line::text).collect();
        assert_eq!(texts, ["AA", "C"]);
        assert!(glyphs_to_lines(Vec::new(), 1, 842.0, BASELINE_TOLERANCE, None).is_empty());
    }

    #[test]
    fn the_median_is_the_middle_of_the_sorted_values() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0]), Some(3.0));
        assert_eq!(median(&mut [9.0, 1.0, 5.0]), Some(5.0));
        // An even count gives the upper middle, as `sorted[len / 2]`.
        assert_eq!(median(&mut [10.5, 9.0, 12.0, 10.0]), Some(10.5));
        // A value held by more than half, wherever it sorts.
        assert_eq!(median(&mut [12.0, 9.0, 9.0, 12.0, 9.0]), Some(9.0));
        assert_eq!(median(&mut [30.0, 9.0, 30.0, 30.0]), Some(30.0));
        // Exactly half is no majority: the selection decides.
        assert_eq!(median(&mut [9.0, 12.0, 9.0, 12.0]), Some(12.0));
        assert_eq!(
            median(&mut [0.0, -0.0, 0.0]).map(f64::to_bits),
            Some(0.0f64.to_bits())
        );
        // Against a sort, on values with and without a majority.
        for seed in 0..200u32 {
            let mut values: Vec<f64> = (0..(seed % 13 + 1))
                .map(|i| f64::from((i * 7 + seed) % (seed % 5 + 2)))
                .collect();
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            let want = sorted[sorted.len() / 2];
            assert_eq!(median(&mut values), Some(want), "{sorted:?}");
        }
    }

    #[test]
    fn wide_gaps_cut_chunks() {
        let chars = vec![
            ch("ド", 0.0, 10.0),
            ch("メ", 10.0, 10.0),
            ch("a", 60.0, 5.0),
            ch("b", 65.0, 5.0),
        ];
        let chunks = chars_to_chunks(chars.clone(), &[]);
        assert_eq!(chunks.len(), 2);
        // A cell border between two touching glyphs cuts them too.
        assert_eq!(chars_to_chunks(chars, &[10.2]).len(), 3);
        assert_eq!(chunks[0].text(), "ドメ");
        assert_eq!(chunks[1].text(), "ab");
        // Spaces before, between and after chunks belong to none; spaces
        // inside a chunk stay.
        let spaced = vec![
            ch(" ", 0.0, 3.0),
            ch("a", 3.0, 5.0),
            ch(" ", 8.0, 3.0),
            ch("b", 11.0, 5.0),
            ch(" ", 16.0, 3.0),
            ch(" ", 60.0, 3.0),
            ch("c", 63.0, 5.0),
            ch(" ", 68.0, 3.0),
        ];
        let chunks = chars_to_chunks(spaced, &[]);
        let texts: Vec<Vec<&str>> = chunks
            .iter()
            .map(|c| c.chars.iter().map(|c| c.text.as_str()).collect())
            .collect();
        assert_eq!(texts, [vec!["a", " ", "b"], vec!["c"]]);
        assert!(chars_to_chunks(vec![ch(" ", 0.0, 3.0)], &[]).is_empty());
    }
}
