//! Every fixture in `fixtures/corpus` (and the shared acceptance corpus when
//! it is beside the checkout) parses to exactly its `expected.json`, and its
//! record and layout text match the reviewed insta snapshots.

use kaitsu::output::{NoticeRecord, Record};
use kaitsu::{ParseOptions, Secret, parse_bytes};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Every `NAME.expected.json` of `dir` with its `NAME.pdf`, by name. A
/// missing folder, an unreadable file or a truth that is not JSON fails the
/// test: nothing is skipped silently.
fn cases(dir: &Path) -> Vec<(PathBuf, Value)> {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    let mut out: Vec<(PathBuf, Value)> = entries
        .map(|e| {
            e.unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
                .path()
        })
        .filter(|p| p.to_string_lossy().ends_with(".expected.json"))
        .map(|p| {
            let expected = read_json(&p);
            let name = p.to_string_lossy().replace(".expected.json", ".pdf");
            (PathBuf::from(name), expected)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// A file's bytes; failing names the file.
fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A JSON file; failing names the file.
fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&read(path))
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// A folder of the shared acceptance corpus (`../shared/corpus/NAME`). CI
/// has it beside the checkout, so a missing one fails the test unless
/// `KAITSU_NO_SHARED=1` says it is known to be absent (then the test says
/// it skipped).
fn shared_dir(name: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(name);
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("KAITSU_NO_SHARED").is_some(),
        "{} is missing: put ../shared beside the checkout, or set KAITSU_NO_SHARED=1 to skip",
        dir.display()
    );
    eprintln!("skipped: {} is missing (KAITSU_NO_SHARED)", dir.display());
    None
}

fn options(expected: &Value) -> ParseOptions {
    ParseOptions {
        passwords: expected["pdf_password"]
            .as_str()
            .map(|p| vec![Secret::new(p)])
            .unwrap_or_default(), // no `pdf_password`: the file is not encrypted
        ..ParseOptions::default()
    }
}

/// Parses every case and returns the differences, one line each.
fn check_dir(dir: &Path) -> (usize, Vec<String>) {
    let cases = cases(dir);
    let mut failures = Vec::new();
    for (pdf, expected) in &cases {
        let name = pdf.display();
        let bytes = read(pdf);
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
                let got = serde_json::to_value(NoticeRecord::new(&notice, true))
                    .unwrap_or_else(|e| panic!("{name}: record to JSON: {e}"));
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
fn shared_acceptance_corpus_is_exact() {
    let Some(dir) = shared_dir("visible") else {
        return;
    };
    let (count, failures) = check_dir(&dir);
    assert!(count >= 6, "only {count} cases read from {}", dir.display());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_fixture_gives_one_record_and_no_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus");
    for (pdf, expected) in cases(&dir) {
        let bytes = read(&pdf);
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
        let expected = read_json(&expected_path);
        let bytes = read(path);
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
    let committed = String::from_utf8(read(&path)).expect("the schema is UTF-8");
    assert_eq!(
        committed,
        kaitsu::output::record_schema(),
        "schemas/record.schema.json is stale: run `cargo run -- schema > schemas/record.schema.json`"
    );
}

/// Every record kaitsu makes of a fixture (own corpus, geometry, faults;
/// secrets shown and hidden; findings included) is valid under the
/// committed `schemas/record.schema.json`, read as a consumer reads it.
#[test]
fn every_fixture_record_validates_against_the_committed_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema = read_json(&root.join("schemas/record.schema.json"));
    let validator = jsonschema::validator_for(&schema)
        .unwrap_or_else(|e| panic!("schemas/record.schema.json is not a valid schema: {e}"));
    // The validator must be able to say no.
    for bad in [
        serde_json::json!({"notice": null}),
        serde_json::json!({"source": "x", "findings": [{"code": "no_such_code", "severity": "error", "message": "m"}]}),
        serde_json::json!({"source": "x", "notice": {"users": [{"no": "1"}]}}),
    ] {
        assert!(!validator.is_valid(&bad), "the schema accepts {bad}");
    }
    let today = jiff::civil::date(2020, 1, 1);
    let policy = kaitsu::validate::Policy::default();
    let mut records = 0;
    let mut invalid = Vec::new();
    for dir in [
        "fixtures/corpus",
        "fixtures/geometry",
        "fixtures/faults",
        "fixtures/producers",
    ] {
        for (pdf, expected) in cases(&root.join(dir)) {
            let bytes = read(&pdf);
            let result = parse_bytes(&bytes, &options(&expected));
            for reveal in [false, true] {
                let record = match &result {
                    Ok(n) => {
                        let mut r = Record::success(pdf.display().to_string(), n, reveal);
                        r.findings = kaitsu::validate::validate(n, &policy, today)
                            .iter()
                            .map(kaitsu::output::FindingRecord::from)
                            .collect();
                        r
                    }
                    Err(e) => Record::failure(pdf.display().to_string(), e),
                };
                let json = serde_json::to_value(&record)
                    .unwrap_or_else(|e| panic!("{}: record to JSON: {e}", pdf.display()));
                records += 1;
                for error in validator.iter_errors(&json) {
                    invalid.push(format!(
                        "{}: {} at {}",
                        pdf.display(),
                        error,
                        error.instance_path()
                    ));
                }
            }
        }
    }
    assert!(records > 400, "only {records} records checked");
    assert!(invalid.is_empty(), "{}", invalid.join("\n"));
}

/// Geometry fixtures the parser does not read yet, with why. The test
/// below fails when one of them starts to pass: move it out of this list.
const GEOMETRY_GAPS: &[(&str, &str)] = &[];

#[test]
fn geometry_fixtures_are_exact() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/geometry");
    let (count, failures) = check_dir(&dir);
    assert!(count >= 30, "expected fixtures in {}", dir.display());
    let is_gap = |f: &String| GEOMETRY_GAPS.iter().any(|(name, _)| f.contains(name));
    let unexpected: Vec<&String> = failures.iter().filter(|f| !is_gap(f)).collect();
    assert!(
        unexpected.is_empty(),
        "{} of {count} geometry fixtures differ:\n{}",
        unexpected.len(),
        unexpected
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    for (name, why) in GEOMETRY_GAPS {
        assert!(
            failures.iter().any(|f| f.contains(name)),
            "{name} now parses exactly ({why} is fixed): remove it from GEOMETRY_GAPS"
        );
    }
}

/// The producer fixtures (`fixtures/producers`, written by
/// `fixtures/producers.py`: WeasyPrint, LuaLaTeX, upLaTeX + dvipdfmx) parse
/// exactly. About a second in release.
#[test]
fn producer_fixtures_are_exact() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/producers");
    let (count, failures) = check_dir(&dir);
    assert!(count >= 17, "expected fixtures in {}", dir.display());
    assert!(
        failures.is_empty(),
        "{} of {count} producer fixtures differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn shared_geometry_corpus_is_exact() {
    let Some(dir) = shared_dir("geometry") else {
        return;
    };
    let (count, failures) = check_dir(&dir);
    assert!(count >= 3, "no cases read from {}", dir.display());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The text a value shows, for comparing with glyphs: every character but
/// spaces (dates, numbers and booleans are normalised, so only their
/// presence is checked).
fn value_chars(path: &str, v: &Value) -> Option<Vec<char>> {
    let normalised = path.ends_with("date") || path.ends_with("expiry");
    v.as_str()
        .filter(|_| !normalised)
        .map(|s| s.chars().filter(|c| !c.is_whitespace()).collect())
}

fn value_at<'v>(notice: &'v Value, path: &str) -> Option<&'v Value> {
    let mut cur = notice;
    for part in path.split('.') {
        match part.split_once('[') {
            Some((key, idx)) => {
                let i: usize = idx.trim_end_matches(']').parse().ok()?;
                cur = cur.get(key)?.get(i)?;
            }
            None => cur = cur.get(part)?,
        }
    }
    Some(cur)
}

#[test]
fn every_value_box_holds_the_value_glyphs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    let mut failures = Vec::new();
    for dir in ["fixtures/corpus", "fixtures/geometry", "fixtures/producers"] {
        for (pdf, expected) in cases(&root.join(dir)) {
            if !expected["expect_error"].is_null() {
                continue;
            }
            let bytes = read(&pdf);
            let opts = options(&expected);
            let (Ok(notice), Ok(doc)) = (
                parse_bytes(&bytes, &opts),
                kaitsu::layout_bytes(&bytes, &opts),
            ) else {
                failures.push(format!("{}: does not parse", pdf.display()));
                continue;
            };
            let record = Record::success("x", &notice, true);
            let notice_json = serde_json::to_value(&record.notice)
                .unwrap_or_else(|e| panic!("{}: record to JSON: {e}", pdf.display()));
            for (path, at) in &record.provenance {
                let Some(value) = value_at(&notice_json, path) else {
                    failures.push(format!("{}: {path} has a box but no value", pdf.display()));
                    continue;
                };
                let [x0, y0, x1, y1] = at.bbox;
                let slack = 1.0;

                // The glyphs whose centre lies in the box, in user space,
                // joined and normalised as values are (half-width kana and
                // their sound marks compose).
                // Provenance names the PDF page (sheet); a sheet of two
                // columns is two pages of the layout.
                let glyphs_in = |page: u32, bbox: Option<[f64; 4]>| -> Vec<char> {
                    let text: String = doc
                        .pages
                        .iter()
                        .filter(|p| p.sheet == page)
                        .flat_map(|p| {
                            p.lines.iter().flat_map(|l| l.chars()).filter(move |c| {
                                let Some([x0, y0, x1, y1]) = bbox else {
                                    return true;
                                };
                                let (cx, cy) = p.to_user.apply_rect(&c.bbox()).center();
                                cx >= x0 - slack
                                    && cx <= x1 + slack
                                    && cy >= y0 - slack
                                    && cy <= y1 + slack
                            })
                        })
                        .map(|c| c.text.as_str())
                        .collect();
                    // A password is read as a person types it.
                    let text = kaitsu::notice::normalize(&text);
                    let text = if path.ends_with("password") {
                        kaitsu::notice::password_text(text)
                    } else {
                        text
                    };
                    text.chars().filter(|c| !c.is_whitespace()).collect()
                };
                let mut inside = glyphs_in(at.page, Some([x0, y0, x1, y1]));
                // A cell cut by a page break is boxed where it starts; its
                // rest is on the next page.
                let next_page = glyphs_in(at.page + 1, None);
                checked += 1;
                let missing: Vec<char> = match value_chars(path, value) {
                    Some(want) => {
                        let mut pool = std::mem::take(&mut inside);
                        let in_box = pool.len();
                        pool.extend(next_page);
                        inside = pool[..in_box].to_vec();
                        want.into_iter()
                            .filter(|c| match pool.iter().position(|p| p == c) {
                                Some(i) => {
                                    pool.swap_remove(i);
                                    false
                                }
                                None => true,
                            })
                            .collect()
                    }
                    None => Vec::new(),
                };
                if inside.is_empty() || !missing.is_empty() {
                    failures.push(format!(
                        "{}: {path}: {} glyph(s) in its box, {} of the value's characters missing",
                        pdf.display(),
                        inside.len(),
                        missing.len()
                    ));
                }
            }
        }
    }
    assert!(checked > 1000, "only {checked} boxes checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every secret of a notice, from its truth: temporary passwords, their
/// readings, the DNS auth password.
fn secrets_of(expected: &Value) -> Vec<String> {
    let n = &expected["notice"];
    let mut out: Vec<String> = n["users"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|u| [&u["temporary_password"], &u["password_reading"]])
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    out.extend(n["dns"]["auth_password"].as_str().map(str::to_string));
    out
}

#[test]
fn layout_text_masked_by_position_shows_no_secret() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    let mut leaks = Vec::new();
    for dir in ["fixtures/corpus", "fixtures/geometry", "fixtures/producers"] {
        for (pdf, expected) in cases(&root.join(dir)) {
            if !expected["expect_error"].is_null() {
                continue;
            }
            let bytes = read(&pdf);
            let Ok(doc) = kaitsu::layout_bytes(&bytes, &options(&expected)) else {
                leaks.push(format!("{}: does not lay out", pdf.display()));
                continue;
            };
            let Some(regions) = kaitsu::notice::secret_regions(&doc) else {
                leaks.push(format!("{}: no secret regions", pdf.display()));
                continue;
            };
            let text: String = doc
                .to_text_masked(&regions, "[REDACTED]")
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            for secret in secrets_of(&expected) {
                checked += 1;
                // No run of 6 characters of a secret may show.
                if shows(&text, &secret) {
                    leaks.push(format!("{}: a secret shows", pdf.display()));
                }
            }
        }
    }
    assert!(checked > 500, "only {checked} secrets checked");
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
}

/// Whether `text` shows a run of 6 characters (or the whole, if shorter)
/// of `secret`, spaces ignored.
fn shows(text: &str, secret: &str) -> bool {
    let secret: Vec<char> = secret.chars().filter(|c| !c.is_whitespace()).collect();
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let window = secret.len().min(6);
    window > 0
        && secret
            .windows(window)
            .any(|w| text.contains(&w.iter().collect::<String>()))
}

#[test]
fn perturbed_notices_leak_no_secret_in_records_or_layout_text() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    let mut leaks = Vec::new();
    for (pdf, expected) in cases(&root.join("fixtures/faults")) {
        let bytes = read(&pdf);
        let opts = options(&expected);
        let record = match parse_bytes(&bytes, &opts) {
            Ok(n) => Record::success("x", &n, false),
            Err(e) => Record::failure("x", &e),
        };
        let json = serde_json::to_string(&record)
            .unwrap_or_else(|e| panic!("{}: record to JSON: {e}", pdf.display()));
        // A file that does not lay out has no text to leak; one that does
        // must have secret regions.
        let text = match kaitsu::layout_bytes(&bytes, &opts) {
            Ok(doc) => {
                let Some(regions) = kaitsu::notice::secret_regions(&doc) else {
                    leaks.push(format!("{}: no secret regions", pdf.display()));
                    continue;
                };
                doc.to_text_masked(&regions, "[REDACTED]")
            }
            Err(_) => String::new(),
        };
        for secret in secrets_of(&expected) {
            checked += 1;
            if shows(&json, &secret) {
                leaks.push(format!("{}: a secret shows in the record", pdf.display()));
            }
            if shows(&text, &secret) {
                leaks.push(format!(
                    "{}: a secret shows in the layout text",
                    pdf.display()
                ));
            }
        }
    }
    assert!(checked > 300, "only {checked} secrets checked");
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
}

#[test]
fn geometry_layout_snapshots() {
    // The page as a person reads it: turned pages upright, form fields and
    // stamps in place, watermarks and seals out, columns as cells.
    insta::glob!("../fixtures/geometry", "*.pdf", |path| {
        let expected_path = path.with_extension("expected.json");
        let expected = read_json(&expected_path);
        let bytes = read(path);
        let text = match kaitsu::layout_bytes(&bytes, &options(&expected)) {
            Ok(doc) => doc.to_text(),
            Err(e) => format!("error: {}", e.kind().as_str()),
        };
        insta::assert_snapshot!("geometry_layout", text);
    });
}
