//! The hidden `worker` subcommand and what its requests mean.
//!
//! `parse`, `check` and `text` hand each document to worker processes
//! (`kaitsu worker`, started by [`pool`]) so that what kaitsu does not
//! control (lopdf's loading) cannot take the batch down: see
//! `kaitsu::batch::isolate` for the mechanics. A worker is set up once
//! (policy, today, whether secrets show, whether the notice is left out)
//! and then answers requests: one input's bytes with its passwords and time
//! budget in, its record (or its layout text) out. The record is the one
//! the same options give in-process, byte for byte: the worker runs
//! [`kaitsu::parse_to_record`] and the record crosses the pipe as JSON.
//! A batch's file whose bytes the parent does not need is sent by name
//! instead ([`RecordLane`]): the worker reads it with the batch's own
//! [`kaitsu::batch::read_file_or_record`], so the same rules give the same
//! `io` records.

use super::validate_cmds::{NoticeAnswer, look_up};
use kaitsu::batch::isolate::{self, Failure, WorkerPool};
use kaitsu::batch::{self};
use kaitsu::output::Record;
use kaitsu::validate::Policy;
use kaitsu::{ParseOptions, Secret};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::VecDeque;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What every request of a worker shares. A forked worker has it as the
/// parent made it; a started one reads it from its first frame
/// ([`SetupFrame`]).
#[derive(Debug)]
pub(super) struct Setup {
    /// For records (`parse`, `check`); `text` needs none.
    pub(super) records: Option<RecordSetup>,
    /// Show secrets.
    pub(super) reveal: bool,
}

/// What records need besides the input.
#[derive(Debug)]
pub(super) struct RecordSetup {
    /// The policy findings are checked against.
    pub(super) policy: Policy,
    /// The date findings check expiry against.
    pub(super) today: jiff::civil::Date,
    /// `check`: records without the notice.
    pub(super) strip_notice: bool,
}

/// [`Setup`] as a started worker reads it. Made only when a worker is
/// started from the binary: writing and reading the policy's YAML was
/// about 60 µs of every one-file run while all its workers were forked.
#[derive(Serialize, Deserialize)]
struct SetupFrame {
    records: Option<RecordFrame>,
    reveal: bool,
}

#[derive(Serialize, Deserialize)]
struct RecordFrame {
    /// The policy, as `Policy::to_yaml` writes it.
    policy_yaml: String,
    today: String,
    strip_notice: bool,
}

impl Setup {
    fn to_frame(&self) -> Vec<u8> {
        let frame = SetupFrame {
            records: self.records.as_ref().map(|r| RecordFrame {
                policy_yaml: r.policy.to_yaml(),
                today: r.today.to_string(),
                strip_notice: r.strip_notice,
            }),
            reveal: self.reveal,
        };
        serde_json::to_vec(&frame).unwrap_or_default()
    }

    fn from_frame(frame: &[u8]) -> Result<Setup, String> {
        let frame: SetupFrame =
            serde_json::from_slice(frame).map_err(|e| format!("bad set-up: {e}"))?;
        let records = match frame.records {
            Some(r) => Some(RecordSetup {
                policy: Policy::from_yaml(&r.policy_yaml).map_err(|e| e.to_string())?,
                today: r.today.parse().map_err(|e: jiff::Error| e.to_string())?,
                strip_notice: r.strip_notice,
            }),
            None => None,
        };
        Ok(Setup {
            records,
            reveal: frame.reveal,
        })
    }
}

/// What to make of one input.
#[derive(Debug, Serialize, Deserialize)]
enum Task {
    /// Its record, as `parse` (or `check`) prints it.
    Record { source: String },
    /// Its layout text, as `text` prints it.
    Layout,
    /// The temporary password it gives a user (`password-check`).
    TemporaryPassword { user_id: String },
}

/// No `Debug`: it holds the PDF passwords.
#[derive(Serialize, Deserialize)]
struct Request {
    task: Task,
    passwords: Vec<String>,
    /// The time budget left when the request was sent.
    timeout_ms: Option<u64>,
    /// The body is a file's path ([`kaitsu::batch::path_to_bytes`]), not
    /// its bytes: the worker reads it as the batch would
    /// ([`kaitsu::batch::read_file_or_record`]), with this size limit.
    /// Only for [`Task::Record`].
    #[serde(default)]
    file_max_bytes: Option<u64>,
}

/// The answer to [`Task::Layout`]. No `Debug`: the text shows secrets
/// when they are revealed.
#[derive(Serialize, Deserialize)]
enum LayoutAnswer {
    Text(String),
    Error(String),
}

/// The answer to [`Task::TemporaryPassword`] (the password crosses the
/// pipe between two kaitsu processes, as the input's own password does).
/// No `Debug`: it holds the password.
#[derive(Serialize, Deserialize)]
enum PasswordAnswer {
    Found(Option<String>),
    NoUser,
    Error(String),
}

/// A request's head: its JSON (the input's bytes are the body, sent as
/// they are).
fn encode(request: &Request) -> Vec<u8> {
    serde_json::to_vec(request).unwrap_or_default()
}

/// Workers of this binary, set up with `setup`, for `workers` batch
/// threads and `inputs` inputs. With more than one thread, that many
/// workers are forked now when the pool can (see
/// `WorkerPool::fork_workers`; call this before any thread is started: a
/// multithreaded process cannot fork workers). With one (a one-file run,
/// `-j 1`), the worker is forked by the first request, carrying it
/// (`WorkerPool::fork_on_demand`): its input is not copied into the child;
/// for one input, it ends as soon as it has answered. Workers that cannot
/// be forked are started from the binary when first needed (a binary that
/// cannot be found then fails to start, and the caller parses in-process).
pub(super) fn pool(setup: Setup, workers: usize, inputs: usize) -> WorkerPool {
    let setup = Arc::new(setup);
    let for_frame = Arc::clone(&setup);
    let mut pool = WorkerPool::new(
        || {
            let exe = std::env::current_exe().unwrap_or_default();
            let mut c = std::process::Command::new(exe);
            c.arg("worker");
            c
        },
        move || for_frame.to_frame(),
    );
    let forked: isolate::ForkedWorker =
        Arc::new(move |start| work(|| isolate::serve_forked(start, setup.as_ref(), answer)));
    if workers > 1 {
        pool.fork_workers(workers, &forked);
    }
    pool.fork_on_demand(forked, inputs == 1);
    pool
}

fn request_for(task: Task, options: &ParseOptions) -> (Request, Option<Duration>) {
    let budget = options
        .limits
        .deadline
        .map(|d| d.saturating_duration_since(Instant::now()));
    let request = Request {
        task,
        passwords: options
            .passwords
            .iter()
            .map(|p| p.expose().to_string())
            .collect(),
        timeout_ms: budget.map(|b| b.as_millis().try_into().unwrap_or(u64::MAX)),
        file_max_bytes: None,
    };
    (request, budget)
}

/// Sends one request to a worker and reads its answer as a `T`: `None`
/// when no worker could be started, `Err` when the worker failed on it or
/// its answer did not read.
fn ask<T: serde::de::DeserializeOwned>(
    pool: &WorkerPool,
    request: &Request,
    bytes: &[u8],
    budget: Option<Duration>,
) -> Option<Result<T, Failure>> {
    match pool.call(&encode(request), bytes, budget) {
        Ok(answer) => Some(serde_json::from_slice(&answer).map_err(|e| Failure::Died {
            status: format!("its answer did not read: {e}"),
        })),
        Err(Failure::Spawn(_)) => None,
        Err(f) => Some(Err(f)),
    }
}

/// A record as a batch hands it on: the record, and its NDJSON line (its
/// compact JSON) when a worker already wrote it, so the parent does not
/// serialize it again.
pub(super) struct Made {
    /// The record; with [`Want::Line`], its head only: no notice and no
    /// provenance (everything the batch's summary and `check` read).
    pub(super) record: Record,
    /// The record's whole compact JSON, byte for byte
    /// `kaitsu::output::to_ndjson_line` of the record (serde_json wrote it
    /// in the worker: UTF-8 by construction, so the parent writes it out
    /// as it came, without a check or a copy).
    pub(super) line: Option<Vec<u8>>,
}

impl From<Record> for Made {
    fn from(record: Record) -> Self {
        Made { record, line: None }
    }
}

impl std::borrow::Borrow<Record> for Made {
    fn borrow(&self) -> &Record {
        &self.record
    }
}

/// What the parent needs of a worker's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Want {
    /// The whole record (JSON, YAML, CSV, XLSX output; an output
    /// directory stores it).
    Record,
    /// The whole record and its NDJSON line (NDJSON output with an output
    /// directory).
    RecordAndLine,
    /// The NDJSON line and the record's head: NDJSON output and nothing
    /// else (reading the whole record back cost more than half of the
    /// parent's work per file).
    Line,
}

/// A worker's answer to [`Task::Record`]: the whole record's compact JSON,
/// then the head's JSON (the record without its notice and provenance),
/// then the head's length (`u32`, little-endian). The line comes first so
/// that the parent keeps it where it read it: the answer's buffer, cut at
/// the line's end, is the line (copying it out, then again with its
/// newline, was about a fifth of the parent's instructions per file).
fn record_answer(mut record: Record) -> Vec<u8> {
    let mut out = Vec::with_capacity(ANSWER_START_BYTES);
    if serde_json::to_writer(&mut out, &record).is_err() {
        // As `serde_json::to_vec(..).unwrap_or_default()`: no line, and
        // the parent fails to read the answer.
        out.clear();
    }
    let line_len = out.len();
    record.notice = None;
    record.provenance.clear();
    if serde_json::to_writer(&mut out, &record).is_err() {
        // No head: the parent fails to read it, as any broken answer.
        out.truncate(line_len);
    }
    let head_len = u32::try_from(out.len() - line_len).unwrap_or(0);
    out.extend_from_slice(&head_len.to_le_bytes());
    out
}

/// The buffer a [`record_answer`] starts with: above a one-page notice's
/// record and its head (the fixtures' lines: median 3.4 KB, nine in ten
/// under 7.2 KB), so that serde_json writes it without growing it from
/// 128 bytes by doubling (six reallocations and copies a record). The
/// buffer lives only until the answer is sent; larger records grow it.
const ANSWER_START_BYTES: usize = 16 * 1024;

/// Reads [`record_answer`]'s bytes as `want` asks.
fn read_record_answer(mut answer: Vec<u8>, want: Want) -> Result<Made, String> {
    let head_end = answer.len().checked_sub(4).ok_or("no head length")?;
    let head_len = answer
        .get(head_end..)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(|b| u32::from_le_bytes(b) as usize)
        .ok_or("no head length")?;
    let line_end = head_end.checked_sub(head_len).ok_or("a short head")?;
    let json = |bytes: &[u8]| serde_json::from_slice::<Record>(bytes).map_err(|e| e.to_string());
    let record = match want {
        Want::Record => {
            return Ok(Made::from(json(
                answer.get(..line_end).unwrap_or_default(),
            )?));
        }
        Want::RecordAndLine => json(answer.get(..line_end).unwrap_or_default())?,
        Want::Line => json(answer.get(line_end..head_end).unwrap_or_default())?,
    };
    answer.truncate(line_end);
    Ok(Made {
        record,
        line: Some(answer),
    })
}

/// A batch thread's records, made by one worker with requests in flight
/// ([`isolate::Lane`]): a file the batch does not need the bytes of is
/// sent by name and read by the worker ([`Task::Record`] with
/// `file_max_bytes`), so its bytes cross no socket.
pub(super) struct RecordLane<'p, 'i> {
    lane: isolate::Lane<'p, 'i>,
    /// The sent jobs' sources and options, and the size limit of those sent
    /// by name, oldest first.
    jobs: VecDeque<(&'i str, ParseOptions, Option<u64>)>,
    want: Want,
    /// Makes the record in this process when no worker could be started.
    fallback: &'p (dyn Fn(&str, &[u8], &ParseOptions) -> Made + Sync),
}

impl<'p> RecordLane<'p, '_> {
    pub(super) fn new(
        pool: &'p WorkerPool,
        want: Want,
        fallback: &'p (dyn Fn(&str, &[u8], &ParseOptions) -> Made + Sync),
    ) -> Self {
        RecordLane {
            lane: pool.lane(),
            jobs: VecDeque::with_capacity(isolate::PIPELINE_DEPTH),
            want,
            fallback,
        }
    }
}

impl<'i> batch::Lane<'i, Made> for RecordLane<'_, 'i> {
    fn depth(&self) -> usize {
        isolate::PIPELINE_DEPTH
    }

    fn send(&mut self, job: batch::Job<'i>) {
        let (mut request, budget) = request_for(
            Task::Record {
                source: job.source.to_string(),
            },
            &job.options,
        );
        let body = match job.body {
            batch::Body::Bytes(bytes) => bytes,
            batch::Body::File { path, max_bytes } => {
                request.file_max_bytes = Some(max_bytes);
                batch::path_to_bytes(path)
            }
        };
        self.jobs
            .push_back((job.source, job.options, request.file_max_bytes));
        self.lane.send(isolate::Sent {
            head: Cow::Owned(encode(&request)),
            body,
            budget,
        });
    }

    fn ready(&self) -> isolate::Ready<'_> {
        self.lane.ready()
    }

    fn recv(&mut self) -> Option<Made> {
        let (sent, answer) = self.lane.recv()?;
        let (source, options, file_max_bytes) = self.jobs.pop_front()?;
        let failure = match answer {
            Ok(answer) => match read_record_answer(answer, self.want) {
                Ok(made) => return Some(made),
                Err(e) => Failure::Died {
                    status: format!("its answer did not read: {e}"),
                },
            },
            Err(Failure::Spawn(_)) => {
                let made = match file_max_bytes {
                    None => (self.fallback)(source, &sent.body, &options),
                    Some(max) => {
                        let path = batch::path_from_bytes(&sent.body);
                        match batch::read_file_or_record(source, &path, max) {
                            Ok(bytes) => (self.fallback)(source, &bytes, &options),
                            Err(record) => Made::from(*record),
                        }
                    }
                };
                return Some(made);
            }
            Err(f) => f,
        };
        Some(Made::from(isolate::failure_record(
            source,
            &failure,
            isolate::DEFAULT_MEMORY_CAP,
        )))
    }
}

/// One input's layout text (secrets redacted unless `reveal`), made by a
/// worker; the error message when there is none; `None` when no worker
/// could be started.
pub(super) fn layout_text(
    pool: &WorkerPool,
    source: &str,
    bytes: &[u8],
    options: &ParseOptions,
) -> Option<Result<String, String>> {
    let (request, budget) = request_for(Task::Layout, options);
    let failure = match ask::<LayoutAnswer>(pool, &request, bytes, budget)? {
        Ok(LayoutAnswer::Text(t)) => return Some(Ok(t)),
        Ok(LayoutAnswer::Error(e)) => return Some(Err(format!("{source}: {e}"))),
        Err(f) => f,
    };
    let record = isolate::failure_record(source, &failure, isolate::DEFAULT_MEMORY_CAP);
    Some(Err(record.error.map(|e| e.message).unwrap_or_default()))
}

/// The temporary password `user_id` has in the notice, read by a worker;
/// `None` when no worker could be started.
pub(super) fn temporary_password(
    pool: &WorkerPool,
    source: &str,
    bytes: &[u8],
    options: &ParseOptions,
    user_id: &str,
) -> Option<NoticeAnswer> {
    let (request, budget) = request_for(
        Task::TemporaryPassword {
            user_id: user_id.to_string(),
        },
        options,
    );
    let failure = match ask::<PasswordAnswer>(pool, &request, bytes, budget)? {
        Ok(PasswordAnswer::Found(p)) => return Some(NoticeAnswer::Found(p.map(Secret::new))),
        Ok(PasswordAnswer::NoUser) => return Some(NoticeAnswer::NoUser),
        Ok(PasswordAnswer::Error(e)) => return Some(NoticeAnswer::Failed(e)),
        Err(f) => f,
    };
    let record = isolate::failure_record(source, &failure, isolate::DEFAULT_MEMORY_CAP);
    let message = record.error.map(|e| e.message).unwrap_or_default();
    // The record's message names the source; the command names it itself.
    let message = message
        .strip_prefix(&format!("{source}: "))
        .map(str::to_string)
        .unwrap_or(message);
    Some(NoticeAnswer::Failed(message))
}

/// Runs `kaitsu worker` (hidden): a worker started from the binary,
/// answering requests on stdin until it closes.
pub(super) fn run() -> ExitCode {
    ExitCode::from(work(|| {
        isolate::serve(
            std::io::stdin().lock(),
            std::io::stdout().lock(),
            Setup::from_frame,
            answer,
        )
    }))
}

/// A worker's life: caps its own memory, keeps freed memory for the next
/// file ([`isolate::keep_freed_memory`]), then runs `serve` (which reads
/// its set-up and answers requests until its input closes); the exit
/// status.
fn work(serve: impl FnOnce() -> Result<(), String>) -> u8 {
    if let Err(e) = isolate::cap_memory(isolate::DEFAULT_MEMORY_CAP) {
        eprintln!("kaitsu worker: {e}");
        return super::EXIT_USAGE;
    }
    isolate::keep_freed_memory();
    match serve() {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("kaitsu worker: {e}");
            super::EXIT_USAGE
        }
    }
}

fn answer(ready: &Setup, head: &[u8], bytes: &[u8]) -> Vec<u8> {
    let Ok(request) = serde_json::from_slice::<Request>(head) else {
        return b"{}".to_vec();
    };
    let options = ParseOptions {
        passwords: request.passwords.into_iter().map(Secret::new).collect(),
        limits: kaitsu::pdf::Limits {
            deadline: request
                .timeout_ms
                .and_then(|ms| Instant::now().checked_add(Duration::from_millis(ms))),
            ..kaitsu::pdf::Limits::default()
        },
    };
    // A file sent by name is read here, by the batch's rules; its bytes
    // are then handed to the PDF layer, which keeps them without a copy.
    let bytes = match request.file_max_bytes {
        None => Cow::Borrowed(bytes),
        Some(max) => {
            let path = batch::path_from_bytes(bytes);
            let source = match &request.task {
                Task::Record { source } => source.as_str(),
                // Only records are asked of a file sent by name.
                _ => return b"{}".to_vec(),
            };
            match batch::read_file_or_record(source, &path, max) {
                Ok(b) => Cow::Owned(b),
                Err(record) => return record_answer(*record),
            }
        }
    };
    match request.task {
        Task::Record { source } => match &ready.records {
            Some(r) => {
                let record = super::batch_cmd::record_in_process(
                    &source,
                    bytes,
                    &options,
                    ready.reveal,
                    &r.policy,
                    r.today,
                    r.strip_notice,
                );
                record_answer(record)
            }
            None => b"{}".to_vec(),
        },
        Task::Layout => {
            let laid_out = match bytes {
                Cow::Borrowed(b) => kaitsu::layout_bytes(b, &options),
                Cow::Owned(b) => kaitsu::layout_owned(b, &options),
            };
            let answer = match laid_out {
                Ok(doc) => LayoutAnswer::Text(super::layout_text(&doc, ready.reveal)),
                Err(e) => LayoutAnswer::Error(e.to_string()),
            };
            serde_json::to_vec(&answer).unwrap_or_default()
        }
        Task::TemporaryPassword { user_id } => {
            let answer = match look_up(&bytes, &options, &user_id) {
                NoticeAnswer::Found(p) => PasswordAnswer::Found(p.map(|p| p.expose().to_string())),
                NoticeAnswer::NoUser => PasswordAnswer::NoUser,
                NoticeAnswer::Failed(e) => PasswordAnswer::Error(e),
            };
            serde_json::to_vec(&answer).unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every way the parent reads a worker's record gives the record the
    /// worker made (its head for `Want::Line`) and its exact NDJSON line.
    #[test]
    fn a_record_answer_reads_back_as_the_record_and_its_line() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples/calc_ipaex_address_dns.pdf");
        let bytes = std::fs::read(&path).unwrap_or_default();
        let made = kaitsu::parse_to_record(
            "a \"quoted\" 名前.pdf",
            &bytes,
            &ParseOptions::default(),
            false,
            &Policy::default(),
            jiff::civil::date(2024, 2, 29),
        );
        assert!(made.notice.is_some() && !made.provenance.is_empty());
        let failed = Record::failure("x.pdf", &kaitsu::Error::Io(std::io::Error::other("gone")));
        for record in [made, failed] {
            let line = kaitsu::output::to_ndjson_line(&record).unwrap_or_default();
            let mut head = record.clone();
            head.notice = None;
            head.provenance.clear();
            for (want, expected) in [
                (Want::Record, &record),
                (Want::RecordAndLine, &record),
                (Want::Line, &head),
            ] {
                let read = read_record_answer(record_answer(record.clone()), want)
                    .unwrap_or_else(|e| panic!("{want:?}: {e}"));
                assert_eq!(&read.record, expected, "{want:?}");
                let want_line = (want != Want::Record).then_some(line.as_bytes());
                assert_eq!(read.line.as_deref(), want_line, "{want:?}");
            }
        }
        for broken in [&b""[..], b"{}", b"\x05\0\0\0", b"{}\xff\xff\0\0"] {
            assert!(read_record_answer(broken.to_vec(), Want::Line).is_err());
        }
    }

    /// A forked worker is given its `Setup`; a started one reads it from
    /// its set-up frame: both must hold the same.
    #[test]
    fn a_started_worker_reads_the_set_up_a_forked_one_is_given() {
        let policy = Policy {
            allowed_login_host_suffixes: vec!["example.jp".to_string(), "auth.iij.jp".to_string()],
            warn_days: 3,
            ..Policy::default()
        };
        for (records, reveal) in [
            (
                Some(RecordSetup {
                    policy,
                    today: jiff::civil::date(2024, 2, 29),
                    strip_notice: true,
                }),
                true,
            ),
            (None, false),
        ] {
            let given = Setup { records, reveal };
            let read = Setup::from_frame(&given.to_frame()).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(read.reveal, given.reveal);
            match (&read.records, &given.records) {
                (Some(r), Some(g)) => {
                    assert_eq!(r.policy, g.policy);
                    assert_eq!(r.today, g.today);
                    assert_eq!(r.strip_notice, g.strip_notice);
                }
                (None, None) => {}
                _ => panic!("records set-up lost or made up: {read:?}"),
            }
        }
    }
}
