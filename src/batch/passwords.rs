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
use globset::{Candidate, Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::path::{Component, Path, PathBuf};

/// Name/glob → passwords.
#[derive(Default)]
pub struct PasswordMap {
    /// Every pattern, matched at once: a set sorts its globs by kind (a
    /// `*name.pdf` is a suffix test, not a regular expression), where one
    /// matcher per pattern ran a regular expression per pattern and per
    /// form of the path (about 12 k instructions a file with three
    /// patterns, a tenth of the batch parent's work per file).
    set: GlobSet,
    /// Each pattern's passwords, by the set's pattern numbers.
    passwords: Vec<Vec<Secret>>,
    /// The YAML file's folder, absolute, normalized.
    base: Option<PathBuf>,
}

impl std::fmt::Debug for PasswordMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PasswordMap({} entries)", self.passwords.len())
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
        let mut set = GlobSetBuilder::new();
        let mut by_pattern = Vec::with_capacity(raw.len());
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
            set.add(glob);
            by_pattern.push(passwords);
        }
        let set = set.build().map_err(|e| PasswordFileError::Glob {
            path: shown.clone(),
            pattern: e.glob().unwrap_or_default().to_string(),
            message: e.kind().to_string(),
        })?;
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
        Ok(PasswordMap {
            set,
            passwords: by_pattern,
            base,
        })
    }

    /// The passwords for one input, in the file's order.
    pub fn for_path(&self, path: &Path) -> Vec<Secret> {
        if self.passwords.is_empty() {
            return Vec::new();
        }
        let name = path.file_name().map(Path::new);
        let relative = self.base.as_ref().and_then(|base| {
            let abs = normalize(&std::path::absolute(path).ok()?);
            abs.strip_prefix(base).ok().map(Path::to_path_buf)
        });
        // The patterns any form of the path matches, in the file's order.
        let mut matched = Vec::new();
        let mut found = Vec::new();
        for form in [Some(path), name, relative.as_deref()]
            .into_iter()
            .flatten()
        {
            self.set
                .matches_candidate_into(&Candidate::new(form), &mut found);
            matched.extend_from_slice(&found);
        }
        matched.sort_unstable();
        matched.dedup();
        matched
            .iter()
            .filter_map(|&i| self.passwords.get(i))
            .flat_map(|s| s.iter().cloned())
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

    /// The set gives what one matcher per pattern gave: the passwords of
    /// every pattern that matches the path, its name or its path relative
    /// to the file's folder, once each, in the file's order.
    #[test]
    fn the_set_matches_as_one_matcher_per_pattern() {
        let patterns = [
            "*.pdf",
            "a.pdf",
            "dir/*.pdf",
            "**/b*.pdf",
            "N23*.pdf",
            "dir/a.pdf",
            "*/a.pdf",
            "[ab].pdf",
            "{x,y}.pdf",
            "*qpdf_aes256.pdf",
        ];
        let text: String = patterns
            .iter()
            .enumerate()
            .map(|(i, p)| format!("\"{p}\": [p{i}, q{i}]\n"))
            .collect();
        let map = map(&text);
        let base = normalize(&std::path::absolute(".").unwrap_or_default());
        let matchers: Vec<_> = patterns
            .iter()
            .filter_map(|p| Glob::new(p).ok())
            .map(|g| g.compile_matcher())
            .collect();
        assert_eq!(matchers.len(), patterns.len());
        let mut paths: Vec<PathBuf> = [
            "a.pdf",
            "dir/a.pdf",
            "./dir/a.pdf",
            "dir/../a.pdf",
            "x/N2300.pdf",
            "b.pdf",
            "dir/b2.pdf",
            "/elsewhere/dir/a.pdf",
            "y.pdf",
            "z/x_qpdf_aes256.pdf",
            "other.txt",
            "..",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let absolute: Vec<PathBuf> = paths
            .iter()
            .filter_map(|p| std::path::absolute(p).ok())
            .collect();
        paths.extend(absolute);
        let mut some = 0;
        for path in &paths {
            let name = path.file_name().map(Path::new);
            let relative = std::path::absolute(path).ok().and_then(|a| {
                normalize(&a)
                    .strip_prefix(&base)
                    .ok()
                    .map(Path::to_path_buf)
            });
            let expected: Vec<String> = matchers
                .iter()
                .enumerate()
                .filter(|(_, g)| {
                    g.is_match(path)
                        || name.is_some_and(|n| g.is_match(n))
                        || relative.as_ref().is_some_and(|r| g.is_match(r))
                })
                .flat_map(|(i, _)| [format!("p{i}"), format!("q{i}")])
                .collect();
            let got: Vec<String> = map
                .for_path(path)
                .iter()
                .map(|s| s.expose().to_string())
                .collect();
            assert_eq!(got, expected, "{}", path.display());
            some += usize::from(expected.len() > 2);
        }
        assert!(some > 5, "too few paths match several patterns: {some}");
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
