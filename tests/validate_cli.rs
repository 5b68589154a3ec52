//! The validation layer end to end: `kaitsu check`, `password-check` and
//! `policy` on the committed fixtures (`fixtures/corpus`), plus the
//! look-alike login host check on a parsed fixture.

use assert_cmd::Command;
use kaitsu::validate::{Policy, validate};
use kaitsu::{ParseOptions, parse_bytes};
use serde_json::Value;
use std::path::PathBuf;

/// A clean notice: expiry 2025-09-01, start 2025-06-27, 追加 rows.
const CLEAN: &str = "rl_ttf_rare_kanji";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/corpus")
        .join(format!("{name}.pdf"))
}

fn expected(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/corpus")
        .join(format!("{name}.expected.json"));
    let text = std::fs::read_to_string(path).expect("expected.json is committed");
    serde_json::from_str(&text).expect("expected.json parses")
}

fn kaitsu() -> Command {
    Command::cargo_bin("kaitsu").expect("the kaitsu binary builds")
}

/// The one record of `--format json` output, which is always an array.
fn only_record(stdout: &[u8]) -> Value {
    let all: Value = serde_json::from_slice(stdout).expect("json");
    let records = all.as_array().expect("--format json is always an array");
    assert_eq!(records.len(), 1, "{all}");
    records[0].clone()
}

/// The codes of a record's findings; a record without a findings array
/// fails (an absent list must not pass as an empty one).
fn codes(record: &Value) -> Vec<String> {
    record["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings array: {record}"))
        .iter()
        .map(|f| {
            f["code"]
                .as_str()
                .unwrap_or_else(|| panic!("a finding without a code: {f}"))
                .to_string()
        })
        .collect()
}

#[test]
fn check_after_expiry_fails_with_password_expired() {
    let out = kaitsu()
        .args(["check", "--today", "2030-01-01"])
        .arg(fixture(CLEAN))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let record: Value = only_record(&out.stdout);
    assert!(codes(&record).contains(&"password_expired".to_string()));
    let f = record["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["code"] == "password_expired"))
        .cloned()
        .expect("a password_expired finding");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["field"], "temporary_password_expiry");
}

#[test]
fn check_well_before_expiry_passes() {
    let out = kaitsu()
        .args(["check", "--today", "2025-06-01"])
        .arg(fixture(CLEAN))
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let record: Value = only_record(&out.stdout);
    assert!(
        codes(&record)
            .iter()
            .all(|c| !c.starts_with("password_") && !c.starts_with("login_"))
    );
}

#[test]
fn check_near_expiry_warns_and_fail_on_warning_fails() {
    let args = ["check", "--today", "2025-08-25", "--format", "ndjson"];
    let out = kaitsu()
        .args(args)
        .arg(fixture(CLEAN))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let record: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(codes(&record).contains(&"password_expiring".to_string()));

    let out = kaitsu()
        .args(args)
        .args(["--fail-on", "warning"])
        .arg(fixture(CLEAN))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));

    let out = kaitsu()
        .args(args)
        .args(["--fail-on", "warning", "--warn-days", "3"])
        .arg(fixture(CLEAN))
        .output()
        .expect("runs");
    let record: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(!codes(&record).contains(&"password_expiring".to_string()));
}

#[test]
fn check_reports_unparseable_files_with_exit_1() {
    let out = kaitsu()
        .args(["check", "--today", "2025-06-01", "--format", "ndjson"])
        .arg(fixture(CLEAN))
        .arg(fixture("err_empty"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["error"]["kind"], "corrupt");
}

#[test]
fn check_never_prints_secrets() {
    let exp = expected(CLEAN);
    let out = kaitsu()
        .args(["check", "--today", "2030-01-01"])
        .arg(fixture(CLEAN))
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    for u in exp["notice"]["users"].as_array().into_iter().flatten() {
        if let Some(pw) = u["temporary_password"].as_str() {
            assert!(!stdout.contains(pw));
        }
    }
}

#[test]
fn check_usage_errors_exit_2() {
    kaitsu()
        .args(["check", "--today", "yesterday"])
        .arg(fixture(CLEAN))
        .assert()
        .code(2);
    let dir = std::env::temp_dir().join(format!("kaitsu-validate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, "warn_days: 3\nallowed_login_hosts: [x]\n").expect("write");
    let out = kaitsu()
        .args(["check", "--policy"])
        .arg(&bad)
        .arg(fixture(CLEAN))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 2, column 1"), "{stderr}");
    kaitsu()
        .args(["policy", "--check"])
        .arg(&bad)
        .assert()
        .code(2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn policy_default_round_trips() {
    let out = kaitsu()
        .args(["policy", "--default"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(Policy::from_yaml(&text).ok(), Some(Policy::default()));
    kaitsu().arg("policy").assert().code(2);
}

#[test]
fn help_documents_exit_status() {
    for cmd in ["check", "password-check", "policy"] {
        let out = kaitsu().args([cmd, "--help"]).output().expect("runs");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Exit status"),
            "{cmd}"
        );
    }
}

#[test]
fn password_check_reads_stdin() {
    kaitsu()
        .args(["password-check", "--user-id", "someone@example.com"])
        .write_stdin("Abcdefgh1#\n")
        .assert()
        .code(0);
    let out = kaitsu()
        .args(["password-check", "--user-id", "someone@example.com"])
        .write_stdin("short pw\n")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for code in [
        "too_short",
        "no_uppercase",
        "no_digit",
        "no_symbol",
        "disallowed_character",
    ] {
        assert!(stdout.contains(code), "{code} in {stdout}");
    }
    assert!(!stdout.contains("short pw"));
    let out = kaitsu()
        .args(["password-check", "--user-id", "someone@example.com"])
        .write_stdin("X1#SomeOne-2025\n")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("contains_user_id"), "{stdout}");
    assert!(!stdout.contains("SomeOne"), "{stdout}");
    kaitsu()
        .args(["password-check", "--user-id", "someone@example.com"])
        .write_stdin("")
        .assert()
        .code(2);
}

#[test]
fn password_check_against_the_notice() {
    let exp = expected(CLEAN);
    let user = &exp["notice"]["users"][0];
    let id = user["user_id"].as_str().expect("user id");
    let temporary = user["temporary_password"].as_str().expect("password");
    let out = kaitsu()
        .args(["password-check", "--user-id", id, "--notice"])
        .arg(fixture(CLEAN))
        .write_stdin(format!("{temporary}\n"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("same_as_temporary"));
    assert!(!stdout.contains(temporary));

    kaitsu()
        .args([
            "password-check",
            "--user-id",
            "nobody@example.com",
            "--notice",
        ])
        .arg(fixture(CLEAN))
        .write_stdin("Abcdefgh1#\n")
        .assert()
        .code(2);
}

#[test]
fn lookalike_login_host_on_a_parsed_fixture() {
    let bytes = std::fs::read(fixture(CLEAN)).expect("fixture");
    let mut notice = parse_bytes(&bytes, &ParseOptions::default()).expect("parses");
    let today = jiff::civil::date(2025, 6, 1);
    let policy = Policy::default();
    assert!(
        validate(&notice, &policy, today)
            .iter()
            .all(|f| !f.code.starts_with("login_"))
    );
    for url in [
        "https://www.auth.iij.jp.example-login.com/console/",
        "https://www.auth.iiij.jp/console/",
        "https://n1000001.my.auth.ij.jp/console/",
        "https://auth.iij.jp@evil.example/",
    ] {
        notice.login_url = Some(url.into());
        let found = validate(&notice, &policy, today);
        assert!(
            found.iter().any(|f| f.code == "login_host_lookalike"),
            "{url}: {found:?}"
        );
    }
}

#[test]
fn check_fails_on_notices_with_look_alike_login_hosts() {
    for name in ["rl_unijis_typo_login_ij", "writer_ipaex_typo_login_iiij"] {
        let out = kaitsu()
            .args(["check", "--today", "2000-01-01"])
            .arg(fixture(name))
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(1), "{name}");
        let record: Value = only_record(&out.stdout);
        assert!(
            codes(&record).contains(&"login_host_lookalike".to_string()),
            "{name}: {record}"
        );
    }
}

/// The glyphs of `CLEAN`'s first page, and where on it the glyphs spelling
/// `text` (spaces aside, one glyph per character) are.
fn clean_glyphs_spelling(text: &str) -> (Vec<kaitsu::pdf::PageContent>, Vec<usize>) {
    let bytes = std::fs::read(fixture(CLEAN)).expect("fixture");
    let doc = kaitsu::pdf::open(&bytes, &[]).expect("opens");
    let pages =
        kaitsu::pdf::extract_pages(&doc, &kaitsu::pdf::Limits::default()).expect("extracts");
    let want: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    let glyphs = &pages[0].glyphs;
    let visible: Vec<usize> = (0..glyphs.len())
        .filter(|&i| !glyphs[i].text.trim().is_empty())
        .collect();
    let at = visible
        .windows(want.len())
        .find(|w| {
            w.iter()
                .zip(&want)
                .all(|(&i, c)| glyphs[i].text.chars().eq(std::iter::once(*c)))
        })
        .map(<[usize]>::to_vec)
        .unwrap_or_else(|| panic!("{CLEAN}: no glyph run spells the value"));
    (pages, at)
}

/// The (code, field) of every finding of the notice the pages hold.
fn findings_of(pages: &[kaitsu::pdf::PageContent]) -> Vec<(String, Option<String>)> {
    let notice = kaitsu::layout::Document::from_pages(pages)
        .and_then(|d| kaitsu::notice::parse(&d))
        .expect("still a notice");
    validate(&notice, &Policy::default(), jiff::civil::date(2025, 6, 1))
        .into_iter()
        .map(|f| (f.code.to_string(), f.field))
        .collect()
}

#[test]
fn doubt_on_a_name_is_a_finding_that_names_it() {
    let name = expected(CLEAN)["notice"]["contractor_name"]
        .as_str()
        .expect("the fixture has a contractor")
        .to_string();
    let (pages, at) = clean_glyphs_spelling(&name);
    let field = Some("contractor_name".to_string());
    let doubts = ["space_doubt", "style_mix", "field_conflict"];
    assert!(
        findings_of(&pages)
            .iter()
            .all(|(code, _)| !doubts.contains(&code.as_str())),
        "the clean notice has no doubt"
    );

    // A gap right on the space threshold (0.12 em) between two touching
    // glyphs in the middle of the name.
    let mut spaced = pages.clone();
    let k = at.len() / 2;
    let size = spaced[0].glyphs[at[k]].size;
    for &i in &at[k..] {
        let g = &mut spaced[0].glyphs[i];
        g.bbox.x0 += 0.12 * size;
        g.bbox.x1 += 0.12 * size;
        g.origin.0 += 0.12 * size;
    }
    let found = findings_of(&spaced);
    assert!(
        found.contains(&("space_doubt".to_string(), field.clone())),
        "{found:?}"
    );
    // Well past the threshold it is a space, without doubt.
    for &i in &at[k..] {
        let g = &mut spaced[0].glyphs[i];
        g.bbox.x0 += 0.2 * size;
        g.bbox.x1 += 0.2 * size;
        g.origin.0 += 0.2 * size;
    }
    assert!(
        !findings_of(&spaced).iter().any(|(c, _)| c == "space_doubt"),
        "a clear space is no doubt"
    );

    // One glyph of another size in front of the name.
    let mut mixed = pages.clone();
    mixed[0].glyphs[at[0]].size *= 1.4;
    let found = findings_of(&mixed);
    assert!(
        found.contains(&("style_mix".to_string(), field.clone())),
        "{found:?}"
    );
}

/// The findings of a committed producer fixture (`fixtures/producers`).
fn producer_findings(name: &str) -> Vec<(String, Option<String>)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/producers")
        .join(format!("{name}.pdf"));
    let bytes = std::fs::read(path).expect("fixture");
    let doc = kaitsu::pdf::open(&bytes, &[]).expect("opens");
    let pages =
        kaitsu::pdf::extract_pages(&doc, &kaitsu::pdf::Limits::default()).expect("extracts");
    findings_of(&pages)
}

/// Names wrapped in a narrow cell: a break that left room for the next
/// glyph was at a space (read with one, no finding); the spaceless name
/// whose first line is full to the cell's edge could have broken at a
/// space, and only that one is flagged.
#[test]
fn a_name_wrapped_on_a_full_line_is_flagged_and_only_that_one() {
    let doubted: Vec<Option<String>> = producer_findings("wp_ipaex_names_wrapped_at_space")
        .into_iter()
        .filter(|(code, _)| code == "wrap_space_doubt")
        .map(|(_, field)| field)
        .collect();
    assert_eq!(doubted, vec![Some("users[2].name".to_string())]);
}
