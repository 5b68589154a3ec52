//! The rules for the new password a user sets at first sign-in.
//!
//! From the service manual (2.1 (3) 新しいパスワードの設定): at least 10
//! characters, with an upper-case letter, a lower-case letter, a digit and
//! a symbol; only ASCII letters, digits and the listed symbols; not the
//! temporary password. Checking them before the user types the password
//! into the sign-in page saves a failed attempt (10 failures lock the
//! account).
//!
//! Failures never carry the candidate or any of its characters; a
//! disallowed character is named by its position only.

/// The symbols a password may contain, as listed by the manual.
pub const SYMBOLS: &str = "!\"#$%&'()*+,-./:;<=>@[]^_`{}~|";

/// The shortest allowed new password, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// One rule a candidate password breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordRuleFailure {
    /// Fewer than [`MIN_PASSWORD_CHARS`] characters.
    TooShort,
    /// No `A`–`Z`.
    NoUppercase,
    /// No `a`–`z`.
    NoLowercase,
    /// No `0`–`9`.
    NoDigit,
    /// None of [`SYMBOLS`].
    NoSymbol,
    /// A character outside ASCII letters, digits and [`SYMBOLS`] (a space,
    /// a full-width letter, a backslash, …).
    DisallowedCharacter {
        /// Position of the first such character, from 1.
        position: usize,
    },
    /// The candidate is the temporary password.
    SameAsTemporary,
    /// The candidate contains the user ID's local part (before `@`).
    ContainsUserId,
}

impl PasswordRuleFailure {
    /// Stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            PasswordRuleFailure::TooShort => "too_short",
            PasswordRuleFailure::NoUppercase => "no_uppercase",
            PasswordRuleFailure::NoLowercase => "no_lowercase",
            PasswordRuleFailure::NoDigit => "no_digit",
            PasswordRuleFailure::NoSymbol => "no_symbol",
            PasswordRuleFailure::DisallowedCharacter { .. } => "disallowed_character",
            PasswordRuleFailure::SameAsTemporary => "same_as_temporary",
            PasswordRuleFailure::ContainsUserId => "contains_user_id",
        }
    }
}

impl std::fmt::Display for PasswordRuleFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PasswordRuleFailure::TooShort => {
                write!(f, "shorter than {MIN_PASSWORD_CHARS} characters")
            }
            PasswordRuleFailure::NoUppercase => f.write_str("no upper-case letter (A-Z)"),
            PasswordRuleFailure::NoLowercase => f.write_str("no lower-case letter (a-z)"),
            PasswordRuleFailure::NoDigit => f.write_str("no digit (0-9)"),
            PasswordRuleFailure::NoSymbol => write!(f, "no symbol (one of {SYMBOLS})"),
            PasswordRuleFailure::DisallowedCharacter { position } => write!(
                f,
                "character {position} is not allowed (only ASCII letters, digits and {SYMBOLS})"
            ),
            PasswordRuleFailure::SameAsTemporary => {
                f.write_str("the same as the temporary password")
            }
            PasswordRuleFailure::ContainsUserId => {
                f.write_str("contains the user ID (the part before @)")
            }
        }
    }
}

/// Every rule `candidate` breaks, in the order of the manual; empty when it
/// may be used. `temporary` is the notice's temporary password, when known.
pub fn check_new_password(candidate: &str, temporary: Option<&str>) -> Vec<PasswordRuleFailure> {
    let mut out = Vec::new();
    if candidate.chars().count() < MIN_PASSWORD_CHARS {
        out.push(PasswordRuleFailure::TooShort);
    }
    if !candidate.chars().any(|c| c.is_ascii_uppercase()) {
        out.push(PasswordRuleFailure::NoUppercase);
    }
    if !candidate.chars().any(|c| c.is_ascii_lowercase()) {
        out.push(PasswordRuleFailure::NoLowercase);
    }
    if !candidate.chars().any(|c| c.is_ascii_digit()) {
        out.push(PasswordRuleFailure::NoDigit);
    }
    if !candidate.chars().any(|c| SYMBOLS.contains(c)) {
        out.push(PasswordRuleFailure::NoSymbol);
    }
    if let Some(i) = candidate
        .chars()
        .position(|c| !(c.is_ascii_alphanumeric() || SYMBOLS.contains(c)))
    {
        out.push(PasswordRuleFailure::DisallowedCharacter { position: i + 1 });
    }
    if temporary.is_some_and(|t| t == candidate) {
        out.push(PasswordRuleFailure::SameAsTemporary);
    }
    out
}

/// The shortest user-ID local part the rule applies to: one or two letters
/// (`ab@…`) are in too many good passwords to forbid them.
pub const MIN_LOCAL_PART_CHARS: usize = 3;

/// The manual's rule that a password must not contain the user ID: the
/// local part of `user_id` (before `@`), case-insensitively, when it has at
/// least [`MIN_LOCAL_PART_CHARS`] characters.
pub fn check_user_id_rule(candidate: &str, user_id: &str) -> Option<PasswordRuleFailure> {
    let local = user_id
        .split('@')
        .next()
        .unwrap_or("")
        .trim()
        .to_lowercase();
    (local.chars().count() >= MIN_LOCAL_PART_CHARS && candidate.to_lowercase().contains(&local))
        .then_some(PasswordRuleFailure::ContainsUserId)
}

#[cfg(test)]
mod tests {
    use super::PasswordRuleFailure::*;
    use super::*;

    #[test]
    fn a_good_password_passes() {
        assert!(check_new_password("Abcdefgh1#", Some("5nnBM#mqUkwp")).is_empty());
        assert!(check_new_password("Abcdefgh1|", None).is_empty());
    }

    #[test]
    fn every_failing_rule_is_reported() {
        assert_eq!(
            check_new_password("", None),
            vec![TooShort, NoUppercase, NoLowercase, NoDigit, NoSymbol]
        );
        assert_eq!(
            check_new_password("abcdefghij", None),
            vec![NoUppercase, NoDigit, NoSymbol]
        );
        assert_eq!(check_new_password("ABCDEFGHIJ1#", None), vec![NoLowercase]);
    }

    #[test]
    fn disallowed_characters_are_named_by_position() {
        assert_eq!(
            check_new_password("Abcdefgh1# x", None),
            vec![DisallowedCharacter { position: 11 }]
        );
        assert_eq!(
            check_new_password("ＡBcdefgh1#\\", None),
            vec![DisallowedCharacter { position: 1 }]
        );
        let msg = DisallowedCharacter { position: 3 }.to_string();
        assert!(msg.contains("character 3"));
    }

    #[test]
    fn same_as_temporary_fails() {
        assert_eq!(
            check_new_password("5nnBM#mqUkwp", Some("5nnBM#mqUkwp")),
            vec![SameAsTemporary]
        );
    }

    #[test]
    fn the_user_id_local_part_is_refused_with_sense() {
        let id = "Yamada.Taro@example.co.jp";
        assert_eq!(
            check_user_id_rule("X1#yamada.taroZ", id),
            Some(ContainsUserId)
        );
        assert_eq!(check_user_id_rule("Abcdefgh1#", id), None);
        // Too short to forbid.
        assert_eq!(check_user_id_rule("Xab1#cdefgh", "ab@example.jp"), None);
    }

    #[test]
    fn every_symbol_counts() {
        for s in SYMBOLS.chars() {
            let pw = format!("Abcdefgh1{s}");
            assert!(check_new_password(&pw, None).is_empty(), "{s}");
        }
    }
}
