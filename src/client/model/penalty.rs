//! What an operator does to a member from the member menu (kick, mute,
//! ban), as the command line natterd reads (docs/protocol.md, Moderation).
//!
//! The room is always named, so the command acts on the room on screen
//! whichever room the server has current (see `session/sending.rs`).

use natter::protocol::moderation::MAX_REASON_CHARS;

/// An operator's action on a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Penalty {
    /// Out of the room (in the default room: off the server); a reason.
    Kick,
    /// Cannot speak in the room; a duration.
    Mute,
    /// Out of the room and kept out; a duration and a reason.
    Ban,
}

impl Penalty {
    /// The command word.
    fn word(self) -> &'static str {
        match self {
            Penalty::Kick => "kick",
            Penalty::Mute => "mute",
            Penalty::Ban => "ban",
        }
    }

    /// Whether the dialog asks how long.
    pub fn has_duration(self) -> bool {
        self != Penalty::Kick
    }

    /// Whether the dialog asks why.
    pub fn has_reason(self) -> bool {
        self != Penalty::Mute
    }
}

/// How long a mute or ban lasts, as offered in the dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duration {
    TenMinutes,
    Hour,
    Day,
    Week,
    /// Until lifted (`/unmute`, `/unban`).
    Permanent,
}

impl Duration {
    /// Every choice, in the dialog's order.
    pub const ALL: [Duration; 5] =
        [Duration::TenMinutes, Duration::Hour, Duration::Day, Duration::Week, Duration::Permanent];

    /// The duration word natterd reads; none for permanent.
    pub fn word(self) -> Option<&'static str> {
        match self {
            Duration::TenMinutes => Some("10m"),
            Duration::Hour => Some("1h"),
            Duration::Day => Some("1d"),
            Duration::Week => Some("7d"),
            Duration::Permanent => None,
        }
    }
}

/// The line that applies `penalty` to `name` in `room`. A reason is one
/// line, cut to what natterd keeps; only a kick or ban has one, only a
/// mute or ban a duration.
pub fn penalty_line(room: &str, name: &str, penalty: Penalty, duration: Duration, reason: &str) -> String {
    let mut line = format!("/{} {room} {name}", penalty.word());
    if penalty.has_duration() {
        if let Some(word) = duration.word() {
            line.push(' ');
            line.push_str(word);
        }
    }
    let reason: String = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut reason: String = reason.chars().take(MAX_REASON_CHARS).collect();
    if penalty == Penalty::Ban && duration == Duration::Permanent && reason.starts_with(|c: char| c.is_ascii_digit()) {
        // natterd reads a word starting with a digit after the name as
        // the duration; quoted, it stays the reason.
        reason = format!("“{reason}”");
    }
    if penalty.has_reason() && !reason.is_empty() {
        line.push(' ');
        line.push_str(&reason);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_penalty_as_natterd_reads_it() {
        assert_eq!(penalty_line("#dev", "bob", Penalty::Ban, Duration::Hour, "spamming"), "/ban #dev bob 1h spamming");
        assert_eq!(penalty_line("#lobby", "bob", Penalty::Ban, Duration::Permanent, ""), "/ban #lobby bob");
        assert_eq!(
            penalty_line("#dev", "bob", Penalty::Kick, Duration::Week, " calm  down\n"),
            "/kick #dev bob calm down"
        );
        assert_eq!(penalty_line("#dev", "bob", Penalty::Kick, Duration::Hour, ""), "/kick #dev bob");
        assert_eq!(penalty_line("#dev", "철수", Penalty::Mute, Duration::TenMinutes, "ignored"), "/mute #dev 철수 10m");
        assert_eq!(penalty_line("#dev", "bob", Penalty::Mute, Duration::Permanent, ""), "/mute #dev bob");
        assert_eq!(penalty_line("#dev", "bob", Penalty::Ban, Duration::Week, "x"), "/ban #dev bob 7d x");
        assert_eq!(penalty_line("#dev", "bob", Penalty::Ban, Duration::Day, ""), "/ban #dev bob 1d");
    }

    #[test]
    fn a_permanent_ban_reason_is_never_read_as_a_duration() {
        let line = penalty_line("#dev", "bob", Penalty::Ban, Duration::Permanent, "3 spam links");
        assert_eq!(line, "/ban #dev bob “3 spam links”");
        assert_eq!(penalty_line("#dev", "bob", Penalty::Ban, Duration::Hour, "3 links"), "/ban #dev bob 1h 3 links");
    }

    #[test]
    fn reasons_are_cut_to_what_natterd_keeps() {
        let long = "가".repeat(MAX_REASON_CHARS + 50);
        let line = penalty_line("#dev", "bob", Penalty::Kick, Duration::Hour, &long);
        assert_eq!(line.chars().count(), "/kick #dev bob ".chars().count() + MAX_REASON_CHARS);
    }
}
