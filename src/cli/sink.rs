//! Where records go: standard output or `-o FILE`, and what happens when
//! writing fails.
//!
//! A closed pipe (`kaitsu parse … | head`) stops the batch quietly, as
//! ripgrep does: the reader has what it wanted. Any other write failure
//! (`> /dev/full`, a full disk) is reported once, stops the batch, and
//! gives the output-error exit status. `-o FILE` is written to a temporary
//! file beside FILE and renamed over it at the end, so FILE is never half
//! written.

use std::io::Write;
use std::path::{Path, PathBuf};

/// How writing went.
#[derive(Debug)]
pub(super) enum SinkState {
    /// Everything written so far.
    Open,
    /// The reader went away (broken pipe).
    Closed,
    /// Writing failed; the message says where and why.
    Failed(String),
}

enum Target {
    Stdout(std::io::BufWriter<std::io::StdoutLock<'static>>),
    File {
        tmp: std::io::BufWriter<tempfile::NamedTempFile>,
        path: PathBuf,
    },
}

/// The output of a command.
pub(super) struct Sink {
    target: Target,
    state: SinkState,
}

impl Sink {
    /// Standard output, or a new file replacing `path` at [`Sink::finish`].
    pub(super) fn open(path: Option<&Path>) -> Result<Sink, String> {
        let target = match path {
            None => Target::Stdout(std::io::BufWriter::new(std::io::stdout().lock())),
            Some(path) => {
                let dir = match path.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d,
                    _ => Path::new("."),
                };
                let tmp = tempfile::Builder::new()
                    .prefix(".kaitsu-out-")
                    .tempfile_in(dir)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                Target::File {
                    tmp: std::io::BufWriter::new(tmp),
                    path: path.to_path_buf(),
                }
            }
        };
        Ok(Sink {
            target,
            state: SinkState::Open,
        })
    }

    fn name(&self) -> String {
        match &self.target {
            Target::Stdout(_) => "standard output".to_string(),
            Target::File { path, .. } => path.display().to_string(),
        }
    }

    /// Whether records would go to a terminal (no place for binary).
    pub(super) fn is_terminal(&self) -> bool {
        use std::io::IsTerminal;
        matches!(self.target, Target::Stdout(_)) && std::io::stdout().is_terminal()
    }

    /// Writes and flushes `text` (records stream as they are ready);
    /// false once writing has stopped.
    pub(super) fn write(&mut self, text: &str) -> bool {
        self.write_bytes(text.as_bytes())
    }

    /// [`Sink::write`] for bytes.
    pub(super) fn write_bytes(&mut self, bytes: &[u8]) -> bool {
        self.write_parts(&[bytes])
    }

    /// Writes `parts` one after the other, then flushes once, as
    /// [`Sink::write`] their concatenation (a record's line and its
    /// newline, without joining them in a new string first).
    pub(super) fn write_parts(&mut self, parts: &[&[u8]]) -> bool {
        if !matches!(self.state, SinkState::Open) {
            return false;
        }
        let result = match &mut self.target {
            Target::Stdout(w) => parts
                .iter()
                .try_for_each(|p| w.write_all(p))
                .and_then(|()| w.flush()),
            Target::File { tmp, .. } => parts.iter().try_for_each(|p| tmp.write_all(p)),
        };
        if let Err(e) = result {
            self.fail(e);
        }
        matches!(self.state, SinkState::Open)
    }

    fn fail(&mut self, e: std::io::Error) {
        self.state = if e.kind() == std::io::ErrorKind::BrokenPipe {
            SinkState::Closed
        } else {
            SinkState::Failed(format!("cannot write to {}: {e}", self.name()))
        };
    }

    /// Flushes, and for `-o FILE` puts the file in place.
    pub(super) fn finish(self) -> SinkState {
        if !matches!(self.state, SinkState::Open) {
            return self.state;
        }
        let name = self.name();
        let result = match self.target {
            Target::Stdout(mut w) => w.flush(),
            Target::File { tmp, path } => {
                tmp.into_inner().map_err(|e| e.into_error()).and_then(|f| {
                    f.as_file().sync_all()?;
                    f.persist(&path).map(|_| ()).map_err(|e| e.error)
                })
            }
        };
        match result {
            Ok(()) => SinkState::Open,
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => SinkState::Closed,
            Err(e) => SinkState::Failed(format!("cannot write to {name}: {e}")),
        }
    }
}
