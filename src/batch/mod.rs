//! Batches: many inputs, in parallel, one record each, in input order.
//!
//! A batch makes records through `-j N` [`Lane`]s of the caller's
//! [`Pipeline`], each of which may hold more than one input at a time
//! (worker processes keep the next request in flight) and, when the batch
//! needs no bytes itself, may be given a file by name ([`Body::File`]) to
//! read by the same rules ([`read_file_or_record`]). Lanes take inputs in
//! input order, and records are handed on strictly in input order, so
//! NDJSON streams as soon as the next record is ready and the output is
//! the same byte for byte whatever `-j` is. The receiver may stop the
//! batch (stdout was closed): no new input is started then.
//!
//! Who drives the lanes: with one lane (`-j 1`, or one input) the calling
//! thread, and no thread is started. When records are made elsewhere
//! (worker processes, [`Pipeline::made_elsewhere`]) and the batch has
//! nothing to do per file but hand records on (no output directory), the
//! calling thread drives every lane itself: it waits on all of them at
//! once ([`Lane::ready`], [`isolate::wait_for_lanes`]), takes each record
//! as it comes, and gives that lane its next input. No thread is started
//! and no record crosses threads (the batch threads and their channel to
//! the calling thread were about 3 futex calls and two wake-ups a file).
//! Otherwise (in-process parsing; or reading, hashing and storing files
//! for an output directory, work that blocks) each lane has its own
//! thread, and the calling thread receives their records over a channel.
//!
//! With an output directory ([`OutputDir`]) each record is also stored
//! atomically; `--resume` reuses a stored record only when it was made from
//! the same bytes (SHA-256, computed only when there is an output
//! directory to store it in), under the same options and kaitsu version
//! ([`BatchOptions::resume_key`]), for the same source. A failure to
//! *store* a record is an output error, counted apart: the record itself
//! still goes to the caller unchanged.
//!
//! Inputs are opened without blocking and must be regular files: a FIFO, a
//! socket or a device is an `io` record, never a hang or an endless read.

mod archive;
mod inputs;
pub mod isolate;
mod names;
mod outdir;
mod passwords;

pub use archive::MAX_PDF_MEMBERS;
pub use names::lossless as lossless_name;

pub use inputs::{Input, Origin, Skipped, expand, path_from_bytes, path_to_bytes};
pub use outdir::{OutputDir, OutputDirError, StoredRecord};
pub use passwords::{PasswordFileError, PasswordMap};

use crate::output::Record;
use crate::secret::Secret;
use crate::{Error, ParseOptions};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::borrow::Borrow;
use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The largest input file read: a notice is tens of kilobytes; a file this
/// big is not one, and reading it would cost memory for nothing (each
/// worker may hold one).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Workers per core at most: parsing is CPU-bound, so more threads than a
/// few per core only add memory (each may hold a whole input) and start-up
/// time (`-j 100000` would start 100 000 threads).
pub const MAX_JOBS_PER_CORE: usize = 4;

/// How a batch runs.
#[derive(Debug)]
pub struct BatchOptions {
    /// Worker threads; 0 means one per core. Bounded by
    /// [`worker_count`].
    pub jobs: usize,
    /// Passwords tried on every encrypted file (`--password`,
    /// `KAITSU_PASSWORD`).
    pub passwords: Vec<Secret>,
    /// Per-file passwords (`--passwords FILE`).
    pub password_map: PasswordMap,
    /// Per-file time budget.
    pub timeout: Option<Duration>,
    /// Files larger than this are `limit_exceeded` records.
    pub max_file_bytes: u64,
    /// Where to store one JSON file per input, if anywhere.
    pub output_dir: Option<OutputDir>,
    /// Skip inputs whose stored record matches their content and options.
    pub resume: bool,
    /// With `resume`: parse again inputs whose stored record is an error.
    pub retry_errors: bool,
    /// Everything besides the input's bytes that changes its record (the
    /// kaitsu version, `--today`, the policy, `--reveal-secrets`,
    /// `--timeout`…), as one string: a stored record made under another key
    /// is never reused. Passwords are not part of it (a hash of a password
    /// on disk could be brute-forced); instead an `encrypted` record is
    /// never reused, and retrying it costs one failed password try.
    pub resume_key: String,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            jobs: 0,
            passwords: Vec::new(),
            password_map: PasswordMap::default(),
            timeout: Some(Duration::from_secs(10)),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            output_dir: None,
            resume: false,
            retry_errors: false,
            resume_key: String::new(),
        }
    }
}

/// The worker threads a batch uses: `requested` (0 = one per core), at
/// most one per input and [`MAX_JOBS_PER_CORE`] per core, at least one.
/// The cores are asked once, and only when the answer can be more than
/// one (asking reads cgroup files: a one-file run does not need it).
pub fn worker_count(requested: usize, inputs: usize) -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    if inputs <= 1 || requested == 1 {
        return 1;
    }
    let cores = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from));
    let wanted = if requested == 0 { cores } else { requested };
    wanted
        .min(cores.saturating_mul(MAX_JOBS_PER_CORE))
        .min(inputs)
        .max(1)
}

/// One input that gave no notice, for the closing summary.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FailedInput {
    /// The record's source.
    pub source: String,
    /// The error kind.
    pub kind: String,
}

/// What a batch did, for the end-of-run summary and `summary.json`.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Summary {
    /// Inputs (= records).
    pub inputs: usize,
    /// Records with a notice.
    pub parsed: usize,
    /// Records with an error, by kind.
    pub errors: BTreeMap<String, usize>,
    /// Findings in all records, by severity.
    pub findings: BTreeMap<String, usize>,
    /// Findings in all records, by code.
    pub findings_by_code: BTreeMap<String, usize>,
    /// The inputs that gave no notice, in input order.
    pub failed: Vec<FailedInput>,
    /// Inputs skipped by `--resume` (their stored record was reused).
    pub resumed: usize,
    /// Records that could not be stored in the output directory.
    pub store_failures: usize,
    /// The first store failure's message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_store_failure: Option<String>,
    /// Inputs not processed because the batch was stopped (stdout closed).
    pub not_processed: usize,
    /// Wall-clock seconds.
    pub elapsed_seconds: f64,
}

impl Summary {
    fn count(&mut self, record: &Record) {
        self.inputs += 1;
        match &record.error {
            Some(e) => {
                *self.errors.entry(e.kind.clone()).or_default() += 1;
                self.failed.push(FailedInput {
                    source: record.source.clone(),
                    kind: e.kind.clone(),
                });
            }
            None => self.parsed += 1,
        }
        for f in &record.findings {
            *self.findings.entry(f.severity.clone()).or_default() += 1;
            *self.findings_by_code.entry(f.code.clone()).or_default() += 1;
        }
    }

    /// One human line for stderr.
    pub fn line(&self) -> String {
        let errors: Vec<String> = self
            .errors
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        let findings: Vec<String> = self
            .findings
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        format!(
            "{} inputs: {} parsed, {} errors{}; findings: {}; {:.2} s",
            self.inputs,
            self.parsed,
            self.errors.values().sum::<usize>(),
            if errors.is_empty() {
                String::new()
            } else {
                format!(" ({})", errors.join(", "))
            },
            if findings.is_empty() {
                "none".to_string()
            } else {
                findings.join(", ")
            },
            self.elapsed_seconds
        )
    }
}

/// Turns one file's bytes into its record (parse, then validate): a
/// [`Record`], or (`R`) a record with something the caller made with it
/// (the CLI keeps the JSON line a worker process already wrote, so the
/// record is not serialized twice). A record the batch makes itself (an
/// unreadable input's, a stored one `--resume` reuses) becomes an `R` by
/// `From`.
pub type Processor<'a, R = Record> = dyn Fn(&str, &[u8], &ParseOptions) -> R + Sync + 'a;

/// One input ready to be made into its record: what a [`Lane`] is sent.
#[derive(Debug)]
pub struct Job<'i> {
    /// The record's source.
    pub source: &'i str,
    /// Its bytes, or the file to read them from.
    pub body: Body<'i>,
    /// Its passwords and time budget.
    pub options: ParseOptions,
}

/// An input's bytes, or the file holding them.
#[derive(Debug)]
pub enum Body<'i> {
    /// The bytes, read by the batch.
    Bytes(Cow<'i, [u8]>),
    /// A file for the processor to read with [`read_file_or_record`]
    /// (only to a [`Pipeline`] that [`Pipeline::reads_files`], and only
    /// when the batch needs no bytes itself: no output directory, so no
    /// hash).
    File {
        /// The path, as the input names it.
        path: &'i Path,
        /// [`BatchOptions::max_file_bytes`].
        max_bytes: u64,
    },
}

/// What makes records of a batch's inputs: one [`Lane`] per batch thread.
pub trait Pipeline<R>: Sync {
    /// Whether lanes take [`Body::File`] (they read the file themselves,
    /// by the batch's rules).
    fn reads_files(&self) -> bool;
    /// A new lane, for one thread.
    fn lane<'s, 'i: 's>(&'s self) -> Box<dyn Lane<'i, R> + 's>;
    /// Whether records are made outside the thread that drives a lane
    /// (worker processes), so that one thread may drive every lane,
    /// waiting on them together ([`Lane::ready`]).
    fn made_elsewhere(&self) -> bool {
        false
    }
}

/// One thread's way to records: jobs in, records out in the same order.
/// A lane may hold up to [`Lane::depth`] jobs before their records are
/// taken (a worker process starts on the next while this side hands on
/// the last).
pub trait Lane<'i, R> {
    /// Jobs sent and not yet received, at most.
    fn depth(&self) -> usize;
    /// Sends a job.
    fn send(&mut self, job: Job<'i>);
    /// The record of the oldest job sent and not yet received; `None`
    /// when there is none.
    fn recv(&mut self) -> Option<R>;
    /// Whether [`Lane::recv`] would wait, and for what
    /// ([`isolate::Lane::ready`]); a lane that makes each record when its
    /// job is sent never waits.
    fn ready(&self) -> isolate::Ready<'_> {
        isolate::Ready::Now
    }
}

/// A [`Pipeline`] of a [`Processor`]: each record is made when its job is
/// sent, in the sending thread.
pub struct InThread<'p, R>(pub &'p Processor<'p, R>);

impl<R: From<Record>> Pipeline<R> for InThread<'_, R> {
    fn reads_files(&self) -> bool {
        false
    }

    fn lane<'s, 'i: 's>(&'s self) -> Box<dyn Lane<'i, R> + 's> {
        in_thread_lane(self.0)
    }
}

/// A lane that makes each record with `process` when its job is sent
/// ([`InThread`]'s).
pub fn in_thread_lane<'s, 'i, R: From<Record>>(
    process: &'s Processor<'s, R>,
) -> Box<dyn Lane<'i, R> + 's> {
    Box::new(InThreadLane {
        process,
        ready: None,
    })
}

struct InThreadLane<'p, R> {
    process: &'p Processor<'p, R>,
    ready: Option<R>,
}

impl<R: From<Record>> Lane<'_, R> for InThreadLane<'_, R> {
    fn depth(&self) -> usize {
        1
    }

    fn send(&mut self, job: Job<'_>) {
        let record = match &job.body {
            Body::Bytes(bytes) => (self.process)(job.source, bytes, &job.options),
            Body::File { path, max_bytes } => {
                match read_file_or_record(job.source, path, *max_bytes) {
                    Ok(bytes) => (self.process)(job.source, &bytes, &job.options),
                    Err(record) => (*record).into(),
                }
            }
        };
        self.ready = Some(record);
    }

    fn recv(&mut self) -> Option<R> {
        self.ready.take()
    }
}

/// An input file's bytes ([`read_input_file`]), or the `io` (or
/// `limit_exceeded`) record of an input that cannot be read: what a batch
/// gives a file it reads itself, and what a worker process gives a file it
/// is sent by name.
pub fn read_file_or_record(source: &str, path: &Path, max: u64) -> Result<Vec<u8>, Box<Record>> {
    read_input_file(path, max).map_err(|e| Box::new(Record::failure(source, &e)))
}

/// Whether the batch goes on after a record was handed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Go on.
    Continue,
    /// Start no new input (the output is gone).
    Stop,
}

/// What one worker made of one input.
struct Outcome<R> {
    record: R,
    resumed: bool,
    store_failure: Option<String>,
}

/// Runs a batch. `emit` gets every record once, in input order, until it
/// returns [`Flow::Stop`]; `tick` is called as each input finishes (for a
/// progress bar), with the record. Each batch thread sends its inputs
/// through its own [`Lane`] of `pipeline`, keeping as many in it as the
/// lane takes ([`Lane::depth`]).
pub fn run<R: Borrow<Record> + From<Record> + Send>(
    inputs: &[Input],
    options: &BatchOptions,
    pipeline: &dyn Pipeline<R>,
    emit: &mut dyn FnMut(&R) -> Flow,
    tick: &(dyn Fn(&Record) + Sync),
) -> Summary {
    let started = Instant::now();
    let names: Vec<String> = match &options.output_dir {
        Some(dir) => dir.names_for(inputs),
        None => Vec::new(),
    };
    let stop = AtomicBool::new(false);
    let mut summary = Summary::default();
    let mut hand_on = |outcome: Outcome<R>, summary: &mut Summary| {
        if outcome.resumed {
            summary.resumed += 1;
        }
        if let Some(why) = outcome.store_failure {
            summary.store_failures += 1;
            summary.first_store_failure.get_or_insert(why);
        }
        summary.count(outcome.record.borrow());
        emit(&outcome.record)
    };
    let batch = Batch {
        inputs,
        names: &names,
        options,
        pipeline,
    };
    let threads = worker_count(options.jobs, inputs.len());
    // One thread drives every lane when it has nothing else to do per
    // file (see the module's doc); Unix only (the lanes' sockets).
    let one_driver = cfg!(unix) && pipeline.made_elsewhere() && options.output_dir.is_none();
    let in_this_thread =
        |summary: &mut Summary, hand_on: &mut dyn FnMut(Outcome<R>, &mut Summary) -> Flow| {
            let mut next = 0;
            batch.drive(
                &mut || {
                    next += 1;
                    Some(next - 1)
                },
                &mut |_, outcome| {
                    tick(outcome.record.borrow());
                    hand_on(outcome, summary)
                },
            );
        };
    if threads == 1 {
        // One worker: this thread, in input order; no thread to start
        // (a one-file run started two, for nothing).
        in_this_thread(&mut summary, &mut hand_on);
    } else if one_driver {
        batch.drive_all(threads, &mut |outcome| {
            tick(outcome.record.borrow());
            hand_on(outcome, &mut summary)
        });
    } else {
        let (tx, rx) = mpsc::channel::<(usize, Outcome<R>)>();
        // Workers take inputs in input order from one shared counter, so the
        // records waiting for an earlier, slower one stay few. (A split of
        // the input range, as `par_iter` does, let the second half's records
        // pile up until the first half was done: peak memory grew with the
        // batch.)
        let next_input = AtomicUsize::new(0);
        let work = |tx: mpsc::Sender<(usize, Outcome<R>)>| {
            batch.drive(
                &mut || {
                    (!stop.load(Ordering::Relaxed))
                        .then(|| next_input.fetch_add(1, Ordering::Relaxed))
                },
                &mut |i, outcome| {
                    tick(outcome.record.borrow());
                    let _ = tx.send((i, outcome));
                    if stop.load(Ordering::Relaxed) {
                        Flow::Stop
                    } else {
                        Flow::Continue
                    }
                },
            );
        };
        std::thread::scope(|scope| {
            let started = (0..threads)
                .filter(|_| {
                    let tx = tx.clone();
                    std::thread::Builder::new()
                        .name("kaitsu-batch".into())
                        .spawn_scoped(scope, || work(tx))
                        .is_ok()
                })
                .count();
            drop(tx);
            if started == 0 {
                // No thread could start: every input in this thread.
                in_this_thread(&mut summary, &mut hand_on);
                return;
            }
            let mut pending: BTreeMap<usize, Outcome<R>> = BTreeMap::new();
            let mut next = 0;
            for (i, outcome) in rx.iter() {
                if stop.load(Ordering::Relaxed) {
                    continue;
                }
                pending.insert(i, outcome);
                while let Some(outcome) = pending.remove(&next) {
                    next += 1;
                    if hand_on(outcome, &mut summary) == Flow::Stop {
                        stop.store(true, Ordering::Relaxed);
                        break;
                    }
                }
            }
        });
    }
    summary.not_processed = inputs.len() - summary.inputs;
    summary.elapsed_seconds = started.elapsed().as_secs_f64();
    summary
}

/// Inputs a batch thread holds at most (sent to its lane and not yet
/// handed on): it may hold their bytes (an output directory hashes every
/// input), so a batch holds two inputs per thread at most; its lane may
/// take more ([`Lane::depth`]) when one thread drives every lane, which
/// sends files by name.
const HELD_PER_THREAD: usize = 2;

/// What every batch thread shares.
struct Batch<'a, R> {
    inputs: &'a [Input],
    names: &'a [String],
    options: &'a BatchOptions,
    pipeline: &'a dyn Pipeline<R>,
}

/// An input taken by a batch thread, until its outcome is handed on.
enum Waiting<R> {
    /// Its record is made (unreadable, or reused by `--resume`).
    Done(Outcome<R>),
    /// Sent to the lane, with the hash of its bytes.
    Sent(Option<String>),
}

impl<R: Borrow<Record> + From<Record>> Batch<'_, R> {
    /// One thread's loop: takes inputs (`take` gives their indices; one
    /// past the end, or `None`, ends it), keeps up to the lane's depth of
    /// them waiting, and hands each outcome on in the order taken
    /// (`deliver`) until it says stop.
    fn drive(
        &self,
        take: &mut dyn FnMut() -> Option<usize>,
        deliver: &mut dyn FnMut(usize, Outcome<R>) -> Flow,
    ) {
        let mut lane = self.pipeline.lane();
        let depth = lane.depth().clamp(1, HELD_PER_THREAD);
        let reads_files = self.pipeline.reads_files();
        let mut waiting: VecDeque<(usize, Waiting<R>)> = VecDeque::with_capacity(depth);
        let mut more = true;
        loop {
            while more && waiting.len() < depth {
                let Some((i, input)) = take().and_then(|i| Some((i, self.inputs.get(i)?))) else {
                    more = false;
                    break;
                };
                let name = self.names.get(i);
                match prepare(input, name, self.options, reads_files) {
                    Ok((job, hash)) => {
                        lane.send(job);
                        waiting.push_back((i, Waiting::Sent(hash)));
                    }
                    Err((record, hash, resumed)) => {
                        let outcome = finish(record, hash, resumed, name, self.options);
                        waiting.push_back((i, Waiting::Done(outcome)));
                    }
                }
            }
            let Some((i, waited)) = waiting.pop_front() else {
                break;
            };
            let outcome = match waited {
                Waiting::Done(outcome) => outcome,
                Waiting::Sent(hash) => {
                    let record = lane.recv().unwrap_or_else(|| {
                        // A lane answers every job it was sent.
                        let source = self.inputs.get(i).map_or("", |input| input.source.as_str());
                        let e = Error::Io(std::io::Error::other("no record was made"));
                        Record::failure(source, &e).into()
                    });
                    finish(record, hash, false, self.names.get(i), self.options)
                }
            };
            if deliver(i, outcome) == Flow::Stop {
                break;
            }
        }
    }
}

/// Outcomes made out of input order, handed on in input order.
struct InOrder<R> {
    /// The next input to hand on.
    next: usize,
    /// Made before an earlier input's: by input index.
    early: BTreeMap<usize, Outcome<R>>,
}

impl<R> InOrder<R> {
    /// Takes input `i`'s outcome and hands on every outcome that is now
    /// next; [`Flow::Stop`] as soon as `hand_on` says so.
    fn put(
        &mut self,
        i: usize,
        outcome: Outcome<R>,
        hand_on: &mut dyn FnMut(Outcome<R>) -> Flow,
    ) -> Flow {
        if i != self.next {
            self.early.insert(i, outcome);
            return Flow::Continue;
        }
        let mut outcome = outcome;
        loop {
            self.next += 1;
            if hand_on(outcome) == Flow::Stop {
                return Flow::Stop;
            }
            match self.early.remove(&self.next) {
                Some(o) => outcome = o,
                None => return Flow::Continue,
            }
        }
    }
}

/// A lane driven by [`Batch::drive_all`], with its inputs in flight
/// (index and hash), oldest first.
struct Driven<'s, 'i, R> {
    lane: Box<dyn Lane<'i, R> + 's>,
    sent: VecDeque<(usize, Option<String>)>,
}

impl<R: Borrow<Record> + From<Record>> Batch<'_, R> {
    /// `lanes` lanes driven by this thread: each is kept
    /// [`Lane::depth`] inputs deep (inputs taken in input order), the
    /// thread waits until one or more of them has a record
    /// ([`isolate::wait_for_lanes`]), takes those records and refills
    /// those lanes; `hand_on` gets every outcome once, in input order,
    /// until it says stop.
    fn drive_all(&self, lanes: usize, hand_on: &mut dyn FnMut(Outcome<R>) -> Flow) {
        let reads_files = self.pipeline.reads_files();
        let mut driven: Vec<Driven<'_, '_, R>> = (0..lanes.max(1))
            .map(|_| Driven {
                lane: self.pipeline.lane(),
                sent: VecDeque::new(),
            })
            .collect();
        let mut order = InOrder {
            next: 0,
            early: BTreeMap::new(),
        };
        let mut next_input = 0;
        let mut ready = Vec::with_capacity(driven.len());
        loop {
            for d in &mut driven {
                let depth = d.lane.depth().max(1);
                while d.sent.len() < depth {
                    let i = next_input;
                    let Some(input) = self.inputs.get(i) else {
                        break;
                    };
                    next_input += 1;
                    let name = self.names.get(i);
                    match prepare(input, name, self.options, reads_files) {
                        Ok((job, hash)) => {
                            d.lane.send(job);
                            d.sent.push_back((i, hash));
                        }
                        Err((record, hash, resumed)) => {
                            let outcome = finish(record, hash, resumed, name, self.options);
                            if order.put(i, outcome, hand_on) == Flow::Stop {
                                return;
                            }
                        }
                    }
                }
            }
            {
                let states: smallvec::SmallVec<[isolate::Ready<'_>; 8]> = driven
                    .iter()
                    .map(|d| match d.sent.is_empty() {
                        true => isolate::Ready::Idle,
                        false => d.lane.ready(),
                    })
                    .collect();
                isolate::wait_for_lanes(&states, &mut ready);
            }
            if ready.is_empty() {
                // Every lane is idle: no input is left (they were filled).
                return;
            }
            for &k in &ready {
                let Some(d) = driven.get_mut(k) else { continue };
                let Some((i, hash)) = d.sent.pop_front() else {
                    continue;
                };
                let record = d.lane.recv().unwrap_or_else(|| {
                    // A lane answers every job it was sent.
                    let source = self.inputs.get(i).map_or("", |input| input.source.as_str());
                    let e = Error::Io(std::io::Error::other("no record was made"));
                    Record::failure(source, &e).into()
                });
                let outcome = finish(record, hash, false, self.names.get(i), self.options);
                if order.put(i, outcome, hand_on) == Flow::Stop {
                    return;
                }
            }
        }
    }
}

/// An input's outcome: its record, stored in the output directory unless
/// it was reused from there.
fn finish<R: Borrow<Record>>(
    record: R,
    hash: Option<String>,
    resumed: bool,
    stored_name: Option<&String>,
    options: &BatchOptions,
) -> Outcome<R> {
    let mut outcome = Outcome {
        record,
        resumed,
        store_failure: None,
    };
    if resumed {
        return outcome;
    }
    // Every input gets its file, error records included; an input whose
    // bytes could not be read has no hash, so --resume retries it.
    if let (Some(dir), Some(name)) = (&options.output_dir, stored_name)
        && let Err(e) = dir.store(
            name,
            hash.as_deref().unwrap_or(""),
            &options.resume_key,
            outcome.record.borrow(),
        )
    {
        outcome.store_failure = Some(format!("cannot store {}: {e}", dir.path_of(name).display()));
    }
    outcome
}

/// The record of one input, made exactly as [`run`] makes it (the same
/// size bound, time budget and per-file passwords), without an output
/// directory. The library's [`crate::Parser`] uses it so a path gives the
/// CLI's record.
pub fn record_of(input: &Input, options: &BatchOptions, process: &Processor<'_>) -> Record {
    match prepare(input, None, options, false) {
        Ok((job, _)) => {
            let mut lane = InThreadLane {
                process,
                ready: None,
            };
            lane.send(job);
            lane.recv().unwrap_or_else(|| {
                let e = Error::Io(std::io::Error::other("no record was made"));
                Record::failure(&input.source, &e)
            })
        }
        Err((record, _, _)) => record,
    }
}

/// An input's [`Job`] and the hash of its bytes (when an output directory
/// needs it); or, when no job is needed, its record (the input cannot be
/// read, or `--resume` reuses its stored record), the hash, and whether it
/// was reused. A file is sent by name when the pipeline `reads_files` and
/// no hash is needed.
#[allow(clippy::type_complexity)]
fn prepare<'i, R: From<Record>>(
    input: &'i Input,
    stored_name: Option<&String>,
    options: &BatchOptions,
    reads_files: bool,
) -> Result<(Job<'i>, Option<String>), (R, Option<String>, bool)> {
    let source = input.source.as_str();
    let mut passwords = match &input.origin {
        Origin::File(path) => options.password_map.for_path(path),
        Origin::ZipMember {
            archive_path, name, ..
        } => {
            let mut p = options.password_map.for_path(archive_path);
            p.extend(options.password_map.for_path(Path::new(name)));
            p
        }
        _ => Vec::new(),
    };
    passwords.extend(options.passwords.iter().cloned());
    let parse_options = |passwords| ParseOptions {
        passwords,
        limits: crate::pdf::Limits {
            deadline: options.timeout.and_then(|t| Instant::now().checked_add(t)),
            ..crate::pdf::Limits::default()
        },
    };
    let bytes: Cow<'_, [u8]> = match &input.origin {
        Origin::Unreadable(why) => {
            let e = Error::Io(std::io::Error::other(why.clone()));
            return Err((Record::failure(source, &e).into(), None, false));
        }
        Origin::Failed(e) => return Err((Record::failure(source, e).into(), None, false)),
        Origin::Bytes(b) => Cow::Borrowed(b),
        Origin::File(path) if reads_files && options.output_dir.is_none() => {
            let job = Job {
                source,
                body: Body::File {
                    path,
                    max_bytes: options.max_file_bytes,
                },
                options: parse_options(passwords),
            };
            return Ok((job, None));
        }
        Origin::File(path) => match read_file_or_record(source, path, options.max_file_bytes) {
            Ok(b) => Cow::Owned(b),
            Err(record) => return Err(((*record).into(), None, false)),
        },
        Origin::ZipMember {
            archive_path,
            index,
            name,
        } => {
            let member = archive::Member {
                path: archive_path,
                index: *index,
                name,
            };
            match archive::read_member(&member, &passwords, options.max_file_bytes) {
                Ok(b) => Cow::Owned(b),
                Err(e) => return Err((Record::failure(source, &e).into(), None, false)),
            }
        }
    };
    // The hash is only stored beside a record in the output directory and
    // compared on --resume; without an output directory nothing reads it,
    // so it is not computed (it cost about an eighth of a batch).
    let hash = options.output_dir.as_ref().map(|_| sha256_hex(&bytes));
    if let (true, Some(dir), Some(name), Some(hash)) =
        (options.resume, &options.output_dir, stored_name, &hash)
        && let Some(stored) = dir
            .load(name)
            .filter(|s| reusable(s, source, hash, options))
    {
        return Err((stored.record.into(), Some(hash.clone()), true));
    }
    let job = Job {
        source,
        body: Body::Bytes(bytes),
        options: parse_options(passwords),
    };
    Ok((job, hash))
}

/// SHA-256 of `bytes`, lowercase hex.
fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(digest.len() * 2);
    for b in digest {
        // Writing to a String cannot fail.
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// Whether a stored record may stand for this run's record of `source`.
fn reusable(stored: &StoredRecord, source: &str, hash: &str, options: &BatchOptions) -> bool {
    let kind = stored.record.error.as_ref().map(|e| e.kind.as_str());
    stored.input_sha256 == hash
        && stored.resume_key == options.resume_key
        && stored.record.source == source
        && kind != Some(crate::ErrorKind::Encrypted.as_str())
        && !(options.retry_errors && kind.is_some())
}

/// Reads one input file: opened without blocking, refused unless it is a
/// regular file, and never read past `max` bytes.
pub fn read_input_file(path: &Path, max: u64) -> Result<Vec<u8>, Error> {
    let file = open_nonblocking(path)?;
    let meta = file.metadata()?;
    let kind = meta.file_type();
    if kind.is_dir() {
        return Err(Error::Io(std::io::Error::other(
            inputs::DIRECTORY_WITHOUT_RECURSIVE,
        )));
    }
    if !kind.is_file() {
        return Err(Error::Io(std::io::Error::other(format!(
            "is {}, not a regular file; kaitsu reads only files",
            special_file_kind(&kind)
        ))));
    }
    // Checked before reading (no large read to reject a file) and after
    // (a file that grew while it was read).
    if meta.len() > max {
        return Err(Error::TooLarge { limit: max });
    }
    let bytes = read_known_length(file, meta.len(), max)?;
    if bytes.len() as u64 > max {
        return Err(Error::TooLarge { limit: max });
    }
    Ok(bytes)
}

/// Reads `file`, whose size was `len` (at most `max`) when it was opened:
/// its `len` bytes straight into one buffer of exactly that size (one
/// large read, not `read_to_end`'s 8, 16, 32 KiB steps: the `Take` bound
/// hides the size from it; and not zeroed first: zeroing cost more than the
/// reads it saved), then on through the `max + 1` bound, so that a file
/// that grew (or shrank) while it was read is still read right and never
/// past the bound. Returns more than `max` bytes only when the file grew
/// past it.
fn read_known_length(mut file: std::fs::File, len: u64, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let want = usize::try_from(len.min(max)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(want);
    while bytes.len() < want {
        if read_into_spare(&file, &mut bytes)? == 0 {
            break;
        }
    }
    if bytes.len() >= want {
        // Usually one last read of nothing (the end of the file).
        let left = max.saturating_add(1).saturating_sub(bytes.len() as u64);
        (&mut file).take(left).read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}

/// One `read` of `file` into `bytes`' spare capacity (never past it);
/// the number of bytes read, 0 at the end of the file.
#[cfg(unix)]
fn read_into_spare(file: &std::fs::File, bytes: &mut Vec<u8>) -> std::io::Result<usize> {
    use std::os::fd::AsRawFd;
    let filled = bytes.len();
    let spare = bytes.spare_capacity_mut();
    let room = spare.len();
    let read = loop {
        // SAFETY: `read` writes at most `room` bytes at `spare`, memory the
        // vector owns and does not use yet; the descriptor is `file`'s,
        // open for the whole call.
        let n = unsafe { libc::read(file.as_raw_fd(), spare.as_mut_ptr().cast(), room) };
        match usize::try_from(n) {
            Ok(n) => break n.min(room),
            Err(_) => {
                let e = std::io::Error::last_os_error();
                if e.kind() != std::io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
        }
    };
    // SAFETY: the `read` bytes after `filled` were written by `read` just
    // now, within the capacity.
    unsafe { bytes.set_len(filled + read) };
    Ok(read)
}

/// [`read_into_spare`] where there is no `read` to call: through `Take`.
#[cfg(not(unix))]
fn read_into_spare(file: &std::fs::File, bytes: &mut Vec<u8>) -> std::io::Result<usize> {
    use std::io::Read;
    let room = bytes.capacity().saturating_sub(bytes.len()) as u64;
    file.take(room).read_to_end(bytes)
}

/// Opens for reading without blocking: opening a FIFO with no writer
/// would otherwise wait forever. Regular files ignore the flag.
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    options.open(path)
}

fn special_file_kind(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
    }
    let _ = kind;
    "a special file"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workers_are_bounded_by_inputs_and_cores() {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        assert_eq!(worker_count(100_000, 3), 3.min(cores * MAX_JOBS_PER_CORE));
        assert_eq!(worker_count(100_000, 1_000_000), cores * MAX_JOBS_PER_CORE);
        assert_eq!(worker_count(0, 0), 1);
        assert_eq!(worker_count(0, 1_000), cores);
    }

    /// A pipeline of `sh` workers that answer each request ("DELAY
    /// NAME", or "die") after sleeping DELAY seconds, with the request
    /// itself; `die` exits. Its records are named by the worker's answer,
    /// so a record handed on for the wrong input shows.
    #[cfg(unix)]
    struct Echo(isolate::WorkerPool);

    #[cfg(unix)]
    impl Echo {
        fn new() -> Echo {
            const SCRIPT: &str = r#"
head -c 8 >/dev/null
while :; do
  len=$(head -c 8 | od -An -tu8 | tr -d ' ')
  [ -z "$len" ] && exit 0
  req=$(head -c "$len" | tail -c +5)
  [ "$req" = die ] && exit 3
  sleep "${req%% *}"
  printf "$(printf '\%03o' ${#req})\000\000\000\000\000\000\000"
  printf %s "$req"
done
"#;
            Echo(isolate::WorkerPool::new(
                || {
                    let mut c = std::process::Command::new("sh");
                    c.arg("-c").arg(SCRIPT);
                    c
                },
                Vec::new,
            ))
        }
    }

    #[cfg(unix)]
    struct EchoLane<'p, 'i> {
        lane: isolate::Lane<'p, 'i>,
        sources: VecDeque<&'i str>,
    }

    #[cfg(unix)]
    impl<'i> Lane<'i, Record> for EchoLane<'_, 'i> {
        fn depth(&self) -> usize {
            isolate::PIPELINE_DEPTH
        }

        fn send(&mut self, job: Job<'i>) {
            let body = match job.body {
                Body::Bytes(b) => b,
                Body::File { .. } => Cow::Borrowed(&b""[..]),
            };
            self.sources.push_back(job.source);
            self.lane.send(isolate::Sent {
                head: Cow::Borrowed(b""),
                body,
                budget: Some(Duration::from_secs(30)),
            });
        }

        fn recv(&mut self) -> Option<Record> {
            let (_, answer) = self.lane.recv()?;
            let source = self.sources.pop_front()?;
            Some(match answer {
                Ok(a) => {
                    let a = String::from_utf8_lossy(&a).into_owned();
                    Record {
                        source: a.split_once(' ').map_or(a.clone(), |(_, n)| n.to_string()),
                        notice: None,
                        error: None,
                        findings: Vec::new(),
                        provenance: Default::default(),
                    }
                }
                Err(f) => isolate::failure_record(source, &f, isolate::DEFAULT_MEMORY_CAP),
            })
        }

        fn ready(&self) -> isolate::Ready<'_> {
            self.lane.ready()
        }
    }

    #[cfg(unix)]
    impl Pipeline<Record> for Echo {
        fn reads_files(&self) -> bool {
            false
        }

        fn lane<'s, 'i: 's>(&'s self) -> Box<dyn Lane<'i, Record> + 's> {
            Box::new(EchoLane {
                lane: self.0.lane(),
                sources: VecDeque::new(),
            })
        }

        fn made_elsewhere(&self) -> bool {
            true
        }
    }

    /// One thread driving four lanes whose answers come out of input
    /// order (each input sleeps its own time; one kills its worker):
    /// every record is handed on once, in input order, and the dead
    /// worker's input alone gets the failure.
    #[cfg(unix)]
    #[test]
    fn lanes_driven_together_hand_on_every_record_in_input_order() {
        let inputs: Vec<Input> = (0..40)
            .map(|i| {
                let source = format!("input-{i}");
                let body = match i {
                    13 => "die".to_string(),
                    _ => format!("0.{:02} {source}", (i * 7) % 5 * 2),
                };
                Input {
                    source,
                    origin: Origin::Bytes(body.into_bytes()),
                }
            })
            .collect();
        let options = BatchOptions {
            jobs: 4,
            ..BatchOptions::default()
        };
        let mut seen = Vec::new();
        let summary = run(
            &inputs,
            &options,
            &Echo::new(),
            &mut |r: &Record| {
                seen.push((r.source.clone(), r.error.as_ref().map(|e| e.kind.clone())));
                Flow::Continue
            },
            &|_| {},
        );
        let expected: Vec<(String, Option<String>)> = (0..40)
            .map(|i| {
                let kind = (i == 13).then(|| crate::ErrorKind::LimitExceeded.as_str().to_string());
                (format!("input-{i}"), kind)
            })
            .collect();
        assert_eq!(seen, expected);
        assert_eq!((summary.inputs, summary.not_processed), (40, 0));
    }

    /// A receiver that stops the batch gets nothing after it said stop.
    #[cfg(unix)]
    #[test]
    fn lanes_driven_together_stop_when_told() {
        let inputs: Vec<Input> = (0..20)
            .map(|i| Input {
                source: format!("input-{i}"),
                origin: Origin::Bytes(format!("0 input-{i}").into_bytes()),
            })
            .collect();
        let options = BatchOptions {
            jobs: 3,
            ..BatchOptions::default()
        };
        let mut seen = Vec::new();
        let summary = run(
            &inputs,
            &options,
            &Echo::new(),
            &mut |r: &Record| {
                seen.push(r.source.clone());
                if seen.len() == 5 {
                    Flow::Stop
                } else {
                    Flow::Continue
                }
            },
            &|_| {},
        );
        let expected: Vec<String> = (0..5).map(|i| format!("input-{i}")).collect();
        assert_eq!(seen, expected);
        assert_eq!((summary.inputs, summary.not_processed), (5, 15));
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_refused_before_any_read() {
        let e = read_input_file(Path::new("/dev/zero"), 1 << 30).err();
        let msg = e.map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("a device"), "{msg}");
    }

    #[test]
    fn a_file_is_read_whole_whatever_its_length_was() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let f = dir.path().join("a.pdf");
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let _ = std::fs::write(&f, &data);
        let open = || std::fs::File::open(&f).unwrap_or_else(|e| panic!("{e}"));
        let read = |len, max| read_known_length(open(), len, max).unwrap_or_default();
        // The length it had, a shorter one (it grew), a longer one (it shrank).
        for len in [100_000, 10, 0, 150_000] {
            assert_eq!(read(len, 1 << 20), data, "len {len}");
        }
        // Grown past the bound: never more than one byte past it.
        assert_eq!(read(10, 500).len(), 501);
        assert_eq!(read_input_file(&f, 1 << 20).ok(), Some(data));
    }

    #[test]
    fn too_large_files_are_limit_records() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let f = dir.path().join("big.pdf");
        let _ = std::fs::write(&f, [0u8; 100]);
        let e = read_input_file(&f, 10).err();
        assert!(matches!(e, Some(Error::TooLarge { limit: 10 })));
        assert_eq!(e.map(|e| e.kind()), Some(crate::ErrorKind::LimitExceeded));
    }
}
