//! Which boxes a page image shows, and where they come from.
//!
//! Three kinds, one function each, all giving [`LabelledBox`]es in the user
//! space of the unrotated page (the provenance contract's space):
//!
//! - **values**: each notice field's box. Read from the record's
//!   `provenance` object when it has one; a record without it (provenance
//!   is being added to the record in parallel) gets boxes found by looking
//!   each value's text up in the page's layout lines ([`locate_values`]).
//!   That fallback is the one thing to delete once every record carries
//!   provenance.
//! - **cells**: what the layout layer groups today: the chunks of each line.
//! - **glyphs**: every visible glyph from the PDF layer.
//!
//! Which fields are secrets is decided here once ([`is_secret_field`]) so
//! that drawing and the review page shade the same boxes.

use super::frame::PageFrame;
use crate::layout::{Chunk, Document as Layout};
use crate::output::Record;
use crate::pdf::PageContent;
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

/// Glyph ascent and descent as a share of the font size: a layout line
/// knows its baseline and size, not its glyphs' heights, so a chunk's box
/// is drawn this far above and below the baseline (typical CJK fonts:
/// ascent 0.88, descent 0.12).
const ASCENT: f64 = 0.88;
/// See [`ASCENT`].
const DESCENT: f64 = 0.12;

/// The boxes to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BoxKind {
    /// One box per notice value, labelled with its field.
    #[default]
    Values,
    /// One box per layout cell (a chunk of a line).
    Cells,
    /// One box per visible glyph.
    Glyphs,
}

/// One box on one page.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledBox {
    /// Page, from 1.
    pub page: u32,
    /// `[x0, y0, x1, y1]` in user space of the unrotated page.
    pub bbox: [f64; 4],
    /// The field path (`users[0].user_id`) for value boxes.
    pub field: Option<String>,
    /// True when the box covers a secret, which is shaded unless revealed.
    pub secret: bool,
}

/// True for the fields whose values are secrets: temporary passwords, their
/// readings (which spell them) and DNS auth passwords.
pub fn is_secret_field(path: &str) -> bool {
    ["temporary_password", "password_reading", "auth_password"]
        .iter()
        .any(|s| path.rsplit('.').next() == Some(s))
}

/// The value boxes of a record: its provenance when it has one, else the
/// values found in the layout. `revealed` must be the record built with
/// secrets shown (the text lookup needs the real text); nothing of its
/// values is returned, only where they are.
pub fn value_boxes(revealed: &Record, layout: &Layout, frames: &[PageFrame]) -> Vec<LabelledBox> {
    let mut from_provenance = provenance_boxes(revealed);
    if !from_provenance.is_empty() {
        from_provenance.extend(secret_region_boxes(layout));
        return from_provenance;
    }
    locate_values(revealed, layout, frames)
}

/// The notice's secret regions (the password and reading column bands, the
/// DNS auth password), shaded by position whatever the cells say, so a
/// misread row or a wrapped reading never shows.
fn secret_region_boxes(layout: &Layout) -> Vec<LabelledBox> {
    crate::notice::secret_regions(layout)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(page, r)| {
            let p = layout.page(page)?;
            // Bands open to the page edge are cut to the page.
            let r = crate::pdf::Rect {
                y0: r.y0.max(0.0),
                y1: r.y1.min(p.height),
                ..r
            };
            let u = p.to_user.apply_rect(&r);
            Some(LabelledBox {
                // The PDF page: a sheet of two columns is two layout pages.
                page: p.sheet,
                bbox: [u.x0, u.y0, u.x1, u.y1],
                field: None,
                secret: true,
            })
        })
        .collect()
}

/// The record's `provenance` object (see the provenance contract), read
/// through JSON so this compiles whether or not `Record` has the field yet.
pub fn provenance_boxes(record: &Record) -> Vec<LabelledBox> {
    let Ok(Value::Object(map)) = serde_json::to_value(record) else {
        return Vec::new();
    };
    map.get("provenance")
        .map(boxes_of_provenance)
        .unwrap_or_default()
}

/// The boxes of a `provenance` JSON object; malformed entries are skipped.
fn boxes_of_provenance(provenance: &Value) -> Vec<LabelledBox> {
    let Value::Object(prov) = provenance else {
        return Vec::new();
    };
    prov.iter()
        .filter_map(|(field, p)| {
            let page = u32::try_from(p.get("page")?.as_u64()?).ok()?;
            let b = p.get("bbox")?.as_array()?;
            let n = |i: usize| b.get(i).and_then(Value::as_f64);
            let bbox = [n(0)?, n(1)?, n(2)?, n(3)?];
            Some(LabelledBox {
                page,
                bbox,
                secret: is_secret_field(field),
                field: Some(field.clone()),
            })
        })
        .collect()
}

/// Every text value of the notice as `(field path, text)`, in record order.
fn field_values(record: &Record) -> Vec<(String, String)> {
    fn walk(path: &str, v: &Value, out: &mut Vec<(String, String)>) {
        match v {
            Value::String(s) => out.push((path.to_string(), s.clone())),
            Value::Object(m) => {
                for (k, v) in m {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(&p, v, out);
                }
            }
            Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    walk(&format!("{path}[{i}]"), v, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Some(notice) = &record.notice
        && let Ok(v) = serde_json::to_value(notice)
    {
        walk("", &v, &mut out);
    }
    out
}

/// Finds each value's text in the layout lines: first a cell whose whole
/// text is the value, else the first cell containing it. Values the page
/// does not spell as stored (ISO dates, roles) are simply not found.
pub fn locate_values(record: &Record, layout: &Layout, frames: &[PageFrame]) -> Vec<LabelledBox> {
    let cells: Vec<(u32, f64, f64, &Chunk, String)> = layout
        .lines()
        .flat_map(|line| {
            line.chunks
                .iter()
                .map(move |c| (line.page, line.baseline, line.size, c, c.compact()))
        })
        .collect();
    let mut out = Vec::new();
    let mut used = std::collections::BTreeSet::new();
    for (field, value) in field_values(record) {
        if is_secret_field(&field) {
            out.extend(secret_pieces(&cells, &value, frames));
        }
        let Some(wanted) = spellings(&value)
            .into_iter()
            .find(|w| cells.iter().any(|c| c.4.contains(w.as_str())))
        else {
            continue;
        };
        // A value repeated on the page (the contractor is also the first
        // user; the zone is the domain) goes to a cell not taken yet.
        let exact = |c: &&(u32, f64, f64, &Chunk, String)| c.4 == wanted;
        let within = |c: &&(u32, f64, f64, &Chunk, String)| c.4.contains(&wanted);
        let free = |i: &usize| !used.contains(i);
        let hit = (0..cells.len())
            .filter(free)
            .find(|&i| cells.get(i).as_ref().is_some_and(exact))
            .or_else(|| {
                (0..cells.len())
                    .filter(free)
                    .find(|&i| cells.get(i).as_ref().is_some_and(within))
            })
            .or_else(|| (0..cells.len()).find(|&i| cells.get(i).as_ref().is_some_and(exact)))
            .or_else(|| (0..cells.len()).find(|&i| cells.get(i).as_ref().is_some_and(within)));
        let Some((page, baseline, size, chunk, _)) = hit.and_then(|i| {
            used.insert(i);
            cells.get(i)
        }) else {
            continue;
        };
        let Some(frame) = frame_of(frames, *page) else {
            continue;
        };
        let Some((x0, x1)) = span_of(chunk, &wanted) else {
            continue;
        };
        out.push(LabelledBox {
            page: *page,
            bbox: line_box_to_user(frame, x0, x1, *baseline, *size),
            secret: is_secret_field(&field),
            field: Some(field),
        });
    }
    out
}

/// A run of text this short (in chars) that happens to occur inside a
/// secret is not taken for a piece of it unless it is all its cell holds:
/// two characters occur anywhere; three of a random password or of a
/// reading do not.
const MIN_SECRET_PIECE: usize = 3;

/// Boxes over every run of text that spells a piece of a secret, for a
/// secret wrapped over several lines (a long password reading fills two or
/// three lines of its cell) or run together with the next column's text:
/// the whole value is found on no one line, yet every line of it must be
/// shaded. Over-shading is harmless; a visible piece is not.
fn secret_pieces(
    cells: &[(u32, f64, f64, &Chunk, String)],
    value: &str,
    frames: &[PageFrame],
) -> Vec<LabelledBox> {
    let whole: String = value.nfkc().filter(|c| !c.is_whitespace()).collect();
    let mut out = Vec::new();
    for (page, baseline, size, chunk, compact) in cells {
        if compact == &whole {
            continue;
        }
        let Some(frame) = frame_of(frames, *page) else {
            continue;
        };
        let chars: Vec<_> = chunk
            .chars
            .iter()
            .filter(|c| !c.text.trim().is_empty())
            .collect();
        let text = |i: usize, j: usize| -> String {
            chars
                .get(i..j)
                .unwrap_or_default()
                .iter()
                .flat_map(|c| c.text.chars())
                .filter(|c| !c.is_whitespace())
                .collect()
        };
        let mut i = 0;
        while i < chars.len() {
            // The longest run from i that is a piece of the secret.
            let mut j = i;
            while j < chars.len() && whole.contains(text(i, j + 1).as_str()) {
                j += 1;
            }
            let n = j - i;
            // A short cell of its own is a reading's last line (`クス`);
            // short digits or letters alone are more likely a row number.
            let short_tail =
                n == chars.len() && !text(i, j).chars().all(|c| c.is_ascii_alphanumeric());
            if n > 0 && (n >= MIN_SECRET_PIECE || short_tail) {
                let run = chars.get(i..j).unwrap_or_default();
                let x0 = run.iter().map(|c| c.x0).fold(f64::INFINITY, f64::min);
                let x1 = run.iter().map(|c| c.x1).fold(f64::NEG_INFINITY, f64::max);
                // No field: a piece is shaded, not outlined or labelled.
                out.push(LabelledBox {
                    page: *page,
                    bbox: line_box_to_user(frame, x0, x1, *baseline, *size),
                    field: None,
                    secret: true,
                });
            }
            i = j.max(i + 1);
        }
    }
    out
}

/// How a value may be spelt on the page, compact and NFKC like layout
/// text: itself, and for an ISO date the ways notices print dates
/// (`2023年11月24日`, `2023/11/24`, `令和5年11月24日`, with or without zeros).
fn spellings(value: &str) -> Vec<String> {
    let compact: String = value.nfkc().filter(|c| !c.is_whitespace()).collect();
    let mut out = Vec::new();
    if let Ok(d) = compact.parse::<jiff::civil::Date>() {
        let (y, m, day) = (d.year(), d.month(), d.day());
        let mut years = vec![y.to_string()];
        // The Reiwa era began in 2019 (令和元年).
        if y >= 2019 {
            years.push(if y == 2019 {
                "令和元".to_string()
            } else {
                format!("令和{}", y - 2018)
            });
        }
        for y in &years {
            out.push(format!("{y}年{m}月{day}日"));
            out.push(format!("{y}年{m:02}月{day:02}日"));
        }
        out.push(format!("{y}/{m}/{day}"));
        out.push(format!("{y}/{m:02}/{day:02}"));
    }
    if !compact.is_empty() {
        out.push(compact);
    }
    out
}

/// The x extent of the chars of `chunk` that spell `wanted` (compact text).
fn span_of(chunk: &Chunk, wanted: &str) -> Option<(f64, f64)> {
    // Byte offset of each char's text in the compact string.
    let mut starts = Vec::with_capacity(chunk.chars.len());
    let mut compact = String::new();
    for c in &chunk.chars {
        starts.push(compact.len());
        compact.extend(c.text.chars().filter(|ch| !ch.is_whitespace()));
    }
    let at = compact.find(wanted)?;
    let end = at + wanted.len();
    let covered: Vec<_> = chunk
        .chars
        .iter()
        .zip(&starts)
        .filter(|(c, s)| **s < end && **s + c.text.len() > at && !c.text.trim().is_empty())
        .map(|(c, _)| c)
        .collect();
    let x0 = covered.iter().map(|c| c.x0).fold(f64::INFINITY, f64::min);
    let x1 = covered
        .iter()
        .map(|c| c.x1)
        .fold(f64::NEG_INFINITY, f64::max);
    (x0 < x1).then_some((x0, x1))
}

fn frame_of(frames: &[PageFrame], page: u32) -> Option<&PageFrame> {
    frames.get(usize::try_from(page).ok()?.checked_sub(1)?)
}

/// A run on a layout line (page coordinates, y down) → a user-space box.
fn line_box_to_user(frame: &PageFrame, x0: f64, x1: f64, baseline: f64, size: f64) -> [f64; 4] {
    frame.page_rect_to_user(&crate::pdf::Rect {
        x0,
        y0: baseline - size * ASCENT,
        x1,
        y1: baseline + size * DESCENT,
    })
}

/// One box per layout chunk ("cell" until the layout layer has real table
/// cells).
pub fn cell_boxes(layout: &Layout, frames: &[PageFrame]) -> Vec<LabelledBox> {
    layout
        .lines()
        .flat_map(|line| {
            line.chunks.iter().filter_map(move |c| {
                let frame = frame_of(frames, line.page)?;
                Some(LabelledBox {
                    page: line.page,
                    bbox: line_box_to_user(frame, c.x0(), c.x1(), line.baseline, line.size),
                    field: None,
                    secret: false,
                })
            })
        })
        .collect()
}

/// One box per visible glyph.
pub fn glyph_boxes(pages: &[PageContent], frames: &[PageFrame]) -> Vec<LabelledBox> {
    pages
        .iter()
        .flat_map(|p| {
            p.glyphs
                .iter()
                .filter(|g| g.hidden.is_none() && !g.text.trim().is_empty())
                .filter_map(|g| {
                    let frame = frame_of(frames, g.page)?;
                    Some(LabelledBox {
                        page: g.page,
                        bbox: frame.page_rect_to_user(&g.bbox),
                        field: None,
                        secret: false,
                    })
                })
        })
        .collect()
}

/// Marks as secret every box that overlaps a secret value's box, so a
/// glyph or cell box never shows what a shaded value box hides.
pub fn mark_secret_overlaps(boxes: &mut [LabelledBox], values: &[LabelledBox]) {
    for b in boxes.iter_mut() {
        b.secret |= values
            .iter()
            .filter(|v| v.secret && v.page == b.page)
            .any(|v| overlaps(&v.bbox, &b.bbox));
    }
}

fn overlaps(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_fields_are_named_once() {
        assert!(is_secret_field("users[3].temporary_password"));
        assert!(is_secret_field("users[0].password_reading"));
        assert!(is_secret_field("dns.auth_password"));
        assert!(!is_secret_field("dns.auth_id"));
        assert!(!is_secret_field("temporary_password_expiry"));
    }

    #[test]
    fn provenance_is_read_as_the_contract_writes_it() {
        let prov = serde_json::json!({
            "customer_number": {"page": 1, "bbox": [10.0, 20.0, 30.0, 40.0]},
            "users[0].temporary_password": {"page": 2, "bbox": [1, 2, 3, 4]},
            "broken": {"page": 1, "bbox": [1, 2]},
            "no_page": {"bbox": [1, 2, 3, 4]}
        });
        let boxes = boxes_of_provenance(&prov);
        assert_eq!(boxes.len(), 2);
        assert_eq!(boxes[0].field.as_deref(), Some("customer_number"));
        assert_eq!(
            (boxes[0].page, boxes[0].bbox),
            (1, [10.0, 20.0, 30.0, 40.0])
        );
        assert!(!boxes[0].secret);
        assert!(boxes[1].secret);
        assert!(boxes_of_provenance(&serde_json::json!([1, 2])).is_empty());
    }

    #[test]
    fn dates_are_looked_up_as_notices_print_them() {
        let s = spellings("2023-11-04");
        for want in [
            "2023年11月4日",
            "令和5年11月4日",
            "2023/11/04",
            "2023-11-04",
        ] {
            assert!(s.iter().any(|x| x == want), "{want} in {s:?}");
        }
        assert_eq!(spellings("ID 12"), ["ID12"]);
        assert!(spellings(" ").is_empty());
    }

    #[test]
    fn a_value_spans_only_its_own_chars() {
        let ch = |t: &str, x0: f64| crate::layout::Char {
            text: t.into(),
            x0,
            x1: x0 + 5.0,
            size: 10.0,
            y0: 0.0,
            y1: 10.0,
        };
        let chunk = Chunk {
            chars: vec![
                ch("I", 0.0),
                ch("D", 5.0),
                ch(":", 10.0),
                ch("a", 20.0),
                ch("b", 25.0),
            ],
        };
        assert_eq!(span_of(&chunk, "ab"), Some((20.0, 30.0)));
        assert_eq!(span_of(&chunk, "zz"), None);
    }

    #[test]
    fn every_line_of_a_wrapped_secret_is_shaded() {
        let chunk = |text: &str, x0: f64| Chunk {
            chars: text
                .chars()
                .enumerate()
                .map(|(i, c)| crate::layout::Char {
                    text: c.to_string().into(),
                    x0: x0 + 10.0 * i as f64,
                    x1: x0 + 10.0 * (i + 1) as f64,
                    size: 10.0,
                    y0: 0.0,
                    y1: 10.0,
                })
                .collect(),
        };
        // Line 1 runs into the user ID before it; line 2 is the short tail;
        // "2" is a row number that happens to be in no reading.
        let (c1, c2, c3) = (
            chunk("a@b.jpドル・エー", 0.0),
            chunk("クス", 60.0),
            chunk("2", 0.0),
        );
        let cells = vec![
            (1, 100.0, 10.0, &c1, c1.compact()),
            (1, 112.0, 10.0, &c2, c2.compact()),
            (1, 124.0, 10.0, &c3, c3.compact()),
        ];
        let frames = [PageFrame::new([0.0, 0.0, 500.0, 500.0], 0)];
        let pieces = secret_pieces(&cells, "ドル・エー・クス", &frames);
        let xs: Vec<[f64; 2]> = pieces.iter().map(|b| [b.bbox[0], b.bbox[2]]).collect();
        // "ドル・エー" is chars 6..11 of line 1; "クス" all of line 2.
        assert_eq!(xs, [[60.0, 110.0], [60.0, 80.0]]);
        assert!(pieces.iter().all(|b| b.secret && b.field.is_none()));
    }

    #[test]
    fn boxes_over_a_secret_are_secret() {
        let secret = LabelledBox {
            page: 1,
            bbox: [10.0, 10.0, 50.0, 20.0],
            field: Some("users[0].temporary_password".into()),
            secret: true,
        };
        let glyph = |x: f64, page| LabelledBox {
            page,
            bbox: [x, 12.0, x + 4.0, 18.0],
            field: None,
            secret: false,
        };
        let mut boxes = vec![glyph(12.0, 1), glyph(60.0, 1), glyph(12.0, 2)];
        mark_secret_overlaps(&mut boxes, &[secret]);
        let marked: Vec<bool> = boxes.iter().map(|b| b.secret).collect();
        assert_eq!(marked, [true, false, false]);
    }
}
