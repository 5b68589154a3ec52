//! The labels of a notice and how a line is split into label and value.
//!
//! Labels are compared on their compact form (NFKC, no spaces), so label
//! variants that differ only by spacing (ログイン先 URL, ご利用 ID 数, letter-
//! spaced 均等割り付け labels) need no entry of their own. Spelling variants
//! (ユーザーID / ユーザID) do.

use crate::layout::is_cjk;
use crate::layout::{Char, Line};

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
const LABEL_PREFIXES: &[char] = &['■', '□', '●', '・', '*'];

/// A line read as `label value`.
#[derive(Debug, Clone, PartialEq)]
pub struct LabeledValue {
    /// Which field.
    pub field: Field,
    /// The value's glyphs, left to right (may be empty).
    pub value_chars: Vec<Char>,
    /// Where the label ends.
    pub label_x1: f64,
}

/// Reads a line as a label followed by its value, if it starts with a label.
pub fn split_label(line: &Line) -> Option<LabeledValue> {
    let chars: Vec<&Char> = line.chars().collect();
    let compact = line.compact();
    let stripped = compact.trim_start_matches(LABEL_PREFIXES);
    let skipped = compact.chars().count() - stripped.chars().count();
    let (label, field) = LABELS
        .iter()
        .filter(|(label, _)| stripped.starts_with(label))
        .max_by_key(|(label, _)| label.chars().count())?;
    // Consume glyphs until the label's characters (and the skipped marker)
    // are used up; a glyph may carry several characters (ligatures).
    let mut need = skipped + label.chars().count();
    let mut index = 0;
    let mut label_x1 = line.x0();
    while need > 0 {
        let c = chars.get(index)?;
        need = need.saturating_sub(c.text.chars().filter(|c| !c.is_whitespace()).count());
        label_x1 = c.x1;
        index += 1;
    }
    let rest: Vec<Char> = chars.get(index..)?.iter().map(|c| (*c).clone()).collect();
    // A colon after the label belongs to neither.
    let rest = strip_leading_colon(rest);
    // A short label must end where a word ends: "製品名称" is not 製品名.
    // Long labels are unambiguous even when the value touches them.
    if label.chars().count() <= SHORT_LABEL_CHARS
        && let Some(first) = rest.first()
    {
        let touching = first.x0 - label_x1 < 0.1 * first.size;
        let first_char = first.text.chars().next().unwrap_or(' ');
        if touching && is_cjk(first_char) && !matches!(first_char, '(' | ':') {
            return None;
        }
    }
    Some(LabeledValue {
        field: *field,
        value_chars: rest,
        label_x1,
    })
}

fn strip_leading_colon(mut chars: Vec<Char>) -> Vec<Char> {
    while chars
        .first()
        .is_some_and(|c| c.text.trim().is_empty() || matches!(c.text.trim(), ":" | "："))
    {
        chars.remove(0);
    }
    chars
}
