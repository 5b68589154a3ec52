//! Snapshot-testing your own notices with kaitsu and insta.
//!
//! Copy the test below into your crate's `tests/` (with `kaitsu` and
//! `insta = { version = "1", features = ["json", "glob"] }` as
//! dependencies), point the glob at your sample PDFs, run `cargo insta
//! test`, and review every new snapshot (`cargo insta review`) before you
//! accept it: a snapshot is an expected answer you checked, not a record of
//! whatever the code printed.
//!
//! Here the samples are this repository's `samples/*.pdf`:
//!
//! ```sh
//! cargo test --example snapshot_test
//! ```
//!
//! Two things keep such snapshots stable: a pinned `today` (expiry
//! findings depend on it) and a `source` that does not depend on where the
//! checkout is (the glob gives absolute paths, so the record is named by
//! the file name). Secrets stay redacted, so snapshots can be committed.

fn main() {
    println!("this example is a test: run `cargo test --example snapshot_test`");
}

#[cfg(test)]
mod tests {
    #[test]
    fn sample_notices() {
        let parser = kaitsu::Parser::new().today(kaitsu::Date::constant(2024, 6, 1));
        insta::glob!("../samples", "*.pdf", |path| {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let bytes = std::fs::read(path).unwrap_or_default();
            let record = parser.parse_named(&name, &bytes);
            insta::assert_json_snapshot!(record);
        });
    }
}
