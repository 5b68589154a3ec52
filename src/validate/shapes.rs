//! Shape checks: each value looks like what its field holds.
//!
//! A misread layout (a column shifted, two cells glued, a stamp over a
//! value) rarely gives a value that still has the right shape: a name with
//! an address in it, a password with Japanese in it, a row with no order.
//! These checks turn such values into findings that name the field, so a
//! wrong value goes to a person instead of into account creation. Messages
//! never quote a password (or anything that may be one).

use super::{Code, Findings};
use crate::layout::is_cjk;
use crate::notice::Notice;

/// Temporary passwords the manual describes are 8–32 printable ASCII
/// characters; outside a generous band around that a value is misread.
const MIN_PASSWORD_LEN: usize = 6;
/// See [`MIN_PASSWORD_LEN`].
const MAX_PASSWORD_LEN: usize = 64;

/// An ASCII run this long with a digit or symbol inside a name looks like a
/// password or an ID glued onto it.
const PASSWORD_LIKE_RUN: usize = 6;

/// Every row's cells, the header's names, and the DNS block's shapes.
pub(crate) fn shapes(n: &Notice, f: &mut Findings<'_>) {
    for (i, u) in n.users.iter().enumerate() {
        let row = u.no;
        if u.order.is_none() {
            f.push(
                Code::OrderMissing,
                Some(format!("users[{i}].order")),
                format!("row {row} has no order (追加, 変更 or 削除): a cell may be misread"),
            );
        }
        // Every row prints its user's name: a row without one lost a cell.
        if u.name.is_none() {
            f.push(
                Code::RequiredFieldMissing,
                Some(format!("users[{i}].name")),
                format!("row {row} has no name: a cell may be misread"),
            );
        }
        if u.user_id.is_none() {
            f.push(
                Code::UserIdMissing,
                Some(format!("users[{i}].user_id")),
                format!("row {row} has no user ID: a cell may be misread"),
            );
        }
        if let Some(name) = &u.name
            && !is_name_like(name)
        {
            f.push(
                Code::NameShape,
                Some(format!("users[{i}].name")),
                format!(
                    "row {row}'s name holds an address, a password-like run or a reading: a cell may be glued to it"
                ),
            );
        }
        if let Some(pw) = &u.temporary_password
            && !is_password_like(pw.expose())
        {
            f.push(
                Code::PasswordShape,
                Some(format!("users[{i}].temporary_password")),
                format!(
                    "row {row}'s temporary password is not {MIN_PASSWORD_LEN}–{MAX_PASSWORD_LEN} printable ASCII characters without spaces: a cell may be misread"
                ),
            );
        }
    }
    for (field, value) in [
        ("contractor_name", n.contractor_name.as_deref()),
        ("service_name", n.service_name.as_deref()),
        ("product_name", n.product_name.as_deref()),
    ] {
        if let Some(v) = value
            && (v.contains('@') || v.contains("://"))
        {
            f.push(
                Code::ValueShape,
                Some(field.into()),
                format!(
                    "the {field} holds an address or a URL: a neighbouring value may be glued to it"
                ),
            );
        }
    }
    if let Some(domain) = &n.domain
        && !is_host_name(domain)
    {
        f.push(
            Code::ValueShape,
            Some("domain".into()),
            format!("the domain {domain:?} is not a host name"),
        );
    }
    if let Some(dns) = &n.dns {
        if let Some(id) = &dns.auth_id
            && !id.chars().all(|c| c.is_ascii_graphic())
        {
            f.push(
                Code::ValueShape,
                Some("dns.auth_id".into()),
                "the DNS auth ID is not printable ASCII: a mark may lie over it".into(),
            );
        }
        if let Some(pw) = &dns.auth_password
            && !is_password_like(pw.expose())
        {
            f.push(
                Code::PasswordShape,
                Some("dns.auth_password".into()),
                "the DNS auth password is not printable ASCII without spaces".into(),
            );
        }
        for (i, s) in dns.servers.iter().enumerate() {
            if let Some(h) = &s.hostname
                && !is_host_name(h)
            {
                f.push(
                    Code::ValueShape,
                    Some(format!("dns.servers[{i}].hostname")),
                    format!("the DNS server name {h:?} is not a host name"),
                );
            }
        }
    }
}

/// A person's or agency's name: no address, no URL, no katakana reading
/// (`・`-joined words), no long ASCII run with digits or symbols.
fn is_name_like(name: &str) -> bool {
    if name.contains('@') || name.contains("://") || name.contains('・') {
        return false;
    }
    !name.split(|c: char| !c.is_ascii_graphic()).any(|run| {
        run.chars().count() >= PASSWORD_LIKE_RUN
            && run
                .chars()
                .any(|c| c.is_ascii_digit() || c.is_ascii_punctuation())
    })
}

/// Printable ASCII, no spaces, a plausible length, no Japanese.
fn is_password_like(pw: &str) -> bool {
    let n = pw.chars().count();
    (MIN_PASSWORD_LEN..=MAX_PASSWORD_LEN).contains(&n)
        && pw.chars().all(|c| c.is_ascii_graphic() && !is_cjk(c))
}

/// `label.label.tld`: ASCII letters, digits and hyphens.
fn is_host_name(h: &str) -> bool {
    h.contains('.')
        && h.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::clean_notice;
    use super::super::{Policy, validate};
    use crate::secret::Secret;

    fn codes(n: &crate::notice::Notice) -> Vec<(&'static str, Option<String>)> {
        validate(n, &Policy::default(), jiff::civil::date(2020, 1, 1))
            .into_iter()
            .filter(|f| {
                matches!(
                    f.code,
                    "order_missing"
                        | "required_field_missing"
                        | "user_id_missing"
                        | "name_shape"
                        | "password_shape"
                        | "value_shape"
                )
            })
            .map(|f| (f.code, f.field))
            .collect()
    }

    #[test]
    fn a_clean_notice_has_the_right_shapes() {
        assert!(codes(&clean_notice()).is_empty());
    }

    #[test]
    fn misread_cells_are_named() {
        let mut n = clean_notice();
        n.users[0].name = Some("青木 翔太 saoki@example.jp".into());
        n.users[0].user_id = None;
        n.users[1].name = None;
        n.users[1].temporary_password = Some(Secret::new("Ab3$xyz 追加"));
        n.users[1].order = None;
        n.contractor_name = Some("秘松本 修".into());
        if let Some(d) = n.dns.as_mut() {
            d.auth_id = Some("TG2QMSH秘".into());
        }
        let found = codes(&n);
        let has = |code: &str, field: &str| {
            found
                .iter()
                .any(|(c, f)| *c == code && f.as_deref() == Some(field))
        };
        assert!(has("name_shape", "users[0].name"));
        assert!(has("user_id_missing", "users[0].user_id"));
        assert!(has("required_field_missing", "users[1].name"));
        assert!(has("password_shape", "users[1].temporary_password"));
        assert!(has("order_missing", "users[1].order"));
        assert!(has("value_shape", "dns.auth_id"));
        // A watermark glyph in a name keeps its shape: that is the
        // decoration layer's to catch, not a shape check's.
        assert!(
            !found
                .iter()
                .any(|(_, f)| f.as_deref() == Some("contractor_name"))
        );
    }
}
