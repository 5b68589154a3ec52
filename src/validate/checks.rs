//! Field checks on the notice header, its dates and its user table.
//!
//! These are the consistency rules a person checks by eye before handing
//! a notice to a customer: every required field is there, the customer
//! number has its shape, the temporary passwords still work, each user ID
//! is an address in the notice's domain, the ID count covers the rows, and
//! each reading spells its password.

use super::Policy;
use super::reading::{ReadingError, decode_reading};
use super::{Code, Findings};
use crate::notice::{DnsOption, DnsRole, Drift, Notice, OrderKind};
use jiff::civil::Date;
use std::collections::BTreeMap;

/// `required_field_missing`, one finding per missing field.
pub(crate) fn required_fields(n: &Notice, f: &mut Findings<'_>) {
    let missing = [
        ("customer_number", n.customer_number.is_none()),
        ("contract_start_date", n.contract_start_date.is_none()),
        ("contractor_name", n.contractor_name.is_none()),
        ("service_name", n.service_name.is_none()),
        ("product_name", n.product_name.is_none()),
        ("domain", n.domain.is_none()),
        ("login_url", n.login_url.is_none()),
        ("id_count", n.id_count.is_none()),
        ("users", n.users.is_empty()),
    ];
    for (field, is_missing) in missing {
        if is_missing {
            let what = if field == "users" {
                "the notice has no user rows".to_string()
            } else {
                format!("the notice has no {field}")
            };
            f.push(Code::RequiredFieldMissing, Some(field.into()), what);
        }
    }
    if let Some(dns) = &n.dns {
        dns_fields(dns, f);
    }
    // A label printed whose value was not read (`dns_zone_support` with
    // neither answer): a required field lost, named with the others.
    for d in &n.notes.drift {
        if let Drift::UnreadValue { field } = d {
            f.push(
                Code::RequiredFieldMissing,
                Some(field.clone()),
                "the notice prints this field's label, but its value was not read: check it by eye"
                    .to_string(),
            );
        }
    }
}

/// A DNSサービスオプション block always prints its zone, control panel URL,
/// auth ID and password and a primary and a secondary server, each with a
/// host name and an IP: a block read with one of them missing lost a line
/// (a label the parser did not know, say), which a person has to look at.
fn dns_fields(dns: &DnsOption, f: &mut Findings<'_>) {
    let missing = [
        ("dns.zone", dns.zone.is_none()),
        ("dns.control_panel_url", dns.control_panel_url.is_none()),
        ("dns.auth_id", dns.auth_id.is_none()),
        ("dns.auth_password", dns.auth_password.is_none()),
    ];
    for (field, is_missing) in missing {
        if is_missing {
            let what = format!("the DNS block has no {field}");
            f.push(Code::RequiredFieldMissing, Some(field.into()), what);
        }
    }
    for role in [DnsRole::Primary, DnsRole::Secondary] {
        let name = match role {
            DnsRole::Primary => "primary",
            DnsRole::Secondary => "secondary",
        };
        match dns.servers.iter().position(|s| s.role == role) {
            None => f.push(
                Code::RequiredFieldMissing,
                Some("dns.servers".into()),
                format!("the DNS block has no {name} server"),
            ),
            Some(i) => {
                let Some(server) = dns.servers.get(i) else {
                    continue;
                };
                for (part, is_missing) in [
                    ("hostname", server.hostname.is_none()),
                    ("ip", server.ip.is_none()),
                ] {
                    if is_missing {
                        f.push(
                            Code::RequiredFieldMissing,
                            Some(format!("dns.servers[{i}].{part}")),
                            format!("the DNS block's {name} server has no {part}"),
                        );
                    }
                }
            }
        }
    }
}

/// `customer_number_invalid`: `N` + 10 ASCII digits.
pub(crate) fn customer_number(n: &Notice, f: &mut Findings<'_>) {
    let Some(num) = &n.customer_number else {
        return;
    };
    let ok = num
        .strip_prefix('N')
        .is_some_and(|d| d.len() == 10 && d.bytes().all(|b| b.is_ascii_digit()));
    if !ok {
        f.push(
            Code::CustomerNumberInvalid,
            Some("customer_number".into()),
            format!("the customer number {num:?} is not N followed by 10 digits"),
        );
    }
}

/// `password_expired`, `password_expiring`, `expiry_missing`,
/// `start_after_expiry`.
pub(crate) fn dates(n: &Notice, policy: &Policy, today: Date, f: &mut Findings<'_>) {
    let field = || Some("temporary_password_expiry".to_string());
    let Some(expiry) = n.temporary_password_expiry else {
        // Only rows with a temporary password need an expiry: a notice of
        // 削除 rows alone has none to print.
        if n.users.iter().any(|u| u.temporary_password.is_some()) {
            f.push(
                Code::ExpiryMissing,
                field(),
                "the notice gives temporary passwords but no expiry date".into(),
            );
        }
        return;
    };
    if expiry < today {
        f.push(
            Code::PasswordExpired,
            field(),
            format!("the temporary passwords expired on {expiry} (today is {today})"),
        );
    } else {
        let days = today.until(expiry).map(|s| i64::from(s.get_days()));
        if let Ok(days) = days
            && days <= policy.warn_days
        {
            f.push(
                Code::PasswordExpiring,
                field(),
                format!(
                    "the temporary passwords expire on {expiry}, in {days} day(s) (warning from {} days)",
                    policy.warn_days
                ),
            );
        }
    }
    if let Some(start) = n.contract_start_date
        && start > expiry
    {
        f.push(
            Code::StartAfterExpiry,
            Some("contract_start_date".into()),
            format!(
                "the contract starts on {start}, after the temporary passwords expire on {expiry}"
            ),
        );
    }
}

/// The user table: IDs, duplicates, passwords, readings, the ID count.
pub(crate) fn users(n: &Notice, f: &mut Findings<'_>) {
    let domain = n.domain.as_deref().map(str::to_ascii_lowercase);
    let mut first_row_of_id: BTreeMap<String, u32> = BTreeMap::new();
    let mut seen_rows: BTreeMap<u32, usize> = BTreeMap::new();
    for (i, u) in n.users.iter().enumerate() {
        let row = u.no;
        if seen_rows.insert(row, i).is_some() {
            f.push(
                Code::DuplicateRowNumber,
                Some(format!("users[{i}].no")),
                format!("row number {row} appears more than once"),
            );
        }
        if let Some(id) = &u.user_id {
            check_user_id(id, row, i, domain.as_deref(), f);
            let key = id.trim().to_ascii_lowercase();
            if let Some(first) = first_row_of_id.get(&key) {
                f.push(
                    Code::DuplicateUserId,
                    Some(format!("users[{i}].user_id")),
                    format!("row {row}'s user ID is also row {first}'s"),
                );
            } else {
                first_row_of_id.insert(key, row);
            }
        }
        if u.order == Some(OrderKind::Add)
            && u.temporary_password
                .as_ref()
                .is_none_or(|p| p.expose().trim().is_empty())
        {
            f.push(
                Code::AddedUserWithoutPassword,
                Some(format!("users[{i}].temporary_password")),
                format!("row {row} adds a user but has no temporary password"),
            );
        }
        check_reading(u, i, f);
    }
    row_number_gaps(&seen_rows, f);
    if let Some(count) = n.id_count {
        // 削除 rows remove IDs; rows whose order could not be read are
        // counted, since the count must cover them if they are real.
        let needed = n
            .users
            .iter()
            .filter(|u| u.order != Some(OrderKind::Delete))
            .count();
        if usize::try_from(count).is_ok_and(|c| c < needed) {
            f.push(
                Code::IdCountTooSmall,
                Some("id_count".into()),
                format!(
                    "the ID count is {count}, but {needed} row(s) add or change a user (削除 rows not counted)"
                ),
            );
        }
    }
}

/// Row numbers that the table skips: every notice numbers its rows 1, 2,
/// 3, … (the manual's two variants, and every producer's sample), so a
/// number missing before the highest one read is a row the reader may have
/// lost: a user whose account would silently not be made. Named once for
/// the whole table, with the first skipped numbers.
fn row_number_gaps(seen_rows: &BTreeMap<u32, usize>, f: &mut Findings<'_>) {
    /// How many skipped numbers the message names; the count says the rest.
    const NAMED: usize = 3;
    let mut next = 1u32;
    let mut skipped = 0u64;
    let mut named: Vec<String> = Vec::new();
    for &row in seen_rows.keys() {
        if row > next {
            skipped += u64::from(row - next);
            let mut gap = next;
            while gap < row && named.len() < NAMED {
                named.push(gap.to_string());
                gap += 1;
            }
        }
        next = next.max(row.saturating_add(1));
    }
    if skipped > 0 {
        let more = if skipped > named.len() as u64 {
            ", …"
        } else {
            ""
        };
        f.push(
            Code::RowNumberGap,
            Some("users".into()),
            format!(
                "the user table skips row number(s) {}{more} ({skipped} in all): a row may not have been read",
                named.join(", ")
            ),
        );
    }
}

fn check_user_id(id: &str, row: u32, i: usize, domain: Option<&str>, f: &mut Findings<'_>) {
    let field = || Some(format!("users[{i}].user_id"));
    let parts = id.trim().split_once('@');
    let well_formed = parts.is_some_and(|(local, host)| {
        !local.is_empty()
            && !host.contains('@')
            && !local.contains(char::is_whitespace)
            && !host.contains(char::is_whitespace)
            && host.contains('.')
            && host.split('.').all(|l| !l.is_empty())
    });
    if !well_formed {
        f.push(
            Code::UserIdNotEmail,
            field(),
            format!("row {row}'s user ID is not an e-mail address"),
        );
        return;
    }
    if let (Some((_, host)), Some(domain)) = (parts, domain)
        && host.to_ascii_lowercase() != domain
    {
        f.push(
            Code::UserIdOutsideDomain,
            field(),
            format!("row {row}'s user ID is not in the notice's domain {domain}"),
        );
    }
}

/// `reading_mismatch` and `reading_unknown_word` for one row.
fn check_reading(u: &crate::notice::User, i: usize, f: &mut Findings<'_>) {
    let (Some(reading), Some(password)) = (&u.password_reading, &u.temporary_password) else {
        return;
    };
    let field = Some(format!("users[{i}].password_reading"));
    let row = u.no;
    match decode_reading(reading.expose()) {
        Err(e @ (ReadingError::UnknownWord { .. } | ReadingError::MissingCase { .. })) => {
            f.push(
                Code::ReadingUnknownWord,
                field,
                format!("row {row}'s password reading: {e}"),
            );
        }
        Err(ReadingError::Empty) => f.push(
            Code::ReadingUnknownWord,
            field,
            format!("row {row}'s password reading has no words"),
        ),
        Ok(spelled) => {
            if let Some(pos) = first_difference(&spelled, password.expose()) {
                f.push(
                    Code::ReadingMismatch,
                    field,
                    format!(
                        "row {row}'s password reading does not spell its temporary password: they differ at character {pos}"
                    ),
                );
            }
        }
    }
}

/// The first position (from 1) where two strings differ, counting a
/// missing character as a difference.
fn first_difference(a: &str, b: &str) -> Option<usize> {
    let mut a = a.chars();
    let mut b = b.chars();
    let mut pos = 1;
    loop {
        match (a.next(), b.next()) {
            (None, None) => return None,
            (x, y) if x == y => pos += 1,
            _ => return Some(pos),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use crate::validate::test_support::{TODAY, clean_notice, codes};
    use crate::validate::validate;
    use jiff::civil::date;

    #[test]
    fn required_fields_are_named() {
        let mut n = clean_notice();
        n.customer_number = None;
        n.login_url = None;
        let found = validate(&n, &Policy::default(), TODAY);
        let fields: Vec<_> = found.iter().filter_map(|f| f.field.as_deref()).collect();
        assert_eq!(fields, vec!["customer_number", "login_url"]);
        assert!(found.iter().all(|f| f.code == "required_field_missing"));

        let mut n = clean_notice();
        n.users.clear();
        assert_eq!(codes(&n), vec!["required_field_missing"]);
        let mut n = clean_notice();
        n.contract_start_date = None;
        n.contractor_name = None;
        n.domain = None;
        n.id_count = None;
        assert_eq!(codes(&n), vec!["required_field_missing"; 4]);

        // Every variant of the notice prints its service and product names.
        let mut n = clean_notice();
        n.service_name = None;
        n.product_name = None;
        let found = validate(&n, &Policy::default(), TODAY);
        let fields: Vec<_> = found.iter().filter_map(|f| f.field.as_deref()).collect();
        assert_eq!(fields, vec!["service_name", "product_name"]);
        assert!(found.iter().all(|f| f.code == "required_field_missing"));
    }

    #[test]
    fn an_unread_support_value_is_named_with_the_required_fields() {
        let mut n = clean_notice();
        n.customer_number = Some("X1".into());
        n.dns_zone_support = None;
        n.notes.drift = vec![
            crate::notice::Drift::FieldConflict {
                field: "domain".into(),
                page: 1,
            },
            crate::notice::Drift::UnreadValue {
                field: "dns_zone_support".into(),
            },
        ];
        n.service_name = None;
        let found = validate(&n, &Policy::default(), TODAY);
        let found: Vec<(&str, Option<&str>)> =
            found.iter().map(|f| (f.code, f.field.as_deref())).collect();
        assert_eq!(
            found,
            vec![
                ("required_field_missing", Some("service_name")),
                ("required_field_missing", Some("dns_zone_support")),
                ("customer_number_invalid", Some("customer_number")),
                ("field_conflict", Some("domain")),
            ]
        );
    }

    #[test]
    fn a_dns_block_missing_a_server_or_a_field_is_named() {
        let mut n = clean_notice();
        let dns = n.dns.as_mut().expect("the clean notice has a DNS block");
        dns.auth_id = None;
        dns.servers
            .retain(|s| s.role == crate::notice::DnsRole::Secondary);
        if let Some(s) = dns.servers.first_mut() {
            s.ip = None;
        }
        let found = validate(&n, &Policy::default(), TODAY);
        let fields: Vec<_> = found
            .iter()
            .filter(|f| f.code == "required_field_missing")
            .filter_map(|f| f.field.as_deref())
            .collect();
        assert_eq!(
            fields,
            vec!["dns.auth_id", "dns.servers", "dns.servers[0].ip"]
        );
        // A notice with no DNS block has none of these.
        let mut n = clean_notice();
        n.dns = None;
        assert!(codes(&n).is_empty());
    }

    #[test]
    fn customer_number_shape() {
        for bad in [
            "N123456789",
            "N12345678901",
            "n1234567890",
            "N12345６7890",
            "1234567890",
        ] {
            let mut n = clean_notice();
            n.customer_number = Some(bad.into());
            assert_eq!(codes(&n), vec!["customer_number_invalid"], "{bad}");
        }
    }

    #[test]
    fn expiry_dates() {
        let mut n = clean_notice();
        n.temporary_password_expiry = Some(date(2024, 2, 29));
        n.contract_start_date = Some(date(2024, 2, 1));
        assert_eq!(codes(&n), vec!["password_expired"]);
        n.temporary_password_expiry = Some(TODAY);
        assert_eq!(codes(&n), vec!["password_expiring"]);
        n.temporary_password_expiry = Some(date(2024, 3, 15));
        assert_eq!(codes(&n), vec!["password_expiring"]);
        n.temporary_password_expiry = Some(date(2024, 3, 16));
        assert!(codes(&n).is_empty());
        n.temporary_password_expiry = None;
        assert_eq!(codes(&n), vec!["expiry_missing"]);
        for u in &mut n.users {
            u.temporary_password = None;
            u.password_reading = None;
            u.order = Some(OrderKind::Delete);
        }
        assert!(codes(&n).is_empty());
    }

    #[test]
    fn warn_days_come_from_the_policy() {
        let mut n = clean_notice();
        n.temporary_password_expiry = Some(date(2024, 3, 20));
        let policy = Policy {
            warn_days: 30,
            ..Policy::default()
        };
        let found = validate(&n, &policy, TODAY);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, "password_expiring");
    }

    #[test]
    fn start_after_expiry() {
        let mut n = clean_notice();
        n.contract_start_date = Some(date(2024, 7, 1));
        assert_eq!(codes(&n), vec!["start_after_expiry"]);
    }

    #[test]
    fn user_ids() {
        let mut n = clean_notice();
        n.users[0].user_id = Some("taro".into());
        n.users[1].user_id = Some("hanako@example.com".into());
        assert_eq!(
            codes(&n),
            vec!["user_id_not_email", "user_id_outside_domain"]
        );
        let mut n = clean_notice();
        n.users[1].user_id = Some("TARO@n1234567.insurance-agt.ne.jp".into());
        let found = validate(&n, &Policy::default(), TODAY);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, "duplicate_user_id");
        assert_eq!(found[0].field.as_deref(), Some("users[1].user_id"));
    }

    #[test]
    fn a_user_id_that_may_hold_a_password_is_never_quoted() {
        let glued = "taro@n1234567.insurance-agt.ne.jpmF-i8wgb3GqU";
        let mut n = clean_notice();
        n.users[0].user_id = Some(glued.into());
        n.users[1].user_id = Some(format!("{glued} x"));
        let found = validate(&n, &Policy::default(), TODAY);
        assert!(found.len() >= 2, "{found:?}");
        // Messages name the row: a misread ID may hold a password.
        assert!(found.iter().all(|f| !f.message.contains("i8wgb3")));
        let mut n = clean_notice();
        n.users[0].user_id = Some("Qx7$kP2m@n1234567.insurance-agt.ne.jp".into());
        n.users[1].user_id = n.users[0].user_id.clone();
        let found = validate(&n, &Policy::default(), TODAY);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(!found[0].message.contains("Qx7$kP2m"));
    }

    #[test]
    fn skipped_row_numbers_are_named_once() {
        let n = clean_notice();
        assert!(n.users.len() >= 2, "the clean notice has rows 1 and 2");
        let mut gap = clean_notice();
        gap.users[1].no = 4;
        assert_eq!(codes(&gap), vec!["row_number_gap"]);
        let found = validate(&gap, &Policy::default(), TODAY);
        assert!(found[0].message.contains("2, 3 (2 in all)"), "{found:?}");
        // The first row lost: the table starts at 2.
        let mut late = clean_notice();
        late.users[0].no = 3;
        late.users[1].no = 2;
        assert_eq!(codes(&late), vec!["row_number_gap"]);
        // A wide gap names three numbers and counts the rest, without
        // building a list as long as the gap.
        let mut wide = clean_notice();
        wide.users[1].no = u32::MAX;
        let found = validate(&wide, &Policy::default(), TODAY);
        assert!(
            found[0].message.contains("2, 3, 4, … (4294967293 in all)"),
            "{found:?}"
        );
    }

    #[test]
    fn duplicate_rows() {
        let mut n = clean_notice();
        n.users[1].no = 1;
        assert_eq!(codes(&n), vec!["duplicate_row_number"]);
    }

    #[test]
    fn added_user_needs_a_password() {
        let mut n = clean_notice();
        n.users[1].temporary_password = None;
        let found = validate(&n, &Policy::default(), TODAY);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, "added_user_without_password");
        assert_eq!(
            found[0].field.as_deref(),
            Some("users[1].temporary_password")
        );
        n.users[1].order = Some(OrderKind::Change);
        assert!(codes(&n).is_empty());
    }

    #[test]
    fn id_count() {
        let mut n = clean_notice();
        n.id_count = Some(1);
        assert_eq!(codes(&n), vec!["id_count_too_small"]);
        n.users[1].order = Some(OrderKind::Delete);
        assert!(codes(&n).is_empty());
        n.id_count = Some(40);
        assert!(codes(&n).is_empty());
    }

    #[test]
    fn reading_mismatch_names_the_position_only() {
        let mut n = clean_notice();
        n.users[0].temporary_password = Some(Secret::new("5nnBM#mqUkwq"));
        let found = validate(&n, &Policy::default(), TODAY);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, "reading_mismatch");
        assert!(found[0].message.contains("character 12"));
        assert!(!found[0].message.contains("5nnBM"));

        n.users[0].temporary_password = Some(Secret::new("5nnBM#mqUkw"));
        assert_eq!(codes(&n), vec!["reading_mismatch"]);
    }

    #[test]
    fn unknown_reading_word() {
        let mut n = clean_notice();
        n.users[0].password_reading = Some(crate::secret::Secret::new("ゴ・ナニカ"));
        let found = validate(&n, &Policy::default(), TODAY);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, "reading_unknown_word");
        assert!(found[0].message.contains("word 2"));
        assert!(!found[0].message.contains("ナニカ"));
    }

    #[test]
    fn first_difference_positions() {
        assert_eq!(first_difference("abc", "abc"), None);
        assert_eq!(first_difference("abc", "abd"), Some(3));
        assert_eq!(first_difference("ab", "abc"), Some(3));
        assert_eq!(first_difference("", "a"), Some(1));
    }
}
