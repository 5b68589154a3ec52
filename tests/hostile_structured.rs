//! Structured hostile PDFs: amplification through every indirection the
//! format allows, each run through every command that reads a PDF
//! (`parse`, `check`, `text`, `password-check`) of the real binary, which
//! parses in worker processes.
//!
//! Random bytes did not find these; structure does: one small object used
//! many times (a ToUnicode entry, an `/ActualText`, a content stream, a
//! CMap shared by fonts), arrays lopdf expands while loading, reference
//! cycles through every kind of indirection, and decompression bombs
//! through every filter chain. Each file must give exactly one record (or,
//! for `text`, one message) within `--timeout` plus the worker's grace,
//! while each worker stays under its 512 MiB address-space cap and the
//! parent under [`PARENT_MEMORY_KIB`].
//!
//! Set `KAITSU_HOSTILE_KEEP=DIR` to keep the generated files (for
//! measuring them with `/usr/bin/time -v`).

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

#[path = "../fuzz/src/synth.rs"]
mod synth;
use synth::{pdf, stream};

/// The `--timeout` the commands get here.
const TIMEOUT_SECS: u64 = 1;
/// The worker's kill grace (`kaitsu::batch::isolate::GRACE`) plus start-up
/// and a loaded 2-core CI machine running a debug build.
const SLACK: Duration = Duration::from_secs(8);
/// The `--timeout` of the batch tests whose poison file must end on its
/// memory cap (`limit_exceeded`), not on the clock: on an idle machine the
/// cap ends it within a second or two, but under a loaded machine's
/// compiles it took over 5 s and was read as a timeout. The bound only
/// keeps a hang from running forever.
const POISON_TIMEOUT: &str = "60";
/// The parent process's address space (`ulimit -v`): it reads one small
/// file and waits for a worker; a parent that grows is a bug.
const PARENT_MEMORY_KIB: u64 = 2 * 1024 * 1024;

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

/// `n` bytes of `byte`, deflated without holding them all.
fn zlib_repeat(byte: u8, n: usize) -> Vec<u8> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![byte; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk.len());
        let _ = enc.write_all(&chunk[..k]);
        left -= k;
    }
    enc.finish().unwrap_or_default()
}

fn flate_stream(dict: &str, data: &[u8]) -> Vec<u8> {
    stream(&format!("{dict} /Filter /FlateDecode"), &zlib(data))
}

const CATALOG: &[u8] = b"<< /Type /Catalog /Pages 2 0 R >>";
const PAGES_ONE: &[u8] = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>";

/// Catalog (1), pages (2), one page (3) with `resources`, content (4),
/// then `rest` from object 5.
fn one_page(resources: &str, content: Vec<u8>, rest: Vec<Vec<u8>>) -> Vec<u8> {
    let mut objects = vec![
        CATALOG.to_vec(),
        PAGES_ONE.to_vec(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
             /Resources << {resources} >> >>"
        )
        .into_bytes(),
        content,
    ];
    objects.extend(rest);
    pdf(&objects, 1)
}

/// A ToUnicode CMap mapping `<41>` to `expansion` copies of あ.
fn amplifying_cmap(expansion: usize) -> Vec<u8> {
    format!(
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap \
         1 begincodespacerange <00> <FF> endcodespacerange \
         1 beginbfchar <41> <{}> endbfchar endcmap end end",
        "3042".repeat(expansion)
    )
    .into_bytes()
}

/// A ToUnicode CMap of about `bytes` bytes: many one-to-one ranges.
fn big_cmap(bytes: usize) -> Vec<u8> {
    let entry_len = "<0000> <0000> <3042>\n".len();
    let n = bytes / entry_len;
    let mut body = String::with_capacity(bytes + 200);
    body.push_str(
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap \
         1 begincodespacerange <0000> <FFFF> endcodespacerange\n",
    );
    for chunk in (0..n).collect::<Vec<_>>().chunks(100) {
        body.push_str(&format!("{} beginbfrange\n", chunk.len()));
        for i in chunk {
            let code = i % 0x10000;
            body.push_str(&format!("<{code:04X}> <{code:04X}> <3042>\n"));
        }
        body.push_str("endbfrange\n");
    }
    body.push_str("endcmap end end");
    body.into_bytes()
}

const TYPE1_WITH_TOUNICODE: &str = "/Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode";

/// A PDF whose objects after the first `plain` ones live in one object
/// stream (its dictionary gets `objstm_dict` and its data `encode`), with
/// an xref stream. Objects are numbered from 1; the object stream and the
/// xref stream come last.
fn pdf_with_object_stream(
    plain: &[Vec<u8>],
    packed: &[Vec<u8>],
    objstm_dict: &str,
    encode: impl Fn(&[u8]) -> Vec<u8>,
) -> Vec<u8> {
    let first_packed = plain.len() + 1;
    let objstm_num = first_packed + packed.len();
    let xref_num = objstm_num + 1;
    let mut header = String::new();
    let mut data = Vec::new();
    for (i, body) in packed.iter().enumerate() {
        header.push_str(&format!("{} {} ", first_packed + i, data.len()));
        data.extend_from_slice(body);
        data.push(b'\n');
    }
    let mut decoded = header.clone().into_bytes();
    decoded.extend_from_slice(&data);
    let objstm = stream(
        &format!(
            "/Type /ObjStm /N {} /First {} {objstm_dict}",
            packed.len(),
            header.len()
        ),
        &encode(&decoded),
    );
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = vec![0usize; xref_num + 1];
    for (i, body) in plain.iter().chain(std::iter::once(&objstm)).enumerate() {
        let num = if i < plain.len() { i + 1 } else { objstm_num };
        offsets[num] = out.len();
        out.extend_from_slice(format!("{num} 0 obj\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    offsets[xref_num] = out.len();
    let mut entries = Vec::new();
    for (num, &offset) in offsets.iter().enumerate() {
        let (kind, field2, field3): (u8, u32, u16) = if num == 0 {
            (0, 0, 65535)
        } else if (first_packed..objstm_num).contains(&num) {
            (2, objstm_num as u32, (num - first_packed) as u16)
        } else {
            (1, offset as u32, 0)
        };
        entries.push(kind);
        entries.extend_from_slice(&field2.to_be_bytes());
        entries.extend_from_slice(&field3.to_be_bytes());
    }
    let xref = stream(
        &format!("/Type /XRef /Size {} /W [1 4 2] /Root 1 0 R", xref_num + 1),
        &entries,
    );
    out.extend_from_slice(format!("{xref_num} 0 obj\n").as_bytes());
    out.extend_from_slice(&xref);
    out.extend_from_slice(
        format!("\nendobj\nstartxref\n{}\n%%EOF\n", offsets[xref_num]).as_bytes(),
    );
    out
}

/// Every hostile file, by name (made once per test process).
fn hostile_files() -> &'static [(&'static str, Vec<u8>)] {
    static FILES: std::sync::OnceLock<Vec<(&'static str, Vec<u8>)>> = std::sync::OnceLock::new();
    FILES.get_or_init(make_hostile_files)
}

fn make_hostile_files() -> Vec<(&'static str, Vec<u8>)> {
    let mut files: Vec<(&'static str, Vec<u8>)> = Vec::new();

    // One ToUnicode entry mapping one code to a million characters, shown
    // by 1 000 glyphs.
    files.push((
        "to_unicode_million_chars_x1000",
        one_page(
            "/Font << /F1 5 0 R >>",
            stream(
                "",
                format!("BT /F1 10 Tf 72 720 Td ({}) Tj ET", "A".repeat(1000)).as_bytes(),
            ),
            vec![
                format!("<< {TYPE1_WITH_TOUNICODE} 6 0 R >>").into_bytes(),
                flate_stream("", &amplifying_cmap(1_000_000)),
            ],
        ),
    ));

    // One 8 MB /ActualText (in a compressed object stream) shared by 2 000
    // marked-content spans.
    {
        let spans = "/Span /P1 BDC (A) Tj EMC\n".repeat(2000);
        let plain = vec![
            CATALOG.to_vec(),
            PAGES_ONE.to_vec(),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
              /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> \
              /Properties << /P1 5 0 R >> >> >>"
                .to_vec(),
            stream("", format!("BT /F1 10 Tf 72 720 Td {spans} ET").as_bytes()),
        ];
        let text = format!("<FEFF{}>", "3042".repeat(4 * 1024 * 1024));
        let packed = vec![b"<< /ActualText 6 0 R >>".to_vec(), text.into_bytes()];
        files.push((
            "actual_text_8mb_shared_by_2000_spans",
            pdf_with_object_stream(&plain, &packed, "/Filter /FlateDecode", zlib),
        ));
    }

    // 200 pages sharing one content stream of 120 000 glyphs.
    {
        let kids: String = (0..200).map(|i| format!("{} 0 R ", 5 + i)).collect();
        let mut objects = vec![
            CATALOG.to_vec(),
            format!("<< /Type /Pages /Kids [{kids}] /Count 200 >>").into_bytes(),
            b"<< /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >>".to_vec(),
            flate_stream(
                "",
                format!("BT /F1 1 Tf 0 0 Td ({}) Tj ET", "A".repeat(120_000)).as_bytes(),
            ),
        ];
        for _ in 0..200 {
            objects.push(
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
                  /Resources << /Font 3 0 R >> >>"
                    .to_vec(),
            );
        }
        files.push((
            "pages_200_share_one_content_of_120k_glyphs",
            pdf(&objects, 1),
        ));
    }

    // 200 font objects sharing one 3.9 MB ToUnicode CMap, each selected.
    {
        let fonts: String = (0..200).map(|i| format!("/F{i} {} 0 R ", 6 + i)).collect();
        let content: String = (0..200).map(|i| format!("/F{i} 10 Tf (AB) Tj ")).collect();
        let mut rest = vec![flate_stream("", &big_cmap(3_900_000))];
        for _ in 0..200 {
            rest.push(format!("<< {TYPE1_WITH_TOUNICODE} 5 0 R >>").into_bytes());
        }
        files.push((
            "fonts_200_share_one_3_9mb_to_unicode",
            one_page(
                &format!("/Font << {fonts} >>"),
                stream("", format!("BT 72 720 Td {content} ET").as_bytes()),
                rest,
            ),
        ));
    }

    // A font written inline in the resources with a huge ToUnicode,
    // selected again by 5 000 Tf.
    files.push((
        "inline_font_huge_to_unicode_reselected_by_tf",
        one_page(
            &format!("/Font << /F1 << {TYPE1_WITH_TOUNICODE} 5 0 R >> >>"),
            stream("", "BT /F1 10 Tf (A) Tj ET\n".repeat(5000).as_bytes()),
            vec![flate_stream("", &big_cmap(3_900_000))],
        ),
    ));

    // A CID font whose /W array has 50 000 ranges, showing 100 000 glyphs.
    {
        let w: String = (0..50_000u32)
            .map(|i| format!("{} {} {} ", i * 2, i * 2 + 1, 500 + i % 100))
            .collect();
        let shown: String = "<0001>".repeat(100_000);
        files.push((
            "cid_font_w_array_50k_ranges",
            one_page(
                "/Font << /F1 5 0 R >>",
                flate_stream(
                    "",
                    format!("BT /F1 10 Tf 72 720 Td [{shown}] TJ ET").as_bytes(),
                ),
                vec![
                    b"<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H \
                      /DescendantFonts [6 0 R] >>"
                        .to_vec(),
                    "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /X \
                         /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
                         /W 7 0 R >>"
                        .as_bytes()
                        .to_vec(),
                    format!("[{w}]").into_bytes(),
                ],
            ),
        ));
    }

    // An object stream holding an array of 30 million zeros, the page's
    // /MediaBox (so even a lazy object layer must read it): lopdf
    // allocates per object while loading, before any kaitsu bound; the
    // lazy layer stops at its budget of values.
    {
        let plain = vec![
            CATALOG.to_vec(),
            PAGES_ONE.to_vec(),
            b"<< /Type /Page /Parent 2 0 R /MediaBox 5 0 R /Contents 4 0 R >>".to_vec(),
            stream("", b"BT ET"),
        ];
        let packed = vec![{
            let mut a = b"[".to_vec();
            a.extend(std::iter::repeat_n(*b"0 ", 30_000_000).flatten());
            a.push(b']');
            a
        }];
        files.push((
            "object_stream_array_of_30m_zeros",
            pdf_with_object_stream(&plain, &packed, "/Filter /FlateDecode", zlib),
        ));
    }

    // Deep nesting: arrays and dictionaries in the object graph, q and
    // forms in content.
    {
        let depth = 200_000;
        let mut arrays = "[".repeat(depth).into_bytes();
        arrays.extend_from_slice("]".repeat(depth).as_bytes());
        files.push((
            "nesting_200k_arrays_in_an_object",
            one_page("", stream("", b""), vec![arrays]),
        ));
        let mut dicts = "<< /A ".repeat(depth).into_bytes();
        dicts.extend_from_slice(b"0");
        dicts.extend_from_slice(" >>".repeat(depth).as_bytes());
        files.push((
            "nesting_200k_dictionaries_in_an_object",
            one_page("", stream("", b""), vec![dicts]),
        ));
        files.push((
            "nesting_200k_q_in_content",
            one_page("", flate_stream("", "q ".repeat(depth).as_bytes()), vec![]),
        ));
        // Forms 5..=1004, each drawing the next twice: 2^1000 draws
        // without a depth bound.
        let mut rest = Vec::new();
        for i in 0..1000 {
            let next = 5 + i + 1;
            rest.push(stream(
                &format!(
                    "/Type /XObject /Subtype /Form /BBox [0 0 10 10] \
                     /Resources << /XObject << /X {next} 0 R >> >>"
                ),
                b"/X Do /X Do",
            ));
        }
        rest.push(stream(
            "/Type /XObject /Subtype /Form /BBox [0 0 10 10]",
            b"0 0 m 1 1 l S",
        ));
        files.push((
            "nesting_1000_forms_each_drawn_twice",
            one_page("/XObject << /X 5 0 R >>", stream("", b"/X Do"), rest),
        ));
    }

    // Reference cycles through every indirection.
    files.push((
        "cycle_form_xobject_draws_itself",
        one_page(
            "/XObject << /X 5 0 R >>",
            stream("", b"/X Do"),
            vec![stream(
                "/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /X 5 0 R >> >>",
                b"/X Do /X Do",
            )],
        ),
    ));
    files.push((
        "cycle_pattern_paints_with_itself",
        one_page(
            "/Pattern << /P 5 0 R >>",
            stream("", b"/Pattern cs /P scn 0 0 100 100 re f"),
            vec![stream(
                "/Type /Pattern /PatternType 1 /PaintType 1 /TilingType 1 /BBox [0 0 10 10] \
                 /XStep 10 /YStep 10 /Resources << /Pattern << /P 5 0 R >> >>",
                b"/Pattern cs /P scn 0 0 10 10 re f",
            )],
        ),
    ));
    files.push((
        "cycle_annotation_appearance_draws_itself",
        pdf(
            &[
                CATALOG.to_vec(),
                PAGES_ONE.to_vec(),
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Annots [5 0 R] >>"
                    .to_vec(),
                stream("", b""),
                b"<< /Type /Annot /Subtype /FreeText /Rect [0 0 100 100] /AP << /N 6 0 R >> >>".to_vec(),
                stream(
                    "/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /X 6 0 R >> >>",
                    b"/X Do /X Do",
                ),
            ],
            1,
        ),
    ));
    files.push((
        "cycle_page_tree_kids_contain_their_parent",
        pdf(
            &[
                CATALOG.to_vec(),
                b"<< /Type /Pages /Kids [2 0 R 3 0 R 2 0 R] /Count 3 >>".to_vec(),
                b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R 3 0 R] /Count 2 >>".to_vec(),
            ],
            1,
        ),
    ));
    files.push((
        "cycle_resources_inherited_through_a_parent_loop",
        pdf(
            &[
                CATALOG.to_vec(),
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 /Parent 5 0 R >>".to_vec(),
                b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>".to_vec(),
                stream("", b"BT /F1 10 Tf (A) Tj ET"),
                b"<< /Type /Pages /Kids [2 0 R] /Count 1 /Parent 2 0 R >>".to_vec(),
            ],
            1,
        ),
    ));
    files.push((
        "cycle_xobject_dictionary_is_its_own_resources",
        one_page(
            "/XObject 5 0 R",
            stream("", b"/X Do"),
            vec![b"<< /X 6 0 R >>".to_vec(), stream(
                "/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject 5 0 R >>",
                b"/X Do",
            )],
        ),
    ));

    // Decompression bombs through every filter chain, in content, in a
    // ToUnicode CMap, in a form and in an object stream.
    let gib = 1usize << 30;
    let flate_once = zlib_repeat(b' ', gib);
    let flate_flate = zlib(&flate_once);
    let run_length_bomb = {
        // RunLengthDecode: 0x81 then a byte is 128 copies of it; 16 MiB of
        // runs decode to 1 GiB, and deflate shrinks the runs to kilobytes.
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        let runs = [0x81u8, b' '].repeat(1 << 20);
        for _ in 0..8 {
            let _ = enc.write_all(&runs);
        }
        enc.finish().unwrap_or_default()
    };
    let hex_of_flate = {
        let f = zlib_repeat(b' ', 200 * 1024 * 1024);
        f.iter()
            .map(|b| format!("{b:02X}"))
            .collect::<String>()
            .into_bytes()
    };
    let bombs: Vec<(&'static str, &'static str, Vec<u8>)> = vec![
        ("flate", "/Filter /FlateDecode", flate_once),
        (
            "flate_flate",
            "/Filter [/FlateDecode /FlateDecode]",
            flate_flate.clone(),
        ),
        (
            "flate_runlength",
            "/Filter [/FlateDecode /RunLengthDecode]",
            run_length_bomb,
        ),
        (
            "asciihex_flate",
            "/Filter [/ASCIIHexDecode /FlateDecode]",
            hex_of_flate,
        ),
    ];
    for (name, filter, data) in &bombs {
        let file_name: &'static str = Box::leak(format!("bomb_content_{name}").into_boxed_str());
        files.push((file_name, one_page("", stream(filter, data), vec![])));
    }
    files.push((
        "bomb_to_unicode_flate_flate",
        one_page(
            "/Font << /F1 5 0 R >>",
            stream("", b"BT /F1 10 Tf (A) Tj ET"),
            vec![
                format!("<< {TYPE1_WITH_TOUNICODE} 6 0 R >>").into_bytes(),
                stream("/Filter [/FlateDecode /FlateDecode]", &flate_flate),
            ],
        ),
    ));
    files.push((
        "bomb_form_xobject_flate_flate",
        one_page(
            "/XObject << /X 5 0 R >>",
            stream("", b"/X Do"),
            vec![stream(
                "/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Filter [/FlateDecode /FlateDecode]",
                &flate_flate,
            )],
        ),
    ));
    {
        let plain = vec![
            CATALOG.to_vec(),
            PAGES_ONE.to_vec(),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_vec(),
            stream("", b"BT ET"),
        ];
        // The packed object is a string of a gigabyte of spaces, so the
        // decoded stream is the bomb.
        let packed = vec![b"(".to_vec()];
        files.push((
            "bomb_object_stream_flate_flate",
            pdf_with_object_stream(
                &plain,
                &packed,
                "/Filter [/FlateDecode /FlateDecode]",
                |_| flate_flate.clone(),
            ),
        ));
    }
    files
}

/// `kaitsu ARGS` under the parent's address-space cap (`ulimit -v`).
fn capped_command(args: &[&str]) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!(
            "ulimit -v {PARENT_MEMORY_KIB} && exec \"$0\" \"$@\""
        ))
        .arg(env!("CARGO_BIN_EXE_kaitsu"))
        .args(args);
    cmd
}

/// Runs a command, with how long it took.
fn run_timed(mut cmd: Command) -> (Output, Duration) {
    let started = Instant::now();
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run kaitsu: {e}"));
    (out, started.elapsed())
}

fn kaitsu_capped(args: &[&str]) -> (Output, Duration) {
    run_timed(capped_command(args))
}

fn records(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// Runs one hostile file through `parse`, `check` and `text`.
fn every_command_gives_one_answer_in_time(name: &str, path: &Path) {
    let timeout = TIMEOUT_SECS.to_string();
    let path_s = path.to_string_lossy().to_string();
    let bound = Duration::from_secs(TIMEOUT_SECS) + SLACK;
    for command in ["parse", "check"] {
        let (out, took) = kaitsu_capped(&[
            command,
            "--format",
            "ndjson",
            "-q",
            "--timeout",
            &timeout,
            &path_s,
        ]);
        let rs = records(&out.stdout);
        assert_eq!(
            rs.len(),
            1,
            "{name} {command}: {} records; stderr: {}",
            rs.len(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(rs[0]["source"], path_s.as_str(), "{name} {command}");
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{name} {command}: {:?}",
            out.status
        );
        assert!(took < bound, "{name} {command}: took {took:?}");
    }
    let (out, took) = kaitsu_capped(&["text", "--timeout", &timeout, &path_s]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{name} text: {:?}",
        out.status
    );
    if out.status.code() == Some(1) {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{name} text: {stderr}");
    }
    assert!(took < bound, "{name} text: took {took:?}");
    let (out, took) = kaitsu_capped(&[
        "password-check",
        "--user-id",
        "someone",
        "--notice",
        &path_s,
        "--timeout",
        &timeout,
    ]);
    // No notice, or no such user: a usage error with one message.
    assert_eq!(
        out.status.code(),
        Some(2),
        "{name} password-check: {:?}",
        out.status
    );
    assert!(took < bound, "{name} password-check: took {took:?}");
}

fn write_all(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    hostile_files()
        .iter()
        .map(|(name, bytes)| {
            let path = dir.join(format!("{name}.pdf"));
            std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{e}"));
            (*name, path)
        })
        .collect()
}

#[test]
fn hostile_files_stay_small() {
    // The attack is amplification: the files themselves are small.
    for (name, bytes) in hostile_files().iter() {
        assert!(
            bytes.len() < 8 * 1024 * 1024,
            "{name}: {} bytes",
            bytes.len()
        );
    }
}

#[test]
fn every_hostile_file_gives_one_record_in_time_in_every_command() {
    let keep = std::env::var_os("KAITSU_HOSTILE_KEEP").map(PathBuf::from);
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = keep.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    let _ = std::fs::create_dir_all(&dir);
    for (name, path) in write_all(&dir) {
        let started = Instant::now();
        every_command_gives_one_answer_in_time(name, &path);
        eprintln!(
            "{name}: {:.2} s for four commands",
            started.elapsed().as_secs_f64()
        );
    }
}

fn kaitsu_in(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = capped_command(args);
    cmd.current_dir(dir);
    let (out, took) = run_timed(cmd);
    assert!(took < Duration::from_secs(120), "{args:?} took {took:?}");
    out
}

/// The generated hostile file `name`; a name the generator no longer makes
/// fails the test (an empty stand-in would be an error record, not a
/// worker's death, and the test would pass without testing anything).
fn hostile_file(name: &str) -> Vec<u8> {
    hostile_files()
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, bytes)| bytes.clone())
        .unwrap_or_else(|| panic!("no hostile file named {name}"))
}

fn corpus_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/corpus")
        .join(format!("{name}.pdf"))
}

#[test]
fn a_poison_file_in_a_batch_costs_one_record_and_resume_completes_the_batch() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    let poison = hostile_file("object_stream_array_of_30m_zeros");
    let good = [
        "rl_ttf_rare_kanji",
        "calc_ipaex_address_dns",
        "calc_ipaex_account_wrapped",
        "calc_ipaex_delete_change",
    ];
    let mut names = Vec::new();
    for (i, g) in good.iter().enumerate() {
        if i == 2 {
            std::fs::write(dir.join("b_poison.pdf"), &poison).unwrap_or_else(|e| panic!("{e}"));
            names.push("b_poison.pdf".to_string());
        }
        let name = format!("{}_{g}.pdf", if i < 2 { "a" } else { "c" });
        std::fs::copy(corpus_fixture(g), dir.join(&name)).unwrap_or_else(|e| panic!("{e}"));
        names.push(name);
    }
    let base = [
        "parse",
        "--format",
        "ndjson",
        "-q",
        "-j",
        "2",
        "--timeout",
        POISON_TIMEOUT,
        "--today",
        "2024-01-01",
    ];
    let run = |extra: &[&str]| {
        let mut args: Vec<&str> = base.to_vec();
        args.extend_from_slice(extra);
        args.extend(names.iter().map(String::as_str));
        kaitsu_in(dir, &args)
    };
    let first = run(&["--output-dir", "out"]);
    let rs = records(&first.stdout);
    let sources: Vec<&str> = rs.iter().filter_map(|r| r["source"].as_str()).collect();
    assert_eq!(sources, names, "one record per input, in input order");
    for r in &rs {
        let kind = r["error"]["kind"].as_str();
        if r["source"] == "b_poison.pdf" {
            assert_eq!(kind, Some("limit_exceeded"), "{r}");
        } else {
            assert_eq!(kind, None, "a good file next to the poison: {r}");
        }
    }
    assert_eq!(first.status.code(), Some(1));
    let out = dir.join("out");
    assert!(out.join("summary.json").exists());

    // An interrupted run: no summary, and the poison's record and a good
    // file's record never stored. --resume completes it with the same
    // records.
    let _ = std::fs::remove_file(out.join("summary.json"));
    for entry in std::fs::read_dir(&out).into_iter().flatten().flatten() {
        let n = entry.file_name().to_string_lossy().to_string();
        if n.starts_with("b_poison") || n.starts_with("c_calc_ipaex_account_wrapped") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    let resumed = run(&["--output-dir", "out", "--resume"]);
    assert_eq!(resumed.stdout, first.stdout);
    assert!(out.join("summary.json").exists());
    // Parsing the poison again (--retry-errors) gives the same record.
    let retried = run(&["--output-dir", "out", "--resume", "--retry-errors"]);
    assert_eq!(retried.stdout, first.stdout);
}

/// With one worker (`-j 1`) the worker that dies on the poison is the
/// only one: the next file gets a new worker (forked again by the request,
/// the process being single-threaded), whose record is the in-process
/// one.
#[test]
fn a_worker_started_after_a_dead_one_gives_the_same_records() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    let poison = hostile_file("object_stream_array_of_30m_zeros");
    std::fs::write(dir.join("a_poison.pdf"), &poison).unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(
        corpus_fixture("calc_ipaex_address_dns"),
        dir.join("b_good.pdf"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let args = [
        "parse",
        "--format",
        "ndjson",
        "-q",
        "-j",
        "1",
        "--timeout",
        POISON_TIMEOUT,
        "--today",
        "2024-01-01",
        "a_poison.pdf",
        "b_good.pdf",
    ];
    let workers = kaitsu_in(dir, &args);
    let rs = records(&workers.stdout);
    assert_eq!(rs.len(), 2, "{rs:?}");
    assert_eq!(rs[0]["error"]["kind"], "limit_exceeded", "{}", rs[0]);
    let mut in_process_args = args.to_vec();
    in_process_args.insert(1, "--in-process");
    // In-process, the poison would take the whole run down: the good file
    // alone.
    in_process_args.retain(|a| *a != "a_poison.pdf");
    let in_process = kaitsu_in(dir, &in_process_args);
    let good = String::from_utf8_lossy(&workers.stdout)
        .lines()
        .nth(1)
        .map(|l| format!("{l}\n"))
        .unwrap_or_default();
    assert_eq!(good, String::from_utf8_lossy(&in_process.stdout));
}

/// One worker (`-j 1`) with two requests in flight: the poison in the
/// middle of the batch is the request the worker dies on; the file queued
/// behind it is sent again to a new worker, never lost nor blamed. Every
/// good file's record is byte for byte its in-process one.
#[test]
fn a_poison_file_in_a_pipelined_batch_costs_exactly_its_own_record() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    let poison = hostile_file("object_stream_array_of_30m_zeros");
    let good = [
        "calc_ipaex_address_dns",
        "calc_ipaex_account_wrapped",
        "calc_ipaex_delete_change",
        "rl_ttf_rare_kanji",
    ];
    let mut names = Vec::new();
    for (i, g) in good.iter().enumerate() {
        if i == 2 {
            std::fs::write(dir.join("c_poison.pdf"), &poison).unwrap_or_else(|e| panic!("{e}"));
            names.push("c_poison.pdf".to_string());
        }
        let name = format!("{}_{g}.pdf", ["a", "b", "d", "e"][i]);
        std::fs::copy(corpus_fixture(g), dir.join(&name)).unwrap_or_else(|e| panic!("{e}"));
        names.push(name);
    }
    let mut args = vec![
        "parse",
        "--format",
        "ndjson",
        "-q",
        "-j",
        "1",
        "--timeout",
        POISON_TIMEOUT,
        "--today",
        "2024-01-01",
    ];
    args.extend(names.iter().map(String::as_str));
    let workers = kaitsu_in(dir, &args);
    let rs = records(&workers.stdout);
    let sources: Vec<&str> = rs.iter().filter_map(|r| r["source"].as_str()).collect();
    assert_eq!(sources, names, "one record per input, in input order");
    let lines: Vec<&str> = std::str::from_utf8(&workers.stdout)
        .unwrap_or_default()
        .lines()
        .collect();
    for (r, line) in rs.iter().zip(&lines) {
        let source = r["source"].as_str().unwrap_or_default();
        if source == "c_poison.pdf" {
            assert_eq!(r["error"]["kind"], "limit_exceeded", "{r}");
            continue;
        }
        let alone = kaitsu_in(
            dir,
            &[
                "parse",
                "--in-process",
                "--format",
                "ndjson",
                "-q",
                "--today",
                "2024-01-01",
                source,
            ],
        );
        assert_eq!(
            format!("{line}\n"),
            String::from_utf8_lossy(&alone.stdout),
            "a good file next to the poison"
        );
    }
}

#[test]
fn records_from_workers_are_byte_identical_to_in_process_ones() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let args = [
        "parse",
        "--format",
        "ndjson",
        "-q",
        "-r",
        "--today",
        "2024-01-01",
        "--timeout",
        "60",
        "fixtures/corpus",
    ];
    let workers = kaitsu_in(dir, &args);
    let mut in_process_args = args.to_vec();
    in_process_args.insert(1, "--in-process");
    let in_process = kaitsu_in(dir, &in_process_args);
    assert!(records(&workers.stdout).len() > 50);
    assert!(
        workers.stdout == in_process.stdout,
        "worker and in-process records differ"
    );
    // NDJSON takes the line the worker wrote; JSON reads the whole record
    // back from it.
    let mut json_args = args.to_vec();
    json_args[2] = "json";
    let workers = kaitsu_in(dir, &json_args);
    json_args.insert(1, "--in-process");
    let in_process = kaitsu_in(dir, &json_args);
    assert!(
        !workers.stdout.is_empty() && workers.stdout == in_process.stdout,
        "worker and in-process records differ (JSON)"
    );
    // `text` too.
    let file = "fixtures/corpus/calc_ipaex_address_dns.pdf";
    let a = kaitsu_in(dir, &["text", file]);
    let b = kaitsu_in(dir, &["text", "--in-process", file]);
    assert!(!a.stdout.is_empty() && a.stdout == b.stdout);
}

#[test]
fn an_absurd_timeout_is_a_usage_error_not_a_panic() {
    let file = corpus_fixture("calc_ipaex_address_dns");
    let file = file.to_string_lossy();
    for command in [&["parse", "-q"][..], &["check", "-q"], &["text"]] {
        for t in ["1e300", "1e12", "0", "-1", "NaN"] {
            let mut args = command.to_vec();
            args.extend(["--timeout", t, &file]);
            let (out, _) = kaitsu_capped(&args);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        }
    }
}
