//! Registered names: the account commands' answers and errors, and the
//! password rule both sides check.
//!
//! A registered name is used by logging in, with a first line
//! `NAME PASSWORD` (a name holds no space, so this cannot be a name) or
//! `/login NAME PASSWORD`. Answers are `*** ` notices; their texts are
//! kept here, beside their parsers, so client and server agree.

use std::fmt;

/// Fewest and most characters in a password.
pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// A password as it travels through the parser: never printed, so a
/// `debug!` of a command cannot log it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Secret<'a>(pub &'a str);

impl fmt::Debug for Secret<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// Why a new password is refused; `None` if it is acceptable.
pub fn password_problem(password: &str) -> Option<&'static str> {
    let chars = password.chars().count();
    if password.chars().any(char::is_whitespace) {
        Some("a password cannot hold spaces")
    } else if chars < MIN_PASSWORD_CHARS {
        Some("a password needs at least 8 characters")
    } else if chars > MAX_PASSWORD_CHARS {
        Some("a password has at most 128 characters")
    } else if password.chars().any(char::is_control) {
        Some("a password cannot hold control characters")
    } else {
        None
    }
}

/// Splits a first line `NAME PASSWORD`; `None` for a plain name.
pub fn split_login(line: &str) -> Option<(&str, &str)> {
    let (name, password) = line.trim().split_once(' ')?;
    Some((name, password.trim()))
}

/// An account notice, after `*** `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountReply<'a> {
    /// `registered NAME, you are logged in`
    Registered(&'a str),
    /// `logged in as NAME`
    LoggedIn(&'a str),
    /// `password changed`
    PasswordChanged,
    /// `NAME is no longer registered`
    Unregistered(&'a str),
    /// `note: your password travelled unencrypted; connect with TLS to
    /// keep it private`: once per plain connection.
    Unencrypted,
    /// `NAME is offline: your message will be delivered when they log in`
    Stored(&'a str),
}

const REGISTERED: (&str, &str) = ("registered ", ", you are logged in");
const LOGGED_IN: &str = "logged in as ";
const PASSWORD_CHANGED: &str = "password changed";
const UNREGISTERED: &str = " is no longer registered";
const UNENCRYPTED: &str = "note: your password travelled unencrypted; connect with TLS to keep it private";
const STORED: &str = " is offline: your message will be delivered when they log in";

impl fmt::Display for AccountReply<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccountReply::Registered(n) => write!(f, "{}{n}{}", REGISTERED.0, REGISTERED.1),
            AccountReply::LoggedIn(n) => write!(f, "{LOGGED_IN}{n}"),
            AccountReply::PasswordChanged => f.write_str(PASSWORD_CHANGED),
            AccountReply::Unregistered(n) => write!(f, "{n}{UNREGISTERED}"),
            AccountReply::Unencrypted => f.write_str(UNENCRYPTED),
            AccountReply::Stored(n) => write!(f, "{n}{STORED}"),
        }
    }
}

impl<'a> AccountReply<'a> {
    /// Reads a notice's text (after `*** `); `None` if it is not one.
    pub fn parse(n: &'a str, is_name: impl Fn(&str) -> bool) -> Option<Self> {
        let named = |s: Option<&'a str>| s.filter(|s| is_name(s));
        if n == PASSWORD_CHANGED {
            Some(AccountReply::PasswordChanged)
        } else if n == UNENCRYPTED {
            Some(AccountReply::Unencrypted)
        } else if let Some(name) = named(n.strip_prefix(REGISTERED.0).and_then(|r| r.strip_suffix(REGISTERED.1))) {
            Some(AccountReply::Registered(name))
        } else if let Some(name) = named(n.strip_prefix(LOGGED_IN)) {
            Some(AccountReply::LoggedIn(name))
        } else if let Some(name) = named(n.strip_suffix(UNREGISTERED)) {
            Some(AccountReply::Unregistered(name))
        } else {
            named(n.strip_suffix(STORED)).map(AccountReply::Stored)
        }
    }
}

/// An account error, after `*** error: `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountError<'a> {
    /// `NAME is registered: log in with /login NAME PASSWORD`
    NeedsLogin(&'a str),
    /// `wrong password for NAME`
    WrongPassword(&'a str),
    /// `too many failed logins, try again in N s`
    Guessing(u64),
    /// `too many names registered from your address, try again in N min`
    TooManyRegistrations(u64),
    /// `NAME is not registered`
    NotRegistered(&'a str),
    /// `NAME is already registered`
    AlreadyRegistered(&'a str),
    /// `invalid password: WHY`
    BadPassword(&'a str),
    /// `accounts unavailable, try again later`: storage failing or the
    /// password worker overloaded.
    Unavailable,
}

const NEEDS_LOGIN: (&str, &str) = (" is registered: log in with /login ", " PASSWORD");
const WRONG: &str = "wrong password for ";
const GUESSING: (&str, &str) = ("too many failed logins, try again in ", " s");
const REGISTRATIONS: (&str, &str) = ("too many names registered from your address, try again in ", " min");
const NOT_REGISTERED: &str = " is not registered";
const ALREADY: &str = " is already registered";
const BAD_PASSWORD: &str = "invalid password: ";
const UNAVAILABLE: &str = "accounts unavailable, try again later";

impl fmt::Display for AccountError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccountError::NeedsLogin(n) => write!(f, "{n}{}{n}{}", NEEDS_LOGIN.0, NEEDS_LOGIN.1),
            AccountError::WrongPassword(n) => write!(f, "{WRONG}{n}"),
            AccountError::Guessing(s) => write!(f, "{}{s}{}", GUESSING.0, GUESSING.1),
            AccountError::TooManyRegistrations(m) => write!(f, "{}{m}{}", REGISTRATIONS.0, REGISTRATIONS.1),
            AccountError::NotRegistered(n) => write!(f, "{n}{NOT_REGISTERED}"),
            AccountError::AlreadyRegistered(n) => write!(f, "{n}{ALREADY}"),
            AccountError::BadPassword(why) => write!(f, "{BAD_PASSWORD}{why}"),
            AccountError::Unavailable => f.write_str(UNAVAILABLE),
        }
    }
}

impl<'a> AccountError<'a> {
    /// Reads an error's text (after `*** error: `); `None` if it is not one.
    pub fn parse(e: &'a str, is_name: impl Fn(&str) -> bool) -> Option<Self> {
        let named = |s: Option<&'a str>| s.filter(|s| is_name(s));
        if e == UNAVAILABLE {
            return Some(AccountError::Unavailable);
        }
        if let Some(s) = e.strip_prefix(GUESSING.0).and_then(|r| r.strip_suffix(GUESSING.1)) {
            return s.parse().ok().map(AccountError::Guessing);
        }
        if let Some(m) = e.strip_prefix(REGISTRATIONS.0).and_then(|r| r.strip_suffix(REGISTRATIONS.1)) {
            return m.parse().ok().map(AccountError::TooManyRegistrations);
        }
        if let Some(why) = e.strip_prefix(BAD_PASSWORD) {
            return Some(AccountError::BadPassword(why));
        }
        if let Some(name) = named(e.strip_prefix(WRONG)) {
            return Some(AccountError::WrongPassword(name));
        }
        if let Some((name, _)) =
            e.split_once(NEEDS_LOGIN.0).filter(|(n, rest)| *rest == format!("{n}{}", NEEDS_LOGIN.1))
        {
            return named(Some(name)).map(AccountError::NeedsLogin);
        }
        if let Some(name) = named(e.strip_suffix(NOT_REGISTERED)) {
            return Some(AccountError::NotRegistered(name));
        }
        named(e.strip_suffix(ALREADY)).map(AccountError::AlreadyRegistered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::validate_name;

    fn is_name(s: &str) -> bool {
        validate_name(s).is_ok()
    }

    #[test]
    fn replies_round_trip() {
        for (reply, wire) in [
            (AccountReply::Registered("철수"), "registered 철수, you are logged in"),
            (AccountReply::LoggedIn("alice"), "logged in as alice"),
            (AccountReply::PasswordChanged, "password changed"),
            (AccountReply::Unregistered("alice"), "alice is no longer registered"),
            (AccountReply::Unencrypted, UNENCRYPTED),
            (AccountReply::Stored("bob"), "bob is offline: your message will be delivered when they log in"),
        ] {
            assert_eq!(reply.to_string(), wire);
            assert_eq!(AccountReply::parse(wire, is_name), Some(reply));
        }
        assert_eq!(AccountReply::parse("logged in as two words", is_name), None);
    }

    #[test]
    fn errors_round_trip() {
        for (error, wire) in [
            (AccountError::NeedsLogin("alice"), "alice is registered: log in with /login alice PASSWORD"),
            (AccountError::WrongPassword("alice"), "wrong password for alice"),
            (AccountError::Guessing(40), "too many failed logins, try again in 40 s"),
            (
                AccountError::TooManyRegistrations(12),
                "too many names registered from your address, try again in 12 min",
            ),
            (AccountError::NotRegistered("bob"), "bob is not registered"),
            (AccountError::AlreadyRegistered("bob"), "bob is already registered"),
            (
                AccountError::BadPassword("a password needs at least 8 characters"),
                "invalid password: a password needs at least 8 characters",
            ),
            (AccountError::Unavailable, UNAVAILABLE),
        ] {
            assert_eq!(error.to_string(), wire);
            assert_eq!(AccountError::parse(wire, is_name), Some(error));
        }
    }

    #[test]
    fn passwords() {
        assert_eq!(password_problem("correct-horse"), None);
        assert_eq!(password_problem("비밀번호는여덟자"), None);
        assert!(password_problem("short").is_some());
        assert!(password_problem("has a space").is_some());
        assert!(password_problem(&"x".repeat(129)).is_some());
        assert_eq!(split_login("alice  s3cret-pw "), Some(("alice", "s3cret-pw")));
        assert_eq!(split_login("alice"), None);
    }

    #[test]
    fn secrets_never_print() {
        assert_eq!(format!("{:?}", Secret("hunter22")), "Secret(…)");
    }
}
