//! User name rules, shared so the client can check a name before connecting.
//!
//! A name is 1 to [`MAX_NAME_CHARS`] characters: Unicode letters and digits
//! plus `_`, `-` and `.`. Names never hold a space, `*`, `:` or `,`, which is
//! what keeps every server line kind recognisable from its start.

use std::fmt;

/// Longest name, in characters (not bytes: `철수` is two).
pub const MAX_NAME_CHARS: usize = 32;

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    Empty,
    TooLong,
    BadChar(char),
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => write!(f, "name is empty"),
            NameError::TooLong => write!(f, "name is longer than {MAX_NAME_CHARS} characters"),
            NameError::BadChar(c) if !is_visible(*c) => write!(f, "name may not contain U+{:04X}", *c as u32),
            NameError::BadChar(c) => write!(f, "name may not contain '{c}'"),
        }
    }
}

impl std::error::Error for NameError {}

/// Can `c` be shown as itself in an error? Spaces, controls, bidi
/// overrides and zero-width characters are named by code point instead:
/// invisible, or worse, able to reorder the rest of the line.
pub fn is_visible(c: char) -> bool {
    !(c.is_whitespace()
        || super::line::is_stripped(c)
        || matches!(c, '\u{AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'))
}

/// Is `c` allowed in a name?
pub fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// Checks `name` against the rules; `Ok` means the server will accept it
/// unless someone else already holds it.
pub fn validate_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if let Some(c) = name.chars().find(|&c| !is_name_char(c)) {
        return Err(NameError::BadChar(c));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(NameError::TooLong);
    }
    Ok(())
}

/// The key two names collide on: `Alice` and `alice` are the same user.
/// Final sigma folds to sigma as in Unicode case folding, so `ΑΣ`, `ας`
/// and `ασ` are one name.
pub fn fold_name(name: &str) -> String {
    name.chars().flat_map(char::to_lowercase).map(|c| if c == 'ς' { 'σ' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_letters_digits_and_marks() {
        for ok in ["a", "bob", "철수", "Zoë", "x_y-z.9", &"n".repeat(32), &"가".repeat(32)] {
            assert_eq!(validate_name(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn refuses_bad_names() {
        assert_eq!(validate_name(""), Err(NameError::Empty));
        assert_eq!(validate_name(&"n".repeat(33)), Err(NameError::TooLong));
        for (bad, c) in [("a b", ' '), ("a:b", ':'), ("*x", '*'), ("a,b", ','), ("x\u{1b}", '\u{1b}')] {
            assert_eq!(validate_name(bad), Err(NameError::BadChar(c)), "{bad}");
        }
    }

    #[test]
    fn folding_ignores_case() {
        assert_eq!(fold_name("Alice"), fold_name("aLICE"));
        assert_eq!(fold_name("철수"), "철수");
        assert_eq!(fold_name("ΑΣ"), fold_name("ας"));
        assert_eq!(fold_name("ασ"), fold_name("ας"));
    }

    #[test]
    fn errors_read_well() {
        assert_eq!(NameError::BadChar(' ').to_string(), "name may not contain U+0020");
        assert_eq!(NameError::BadChar(':').to_string(), "name may not contain ':'");
        assert_eq!(NameError::BadChar('\u{202E}').to_string(), "name may not contain U+202E");
        assert_eq!(NameError::BadChar('\u{200B}').to_string(), "name may not contain U+200B");
    }
}
