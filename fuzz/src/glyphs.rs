//! A compact byte encoding of glyph streams, for fuzzing the layout and
//! notice layers without the PDF layer in front of them.
//!
//! Shared (through `#[path]`) by the `layout_notice` fuzz target, the seed
//! generator and the main crate's `tests/fuzz_regressions.rs`, so a crasher
//! file replays exactly as the fuzzer saw it.
//!
//! The input is a sequence of records; a record cut short ends the input.
//! Each starts with one op byte, taken modulo 4:
//!
//! - `0`, new page: width `u16`, height `u16` (points);
//! - `1`, glyph: text length `u8`, text bytes (lossy UTF-8), `x0`, `x1`,
//!   baseline `y` as `i16` tenths of a point, size `u16` hundredths of a
//!   point, flags `u8` (hidden reason = flags % 5);
//! - `2`, glyph with raw values: as `1`, but `x0`, `x1`, `y`, size as
//!   little-endian `f64` (NaN, infinities, huge values);
//! - `3`, image: `x0`, `y0`, `x1`, `y1` as `i16` points.
//!
//! A glyph before any page opens page 1, A4.

#![allow(dead_code)]

use kaitsu::pdf::{Glyph, Hidden, PageContent, Rect};
use std::sync::Arc;

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn bytes(&mut self, n: usize) -> Option<&[u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.bytes(1).map(|b| b[0])
    }
    fn u16(&mut self) -> Option<u16> {
        self.bytes(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }
    fn i16(&mut self) -> Option<i16> {
        self.bytes(2).map(|b| i16::from_le_bytes([b[0], b[1]]))
    }
    fn f64(&mut self) -> Option<f64> {
        let b = self.bytes(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Some(f64::from_le_bytes(a))
    }
}

fn hidden_of(flags: u8) -> Option<Hidden> {
    match flags % 5 {
        1 => Some(Hidden::RenderMode),
        2 => Some(Hidden::WhiteFill),
        3 => Some(Hidden::Clipped),
        4 => Some(Hidden::OffPage),
        _ => None,
    }
}

fn flags_of(hidden: Option<Hidden>) -> u8 {
    match hidden {
        None => 0,
        Some(Hidden::RenderMode) => 1,
        Some(Hidden::WhiteFill) => 2,
        Some(Hidden::Clipped) => 3,
        Some(Hidden::OffPage) => 4,
    }
}

fn glyph(text: String, x0: f64, x1: f64, y: f64, size: f64, flags: u8, page: u32) -> Glyph {
    Glyph {
        text: text.into(),
        bbox: Rect {
            x0,
            y0: y - 0.8 * size,
            x1,
            y1: y + 0.2 * size,
        },
        origin: (x0, y),
        size,
        font: Arc::from("Fuzz"),
        hidden: hidden_of(flags),
        page,
        opacity: 1.0,
        ..Glyph::default()
    }
}

/// Decodes fuzz bytes into pages.
pub fn decode(data: &[u8]) -> Vec<PageContent> {
    let mut r = Reader(data);
    let mut pages: Vec<PageContent> = Vec::new();
    fn current(pages: &mut Vec<PageContent>) -> &mut PageContent {
        if pages.is_empty() {
            pages.push(PageContent {
                number: 1,
                width: 595.0,
                height: 842.0,
                ..PageContent::default()
            });
        }
        let last = pages.len() - 1;
        &mut pages[last]
    }
    while let Some(op) = r.u8() {
        match op % 4 {
            0 => {
                let (Some(w), Some(h)) = (r.u16(), r.u16()) else {
                    break;
                };
                let number = pages.len() as u32 + 1;
                pages.push(PageContent {
                    number,
                    width: f64::from(w),
                    height: f64::from(h),
                    ..PageContent::default()
                });
            }
            1 | 2 => {
                let raw = op % 4 == 2;
                let Some(len) = r.u8() else { break };
                let Some(text) = r.bytes(usize::from(len)) else {
                    break;
                };
                let text = String::from_utf8_lossy(text).into_owned();
                let values = if raw {
                    (|| Some((r.f64()?, r.f64()?, r.f64()?, r.f64()?)))()
                } else {
                    (|| {
                        Some((
                            f64::from(r.i16()?) / 10.0,
                            f64::from(r.i16()?) / 10.0,
                            f64::from(r.i16()?) / 10.0,
                            f64::from(r.u16()?) / 100.0,
                        ))
                    })()
                };
                let (Some((x0, x1, y, size)), Some(flags)) = (values, r.u8()) else {
                    break;
                };
                let page = current(&mut pages);
                let g = glyph(text, x0, x1, y, size, flags, page.number);
                page.glyphs.push(g);
            }
            _ => {
                let (Some(x0), Some(y0), Some(x1), Some(y1)) = (r.i16(), r.i16(), r.i16(), r.i16())
                else {
                    break;
                };
                current(&mut pages).images.push(Rect {
                    x0: f64::from(x0),
                    y0: f64::from(y0),
                    x1: f64::from(x1),
                    y1: f64::from(y1),
                });
            }
        }
    }
    pages
}

fn tenths(v: f64) -> [u8; 2] {
    ((v * 10.0).round().clamp(-32768.0, 32767.0) as i16).to_le_bytes()
}

/// Encodes pages (from a real PDF) as fuzz bytes: the seed corpus.
pub fn encode(pages: &[PageContent]) -> Vec<u8> {
    let mut out = Vec::new();
    for page in pages {
        out.push(0);
        out.extend_from_slice(&(page.width.clamp(0.0, 65535.0) as u16).to_le_bytes());
        out.extend_from_slice(&(page.height.clamp(0.0, 65535.0) as u16).to_le_bytes());
        for g in &page.glyphs {
            let mut text = g.text.as_bytes();
            if text.len() > 255 {
                text = &text[..255];
            }
            out.push(1);
            out.push(text.len() as u8);
            out.extend_from_slice(text);
            out.extend_from_slice(&tenths(g.bbox.x0));
            out.extend_from_slice(&tenths(g.bbox.x1));
            out.extend_from_slice(&tenths(g.origin.1));
            out.extend_from_slice(
                &((g.size * 100.0).round().clamp(0.0, 65535.0) as u16).to_le_bytes(),
            );
            out.push(flags_of(g.hidden));
        }
        for im in &page.images {
            out.push(3);
            for v in [im.x0, im.y0, im.x1, im.y1] {
                out.extend_from_slice(&(v.round().clamp(-32768.0, 32767.0) as i16).to_le_bytes());
            }
        }
    }
    out
}
