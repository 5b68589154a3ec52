//! A string that must never reach a log, an error message or `Debug` output.
//!
//! Temporary passwords, DNS auth passwords and PDF passwords are held in
//! [`Secret`]. Its `Debug` prints a fixed placeholder, it has no `Display`,
//! and the only way to read it is [`Secret::expose`], so every place that
//! reveals a secret is greppable. Output formats decide between
//! [`REDACTED`] and the real value from the user's `--reveal-secrets`.

use std::fmt;

/// The one placeholder every output uses for a hidden secret. Always the
/// same, never a partial value, so nothing about the secret's length or
/// first characters leaks.
pub const REDACTED: &str = "[REDACTED]";

/// A secret string. Cleared from memory when dropped.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The real value. Call only where the user asked to see it, or to
    /// compare it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The value or the placeholder, as the caller's reveal choice says.
    pub fn shown(&self, reveal: bool) -> &str {
        if reveal { &self.0 } else { REDACTED }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // Overwrite the bytes before the allocation is freed. `black_box`
        // keeps the optimiser from dropping the writes as dead stores.
        let bytes = std::mem::take(&mut self.0).into_bytes();
        let mut bytes = bytes;
        for b in bytes.iter_mut() {
            *b = 0;
        }
        std::hint::black_box(&bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("Awyw6m*6mVab");
        assert_eq!(format!("{s:?}"), REDACTED);
        assert_eq!(s.shown(false), REDACTED);
        assert_eq!(s.shown(true), "Awyw6m*6mVab");
    }
}
