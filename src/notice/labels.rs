//! The labels of a notice and how a line is split into label and value.
//!
//! Labels are compared on their compact form (NFKC, no spaces), so label
//! variants that differ only by spacing (ログイン先 URL, ご利用 ID 数, letter-
//! spaced 均等割り付け labels) need no entry of their own. Spelling variants
//! (ユーザーID / ユーザID) do.

use crate::layout::is_cjk;
use crate::layout::{Char, Chunk, Line};
use smallvec::SmallVec;

/// A key–value field of the notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// ご利用開始日.
    ContractStartDate,
    /// ご契約者名.
    ContractorName,
    /// お客さま番号.
    CustomerNumber,
    /// ご利用サービス名.
    ServiceName,
    /// ご利用製品名.
    ProductName,
    /// ご利用ID数.
    IdCount,
    /// ドメイン名.
    Domain,
    /// ログイン先URL.
    LoginUrl,
    /// ゾーン名(正引き).
    DnsZone,
    /// コントロールパネルURL.
    DnsControlPanelUrl,
    /// 認証ID.
    DnsAuthId,
    /// 認証パスワード.
    DnsAuthPassword,
    /// プライマリDNSサーバ名.
    PrimaryDnsHost,
    /// プライマリDNS IPアドレス.
    PrimaryDnsIp,
    /// セカンダリDNSサーバ名.
    SecondaryDnsHost,
    /// セカンダリDNS IPアドレス.
    SecondaryDnsIp,
    /// DNSゾーン情報サポートサービス.
    DnsZoneSupport,
    /// 発行日: read so it is never taken for another date.
    IssueDate,
}

/// Every label, compact form → field. Longest match wins, so `認証ID` and
/// `認証パスワード` or `ゾーン名` and `ゾーン名(正引き)` never collide.
pub const LABELS: &[(&str, Field)] = &[
    ("ご利用開始日", Field::ContractStartDate),
    ("利用開始日", Field::ContractStartDate),
    ("サービス開始日", Field::ContractStartDate),
    ("ご契約者名", Field::ContractorName),
    ("ご契約者様名", Field::ContractorName),
    ("契約者名", Field::ContractorName),
    ("お客さま番号", Field::CustomerNumber),
    ("お客様番号", Field::CustomerNumber),
    ("ご利用サービス名", Field::ServiceName),
    ("サービス名", Field::ServiceName),
    ("ご利用製品名", Field::ProductName),
    ("製品名", Field::ProductName),
    ("ご利用ID数", Field::IdCount),
    ("利用ID数", Field::IdCount),
    ("ドメイン名", Field::Domain),
    ("ログイン先URL", Field::LoginUrl),
    ("ログインURL", Field::LoginUrl),
    ("ゾーン名(正引き)", Field::DnsZone),
    ("ゾーン名", Field::DnsZone),
    ("コントロールパネルURL", Field::DnsControlPanelUrl),
    ("認証ID", Field::DnsAuthId),
    ("認証パスワード", Field::DnsAuthPassword),
    ("プライマリDNSサーバ名", Field::PrimaryDnsHost),
    ("プライマリDNSサーバー名", Field::PrimaryDnsHost),
    ("プライマリDNSIPアドレス", Field::PrimaryDnsIp),
    ("セカンダリDNSサーバ名", Field::SecondaryDnsHost),
    ("セカンダリDNSサーバー名", Field::SecondaryDnsHost),
    ("セカンダリDNSIPアドレス", Field::SecondaryDnsIp),
    ("DNSゾーン情報サポートサービス", Field::DnsZoneSupport),
    ("発行日", Field::IssueDate),
];

/// Labels up to this many characters must be followed by a gap or a
/// colon; longer ones are unambiguous.
const SHORT_LABEL_CHARS: usize = 4;

/// Markers a label may start with.
pub(super) const LABEL_PREFIXES: &[char] = &['■', '□', '●', '・', '*'];

/// A line read as `label value`.
#[derive(Debug, Clone, PartialEq)]
pub struct LabeledValue<'l> {
    /// Which field.
    pub field: Field,
    /// The value's glyphs, left to right (may be empty), borrowed from the
    /// line.
    pub value_chars: Vec<&'l Char>,
    /// Where the label starts (its first glyph, a leading mark counted).
    pub label_x0: f64,
    /// Where the label ends.
    pub label_x1: f64,
}

/// Reads a line as one or more `label value` pairs: a row may hold two
/// (認証ID … 認証パスワード …). A later label starts only after a wide gap,
/// at a chunk boundary, so a value that merely contains a label's words
/// is not cut.
pub fn split_labels(line: &Line) -> Vec<LabeledValue<'_>> {
    // Most lines start with no label: tell from the line's compact text
    // (what `label_at` builds from the first glyphs), before copying any
    // glyph.
    let mut start = 0;
    if !starts_with_label(line.compact(), true) {
        start = if after_vertical_heading(line) {
            1
        } else if let Some(n) = block_title_glyphs(line) {
            n
        } else {
            return Vec::new();
        };
    }
    // The line's glyphs by reference: only a value's own are copied.
    let mut chars: Vec<&Char> = Vec::with_capacity(line.chunks.iter().map(|c| c.chars.len()).sum());
    chars.extend(line.chars());
    let mut out: Vec<LabeledValue> = Vec::new();
    while let Some((field, label_end)) = label_at(&chars[start..], out.is_empty()) {
        let label_end = start + label_end;
        let label_x1 = chars
            .get(label_end.saturating_sub(1))
            .map_or(line.x0(), |c| c.x1);
        // The value runs to the next chunk that starts with a label, or to
        // a gap so wide that what follows is another table beside this one.
        let mut value_end = chars.len();
        // A label right after this one, a wide gap apart, is the next
        // label, not this one's value (labels of a form row share a line,
        // their values on the next).
        let next_label_at_once = chars.get(label_end).is_some_and(|here| {
            here.x0 - label_x1 > LABEL_GAP * here.size
                && chars
                    .get(label_end..)
                    .and_then(|rest| label_at(rest, false))
                    .is_some()
        });
        if next_label_at_once {
            value_end = label_end;
        }
        let mut seen_value = false;
        for p in label_end + 1..value_end {
            let (prev, here) = (&chars[p - 1], &chars[p]);
            let gap = here.x0 - prev.x1;
            let wide_gap = gap > LABEL_GAP * here.size;
            seen_value |= !crate::layout::is_blank(&prev.text);
            if wide_gap && label_at(&chars[p..], false).is_some() {
                value_end = p;
                break;
            }
            if seen_value && gap > NEXT_TABLE_GAP * here.size {
                value_end = p;
                break;
            }
        }
        let value = strip_leading_separators(&chars[label_end..value_end]);
        // A short label must end where a word ends: "製品名称" is not 製品名.
        let first = value.first();
        let touching_word = first.is_some_and(|f| {
            let c = f.text.chars().next().unwrap_or(' ');
            f.x0 - label_x1 < 0.1 * f.size && is_cjk(c)
        });
        if touching_word && label_len(field, &chars[start..label_end]) <= SHORT_LABEL_CHARS {
            break;
        }
        out.push(LabeledValue {
            field,
            label_x0: chars
                .get(start..label_end)
                .and_then(|label| label.iter().find(|c| !crate::layout::is_blank(&c.text)))
                .map_or(line.x0(), |c| c.x0),
            value_chars: value,
            label_x1,
        });
        start = value_end;
        if start >= chars.len() {
            break;
        }
    }
    out
}

/// The titles of the label/value blocks (after a leading ■).
const BLOCK_TITLES: &[&str] = &["お客さま情報", "ご契約情報", "導入支援情報"];

/// The number of glyphs of a block title that starts the line when a
/// label follows it: a title set in a cell spanning the block's rows
/// (drawn vertically by the producer, or laid flat by a converter that
/// keeps no vertical writing) shares its first row's line, and a narrow
/// gap may put it in one chunk with the row's label (ご契約情報 ゾーン名
/// (正引き)). A person reads the title as the block's, not as the start of
/// the row's label. `None` when the line starts with no title or no label
/// follows it.
fn block_title_glyphs(line: &Line) -> Option<usize> {
    let compact = line.compact().trim_start_matches('■');
    let title = BLOCK_TITLES.iter().find(|t| compact.starts_with(*t))?;
    if !starts_with_label(compact.get(title.len()..)?, false) {
        return None;
    }
    // Glyphs up to the title's end, the marks before it counted (a glyph
    // may hold several characters).
    let mut seen = String::new();
    let wanted = line.compact().len() - compact.len() + title.len();
    for (n, c) in line.chars().enumerate() {
        c.text
            .chars()
            .filter(|ch| !ch.is_whitespace())
            .for_each(|ch| seen.push(ch));
        if seen.len() >= wanted {
            return (seen.len() == wanted).then_some(n + 1);
        }
    }
    None
}

/// Whether a line is a block's row whose first chunk is one glyph of the
/// block's title set vertically (tategaki) in a cell spanning the block's
/// rows (お / 客 / さ / ま … down the left edge), and whose next chunk starts
/// with a label. A person reads that glyph down its column with the
/// glyphs above and below it, not as the start of the row's label: the
/// row's label starts at the next chunk.
fn after_vertical_heading(line: &Line) -> bool {
    let [first, second, ..] = line.chunks.as_slice() else {
        return false;
    };
    let [glyph] = first.chars.as_slice() else {
        return false;
    };
    let mut text = glyph.text.chars();
    text.next().is_some_and(is_cjk)
        && text.next().is_none()
        && starts_with_label(&second.compact(), false)
}

/// A wrapped label's first part is at most this many chunks of its line
/// (a justified label is cut into chunks at its stretched spaces).
const MAX_WRAPPED_LABEL_CHUNKS: usize = 3;

/// A label that wraps in a narrow label cell: a line starts with the first
/// part of a label and a chunk below it, the next line's only chunk, holds
/// the rest under it (プライマリDNSサーバ / 名). This is the line's possible
/// first parts of such a label, worked out once per
/// line (the notice reader tries every chunk of the lines below a line
/// with no label as its rest): each head of up to
/// [`MAX_WRAPPED_LABEL_CHUNKS`] chunks, markers stripped, that begins
/// some label, shortest first.
pub struct WrappedLabelHead<'a> {
    line: &'a Line,
    /// The index of the head's last chunk and the head's compact text.
    heads: SmallVec<[(usize, String); MAX_WRAPPED_LABEL_CHUNKS]>,
}

impl<'a> WrappedLabelHead<'a> {
    /// The line's heads; `None` when the line already starts with a label
    /// or no head begins one (then no rest completes a label).
    pub fn of(line: &'a Line) -> Option<Self> {
        let compact = line.compact().trim_start_matches(LABEL_PREFIXES);
        if !compact.starts_with(LABEL_FIRST_CHARS) || starts_with_label(line.compact(), true) {
            return None;
        }
        let mut heads = SmallVec::new();
        let mut head = String::new();
        for (k, chunk) in line
            .chunks
            .iter()
            .enumerate()
            .take(MAX_WRAPPED_LABEL_CHUNKS)
        {
            head.push_str(&chunk.compact());
            let stripped = head.trim_start_matches(LABEL_PREFIXES);
            if stripped.chars().count() >= MAX_LABEL_CHARS {
                break;
            }
            // A head that begins no label begins none once longer either
            // (it only grows at its end; all markers, it strips to
            // nothing, which begins every label).
            if !LABELS.iter().any(|(label, _)| label.starts_with(stripped)) {
                break;
            }
            heads.push((k, stripped.to_owned()));
        }
        if heads.is_empty() {
            return None;
        }
        Some(Self { line, heads })
    }

    /// The line with `rest` put at the end of the first head that it
    /// completes to a label, so that it reads as `label value`; `None` when
    /// the two parts spell no label or `rest` is not under the first part.
    pub fn join(&self, rest: &Chunk) -> Option<Line> {
        let line = self.line;
        let k = self.completed_by(rest)?;
        let end = line.chunks.get(k)?.x1();
        let mut chunks = line.chunks.clone();
        let moved = rest.chars.iter().map(|c| Char {
            x0: end,
            x1: end,
            ..c.clone()
        });
        chunks.get_mut(k)?.chars.extend(moved);
        Some(Line::new(
            line.page,
            line.page_height,
            line.baseline,
            line.size,
            chunks,
        ))
    }

    /// Whether `rest` completes a head to a label under it: what
    /// [`Self::join`] answers, without building the joined line.
    pub fn completed(&self, rest: &Chunk) -> bool {
        self.completed_by(rest).is_some()
    }

    /// The index of the last chunk of the first head that `rest`
    /// completes to a label, lying under it and left of the value.
    fn completed_by(&self, rest: &Chunk) -> Option<usize> {
        let line = self.line;
        if rest.x0() < line.x0() - 0.5 * line.size {
            return None;
        }
        let tail = rest.compact();
        if tail.is_empty() {
            return None;
        }
        for (k, stripped) in &self.heads {
            let k = *k;
            let spells = |label: &str| label.strip_prefix(stripped.as_str()) == Some(tail.as_str());
            if !LABELS.iter().any(|(label, _)| spells(label)) {
                continue;
            }
            let end = line.chunks.get(k)?.x1();
            let value_x0 = line.chunks.get(k + 1).map(Chunk::x0);
            if rest.x1() > end + 0.5 * line.size || value_x0.is_some_and(|x| x < rest.x1()) {
                return None;
            }
            return Some(k);
        }
        None
    }
}

/// Inside a value, a gap this many ems wide ends it: what follows is a
/// table or block printed beside this one (a value's own words are at most
/// a few spaces apart).
const NEXT_TABLE_GAP: f64 = 4.0;

/// A gap this many ems wide separates a value from a following label.
const LABEL_GAP: f64 = 0.9;

/// Whether a compact text (no spaces) starts with a label, after a
/// leading marker when `line_start`: `label_at` finds none otherwise.
pub(super) fn starts_with_label(compact: &str, line_start: bool) -> bool {
    let stripped = if line_start {
        compact.trim_start_matches(LABEL_PREFIXES)
    } else {
        compact
    };
    // Most lines start with a character no label starts with.
    stripped.starts_with(LABEL_FIRST_CHARS)
        && LABELS.iter().any(|(label, _)| stripped.starts_with(label))
}

/// The characters the [`LABELS`] start with (a test checks): one look at a
/// text's first character rules out most places a label could start.
pub(super) const LABEL_FIRST_CHARS: &[char] = &[
    'ご', '利', 'サ', '契', 'お', '製', 'ド', 'ロ', 'ゾ', 'コ', '認', 'プ', 'セ', 'D', '発',
];

/// The label at the start of `chars`: its field and how many glyphs it
/// takes (with a leading marker like ■ when `line_start`).
fn label_at(chars: &[&Char], line_start: bool) -> Option<(Field, usize)> {
    // The character a label would start with rules out most places (a
    // wide gap inside a value) without building the compact text: the
    // first one that is no space (nor a leading marker at a line start).
    let first = chars
        .iter()
        .take(LABEL_LOOKAHEAD_GLYPHS)
        .flat_map(|c| c.text.chars())
        .find(|c| !(c.is_whitespace() || line_start && LABEL_PREFIXES.contains(c)));
    if !first.is_some_and(|f| LABEL_FIRST_CHARS.contains(&f)) {
        return None;
    }
    // The compact text's characters, only as far as the longest label
    // reaches past the leading markers (`starts_with` looks no further),
    // on the stack.
    let mut compact: SmallVec<[char; LABEL_COMPACT_INLINE]> = SmallVec::new();
    let mut after_markers = 0;
    for c in chars.iter().take(LABEL_LOOKAHEAD_GLYPHS) {
        for ch in c.text.chars().filter(|c| !c.is_whitespace()) {
            compact.push(ch);
            if after_markers > 0 || !(line_start && LABEL_PREFIXES.contains(&ch)) {
                after_markers += 1;
            }
        }
        if after_markers >= MAX_LABEL_CHARS {
            break;
        }
    }
    // The leading markers (`trim_start_matches(LABEL_PREFIXES)`).
    let skipped = if line_start {
        compact
            .iter()
            .take_while(|c| LABEL_PREFIXES.contains(c))
            .count()
    } else {
        0
    };
    let stripped = compact.get(skipped..).unwrap_or_default();
    let spells = |label: &str| {
        let mut rest = stripped.iter();
        label.chars().all(|c| rest.next() == Some(&c))
    };
    let (label, field) = LABELS
        .iter()
        .filter(|(label, _)| spells(label))
        .max_by_key(|(label, _)| label.chars().count())?;
    // Consume glyphs until the label's characters (and the skipped marker)
    // are used up; a glyph may carry several characters (ligatures).
    let mut need = skipped + label.chars().count();
    let mut used = 0;
    while need > 0 {
        let c = chars.get(used)?;
        need = need.saturating_sub(c.text.chars().filter(|c| !c.is_whitespace()).count());
        used += 1;
    }
    Some((*field, used))
}

/// The compact characters `label_at` keeps on the stack: the longest
/// label and a few markers (more spill to the heap).
const LABEL_COMPACT_INLINE: usize = 24;

/// Labels are at most ~20 characters: `label_at` looks no further than
/// this many glyphs.
const LABEL_LOOKAHEAD_GLYPHS: usize = 48;

/// The longest label's length in characters (a test checks).
const MAX_LABEL_CHARS: usize = 16;

/// The number of label characters in a label's glyphs (marker excluded).
fn label_len(_field: Field, glyphs: &[&Char]) -> usize {
    glyphs
        .iter()
        .flat_map(|c| c.text.chars())
        .filter(|c| !c.is_whitespace() && !LABEL_PREFIXES.contains(c))
        .count()
}

/// A value's glyphs without what stands between a label and its value:
/// spaces, a colon, or a dot leader (ご契約者名……山田).
fn strip_leading_separators<'l>(chars: &[&'l Char]) -> Vec<&'l Char> {
    let is_separator = |t: &str| {
        let t = t.trim();
        t.is_empty() || matches!(t, ":" | "：" | "." | "…" | "‥" | "·" | "･" | "・")
    };
    let leading = chars.iter().take_while(|c| is_separator(&c.text)).count();
    chars.get(leading..).unwrap_or_default().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{test_line as line, text_of};

    /// Each `label value` pair of a line as (field, value text).
    fn read(chunks: &[(f64, &str)]) -> Vec<(Field, String)> {
        split_labels(&line(100.0, chunks))
            .into_iter()
            .map(|lv| (lv.field, text_of(&lv.value_chars)))
            .collect()
    }

    #[test]
    fn label_first_chars_are_the_labels_first_characters() {
        let mut from_labels: Vec<char> = LABELS
            .iter()
            .filter_map(|(l, _)| l.chars().next())
            .collect();
        from_labels.sort_unstable();
        from_labels.dedup();
        let mut listed = LABEL_FIRST_CHARS.to_vec();
        listed.sort_unstable();
        assert_eq!(listed, from_labels);
    }

    #[test]
    fn max_label_chars_is_the_longest_label() {
        let longest = LABELS.iter().map(|(l, _)| l.chars().count()).max();
        assert_eq!(longest, Some(MAX_LABEL_CHARS));
    }

    /// A label after markers and glyphs of several characters is found
    /// whole, and as many glyphs are consumed as it takes.
    #[test]
    fn labels_after_markers_and_ligatures() {
        let chars: Vec<Char> = [
            "■", "■", " ", "DNS", "ゾ", "ー", "ン", "情", "報", "サ", "ポ", "ー", "ト",
        ]
        .iter()
        .chain(["サ", "ー", "ビ", "ス", " ", "あ", "り"].iter())
        .enumerate()
        .map(|(i, t)| Char {
            text: (*t).into(),
            x0: 10.0 * i as f64,
            x1: 10.0 * (i + 1) as f64,
            size: 10.0,
            y0: 0.0,
            y1: 10.0,
        })
        .collect();
        let chars: Vec<&Char> = chars.iter().collect();
        assert_eq!(label_at(&chars, true), Some((Field::DnsZoneSupport, 17)));
        assert_eq!(label_at(&chars, false), None);
        assert_eq!(
            label_at(&chars[3..], false),
            Some((Field::DnsZoneSupport, 14))
        );
    }

    #[test]
    fn a_block_title_laid_flat_before_a_label_is_no_part_of_it() {
        // LibreOffice's HTML import keeps no vertical writing: the block's
        // title lies flat in one chunk with its first row's label.
        assert_eq!(
            read(&[
                (10.0, "ご契約情報 ゾーン名 (正引き)"),
                (200.0, "example.co.jp")
            ]),
            vec![(Field::DnsZone, "example.co.jp".to_string())]
        );
        assert_eq!(
            read(&[
                (10.0, "■導入支援情報"),
                (100.0, "ドメイン名"),
                (200.0, "a.jp")
            ]),
            vec![(Field::Domain, "a.jp".to_string())]
        );
        // A title alone, or before a value that is no label, is no row.
        assert!(read(&[(10.0, "ご契約情報")]).is_empty());
        assert!(read(&[(10.0, "お客さま情報"), (200.0, "example.co.jp")]).is_empty());
    }

    #[test]
    fn a_glyph_of_a_vertical_block_title_is_no_part_of_the_label() {
        let read = |chunks: &[(f64, &str)]| {
            split_labels(&line(100.0, chunks))
                .into_iter()
                .map(|lv| (lv.field, text_of(&lv.value_chars)))
                .collect::<Vec<_>>()
        };
        // 客 of お客さま情報 set down the block's left edge, a cell apart.
        assert_eq!(
            read(&[(10.0, "客"), (40.0, "ご契約者名"), (200.0, "千葉 陽子")]),
            vec![(Field::ContractorName, "千葉 陽子".to_string())]
        );
        assert_eq!(
            read(&[
                (10.0, "約"),
                (40.0, "ゾーン名(正引き)"),
                (200.0, "example.com")
            ]),
            vec![(Field::DnsZone, "example.com".to_string())]
        );
        // Two glyphs, or a chunk that starts no label, are no such row.
        assert!(read(&[(10.0, "情報"), (40.0, "ご契約者名"), (200.0, "千葉")]).is_empty());
        assert!(read(&[(10.0, "1"), (40.0, "ご契約者名"), (200.0, "千葉")]).is_empty());
        assert!(read(&[(10.0, "客"), (40.0, "千葉 陽子")]).is_empty());
    }

    #[test]
    fn a_label_wrapped_in_its_cell_is_joined() {
        let joined = |first: &[(f64, &str)], rest: (f64, &str)| {
            let next = line(112.0, &[rest]);
            let chunk = next.chunks.first().cloned()?;
            WrappedLabelHead::of(&line(100.0, first))
                .and_then(|h| h.join(&chunk))
                .map(|l| {
                    split_labels(&l)
                        .into_iter()
                        .map(|lv| (lv.field, text_of(&lv.value_chars)))
                        .collect::<Vec<_>>()
                })
        };
        assert_eq!(
            joined(
                &[(10.0, "プライマリDNSサーバ"), (200.0, "ns1.example.jp")],
                (10.0, "名")
            ),
            Some(vec![(Field::PrimaryDnsHost, "ns1.example.jp".to_string())])
        );
        // A justified label is cut at its stretched space.
        assert_eq!(
            joined(
                &[
                    (10.0, "プライマリDNS"),
                    (120.0, "IPアド"),
                    (200.0, "192.0.2.1")
                ],
                (10.0, "レス")
            ),
            Some(vec![(Field::PrimaryDnsIp, "192.0.2.1".to_string())])
        );
        // The parts must spell a label, and the rest must sit under it.
        assert_eq!(
            joined(&[(10.0, "プライマリDNSサーバ"), (200.0, "x")], (10.0, "号")),
            None
        );
        assert_eq!(
            joined(
                &[(10.0, "プライマリDNSサーバ"), (200.0, "x")],
                (220.0, "名")
            ),
            None
        );
        // A line that has its label already is left alone.
        assert_eq!(
            joined(&[(10.0, "ドメイン名"), (200.0, "a.jp")], (10.0, "名")),
            None
        );
    }

    #[test]
    fn a_second_label_needs_a_gap_wider_than_label_gap() {
        // 認証ID's value W9SX ends at x 140 (10 pt glyphs); the next label
        // starts LABEL_GAP (0.9 em = 9 pt) or 1 em later.
        let at = |x: f64| {
            read(&[
                (10.0, "認証ID"),
                (100.0, "W9SX"),
                (x, "認証パスワード"),
                (300.0, "Gt7Y"),
            ])
        };
        assert_eq!(
            at(150.0),
            vec![
                (Field::DnsAuthId, "W9SX".into()),
                (Field::DnsAuthPassword, "Gt7Y".into())
            ]
        );
        let glued = at(149.0);
        assert_eq!(glued.len(), 1, "{glued:?}");
        assert_eq!(glued[0].0, Field::DnsAuthId);
    }

    #[test]
    fn a_value_ends_at_a_gap_wider_than_next_table_gap() {
        // "abc" ends at x 130; NEXT_TABLE_GAP is 4 em = 40 pt.
        let at = |x: f64| read(&[(10.0, "ご契約者名"), (100.0, "abc"), (x, "def")]);
        assert_eq!(at(170.0), vec![(Field::ContractorName, "abc def".into())]);
        assert_eq!(at(171.0), vec![(Field::ContractorName, "abc".into())]);
    }

    #[test]
    fn a_short_label_must_end_where_a_word_ends() {
        // 製品名 (3 characters) touching 称: the word 製品名称, no label.
        assert!(read(&[(10.0, "製品名称"), (100.0, "X")]).is_empty());
        assert_eq!(
            read(&[(10.0, "製品名"), (100.0, "Microsoft 365")]),
            vec![(Field::ProductName, "Microsoft 365".into())]
        );
        // A long label may touch its value.
        assert_eq!(
            read(&[(10.0, "ご利用製品名Microsoft")]),
            vec![(Field::ProductName, "Microsoft".into())]
        );
    }

    #[test]
    fn the_quick_test_on_the_compact_line_agrees_with_label_at() {
        for chunks in [
            &[(10.0, "■ご契約者名"), (100.0, "山田")][..],
            &[(10.0, "ご 契 約 者 名"), (100.0, "山田")][..],
            &[(10.0, "■"), (30.0, "ドメイン名"), (100.0, "a.jp")][..],
            &[(10.0, "担当者"), (100.0, "ご契約者名")][..],
            &[(10.0, "■■")][..],
            &[][..],
        ] {
            let l = line(100.0, chunks);
            let chars: Vec<&Char> = l.chars().collect();
            assert_eq!(
                starts_with_label(l.compact(), true),
                label_at(&chars, true).is_some(),
                "{chunks:?}"
            );
        }
    }

    #[test]
    fn markers_separators_and_the_longest_label() {
        assert_eq!(
            read(&[(10.0, "■ご契約者名"), (100.0, "：山田")]),
            vec![(Field::ContractorName, "山田".into())]
        );
        assert_eq!(
            read(&[(10.0, "ご契約者名……山田")]),
            vec![(Field::ContractorName, "山田".into())]
        );
        assert_eq!(
            read(&[(10.0, "ゾーン名(正引き)"), (200.0, "example.jp")]),
            vec![(Field::DnsZone, "example.jp".into())]
        );
        // A marker counts only at the line's start; nothing else is a label.
        assert!(read(&[(10.0, "担当者"), (100.0, "山田")]).is_empty());
        assert!(read(&[]).is_empty());
    }
}
