//! The `kaitsu` binary: a thin shell over [`kaitsu::cli`].

fn main() -> std::process::ExitCode {
    kaitsu::cli::main()
}
