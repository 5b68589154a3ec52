//! Writes the seed corpus of every target from the fixtures:
//! `cargo run --release --example seeds` (from fuzz/), then
//! `corpus/<target>/` holds the seeds. See docs/fuzzing.md.

use kaitsu_fuzz::{glyphs, synth};
use std::fs;
use std::path::{Path, PathBuf};

fn write(dir: &Path, name: &str, data: &[u8]) {
    fs::create_dir_all(dir).expect("corpus dir");
    fs::write(dir.join(name), data).expect("seed");
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let fixtures = root.join("../fixtures/corpus");
    let corpus = root.join("corpus");
    let mut pdfs: Vec<PathBuf> = fs::read_dir(&fixtures)
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    pdfs.sort();
    let mut cmaps: Vec<Vec<u8>> = Vec::new();
    for path in &pdfs {
        let name = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let bytes = fs::read(path).expect("fixture");
        // parse_bytes: the files themselves.
        write(&corpus.join("parse_bytes"), &name, &bytes);
        let passwords = vec![
            kaitsu::Secret::new("Kaitsu-2024!"),
            kaitsu::Secret::new("開通pw2025"),
        ];
        let Ok(doc) = kaitsu::pdf::open(&bytes, &passwords) else {
            continue;
        };
        // cmap: every CMap-looking stream of the file (kaitsu's own open
        // parses only the objects pages reach, so lopdf loads them all).
        let all = lopdf::Document::load_mem(&bytes).unwrap_or_default();
        for obj in all.objects.values() {
            if let lopdf::Object::Stream(s) = obj {
                let data = s
                    .decompressed_content()
                    .unwrap_or_else(|_| s.content.clone());
                if data.windows(9).any(|w| w == b"begincmap") && data.len() < 60_000 {
                    cmaps.push(data);
                }
            }
        }
        // layout_notice: the glyph stream of every page.
        if let Ok(pages) = kaitsu::pdf::extract_pages(&doc, &kaitsu::pdf::Limits::default()) {
            write(
                &corpus.join("layout_notice"),
                &name,
                &glyphs::encode(&pages),
            );
        }
    }
    // decrypt: each fixture unpatched, plus a few single-byte patches.
    for i in 0..kaitsu_fuzz::harness::ENCRYPTED.len() {
        write(&corpus.join("decrypt"), &format!("fixture{i}"), &[i as u8]);
        write(
            &corpus.join("decrypt"),
            &format!("fixture{i}_patch"),
            &[i as u8, 0x10, 0x02, 0x00, b'0'],
        );
    }
    cmaps.sort();
    cmaps.dedup();
    let shown: &[&[u8]] = &[
        b"\x00\x01\x00\x02\x00\x03\x00\x41",
        b"ABC abc 123",
        b"\x30\x42\x82\xa0\x00\x22",
        b"\xd8\x3d\xde\x00\x00\x41",
    ];
    for (i, cmap) in cmaps.iter().enumerate() {
        let s = shown[i % shown.len()];
        write(
            &corpus.join("cmap"),
            &format!("tounicode{i}"),
            &synth::join(cmap, b"", s),
        );
        write(
            &corpus.join("cmap"),
            &format!("encoding{i}"),
            &synth::join(b"", cmap, s),
        );
    }
    for (i, name) in [
        hayro_cmap::CMapName::UniJisUcs2H,
        hayro_cmap::CMapName::N90msRksjH,
    ]
    .into_iter()
    .enumerate()
    {
        if let Some(bytes) = hayro_cmap::load_embedded(name)
            && bytes.len() < 60_000
        {
            write(
                &corpus.join("cmap"),
                &format!("predefined{i}"),
                &synth::join(b"", bytes, shown[i]),
            );
        }
    }
    // policy_yaml: the default policy and a few variations.
    let default = kaitsu::validate::Policy::default().to_yaml();
    write(&corpus.join("policy_yaml"), "default", default.as_bytes());
    let examples = root.join("../docs");
    if let Ok(entries) = fs::read_dir(&examples) {
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                let stem = p
                    .file_stem()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                write(
                    &corpus.join("policy_yaml"),
                    &stem,
                    &fs::read(&p).unwrap_or_default(),
                );
            }
        }
    }
    for (i, s) in [
        "",
        "{}",
        "password:\n  min_length: 8\n",
        "- a\n- b\n",
        "a: &x [*x]\n",
    ]
    .iter()
    .enumerate()
    {
        write(
            &corpus.join("policy_yaml"),
            &format!("small{i}"),
            s.as_bytes(),
        );
    }
    eprintln!("seeds written under {}", corpus.display());
}
