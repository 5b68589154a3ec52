//! Passwords for a batch of "PPAP" notices: each file may have its own.
//!
//! `--passwords FILE` is YAML mapping a file name or glob to a password, or
//! to a list of passwords (each is tried):
//!
//! ```yaml
//! "N2300*.pdf": "first-password"
//! "scans/2024-*/*.pdf": ["second", "third"]
//! ```
//!
//! A pattern matches an input when it matches its file name, its path
//! relative to the YAML file's folder (normalized: `./bad/enc.pdf`,
//! `bad/enc.pdf` and the absolute path are the same file), or its path as
//! given. A pattern listed twice is an error, not a silent override.
//! Matching passwords are tried first, then every `--password` and
//! `KAITSU_PASSWORD`. Passwords are held as [`Secret`]s.

use crate::secret::Secret;
use globset::{Glob, GlobMatcher};
use serde::Deserialize;
use std::path::{Component, Path, PathBuf};

/// Name/glob → passwords.
#[derive(Default)]
pub struct PasswordMap {
    entries: Vec<(GlobMatcher, Vec<Secret>)>,
    /// The YAML file's folder, absolute, normalized.
    base: Option<PathBuf>,
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
    #[error("{path}: not a YAML mapping of file name or glob to password(s): {message}")]
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
    /// A pattern given twice.
    #[error("{path}: the pattern {pattern:?} is listed twice; list its passwords once, as a list")]
    Duplicate {
        /// The file.
        path: String,
        /// The pattern.
        pattern: String,
    },
}

/// One password or several.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl PasswordMap {
    /// Reads the YAML text of a passwords file; patterns with a folder are
    /// relative to `path`'s folder.
    pub fn from_yaml(path: &Path, text: &str) -> Result<PasswordMap, PasswordFileError> {
        let shown = path.display().to_string();
        let yaml_error = |e: serde_yaml_ng::Error| PasswordFileError::Yaml {
            path: shown.clone(),
            message: e.location().map_or_else(
                || "invalid document".to_string(),
                |l| format!("at line {}, column {}", l.line(), l.column()),
            ),
        };
        // A mapping keeps every key as written, so a duplicate is seen.
        let raw: Vec<(String, OneOrMany)> = if text.trim().is_empty() {
            Vec::new()
        } else {
            PairList::deserialize(serde_yaml_ng::Deserializer::from_str(text))
                .map(|m| m.0)
                .map_err(yaml_error)?
        };
        let mut seen = std::collections::HashSet::new();
        let mut entries = Vec::with_capacity(raw.len());
        for (pattern, passwords) in raw {
            if !seen.insert(pattern.clone()) {
                return Err(PasswordFileError::Duplicate {
                    path: shown,
                    pattern,
                });
            }
            let glob = Glob::new(&pattern).map_err(|e| PasswordFileError::Glob {
                path: shown.clone(),
                pattern: pattern.clone(),
                message: e.kind().to_string(),
            })?;
            let passwords = match passwords {
                OneOrMany::One(p) => vec![Secret::new(p)],
                OneOrMany::Many(ps) => ps.into_iter().map(Secret::new).collect(),
            };
            entries.push((glob.compile_matcher(), passwords));
        }
        let base = path
            .parent()
            .map(|p| {
                if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                }
            })
            .and_then(|p| std::path::absolute(p).ok())
            .map(|p| normalize(&p));
        Ok(PasswordMap { entries, base })
    }

    /// The passwords for one input, in the file's order.
    pub fn for_path(&self, path: &Path) -> Vec<Secret> {
        let name = path.file_name().map(Path::new);
        let relative = self.base.as_ref().and_then(|base| {
            let abs = normalize(&std::path::absolute(path).ok()?);
            abs.strip_prefix(base).ok().map(Path::to_path_buf)
        });
        self.entries
            .iter()
            .filter(|(g, _)| {
                g.is_match(path)
                    || name.is_some_and(|n| g.is_match(n))
                    || relative.as_ref().is_some_and(|r| g.is_match(r))
            })
            .flat_map(|(_, s)| s.iter().cloned())
            .collect()
    }
}

/// A YAML mapping read as its pairs, in order, duplicates kept.
struct PairList(Vec<(String, OneOrMany)>);

impl<'de> Deserialize<'de> for PairList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = PairList;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a mapping of file pattern to password(s)")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<PairList, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = a.next_entry()? {
                    pairs.push(pair);
                }
                Ok(PairList(pairs))
            }
        }
        d.deserialize_map(V)
    }
}

/// `.` and `..` resolved lexically (symlinks are not followed: the user's
/// view of the path is what the patterns are written against).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(text: &str) -> PasswordMap {
        PasswordMap::from_yaml(Path::new("p.yaml"), text).unwrap_or_default()
    }

    #[test]
    fn globs_match_names_and_paths() {
        let map = map("\"N23*.pdf\": one\n\"dir/*.pdf\": two\n");
        assert_eq!(map.for_path(Path::new("x/N2300.pdf")).len(), 1);
        assert_eq!(map.for_path(Path::new("dir/a.pdf")).len(), 1);
        assert!(map.for_path(Path::new("other.pdf")).is_empty());
    }

    #[test]
    fn normalized_and_absolute_paths_match_relative_patterns() {
        let map = map("\"bad/enc.pdf\": [one, two]\n");
        let abs = std::path::absolute("bad/enc.pdf").unwrap_or_default();
        for p in ["bad/enc.pdf", "./bad/enc.pdf", "bad/../bad/enc.pdf"] {
            assert_eq!(map.for_path(Path::new(p)).len(), 2, "{p}");
        }
        assert_eq!(map.for_path(&abs).len(), 2);
    }

    #[test]
    fn duplicate_patterns_are_refused() {
        let err = PasswordMap::from_yaml(Path::new("p.yaml"), "a.pdf: x\na.pdf: y\n").err();
        assert!(
            matches!(err, Some(PasswordFileError::Duplicate { .. })),
            "{err:?}"
        );
    }

    #[test]
    fn yaml_errors_name_line_and_never_the_value() {
        let err = PasswordMap::from_yaml(Path::new("p.yaml"), "a: [secret-value\n").err();
        let msg = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("line"), "{msg}");
        assert!(!msg.contains("secret-value"), "{msg}");
    }
}
