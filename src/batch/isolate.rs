//! Worker processes: containing what kaitsu does not control.
//!
//! lopdf allocates while it loads a document, before any kaitsu limit sees
//! it (about 120 bytes per object: an object stream holding an array of 30
//! million zeros grows to gigabytes, or aborts the process). A bound inside
//! kaitsu cannot stop that, so a batch hands each document to a long-lived
//! worker process whose address space is capped ([`DEFAULT_MEMORY_CAP`],
//! set by the worker on itself with `setrlimit(RLIMIT_AS)`) and which is
//! killed when it overruns the file's time budget by [`GRACE`]. A worker
//! that dies or is killed costs its file one record (`limit_exceeded` or
//! `timeout`, see [`failure_record`]) and is replaced by a new one on the
//! next file; the batch goes on. A worker handles many files, so the start of a process is
//! paid once per worker, not once per file.
//!
//! A worker is this process forked without `exec` (Linux, while the
//! process is still single-threaded: the batch's first workers,
//! [`WorkerPool::fork_workers`], or a one-thread run's worker, forked by
//! its first request, [`WorkerPool::fork_on_demand`]), or the same binary
//! started again with a hidden subcommand (a worker that replaces a dead
//! one in a multithreaded batch, and other systems). Both run the same
//! loop under the same cap and kill time.
//!
//! This module owns the mechanics only (starting, framing, the kill time,
//! the memory cap); what a request means is the caller's (`src/cli/`). The
//! protocol is frames over a Unix socket (a started worker's stdin and
//! stdout): a little-endian `u64` length, then that many bytes. The first
//! frame a started worker reads is its set-up (a forked one is given its
//! state as a value: nothing is serialized for it); then one request
//! frame in, one response frame out, until its input closes. A request is
//! a head (the caller's JSON) and a body (the input's bytes): its frame
//! holds the head's length (a little-endian `u32`), the head, then the
//! body. A worker forked for a request has that request in memory and is
//! sent no frame for it. The worker's stderr is discarded (an allocation
//! failure prints there before the abort). The kill time is the socket's:
//! the thread waiting for an answer waits no longer than the kill time,
//! then kills the worker (no timer thread).
//!
//! A [`Lane`] holds one worker and keeps up to [`PIPELINE_DEPTH`]
//! requests in flight, so the worker starts its next request as soon as
//! it has answered, without waiting for the parent's round trip. A worker answers in order, so the blame rule stays exact:
//! when it dies or overruns, the oldest unanswered request is the one it
//! was working on and gets the failure; the requests behind it go to a new
//! worker, never lost and never blamed. The kill time is the budget of the
//! request in progress, counted from when the worker started on it (when
//! the answer before it came). An answer that has come by the time this
//! side looks is read even past the kill time: the worker answered, and
//! this side was late to look (it was handing on another lane's record).
//!
//! One thread may drive several lanes: [`Lane::ready`] says whether a
//! lane's next answer is at hand or which socket it will come on, and
//! [`wait_for_lanes`] waits on all of those sockets at once (`poll`) until
//! one reads or a kill time comes. A batch then needs no thread per lane
//! and no hand-off of each record to the thread that writes it.
//!
//! Without Unix sockets (not Unix) workers run on pipes with neither the
//! memory cap nor the kill time: a crash still costs one record, and
//! kaitsu's own deadline checks still hold.

use crate::output::{ErrorRecord, Record};
use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::{BufReader, BufWriter, Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

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

/// A worker's process: the binary started again, or a fork of this one.
enum Process {
    Spawned(Child),
    /// Forked without `exec` ([`WorkerPool::fork_workers`]); `status` once
    /// reaped, after which the pid may be another process's: never
    /// signalled again.
    #[cfg(target_os = "linux")]
    Forked {
        pid: nix::unistd::Pid,
        status: Option<ExitStatus>,
    },
}

impl Process {
    fn kill(&mut self) {
        match self {
            Process::Spawned(child) => {
                let _ = child.kill();
            }
            #[cfg(target_os = "linux")]
            Process::Forked { pid, status: None } => {
                let _ = nix::sys::signal::kill(*pid, nix::sys::signal::Signal::SIGKILL);
            }
            #[cfg(target_os = "linux")]
            Process::Forked { .. } => {}
        }
    }

    /// Whether the process has not ended (an error counts as ended).
    fn is_running(&mut self) -> bool {
        match self {
            Process::Spawned(child) => matches!(child.try_wait(), Ok(None)),
            #[cfg(target_os = "linux")]
            Process::Forked { pid, status } => {
                if status.is_some() {
                    return false;
                }
                use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
                match waitpid(*pid, Some(WaitPidFlag::WNOHANG)) {
                    Ok(WaitStatus::StillAlive) => true,
                    Ok(ended) => {
                        *status = Some(exit_status(ended));
                        false
                    }
                    // Not ours to wait for (it cannot be, but then it is
                    // no longer ours to signal either).
                    Err(_) => {
                        *status = Some(unknown_status());
                        false
                    }
                }
            }
        }
    }

    /// Waits for the process to end (reaps it).
    fn wait(&mut self) -> Option<ExitStatus> {
        match self {
            Process::Spawned(child) => child.wait().ok(),
            #[cfg(target_os = "linux")]
            Process::Forked { pid, status } => {
                while status.is_none() {
                    match nix::sys::wait::waitpid(*pid, None) {
                        Ok(ended) => *status = Some(exit_status(ended)),
                        Err(nix::errno::Errno::EINTR) => {}
                        Err(_) => {
                            *status = Some(unknown_status());
                            return None;
                        }
                    }
                }
                *status
            }
        }
    }
}

/// A `waitpid` answer as the standard library's status, so a forked
/// worker's end is described like a started one's.
#[cfg(target_os = "linux")]
fn exit_status(ended: nix::sys::wait::WaitStatus) -> ExitStatus {
    use nix::sys::wait::WaitStatus;
    use std::os::unix::process::ExitStatusExt;
    match ended {
        WaitStatus::Exited(_, code) => ExitStatus::from_raw((code & 0xff) << 8),
        WaitStatus::Signaled(_, signal, _) => ExitStatus::from_raw(signal as i32),
        _ => unknown_status(),
    }
}

/// A status that is neither an exit code nor a signal ("no exit status").
#[cfg(target_os = "linux")]
fn unknown_status() -> ExitStatus {
    use std::os::unix::process::ExitStatusExt;
    ExitStatus::from_raw(0x7f)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The parent's end of a worker's connection: a Unix socket whose every
/// read and write may block only until the request's kill time (the
/// socket's timeout in that direction, set to the time left), after which
/// it fails with `TimedOut` and the caller kills the worker. The kill timer
/// is thus the calling thread itself: no timer thread (one per file cost a
/// thread start per file; one per pool, a thread start per run, about
/// 0.2 ms of a one-file run's 2.5).
///
/// The timeout is set only when the one the socket has would run past the
/// kill time by more than [`TIMEOUT_SLACK`]: every request's kill time is
/// its budget plus [`GRACE`] from its start, so the timeout set for the
/// first request serves the next ones (setting it before every read and
/// write was about three `setsockopt` calls a file). A timeout shorter than
/// the time left may end a call early: the call is then tried again with
/// the time left.
#[cfg(unix)]
struct Channel {
    stream: std::os::unix::net::UnixStream,
    kill_at: Option<Instant>,
    /// The timeout this channel's direction of the socket has: `None` not
    /// set yet, `Some(None)` none (block without end).
    timeout: Option<Option<Duration>>,
}

/// How far past the kill time a read or write may block before its
/// timeout is set again: a small share of [`GRACE`], which is itself the
/// slack given to a worker past its budget.
#[cfg(unix)]
const TIMEOUT_SLACK: Duration = Duration::from_millis(20);

#[cfg(unix)]
impl Channel {
    fn new(stream: std::os::unix::net::UnixStream) -> Self {
        Channel {
            stream,
            kill_at: None,
            timeout: None,
        }
    }

    /// The time left before the kill time; `TimedOut` once it has come.
    fn time_left(&self) -> std::io::Result<Option<Duration>> {
        match self.kill_at {
            None => Ok(None),
            Some(at) => match at.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => Ok(Some(left)),
                _ => Err(std::io::ErrorKind::TimedOut.into()),
            },
        }
    }

    /// Whether the socket's timeout must be set before a call with `left`
    /// time left: it has none yet, or it would let the call block past
    /// the kill time by more than [`TIMEOUT_SLACK`] (or without end).
    fn needs_timeout(&self, left: Option<Duration>) -> bool {
        match (self.timeout, left) {
            (None, _) => true,
            (Some(None), None) => false,
            (Some(None), Some(_)) => true,
            (Some(Some(_)), None) => true,
            (Some(Some(set)), Some(left)) => set > left.saturating_add(TIMEOUT_SLACK),
        }
    }

    /// Runs one read or write (`call`) under the kill time: the socket's
    /// timeout (`set`) lowered first when it would overrun it; a timeout
    /// that ends the call before the kill time tries again.
    fn timed<T>(
        &mut self,
        set: fn(&std::os::unix::net::UnixStream, Option<Duration>) -> std::io::Result<()>,
        mut call: impl FnMut(&mut std::os::unix::net::UnixStream) -> std::io::Result<T>,
    ) -> std::io::Result<T> {
        loop {
            let left = self.time_left()?;
            if self.needs_timeout(left) {
                // Unknown after a failed set: set again next time.
                self.timeout = None;
                set(&self.stream, left)?;
                self.timeout = Some(left);
            }
            match call(&mut self.stream) {
                // Timed out before the kill time (a timeout set for an
                // earlier, longer one): once more with the time left.
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if self.time_left()?.is_none() {
                        // No kill time, yet a timeout: not ours.
                        return Err(e);
                    }
                    self.timeout = Some(Some(Duration::MAX));
                }
                other => return other,
            }
        }
    }
}

#[cfg(unix)]
impl Read for Channel {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.timed(std::os::unix::net::UnixStream::set_read_timeout, |s| {
            s.read(buf)
        })
    }
}

#[cfg(unix)]
impl Write for Channel {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.timed(std::os::unix::net::UnixStream::set_write_timeout, |s| {
            s.write(buf)
        })
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One running worker.
struct Worker {
    process: Process,
    #[cfg(unix)]
    requests: BufWriter<Channel>,
    #[cfg(unix)]
    answers: BufReader<Channel>,
    #[cfg(not(unix))]
    requests: BufWriter<std::process::ChildStdin>,
    #[cfg(not(unix))]
    answers: BufReader<std::process::ChildStdout>,
}

impl Worker {
    fn reap(self) -> Option<ExitStatus> {
        let Worker {
            mut process,
            requests,
            answers,
        } = self;
        drop((requests, answers));
        process.kill();
        process.wait()
    }

    /// Sets the kill time of the next exchange.
    #[cfg(unix)]
    fn kill_at(&mut self, at: Option<Instant>) {
        self.requests.get_mut().kill_at = at;
        self.answers.get_mut().kill_at = at;
    }

    /// Without Unix sockets there is no kill time: see the module's doc.
    #[cfg(not(unix))]
    fn kill_at(&mut self, _at: Option<Instant>) {}

    /// Whether the worker's next answer (or the end of its stream) has
    /// begun to come: bytes already read, or the socket reads now.
    #[cfg(unix)]
    fn answer_waiting(&self) -> bool {
        use std::os::fd::AsFd;
        !self.answers.buffer().is_empty() || reads_now(self.answers.get_ref().stream.as_fd())
    }

    /// The socket the worker's answers come on, when none of an answer is
    /// read yet.
    #[cfg(unix)]
    fn answer_socket(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        use std::os::fd::AsFd;
        self.answers
            .buffer()
            .is_empty()
            .then(|| self.answers.get_ref().stream.as_fd())
    }
}

/// Whether `fd` reads without waiting (data, its end, or an error).
#[cfg(unix)]
fn reads_now(fd: std::os::fd::BorrowedFd<'_>) -> bool {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    let mut fds = [PollFd::new(fd, PollFlags::POLLIN)];
    matches!(poll(&mut fds, PollTimeout::ZERO), Ok(n) if n > 0)
}

/// What a forked worker runs ([`WorkerPool::fork_workers`],
/// [`WorkerPool::fork_on_demand`]), given its [`Forked`] start; returns
/// the process's exit status. It holds the worker's state (what a
/// started worker reads from its set-up frame) as a value, which the
/// child has as the parent made it.
pub type ForkedWorker = Arc<dyn Fn(Forked<'_>) -> u8 + Send + Sync>;

/// A forked worker's start: maybe its first request, still in the memory
/// it shares with the parent (it does not cross the socket), and the
/// socket it reads its next requests from and answers on (two handles of
/// one socket).
pub struct Forked<'a> {
    /// The request (head, body) the worker was forked for, to answer
    /// before reading the socket: the parent sends it no frame.
    pub first: Option<(&'a [u8], &'a [u8])>,
    /// End after answering `first`: the pool expects no other request.
    pub only_first: bool,
    /// Where the next requests come from.
    pub requests: std::fs::File,
    /// Where the answers go.
    pub answers: std::fs::File,
}

/// Long-lived worker processes, shared by a batch's threads: a thread
/// takes an idle worker (or starts one) into its [`Lane`], sends it
/// requests, and puts the worker back when the lane is dropped.
pub struct WorkerPool {
    command: Box<dyn Fn() -> Command + Send + Sync>,
    /// The set-up frame of a started worker, made when the first is
    /// started (a run whose workers are all forked makes none).
    setup: OnceLock<Vec<u8>>,
    make_setup: Box<dyn Fn() -> Vec<u8> + Send + Sync>,
    idle: Mutex<Vec<Worker>>,
    /// What a worker forked when a request finds none idle runs, and
    /// whether it ends after that request ([`WorkerPool::fork_on_demand`]).
    on_demand: Option<(ForkedWorker, bool)>,
}

impl std::fmt::Debug for WorkerPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerPool").finish_non_exhaustive()
    }
}

impl WorkerPool {
    /// A pool whose workers are started by `command` (stdin, stdout and
    /// stderr are set here) and first read the frame `setup` makes (asked
    /// once, when the first worker is started).
    pub fn new(
        command: impl Fn() -> Command + Send + Sync + 'static,
        setup: impl Fn() -> Vec<u8> + Send + Sync + 'static,
    ) -> Self {
        WorkerPool {
            command: Box::new(command),
            setup: OnceLock::new(),
            make_setup: Box::new(setup),
            idle: Mutex::new(Vec::new()),
            on_demand: None,
        }
    }

    /// From now on, a request that finds no idle worker forks one
    /// carrying it (Linux, while forking is sound; see
    /// [`WorkerPool::fork_workers`]): the child answers it from the memory
    /// it shares with this process, so neither the request nor the
    /// set-up crosses the socket, and the input is neither copied nor
    /// read again. For a one-file run this is the whole worker: its input
    /// was read before the fork. Otherwise the worker is started from the
    /// binary, as without this call.
    ///
    /// With `single_request` (the caller expects one request in all: a
    /// one-file run), a worker forked this way ends as soon as it has
    /// answered: its exit then overlaps this process's writing of the
    /// answer, instead of starting when the pool is dropped. Should
    /// another request come, it finds the worker ended and starts a new
    /// one, as for a worker that died.
    pub fn fork_on_demand(&mut self, worker: ForkedWorker, single_request: bool) {
        self.on_demand = Some((worker, single_request));
    }

    /// Starts a worker from `command`: its stdin and stdout are one end of
    /// a Unix socket (the other is the [`Channel`]).
    #[cfg(unix)]
    fn spawn(&self) -> std::io::Result<Worker> {
        use std::os::fd::OwnedFd;
        use std::os::unix::net::UnixStream;
        let (ours, theirs) = UnixStream::pair()?;
        let theirs_out = theirs.try_clone()?;
        let ours_in = ours.try_clone()?;
        // The command (and with it this process's copies of the worker's
        // end) is dropped here: the worker's end is the worker's alone, so
        // its death reads as the end of the stream.
        let child = (self.command)()
            .stdin(Stdio::from(OwnedFd::from(theirs)))
            .stdout(Stdio::from(OwnedFd::from(theirs_out)))
            .stderr(Stdio::null())
            .spawn()?;
        Ok(self.set_up(Worker {
            process: Process::Spawned(child),
            requests: BufWriter::new(Channel::new(ours)),
            answers: BufReader::new(Channel::new(ours_in)),
        }))
    }

    /// Starts a worker from `command`, on pipes.
    #[cfg(not(unix))]
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
        Ok(self.set_up(Worker {
            process: Process::Spawned(child),
            requests: BufWriter::new(stdin),
            answers: BufReader::new(stdout),
        }))
    }

    fn set_up(&self, mut worker: Worker) -> Worker {
        // A worker that cannot take its set-up fails its first request,
        // which reports how it ended.
        let setup = self.setup.get_or_init(|| (self.make_setup)());
        let _ = write_frame(&mut worker.requests, &[setup]);
        worker
    }

    /// Starts up to `n` workers now by forking this process, without
    /// `exec`: the child already has the binary loaded, relocated and
    /// initialised, which an `exec` of the binary pays again (about a
    /// millisecond of CPU per worker; a one-file run pays it on its only
    /// file). `worker` then runs in the child on its socket, under the same
    /// memory cap and kill time as a started worker. Forking is done only
    /// while it is sound and costs no headroom (a single-threaded process
    /// with a small address space); otherwise, and on other systems,
    /// nothing is forked and workers start from the binary when first
    /// needed, as do workers that replace dead ones. A forked worker has
    /// the set-up in memory: none is sent. Returns how many were forked.
    pub fn fork_workers(&self, n: usize, worker: &ForkedWorker) -> usize {
        #[cfg(target_os = "linux")]
        {
            let mut forked = 0;
            while forked < n {
                let Some(worker) = self.fork(None, false, worker) else {
                    break;
                };
                lock(&self.idle).push(worker);
                forked += 1;
            }
            forked
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (n, worker);
            0
        }
    }

    /// Forks one worker running `worker`, carrying `first` if given: in
    /// this process the worker (its set-up already in the child's
    /// memory), or `None` when forking is not sound now; in the child,
    /// the worker's loop and the end of the process.
    #[cfg(target_os = "linux")]
    fn fork(
        &self,
        first: Option<(&[u8], &[u8])>,
        only_first: bool,
        worker: &ForkedWorker,
    ) -> Option<Worker> {
        // The body is in the child's address space either way (a started
        // worker reads it into its own): it does not count against the
        // parent's bound.
        let carried = first.map_or(0, |(head, body)| head.len() + body.len());
        match fork::worker(carried as u64) {
            Ok(Some((pid, ours))) => {
                let Ok(ours_in) = ours.try_clone() else {
                    // Without its second handle the worker cannot be
                    // used: closing the first ends it.
                    drop(ours);
                    let mut process = Process::Forked { pid, status: None };
                    process.kill();
                    process.wait();
                    return None;
                };
                Some(Worker {
                    process: Process::Forked { pid, status: None },
                    requests: BufWriter::new(Channel::new(ours)),
                    answers: BufReader::new(Channel::new(ours_in)),
                })
            }
            Ok(None) => None,
            Err(child) => {
                // In the child: the worker's loop, and the end of the
                // process (it must never return into the parent's code).
                fork::end_child(child.run(|requests, answers| {
                    worker(Forked {
                        first,
                        only_first,
                        requests,
                        answers,
                    })
                }))
            }
        }
    }

    /// A new worker for a request (head, body): forked carrying it when
    /// the pool forks on demand and forking is sound (`true`: the request
    /// is on its way), else started from the binary (`false`).
    fn start(&self, head: &[u8], body: &[u8]) -> Result<(Worker, bool), Failure> {
        #[cfg(target_os = "linux")]
        if let Some((worker, single_request)) = &self.on_demand
            && let Some(w) = self.fork(Some((head, body)), *single_request, worker)
        {
            return Ok((w, true));
        }
        let _ = (head, body);
        self.spawn().map(|w| (w, false)).map_err(Failure::Spawn)
    }

    /// Sends one request (`head`, then `body`) to a worker and returns its
    /// response. With a `budget`, the worker is killed if it has not
    /// answered `budget` + [`GRACE`] after the request was sent.
    pub fn call(
        &self,
        head: &[u8],
        body: &[u8],
        budget: Option<Duration>,
    ) -> Result<Vec<u8>, Failure> {
        let mut lane = self.lane();
        lane.send(Sent {
            head: Cow::Borrowed(head),
            body: Cow::Borrowed(body),
            budget,
        });
        match lane.recv() {
            Some((_, answer)) => answer,
            // Cannot happen: one request was sent.
            None => Err(Failure::Died {
                status: describe(None),
            }),
        }
    }

    /// A lane: one worker for one thread, with up to [`PIPELINE_DEPTH`]
    /// requests in flight ([`Lane`]). Its worker goes back to the pool
    /// when the lane is dropped with nothing in flight.
    pub fn lane<'b>(&self) -> Lane<'_, 'b> {
        Lane {
            pool: self,
            worker: None,
            idle: true,
            in_flight: VecDeque::new(),
            written: 0,
            broken: false,
            started: Instant::now(),
            spawn_error: None,
            write_error: None,
        }
    }
}

/// Whether a lane's next answer is at hand ([`Lane::ready`]).
#[derive(Debug)]
pub enum Ready<'a> {
    /// Nothing in flight: there is no answer to wait for.
    Idle,
    /// [`Lane::recv`] returns without waiting for a worker.
    Now,
    /// The answer comes on `socket`; at `kill_at` the worker is out of
    /// time and [`Lane::recv`] kills it.
    #[cfg(unix)]
    Later {
        /// The worker's answers.
        socket: std::os::fd::BorrowedFd<'a>,
        /// The request's kill time.
        kill_at: Option<Instant>,
    },
    /// (The lifetime, on systems without `Later`.)
    #[cfg(not(unix))]
    #[doc(hidden)]
    Never(std::marker::PhantomData<&'a ()>),
}

/// Waits until at least one of `lanes` is ready ([`Lane::ready`] of each;
/// [`Ready::Idle`] for one with nothing to wait for) and puts the indices
/// of the ready ones in `ready`, in order: every lane that is
/// [`Ready::Now`], without waiting; else, after one `poll` of every
/// socket, those whose socket reads or whose kill time has come. Empty
/// only when every lane is idle. Should `poll` fail, the first waiting
/// lane is given: its [`Lane::recv`] then waits for it alone, up to its
/// kill time.
pub fn wait_for_lanes(lanes: &[Ready<'_>], ready: &mut Vec<usize>) {
    ready.clear();
    ready.extend(
        lanes
            .iter()
            .enumerate()
            .filter(|(_, r)| matches!(r, Ready::Now))
            .map(|(i, _)| i),
    );
    if !ready.is_empty() {
        return;
    }
    #[cfg(unix)]
    poll_lanes(lanes, ready);
}

/// [`wait_for_lanes`] once no lane is ready now.
#[cfg(unix)]
fn poll_lanes(lanes: &[Ready<'_>], ready: &mut Vec<usize>) {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    let mut fds: smallvec::SmallVec<[PollFd<'_>; 8]> = smallvec::SmallVec::new();
    let mut which: smallvec::SmallVec<[(usize, Option<Instant>); 8]> = smallvec::SmallVec::new();
    for (i, lane) in lanes.iter().enumerate() {
        if let Ready::Later { socket, kill_at } = lane {
            fds.push(PollFd::new(*socket, PollFlags::POLLIN));
            which.push((i, *kill_at));
        }
    }
    let soonest = which.iter().filter_map(|(_, at)| *at).min();
    while !which.is_empty() {
        // Rounded up to whole milliseconds, so that the kill time has
        // come when `poll` times out.
        let timeout = match soonest {
            None => PollTimeout::NONE,
            Some(at) => {
                let left = at.saturating_duration_since(Instant::now());
                PollTimeout::try_from(left.as_nanos().div_ceil(1_000_000))
                    .unwrap_or(PollTimeout::MAX)
            }
        };
        match poll(&mut fds, timeout) {
            Ok(0) => {
                let now = Instant::now();
                ready.extend(
                    which
                        .iter()
                        .filter(|(_, at)| at.is_some_and(|at| at <= now))
                        .map(|(i, _)| *i),
                );
            }
            Ok(_) => ready.extend(
                fds.iter()
                    .zip(&which)
                    .filter(|(fd, _)| fd.revents().is_some_and(|r| !r.is_empty()))
                    .map(|(_, (i, _))| *i),
            ),
            Err(nix::errno::Errno::EINTR) => {}
            Err(_) => ready.extend(which.first().map(|(i, _)| *i)),
        }
        if !ready.is_empty() {
            return;
        }
    }
}

/// Requests a lane may keep in flight: the one a worker is working on
/// and the next ones, already in its socket, so the worker starts the
/// next as soon as it has answered instead of waiting for this side to
/// read the answer, hand it on and send another (a round trip of
/// wake-ups). Three queued cover the time the thread feeding the worker
/// waits to be scheduled once it is woken: on a loaded machine a
/// millisecond or more (`perf sched timehist`, load 11 on 2 cores: 1.0 ms
/// on average for the one thread driving two lanes), while a notice takes
/// about a millisecond to parse; with one queued, the workers slept for
/// want of a request. A caller may keep fewer (the batch's thread per
/// lane keeps two: it holds the bytes of what it sends).
pub const PIPELINE_DEPTH: usize = 4;

/// The most request bytes queued behind the request a worker is working
/// on. A worker reads its next request only when it has answered the one
/// before; more queued bytes could fill the socket's buffer (about
/// 200 KiB on Linux) and block this side's write while the worker blocks
/// on writing its answer, which this side would read only after its
/// write: a deadlock until the kill time. A request that would pass the
/// bound waits for the answers before it.
pub const PIPELINE_MAX_FRAME: usize = 64 * 1024;

/// One request: the caller's head and body, and its time budget.
#[derive(Debug)]
pub struct Sent<'b> {
    /// The caller's JSON.
    pub head: Cow<'b, [u8]>,
    /// The input's bytes (or whatever the caller's head says it is).
    pub body: Cow<'b, [u8]>,
    /// The budget the worker has for it, counted from when it starts on
    /// it: when it was written to an idle worker, or when the answer
    /// before it came.
    pub budget: Option<Duration>,
}

impl Sent<'_> {
    fn frame_len(&self) -> usize {
        4 + self.head.len() + self.body.len()
    }
}

/// One worker held by one thread, with requests in flight: a worker
/// answers in order, so the oldest unanswered request is the one it is
/// working on. Its kill time is that request's budget plus [`GRACE`] from
/// when the worker started on it (set again when an answer comes). When
/// the worker dies or is killed, that request alone gets the failure; the
/// requests behind it are sent again to a new worker, never lost and
/// never blamed.
pub struct Lane<'p, 'b> {
    pool: &'p WorkerPool,
    worker: Option<Worker>,
    /// The worker has had nothing to do since it was last checked (it came
    /// from the pool, or answered everything it was sent): it may have
    /// been killed from outside meanwhile, which is no request's fault.
    idle: bool,
    /// Sent and not yet answered, oldest first.
    in_flight: VecDeque<Sent<'b>>,
    /// How many of `in_flight` (the first ones) `worker` has been given.
    written: usize,
    /// A write to `worker` failed: it is given nothing more.
    broken: bool,
    /// When the worker started on the oldest request.
    started: Instant,
    /// Why the last worker could not be started.
    spawn_error: Option<std::io::Error>,
    /// Why the oldest request could not be written to the worker.
    write_error: Option<std::io::Error>,
}

impl std::fmt::Debug for Lane<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lane")
            .field("in_flight", &self.in_flight.len())
            .field("written", &self.written)
            .finish_non_exhaustive()
    }
}

impl<'b> Lane<'_, 'b> {
    /// Sends a request: at once when the worker can take it (see
    /// [`PIPELINE_MAX_FRAME`]), else when the answers before it have come.
    /// Its answer is read by [`Lane::recv`], in the order of sending.
    pub fn send(&mut self, request: Sent<'b>) {
        self.in_flight.push_back(request);
        self.pump();
    }

    /// Requests sent and not yet answered.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Whether [`Lane::recv`] would wait for the worker: [`Ready::Idle`]
    /// with nothing in flight, [`Ready::Now`] when the answer (or the
    /// request's failure) is at hand, else the socket the answer will come
    /// on and the kill time by which it must ([`wait_for_lanes`]).
    pub fn ready(&self) -> Ready<'_> {
        if self.in_flight.is_empty() {
            return Ready::Idle;
        }
        #[cfg(unix)]
        if self.written > 0
            && self.write_error.is_none()
            && let Some(socket) = self.worker.as_ref().and_then(Worker::answer_socket)
        {
            return Ready::Later {
                socket,
                kill_at: self.kill_time(),
            };
        }
        // No worker took it (none could start: `recv` reports it), its
        // write failed, or part of its answer is read already; elsewhere
        // than on Unix a worker's pipe is not waited on with others.
        Ready::Now
    }

    /// The kill time of the oldest request, from when the worker started
    /// on it.
    fn kill_time(&self) -> Option<Instant> {
        let budget = self.in_flight.front()?.budget?;
        Some(
            self.started
                .checked_add(budget + GRACE)
                .unwrap_or(self.started + GRACE),
        )
    }

    /// Gives the worker the requests it may take now, starting one when
    /// there is none (a new worker's first request may be carried by its
    /// fork, [`WorkerPool::fork_on_demand`]).
    fn pump(&mut self) {
        while self.written < self.in_flight.len() {
            let Some(len) = self.in_flight.get(self.written).map(Sent::frame_len) else {
                return;
            };
            if self.written > 0 {
                // Written behind the request the worker is working on
                // (which it has read), and not read yet.
                let queued: usize = self
                    .in_flight
                    .iter()
                    .take(self.written)
                    .skip(1)
                    .map(Sent::frame_len)
                    .sum();
                if queued.saturating_add(len) > PIPELINE_MAX_FRAME {
                    return;
                }
            }
            if self.written == 0 {
                if self.worker.is_none()
                    && let Some(w) = lock(&self.pool.idle).pop()
                {
                    self.worker = Some(w);
                    self.idle = true;
                }
                self.replace_unusable_worker();
                // The worker starts on it now.
                self.started = Instant::now();
            }
            let Some(next) = self.in_flight.get(self.written) else {
                return;
            };
            let mut worker = match self.worker.take() {
                Some(w) => w,
                None => match self.pool.start(&next.head, &next.body) {
                    Ok((w, carried)) => {
                        self.idle = false;
                        self.worker = Some(w);
                        if carried {
                            self.written += 1;
                            self.arm();
                        }
                        continue;
                    }
                    Err(Failure::Spawn(e)) => {
                        // No worker: `recv` reports it for this request.
                        self.spawn_error = Some(e);
                        return;
                    }
                    Err(_) => return,
                },
            };
            self.idle = false;
            if self.written == 0 {
                worker.kill_at(self.kill_time());
            }
            let head_len = u32::try_from(next.head.len())
                .map_err(std::io::Error::other)
                .map(u32::to_le_bytes);
            let wrote = head_len
                .and_then(|len| write_frame(&mut worker.requests, &[&len, &next.head, &next.body]));
            self.worker = Some(worker);
            if let Err(e) = wrote {
                // Maybe in part: the worker is given nothing more.
                self.broken = true;
                if self.written == 0 {
                    // The request it was to start on: its failure, read as
                    // its answer.
                    self.written = 1;
                    self.write_error = Some(e);
                }
                // Otherwise what it answers before this request is still
                // read; then a new worker takes the rest.
                return;
            }
            self.written += 1;
        }
    }

    /// Sets the worker's kill time to the oldest request's.
    fn arm(&mut self) {
        let at = self.kill_time();
        if let Some(w) = &mut self.worker {
            w.kill_at(at);
        }
    }

    /// Before a request is first given to the worker: a worker that was
    /// given a broken frame, or that died while idle (killed from
    /// outside), cannot take it, and that is not the request's fault.
    fn replace_unusable_worker(&mut self) {
        let unusable = match &mut self.worker {
            Some(w) => self.broken || (self.idle && !w.process.is_running()),
            None => false,
        };
        if unusable && let Some(w) = self.worker.take() {
            w.reap();
        }
        self.broken = false;
    }

    /// The answer to the oldest request, with the request; `None` when
    /// none is in flight. A failure ([`Failure`]) is that request's alone:
    /// the requests behind it are given to a new worker.
    pub fn recv(&mut self) -> Option<(Sent<'b>, Result<Vec<u8>, Failure>)> {
        if self.in_flight.is_empty() {
            return None;
        }
        if self.written == 0 {
            // Not given to a worker yet (a broken one, or none could
            // start): once more.
            self.pump();
        }
        let Some(mut worker) = self.worker.take().filter(|_| self.written > 0) else {
            let request = self.in_flight.pop_front()?;
            let why = self
                .spawn_error
                .take()
                .unwrap_or_else(|| std::io::Error::other("no worker could be started"));
            return Some((request, Err(Failure::Spawn(why))));
        };
        let kill_at = self.kill_time();
        worker.kill_at(kill_at);
        #[cfg(unix)]
        if kill_at.is_some_and(|at| at <= Instant::now()) && worker.answer_waiting() {
            // It answered before this side looked: not an overrun. The
            // rest of its frame is on its way.
            worker.kill_at(Instant::now().checked_add(GRACE));
        }
        let answer = match self.write_error.take() {
            Some(e) => Err(e),
            None => read_frame(&mut worker.answers),
        };
        let request = self.in_flight.pop_front()?;
        self.written -= 1;
        let result = match answer {
            Ok(Some(response)) => {
                self.started = Instant::now();
                self.worker = Some(worker);
                if self.in_flight.is_empty() {
                    self.idle = true;
                    if let Some(w) = &mut self.worker {
                        w.kill_at(None);
                    }
                } else {
                    self.arm();
                }
                Ok(response)
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                worker.reap();
                self.lost_worker();
                Err(Failure::TimedOut {
                    budget: request.budget.unwrap_or_default(),
                })
            }
            _ => {
                let status = worker.reap();
                self.lost_worker();
                Err(Failure::Died {
                    status: describe(status),
                })
            }
        };
        if self.written == 0 && !self.in_flight.is_empty() {
            self.pump();
        }
        Some((request, result))
    }

    /// The worker is gone: the requests still in flight were given to it
    /// and are given to the next one.
    fn lost_worker(&mut self) {
        self.worker = None;
        self.written = 0;
        self.broken = false;
        self.write_error = None;
    }
}

impl Drop for Lane<'_, '_> {
    fn drop(&mut self) {
        let Some(mut worker) = self.worker.take() else {
            return;
        };
        if self.in_flight.is_empty() && !self.broken {
            worker.kill_at(None);
            lock(&self.pool.idle).push(worker);
        } else {
            // Answers would come for requests nobody reads: a stopped
            // batch. The worker is ended.
            worker.reap();
        }
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        let idle = std::mem::take(self.idle.get_mut().unwrap_or_else(|p| p.into_inner()));
        for worker in idle {
            // Closing its connection (both handles: on a socket, one alone
            // does not end the stream) ends a worker's loop; reaping waits
            // for it.
            let Worker {
                mut process,
                requests,
                answers,
            } = worker;
            drop((requests, answers));
            let _ = process.wait();
        }
    }
}

/// Forking a worker from this process (Linux).
#[cfg(target_os = "linux")]
mod fork {
    use std::fs::File;
    use std::os::fd::{AsRawFd, OwnedFd, RawFd};
    use std::os::unix::net::UnixStream;

    /// The largest address space this process may have when a worker is
    /// forked from it. A forked worker starts with its parent's address
    /// space, which counts against the worker's cap
    /// ([`super::DEFAULT_MEMORY_CAP`]); a worker started from the binary
    /// starts at about 20 MiB. A parent holding more (PDF bytes read from
    /// standard input, up to 64 MiB) starts its workers from the binary
    /// instead, so no worker has less room than a started one but a few
    /// tens of MiB.
    const MAX_PARENT_ADDRESS_SPACE: u64 = 64 * 1024 * 1024;

    /// Room for `/proc/self/stat`: 52 numeric fields of at most 20 digits
    /// and a command name of at most 64 bytes are under 1.2 KB. A longer
    /// file (there is none) would be cut after the early fields read
    /// here.
    const STAT_BYTES: usize = 4096;

    /// Exit status of a forked worker whose set-up (its standard streams
    /// and descriptors) failed, or that panicked.
    const CHILD_FAILED: u8 = 101;

    /// The child's side of a fork, until it runs the worker.
    pub(super) struct Child {
        requests: UnixStream,
        answers: UnixStream,
    }

    impl Child {
        pub(super) fn run(self, worker: impl FnOnce(File, File) -> u8) -> u8 {
            let Child { requests, answers } = self;
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                worker(
                    File::from(OwnedFd::from(requests)),
                    File::from(OwnedFd::from(answers)),
                )
            }))
            .unwrap_or(CHILD_FAILED)
        }
    }

    /// Whether this process may fork a worker: it has one thread (so the
    /// child, a copy of that one thread, may run any code: no lock is held
    /// by a thread the child lacks), and a small address space. Read from
    /// `/proc/self/stat` (fields 20 and 23, proc(5); the short one of the
    /// files that hold them); anything unreadable means no. `carried`
    /// bytes (a request the child is forked with, which a started worker
    /// would hold too) do not count against the bound.
    fn fork_is_sound(carried: u64) -> bool {
        // Read with a buffer the file fits in: `fs::read_to_string` asked
        // its size (0 for /proc files) and then read it in six calls of
        // 32 bytes and up.
        use std::io::Read as _;
        let mut stat = String::with_capacity(STAT_BYTES);
        let read = std::fs::File::open("/proc/self/stat")
            .and_then(|f| f.take(STAT_BYTES as u64).read_to_string(&mut stat));
        if read.is_err() {
            return false;
        }
        // The fields after the command name, which is in parentheses and
        // may hold anything: the first of them is field 3.
        let Some((_, after_name)) = stat.rsplit_once(')') else {
            return false;
        };
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let field = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<u64>().ok());
        field(20) == Some(1)
            && field(23)
                .is_some_and(|bytes| bytes <= MAX_PARENT_ADDRESS_SPACE.saturating_add(carried))
    }

    /// Forks a worker. In the parent: `Ok(Some)` with the child's pid and
    /// this side's end of its socket, or `Ok(None)` when no worker can be
    /// forked now. In the child: `Err` with its
    /// socket, its standard streams on `/dev/null` and every other
    /// descriptor closed.
    pub(super) fn worker(carried: u64) -> Result<Option<(nix::unistd::Pid, UnixStream)>, Child> {
        if !fork_is_sound(carried) {
            return Ok(None);
        }
        let Ok((ours, requests)) = UnixStream::pair() else {
            return Ok(None);
        };
        let Ok(answers) = requests.try_clone() else {
            return Ok(None);
        };
        let Ok(null) = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/null")
        else {
            return Ok(None);
        };
        // SAFETY: `fork_is_sound` found this process single-threaded just
        // now, and only this thread could have started another since. The
        // child is then a copy of the whole process, and may run any code:
        // the rule that a child run only async-signal-safe functions is for
        // children of multithreaded processes, whose other threads (and the
        // locks they hold) do not exist in the child.
        match unsafe { nix::unistd::fork() } {
            Ok(nix::unistd::ForkResult::Parent { child }) => Ok(Some((child, ours))),
            Err(_) => Ok(None),
            Ok(nix::unistd::ForkResult::Child) => {
                drop(ours);
                // Nothing the worker might print reaches the parent's
                // output or terminal, and it reads none of the parent's
                // input: a started worker's stderr is /dev/null too, and
                // its stdin and stdout are its socket.
                let streams = nix::unistd::dup2_stdin(&null)
                    .and_then(|()| nix::unistd::dup2_stdout(&null))
                    .and_then(|()| nix::unistd::dup2_stderr(&null));
                drop(null);
                // The parent's other descriptors closed: another worker's
                // socket held here would keep that worker from ever
                // seeing its end; an output directory's lock or the output
                // file are not the worker's.
                let keep = [requests.as_raw_fd(), answers.as_raw_fd()];
                if streams.is_err() || close_all_but(keep).is_err() {
                    end_child(CHILD_FAILED);
                }
                Err(Child { requests, answers })
            }
        }
    }

    /// Closes every descriptor from 3 up but `keep`.
    fn close_all_but(mut keep: [RawFd; 2]) -> std::io::Result<()> {
        keep.sort_unstable();
        let mut from: u32 = 3;
        let mut ranges = Vec::new();
        for k in keep {
            let Ok(k) = u32::try_from(k) else { continue };
            if k > from {
                ranges.push((from, k - 1));
            }
            from = from.max(k + 1);
        }
        ranges.push((from, u32::MAX));
        for (first, last) in ranges {
            // SAFETY: closes descriptors only; none of them is used again
            // in this process (the child), whose Rust values owning them are
            // never dropped: it ends with `_exit`.
            if unsafe { libc::close_range(first, last, 0) } != 0 {
                return close_listed(keep);
            }
        }
        Ok(())
    }

    /// [`close_all_but`] for kernels without `close_range` (before 5.9):
    /// the descriptors listed in `/proc/self/fd`.
    fn close_listed(keep: [RawFd; 2]) -> std::io::Result<()> {
        let open: Vec<RawFd> = std::fs::read_dir("/proc/self/fd")?
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .collect();
        for fd in open {
            if fd > 2 && !keep.contains(&fd) {
                // SAFETY: as in `close_all_but`. (The listing's own
                // descriptor is closed already: closing it again fails
                // harmlessly.)
                unsafe { libc::close(fd) };
            }
        }
        Ok(())
    }

    /// Ends the forked child with `code`: `_exit`, so it runs no exit
    /// handlers and flushes none of the parent's buffers it holds a copy
    /// of (standard output's).
    pub(super) fn end_child(code: u8) -> ! {
        // SAFETY: `_exit` ends the process; it is always safe to call.
        unsafe { libc::_exit(i32::from(code)) }
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

/// Writes one frame: the concatenation of `parts` (a request's header
/// and the input's bytes go out without being copied into one buffer).
pub fn write_frame(out: &mut impl Write, parts: &[&[u8]]) -> std::io::Result<()> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    out.write_all(&(len as u64).to_le_bytes())?;
    for part in parts {
        out.write_all(part)?;
    }
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
    // Read straight into the frame, in steps of at most READ_STEP: a
    // frame takes a few large reads (`read_to_end` through the 8 KiB
    // buffer took one system call per 8 KiB), and a length that is a lie
    // costs no more memory than the bytes that did come.
    let len = usize::try_from(len).map_err(std::io::Error::other)?;
    let mut bytes = Vec::new();
    while bytes.len() < len {
        let filled = bytes.len();
        bytes.resize(filled + (len - filled).min(READ_STEP), 0);
        if let Some(rest) = bytes.get_mut(filled..) {
            input.read_exact(rest)?;
        }
    }
    Ok(Some(bytes))
}

/// The most a frame's buffer grows by before its bytes have come.
const READ_STEP: usize = 1024 * 1024;

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

/// Allocations at least this large get their own `mmap` instead of heap
/// space. glibc's default starts at 128 KiB and rises only when such a
/// block is freed, so a worker's growing page-glyph vector and a read
/// file's buffer were mapped, zeroed by the kernel page by page and
/// unmapped again file after file. Above any one-page notice's largest
/// block; far below [`DEFAULT_MEMORY_CAP`], so a hostile file's huge
/// buffers are still mapped apart and given back whole.
pub const WORKER_MMAP_THRESHOLD: usize = 4 * 1024 * 1024;

/// Free memory at the top of a worker's heap is kept up to this much
/// instead of being given back to the kernel after every file (glibc's
/// default: twice the mmap threshold, as low as 256 KiB). The next file
/// reuses it without page faults. Bounded: what a worker keeps is at most
/// this above what it uses, and peak use is unchanged (it is the largest
/// file's).
pub const WORKER_TRIM_THRESHOLD: usize = 32 * 1024 * 1024;

/// Sets [`WORKER_MMAP_THRESHOLD`] and [`WORKER_TRIM_THRESHOLD`] for this
/// process's allocator (glibc only; elsewhere nothing). A batch calls it in
/// its parent before forking (forked workers inherit it; the parent reads
/// every answer into fresh buffers too) and every worker calls it on
/// itself. A batch of 1 070 files took ~18.5 k page faults with glibc's
/// defaults, ~4.8 k with these, and about 4 % less CPU (README,
/// performance). Once set, glibc no longer adjusts either threshold.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn keep_freed_memory() {
    for (param, value) in [
        (libc::M_MMAP_THRESHOLD, WORKER_MMAP_THRESHOLD),
        (libc::M_TRIM_THRESHOLD, WORKER_TRIM_THRESHOLD),
    ] {
        let value = libc::c_int::try_from(value).unwrap_or(libc::c_int::MAX);
        // SAFETY: `mallopt` sets a malloc parameter under malloc's own
        // lock; no memory is touched. A refused value (0 returned) leaves
        // glibc's default, which is only slower.
        unsafe { libc::mallopt(param, value) };
    }
}

/// [`keep_freed_memory`] for allocators that are not glibc's: nothing.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn keep_freed_memory() {}

/// The worker's loop: reads the set-up frame from `input` (a started
/// worker's stdin), hands it to `setup`, then answers each request (head,
/// body) with `handle` on `output` until `input` closes.
pub fn serve<S>(
    input: impl Read,
    output: impl Write,
    setup: impl FnOnce(&[u8]) -> Result<S, String>,
    handle: impl FnMut(&S, &[u8], &[u8]) -> Vec<u8>,
) -> Result<(), String> {
    let mut input = BufReader::new(input);
    let Some(first) = read_frame(&mut input).map_err(pipe_error)? else {
        return Ok(());
    };
    let state = setup(&first)?;
    drop(first);
    answer_requests(&state, None, input, output, handle)
}

/// [`serve`] for a forked worker: its state is given, its first request
/// in memory.
pub fn serve_forked<S>(
    start: Forked<'_>,
    state: &S,
    handle: impl FnMut(&S, &[u8], &[u8]) -> Vec<u8>,
) -> Result<(), String> {
    let requests = BufReader::new(start.requests);
    if start.only_first {
        // No request is read: the loop below ends at the empty input.
        return answer_requests(state, start.first, std::io::empty(), start.answers, handle);
    }
    answer_requests(state, start.first, requests, start.answers, handle)
}

fn pipe_error(e: std::io::Error) -> String {
    format!("worker pipe: {e}")
}

/// Answers `first`, then each request read from `input`, until it closes.
fn answer_requests<S>(
    state: &S,
    first: Option<(&[u8], &[u8])>,
    mut input: impl Read,
    output: impl Write,
    mut handle: impl FnMut(&S, &[u8], &[u8]) -> Vec<u8>,
) -> Result<(), String> {
    let mut output = BufWriter::new(output);
    if let Some((head, body)) = first {
        let response = handle(state, head, body);
        write_frame(&mut output, &[&response]).map_err(pipe_error)?;
    }
    while let Some(frame) = read_frame(&mut input).map_err(pipe_error)? {
        let response = match split_request(&frame) {
            Some((head, body)) => handle(state, head, body),
            // Not a request this side wrote: an empty answer, which the
            // caller fails to read as whatever it asked.
            None => Vec::new(),
        };
        write_frame(&mut output, &[&response]).map_err(pipe_error)?;
    }
    Ok(())
}

/// A request frame's head and body.
fn split_request(frame: &[u8]) -> Option<(&[u8], &[u8])> {
    let len = u32::from_le_bytes(frame.get(..4)?.try_into().ok()?) as usize;
    let head = frame.get(4..4usize.checked_add(len)?)?;
    Some((head, frame.get(4 + len..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_end_cleanly() {
        let mut buf = Vec::new();
        let _ = write_frame(&mut buf, &[b"o", b"ne"]);
        let _ = write_frame(&mut buf, &[]);
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
    fn workers_answer_in_order_and_a_dropped_pool_ends_them() {
        // `cat` answers every frame with itself (the set-up's first), and
        // ends when its input does.
        let pool = WorkerPool::new(|| Command::new("cat"), Vec::new);
        let budget = Some(Duration::from_secs(30));
        assert_eq!(pool.call(b"", b"a", budget).ok(), Some(Vec::new()));
        // The first request's frame: the head's length, the head, the body.
        assert_eq!(
            pool.call(b"b", b"c", budget).ok(),
            Some(b"\0\0\0\0a".to_vec())
        );
        assert_eq!(
            pool.call(b"", b"", budget).ok(),
            Some(b"\x01\0\0\0bc".to_vec())
        );
        // Dropping the pool closes each worker's connection and waits for
        // it: a connection left half open would wait forever.
        let (done, dropped) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            drop(pool);
            let _ = done.send(());
        });
        assert!(dropped.recv_timeout(Duration::from_secs(30)).is_ok());
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
            Vec::new,
        );
        let started = std::time::Instant::now();
        let r = pool.call(b"", b"x", Some(Duration::from_millis(100)));
        assert!(matches!(r, Err(Failure::TimedOut { .. })), "{r:?}");
        assert!(started.elapsed() < GRACE + Duration::from_secs(5));
        // `true` exits at once: a dead worker, not a timeout.
        let pool = WorkerPool::new(|| Command::new("true"), Vec::new);
        let r = pool.call(b"", b"x", Some(Duration::from_secs(5)));
        assert!(matches!(r, Err(Failure::Died { .. })), "{r:?}");
    }

    /// A worker that answers each request with its body, in order, after
    /// acting on it: `die` exits, `hang` never answers, `slow` sleeps
    /// 2.5 s first. Requests have an empty head; the set-up is empty.
    #[cfg(unix)]
    fn scripted_pool() -> WorkerPool {
        const SCRIPT: &str = r#"
head -c 8 >/dev/null
while :; do
  len=$(head -c 8 | od -An -tu8 | tr -d ' ')
  [ -z "$len" ] && exit 0
  req=$(head -c "$len" | tail -c +5)
  case "$req" in
    die) exit 3 ;;
    hang) exec sleep 30 ;;
    slow) sleep 2.5 ;;
  esac
  printf "$(printf '\\%03o' ${#req})\000\000\000\000\000\000\000"
  printf %s "$req"
done
"#;
        WorkerPool::new(
            || {
                let mut c = Command::new("sh");
                c.arg("-c").arg(SCRIPT);
                c
            },
            Vec::new,
        )
    }

    #[cfg(unix)]
    fn request(body: &'static str, budget: Duration) -> Sent<'static> {
        Sent {
            head: Cow::Borrowed(b""),
            body: Cow::Borrowed(body.as_bytes()),
            budget: Some(budget),
        }
    }

    #[cfg(unix)]
    fn answer(lane: &mut Lane<'_, '_>) -> (String, Result<String, String>) {
        match lane.recv() {
            Some((sent, answer)) => (
                String::from_utf8_lossy(&sent.body).into_owned(),
                answer
                    .map(|a| String::from_utf8_lossy(&a).into_owned())
                    .map_err(|f| format!("{f:?}")),
            ),
            None => (String::new(), Err("nothing in flight".to_string())),
        }
    }

    /// Two requests in flight: a worker that dies or hangs costs the
    /// request it was working on its failure; the one queued behind it is
    /// answered by a new worker, in order.
    #[cfg(unix)]
    #[test]
    fn a_pipelined_failure_is_the_working_requests_alone() {
        let pool = scripted_pool();
        let long = Duration::from_secs(30);
        let mut lane = pool.lane();
        lane.send(request("one", long));
        lane.send(request("die", long));
        assert_eq!(answer(&mut lane), ("one".into(), Ok("one".into())));
        lane.send(request("three", long));
        let (sent, died) = answer(&mut lane);
        assert_eq!(sent, "die");
        assert!(died.as_ref().is_err_and(|f| f.contains("Died")), "{died:?}");
        lane.send(request("four", long));
        assert_eq!(answer(&mut lane), ("three".into(), Ok("three".into())));
        assert_eq!(answer(&mut lane), ("four".into(), Ok("four".into())));
        assert_eq!(lane.in_flight(), 0);

        let short = Duration::from_millis(100);
        let started = Instant::now();
        lane.send(request("hang", short));
        lane.send(request("six", short));
        let (sent, hung) = answer(&mut lane);
        assert_eq!(sent, "hang");
        assert!(
            hung.as_ref().is_err_and(|f| f.contains("TimedOut")),
            "{hung:?}"
        );
        assert!(started.elapsed() < GRACE + Duration::from_secs(5));
        assert_eq!(answer(&mut lane), ("six".into(), Ok("six".into())));
    }

    /// The kill time of a request queued behind a slow one counts from
    /// when the worker starts on it: a short budget is not spent waiting
    /// for the request before it.
    #[cfg(unix)]
    #[test]
    fn a_queued_requests_budget_starts_when_the_one_before_is_answered() {
        let pool = scripted_pool();
        let mut lane = pool.lane();
        lane.send(request("slow", Duration::from_secs(30)));
        // 2.5 s behind the slow one: past its own budget and GRACE.
        lane.send(request("quick", Duration::from_millis(100)));
        assert_eq!(answer(&mut lane), ("slow".into(), Ok("slow".into())));
        assert_eq!(answer(&mut lane), ("quick".into(), Ok("quick".into())));
    }

    /// An answer that came in time but was read after the kill time (this
    /// side was busy) is the answer, not a timeout.
    #[cfg(unix)]
    #[test]
    fn an_answer_waiting_past_its_kill_time_is_read() {
        let pool = scripted_pool();
        let mut lane = pool.lane();
        let budget = Duration::from_millis(100);
        lane.send(request("quick", budget));
        std::thread::sleep(budget + GRACE + Duration::from_millis(300));
        assert_eq!(answer(&mut lane), ("quick".into(), Ok("quick".into())));
    }

    /// Several lanes waited on at once: the one whose answer came is
    /// ready, the busy one is not; a lane with nothing in flight never is;
    /// a hung worker's lane is ready at its kill time.
    #[cfg(unix)]
    #[test]
    fn waiting_on_lanes_gives_those_that_have_an_answer_or_are_out_of_time() {
        let pool = scripted_pool();
        let long = Duration::from_secs(30);
        let (mut slow, mut quick, idle) = (pool.lane(), pool.lane(), pool.lane());
        slow.send(request("slow", long));
        quick.send(request("quick", long));
        let mut ready = Vec::new();
        wait_for_lanes(&[slow.ready(), quick.ready(), idle.ready()], &mut ready);
        assert_eq!(ready, [1]);
        assert_eq!(answer(&mut quick), ("quick".into(), Ok("quick".into())));
        wait_for_lanes(&[quick.ready(), idle.ready()], &mut ready);
        assert!(ready.is_empty(), "{ready:?}");
        let short = Duration::from_millis(100);
        let started = Instant::now();
        quick.send(request("hang", short));
        wait_for_lanes(&[quick.ready(), idle.ready()], &mut ready);
        assert_eq!(ready, [0]);
        assert!(started.elapsed() >= short + GRACE);
        let (sent, hung) = answer(&mut quick);
        assert_eq!(sent, "hang");
        assert!(
            hung.as_ref().is_err_and(|f| f.contains("TimedOut")),
            "{hung:?}"
        );
        wait_for_lanes(&[slow.ready()], &mut ready);
        assert_eq!(ready, [0]);
        assert_eq!(answer(&mut slow), ("slow".into(), Ok("slow".into())));
    }

    /// The socket's timeout, set for a first request with a long budget,
    /// is lowered for a later one with a short budget: that one is still
    /// killed on time.
    #[cfg(unix)]
    #[test]
    fn a_short_budget_after_a_long_one_is_still_killed_on_time() {
        // Reads the set-up frame (8 bytes) and one request (8 + 4 + 1),
        // answers it with an empty frame, then never answers again.
        let pool = WorkerPool::new(
            || {
                let mut c = Command::new("sh");
                c.arg("-c")
                    .arg("head -c 21 >/dev/null; printf '\\000\\000\\000\\000\\000\\000\\000\\000'; exec sleep 30");
                c
            },
            Vec::new,
        );
        let first = pool.call(b"", b"x", Some(Duration::from_secs(30)));
        assert_eq!(first.ok(), Some(Vec::new()));
        let started = std::time::Instant::now();
        let r = pool.call(b"", b"x", Some(Duration::from_millis(100)));
        assert!(matches!(r, Err(Failure::TimedOut { .. })), "{r:?}");
        assert!(started.elapsed() < GRACE + Duration::from_secs(5));
    }
}
