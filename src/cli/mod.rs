//! The command line: flags → library calls → stdout, and an exit code.
//!
//! Exit codes (each command's `--help` lists its own): 0 clean; 1 some
//! input gave an error record (or, for `check`, a finding at or above
//! `--fail-on`); 2 usage or input errors.

use crate::ParseOptions;
use crate::batch::{self, BatchOptions, OutputDir, PasswordMap};
use crate::output::{self, Format, Record};
use crate::secret::{REDACTED, Secret};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[cfg(feature = "render")]
mod render_cmd;
#[cfg(feature = "serve")]
mod serve_cmd;
mod validate_cmds;

/// kaitsu: activation-notice PDFs (開通のご案内) → typed, validated data.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse notices and print one record per input.
    ///
    /// Exit status: 0 when every input gave a notice, 1 when any gave an
    /// error record, 2 on usage errors.
    Parse(ParseArgs),
    /// Print each page's layout as text (for debugging and snapshots).
    Text(TextArgs),
    /// Parse and validate notices; print each one's findings.
    Check(validate_cmds::CheckArgs),
    /// Check a new password (read from stdin) against the password rules.
    PasswordCheck(validate_cmds::PasswordCheckArgs),
    /// Print the default validation policy, or check a policy file.
    Policy(validate_cmds::PolicyArgs),
    /// Print the JSON Schema of the parse record.
    Schema,
    /// Render a page as a PNG with the boxes of its values, cells or glyphs.
    #[cfg(feature = "render")]
    Render(render_cmd::RenderArgs),
    /// Serve the local review page (127.0.0.1 unless --allow-remote).
    #[cfg(feature = "serve")]
    Serve(serve_cmd::ServeArgs),
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 every input gave a notice; 1 some input gave an error record; \
2 usage errors (bad flags, unreadable --passwords or --policy file)."
)]
struct ParseArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    /// With --format csv: start with a UTF-8 byte-order mark so Excel reads
    /// the Japanese text right.
    #[arg(long)]
    excel: bool,
    /// Show temporary passwords, readings and DNS auth passwords instead of
    /// the placeholder.
    #[arg(long)]
    reveal_secrets: bool,
    /// Password for encrypted PDFs (may be given several times; each is
    /// tried). Also read from KAITSU_PASSWORD, which keeps it out of shell
    /// history.
    #[arg(long = "password", value_name = "PW")]
    passwords: Vec<String>,
    /// YAML file mapping file names or globs to passwords ("PPAP" batches).
    #[arg(long = "passwords", value_name = "FILE.yaml")]
    password_file: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long = "jobs", value_name = "N", default_value_t = 0)]
    jobs: usize,
    /// Parse the PDFs under directories given as inputs.
    #[arg(short = 'r', long)]
    recursive: bool,
    /// No progress bar and no summary on stderr.
    #[arg(short = 'q', long)]
    quiet: bool,
    /// Also write one <name>.json per input (atomically) and summary.json here.
    #[arg(long, value_name = "DIR")]
    output_dir: Option<PathBuf>,
    /// With --output-dir: skip inputs whose stored record was made from the
    /// same bytes.
    #[arg(long, requires = "output_dir")]
    resume: bool,
    /// Per-file time budget in seconds; a file over it is a `timeout` record.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    timeout: f64,
    /// The date findings check expiry against (default: today).
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    today: Option<jiff::civil::Date>,
    /// A validation policy YAML file (see `kaitsu policy --default`).
    #[arg(long, value_name = "FILE.yaml")]
    policy: Option<PathBuf>,
    /// Notice PDFs, directories (with --recursive), or `-` to read paths
    /// from stdin, one per line.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct TextArgs {
    /// Password for an encrypted PDF.
    #[arg(long = "password", value_name = "PW")]
    passwords: Vec<String>,
    /// Show secrets (temporary passwords, readings, DNS auth password)
    /// instead of the placeholder.
    #[arg(long)]
    reveal_secrets: bool,
    /// A PDF.
    file: PathBuf,
}

fn parse_date(s: &str) -> Result<jiff::civil::Date, String> {
    s.parse::<jiff::civil::Date>()
        .map_err(|e| format!("not a date like 2024-03-01: {e}"))
}

/// Runs the command line.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Parse(args) => run_parse(args),
        Command::Text(args) => run_text(args),
        Command::Check(args) => validate_cmds::run_check(args),
        Command::PasswordCheck(args) => validate_cmds::run_password_check(args),
        Command::Policy(args) => validate_cmds::run_policy(args),
        #[cfg(feature = "render")]
        Command::Render(args) => render_cmd::run(args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve_cmd::run(args),
        Command::Schema => {
            print!("{}", output::record_schema());
            ExitCode::SUCCESS
        }
    }
}

fn passwords(given: Vec<String>) -> Vec<Secret> {
    let mut out: Vec<Secret> = given.into_iter().map(Secret::new).collect();
    if let Ok(pw) = std::env::var("KAITSU_PASSWORD")
        && !pw.is_empty()
    {
        out.push(Secret::new(pw));
    }
    out
}

/// Writes text to stdout; false when stdout is gone (a closed pipe).
fn write_out(out: &mut impl Write, text: &str) -> bool {
    out.write_all(text.as_bytes()).is_ok() && out.flush().is_ok()
}

fn run_parse(args: ParseArgs) -> ExitCode {
    let policy = match validate_cmds::load_policy(args.policy.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("kaitsu: {e}");
            return ExitCode::from(2);
        }
    };
    let password_map = match &args.password_file {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => match PasswordMap::from_yaml(&path.to_string_lossy(), &text) {
                Ok(m) => m,
                Err(e) => {
                    eprintln!("kaitsu: {e}");
                    return ExitCode::from(2);
                }
            },
            Err(e) => {
                eprintln!("kaitsu: cannot read {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
        None => PasswordMap::default(),
    };
    let output_dir = match &args.output_dir {
        Some(dir) => match OutputDir::open(dir) {
            Ok(d) => Some(d),
            Err(e) => {
                eprintln!(
                    "kaitsu: cannot use {} as the output directory: {e}",
                    dir.display()
                );
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    if !(args.timeout > 0.0 && args.timeout.is_finite()) {
        eprintln!("kaitsu: --timeout must be a positive number of seconds");
        return ExitCode::from(2);
    }
    let today = args
        .today
        .unwrap_or_else(|| jiff::ZonedDateTime::now().date());
    let inputs = batch::expand(&args.files, args.recursive, &mut std::io::stdin().lock());
    let options = BatchOptions {
        jobs: args.jobs,
        passwords: passwords(args.passwords),
        password_map,
        timeout: Some(Duration::from_secs_f64(args.timeout)),
        output_dir: output_dir.clone(),
        resume: args.resume,
        ..BatchOptions::default()
    };
    let reveal = args.reveal_secrets;
    let process = |source: &str, bytes: &[u8], opts: &ParseOptions| {
        crate::parse_to_record(source, bytes, opts, reveal, &policy, today)
    };
    let progress = if !args.quiet && inputs.len() > 1 && std::io::stderr().is_terminal() {
        ProgressBar::with_draw_target(Some(inputs.len() as u64), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    let tick = || progress.inc(1);

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut collected: Vec<Record> = Vec::new();
    let mut ok = match args.format {
        Format::Csv => match output::csv_header_line(args.excel) {
            Ok(h) => write_out(&mut out, &h),
            Err(_) => false,
        },
        _ => true,
    };
    let format = args.format;
    let mut emit = |record: &Record| {
        if !ok {
            return;
        }
        let text = match format {
            Format::Json => {
                collected.push(record.clone());
                return;
            }
            Format::Ndjson => output::to_ndjson_line(record).map(|l| l + "\n"),
            Format::Yaml => output::render(std::slice::from_ref(record), Format::Yaml),
            Format::Csv => output::csv_record_rows(record).map_err(output::OutputError::from),
        };
        ok = match text {
            Ok(t) => progress.suspend(|| write_out(&mut out, &t)),
            Err(e) => {
                eprintln!("kaitsu: {e}");
                false
            }
        };
    };
    let summary = batch::run(&inputs, &options, &process, &mut emit, &tick);
    progress.finish_and_clear();
    if format == Format::Json {
        match output::render(&collected, Format::Json) {
            Ok(t) => ok = write_out(&mut out, &t),
            Err(e) => {
                eprintln!("kaitsu: {e}");
                ok = false;
            }
        }
    }
    if let Some(dir) = &output_dir
        && let Err(e) = dir.store_summary(&summary)
    {
        eprintln!("kaitsu: cannot write summary.json: {e}");
    }
    if !args.quiet {
        eprintln!("kaitsu: {}", summary.line());
    }
    if !ok {
        return ExitCode::from(2);
    }
    if summary.parsed < summary.inputs {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn run_text(args: TextArgs) -> ExitCode {
    let options = ParseOptions {
        passwords: passwords(args.passwords),
        ..ParseOptions::default()
    };
    let source = args.file.display().to_string();
    let result = std::fs::read(&args.file)
        .map_err(crate::Error::Io)
        .and_then(|bytes| crate::layout_bytes(&bytes, &options));
    match result {
        Ok(doc) => {
            let text = doc.to_text();
            let text = if args.reveal_secrets {
                text
            } else {
                redact_layout_text(&doc, text)
            };
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("kaitsu: {source}: {e}");
            ExitCode::from(1)
        }
    }
}

/// A run of password-reading words: katakana (and 大/小) around a ・.
static READING_RUN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"[大小\x{30A1}-\x{30FC}]*・[大小\x{30A1}-\x{30FC}・]*")
        .unwrap_or_else(|e| unreachable!("valid pattern: {e}"))
});

/// A layout piece made only of katakana words (and 大/小, ・): a password
/// reading or a wrapped part of one. Redacting a katakana name too is the
/// safe mistake.
fn looks_like_reading(piece: &str) -> bool {
    let piece = piece.trim();
    piece
        .chars()
        .any(|c| ('\u{30A1}'..='\u{30FA}').contains(&c))
        && piece
            .chars()
            .all(|c| ('\u{30A1}'..='\u{30FC}').contains(&c) || matches!(c, '大' | '小'))
}

/// Hides secrets in layout text: every temporary password and DNS auth
/// password the notice parser finds, and every line piece that is a
/// password reading (katakana words joined by ・, which spell a password).
fn redact_layout_text(doc: &crate::layout::Document, text: String) -> String {
    let mut secrets: Vec<String> = Vec::new();
    if let Ok(notice) = crate::notice::parse(doc) {
        for u in &notice.users {
            if let Some(p) = &u.temporary_password {
                secrets.push(p.expose().to_string());
            }
        }
        if let Some(p) = notice.dns.as_ref().and_then(|d| d.auth_password.as_ref()) {
            secrets.push(p.expose().to_string());
        }
    }
    secrets.retain(|s| !s.is_empty());
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    text.lines()
        .map(|line| {
            let mut line = line.to_string();
            // Padded with the chunk separator, so a reading merged into the
            // same chunk as a password becomes a piece of its own.
            for s in &secrets {
                line = line.replace(s.as_str(), &format!("  {REDACTED}  "));
            }
            // Reading words joined by ・, wherever they stand in a chunk.
            let line = READING_RUN.replace_all(&line, REDACTED).into_owned();
            line.split("  ")
                .map(|piece| {
                    if looks_like_reading(piece) {
                        REDACTED
                    } else {
                        piece
                    }
                })
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("  ")
                + "\n"
        })
        .collect()
}
