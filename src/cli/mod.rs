//! The command line: flags → library calls → stdout, and an exit code.
//!
//! Exit codes: 0 every input parsed; 1 some input gave an error record;
//! 2 usage errors (clap's own).

use crate::output::{self, Format, Record};
use crate::secret::Secret;
use crate::{ParseOptions, parse_bytes};
use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

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
}

#[derive(Debug, clap::Args)]
struct ParseArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    /// Show temporary passwords, readings and DNS auth passwords instead of
    /// the placeholder.
    #[arg(long)]
    reveal_secrets: bool,
    /// Password for encrypted PDFs (may be given several times; each is
    /// tried). Also read from KAITSU_PASSWORD.
    #[arg(long = "password", value_name = "PW")]
    passwords: Vec<String>,
    /// Notice PDFs.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct TextArgs {
    /// Password for an encrypted PDF.
    #[arg(long = "password", value_name = "PW")]
    passwords: Vec<String>,
    /// A PDF.
    file: PathBuf,
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

/// Parses one file into its record.
pub fn parse_file(path: &std::path::Path, options: &ParseOptions, reveal: bool) -> Record {
    let source = path.to_string_lossy().into_owned();
    match std::fs::read(path) {
        Ok(bytes) => match parse_bytes(&bytes, options) {
            Ok(notice) => Record::success(source, &notice, reveal),
            Err(e) => Record::failure(source, &e),
        },
        Err(e) => Record::failure(source, &crate::Error::Io(e)),
    }
}

fn run_parse(args: ParseArgs) -> ExitCode {
    let options = ParseOptions {
        passwords: passwords(args.passwords),
        ..ParseOptions::default()
    };
    let records: Vec<Record> = args
        .files
        .iter()
        .map(|f| parse_file(f, &options, args.reveal_secrets))
        .collect();
    let failed = records.iter().any(|r| r.error.is_some());
    match output::render(&records, args.format) {
        Ok(text) => {
            let mut stdout = std::io::stdout().lock();
            if stdout.write_all(text.as_bytes()).is_err() {
                return ExitCode::from(2);
            }
        }
        Err(e) => {
            eprintln!("kaitsu: {e}");
            return ExitCode::from(2);
        }
    }
    if failed {
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
            print!("{}", doc.to_text());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("kaitsu: {source}: {e}");
            ExitCode::from(1)
        }
    }
}
