//! Passwords for a batch of "PPAP" notices: each file may have its own.
//!
//! `--passwords FILE` is YAML mapping a file name or glob to a password:
//!
//! ```yaml
//! "N2300*.pdf": "first-password"
//! "scans/2024-*/*.pdf": "second"
//! ```
//!
//! A pattern is matched against the input's path as given and against its
//! file name. Matching passwords are tried first, then every `--password`
//! and `KAITSU_PASSWORD`. Passwords are held as [`Secret`]s.

use crate::secret::Secret;
use globset::{Glob, GlobMatcher};
use std::collections::BTreeMap;
use std::path::Path;

/// Name/glob → password.
#[derive(Default)]
pub struct PasswordMap {
    entries: Vec<(GlobMatcher, Secret)>,
}

impl std::fmt::Debug for PasswordMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PasswordMap({} entries)", self.entries.len())
    }
}

/// A passwords file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PasswordFileError {
    /// YAML syntax or shape.
    #[error("{path}: not a YAML mapping of file name or glob to password: {message}")]
    Yaml {
        /// The file.
        path: String,
        /// serde_yaml_ng's message, with line and column (it never quotes
        /// a value).
        message: String,
    },
    /// A bad glob.
    #[error("{path}: bad file pattern {pattern:?}: {message}")]
    Glob {
        /// The file.
        path: String,
        /// The pattern.
        pattern: String,
        /// Why.
        message: String,
    },
}

impl PasswordMap {
    /// Reads the YAML text of a passwords file.
    pub fn from_yaml(path: &str, text: &str) -> Result<PasswordMap, PasswordFileError> {
        let raw: BTreeMap<String, String> =
            serde_yaml_ng::from_str(text).map_err(|e| PasswordFileError::Yaml {
                path: path.to_string(),
                message: e.location().map_or_else(
                    || "invalid document".to_string(),
                    |l| format!("at line {}, column {}", l.line(), l.column()),
                ),
            })?;
        let mut entries = Vec::with_capacity(raw.len());
        for (pattern, password) in raw {
            let glob = Glob::new(&pattern).map_err(|e| PasswordFileError::Glob {
                path: path.to_string(),
                pattern: pattern.clone(),
                message: e.kind().to_string(),
            })?;
            entries.push((glob.compile_matcher(), Secret::new(password)));
        }
        Ok(PasswordMap { entries })
    }

    /// The passwords for one input, most specific first.
    pub fn for_path(&self, path: &Path) -> Vec<Secret> {
        let name = path.file_name().map(Path::new);
        self.entries
            .iter()
            .filter(|(g, _)| g.is_match(path) || name.is_some_and(|n| g.is_match(n)))
            .map(|(_, s)| s.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_names_and_paths() {
        let map = PasswordMap::from_yaml("p.yaml", "\"N23*.pdf\": one\n\"dir/*.pdf\": two\n")
            .unwrap_or_default();
        assert_eq!(map.for_path(Path::new("x/N2300.pdf")).len(), 1);
        assert_eq!(map.for_path(Path::new("dir/a.pdf")).len(), 1);
        assert!(map.for_path(Path::new("other.pdf")).is_empty());
    }

    #[test]
    fn yaml_errors_name_line_and_never_the_value() {
        let err = PasswordMap::from_yaml("p.yaml", "a: [secret-value\n").err();
        let msg = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("line"), "{msg}");
        assert!(!msg.contains("secret-value"), "{msg}");
    }
}
