//! The notice layer: laid-out lines → a typed [`Notice`].
//!
//! Key–value fields are found by their labels (`labels.rs`) wherever they
//! are on the page; the user table by its header row (`users.rs`); the
//! temporary password's expiry by its sentence. Nothing here depends on
//! drawing order or on which producer made the PDF.

mod date;
mod labels;
mod model;
mod normalize;
mod pieces;
mod user_records;
mod users;

pub use date::find_date;
pub use labels::Field;
pub use model::{
    DnsOption, DnsRole, DnsServer, Drift, HiddenText, Notice, OrderKind, ParseNotes, User,
};
pub use normalize::normalize;

use crate::error::Error;
use crate::layout::{Document, Line, text_of};
use crate::secret::Secret;
use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

/// A document with the title 開通のご案内 is a notice when at least this many
/// of its core labels are found. One or two can appear in any Microsoft 365
/// paper (an invoice has お客さま番号 and ご契約者名); a notice has all of them.
const MIN_CORE_LABELS: usize = 3;

/// Without the title (drawn as an image, say), this many core labels are
/// needed: more than any other document of the reseller carries.
const MIN_CORE_LABELS_UNTITLED: usize = 5;

/// The notice's title.
const TITLE: &str = "開通のご案内";

const CORE_FIELDS: &[Field] = &[
    Field::ContractStartDate,
    Field::ContractorName,
    Field::CustomerNumber,
    Field::ServiceName,
    Field::IdCount,
    Field::Domain,
    Field::LoginUrl,
];

static CUSTOMER_NUMBER: LazyLock<Regex> = LazyLock::new(|| regex_or_unreachable(r"N[0-9]{10}"));

/// The expiry sentence: 仮パスワードの有効期限は、DATEまで… / 仮パスワードは
/// DATEまで有効です / 仮パスワード有効期限:DATE (compact text, no spaces).
static EXPIRY: LazyLock<Regex> = LazyLock::new(|| {
    regex_or_unreachable(&format!(
        r"(?:仮パスワード|パスワード\(仮\)|初期パスワード)(?:の)?(?:有効期限)?(?:は|:)?[、,]?(?:{})",
        date::DATE_PATTERN
    ))
});

/// A bare 有効期限 sentence, used when no sentence names the temporary
/// password.
static EXPIRY_BARE: LazyLock<Regex> = LazyLock::new(|| {
    regex_or_unreachable(&format!(
        r"有効期限(?:は|:)?[、,]?(?:{})",
        date::DATE_PATTERN
    ))
});

/// A URL inside a cell that may say more ("https://… (こちら)"); a URL
/// wrapped over lines was joined without a separator already.
static URL: LazyLock<Regex> =
    LazyLock::new(|| regex_or_unreachable(r"[A-Za-z][A-Za-z0-9+.\-]*://[!-~]+"));

/// The URL a value holds. An all-ASCII value is the URL, its spaces
/// (letter-spacing gaps) removed; a value with Japanese text around the URL
/// gives the URL alone.
fn url_in(value: &str) -> String {
    if value.is_ascii() {
        return value.replace(' ', "");
    }
    URL.find(value)
        .map(|m| {
            m.as_str()
                .trim_end_matches(['(', '[', '<', '"', '\''])
                .to_string()
        })
        .unwrap_or_else(|| value.replace(' ', ""))
}

static FIRST_NUMBER: LazyLock<Regex> = LazyLock::new(|| regex_or_unreachable(r"[0-9]+"));

fn regex_or_unreachable(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| unreachable!("built-in pattern is valid: {e}"))
}

/// One labelled value found on a line.
struct Found {
    value: String,
}

/// A wrapped value's next line is at most this many font sizes below the
/// previous one.
const VALUE_LINE_PITCH: f64 = 1.7;

/// Whether a line can be part of a label's value: same page, right of the
/// label column, no label of its own.
fn is_value_line(line: &Line, has_label: bool, label_line: &Line, label_x1: f64) -> bool {
    line.page == label_line.page && line.x0() >= label_x1 - 0.5 * label_line.size && !has_label
}

/// Every labelled value. A value that wraps in its cell continues on the
/// lines below its label's line; a label centred beside a wrapped value has
/// no value on its own line, and its value lines sit above and below it.
fn read_fields(lines: &[&Line], per_line: &[Vec<labels::LabeledValue>]) -> HashMap<Field, Found> {
    let labeled: Vec<(usize, &labels::LabeledValue)> = per_line
        .iter()
        .enumerate()
        .flat_map(|(i, lvs)| lvs.iter().map(move |lv| (i, lv)))
        .collect();
    let has_label = |j: usize| per_line.get(j).is_some_and(|l| !l.is_empty());
    let mut claimed = vec![false; lines.len()];
    let mut found: HashMap<Field, Found> = HashMap::new();
    for (k, (i, lv)) in labeled.iter().enumerate() {
        let line = lines[*i];
        let own = text_of(&lv.value_chars);
        let pitch = VALUE_LINE_PITCH * line.size;
        let next_empty_label = labeled
            .get(k + 1)
            .filter(|(_, next)| next.value_chars.is_empty())
            .map(|(j, _)| lines[*j]);
        let mut parts: Vec<(f64, String)> = Vec::new();
        if !own.is_empty() {
            parts.push((line.baseline, own));
        }
        if parts.is_empty() {
            // Lines just above, not taken by the label before.
            let mut last = line.baseline;
            for j in (0..*i).rev() {
                let above = lines[j];
                if claimed[j]
                    || last - above.baseline > pitch
                    || !is_value_line(above, has_label(j), line, lv.label_x1)
                {
                    break;
                }
                claimed[j] = true;
                parts.insert(0, (above.baseline, above.text()));
                last = above.baseline;
            }
        }
        // Lines below, while they keep the line pitch, unless a following
        // label with no value of its own is nearer: they are its value.
        let mut last = line.baseline;
        for j in i + 1..lines.len() {
            let below = lines[j];
            if claimed[j]
                || below.baseline - last > pitch
                || !is_value_line(below, has_label(j), line, lv.label_x1)
            {
                break;
            }
            if let Some(next) = next_empty_label
                && next.page == below.page
                && (next.baseline - below.baseline).abs() < below.baseline - last
            {
                break;
            }
            claimed[j] = true;
            parts.push((below.baseline, below.text()));
            last = below.baseline;
        }
        let value: String = parts.into_iter().map(|(_, t)| t).collect();
        found.entry(lv.field).or_insert(Found {
            value: normalize(&value),
        });
    }
    found
}

/// cells_to_notice: reads a laid-out document as a notice.
pub fn parse(doc: &Document) -> Result<Notice, Error> {
    let lines: Vec<&Line> = doc.lines().collect();
    // Each line's labels, read once: every step below asks.
    let per_line: Vec<Vec<labels::LabeledValue>> =
        lines.iter().map(|l| labels::split_labels(l)).collect();
    let found = read_fields(&lines, &per_line);
    let core = CORE_FIELDS.iter().filter(|f| found.contains_key(f)).count();
    let titled = lines.iter().any(|l| l.compact().contains(TITLE));
    let needed = if titled {
        MIN_CORE_LABELS
    } else {
        MIN_CORE_LABELS_UNTITLED
    };
    if core < needed {
        return Err(Error::NotANotice {
            reason: format!(
                "found {core} of the {} notice labels (お客さま番号, ご利用開始日, ドメイン名, …){}; \
                 check that this is the right file",
                CORE_FIELDS.len(),
                if titled {
                    ""
                } else {
                    " and no 開通のご案内 title"
                }
            ),
        });
    }
    let text = |f: Field| {
        found
            .get(&f)
            .and_then(|v| normalize::non_placeholder(v.value.clone()))
    };
    let full_compact: String = lines
        .iter()
        .map(|l| l.compact())
        .collect::<Vec<_>>()
        .join("\n");
    let full_compact = normalize::compact(&full_compact);
    // The expiry sentence may wrap: read it across line ends.
    let full_joined = full_compact.replace('\n', "");

    let customer_number = text(Field::CustomerNumber)
        .map(|v| v.replace(' ', ""))
        .or_else(|| {
            CUSTOMER_NUMBER
                .find(&full_compact)
                .map(|m| m.as_str().to_string())
        });
    let dns_fields = [
        Field::DnsZone,
        Field::DnsControlPanelUrl,
        Field::DnsAuthId,
        Field::DnsAuthPassword,
        Field::PrimaryDnsHost,
        Field::PrimaryDnsIp,
        Field::SecondaryDnsHost,
        Field::SecondaryDnsIp,
    ];
    let dns = dns_fields
        .iter()
        .any(|f| found.contains_key(f))
        .then(|| DnsOption {
            zone: text(Field::DnsZone),
            control_panel_url: text(Field::DnsControlPanelUrl).map(|v| url_in(&v)),
            auth_id: text(Field::DnsAuthId),
            auth_password: text(Field::DnsAuthPassword).map(Secret::new),
            servers: [
                (DnsRole::Primary, Field::PrimaryDnsHost, Field::PrimaryDnsIp),
                (
                    DnsRole::Secondary,
                    Field::SecondaryDnsHost,
                    Field::SecondaryDnsIp,
                ),
            ]
            .into_iter()
            .filter(|(_, h, i)| found.contains_key(h) || found.contains_key(i))
            .map(|(role, h, i)| DnsServer {
                role,
                hostname: text(h).map(|v| v.replace(' ', "")),
                ip: text(i).map(|v| v.replace(' ', "")),
            })
            .collect(),
        });

    let (users, mut drift) = users::parse_users(&lines);
    drift.extend(unknown_labels(&lines, &per_line));
    let hidden_text = doc
        .hidden
        .iter()
        .map(|h| HiddenText {
            page: h.line.page,
            reason: hidden_reason(h.reason),
            text: Secret::new(normalize(&h.line.text())),
        })
        .collect();
    Ok(Notice {
        notes: ParseNotes { hidden_text, drift },
        customer_number,
        contract_start_date: text(Field::ContractStartDate).and_then(|v| find_date(&v)),
        contractor_name: text(Field::ContractorName),
        service_name: text(Field::ServiceName),
        product_name: text(Field::ProductName),
        id_count: text(Field::IdCount)
            .and_then(|v| FIRST_NUMBER.find(&v).and_then(|m| m.as_str().parse().ok())),
        domain: text(Field::Domain).map(|v| v.replace(' ', "")),
        login_url: text(Field::LoginUrl).map(|v| url_in(&v)),
        dns,
        dns_zone_support: zone_support(
            found.get(&Field::DnsZoneSupport).map(|f| f.value.as_str()),
            &lines,
        ),
        users,
        temporary_password_expiry: [&*EXPIRY, &*EXPIRY_BARE].iter().find_map(|re| {
            re.captures_iter(&full_joined)
                .find_map(|c| date::date_from_captures(&c))
        }),
    })
}

/// 導入支援情報: 利用する → true, 利用しない → false, no block → None.
fn zone_support(value: Option<&str>, lines: &[&Line]) -> Option<bool> {
    let read = |v: &str| {
        let v = normalize::compact(v);
        if v.contains("利用しない") || v.contains("なし") {
            Some(false)
        } else if v.contains("利用する") || v.contains("あり") {
            Some(true)
        } else {
            None
        }
    };
    if let Some(v) = value {
        return read(v);
    }
    // A one-line block: "導入支援情報  利用する".
    lines
        .iter()
        .map(|l| l.compact())
        .find(|c| {
            c.trim_start_matches('■').starts_with("導入支援情報")
                && c.len() > "導入支援情報".len() + 3
        })
        .and_then(read)
}

fn hidden_reason(h: crate::pdf::Hidden) -> &'static str {
    use crate::pdf::Hidden;
    match h {
        Hidden::RenderMode => "render_mode",
        Hidden::WhiteFill => "white_fill",
        Hidden::Clipped => "clipped",
        Hidden::OffPage => "off_page",
    }
}

/// Sub-headings inside the notice's blocks: lines that look like a label
/// but carry no value of their own.
const KNOWN_HEADINGS: &[&str] = &[
    "申込内容",
    "ドメイン情報",
    "IIJIDログイン情報",
    "DNSサービスオプション",
    "導入支援情報",
];

/// The longest label we would take for a label: longer first cells are
/// sentences.
const MAX_LABEL_CHARS: usize = 24;

/// `label  value` lines between the first known label and the user table
/// whose label is unknown: a changed layout must not pass quietly.
fn unknown_labels(lines: &[&Line], per_line: &[Vec<labels::LabeledValue>]) -> Vec<Drift> {
    let has_label = |i: usize| per_line.get(i).is_some_and(|l| !l.is_empty());
    let Some(first) = (0..lines.len()).find(|&i| has_label(i)) else {
        return Vec::new();
    };
    // The key-value blocks end where the user block starts.
    let end = lines
        .iter()
        .position(|l| users::is_header(l) || user_records::is_user_block_title(l))
        .unwrap_or(lines.len());
    (first..end.max(first))
        .filter(|&i| !has_label(i))
        .filter_map(|i| lines.get(i))
        .filter(|l| l.chunks.len() >= 2)
        .filter_map(|l| {
            let first = l.chunks.first()?;
            let label = first.compact();
            let known = KNOWN_HEADINGS.iter().any(|h| label.starts_with(h))
                || label.starts_with('■')
                || label.chars().count() > MAX_LABEL_CHARS;
            (!known).then(|| Drift::UnknownLabel {
                label: normalize(&first.text()),
                page: l.page,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(baseline: f64, chunks: &[(f64, &str)]) -> Line {
        crate::layout::test_line(baseline, chunks)
    }

    fn value(found: &HashMap<Field, Found>, f: Field) -> Option<&str> {
        found.get(&f).map(|v| v.value.as_str())
    }

    #[test]
    fn wrapped_values_top_aligned_and_centred() {
        let lines = [
            // Top-aligned: the value starts on the label's line.
            line(
                100.0,
                &[(10.0, "ご契約者名"), (200.0, "株式会社とても長い名前の")],
            ),
            line(113.0, &[(200.0, "保険代理店")]),
            // Centred: the label sits between its two value lines.
            line(130.0, &[(200.0, "損保クラウドサービス")]),
            line(136.0, &[(10.0, "ご利用サービス名")]),
            line(142.0, &[(200.0, "(パッケージ)")]),
            line(160.0, &[(10.0, "ご利用製品名"), (200.0, "Microsoft 365")]),
        ];
        let refs: Vec<&Line> = lines.iter().collect();
        let per_line: Vec<_> = refs.iter().map(|l| labels::split_labels(l)).collect();
        let found = read_fields(&refs, &per_line);
        assert_eq!(
            value(&found, Field::ContractorName),
            Some("株式会社とても長い名前の保険代理店")
        );
        assert_eq!(
            value(&found, Field::ServiceName),
            Some("損保クラウドサービス(パッケージ)")
        );
        assert_eq!(value(&found, Field::ProductName), Some("Microsoft 365"));
    }
}

#[cfg(test)]
mod url_tests {
    use super::*;

    #[test]
    fn urls_are_cut_from_their_cell() {
        assert_eq!(
            url_in("https://www.auth.iij.jp/console/"),
            "https://www.auth.iij.jp/console/"
        );
        assert_eq!(
            url_in("https://www.auth.iij.jp/console/ (こちら)"),
            "https://www.auth.iij.jp/console/"
        );
        assert_eq!(
            url_in("https://www.auth.iij.jp/ console/"),
            "https://www.auth.iij.jp/console/"
        );
        assert_eq!(url_in("こちら:https://a.example/x"), "https://a.example/x");
        assert_eq!(
            url_in("www.auth.iij.jp/console/"),
            "www.auth.iij.jp/console/"
        );
    }
}

#[cfg(test)]
mod expiry_tests {
    use super::*;

    fn expiry(text: &str) -> Option<String> {
        let joined = normalize::compact(text).replace('\n', "");
        [&*EXPIRY, &*EXPIRY_BARE].iter().find_map(|re| {
            re.captures_iter(&joined)
                .find_map(|c| date::date_from_captures(&c))
                .map(|d| d.to_string())
        })
    }

    #[test]
    fn expiry_sentence_forms() {
        let want = Some("2023-11-25".to_string());
        assert_eq!(
            expiry("(※1) 仮パスワードの有効期限は、2023年11月25日までとなっております。"),
            want
        );
        assert_eq!(
            expiry("※1 仮パスワードは2023年11月25日まで有効です。"),
            want
        );
        assert_eq!(
            expiry("(※1)仮パスワード有効期限：２０２３／１１／２５"),
            want
        );
        assert_eq!(
            expiry("パスワード(仮)の有効期限は令和5年11月25日(土)まで"),
            want
        );
        assert_eq!(
            expiry("(※1) 仮パスワードの有効期限は、\n2023年11月25日までとなっております。"),
            want
        );
        assert_eq!(
            expiry("有効期限を過ぎた場合はパスワード再発行となります。"),
            None
        );
    }
}
