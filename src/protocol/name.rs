//! User name rules, shared so the client can check a name before connecting.
//!
//! A name is 1 to [`MAX_NAME_CHARS`] characters: Unicode letters and digits
//! plus `_`, `-` and `.`. Names never hold a space, `*`, `:` or `,`, which is
//! what keeps every server line kind recognisable from its start.
//!
//! Names are compared and kept in Unicode NFC, so the composed and the
//! decomposed spelling of `철수` or `Zoë` are one name, and characters that
//! render as nothing (UTS #39 "default ignorable": zero-width marks, Hangul
//! fillers such as U+3164) are refused, so no two names that look the same
//! can be online at once.

use std::borrow::Cow;
use std::fmt;

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
use unicode_security::general_security_profile::IdentifierType;
use unicode_security::GeneralSecurityProfile;

/// Longest name, in characters (not bytes: `철수` is two).
pub const MAX_NAME_CHARS: usize = 32;

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    Empty,
    TooLong,
    BadChar(char),
    /// Letters of scripts that do not mix (see [`look_alike`](mod@super::look_alike)).
    MixedScripts(Vec<&'static str>),
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => write!(f, "name is empty"),
            NameError::TooLong => write!(f, "name is longer than {MAX_NAME_CHARS} characters"),
            NameError::BadChar(' ') => write!(f, "name may not contain spaces"),
            NameError::BadChar(c) if c.is_whitespace() => {
                write!(f, "name may not contain spaces (U+{:04X})", *c as u32)
            }
            NameError::BadChar(c) if !is_visible(*c) => {
                write!(f, "name may not contain invisible characters (U+{:04X})", *c as u32)
            }
            NameError::BadChar(c) => write!(f, "name may not contain '{c}'"),
            NameError::MixedScripts(scripts) => write!(f, "name mixes {} letters", scripts.join(" and ")),
        }
    }
}

impl std::error::Error for NameError {}

/// Can `c` be shown as itself in an error? Spaces, controls, bidi
/// overrides and zero-width characters are named by code point instead:
/// invisible, or worse, able to reorder the rest of the line.
pub fn is_visible(c: char) -> bool {
    !(c.is_whitespace() || super::line::is_stripped(c) || is_invisible(c))
}

/// Does `c` render as nothing? Unicode's default-ignorable code points
/// (zero-width spaces and joiners, variation selectors, U+17B4, the Hangul
/// fillers U+115F, U+1160, U+3164 and U+FFA0, which count as letters).
fn is_invisible(c: char) -> bool {
    // UTS #39 types U+206A–206F (deprecated format controls) and U+2065
    // (unassigned) otherwise; they show as nothing all the same.
    c.identifier_type() == Some(IdentifierType::Default_Ignorable) || matches!(c, '\u{2065}'..='\u{206F}')
}

/// Is `c` allowed in a name?
pub fn is_name_char(c: char) -> bool {
    (c.is_alphanumeric() || matches!(c, '_' | '-' | '.')) && !is_invisible(c)
}

/// `name` in Unicode NFC, the one form names are kept, shown and compared
/// in; borrowed when it already is (every ASCII name).
pub fn normalize_name(name: &str) -> Cow<'_, str> {
    match is_nfc_quick(name.chars()) {
        IsNormalized::Yes => Cow::Borrowed(name),
        _ => Cow::Owned(name.nfc().collect()),
    }
}

/// The name as the server keeps it: `name` in NFC, checked against the
/// rules. `Ok` means the server will accept it unless someone else already
/// holds it.
pub fn canonical_name(name: &str) -> Result<Cow<'_, str>, NameError> {
    let name = normalize_name(name);
    check_name(&name)?;
    Ok(name)
}

/// Checks `name` against the rules after normalising it (so the
/// decomposed form of a valid name is valid too).
pub fn validate_name(name: &str) -> Result<(), NameError> {
    canonical_name(name).map(drop)
}

fn check_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if let Some(c) = name.chars().find(|&c| !is_name_char(c)) {
        return Err(NameError::BadChar(c));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(NameError::TooLong);
    }
    if let Some(scripts) = super::look_alike::mixed_scripts(name) {
        return Err(NameError::MixedScripts(scripts));
    }
    Ok(())
}

/// The key two names collide on: `Alice` and `alice` are the same user.
/// Final sigma folds to sigma as in Unicode case folding, so `ΑΣ`, `ας`
/// and `ασ` are one name; the NFC and NFD forms of `철수` are one name.
pub fn fold_name(name: &str) -> String {
    let folded: String =
        normalize_name(name).chars().flat_map(char::to_lowercase).map(|c| if c == 'ς' { 'σ' } else { c }).collect();
    match normalize_name(&folded) {
        Cow::Borrowed(_) => folded,
        Cow::Owned(nfc) => nfc,
    }
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
    fn refuses_names_that_mix_scripts() {
        assert_eq!(validate_name("аlice"), Err(NameError::MixedScripts(vec!["Cyrillic", "Latin"])));
        assert_eq!(
            NameError::MixedScripts(vec!["Cyrillic", "Latin"]).to_string(),
            "name mixes Cyrillic and Latin letters"
        );
        assert_eq!(validate_name("철수abc"), Ok(()));
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
        assert_eq!(NameError::BadChar(' ').to_string(), "name may not contain spaces");
        assert_eq!(NameError::BadChar('\u{3000}').to_string(), "name may not contain spaces (U+3000)");
        assert_eq!(NameError::BadChar(':').to_string(), "name may not contain ':'");
        for c in ['\u{202E}', '\u{200B}', '\u{17B4}', '\u{3164}'] {
            assert_eq!(
                NameError::BadChar(c).to_string(),
                format!("name may not contain invisible characters (U+{:04X})", c as u32)
            );
        }
    }

    #[test]
    fn decomposed_names_are_their_composed_form() {
        let nfd_chulsoo = "\u{110E}\u{1165}\u{11AF}\u{1109}\u{116E}";
        assert_eq!(canonical_name(nfd_chulsoo).as_deref(), Ok("철수"));
        assert_eq!(canonical_name("Zoe\u{308}").as_deref(), Ok("Zoë"));
        assert!(matches!(canonical_name("bob"), Ok(Cow::Borrowed("bob"))));
        assert_eq!(fold_name(nfd_chulsoo), fold_name("철수"));
        assert_eq!(fold_name("ZOE\u{308}"), fold_name("zoë"));
    }

    #[test]
    fn refuses_names_with_invisible_characters() {
        for (bad, c) in [
            ("alice\u{1160}", '\u{1160}'),
            ("\u{115F}", '\u{115F}'),
            ("\u{3164}", '\u{3164}'),
            ("\u{FFA0}x", '\u{FFA0}'),
            ("a\u{17B4}", '\u{17B4}'),
            ("a\u{200D}b", '\u{200D}'),
            ("a\u{FE0F}", '\u{FE0F}'),
            ("a\u{AD}b", '\u{AD}'),
        ] {
            assert_eq!(validate_name(bad), Err(NameError::BadChar(c)), "{bad:?}");
            assert!(!is_visible(c));
        }
    }
}
