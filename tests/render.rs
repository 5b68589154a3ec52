//! Page images: every value's box lands on that value's ink.
//!
//! A box is checked against the rendered page, not against numbers copied
//! from a run: the pixels under a value's box must be dark where its text
//! is (much darker than the page on average), on every fixture notice, and
//! still after the page is given a `/Rotate` and a crop box not at `0 0`.
#![cfg(feature = "render")]

use kaitsu::ParseOptions;
use kaitsu::output::Record;
use kaitsu::render::{self, BoxKind, Canvas, Document, LabelledBox};
use std::path::Path;

/// A pixel darker than this (0–255 luma) is ink.
const INK: u32 = 160;
/// A value box must hold at least this share of ink pixels...
const MIN_INK_IN_BOX: f64 = 0.04;
/// ...and at least this many times the page's share (full-width Latin
/// text, `ｈｔｔｐｓ：／／`, is sparse: about 1.7 times the page).
const MIN_CONTRAST: f64 = 1.5;
/// A box taller than this (points) spans several lines of a wrapped cell.
const MULTI_LINE_HEIGHT: f64 = 13.0;
/// Render scale for the checks.
const SCALE: f64 = 1.5;

fn ink_share(c: &Canvas, [l, t, r, b]: [f64; 4]) -> f64 {
    let (x0, y0) = (l.max(0.0) as u32, t.max(0.0) as u32);
    let (x1, y1) = (
        r.min(f64::from(c.width)) as u32,
        b.min(f64::from(c.height)) as u32,
    );
    let (mut ink, mut all) = (0u64, 0u64);
    for y in y0..y1 {
        for x in x0..x1 {
            if let Some([r, g, b, _]) = c.pixel(x, y) {
                all += 1;
                let luma = (u32::from(r) * 30 + u32::from(g) * 59 + u32::from(b) * 11) / 100;
                if luma < INK {
                    ink += 1;
                }
            }
        }
    }
    if all == 0 {
        0.0
    } else {
        ink as f64 / all as f64
    }
}

/// Checks every value box of a PDF; returns how many were checked.
fn check_boxes(name: &str, bytes: &[u8]) -> usize {
    let options = ParseOptions::default();
    let Ok(notice) = kaitsu::parse_bytes(bytes, &options) else {
        return 0;
    };
    let revealed = Record::success(name, &notice, true);
    let doc = Document::open(bytes, &[]).unwrap_or_else(|e| panic!("{name}: {e}"));
    let found = render::collect_boxes(
        BoxKind::Values,
        bytes,
        &options,
        Some(&revealed),
        doc.frames(),
    );
    assert!(!found.values.is_empty(), "{name}: no value box at all");
    let mut checked = 0;
    for (i, frame) in doc.frames().iter().enumerate() {
        let page = i as u32 + 1;
        // Value boxes (pieces of wrapped secrets, which have no field, are
        // only shaded).
        let on_page: Vec<&LabelledBox> = found
            .values
            .iter()
            .filter(|b| b.page == page && b.field.is_some())
            .collect();
        if on_page.is_empty() {
            continue;
        }
        let canvas = doc
            .rasterise(page, SCALE)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let page_share = ink_share(
            &canvas,
            [0.0, 0.0, f64::from(canvas.width), f64::from(canvas.height)],
        );
        for b in on_page {
            let r = frame.bbox_to_pixels(b.bbox, SCALE);
            let share = ink_share(&canvas, r);
            let field = b.field.as_deref().unwrap_or("?");
            // A cell wrapped over several lines holds their leading: only
            // its ink is asked for (tests/corpus.rs checks its glyphs).
            let multi_line = b.bbox[3] - b.bbox[1] > MULTI_LINE_HEIGHT;
            assert!(
                share >= MIN_INK_IN_BOX && (multi_line || share >= MIN_CONTRAST * page_share),
                "{name} page {page} {field}: ink {share:.3} in its box {r:?}, page {page_share:.3}"
            );
            checked += 1;
        }
    }
    checked
}

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
        .filter_map(|p| {
            let name = p.file_name()?.to_string_lossy().into_owned();
            Some((name, std::fs::read(&p).ok()?))
        })
        .collect();
    out.sort();
    out
}

/// Fonts that reportlab's notices name but do not embed need a Japanese
/// font on the machine (`.ci/run` installs one); without it, their glyphs
/// are drawn in a Latin stand-in and ink can fall outside a box.
fn renders_faithfully(name: &str) -> bool {
    !name.starts_with("rl_") && !name.starts_with("qpdf_objstm_from_rksj")
        || Path::new("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf").exists()
}

#[test]
fn every_value_box_lies_on_its_text() {
    let mut total = 0;
    let mut files = 0;
    for (name, bytes) in fixtures() {
        if !renders_faithfully(&name) {
            continue;
        }
        let n = check_boxes(&name, &bytes);
        files += usize::from(n > 0);
        total += n;
    }
    // Most fixtures are notices; each has tens of values.
    assert!(files >= 40, "only {files} notices checked");
    assert!(total >= 400, "only {total} boxes checked");
}

/// The same page with `/Rotate` set and its crop box moved off `0 0`.
fn rotated(bytes: &[u8], degrees: i64) -> Vec<u8> {
    let mut doc = lopdf::Document::load_mem(bytes).unwrap_or_else(|e| panic!("{e}"));
    let pages: Vec<_> = doc.get_pages().into_values().collect();
    for id in pages {
        let media = doc
            .get_dictionary(id)
            .ok()
            .and_then(|d| d.get(b"MediaBox").ok())
            .and_then(|o| o.as_array().ok())
            .map(|a| {
                a.iter()
                    .filter_map(|o| o.as_float().ok())
                    .collect::<Vec<f32>>()
            })
            .unwrap_or_else(|| vec![0.0, 0.0, 595.0, 842.0]);
        let [x0, y0, x1, y1] = [media[0], media[1], media[2], media[3]];
        let page = doc
            .get_object_mut(id)
            .and_then(lopdf::Object::as_dict_mut)
            .unwrap_or_else(|e| panic!("{e}"));
        page.set("Rotate", degrees);
        // Margins are blank, so a few points off each side crops no text.
        page.set(
            "CropBox",
            vec![
                (x0 + 6.0).into(),
                (y0 + 9.0).into(),
                (x1 - 4.0).into(),
                (y1 - 3.0).into(),
            ],
        );
    }
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap_or_else(|e| panic!("{e}"));
    out
}

#[test]
fn boxes_follow_rotate_and_a_moved_crop_box() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus/calc_ipaex_address_dns.pdf");
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{e}"));
    for degrees in [0, 90, 180, 270] {
        let turned = rotated(&bytes, degrees);
        let doc = Document::open(&turned, &[]).unwrap_or_else(|e| panic!("{e}"));
        let (w, h) = doc.frames()[0].shown_size();
        assert_eq!(w > h, degrees % 180 == 90, "{degrees}: shown {w}x{h}");
        assert!(check_boxes(&format!("rotate {degrees}"), &turned) >= 10);
    }
}

#[test]
fn secrets_are_shaded_unless_revealed() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus/calc_ipaex_address_dns.pdf");
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{e}"));
    let decode = |png: Vec<u8>| {
        let dec = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = dec.read_info().unwrap_or_else(|e| panic!("{e}"));
        let mut buf = vec![0; reader.output_buffer_size().unwrap_or(0)];
        let info = reader
            .next_frame(&mut buf)
            .unwrap_or_else(|e| panic!("{e}"));
        Canvas {
            width: info.width,
            height: info.height,
            rgba: buf,
        }
    };
    let render = |reveal| {
        let options = render::RenderOptions {
            reveal,
            scale: SCALE,
            ..Default::default()
        };
        decode(
            render::render_png(&bytes, &ParseOptions::default(), &options)
                .unwrap_or_else(|e| panic!("{e}")),
        )
    };
    let (hidden, shown) = (render(false), render(true));
    let notice =
        kaitsu::parse_bytes(&bytes, &ParseOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let revealed = Record::success("x", &notice, true);
    let doc = Document::open(&bytes, &[]).unwrap_or_else(|e| panic!("{e}"));
    let found = render::collect_boxes(
        BoxKind::Values,
        &bytes,
        &ParseOptions::default(),
        Some(&revealed),
        doc.frames(),
    );
    let secrets: Vec<_> = found
        .values
        .iter()
        .filter(|b| b.secret && b.page == 1)
        .collect();
    assert!(secrets.len() >= 2, "passwords of the users: {secrets:?}");
    for b in secrets {
        let r = doc.frames()[0].bbox_to_pixels(b.bbox, SCALE);
        // Shaded: every pixel inside is the shade colour.
        let (cx, cy) = (((r[0] + r[2]) / 2.0) as u32, ((r[1] + r[3]) / 2.0) as u32);
        assert_eq!(
            hidden.pixel(cx, cy),
            Some([0x40, 0x40, 0x40, 0xff]),
            "{:?}",
            b.field
        );
        // Inset by a pixel: the fill rounds its edges.
        let inner = [r[0] + 1.0, r[1] + 1.0, r[2] - 1.0, r[3] - 1.0];
        assert!(ink_share(&hidden, inner) > 0.99);
        // Revealed: the text shows, light and dark pixels mixed.
        let share = ink_share(&shown, r);
        assert!(share > 0.02 && share < 0.9, "{:?}: {share}", b.field);
    }
}
