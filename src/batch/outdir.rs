//! `--output-dir`: one `<name>.json` per input, written atomically, and a
//! `summary.json`.

use crate::output::Record;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Prefix of the temporary files; a run that was killed may leave some,
/// and the next run removes them.
const TEMP_PREFIX: &str = ".kaitsu-tmp-";

/// What is stored per input: the record and the hash of the bytes it was
/// made from (for `--resume`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredRecord {
    /// SHA-256 of the input file, lowercase hex.
    pub input_sha256: String,
    /// The record.
    #[serde(flatten)]
    pub record: Record,
}

/// The output directory.
#[derive(Debug, Clone)]
pub struct OutputDir {
    dir: PathBuf,
}

impl OutputDir {
    /// Creates the directory if needed and removes temporary files an
    /// interrupted run left behind.
    pub fn open(dir: &Path) -> std::io::Result<OutputDir> {
        std::fs::create_dir_all(dir)?;
        for entry in std::fs::read_dir(dir)?.flatten() {
            if entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(OutputDir {
            dir: dir.to_path_buf(),
        })
    }

    /// The stored file name of every input, unique within the batch: the
    /// source path with separators turned into `_`, then `.json`.
    pub fn names_for(&self, inputs: &[super::Input]) -> Vec<String> {
        let mut used = HashSet::new();
        inputs
            .iter()
            .map(|input| {
                let base: String = input
                    .source
                    .chars()
                    .map(|c| {
                        if matches!(c, '/' | '\\' | ':') || c.is_control() {
                            '_'
                        } else {
                            c
                        }
                    })
                    .collect();
                let base = base.trim_start_matches(['.', '_']).to_string();
                let base = if base.is_empty() || base == "summary" {
                    format!("input_{base}")
                } else {
                    base
                };
                let mut name = format!("{base}.json");
                let mut n = 2;
                while !used.insert(name.clone()) {
                    name = format!("{base}-{n}.json");
                    n += 1;
                }
                name
            })
            .collect()
    }

    /// Where a stored file lives.
    pub fn path_of(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The stored record of `name`, if there is a readable one.
    pub fn load(&self, name: &str) -> Option<StoredRecord> {
        let text = std::fs::read_to_string(self.path_of(name)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Stores a record atomically.
    pub fn store(&self, name: &str, hash: &str, record: &Record) -> std::io::Result<()> {
        let stored = StoredRecord {
            input_sha256: hash.to_string(),
            record: record.clone(),
        };
        let mut text = serde_json::to_vec_pretty(&stored).map_err(std::io::Error::other)?;
        text.push(b'\n');
        self.write_atomically(name, &text)
    }

    /// Writes `summary.json` atomically.
    pub fn store_summary(&self, summary: &super::Summary) -> std::io::Result<()> {
        let mut text = serde_json::to_vec_pretty(summary).map_err(std::io::Error::other)?;
        text.push(b'\n');
        self.write_atomically("summary.json", &text)
    }

    fn write_atomically(&self, name: &str, bytes: &[u8]) -> std::io::Result<()> {
        let mut tmp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(&self.dir)?;
        tmp.write_all(bytes)?;
        tmp.as_file().sync_all()?;
        tmp.persist(self.path_of(name)).map_err(|e| e.error)?;
        Ok(())
    }
}
