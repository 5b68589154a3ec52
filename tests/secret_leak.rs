//! No secret reaches the user without `--reveal-secrets`.
//!
//! Every CLI command but `render` (whose output is an image) runs on every
//! fixture, the committed ones (`fixtures/corpus`) and the perturbed ones
//! (`fixtures/faults`, where a misparse is likely), without
//! `--reveal-secrets`, in every format (json, ndjson, yaml, csv, xlsx, and
//! the files `--output-dir` writes), and stdout, stderr and every file
//! written are searched for each fixture's secrets (from its
//! `expected.json`): temporary passwords, password readings, the DNS auth
//! password and the PDF password. Not only whole: no run of
//! [`MIN_SECRET_CHARS`] characters of one may show (spaces ignored), nor
//! three consecutive words of a reading. Then the library: error messages
//! and `Debug` output never show a secret either.

use assert_cmd::Command;
use kaitsu::{ParseOptions, Secret};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Secrets shorter than this are skipped: a 4-character password such as
/// `abcd` could appear in other text of a notice (a domain, a name) and
/// make the search meaningless. Every fixture secret is longer today. It is
/// also the length of the runs of a secret searched for.
const MIN_SECRET_CHARS: usize = 6;

/// The fixture folders searched: the committed notices and their
/// perturbed versions.
const FIXTURE_DIRS: &[&str] = &["fixtures/corpus", "fixtures/faults"];

struct Fixture {
    /// A perturbed notice (`fixtures/faults`).
    perturbed: bool,
    pdf: PathBuf,
    name: String,
    pdf_password: Option<String>,
    secrets: Vec<String>,
}

/// Every fixture of [`FIXTURE_DIRS`] with its secrets.
fn fixtures() -> Vec<Fixture> {
    let mut out = Vec::new();
    let mut paths: Vec<PathBuf> = Vec::new();
    for dir in FIXTURE_DIRS {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let before = paths.len();
        paths.extend(
            std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
                .map(|e| e.expect("a directory entry").path())
                .filter(|p| p.extension().is_some_and(|e| e == "pdf")),
        );
        assert!(
            paths.len() - before > 20,
            "few fixtures in {}",
            dir.display()
        );
    }
    paths.sort();
    for pdf in paths {
        let name = pdf
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let expected = pdf.with_extension("expected.json");
        let text = std::fs::read_to_string(&expected)
            .unwrap_or_else(|e| panic!("{}: {e}", expected.display()));
        let json: Value = serde_json::from_str(&text).expect("expected.json");
        let pdf_password = json["pdf_password"].as_str().map(str::to_owned);
        let mut secrets: Vec<String> = pdf_password.iter().cloned().collect();
        let notice = &json["notice"];
        for user in notice["users"].as_array().into_iter().flatten() {
            for key in ["temporary_password", "password_reading"] {
                if let Some(s) = user[key].as_str() {
                    secrets.push(s.to_owned());
                }
            }
        }
        if let Some(s) = notice["dns"]["auth_password"].as_str() {
            secrets.push(s.to_owned());
        }
        secrets.retain(|s| s.chars().count() >= MIN_SECRET_CHARS);
        secrets.sort();
        secrets.dedup();
        out.push(Fixture {
            perturbed: pdf.parent().is_some_and(|d| d.ends_with("faults")),
            pdf,
            name,
            pdf_password,
            secrets,
        });
    }
    out
}

/// The pieces of every secret that must not show, each with the fixture it
/// comes from: every run of [`MIN_SECRET_CHARS`] characters (spaces
/// removed), and every three consecutive words of a reading (which give
/// away three characters of the password) shorter than that. A run that is
/// part of kaitsu's own vocabulary (the record's JSON Schema and the
/// commands' help: `password` and `--password` of a made-up PDF password
/// such as `not-the-password`) is not searched: it shows in every output and
/// says nothing of the secret. Searched by
/// sliding a window of each piece length over the output: linear in the
/// output, whatever the number of secrets.
struct Secrets<'f> {
    pieces: HashMap<String, &'f str>,
    lengths: BTreeSet<usize>,
}

/// Every secret of every fixture.
fn all_secrets(fixtures: &[Fixture]) -> Secrets<'_> {
    let mut vocabulary = kaitsu::output::record_schema();
    for command in ["parse", "check", "text", "password-check"] {
        vocabulary.push_str(&run(&[command.to_string(), "--help".into()], None, None).0);
    }
    let vocabulary: String = vocabulary.chars().filter(|c| !c.is_whitespace()).collect();
    let mut pieces = HashMap::new();
    for f in fixtures {
        for secret in &f.secrets {
            let chars: Vec<char> = secret.chars().filter(|c| !c.is_whitespace()).collect();
            for w in chars.windows(MIN_SECRET_CHARS.min(chars.len())) {
                pieces.insert(w.iter().collect::<String>(), f.name.as_str());
            }
            let words: Vec<&str> = secret.split('・').collect();
            for w in words.windows(3) {
                let piece = w.join("・");
                if piece.chars().count() < MIN_SECRET_CHARS {
                    pieces.insert(piece, f.name.as_str());
                }
            }
        }
    }
    pieces.retain(|p, _| !vocabulary.contains(p.as_str()));
    let lengths = pieces.keys().map(|p| p.chars().count()).collect();
    Secrets { pieces, lengths }
}

/// Fails naming the secret's fixture and where it showed, never the secret
/// itself (a failing CI log must not leak it either). JSON output is also
/// searched with its strings unescaped, and XML with its entities decoded,
/// so a secret holding `"` or `&` cannot hide behind its escaping.
fn assert_clean(what: &str, text: &str, secrets: &Secrets<'_>) {
    assert!(!secrets.pieces.is_empty(), "{what}: no secrets to look for");
    let mut haystack: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    haystack.extend(json_strings(text).chars().filter(|c| !c.is_whitespace()));
    let bounds: Vec<usize> = haystack
        .char_indices()
        .map(|(i, _)| i)
        .chain([haystack.len()])
        .collect();
    for &len in &secrets.lengths {
        for w in bounds.windows(len + 1) {
            let (Some(&from), Some(&to)) = (w.first(), w.last()) else {
                continue;
            };
            if let Some(fixture) = haystack.get(from..to).and_then(|p| secrets.pieces.get(p)) {
                panic!(
                    "{what}: {len} characters of a secret of fixture {fixture} appear in the output"
                );
            }
        }
    }
}

/// The string values of a JSON document or of JSON lines, unescaped, one
/// a line; empty for text that is not JSON.
fn json_strings(text: &str) -> String {
    fn collect(v: &Value, out: &mut String) {
        match v {
            Value::String(s) => {
                out.push_str(s);
                out.push('\n');
            }
            Value::Array(a) => a.iter().for_each(|v| collect(v, out)),
            Value::Object(o) => o.iter().for_each(|(k, v)| {
                out.push_str(k);
                out.push('\n');
                collect(v, out);
            }),
            _ => {}
        }
    }
    let mut out = String::new();
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        collect(&v, &mut out);
    } else {
        for v in text
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        {
            collect(&v, &mut out);
        }
    }
    out
}

/// XML text with its five predefined entities decoded.
fn xml_unescaped(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Every fixture's PDF password, as `--password` arguments.
fn password_args(fixtures: &[Fixture]) -> Vec<String> {
    let mut pws: Vec<&str> = fixtures
        .iter()
        .filter_map(|f| f.pdf_password.as_deref())
        .collect();
    pws.sort();
    pws.dedup();
    pws.iter()
        .flat_map(|p| ["--password".to_string(), (*p).to_string()])
        .collect()
}

fn run(args: &[String], stdin: Option<&str>, env_password: Option<&str>) -> (String, String) {
    let mut cmd = Command::cargo_bin("kaitsu").expect("kaitsu binary");
    cmd.args(args).env_remove("KAITSU_PASSWORD");
    if let Some(pw) = env_password {
        cmd.env("KAITSU_PASSWORD", pw);
    }
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let out = cmd.output().expect("run kaitsu");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn pdf_args(fixtures: &[Fixture]) -> Vec<String> {
    fixtures
        .iter()
        .map(|f| f.pdf.to_string_lossy().into_owned())
        .collect()
}

#[test]
fn parse_in_every_format_shows_no_secret() {
    let fixtures = fixtures();
    let secrets = all_secrets(&fixtures);
    for format in ["json", "ndjson", "yaml", "csv"] {
        let mut args: Vec<String> = vec!["parse".into(), "--format".into(), format.into()];
        args.extend(password_args(&fixtures));
        args.extend(pdf_args(&fixtures));
        let (stdout, stderr) = run(&args, None, None);
        // The run must have decoded the notices, or the test proves nothing.
        assert!(
            stdout.contains("[REDACTED]"),
            "parse --format {format} printed no redacted field"
        );
        assert_clean(
            &format!("parse --format {format}: stdout"),
            &stdout,
            &secrets,
        );
        assert_clean(
            &format!("parse --format {format}: stderr"),
            &stderr,
            &secrets,
        );
    }
    // xlsx: a zip of XML parts, each searched with its entities decoded.
    let dir = tempfile::tempdir().expect("tempdir");
    let book = dir.path().join("records.xlsx");
    let mut args: Vec<String> = vec![
        "parse".into(),
        "--format".into(),
        "xlsx".into(),
        "-o".into(),
        book.to_string_lossy().into_owned(),
    ];
    args.extend(password_args(&fixtures));
    args.extend(pdf_args(&fixtures));
    let (stdout, stderr) = run(&args, None, None);
    assert_clean("parse --format xlsx: stdout", &stdout, &secrets);
    assert_clean("parse --format xlsx: stderr", &stderr, &secrets);
    let file = std::fs::File::open(&book).expect("the workbook is written");
    let mut zip = zip::ZipArchive::new(file).expect("an xlsx file is a zip");
    let mut redacted = false;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).expect("a part of the workbook");
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut part, &mut bytes).expect("the part unzips");
        let text = xml_unescaped(&String::from_utf8_lossy(&bytes));
        redacted |= text.contains("[REDACTED]");
        assert_clean(&format!("parse --format xlsx: part {i}"), &text, &secrets);
    }
    assert!(redacted, "the workbook holds no redacted cell");
    // The password from the environment, and with --excel.
    for f in fixtures.iter().filter(|f| f.pdf_password.is_some()) {
        let args = vec![
            "parse".to_string(),
            "--format".into(),
            "csv".into(),
            "--excel".into(),
            f.pdf.to_string_lossy().into_owned(),
        ];
        let (stdout, stderr) = run(&args, None, f.pdf_password.as_deref());
        assert_clean("parse with KAITSU_PASSWORD: stdout", &stdout, &secrets);
        assert_clean("parse with KAITSU_PASSWORD: stderr", &stderr, &secrets);
    }
}

#[test]
fn parse_output_dir_files_show_no_secret() {
    let fixtures = fixtures();
    let secrets = all_secrets(&fixtures);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut args: Vec<String> = vec![
        "parse".into(),
        "--format".into(),
        "ndjson".into(),
        "--output-dir".into(),
        dir.path().to_string_lossy().into_owned(),
    ];
    args.extend(password_args(&fixtures));
    args.extend(pdf_args(&fixtures));
    let (stdout, stderr) = run(&args, None, None);
    assert_clean("parse --output-dir: stdout", &stdout, &secrets);
    assert_clean("parse --output-dir: stderr", &stderr, &secrets);
    let mut files = 0;
    for entry in walk(dir.path()) {
        let bytes = std::fs::read(&entry).expect("read output file");
        let text = String::from_utf8_lossy(&bytes);
        assert_clean(
            &format!("parse --output-dir: file {}", entry.display()),
            &text,
            &secrets,
        );
        files += 1;
    }
    assert!(files > fixtures.len(), "only {files} files written");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn text_and_check_show_no_secret() {
    let fixtures = fixtures();
    let secrets = all_secrets(&fixtures);
    for f in &fixtures {
        let mut args = vec!["text".to_string()];
        if let Some(pw) = &f.pdf_password {
            args.extend(["--password".to_string(), pw.clone()]);
        }
        args.push(f.pdf.to_string_lossy().into_owned());
        let (stdout, stderr) = run(&args, None, None);
        assert_clean(&format!("text {}: stdout", f.name), &stdout, &secrets);
        assert_clean(&format!("text {}: stderr", f.name), &stderr, &secrets);
    }
    for format in ["json", "ndjson"] {
        let mut args: Vec<String> = vec![
            "check".into(),
            "--today".into(),
            "2024-01-01".into(),
            "--format".into(),
            format.into(),
        ];
        args.extend(password_args(&fixtures));
        args.extend(pdf_args(&fixtures));
        let (stdout, stderr) = run(&args, None, None);
        assert!(!stdout.is_empty(), "check printed nothing");
        assert_clean(
            &format!("check --format {format}: stdout"),
            &stdout,
            &secrets,
        );
        assert_clean(
            &format!("check --format {format}: stderr"),
            &stderr,
            &secrets,
        );
    }
}

#[test]
fn password_check_shows_no_secret() {
    let fixtures = fixtures();
    let secrets = all_secrets(&fixtures);
    let mut checked = 0;
    // The committed notices (the candidate is checked against the notice's
    // own temporary password; perturbed layouts add nothing to that).
    for f in fixtures.iter().filter(|f| !f.perturbed) {
        let text =
            std::fs::read_to_string(f.pdf.with_extension("expected.json")).expect("expected.json");
        let json: Value = serde_json::from_str(&text).expect("expected.json");
        let Some(user) = json["notice"]["users"].as_array().and_then(|u| u.first()) else {
            continue;
        };
        let (Some(user_id), Some(temporary)) = (
            user["user_id"].as_str(),
            user["temporary_password"].as_str(),
        ) else {
            continue;
        };
        let mut args = vec![
            "password-check".to_string(),
            "--user-id".into(),
            user_id.into(),
            "--notice".into(),
            f.pdf.to_string_lossy().into_owned(),
        ];
        if let Some(pw) = &f.pdf_password {
            args.extend(["--password".to_string(), pw.clone()]);
        }
        // A weak candidate, and the temporary password itself (which the
        // rules reject as unchanged, without quoting it).
        for candidate in ["abc\n", &format!("{temporary}\n")] {
            let (stdout, stderr) = run(&args, Some(candidate), None);
            assert!(
                !stdout.is_empty() || !stderr.is_empty(),
                "password-check printed nothing"
            );
            assert_clean(
                &format!("password-check {}: stdout", f.name),
                &stdout,
                &secrets,
            );
            assert_clean(
                &format!("password-check {}: stderr", f.name),
                &stderr,
                &secrets,
            );
        }
        // An unknown user: the error must not list the notice's passwords.
        let mut unknown = args.clone();
        unknown[2] = "nobody@example.invalid".into();
        let (stdout, stderr) = run(&unknown, Some("Str0ng-Candidate!\n"), None);
        assert_clean("password-check unknown user: stdout", &stdout, &secrets);
        assert_clean("password-check unknown user: stderr", &stderr, &secrets);
        checked += 1;
    }
    assert!(checked > 10, "only {checked} fixtures had a user");
}

fn options(fixture: &Fixture) -> ParseOptions {
    ParseOptions {
        passwords: fixture.pdf_password.iter().map(Secret::new).collect(),
        ..ParseOptions::default()
    }
}

#[test]
fn debug_of_a_notice_shows_no_secret() {
    let fixtures = fixtures();
    let secrets = all_secrets(&fixtures);
    let mut notices = 0;
    for f in &fixtures {
        let bytes = std::fs::read(&f.pdf).expect("fixture");
        match kaitsu::parse_bytes(&bytes, &options(f)) {
            Ok(notice) => {
                notices += 1;
                assert_clean(
                    &format!("{}: Notice Debug", f.name),
                    &format!("{notice:?}"),
                    &secrets,
                );
                assert_clean(
                    &format!("{}: Notice pretty Debug", f.name),
                    &format!("{notice:#?}"),
                    &secrets,
                );
            }
            Err(e) => {
                assert_clean(
                    &format!("{}: error Display", f.name),
                    &e.to_string(),
                    &secrets,
                );
                assert_clean(
                    &format!("{}: error Debug", f.name),
                    &format!("{e:?}"),
                    &secrets,
                );
            }
        }
        let opts = options(f);
        assert_eq!(
            format!("{:?}", opts.passwords.first()).contains("REDACTED"),
            f.pdf_password.is_some()
        );
        assert_clean(
            &format!("{}: ParseOptions Debug", f.name),
            &format!("{opts:?}"),
            &secrets,
        );
    }
    assert!(notices > 20, "only {notices} notices parsed");
}

/// Errors from every layer, provoked on files full of secrets, never quote
/// a cell: truncated files, tight limits, and notices whose top part (title
/// and labels) is cut away so the notice parser fails after it has seen the
/// user table.
#[test]
fn error_messages_never_quote_a_password_cell() {
    let fixtures = fixtures();
    let secrets = all_secrets(&fixtures);
    let mut errors = 0;
    // The committed notices: cutting them up provokes every error kind;
    // their perturbed versions would only repeat it, at twice the time.
    for f in fixtures
        .iter()
        .filter(|f| !f.secrets.is_empty() && !f.perturbed)
    {
        let bytes = std::fs::read(&f.pdf).expect("fixture");
        let mut check = |what: &str, result: Result<kaitsu::Notice, kaitsu::Error>| {
            if let Err(e) = result {
                errors += 1;
                assert_clean(
                    &format!("{}: {what}: Display", f.name),
                    &e.to_string(),
                    &secrets,
                );
                assert_clean(
                    &format!("{}: {what}: Debug", f.name),
                    &format!("{e:?}"),
                    &secrets,
                );
            }
        };
        for cut in [bytes.len() / 3, bytes.len() / 2, bytes.len() * 9 / 10] {
            check("truncated", kaitsu::parse_bytes(&bytes[..cut], &options(f)));
        }
        let mut tight = options(f);
        tight.limits.max_glyphs_per_page = 50;
        check("glyph limit", kaitsu::parse_bytes(&bytes, &tight));
        let mut tight = options(f);
        tight.limits.max_operators_per_page = 100;
        check("operator limit", kaitsu::parse_bytes(&bytes, &tight));

        let Ok(doc) = kaitsu::pdf::open(&bytes, &options(f).passwords) else {
            continue;
        };
        let Ok(pages) = kaitsu::pdf::extract_pages(&doc, &kaitsu::pdf::Limits::default()) else {
            continue;
        };
        for share in [0.1, 0.25, 0.4, 0.5, 0.6] {
            let mut cut = pages.clone();
            for page in &mut cut {
                let top = page.height * share;
                page.glyphs.retain(|g| g.origin.1 > top);
            }
            let result =
                kaitsu::layout::Document::from_pages(&cut).and_then(|d| kaitsu::notice::parse(&d));
            check(&format!("top {share} cut away"), result);
        }
        // Only the lines that hold a secret: no labels at all.
        let mut only_secrets = pages.clone();
        for page in &mut only_secrets {
            page.glyphs.retain(|g| {
                f.secrets
                    .iter()
                    .any(|s| s.contains(g.text.as_str()) && !g.text.trim().is_empty())
            });
        }
        let result = kaitsu::layout::Document::from_pages(&only_secrets)
            .and_then(|d| kaitsu::notice::parse(&d));
        check("only secret glyphs", result);
    }
    assert!(errors > 50, "only {errors} errors provoked");
}

/// The search must be able to fail: a run of 6 characters of a secret, a
/// JSON-escaped one and three short words of a reading are found; a run of
/// 5 is not.
#[test]
fn the_search_finds_pieces_of_a_secret() {
    let fixture = |secret: &str| Fixture {
        perturbed: false,
        pdf: PathBuf::new(),
        name: "made_up".into(),
        pdf_password: None,
        secrets: vec![secret.to_string()],
    };
    let fixtures = [fixture("Qx7\"kP2mZ"), fixture("ニ・ゴ・ク・サン")];
    let secrets = all_secrets(&fixtures);
    let leaks = |text: &str| {
        std::panic::catch_unwind(|| assert_clean("self-test", text, &secrets)).is_err()
    };
    assert!(leaks("name: x7\"kP2 m"));
    assert!(leaks(r#"{"name": "7\"kP2m"}"#));
    assert!(leaks("reading ゴ・ク・サン"));
    assert!(leaks("ニ・ゴ・ク"));
    assert!(!leaks("x7\"kP and ニ・ゴ"));
}
