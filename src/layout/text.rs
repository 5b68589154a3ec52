//! Joining a chunk's glyphs into text: where is a space?
//!
//! One rule, read off the run's own geometry: a gap is a space when it is
//! wide against the run's usual gap between glyphs (its pitch). A space
//! glyph is a space. Between Latin letters a word gap is narrow
//! ([`LATIN_SPACE_GAP`]); a Japanese/Latin boundary carries the "autospace"
//! gap Writer and Word add, so only a wider gap counts there
//! ([`AUTOSPACE_GAP`]); between Japanese characters, which touch, a gap
//! that stands out of the run's pitch by [`CJK_WORD_GAP`] is a space (a
//! producer that draws glyph by glyph and leaves the space as a gap), while
//! the even gaps of a letter-spaced 均等割り付け label are the pitch itself.
//! A run with right-to-left letters (Hebrew, Arabic) is then put in
//! logical order ([`script::visual_to_logical`]).

use super::script::{self, is_cjk};
use super::{AUTOSPACE_GAP, Char, LATIN_SPACE_GAP};
use smallvec::SmallVec;
use std::borrow::Borrow;

/// Between two Japanese characters, a gap this many ems wider than the
/// run's pitch is a space. Touching glyphs have no gap at all; the
/// narrowest space drawn as a gap seen is about 0.16 em.
const CJK_WORD_GAP: f64 = 0.12;

/// The run's pitch between Japanese glyphs: the lower quartile of the gaps
/// between neighbouring Japanese glyphs, in points (0 for touching glyphs,
/// the letter spacing for a letter-spaced label). A run without a space
/// glyph between them only: a space glyph already says where words are.
fn pitch_gap<C: Borrow<Char>>(chars: &[C]) -> f64 {
    let is_cjk_char = |c: &Char| c.text.chars().next().is_some_and(is_cjk);
    // On the stack for a run of up to `INLINE_GAPS` gaps (almost every
    // chunk): this runs for every chunk joined.
    let mut gaps: SmallVec<[f64; INLINE_GAPS]> = SmallVec::new();
    // Each glyph looked up once, not once per pair it is in.
    let mut prev: Option<(&Char, bool)> = None;
    for c in chars {
        let c = c.borrow();
        let cjk = is_cjk_char(c);
        if let Some((p, true)) = prev
            && cjk
        {
            gaps.push((c.x0 - p.x1).max(0.0));
        }
        prev = Some((c, cjk));
    }
    if gaps.len() < 2 {
        return 0.0;
    }
    let quartile = gaps.len() / 4;
    let (_, q, _) = gaps.select_nth_unstable_by(quartile, f64::total_cmp);
    *q
}

/// Gaps of a run kept on the stack by [`pitch_gap`]; longer runs allocate.
const INLINE_GAPS: usize = 32;

/// Joins glyphs left to right, with a space where the page shows one (see
/// the module doc). Runs of spaces collapse. The glyphs are given as
/// values or by reference (a labelled value's, borrowed from its line).
pub fn join_chars<C: Borrow<Char>>(chars: &[C]) -> String {
    // Only a gap between two Japanese glyphs asks for the pitch: a run
    // without one (digits, an address) never works it out.
    let mut pitch: Option<f64> = None;
    let mut out = String::with_capacity(chars.iter().map(|c| c.borrow().text.len() + 1).sum());
    // The previous inked glyph, and whether its last character is Japanese.
    let mut prev: Option<(&Char, bool)> = None;
    for c in chars {
        let c = c.borrow();
        let text = c.text.as_str();
        if script::is_blank(text) {
            push_space(&mut out);
            continue;
        }
        // First and last character, each decoded once.
        let mut decoded = text.chars();
        let starts_cjk = decoded.next().is_some_and(is_cjk);
        let ends_cjk = decoded.next_back().map_or(starts_cjk, is_cjk);
        if let Some((p, ends_cjk)) = prev {
            let gap = c.x0 - p.x1;
            let em = p.size.min(c.size).max(f64::EPSILON);
            let across_scripts = ends_cjk != starts_cjk;
            let both_cjk = ends_cjk && starts_cjk;
            let space = if both_cjk {
                let pitch = *pitch.get_or_insert_with(|| pitch_gap(chars));
                gap - pitch > CJK_WORD_GAP * em
            } else if across_scripts {
                gap > AUTOSPACE_GAP * em
            } else {
                gap > LATIN_SPACE_GAP * em
            };
            if space {
                push_space(&mut out);
            }
        }
        push_text(&mut out, text);
        prev = Some((c, ends_cjk));
    }
    // Trimmed in place, not copied.
    let kept = out.trim_end().len();
    out.truncate(kept);
    let start = out.len() - out.trim_start().len();
    out.drain(..start);
    script::visual_to_logical(out)
}

/// A gap between Japanese glyphs within this many ems of the space
/// threshold (the pitch + `CJK_WORD_GAP`) could have gone either way: the
/// join is in doubt. Touching glyphs (0 em over the pitch) and the
/// narrowest space drawn as a gap seen (0.16 em) both lie outside it.
pub const SPACE_DOUBT_MARGIN: f64 = 0.03;

/// Whether `join_chars` decided a gap between two neighbouring Japanese
/// glyphs of `chars` (one chunk) both `inside` a value within
/// [`SPACE_DOUBT_MARGIN`] of its threshold: a space there may be missing or
/// extra. The notice layer records it as doubt on the value.
pub fn space_in_doubt(chars: &[Char], inside: impl Fn(&Char) -> bool) -> bool {
    let pitch = pitch_gap(chars);
    chars.windows(2).any(|w| {
        let (p, c) = (&w[0], &w[1]);
        let both_cjk =
            last_char(&p.text).is_some_and(is_cjk) && c.text.chars().next().is_some_and(is_cjk);
        let em = p.size.min(c.size).max(f64::EPSILON);
        both_cjk
            && inside(p)
            && inside(c)
            && ((c.x0 - p.x1) - pitch - CJK_WORD_GAP * em).abs() < SPACE_DOUBT_MARGIN * em
    })
}

fn last_char(s: &str) -> Option<char> {
    s.chars().last()
}

/// Appends a glyph's text: one byte or three (almost every glyph) copied
/// inline, not by a call to `memcpy` of an unknown length.
#[inline]
fn push_text(out: &mut String, text: &str) {
    match text.as_bytes() {
        [b] if b.is_ascii() => out.push(char::from(*b)),
        [_, _, _] => out.push_str(text),
        _ => out.push_str(text),
    }
}

fn push_space(out: &mut String) {
    if !out.is_empty() && !out.ends_with(' ') {
        out.push(' ');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Glyphs 10 pt wide from `x`, with `gaps[i]` points before glyph i+1.
    fn run(text: &str, gaps: &[f64]) -> Vec<Char> {
        let mut x = 0.0;
        text.chars()
            .enumerate()
            .map(|(i, c)| {
                if i > 0 {
                    x += gaps.get(i - 1).copied().unwrap_or(0.0);
                }
                let ch = Char {
                    text: c.to_string().into(),
                    x0: x,
                    x1: x + 10.0,
                    size: 10.0,
                    y0: 0.0,
                    y1: 10.0,
                };
                x += 10.0;
                ch
            })
            .collect()
    }

    #[test]
    fn a_gap_that_stands_out_between_japanese_glyphs_is_a_space() {
        assert_eq!(join_chars(&run("河野和也", &[0.0, 1.6, 0.0])), "河野 和也");
        // Below the threshold: kerning noise, not a space.
        assert_eq!(join_chars(&run("河野和也", &[0.0, 0.8, 0.0])), "河野和也");
    }

    #[test]
    fn a_gap_near_the_space_threshold_is_in_doubt() {
        let all = |_: &Char| true;
        // 0.12 em over a touching pitch: on the threshold.
        assert!(space_in_doubt(&run("青木翔太", &[0.0, 1.2, 0.0]), all));
        // Just inside the margin on either side.
        assert!(space_in_doubt(&run("青木翔太", &[0.0, 0.95, 0.0]), all));
        assert!(space_in_doubt(&run("青木翔太", &[0.0, 1.45, 0.0]), all));
        // Touching glyphs and a clear space are certain.
        assert!(!space_in_doubt(&run("青木翔太", &[0.0, 0.0, 0.0]), all));
        assert!(!space_in_doubt(&run("青木翔太", &[0.0, 1.6, 0.0]), all));
        assert!(!space_in_doubt(&run("青木翔太", &[0.0, 0.85, 0.0]), all));
        // Only gaps whose glyphs are both inside the value count.
        let chars = run("青木翔太", &[0.0, 1.2, 0.0]);
        assert!(!space_in_doubt(&chars, |c: &Char| c.x0 < 15.0));
        // Between Latin letters the Japanese rule does not apply.
        assert!(!space_in_doubt(&run("abcd", &[0.0, 1.2, 0.0]), all));
    }

    #[test]
    fn even_letter_spacing_is_no_space() {
        // Two glyphs alone cannot tell letter spacing from a word gap: a
        // label is matched without spaces anyway.
        assert_eq!(join_chars(&run("氏名", &[6.0])), "氏 名");
        assert_eq!(join_chars(&run("契約者名", &[6.0, 6.2, 5.9])), "契約者名");
        // A wider gap inside a letter-spaced run still stands out.
        assert_eq!(join_chars(&run("河野和也", &[3.0, 9.0, 3.0])), "河野 和也");
    }

    #[test]
    fn autospace_is_no_space_but_a_latin_word_gap_is() {
        assert_eq!(join_chars(&run("ID数", &[0.0, 2.5])), "ID数");
        assert_eq!(join_chars(&run("ab", &[2.5])), "a b");
    }
}
