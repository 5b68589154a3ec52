//! The validation policy: which login hosts are allowed, how early to warn
//! about expiry, and per-code severity overrides.
//!
//! A policy is a small YAML file so an operator can tighten or relax checks
//! without a new build. Unknown keys are rejected (a typo must not silently
//! switch a check back to its default), and so are severity overrides for
//! codes that do not exist.

use super::{CODES, Severity, default_severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The host every genuine notice's ログイン先URL is under.
pub const DEFAULT_LOGIN_HOST_SUFFIX: &str = "auth.iij.jp";

/// Days before the temporary-password expiry from which
/// `password_expiring` fires.
pub const DEFAULT_WARN_DAYS: i64 = 14;

/// Largest edit distance from an allowed suffix that still counts as a
/// look-alike. 2 catches a doubled or dropped letter plus one more slip
/// (`auth.iiij.jp`, `auth.ij.jp`, `auht.iij.jp`) without flagging
/// unrelated hosts.
pub const DEFAULT_LOOKALIKE_MAX_DISTANCE: usize = 2;

/// What the checks accept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// The login URL's host must be one of these or below one of them, on
    /// a label boundary (`www.auth.iij.jp` is below `auth.iij.jp`;
    /// `evilauth.iij.jp` is not).
    pub allowed_login_host_suffixes: Vec<String>,
    /// `password_expiring` fires when the expiry is this many days away or
    /// fewer.
    pub warn_days: i64,
    /// Largest edit distance from an allowed suffix that is reported as
    /// `login_host_lookalike` rather than `login_host_not_allowed`.
    pub lookalike_max_distance: usize,
    /// Severity overrides by finding code.
    pub severities: BTreeMap<String, Severity>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            allowed_login_host_suffixes: vec![DEFAULT_LOGIN_HOST_SUFFIX.to_string()],
            warn_days: DEFAULT_WARN_DAYS,
            lookalike_max_distance: DEFAULT_LOOKALIKE_MAX_DISTANCE,
            severities: BTreeMap::new(),
        }
    }
}

/// A policy file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// Not valid YAML, or a key or value of the wrong shape. Lines and
    /// columns start at 1.
    #[error("policy line {line}, column {column}: {message}")]
    Syntax {
        /// Line, from 1.
        line: usize,
        /// Column, from 1.
        column: usize,
        /// What the YAML reader said.
        message: String,
    },
    /// Valid YAML the reader could not place (e.g. an empty document).
    #[error("policy: {0}")]
    Other(String),
    /// A value that parses but makes no sense.
    #[error("policy: {0}")]
    Invalid(String),
}

impl Policy {
    /// Reads a policy from YAML. Missing keys take their defaults; an empty
    /// document is the default policy.
    pub fn from_yaml(text: &str) -> Result<Policy, PolicyError> {
        if text.trim().is_empty() {
            return Ok(Policy::default());
        }
        let policy: Policy = serde_yaml_ng::from_str(text).map_err(|e| match e.location() {
            Some(loc) => PolicyError::Syntax {
                line: loc.line(),
                column: loc.column(),
                message: strip_location(&e.to_string()),
            },
            None => PolicyError::Other(e.to_string()),
        })?;
        policy.check()?;
        Ok(policy)
    }

    /// The policy as YAML, with a comment header; [`Policy::from_yaml`]
    /// reads it back unchanged.
    pub fn to_yaml(&self) -> String {
        let body = serde_yaml_ng::to_string(self).unwrap_or_default();
        let codes: Vec<&str> = CODES.iter().map(|(c, _)| *c).collect();
        let code_lines: String = codes
            .chunks(4)
            .map(|chunk| format!("#   {}\n", chunk.join(", ")))
            .collect();
        format!(
            "# kaitsu validation policy (every key is optional).\n\
             # allowed_login_host_suffixes: the login URL host must equal one or end in \".\" + one.\n\
             # warn_days: password_expiring fires this many days before the expiry, or fewer.\n\
             # lookalike_max_distance: edit distance from a suffix reported as login_host_lookalike.\n\
             # severities: finding code -> error | warning | info. The codes:\n{code_lines}{body}"
        )
    }

    fn check(&self) -> Result<(), PolicyError> {
        if self.warn_days < 0 {
            return Err(PolicyError::Invalid(format!(
                "warn_days must be 0 or more, not {}",
                self.warn_days
            )));
        }
        if self.allowed_login_host_suffixes.is_empty() {
            return Err(PolicyError::Invalid(
                "allowed_login_host_suffixes is empty: no login URL could pass".into(),
            ));
        }
        for s in &self.allowed_login_host_suffixes {
            let ok = !s.is_empty()
                && s.is_ascii()
                && !s.starts_with('.')
                && !s.ends_with('.')
                && s.split('.').all(|l| !l.is_empty());
            if !ok {
                return Err(PolicyError::Invalid(format!(
                    "allowed_login_host_suffixes entry {s:?} is not an ASCII host name like auth.iij.jp"
                )));
            }
        }
        if let Some(code) = self
            .severities
            .keys()
            .find(|c| default_severity(c).is_none())
        {
            return Err(PolicyError::Invalid(format!(
                "severities: unknown finding code {code:?}"
            )));
        }
        Ok(())
    }
}

/// serde_yaml_ng appends " at line L column C" to its messages; the error
/// already carries both, so keep the message short.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_round_trips_through_yaml() {
        let p = Policy::default();
        assert_eq!(Policy::from_yaml(&p.to_yaml()).ok(), Some(p));
    }

    #[test]
    fn overrides_round_trip() {
        let p = Policy::from_yaml("warn_days: 30\nseverities:\n  hidden_text: error\n");
        let p = p.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.warn_days, 30);
        assert_eq!(p.severities.get("hidden_text"), Some(&Severity::Error));
        assert_eq!(Policy::from_yaml(&p.to_yaml()).ok(), Some(p));
    }

    #[test]
    fn unknown_key_reports_line_and_column() {
        let err = Policy::from_yaml("warn_days: 3\nwarn_dayz: 4\n").err();
        match err {
            Some(PolicyError::Syntax { line, column, .. }) => {
                assert_eq!(line, 2);
                assert_eq!(column, 1);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_values_are_rejected() {
        assert!(Policy::from_yaml("warn_days: -1").is_err());
        assert!(Policy::from_yaml("warn_days: soon").is_err());
        assert!(Policy::from_yaml("severities: {no_such_code: error}").is_err());
        assert!(Policy::from_yaml("severities: {hidden_text: fatal}").is_err());
        assert!(Policy::from_yaml("allowed_login_host_suffixes: []").is_err());
        assert!(Policy::from_yaml("allowed_login_host_suffixes: ['.iij.jp']").is_err());
    }

    #[test]
    fn empty_text_is_default() {
        assert_eq!(Policy::from_yaml("").ok(), Some(Policy::default()));
    }
}
