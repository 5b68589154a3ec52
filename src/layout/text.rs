//! Joining a chunk's glyphs into text: where is a space?

use super::script::is_cjk;
use super::{AUTOSPACE_GAP, Char, LATIN_SPACE_GAP};

/// Joins glyphs left to right. A space glyph is a space; a gap is a space
/// when it is wider than a word gap, except between Japanese and Latin text
/// where only a gap wider than autospace counts. Runs of spaces collapse.
pub fn join_chars(chars: &[Char]) -> String {
    let mut out = String::new();
    let mut prev: Option<&Char> = None;
    for c in chars {
        if c.is_space() {
            push_space(&mut out);
            continue;
        }
        if let Some(p) = prev {
            let gap = c.x0 - p.x1;
            let em = p.size.min(c.size).max(f64::EPSILON);
            let across_scripts =
                last_char(&p.text).is_some_and(is_cjk) != c.text.chars().next().is_some_and(is_cjk);
            let both_cjk =
                last_char(&p.text).is_some_and(is_cjk) && c.text.chars().next().is_some_and(is_cjk);
            let threshold = if across_scripts || both_cjk {
                AUTOSPACE_GAP
            } else {
                LATIN_SPACE_GAP
            };
            if gap > threshold * em {
                push_space(&mut out);
            }
        }
        out.push_str(&c.text);
        prev = Some(c);
    }
    out.trim().to_string()
}

fn last_char(s: &str) -> Option<char> {
    s.chars().last()
}

fn push_space(out: &mut String) {
    if !out.is_empty() && !out.ends_with(' ') {
        out.push(' ');
    }
}
