//! `kaitsu serve`: the local review page over a folder or files.

use kaitsu::serve::{self, Limits, State, library::ParseSettings};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Serves until interrupted (Ctrl-C). Exit status: 2 usage errors \
(bad flags, a non-local --bind without --allow-remote, the address is in use)."
)]
pub(super) struct ServeArgs {
    /// Address to listen on. Only loopback addresses unless --allow-remote.
    #[arg(long, default_value = "127.0.0.1:8765", value_name = "ADDR:PORT")]
    bind: SocketAddr,
    /// Allow --bind to a non-loopback address: anyone who can reach it can
    /// read the notices, and reveal their passwords.
    #[arg(long)]
    allow_remote: bool,
    /// Password for encrypted PDFs (may be given several times; also read
    /// from KAITSU_PASSWORD).
    #[arg(long = "password", value_name = "PW")]
    passwords: Vec<String>,
    /// Per-file time budget in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    timeout: f64,
    /// The date findings check expiry against (default: today).
    #[arg(long, value_parser = super::parse_date, value_name = "YYYY-MM-DD")]
    today: Option<jiff::civil::Date>,
    /// A validation policy YAML file (see `kaitsu policy --default`).
    #[arg(long, value_name = "FILE.yaml")]
    policy: Option<PathBuf>,
    /// Notice PDFs, folders of PDFs, or a batch's --output-dir.
    files: Vec<PathBuf>,
}

pub(super) fn run(args: ServeArgs) -> ExitCode {
    let loopback = args.bind.ip().is_loopback();
    if !loopback && !args.allow_remote {
        eprintln!(
            "kaitsu: --bind {} is reachable from other machines; add --allow-remote if that is meant",
            args.bind
        );
        return ExitCode::from(2);
    }
    if !loopback {
        eprintln!(
            "kaitsu: warning: serving on {}: anyone who can reach it can read these notices and reveal their passwords",
            args.bind
        );
    }
    let timeout = match super::timeout_of(args.timeout) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("kaitsu: {e}");
            return ExitCode::from(2);
        }
    };
    let policy = match super::validate_cmds::load_policy(args.policy.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("kaitsu: {e}");
            return ExitCode::from(2);
        }
    };
    let settings = ParseSettings {
        passwords: super::passwords(args.passwords),
        policy,
        today: args
            .today
            .unwrap_or_else(|| jiff::ZonedDateTime::now().date()),
        timeout,
    };
    let state = Arc::new(State::new(settings, Limits::default(), loopback));
    for problem in serve::open_paths(&state, &args.files) {
        eprintln!("kaitsu: {problem}");
    }
    let running = match serve::start(args.bind, state.clone()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("kaitsu: cannot listen on {}: {e}", args.bind);
            return ExitCode::from(2);
        }
    };
    eprintln!(
        "kaitsu: {} notice(s); open http://{}/ (Ctrl-C stops)",
        state.len(),
        running.addr
    );
    running.wait();
    ExitCode::SUCCESS
}
