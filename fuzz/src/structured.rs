//! A PDF built from structure, not bytes: the `structured_pdf` target.
//!
//! Byte mutation rarely keeps an xref, a stream length and a CMap valid at
//! once, so it seldom reaches the places hostile files go for: one object
//! used many times, references that loop, fonts whose maps amplify. Here
//! libFuzzer's bytes are read by `arbitrary` as a document description
//! (pages, fonts, ToUnicode CMaps, Form XObjects, content operators,
//! filters) and [`Doc::to_pdf`] writes it out with a correct xref, so
//! every input is a well-formed PDF whose *structure* is what varies.
//! References are indices taken modulo what exists, so cycles (a form
//! drawing itself, a font shared by every page) come for free.

use arbitrary::Arbitrary;
use std::fmt::Write as _;

/// Repeats of one operator at most (amplification through repetition).
const MAX_REPEAT: u16 = 2_000;
/// Characters one ToUnicode entry may map to at most.
const MAX_EXPANSION: usize = 4_096;

/// One document.
#[derive(Debug, Arbitrary)]
pub struct Doc {
    pages: Vec<Page>,
    fonts: Vec<Font>,
    cmaps: Vec<Cmap>,
    forms: Vec<Form>,
    /// Page tree shape: every page's `/Parent` is the root, or pages are
    /// nested under a middle node that may loop back.
    tree: Tree,
    /// The filter of every stream.
    filter: Filter,
}

#[derive(Debug, Arbitrary)]
enum Tree {
    Flat,
    Nested,
    /// The middle node lists the root among its kids.
    Looping,
}

#[derive(Debug, Arbitrary, Clone, Copy)]
enum Filter {
    None,
    AsciiHex,
    RunLength,
}

#[derive(Debug, Arbitrary)]
struct Page {
    content: Vec<Op>,
    /// Fonts in the page's resources, as indices into the document's fonts.
    fonts: Vec<u8>,
    /// Form XObjects in the page's resources.
    forms: Vec<u8>,
    /// Annotations whose normal appearance is this form.
    annotations: Vec<u8>,
    rotate: u8,
    /// Leave `/Resources` to be inherited from the page tree.
    inherit_resources: bool,
}

#[derive(Debug, Arbitrary)]
struct Form {
    content: Vec<Op>,
    fonts: Vec<u8>,
    forms: Vec<u8>,
}

#[derive(Debug, Arbitrary)]
enum FontKind {
    Type1,
    TrueType { first_char: u8, widths: Vec<i16> },
    Type0Identity { w: Vec<WRange> },
    Type0UniJis,
    Type3,
}

#[derive(Debug, Arbitrary)]
enum WRange {
    Same { first: u16, last: u16, width: i16 },
    List { first: u16, widths: Vec<i16> },
}

#[derive(Debug, Arbitrary)]
struct Font {
    kind: FontKind,
    /// A ToUnicode CMap, as an index into the document's CMaps.
    to_unicode: Option<u8>,
    /// Written inline in the resources instead of as its own object.
    inline: bool,
}

#[derive(Debug, Arbitrary)]
struct Cmap {
    two_byte: bool,
    entries: Vec<CmapEntry>,
}

#[derive(Debug, Arbitrary)]
enum CmapEntry {
    Char { code: u16, to: Vec<u16>, repeat: u16 },
    Range { first: u16, last: u16, to: u16 },
    RangeArray { first: u16, to: Vec<u16> },
}

#[derive(Debug, Arbitrary)]
enum Op {
    BeginText,
    EndText,
    Font { font: u8, size: i8 },
    Move { x: i16, y: i16 },
    Matrix { m: [i8; 6] },
    Show { bytes: Vec<u8> },
    ShowArray { parts: Vec<(Vec<u8>, i16)> },
    RenderMode { mode: u8 },
    Fill { rgb: [u8; 3] },
    Rect { x: i16, y: i16, w: i16, h: i16 },
    Save,
    Restore,
    Draw { form: u8 },
    ActualText { text: Vec<u16> },
    EndMarked,
    Repeat { times: u16, op: Box<Op> },
}

fn pick(index: u8, len: usize) -> Option<usize> {
    (len > 0).then(|| usize::from(index) % len)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02X}");
        s
    })
}

impl Op {
    fn write(&self, out: &mut String, doc: &Doc) {
        match self {
            Op::BeginText => out.push_str("BT\n"),
            Op::EndText => out.push_str("ET\n"),
            Op::Font { font, size } => {
                if let Some(i) = pick(*font, doc.fonts.len()) {
                    let _ = writeln!(out, "/F{i} {size} Tf");
                }
            }
            Op::Move { x, y } => {
                let _ = writeln!(out, "{x} {y} Td");
            }
            Op::Matrix { m } => {
                let _ = writeln!(out, "{} {} {} {} {} {} Tm", m[0], m[1], m[2], m[3], m[4], m[5]);
            }
            Op::Show { bytes } => {
                let _ = writeln!(out, "<{}> Tj", hex(bytes));
            }
            Op::ShowArray { parts } => {
                out.push('[');
                for (bytes, adjust) in parts {
                    let _ = write!(out, "<{}> {adjust} ", hex(bytes));
                }
                out.push_str("] TJ\n");
            }
            Op::RenderMode { mode } => {
                let _ = writeln!(out, "{} Tr", mode % 8);
            }
            Op::Fill { rgb } => {
                let c = |v: u8| f32::from(v) / 255.0;
                let _ = writeln!(out, "{} {} {} rg", c(rgb[0]), c(rgb[1]), c(rgb[2]));
            }
            Op::Rect { x, y, w, h } => {
                let _ = writeln!(out, "{x} {y} {w} {h} re f");
            }
            Op::Save => out.push_str("q\n"),
            Op::Restore => out.push_str("Q\n"),
            Op::Draw { form } => {
                if let Some(i) = pick(*form, doc.forms.len()) {
                    let _ = writeln!(out, "/X{i} Do");
                }
            }
            Op::ActualText { text } => {
                let units: Vec<u8> = text.iter().flat_map(|u| u.to_be_bytes()).collect();
                let _ = writeln!(out, "/Span << /ActualText <FEFF{}> >> BDC", hex(&units));
            }
            Op::EndMarked => out.push_str("EMC\n"),
            Op::Repeat { times, op } => {
                // Nested repeats multiply; the product is bounded.
                let mut inner = String::new();
                op.write(&mut inner, doc);
                let times = usize::from((*times).min(MAX_REPEAT));
                if inner.len().saturating_mul(times) < 4 << 20 {
                    out.push_str(&inner.repeat(times));
                }
            }
        }
    }
}

fn content(ops: &[Op], doc: &Doc) -> String {
    let mut out = String::new();
    for op in ops {
        op.write(&mut out, doc);
    }
    out
}

fn encode(filter: Filter, data: &[u8]) -> (String, Vec<u8>) {
    match filter {
        Filter::None => (String::new(), data.to_vec()),
        Filter::AsciiHex => {
            let mut h = hex(data).into_bytes();
            h.push(b'>');
            ("/Filter /ASCIIHexDecode".into(), h)
        }
        Filter::RunLength => {
            let mut out = Vec::with_capacity(data.len() + data.len() / 128 + 2);
            for chunk in data.chunks(128) {
                out.push((chunk.len() - 1) as u8);
                out.extend_from_slice(chunk);
            }
            out.push(128);
            ("/Filter /RunLengthDecode".into(), out)
        }
    }
}

impl Cmap {
    fn text(&self) -> String {
        let (space, width) = if self.two_byte {
            ("<0000> <FFFF>", 4)
        } else {
            ("<00> <FF>", 2)
        };
        let code = |c: u16| {
            if width == 2 {
                format!("{:02X}", c & 0xFF)
            } else {
                format!("{c:04X}")
            }
        };
        let mut s = format!(
            "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
             1 begincodespacerange {space} endcodespacerange\n"
        );
        for e in &self.entries {
            match e {
                CmapEntry::Char { code: c, to, repeat } => {
                    let to = &to[..to.len().min(MAX_EXPANSION)];
                    let one: String = to.iter().map(|u| format!("{u:04X}")).collect();
                    let times = usize::from(*repeat)
                        .min(MAX_EXPANSION / to.len().max(1))
                        .max(1);
                    let _ = writeln!(
                        s,
                        "1 beginbfchar <{}> <{}> endbfchar",
                        code(*c),
                        one.repeat(times)
                    );
                }
                CmapEntry::Range { first, last, to } => {
                    let _ = writeln!(
                        s,
                        "1 beginbfrange <{}> <{}> <{to:04X}> endbfrange",
                        code(*first),
                        code(*last)
                    );
                }
                CmapEntry::RangeArray { first, to } => {
                    let last = first.saturating_add(to.len().saturating_sub(1) as u16);
                    let items: String = to.iter().map(|u| format!("<{u:04X}> ")).collect();
                    let _ = writeln!(
                        s,
                        "1 beginbfrange <{}> <{}> [{items}] endbfrange",
                        code(*first),
                        code(last)
                    );
                }
            }
        }
        s.push_str("endcmap end end\n");
        s
    }
}

impl Doc {
    /// The PDF this description stands for.
    pub fn to_pdf(&self) -> Vec<u8> {
        // Object numbers: 1 catalog, 2 root pages, 3 middle pages node,
        // then pages, fonts, CMaps, forms, annotations.
        let n_pages = self.pages.len().max(1);
        let page0 = 4;
        let font0 = page0 + n_pages;
        let cmap0 = font0 + self.fonts.len();
        let form0 = cmap0 + self.cmaps.len();
        let annot0 = form0 + self.forms.len();
        let mut objects: Vec<Vec<u8>> = Vec::new();
        objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
        let kids: String = (0..n_pages).map(|i| format!("{} 0 R ", page0 + i)).collect();
        let all_fonts: String = (0..self.fonts.len())
            .map(|i| format!("/F{i} {} ", self.font_ref(i, font0, cmap0)))
            .collect();
        match self.tree {
            Tree::Flat => {
                objects.push(
                    format!(
                        "<< /Type /Pages /Kids [{kids}] /Count {n_pages} \
                         /Resources << /Font << {all_fonts} >> >> >>"
                    )
                    .into_bytes(),
                );
                objects.push(b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec());
            }
            Tree::Nested | Tree::Looping => {
                let back = if matches!(self.tree, Tree::Looping) {
                    "2 0 R "
                } else {
                    ""
                };
                objects.push(
                    format!(
                        "<< /Type /Pages /Kids [3 0 R] /Count {n_pages} \
                         /Resources << /Font << {all_fonts} >> >> >>"
                    )
                    .into_bytes(),
                );
                objects.push(
                    format!(
                        "<< /Type /Pages /Parent 2 0 R /Kids [{back}{kids}] /Count {n_pages} >>"
                    )
                    .into_bytes(),
                );
            }
        }
        let parent = if matches!(self.tree, Tree::Flat) { 2 } else { 3 };
        let mut streams: Vec<(usize, String)> = Vec::new();
        let mut annotations: Vec<Vec<u8>> = Vec::new();
        let empty = Page {
            content: Vec::new(),
            fonts: Vec::new(),
            forms: Vec::new(),
            annotations: Vec::new(),
            rotate: 0,
            inherit_resources: true,
        };
        for i in 0..n_pages {
            let page = self.pages.get(i).unwrap_or(&empty);
            let resources = if page.inherit_resources {
                String::new()
            } else {
                format!(
                    "/Resources {}",
                    self.resources(&page.fonts, &page.forms, font0, cmap0, form0)
                )
            };
            let annots: String = page
                .annotations
                .iter()
                .filter_map(|f| pick(*f, self.forms.len()))
                .map(|f| {
                    annotations.push(
                        format!(
                            "<< /Type /Annot /Subtype /FreeText /Rect [50 50 300 300] \
                             /AP << /N {} 0 R >> >>",
                            form0 + f
                        )
                        .into_bytes(),
                    );
                    format!("{} 0 R ", annot0 + annotations.len() - 1)
                })
                .collect();
            // The page's content is a stream after everything else; its
            // number is known then, and replaces the CONTENT marker.
            streams.push((i, content(&page.content, self)));
            objects.push(
                format!(
                    "<< /Type /Page /Parent {parent} 0 R /MediaBox [0 0 595 842] /Rotate {} \
                     {resources} /Annots [{annots}] /Contents CONTENT{i} >>",
                    u16::from(page.rotate % 4) * 90
                )
                .into_bytes(),
            );
        }
        for (i, font) in self.fonts.iter().enumerate() {
            objects.push(self.font_dict(font, i, cmap0).into_bytes());
        }
        for cmap in &self.cmaps {
            let (filter, data) = encode(self.filter, cmap.text().as_bytes());
            objects.push(synth_stream(&filter, &data));
        }
        for form in &self.forms {
            let body = content(&form.content, self);
            let (filter, data) = encode(self.filter, body.as_bytes());
            objects.push(synth_stream(
                &format!(
                    "/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources {} {filter}",
                    self.resources(&form.fonts, &form.forms, font0, cmap0, form0)
                ),
                &data,
            ));
        }
        objects.extend(annotations);
        let content0 = objects.len() + 1;
        for (i, text) in &streams {
            let (filter, data) = encode(self.filter, text.as_bytes());
            objects.push(synth_stream(&filter, &data));
            let marker = format!("CONTENT{i} ");
            let replacement = format!("{} 0 R ", content0 + i);
            if let Some(page) = objects.get_mut(page0 - 1 + i) {
                let text = String::from_utf8_lossy(page).replace(&marker, &replacement);
                *page = text.into_bytes();
            }
        }
        crate::synth::pdf(&objects, 1)
    }

    fn font_ref(&self, i: usize, font0: usize, cmap0: usize) -> String {
        match self.fonts.get(i) {
            Some(f) if f.inline => self.font_dict(f, i, cmap0),
            _ => format!("{} 0 R", font0 + i),
        }
    }

    fn resources(
        &self,
        fonts: &[u8],
        forms: &[u8],
        font0: usize,
        cmap0: usize,
        form0: usize,
    ) -> String {
        let fonts: String = fonts
            .iter()
            .filter_map(|f| pick(*f, self.fonts.len()))
            .map(|i| format!("/F{i} {} ", self.font_ref(i, font0, cmap0)))
            .collect();
        let forms: String = forms
            .iter()
            .filter_map(|f| pick(*f, self.forms.len()))
            .map(|i| format!("/X{i} {} 0 R ", form0 + i))
            .collect();
        format!("<< /Font << {fonts} >> /XObject << {forms} >> >>")
    }

    fn font_dict(&self, font: &Font, i: usize, cmap0: usize) -> String {
        let to_unicode = font
            .to_unicode
            .and_then(|c| pick(c, self.cmaps.len()))
            .map(|c| format!("/ToUnicode {} 0 R", cmap0 + c))
            .unwrap_or_default();
        match &font.kind {
            FontKind::Type1 => {
                format!("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica {to_unicode} >>")
            }
            FontKind::TrueType { first_char, widths } => {
                let w: String = widths.iter().map(|w| format!("{w} ")).collect();
                format!(
                    "<< /Type /Font /Subtype /TrueType /BaseFont /F{i} /FirstChar {first_char} \
                     /LastChar {} /Widths [{w}] {to_unicode} >>",
                    usize::from(*first_char) + widths.len().saturating_sub(1)
                )
            }
            FontKind::Type0Identity { w } => {
                let w: String = w
                    .iter()
                    .map(|r| match r {
                        WRange::Same { first, last, width } => format!("{first} {last} {width} "),
                        WRange::List { first, widths } => {
                            let ws: String = widths.iter().map(|w| format!("{w} ")).collect();
                            format!("{first} [{ws}] ")
                        }
                    })
                    .collect();
                format!(
                    "<< /Type /Font /Subtype /Type0 /BaseFont /F{i} /Encoding /Identity-H \
                     {to_unicode} /DescendantFonts [<< /Type /Font /Subtype /CIDFontType2 \
                     /BaseFont /F{i} /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) \
                     /Supplement 0 >> /W [{w}] >>] >>"
                )
            }
            FontKind::Type0UniJis => format!(
                "<< /Type /Font /Subtype /Type0 /BaseFont /HeiseiKakuGo-W5 /Encoding /UniJIS-UCS2-H \
                 {to_unicode} /DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 \
                 /BaseFont /HeiseiKakuGo-W5 /CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) \
                 /Supplement 5 >> >>] >>"
            ),
            FontKind::Type3 => format!(
                "<< /Type /Font /Subtype /Type3 /FontBBox [0 0 1000 1000] \
                 /FontMatrix [0.001 0 0 0.001 0 0] /CharProcs << >> /FirstChar 0 /LastChar 0 \
                 /Widths [500] /Encoding << /Differences [0 /a] >> {to_unicode} >>"
            ),
        }
    }
}

fn synth_stream(dict: &str, data: &[u8]) -> Vec<u8> {
    crate::synth::stream(dict, data)
}

/// The `structured_pdf` target: the description's PDF through the whole
/// chain, as `parse_bytes` runs raw bytes.
pub fn run(doc: &Doc) {
    crate::harness::parse_bytes(&doc.to_pdf());
}
