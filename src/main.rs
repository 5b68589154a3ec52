//! The `kaitsu` binary: the command line (`cli/`), a thin shell over the
//! kaitsu library. Only the binary uses clap and the other command-line
//! crates (the `cli` feature).

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
