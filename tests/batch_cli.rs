//! Batches through the CLI: one record per input whatever the input, in
//! input order, identical across `-j`, and an output directory that
//! survives `kill -9` and resumes.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == "pdf"));
    v.sort();
    v
}

/// ≥ 200 inputs: every fixture several times, plus broken ones.
fn big_batch(tmp: &Path) -> Vec<PathBuf> {
    let mut inputs = Vec::new();
    for round in 0..4 {
        for f in fixtures() {
            if round == 0 {
                inputs.push(f.clone());
            } else {
                let copy = tmp.join(format!(
                    "r{round}_{}",
                    f.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                ));
                let _ = std::fs::copy(&f, &copy);
                inputs.push(copy);
            }
        }
    }
    let empty = tmp.join("empty.pdf");
    let _ = std::fs::write(&empty, b"");
    let truncated = tmp.join("truncated.pdf");
    let first = fixtures().into_iter().next().unwrap_or_default();
    let bytes = std::fs::read(&first).unwrap_or_default();
    let _ = std::fs::write(&truncated, &bytes[..bytes.len() / 3]);
    let text = tmp.join("text.pdf");
    let _ = std::fs::write(&text, "これはPDFではありません");
    let dir_as_file = tmp.join("a_directory.pdf");
    let _ = std::fs::create_dir_all(&dir_as_file);
    inputs.extend([
        empty,
        truncated,
        text,
        dir_as_file,
        tmp.join("vanished.pdf"),
    ]);
    inputs
}

fn ndjson(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or(Value::Null))
        .collect()
}

fn kaitsu() -> Command {
    Command::cargo_bin("kaitsu").unwrap_or_else(|e| panic!("binary: {e}"))
}

#[test]
fn every_input_gives_exactly_one_record_in_order() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let inputs = big_batch(tmp.path());
    assert!(inputs.len() >= 200, "{}", inputs.len());
    let run = |jobs: &str| {
        let out = kaitsu()
            .args(["parse", "--format", "ndjson", "--quiet", "-j", jobs])
            .args(&inputs)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.status.code(), Some(1), "some inputs are errors");
        out.stdout
    };
    let one = run("1");
    let two = run("2");
    assert_eq!(one, two, "records differ between -j 1 and -j 2");
    let records = ndjson(&one);
    assert_eq!(records.len(), inputs.len());
    for (r, input) in records.iter().zip(&inputs) {
        assert_eq!(r["source"].as_str(), Some(input.to_string_lossy().as_ref()));
        assert!(r["notice"].is_object() != r["error"].is_object(), "{r}");
    }
    let kinds: Vec<&str> = records[records.len() - 5..]
        .iter()
        .map(|r| r["error"]["kind"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(kinds, ["corrupt", "corrupt", "corrupt", "io", "io"]);
}

#[test]
fn summary_counts_match_the_records() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let inputs = big_batch(tmp.path());
    let outdir = tmp.path().join("out");
    let out = kaitsu()
        .args(["parse", "--format", "ndjson", "--quiet", "--output-dir"])
        .arg(&outdir)
        .args(&inputs)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let records = ndjson(&out.stdout);
    let summary: Value = std::fs::read_to_string(outdir.join("summary.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    assert_eq!(summary["inputs"].as_u64(), Some(inputs.len() as u64));
    let parsed = records.iter().filter(|r| r["notice"].is_object()).count();
    assert_eq!(summary["parsed"].as_u64(), Some(parsed as u64));
    let errors: u64 = summary["errors"]
        .as_object()
        .map(|m| m.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0);
    assert_eq!(errors as usize, inputs.len() - parsed);
    let stored = std::fs::read_dir(&outdir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.ends_with(".json") && name != "summary.json"
                })
                .count()
        })
        .unwrap_or(0);
    assert_eq!(stored, inputs.len());
}

#[test]
fn killed_run_leaves_no_half_written_file_and_resume_completes() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let inputs = big_batch(tmp.path());
    let outdir = tmp.path().join("out");
    let bin = assert_cmd::cargo::cargo_bin("kaitsu");
    let mut child = std::process::Command::new(&bin)
        .args([
            "parse",
            "--format",
            "ndjson",
            "--quiet",
            "-j",
            "1",
            "--output-dir",
        ])
        .arg(&outdir)
        .args(&inputs)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    // Let it write some files, then kill -9.
    for _ in 0..200 {
        std::thread::sleep(std::time::Duration::from_millis(5));
        let n = std::fs::read_dir(&outdir).map(|d| d.count()).unwrap_or(0);
        if n > 10 {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    for entry in std::fs::read_dir(&outdir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            assert!(
                serde_json::from_str::<Value>(&text).is_ok(),
                "half-written {name}"
            );
        }
    }
    let out = kaitsu()
        .args([
            "parse",
            "--format",
            "ndjson",
            "--quiet",
            "--resume",
            "--output-dir",
        ])
        .arg(&outdir)
        .args(&inputs)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let records = ndjson(&out.stdout);
    assert_eq!(records.len(), inputs.len());
    let summary: Value = std::fs::read_to_string(outdir.join("summary.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    assert_eq!(summary["inputs"].as_u64(), Some(inputs.len() as u64));
    assert!(summary["resumed"].as_u64().unwrap_or(0) > 0, "{summary}");
    let jsons = std::fs::read_dir(&outdir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
                .count()
        })
        .unwrap_or(0);
    assert_eq!(jsons, inputs.len() + 1);
}

#[test]
fn directories_need_recursive_and_stdin_lists_work() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let out = kaitsu()
        .args(["parse", "--format", "ndjson", "--quiet"])
        .arg(&dir)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let records = ndjson(&out.stdout);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["error"]["kind"].as_str(), Some("io"));

    let out = kaitsu()
        .args(["parse", "--format", "ndjson", "--quiet", "--recursive"])
        .arg(&dir)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(0));
    let n = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
    assert_eq!(ndjson(&out.stdout).len(), n);

    let list: String = fixtures()
        .iter()
        .take(3)
        .map(|p| format!("{}\n", p.display()))
        .collect();
    let out = kaitsu()
        .args(["parse", "--format", "ndjson", "--quiet", "-"])
        .write_stdin(list)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ndjson(&out.stdout).len(), 3);
}

#[test]
fn csv_has_a_row_per_user_and_redacts() {
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/rl_ttf_reading_4lines.pdf");
    let out = kaitsu()
        .args(["parse", "--format", "csv", "--excel"])
        .arg(&f)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with('\u{FEFF}'));
    assert!(text.contains("[REDACTED]"));
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
    assert!(reader.records().count() >= 1);
}

#[cfg(unix)]
#[test]
fn non_utf8_names_and_symlink_loops_give_records() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let first = fixtures().into_iter().next().unwrap_or_default();
    let odd = tmp
        .path()
        .join(std::ffi::OsStr::from_bytes(b"notice_\xff\xfe.pdf"));
    let _ = std::fs::copy(&first, &odd);
    let looped = tmp.path().join("loop");
    let _ = std::fs::create_dir_all(&looped);
    let _ = std::os::unix::fs::symlink(&looped, looped.join("again"));
    let out = kaitsu()
        .args(["parse", "--format", "ndjson", "--quiet", "--recursive"])
        .arg(&odd)
        .arg(&looped)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let records = ndjson(&out.stdout);
    assert_eq!(records.len(), 2, "{records:?}");
    // Lossless: bytes that decode neither as UTF-8 nor as Shift_JIS are
    // escaped, never replaced by U+FFFD.
    assert_eq!(
        records[0]["source"].as_str(),
        Some(format!("{}/notice_\\xFF\\xFE.pdf", tmp.path().to_string_lossy()).as_str())
    );
    assert!(records[0]["notice"].is_object() || records[0]["error"].is_object());
    assert_eq!(records[1]["error"]["kind"].as_str(), Some("io"));
}
