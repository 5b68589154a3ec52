//! The validation layer: a parsed [`Notice`] → a list of [`Finding`]s.
//!
//! Parsing answers "what does the notice say"; this layer answers "is what
//! it says safe and consistent". Bad data inside a readable notice is a
//! finding, never an [`Error`](crate::Error): the record is still made, and
//! the finding tells a person (or a pipeline, through `kaitsu check`'s exit
//! status) what to look at.
//!
//! # Findings
//!
//! Every finding has a stable snake_case `code`, a default [`Severity`]
//! (a [`Policy`] may override it per code), an optional `field` path into
//! the record (`login_url`, `users[2].temporary_password` with the index
//! counted from 0, `dns.servers[0].ip`) and a lowercase `message`.
//! Messages never contain a secret: they say "row 2's temporary password",
//! never its value, and a reading mismatch names the position only.
//!
//! | code | default | when |
//! | --- | --- | --- |
//! | `required_field_missing` | error | customer_number, contract_start_date, contractor_name, service_name, product_name, domain, login_url, id_count or every user row is missing; or the DNS block lacks its zone, control panel URL, auth ID or password, a primary or secondary server, or a server's host name or IP |
//! | `customer_number_invalid` | error | not `N` + 10 ASCII digits |
//! | `password_expired` | error | the temporary-password expiry is before `today` |
//! | `password_expiring` | warning | the expiry is within `warn_days` of `today` |
//! | `expiry_missing` | warning | no expiry, though some row has a temporary password |
//! | `start_after_expiry` | error | the contract start date is after the expiry |
//! | `login_url_invalid` | error | the login URL does not parse as an absolute URL |
//! | `login_url_not_https` | error | its scheme is not `https` |
//! | `login_host_not_allowed` | error | its host is not an allowed suffix (or below one, on a label boundary), it carries user info, or an explicit port other than 443 |
//! | `login_host_lookalike` | error | the host imitates an allowed suffix: edit distance ≤ 2, contains it not as a suffix, punycode (`xn--`) or non-ASCII characters, or user info that spells it |
//! | `user_id_not_email` | error | a user ID is not `local@domain.tld` |
//! | `user_id_outside_domain` | error | a user ID's domain is not the notice's domain |
//! | `duplicate_user_id` | error | two rows share a user ID (case-insensitive) |
//! | `duplicate_row_number` | error | two rows share a row number |
//! | `row_number_gap` | warning | the row numbers skip one or more numbers below the highest (rows are numbered 1, 2, 3, …): a row may not have been read |
//! | `added_user_without_password` | error | a 追加 row has no temporary password |
//! | `id_count_too_small` | error | ご利用ID数 is below the number of 追加/変更 rows (削除 rows don't count) |
//! | `reading_mismatch` | error | the reading does not spell the temporary password (names the first differing position) |
//! | `reading_unknown_word` | warning | a word of the reading is not in the table (names its position) |
//! | `dns_zone_mismatch` | warning | the DNS zone is not the notice's domain |
//! | `dns_ip_invalid` | error | a DNS server IP does not parse |
//! | `dns_ip_not_public` | error | a DNS server IP is private, loopback, link-local, shared, reserved, documentation, multicast, … |
//! | `hidden_text` | warning | invisible text that looks like a URL, an e-mail, a password or a field label/value |
//! | `unknown_label` | warning | a `label value` line with a label the parser does not know |
//! | `unplaced_cell` | warning | a user-table cell no column took |
//! | `unknown_column` | warning | a user-table header the parser does not know |
//! | `order_missing` | error | a user row has no order (追加/変更/削除) |
//! | `user_id_missing` | error | a user row has no user ID |
//! | `name_shape` | error | a user's name holds an address, a reading or a password-like ASCII run |
//! | `password_shape` | error | a temporary or DNS auth password is not 6–64 printable ASCII characters without spaces |
//! | `value_shape` | error | a header value holds an address or URL where none belongs, a domain or DNS host is not a host name, a DNS auth ID is not ASCII |
//! | `decoration_over_value` | warning | a watermark, stamp or seal (text set apart by direction, opacity, size or colour) lies over a value: it was kept out of the value, but a person should look |
//! | `space_doubt` | warning | a gap between two Japanese glyphs of a name was within 0.03 em of the space threshold: a space may be missing or extra |
//! | `wrap_space_doubt` | warning | a contractor or user name wraps on a line full to its cell's edge: the break may have been at a space, which is not printed |
//! | `style_mix` | warning | a glyph of a name is of another size than the rest of the value: a mark or a neighbouring cell may be in it |
//! | `field_conflict` | error | a field's label appears twice with different values; the first was read |
//! | `wrapped_line_two_rows` | warning | a wrapped user-table line lies about as near the row above as the row below; both rows are named |
//! | `label_pairing_doubt` | error | a label wrapped beside a wrapped value was left in parts with another row's text between them: the values beside them may be misread |
//!
//! Findings come out in a fixed order (required fields, header fields,
//! dates, login URL, users, DNS, hidden text, layout drift; within a group
//! in row / server / page order), so output is byte-identical across runs.
//!
//! # Password readings
//!
//! [`decode_reading`] turns a パスワード読み仮名 (words joined by `・`) into
//! the characters it spells; see [`reading`] for the full table. Letters
//! take `大` (upper case) or `小` (lower case); digits and symbols take no
//! prefix.
//!
//! # New passwords
//!
//! [`check_new_password`] applies the manual's rules for the password a
//! user sets at first sign-in (10+ characters, upper, lower, digit, symbol,
//! only allowed characters, not the temporary one) and returns every rule
//! that fails.

mod checks;
mod login;
mod network;
mod notes;
mod password;
mod policy;
pub mod reading;
mod shapes;

pub use password::{
    MIN_LOCAL_PART_CHARS, MIN_PASSWORD_CHARS, PasswordRuleFailure, SYMBOLS, check_new_password,
    check_user_id_rule,
};
pub use policy::{
    DEFAULT_LOGIN_HOST_SUFFIX, DEFAULT_LOOKALIKE_MAX_DISTANCE, DEFAULT_WARN_DAYS, Policy,
    PolicyError,
};
pub use reading::{ReadingError, decode_reading};

use crate::notice::Notice;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing to fix.
    Info,
    /// Look at it; the notice may still be usable.
    Warning,
    /// The notice is wrong or unsafe to hand out as is.
    Error,
}

impl Severity {
    /// The record's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found in a notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable snake_case code (see the module doc).
    pub code: &'static str,
    /// Default severity, or the policy's override for `code`.
    pub severity: Severity,
    /// Path of the field in the record (`users[0].user_id`), if one field.
    pub field: Option<String>,
    /// What is wrong, lowercase, never quoting a secret.
    pub message: String,
}

/// Declares [`Code`]: every finding code, its name and default severity,
/// in documentation order. One list: `docs/findings.md` and the policy's
/// accepted codes are checked against it by tests, and a check cannot emit
/// a code that is not here (it would not compile).
macro_rules! finding_codes {
    ($($variant:ident => $name:literal, $severity:ident;)*) => {
        /// A finding code. Its `snake_case` name is the stable `code` of the
        /// record (see the module doc for what each means).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Code {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
        }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable snake_case name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// The default severity (a policy may override it).
            pub fn default_severity(self) -> Severity {
                match self {
                    $(Code::$variant => Severity::$severity,)*
                }
            }
        }

        /// Every finding code with its default severity, in documentation
        /// order. A policy may override only these codes.
        pub const CODES: &[(&str, Severity)] = &[$(($name, Severity::$severity)),*];
    };
}

finding_codes! {
    RequiredFieldMissing => "required_field_missing", Error;
    CustomerNumberInvalid => "customer_number_invalid", Error;
    PasswordExpired => "password_expired", Error;
    PasswordExpiring => "password_expiring", Warning;
    ExpiryMissing => "expiry_missing", Warning;
    StartAfterExpiry => "start_after_expiry", Error;
    LoginUrlInvalid => "login_url_invalid", Error;
    LoginUrlNotHttps => "login_url_not_https", Error;
    LoginHostNotAllowed => "login_host_not_allowed", Error;
    LoginHostLookalike => "login_host_lookalike", Error;
    UserIdNotEmail => "user_id_not_email", Error;
    UserIdOutsideDomain => "user_id_outside_domain", Error;
    DuplicateUserId => "duplicate_user_id", Error;
    DuplicateRowNumber => "duplicate_row_number", Error;
    RowNumberGap => "row_number_gap", Warning;
    AddedUserWithoutPassword => "added_user_without_password", Error;
    IdCountTooSmall => "id_count_too_small", Error;
    ReadingMismatch => "reading_mismatch", Error;
    ReadingUnknownWord => "reading_unknown_word", Warning;
    DnsZoneMismatch => "dns_zone_mismatch", Warning;
    DnsIpInvalid => "dns_ip_invalid", Error;
    DnsIpNotPublic => "dns_ip_not_public", Error;
    HiddenText => "hidden_text", Warning;
    UnknownLabel => "unknown_label", Warning;
    UnplacedCell => "unplaced_cell", Warning;
    UnknownColumn => "unknown_column", Warning;
    OrderMissing => "order_missing", Error;
    UserIdMissing => "user_id_missing", Error;
    NameShape => "name_shape", Error;
    PasswordShape => "password_shape", Error;
    ValueShape => "value_shape", Error;
    DecorationOverValue => "decoration_over_value", Warning;
    SpaceDoubt => "space_doubt", Warning;
    WrapSpaceDoubt => "wrap_space_doubt", Warning;
    StyleMix => "style_mix", Warning;
    FieldConflict => "field_conflict", Error;
    WrappedLineTwoRows => "wrapped_line_two_rows", Warning;
    LabelPairingDoubt => "label_pairing_doubt", Error;
}

/// The default severity of a code; `None` for an unknown code.
pub fn default_severity(code: &str) -> Option<Severity> {
    CODES.iter().find(|(c, _)| *c == code).map(|(_, s)| *s)
}

/// Collects findings as the checks emit them, applying the policy's
/// severity overrides.
pub(crate) struct Findings<'p> {
    policy: &'p Policy,
    out: Vec<Finding>,
}

impl<'p> Findings<'p> {
    fn new(policy: &'p Policy) -> Self {
        Findings {
            policy,
            out: Vec::new(),
        }
    }

    /// Adds a finding.
    pub(crate) fn push(&mut self, code: Code, field: Option<String>, message: String) {
        let code = code.as_str();
        let severity = self
            .policy
            .severities
            .get(code)
            .copied()
            .or_else(|| default_severity(code))
            .unwrap_or(Severity::Error);
        self.out.push(Finding {
            code,
            severity,
            field,
            message,
        });
    }
}

/// Validates one notice against a policy, as of `today`.
///
/// The order of the result is deterministic (see the module doc).
pub fn validate(notice: &Notice, policy: &Policy, today: Date) -> Vec<Finding> {
    let mut f = Findings::new(policy);
    checks::required_fields(notice, &mut f);
    checks::customer_number(notice, &mut f);
    checks::dates(notice, policy, today, &mut f);
    if let Some(url) = &notice.login_url {
        login::check_login_url(url, policy, &mut f);
    }
    checks::users(notice, &mut f);
    shapes::shapes(notice, &mut f);
    network::dns(notice, &mut f);
    notes::hidden_text(notice, &mut f);
    notes::drift(notice, &mut f);
    f.out
}

#[cfg(test)]
pub(crate) mod test_support {
    //! A clean notice built in code, for every check's "silent" test.

    use crate::notice::{DnsOption, DnsRole, DnsServer, Notice, OrderKind, User};
    use crate::secret::Secret;
    use jiff::civil::{Date, date};

    pub(crate) const TODAY: Date = date(2024, 3, 1);

    pub(crate) fn clean_notice() -> Notice {
        let user = |no: u32, id: &str, pw: &str, reading: &str| User {
            no,
            name: Some(format!("利用者 {no}")),
            user_id: Some(format!("{id}@n1234567.insurance-agt.ne.jp")),
            temporary_password: Some(Secret::new(pw)),
            password_reading: Some(Secret::new(reading)),
            order: Some(OrderKind::Add),
            page: 1,
            boxes: Default::default(),
        };
        Notice {
            customer_number: Some("N1234567890".into()),
            contract_start_date: Some(date(2024, 3, 1)),
            contractor_name: Some("損保 太郎".into()),
            service_name: Some("損保クラウドサービス".into()),
            product_name: Some("Microsoft 365 Business Basic".into()),
            id_count: Some(2),
            domain: Some("n1234567.insurance-agt.ne.jp".into()),
            login_url: Some("https://www.auth.iij.jp/console/".into()),
            dns: Some(DnsOption {
                zone: Some("n1234567.insurance-agt.ne.jp".into()),
                control_panel_url: Some("https://nwp.ntt.com/dnshosting".into()),
                auth_id: Some("W9SXWCS395".into()),
                auth_password: Some(Secret::new("Gt7Y7k.Eyy")),
                servers: vec![
                    DnsServer {
                        role: DnsRole::Primary,
                        hostname: Some("ns6-ng01.ocn.ad.jp".into()),
                        ip: Some("118.23.32.41".into()),
                    },
                    DnsServer {
                        role: DnsRole::Secondary,
                        hostname: Some("ns6-ng02.ocn.ad.jp".into()),
                        ip: Some("118.23.32.241".into()),
                    },
                ],
            }),
            dns_zone_support: Some(true),
            users: vec![
                user(
                    1,
                    "taro",
                    "5nnBM#mqUkwp",
                    "ゴ・小エヌ・小エヌ・大ビー・大エム・シャープ・小エム・小キュー・大ユー・小ケー・小ダブリュー・小ピー",
                ),
                user(
                    2,
                    "hanako",
                    "8.LoveLU7fWL",
                    "ハチ・ピリオド・大エル・小オー・小ブイ・小イー・大エル・大ユー・ナナ・小エフ・大ダブリュー・大エル",
                ),
            ],
            temporary_password_expiry: Some(date(2024, 6, 1)),
            notes: Default::default(),
            provenance: Default::default(),
        }
    }

    /// The codes of the findings for `n` under the default policy.
    pub(crate) fn codes(n: &Notice) -> Vec<&'static str> {
        super::validate(n, &super::Policy::default(), TODAY)
            .into_iter()
            .map(|f| f.code)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn docs_list_every_code_with_its_severity_in_order() {
        let doc = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/findings.md"),
        )
        .unwrap_or_else(|e| panic!("docs/findings.md: {e}"));
        // Table rows: | `code` | severity | when |
        let rows: Vec<(String, String)> = doc
            .lines()
            .filter_map(|l| {
                let mut cells = l.split('|').map(str::trim).skip(1);
                let code = cells.next()?.strip_prefix('`')?.strip_suffix('`')?;
                let severity = cells.next()?;
                matches!(severity, "error" | "warning" | "info")
                    .then(|| (code.to_string(), severity.to_string()))
            })
            .collect();
        let want: Vec<(String, String)> = Code::ALL
            .iter()
            .map(|c| {
                (
                    c.as_str().to_string(),
                    c.default_severity().as_str().to_string(),
                )
            })
            .collect();
        assert_eq!(rows, want, "docs/findings.md drifted from validate::Code");
        // The module doc's table too.
        let module_doc = include_str!("mod.rs");
        for c in Code::ALL {
            assert!(
                module_doc.contains(&format!(
                    "//! | `{}` | {} |",
                    c.as_str(),
                    c.default_severity().as_str()
                )),
                "the module doc lacks {}",
                c.as_str()
            );
        }
    }

    use super::test_support::*;
    use super::*;

    #[test]
    fn clean_notice_has_no_findings() {
        let found = validate(&clean_notice(), &Policy::default(), TODAY);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn policy_overrides_severity() {
        let mut n = clean_notice();
        n.customer_number = Some("X1".into());
        let mut policy = Policy::default();
        policy
            .severities
            .insert("customer_number_invalid".into(), Severity::Info);
        let found = validate(&n, &policy, TODAY);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Info);
    }

    #[test]
    fn finding_serialises_with_the_contract_fields() {
        let f = Finding {
            code: "hidden_text",
            severity: Severity::Warning,
            field: None,
            message: "m".into(),
        };
        let v = serde_json::to_value(&f).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            v,
            serde_json::json!({"code": "hidden_text", "severity": "warning", "field": null, "message": "m"})
        );
    }

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::BTreeSet::new();
        for (c, _) in CODES {
            assert!(seen.insert(*c), "{c} twice");
            assert!(c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'));
        }
    }

    #[test]
    fn severity_is_ordered() {
        assert!(Severity::Info < Severity::Warning && Severity::Warning < Severity::Error);
    }
}
