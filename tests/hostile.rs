//! Hostile input: every malformed or malicious file gives an error record
//! (or a notice) quickly, never a panic, a hang or unbounded memory.

use kaitsu::{ErrorKind, ParseOptions, parse_bytes};
use std::io::Write;
use std::time::{Duration, Instant};

/// How long one hostile file may take. Generous for debug builds on a
/// loaded 2-core CI machine; a hang is minutes.
const TIME_BUDGET: Duration = Duration::from_secs(20);

// The PDF assembler the fuzz targets use: one copy of the xref arithmetic.
#[path = "../fuzz/src/synth.rs"]
mod synth;
use synth::{pdf, stream};

fn one_page(content: Vec<u8>) -> Vec<Vec<u8>> {
    vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_vec(),
        content,
    ]
}

fn run(bytes: &[u8]) -> Result<kaitsu::Notice, kaitsu::Error> {
    let start = Instant::now();
    let result = std::panic::catch_unwind(|| parse_bytes(bytes, &ParseOptions::default()));
    assert!(start.elapsed() < TIME_BUDGET, "took {:?}", start.elapsed());
    match result {
        Ok(r) => r,
        Err(_) => panic!("parse panicked"),
    }
}

fn kind(bytes: &[u8]) -> ErrorKind {
    match run(bytes) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.kind(),
    }
}

#[test]
fn cyclic_page_tree_is_an_error_not_a_loop() {
    let objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 /Parent 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [2 0 R] /Count 1 /Parent 3 0 R >>".to_vec(),
    ];
    let k = kind(&pdf(&objects, 1));
    assert!(
        matches!(k, ErrorKind::Corrupt | ErrorKind::NoTextLayer),
        "{k:?}"
    );
}

#[test]
fn lying_length_still_reads_or_fails_cleanly() {
    let content = b"BT /F1 12 Tf 72 720 Td (hello) Tj ET";
    let mut body = b"<< /Length 999999 >>\nstream\n".to_vec();
    body.extend_from_slice(content);
    body.extend_from_slice(b"\nendstream");
    let k = kind(&pdf(&one_page(body), 1));
    assert!(
        matches!(
            k,
            ErrorKind::Corrupt | ErrorKind::NoTextLayer | ErrorKind::NotANotice
        ),
        "{k:?}"
    );
}

#[test]
fn deflate_bomb_over_one_gib_hits_the_stream_limit() {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..1100 {
        let _ = enc.write_all(&zeros);
    }
    let data = enc.finish().unwrap_or_default();
    let k = kind(&pdf(&one_page(stream("/Filter /FlateDecode", &data)), 1));
    assert!(matches!(k, ErrorKind::LimitExceeded), "{k:?}");
}

#[test]
fn ten_thousand_nested_arrays_do_not_overflow_the_stack() {
    let depth = 10_000;
    let mut content = "[".repeat(depth).into_bytes();
    content.extend_from_slice("]".repeat(depth).as_bytes());
    content.extend_from_slice(b" TJ");
    let k = kind(&pdf(&one_page(stream("", &content)), 1));
    assert!(
        matches!(
            k,
            ErrorKind::Corrupt | ErrorKind::NoTextLayer | ErrorKind::LimitExceeded
        ),
        "{k:?}"
    );
    // The same depth in the object graph.
    let mut nested = "[".repeat(depth).into_bytes();
    nested.extend_from_slice("]".repeat(depth).as_bytes());
    let mut objects = one_page(stream("", b""));
    objects.push(nested);
    let k = kind(&pdf(&objects, 1));
    assert!(
        matches!(
            k,
            ErrorKind::Corrupt | ErrorKind::NoTextLayer | ErrorKind::LimitExceeded
        ),
        "{k:?}"
    );
}

#[test]
fn truncated_xref_is_corrupt_or_recovered() {
    let full = pdf(&one_page(stream("", b"")), 1);
    let cut = full.len() - 40;
    let k = kind(&full[..cut]);
    assert!(
        matches!(k, ErrorKind::Corrupt | ErrorKind::NoTextLayer),
        "{k:?}"
    );
}

#[test]
fn empty_and_garbage_are_corrupt() {
    assert_eq!(kind(b""), ErrorKind::Corrupt);
    assert_eq!(kind(b"hello, this is not a pdf"), ErrorKind::Corrupt);
    assert_eq!(kind(b"%PDF-1.7\n"), ErrorKind::Corrupt);
}

#[test]
fn self_drawing_form_xobject_terminates() {
    let objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /XObject << /X 5 0 R >> >> >>".to_vec(),
        stream("", b"/X Do"),
        stream("/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /X 5 0 R >> >>", b"/X Do /X Do"),
    ];
    let k = kind(&pdf(&objects, 1));
    assert_eq!(k, ErrorKind::NoTextLayer);
}

#[test]
fn a_form_drawn_many_times_hits_the_document_budget() {
    let form_body = "0 0 m 1 1 l S\n".repeat(2_000);
    let page_content = "/X Do\n".repeat(200);
    let objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /XObject << /X 5 0 R >> >> >>".to_vec(),
        stream("", page_content.as_bytes()),
        stream("/Type /XObject /Subtype /Form /BBox [0 0 10 10]", form_body.as_bytes()),
    ];
    let options = ParseOptions {
        limits: kaitsu::pdf::Limits {
            max_document_bytes: 1024 * 1024,
            ..kaitsu::pdf::Limits::default()
        },
        ..ParseOptions::default()
    };
    match parse_bytes(&pdf(&objects, 1), &options) {
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::LimitExceeded);
            assert!(e.to_string().contains("in the document"), "{e}");
        }
        Ok(_) => panic!("expected the document budget to be hit"),
    }
}

/// A one-page PDF whose font (written inline in the resources, as some
/// generators do) has a ToUnicode entry mapping one code to `expansion`
/// characters, and a content stream showing that code `shown` times.
fn amplifying_to_unicode(expansion: usize, shown: usize) -> Vec<u8> {
    let target: String = "3042".repeat(expansion);
    let cmap = format!(
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap \
         1 begincodespacerange <00> <FF> endcodespacerange \
         1 beginbfchar <41> <{target}> endbfchar endcmap end end"
    );
    let content = format!("BT /F1 10 Tf 72 720 Td ({}) Tj ET", "A".repeat(shown));
    vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
          /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica \
          /ToUnicode 5 0 R >> >> >> >>"
            .to_vec(),
        stream("", content.as_bytes()),
        stream("", cmap.as_bytes()),
    ]
    .into_iter()
    .collect::<Vec<_>>()
    .pipe(|objects| pdf(&objects, 1))
}

trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}
impl<T> Pipe for T {}

#[test]
fn a_to_unicode_entry_that_amplifies_text_hits_the_text_budget() {
    // 20 000 characters (60 KB of UTF-8) per glyph, 2 000 glyphs: 120 MB of
    // text without a bound; the document's text budget stops it.
    let bytes = amplifying_to_unicode(20_000, 2_000);
    assert_eq!(kind(&bytes), ErrorKind::LimitExceeded);
    // The same font used a few times is fine: no bound is hit.
    let small = amplifying_to_unicode(20_000, 3);
    assert_ne!(
        run(&small).err().map(|e| e.kind()),
        Some(ErrorKind::LimitExceeded)
    );
}

#[test]
fn a_thousand_wrong_passwords_stop_at_the_deadline() {
    // AES-256 (R6): every try derives a key (about 6 ms in a release
    // build), so a thousand tries would run for seconds past the budget.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/corpus/qpdf_aes256_userpw.pdf");
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{e}"));
    let budget = Duration::from_millis(300);
    let options = ParseOptions {
        passwords: (0..1000)
            .map(|i| kaitsu::Secret::new(format!("wrong-{i}")))
            .collect(),
        limits: kaitsu::pdf::Limits {
            deadline: Some(Instant::now() + budget),
            ..kaitsu::pdf::Limits::default()
        },
    };
    let started = Instant::now();
    let e = parse_bytes(&bytes, &options).err();
    let took = started.elapsed();
    assert_eq!(
        e.as_ref().map(|e| e.kind()),
        Some(ErrorKind::Timeout),
        "{e:?}"
    );
    assert!(
        e.is_some_and(|e| e.to_string().contains("trying passwords")),
        "the message says what ran out"
    );
    // One try past the deadline at most, on a loaded machine.
    assert!(took < budget + Duration::from_secs(2), "took {took:?}");
}
