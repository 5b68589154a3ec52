//! kaitsu turns Japanese activation-notice PDFs (開通のご案内) into typed,
//! validated data.
//!
//! # Brief overview
//!
//! Data flows one way through four layers:
//!
//! 1. [`pdf`]: bytes → pages of positioned glyphs (font, size, page, bbox);
//! 2. [`layout`]: glyphs → lines and cells in reading order, whatever the
//!    drawing order;
//! 3. [`notice`]: lines → a typed [`Notice`];
//! 4. [`output`]: a notice or an error → the record users see (JSON, NDJSON,
//!    YAML).
//!
//! [`parse_bytes`] runs the whole chain.
#![deny(missing_docs)]

pub mod batch;
pub mod cli;
pub mod error;
pub mod layout;
pub mod notice;
pub mod output;
pub mod pdf;
pub mod secret;
pub mod validate;

pub use error::{Error, ErrorKind};
pub use notice::{DnsOption, DnsRole, DnsServer, Notice, OrderKind, User};
pub use secret::Secret;

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
    notice::parse(&layout_bytes(bytes, options)?)
}

/// Runs the PDF and layout layers: the text lines of every page.
pub fn layout_bytes(bytes: &[u8], options: &ParseOptions) -> Result<layout::Document, Error> {
    let doc = pdf::open(bytes, &options.passwords)?;
    let pages = pdf::extract_pages(&doc, &options.limits)?;
    layout::Document::from_pages(&pages)
}
