//! Worker processes: containing what kaitsu does not control.
//!
//! lopdf allocates while it loads a document, before any kaitsu limit sees
//! it (about 120 bytes per object: an object stream holding an array of 30
//! million zeros grows to gigabytes, or aborts the process). A bound inside
//! kaitsu cannot stop that, so a batch hands each document to a long-lived
//! worker process (the same binary, started with a hidden subcommand) whose
//! address space is capped ([`DEFAULT_MEMORY_CAP`], set by the worker on
//! itself with `setrlimit(RLIMIT_AS)`) and which is killed when it overruns
//! the file's time budget by [`GRACE`]. A worker that dies or is killed
//! costs its file one record (`limit_exceeded` or `timeout`, see
//! [`failure_record`]) and is replaced by a new one on the next file; the
//! batch goes on. A worker handles many files, so the start of a process is
//! paid once per worker, not once per file.
//!
//! This module owns the mechanics only (starting, framing, the kill timer,
//! the memory cap); what a request means is the caller's (`src/cli/`). The
//! protocol is frames over the worker's stdin and stdout: a little-endian
//! `u64` length, then that many bytes. The first frame a worker reads is
//! its set-up; then one request frame in, one response frame out, until
//! stdin closes. The worker's stderr is discarded (an allocation failure
//! prints there before the abort).

use crate::output::{ErrorRecord, Record};
use std::io::{BufReader, BufWriter, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

/// The address space a worker may use. A notice takes tens of megabytes to
/// parse; the bound leaves room for the largest input a batch reads
/// (64 MiB, held twice: the request and its decoded streams) and keeps two
/// workers per core well inside a small machine's memory. It is the
/// "≤ 512 MB per worker" of the hardening issue.
pub const DEFAULT_MEMORY_CAP: u64 = 512 * 1024 * 1024;

/// How long past its time budget a worker may run before it is killed. The
/// worker checks its own deadline and usually answers with a `timeout`
/// record in time; the kill is for work kaitsu cannot interrupt (lopdf's
/// loading). Two seconds cover a deadline check's interval and a loaded
/// machine's scheduling.
pub const GRACE: Duration = Duration::from_secs(2);

/// The largest frame either side accepts: a request holds one input (at
/// most 64 MiB by default) and a little JSON; a response one record.
pub const MAX_FRAME: u64 = 256 * 1024 * 1024;

/// Why a request got no response.
#[derive(Debug)]
pub enum Failure {
    /// The worker overran its budget by [`GRACE`] and was killed.
    TimedOut {
        /// The budget it was given.
        budget: Duration,
    },
    /// The worker died (its memory cap, or a crash).
    Died {
        /// How it ended, for the record's message.
        status: String,
    },
    /// No worker could be started (the binary is gone?).
    Spawn(std::io::Error),
}

/// The record of an input whose worker failed: `timeout` when the kill
/// timer fired, `limit_exceeded` when the worker died on its own (the
/// memory cap is what kills a worker in practice: its code does not panic
/// on input).
pub fn failure_record(source: &str, failure: &Failure, memory_cap: u64) -> Record {
    let (kind, message) = match failure {
        Failure::TimedOut { budget } => (
            crate::ErrorKind::Timeout,
            format!(
                "{source}: parsing took longer than the time budget of {:.1} s and the worker \
                 process was stopped; raise --timeout if the file is genuine",
                budget.as_secs_f64()
            ),
        ),
        Failure::Died { status } => (
            crate::ErrorKind::LimitExceeded,
            format!(
                "{source}: the worker process reading it stopped ({status}): the file needs more \
                 than the memory cap of {} MiB per worker, which no notice does",
                memory_cap / (1024 * 1024)
            ),
        ),
        Failure::Spawn(e) => (
            crate::ErrorKind::Io,
            format!("{source}: cannot start a worker process: {e}"),
        ),
    };
    Record {
        source: source.to_string(),
        notice: None,
        error: Some(ErrorRecord {
            kind: kind.as_str().to_string(),
            message,
        }),
        findings: Vec::new(),
        provenance: Default::default(),
    }
}

/// One running worker.
struct Worker {
    child: Arc<Mutex<Child>>,
    stdin: BufWriter<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Worker {
    fn reap(self) -> Option<ExitStatus> {
        drop(self.stdin);
        let mut child = self.child.lock().unwrap_or_else(|p| p.into_inner());
        let _ = child.kill();
        child.wait().ok()
    }
}

/// Long-lived worker processes, started on demand and shared by a batch's
/// threads: a thread takes an idle worker (or starts one), sends one
/// request, and puts the worker back.
pub struct WorkerPool {
    command: Box<dyn Fn() -> Command + Send + Sync>,
    setup: Vec<u8>,
    idle: Mutex<Vec<Worker>>,
}

impl std::fmt::Debug for WorkerPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerPool").finish_non_exhaustive()
    }
}

impl WorkerPool {
    /// A pool whose workers are started by `command` (stdin, stdout and
    /// stderr are set here) and first read `setup`.
    pub fn new(command: impl Fn() -> Command + Send + Sync + 'static, setup: Vec<u8>) -> Self {
        WorkerPool {
            command: Box::new(command),
            setup,
            idle: Mutex::new(Vec::new()),
        }
    }

    fn spawn(&self) -> std::io::Result<Worker> {
        let mut child = (self.command)()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::other("the worker has no pipes"));
        };
        let mut worker = Worker {
            child: Arc::new(Mutex::new(child)),
            stdin: BufWriter::new(stdin),
            stdout: BufReader::new(stdout),
        };
        // A worker that cannot take its set-up fails its first request,
        // which reports how it ended.
        let _ = write_frame(&mut worker.stdin, &self.setup);
        Ok(worker)
    }

    /// Sends one request to a worker and returns its response. With a
    /// `budget`, the worker is killed if it has not answered `budget` +
    /// [`GRACE`] after the request was sent.
    pub fn call(&self, request: &[u8], budget: Option<Duration>) -> Result<Vec<u8>, Failure> {
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut worker = match idle {
            // An idle worker that died meanwhile (killed from outside)
            // cannot take the request: that is not this file's fault, so a
            // new worker gets it.
            Some(w) => {
                let alive = w
                    .child
                    .lock()
                    .is_ok_and(|mut c| matches!(c.try_wait(), Ok(None)));
                if alive {
                    w
                } else {
                    w.reap();
                    self.spawn().map_err(Failure::Spawn)?
                }
            }
            None => self.spawn().map_err(Failure::Spawn)?,
        };
        let killed = Arc::new(AtomicBool::new(false));
        let (disarm, armed) = mpsc::channel::<()>();
        let timer = budget.and_then(|budget| {
            let child = Arc::clone(&worker.child);
            let killed = Arc::clone(&killed);
            std::thread::Builder::new()
                .name("kaitsu-kill-timer".into())
                .spawn(move || {
                    if armed.recv_timeout(budget + GRACE) == Err(mpsc::RecvTimeoutError::Timeout) {
                        killed.store(true, Ordering::SeqCst);
                        let _ = child.lock().unwrap_or_else(|p| p.into_inner()).kill();
                    }
                })
                .ok()
        });
        let answer =
            write_frame(&mut worker.stdin, request).and_then(|()| read_frame(&mut worker.stdout));
        drop(disarm);
        if let Some(timer) = timer {
            let _ = timer.join();
        }
        let was_killed = killed.load(Ordering::SeqCst);
        match answer {
            Ok(Some(response)) if !was_killed => {
                self.idle
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(worker);
                Ok(response)
            }
            // Answered just as the timer fired: the answer stands, the
            // worker is gone.
            Ok(Some(response)) => {
                worker.reap();
                Ok(response)
            }
            _ => {
                let status = worker.reap();
                if was_killed {
                    Err(Failure::TimedOut {
                        budget: budget.unwrap_or_default(),
                    })
                } else {
                    Err(Failure::Died {
                        status: describe(status),
                    })
                }
            }
        }
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        let idle = std::mem::take(self.idle.get_mut().unwrap_or_else(|p| p.into_inner()));
        for worker in idle {
            // Closing stdin ends a worker's loop; reaping waits for it.
            drop(worker.stdin);
            let _ = worker
                .child
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .wait();
        }
    }
}

fn describe(status: Option<ExitStatus>) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.and_then(|s| s.signal()) {
            return match signal {
                6 => "aborted: out of memory".to_string(),
                9 => "killed".to_string(),
                11 => "segmentation fault".to_string(),
                n => format!("signal {n}"),
            };
        }
    }
    match status.and_then(|s| s.code()) {
        Some(code) => format!("exit status {code}"),
        None => "no exit status".to_string(),
    }
}

/// Writes one frame.
pub fn write_frame(out: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    out.write_all(&(bytes.len() as u64).to_le_bytes())?;
    out.write_all(bytes)?;
    out.flush()
}

/// Reads one frame; `None` at a clean end of stream.
pub fn read_frame(input: &mut impl Read) -> std::io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 8];
    match input.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u64::from_le_bytes(len);
    if len > MAX_FRAME {
        return Err(std::io::Error::other(format!(
            "a frame of {len} bytes is over the limit of {MAX_FRAME}"
        )));
    }
    let mut bytes = Vec::new();
    input.take(len).read_to_end(&mut bytes)?;
    if bytes.len() as u64 != len {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(Some(bytes))
}

/// Caps this process's address space (the worker calls it on itself before
/// reading anything). Allocation beyond the cap fails, and Rust aborts the
/// process: the parent sees a dead worker.
#[cfg(unix)]
pub fn cap_memory(bytes: u64) -> Result<(), String> {
    use nix::sys::resource::{Resource, setrlimit};
    setrlimit(Resource::RLIMIT_AS, bytes, bytes)
        .map_err(|e| format!("cannot cap the worker's memory: {e}"))
}

/// Caps this process's address space: not available here; the worker runs
/// with the kill timer only.
#[cfg(not(unix))]
pub fn cap_memory(_bytes: u64) -> Result<(), String> {
    Ok(())
}

/// The worker's loop: reads the set-up frame, hands it to `setup`, then
/// answers each request with `handle` until stdin closes.
pub fn serve<S>(
    setup: impl FnOnce(&[u8]) -> Result<S, String>,
    mut handle: impl FnMut(&S, Vec<u8>) -> Vec<u8>,
) -> Result<(), String> {
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut output = BufWriter::new(std::io::stdout().lock());
    let io = |e: std::io::Error| format!("worker pipe: {e}");
    let Some(first) = read_frame(&mut input).map_err(io)? else {
        return Ok(());
    };
    let state = setup(&first)?;
    drop(first);
    while let Some(request) = read_frame(&mut input).map_err(io)? {
        let response = handle(&state, request);
        write_frame(&mut output, &response).map_err(io)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_end_cleanly() {
        let mut buf = Vec::new();
        let _ = write_frame(&mut buf, b"one");
        let _ = write_frame(&mut buf, b"");
        let mut r = std::io::Cursor::new(buf);
        assert_eq!(
            read_frame(&mut r).ok().flatten().as_deref(),
            Some(&b"one"[..])
        );
        assert_eq!(read_frame(&mut r).ok().flatten().as_deref(), Some(&b""[..]));
        assert!(matches!(read_frame(&mut r), Ok(None)));
    }

    #[test]
    fn a_truncated_or_oversized_frame_is_an_error() {
        let mut buf = 10u64.to_le_bytes().to_vec();
        buf.extend_from_slice(b"abc");
        assert!(read_frame(&mut std::io::Cursor::new(buf)).is_err());
        let buf = (MAX_FRAME + 1).to_le_bytes().to_vec();
        assert!(read_frame(&mut std::io::Cursor::new(buf)).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_worker_that_never_answers_is_killed_and_one_that_dies_is_reported() {
        // `sleep` reads nothing and never answers: the kill timer fires.
        let pool = WorkerPool::new(
            || {
                let mut c = Command::new("sleep");
                c.arg("30");
                c
            },
            Vec::new(),
        );
        let started = std::time::Instant::now();
        let r = pool.call(b"x", Some(Duration::from_millis(100)));
        assert!(matches!(r, Err(Failure::TimedOut { .. })), "{r:?}");
        assert!(started.elapsed() < GRACE + Duration::from_secs(5));
        // `true` exits at once: a dead worker, not a timeout.
        let pool = WorkerPool::new(|| Command::new("true"), Vec::new());
        let r = pool.call(b"x", Some(Duration::from_secs(5)));
        assert!(matches!(r, Err(Failure::Died { .. })), "{r:?}");
    }
}
