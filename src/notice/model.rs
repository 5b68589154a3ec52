//! The typed notice: what one 開通のご案内 says, field by field.
//!
//! Field meanings and normalisation rules follow the record contract in
//! `../shared/corpus/README.md`. `None` means "the notice does not carry
//! it"; a value is always normalised (NFKC, single spaces, trimmed).

use crate::pdf::Rect;
use crate::secret::Secret;
use jiff::civil::Date;
use std::collections::BTreeMap;

/// One activation notice.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Notice {
    /// お客さま番号, `N` + 10 digits.
    pub customer_number: Option<String>,
    /// ご利用開始日.
    pub contract_start_date: Option<Date>,
    /// ご契約者名.
    pub contractor_name: Option<String>,
    /// ご利用サービス名.
    pub service_name: Option<String>,
    /// ご利用製品名.
    pub product_name: Option<String>,
    /// ご利用ID数: the IDs in use after this order.
    pub id_count: Option<u32>,
    /// ドメイン名.
    pub domain: Option<String>,
    /// ログイン先URL (IIJ ID).
    pub login_url: Option<String>,
    /// The DNSサービスオプション block, when the notice has one.
    pub dns: Option<DnsOption>,
    /// 導入支援情報 / DNSゾーン情報サポートサービス: 利用する → true.
    pub dns_zone_support: Option<bool>,
    /// The user table, in `no` order.
    pub users: Vec<User>,
    /// The date the temporary passwords stop working.
    pub temporary_password_expiry: Option<Date>,
    /// Hidden text and layout drift seen while parsing.
    pub notes: ParseNotes,
    /// Where each value was read, by field path (`customer_number`,
    /// `users[2].name`, `dns.servers[0].ip`): page and box in PDF user
    /// space of the unrotated page.
    pub provenance: BTreeMap<String, Provenance>,
}

/// Where a value was read: its page (from 1) and box. In a [`Notice`]'s
/// provenance the box is in PDF user space of the unrotated page (points,
/// y up); in a [`User`]'s `boxes` it is still in the page's layout frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Provenance {
    /// Page, from 1.
    pub page: u32,
    /// The box around the value's glyphs.
    pub bbox: Rect,
}

/// The DNSサービスオプション block.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DnsOption {
    /// ゾーン名 (正引き).
    pub zone: Option<String>,
    /// コントロールパネルURL.
    pub control_panel_url: Option<String>,
    /// 認証ID.
    pub auth_id: Option<String>,
    /// 認証パスワード.
    pub auth_password: Option<Secret>,
    /// Primary then secondary DNS server.
    pub servers: Vec<DnsServer>,
}

/// Which DNS server a host name / IP pair describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsRole {
    /// プライマリ.
    Primary,
    /// セカンダリ.
    Secondary,
}

impl DnsRole {
    /// The record's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DnsRole::Primary => "primary",
            DnsRole::Secondary => "secondary",
        }
    }
}

/// One DNS server of the DNS option.
#[derive(Debug, Clone, PartialEq)]
pub struct DnsServer {
    /// Primary or secondary.
    pub role: DnsRole,
    /// サーバ名.
    pub hostname: Option<String>,
    /// IPアドレス, as printed.
    pub ip: Option<String>,
}

/// What the order does to a user (注文内容).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderKind {
    /// 追加: a new user.
    Add,
    /// 変更: a changed user.
    Change,
    /// 削除: a removed user.
    Delete,
}

impl OrderKind {
    /// The notice's own word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderKind::Add => "追加",
            OrderKind::Change => "変更",
            OrderKind::Delete => "削除",
        }
    }

    /// Reads the notice's word.
    pub fn from_word(word: &str) -> Option<Self> {
        match word {
            "追加" => Some(OrderKind::Add),
            "変更" => Some(OrderKind::Change),
            "削除" => Some(OrderKind::Delete),
            _ => None,
        }
    }
}

/// One row of the user table. `Debug` hides the password and its reading
/// (both [`Secret`]s).
#[derive(Clone, PartialEq)]
pub struct User {
    /// The row number (No. / №).
    pub no: u32,
    /// ユーザー名.
    pub name: Option<String>,
    /// ユーザーID: an e-mail address in the notice's domain.
    pub user_id: Option<String>,
    /// パスワード(仮); `None` when the cell is empty or `-`.
    pub temporary_password: Option<Secret>,
    /// パスワード読み仮名, when the table has that column. A [`Secret`]: it
    /// spells the temporary password.
    pub password_reading: Option<Secret>,
    /// 注文内容.
    pub order: Option<OrderKind>,
    /// The page (from 1) the row starts on.
    pub page: u32,
    /// Where each cell was read (layout frame), by field name (`name`,
    /// `user_id`, …): the notice turns them into its provenance.
    pub boxes: BTreeMap<&'static str, Provenance>,
}

/// An ASCII run this long holding a digit or a symbol, in a name, may be a
/// password a misread row put there.
const PASSWORD_LIKE_RUN: usize = 6;

/// Whether a text holds something that may be a secret: a password-like
/// ASCII run (not an e-mail address) or a katakana reading (`・`-joined
/// words spell a password). Output hides such a name or ID unless secrets
/// are revealed, so a misread row can make a record wrong but never leak.
pub fn may_hold_secret(text: &str) -> bool {
    text.contains('・')
        || text
            .split(|c: char| !c.is_ascii_graphic())
            .filter(|run| !run.contains('@'))
            .any(|run| {
                run.chars().count() >= PASSWORD_LIKE_RUN
                    && run
                        .chars()
                        .any(|c| c.is_ascii_digit() || c.is_ascii_punctuation())
            })
}

/// Whether a user ID is an address in `domain` (case-insensitive) whose
/// user name holds only the characters a Microsoft 365 user name may
/// (`A`–`Z`, `a`–`z`, `0`–`9` and `' . - _ ! # ^ ~`). One that is not may
/// have a misread password glued to it, after the domain or before the `@`
/// (`Qx7$kP2mtaro@example.jp`): records and page redaction hide it like
/// one.
pub fn id_in_domain(id: &str, domain: &str) -> bool {
    let Some((local, host)) = id.rsplit_once('@') else {
        return false;
    };
    !local.is_empty() && local.chars().all(is_user_name_char) && host.eq_ignore_ascii_case(domain)
}

/// A character a Microsoft 365 user name (the part before the `@`) may
/// hold. Generated temporary passwords use the other ASCII symbols too.
fn is_user_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '\'' | '.' | '-' | '_' | '!' | '#' | '^' | '~')
}

/// Whether a user ID looks like one plain address: no password-like run,
/// one `@`, and a host whose last label is letters only. A misread row can
/// glue a password onto an ID (`taro@example.jpQx7$kP2m`); `Debug`, which
/// knows no domain, hides any ID that is not plain.
fn plain_address(id: &str) -> bool {
    id.split_once('@').is_some_and(|(local, host)| {
        !local.is_empty()
            && !host.contains('@')
            && host
                .rsplit('.')
                .next()
                .is_some_and(|tld| !tld.is_empty() && tld.chars().all(|c| c.is_ascii_alphabetic()))
    }) && !may_hold_secret(id)
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |shown: bool| {
            if shown {
                None
            } else {
                Some(crate::secret::REDACTED)
            }
        };
        let name = self
            .name
            .as_deref()
            .map(|n| hidden(!may_hold_secret(n)).unwrap_or(n));
        let user_id = self
            .user_id
            .as_deref()
            .map(|id| hidden(plain_address(id)).unwrap_or(id));
        f.debug_struct("User")
            .field("no", &self.no)
            .field("name", &name)
            .field("user_id", &user_id)
            .field("temporary_password", &self.temporary_password)
            .field("password_reading", &self.password_reading)
            .field("order", &self.order)
            .field("page", &self.page)
            .field("boxes", &self.boxes)
            .finish()
    }
}

/// What the parser noticed besides the values: input for the validation
/// layer's `hidden_text` and layout-drift findings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParseNotes {
    /// Lines of text a person cannot see (an OCR layer over a scan is not
    /// here: that is the page's text).
    pub hidden_text: Vec<HiddenText>,
    /// Signs that the notice's layout is not the one the parser knows.
    pub drift: Vec<Drift>,
    /// Areas of the page (layout frame) that hold or may hold secrets: the
    /// user table's password and reading columns, and cells no field took.
    /// Redaction of layout text and page images follows them.
    pub secret_areas: Vec<Provenance>,
}

/// A line of invisible text. Its `text` may be a decoy password: never
/// print it without the user's `--reveal-secrets`.
#[derive(Clone, PartialEq)]
pub struct HiddenText {
    /// Page, from 1.
    pub page: u32,
    /// Why it cannot be seen: `render_mode`, `white_fill`, `clipped`,
    /// `off_page`.
    pub reason: &'static str,
    /// The text (normalised).
    pub text: Secret,
}

impl std::fmt::Debug for HiddenText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HiddenText")
            .field("page", &self.page)
            .field("reason", &self.reason)
            .finish_non_exhaustive()
    }
}

/// One sign of layout drift.
#[derive(Debug, Clone, PartialEq)]
pub enum Drift {
    /// A `label  value` line inside the notice's blocks whose label the
    /// parser does not know.
    UnknownLabel {
        /// The label as printed (labels are never secret).
        label: String,
        /// Page, from 1.
        page: u32,
    },
    /// A cell of the user table that no column could take.
    UnplacedCell {
        /// The row number it was near.
        row: u32,
        /// Page, from 1.
        page: u32,
    },
    /// A decoration (a watermark, a stamp, a seal: text set apart by its
    /// direction, opacity, size or colour) lies over a value: it was kept
    /// out of the value, but what is under it may be hard to read.
    DecorationOverValue {
        /// The value's field path (`contractor_name`, `users[1].name`).
        field: String,
        /// Why the text is a decoration: `direction`, `translucent`,
        /// `size` or `color`.
        kind: &'static str,
        /// Page, from 1.
        page: u32,
    },
    /// A gap between two Japanese glyphs of a name came within
    /// `layout::SPACE_DOUBT_MARGIN` of the space threshold: a space may be
    /// missing or extra.
    SpaceDoubt {
        /// The value's field path.
        field: String,
        /// Page, from 1.
        page: u32,
    },
    /// A field's label is printed but its value reads as none of the
    /// field's answers (the DNS zone support block's 利用する / 利用しない):
    /// the field is `None` although the notice carries it.
    UnreadValue {
        /// The field path.
        field: String,
    },
    /// A name wraps where its first line is full to the cell's edge: the
    /// break may have been at a space, which a producer does not draw at a
    /// line's end (`notice::wraps`). The value is read without one.
    WrapSpaceDoubt {
        /// The value's field path.
        field: String,
        /// Page, from 1.
        page: u32,
    },
    /// A glyph of a name is of another size than the rest of the value
    /// (another style run: a mark, or a neighbouring cell's text).
    StyleMix {
        /// The value's field path.
        field: String,
        /// Page, from 1.
        page: u32,
    },
    /// A field's label appears twice with different values; the first is
    /// the one read.
    FieldConflict {
        /// The field path.
        field: String,
        /// The page of the second one, from 1.
        page: u32,
    },
    /// A wrapped line of the user table lies about as near the row above
    /// as the row below; it went to `row`.
    TwoOwners {
        /// The row number it went to.
        row: u32,
        /// The other row number it could belong to.
        other: u32,
        /// Page, from 1.
        page: u32,
    },
    /// A label's parts were left apart beside this field's value (a label
    /// wrapped beside a wrapped value, another row's text between its
    /// parts): which value lines are whose is in doubt.
    PairingDoubt {
        /// The field path.
        field: String,
        /// Page, from 1.
        page: u32,
    },
    /// The user table header has a column the parser does not know.
    UnknownColumn {
        /// The header text.
        label: String,
        /// Page, from 1.
        page: u32,
    },
}

#[cfg(test)]
mod tests {
    use super::may_hold_secret;

    #[test]
    fn debug_hides_ids_and_names_that_may_hold_a_password() {
        let user = |name: &str, id: &str| super::User {
            no: 1,
            name: Some(name.into()),
            user_id: Some(id.into()),
            temporary_password: None,
            password_reading: None,
            order: None,
            page: 1,
            boxes: Default::default(),
        };
        let shown = format!("{:?}", user("青木 翔太", "saoki@example.co.jp"));
        assert!(shown.contains("青木 翔太") && shown.contains("saoki@example.co.jp"));
        for (name, id, secret) in [
            ("青木 翔太", "saoki@example.co.jpmF-i8wgb3GqU", "i8wgb3"),
            ("青木 翔太", "saoki@example.co.jp Qx7$kP2m", "Qx7$kP2m"),
            ("青木 翔太 Qx7$kP2m", "saoki@example.co.jp", "Qx7$kP2m"),
        ] {
            let debug = format!("{:?}", user(name, id));
            assert!(!debug.contains(secret), "{debug}");
        }
    }

    #[test]
    fn names_that_may_hold_a_password_or_reading() {
        assert!(!may_hold_secret("青木 翔太"));
        assert!(!may_hold_secret("青木 翔太 saoki@example.jp"));
        assert!(!may_hold_secret("Taro Yamada"));
        assert!(may_hold_secret("青木 翔太 Qx7$kP2m"));
        assert!(may_hold_secret("大エー・小ビー・イチ"));
    }

    #[test]
    fn an_id_is_in_the_domain_only_with_a_plain_user_name() {
        use super::id_in_domain;
        assert!(id_in_domain("taro.yamada-2@Example.jp", "example.jp"));
        assert!(id_in_domain("o'brien_k@example.jp", "example.jp"));
        assert!(!id_in_domain("taro@example.jpQx7$kP2m", "example.jp"));
        assert!(!id_in_domain("Qx7$kP2mtaro@example.jp", "example.jp"));
        assert!(!id_in_domain("taro@sub.example.jp", "example.jp"));
        assert!(!id_in_domain("@example.jp", "example.jp"));
        assert!(!id_in_domain("example.jp", "example.jp"));
    }
}
