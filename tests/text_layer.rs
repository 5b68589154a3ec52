//! The text layer on the small fixtures of `fixtures/textlayer/` (written
//! by `fixtures/textlayer/make.py`): one PDF per class of real-world text
//! the PDF layer reads (glyph names, built-in encodings, ToUnicode slips,
//! stream recovery). Each must read as the page shows it.

use kaitsu::ParseOptions;

fn text_of(name: &str) -> String {
    let path = format!("{}/fixtures/textlayer/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc = kaitsu::layout_bytes(&bytes, &ParseOptions::default())
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    doc.to_text()
        .lines()
        .filter(|l| !l.starts_with("--- page"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn differences_use_the_whole_glyph_list() {
    // eacute germandbls Ccedilla bullet endash quotedblleft fi f_f_i C65
    // uni00E9 a.sc; layout folds the fi ligature (NFKC).
    assert_eq!(text_of("differences_glyph_names.pdf"), "éßÇ•–“fiffiAéa");
}

#[test]
fn the_symbol_font_draws_greek() {
    assert_eq!(text_of("symbol_builtin_encoding.pdf"), "αβγ");
}

#[test]
fn an_embedded_type1_font_brings_its_encoding() {
    assert_eq!(text_of("type1_builtin_encoding.pdf"), "ffÅø");
}

#[test]
fn a_tounicode_slip_keeps_what_parses() {
    assert_eq!(text_of("tounicode_with_slip.pdf"), "OK!");
}

#[test]
fn a_stream_without_length_is_read_to_endstream() {
    assert_eq!(
        text_of("stream_without_length.pdf"),
        "Recovered without Length"
    );
}

#[test]
fn an_indirect_filter_is_followed() {
    assert_eq!(
        text_of("indirect_filter.pdf"),
        "Decoded through an indirect Filter"
    );
}

#[test]
fn type3_glyphs_named_by_code_read_as_their_code() {
    assert_eq!(text_of("type3_code_names.pdf"), "IJ");
}

#[test]
fn type3_glyphs_with_unknown_names_read_as_their_code() {
    assert_eq!(text_of("type3_unknown_names.pdf"), "ab");
}

#[test]
fn an_empty_media_box_still_shows_the_page() {
    assert_eq!(text_of("empty_media_box.pdf"), "Empty box");
}

#[test]
fn vertical_writing_advances_downward() {
    // One glyph under the other: each its own line, top to bottom.
    assert_eq!(text_of("vertical_writing.pdf"), "あ\nい\nう\nえ\nえ");
}

#[test]
fn raised_and_lowered_text_stays_on_its_line() {
    assert_eq!(text_of("raised_text.pdf"), "x2i + y");
}

#[test]
fn a_turned_label_over_nothing_is_text_in_its_own_line() {
    assert_eq!(
        text_of("turned_label.pdf"),
        "Body text of the page\nand its second line\nTurned label"
    );
}

#[test]
fn transparent_text_over_a_picture_is_its_text_layer() {
    assert_eq!(
        text_of("transparent_text_over_image.pdf"),
        "Text of the picture"
    );
}

#[test]
fn right_to_left_text_reads_in_logical_order() {
    assert_eq!(text_of("rtl_hebrew.pdf"), "שלום");
}

#[test]
fn a_diagonal_label_keeps_all_its_glyphs() {
    assert_eq!(
        text_of("diagonal_label.pdf"),
        "Body text of the page\nand its second line\nR18,00"
    );
}

#[test]
fn a_missing_font_is_read_as_a_standard_font() {
    assert_eq!(text_of("missing_font.pdf"), "Hello world");
}

#[test]
fn gbk_euc_bytes_are_gbk_text() {
    assert_eq!(text_of("gbk_euc_cmap.pdf"), "中文");
}

#[test]
fn a_utf16_surrogate_pair_is_one_character() {
    assert_eq!(text_of("utf16_surrogate_pair.pdf"), "\u{2000B}あ");
}

#[test]
fn a_damaged_encryption_dictionary_is_corrupt_not_a_password_question() {
    let path = format!(
        "{}/fixtures/textlayer/malformed_encrypt_dictionary.pdf",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).expect("fixture");
    let options = ParseOptions {
        passwords: vec![kaitsu::Secret::new("anything")],
        ..ParseOptions::default()
    };
    let err = kaitsu::layout_bytes(&bytes, &options).expect_err("cannot open");
    assert_eq!(err.kind(), kaitsu::ErrorKind::Corrupt, "{err}");
}

fn open_with(name: &str, password: &str) -> Result<String, kaitsu::Error> {
    let path = format!("{}/fixtures/textlayer/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let options = ParseOptions {
        passwords: vec![kaitsu::Secret::new(password)],
        ..ParseOptions::default()
    };
    kaitsu::layout_bytes(&bytes, &options).map(|d| d.to_text())
}

#[test]
fn a_direct_encrypt_dictionary_opens_with_the_user_or_owner_password() {
    for name in ["direct_encrypt_rc4_128.pdf", "direct_encrypt_aes_256.pdf"] {
        for password in ["user", "owner"] {
            let text = open_with(name, password).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(text.contains("Secret!"), "{name} with {password}: {text}");
        }
        let err = open_with(name, "wrong").expect_err("a wrong password must not open it");
        assert_eq!(err.kind(), kaitsu::ErrorKind::Encrypted, "{name}: {err}");
    }
}

#[test]
fn a_cut_direct_encrypt_file_never_panics() {
    let path = format!(
        "{}/fixtures/textlayer/direct_encrypt_rc4_128.pdf",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).expect("fixture");
    let options = ParseOptions {
        passwords: vec![kaitsu::Secret::new("user")],
        ..ParseOptions::default()
    };
    for cut in (0..bytes.len()).step_by(7) {
        let mut damaged = bytes.clone();
        damaged.truncate(cut);
        let _ = kaitsu::layout_bytes(&damaged, &options);
        let mut flipped = bytes.clone();
        if let Some(b) = flipped.get_mut(cut) {
            *b ^= 0x5a;
        }
        let _ = kaitsu::layout_bytes(&flipped, &options);
    }
}
