//! Fonts: from a font dictionary to "these bytes are these characters, this
//! wide".
//!
//! The Unicode of a character code is looked up in this order (the order of
//! pdf.js's `buildToUnicode`, ISO 32000-1 9.10.2):
//!
//! 1. the font's `/ToUnicode` CMap;
//! 2. for a Type0 font on a predefined UCS-2/UTF-16 CMap (`UniJIS-UCS2-H`):
//!    the code bytes themselves, decoded as UTF-16BE;
//! 3. for a Type0 font on a Shift-JIS CMap (`90ms-RKSJ-H`): the code bytes
//!    decoded as cp932 with `encoding_rs`;
//! 4. for other CID fonts: code → CID through the encoding CMap, then CID →
//!    Unicode through `Adobe-Japan1-UCS2`, with JIS-Roman look-alikes folded
//!    back to the ASCII the document means;
//! 5. for simple fonts: the base encoding with `/Differences` glyph names.
//!
//! Steps 2 and 3 decode bytes directly instead of going through CIDs, because
//! the CID route turns `-` into U+2011 and `~` into U+02DC (see DESIGN.md).
//! The predefined CMaps come from `hayro-cmap`: the horizontal Japanese
//! ones (`UniJIS-UCS2-H`, `90ms-RKSJ-H`, …) as tables the build precomputed
//! (`bundled_cmap.rs`), any other when a font names it.

mod to_unicode;

use super::bundled_cmap::{self, CodeTable};
use super::content::PlainItem;
use super::encoding::{BaseEncoding, ByteTable};
use super::font_program;
use super::glyph_names::{glyph_name_to_text, type3_code_name, type3_unknown_name};
use super::lenient_cmap;
use super::objects::Source;
use super::objects::{
    as_dict, entry, get, get_array, get_dict, get_name, get_number, get_numbers, get_stream,
    number, numbers, resolve, stream_bytes,
};
use super::standard_metrics::standard_font_widths;
use compact_str::{CompactString, ToCompactString};
use hayro_cmap::{BfString, CMap, CMapName};
use lopdf::{Dictionary, Object, ObjectId};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// The largest ToUnicode or embedded CMap stream we decode. Real ones are
/// a few kilobytes; a 64 000-glyph CJK subset stays well under this.
const MAX_CMAP_BYTES: usize = 4 * 1024 * 1024;

/// Width used when a font gives none at all: half an em, the average of the
/// Latin and CJK extremes, so positions stay roughly right.
const FALLBACK_WIDTH: f64 = 500.0;

/// Adobe-Japan1 CIDs 231–632 are the collection's half-width forms
/// (JIS-Roman and half-width katakana: Adobe TN 5078). reportlab's
/// `/W` for its non-embedded Japanese fonts lists only some of them; a
/// viewer's substituted font still draws them half-width, so missing entries
/// in this range are half an em, not `/DW`.
const JAPAN1_HALF_WIDTH: std::ops::RangeInclusive<u32> = 231..=632;
const HALF_WIDTH: f64 = 500.0;

/// One decoded character code.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedCode {
    /// The raw code, as the font saw it.
    pub code: u32,
    /// What it means (may be empty for a glyph with no Unicode, or several
    /// characters for a ligature).
    pub text: CompactString,
    /// Advance width in text-space units per unit of font size.
    pub width: f64,
    /// A single-byte code 32: word spacing (`Tw`) applies to it.
    pub is_word_space: bool,
}

/// How a composite font's bytes split into codes and become text.
#[derive(Debug)]
enum CidEncoding {
    /// `Identity-H` / `-V`: two bytes, code = CID.
    Identity,
    /// A predefined UCS-2 or UTF-16 CMap: the bytes are UTF-16BE text.
    Utf16(CodeToCid),
    /// A predefined Shift-JIS CMap: the bytes are cp932.
    ShiftJis(CodeToCid),
    /// A predefined Chinese or Korean multi-byte CMap (`GBK-EUC-H`,
    /// `ETen-B5-H`, `KSCms-UHC-H`, …): the bytes are text in that legacy
    /// encoding, decoded directly like Shift-JIS.
    Legacy(&'static encoding_rs::Encoding, CodeToCid),
    /// Any other CMap, embedded or predefined.
    Other(CodeToCid),
}

/// A CMap's code → CID mapping: precomputed at build time for the
/// predefined CMaps notices use (no bundle to decompress), else parsed.
#[derive(Debug, Clone)]
enum CodeToCid {
    Bundled(&'static CodeTable),
    Parsed(Arc<CMap>),
}

impl CodeToCid {
    fn lookup_cid_code(&self, code: u32, len: u8) -> Option<u32> {
        match self {
            CodeToCid::Bundled(table) => table.lookup(code, len),
            CodeToCid::Parsed(cmap) => cmap.lookup_cid_code(code, len),
        }
    }
}

#[derive(Debug)]
enum Kind {
    /// TrueType, Type 1, Type 3: one byte per code.
    Simple { texts: SimpleTexts },
    /// Type0 with a CIDFont descendant.
    Composite {
        encoding: CidEncoding,
        /// An Adobe-Japan1 font: step 4 may use Adobe-Japan1-UCS2, which is
        /// loaded only the first time a code needs it.
        japan1: bool,
        /// The character collection's CID → Unicode table (GB1, CNS1,
        /// Korea1; Japan1 goes through `japan1`), for a font with no usable
        /// `/ToUnicode`.
        collection: Option<Arc<CMap>>,
        /// CID → Unicode read from the embedded font program's own `cmap`,
        /// for codes no `/ToUnicode` entry or collection table names.
        program: Box<LazyProgram>,
    },
}

/// Where a CID font's embedded program is (the streams, still encoded).
#[derive(Debug)]
struct ProgramSource {
    program: lopdf::Stream,
    truetype: bool,
    cid_to_gid: Option<lopdf::Stream>,
}

/// A font program's CID → Unicode map, read on first use.
#[derive(Debug, Default)]
struct LazyProgram {
    source: Option<ProgramSource>,
    map: OnceLock<Option<HashMap<u32, char>>>,
}

/// A font's `/ToUnicode`, as far as it can be read.
#[derive(Debug)]
enum ToUnicode {
    /// A CMap stream of the shapes producers write, read in one pass
    /// (`font/to_unicode.rs`; the same answers as `Strict`).
    Read(to_unicode::Map),
    /// Any other well-formed CMap stream.
    Strict(Box<CMap>),
    /// A CMap stream the strict parser rejects: what parses of it.
    Lenient(HashMap<u32, String>),
    /// The name `/Identity-H` (or `-V`) in place of a stream: a two-byte
    /// code is its own UTF-16 value, as pdf.js and pdfminer read it. Used
    /// only after the font program's own `cmap` (see `decode_composite`).
    Identity,
}

/// The CMaps font dictionaries of one document share, parsed once each
/// by object id: 200 fonts naming one 3.9 MB `/ToUnicode` parse it once.
#[derive(Debug, Default)]
pub struct SharedCMaps {
    to_unicode: HashMap<ObjectId, Option<Arc<ToUnicode>>>,
    encodings: HashMap<ObjectId, Option<Arc<CMap>>>,
}

impl SharedCMaps {
    /// The map under `key` of `dict`, parsed by `parse` once per object id
    /// (a direct object, which no other dictionary can share, every time).
    fn get_or_parse<T>(
        doc: &Source,
        dict: &Dictionary,
        key: &[u8],
        cache: &mut HashMap<ObjectId, Option<Arc<T>>>,
        parse: impl FnOnce(&Object) -> Option<T>,
    ) -> Option<Arc<T>> {
        let entry = entry(dict, key)?;
        let Object::Reference(id) = entry else {
            return parse(entry).map(Arc::new);
        };
        if let Some(known) = cache.get(id) {
            return known.clone();
        }
        let parsed = resolve(doc, entry).and_then(parse).map(Arc::new);
        cache.insert(*id, parsed.clone());
        parsed
    }
}

impl ToUnicode {
    fn load(doc: &Source, dict: &Dictionary, shared: &mut SharedCMaps) -> Option<Arc<ToUnicode>> {
        SharedCMaps::get_or_parse(doc, dict, b"ToUnicode", &mut shared.to_unicode, |obj| {
            Self::parse(obj)
        })
    }

    fn parse(obj: &Object) -> Option<ToUnicode> {
        match obj {
            Object::Name(n) if n.starts_with(b"Identity") => Some(ToUnicode::Identity),
            Object::Stream(s) => {
                let bytes = stream_bytes(s, MAX_CMAP_BYTES)?;
                if let Some(map) = to_unicode::read(&bytes) {
                    return Some(ToUnicode::Read(map));
                }
                match CMap::parse(&bytes, hayro_cmap::load_embedded) {
                    Some(cmap) => Some(ToUnicode::Strict(Box::new(cmap))),
                    None => lenient_cmap::parse(&bytes).map(ToUnicode::Lenient),
                }
            }
            _ => None,
        }
    }

    /// A map that says something of its own (not the identity name).
    fn is_map(&self) -> bool {
        !matches!(self, ToUnicode::Identity)
    }
}

/// The text of each single-byte code of a simple font. `CompactString`
/// keeps a code's text inline: copying an entry into each decoded code
/// allocates nothing.
type CodeTexts = [Option<CompactString>; 256];

/// A simple font's [`CodeTexts`]: a base encoding's, built once per
/// process and shared by every font that takes it unchanged, or the
/// font's own (`/Differences`, a font program's encoding). Building a
/// base table (one `encoding_rs` decode and one string per code) for each
/// font was 6.2 M instructions over the 77 one-page fixtures.
#[derive(Debug, Clone)]
struct TextTable {
    shared: &'static CodeTexts,
    own: Option<Box<CodeTexts>>,
}

/// No code has text: a Type 3 font's start, before its `/Differences`.
static NO_TEXTS: CodeTexts = [const { None }; 256];

impl TextTable {
    fn shared(table: &'static CodeTexts) -> TextTable {
        TextTable {
            shared: table,
            own: None,
        }
    }

    /// A table of the font's own with no text for any code (a Type 3
    /// font's start): made empty, not copied from [`NO_TEXTS`] entry by
    /// entry.
    fn empty() -> TextTable {
        TextTable {
            shared: &NO_TEXTS,
            own: Some(Box::new(std::array::from_fn(|_| None))),
        }
    }

    /// The text of `code`, if the table has one.
    fn get(&self, code: usize) -> Option<&CompactString> {
        self.own
            .as_deref()
            .unwrap_or(self.shared)
            .get(code)?
            .as_ref()
    }

    /// The font's own table, copied from the shared one on first change.
    fn to_mut(&mut self) -> &mut CodeTexts {
        self.own
            .get_or_insert_with(|| Box::new(self.shared.clone()))
    }
}

/// A simple font's code texts. For a font whose ToUnicode map names its
/// codes, the encoding's `/Differences` are applied the first time a code
/// the map does not name is shown: a Chromium notice's 60–70 Type 3 fonts
/// each have a 256-name `/Differences` and a ToUnicode map for the few
/// codes the page shows, and reading the names and looking each up was
/// ~15 M instructions of the 77 one-page fixtures.
#[derive(Debug)]
struct SimpleTexts {
    /// The base table; the whole table when `differences` is `None`.
    base: TextTable,
    /// The encoding's `/Differences` entry (a reference) not yet applied,
    /// and whether the font is Type 3.
    differences: Option<(Object, bool)>,
    /// `base` with the differences applied, once a code asks for it.
    applied: OnceLock<TextTable>,
}

impl SimpleTexts {
    /// The text of `code` from the encoding.
    fn get(&self, doc: &Source, code: usize) -> Option<&CompactString> {
        let Some((differences, type3)) = &self.differences else {
            return self.base.get(code);
        };
        self.applied
            .get_or_init(|| {
                let mut table = self.base.clone();
                apply_differences_entry(doc, differences, &mut table, *type3);
                table
            })
            .get(code)
    }
}

fn text_table(base: &ByteTable) -> CodeTexts {
    std::array::from_fn(|i| {
        base.get(i)
            .copied()
            .flatten()
            .map(|c| c.to_compact_string())
    })
}

/// A base encoding's table, built the first time a font takes it.
fn base_table(encoding: BaseEncoding) -> TextTable {
    static STANDARD: OnceLock<CodeTexts> = OnceLock::new();
    static WIN_ANSI: OnceLock<CodeTexts> = OnceLock::new();
    static MAC_ROMAN: OnceLock<CodeTexts> = OnceLock::new();
    static MAC_EXPERT: OnceLock<CodeTexts> = OnceLock::new();
    static SYMBOL: OnceLock<CodeTexts> = OnceLock::new();
    static ZAPF_DINGBATS: OnceLock<CodeTexts> = OnceLock::new();
    let cell = match encoding {
        BaseEncoding::Standard => &STANDARD,
        BaseEncoding::WinAnsi => &WIN_ANSI,
        BaseEncoding::MacRoman => &MAC_ROMAN,
        BaseEncoding::MacExpert => &MAC_EXPERT,
        BaseEncoding::Symbol => &SYMBOL,
        BaseEncoding::ZapfDingbats => &ZAPF_DINGBATS,
    };
    TextTable::shared(cell.get_or_init(|| text_table(&encoding.table())))
}

fn names_table(names: &font_program::NameTable) -> TextTable {
    TextTable {
        shared: &NO_TEXTS,
        own: Some(Box::new(std::array::from_fn(|i| {
            names
                .get(i)
                .and_then(|n| n.as_deref())
                .and_then(|n| glyph_name_to_text(n.as_bytes()))
                .map(CompactString::from)
        }))),
    }
}

#[derive(Debug, Default)]
enum Widths {
    /// `/FirstChar` + `/Widths` of a simple font.
    Simple {
        first_char: u32,
        widths: Vec<f64>,
        missing: MissingWidth,
    },
    /// `/W` + `/DW` of a CIDFont: (first CID, last CID, widths or one width).
    Cid {
        ranges: Vec<(u32, u32, CidWidth)>,
        default: f64,
        /// Adobe-Japan1: CIDs the collection defines as half-width.
        japan1: bool,
        /// The ranges go up and do not overlap (every producer's `/W`):
        /// a CID's range is found by binary search, else by a scan for
        /// the first that holds it (see [`cid_range`]).
        ascending: bool,
    },
    #[default]
    Unknown,
}

/// A simple font's width for codes outside `/Widths`: its
/// `/FontDescriptor`'s `/MissingWidth`, read the first time such a code
/// is shown. Most fonts show only codes their `/Widths` covers (a
/// Chromium notice's 60–70 Type 3 fonts always do), and reading each
/// font's descriptor at load is a second dictionary parse per font
/// (1.3 M instructions of the 77 one-page fixtures).
#[derive(Debug)]
struct MissingWidth {
    /// The font dictionary's `/FontDescriptor` entry (a reference) while
    /// it has not been read.
    descriptor: Option<Object>,
    width: OnceLock<f64>,
}

impl MissingWidth {
    /// Reads a direct `/FontDescriptor` (or its absence) now; a reference,
    /// which a later read resolves the same way, waits.
    fn of(doc: &Source, font: &Dictionary) -> MissingWidth {
        match entry(font, b"FontDescriptor") {
            Some(entry @ Object::Reference(_)) => MissingWidth {
                descriptor: Some(entry.clone()),
                width: OnceLock::new(),
            },
            _ => MissingWidth::known(
                get_dict(doc, font, b"FontDescriptor")
                    .and_then(|fd| get_number(doc, fd, b"MissingWidth"))
                    .unwrap_or(0.0),
            ),
        }
    }

    fn known(width: f64) -> MissingWidth {
        MissingWidth {
            descriptor: None,
            width: OnceLock::from(width),
        }
    }

    /// The width, reading the descriptor the first time.
    fn get(&self, doc: &Source) -> f64 {
        *self.width.get_or_init(|| {
            self.descriptor
                .as_ref()
                .and_then(|entry| resolve(doc, entry))
                .and_then(as_dict)
                .and_then(|fd| get_number(doc, fd, b"MissingWidth"))
                .unwrap_or(0.0)
        })
    }
}

#[derive(Debug)]
enum CidWidth {
    Each(Vec<f64>),
    Same(f64),
}

/// A font ready to decode show-string bytes.
#[derive(Debug)]
pub struct Font {
    /// `/BaseFont` (or the resource name for Type 3 fonts without one).
    pub name: Arc<str>,
    kind: Kind,
    to_unicode: Option<Arc<ToUnicode>>,
    widths: Widths,
    /// Glyph-space width → text space: 0.001, or a Type 3 `/FontMatrix` a.
    width_scale: f64,
    /// `Some` for a composite font in vertical writing mode.
    vertical: Option<VerticalMetrics>,
}

/// How a vertical-writing (WMode 1) font places its glyphs (ISO 32000-1,
/// 9.7.4.3), per unit of font size: from `/DW2` (default `[880 -1000]`);
/// per-CID `/W2` entries are not read (they matter for a few proportional
/// glyphs, not for where a column's text is).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VerticalMetrics {
    /// The glyph's horizontal origin lies this far below its vertical
    /// origin (v_y), and half its width to the left.
    pub origin_y: f64,
    /// The vertical advance (w1): negative, downward.
    pub advance: f64,
}

impl Default for VerticalMetrics {
    fn default() -> Self {
        VerticalMetrics {
            origin_y: 0.88,
            advance: -1.0,
        }
    }
}

/// Whether a composite font's `/Encoding` writes vertically: a predefined
/// CMap named `V` or ending in `-V` (`Identity-V`, `UniJIS-UCS2-V`, ...), or
/// an embedded one with `/WMode 1`.
fn is_vertical_encoding(doc: &Source, dict: &Dictionary) -> bool {
    match get(doc, dict, b"Encoding") {
        Some(Object::Name(n)) => n == b"V" || n.ends_with(b"-V"),
        Some(Object::Stream(s)) => get_number(doc, &s.dict, b"WMode") == Some(1.0),
        _ => false,
    }
}

/// A descendant font's `/DW2`, when it is two finite numbers.
fn vertical_metrics(doc: &Source, cid_font: Option<&Dictionary>) -> VerticalMetrics {
    cid_font
        .and_then(|f| get_array(doc, f, b"DW2"))
        .and_then(|a| numbers(doc, a))
        .and_then(|v| match v.as_slice() {
            [vy, w1] if vy.is_finite() && w1.is_finite() && *w1 != 0.0 => Some(VerticalMetrics {
                origin_y: vy / 1000.0,
                advance: w1 / 1000.0,
            }),
            _ => None,
        })
        .unwrap_or_default()
}

fn embedded_cmap(name: CMapName<'_>) -> Option<Arc<CMap>> {
    let bytes = hayro_cmap::load_embedded(name)?;
    CMap::parse(bytes, hayro_cmap::load_embedded).map(Arc::new)
}

/// A predefined CMap by name: the build's table for the ones notices use,
/// else hayro-cmap's (which decompresses its whole bundle the first time).
fn predefined(name: &[u8]) -> Option<CodeToCid> {
    match bundled_cmap::table(name) {
        Some(table) => Some(CodeToCid::Bundled(table)),
        None => embedded_cmap(CMapName::from_bytes(name)).map(CodeToCid::Parsed),
    }
}

fn adobe_japan1_ucs2() -> Option<Arc<CMap>> {
    static TABLE: OnceLock<Option<Arc<CMap>>> = OnceLock::new();
    TABLE
        .get_or_init(|| embedded_cmap(CMapName::AdobeJapan1Ucs2))
        .clone()
}

/// JIS-Roman characters that a CID → Unicode table maps to look-alikes:
/// in a notice they are the ASCII characters of a password or host name.
/// The full-width minus (JIS X 0208 1-61, CID 693), which the table maps
/// to U+2212 MINUS SIGN, is the full-width hyphen-minus U+FF0D that the
/// same character decodes to from Shift_JIS or EUC-JP bytes (NFKC: `-`),
/// so a value reads alike whichever encoding its producer used.
fn fold_jis_roman_lookalike(c: char) -> char {
    match c {
        '\u{2011}' | '\u{2010}' => '-',
        '\u{0332}' => '_',
        '\u{0300}' => '`',
        '\u{00A6}' => '|',
        '\u{02DC}' => '~',
        '\u{2212}' => '\u{FF0D}',
        other => other,
    }
}

fn utf16_name(name: &[u8]) -> bool {
    let s = String::from_utf8_lossy(name);
    s.starts_with("Uni") && (s.contains("-UCS2-") || s.contains("-UTF16-"))
}

fn shift_jis_name(name: &[u8]) -> bool {
    String::from_utf8_lossy(name).contains("RKSJ")
}

/// The legacy encoding whose bytes a predefined CJK CMap takes (Adobe TN
/// 5078, 5079, 5080, 5093): GB 2312/GBK, Big Five, KS X 1001/UHC.
fn legacy_encoding(name: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let s = String::from_utf8_lossy(name);
    if s.starts_with("GB") && (s.contains("EUC") || s.starts_with("GBK")) {
        Some(encoding_rs::GBK)
    } else if s.contains("B5") {
        Some(encoding_rs::BIG5)
    } else if s.starts_with("KSC") {
        Some(encoding_rs::EUC_KR)
    } else {
        None
    }
}

impl Font {
    /// Reads a font dictionary. Never fails: a font we cannot understand
    /// still gives positions, with empty text.
    pub fn load(
        doc: &Source,
        dict: &Dictionary,
        resource_name: &[u8],
        shared: &mut SharedCMaps,
    ) -> Font {
        let subtype = get_name(doc, dict, b"Subtype").unwrap_or(b"");
        let name: Arc<str> = get_name(doc, dict, b"BaseFont")
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_else(|| String::from_utf8_lossy(resource_name).into_owned())
            .into();
        let to_unicode = ToUnicode::load(doc, dict, shared);
        if subtype == b"Type0" {
            Self::load_composite(doc, dict, name, to_unicode, shared)
        } else {
            Self::load_simple(doc, dict, subtype, name, to_unicode)
        }
    }

    fn load_simple(
        doc: &Source,
        dict: &Dictionary,
        subtype: &[u8],
        name: Arc<str>,
        to_unicode: Option<Arc<ToUnicode>>,
    ) -> Font {
        let builtin = builtin_encoding(doc, dict, subtype, &name);
        let base = |named: Option<BaseEncoding>| match (named, &builtin) {
            // A standard symbolic font keeps its own encoding (Acrobat
            // ignores a WinAnsi `/Encoding` on Symbol).
            (_, Some(Builtin::Standard(enc)))
                if matches!(enc, BaseEncoding::Symbol | BaseEncoding::ZapfDingbats) =>
            {
                base_table(*enc)
            }
            (Some(named), _) => base_table(named),
            (None, Some(Builtin::Standard(enc))) => base_table(*enc),
            (None, Some(Builtin::Names(names))) => names_table(names),
            (None, None) => base_table(BaseEncoding::Standard),
        };
        // The differences wait for a code the ToUnicode map lacks (see
        // `SimpleTexts`) when the map can name codes and the entry is a
        // reference, which a later read resolves the same way.
        let defer = to_unicode.as_deref().is_some_and(ToUnicode::is_map);
        let mut differences = None;
        let table = match get(doc, dict, b"Encoding") {
            Some(Object::Name(n)) => base(BaseEncoding::from_name(n)),
            Some(Object::Dictionary(enc)) => {
                let named = get_name(doc, enc, b"BaseEncoding").and_then(BaseEncoding::from_name);
                let mut table = if named.is_none() && builtin.is_none() && subtype == b"Type3" {
                    TextTable::empty()
                } else {
                    base(named)
                };
                let type3 = subtype == b"Type3";
                match entry(enc, b"Differences") {
                    Some(entry @ Object::Reference(_)) if defer => {
                        differences = Some((entry.clone(), type3));
                    }
                    Some(entry) => apply_differences_entry(doc, entry, &mut table, type3),
                    None => {}
                }
                table
            }
            _ => base(None),
        };
        let width_scale = if subtype == b"Type3" {
            get_array(doc, dict, b"FontMatrix")
                .and_then(|m| numbers(doc, m))
                .and_then(|m| m.first().copied())
                .filter(|a| a.is_finite() && *a != 0.0)
                .map(f64::abs)
                .unwrap_or(0.001)
        } else {
            0.001
        };
        let widths = match get_numbers(doc, dict, b"Widths") {
            Some(widths) => Widths::Simple {
                first_char: get_number(doc, dict, b"FirstChar")
                    .filter(|f| (0.0..=255.0).contains(f))
                    .unwrap_or(0.0) as u32,
                widths,
                missing: MissingWidth::of(doc, dict),
            },
            None => match standard_font_widths(&name) {
                Some(widths) => Widths::Simple {
                    first_char: 32,
                    widths,
                    missing: MissingWidth::known(FALLBACK_WIDTH),
                },
                None => Widths::Unknown,
            },
        };
        Font {
            name,
            kind: Kind::Simple {
                texts: SimpleTexts {
                    base: table,
                    differences,
                    applied: OnceLock::new(),
                },
            },
            to_unicode,
            widths,
            width_scale,
            vertical: None,
        }
    }

    fn load_composite(
        doc: &Source,
        dict: &Dictionary,
        name: Arc<str>,
        mut to_unicode: Option<Arc<ToUnicode>>,
        shared: &mut SharedCMaps,
    ) -> Font {
        let embedded = |obj: &Object| match obj {
            Object::Stream(s) => stream_bytes(s, MAX_CMAP_BYTES)
                .and_then(|bytes| CMap::parse(&bytes, hayro_cmap::load_embedded)),
            _ => None,
        };
        let encoding = match get(doc, dict, b"Encoding") {
            Some(Object::Name(n)) if n.starts_with(b"Identity") => CidEncoding::Identity,
            Some(Object::Name(n)) => match predefined(n) {
                Some(cmap) if utf16_name(n) => CidEncoding::Utf16(cmap),
                Some(cmap) if shift_jis_name(n) => CidEncoding::ShiftJis(cmap),
                Some(cmap) => match legacy_encoding(n) {
                    Some(enc) => CidEncoding::Legacy(enc, cmap),
                    None => CidEncoding::Other(cmap),
                },
                None => CidEncoding::Identity,
            },
            Some(Object::Stream(_)) => {
                SharedCMaps::get_or_parse(doc, dict, b"Encoding", &mut shared.encodings, embedded)
                    .map(|c| CidEncoding::Other(CodeToCid::Parsed(c)))
                    .unwrap_or(CidEncoding::Identity)
            }
            _ => CidEncoding::Identity,
        };
        let descendant = get_array(doc, dict, b"DescendantFonts")
            .and_then(|a| a.first())
            .and_then(|o| resolve(doc, o))
            .and_then(as_dict);
        let vertical = is_vertical_encoding(doc, dict).then(|| vertical_metrics(doc, descendant));
        let mut widths = Widths::Unknown;
        let mut is_japan1 = false;
        let mut collection = None;
        let mut program = Box::<LazyProgram>::default();
        if let Some(cid_font) = descendant {
            widths = read_cid_widths(doc, cid_font);
            let info = get_dict(doc, cid_font, b"CIDSystemInfo");
            let string = |key: &[u8]| match info.and_then(|i| get(doc, i, key)) {
                Some(Object::String(s, _)) => Some(s.clone()),
                _ => None,
            };
            let ordering = string(b"Ordering");
            if ordering.as_deref() == Some(b"Japan1") {
                is_japan1 = true;
                if let Widths::Cid { japan1, .. } = &mut widths {
                    *japan1 = true;
                }
            } else if let (Some(registry), Some(ordering)) = (string(b"Registry"), &ordering) {
                collection = collection_ucs2(&registry, ordering);
            }
            if !is_japan1 && collection.is_none() {
                program.source = ProgramSource::find(doc, cid_font);
            }
            if !to_unicode.as_deref().is_some_and(ToUnicode::is_map)
                && !is_japan1
                && collection.is_none()
            {
                // A non-embedded Identity font with no ToUnicode names no
                // glyphs at all: its codes can only be the characters (the
                // viewer finds them in a system font by Unicode), as
                // pdfium and poppler read them.
                if program.get().is_none()
                    && to_unicode.is_none()
                    && matches!(encoding, CidEncoding::Identity)
                    && ordering.as_deref() == Some(b"Identity")
                    && !has_font_program(doc, cid_font)
                {
                    to_unicode = Some(Arc::new(ToUnicode::Identity));
                }
            }
        }
        Font {
            name,
            kind: Kind::Composite {
                encoding,
                japan1: is_japan1,
                collection,
                program,
            },
            to_unicode,
            widths,
            width_scale: 0.001,
            vertical,
        }
    }

    /// `Some` when the font writes vertically (WMode 1): glyphs advance
    /// downward, centred on the pen.
    pub fn vertical(&self) -> Option<VerticalMetrics> {
        self.vertical
    }

    /// True for a multi-byte font, where `Tw` never applies (9.3.3).
    pub fn is_composite(&self) -> bool {
        matches!(self.kind, Kind::Composite { .. })
    }

    /// Splits a show string into codes and decodes each.
    ///
    /// Decoding stops once the codes decoded hold more than
    /// `max_text_bytes` of text: the caller's text budget is then spent,
    /// and a ToUnicode entry of a million characters shown a thousand times
    /// must not be decoded a thousand times first.
    /// `doc` is the document the font was loaded from.
    pub fn decode(
        &self,
        doc: &Source,
        bytes: &[u8],
        out: &mut Vec<DecodedCode>,
        max_text_bytes: usize,
    ) {
        let mut text_bytes = 0usize;
        match &self.kind {
            Kind::Simple { texts } => {
                for &b in bytes {
                    let code = u32::from(b);
                    let text = self.to_unicode_text(code).unwrap_or_else(|| {
                        texts.get(doc, usize::from(b)).cloned().unwrap_or_default()
                    });
                    text_bytes += text.len();
                    out.push(DecodedCode {
                        code,
                        text,
                        width: self.simple_width(doc, code),
                        is_word_space: b == b' ',
                    });
                    if text_bytes > max_text_bytes {
                        return;
                    }
                }
            }
            Kind::Composite {
                encoding,
                japan1,
                collection,
                program,
            } => self.decode_composite(
                encoding,
                *japan1,
                (collection.as_deref(), program),
                bytes,
                out,
                max_text_bytes,
            ),
        }
    }

    fn decode_composite(
        &self,
        encoding: &CidEncoding,
        japan1: bool,
        (collection, program): (Option<&CMap>, &LazyProgram),
        bytes: &[u8],
        out: &mut Vec<DecodedCode>,
        max_text_bytes: usize,
    ) {
        let mut text_bytes = 0usize;
        let mut rest = bytes;
        while !rest.is_empty() {
            let len = code_length(encoding, rest).min(rest.len()).max(1);
            let (code_bytes, tail) = rest.split_at(len);
            rest = tail;
            let code = code_bytes
                .iter()
                .fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
            let cid = match encoding {
                CidEncoding::Identity => Some(code),
                CidEncoding::Utf16(cmap)
                | CidEncoding::ShiftJis(cmap)
                | CidEncoding::Legacy(_, cmap)
                | CidEncoding::Other(cmap) => cmap.lookup_cid_code(code, len as u8),
            };
            let text = self.composite_text(
                encoding,
                japan1,
                (collection, program),
                code_bytes,
                code,
                cid,
            );
            text_bytes += text.len();
            out.push(DecodedCode {
                code,
                text,
                width: self.cid_width(cid.unwrap_or(0)),
                is_word_space: false,
            });
            if text_bytes > max_text_bytes {
                return;
            }
        }
    }

    /// A composite font's code's text: its `/ToUnicode` entry, else the
    /// encoding's own reading of its bytes, else its CID's Adobe-Japan1
    /// reading, else the collection's, else the font program's, else the
    /// identity `/ToUnicode` name's; empty when none reads it. Each source
    /// returns as soon as it reads the code (an `or_else` chain moved the
    /// text between stack slots at every link).
    fn composite_text(
        &self,
        encoding: &CidEncoding,
        japan1: bool,
        (collection, program): (Option<&CMap>, &LazyProgram),
        code_bytes: &[u8],
        code: u32,
        cid: Option<u32>,
    ) -> CompactString {
        if let Some(text) = self.to_unicode_text(code) {
            return text;
        }
        let own = match encoding {
            CidEncoding::Utf16(_) => Some(utf16_be_lossy(code_bytes)),
            CidEncoding::ShiftJis(_) => {
                let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(code_bytes);
                (!bad).then(|| CompactString::from(text))
            }
            CidEncoding::Legacy(enc, _) => {
                let (text, _, bad) = enc.decode(code_bytes);
                (!bad).then(|| CompactString::from(text))
            }
            _ => None,
        };
        if let Some(text) = own {
            return text;
        }
        let Some(cid) = cid else {
            return self.identity_text(code).unwrap_or_default();
        };
        if let Some(table) = japan1.then(adobe_japan1_ucs2).flatten()
            && let Some(bf) = table.lookup_bf_string(cid)
        {
            return match bf {
                BfString::Char(c) => fold_jis_roman_lookalike(c).to_compact_string(),
                BfString::String(s) => s.chars().map(fold_jis_roman_lookalike).collect(),
            };
        }
        if let Some(bf) = collection.and_then(|c| c.lookup_bf_string(cid)) {
            return match bf {
                BfString::Char(c) => c.to_compact_string(),
                BfString::String(s) => CompactString::from(s),
            };
        }
        if let Some(c) = program.get().and_then(|p| p.get(&cid)) {
            return c.to_compact_string();
        }
        self.identity_text(code).unwrap_or_default()
    }

    fn to_unicode_text(&self, code: u32) -> Option<CompactString> {
        match self.to_unicode.as_deref()? {
            ToUnicode::Read(map) => map.lookup(code),
            ToUnicode::Strict(cmap) => match cmap.lookup_bf_string(code)? {
                BfString::Char(c) => Some(c.to_compact_string()),
                BfString::String(s) => Some(CompactString::from(s)),
            },
            ToUnicode::Lenient(map) => map.get(&code).map(|s| CompactString::from(s.as_str())),
            ToUnicode::Identity => None,
        }
    }

    /// The identity `/ToUnicode` name's reading of a code.
    fn identity_text(&self, code: u32) -> Option<CompactString> {
        matches!(self.to_unicode.as_deref(), Some(ToUnicode::Identity))
            .then(|| char::from_u32(code).filter(|c| !c.is_control()))
            .flatten()
            .map(|c| c.to_compact_string())
    }

    fn simple_width(&self, doc: &Source, code: u32) -> f64 {
        let w = match &self.widths {
            Widths::Simple {
                first_char,
                widths,
                missing,
            } => code
                .checked_sub(*first_char)
                .and_then(|i| widths.get(i as usize).copied())
                .unwrap_or_else(|| missing.get(doc)),
            _ => FALLBACK_WIDTH,
        };
        w * self.width_scale
    }

    fn cid_width(&self, cid: u32) -> f64 {
        let w = match &self.widths {
            Widths::Cid {
                ranges,
                default,
                japan1,
                ascending,
            } => cid_range(ranges, *ascending, cid)
                .and_then(|(first, _, w)| match w {
                    CidWidth::Same(w) => Some(*w),
                    CidWidth::Each(ws) => ws.get((cid - first) as usize).copied(),
                })
                .unwrap_or(if *japan1 && JAPAN1_HALF_WIDTH.contains(&cid) {
                    HALF_WIDTH
                } else {
                    *default
                }),
            _ => 1000.0,
        };
        w * self.width_scale
    }
}

/// A simple font's own encoding, used where its dictionary names none
/// (ISO 32000-1 9.6.6.1: an embedded font's built-in encoding, or the
/// standard Symbol and ZapfDingbats fonts').
enum Builtin {
    Standard(BaseEncoding),
    Names(font_program::NameTable),
}

/// The largest embedded font program we decompress to read its encoding
/// or `cmap`; a full CJK TrueType font is about 20 MB.
const MAX_FONT_PROGRAM_BYTES: usize = 32 * 1024 * 1024;

fn builtin_encoding(
    doc: &Source,
    dict: &Dictionary,
    subtype: &[u8],
    name: &str,
) -> Option<Builtin> {
    let needs_program = match get(doc, dict, b"Encoding") {
        Some(Object::Name(n)) => BaseEncoding::from_name(n).is_none(),
        Some(Object::Dictionary(enc)) => get_name(doc, enc, b"BaseEncoding")
            .and_then(BaseEncoding::from_name)
            .is_none(),
        _ => true,
    };
    if needs_program
        && matches!(subtype, b"Type1" | b"MMType1")
        && let Some(fd) = get_dict(doc, dict, b"FontDescriptor")
    {
        let program = |key: &[u8]| {
            get_stream(doc, fd, key).and_then(|s| stream_bytes(s, MAX_FONT_PROGRAM_BYTES))
        };
        let names = program(b"FontFile")
            .and_then(|p| font_program::type1_encoding(&p))
            .or_else(|| program(b"FontFile3").and_then(|p| font_program::cff_encoding(&p)));
        if let Some(names) = names {
            return Some(Builtin::Names(names));
        }
    }
    BaseEncoding::for_standard_font(name).map(Builtin::Standard)
}

fn has_font_program(doc: &Source, font: &Dictionary) -> bool {
    get_dict(doc, font, b"FontDescriptor").is_some_and(|fd| {
        [&b"FontFile"[..], b"FontFile2", b"FontFile3"]
            .iter()
            .any(|key| fd.has(key))
    })
}

/// The UCS2 table of an Adobe character collection other than Japan1,
/// parsed once per process.
fn collection_ucs2(registry: &[u8], ordering: &[u8]) -> Option<Arc<CMap>> {
    static GB1: OnceLock<Option<Arc<CMap>>> = OnceLock::new();
    static CNS1: OnceLock<Option<Arc<CMap>>> = OnceLock::new();
    static KOREA1: OnceLock<Option<Arc<CMap>>> = OnceLock::new();
    let (cell, name) = match (registry, ordering) {
        (b"Adobe", b"GB1") => (&GB1, CMapName::AdobeGb1Ucs2),
        (b"Adobe", b"CNS1") => (&CNS1, CMapName::AdobeCns1Ucs2),
        (b"Adobe", b"Korea1") => (&KOREA1, CMapName::AdobeKorea1Ucs2),
        _ => return None,
    };
    cell.get_or_init(|| embedded_cmap(name)).clone()
}

/// CID → Unicode from a CID font's embedded program: its Unicode `cmap`
/// through `/CIDToGIDMap` (TrueType) or the CFF charset (OpenType CFF).
impl ProgramSource {
    /// Where a CID font's embedded program is, if it has one.
    fn find(doc: &Source, cid_font: &Dictionary) -> Option<ProgramSource> {
        let fd = get_dict(doc, cid_font, b"FontDescriptor")?;
        let (program, truetype) = match get_stream(doc, fd, b"FontFile2") {
            Some(s) => (s.clone(), true),
            None => (get_stream(doc, fd, b"FontFile3")?.clone(), false),
        };
        Some(ProgramSource {
            program,
            truetype,
            cid_to_gid: get_stream(doc, cid_font, b"CIDToGIDMap").cloned(),
        })
    }

    /// CID → Unicode from the program's Unicode `cmap`, through
    /// `/CIDToGIDMap` (TrueType) or the CFF charset (OpenType CFF).
    fn unicode(&self) -> Option<HashMap<u32, char>> {
        let bytes = stream_bytes(&self.program, MAX_FONT_PROGRAM_BYTES)?;
        let by_glyph = font_program::glyph_unicode(&bytes)?;
        let identity = |by_glyph: HashMap<u16, char>| -> HashMap<u32, char> {
            by_glyph
                .into_iter()
                .map(|(g, c)| (u32::from(g), c))
                .collect()
        };
        let map: HashMap<u32, char> = if self.truetype {
            match self
                .cid_to_gid
                .as_ref()
                .and_then(|s| stream_bytes(s, 2 * 65_536))
            {
                Some(gids) => gids
                    .chunks_exact(2)
                    .enumerate()
                    .filter_map(|(cid, g)| {
                        let gid = u16::from_be_bytes([*g.first()?, *g.get(1)?]);
                        Some((cid as u32, *by_glyph.get(&gid)?))
                    })
                    .collect(),
                None => identity(by_glyph),
            }
        } else {
            match font_program::cff_glyph_cids(&bytes) {
                Some(cids) => by_glyph
                    .into_iter()
                    .filter_map(|(g, c)| Some((u32::from(*cids.get(&g)?), c)))
                    .collect(),
                None => identity(by_glyph),
            }
        };
        (!map.is_empty()).then_some(map)
    }
}

impl LazyProgram {
    /// The program's CID → Unicode map, read the first time it is asked
    /// for: a font whose ToUnicode covers every code never pays for it.
    fn get(&self) -> Option<&HashMap<u32, char>> {
        self.map
            .get_or_init(|| self.source.as_ref()?.unicode())
            .as_ref()
    }
}

/// Bytes in the next code of a composite font's string.
fn code_length(encoding: &CidEncoding, bytes: &[u8]) -> usize {
    let first = bytes.first().copied().unwrap_or(0);
    match encoding {
        CidEncoding::Identity => 2,
        CidEncoding::Utf16(_) => {
            // A high surrogate starts a four-byte pair.
            if (0xD8..=0xDB).contains(&first) { 4 } else { 2 }
        }
        CidEncoding::ShiftJis(_) => {
            if (0x81..=0x9F).contains(&first) || (0xE0..=0xFC).contains(&first) {
                2
            } else {
                1
            }
        }
        CidEncoding::Legacy(..) => {
            if (0x81..=0xFE).contains(&first) {
                2
            } else {
                1
            }
        }
        CidEncoding::Other(cmap) => {
            // No codespace ranges are exposed: take the shortest code the
            // CMap knows, as Acrobat does when ranges are sloppy.
            let mut code = 0u32;
            for (i, &b) in bytes.iter().take(4).enumerate() {
                code = (code << 8) | u32::from(b);
                if cmap.lookup_cid_code(code, (i + 1) as u8).is_some() {
                    return i + 1;
                }
            }
            2
        }
    }
}

/// One element of a `/Differences` array.
enum Diff<'a> {
    Code(i64),
    Name(&'a [u8]),
    Other,
}

impl<'a> From<&'a PlainItem<'_>> for Diff<'a> {
    fn from(item: &'a PlainItem<'_>) -> Self {
        match item {
            PlainItem::Integer(i) => Diff::Code(*i),
            PlainItem::Name(glyph) => Diff::Name(glyph),
            PlainItem::Real(_) => Diff::Other,
        }
    }
}

/// Applies an encoding's `/Differences` entry to `table`: read straight
/// from the file's bytes when it is a deferred plain array, else resolved.
fn apply_differences_entry(doc: &Source, entry: &Object, table: &mut TextTable, type3: bool) {
    if let Some(items) = doc.plain_array(entry) {
        apply_differences(items.iter().map(Diff::from), table, type3);
    } else if let Some(Object::Array(diffs)) = resolve(doc, entry) {
        let items = diffs.iter().map(|item| match resolve(doc, item) {
            Some(Object::Integer(i)) => Diff::Code(*i),
            Some(Object::Name(glyph)) => Diff::Name(glyph),
            _ => Diff::Other,
        });
        apply_differences(items, table, type3);
    }
}

fn apply_differences<'a>(
    diffs: impl Iterator<Item = Diff<'a>>,
    table: &mut TextTable,
    type3: bool,
) {
    let mut code: Option<usize> = None;
    // The previous name and its text: Chromium's Type 3 fonts repeat one
    // name (`/g0`) for most of their 256 codes, and 60-70 fonts a file.
    let mut previous: Option<(&[u8], Option<CompactString>)> = None;
    let table = table.to_mut();
    for item in diffs {
        match item {
            Diff::Code(i) => code = usize::try_from(i).ok(),
            Diff::Name(glyph) => {
                if let Some(c) = code {
                    if let Some(slot) = table.get_mut(c) {
                        let text = match &previous {
                            Some((name, text)) if *name == glyph => text.clone(),
                            _ => {
                                let text = glyph_name_to_text(glyph)
                                    .map(CompactString::from)
                                    .or_else(|| {
                                        type3
                                            .then(|| type3_code_name(glyph))
                                            .flatten()
                                            .map(|c| c.to_compact_string())
                                            .or_else(|| {
                                                type3
                                                    .then(|| type3_unknown_name(glyph, c))
                                                    .flatten()
                                                    .map(|c| c.to_compact_string())
                                            })
                                    });
                                previous = Some((glyph, text.clone()));
                                text
                            }
                        };
                        *slot = text;
                    }
                    code = Some(c + 1);
                }
            }
            _ => {}
        }
    }
}

/// The most `/W` entries we read; a CJK font has a few hundred.
const MAX_W_ENTRIES: usize = 100_000;

fn read_cid_widths(doc: &Source, cid_font: &Dictionary) -> Widths {
    let default = get_number(doc, cid_font, b"DW").unwrap_or(1000.0);
    let mut ranges = Vec::new();
    if let Some(w) = get_array(doc, cid_font, b"W") {
        let mut items = w.iter().take(MAX_W_ENTRIES).filter_map(|o| resolve(doc, o));
        while let Some(first) = items.next().and_then(number) {
            let first = first.max(0.0) as u32;
            match items.next() {
                Some(Object::Array(each)) => {
                    let ws: Vec<f64> = each
                        .iter()
                        .filter_map(|o| resolve(doc, o).and_then(number))
                        .collect();
                    let last = first.saturating_add(ws.len().saturating_sub(1) as u32);
                    ranges.push((first, last, CidWidth::Each(ws)));
                }
                Some(last) => {
                    let (Some(last), Some(w)) = (number(last), items.next().and_then(number))
                    else {
                        break;
                    };
                    ranges.push((first, last.max(0.0) as u32, CidWidth::Same(w)));
                }
                None => break,
            }
        }
    }
    Widths::Cid {
        ascending: ranges_ascend(&ranges),
        ranges,
        default,
        japan1: false,
    }
}

/// Whether `/W` ranges go up without overlapping: each first ≤ last < the
/// next one's first.
fn ranges_ascend(ranges: &[(u32, u32, CidWidth)]) -> bool {
    ranges.iter().all(|(first, last, _)| first <= last)
        && ranges
            .windows(2)
            .all(|pair| matches!(pair, [(_, last, _), (next, _, _)] if last < next))
}

/// `/W` lists this short are scanned even when they go up: the scan costs
/// less than the search (Chromium's fonts list a few ranges).
const LINEAR_RANGES: usize = 8;

/// The first of `ranges` holding `cid`. `ascending`: the ranges go up and
/// do not overlap (each first ≤ last < the next one's first), so the only
/// range that can hold `cid` is the first whose last is not below it (a
/// CJK font's `/W` has hundreds of ranges and every glyph asks).
fn cid_range(
    ranges: &[(u32, u32, CidWidth)],
    ascending: bool,
    cid: u32,
) -> Option<&(u32, u32, CidWidth)> {
    if ascending && ranges.len() > LINEAR_RANGES {
        let at = ranges.partition_point(|(_, last, _)| *last < cid);
        ranges.get(at).filter(|(first, _, _)| *first <= cid)
    } else {
        ranges
            .iter()
            .find(|(first, last, _)| (*first..=*last).contains(&cid))
    }
}

/// A code's bytes as UTF-16BE text (an odd last byte the high half of a
/// unit), unpaired surrogates as U+FFFD: `CompactString::from_utf16_lossy`
/// of the units, without a vector of them for every code.
fn utf16_be_lossy(bytes: &[u8]) -> CompactString {
    if let [high, low] = *bytes
        && let Some(c) = char::from_u32(u32::from(u16::from_be_bytes([high, low])))
    {
        // The common case: one unit, not a surrogate.
        let mut buf = [0u8; 4];
        return CompactString::new(c.encode_utf8(&mut buf));
    }
    let units = bytes.chunks(2).map(|p| {
        u16::from_be_bytes([
            p.first().copied().unwrap_or(0),
            p.get(1).copied().unwrap_or(0),
        ])
    });
    let mut text = CompactString::default();
    for c in char::decode_utf16(units) {
        text.push(c.unwrap_or(char::REPLACEMENT_CHARACTER));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{Stream, dictionary};

    /// The full-width minus reads the same through Adobe-Japan1-UCS2 (an
    /// Identity-H font with no ToUnicode, as dvipdfmx writes) as through
    /// Shift_JIS bytes (90ms-RKSJ-H).
    #[test]
    fn the_full_width_minus_reads_alike_by_cid_and_by_shift_jis() {
        let table = adobe_japan1_ucs2().expect("Adobe-Japan1-UCS2 is bundled");
        let by_cid = match table.lookup_bf_string(693) {
            Some(BfString::Char(c)) => fold_jis_roman_lookalike(c).to_string(),
            other => panic!("CID 693 maps to {other:?}"),
        };
        let (by_sjis, _, _) = encoding_rs::SHIFT_JIS.decode(&[0x81, 0x7C]);
        assert_eq!(by_cid, by_sjis);
        assert_eq!(by_cid, "\u{FF0D}");
    }

    /// A font whose ToUnicode map names the codes shown never reads its
    /// `/Differences`; the first code the map lacks applies them.
    #[test]
    fn differences_wait_for_a_code_the_to_unicode_map_lacks() {
        let mut doc = lopdf::Document::with_version("1.7");
        let cmap = "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
                    1 begincodespacerange <00> <FF> endcodespacerange\n\
                    1 beginbfchar <41> <0042> endbfchar\n\
                    endcmap CMapName currentdict /CMap defineresource pop end end";
        let to_unicode = doc.add_object(Stream::new(dictionary! {}, cmap.as_bytes().to_vec()));
        let differences = doc.add_object(Object::Array(vec![
            Object::Integer(0x41),
            Object::Name(b"Aring".to_vec()),
            Object::Name(b"eacute".to_vec()),
        ]));
        let font = dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "BaseFont" => "Helvetica",
            "ToUnicode" => to_unicode,
            "Encoding" => dictionary! { "Differences" => differences },
        };
        let source = Source::Eager(Box::new(doc));
        let font = Font::load(&source, &font, b"F1", &mut SharedCMaps::default());
        let Kind::Simple { texts } = &font.kind else {
            panic!("a simple font");
        };
        let text = |bytes: &[u8]| {
            let mut out = Vec::new();
            font.decode(&source, bytes, &mut out, usize::MAX);
            out.iter().map(|c| c.text.as_str()).collect::<String>()
        };
        assert_eq!(text(b"A"), "B");
        assert!(texts.applied.get().is_none());
        assert_eq!(text(b"AB"), "Bé");
        assert!(texts.applied.get().is_some());
        assert_eq!(text(b"C"), "C");
    }

    /// A code inside `/Widths` takes its width without the descriptor
    /// being read; a code outside takes the descriptor's `/MissingWidth`
    /// (by reference or direct), and no descriptor gives 0.
    #[test]
    fn missing_width_waits_for_a_code_outside_the_widths() {
        let mut doc = lopdf::Document::with_version("1.7");
        let descriptor = doc.add_object(dictionary! { "MissingWidth" => 321 });
        let direct = dictionary! { "MissingWidth" => 123 };
        let font = |fd: Option<Object>| {
            let mut font = dictionary! {
                "Type" => "Font",
                "Subtype" => "TrueType",
                "BaseFont" => "Anything",
                "FirstChar" => 0x41,
                "Widths" => vec![Object::Integer(600), Object::Integer(700)],
            };
            if let Some(fd) = fd {
                font.set("FontDescriptor", fd);
            }
            font
        };
        let source = Source::Eager(Box::new(doc));
        let widths = |dict: &Dictionary| {
            let font = Font::load(&source, dict, b"F1", &mut SharedCMaps::default());
            let mut inside = Vec::new();
            font.decode(&source, b"AB", &mut inside, usize::MAX);
            let Widths::Simple { missing, .. } = &font.widths else {
                panic!("simple widths");
            };
            let read_before = missing.width.get().is_some();
            let mut outside = Vec::new();
            font.decode(&source, b"@C", &mut outside, usize::MAX);
            let all: Vec<f64> = inside.iter().chain(&outside).map(|c| c.width).collect();
            (read_before, all)
        };
        // As `simple_width` scales a glyph-space width.
        let scaled = |ws: [f64; 4]| ws.iter().map(|w| w * 0.001).collect::<Vec<_>>();
        assert_eq!(
            widths(&font(Some(Object::Reference(descriptor)))),
            (false, scaled([600.0, 700.0, 321.0, 321.0]))
        );
        assert_eq!(
            widths(&font(Some(Object::Dictionary(direct)))),
            (true, scaled([600.0, 700.0, 123.0, 123.0]))
        );
        assert_eq!(
            widths(&font(None)),
            (true, scaled([600.0, 700.0, 0.0, 0.0]))
        );
    }

    /// A small deterministic generator (xorshift64*), shared with the
    /// ToUnicode reader's tests.
    pub(in crate::pdf::font) struct Rng(pub(in crate::pdf::font) u64);

    impl Rng {
        pub(in crate::pdf::font) fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        pub(in crate::pdf::font) fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// The UTF-16 reading of a code is `from_utf16_lossy` of its units for
    /// every two-byte code and for generated codes of one to five bytes
    /// (surrogates paired, unpaired, reversed; odd lengths).
    #[test]
    fn utf16_codes_read_as_from_utf16_lossy_reads_their_units() {
        let general = |bytes: &[u8]| {
            let units: Vec<u16> = bytes
                .chunks(2)
                .map(|p| {
                    u16::from_be_bytes([
                        p.first().copied().unwrap_or(0),
                        p.get(1).copied().unwrap_or(0),
                    ])
                })
                .collect();
            CompactString::from_utf16_lossy(units)
        };
        for code in 0..=u16::MAX {
            let bytes = code.to_be_bytes();
            assert_eq!(utf16_be_lossy(&bytes), general(&bytes), "{code:#06x}");
        }
        let mut rng = Rng(0x5EED_F0A7);
        for _ in 0..50_000 {
            let len = rng.below(6) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| match rng.below(4) {
                    0 => 0xD8 + rng.below(8) as u8,
                    1 => 0x00,
                    _ => rng.below(256) as u8,
                })
                .collect();
            assert_eq!(utf16_be_lossy(&bytes), general(&bytes), "{bytes:02X?}");
        }
    }

    /// A CID's `/W` range by binary search is the first range a scan
    /// finds, on generated `/W` lists: ascending ones (where the search
    /// runs) and shuffled, overlapping and inverted ones (where it must
    /// not).
    #[test]
    fn cid_ranges_by_search_are_the_ranges_a_scan_finds() {
        let mut rng = Rng(0xC1D_5EED);
        for round in 0..4_000 {
            let mut ranges = Vec::new();
            let mut next = rng.below(4) as u32;
            for _ in 0..rng.below(12) {
                let first = next + rng.below(3) as u32;
                let last = first + rng.below(4) as u32;
                let width = if rng.below(2) == 0 {
                    CidWidth::Same(ranges.len() as f64)
                } else {
                    CidWidth::Each(vec![1.0; rng.below(6) as usize])
                };
                ranges.push((first, last, width));
                next = last + 1;
            }
            if round % 2 == 1 && !ranges.is_empty() {
                // Break the order: swap two, overlap two or invert one.
                let i = rng.below(ranges.len() as u64) as usize;
                let j = rng.below(ranges.len() as u64) as usize;
                match rng.below(3) {
                    0 => ranges.swap(i, j),
                    1 => ranges[i].1 += 3,
                    _ => ranges[i].0 = ranges[i].1 + 1,
                }
            }
            let ascending = ranges_ascend(&ranges);
            if round % 2 == 0 {
                assert!(ascending, "round {round}");
            }
            for cid in 0..next + 6 {
                let scan = ranges
                    .iter()
                    .find(|(first, last, _)| (*first..=*last).contains(&cid));
                let found = cid_range(&ranges, ascending, cid);
                assert_eq!(
                    found.map(|r| (r.0, r.1)),
                    scan.map(|r| (r.0, r.1)),
                    "round {round}, cid {cid}, ascending {ascending}"
                );
            }
        }
    }

    /// Two font dictionaries naming one `/ToUnicode` stream share one parse
    /// of it; a font with its own stream gets its own.
    #[test]
    fn a_shared_to_unicode_is_parsed_once_per_document() {
        let mut doc = lopdf::Document::with_version("1.7");
        let cmap = |to: &str| {
            format!(
                "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
                 1 begincodespacerange <00> <FF> endcodespacerange\n\
                 1 beginbfchar <41> <{to}> endbfchar\n\
                 endcmap CMapName currentdict /CMap defineresource pop end end"
            )
        };
        let shared = doc.add_object(Stream::new(dictionary! {}, cmap("0042").into_bytes()));
        let own = doc.add_object(Stream::new(dictionary! {}, cmap("0043").into_bytes()));
        let font = |to_unicode| {
            dictionary! {
                "Type" => "Font",
                "Subtype" => "Type1",
                "BaseFont" => "Helvetica",
                "ToUnicode" => to_unicode,
            }
        };
        let (a, b, c) = (font(shared), font(shared), font(own));
        let source = Source::Eager(Box::new(doc));
        let mut cmaps = SharedCMaps::default();
        let fonts: Vec<Font> = [a, b, c]
            .iter()
            .map(|d| Font::load(&source, d, b"F1", &mut cmaps))
            .collect();
        let map = |f: &Font| f.to_unicode.clone().unwrap();
        assert!(Arc::ptr_eq(&map(&fonts[0]), &map(&fonts[1])));
        assert!(!Arc::ptr_eq(&map(&fonts[0]), &map(&fonts[2])));
        assert_eq!(fonts[1].to_unicode_text(0x41).as_deref(), Some("B"));
        assert_eq!(fonts[2].to_unicode_text(0x41).as_deref(), Some("C"));
        assert_eq!(cmaps.to_unicode.len(), 2);
    }
}
