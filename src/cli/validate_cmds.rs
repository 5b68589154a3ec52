//! The validation subcommands: `check`, `password-check` and `policy`.
//!
//! They are thin: flags → [`kaitsu::validate`] → stdout and an exit status.
//! Exit statuses are part of the interface (pipelines branch on them) and
//! are listed in each command's `--help`. Nothing here prints a secret:
//! findings never carry one, and `password-check` reads the candidate
//! from standard input so it never appears in argv, shell history or `ps`.

use kaitsu::secret::Secret;
use kaitsu::validate::{self, Policy, Severity};
use kaitsu::{ParseOptions, parse_bytes};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::EXIT_USAGE;

/// `kaitsu check`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 no finding at or above --fail-on and every file parsed; \
1 some finding at or above --fail-on, some file could not be parsed, or there was no input; \
2 usage or input errors (bad --today, unreadable or invalid policy file); \
3 output errors (standard output or -o FILE could not be written)."
)]
pub struct CheckArgs {
    /// Days before expiry from which to warn (overrides the policy).
    #[arg(long, value_name = "N")]
    warn_days: Option<u32>,
    /// Exit 1 when any finding has this severity or higher.
    #[arg(long, value_enum, default_value = "error")]
    fail_on: FailOn,
    /// Output format: the parse record's shape, without the notice.
    #[arg(long, value_enum, default_value = "json")]
    format: CheckFormat,
    #[command(flatten)]
    inputs: super::batch_cmd::InputArgs,
}

/// The lowest severity that fails `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FailOn {
    /// Fail on errors only.
    Error,
    /// Fail on warnings and errors.
    Warning,
}

impl FailOn {
    fn severity(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
        }
    }
}

/// How `check` writes its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum CheckFormat {
    /// Pretty JSON: always an array of records.
    Json,
    /// One compact JSON object per line (JSON Lines; `jsonl` too).
    #[value(alias = "jsonl")]
    Ndjson,
}

/// `kaitsu password-check`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "The candidate password is typed at a prompt without echo when standard input is \
a terminal, and read from standard input (one line) otherwise; it is never taken from the \
command line and never printed.\n\n\
Exit status: 0 the password meets every rule; 1 some rule fails; \
2 usage or input errors (no password on stdin, notice unreadable, user ID not in the notice)."
)]
pub struct PasswordCheckArgs {
    /// The user whose new password this is.
    #[arg(long, value_name = "ID")]
    user_id: String,
    /// The user's notice, to check the new password differs from the
    /// temporary one.
    #[arg(long, value_name = "FILE")]
    notice: Option<PathBuf>,
    /// Password for an encrypted notice PDF. Also read from KAITSU_PASSWORD.
    #[arg(long = "password", value_name = "PW")]
    passwords: Vec<String>,
    /// Time budget for reading the notice, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    timeout: f64,
    /// Read the notice in this process instead of a worker process.
    #[arg(long)]
    in_process: bool,
}

/// `kaitsu policy`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 printed the policy or the file is valid; \
2 usage errors or an invalid policy file (the message gives line and column)."
)]
pub struct PolicyArgs {
    /// Print the default policy as YAML.
    #[arg(long, conflicts_with = "check", required_unless_present = "check")]
    default: bool,
    /// Check a policy file and print it with defaults filled in.
    #[arg(long, value_name = "FILE.yaml")]
    check: Option<PathBuf>,
}

/// The policy of `--policy FILE`, or the built-in default.
pub(super) fn load_policy(path: Option<&Path>) -> Result<Policy, String> {
    path.map_or_else(|| Ok(Policy::default()), read_policy)
}

fn read_policy(path: &Path) -> Result<Policy, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the policy file {}: {e}", path.display()))?;
    Policy::from_yaml(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The temporary password the notice gives `user_id` (`None`: the notice
/// shows none); `Err(None)` when the notice has no such user.
pub(super) fn temporary_password_of(
    notice: &kaitsu::Notice,
    user_id: &str,
) -> Result<Option<Secret>, ()> {
    let wanted = user_id.trim().to_ascii_lowercase();
    notice
        .users
        .iter()
        .find(|u| {
            u.user_id
                .as_deref()
                .is_some_and(|id| id.trim().to_ascii_lowercase() == wanted)
        })
        .map(|u| u.temporary_password.clone())
        .ok_or(())
}

/// What reading the notice of `password-check` gave.
pub(super) enum NoticeAnswer {
    /// The user's temporary password, if the notice shows one.
    Found(Option<Secret>),
    /// No user with that ID.
    NoUser,
    /// No notice: why.
    Failed(String),
}

/// Reads `bytes` as a notice and looks `user_id` up in it.
pub(super) fn look_up(bytes: &[u8], options: &ParseOptions, user_id: &str) -> NoticeAnswer {
    match parse_bytes(bytes, options) {
        Ok(notice) => match temporary_password_of(&notice, user_id) {
            Ok(p) => NoticeAnswer::Found(p),
            Err(()) => NoticeAnswer::NoUser,
        },
        Err(e) => NoticeAnswer::Failed(e.to_string()),
    }
}

fn write_stdout(text: &str) -> bool {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes()).is_ok() && stdout.flush().is_ok()
}

/// Runs `kaitsu check`: the batch of `parse`, printing records without
/// the notice.
pub fn run_check(args: CheckArgs, lang: super::Lang) -> ExitCode {
    let spec = super::batch_cmd::Spec {
        format: match args.format {
            CheckFormat::Json => kaitsu::output::Format::Json,
            CheckFormat::Ndjson => kaitsu::output::Format::Ndjson,
        },
        csv: kaitsu::output::CsvOptions::default(),
        reveal: false,
        output_dir: None,
        resume: false,
        retry_errors: false,
        check: Some(args.fail_on.severity()),
        warn_days: args.warn_days,
        lang,
    };
    super::batch_cmd::run(args.inputs, spec)
}

/// The candidate password: typed at a prompt without echo when stdin is a
/// terminal, else the first line of stdin (for scripts and pipes).
fn read_candidate(lang: super::Lang) -> Result<Secret, String> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(super::Msg::PasswordPrompt.text(lang))
            .map(Secret::new)
            .map_err(|e| format!("cannot read the password from the terminal: {e}"));
    }
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(0) => Err("no password on standard input".to_string()),
        Ok(_) => {
            let candidate = Secret::new(line.trim_end_matches(['\n', '\r']));
            line.clear();
            Ok(candidate)
        }
        Err(e) => Err(format!("cannot read standard input: {e}")),
    }
}

/// Runs `kaitsu password-check`.
pub fn run_password_check(args: PasswordCheckArgs, lang: super::Lang) -> ExitCode {
    let timeout = match super::timeout_of(args.timeout) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("kaitsu: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let temporary: Option<Secret> = match &args.notice {
        None => None,
        Some(path) => {
            let options = ParseOptions {
                passwords: super::passwords(args.passwords),
                limits: kaitsu::pdf::Limits {
                    deadline: std::time::Instant::now().checked_add(timeout),
                    ..kaitsu::pdf::Limits::default()
                },
            };
            let bytes =
                match kaitsu::batch::read_input_file(path, kaitsu::batch::DEFAULT_MAX_FILE_BYTES) {
                    Ok(b) => b,
                    Err(e) => {
                        eprintln!("kaitsu: {}: {e}", path.display());
                        return ExitCode::from(EXIT_USAGE);
                    }
                };
            let source = path.display().to_string();
            let in_worker = if args.in_process {
                None
            } else {
                let pool = super::worker::pool(
                    super::worker::Setup {
                        records: None,
                        reveal: false,
                    },
                    1,
                    1,
                );
                super::worker::temporary_password(&pool, &source, &bytes, &options, &args.user_id)
            };
            match in_worker.unwrap_or_else(|| look_up(&bytes, &options, &args.user_id)) {
                NoticeAnswer::Found(p) => p,
                NoticeAnswer::NoUser => {
                    eprintln!(
                        "kaitsu: {}: no user with ID {} in the notice",
                        path.display(),
                        args.user_id
                    );
                    return ExitCode::from(EXIT_USAGE);
                }
                NoticeAnswer::Failed(e) => {
                    eprintln!("kaitsu: {}: {e}", path.display());
                    return ExitCode::from(EXIT_USAGE);
                }
            }
        }
    };
    let candidate = match read_candidate(lang) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("kaitsu: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let mut failures =
        validate::check_new_password(candidate.expose(), temporary.as_ref().map(Secret::expose));
    failures.extend(validate::check_user_id_rule(
        candidate.expose(),
        &args.user_id,
    ));
    let mut text = String::new();
    if failures.is_empty() {
        text.push_str("ok: the password meets every rule\n");
    }
    for f in &failures {
        text.push_str(&format!("{}: {f}\n", f.code()));
    }
    if !write_stdout(&text) {
        return ExitCode::from(EXIT_USAGE);
    }
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Runs `kaitsu policy`.
pub fn run_policy(args: PolicyArgs) -> ExitCode {
    let policy = match load_policy(args.check.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("kaitsu: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if write_stdout(&policy.to_yaml()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_USAGE)
    }
}
