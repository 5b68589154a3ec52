//! kaitsu turns Japanese activation-notice PDFs (開通のご案内) into typed,
//! validated data.
//!
//! # Brief overview
//!
//! Data flows one way through these layers:
//!
//! 1. [`pdf`]: bytes → pages of positioned glyphs (font, size, page, bbox);
//! 2. [`layout`]: glyphs → lines and cells in reading order, whatever the
//!    drawing order;
//! 3. [`notice`]: lines → a typed [`Notice`];
//! 4. [`validate`]: a notice, a [`validate::Policy`] and today → findings;
//! 5. [`output`]: a notice or an error, with findings → the record users see
//!    (JSON, NDJSON, YAML, CSV).
//!
//! [`batch`] runs many inputs in parallel. The command line is the `kaitsu`
//! binary's own (`src/cli/`, behind the default `cli` feature), so the
//! library builds without clap: `cargo build --no-default-features --lib`.
//! [`parse_bytes`] runs layers 1–3; [`parse_to_record`] all of them.
//!
//! # Library entry point
//!
//! [`Parser`] is the one documented way in: a small builder holding the
//! CLI's knobs, giving the record `kaitsu parse` prints. The types a caller
//! needs are re-exported here: [`Record`] (with [`NoticeRecord`],
//! [`FindingRecord`], [`ErrorRecord`]), the typed [`Notice`], [`Policy`],
//! [`Finding`] and the date type [`Date`] (jiff's civil date).
//!
//! ```
//! let record = kaitsu::Parser::new()
//!     .password("only tried on encrypted files")
//!     .today(kaitsu::Date::constant(2023, 10, 1))
//!     .parse_path("samples/calc_ipaex_address_dns.pdf");
//! // The same JSON `kaitsu parse --format ndjson --today 2023-10-01` prints:
//! let line = serde_json::to_string(&record).unwrap();
//! assert!(line.starts_with(r#"{"source":"samples/calc_ipaex_address_dns.pdf","notice":{"#));
//! ```
//!
//! # Example
//!
//! Snapshot-testing your own notices gives the same record the CLI prints:
//!
//! ```
//! let bytes = std::fs::read("samples/rl_unijis_address_dns_hyphen.pdf").unwrap();
//! let today = jiff::civil::date(2023, 10, 1);
//! let record = kaitsu::parse_to_record(
//!     "notice.pdf",
//!     &bytes,
//!     &kaitsu::ParseOptions::default(),
//!     false,
//!     &kaitsu::validate::Policy::default(),
//!     today,
//! );
//! let notice = record.notice.as_ref().unwrap();
//! assert_eq!(notice.login_url.as_deref(), Some("https://www.auth.iij.jp/console/"));
//! // Secrets are redacted unless revealed.
//! assert_eq!(notice.users[0].temporary_password.as_deref(), Some("[REDACTED]"));
//! assert!(record.findings.is_empty());
//! ```
#![deny(missing_docs)]

mod api;
pub mod batch;
pub mod error;
pub mod layout;
pub mod notice;
pub mod output;
pub mod pdf;
#[cfg(feature = "render")]
pub mod render;
pub mod secret;
#[cfg(feature = "serve")]
pub mod serve;
pub mod validate;

pub use error::{Error, ErrorKind};
pub use notice::{DnsOption, DnsRole, DnsServer, Notice, OrderKind, User};
pub use secret::Secret;

pub use api::{BYTES_SOURCE, DEFAULT_TIMEOUT, Parser, Records, Source, find_user};
pub use jiff::civil::Date;
pub use output::{ErrorRecord, FindingRecord, NoticeRecord, Record};
pub use validate::{Finding, Policy, PolicyError, Severity};

/// Options for one parse.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    /// Passwords to try on an encrypted PDF, after the empty one.
    pub passwords: Vec<Secret>,
    /// Resource bounds.
    pub limits: pdf::Limits,
}

/// Parses one notice PDF held in memory.
pub fn parse_bytes(bytes: &[u8], options: &ParseOptions) -> Result<Notice, Error> {
    parse_layout(layout_bytes(bytes, options)?, options)
}

/// [`parse_bytes`] of bytes the caller gives away, which the PDF layer
/// then keeps without copying them ([`pdf::open_owned_with_limits`]).
pub fn parse_owned(bytes: Vec<u8>, options: &ParseOptions) -> Result<Notice, Error> {
    parse_layout(layout_owned(bytes, options)?, options)
}

fn parse_layout(doc: layout::Document, options: &ParseOptions) -> Result<Notice, Error> {
    check_deadline(options, "reading the notice")?;
    notice::parse(&doc)
}

/// The time budget, looked at between two layers (the PDF layer checks it
/// inside its own loops).
fn check_deadline(options: &ParseOptions, stage: &'static str) -> Result<(), Error> {
    match options.limits.deadline {
        Some(d) if std::time::Instant::now() > d => Err(Error::TimedOut { stage }),
        _ => Ok(()),
    }
}

/// Parses and validates one notice into the record `kaitsu parse` prints:
/// a notice with its findings, or an error. `reveal` shows secrets.
pub fn parse_to_record(
    source: &str,
    bytes: &[u8],
    options: &ParseOptions,
    reveal: bool,
    policy: &validate::Policy,
    today: jiff::civil::Date,
) -> output::Record {
    to_record(source, parse_bytes(bytes, options), reveal, policy, today)
}

/// [`parse_to_record`] of bytes the caller gives away ([`parse_owned`]).
pub fn parse_to_record_owned(
    source: &str,
    bytes: Vec<u8>,
    options: &ParseOptions,
    reveal: bool,
    policy: &validate::Policy,
    today: jiff::civil::Date,
) -> output::Record {
    to_record(source, parse_owned(bytes, options), reveal, policy, today)
}

fn to_record(
    source: &str,
    parsed: Result<Notice, Error>,
    reveal: bool,
    policy: &validate::Policy,
    today: jiff::civil::Date,
) -> output::Record {
    match parsed {
        Ok(notice) => {
            let mut record = output::Record::success(source, &notice, reveal);
            record.findings = validate::validate(&notice, policy, today)
                .iter()
                .map(output::FindingRecord::from)
                .collect();
            record
        }
        Err(e) => output::Record::failure(source, &e),
    }
}

/// Runs the PDF and layout layers: the text lines of every page.
pub fn layout_bytes(bytes: &[u8], options: &ParseOptions) -> Result<layout::Document, Error> {
    layout_source(
        pdf::open_with_limits(bytes, &options.passwords, &options.limits)?,
        options,
    )
}

/// [`layout_bytes`] of bytes the caller gives away
/// ([`pdf::open_owned_with_limits`]).
pub fn layout_owned(bytes: Vec<u8>, options: &ParseOptions) -> Result<layout::Document, Error> {
    layout_source(
        pdf::open_owned_with_limits(bytes, &options.passwords, &options.limits)?,
        options,
    )
}

fn layout_source(doc: pdf::Source, options: &ParseOptions) -> Result<layout::Document, Error> {
    let pages = pdf::extract_pages(&doc, &options.limits)?;
    check_deadline(options, "the layout of the pages")?;
    layout::Document::from_pages(&pages)
}

#[cfg(test)]
mod owned_input_tests {
    use super::*;

    /// The owned entry points read every fixture as the borrowed ones do:
    /// the lazy reading (which keeps the given bytes), lopdf's fallback
    /// (which reads the bytes shared with it, `fixtures/faults`), and the
    /// encrypted path.
    #[test]
    fn owned_bytes_lay_out_as_borrowed_ones() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let options = ParseOptions::default();
        let mut seen = 0;
        for set in ["corpus", "faults", "security"] {
            let Ok(dir) = std::fs::read_dir(root.join(set)) else {
                continue;
            };
            for entry in dir.flatten() {
                let path = entry.path();
                if path.extension().is_none_or(|e| e != "pdf") {
                    continue;
                }
                let bytes = std::fs::read(&path).unwrap();
                let borrowed = format!("{:?}", layout_bytes(&bytes, &options));
                let owned = format!("{:?}", layout_owned(bytes, &options));
                assert!(borrowed == owned, "{} differs", path.display());
                seen += 1;
            }
        }
        assert!(seen > 50, "only {seen} fixtures read");
    }
}
