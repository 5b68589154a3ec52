//! "PPAP" archives through the CLI: ZipCrypto and AES members, Shift_JIS
//! member names, passwords from every source, and bounded expansion. The
//! fixtures are made by `fixtures/zip/make_zips.py` (committed output).

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

const ZIPCRYPTO_PASSWORD: &str = "PPAP-2024";
const AES_PASSWORD: &str = "開通pw2025";

fn zip(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/zip")
        .join(name)
}

fn kaitsu() -> Command {
    let mut c = Command::cargo_bin("kaitsu").unwrap_or_else(|e| panic!("binary: {e}"));
    c.timeout(std::time::Duration::from_secs(60));
    c
}

fn records(args: &[&str], inputs: &[PathBuf], env_password: Option<&str>) -> Vec<Value> {
    let mut c = kaitsu();
    c.args(["parse", "--format", "ndjson", "-q"])
        .args(args)
        .args(inputs);
    c.env_remove("KAITSU_PASSWORD");
    if let Some(pw) = env_password {
        c.env("KAITSU_PASSWORD", pw);
    }
    let out = c.output().unwrap_or_else(|e| panic!("{e}"));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or(Value::Null))
        .collect()
}

#[test]
fn zipcrypto_member_with_a_shift_jis_name_is_one_record() {
    let archive = zip("ppap_zipcrypto_sjis.zip");
    let without = records(&[], std::slice::from_ref(&archive), None);
    assert_eq!(without.len(), 1, "readme.txt is not an input: {without:?}");
    assert_eq!(without[0]["error"]["kind"], "encrypted");
    let with = records(
        &["--password", ZIPCRYPTO_PASSWORD],
        std::slice::from_ref(&archive),
        None,
    );
    assert_eq!(
        with[0]["source"].as_str(),
        Some(format!("{}!/開通のご案内_N2300.pdf", archive.display()).as_str())
    );
    assert!(with[0]["notice"].is_object(), "{:?}", with[0]);
}

#[test]
fn aes_members_open_with_the_password_from_the_environment_or_a_passwords_file() {
    let archive = zip("ppap_aes256.zip");
    let from_env = records(&[], std::slice::from_ref(&archive), Some(AES_PASSWORD));
    assert_eq!(from_env.len(), 2);
    assert!(
        from_env.iter().all(|r| r["notice"].is_object()),
        "{from_env:?}"
    );
    assert!(
        from_env[1]["source"]
            .as_str()
            .is_some_and(|s| s.ends_with("ppap_aes256.zip!/通知/二通目.pdf"))
    );
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let map = dir.path().join("pw.yaml");
    std::fs::write(&map, format!("\"ppap_*.zip\": \"{AES_PASSWORD}\"\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    let from_map = records(
        &["--passwords", &map.to_string_lossy()],
        std::slice::from_ref(&archive),
        None,
    );
    assert_eq!(from_map, from_env);
    let wrong = records(&["--password", "nope"], &[archive], None);
    assert!(wrong.iter().all(|r| r["error"]["kind"] == "encrypted"));
}

#[test]
fn archives_under_r_and_odd_names_and_bombs() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for name in ["plain_odd_name.zip", "bomb.zip"] {
        std::fs::copy(zip(name), dir.path().join(name)).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(dir.path().join("broken.zip"), b"PK\x03\x04 not really")
        .unwrap_or_else(|e| panic!("{e}"));
    let found = records(&["-r"], &[dir.path().to_path_buf()], None);
    assert_eq!(found.len(), 3, "{found:?}");
    // Sorted: bomb, broken, plain_odd_name.
    assert_eq!(
        found[0]["error"]["kind"], "limit_exceeded",
        "{:?}",
        found[0]
    );
    assert_eq!(found[1]["error"]["kind"], "corrupt", "{:?}", found[1]);
    assert!(
        found[2]["source"]
            .as_str()
            .is_some_and(|s| s.ends_with("plain_odd_name.zip!/odd_\\xFF\\xFE.pdf")),
        "{:?}",
        found[2]
    );
    assert!(found[2]["notice"].is_object());
}
