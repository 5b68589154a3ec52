//! `--output-dir`: a small database of one `<name>.json` per input and a
//! `summary.json`.
//!
//! - **One run at a time.** A run holds an exclusive lock on
//!   `.kaitsu.lock` (an OS file lock: it goes away with the process, even
//!   after `kill -9`), so a second run into the same directory is refused
//!   instead of deleting the first one's files in flight. Temporary files
//!   left by a killed run are removed only under that lock.
//! - **Atomic files.** Every file is written to a temporary file in the
//!   same directory and renamed over its name.
//! - **Names that cannot collide.** `<readable prefix>-<hash>.json`: the
//!   prefix is the file name, shortened; the hash is of the normalized
//!   path, so `a/b.pdf` and `a_b.pdf` differ, and no name exceeds the
//!   usual 255-byte limit whatever the path.
//! - **`summary.json` last.** It is removed when a run starts and written
//!   after the last record, so its absence says the last run did not
//!   finish ([`OutputDir::previous_run_finished`]).

use crate::output::Record;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Prefix of the temporary files; a run that was killed may leave some,
/// and the next run removes them (holding the lock).
const TEMP_PREFIX: &str = ".kaitsu-tmp-";

/// The lock file.
const LOCK_NAME: &str = ".kaitsu.lock";

/// The summary file.
const SUMMARY_NAME: &str = "summary.json";

/// Bytes of the readable prefix at most: with `-`, 16 hex digits and
/// `.json` a name stays far below the 255-byte limit of ext4, XFS, APFS
/// and NTFS (which counts UTF-16 units: fewer than bytes).
const MAX_PREFIX_BYTES: usize = 100;

/// Hex digits of the path hash in a name: 64 bits, so two paths of one
/// batch collide with odds of about n²/2⁶⁵.
const HASH_HEX_DIGITS: usize = 16;

/// What is stored per input: the record, the hash of the bytes it was
/// made from and the options key (for `--resume`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredRecord {
    /// SHA-256 of the input file, lowercase hex.
    pub input_sha256: String,
    /// The batch's [`super::BatchOptions::resume_key`] when it was made;
    /// absent in files of older versions, which are then never reused.
    #[serde(default)]
    pub resume_key: String,
    /// The record.
    #[serde(flatten)]
    pub record: Record,
}

/// Why an output directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum OutputDirError {
    /// Another run holds the lock.
    #[error(
        "{0} is in use by another kaitsu run (it holds {LOCK_NAME}); wait for it or use another directory"
    )]
    InUse(String),
    /// The file system refused.
    #[error("cannot use {0} as the output directory: {1}")]
    Io(String, std::io::Error),
}

/// The output directory, locked for this run.
#[derive(Debug, Clone)]
pub struct OutputDir {
    dir: PathBuf,
    /// Held for the run's life; the OS releases it when the process ends.
    _lock: Arc<std::fs::File>,
    previous_run_finished: bool,
}

impl OutputDir {
    /// Creates the directory if needed, takes its lock, removes temporary
    /// files an interrupted run left behind and the last `summary.json`.
    pub fn open(dir: &Path) -> Result<OutputDir, OutputDirError> {
        let shown = dir.display().to_string();
        let io = |e| OutputDirError::Io(shown.clone(), e);
        std::fs::create_dir_all(dir).map_err(io)?;
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(LOCK_NAME))
            .map_err(io)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(OutputDirError::InUse(shown));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        for entry in std::fs::read_dir(dir).map_err(io)?.flatten() {
            if entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        let summary = dir.join(SUMMARY_NAME);
        let previous_run_finished = summary.exists();
        match std::fs::remove_file(&summary) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
            _ => {}
        }
        Ok(OutputDir {
            dir: dir.to_path_buf(),
            _lock: Arc::new(lock),
            previous_run_finished,
        })
    }

    /// Whether the directory held a `summary.json` when this run opened it
    /// (false for a new directory, and after an interrupted run).
    pub fn previous_run_finished(&self) -> bool {
        self.previous_run_finished
    }

    /// Whether the directory holds stored records of an earlier run.
    pub fn has_records(&self) -> bool {
        std::fs::read_dir(&self.dir).is_ok_and(|d| {
            d.flatten().any(|e| {
                let n = e.file_name();
                let n = n.to_string_lossy();
                n.ends_with(".json") && !n.starts_with('.') && n != SUMMARY_NAME
            })
        })
    }

    /// The stored file name of every input (see the module doc); the same
    /// path named twice in one batch gets `-2`, `-3`… so each input keeps
    /// its own file.
    pub fn names_for(&self, inputs: &[super::Input]) -> Vec<String> {
        let mut used = HashSet::new();
        inputs
            .iter()
            .map(|input| {
                let base = stored_base_name(input);
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
    pub fn store(
        &self,
        name: &str,
        hash: &str,
        resume_key: &str,
        record: &Record,
    ) -> std::io::Result<()> {
        let stored = StoredRecord {
            input_sha256: hash.to_string(),
            resume_key: resume_key.to_string(),
            record: record.clone(),
        };
        let mut text = serde_json::to_vec_pretty(&stored).map_err(std::io::Error::other)?;
        text.push(b'\n');
        self.write_atomically(name, &text)
    }

    /// Writes `summary.json` atomically; call it after the last record.
    pub fn store_summary(&self, summary: &super::Summary) -> std::io::Result<()> {
        let mut text = serde_json::to_vec_pretty(summary).map_err(std::io::Error::other)?;
        text.push(b'\n');
        self.write_atomically(SUMMARY_NAME, &text)
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

/// `<prefix>-<hash>` of one input, without `.json`.
fn stored_base_name(input: &super::Input) -> String {
    let (key, file_name): (Vec<u8>, String) = match input.path() {
        Some(path) => (
            path_bytes(&normalize(path)),
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        ),
        None => (input.source.as_bytes().to_vec(), input.source.clone()),
    };
    let hash: String = Sha256::digest(&key)
        .iter()
        .map(|b| format!("{b:02x}"))
        .take(HASH_HEX_DIGITS / 2)
        .collect();
    let mut prefix = String::new();
    for c in file_name.chars() {
        let c = if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
            || c.is_control()
            || c == '\u{FFFD}'
        {
            '_'
        } else {
            c
        };
        if prefix.len() + c.len_utf8() > MAX_PREFIX_BYTES {
            break;
        }
        prefix.push(c);
    }
    let prefix = prefix.trim_start_matches(['.', '_', '-']);
    if prefix.is_empty() {
        format!("input-{hash}")
    } else {
        format!("{prefix}-{hash}")
    }
}

/// The path without `.` components and repeated separators (lexically:
/// `..` and symlinks are kept, as resolving them could name another file).
fn normalize(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().to_vec()
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> Vec<u8> {
    path.to_string_lossy().as_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::expand;

    fn names(dir: &OutputDir, paths: &[&str]) -> Vec<String> {
        let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
        let (inputs, _) = expand(&paths, false, &mut std::io::Cursor::new(Vec::new()), 0);
        dir.names_for(&inputs)
    }

    #[test]
    fn names_never_collide_and_stay_short() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let Ok(dir) = OutputDir::open(tmp.path()) else {
            panic!("opens");
        };
        let long = format!("{}/{}.pdf", "長".repeat(90), "名".repeat(90));
        let n = names(
            &dir,
            &[
                "a/b.pdf",
                "a_b.pdf",
                "./a/b.pdf",
                "a/b.pdf",
                "summary",
                &long,
            ],
        );
        assert!(n[0].starts_with("b.pdf-"), "{n:?}");
        assert_ne!(n[0], n[1]);
        assert_eq!(n[2], n[0].replace(".json", "-2.json"), "normalized: {n:?}");
        assert_eq!(n[3], n[0].replace(".json", "-3.json"));
        assert_ne!(n[4], "summary.json");
        assert!(
            n.iter().all(|s| s.len() <= 255 && !s.starts_with('.')),
            "{n:?}"
        );
    }

    #[test]
    fn a_second_run_is_refused_while_the_first_holds_the_lock() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let first = OutputDir::open(tmp.path());
        assert!(first.is_ok());
        let second = OutputDir::open(tmp.path());
        assert!(matches!(second, Err(OutputDirError::InUse(_))));
        drop(first);
        assert!(OutputDir::open(tmp.path()).is_ok());
    }
}
