//! Objects parsed when first asked for, not all at open.
//!
//! lopdf 0.47 parses every object of a file while loading it (its reader
//! has no public constructor, and its load filter runs after each object is
//! parsed). A Chromium notice has about 700 objects, most of them structure
//! elements and Type 3 glyph procedures no page text needs, and parsing
//! them was a third of the instructions of a whole parse. Here hayro-syntax
//! opens the file and its cross-reference table (repairing a broken one as
//! lopdf does), and [`LazyDoc::get_object`] converts one hayro-syntax object
//! into a lopdf [`Object`] the first time it is asked for, so the rest of
//! the PDF layer keeps reading lopdf types. A dictionary or stream object
//! of a file with one plain cross-reference table is read at the table's
//! offset by the content lexer alone (`classic_xref.rs`; hayro-syntax
//! opens such a file only when an object is asked for that the table does
//! not give), and the large arrays font
//! loading reads from the bytes (`/Widths`, `/Differences`) or never
//! (`/CharProcs`) are deferred values, converted only when resolved.
//!
//! Bounds: references are never followed during conversion (they stay
//! [`Object::Reference`], resolved later by the caller's hop-limited
//! `resolve`); direct nesting is cut where the content lexer cuts it;
//! and the document may convert at most [`MAX_CONVERTED_VALUES`] values,
//! after which every value is `null` and [`LazyDoc::exhausted`] says so (an
//! object stream holding an array of 30 million zeros must not allocate a
//! gigabyte). Each object is converted once and kept at a fixed address
//! (a three-level table of `OnceCell`s indexed by object number), so the
//! references handed out live as long as the document.

use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};
use std::cell::{Cell, OnceCell, RefCell};

use super::classic_xref::ClassicXref;
use super::content::{self, AfterDictionary, Defer, PlainItem};
use super::security::Decryptor;
use hayro_syntax::object::{self as hs, ObjectIdentifier};

/// Values (numbers, names, arrays, dictionary entries...) one document may
/// convert. A lopdf `Object` is at most 128 bytes (a test checks), so this
/// caps the object layer near 128 MB, under the batch worker's 512 MiB
/// even while a vector doubles; real files reach far fewer (a CID font's
/// `/W` array of 50 000 ranges is 150 000).
pub const MAX_CONVERTED_VALUES: usize = 1_000_000;

/// Reference hops followed to make a stream's indirect `/Filter` or
/// `/DecodeParms` direct (a cycle stops here).
const MAX_FILTER_HOPS: usize = 8;

/// Bits of the object number used at each level of the slot table: three
/// levels of 256 cover object numbers below 2^24, twice the 8 388 607 the
/// specification's implementation limits allow (ISO 32000-1, Annex C).
const LEVEL_BITS: u32 = 8;
const FANOUT: usize = 1 << LEVEL_BITS;

/// One converted object, with the generation it was asked for under.
struct Slot {
    generation: u16,
    object: Option<Object>,
}

type Leaf = [OnceCell<Box<Slot>>; FANOUT];
type Middle = [OnceCell<Box<Leaf>>; FANOUT];
type Table = Box<[OnceCell<Box<Middle>>; FANOUT]>;

fn cells<T>() -> Box<[OnceCell<T>; FANOUT]> {
    Box::new(std::array::from_fn(|_| OnceCell::new()))
}

/// The cell of `index` (below 2^24) in a slot table.
fn cell(table: &Table, index: usize) -> Option<&OnceCell<Box<Slot>>> {
    let middle = table.get(index >> (2 * LEVEL_BITS))?.get_or_init(cells);
    let leaf = middle
        .get((index >> LEVEL_BITS) & (FANOUT - 1))?
        .get_or_init(cells);
    leaf.get(index & (FANOUT - 1))
}

/// Dictionary entries whose array or dictionary value is not converted
/// with the dictionary but when first asked for: a font's `/Widths` and
/// its encoding's `/Differences`, which `font.rs` reads straight from the
/// bytes ([`LazyDoc::plain_array`]), and a Type 3 font's `/CharProcs`,
/// which nothing reads. A Chromium notice's 60-70 Type 3 fonts hold about
/// 20 000 such values, and converting them (a heap block per name, a
/// 128-byte `Object` per number) and dropping them again was a fifth of the
/// notice's instructions. Nothing reads a font's `/FontBBox` or a resource
/// dictionary's `/ProcSet` either (an array of four numbers in every Type 3
/// font and font descriptor, of names on every page).
const DEFERRED_KEYS: [&[u8]; 5] = [
    b"Widths",
    b"Differences",
    b"CharProcs",
    b"FontBBox",
    b"ProcSet",
];

/// Object numbers from here on name deferred values (`(DEFERRED_FIRST + k,
/// 0)` is the `k`-th); the table of objects ends below it. A file's own
/// reference to such a number (which no file can have an object for) is
/// read as a reference to [`u32::MAX`], which names nothing.
const DEFERRED_FIRST: u32 = 1 << (3 * LEVEL_BITS);

/// Deferred values one document may hold (the second table's size).
const MAX_DEFERRED: usize = 1 << (3 * LEVEL_BITS);

/// A value left unconverted: where it lies in the file, the nesting it
/// is read at, and the object that holds it (whose id decrypts its
/// strings in an encrypted file: see `deferred_value`).
#[derive(Clone, Copy)]
struct Deferred {
    #[allow(dead_code)]
    container: ObjectId,
    start: usize,
    end: usize,
    depth: usize,
}

/// A PDF whose objects are parsed on first use.
pub struct LazyDoc {
    /// The file.
    data: hayro_syntax::PdfData,
    /// hayro-syntax's reading of the file: opened with the document when
    /// the file has no plain cross-reference table, otherwise the first
    /// time an object is asked for that the table does not give (see
    /// [`LazyDoc::hayro`]); `None` inside when hayro-syntax cannot open it.
    pdf: OnceCell<Option<Box<hayro_syntax::Pdf>>>,
    slots: Table,
    budget: Cell<usize>,
    exhausted: Cell<bool>,
    /// Values left unconverted, and their conversions once asked for.
    deferred: RefCell<Vec<Deferred>>,
    deferred_slots: Table,
    /// The file's plain cross-reference table, while every offset read
    /// from it has held the object it names (see `classic_xref.rs`).
    classic: Option<ClassicXref>,
    classic_holds: Cell<bool>,
    /// For an encrypted file (`security.rs`): decrypts each object, and
    /// each deferred value, as it is converted.
    decryptor: Option<Decryptor>,
}

impl LazyDoc {
    /// Opens `bytes` with hayro-syntax, without a password. `None` when it
    /// cannot read the file's cross-reference table, catalog or page tree.
    pub fn open(bytes: &[u8]) -> Option<LazyDoc> {
        Self::open_owned(bytes.to_vec())
    }

    /// [`LazyDoc::open`] of bytes the document may keep.
    ///
    /// A file with a plain cross-reference table (`classic_xref.rs`) is
    /// opened by reading that table alone: hayro-syntax's opening (its own
    /// reading of the table, and its page list, which this layer does not
    /// use) was a fifth of the instructions of opening a Chromium notice
    /// and reading its objects. hayro-syntax opens such a file only if an
    /// object is asked for that the table does not give.
    pub fn open_owned(bytes: Vec<u8>) -> Option<LazyDoc> {
        Self::open_data(hayro_syntax::PdfData::from(bytes))
    }

    /// [`LazyDoc::open_owned`] of bytes the caller keeps a handle on too
    /// (`open_owned_with_limits` in `mod.rs`, whose lopdf fallback reads
    /// them when this layer declines the file): neither copies them.
    pub fn open_shared(bytes: std::sync::Arc<Vec<u8>>) -> Option<LazyDoc> {
        Self::open_data(hayro_syntax::PdfData::from(bytes))
    }

    fn open_data(data: hayro_syntax::PdfData) -> Option<LazyDoc> {
        let classic = ClassicXref::read(data.as_ref());
        let pdf = OnceCell::new();
        if classic.is_none() {
            let _ = pdf.set(Some(Box::new(hayro_syntax::Pdf::new(data.clone()).ok()?)));
        }
        Some(LazyDoc {
            classic,
            classic_holds: Cell::new(true),
            data,
            pdf,
            slots: cells(),
            budget: Cell::new(MAX_CONVERTED_VALUES),
            exhausted: Cell::new(false),
            deferred: RefCell::new(Vec::new()),
            deferred_slots: cells(),
            decryptor: None,
        })
    }

    /// Decrypts every object converted from now on (`security.rs` sets it
    /// before any object but the encryption dictionary is asked for).
    pub fn set_decryptor(&mut self, decryptor: Decryptor) {
        self.decryptor = Some(decryptor);
    }

    /// hayro-syntax's reading of the file, opened the first time it is
    /// needed; `None` when it cannot open the file.
    fn hayro(&self) -> Option<&hayro_syntax::Pdf> {
        self.pdf
            .get_or_init(|| hayro_syntax::Pdf::new(self.data.clone()).ok().map(Box::new))
            .as_deref()
    }

    /// The catalog's object id (the trailer's `/Root`).
    pub fn root_id(&self) -> ObjectId {
        if let Some(classic) = &self.classic {
            return classic.root();
        }
        self.hayro().map_or((0, 0), |pdf| {
            let id = pdf.xref().root_id();
            (id.obj_number, u16::try_from(id.gen_number).unwrap_or(0))
        })
    }

    /// How many objects the cross-reference table lists.
    pub fn len(&self) -> usize {
        match &self.classic {
            Some(classic) => classic.len(),
            None => self.hayro().map_or(0, hayro_syntax::Pdf::len),
        }
    }

    /// True when the value budget ran out: some objects read as `null`.
    pub fn exhausted(&self) -> bool {
        self.exhausted.get()
    }

    /// The object `id`, parsed and converted the first time. `None` when
    /// the file has no such object (or its number is beyond the table).
    /// A deferred value's id gives the value.
    pub fn get_object(&self, id: ObjectId) -> Option<&Object> {
        let number = usize::try_from(id.0).ok()?;
        if id.0 >= DEFERRED_FIRST {
            return self.deferred_value(id);
        }
        let cell = cell(&self.slots, number)?;
        // Loading never reads this table (references stay references), so
        // no initialisation can re-enter this cell; `set` after `get`
        // keeps even that from panicking.
        if cell.get().is_none() {
            let _ = cell.set(Box::new(Slot {
                generation: id.1,
                object: self.load(id),
            }));
        }
        let slot = cell.get()?;
        if slot.generation == id.1 {
            slot.object.as_ref()
        } else {
            None
        }
    }

    /// A deferred value, converted the first time it is asked for.
    fn deferred_value(&self, id: ObjectId) -> Option<&Object> {
        let index = usize::try_from(id.0 - DEFERRED_FIRST).ok()?;
        let entry = *self.deferred.borrow().get(index)?;
        if id.1 != 0 {
            return None;
        }
        let cell = cell(&self.deferred_slots, index)?;
        if cell.get().is_none() {
            let object = self.file().get(entry.start..entry.end).map(|data| {
                let mut budget = self.budget.get();
                let mut defer = Deferrer {
                    doc: self,
                    container: entry.container,
                    base: Some(entry.start),
                };
                let mut object =
                    content::parse_value_at(data, 0, entry.depth, &mut budget, &mut defer)
                        .unwrap_or(Object::Null);
                self.spend(budget);
                self.decrypt(entry.container, &mut object);
                object
            });
            let _ = cell.set(Box::new(Slot {
                generation: 0,
                object,
            }));
        }
        cell.get()?.object.as_ref()
    }

    /// A deferred array of only numbers and names, read from the file
    /// without converting it (see [`content::plain_array`]). `None` when
    /// `object` is no deferred value or the array holds anything else:
    /// then resolve it as usual.
    pub fn plain_array(&self, object: &Object) -> Option<Vec<PlainItem<'_>>> {
        let data = self.deferred_bytes(object)?;
        let mut budget = self.budget.get();
        let items = content::plain_array(data, 0, &mut budget)?;
        self.spend(budget);
        Some(items)
    }

    /// [`LazyDoc::plain_array`]'s numbers as `f64`s, without the list of
    /// elements (see [`content::plain_numbers`]): `Some(None)` when the
    /// plain array holds a name.
    pub fn plain_numbers(&self, object: &Object) -> Option<Option<Vec<f64>>> {
        let data = self.deferred_bytes(object)?;
        let mut budget = self.budget.get();
        if let Some(numbers) = unsigned_integers(data, budget) {
            self.spend(budget - numbers.len());
            return Some(Some(numbers));
        }
        let numbers = content::plain_numbers(data, 0, &mut budget)?;
        self.spend(budget);
        Some(numbers)
    }

    /// The file's bytes of a deferred value; `None` for any other object.
    fn deferred_bytes(&self, object: &Object) -> Option<&[u8]> {
        let &Object::Reference((number, 0)) = object else {
            return None;
        };
        let index = usize::try_from(number.checked_sub(DEFERRED_FIRST)?).ok()?;
        let entry = *self.deferred.borrow().get(index)?;
        self.file().get(entry.start..entry.end)
    }

    /// The file's bytes.
    fn file(&self) -> &[u8] {
        self.data.as_ref()
    }

    /// Where `data` starts in the file, when it lies in it (an object in
    /// an object stream lies in the decoded stream instead).
    fn offset_in_file(&self, data: &[u8]) -> Option<usize> {
        let file = self.file();
        let offset = (data.as_ptr() as usize).checked_sub(file.as_ptr() as usize)?;
        (offset.checked_add(data.len())? <= file.len()).then_some(offset)
    }

    /// Records what is left of the value budget after a conversion.
    fn spend(&self, budget: usize) {
        if budget == 0 {
            self.exhausted.set(true);
        }
        self.budget.set(budget);
    }

    /// The object `id` read (from the plain table, else by hayro-syntax)
    /// and converted, decrypted when the file is encrypted.
    fn load(&self, id: ObjectId) -> Option<Object> {
        let mut object = match self.load_classic(id) {
            Some(object) => object,
            None => {
                let object = self
                    .hayro()?
                    .xref()
                    .get::<hs::Object<'_>>(ObjectIdentifier::new(id.0, i32::from(id.1)))?;
                self.convert(id, object)
            }
        };
        self.decrypt(id, &mut object);
        Some(object)
    }

    /// Decrypts the strings and streams of `object`, read from the object
    /// `id` (a deferred value: from the object that holds it), when the
    /// file is encrypted.
    fn decrypt(&self, id: ObjectId, object: &mut Object) {
        if let Some(decryptor) = &self.decryptor {
            decryptor.decrypt_object(id, object);
        }
    }

    /// A dictionary or stream object read where the plain cross-reference
    /// table puts it, without hayro-syntax's parse; `None` for anything
    /// else (another value, a stream whose `/Length` is not a direct
    /// integer or does not match its bytes, no such table), which
    /// hayro-syntax then reads. The first offset that does not hold its
    /// object's header stops the table's use: hayro-syntax repairs such
    /// files.
    fn load_classic(&self, id: ObjectId) -> Option<Object> {
        if !self.classic_holds.get() {
            return None;
        }
        let offset = self.classic.as_ref()?.offset(id.0, id.1)?;
        let file = self.file();
        let header =
            plain_header(file, offset, id).or_else(|| content::object_header(file, offset, id));
        let Some(after_header) = header else {
            self.classic_holds.set(false);
            return None;
        };
        let mut budget = self.budget.get();
        let deferred = self.deferred.borrow().len();
        let mut defer = Deferrer {
            doc: self,
            container: id,
            base: Some(0),
        };
        let read = content::dictionary_object(file, after_header, &mut budget, &mut defer);
        let stream = match read {
            Some((object, AfterDictionary::EndObj)) => {
                self.spend(budget);
                return Some(object);
            }
            Some((Object::Dictionary(dict), AfterDictionary::Stream(pos))) => {
                let data = match super::objects::entry(&dict, b"Length") {
                    Some(&Object::Integer(length)) => u32::try_from(length)
                        .ok()
                        .and_then(|length| usize::try_from(length).ok())
                        .and_then(|length| content::stream_data(file, pos, length)),
                    _ => None,
                };
                data.map(|data| (dict, data))
            }
            _ => None,
        };
        let Some((mut dict, data)) = stream else {
            // Read again by hayro-syntax: what this reading deferred is
            // referred to by nothing.
            self.deferred.borrow_mut().truncate(deferred);
            return None;
        };
        // As `convert` makes a stream hayro-syntax read. `Stream::new`
        // would set `/Length` to the data's length, which it already is
        // (the data was cut to that direct integer), by one more hashed
        // insert of a new key: the stream is made as it would make it.
        self.spend(budget);
        self.inline_filters(&mut dict);
        Some(Object::Stream(Stream {
            dict,
            content: data.to_vec(),
            allows_compression: true,
            start_position: None,
        }))
    }

    /// Converts one object hayro-syntax read. Arrays and dictionaries are
    /// read again from their bytes by the content lexer, in one pass
    /// (asking hayro-syntax for each entry would parse every nested value
    /// once per level, and every number twice to rule out a reference).
    /// Values under [`DEFERRED_KEYS`] are deferred when the object lies
    /// in the file itself.
    fn convert(&self, id: ObjectId, object: hs::Object<'_>) -> Object {
        let mut budget = self.budget.get();
        let defer = |data: &[u8]| Deferrer {
            doc: self,
            container: id,
            base: self.offset_in_file(data),
        };
        let converted = match object {
            hs::Object::Null(_) => Object::Null,
            hs::Object::Boolean(b) => Object::Boolean(b),
            hs::Object::Number(n) => number(n),
            hs::Object::String(s) => Object::String(s.as_bytes().to_vec(), StringFormat::Literal),
            hs::Object::Name(n) => Object::Name(n.as_ref().to_vec()),
            hs::Object::Array(a) => Object::Array(content::parse_items(
                a.data(),
                &mut budget,
                &mut defer(a.data()),
            )),
            hs::Object::Dict(d) => {
                content::parse_value(d.data(), &mut budget, &mut defer(d.data()))
                    .unwrap_or(Object::Null)
            }
            hs::Object::Stream(s) => {
                let data = s.dict().data();
                let mut dict = match content::parse_value(data, &mut budget, &mut defer(data)) {
                    Some(Object::Dictionary(d)) => d,
                    _ => Dictionary::new(),
                };
                self.budget.set(budget);
                self.inline_filters(&mut dict);
                budget = self.budget.get();
                Object::Stream(Stream::new(dict, s.raw_data().into_owned()))
            }
        };
        self.spend(budget);
        converted
    }

    /// Makes an indirect `/Filter` or `/DecodeParms` direct: lopdf decodes
    /// only direct ones (legal, ISO 32000-1 7.3.8.2, but rare).
    fn inline_filters(&self, dict: &mut Dictionary) {
        for key in [&b"Filter"[..], b"DecodeParms"] {
            let Some(&Object::Reference(mut target)) = super::objects::entry(dict, key) else {
                continue;
            };
            for _ in 0..MAX_FILTER_HOPS {
                let Some(object) = self.hayro().and_then(|pdf| {
                    pdf.xref()
                        .get::<hs::Object<'_>>(ObjectIdentifier::new(target.0, i32::from(target.1)))
                }) else {
                    break;
                };
                match self.convert(target, object) {
                    Object::Reference(next) => target = next,
                    direct => {
                        dict.set(key, direct);
                        break;
                    }
                }
            }
        }
    }
}

/// Digits [`plain_header`] reads of an object or generation number: any
/// ten fit a `u64`; a longer run goes to the lexer.
const HEADER_MAX_DIGITS: usize = 10;

/// PDF white space (ISO 32000-1, 7.2.2).
fn is_pdf_whitespace(b: u8) -> bool {
    matches!(b, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// A byte that ends a keyword: white space or a delimiter.
fn ends_keyword(b: u8) -> bool {
    is_pdf_whitespace(b) || b"()<>[]{}/%".contains(&b)
}

/// Where the object of `id` begins at `offset` when the bytes there are
/// its header as producers write it: white space, the object number, white
/// space, the generation, white space and `obj`, the numbers in plain
/// digits, no comment, `obj` ending at white space, a delimiter or the
/// end: then [`content::object_header`]'s lexer reads these three tokens
/// and ends at the same place (a test compares both), which this finds
/// without making tokens (about 560 instructions a header). `None`
/// otherwise, and the lexer reads it.
fn plain_header(data: &[u8], offset: usize, id: ObjectId) -> Option<usize> {
    let mut at = offset;
    let number = |at: &mut usize, gap: bool| -> Option<u64> {
        let start = *at;
        while data.get(*at).copied().is_some_and(is_pdf_whitespace) {
            *at += 1;
        }
        if gap && *at == start {
            return None;
        }
        let digits = *at;
        let mut value = 0u64;
        while let Some(d) = data
            .get(*at)
            .and_then(|b| b.checked_sub(b'0'))
            .filter(|d| *d <= 9)
        {
            value = value * 10 + u64::from(d);
            *at += 1;
            if *at - digits > HEADER_MAX_DIGITS {
                return None;
            }
        }
        (*at > digits && data.get(*at).copied().is_some_and(is_pdf_whitespace)).then_some(value)
    };
    let n = number(&mut at, false)?;
    let g = number(&mut at, true)?;
    if n != u64::from(id.0) || g != u64::from(id.1) {
        return None;
    }
    while data.get(at).copied().is_some_and(is_pdf_whitespace) {
        at += 1;
    }
    let end = at.checked_add(3)?;
    if data.get(at..end)? != b"obj" || data.get(end).is_some_and(|&b| !ends_keyword(b)) {
        return None;
    }
    Some(end)
}

/// Digits of one element [`unsigned_integers`] reads: any nine fit a
/// `u32`; a longer run goes to the general reader.
const UNSIGNED_MAX_DIGITS: u32 = 9;

/// Room reserved up front for [`unsigned_integers`]' numbers (as the
/// general reader's): an element takes at least two bytes, up to a bound
/// a real array stays under.
const UNSIGNED_RESERVE: usize = 1024;

/// A deferred array of unsigned integers of at most
/// [`UNSIGNED_MAX_DIGITS`] digits apart by white space, as `f64`s: a
/// font's `/Widths` as producers write it (`[1000 0 0 500]`), read byte by
/// byte in one loop. `None` at any other byte (a sign, a point, a name, a
/// comment, a longer run) and when the array holds more elements than
/// `budget`: the general reader ([`content::plain_numbers`]) then reads it,
/// and gives the same numbers for every array this one reads (a test
/// compares both). Reading a Chromium notice's 68 `/Widths` (10 600
/// numbers) through the general reader was about 115 instructions a
/// number.
fn unsigned_integers(data: &[u8], budget: usize) -> Option<Vec<f64>> {
    let (&b'[', rest) = data.split_first()? else {
        return None;
    };
    let mut numbers = Vec::with_capacity((rest.len() / 2 + 1).min(UNSIGNED_RESERVE));
    let (mut value, mut digits) = (0u32, 0u32);
    for &b in rest {
        match b {
            b'0'..=b'9' => {
                if digits == UNSIGNED_MAX_DIGITS {
                    return None;
                }
                value = value * 10 + u32::from(b - b'0');
                digits += 1;
            }
            // PDF white space (ISO 32000-1, 7.2.2), and the array's end.
            b'\0' | b'\t' | b'\n' | b'\x0C' | b'\r' | b' ' | b']' => {
                if digits > 0 {
                    if numbers.len() == budget {
                        return None;
                    }
                    numbers.push(f64::from(value));
                    (value, digits) = (0, 0);
                }
                if b == b']' {
                    return Some(numbers);
                }
            }
            _ => return None,
        }
    }
    None
}

/// The [`Defer`] of one conversion: records deferred values of the
/// object `container`, whose data starts at `base` in the file (`None`:
/// not in the file, nothing is deferred).
struct Deferrer<'d> {
    doc: &'d LazyDoc,
    container: ObjectId,
    base: Option<usize>,
}

impl Defer for Deferrer<'_> {
    fn wants(&mut self, key: &[u8]) -> bool {
        self.base.is_some()
            && DEFERRED_KEYS.contains(&key)
            && self.doc.deferred.borrow().len() < MAX_DEFERRED
    }

    fn deferred(&mut self, start: usize, end: usize, depth: usize) -> Object {
        let base = self.base.unwrap_or_default();
        let mut list = self.doc.deferred.borrow_mut();
        let number = u32::try_from(list.len())
            .ok()
            .and_then(|k| k.checked_add(DEFERRED_FIRST))
            .unwrap_or(u32::MAX);
        list.push(Deferred {
            container: self.container,
            start: base + start,
            end: base + end,
            depth,
        });
        Object::Reference((number, 0))
    }

    fn reserved(&self, number: u32) -> bool {
        number >= DEFERRED_FIRST
    }
}

/// An integer when the number has no fraction (hayro-syntax does not say
/// how it was written; lopdf reads `3.0` as a real, and every reader of a
/// number here takes either).
fn number(n: hs::Number) -> Object {
    let value = n.as_f64();
    let integer = n.as_i64();
    if integer as f64 == value {
        Object::Integer(integer)
    } else {
        Object::Real(value as f32)
    }
}

/// How many pages the page tree walk looks at at most beyond the number of
/// objects (each page is an object, so a tree can list no more real ones).
const PAGE_TREE_DEPTH_LIMIT: usize = 256;

impl LazyDoc {
    /// Page numbers (from 1) and their object ids, in page-tree order: the
    /// walk of lopdf's `Document::get_pages`, so both paths number the
    /// pages of a damaged tree alike (a kid that is no dictionary stays a
    /// blank page; a `/Pages` node deeper than 256 levels is skipped; no
    /// more kids are looked at than the file has objects).
    pub fn get_pages(&self) -> std::collections::BTreeMap<u32, ObjectId> {
        let kids = |id: ObjectId| -> Option<&[Object]> {
            let node = self.dictionary_at(id)?;
            let mut kids = node.get(b"Kids").ok()?;
            for _ in 0..MAX_FILTER_HOPS {
                match kids {
                    Object::Reference(r) => kids = self.get_object(*r)?,
                    Object::Array(a) => return Some(a.as_slice()),
                    _ => return None,
                }
            }
            None
        };
        let mut pages = std::collections::BTreeMap::new();
        let Some(root) = self.dictionary_at(self.root_id()) else {
            return pages;
        };
        let Ok(Object::Reference(tree)) = root.get(b"Pages") else {
            return pages;
        };
        let mut current = kids(*tree);
        let mut stack: Vec<&[Object]> = Vec::new();
        let mut iter_limit = self.len();
        let mut number = 0u32;
        loop {
            while let Some((kid, rest)) = current.and_then(|k| k.split_first()) {
                if iter_limit == 0 {
                    return pages;
                }
                iter_limit -= 1;
                current = Some(rest);
                let Object::Reference(kid_id) = kid else {
                    continue;
                };
                match self.dictionary_at(*kid_id).map(Dictionary::get_type) {
                    // No dictionary, or one without `/Type`: a blank page
                    // keeps its place, as in lopdf (and MuPDF).
                    Some(Ok(b"Page") | Err(_)) | None => {
                        number += 1;
                        pages.insert(number, *kid_id);
                    }
                    Some(Ok(b"Pages")) if stack.len() < PAGE_TREE_DEPTH_LIMIT => {
                        if !rest.is_empty() {
                            stack.push(rest);
                        }
                        current = kids(*kid_id);
                    }
                    Some(Ok(_)) => {}
                }
            }
            match stack.pop() {
                Some(k) => current = Some(k),
                None => return pages,
            }
        }
    }

    /// Whether the page tree lists pages and every one is a dictionary
    /// hayro-syntax reads. When not, lopdf's loader is tried instead: the
    /// two repair damaged files differently, and a page lost to one may be
    /// found by the other.
    pub fn every_page_readable(&self) -> bool {
        let pages = self.get_pages();
        !pages.is_empty() && pages.values().all(|id| self.dictionary_at(*id).is_some())
    }

    /// The dictionary (or stream dictionary) object `id`, references
    /// followed as lopdf's `get_dictionary` does.
    fn dictionary_at(&self, id: ObjectId) -> Option<&Dictionary> {
        let mut object = self.get_object(id)?;
        for _ in 0..MAX_FILTER_HOPS {
            match object {
                Object::Reference(r) => object = self.get_object(*r)?,
                Object::Dictionary(d) => return Some(d),
                _ => return None,
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `plain_header` finds a header exactly where the lexer does, or
    /// leaves it to the lexer: on every spelling of generated headers
    /// (numbers, zeros, signs, white space, comments, what follows `obj`)
    /// and the right and wrong ids.
    #[test]
    fn plain_headers_end_where_the_lexer_ends_them() {
        let pieces: [&[&str]; 7] = [
            &["", " ", "\n", "%c\n", "\r\n "],
            &[
                "12",
                "012",
                "+12",
                "1",
                "0",
                "4294967295",
                "99999999999",
                "12.0",
                "1a",
            ],
            &[" ", "  ", "\n", "", "%x\n", "\t"],
            &["0", "00", "7", "65535", "65536", "-0", "0R"],
            &[" ", "\r\n", "", " %c\n"],
            &["obj", "ob", "objx", "OBJ", "obj1"],
            &["", "\n", "<<", " ", "/", "%", "x", "[", "(", "1"],
        ];
        let mut found = 0;
        let mut text = String::new();
        let mut index = [0usize; 7];
        loop {
            text.clear();
            for (piece, &i) in pieces.iter().zip(&index) {
                text.push_str(piece[i]);
            }
            let data = text.as_bytes();
            for id in [
                (12, 0),
                (12, 7),
                (1, 0),
                (0, 0),
                (u32::MAX, 65535),
                (u32::MAX, 0),
            ] {
                let lexed = content::object_header(data, 0, id);
                let plain = plain_header(data, 0, id);
                assert!(plain.is_none() || plain == lexed, "{text:?} {id:?}");
                found += usize::from(plain.is_some());
            }
            // The next combination, like an odometer.
            let mut k = 0;
            while k < 7 {
                index[k] += 1;
                if index[k] < pieces[k].len() {
                    break;
                }
                index[k] = 0;
                k += 1;
            }
            if k == 7 {
                break;
            }
        }
        assert!(found > 1_000, "{found} headers read without the lexer");
    }

    /// The memory bound of [`MAX_CONVERTED_VALUES`] assumes this.
    #[test]
    fn a_lopdf_object_is_at_most_128_bytes() {
        assert!(std::mem::size_of::<Object>() <= 128);
    }

    /// A one-page PDF with a classic xref table; `objects[i]` is object
    /// `i + 1`, the catalog first.
    fn pdf(objects: &[&str]) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n".to_vec();
        let mut offsets = Vec::new();
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
        );
        for o in offsets {
            out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .as_bytes(),
        );
        out
    }

    #[test]
    fn objects_convert_with_references_names_and_strings() {
        let bytes = pdf(&[
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.5 842] /A#20B (x\\)y)                /H <4142> /N null /T true /Arr [1 2 R 3 0 R] >>",
        ]);
        let doc = LazyDoc::open(&bytes).unwrap();
        assert!(doc.every_page_readable());
        assert_eq!(
            doc.get_pages().into_iter().collect::<Vec<_>>(),
            vec![(1, (3, 0))]
        );
        let page = doc.dictionary_at((3, 0)).unwrap();
        assert_eq!(
            page.get(b"MediaBox").unwrap(),
            &Object::Array(vec![
                Object::Integer(0),
                Object::Integer(0),
                Object::Real(595.5),
                Object::Integer(842)
            ])
        );
        assert_eq!(page.get(b"Parent").unwrap(), &Object::Reference((2, 0)));
        assert_eq!(page.get(b"A B").unwrap().as_str().unwrap(), b"x)y");
        assert_eq!(page.get(b"H").unwrap().as_str().unwrap(), b"AB");
        assert_eq!(page.get(b"N").unwrap(), &Object::Null);
        assert_eq!(page.get(b"T").unwrap(), &Object::Boolean(true));
        // References inside an array, any generation.
        assert_eq!(
            page.get(b"Arr").unwrap(),
            &Object::Array(vec![Object::Reference((1, 2)), Object::Reference((3, 0))])
        );
        // Asked twice, one object at one address.
        let a: *const Object = doc.get_object((3, 0)).unwrap();
        let b: *const Object = doc.get_object((3, 0)).unwrap();
        assert_eq!(a, b);
        // Missing, or beyond the table, or another generation: nothing.
        assert!(doc.get_object((9, 0)).is_none());
        assert!(doc.get_object((u32::MAX, 0)).is_none());
        assert!(doc.get_object((3, 7)).is_none());
        assert!(!doc.exhausted());
    }

    #[test]
    fn widths_and_differences_wait_until_asked_for() {
        let bytes = pdf(&[
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /Font 4 0 R >>",
            "<< /Type /Font /Widths [500 250.5] /Encoding << /Differences [0 /g0 /A] >> \
             /CharProcs << /g0 5 0 R >> /Bad 16777216 0 R >>",
        ]);
        let doc = LazyDoc::open(&bytes).unwrap();
        let font = doc.dictionary_at((4, 0)).unwrap();
        let widths = font.get(b"Widths").unwrap();
        assert!(matches!(widths, Object::Reference((n, 0)) if *n >= DEFERRED_FIRST));
        // Read from the bytes, or converted when resolved: the same values.
        assert_eq!(
            doc.plain_array(widths).unwrap(),
            vec![PlainItem::Integer(500), PlainItem::Real(250.5)]
        );
        let Object::Reference(id) = widths else {
            unreachable!()
        };
        assert_eq!(
            doc.get_object(*id),
            Some(&Object::Array(vec![
                Object::Integer(500),
                Object::Real(250.5)
            ]))
        );
        assert!(doc.get_object((id.0, 1)).is_none());
        let Ok(Object::Dictionary(encoding)) = font.get(b"Encoding") else {
            panic!("a direct encoding");
        };
        let Ok(Object::Reference(diffs)) = encoding.get(b"Differences") else {
            panic!("deferred");
        };
        assert_eq!(
            doc.get_object(*diffs),
            Some(&Object::Array(vec![
                Object::Integer(0),
                Object::Name(b"g0".to_vec()),
                Object::Name(b"A".to_vec())
            ]))
        );
        // The file's own reference to a number kept for deferred values.
        assert_eq!(font.get(b"Bad").unwrap(), &Object::Reference((u32::MAX, 0)));
        assert!(doc.get_object((u32::MAX, 0)).is_none());
        // Nothing else names a deferred value.
        assert!(doc.plain_array(&Object::Reference((3, 0))).is_none());
        assert!(doc.get_object((DEFERRED_FIRST + 99, 0)).is_none());
    }

    #[test]
    fn dictionaries_are_read_at_the_table_offsets_and_a_wrong_one_stops_that() {
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
            "<< /Length 3 >>\nstream\nq Q\nendstream",
        ];
        let bytes = pdf(&objects);
        let doc = LazyDoc::open(&bytes).unwrap();
        assert!(doc.classic.is_some());
        assert!(doc.every_page_readable());
        assert!(matches!(doc.get_object((4, 0)), Some(Object::Stream(_))));
        assert!(doc.classic_holds.get());
        // Object 3's entry pointed 2 bytes late: hayro-syntax repairs,
        // and the table is no longer used.
        let text = String::from_utf8(bytes).unwrap();
        let at = text.find("3 0 obj").unwrap();
        let broken = text.replace(
            &format!("{at:010} 00000 n"),
            &format!("{:010} 00000 n", at + 2),
        );
        let doc = LazyDoc::open(broken.as_bytes()).unwrap();
        let page = doc.dictionary_at((3, 0)).unwrap();
        assert_eq!(page.get(b"Contents").unwrap(), &Object::Reference((4, 0)));
        assert!(doc.classic.is_none() || !doc.classic_holds.get());
    }

    /// A file with a plain table is read without hayro-syntax while the
    /// table gives every object asked for: dictionaries, and streams whose
    /// direct `/Length` matches their bytes. A stream whose length does
    /// not (or is a reference) opens hayro-syntax, which reads it as it
    /// always did; the same file read by hayro-syntax alone gives the same
    /// objects.
    #[test]
    fn streams_are_read_at_the_table_offsets_and_hayro_opens_only_when_needed() {
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /Contents [4 0 R 5 0 R 6 0 R 7 0 R] >>",
            "<< /Length 3 >>\nstream\nq Q\nendstream",
            "<< /Length 4 >> % comment\nstream\r\nBT\r\n\r\n endstream",
            "<< /Length 9 >>\nstream\nshort\nendstream",
            "<< /Length 8 0 R >>\nstream\nET\nendstream",
            "5",
        ];
        let bytes = pdf(&objects);
        let doc = LazyDoc::open(&bytes).unwrap();
        assert!(doc.every_page_readable());
        let stream = |doc: &LazyDoc, n: u32| match doc.get_object((n, 0)) {
            Some(Object::Stream(s)) => s.content.clone(),
            other => panic!("object {n}: {other:?}"),
        };
        assert_eq!(stream(&doc, 4), b"q Q");
        assert_eq!(stream(&doc, 5), b"BT\r\n");
        assert!(doc.pdf.get().is_none(), "hayro-syntax opened too soon");
        assert_eq!(stream(&doc, 6), b"short");
        assert!(doc.pdf.get().is_some_and(Option::is_some));
        assert_eq!(stream(&doc, 7), b"ET");
        assert_eq!(doc.root_id(), (1, 0));
        assert_eq!(doc.len(), objects.len());
        // The same objects through hayro-syntax alone (no plain table).
        let mut by_hayro = LazyDoc::open(&bytes).unwrap();
        by_hayro.classic = None;
        for n in 1..=objects.len() as u32 {
            assert_eq!(
                format!("{:?}", doc.get_object((n, 0))),
                format!("{:?}", by_hayro.get_object((n, 0))),
                "object {n}"
            );
        }
        assert_eq!(by_hayro.root_id(), (1, 0));
        assert_eq!(by_hayro.len(), objects.len());
    }

    #[test]
    fn a_reference_cycle_converts_without_following_it() {
        let bytes = pdf(&[
            "<< /Type /Catalog /Pages 2 0 R /Loop 4 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R >>",
            "[4 0 R 1 0 R]",
        ]);
        let doc = LazyDoc::open(&bytes).unwrap();
        assert_eq!(
            doc.get_object((4, 0)),
            Some(&Object::Array(vec![
                Object::Reference((4, 0)),
                Object::Reference((1, 0))
            ]))
        );
    }

    #[test]
    fn the_value_budget_stops_a_huge_array() {
        let zeros = format!("[{}]", "0 ".repeat(MAX_CONVERTED_VALUES + 10));
        let bytes = pdf(&[
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox 4 0 R >>",
            &zeros,
        ]);
        let doc = LazyDoc::open(&bytes).unwrap();
        let Some(Object::Array(a)) = doc.get_object((4, 0)) else {
            panic!("an array");
        };
        assert!(a.len() <= MAX_CONVERTED_VALUES);
        assert!(doc.exhausted());
        let source = super::super::Source::Lazy(doc);
        let got = super::super::extract_pages(&source, &super::super::Limits::default());
        assert!(
            matches!(got, Err(super::super::PdfError::LimitExceeded { what, .. }) if what.contains("object values")),
            "{got:?}"
        );
    }

    /// The unsigned-integer reader gives what the general plain-array
    /// reader gives (numbers, and what is left of the budget) for every
    /// array it reads, on generated arrays from an alphabet of digits,
    /// white space, signs, points, names, comments and brackets, with
    /// budgets around their length; and it reads most arrays of digits
    /// and spaces.
    #[test]
    fn unsigned_integers_read_as_the_general_reader_reads_them() {
        let mut state = 0x5EED_0FF0_u64;
        let mut next = |n: u64| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
        };
        let plain: &[&[u8]] = &[b"0", b"1", b"7", b"9", b" ", b" ", b"\n", b"1000", b"500"];
        let odd: &[&[u8]] = &[
            b"-",
            b"+",
            b".",
            b"/g0",
            b"%c\n",
            b"[",
            b"]",
            b"\r\n",
            b"\x0C",
            b"\0",
            b"\t",
            b"1234567890",
            b"99999999999999999999",
            b"R",
            b"<",
            b"(",
        ];
        let (mut read, mut tried) = (0, 0);
        for _ in 0..60_000 {
            let mut data = b"[".to_vec();
            let weird = next(3) == 0;
            for _ in 0..next(24) {
                let pool = if weird && next(4) == 0 { odd } else { plain };
                let piece = pool[usize::try_from(next(pool.len() as u64)).unwrap()];
                data.extend_from_slice(piece);
                if next(2) == 0 {
                    data.push(b' ');
                }
            }
            if next(20) != 0 {
                data.push(b']');
            }
            if next(10) == 0 {
                data.extend_from_slice(b" 3 ]");
            }
            let budget = usize::try_from(next(30)).unwrap();
            tried += 1;
            let Some(fast) = unsigned_integers(&data, budget) else {
                continue;
            };
            read += 1;
            let mut left = budget;
            let general = content::plain_numbers(&data, 0, &mut left);
            assert_eq!(
                general,
                Some(Some(fast.clone())),
                "{:?}",
                String::from_utf8_lossy(&data)
            );
            assert_eq!(
                left,
                budget - fast.len(),
                "{:?}",
                String::from_utf8_lossy(&data)
            );
        }
        assert!(read > tried / 3, "{read} of {tried} read");
    }

    /// Every fixture hayro-syntax opens reads the same glyphs lazily as
    /// through lopdf's eager load; encrypted ones (`fixtures/corpus/qpdf_*`
    /// with their `pdf_password`, `fixtures/security` with the user and
    /// then the owner password) through `security.rs`, and a file the lazy
    /// path opens must open eagerly too.
    #[test]
    fn lazy_and_eager_read_every_fixture_alike() {
        use super::super::{Limits, Source, extract_pages, mentions_encryption, open_eager};
        use crate::secret::Secret;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut cases: Vec<(std::path::PathBuf, Vec<Secret>)> = Vec::new();
        for entry in std::fs::read_dir(root.join("corpus")).unwrap().flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "pdf") {
                continue;
            }
            let expected = std::fs::read_to_string(path.with_extension("expected.json")).unwrap();
            let expected: serde_json::Value = serde_json::from_str(&expected).unwrap();
            let passwords = expected["pdf_password"]
                .as_str()
                .map(|p| vec![Secret::new(p)])
                .unwrap_or_default();
            cases.push((path, passwords));
        }
        let security = root.join("security");
        let manifest = std::fs::read_to_string(security.join("passwords.json")).unwrap();
        let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
        for (name, passwords) in manifest.as_object().unwrap() {
            for role in ["user", "owner"] {
                let password = passwords[role].as_str().unwrap();
                let given = if password.is_empty() {
                    vec![]
                } else {
                    vec![Secret::new(password)]
                };
                cases.push((security.join(format!("{name}.pdf")), given));
            }
        }
        let (mut compared, mut encrypted) = (0, 0);
        for (path, passwords) in cases {
            let bytes = std::fs::read(&path).unwrap();
            let limits = Limits::default();
            let is_encrypted = mentions_encryption(&bytes);
            let lazy = if is_encrypted {
                super::super::security::open_lazy(&bytes, &passwords, &limits).ok()
            } else {
                LazyDoc::open(&bytes).filter(LazyDoc::every_page_readable)
            };
            let Some(lazy) = lazy else {
                continue;
            };
            let eager = match open_eager(&bytes, &passwords, &limits) {
                Ok(eager) => eager,
                Err(e) if !is_encrypted => {
                    let _ = e;
                    continue;
                }
                Err(e) => panic!("{}: lazy opens, eager fails: {e}", path.display()),
            };
            let lazy = extract_pages(&Source::Lazy(lazy), &limits).unwrap();
            let eager = extract_pages(&Source::Eager(Box::new(eager)), &limits).unwrap();
            assert_eq!(lazy.len(), eager.len(), "{}", path.display());
            for (l, e) in lazy.iter().zip(&eager) {
                assert_eq!(l.glyphs, e.glyphs, "{}", path.display());
                assert_eq!(l.paths.len(), e.paths.len(), "{}", path.display());
                assert_eq!(l.images, e.images, "{}", path.display());
            }
            compared += 1;
            encrypted += usize::from(is_encrypted);
        }
        assert!(compared >= 60, "only {compared} fixtures compared");
        // 3 in the corpus, 9 files twice in fixtures/security (the object
        // stream one stays eager).
        assert!(
            encrypted >= 21,
            "only {encrypted} encrypted fixtures compared"
        );
    }
}
