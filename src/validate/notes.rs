//! Findings from what the parser noticed besides the values: invisible
//! text and layout drift.
//!
//! Invisible text in a notice is how a forged PDF hides a second login URL
//! or password from the person but not from a copy-paste or a parser, so
//! it is reported when it looks like something a user could act on: a URL,
//! an e-mail address, a password-like token, or a field label or value.
//! Invisible text that is none of these (a producer's leftover, an OCR
//! layer is not here at all) stays silent. The hidden text itself is never
//! quoted; only the host of a hidden URL is named, since hosts are what a
//! reader needs to recognise a phishing target.
//!
//! Layout drift tells the maintainers the notice template changed: an
//! unknown label or column may hold a field the parser now misses.

use super::{Code, Findings};
use crate::notice::{Drift, Notice};
use url::Url;

/// Labels whose presence in hidden text makes it worth a look.
const FIELD_LABELS: &[&str] = &[
    "ログイン",
    "URL",
    "パスワード",
    "ユーザーID",
    "ユーザID",
    "ユーザー名",
    "ユーザ名",
    "ドメイン",
    "お客さま番号",
    "お客様番号",
    "ご契約者",
    "ID数",
    "有効期限",
    "認証",
    "ゾーン",
    "サーバ",
];

/// The shortest token that counts as password-like. Notice passwords are
/// 10–14 characters; 8 leaves room for a shortened decoy.
const MIN_PASSWORD_LIKE_CHARS: usize = 8;

/// What a hidden line looks like.
#[derive(Debug, Default)]
struct Looks {
    url_hosts: Vec<String>,
    email: bool,
    password: bool,
    field: bool,
}

fn is_host_like(token: &str) -> bool {
    let labels: Vec<&str> = token.split('.').collect();
    token == token.to_ascii_lowercase()
        && labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
}

fn is_email_like(token: &str) -> bool {
    token
        .split_once('@')
        .is_some_and(|(local, host)| !local.is_empty() && is_host_like(&host.to_ascii_lowercase()))
}

fn is_password_like(token: &str) -> bool {
    if token.chars().count() < MIN_PASSWORD_LIKE_CHARS
        || !token.chars().all(|c| c.is_ascii_graphic())
    {
        return false;
    }
    let classes = [
        token.chars().any(|c| c.is_ascii_uppercase()),
        token.chars().any(|c| c.is_ascii_lowercase()),
        token.chars().any(|c| c.is_ascii_digit()),
        token.chars().any(|c| c.is_ascii_punctuation()),
    ];
    classes.iter().filter(|x| **x).count() >= 3
}

/// Field values of the notice a decoy would copy or replace.
fn field_values(n: &Notice) -> Vec<String> {
    let mut v: Vec<String> = [
        &n.customer_number,
        &n.domain,
        &n.login_url,
        &n.contractor_name,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect();
    v.extend(n.users.iter().filter_map(|u| u.user_id.clone()));
    v.extend(
        n.users
            .iter()
            .filter_map(|u| u.temporary_password.as_ref())
            .map(|p| p.expose().to_string()),
    );
    v.retain(|s| s.chars().count() >= 4);
    v
}

fn classify(text: &str, values: &[String]) -> Looks {
    let mut looks = Looks::default();
    for raw in text.split(|c: char| c.is_whitespace() || "「」()（）<>、,".contains(c)) {
        let token = raw.trim_matches(|c: char| "\"'.;:".contains(c));
        if token.is_empty() {
            continue;
        }
        if let Some(i) = token.find("://") {
            let start = token
                .get(..i)
                .and_then(|p| p.rfind(|c: char| !c.is_ascii_alphanumeric()))
                .map_or(0, |j| j + 1);
            let host = token
                .get(start..)
                .and_then(|u| Url::parse(u).ok())
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_else(|| "an unreadable host".to_string());
            looks.url_hosts.push(host);
        } else if is_email_like(token) {
            looks.email = true;
        } else if is_password_like(token) {
            looks.password = true;
        } else {
            // A bare host, maybe with a path (`evil.example/console/`, or
            // the second half of a wrapped URL).
            let host = token.split('/').next().unwrap_or(token);
            if is_host_like(host) {
                looks.url_hosts.push(host.to_string());
            }
        }
    }
    looks.field = FIELD_LABELS.iter().any(|l| text.contains(l))
        || values.iter().any(|v| text.contains(v.as_str()));
    looks
}

/// `hidden_text`: one finding per hidden line that looks actionable.
pub(crate) fn hidden_text(n: &Notice, f: &mut Findings<'_>) {
    let values = field_values(n);
    for h in &n.notes.hidden_text {
        let looks = classify(h.text.expose(), &values);
        let mut what = Vec::new();
        if !looks.url_hosts.is_empty() {
            what.push(format!("a URL or host ({})", looks.url_hosts.join(", ")));
        }
        if looks.email {
            what.push("an e-mail address".to_string());
        }
        if looks.password {
            what.push("a password".to_string());
        }
        if looks.field {
            what.push("a field label or value".to_string());
        }
        if what.is_empty() {
            continue;
        }
        f.push(
            Code::HiddenText,
            None,
            format!(
                "page {} has invisible text ({}) that looks like {}; check the notice is genuine",
                h.page,
                h.reason,
                what.join(" and ")
            ),
        );
    }
}

/// `unknown_label`, `unplaced_cell`, `unknown_column`,
/// `decoration_over_value`.
pub(crate) fn drift(n: &Notice, f: &mut Findings<'_>) {
    for d in &n.notes.drift {
        match d {
            Drift::UnknownLabel { label, page } => f.push(
                Code::UnknownLabel,
                None,
                format!("page {page} has a label the parser does not know: {label}"),
            ),
            Drift::UnplacedCell { row, page } => f.push(
                Code::UnplacedCell,
                Some("users".into()),
                format!("page {page} has a user-table cell near row {row} that no column took"),
            ),
            Drift::DecorationOverValue { field, kind, page } => f.push(
                Code::DecorationOverValue,
                Some(field.clone()),
                format!(
                    "page {page}: a mark set apart by its {} (a watermark, stamp or seal) lies over this value; check it by eye",
                    match *kind {
                        "translucent" => "opacity",
                        other => other,
                    }
                ),
            ),
            Drift::SpaceDoubt { field, page } => f.push(
                Code::SpaceDoubt,
                Some(field.clone()),
                format!(
                    "page {page}: a gap inside this name was close to the space threshold: a space may be missing or extra; check it by eye"
                ),
            ),
            // Reported with the required fields (`checks::required_fields`).
            Drift::UnreadValue { .. } => {}
            Drift::WrapSpaceDoubt { field, page } => f.push(
                Code::WrapSpaceDoubt,
                Some(field.clone()),
                format!(
                    "page {page}: this name wraps on a line full to its cell's edge: the break may have been at a space, which is not printed at a line's end; it was read without one; check it by eye"
                ),
            ),
            Drift::StyleMix { field, page } => f.push(
                Code::StyleMix,
                Some(field.clone()),
                format!(
                    "page {page}: a glyph of this value is of another size than the rest: a mark or a neighbouring cell may be in it"
                ),
            ),
            Drift::FieldConflict { field, page } => f.push(
                Code::FieldConflict,
                Some(field.clone()),
                format!(
                    "page {page} gives this field's label again with another value; the first one was read"
                ),
            ),
            Drift::TwoOwners { row, other, page } => {
                for (this, that) in [(row, other), (other, row)] {
                    let field = n
                        .users
                        .iter()
                        .position(|u| u.no == *this)
                        .map_or_else(|| "users".to_string(), |i| format!("users[{i}]"));
                    f.push(
                        Code::WrappedLineTwoRows,
                        Some(field),
                        format!(
                            "page {page}: a wrapped line between rows {this} and {that} is about as near to both; it may belong to the other row"
                        ),
                    );
                }
            }
            Drift::PairingDoubt { field, page } => f.push(
                Code::LabelPairingDoubt,
                Some(field.clone()),
                format!(
                    "page {page}: a label wrapped beside this value was left in parts, with another row's text between them: which lines are this value's is in doubt; check it by eye"
                ),
            ),
            Drift::UnknownColumn { label, page } => f.push(
                Code::UnknownColumn,
                Some("users".into()),
                format!("page {page} has a user-table column the parser does not know: {label}"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notice::HiddenText;
    use crate::secret::Secret;
    use crate::validate::test_support::{TODAY, clean_notice, codes};
    use crate::validate::{Policy, validate};

    fn hidden(text: &str) -> Vec<crate::validate::Finding> {
        let mut n = clean_notice();
        n.notes.hidden_text.push(HiddenText {
            page: 2,
            reason: "white_fill",
            text: Secret::new(text),
        });
        validate(&n, &Policy::default(), TODAY)
    }

    #[test]
    fn hidden_url_names_the_host() {
        let found = hidden("https://www.auth.iij.jp.example-login.com/console/");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, "hidden_text");
        assert!(found[0].message.contains("page 2"));
        assert!(found[0].message.contains("white_fill"));
        assert!(
            found[0]
                .message
                .contains("www.auth.iij.jp.example-login.com")
        );
    }

    #[test]
    fn hidden_password_is_never_quoted() {
        let found = hidden("Zx9#kLm2Qp");
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("a password"));
        assert!(!found[0].message.contains("Zx9#kLm2Qp"));
    }

    #[test]
    fn hidden_email_label_and_value() {
        assert!(hidden("evil@example.com")[0].message.contains("e-mail"));
        assert!(hidden("ログイン先URL")[0].message.contains("field label"));
        assert!(
            hidden("n1234567.insurance-agt.ne.jp")[0]
                .message
                .contains("field label or value")
        );
    }

    #[test]
    fn harmless_hidden_text_is_silent() {
        assert!(hidden("株式会社").is_empty());
        assert!(hidden("1 / 3").is_empty());
    }

    #[test]
    fn drift_findings() {
        let mut n = clean_notice();
        n.notes.drift = vec![
            Drift::UnknownLabel {
                label: "担当者".into(),
                page: 1,
            },
            Drift::UnplacedCell { row: 3, page: 2 },
            Drift::UnknownColumn {
                label: "備考".into(),
                page: 1,
            },
            Drift::DecorationOverValue {
                field: "users[1].name".into(),
                kind: "translucent",
                page: 1,
            },
        ];
        assert_eq!(
            codes(&n),
            vec![
                "unknown_label",
                "unplaced_cell",
                "unknown_column",
                "decoration_over_value"
            ]
        );
        let found = validate(&n, &Policy::default(), TODAY);
        assert!(found[0].message.contains("担当者") && found[0].message.contains("page 1"));
        let over = found
            .iter()
            .find(|f| f.code == "decoration_over_value")
            .and_then(|f| f.field.as_deref());
        assert_eq!(over, Some("users[1].name"));
    }

    #[test]
    fn doubt_findings_name_their_field_or_rows() {
        let mut n = clean_notice();
        n.notes.drift = vec![
            Drift::SpaceDoubt {
                field: "users[1].name".into(),
                page: 1,
            },
            Drift::StyleMix {
                field: "contractor_name".into(),
                page: 1,
            },
            Drift::WrapSpaceDoubt {
                field: "users[0].name".into(),
                page: 1,
            },
            Drift::UnreadValue {
                field: "dns_zone_support".into(),
            },
            Drift::FieldConflict {
                field: "domain".into(),
                page: 2,
            },
            Drift::TwoOwners {
                row: 2,
                other: 1,
                page: 1,
            },
            // A row number the notice does not have names the table.
            Drift::TwoOwners {
                row: 7,
                other: 1,
                page: 1,
            },
        ];
        let found = validate(&n, &Policy::default(), TODAY);
        let found: Vec<(&str, Option<&str>)> =
            found.iter().map(|f| (f.code, f.field.as_deref())).collect();
        assert_eq!(
            found,
            vec![
                // An unread value is named with the required fields, first.
                ("required_field_missing", Some("dns_zone_support")),
                ("space_doubt", Some("users[1].name")),
                ("style_mix", Some("contractor_name")),
                ("wrap_space_doubt", Some("users[0].name")),
                ("field_conflict", Some("domain")),
                ("wrapped_line_two_rows", Some("users[1]")),
                ("wrapped_line_two_rows", Some("users[0]")),
                ("wrapped_line_two_rows", Some("users")),
                ("wrapped_line_two_rows", Some("users[0]")),
            ]
        );
    }
}
