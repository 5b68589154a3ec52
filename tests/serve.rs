//! The review server's API, limits and bad input, over real HTTP on a free
//! loopback port.
#![cfg(feature = "serve")]

use kaitsu::serve::{self, Limits, State, library::ParseSettings};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/corpus")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn settings() -> ParseSettings {
    ParseSettings {
        passwords: Vec::new(),
        policy: kaitsu::validate::Policy::default(),
        today: jiff::civil::date(2030, 1, 1),
        timeout: Duration::from_secs(10),
    }
}

fn start(limits: Limits) -> (serve::Running, Arc<State>) {
    let state = Arc::new(State::new(settings(), limits, true));
    let running = serve::start(
        "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
        state.clone(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    (running, state)
}

struct Reply {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
}

fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap_or_else(|e| panic!("{e}"));
    s.set_read_timeout(Some(Duration::from_secs(60))).ok();
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        head.push_str("Host: 127.0.0.1\r\n");
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-length"))
    {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    // A server may answer (413) before reading all of a big body.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let content_type = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("Content-Type: ")
                .or_else(|| l.strip_prefix("content-type: "))
        })
        .unwrap_or("")
        .to_string();
    let mut body = raw.get(split + 4..).unwrap_or(&[]).to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    Reply {
        status,
        content_type,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = b.windows(2).position(|w| w == b"\r\n") {
        let n = usize::from_str_radix(String::from_utf8_lossy(&b[..end]).trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.extend_from_slice(&b[end + 2..end + 2 + n]);
        b = &b[end + 2 + n + 2..];
    }
    out
}

fn get(addr: SocketAddr, path: &str) -> Reply {
    request(addr, "GET", path, &[], b"")
}

fn upload(addr: SocketAddr, files: &[(&str, &[u8])]) -> Reply {
    let mut body = Vec::new();
    for (name, bytes) in files {
        body.extend_from_slice(
            format!("--BOUND\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"--BOUND--\r\n");
    request(
        addr,
        "POST",
        "/api/notices",
        &[("Content-Type", "multipart/form-data; boundary=BOUND".into())],
        &body,
    )
}

#[test]
fn page_list_record_boxes_and_images() {
    let (running, _) = start(Limits::default());
    let addr = running.addr;
    let page = get(addr, "/");
    assert_eq!(page.status, 200);
    assert!(String::from_utf8_lossy(&page.body).contains("/app.js"));
    assert_eq!(get(addr, "/app.js").status, 200);

    let good = fixture("calc_ipaex_address_dns.pdf");
    let added = upload(addr, &[("a.pdf", &good), ("bad.pdf", b"%PDF-1.4 garbage")]);
    assert_eq!(
        added.status,
        200,
        "{}",
        String::from_utf8_lossy(&added.body)
    );
    let added = added.json();
    assert_eq!(added["notices"][0]["status"], "parsed");
    assert_eq!(added["notices"][1]["status"], "error");

    let list = get(addr, "/api/notices").json();
    assert_eq!(list["notices"].as_array().map(Vec::len), Some(2));
    // 2030: every password has expired, so both need a person.
    let needs = get(addr, "/api/notices?needs_person=1").json();
    assert_eq!(needs["notices"].as_array().map(Vec::len), Some(2));

    // The record is the CLI's, redacted unless revealed.
    let cli = kaitsu::parse_to_record(
        "a.pdf",
        &good,
        &kaitsu::ParseOptions::default(),
        false,
        &settings().policy,
        settings().today,
    );
    let record = get(addr, "/api/notices/0").json();
    assert_eq!(record, serde_json::to_value(&cli).unwrap_or_default());
    assert_eq!(
        record["notice"]["users"][0]["temporary_password"],
        "[REDACTED]"
    );
    let revealed = get(addr, "/api/notices/0?reveal=1").json();
    assert_ne!(
        revealed["notice"]["users"][0]["temporary_password"],
        "[REDACTED]"
    );

    let boxes = get(addr, "/api/notices/0/boxes").json();
    let page_w = boxes["pages"][0]["width"].as_f64().unwrap_or(0.0);
    let list = boxes["boxes"].as_array().cloned().unwrap_or_default();
    let customer = list
        .iter()
        .find(|b| b["field"] == "customer_number")
        .unwrap_or_else(|| panic!("no customer_number box: {boxes}"));
    let r: Vec<f64> = customer["rect"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_f64)
        .collect();
    assert!(r.len() == 4 && r[0] < r[2] && r[1] < r[3] && r[2] <= page_w);
    assert!(list.iter().any(|b| b["secret"] == true));
    // Boxes never carry values.
    let secret = revealed["notice"]["users"][0]["temporary_password"]
        .as_str()
        .unwrap_or("x");
    assert!(!String::from_utf8_lossy(&get(addr, "/api/notices/0/boxes").body).contains(secret));

    let png = get(addr, "/api/notices/0/pages/1.png?scale=1");
    assert_eq!(png.status, 200);
    assert_eq!(png.content_type, "image/png");
    assert!(png.body.starts_with(b"\x89PNG"));
    running.stop();
}

#[test]
fn bad_input_gives_the_cli_error_record_and_bad_requests_are_refused() {
    let (running, _) = start(Limits::default());
    let addr = running.addr;
    for (name, bytes) in [
        ("empty.pdf", &b""[..]),
        ("text.pdf", &b"just text"[..]),
        ("cut.pdf", &fixture("calc_ipaex_address_dns.pdf")[..4000]),
    ] {
        let r = upload(addr, &[(name, bytes)]);
        assert_eq!(r.status, 200);
        let id = r.json()["notices"][0]["id"].as_u64().unwrap_or(99);
        let record = get(addr, &format!("/api/notices/{id}")).json();
        let cli = kaitsu::parse_to_record(
            name,
            bytes,
            &kaitsu::ParseOptions::default(),
            false,
            &settings().policy,
            settings().today,
        );
        assert_eq!(
            record,
            serde_json::to_value(&cli).unwrap_or_default(),
            "{name}"
        );
        assert!(record["error"]["kind"].is_string(), "{name}");
        // No page image for an error record.
        assert_eq!(
            get(addr, &format!("/api/notices/{id}/pages/1.png")).status,
            404
        );
    }
    let status = |r: Reply| r.status;
    assert_eq!(status(get(addr, "/api/notices/999")), 404);
    assert_eq!(status(get(addr, "/api/notices/abc/boxes")), 404);
    assert_eq!(status(get(addr, "/api/nothing")), 404);
    assert_eq!(
        status(request(addr, "DELETE", "/api/notices/0", &[], b"")),
        405
    );
    assert_eq!(
        status(request(
            addr,
            "POST",
            "/api/notices",
            &[("Content-Type", "application/json".into())],
            b"{}"
        )),
        400
    );
    let junk = request(
        addr,
        "POST",
        "/api/notices",
        &[("Content-Type", "multipart/form-data; boundary=B".into())],
        b"--B\r\nno headers end",
    );
    assert_eq!(junk.status, 400);
    assert_eq!(junk.json()["error"]["kind"], "bad_request");
    // Scale out of range, page out of range.
    let good = upload(addr, &[("a.pdf", &fixture("calc_ipaex_address_dns.pdf"))]).json();
    let id = good["notices"][0]["id"].as_u64().unwrap_or(99);
    assert_eq!(
        status(get(
            addr,
            &format!("/api/notices/{id}/pages/1.png?scale=100")
        )),
        400
    );
    assert_eq!(
        status(get(addr, &format!("/api/notices/{id}/pages/1.png?scale=x"))),
        400
    );
    assert_eq!(
        status(get(addr, &format!("/api/notices/{id}/pages/9.png"))),
        404
    );
    assert_eq!(
        status(get(addr, &format!("/api/notices/{id}/pages/0.png"))),
        404
    );
    // A foreign Host is refused (DNS rebinding).
    let foreign = request(
        addr,
        "GET",
        "/api/notices",
        &[("Host", "evil.example".into())],
        b"",
    );
    assert_eq!(foreign.status, 403);
    running.stop();
}

#[test]
fn limits_on_upload_size_files_and_notices() {
    let limits = Limits {
        max_upload_bytes: 10_000,
        max_files_per_request: 2,
        max_notices: 3,
        ..Limits::default()
    };
    let (running, state) = start(limits);
    let addr = running.addr;
    let big = vec![b'x'; 20_000];
    let r = upload(addr, &[("big.pdf", &big)]);
    assert_eq!(r.status, 413);
    assert_eq!(r.json()["error"]["kind"], "limit_exceeded");
    let r = upload(addr, &[("1.pdf", b"a"), ("2.pdf", b"b"), ("3.pdf", b"c")]);
    assert_eq!(r.status, 413);
    assert!(state.is_empty(), "a refused request adds nothing");
    assert_eq!(
        upload(addr, &[("1.pdf", b"a"), ("2.pdf", b"b")]).status,
        200
    );
    assert_eq!(upload(addr, &[("3.pdf", b"c")]).status, 200);
    let full = upload(addr, &[("4.pdf", b"d")]);
    assert_eq!(full.status, 507);
    assert_eq!(state.len(), 3);
    running.stop();
}

#[test]
fn opens_folders_of_pdfs_and_a_batch_output_dir() {
    let state = State::new(settings(), Limits::default(), true);
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus");
    let pdfs = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for name in ["calc_ipaex_address_dns.pdf", "err_empty.pdf"] {
        std::fs::copy(corpus.join(name), pdfs.path().join(name)).unwrap_or_else(|e| panic!("{e}"));
    }
    // A batch output dir whose record points at a third PDF, plus its
    // summary (not a record) and a record whose PDF is gone.
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let source = corpus.join("writer_ipaex_tab_leader_kv.pdf");
    let record = |src: &str| serde_json::json!({"source": src, "findings": []}).to_string();
    std::fs::write(out.path().join("a.json"), record(&source.to_string_lossy()))
        .unwrap_or_default();
    std::fs::write(out.path().join("gone.json"), record("/nonexistent/x.pdf")).unwrap_or_default();
    std::fs::write(out.path().join("summary.json"), "{}").unwrap_or_default();
    let missing = pdfs.path().join("missing.pdf");
    let problems = serve::open_paths(
        &state,
        &[pdfs.path().to_path_buf(), out.path().to_path_buf(), missing],
    );
    assert_eq!(state.len(), 3, "{problems:?}");
    assert_eq!(problems.len(), 1, "only the missing file: {problems:?}");
}
