//! Every fixture in `fixtures/corpus` (and the shared acceptance corpus when
//! it is beside the checkout) parses to exactly its `expected.json`, and its
//! record and layout text match the reviewed insta snapshots.

use kaitsu::output::{NoticeRecord, Record};
use kaitsu::{ParseOptions, Secret, parse_bytes};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn cases(dir: &Path) -> Vec<(PathBuf, Value)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(PathBuf, Value)> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".expected.json"))
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            let expected: Value = serde_json::from_str(&text).ok()?;
            let name = p
                .file_name()?
                .to_string_lossy()
                .replace(".expected.json", ".pdf");
            Some((p.with_file_name(name), expected))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn options(expected: &Value) -> ParseOptions {
    ParseOptions {
        passwords: expected["pdf_password"]
            .as_str()
            .map(|p| vec![Secret::new(p)])
            .unwrap_or_default(),
        ..ParseOptions::default()
    }
}

/// Parses every case and returns the differences, one line each.
fn check_dir(dir: &Path) -> (usize, Vec<String>) {
    let cases = cases(dir);
    let mut failures = Vec::new();
    for (pdf, expected) in &cases {
        let name = pdf.display();
        let bytes = match std::fs::read(pdf) {
            Ok(b) => b,
            Err(e) => {
                failures.push(format!("{name}: cannot read: {e}"));
                continue;
            }
        };
        let result = parse_bytes(&bytes, &options(expected));
        match (expected["expect_error"].as_str(), result) {
            (Some(kind), Ok(_)) => failures.push(format!("{name}: expected {kind}, got a notice")),
            (Some(kind), Err(e)) if e.kind().as_str() != kind => failures.push(format!(
                "{name}: expected {kind}, got {}",
                e.kind().as_str()
            )),
            (Some(_), Err(_)) => {}
            (None, Err(e)) => failures.push(format!("{name}: {e}")),
            (None, Ok(notice)) => {
                let got =
                    serde_json::to_value(NoticeRecord::new(&notice, true)).unwrap_or(Value::Null);
                if got != expected["notice"] {
                    failures.push(format!(
                        "{name}:\n  expected {}\n  got      {}",
                        expected["notice"], got
                    ));
                }
            }
        }
    }
    (cases.len(), failures)
}

#[test]
fn own_fixtures_are_exact() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus");
    let (count, failures) = check_dir(&dir);
    assert!(count >= 6, "expected fixtures in {}", dir.display());
    assert!(
        failures.is_empty(),
        "{} of {count} fixtures differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn shared_acceptance_corpus_is_exact_when_present() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/visible");
    let (_, failures) = check_dir(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_fixture_gives_one_record_and_no_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus");
    for (pdf, expected) in cases(&dir) {
        let bytes = std::fs::read(&pdf).unwrap_or_default();
        let source = pdf
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let caught = std::panic::catch_unwind(|| {
            let record = match parse_bytes(&bytes, &options(&expected)) {
                Ok(n) => Record::success(source.clone(), &n, false),
                Err(e) => Record::failure(source.clone(), &e),
            };
            assert!(record.notice.is_some() != record.error.is_some());
        });
        assert!(caught.is_ok(), "{} panicked", pdf.display());
    }
}

#[test]
fn snapshots_of_records_and_layout() {
    insta::glob!("../fixtures/corpus", "*.pdf", |path| {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let expected_path = path.with_file_name(name.replace(".pdf", ".expected.json"));
        let expected: Value = std::fs::read_to_string(&expected_path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null);
        let bytes = std::fs::read(path).unwrap_or_default();
        let opts = options(&expected);
        // The record as `kaitsu parse --reveal-secrets --today 2020-01-01`
        // prints it: findings included, the date pinned.
        let today = jiff::civil::date(2020, 1, 1);
        let record = match parse_bytes(&bytes, &opts) {
            Ok(n) => {
                let mut r = Record::success(name.clone(), &n, true);
                r.findings =
                    kaitsu::validate::validate(&n, &kaitsu::validate::Policy::default(), today)
                        .iter()
                        .map(kaitsu::output::FindingRecord::from)
                        .collect();
                r
            }
            Err(e) => Record::failure(name.clone(), &e),
        };
        insta::assert_json_snapshot!("record", record);
        let text = match kaitsu::layout_bytes(&bytes, &opts) {
            Ok(doc) => doc.to_text(),
            Err(e) => format!("error: {}", e.kind().as_str()),
        };
        insta::assert_snapshot!("layout", text);
    });
}

#[test]
fn committed_schema_matches_the_record_type() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/record.schema.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        committed,
        kaitsu::output::record_schema(),
        "schemas/record.schema.json is stale: run `cargo run -- schema > schemas/record.schema.json`"
    );
}

#[test]
fn records_validate_against_their_schema_shape() {
    // Every top-level property of a record is declared in the schema.
    let schema: Value =
        serde_json::from_str(&kaitsu::output::record_schema()).unwrap_or(Value::Null);
    let props = schema["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for key in ["source", "notice", "error", "findings"] {
        assert!(props.contains_key(key), "schema lacks {key}");
    }
}
