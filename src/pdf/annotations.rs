//! Annotations as page content: what a viewer draws over the page.
//!
//! A person sees a filled form field, a FreeText note or a stamp exactly
//! like text printed on the page, so each visible annotation's normal
//! appearance (`/AP /N`, ISO 32000-1, 12.5.5) is drawn through the same
//! interpreter as the page. A text or choice field that has a value but no
//! appearance stream (a producer that sets `/NeedAppearances`) shows its
//! `/V` in its rectangle, as viewers build it. Annotations flagged hidden or
//! no-view (12.5.3) and pop-ups are not drawn.

use super::interpret::Interpreter;
use super::objects::{Source, as_dict, get, get_name, number, numbers, resolve};
use super::{PdfError, Rect};
use lopdf::{Dictionary, Object};

/// Annotation flags (ISO 32000-1, table 165): Hidden and NoView.
const FLAG_HIDDEN: i64 = 1 << 1;
const FLAG_NO_VIEW: i64 = 1 << 5;

/// Annotations read per page: a real page has a few dozen; a hostile one
/// could list millions.
const MAX_ANNOTATIONS_PER_PAGE: usize = 5_000;

/// How far up the `/Parent` chain a field's inherited entries are looked
/// for (ISO 32000-1, 12.7.3.1); a cycle stops here too.
const MAX_FIELD_DEPTH: usize = 32;

/// Draws every visible annotation of `page` through `interp`.
pub fn draw<'a>(interp: &mut Interpreter<'a, '_>, page: &'a Dictionary) -> Result<(), PdfError> {
    let doc = interp.document();
    let Some(Object::Array(annots)) = get(doc, page, b"Annots") else {
        return Ok(());
    };
    let page_resources = super::interpret::page_resources(doc, page);
    for annot in annots.iter().take(MAX_ANNOTATIONS_PER_PAGE) {
        let Some(dict) = resolve(doc, annot).and_then(as_dict) else {
            continue;
        };
        let flags = get(doc, dict, b"F").and_then(number).unwrap_or(0.0) as i64;
        if flags & (FLAG_HIDDEN | FLAG_NO_VIEW) != 0 {
            continue;
        }
        if matches!(get_name(doc, dict, b"Subtype"), Some(b"Popup" | b"Link")) {
            continue;
        }
        let Some(rect) = annotation_rect(doc, dict) else {
            continue;
        };
        if let Some(stream) = normal_appearance(doc, dict) {
            interp.draw_appearance(stream, rect, page_resources)?;
        } else if let Some(value) = field_value(doc, dict) {
            let size = inherited(doc, dict, b"DA")
                .and_then(|o| match o {
                    Object::String(bytes, _) => font_size_in_da(bytes),
                    _ => None,
                })
                .unwrap_or(0.0);
            interp.draw_field_value(&value, rect, size)?;
        }
    }
    Ok(())
}

/// The annotation's `/Rect`, normalised.
fn annotation_rect(doc: &Source, dict: &Dictionary) -> Option<Rect> {
    let v = match get(doc, dict, b"Rect")? {
        Object::Array(a) => numbers(doc, a)?,
        _ => return None,
    };
    let r = Rect::bounding(&[(*v.first()?, *v.get(1)?), (*v.get(2)?, *v.get(3)?)])?;
    (r.width() > 0.0 && r.height() > 0.0).then_some(r)
}

/// `/AP /N`: a stream, or a dictionary of states chosen by `/AS`.
fn normal_appearance<'a>(doc: &'a Source, dict: &'a Dictionary) -> Option<&'a lopdf::Stream> {
    let ap = get(doc, dict, b"AP").and_then(as_dict)?;
    match get(doc, ap, b"N")? {
        Object::Stream(s) => Some(s),
        Object::Dictionary(states) => {
            let state = get_name(doc, dict, b"AS")?;
            match resolve(doc, states.get(state).ok()?)? {
                Object::Stream(s) => Some(s),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The text a text or choice field shows, inherited through `/Parent`.
fn field_value(doc: &Source, dict: &Dictionary) -> Option<String> {
    let field_type = match inherited(doc, dict, b"FT")? {
        Object::Name(n) => n.as_slice(),
        _ => return None,
    };
    if !matches!(field_type, b"Tx" | b"Ch") {
        return None;
    }
    let text = match inherited(doc, dict, b"V")? {
        v @ Object::String(..) => lopdf::decode_text_string(v).ok()?,
        Object::Array(items) => items
            .iter()
            .filter_map(|i| lopdf::decode_text_string(i).ok())
            .collect::<Vec<_>>()
            .join(" "),
        _ => return None,
    };
    (!text.trim().is_empty()).then_some(text)
}

/// A field entry, looked up the `/Parent` chain.
fn inherited<'a>(doc: &'a Source, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    let mut current = dict;
    for _ in 0..MAX_FIELD_DEPTH {
        if let Some(v) = get(doc, current, key) {
            return Some(v);
        }
        current = get(doc, current, b"Parent").and_then(as_dict)?;
    }
    None
}

/// The size operand of `Tf` in a default-appearance string (`/Helv 12 Tf 0 g`).
fn font_size_in_da(da: &[u8]) -> Option<f64> {
    let text = String::from_utf8_lossy(da);
    let words: Vec<&str> = text.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "Tf")?;
    words.get(at.checked_sub(1)?)?.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn da_font_size() {
        assert_eq!(font_size_in_da(b"/Helv 12 Tf 0 g"), Some(12.0));
        assert_eq!(font_size_in_da(b"/F1 0 Tf"), Some(0.0));
        assert_eq!(font_size_in_da(b"Tf"), None);
        assert_eq!(font_size_in_da(b"0 g"), None);
    }
}
