//! What each fuzz target does with one input. Shared (through `#[path]`)
//! with the main crate's `tests/fuzz_regressions.rs`, which replays every
//! minimized crasher through the same function.
//!
//! A harness returns normally for any input: an `Err` from kaitsu is the
//! right answer to a hostile file. Only a panic, a hang or a runaway
//! allocation is a finding.

#![allow(dead_code)]

use kaitsu::pdf::Limits;
use kaitsu::validate::Policy;
use kaitsu::{ParseOptions, Secret};
use std::time::{Duration, Instant};

/// The per-file budget the fuzz targets give kaitsu (the CLI's --timeout
/// plays this part). libFuzzer's own -timeout is longer, so a hang outside
/// the interpreter (where the deadline is not checked) is still caught.
pub const DEADLINE: Duration = Duration::from_secs(5);

fn options(passwords: Vec<Secret>) -> ParseOptions {
    ParseOptions {
        passwords,
        limits: Limits {
            deadline: Some(Instant::now() + DEADLINE),
            ..Limits::default()
        },
    }
}

/// Runs validation and serialisation on a notice, as the CLI would.
fn use_notice(notice: &kaitsu::Notice) {
    let today = jiff::civil::date(2026, 1, 1);
    let _ = kaitsu::validate::validate(notice, &Policy::default(), today);
    let record = kaitsu::output::Record::success("fuzz", notice, false);
    let _ = kaitsu::output::render(std::slice::from_ref(&record), kaitsu::output::Format::Json);
    let _ = kaitsu::output::render(std::slice::from_ref(&record), kaitsu::output::Format::Csv);
    let _ = format!("{notice:?}");
}

/// `parse_bytes`: the whole chain on raw bytes.
pub fn parse_bytes(data: &[u8]) {
    if let Ok(notice) = kaitsu::parse_bytes(data, &options(Vec::new())) {
        use_notice(&notice);
    }
}

/// The encrypted fixtures and the password that opens each.
pub const ENCRYPTED: &[(&[u8], &str)] = &[
    (
        include_bytes!("../../fixtures/corpus/qpdf_aes256_userpw.pdf"),
        "Kaitsu-2024!",
    ),
    (
        include_bytes!("../../fixtures/corpus/qpdf_aes256_userpw_from_calc.pdf"),
        "開通pw2025",
    ),
    (
        include_bytes!("../../fixtures/corpus/qpdf_rc4_owner_only.pdf"),
        "",
    ),
];

/// `decrypt`: the first byte picks an encrypted fixture. With its high bit
/// clear, the rest is a list of 4-byte patches (24-bit offset, modulo the
/// file's length, and the byte to write there) applied to that fixture;
/// with it set, the rest is the whole file. Opened with a wrong and then
/// the right password, and every page interpreted.
pub fn decrypt(data: &[u8]) {
    let Some((&select, rest)) = data.split_first() else {
        return;
    };
    let (base, password) = ENCRYPTED[usize::from(select & 0x7f) % ENCRYPTED.len()];
    let bytes = if select & 0x80 != 0 {
        rest.to_vec()
    } else {
        let mut bytes = base.to_vec();
        for p in rest.chunks_exact(4) {
            let offset = u32::from_le_bytes([p[0], p[1], p[2], 0]) as usize % bytes.len();
            bytes[offset] = p[3];
        }
        bytes
    };
    let passwords = vec![Secret::new("not-the-password"), Secret::new(password)];
    let options = options(passwords);
    if let Ok(doc) = kaitsu::pdf::open(&bytes, &options.passwords)
        && let Ok(pages) = kaitsu::pdf::extract_pages(&doc, &options.limits)
        && let Ok(layout) = kaitsu::layout::Document::from_pages(&pages)
        && let Ok(notice) = kaitsu::notice::parse(&layout)
    {
        use_notice(&notice);
    }
}

/// `cmap`: hayro-cmap's parser on the ToUnicode bytes directly, then a
/// synthetic PDF whose fonts use the input's ToUnicode and encoding CMaps
/// to show the input's string (see `synth`).
pub fn cmap(data: &[u8]) {
    let input = crate::synth::split(data);
    for bytes in [input.to_unicode, input.encoding] {
        if let Some(cmap) = hayro_cmap::CMap::parse(bytes, hayro_cmap::load_embedded) {
            for (i, w) in input.shown.windows(4).take(64).enumerate() {
                let len = (i % 4) + 1;
                let code = w[..len].iter().fold(0u32, |a, &b| (a << 8) | u32::from(b));
                let _ = cmap.lookup_bf_string(code);
                let _ = cmap.lookup_cid_code(code, len as u8);
            }
        }
    }
    let pdf = crate::synth::cmap_pdf(&input);
    if let Ok(layout) = kaitsu::layout_bytes(&pdf, &options(Vec::new())) {
        let _ = layout.to_text();
    }
}

/// `layout_notice`: glyph streams (see `glyphs`) through layout, the
/// notice parser and validation.
pub fn layout_notice(data: &[u8]) {
    let pages = crate::glyphs::decode(data);
    if let Ok(layout) = kaitsu::layout::Document::from_pages(&pages) {
        let _ = layout.to_text();
        if let Ok(notice) = kaitsu::notice::parse(&layout) {
            use_notice(&notice);
        }
    }
}

/// `policy_yaml`: the policy loader; a policy it accepts must survive
/// `to_yaml` → `from_yaml`.
pub fn policy_yaml(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(policy) = Policy::from_yaml(&text) {
        let yaml = policy.to_yaml();
        if let Err(e) = Policy::from_yaml(&yaml) {
            panic!("a policy kaitsu accepted does not read back: {e}\n{yaml}");
        }
    }
}

/// `font_program`: the input as an embedded font program of four fonts
/// (Type 1 cleartext encoding, bare CFF, TrueType and OpenType CFF `cmap`
/// fallbacks; see `synth::font_program_pdf`) through `layout_bytes`.
pub fn font_program(data: &[u8]) {
    let pdf = crate::synth::font_program_pdf(data);
    if let Ok(layout) = kaitsu::layout_bytes(&pdf, &options(Vec::new())) {
        let _ = layout.to_text();
    }
}
