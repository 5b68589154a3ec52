//! Dates as notices print them → `jiff::civil::Date`.
//!
//! Forms seen: `2023/9/1`, `2023-09-01`, `2023.9.1`, `2023年9月1日`,
//! `令和5年9月1日`, `令和元年…`, `平成31年…`, each possibly full-width (we read
//! after NFKC) and followed by a weekday `(金)`. Japanese eras are
//! converted by their first year (令和 1 = 2019, 平成 1 = 1989).

use jiff::civil::Date;
// regex-lite for DATE: it is compiled in every process and matched against
// short values; its compile costs a tenth of regex's. The expiry sentences
// (`super::EXPIRY`) are anchored where their first words are.
use regex_lite::Regex;
use std::sync::LazyLock;

/// A date pattern, usable inside larger patterns. Groups: era, era year,
/// western year, month, day (named).
pub const DATE_PATTERN: &str = r"(?:(?P<era>令和|平成|R|H) *(?P<eyear>元|[0-9]{1,2}) *年|(?P<year>[0-9]{4}) *(?:年|/|-|\.)) *(?P<month>[0-9]{1,2}) *(?:月|/|-|\.) *(?P<day>[0-9]{1,2}) *日?";

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(DATE_PATTERN).unwrap_or_else(|e| unreachable!("DATE_PATTERN is valid: {e}"))
});

/// The first date in `text` (normalised), if any.
pub fn find_date(text: &str) -> Option<Date> {
    DATE.captures_iter(text)
        .find_map(|c| date_from_groups(|name| c.name(name).map(|m| m.as_str())))
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
}
