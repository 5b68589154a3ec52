//! The library's entry point: [`Parser`], a small builder that turns notice
//! PDFs into the records `kaitsu parse` prints.
//!
//! It owns nothing new: it gathers the CLI's knobs (passwords, reveal, the
//! date findings are checked against, the policy, the per-file time budget)
//! in one value and runs the same steps the CLI runs, so a library user, the
//! Python package and the command line all get the same record for the same
//! input, byte for byte once serialised. Paths go through
//! [`batch::record_of`](crate::batch::record_of), the CLI's own per-file
//! step (size bound, time budget, the `io` error records of missing files
//! and directories); bytes go through [`parse_to_record`](crate::parse_to_record).
//!
//! Why a builder and not a function with seven arguments: most callers set
//! one or two knobs, and a knob added later (provenance options, a new
//! limit) must not break them.

use crate::batch::{self, BatchOptions};
use crate::notice::{Notice, User};
use crate::output::Record;
use crate::secret::Secret;
use crate::validate::Policy;
use crate::{Error, ParseOptions};
use jiff::civil::Date;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The `source` of a record made from bytes that came without a name.
pub const BYTES_SOURCE: &str = "<bytes>";

/// The per-file time budget the CLI uses unless `--timeout` says otherwise.
/// A genuine notice parses in milliseconds; ten seconds only stops a
/// hostile file from stalling a batch.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Parses notices into records: the library's one entry point.
///
/// Defaults are the CLI's: no passwords but the empty one, secrets
/// redacted, today's date, the default [`Policy`], a 10-second budget per
/// file, one worker per core. The `Debug` output never shows a password.
///
/// # Example
///
/// ```
/// let record = kaitsu::Parser::new()
///     .today(kaitsu::Date::constant(2023, 10, 1))
///     .parse_path("samples/rl_unijis_address_dns_hyphen.pdf");
/// let notice = record.notice.as_ref().expect("a notice");
/// assert_eq!(notice.customer_number.as_deref(), Some("N2310053414"));
/// assert_eq!(notice.users[0].temporary_password.as_deref(), Some("[REDACTED]"));
/// assert!(record.findings.is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct Parser {
    passwords: Vec<Secret>,
    reveal: bool,
    today: Option<Date>,
    policy: Arc<Policy>,
    timeout: Option<Duration>,
    max_file_bytes: u64,
    jobs: usize,
}

impl Default for Parser {
    fn default() -> Self {
        Parser {
            passwords: Vec::new(),
            reveal: false,
            today: None,
            policy: Arc::new(Policy::default()),
            timeout: Some(DEFAULT_TIMEOUT),
            max_file_bytes: batch::DEFAULT_MAX_FILE_BYTES,
            jobs: 0,
        }
    }
}

impl Parser {
    /// A parser with the CLI's defaults.
    ///
    /// ```
    /// let parser = kaitsu::Parser::new();
    /// let record = parser.parse(b"not a pdf");
    /// assert_eq!(record.error.as_ref().map(|e| e.kind.as_str()), Some("corrupt"));
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a password to try on encrypted PDFs (after the empty one).
    ///
    /// ```
    /// let parser = kaitsu::Parser::new().password("Kaitsu-2024!");
    /// // The password never shows in Debug output.
    /// assert!(!format!("{parser:?}").contains("Kaitsu-2024!"));
    /// ```
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.passwords.push(Secret::new(password));
        self
    }

    /// Adds several passwords; each is tried in turn.
    ///
    /// ```
    /// let parser = kaitsu::Parser::new().passwords(["first", "second"]);
    /// # let _ = parser;
    /// ```
    pub fn passwords<I, S>(mut self, passwords: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.passwords
            .extend(passwords.into_iter().map(Secret::new));
        self
    }

    /// Shows temporary passwords, their readings and DNS auth passwords
    /// instead of `[REDACTED]` (the CLI's `--reveal-secrets`).
    ///
    /// ```
    /// let record = kaitsu::Parser::new()
    ///     .reveal_secrets(true)
    ///     .parse_path("samples/rl_unijis_address_dns_hyphen.pdf");
    /// let user = &record.notice.as_ref().expect("a notice").users[0];
    /// assert_ne!(user.temporary_password.as_deref(), Some("[REDACTED]"));
    /// ```
    pub fn reveal_secrets(mut self, reveal: bool) -> Self {
        self.reveal = reveal;
        self
    }

    /// The date expiry findings are checked against (default: today). Pin
    /// it in snapshot tests so records do not change with the calendar.
    ///
    /// ```
    /// let record = kaitsu::Parser::new()
    ///     .today(kaitsu::Date::constant(2030, 1, 1))
    ///     .parse_path("samples/rl_unijis_address_dns_hyphen.pdf");
    /// assert!(record.findings.iter().any(|f| f.code == "password_expired"));
    /// ```
    pub fn today(mut self, today: Date) -> Self {
        self.today = Some(today);
        self
    }

    /// The validation policy (default: [`Policy::default`]).
    ///
    /// ```
    /// let policy = kaitsu::Policy::from_yaml("warn_days: 30\n").expect("a valid policy");
    /// let parser = kaitsu::Parser::new().policy(policy);
    /// # let _ = parser;
    /// ```
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = Arc::new(policy);
        self
    }

    /// The time budget of one file (default [`DEFAULT_TIMEOUT`]); `None`
    /// for no budget. A file over it gives a `timeout` error record.
    ///
    /// ```
    /// let parser = kaitsu::Parser::new().timeout(Some(std::time::Duration::from_secs(2)));
    /// # let _ = parser;
    /// ```
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Worker threads for [`Parser::parse_many`]; 0 (the default) means
    /// one per core.
    ///
    /// ```
    /// let parser = kaitsu::Parser::new().jobs(2);
    /// # let _ = parser;
    /// ```
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs;
        self
    }

    /// Parses and validates one PDF held in memory; its record's `source`
    /// is [`BYTES_SOURCE`].
    ///
    /// ```
    /// let bytes = std::fs::read("samples/rl_unijis_address_dns_hyphen.pdf").unwrap();
    /// let record = kaitsu::Parser::new().parse(&bytes);
    /// assert_eq!(record.source, "<bytes>");
    /// assert!(record.notice.is_some());
    /// ```
    pub fn parse(&self, bytes: &[u8]) -> Record {
        self.parse_named(BYTES_SOURCE, bytes)
    }

    /// Like [`Parser::parse`], with the `source` the record shows (and its
    /// error messages name).
    ///
    /// ```
    /// let record = kaitsu::Parser::new().parse_named("upload-17.pdf", b"");
    /// assert_eq!(record.source, "upload-17.pdf");
    /// let error = record.error.expect("an error record");
    /// assert!(error.message.starts_with("upload-17.pdf: "));
    /// ```
    pub fn parse_named(&self, source: &str, bytes: &[u8]) -> Record {
        self.process(source, bytes, &self.parse_options())
    }

    /// Reads, parses and validates one file: the record `kaitsu parse
    /// --today … FILE` prints. A file that cannot be read (missing, a
    /// directory, too big) gives an `io` or `limit_exceeded` record, as in
    /// the CLI.
    ///
    /// ```
    /// let record = kaitsu::Parser::new().parse_path("no/such/file.pdf");
    /// assert_eq!(record.source, "no/such/file.pdf");
    /// assert_eq!(record.error.map(|e| e.kind), Some("io".to_string()));
    /// ```
    pub fn parse_path(&self, path: impl AsRef<Path>) -> Record {
        self.record_of(&Source::Path(path.as_ref().to_path_buf()))
    }

    /// Parses many inputs in parallel (see [`Parser::jobs`]) and yields
    /// their records in input order, each as soon as it and those before it
    /// are ready. The work runs on its own threads: the caller may do
    /// something else (or release Python's GIL) while it waits. Dropping
    /// the iterator stops the work that has not started.
    ///
    /// ```
    /// use kaitsu::Source;
    /// let sources = vec![
    ///     Source::from("samples/calc_ipaex_address_dns.pdf"),
    ///     Source::bytes("in-memory.pdf", b"%PDF-1.7 truncated".to_vec()),
    ///     Source::from("samples/rl_rksj_account_reiwa.pdf"),
    /// ];
    /// let records: Vec<kaitsu::Record> = kaitsu::Parser::new().jobs(2).parse_many(sources).collect();
    /// let names: Vec<&str> = records.iter().map(|r| r.source.as_str()).collect();
    /// assert_eq!(
    ///     names,
    ///     ["samples/calc_ipaex_address_dns.pdf", "in-memory.pdf", "samples/rl_rksj_account_reiwa.pdf"]
    /// );
    /// assert!(records[1].error.is_some());
    /// ```
    pub fn parse_many<I>(&self, sources: I) -> Records
    where
        I: IntoIterator<Item = Source>,
    {
        Records::start(self.clone(), sources.into_iter().collect())
    }

    /// Parses one PDF held in memory into its typed [`Notice`] (layers 1–3,
    /// no validation), with this parser's passwords and time budget. The
    /// notice keeps secrets as [`Secret`]s.
    ///
    /// ```
    /// let bytes = std::fs::read("samples/rl_unijis_address_dns_hyphen.pdf").unwrap();
    /// let notice = kaitsu::Parser::new().notice(&bytes).expect("a notice");
    /// let user = kaitsu::find_user(&notice, notice.users[0].user_id.as_deref().unwrap());
    /// assert!(user.is_some());
    /// ```
    pub fn notice(&self, bytes: &[u8]) -> Result<Notice, Error> {
        crate::parse_bytes(bytes, &self.parse_options())
    }

    /// The record of one source.
    fn record_of(&self, source: &Source) -> Record {
        match source {
            Source::Bytes { name, bytes } => self.parse_named(name, bytes),
            Source::Path(path) => {
                let options = BatchOptions {
                    jobs: 1,
                    passwords: self.passwords.clone(),
                    timeout: self.timeout,
                    max_file_bytes: self.max_file_bytes,
                    ..BatchOptions::default()
                };
                let process = |source: &str, bytes: &[u8], opts: &ParseOptions| {
                    self.process(source, bytes, opts)
                };
                // Without `recursive`, one name is exactly one input.
                let (inputs, _) = batch::expand(
                    std::slice::from_ref(path),
                    false,
                    &mut std::io::Cursor::new(Vec::new()),
                    self.max_file_bytes,
                );
                match inputs.first() {
                    Some(input) => batch::record_of(input, &options, &process),
                    None => Record::failure(
                        path.to_string_lossy(),
                        &Error::Io(std::io::Error::other("no input")),
                    ),
                }
            }
        }
    }

    fn parse_options(&self) -> ParseOptions {
        ParseOptions {
            passwords: self.passwords.clone(),
            limits: crate::pdf::Limits {
                deadline: self.timeout.map(|t| Instant::now() + t),
                ..crate::pdf::Limits::default()
            },
        }
    }

    fn process(&self, source: &str, bytes: &[u8], options: &ParseOptions) -> Record {
        let today = self
            .today
            .unwrap_or_else(|| jiff::ZonedDateTime::now().date());
        crate::parse_to_record(source, bytes, options, self.reveal, &self.policy, today)
    }
}

/// One input of [`Parser::parse_many`]: a file, or bytes with a name.
///
/// ```
/// let from_path = kaitsu::Source::from("samples/calc_ipaex_address_dns.pdf");
/// let from_bytes = kaitsu::Source::bytes("mail-attachment.pdf", vec![]);
/// assert_eq!(from_path.name(), "samples/calc_ipaex_address_dns.pdf");
/// assert_eq!(from_bytes.name(), "mail-attachment.pdf");
/// ```
#[derive(Clone)]
pub enum Source {
    /// A file, read as the CLI reads it.
    Path(PathBuf),
    /// A PDF already in memory.
    Bytes {
        /// The record's `source`.
        name: String,
        /// The PDF.
        bytes: Vec<u8>,
    },
}

impl Source {
    /// Bytes with the name their record shows.
    ///
    /// ```
    /// let source = kaitsu::Source::bytes("a.pdf", b"%PDF".to_vec());
    /// assert_eq!(source.name(), "a.pdf");
    /// ```
    pub fn bytes(name: impl Into<String>, bytes: Vec<u8>) -> Self {
        Source::Bytes {
            name: name.into(),
            bytes,
        }
    }

    /// The `source` its record will show.
    ///
    /// ```
    /// assert_eq!(kaitsu::Source::from("dir/a.pdf").name(), "dir/a.pdf");
    /// ```
    pub fn name(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Source::Path(p) => p.to_string_lossy(),
            Source::Bytes { name, .. } => name.as_str().into(),
        }
    }
}

impl std::fmt::Debug for Source {
    /// The name only: a PDF's bytes are not worth printing.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Path(p) => f.debug_tuple("Path").field(p).finish(),
            Source::Bytes { name, bytes } => f
                .debug_struct("Bytes")
                .field("name", name)
                .field("len", &bytes.len())
                .finish(),
        }
    }
}

impl From<PathBuf> for Source {
    fn from(path: PathBuf) -> Self {
        Source::Path(path)
    }
}

impl From<&Path> for Source {
    fn from(path: &Path) -> Self {
        Source::Path(path.to_path_buf())
    }
}

impl From<&str> for Source {
    fn from(path: &str) -> Self {
        Source::Path(PathBuf::from(path))
    }
}

/// The records of [`Parser::parse_many`], in input order.
///
/// ```
/// let mut records = kaitsu::Parser::new()
///     .parse_many(vec![kaitsu::Source::from("samples/calc_ipaex_address_dns.pdf")]);
/// assert_eq!(records.len(), 1);
/// assert!(records.next().is_some_and(|r| r.notice.is_some()));
/// assert!(records.next().is_none());
/// ```
#[derive(Debug)]
pub struct Records {
    rx: mpsc::Receiver<(usize, Record)>,
    pending: BTreeMap<usize, Record>,
    next: usize,
    total: usize,
    cancel: Arc<AtomicBool>,
}

impl Records {
    fn start(parser: Parser, sources: Vec<Source>) -> Records {
        let (tx, rx) = mpsc::channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let total = sources.len();
        let stop = Arc::clone(&cancel);
        // A plain thread owns the pool, so the caller's thread only waits
        // on the channel.
        std::thread::spawn(move || {
            let work = || {
                sources
                    .par_iter()
                    .enumerate()
                    .for_each_with(tx, |tx, (i, source)| {
                        if stop.load(Ordering::Relaxed) {
                            return;
                        }
                        // A closed channel means the iterator is gone.
                        let _ = tx.send((i, parser.record_of(source)));
                    })
            };
            match rayon::ThreadPoolBuilder::new()
                .num_threads(parser.jobs)
                .build()
            {
                Ok(pool) => pool.install(work),
                Err(_) => work(),
            }
        });
        Records {
            rx,
            pending: BTreeMap::new(),
            next: 0,
            total,
            cancel,
        }
    }
}

impl Iterator for Records {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        loop {
            if let Some(record) = self.pending.remove(&self.next) {
                self.next += 1;
                return Some(record);
            }
            if self.next >= self.total {
                return None;
            }
            let (i, record) = self.rx.recv().ok()?;
            self.pending.insert(i, record);
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.total - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Records {}

impl Drop for Records {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

/// The user of a notice with this user ID, compared as the CLI's
/// `password-check --user-id` compares it (trimmed, ASCII case ignored).
///
/// ```
/// let bytes = std::fs::read("samples/rl_unijis_address_dns_hyphen.pdf").unwrap();
/// let notice = kaitsu::Parser::new().notice(&bytes).expect("a notice");
/// let id = notice.users[0].user_id.clone().unwrap();
/// let user = kaitsu::find_user(&notice, &format!(" {} ", id.to_uppercase()));
/// assert_eq!(user.map(|u| u.no), Some(notice.users[0].no));
/// assert!(kaitsu::find_user(&notice, "nobody@example.jp").is_none());
/// ```
pub fn find_user<'a>(notice: &'a Notice, user_id: &str) -> Option<&'a User> {
    let wanted = user_id.trim().to_ascii_lowercase();
    notice.users.iter().find(|u| {
        u.user_id
            .as_deref()
            .is_some_and(|id| id.trim().to_ascii_lowercase() == wanted)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples")
            .join(name)
    }

    #[test]
    fn bytes_and_path_give_the_same_notice_and_findings() {
        let path = sample("rl_rksj_account_reiwa.pdf");
        let parser = Parser::new().today(Date::constant(2023, 9, 20));
        let from_path = parser.parse_path(&path);
        let bytes = std::fs::read(&path).unwrap_or_default();
        let from_bytes = parser.parse_named(&path.to_string_lossy(), &bytes);
        assert!(from_path.notice.is_some());
        assert_eq!(from_path, from_bytes);
    }

    #[test]
    fn a_directory_is_the_cli_s_io_record() {
        let dir = std::env::temp_dir();
        let record = Parser::new().parse_path(&dir);
        let error = record.error.unwrap_or_else(|| panic!("an error record"));
        assert_eq!(error.kind, "io");
        assert!(
            error.message.contains("is a directory"),
            "{}",
            error.message
        );
    }

    #[test]
    fn debug_shows_no_password() {
        let parser = Parser::new()
            .password("s3cret-Pw!")
            .passwords(["other-Pw#"]);
        let text = format!("{parser:?}");
        assert!(!text.contains("s3cret"), "{text}");
        assert!(!text.contains("other-Pw"), "{text}");
    }

    #[test]
    fn many_records_come_in_input_order_whatever_the_jobs() {
        let names = [
            "writer_ipaex_account_autospace.pdf",
            "calc_ipaex_address_dns.pdf",
            "chromium_noto_account_reading.pdf",
            "rl_ttf_reading_4lines.pdf",
        ];
        let sources: Vec<Source> = names
            .iter()
            .cycle()
            .take(12)
            .map(|n| Source::Path(sample(n)))
            .collect();
        let parser = Parser::new().today(Date::constant(2023, 9, 20));
        let serial: Vec<Record> = sources.iter().map(|s| parser.record_of(s)).collect();
        for jobs in [1, 2, 4] {
            let got: Vec<Record> = parser
                .clone()
                .jobs(jobs)
                .parse_many(sources.clone())
                .collect();
            assert_eq!(got, serial, "jobs {jobs}");
        }
    }

    #[test]
    fn dropping_the_iterator_early_is_fine() {
        let sources: Vec<Source> = (0..50)
            .map(|_| Source::Path(sample("calc_ipaex_address_dns.pdf")))
            .collect();
        let mut records = Parser::new().parse_many(sources);
        assert!(records.next().is_some());
        drop(records);
    }
}
