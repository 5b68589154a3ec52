//! Small synthetic PDFs for fuzzing the font decoders: the fuzz input
//! becomes the bytes of a `/ToUnicode` CMap, of an embedded encoding CMap
//! and of the string a page shows with them.
//!
//! Shared (through `#[path]`) by the `cmap` fuzz target, the seed generator
//! and the main crate's `tests/fuzz_regressions.rs`.
//!
//! Input layout: `u16` LE length of the ToUnicode bytes, `u16` LE length of
//! the encoding-CMap bytes (0: `/Identity-H`), the two, then the shown
//! string (the rest). A short input is padded with nothing: lengths are
//! clamped to what is there.

#![allow(dead_code)]

/// Assembles a PDF from object bodies (numbered from 1) with a correct
/// xref table; `root` is the catalog's object number.
pub fn pdf(objects: &[Vec<u8>], root: usize) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
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
            "trailer\n<< /Size {} /Root {root} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A stream object body with a correct `/Length`.
pub fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut v = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    v.extend_from_slice(data);
    v.extend_from_slice(b"\nendstream");
    v
}

/// The three parts of a `cmap` fuzz input.
pub struct CmapInput<'a> {
    /// `/ToUnicode` stream bytes.
    pub to_unicode: &'a [u8],
    /// Embedded encoding CMap bytes (empty: `/Identity-H`).
    pub encoding: &'a [u8],
    /// The string shown with both fonts.
    pub shown: &'a [u8],
}

/// Splits a `cmap` fuzz input.
pub fn split(data: &[u8]) -> CmapInput<'_> {
    let len = |d: &[u8]| {
        d.get(..2)
            .map_or(0, |b| usize::from(u16::from_le_bytes([b[0], b[1]])))
    };
    let a = len(data);
    let rest = data.get(2..).unwrap_or_default();
    let b = len(rest);
    let rest = rest.get(2..).unwrap_or_default();
    let a = a.min(rest.len());
    let (to_unicode, rest) = rest.split_at(a);
    let b = b.min(rest.len());
    let (encoding, shown) = rest.split_at(b);
    CmapInput {
        to_unicode,
        encoding,
        shown,
    }
}

/// Joins parts into a `cmap` fuzz input (for seeds).
pub fn join(to_unicode: &[u8], encoding: &[u8], shown: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(to_unicode.len().min(65535) as u16).to_le_bytes());
    out.extend_from_slice(&(encoding.len().min(65535) as u16).to_le_bytes());
    out.extend_from_slice(&to_unicode[..to_unicode.len().min(65535)]);
    out.extend_from_slice(&encoding[..encoding.len().min(65535)]);
    out.extend_from_slice(shown);
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// One page that shows `input.shown` with a Type0 font (the encoding CMap
/// and ToUnicode of the input, an Adobe-Japan1 CIDFont) and with a simple
/// TrueType font (the same ToUnicode, WinAnsi with `/Differences`).
pub fn cmap_pdf(input: &CmapInput<'_>) -> Vec<u8> {
    let shown = hex(input.shown);
    let content = format!(
        "BT /F1 12 Tf 72 720 Td <{shown}> Tj 0 -20 Td [<{shown}> -250 <{shown}>] TJ \
         /F2 10 Tf 0 -20 Td <{shown}> Tj ET"
    );
    let encoding = if input.encoding.is_empty() {
        "/Identity-H".to_string()
    } else {
        "9 0 R".to_string()
    };
    let objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
           /Resources << /Font << /F1 5 0 R /F2 7 0 R >> >> >>"
            .to_vec(),
        stream("", content.as_bytes()),
        format!(
            "<< /Type /Font /Subtype /Type0 /BaseFont /FuzzCID /Encoding {encoding} \
             /DescendantFonts [6 0 R] /ToUnicode 8 0 R >>"
        )
        .into_bytes(),
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /FuzzCID \
           /CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 6 >> \
           /DW 1000 /W [1 [500 600] 231 240 500] >>"
            .to_vec(),
        b"<< /Type /Font /Subtype /TrueType /BaseFont /FuzzSimple /FirstChar 32 \
           /LastChar 34 /Widths [250 300 350] /ToUnicode 8 0 R \
           /Encoding << /BaseEncoding /WinAnsiEncoding /Differences [65 /A.sc /uni3042 /g123 /space] >> >>"
            .to_vec(),
        stream("", input.to_unicode),
        stream("/Type /CMap /CMapName /FuzzEnc", input.encoding),
    ];
    pdf(&objects, 1)
}

/// One page whose fonts all take their text from the input as an embedded
/// font program: a Type 1 font (`/FontFile`, its cleartext `/Encoding`), a
/// Type 1 font with a bare CFF program (`/FontFile3 /Type1C`), and a Type0
/// font with no ToUnicode whose CIDFontType2 carries the input as
/// `/FontFile2` (its `cmap` is the last fallback) and as a CFF-in-OpenType
/// `/FontFile3` on a second CIDFont.
pub fn font_program_pdf(program: &[u8]) -> Vec<u8> {
    let all_bytes: String = (0u8..=255).map(|b| format!("{b:02X}")).collect();
    let content = format!(
        "BT /F1 12 Tf 72 720 Td <{all_bytes}> Tj /F2 12 Tf 0 -20 Td <{all_bytes}> Tj \
         /F3 12 Tf 0 -20 Td <{all_bytes}> Tj /F4 12 Tf 0 -20 Td <{all_bytes}> Tj ET"
    );
    let descriptor = |key: &str, file: usize| {
        format!(
            "<< /Type /FontDescriptor /FontName /Fuzz /Flags 4 /FontBBox [0 0 1000 1000] \
             /ItalicAngle 0 /Ascent 700 /Descent -200 /CapHeight 700 /StemV 80 /{key} {file} 0 R >>"
        )
        .into_bytes()
    };
    let objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
           /Resources << /Font << /F1 5 0 R /F2 6 0 R /F3 7 0 R /F4 8 0 R >> >> >>"
            .to_vec(),
        stream("", content.as_bytes()),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /FuzzT1 /FontDescriptor 9 0 R >>".to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /FuzzCFF \
           /Encoding << /Differences [65 /A] >> /FontDescriptor 10 0 R >>"
            .to_vec(),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /FuzzTT /Encoding /Identity-H \
           /DescendantFonts [11 0 R] /ToUnicode /Identity-H >>"
            .to_vec(),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /FuzzOT /Encoding /Identity-H \
           /DescendantFonts [12 0 R] >>"
            .to_vec(),
        descriptor("FontFile", 13),
        descriptor("FontFile3", 14),
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /FuzzTT /FontDescriptor 15 0 R \
           /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
           /CIDToGIDMap 16 0 R >>"
            .to_vec(),
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /FuzzOT /FontDescriptor 17 0 R \
           /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>"
            .to_vec(),
        stream("/Length1 0 /Length2 0 /Length3 0", program),
        stream("/Subtype /Type1C", program),
        descriptor("FontFile2", 18),
        stream("", &program[..program.len().min(512)]),
        descriptor("FontFile3", 19),
        stream("", program),
        stream("/Subtype /OpenType", program),
    ];
    pdf(&objects, 1)
}
