//! Batch integrity through the CLI (issues 12 and 14): inputs that block,
//! the output directory as a small database (lock, collision-free names,
//! store failures, summary last), the resume key, output errors, stable
//! shapes, `check` on the batch path, PDF bytes on stdin.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Every test's run must end well within this: a hang fails the test.
const HANG: Duration = Duration::from_secs(60);

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/corpus")
        .join(format!("{name}.pdf"))
}

/// A clean notice.
const CLEAN: &str = "rl_ttf_rare_kanji";
/// AES-256, user password `Kaitsu-2024!`.
const ENCRYPTED: &str = "qpdf_aes256_userpw";
const ENCRYPTED_PW: &str = "Kaitsu-2024!";

fn kaitsu() -> Command {
    let mut c = Command::cargo_bin("kaitsu").unwrap_or_else(|e| panic!("binary: {e}"));
    c.timeout(HANG).env("LC_ALL", "C.UTF-8");
    c
}

fn ndjson(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or(Value::Null))
        .collect()
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

fn copy(from: &Path, to: &Path) {
    if let Some(dir) = to.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    std::fs::copy(from, to).unwrap_or_else(|e| panic!("copy to {}: {e}", to.display()));
}

fn read_json(path: &Path) -> Value {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null)
}

fn stored_records(dir: &Path) -> Vec<Value> {
    let mut v: Vec<Value> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.ends_with(".json") && n != "summary.json"
        })
        .map(|e| read_json(&e.path()))
        .collect();
    v.sort_by_key(|r| r["source"].as_str().unwrap_or("").to_string());
    v
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "mkfifo {}", path.display());
}

#[cfg(unix)]
#[test]
fn fifos_and_devices_give_io_records_and_never_hang() {
    let dir = tmp();
    let good = dir.path().join("a_good.pdf");
    copy(&fixture(CLEAN), &good);
    let fifo = dir.path().join("b_pipe.pdf");
    mkfifo(&fifo);
    // Named on the command line, with -j 2, and /dev/zero.
    let out = kaitsu()
        .args(["parse", "--format", "ndjson", "-q", "-j", "2"])
        .arg(&fifo)
        .arg(&good)
        .arg("/dev/zero")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let records = ndjson(&out.stdout);
    assert_eq!(records.len(), 3, "{records:?}");
    assert_eq!(records[0]["error"]["kind"], "io");
    let msg = records[0]["error"]["message"].as_str().unwrap_or("");
    assert!(msg.contains("FIFO"), "{msg}");
    assert!(records[1]["notice"].is_object());
    assert_eq!(records[2]["error"]["kind"], "io");
    // Found under -r: a record, not silently skipped.
    let out = kaitsu()
        .args(["parse", "--format", "ndjson", "-q", "-r"])
        .arg(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let records = ndjson(&out.stdout);
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(records[1]["error"]["kind"], "io");
    // Listed on stdin with -j 2.
    let list = format!("{}\n{}\n", fifo.display(), good.display());
    let out = kaitsu()
        .args(["parse", "--format", "ndjson", "-q", "-j", "2", "-"])
        .write_stdin(list)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ndjson(&out.stdout).len(), 2);
    // check, through the same path.
    let out = kaitsu()
        .args(["check", "--format", "ndjson", "-q"])
        .arg(&fifo)
        .arg("/dev/zero")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let records = ndjson(&out.stdout);
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|r| r["error"]["kind"] == "io"));
}

#[test]
fn resume_reuses_a_record_only_under_the_same_options() {
    let dir = tmp();
    let out_dir = dir.path().join("out");
    let enc = fixture(ENCRYPTED);
    let clean = fixture(CLEAN);
    let run = |extra: &[&str]| {
        let out = kaitsu()
            .args(["parse", "--format", "ndjson", "-q", "--output-dir"])
            .arg(&out_dir)
            .args(extra)
            .arg(&enc)
            .arg(&clean)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let summary = read_json(&out_dir.join("summary.json"));
        (ndjson(&out.stdout), summary)
    };
    let (first, _) = run(&["--today", "2025-06-01"]);
    assert_eq!(first[0]["error"]["kind"], "encrypted");
    // Same options: the clean notice is reused; the encrypted one is always
    // tried again (passwords are not part of the key).
    let (again, summary) = run(&["--today", "2025-06-01", "--resume"]);
    assert_eq!(summary["resumed"], 1, "{summary}");
    assert_eq!(again, first);
    // The right password now opens it.
    let (opened, _) = run(&[
        "--today",
        "2025-06-01",
        "--resume",
        "--password",
        ENCRYPTED_PW,
    ]);
    assert!(opened[0]["notice"].is_object(), "{:?}", opened[0]);
    // Another --today: findings are made again.
    let (later, summary) = run(&["--today", "2030-01-01", "--resume"]);
    assert_eq!(summary["resumed"], 0, "{summary}");
    let expired = |r: &Value| {
        r["findings"]
            .as_array()
            .is_some_and(|a| a.iter().any(|f| f["code"] == "password_expired"))
    };
    assert!(expired(&later[1]), "{:?}", later[1]);
    // --reveal-secrets: not the stored, redacted record.
    let (revealed, summary) = run(&["--today", "2030-01-01", "--resume", "--reveal-secrets"]);
    assert_eq!(summary["resumed"], 0, "{summary}");
    let pw = revealed[1]["notice"]["users"][0]["temporary_password"]
        .as_str()
        .unwrap_or("");
    assert!(!pw.is_empty() && pw != "[REDACTED]", "{pw}");
    // A new policy.
    let policy = dir.path().join("policy.yaml");
    std::fs::write(&policy, "warn_days: 400\n").unwrap_or_else(|e| panic!("{e}"));
    let (_, summary) = run(&[
        "--today",
        "2030-01-01",
        "--resume",
        "--reveal-secrets",
        "--policy",
        &policy.to_string_lossy(),
    ]);
    assert_eq!(summary["resumed"], 0, "{summary}");
}

#[test]
fn retry_errors_parses_stored_error_records_again() {
    let dir = tmp();
    let out_dir = dir.path().join("out");
    let not_notice = fixture("err_not_notice_memo");
    let run = |extra: &[&str]| {
        kaitsu()
            .args(["parse", "--format", "ndjson", "-q", "--today", "2025-06-01"])
            .arg("--output-dir")
            .arg(&out_dir)
            .args(extra)
            .arg(&not_notice)
            .arg(fixture(CLEAN))
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        read_json(&out_dir.join("summary.json"))
    };
    run(&[]);
    assert_eq!(run(&["--resume"])["resumed"], 2);
    assert_eq!(run(&["--resume", "--retry-errors"])["resumed"], 1);
}

#[test]
fn stored_names_never_collide_nor_exceed_the_name_limit() {
    let dir = tmp();
    let root = dir.path().join("in");
    let a_b = root.join("a").join("b.pdf");
    let a_underscore_b = root.join("a_b.pdf");
    // Flattened, this path is far over 255 bytes.
    let long = root
        .join("長い名前".repeat(15))
        .join(format!("{}.pdf", "開通のご案内".repeat(12)));
    for p in [&a_b, &a_underscore_b, &long] {
        copy(&fixture(CLEAN), p);
    }
    copy(&fixture("err_empty"), &a_underscore_b);
    let out_dir = dir.path().join("out");
    let run = |resume: bool| {
        let mut c = kaitsu();
        c.args(["parse", "--format", "ndjson", "-q", "--output-dir"])
            .arg(&out_dir);
        if resume {
            c.arg("--resume");
        }
        let out = c
            .arg(&a_b)
            .arg(&a_underscore_b)
            .arg(&long)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        ndjson(&out.stdout)
    };
    let records = run(false);
    assert!(records[0]["notice"].is_object());
    assert_eq!(records[1]["error"]["kind"], "corrupt");
    assert!(records[2]["notice"].is_object(), "{:?}", records[2]);
    let stored = stored_records(&out_dir);
    assert_eq!(stored.len(), 3);
    let resumed = run(true);
    assert_eq!(resumed, records, "a resumed record keeps its own source");
    for entry in std::fs::read_dir(&out_dir).into_iter().flatten().flatten() {
        assert!(entry.file_name().len() <= 255);
    }
}

#[test]
fn a_second_run_into_a_busy_output_directory_is_refused() {
    let dir = tmp();
    let out_dir = dir.path().join("out");
    let bin = assert_cmd::cargo::cargo_bin("kaitsu");
    // The first run holds the directory while it waits for its path list.
    let mut first = std::process::Command::new(&bin)
        .args(["parse", "--format", "ndjson", "-q", "--output-dir"])
        .arg(&out_dir)
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut locked = false;
    for _ in 0..500 {
        std::thread::sleep(Duration::from_millis(10));
        if out_dir.join(".kaitsu.lock").exists() {
            locked = true;
            break;
        }
    }
    assert!(locked, "the first run did not take the directory");
    std::thread::sleep(Duration::from_millis(100));
    let second = kaitsu()
        .args(["parse", "--format", "ndjson", "-q", "--output-dir"])
        .arg(&out_dir)
        .arg(fixture(CLEAN))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(second.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("in use by another kaitsu run"), "{stderr}");
    if let Some(mut stdin) = first.stdin.take() {
        use std::io::Write;
        let _ = writeln!(stdin, "{}", fixture(CLEAN).display());
    }
    let out = first.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stored_records(&out_dir).len(), 1);
    assert!(out_dir.join("summary.json").exists());
}

/// A full disk, for the output directory only: files may not grow past a
/// few hundred bytes (RLIMIT_FSIZE), while stdout is a pipe.
#[cfg(unix)]
#[test]
fn a_record_that_cannot_be_stored_is_an_output_error_not_an_input_error() {
    let dir = tmp();
    let out_dir = dir.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap_or_else(|e| panic!("{e}"));
    let bin = assert_cmd::cargo::cargo_bin("kaitsu");
    let script = format!(
        "trap '' XFSZ; ulimit -f 1; exec '{}' parse --format ndjson -q --output-dir '{}' '{}' '{}'",
        bin.display(),
        out_dir.display(),
        fixture(CLEAN).display(),
        fixture("rl_unijis_address_dns_hyphen").display(),
    );
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let records = ndjson(&out.stdout);
    assert_eq!(records.len(), 2);
    assert!(
        records.iter().all(|r| r["notice"].is_object()),
        "the records themselves are intact: {records:?}"
    );
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("could not be stored"), "{stderr}");
    assert!(!stderr.contains("cannot read the file"), "{stderr}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_stdout_is_reported_once_with_its_own_exit_status() {
    let full = std::fs::File::options()
        .write(true)
        .open("/dev/full")
        .unwrap_or_else(|e| panic!("{e}"));
    let bin = assert_cmd::cargo::cargo_bin("kaitsu");
    let out = std::process::Command::new(bin)
        .args(["parse", "--format", "ndjson", "-q"])
        .arg(fixture(CLEAN))
        .arg(fixture(CLEAN))
        .stdout(full)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.matches("cannot write to standard output").count(),
        1,
        "{stderr}"
    );
}

#[test]
fn a_closed_pipe_stops_the_batch_quietly() {
    let bin = assert_cmd::cargo::cargo_bin("kaitsu");
    let mut child = std::process::Command::new(bin)
        .args(["parse", "--format", "ndjson", "-j", "1"])
        .args(std::iter::repeat_n(fixture(CLEAN), 2000))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(mut stdout) = child.stdout.take() {
        use std::io::Read;
        let mut first = [0u8; 16];
        let _ = stdout.read_exact(&mut first);
    }
    let started = std::time::Instant::now();
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "did not stop early"
    );
}

#[test]
fn json_is_an_array_even_for_one_input_and_jsonl_is_ndjson() {
    let out = kaitsu()
        .args(["parse", "-q"])
        .arg(fixture(CLEAN))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert_eq!(v.as_array().map(Vec::len), Some(1), "{v}");
    let out = kaitsu()
        .args(["parse", "-q", "--format", "jsonl"])
        .arg(fixture(CLEAN))
        .arg(fixture(CLEAN))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ndjson(&out.stdout).len(), 2);
}

#[test]
fn check_takes_the_batch_flags_and_prints_the_record_shape() {
    let dir = tmp();
    copy(&fixture(CLEAN), &dir.path().join("x/one.pdf"));
    copy(&fixture(ENCRYPTED), &dir.path().join("x/two.pdf"));
    let passwords = dir.path().join("pw.yaml");
    std::fs::write(&passwords, format!("\"two.pdf\": \"{ENCRYPTED_PW}\"\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    let out = kaitsu()
        .args([
            "check",
            "-q",
            "-r",
            "-j",
            "2",
            "--timeout",
            "5",
            "--today",
            "2025-06-01",
        ])
        .arg("--passwords")
        .arg(&passwords)
        .arg(dir.path().join("x"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let records = v.as_array().cloned().unwrap_or_default();
    assert_eq!(records.len(), 2, "{v}");
    for r in &records {
        assert!(r["source"].is_string() && r["findings"].is_array(), "{r}");
        assert!(r["error"].is_null() && r["notice"].is_null(), "{r}");
    }
}

#[test]
fn pdf_bytes_on_stdin_are_one_input() {
    let bytes = std::fs::read(fixture(CLEAN)).unwrap_or_default();
    let out = kaitsu()
        .args(["parse", "--format", "ndjson", "-q", "-"])
        .write_stdin(bytes)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let records = ndjson(&out.stdout);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["source"], "-");
    assert!(records[0]["notice"].is_object());
}

#[test]
fn an_empty_batch_says_so() {
    let dir = tmp();
    std::fs::write(dir.path().join("notices.txt"), b"x").unwrap_or_else(|e| panic!("{e}"));
    let out = kaitsu()
        .args(["parse", "-r"])
        .arg(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no input"), "{stderr}");
    assert!(stderr.contains("1 other file(s) skipped"), "{stderr}");
}

#[test]
fn absurd_job_counts_are_bounded() {
    let out = kaitsu()
        .args(["parse", "--format", "ndjson", "-j", "100000"])
        .arg(fixture(CLEAN))
        .arg(fixture(CLEAN))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ndjson(&out.stdout).len(), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("using 2 workers"), "{stderr}");
}

#[test]
fn summary_json_is_missing_after_an_unfinished_run_and_resume_says_so() {
    let dir = tmp();
    let out_dir = dir.path().join("out");
    let run = |resume: bool| {
        let mut c = kaitsu();
        c.args(["parse", "--format", "ndjson", "--output-dir"])
            .arg(&out_dir);
        if resume {
            c.arg("--resume");
        }
        c.arg(fixture(CLEAN))
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    run(false);
    assert!(out_dir.join("summary.json").exists());
    // An interrupted run: its records are there, its summary is not.
    let _ = std::fs::remove_file(out_dir.join("summary.json"));
    let out = run(true);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("did not finish"), "{stderr}");
    assert!(out_dir.join("summary.json").exists());
}

/// Whether python3 with PyYAML (a YAML 1.1 reader) is here; CI installs it
/// and sets KAITSU_REQUIRE_PYYAML so the test cannot silently skip there.
fn pyyaml_available() -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import yaml"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok && std::env::var_os("KAITSU_REQUIRE_PYYAML").is_some() {
        panic!("python3 with PyYAML is required (KAITSU_REQUIRE_PYYAML is set)");
    }
    ok
}

#[test]
fn yaml_loads_the_same_in_a_yaml_11_reader_as_the_json() {
    if !pyyaml_available() {
        eprintln!("skipped: no python3 with PyYAML");
        return;
    }
    let dir = tmp();
    let files: Vec<PathBuf> = [
        CLEAN,
        "rl_unijis_address_dns_hyphen",
        "calc_ipaex_address_dns",
        "err_empty",
    ]
    .iter()
    .map(|n| fixture(n))
    .collect();
    let run = |format: &str| {
        kaitsu()
            .args(["parse", "-q", "--reveal-secrets", "--today", "2030-01-01"])
            .args(["--format", format])
            .args(&files)
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
            .stdout
    };
    let yaml = dir.path().join("out.yaml");
    let json = dir.path().join("out.json");
    std::fs::write(&yaml, run("yaml")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&json, run("json")).unwrap_or_else(|e| panic!("{e}"));
    let script = "import sys, json, yaml\n\
        docs = list(yaml.safe_load_all(open(sys.argv[1], encoding='utf-8')))\n\
        want = json.load(open(sys.argv[2], encoding='utf-8'))\n\
        assert len(docs) == 4, len(docs)\n\
        assert docs == want, (docs, want)\n\
        assert docs[0]['notice']['users'][0]['no'] == 1\n";
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&yaml)
        .arg(&json)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn completions_and_man_page_come_from_the_clap_definition() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = kaitsu()
            .args(["completions", shell])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("password-check") && text.contains("--output-dir"),
            "{shell}"
        );
    }
    let out = kaitsu()
        .arg("man")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(".ie") || text.contains(".TH kaitsu"),
        "{text}"
    );
}

#[test]
fn parse_help_gives_exit_status_once_and_one_jobs_default() {
    let out = kaitsu()
        .args(["parse", "--help"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("Exit status").count(), 1, "{text}");
    let jobs = text
        .split("-j, --jobs")
        .nth(1)
        .and_then(|t| t.split("\n  -").next())
        .unwrap_or_default();
    assert_eq!(jobs.matches("default").count(), 1, "{jobs}");
}

#[test]
fn japanese_messages_under_lang_ja_or_a_japanese_locale() {
    let dir = tmp();
    let out = kaitsu()
        .args(["parse", "--lang", "ja", "-r"])
        .arg(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("入力がありません"), "{stderr}");
    let out = kaitsu()
        .env("LC_ALL", "ja_JP.UTF-8")
        .arg("--help")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("開通のご案内を読み取り"), "{text}");
    let out = kaitsu()
        .args(["parse", "--format", "ndjson", "--lang", "ja"])
        .arg(fixture(CLEAN))
        .arg(fixture("err_empty"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("入力 2 件") && stderr.contains("失敗:"),
        "{stderr}"
    );
}

#[test]
fn xlsx_cells_are_typed_and_never_formulas() {
    let dir = tmp();
    let hostile = dir.path().join("=HYPERLINK(1).pdf");
    copy(&fixture(CLEAN), &hostile);
    let book = dir.path().join("out.xlsx");
    let out = kaitsu()
        .args([
            "parse",
            "-q",
            "--format",
            "xlsx",
            "--csv-header",
            "ja",
            "-o",
        ])
        .arg(&book)
        .arg(&hostile)
        .arg(fixture("err_empty"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1), "one input is an error");
    let file = std::fs::File::open(&book).unwrap_or_else(|e| panic!("{e}"));
    let mut zip = zip::ZipArchive::new(file).unwrap_or_else(|e| panic!("{e}"));
    let mut sheet = String::new();
    {
        use std::io::Read;
        let mut f = zip
            .by_name("xl/worksheets/sheet1.xml")
            .unwrap_or_else(|e| panic!("{e}"));
        let _ = f.read_to_string(&mut sheet);
    }
    assert!(!sheet.contains("<f>"), "a formula cell: {sheet}");
    let mut strings = String::new();
    if let Ok(mut f) = zip.by_name("xl/sharedStrings.xml") {
        use std::io::Read;
        let _ = f.read_to_string(&mut strings);
    }
    let all = format!("{sheet}{strings}");
    assert!(
        all.contains("=HYPERLINK(1).pdf"),
        "the name is a string cell"
    );
    assert!(
        all.contains("ユーザーID") && all.contains("corrupt"),
        "{all}"
    );
    // The user's row number is a number cell (no t= attribute).
    assert!(
        sheet.contains("<c r=\"D2\"><v>1</v></c>") || sheet.contains("<c r=\"D2\" s="),
        "{sheet}"
    );
}

#[test]
fn passwords_file_patterns_match_normalized_and_absolute_paths() {
    let dir = tmp();
    copy(&fixture(ENCRYPTED), &dir.path().join("bad/enc.pdf"));
    std::fs::write(
        dir.path().join("pw.yaml"),
        format!("\"bad/enc.pdf\": [\"wrong\", \"{ENCRYPTED_PW}\"]\n"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = kaitsu()
        .current_dir(dir.path())
        .args([
            "parse",
            "--format",
            "ndjson",
            "-q",
            "--passwords",
            "pw.yaml",
        ])
        .args(["bad/enc.pdf", "./bad/enc.pdf"])
        .arg(dir.path().join("bad/enc.pdf"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let records = ndjson(&out.stdout);
    assert_eq!(records.len(), 3);
    assert!(
        records.iter().all(|r| r["notice"].is_object()),
        "{records:?}"
    );
    // A pattern listed twice is refused.
    std::fs::write(dir.path().join("dup.yaml"), "a.pdf: x\na.pdf: y\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let out = kaitsu()
        .current_dir(dir.path())
        .args(["parse", "-q", "--passwords", "dup.yaml", "bad/enc.pdf"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("listed twice"));
}
