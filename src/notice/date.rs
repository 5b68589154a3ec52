//! Dates as notices print them → `jiff::civil::Date`.
//!
//! Forms seen: `2023/9/1`, `2023-09-01`, `2023.9.1`, `2023年9月1日`,
//! `令和5年9月1日`, `令和元年…`, `平成31年…`, each possibly full-width (we read
//! after NFKC) and followed by a weekday `(金)`. Japanese eras are
//! converted by their first year (令和 1 = 2019, 平成 1 = 1989).

use jiff::civil::Date;
// regex-lite for the expiry sentences (`super::EXPIRY`), which embed
// DATE_PATTERN and are anchored where their first words are. A date alone
// (`find_date`) is matched by hand: the pattern's PikeVM cost ~20 k
// instructions per value, the hand matcher a few hundred (a test compares
// the two on generated strings).
#[cfg(test)]
use regex_lite::Regex;
#[cfg(test)]
use std::sync::LazyLock;

/// A date pattern, usable inside larger patterns. Groups: era, era year,
/// western year, month, day (named).
pub const DATE_PATTERN: &str = r"(?:(?P<era>令和|平成|R|H) *(?P<eyear>元|[0-9]{1,2}) *年|(?P<year>[0-9]{4}) *(?:年|/|-|\.)) *(?P<month>[0-9]{1,2}) *(?:月|/|-|\.) *(?P<day>[0-9]{1,2}) *日?";

#[cfg(test)]
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(DATE_PATTERN).unwrap_or_else(|e| unreachable!("DATE_PATTERN is valid: {e}"))
});

/// The first date in `text` (normalised), if any: the first match of
/// `DATE_PATTERN` (this module) that is a real date, searching on after the end of a
/// match that is not (as the pattern's `captures_iter` would).
pub fn find_date(text: &str) -> Option<Date> {
    let mut from = 0;
    while let Some(m) = next_date_match(text, from) {
        if let Some(date) = date_from_groups(|name| m.group(name)) {
            return Some(date);
        }
        from = m.end;
    }
    None
}

/// One match of [`DATE_PATTERN`]: byte ranges of its groups in `text`.
#[derive(Debug, Clone, PartialEq)]
struct DateMatch<'t> {
    start: usize,
    end: usize,
    era: Option<&'t str>,
    eyear: Option<&'t str>,
    year: Option<&'t str>,
    month: &'t str,
    day: &'t str,
}

impl<'t> DateMatch<'t> {
    /// A named group, as `regex_lite::Captures::name` gives it.
    fn group(&self, name: &str) -> Option<&'t str> {
        match name {
            "era" => self.era,
            "eyear" => self.eyear,
            "year" => self.year,
            "month" => Some(self.month),
            "day" => Some(self.day),
            _ => None,
        }
    }
}

/// The leftmost match of [`DATE_PATTERN`] starting at or after byte `from`,
/// with the pattern's leftmost-first preferences. Every quantifier there
/// is followed by something its own item cannot be (a space run by a
/// non-space, a one-or-two digit run by a non-digit), so taking as much
/// as it can is the only choice that can succeed: no backtracking.
fn next_date_match(text: &str, from: usize) -> Option<DateMatch<'_>> {
    let bytes = text.as_bytes();
    // A match starts with 令, 平, R, H or a digit: an ASCII byte or the
    // lead byte of a three-byte character, never a continuation byte.
    (from..bytes.len()).find_map(|start| date_match_at(text, start))
}

/// [`DATE_PATTERN`] anchored at byte `start`.
fn date_match_at(text: &str, start: usize) -> Option<DateMatch<'_>> {
    let b = text.as_bytes();
    let (mut era, mut eyear, mut year) = (None, None, None);
    let mut i;
    let era_len = if starts(b, start, "令和") || starts(b, start, "平成") {
        "令和".len()
    } else if matches!(b.get(start), Some(b'R' | b'H')) {
        1
    } else {
        0
    };
    if era_len > 0 {
        era = text.get(start..start + era_len);
        i = spaces(b, start + era_len);
        let eyear_start = i;
        if starts(b, i, "元") {
            i += "元".len();
        } else {
            i = digits(b, i, 2)?;
        }
        eyear = text.get(eyear_start..i);
        i = spaces(b, i);
        if !starts(b, i, "年") {
            return None;
        }
        i += "年".len();
    } else {
        let end = digits(b, start, 4)?;
        if end - start != 4 {
            return None;
        }
        year = text.get(start..end);
        i = separator(b, spaces(b, end), "年")?;
    }
    let month_start = spaces(b, i);
    let month_end = digits(b, month_start, 2)?;
    i = separator(b, spaces(b, month_end), "月")?;
    let day_start = spaces(b, i);
    let day_end = digits(b, day_start, 2)?;
    let mut end = spaces(b, day_end);
    if starts(b, end, "日") {
        end += "日".len();
    }
    Some(DateMatch {
        start,
        end,
        era,
        eyear,
        year,
        month: text.get(month_start..month_end)?,
        day: text.get(day_start..day_end)?,
    })
}

/// Whether `b` holds `lit` at byte `i`.
fn starts(b: &[u8], i: usize, lit: &str) -> bool {
    b.get(i..)
        .is_some_and(|rest| rest.starts_with(lit.as_bytes()))
}

/// The end of the run of spaces at byte `i` (` *`).
fn spaces(b: &[u8], mut i: usize) -> usize {
    while b.get(i) == Some(&b' ') {
        i += 1;
    }
    i
}

/// The end of one to `max` ASCII digits at byte `i` (`[0-9]{1,max}`),
/// `None` for none.
fn digits(b: &[u8], i: usize, max: usize) -> Option<usize> {
    let n = b
        .get(i..)
        .unwrap_or_default()
        .iter()
        .take(max)
        .take_while(|c| c.is_ascii_digit())
        .count();
    (n > 0).then_some(i + n)
}

/// Past `(?:KANJI|/|-|\.)` at byte `i`.
fn separator(b: &[u8], i: usize, kanji: &str) -> Option<usize> {
    if starts(b, i, kanji) {
        Some(i + kanji.len())
    } else if matches!(b.get(i), Some(b'/' | b'-' | b'.')) {
        Some(i + 1)
    } else {
        None
    }
}

/// Builds a date from a match of [`DATE_PATTERN`] inside a larger `regex`.
pub fn date_from_captures(c: &regex_lite::Captures<'_>) -> Option<Date> {
    date_from_groups(|name| c.name(name).map(|m| m.as_str()))
}

/// Builds a date from the named groups of a match of [`DATE_PATTERN`].
fn date_from_groups<'h>(group: impl Fn(&str) -> Option<&'h str>) -> Option<Date> {
    let year: i16 = if let Some(era) = group("era") {
        let base: i16 = match era {
            "令和" | "R" => 2018,
            "平成" | "H" => 1988,
            _ => return None,
        };
        let eyear = group("eyear")?;
        let n: i16 = if eyear == "元" {
            1
        } else {
            eyear.parse().ok()?
        };
        base + n
    } else {
        group("year")?.parse().ok()?
    };
    let month: i8 = group("month")?.parse().ok()?;
    let day: i8 = group("day")?.parse().ok()?;
    Date::new(year, month, day).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<String> {
        find_date(s).map(|d| d.to_string())
    }

    #[test]
    fn forms() {
        assert_eq!(d("2023/9/1").as_deref(), Some("2023-09-01"));
        assert_eq!(d("2023 年 4 月 1 日").as_deref(), Some("2023-04-01"));
        assert_eq!(d("令和5年6月1日").as_deref(), Some("2023-06-01"));
        assert_eq!(d("令和元年5月1日").as_deref(), Some("2019-05-01"));
        assert_eq!(d("2025年6月27日(金)").as_deref(), Some("2025-06-27"));
        assert_eq!(d("2024-02-01").as_deref(), Some("2024-02-01"));
        assert_eq!(d("2023/2/30"), None);
        assert_eq!(d("なし"), None);
    }

    /// The hand matcher finds every match the pattern does, with the same
    /// span and groups, and `find_date` the same date, on 200 000 strings:
    /// date-shaped ones with every part drawn from the pattern's pieces and
    /// their near misses (digit runs of 0 to 5, wrong separators, spaces),
    /// one or two in a row among other text, and a fifth of them plain
    /// sequences of those pieces.
    #[test]
    fn the_hand_matcher_agrees_with_the_pattern() {
        let pieces = [
            "令和", "平成", "令", "成", "R", "H", "r", "元", "年", "月", "日", "/", "-", ".", " ",
            " ", "0", "1", "2", "3", "9", "12", "2023", "31", "x", "あ", "(金)", ":", "\n",
        ];
        // A small linear congruential generator: the same strings every run.
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize % n
        };
        let pick = |next: &mut dyn FnMut(usize) -> usize, from: &[&'static str]| -> &'static str {
            from[next(from.len())]
        };
        let digits = |next: &mut dyn FnMut(usize) -> usize, most: usize| -> String {
            let n = next(most + 1);
            (0..n).map(|_| char::from(b'0' + next(10) as u8)).collect()
        };
        let spaces = |next: &mut dyn FnMut(usize) -> usize| " ".repeat(next(4) / 2);
        let (mut matched, mut dated) = (0, 0);
        for _ in 0..200_000 {
            let mut text = String::new();
            if next(5) == 0 {
                for _ in 0..1 + next(14) {
                    text.push_str(pick(&mut next, &pieces));
                }
            } else {
                for _ in 0..1 + next(2) {
                    for _ in 0..next(3) {
                        text.push_str(pick(&mut next, &pieces));
                    }
                    if next(3) == 0 {
                        text.push_str(pick(&mut next, &["令和", "平成", "R", "H", "令", "x"]));
                        text.push_str(&spaces(&mut next));
                        if next(4) == 0 {
                            text.push('元');
                        } else {
                            text.push_str(&digits(&mut next, 3));
                        }
                        text.push_str(&spaces(&mut next));
                        text.push_str(pick(&mut next, &["年", "年", "年", "/", "月"]));
                    } else {
                        text.push_str(&digits(&mut next, 5));
                        text.push_str(&spaces(&mut next));
                        text.push_str(pick(&mut next, &["年", "/", "-", ".", "月", ":"]));
                    }
                    text.push_str(&spaces(&mut next));
                    text.push_str(&digits(&mut next, 3));
                    text.push_str(&spaces(&mut next));
                    text.push_str(pick(&mut next, &["月", "/", "-", ".", "日", "年"]));
                    text.push_str(&spaces(&mut next));
                    text.push_str(&digits(&mut next, 3));
                    text.push_str(&spaces(&mut next));
                    text.push_str(pick(&mut next, &["日", "", "(金)", "まで", "/", "年"]));
                }
            }
            let want: Vec<DateMatch<'_>> = DATE
                .captures_iter(&text)
                .map(|c| {
                    let whole = c.get(0).unwrap_or_else(|| unreachable!("group 0"));
                    let name = |n: &str| c.name(n).map(|m| m.as_str());
                    DateMatch {
                        start: whole.start(),
                        end: whole.end(),
                        era: name("era"),
                        eyear: name("eyear"),
                        year: name("year"),
                        month: name("month").unwrap_or_default(),
                        day: name("day").unwrap_or_default(),
                    }
                })
                .collect();
            let mut got = Vec::new();
            let mut from = 0;
            while let Some(m) = next_date_match(&text, from) {
                from = m.end;
                got.push(m);
            }
            assert_eq!(got, want, "{text:?}");
            let by_pattern = DATE
                .captures_iter(&text)
                .find_map(|c| date_from_captures(&c));
            assert_eq!(find_date(&text), by_pattern, "{text:?}");
            matched += usize::from(!want.is_empty());
            dated += usize::from(by_pattern.is_some());
        }
        // The generated strings hit the pattern often, and real dates too.
        assert!(matched > 5_000 && dated > 2_000, "{matched} {dated}");
    }
}
