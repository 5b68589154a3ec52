//! `parse` and `check`: one batch path for both.
//!
//! Both take the same inputs (files, `-r` directories, `-` for a path
//! list or PDF bytes on stdin), passwords, `-j`, `--timeout`, `-q` and
//! `-o`, run [`kaitsu::batch::run`] and print the same record shape;
//! `check` leaves out the notice and fails on findings.

use super::messages::{Lang, Msg};
use super::sink::{Sink, SinkState};
use super::worker::{Made, Want};
use super::{EXIT_INPUT, EXIT_OUTPUT, EXIT_USAGE, parse_date};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kaitsu::batch::{self, BatchOptions, Flow, OutputDir, PasswordMap};
use kaitsu::output::{self, CsvOptions, Format, Record};
use kaitsu::validate::{Policy, Severity};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many failed inputs the closing summary names on a terminal (all of
/// them are in `summary.json`).
const FAILED_LISTED: usize = 20;

/// Inputs and how to read them: the flags `parse` and `check` share.
#[derive(Debug, clap::Args)]
pub(super) struct InputArgs {
    /// Password for encrypted PDFs (may be given several times; each is
    /// tried). Also read from KAITSU_PASSWORD, which keeps it out of shell
    /// history.
    #[arg(long = "password", value_name = "PW")]
    pub(super) passwords: Vec<String>,
    /// YAML file mapping file names or globs to passwords ("PPAP" batches).
    #[arg(long = "passwords", value_name = "FILE.yaml")]
    password_file: Option<PathBuf>,
    /// Worker threads [default: one per core; never more than the inputs
    /// or 4 per core].
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    jobs: Option<usize>,
    /// Parse the PDFs under directories given as inputs.
    #[arg(short = 'r', long)]
    recursive: bool,
    /// No progress bar and no summary on stderr.
    #[arg(short = 'q', long)]
    quiet: bool,
    /// Per-file time budget in seconds; a file over it is a `timeout` record.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    timeout: f64,
    /// The date findings check expiry against [default: today].
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    today: Option<jiff::civil::Date>,
    /// A validation policy YAML file (see `kaitsu policy --default`).
    #[arg(long, value_name = "FILE.yaml")]
    policy: Option<PathBuf>,
    /// Write the records to FILE (replaced whole at the end) instead of
    /// standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Parse in this process instead of in worker processes: each file
    /// then starts sooner, but a file that exhausts memory (or a loop no
    /// time check reaches) stops the whole batch, with no record.
    #[arg(long)]
    in_process: bool,
    /// Notice PDFs, directories (with --recursive), or `-`: PDF bytes on
    /// standard input, or a list of paths there, one per line.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// What one command adds to the shared batch.
pub(super) struct Spec {
    pub(super) format: Format,
    pub(super) csv: CsvOptions,
    pub(super) reveal: bool,
    pub(super) output_dir: Option<PathBuf>,
    pub(super) resume: bool,
    pub(super) retry_errors: bool,
    /// `check`: records without the notice, failing at this severity.
    pub(super) check: Option<Severity>,
    /// `check --warn-days`.
    pub(super) warn_days: Option<u32>,
    /// The language of messages.
    pub(super) lang: Lang,
}

fn usage(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("kaitsu: {message}");
    ExitCode::from(EXIT_USAGE)
}

/// The resume key: everything besides the input bytes that shapes a
/// record (see [`BatchOptions::resume_key`]), hashed.
fn resume_key(spec: &Spec, policy: &Policy, today: jiff::civil::Date, timeout: f64) -> String {
    let described = format!(
        "kaitsu {}\nreveal={}\ncheck={:?}\ntoday={today}\ntimeout={timeout}\nmax_file_bytes={}\npolicy:\n{}",
        env!("CARGO_PKG_VERSION"),
        spec.reveal,
        spec.check,
        batch::DEFAULT_MAX_FILE_BYTES,
        policy.to_yaml(),
    );
    Sha256::digest(described.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn severity_of(name: &str) -> Option<Severity> {
    [Severity::Info, Severity::Warning, Severity::Error]
        .into_iter()
        .find(|s| s.as_str() == name)
}

/// Runs `parse` or `check`.
pub(super) fn run(args: InputArgs, spec: Spec) -> ExitCode {
    // Before any worker is forked: they inherit it.
    kaitsu::batch::isolate::keep_freed_memory();
    let mut policy = match super::validate_cmds::load_policy(args.policy.as_deref()) {
        Ok(p) => p,
        Err(e) => return usage(e),
    };
    if let Some(days) = spec.warn_days {
        policy.warn_days = i64::from(days);
    }
    let password_map = match &args.password_file {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => match PasswordMap::from_yaml(path, &text) {
                Ok(m) => m,
                Err(e) => return usage(e),
            },
            Err(e) => return usage(format_args!("cannot read {}: {e}", path.display())),
        },
        None => PasswordMap::default(),
    };
    let timeout = match super::timeout_of(args.timeout) {
        Ok(t) => t,
        Err(e) => return usage(e),
    };
    let output_dir = match &spec.output_dir {
        Some(dir) => match OutputDir::open(dir) {
            Ok(d) => Some(d),
            Err(e) => return usage(e),
        },
        None => None,
    };
    if let Some(dir) = &output_dir
        && spec.resume
        && !dir.previous_run_finished()
        && dir.has_records()
        && !args.quiet
    {
        let shown = spec
            .output_dir
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        eprintln!(
            "kaitsu: {}",
            Msg::ResumingUnfinished.format(spec.lang, &[("dir", &shown)])
        );
    }
    let today = args.today.unwrap_or_else(local_today);
    let (inputs, skipped) = batch::expand(
        &args.files,
        args.recursive,
        &mut std::io::stdin().lock(),
        batch::DEFAULT_MAX_FILE_BYTES,
    );
    if inputs.is_empty() {
        let skipped = if skipped.other_files > 0 {
            Msg::OtherFilesSkipped.format(spec.lang, &[("n", &skipped.other_files)])
        } else {
            String::new()
        };
        eprintln!(
            "kaitsu: {}",
            Msg::NoInput.format(spec.lang, &[("skipped", &skipped)])
        );
        return ExitCode::from(EXIT_INPUT);
    }
    let jobs = args.jobs.unwrap_or(0);
    let workers = batch::worker_count(jobs, inputs.len());
    if jobs > workers && !args.quiet {
        eprintln!(
            "kaitsu: {}",
            Msg::TooManyJobs.format(spec.lang, &[("jobs", &jobs), ("workers", &workers)])
        );
    }
    let options = BatchOptions {
        jobs: workers,
        passwords: super::passwords(args.passwords),
        password_map,
        timeout: Some(timeout),
        output_dir: output_dir.clone(),
        resume: spec.resume,
        retry_errors: spec.retry_errors,
        // Only an output directory stores or compares it.
        resume_key: if output_dir.is_some() {
            resume_key(&spec, &policy, today, args.timeout)
        } else {
            String::new()
        },
        ..BatchOptions::default()
    };
    let reveal = spec.reveal;
    let strip_notice = spec.check.is_some();
    let pool = if args.in_process {
        None
    } else {
        Some(super::worker::pool(
            super::worker::Setup {
                records: Some(super::worker::RecordSetup {
                    policy: policy.clone(),
                    today,
                    strip_notice,
                }),
                reveal,
            },
            workers,
            inputs.len(),
        ))
    };
    let no_worker_warned = std::sync::atomic::AtomicBool::new(false);
    // What the output needs of a worker's record: NDJSON takes the line
    // the worker wrote; only an output directory or another format needs
    // the whole record read back.
    let want = match (spec.format, &output_dir) {
        (Format::Ndjson, None) => Want::Line,
        (Format::Ndjson, Some(_)) => Want::RecordAndLine,
        _ => Want::Record,
    };
    let in_process = |source: &str, bytes: Cow<'_, [u8]>, opts: &kaitsu::ParseOptions| {
        Made::from(record_in_process(
            source,
            bytes,
            opts,
            reveal,
            &policy,
            today,
            strip_notice,
        ))
    };
    // No worker could be started: this process, with a warning.
    let fallback = |source: &str, bytes: &[u8], opts: &kaitsu::ParseOptions| {
        if !no_worker_warned.swap(true, Ordering::Relaxed) {
            eprintln!("kaitsu: {}", Msg::NoWorker.text(spec.lang));
        }
        in_process(source, Cow::Borrowed(bytes), opts)
    };
    let records = Records {
        pool: pool.as_ref(),
        want,
        in_process: &in_process,
        fallback: &fallback,
    };

    let progress = if !args.quiet && inputs.len() > 1 && std::io::stderr().is_terminal() {
        let bar =
            ProgressBar::with_draw_target(Some(inputs.len() as u64), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {per_sec} ETA {eta} {msg}")
        {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let errors_so_far = AtomicUsize::new(0);
    let tick = |record: &Record| {
        if record.error.is_some() {
            let n = errors_so_far.fetch_add(1, Ordering::Relaxed) + 1;
            progress.set_message(format!("{n} errors"));
        }
        progress.inc(1);
    };

    let mut sink = match Sink::open(args.output.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("kaitsu: {e}");
            return ExitCode::from(EXIT_OUTPUT);
        }
    };
    if spec.format == Format::Xlsx && sink.is_terminal() {
        return usage(
            "--format xlsx is binary: write it with -o FILE.xlsx or redirect standard output",
        );
    }
    if spec.format == Format::Csv {
        match output::csv_header_line(&spec.csv) {
            Ok(h) => {
                sink.write(&h);
            }
            Err(e) => eprintln!("kaitsu: {e}"),
        }
    }
    let format = spec.format;
    let csv = spec.csv;
    let fail_at = spec.check;
    let mut failed_check = false;
    let mut written = 0usize;
    let mut workbook_records: Vec<Record> = Vec::new();
    let mut emit = |made: &Made| {
        let record = &made.record;
        if let Some(at) = fail_at {
            failed_check |= record.error.is_some()
                || record
                    .findings
                    .iter()
                    .any(|f| severity_of(&f.severity).is_some_and(|s| s >= at));
        }
        if format == Format::Ndjson
            && let Some(line) = &made.line
        {
            // A worker's line, written as it came (see `Made::line`).
            written += 1;
            let ok = progress.suspend(|| sink.write_parts(&[line, b"\n"]));
            return if ok { Flow::Continue } else { Flow::Stop };
        }
        let text = match format {
            Format::Json => output::json_array_item(record, written),
            Format::Ndjson => output::to_ndjson_line(record).map(|l| l + "\n"),
            Format::Yaml => output::to_yaml_document(record),
            Format::Csv => output::csv_record_rows(record, &csv).map_err(output::OutputError::from),
            Format::Xlsx => {
                workbook_records.push(record.clone());
                return Flow::Continue;
            }
        };
        written += 1;
        let ok = match text {
            Ok(t) => progress.suspend(|| sink.write(&t)),
            Err(e) => {
                eprintln!("kaitsu: {e}");
                false
            }
        };
        if ok { Flow::Continue } else { Flow::Stop }
    };
    let summary = batch::run(&inputs, &options, &records, &mut emit, &tick);
    progress.finish_and_clear();
    if format == Format::Json {
        sink.write(output::json_array_end(written));
    }
    if format == Format::Xlsx {
        match output::render_xlsx(&workbook_records, csv.header) {
            Ok(bytes) => {
                sink.write_bytes(&bytes);
            }
            Err(e) => {
                eprintln!("kaitsu: cannot write the workbook: {e}");
                return ExitCode::from(EXIT_OUTPUT);
            }
        }
    }
    let sink_state = sink.finish();

    let mut output_failed = false;
    if let SinkState::Failed(why) = &sink_state {
        eprintln!("kaitsu: {why}");
        output_failed = true;
    }
    if summary.store_failures > 0 {
        let first = summary.first_store_failure.clone().unwrap_or_default();
        eprintln!(
            "kaitsu: {}",
            Msg::StoreFailures.format(
                spec.lang,
                &[("n", &summary.store_failures), ("first", &first)]
            )
        );
        output_failed = true;
    }
    // summary.json last, and only for a batch that went to the end.
    if let Some(dir) = &output_dir
        && summary.not_processed == 0
        && let Err(e) = dir.store_summary(&summary)
    {
        eprintln!(
            "kaitsu: {}",
            Msg::SummaryNotWritten.format(spec.lang, &[("error", &e)])
        );
        output_failed = true;
    }
    if matches!(sink_state, SinkState::Closed) {
        return ExitCode::SUCCESS;
    }
    if !args.quiet {
        print_summary(&summary, spec.lang);
    }
    if output_failed {
        return ExitCode::from(EXIT_OUTPUT);
    }
    let failed = if fail_at.is_some() {
        failed_check
    } else {
        summary.parsed < summary.inputs
    };
    if failed {
        ExitCode::from(EXIT_INPUT)
    } else {
        ExitCode::SUCCESS
    }
}

/// How a batch's records are made: by worker processes (a lane of requests
/// in flight per batch thread, files sent by name), or in this process
/// (`--in-process`).
struct Records<'a> {
    pool: Option<&'a kaitsu::batch::isolate::WorkerPool>,
    want: Want,
    in_process: &'a InProcess<'a>,
    fallback: &'a (dyn Fn(&str, &[u8], &kaitsu::ParseOptions) -> Made + Sync),
}

impl batch::Pipeline<Made> for Records<'_> {
    fn reads_files(&self) -> bool {
        self.pool.is_some()
    }

    fn made_elsewhere(&self) -> bool {
        self.pool.is_some()
    }

    fn lane<'s, 'i: 's>(&'s self) -> Box<dyn batch::Lane<'i, Made> + 's> {
        match self.pool {
            Some(pool) => Box::new(super::worker::RecordLane::new(
                pool,
                self.want,
                self.fallback,
            )),
            None => Box::new(InProcessLane {
                process: self.in_process,
                ready: None,
            }),
        }
    }
}

/// How `--in-process` makes one input's record: given the bytes the batch
/// read (owned, so the PDF layer keeps them without a copy), or borrowed.
type InProcess<'a> = dyn Fn(&str, Cow<'_, [u8]>, &kaitsu::ParseOptions) -> Made + Sync + 'a;

/// `--in-process`'s lane: [`batch::in_thread_lane`]'s, except that the
/// bytes of a file the batch read are handed over, not lent.
struct InProcessLane<'a> {
    process: &'a InProcess<'a>,
    ready: Option<Made>,
}

impl batch::Lane<'_, Made> for InProcessLane<'_> {
    fn depth(&self) -> usize {
        1
    }

    fn send(&mut self, job: batch::Job<'_>) {
        let made = match job.body {
            batch::Body::Bytes(bytes) => (self.process)(job.source, bytes, &job.options),
            batch::Body::File { path, max_bytes } => {
                match batch::read_file_or_record(job.source, path, max_bytes) {
                    Ok(bytes) => (self.process)(job.source, Cow::Owned(bytes), &job.options),
                    Err(record) => (*record).into(),
                }
            }
        };
        self.ready = Some(made);
    }

    fn recv(&mut self) -> Option<Made> {
        self.ready.take()
    }
}

/// One input's record in this process: what a worker runs, and the batch
/// with `--in-process`.
pub(super) fn record_in_process(
    source: &str,
    bytes: Cow<'_, [u8]>,
    options: &kaitsu::ParseOptions,
    reveal: bool,
    policy: &Policy,
    today: jiff::civil::Date,
    strip_notice: bool,
) -> Record {
    let mut record = match bytes {
        Cow::Borrowed(b) => kaitsu::parse_to_record(source, b, options, reveal, policy, today),
        Cow::Owned(b) => kaitsu::parse_to_record_owned(source, b, options, reveal, policy, today),
    };
    if strip_notice {
        record.notice = None;
    }
    record
}

fn print_summary(summary: &batch::Summary, lang: Lang) {
    let join = |m: &std::collections::BTreeMap<String, usize>| {
        m.iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let by_kind = if summary.errors.is_empty() {
        String::new()
    } else {
        Msg::SummaryErrorsByKind.format(lang, &[("list", &join(&summary.errors))])
    };
    let findings = if summary.findings.is_empty() {
        "-".to_string()
    } else {
        join(&summary.findings)
    };
    let mut text = format!(
        "kaitsu: {}",
        Msg::Summary.format(
            lang,
            &[
                ("inputs", &summary.inputs),
                ("parsed", &summary.parsed),
                ("errors", &summary.errors.values().sum::<usize>()),
                ("by_kind", &by_kind),
                ("findings", &findings),
                ("seconds", &format!("{:.2}", summary.elapsed_seconds)),
            ],
        )
    );
    if summary.not_processed > 0 {
        text.push_str(&Msg::NotProcessed.format(lang, &[("n", &summary.not_processed)]));
    }
    text.push('\n');
    if !summary.findings_by_code.is_empty() {
        let codes: Vec<String> = summary
            .findings_by_code
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        text.push_str(&Msg::FindingsByCode.format(lang, &[("list", &codes.join(", "))]));
        text.push('\n');
    }
    for f in summary.failed.iter().take(FAILED_LISTED) {
        text.push_str(&Msg::FailedInput.format(lang, &[("source", &f.source), ("kind", &f.kind)]));
        text.push('\n');
    }
    if summary.failed.len() > FAILED_LISTED {
        let more = summary.failed.len() - FAILED_LISTED;
        text.push_str(&Msg::MoreFailed.format(lang, &[("n", &more)]));
        text.push('\n');
    }
    eprint!("{text}");
}

/// Today in the local time zone. Without `TZ`, `/etc/localtime`'s TZif
/// bytes are read directly: jiff's system lookup first indexes the whole
/// zoneinfo directory to name the zone (callgrind: two thirds of the
/// instructions of a one-file run on an empty input; 1–3 ms of each
/// process), and only the date is needed here. With `TZ` set, or when the
/// file cannot be read, jiff decides as before.
fn local_today() -> jiff::civil::Date {
    /// Where Unix keeps the local zone's TZif data.
    const LOCALTIME: &str = "/etc/localtime";
    let direct = if std::env::var_os("TZ").is_none() {
        std::fs::read(LOCALTIME)
            .ok()
            .and_then(|bytes| jiff::tz::TimeZone::tzif("localtime", &bytes).ok())
    } else {
        None
    };
    match direct {
        Some(tz) => jiff::Timestamp::now().to_zoned_datetime(tz).date(),
        None => jiff::ZonedDateTime::now().date(),
    }
}

#[cfg(test)]
mod tests {
    use super::local_today;

    #[test]
    fn local_today_is_jiffs_today() {
        // Read twice around jiff's answer: a day that turns between the
        // calls may match either side.
        let before = local_today();
        let jiffs = jiff::ZonedDateTime::now().date();
        let after = local_today();
        assert!(
            jiffs == before || jiffs == after,
            "{before} {jiffs} {after}"
        );
    }
}
