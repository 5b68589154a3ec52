//! The command line: flags → library calls → stdout, and an exit code.
//!
//! Exit codes (each command's `--help` lists its own): 0 clean; 1 some
//! input gave an error record (or, for `check`, a finding at or above
//! `--fail-on`), or there was no input at all; 2 usage errors; 3 output
//! errors (stdout, `-o FILE` or `--output-dir` could not be written).

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use kaitsu::ParseOptions;
use kaitsu::output::{CsvOptions, Format, HeaderLang};
use kaitsu::secret::{REDACTED, Secret};
use std::path::PathBuf;
use std::process::ExitCode;

mod batch_cmd;
mod messages;
#[cfg(feature = "render")]
mod render_cmd;
#[cfg(feature = "serve")]
mod serve_cmd;
mod sink;
mod worker;

use messages::{Lang, Msg};
mod validate_cmds;

/// Some input gave no notice (or, for `check`, failed a rule), or there
/// was no input.
pub(crate) const EXIT_INPUT: u8 = 1;
/// Bad flags or unusable option files.
pub(crate) const EXIT_USAGE: u8 = 2;
/// The records could not be written or stored.
pub(crate) const EXIT_OUTPUT: u8 = 3;

/// kaitsu: activation-notice PDFs (開通のご案内) → typed, validated data.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
pub struct Cli {
    /// Language of messages, the summary and --help [default: from LANG]
    #[arg(long, global = true, value_enum, value_name = "LANG")]
    lang: Option<Lang>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse notices and print one record per input.
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
    /// Print a shell completion script (e.g. `kaitsu completions bash >
    /// ~/.local/share/bash-completion/completions/kaitsu`).
    Completions(CompletionsArgs),
    /// Print the man page (roff), e.g. `kaitsu man > kaitsu.1`.
    Man,
    /// A worker process of `parse`, `check` and `text` (internal: requests
    /// on stdin, answers on stdout).
    #[command(hide = true)]
    Worker,
}

#[derive(Debug, clap::Args)]
struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// `--format` of `parse`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FormatArg {
    /// Pretty JSON: always an array of records, whatever their number.
    Json,
    /// One compact JSON object per line (JSON Lines; `jsonl` too).
    #[value(alias = "jsonl")]
    Ndjson,
    /// YAML: one document per input; loads the same in YAML 1.1 and 1.2.
    Yaml,
    /// CSV: one row per user (RFC 4180, CRLF).
    Csv,
    /// An Excel workbook of the CSV's rows, with typed cells (nothing runs
    /// as a formula); binary: use -o FILE.xlsx or redirect stdout.
    Xlsx,
}

impl FormatArg {
    fn format(self) -> Format {
        match self {
            FormatArg::Json => Format::Json,
            FormatArg::Ndjson => Format::Ndjson,
            FormatArg::Yaml => Format::Yaml,
            FormatArg::Csv => Format::Csv,
            FormatArg::Xlsx => Format::Xlsx,
        }
    }
}

/// `--csv-header` of `parse`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum CsvHeaderArg {
    /// The record's field names (customer_number, user_id…).
    En,
    /// The notice's column names (お客さま番号, ユーザーID…).
    Ja,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 every input gave a notice; 1 some input gave an error record, \
or there was no input; 2 usage errors (bad flags, unreadable --passwords or --policy file, \
output directory in use by another run); 3 output errors (standard output, -o FILE or the \
output directory could not be written)."
)]
struct ParseArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    format: FormatArg,
    /// With --format csv: for Excel: a UTF-8 byte-order mark, every field
    /// quoted, and cells that would start a formula (=, +, -, @) escaped
    /// with a leading '.
    #[arg(long)]
    excel: bool,
    /// With --format csv or xlsx: the header row's language.
    #[arg(long, value_enum, default_value = "en")]
    csv_header: CsvHeaderArg,
    /// Show temporary passwords, readings and DNS auth passwords instead of
    /// the placeholder.
    #[arg(long)]
    reveal_secrets: bool,
    /// Also store one <name>.json per input (atomically) and, last,
    /// summary.json here. One run at a time per directory.
    #[arg(long, value_name = "DIR")]
    output_dir: Option<PathBuf>,
    /// With --output-dir: reuse stored records made from the same bytes
    /// with the same options and kaitsu version.
    #[arg(long, requires = "output_dir")]
    resume: bool,
    /// With --resume: parse again the inputs whose stored record is an
    /// error.
    #[arg(long, requires = "resume")]
    retry_errors: bool,
    #[command(flatten)]
    inputs: batch_cmd::InputArgs,
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
    /// Time budget in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    timeout: f64,
    /// Read the file in this process instead of a worker process (a file
    /// that exhausts memory then aborts kaitsu with no message).
    #[arg(long)]
    in_process: bool,
    /// A PDF.
    file: PathBuf,
}

/// The longest `--timeout`: a notice parses in milliseconds, and a budget
/// beyond this is a typo (`--timeout 1e300` used to panic: no clock holds
/// it).
const MAX_TIMEOUT_SECS: f64 = 86_400.0;

/// `--timeout SECS`: a positive number of seconds, at most a day.
pub(crate) fn timeout_of(secs: f64) -> Result<std::time::Duration, String> {
    if secs > MAX_TIMEOUT_SECS {
        return Err(format!(
            "--timeout must be at most {MAX_TIMEOUT_SECS} seconds (a day)"
        ));
    }
    std::time::Duration::try_from_secs_f64(secs)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| "--timeout must be a positive number of seconds".to_string())
}

fn parse_date(s: &str) -> Result<jiff::civil::Date, String> {
    s.parse::<jiff::civil::Date>()
        .map_err(|e| format!("not a date like 2024-03-01: {e}"))
}

/// Runs the command line.
pub fn main() -> ExitCode {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let lang = Lang::detect(&argv);
    let matches = localized_command(lang).get_matches_from(argv);
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    match cli.command {
        Command::Parse(args) => run_parse(args, lang),
        Command::Text(args) => run_text(args),
        Command::Check(args) => validate_cmds::run_check(args, lang),
        Command::PasswordCheck(args) => validate_cmds::run_password_check(args, lang),
        Command::Policy(args) => validate_cmds::run_policy(args),
        #[cfg(feature = "render")]
        Command::Render(args) => render_cmd::run(args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve_cmd::run(args),
        Command::Worker => worker::run(),
        Command::Schema => print_or_fail(kaitsu::output::record_schema().as_bytes()),
        Command::Completions(args) => {
            let mut text = Vec::new();
            clap_complete::generate(args.shell, &mut Cli::command(), "kaitsu", &mut text);
            print_or_fail(&text)
        }
        Command::Man => {
            let mut text = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut text) {
                Ok(()) => print_or_fail(&text),
                Err(e) => {
                    eprintln!("kaitsu: cannot render the man page: {e}");
                    ExitCode::from(EXIT_OUTPUT)
                }
            }
        }
    }
}

/// The clap command, with the command summaries in `lang`.
fn localized_command(lang: Lang) -> clap::Command {
    let abouts = [
        ("parse", Msg::AboutParse),
        ("text", Msg::AboutText),
        ("check", Msg::AboutCheck),
        ("password-check", Msg::AboutPasswordCheck),
        ("policy", Msg::AboutPolicy),
        ("schema", Msg::AboutSchema),
        ("completions", Msg::AboutCompletions),
        ("man", Msg::AboutMan),
    ];
    let mut cmd = Cli::command();
    if lang == Lang::Ja {
        for (name, msg) in abouts {
            cmd = cmd.mut_subcommand(name, |c| c.about(msg.text(lang)));
        }
    }
    cmd
}

/// Writes a whole text to stdout: exit 0, or 3 with one message (a closed
/// pipe is quiet).
fn print_or_fail(text: &[u8]) -> ExitCode {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kaitsu: cannot write to standard output: {e}");
            ExitCode::from(EXIT_OUTPUT)
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

fn run_parse(args: ParseArgs, lang: Lang) -> ExitCode {
    let spec = batch_cmd::Spec {
        format: args.format.format(),
        csv: CsvOptions {
            excel: args.excel,
            header: match args.csv_header {
                CsvHeaderArg::En => HeaderLang::En,
                CsvHeaderArg::Ja => HeaderLang::Ja,
            },
        },
        reveal: args.reveal_secrets,
        output_dir: args.output_dir,
        resume: args.resume,
        retry_errors: args.retry_errors,
        check: None,
        warn_days: None,
        lang,
    };
    batch_cmd::run(args.inputs, spec)
}

fn run_text(args: TextArgs) -> ExitCode {
    let timeout = match timeout_of(args.timeout) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("kaitsu: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let options = ParseOptions {
        passwords: passwords(args.passwords),
        limits: kaitsu::pdf::Limits {
            deadline: std::time::Instant::now().checked_add(timeout),
            ..kaitsu::pdf::Limits::default()
        },
    };
    let source = args.file.display().to_string();
    let bytes =
        match kaitsu::batch::read_input_file(&args.file, kaitsu::batch::DEFAULT_MAX_FILE_BYTES) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("kaitsu: {source}: {e}");
                return ExitCode::from(EXIT_INPUT);
            }
        };
    let in_worker = if args.in_process {
        None
    } else {
        let pool = worker::pool(
            worker::Setup {
                records: None,
                reveal: args.reveal_secrets,
            },
            1,
            1,
        );
        worker::layout_text(&pool, &source, &bytes, &options)
    };
    let result = in_worker.unwrap_or_else(|| {
        kaitsu::layout_bytes(&bytes, &options)
            .map(|doc| layout_text(&doc, args.reveal_secrets))
            .map_err(|e| format!("{source}: {e}"))
    });
    match result {
        Ok(text) => print_or_fail(text.as_bytes()),
        Err(e) => {
            eprintln!("kaitsu: {e}");
            ExitCode::from(EXIT_INPUT)
        }
    }
}

/// The layout text `kaitsu text` prints: secrets redacted unless `reveal`.
fn layout_text(doc: &kaitsu::layout::Document, reveal: bool) -> String {
    let text = doc.to_text();
    if reveal {
        text
    } else {
        redact_layout_text(doc, text)
    }
}

/// A run of password-reading words: katakana (and 大/小) around a ・.
static READING_RUN: std::sync::LazyLock<regex_lite::Regex> = std::sync::LazyLock::new(|| {
    regex_lite::Regex::new(r"[大小\x{30A1}-\x{30FC}]*・[大小\x{30A1}-\x{30FC}・]*")
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

/// Hides secrets in layout text. First by position: every glyph in the
/// user table's password and reading columns and in the DNS auth password's
/// cell (`notice::secret_regions`), whatever the parse made of them. Then,
/// as a second belt, every secret the parser found wherever else it shows,
/// and every line piece that is a password reading (katakana words joined
/// by ・, which spell a password).
fn redact_layout_text(doc: &kaitsu::layout::Document, text: String) -> String {
    let text = match kaitsu::notice::secret_regions(doc) {
        Some(regions) => doc.to_text_masked(&regions, REDACTED),
        None => text,
    };
    let mut secrets: Vec<String> = Vec::new();
    if let Ok(notice) = kaitsu::notice::parse(doc) {
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
