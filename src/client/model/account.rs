//! The account dialog's checks, before anything is sent: a new password
//! must pass the server's own rule
//! ([`natter::protocol::account::password_problem`]) and match its
//! confirmation; the lines the dialog sends.

use super::render::password_problem_text;
use crate::i18n::gettext_f;

/// Why a new password and its confirmation cannot be sent, in words.
pub fn new_password_problem(password: &str, confirm: &str) -> Option<String> {
    if password.is_empty() {
        return Some(gettext_f("Enter a password.", &[]));
    }
    if let Some(problem) = password_problem_text(password) {
        return Some(problem);
    }
    (password != confirm).then(|| gettext_f("The passwords do not match.", &[]))
}

/// What the dialog asks of the server. Its `Debug` shows no password.
#[derive(Clone, PartialEq, Eq)]
pub enum AccountRequest {
    /// Register the name in use with this password.
    Register(String),
    /// Change the password.
    ChangePassword { old: String, new: String },
    /// Unregister, confirming with the password.
    Unregister(String),
}

impl std::fmt::Debug for AccountRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AccountRequest::Register(_) => "Register(…)",
            AccountRequest::ChangePassword { .. } => "ChangePassword(…)",
            AccountRequest::Unregister(_) => "Unregister(…)",
        })
    }
}

impl AccountRequest {
    /// The command line for the wire.
    pub fn line(&self) -> String {
        match self {
            AccountRequest::Register(password) => format!("/register {password}"),
            AccountRequest::ChangePassword { old, new } => format!("/password {old} {new}"),
            AccountRequest::Unregister(password) => format!("/unregister {password}"),
        }
    }

    /// The password the account has once the server agrees.
    pub fn new_password(&self) -> Option<&str> {
        match self {
            AccountRequest::Register(password) | AccountRequest::ChangePassword { new: password, .. } => Some(password),
            AccountRequest::Unregister(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use natter::protocol::Command;

    use super::*;

    #[test]
    fn new_passwords_are_checked_before_sending() {
        assert!(new_password_problem("", "").is_some());
        assert!(new_password_problem("short", "short").is_some_and(|p| p.contains('8')));
        assert!(new_password_problem("has a space", "has a space").is_some_and(|p| p.contains("spaces")));
        assert!(new_password_problem("long-enough", "long-enougH").is_some_and(|p| p.contains("match")));
        assert_eq!(new_password_problem("long-enough", "long-enough"), None);
        assert_eq!(new_password_problem("열여덟자비밀번호입니다", "열여덟자비밀번호입니다"), None);
    }

    #[test]
    fn requests_read_back_as_the_account_commands() {
        let register = AccountRequest::Register("correct-horse".into());
        assert!(matches!(Command::parse(&register.line(), "alice"), Command::Register(p) if p.0 == "correct-horse"));
        let change = AccountRequest::ChangePassword { old: "correct-horse".into(), new: "battery-staple".into() };
        assert!(matches!(
            Command::parse(&change.line(), "alice"),
            Command::Password { old, new } if old.0 == "correct-horse" && new.0 == "battery-staple"
        ));
        assert_eq!(change.new_password(), Some("battery-staple"));
        let unregister = AccountRequest::Unregister("battery-staple".into());
        assert!(matches!(Command::parse(&unregister.line(), "alice"), Command::Unregister(_)));
        assert_eq!(unregister.new_password(), None);
        assert!(!format!("{change:?}").contains("horse"), "Debug shows no password");
    }
}
