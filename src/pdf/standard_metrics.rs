//! Advance widths of the standard 14 fonts for printable ASCII.
//!
//! A non-embedded standard font (reportlab's Helvetica) may come without a
//! `/Widths` array; readers then use the fonts' published AFM metrics. Only
//! codes 32–126 are listed: notices write Japanese in CID fonts, so ASCII is
//! all a standard font carries here. Bold and oblique faces reuse the
//! regular widths, close enough for placing glyphs in table cells.

/// Helvetica AFM widths, codes 32..=126.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/// Times-Roman AFM widths, codes 32..=126.
const TIMES_ROMAN: [u16; 95] = [
    250, 333, 408, 500, 500, 833, 778, 180, 333, 333, 500, 564, 250, 333, 250, 278, 500, 500, 500,
    500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444, 921, 722, 667, 667, 722, 611,
    556, 722, 722, 333, 389, 722, 611, 889, 722, 722, 556, 722, 667, 556, 611, 722, 722, 944, 722,
    722, 611, 333, 278, 333, 469, 500, 333, 444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500,
    278, 778, 500, 500, 500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444, 480, 200, 480, 541,
];

/// Widths for codes 32..=126 of a standard font, by its `/BaseFont` name.
pub fn standard_font_widths(base_font: &str) -> Option<Vec<f64>> {
    // A subset tag ("ABCDEF+") never appears on a non-embedded font, but
    // Arial is a common alias of Helvetica.
    let table: &[u16] = if base_font.starts_with("Helvetica") || base_font.starts_with("Arial") {
        &HELVETICA
    } else if base_font.starts_with("Times") {
        &TIMES_ROMAN
    } else if base_font.starts_with("Courier") {
        &[600; 95]
    } else {
        return None;
    };
    Some(table.iter().map(|&w| f64::from(w)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_widths() {
        let h = standard_font_widths("Helvetica").unwrap_or_default();
        assert_eq!(h.len(), 95);
        assert_eq!(h[usize::from(b'A' - 32)], 667.0);
        assert_eq!(h[usize::from(b'i' - 32)], 222.0);
        assert!(standard_font_widths("IPAexGothic").is_none());
    }
}
