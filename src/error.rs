//! The one public error type: why no notice could be read from an input.
//!
//! Bad data *inside* a readable notice is not an error; it is a finding of
//! the validation layer. An [`Error`] means no record with a notice could be
//! made, and its [`ErrorKind`] is what pipelines branch on.

use crate::pdf::PdfError;

/// The stable error kinds of the record contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// Needs a password that was not given, or the wrong one.
    Encrypted,
    /// Not a readable PDF: empty, truncated, garbage.
    Corrupt,
    /// Pages but no text, e.g. a scan.
    NoTextLayer,
    /// A readable PDF that is not an activation notice.
    NotANotice,
    /// The file could not be read at all.
    Io,
    /// A resource bound was hit (hostile or absurd input).
    LimitExceeded,
    /// The per-file time budget ran out.
    Timeout,
}

impl ErrorKind {
    /// The record's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Encrypted => "encrypted",
            ErrorKind::Corrupt => "corrupt",
            ErrorKind::NoTextLayer => "no_text_layer",
            ErrorKind::NotANotice => "not_a_notice",
            ErrorKind::Io => "io",
            ErrorKind::LimitExceeded => "limit_exceeded",
            ErrorKind::Timeout => "timeout",
        }
    }
}

/// Why an input gave no notice. Messages are lowercase, name what is wrong
/// and say what to do; they never quote a cell's text (it may be a secret).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// From the PDF layer.
    #[error(transparent)]
    Pdf(#[from] PdfError),
    /// No page has visible text.
    #[error(
        "no text layer: none of the {pages} page(s) has text a person can see (a scanned notice?); \
         run OCR on it or ask the sender for the original PDF"
    )]
    NoTextLayer {
        /// Pages in the file.
        pages: usize,
    },
    /// The text does not read as an activation notice.
    #[error("not an activation notice (開通のご案内): {reason}")]
    NotANotice {
        /// What was missing.
        reason: String,
    },
    /// The time budget ran out between two layers (after the pages were
    /// read, before layout or the notice reader).
    #[error(
        "{stage} started after the time budget ran out; raise --timeout if the file is genuine"
    )]
    TimedOut {
        /// What was about to run.
        stage: &'static str,
    },
    /// Reading the file failed.
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    /// The input is larger than a notice can be; refused before it is
    /// read whole.
    #[error(
        "the input is larger than the limit of {limit} bytes (a notice is tens of kilobytes); \
         it was not read"
    )]
    TooLarge {
        /// The bound, in bytes.
        limit: u64,
    },
    /// A ZIP archive (or one of its members) that cannot be read.
    #[error("not a readable ZIP archive: {message}")]
    Archive {
        /// What the ZIP reader said.
        message: String,
    },
    /// An encrypted ZIP member that no given password opens.
    #[error(
        "the ZIP member is encrypted and none of the given passwords opens it; \
         pass the password from the second e-mail with --password, KAITSU_PASSWORD or --passwords"
    )]
    ArchivePassword,
    /// An archive over a bound (too many PDFs in it).
    #[error("the ZIP archive holds more {what} than the limit of {limit}")]
    ArchiveLimit {
        /// What was counted.
        what: &'static str,
        /// The bound.
        limit: usize,
    },
}

impl Error {
    /// The kind pipelines branch on.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Pdf(PdfError::Encrypted(_)) => ErrorKind::Encrypted,
            Error::Pdf(PdfError::LimitExceeded { .. }) => ErrorKind::LimitExceeded,
            Error::Pdf(PdfError::TimedOut { .. } | PdfError::TimedOutOpening) => ErrorKind::Timeout,
            Error::Pdf(_) => ErrorKind::Corrupt,
            Error::TimedOut { .. } => ErrorKind::Timeout,
            Error::NoTextLayer { .. } => ErrorKind::NoTextLayer,
            Error::NotANotice { .. } => ErrorKind::NotANotice,
            Error::Io(_) => ErrorKind::Io,
            Error::TooLarge { .. } | Error::ArchiveLimit { .. } => ErrorKind::LimitExceeded,
            Error::Archive { .. } => ErrorKind::Corrupt,
            Error::ArchivePassword => ErrorKind::Encrypted,
        }
    }
}
