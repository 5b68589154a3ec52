//! The local review page: a small synchronous HTTP server over the notices
//! of a folder or of files dropped on the page.
//!
//! Why tiny_http: a handful of worker threads serving one person on one
//! machine needs no async runtime, and tiny_http builds in seconds where an
//! async stack costs a minute of the project's CI. Everything the page
//! needs (HTML, CSS, JS) is embedded in the binary; nothing is fetched and
//! nothing leaves the machine.
//!
//! Bounds, so a dropped file or a hostile request cannot take the server
//! down: request body size, files per request, notices held, parses in
//! flight ([`library::Gate`]), a per-file deadline, the renderer's scale
//! and image size. No input-driven path unwraps; a panic in a worker (a bug)
//! is caught and answered with a 500.
//!
//! The API is documented in `docs/api.md`.

pub mod library;
pub mod multipart;

use crate::render::{self, BoxKind};
use library::{Entry, Gate, ParseSettings};
use serde_json::json;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use tiny_http::{Header, Method, Request, Response, Server};

/// The page and its assets, embedded.
const INDEX_HTML: &str = include_str!("../../web/index.html");
const APP_JS: &str = include_str!("../../web/app.js");
const STYLE_CSS: &str = include_str!("../../web/style.css");

/// Bounds of the server.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body (an upload of several notices).
    pub max_upload_bytes: usize,
    /// Files in one upload request.
    pub max_files_per_request: usize,
    /// Notices held at once (a batch's flagged files are tens, not
    /// thousands; the limit keeps memory bounded).
    pub max_notices: usize,
    /// Parses (and renders) running at once.
    pub max_concurrent_parses: usize,
    /// HTTP worker threads.
    pub workers: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // A notice is tens of kilobytes; 64 MiB holds a large drop.
            max_upload_bytes: 64 * 1024 * 1024,
            max_files_per_request: 50,
            max_notices: 5_000,
            max_concurrent_parses: 2,
            workers: 4,
        }
    }
}

/// The server's shared state.
#[derive(Debug)]
pub struct State {
    entries: RwLock<Vec<Arc<Entry>>>,
    settings: ParseSettings,
    limits: Limits,
    gate: Gate,
    /// Accept only `Host: localhost`/loopback (defends a loopback-bound
    /// server against DNS rebinding from a web page).
    loopback_only: bool,
}

impl State {
    /// An empty library.
    pub fn new(settings: ParseSettings, limits: Limits, loopback_only: bool) -> State {
        State {
            entries: RwLock::new(Vec::new()),
            gate: Gate::new(limits.max_concurrent_parses),
            settings,
            limits,
            loopback_only,
        }
    }

    /// Parses `bytes` and adds the notice; `None` when the library is full.
    pub fn add(&self, source: &str, bytes: Vec<u8>) -> Option<Arc<Entry>> {
        if self.len() >= self.limits.max_notices {
            return None;
        }
        // The id is taken under the write lock so ids stay dense and unique.
        let entry = self
            .gate
            .run(|| Entry::make(0, source, bytes, &self.settings));
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= self.limits.max_notices {
            return None;
        }
        let entry = Arc::new(Entry {
            id: entries.len(),
            ..entry
        });
        entries.push(entry.clone());
        Some(entry)
    }

    /// Notices held.
    pub fn len(&self) -> usize {
        self.entries.read().map(|e| e.len()).unwrap_or(0)
    }

    /// True when no notice is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn get(&self, id: usize) -> Option<Arc<Entry>> {
        self.entries.read().ok()?.get(id).cloned()
    }
}

/// A running server.
pub struct Running {
    server: Arc<Server>,
    workers: Vec<std::thread::JoinHandle<()>>,
    /// The address it listens on.
    pub addr: SocketAddr,
}

impl Running {
    /// Serves until the process ends.
    pub fn wait(self) {
        for w in self.workers {
            let _ = w.join();
        }
    }

    /// Stops the workers (tests).
    pub fn stop(self) {
        self.server.unblock();
        for _ in 1..self.workers.len() {
            self.server.unblock();
        }
        for w in self.workers {
            let _ = w.join();
        }
    }
}

/// Binds `addr` and starts the worker threads.
pub fn start(addr: SocketAddr, state: Arc<State>) -> std::io::Result<Running> {
    let server = Arc::new(Server::http(addr).map_err(std::io::Error::other)?);
    let addr = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| std::io::Error::other("not an IP listener"))?;
    let workers = (0..state.limits.workers.max(1))
        .map(|_| {
            let (server, state) = (server.clone(), state.clone());
            std::thread::spawn(move || {
                while let Ok(request) = server.recv() {
                    handle(request, &state);
                }
            })
        })
        .collect();
    Ok(Running {
        server,
        workers,
        addr,
    })
}

/// An answer before it is sent.
struct Reply {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

impl Reply {
    fn json(status: u16, value: &impl serde::Serialize) -> Reply {
        Reply {
            status,
            content_type: "application/json; charset=utf-8",
            body: serde_json::to_vec_pretty(value).unwrap_or_default(),
        }
    }

    fn error(status: u16, kind: &str, message: impl Into<String>) -> Reply {
        Reply::json(
            status,
            &json!({"error": {"kind": kind, "message": message.into()}}),
        )
    }

    fn asset(content_type: &'static str, text: &str) -> Reply {
        Reply {
            status: 200,
            content_type,
            body: text.as_bytes().to_vec(),
        }
    }
}

fn handle(mut request: Request, state: &State) {
    let reply = if state.loopback_only && !host_is_loopback(&request) {
        Reply::error(
            403,
            "forbidden",
            "this server answers only to localhost or 127.0.0.1",
        )
    } else {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| route(&mut request, state)))
            .unwrap_or_else(|_| Reply::error(500, "internal", "internal error"))
    };
    let mut response = Response::from_data(reply.body).with_status_code(reply.status);
    for (k, v) in [
        ("Content-Type", reply.content_type),
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
        // The page loads nothing from anywhere else.
        (
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' blob:; style-src 'self'; script-src 'self'",
        ),
    ] {
        if let Ok(h) = Header::from_bytes(k.as_bytes(), v.as_bytes()) {
            response.add_header(h);
        }
    }
    let _ = request.respond(response);
}

fn host_is_loopback(request: &Request) -> bool {
    let Some(host) = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Host"))
        .map(|h| h.value.as_str().to_ascii_lowercase())
    else {
        return false;
    };
    let name = if host.starts_with('[') {
        host.split(']').next().map(|s| format!("{s}]"))
    } else {
        host.split(':').next().map(str::to_string)
    };
    matches!(name.as_deref(), Some("localhost" | "127.0.0.1" | "[::1]"))
}

fn route(request: &mut Request, state: &State) -> Reply {
    let url = request.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
    let params = Params(query);
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (request.method(), segments.as_slice()) {
        (Method::Get, [""] | ["index.html"]) => {
            Reply::asset("text/html; charset=utf-8", INDEX_HTML)
        }
        (Method::Get, ["app.js"]) => Reply::asset("text/javascript; charset=utf-8", APP_JS),
        (Method::Get, ["style.css"]) => Reply::asset("text/css; charset=utf-8", STYLE_CSS),
        (Method::Get, ["api", "notices"]) => list(state, params.flag("needs_person")),
        (Method::Post, ["api", "notices"]) => upload(request, state),
        (Method::Get, ["api", "notices", id]) => with_entry(state, id, |e| {
            if params.flag("reveal") {
                Reply::json(200, &state.gate.run(|| e.revealed(&state.settings)))
            } else {
                Reply::json(200, &e.record)
            }
        }),
        (Method::Get, ["api", "notices", id, "boxes"]) => with_entry(state, id, boxes),
        (Method::Get, ["api", "notices", id, "pages", png]) => {
            let page = png.strip_suffix(".png").and_then(|p| p.parse::<u32>().ok());
            match page {
                Some(page) => with_entry(state, id, |e| page_image(state, e, page, &params)),
                None => Reply::error(404, "not_found", "no such page"),
            }
        }
        (Method::Get | Method::Post, _) if path.starts_with("/api/") => {
            Reply::error(404, "not_found", format!("no such endpoint: {path}"))
        }
        (Method::Get, _) => Reply::error(404, "not_found", "not found"),
        _ => Reply::error(405, "method_not_allowed", "method not allowed"),
    }
}

/// Query parameters, read without decoding (the API's values are plain).
struct Params<'a>(&'a str);

impl Params<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .split('&')
            .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }

    fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("1" | "true" | ""))
    }
}

fn with_entry(state: &State, id: &str, f: impl FnOnce(&Entry) -> Reply) -> Reply {
    match id.parse::<usize>().ok().and_then(|i| state.get(i)) {
        Some(e) => f(&e),
        None => Reply::error(404, "not_found", format!("no notice with id {id}")),
    }
}

fn list(state: &State, needs_person: bool) -> Reply {
    let entries = state.entries.read().map(|e| e.clone()).unwrap_or_default();
    let notices: Vec<_> = entries
        .iter()
        .map(|e| e.summary())
        .filter(|s| !needs_person || s.needs_person)
        .collect();
    Reply::json(200, &json!({ "notices": notices }))
}

fn boxes(e: &Entry) -> Reply {
    let pages: Vec<_> = e
        .frames
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let (w, h) = f.shown_size();
            json!({"page": i + 1, "width": w, "height": h})
        })
        .collect();
    let boxes: Vec<_> = e
        .boxes
        .iter()
        .filter(|b| b.field.is_some())
        .filter_map(|b| {
            let frame = e
                .frames
                .get(usize::try_from(b.page).ok()?.checked_sub(1)?)?;
            Some(json!({
                "field": b.field,
                "page": b.page,
                "rect": frame.bbox_to_pixels(b.bbox, 1.0),
                "secret": b.secret,
            }))
        })
        .collect();
    Reply::json(200, &json!({"pages": pages, "boxes": boxes}))
}

fn page_image(state: &State, e: &Entry, page: u32, params: &Params<'_>) -> Reply {
    if e.frames.is_empty() {
        return Reply::error(
            404,
            "not_found",
            "this notice has no page images: its record is an error",
        );
    }
    let scale = match params.get("scale") {
        None => render::DEFAULT_SCALE,
        Some(s) => match s.parse::<f64>() {
            Ok(v) => v,
            Err(_) => return Reply::error(400, "bad_request", "scale must be a number"),
        },
    };
    let kind = match params.get("boxes") {
        None | Some("values") => Some(BoxKind::Values),
        Some("cells") => Some(BoxKind::Cells),
        Some("glyphs") => Some(BoxKind::Glyphs),
        Some("none") => None,
        Some(_) => {
            return Reply::error(
                400,
                "bad_request",
                "boxes must be values, cells, glyphs or none",
            );
        }
    };
    let reveal = params.flag("reveal");
    let result = state.gate.run(|| {
        let doc = render::Document::open(&e.bytes, &state.settings.passwords)?;
        let mut canvas = doc.rasterise(page, scale)?;
        let frame = doc
            .frames()
            .get(usize::try_from(page).unwrap_or(usize::MAX).wrapping_sub(1))
            .copied();
        if let Some(frame) = frame {
            let found = render::DocumentBoxes {
                drawn: match kind {
                    Some(BoxKind::Values) => e
                        .boxes
                        .iter()
                        .filter(|b| b.field.is_some())
                        .cloned()
                        .collect(),
                    Some(other) => other_boxes(state, e, other, doc.frames()),
                    None => Vec::new(),
                },
                values: e.boxes.clone(),
            };
            render::draw_boxes(
                &mut canvas,
                &frame,
                scale,
                kind.unwrap_or(BoxKind::Values),
                &found,
                page,
                reveal,
            );
        }
        render::to_png(&canvas)
    });
    match result {
        Ok(png) => Reply {
            status: 200,
            content_type: "image/png",
            body: png,
        },
        Err(e @ render::RenderError::NoSuchPage { .. }) => {
            Reply::error(404, "not_found", e.to_string())
        }
        Err(e @ render::RenderError::Scale { .. }) => {
            Reply::error(400, "bad_request", e.to_string())
        }
        Err(e) => Reply::error(422, "render_failed", e.to_string()),
    }
}

/// Cell or glyph boxes of an entry (value boxes are kept with the entry).
fn other_boxes(
    state: &State,
    e: &Entry,
    kind: BoxKind,
    frames: &[render::PageFrame],
) -> Vec<render::LabelledBox> {
    let options = crate::ParseOptions {
        passwords: state.settings.passwords.clone(),
        ..crate::ParseOptions::default()
    };
    render::collect_boxes(kind, &e.bytes, &options, None, frames).drawn
}

fn upload(request: &mut Request, state: &State) -> Reply {
    let max = state.limits.max_upload_bytes;
    let Some(boundary) = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Content-Type"))
        .and_then(|h| multipart::boundary(h.value.as_str()))
    else {
        return Reply::error(400, "bad_request", "send the files as multipart/form-data");
    };
    if request.body_length().is_some_and(|n| n > max) {
        return Reply::error(
            413,
            "limit_exceeded",
            format!("the upload is larger than {max} bytes"),
        );
    }
    let mut body = Vec::new();
    if request
        .as_reader()
        .take(u64::try_from(max).unwrap_or(u64::MAX) + 1)
        .read_to_end(&mut body)
        .is_err()
    {
        return Reply::error(400, "bad_request", "cannot read the request body");
    }
    if body.len() > max {
        return Reply::error(
            413,
            "limit_exceeded",
            format!("the upload is larger than {max} bytes"),
        );
    }
    let files = match multipart::files(&body, &boundary, state.limits.max_files_per_request) {
        Ok(f) => f,
        Err(e @ multipart::MultipartError::TooManyFiles(_)) => {
            return Reply::error(413, "limit_exceeded", e.to_string());
        }
        Err(e) => return Reply::error(400, "bad_request", e.to_string()),
    };
    if files.is_empty() {
        return Reply::error(400, "bad_request", "the upload holds no file");
    }
    let mut added = Vec::new();
    for f in files {
        match state.add(&f.filename, f.bytes) {
            Some(e) => added.push(e.summary()),
            None => {
                return Reply::error(
                    507,
                    "limit_exceeded",
                    format!(
                        "the server holds {} notices already; restart it to review more",
                        state.limits.max_notices
                    ),
                );
            }
        }
    }
    Reply::json(200, &json!({ "notices": added }))
}

/// Opens the notices the command line names: PDFs, folders of PDFs (walked
/// recursively), and a batch's `--output-dir` (its `<name>.json` records
/// lead back to their PDFs). Returns a message per input that could not be
/// opened; an unparseable PDF is not one of them: it is listed with its
/// error record, as `kaitsu parse` would print it.
pub fn open_paths(state: &State, paths: &[std::path::PathBuf]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut pdfs: Vec<(String, std::path::PathBuf)> = Vec::new();
    let (inputs, _) = crate::batch::expand(
        paths,
        true,
        &mut std::io::empty(),
        crate::batch::DEFAULT_MAX_FILE_BYTES,
    );
    for input in inputs {
        match input.origin {
            crate::batch::Origin::File(p) => pdfs.push((input.source, p)),
            crate::batch::Origin::Unreadable(why) => {
                problems.push(format!("{}: {why}", input.source))
            }
            crate::batch::Origin::Failed(e) => problems.push(format!("{}: {e}", input.source)),
            // Archive members and standard input are not offered here:
            // the review page opens files and folders.
            crate::batch::Origin::Bytes(_) | crate::batch::Origin::ZipMember { .. } => problems
                .push(format!(
                    "{}: open ZIP archives with kaitsu parse first",
                    input.source
                )),
        }
    }
    for dir in paths.iter().filter(|p| p.is_dir()) {
        pdfs.extend(stored_record_sources(dir));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (source, path) in pdfs {
        let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if !seen.insert(key) {
            continue;
        }
        let bytes = match read_limited(&path, crate::batch::DEFAULT_MAX_FILE_BYTES) {
            Ok(b) => b,
            Err(e) => {
                problems.push(format!("{source}: {e}"));
                continue;
            }
        };
        if state.add(&source, bytes).is_none() {
            problems.push(format!(
                "{source}: not opened: the server holds {} notices at most",
                state.limits.max_notices
            ));
        }
    }
    problems
}

/// The PDFs that a batch output directory's records were made from (the
/// `source` of each `<name>.json`, when that file still exists).
fn stored_record_sources(dir: &std::path::Path) -> Vec<(String, std::path::PathBuf)> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = read
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && p.file_name().is_some_and(|n| n != "summary.json")
        })
        .collect();
    files.sort();
    files
        .iter()
        .filter_map(|p| {
            let text = read_limited(p, 16 * 1024 * 1024).ok()?;
            let record: crate::output::Record = serde_json::from_slice(&text).ok()?;
            let source = std::path::PathBuf::from(&record.source);
            source.is_file().then_some((record.source, source))
        })
        .collect()
}

fn read_limited(path: &std::path::Path, max: u64) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(std::io::Error::other(format!(
            "larger than {max} bytes: not a notice"
        )));
    }
    Ok(bytes)
}
