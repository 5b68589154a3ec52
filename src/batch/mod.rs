//! Batches: many inputs, in parallel, one record each, in input order.
//!
//! Workers (rayon, `-j N`) parse files while the calling thread receives
//! their records and hands them on strictly in input order, so NDJSON
//! streams as soon as the next record is ready and the output is the same
//! byte for byte whatever `-j` is. With an output directory each record is
//! also written atomically (a temporary file in the same directory, then a
//! rename), so an interrupted run — Ctrl-C or `kill -9` — never leaves a
//! half-written `<name>.json`; `--resume` skips inputs whose stored record
//! was made from the same bytes (SHA-256).

mod inputs;
mod outdir;
mod passwords;

pub use inputs::{Input, expand};
pub use outdir::{OutputDir, StoredRecord};
pub use passwords::{PasswordFileError, PasswordMap};

use crate::output::Record;
use crate::secret::Secret;
use crate::{Error, ParseOptions};
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The largest input file read: a notice is tens of kilobytes; a file this
/// big is not one, and reading it would cost memory for nothing.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// How a batch runs.
#[derive(Debug)]
pub struct BatchOptions {
    /// Worker threads; 0 means one per core.
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
    /// Skip inputs whose stored record matches their content.
    pub resume: bool,
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
        }
    }
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
    /// Inputs skipped by `--resume` (their stored record was reused).
    pub resumed: usize,
    /// Wall-clock seconds.
    pub elapsed_seconds: f64,
}

impl Summary {
    fn count(&mut self, record: &Record) {
        self.inputs += 1;
        match &record.error {
            Some(e) => *self.errors.entry(e.kind.clone()).or_default() += 1,
            None => self.parsed += 1,
        }
        for f in &record.findings {
            *self.findings.entry(f.severity.clone()).or_default() += 1;
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

/// Turns one file's bytes into its record (parse, then validate).
pub type Processor<'a> = dyn Fn(&str, &[u8], &ParseOptions) -> Record + Sync + 'a;

/// Runs a batch. `emit` gets every record once, in input order; `tick`
/// is called as each input finishes (for a progress bar).
pub fn run(
    inputs: &[Input],
    options: &BatchOptions,
    process: &Processor<'_>,
    emit: &mut dyn FnMut(&Record),
    tick: &(dyn Fn() + Sync),
) -> Summary {
    let started = Instant::now();
    let names: Vec<String> = match &options.output_dir {
        Some(dir) => dir.names_for(inputs),
        None => Vec::new(),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs)
        .build();
    let (tx, rx) = mpsc::channel::<(usize, Record, bool)>();
    let mut summary = Summary::default();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let work = || {
                inputs
                    .par_iter()
                    .enumerate()
                    .for_each_with(tx.clone(), |tx, (i, input)| {
                        let (record, resumed) = one_input(input, names.get(i), options, process);
                        tick();
                        let _ = tx.send((i, record, resumed));
                    })
            };
            match &pool {
                Ok(pool) => pool.install(work),
                Err(_) => work(),
            }
            drop(tx);
        });
        let mut pending: BTreeMap<usize, (Record, bool)> = BTreeMap::new();
        let mut next = 0;
        for (i, record, resumed) in rx.iter() {
            pending.insert(i, (record, resumed));
            while let Some((record, resumed)) = pending.remove(&next) {
                if resumed {
                    summary.resumed += 1;
                }
                summary.count(&record);
                emit(&record);
                next += 1;
            }
        }
    });
    summary.elapsed_seconds = started.elapsed().as_secs_f64();
    summary
}

fn one_input(
    input: &Input,
    stored_name: Option<&String>,
    options: &BatchOptions,
    process: &Processor<'_>,
) -> (Record, bool) {
    let (record, hash, resumed) = make_record(input, stored_name, options, process);
    if resumed {
        return (record, true);
    }
    // Every input gets its file, error records included; an input whose
    // bytes could not be read has no hash, so --resume retries it.
    if let (Some(dir), Some(name)) = (&options.output_dir, stored_name)
        && let Err(e) = dir.store(name, hash.as_deref().unwrap_or(""), &record)
    {
        let failure = Error::Io(std::io::Error::other(format!(
            "cannot write {}: {e}",
            dir.path_of(name).display()
        )));
        return (Record::failure(input.source.as_str(), &failure), false);
    }
    (record, false)
}

/// The record of one input, made exactly as [`run`] makes it (the same
/// size bound, time budget and per-file passwords), without an output
/// directory. The library's [`crate::Parser`] uses it so a path gives the
/// CLI's record.
pub fn record_of(input: &Input, options: &BatchOptions, process: &Processor<'_>) -> Record {
    make_record(input, None, options, process).0
}

/// The record of one input, the hash of its bytes, and whether it was
/// reused from the output directory.
fn make_record(
    input: &Input,
    stored_name: Option<&String>,
    options: &BatchOptions,
    process: &Processor<'_>,
) -> (Record, Option<String>, bool) {
    let source = input.source.as_str();
    let path = match &input.path {
        Ok(p) => p,
        Err(why) => {
            let e = Error::Io(std::io::Error::other(why.clone()));
            return (Record::failure(source, &e), None, false);
        }
    };
    let bytes = match read_bounded(path, options.max_file_bytes) {
        Ok(b) => b,
        Err(e) => return (Record::failure(source, &e), None, false),
    };
    let hash: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if let (true, Some(dir), Some(name)) = (options.resume, &options.output_dir, stored_name)
        && let Some(stored) = dir.load(name).filter(|s| s.input_sha256 == hash)
    {
        return (stored.record, Some(hash), true);
    }
    let mut passwords = options.password_map.for_path(path);
    passwords.extend(options.passwords.iter().cloned());
    let parse_options = ParseOptions {
        passwords,
        limits: crate::pdf::Limits {
            deadline: options.timeout.map(|t| Instant::now() + t),
            ..crate::pdf::Limits::default()
        },
    };
    (process(source, &bytes, &parse_options), Some(hash), false)
}

fn read_bounded(path: &std::path::Path, max: u64) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let too_big = || {
        Error::Pdf(crate::pdf::PdfError::LimitExceeded {
            page: 0,
            what: "bytes in the file",
            limit: usize::try_from(max).unwrap_or(usize::MAX),
        })
    };
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Err(Error::Io(std::io::Error::other(
            inputs::DIRECTORY_WITHOUT_RECURSIVE,
        )));
    }
    // Checked before reading (no 256 MiB read to reject a file) and after
    // (a file that grew while it was read).
    if meta.len() > max {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(too_big());
    }
    Ok(bytes)
}
