//! Fuzz regressions and resource bounds.
//!
//! 1. Every file under `tests/fuzz_regressions/<target>/` is an input a
//!    fuzz target once crashed, hung or blew up on (minimized by
//!    libFuzzer). It is replayed through the very harness the target runs
//!    (`fuzz/src/harness.rs`, included below), and must return quickly
//!    without a panic. See docs/fuzzing.md.
//! 2. Each resource bound gives an error record that names the bound, both
//!    from the library and from `kaitsu parse`.

#[path = "../fuzz/src/glyphs.rs"]
mod glyphs;
#[path = "../fuzz/src/harness.rs"]
mod harness;
#[path = "../fuzz/src/synth.rs"]
mod synth;

use kaitsu::pdf::Limits;
use kaitsu::{ErrorKind, ParseOptions};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};
use synth::{pdf, stream};

/// How long one input may take. Generous for a debug build on a loaded
/// 2-core CI machine; a hang is minutes.
const TIME_BUDGET: Duration = Duration::from_secs(30);

fn timed<T>(what: &str, f: impl FnOnce() -> T + std::panic::UnwindSafe) -> T {
    let start = Instant::now();
    let result = std::panic::catch_unwind(f);
    let elapsed = start.elapsed();
    match result {
        Ok(v) => {
            assert!(elapsed < TIME_BUDGET, "{what}: took {elapsed:?}");
            v
        }
        Err(_) => panic!("{what}: panicked"),
    }
}

#[test]
fn minimized_crashers_replay_without_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    type Harness = fn(&[u8]);
    let targets: &[(&str, Harness)] = &[
        ("parse_bytes", harness::parse_bytes),
        ("decrypt", harness::decrypt),
        ("cmap", harness::cmap),
        ("font_program", harness::font_program),
        ("layout_notice", harness::layout_notice),
        ("policy_yaml", harness::policy_yaml),
    ];
    assert!(
        root.is_dir(),
        "{} is missing: the replay would pass over nothing",
        root.display()
    );
    let mut replayed = 0usize;
    for (target, run) in targets {
        // A target with no folder has no regression input yet.
        let Ok(entries) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        let mut files: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for file in files {
            if file.extension().is_some_and(|e| e == "md") {
                continue;
            }
            let bytes = std::fs::read(&file).expect("regression file");
            timed(&format!("{target}/{}", file.display()), || run(&bytes));
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no regression input under {}", root.display());
}

const TYPE1_CLEARTEXT: &[u8] = b"%!PS-AdobeFont-1.0: CMR10\n/Encoding 256 array\n\
    0 1 255 {1 index exch /.notdef put} for\ndup 11 /ff put\ndup 65 /Aring put\n\
    readonly def\ncurrentfile eexec\n";

/// A short deterministic mutation run over the parsers added for the
/// real-world text layer (Type 1 encodings, font-program `cmap`s, the
/// lenient ToUnicode reader), so CI catches a panic even between fuzzing
/// sessions: bytes flipped, cut and repeated by a fixed LCG.
#[test]
fn new_text_layer_parsers_survive_mutations() {
    let lenient = b"beginbfchar <01> <0041> <02> <00660069> endbfchar \
        beginbfrange <10> <12> <0061> <20> <21> [<03B1> <03B2>] endbfrange";
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    for round in 0..120 {
        for seed in [TYPE1_CLEARTEXT, &lenient[..]] {
            let mut bytes = seed.to_vec();
            for _ in 0..(1 + next() % 8) {
                let at = next() % bytes.len().max(1);
                match next() % 3 {
                    0 => {
                        if let Some(b) = bytes.get_mut(at) {
                            *b = (next() & 0xff) as u8;
                        }
                    }
                    1 => bytes.truncate(at.max(1)),
                    _ => {
                        let tail = bytes.get(at..).unwrap_or_default().to_vec();
                        bytes.extend_from_slice(&tail);
                    }
                }
            }
            timed(&format!("mutation {round}"), || {
                harness::font_program(&bytes);
                harness::cmap(&synth::join(&bytes, b"", b"\x00\x01\x00\x02\x10\x20"));
            });
        }
    }
}

/// The seed shapes of each target run through their harness too, so a
/// change to the harness or the formats that breaks them shows here, not
/// only in a fuzzing session.
#[test]
fn harnesses_accept_their_seed_shapes() {
    timed("parse_bytes", || harness::parse_bytes(b"%PDF-1.7\n"));
    timed("decrypt", || harness::decrypt(&[0]));
    timed("decrypt patched", || {
        harness::decrypt(&[1, 0x10, 0x02, 0x00, b'0'])
    });
    timed("decrypt raw", || harness::decrypt(&[0x80, b'%', b'P']));
    let to_unicode = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap \
        1 begincodespacerange <0000> <FFFF> endcodespacerange \
        1 beginbfrange <0001> <0003> <3042> endbfrange endcmap end end";
    timed("cmap", || {
        harness::cmap(&synth::join(to_unicode, b"", b"\x00\x01\x00\x02"))
    });
    timed("font_program", || harness::font_program(TYPE1_CLEARTEXT));

    let page = kaitsu::pdf::PageContent {
        number: 1,
        width: 595.0,
        height: 842.0,
        glyphs: vec![kaitsu::pdf::Glyph {
            text: "開".into(),
            bbox: kaitsu::pdf::Rect {
                x0: 10.0,
                y0: 10.0,
                x1: 20.0,
                y1: 20.0,
            },
            origin: (10.0, 18.0),
            size: 10.0,
            font: "F".into(),
            hidden: None,
            page: 1,
            opacity: 1.0,
            ..Default::default()
        }],
        ..Default::default()
    };
    let encoded = glyphs::encode(std::slice::from_ref(&page));
    let decoded = glyphs::decode(&encoded);
    assert_eq!(decoded.len(), 1);
    assert_eq!(decoded[0].glyphs.len(), 1);
    assert_eq!(decoded[0].glyphs[0].text, "開");
    timed("layout_notice", || harness::layout_notice(&encoded));
    timed("policy_yaml", || harness::policy_yaml(b"{}"));
}

fn page_objects(page_extra: &str, content: Vec<u8>) -> Vec<Vec<u8>> {
    vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R {page_extra} >>"
        )
        .into_bytes(),
        content,
    ]
}

const HELVETICA: &str = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>";

fn parse(bytes: &[u8], limits: Limits) -> Result<kaitsu::Notice, kaitsu::Error> {
    let options = ParseOptions {
        limits,
        ..ParseOptions::default()
    };
    timed("parse", || kaitsu::parse_bytes(bytes, &options))
}

fn expect_limit(result: Result<kaitsu::Notice, kaitsu::Error>, names: &str) {
    match result {
        Ok(_) => panic!("expected a limit error naming {names}"),
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
            assert!(e.to_string().contains(names), "{e} does not name {names}");
        }
    }
}

fn not_a_notice_or_no_text(result: Result<kaitsu::Notice, kaitsu::Error>) {
    match result {
        Ok(_) => panic!("a hostile file parsed as a notice"),
        Err(e) => assert!(
            matches!(
                e.kind(),
                ErrorKind::NoTextLayer
                    | ErrorKind::NotANotice
                    | ErrorKind::Corrupt
                    | ErrorKind::LimitExceeded
            ),
            "{e}"
        ),
    }
}

/// A self-referencing /Resources, a /Font dictionary that is a reference
/// loop, and a page that inherits resources through a /Parent cycle.
#[test]
fn reference_cycles_in_resources_terminate() {
    let objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 /Parent 6 0 R >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_vec(),
        stream("", b"BT /F1 12 Tf 72 720 Td (hello) Tj /X Do ET"),
        b"7 0 R".to_vec(),
        b"<< /Type /Pages /Kids [2 0 R] /Count 1 /Parent 2 0 R >>".to_vec(),
        b"5 0 R".to_vec(),
    ];
    not_a_notice_or_no_text(parse(&pdf(&objects, 1), Limits::default()));

    let objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources 5 0 R >>"
            .to_vec(),
        stream("", b"BT /F1 12 Tf 72 720 Td (hello) Tj ET /X Do"),
        b"<< /Font << /F1 6 0 R >> /XObject << /X 7 0 R >> /Self 5 0 R >>".to_vec(),
        b"6 0 R".to_vec(),
        stream(
            "/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources 5 0 R",
            b"/X Do BT /F1 1 Tf (x) Tj ET",
        ),
    ];
    not_a_notice_or_no_text(parse(&pdf(&objects, 1), Limits::default()));
}

/// 200 distinct Form XObjects, each drawing the next: the nesting bound
/// names itself.
#[test]
fn deep_form_xobject_nesting_hits_the_nesting_limit() {
    expect_limit(
        parse(&deep_forms(200), Limits::default()),
        "Form XObject nesting depth",
    );
}

fn deep_forms(depth: usize) -> Vec<u8> {
    let mut objects = page_objects(
        "/Resources << /XObject << /X 5 0 R >> >>",
        stream("", b"/X Do"),
    );
    for i in 0..depth {
        let next = 5 + i + 1;
        objects.push(stream(
            &format!(
                "/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /X {next} 0 R >> >>"
            ),
            b"q /X Do Q",
        ));
    }
    pdf(&objects, 1)
}

/// Forms that each draw the next one twice: 2^30 draws if nothing stops
/// them. The operator bound (or the deadline) does.
#[test]
fn exponential_form_fan_out_is_bounded() {
    let mut objects = page_objects(
        "/Resources << /XObject << /X 5 0 R >> >>",
        stream("", b"/X Do"),
    );
    for i in 0..30 {
        let next = 5 + i + 1;
        objects.push(stream(
            &format!(
                "/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /X {next} 0 R >> >>"
            ),
            b"/X Do /X Do",
        ));
    }
    let limits = Limits {
        max_operators_per_page: 200_000,
        deadline: Some(Instant::now() + Duration::from_secs(20)),
        ..Limits::default()
    };
    match parse(&pdf(&objects, 1), limits) {
        Ok(_) => panic!("parsed"),
        Err(e) => assert!(
            matches!(e.kind(), ErrorKind::LimitExceeded | ErrorKind::Timeout),
            "{e}"
        ),
    }
}

fn many_pages(count: usize) -> Vec<u8> {
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        Vec::new(),
        stream("", b""),
    ];
    let kids: Vec<String> = (0..count).map(|i| format!("{} 0 R", 4 + i)).collect();
    objects[1] = format!(
        "<< /Type /Pages /Kids [{}] /Count {count} >>",
        kids.join(" ")
    )
    .into_bytes();
    for _ in 0..count {
        objects.push(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>".to_vec(),
        );
    }
    pdf(&objects, 1)
}

#[test]
fn page_count_hits_the_page_limit() {
    let limits = Limits {
        max_pages: 10,
        ..Limits::default()
    };
    expect_limit(parse(&many_pages(11), limits), "pages");
    // At the bound: read, and no text.
    let limits = Limits {
        max_pages: 10,
        ..Limits::default()
    };
    not_a_notice_or_no_text(parse(&many_pages(10), limits));
}

fn many_glyphs(count: usize) -> Vec<u8> {
    let mut content = b"BT /F1 1 Tf 72 720 Td (".to_vec();
    content.extend(std::iter::repeat_n(b'x', count));
    content.extend_from_slice(b") Tj ET");
    let mut objects = page_objects(
        "/Resources << /Font << /F1 5 0 R >> >>",
        stream("", &content),
    );
    objects.push(HELVETICA.as_bytes().to_vec());
    pdf(&objects, 1)
}

#[test]
fn glyph_count_hits_the_glyph_limit() {
    let limits = Limits {
        max_glyphs_per_page: 1000,
        ..Limits::default()
    };
    expect_limit(parse(&many_glyphs(1001), limits), "glyphs per page");
}

fn many_operators(count: usize) -> Vec<u8> {
    let content = "q Q ".repeat(count / 2 + 1);
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let _ = enc.write_all(content.as_bytes());
    let data = enc.finish().unwrap_or_default();
    pdf(&page_objects("", stream("/Filter /FlateDecode", &data)), 1)
}

#[test]
fn operator_count_hits_the_operator_limit() {
    let limits = Limits {
        max_operators_per_page: 10_000,
        ..Limits::default()
    };
    expect_limit(
        parse(&many_operators(20_000), limits),
        "content operators per page",
    );
}

fn deflate_bomb(bytes: usize) -> Vec<u8> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let block = vec![b' '; 1 << 20];
    for _ in 0..bytes.div_ceil(block.len()) {
        let _ = enc.write_all(&block);
    }
    let data = enc.finish().unwrap_or_default();
    pdf(&page_objects("", stream("/Filter /FlateDecode", &data)), 1)
}

#[test]
fn deflate_bomb_names_the_stream_limit() {
    let limits = Limits {
        max_stream_bytes: 1 << 20,
        ..Limits::default()
    };
    expect_limit(
        parse(&deflate_bomb(4 << 20), limits),
        "decompressed content bytes",
    );
}

/// A deflate bomb inside a Form XObject (not the page's own content).
#[test]
fn deflate_bomb_in_a_form_is_bounded() {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let block = vec![b' '; 1 << 20];
    for _ in 0..8 {
        let _ = enc.write_all(&block);
    }
    let data = enc.finish().unwrap_or_default();
    let mut objects = page_objects(
        "/Resources << /XObject << /X 5 0 R >> >>",
        stream("", b"/X Do /X Do /X Do"),
    );
    objects.push(stream(
        "/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Filter /FlateDecode",
        &data,
    ));
    let limits = Limits {
        max_stream_bytes: 1 << 20,
        ..Limits::default()
    };
    not_a_notice_or_no_text(parse(&pdf(&objects, 1), limits));
}

/// The same bounds through the CLI: `kaitsu parse` prints an error record
/// of kind `limit_exceeded` whose message names the bound. The CLI's own
/// default limits apply, so these files exceed those.
#[test]
fn cli_prints_limit_records_that_name_the_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "bomb.pdf",
            deflate_bomb(65 << 20),
            "decompressed content bytes",
        ),
        (
            "forms.pdf",
            deep_forms(Limits::default().max_nesting + 5),
            "Form XObject nesting depth",
        ),
        (
            "pages.pdf",
            many_pages(Limits::default().max_pages + 1),
            "pages",
        ),
        (
            "glyphs.pdf",
            many_glyphs(Limits::default().max_glyphs_per_page + 1),
            "glyphs per page",
        ),
    ];
    for (name, bytes, names) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let out = assert_cmd::Command::cargo_bin("kaitsu")
            .expect("kaitsu binary")
            .args(["parse", "--format", "ndjson", "--timeout", "300", "-q"])
            .arg(&path)
            .output()
            .expect("run kaitsu");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let record: serde_json::Value =
            serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{name}: {e}: {stdout}"));
        assert_eq!(
            record["error"]["kind"], "limit_exceeded",
            "{name}: {stdout}"
        );
        let message = record["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(names),
            "{name}: {message} does not name {names}"
        );
        assert_eq!(out.status.code(), Some(1), "{name}");
    }
}
