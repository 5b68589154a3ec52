//! The record: what one input becomes, success or error.
//!
//! This is the contract of `../shared/corpus/README.md`: `source` plus
//! either `notice` or `error`. Records hold no timestamps, timings or
//! absolute paths, so they are byte-identical across runs (snapshot tests
//! depend on it). Secrets are resolved to the real value or the fixed
//! placeholder when the record is built, so serialising a record can never
//! leak more than its builder allowed.

use crate::error::Error;
use crate::notice::{Notice, User};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One input's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Record {
    /// The path as the user gave it.
    pub source: String,
    /// The notice, on success.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<NoticeRecord>,
    /// Why there is no notice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorRecord>,
    /// What validation found (empty for error records).
    #[serde(default)]
    pub findings: Vec<FindingRecord>,
    /// Where each value was read, by field path (the paths findings use:
    /// `login_url`, `users[2].name`, `dns.servers[0].ip`). Absent for error
    /// records.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub provenance: BTreeMap<String, ProvenanceRecord>,
}

/// Where one value was read.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProvenanceRecord {
    /// Page, from 1.
    pub page: u32,
    /// `[x0, y0, x1, y1]` around the value's glyphs, in PDF user space of
    /// the unrotated page (points, y up, the space of the page's
    /// MediaBox), rounded to 0.01 pt.
    pub bbox: [f64; 4],
}

impl From<&crate::notice::Provenance> for ProvenanceRecord {
    fn from(p: &crate::notice::Provenance) -> Self {
        let r = |v: f64| (v * 100.0).round() / 100.0;
        ProvenanceRecord {
            page: p.page,
            bbox: [r(p.bbox.x0), r(p.bbox.y0), r(p.bbox.x1), r(p.bbox.y1)],
        }
    }
}

/// One validation finding, as the record shows it. Codes are stable and
/// documented in `docs/findings.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FindingRecord {
    /// Stable snake_case code, e.g. `password_expired`.
    #[schemars(schema_with = "finding_code_schema")]
    pub code: String,
    /// `error`, `warning` or `info`.
    #[schemars(schema_with = "severity_schema")]
    pub severity: String,
    /// The field it is about (`login_url`, `users[2].temporary_password`), if one.
    pub field: Option<String>,
    /// What is wrong, for a person. Never quotes a secret.
    pub message: String,
}

/// The schema of a finding's `code`: one of [`crate::validate::Code`]'s
/// names, so the committed schema lists exactly the codes the validator can
/// emit (a test compares it with this type).
fn finding_code_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let codes: Vec<&str> = crate::validate::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    schemars::json_schema!({ "type": "string", "enum": codes })
}

/// The schema of a finding's `severity`.
fn severity_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "string", "enum": ["error", "warning", "info"] })
}

/// An error as the record shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorRecord {
    /// `encrypted`, `corrupt`, `no_text_layer`, `not_a_notice`, `io`,
    /// `limit_exceeded`.
    pub kind: String,
    /// What went wrong and what to do, naming the file.
    pub message: String,
}

/// The notice as the record shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NoticeRecord {
    /// お客さま番号.
    pub customer_number: Option<String>,
    /// ご利用開始日, ISO 8601.
    pub contract_start_date: Option<String>,
    /// ご契約者名.
    pub contractor_name: Option<String>,
    /// ご利用サービス名.
    pub service_name: Option<String>,
    /// ご利用製品名.
    pub product_name: Option<String>,
    /// ご利用ID数.
    pub id_count: Option<u32>,
    /// ドメイン名.
    pub domain: Option<String>,
    /// ログイン先URL.
    pub login_url: Option<String>,
    /// DNSサービスオプション.
    pub dns: Option<DnsRecord>,
    /// 導入支援情報.
    pub dns_zone_support: Option<bool>,
    /// The user table.
    pub users: Vec<UserRecord>,
    /// 仮パスワードの有効期限, ISO 8601.
    pub temporary_password_expiry: Option<String>,
}

/// The DNS option block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DnsRecord {
    /// ゾーン名.
    pub zone: Option<String>,
    /// コントロールパネルURL.
    pub control_panel_url: Option<String>,
    /// 認証ID.
    pub auth_id: Option<String>,
    /// 認証パスワード (redacted unless revealed).
    pub auth_password: Option<String>,
    /// Primary and secondary servers.
    pub servers: Vec<DnsServerRecord>,
}

/// One DNS server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DnsServerRecord {
    /// `primary` or `secondary`.
    pub role: String,
    /// Host name.
    pub hostname: Option<String>,
    /// IP address.
    pub ip: Option<String>,
}

/// One user row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UserRecord {
    /// Row number.
    pub no: u32,
    /// ユーザー名.
    pub name: Option<String>,
    /// ユーザーID.
    pub user_id: Option<String>,
    /// パスワード(仮) (redacted unless revealed).
    pub temporary_password: Option<String>,
    /// パスワード読み仮名 (redacted with the password: it spells it).
    pub password_reading: Option<String>,
    /// 追加, 変更 or 削除.
    pub order: Option<String>,
}

impl NoticeRecord {
    /// Builds the record view of a notice. `reveal` shows secrets.
    pub fn new(n: &Notice, reveal: bool) -> Self {
        NoticeRecord {
            customer_number: n.customer_number.clone(),
            contract_start_date: n.contract_start_date.map(|d| d.to_string()),
            contractor_name: n.contractor_name.clone(),
            service_name: n.service_name.clone(),
            product_name: n.product_name.clone(),
            id_count: n.id_count,
            domain: n.domain.clone(),
            login_url: n.login_url.clone(),
            dns: n.dns.as_ref().map(|d| DnsRecord {
                zone: d.zone.clone(),
                control_panel_url: d.control_panel_url.clone(),
                auth_id: d.auth_id.clone(),
                auth_password: d
                    .auth_password
                    .as_ref()
                    .map(|s| s.shown(reveal).to_string()),
                servers: d
                    .servers
                    .iter()
                    .map(|s| DnsServerRecord {
                        role: s.role.as_str().to_string(),
                        hostname: s.hostname.clone(),
                        ip: s.ip.clone(),
                    })
                    .collect(),
            }),
            dns_zone_support: n.dns_zone_support,
            users: n
                .users
                .iter()
                .map(|u| UserRecord::new(u, reveal, n.domain.as_deref()))
                .collect(),
            temporary_password_expiry: n.temporary_password_expiry.map(|d| d.to_string()),
        }
    }
}

impl UserRecord {
    fn new(u: &User, reveal: bool, domain: Option<&str>) -> Self {
        // A user ID that is not one address in the notice's domain may have
        // a misread password glued to it: hidden like one.
        let id_may_hold_secret =
            |id: &str| domain.is_some_and(|d| !crate::notice::id_in_domain(id, d));
        UserRecord {
            no: u.no,
            // A name that may hold a misread password is hidden like one.
            name: u.name.as_ref().map(|n| {
                if reveal || !crate::notice::may_hold_secret(n) {
                    n.clone()
                } else {
                    crate::secret::REDACTED.to_string()
                }
            }),
            user_id: u.user_id.as_ref().map(|id| {
                if reveal || !id_may_hold_secret(id) {
                    id.clone()
                } else {
                    crate::secret::REDACTED.to_string()
                }
            }),
            temporary_password: u
                .temporary_password
                .as_ref()
                .map(|s| s.shown(reveal).to_string()),
            password_reading: u
                .password_reading
                .as_ref()
                .map(|s| s.shown(reveal).to_string()),
            order: u.order.map(|o| o.as_str().to_string()),
        }
    }
}

impl Record {
    /// A success record.
    pub fn success(source: impl Into<String>, notice: &Notice, reveal: bool) -> Self {
        Record {
            source: source.into(),
            notice: Some(NoticeRecord::new(notice, reveal)),
            error: None,
            findings: Vec::new(),
            provenance: notice
                .provenance
                .iter()
                .map(|(k, v)| (k.clone(), ProvenanceRecord::from(v)))
                .collect(),
        }
    }

    /// An error record. The message names the file.
    pub fn failure(source: impl Into<String>, error: &Error) -> Self {
        let source = source.into();
        Record {
            error: Some(ErrorRecord {
                kind: error.kind().as_str().to_string(),
                message: format!("{source}: {error}"),
            }),
            source,
            notice: None,
            findings: Vec::new(),
            provenance: BTreeMap::new(),
        }
    }
}

impl From<&crate::validate::Finding> for FindingRecord {
    fn from(f: &crate::validate::Finding) -> Self {
        FindingRecord {
            code: f.code.to_string(),
            severity: f.severity.as_str().to_string(),
            field: f.field.clone(),
            message: f.message.clone(),
        }
    }
}
