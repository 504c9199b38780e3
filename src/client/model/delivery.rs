//! Whether a typed line may go, and which sent line a server refusal is about.
//!
//! A line over the protocol's limit is refused by natterd anyway, so the
//! client keeps it in the entry instead of sending it ([`too_long`]).
//! natterd says nothing when a line goes through and answers a refused one
//! with an error only, while the client shows its own lines as soon as they
//! are written. So a refusal has to be matched to the line it refuses:
//! [`Sent`] remembers the last lines written and [`Sent::refused`] picks the
//! newest one the error is about, which the window then marks as not
//! delivered.

use std::collections::VecDeque;

use natter::protocol::{fold_name, ErrorKind, DEFAULT_MAX_LINE};

use super::session::Entry;

/// Sent lines remembered for matching refusals.
const REMEMBERED: usize = 32;

/// A line longer than the protocol allows: it is not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLong {
    /// The line's length in bytes (what the limit counts).
    pub bytes: usize,
    /// The most a line may have.
    pub max: usize,
}

/// `Some` when `input`, as one wire line, is over the protocol's limit
/// ([`DEFAULT_MAX_LINE`] bytes, the newline not counted).
pub fn too_long(input: &str) -> Option<TooLong> {
    // A pasted newline becomes one space: the same number of bytes.
    let bytes = input.len();
    (bytes > DEFAULT_MAX_LINE).then_some(TooLong { bytes, max: DEFAULT_MAX_LINE })
}

/// One line of this user's, sent to the server and shown as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentLine {
    /// Tells this line from an identical one.
    pub id: u64,
    /// How the conversation shows it.
    pub echo: Entry,
    /// What the user typed, to give back if it is refused.
    pub input: String,
    /// Its length on the wire, in bytes.
    pub bytes: usize,
    /// Its echo is in the conversation (it is shown once written, and the
    /// server's refusal can arrive before that).
    pub shown: bool,
}

impl SentLine {
    /// The entry that replaces [`SentLine::echo`] once refused.
    pub fn undelivered(&self) -> Entry {
        Entry::Undelivered { echo: Box::new(self.echo.clone()), input: self.input.clone() }
    }
}

/// The last lines sent, newest last, and those refused before they showed.
#[derive(Debug, Default, Clone)]
pub struct Sent {
    lines: VecDeque<SentLine>,
    refused_unshown: Vec<SentLine>,
    next_id: u64,
}

impl Sent {
    /// Remembers a line about to be written, forgetting the oldest past
    /// [`REMEMBERED`]; returns its id for [`Sent::shown`].
    pub fn record(&mut self, echo: Entry, input: &str, bytes: usize) -> u64 {
        self.next_id += 1;
        if self.lines.len() == REMEMBERED {
            self.lines.pop_front();
        }
        let line = SentLine { id: self.next_id, echo, input: input.to_owned(), bytes, shown: false };
        self.lines.push_back(line);
        self.next_id
    }

    /// Line `id` was written: `None` to show its echo, or the entry to
    /// show instead when the server refused it already.
    pub fn shown(&mut self, id: u64) -> Option<Entry> {
        if let Some(at) = self.refused_unshown.iter().position(|l| l.id == id) {
            return Some(self.refused_unshown.remove(at).undelivered());
        }
        if let Some(line) = self.lines.iter_mut().find(|l| l.id == id) {
            line.shown = true;
        }
        None
    }

    /// The newest sent line `error` refuses, forgotten from now on: a
    /// private message to a name nobody has, or a line over the server's
    /// (possibly smaller) limit. Other errors refuse no shown line. A line
    /// not shown yet is kept for [`Sent::shown`].
    pub fn refused(&mut self, error: &ErrorKind<'_>) -> Option<SentLine> {
        let at = match *error {
            ErrorKind::NoSuchUser(name) => self.lines.iter().rposition(|s| match &s.echo {
                Entry::PrivateOut { to, .. } => fold_name(to) == fold_name(name),
                _ => false,
            }),
            ErrorKind::LineTooLong(max) => self.lines.iter().rposition(|s| s.bytes > max),
            _ => None,
        }?;
        let line = self.lines.remove(at)?;
        if !line.shown {
            self.refused_unshown.truncate(REMEMBERED - 1);
            self.refused_unshown.push(line.clone());
        }
        Some(line)
    }

    /// Forgets everything (a new connection refuses nothing of the old one).
    pub fn clear(&mut self) {
        self.lines.clear();
        self.refused_unshown.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn private(sent: &mut Sent, to: &str, text: &str) -> u64 {
        let input = format!("/msg {to} {text}");
        let id = sent.record(Entry::PrivateOut { to: to.into(), text: text.into() }, &input, input.len());
        assert_eq!(sent.shown(id), None);
        id
    }

    fn chat(sent: &mut Sent, text: &str) -> u64 {
        let id = sent.record(Entry::OwnChat { from: "alice".into(), text: text.into() }, text, text.len());
        assert_eq!(sent.shown(id), None);
        id
    }

    #[test]
    fn lines_over_the_limit_are_too_long() {
        assert_eq!(too_long(&"x".repeat(DEFAULT_MAX_LINE)), None);
        assert_eq!(too_long(&"x".repeat(5000)), Some(TooLong { bytes: 5000, max: DEFAULT_MAX_LINE }));
        // Bytes, not characters: 1,400 Hangul syllables are 4,200 bytes.
        assert_eq!(too_long(&"한".repeat(1400)).map(|t| t.bytes), Some(4200));
        assert_eq!(too_long("hello"), None);
    }

    #[test]
    fn no_such_user_refuses_the_newest_private_line_to_that_name() {
        let mut sent = Sent::default();
        private(&mut sent, "nobody", "first");
        private(&mut sent, "bob", "hi");
        private(&mut sent, "Nobody", "hello?");
        chat(&mut sent, "unrelated");
        let refused = sent.refused(&ErrorKind::NoSuchUser("nobody")).expect("a private line to nobody");
        assert_eq!(refused.input, "/msg Nobody hello?");
        assert!(refused.shown);
        assert_eq!(
            refused.undelivered(),
            Entry::Undelivered {
                echo: Box::new(Entry::PrivateOut { to: "Nobody".into(), text: "hello?".into() }),
                input: "/msg Nobody hello?".into()
            }
        );
        // Each refusal takes one line: the next is the older one.
        assert_eq!(sent.refused(&ErrorKind::NoSuchUser("nobody")).map(|s| s.input), Some("/msg nobody first".into()));
        assert_eq!(sent.refused(&ErrorKind::NoSuchUser("nobody")), None);
        assert_eq!(sent.refused(&ErrorKind::NoSuchUser("carol")), None);
    }

    #[test]
    fn line_too_long_refuses_the_newest_line_over_the_servers_limit() {
        let mut sent = Sent::default();
        chat(&mut sent, &"a".repeat(150));
        chat(&mut sent, &"b".repeat(200));
        chat(&mut sent, "short");
        let refused = sent.refused(&ErrorKind::LineTooLong(100)).expect("a line over 100 bytes");
        assert_eq!(refused.bytes, 200);
        assert_eq!(sent.refused(&ErrorKind::LineTooLong(4096)), None);
    }

    #[test]
    fn a_refusal_before_the_echo_shows_the_line_as_not_delivered() {
        let mut sent = Sent::default();
        let echo = Entry::PrivateOut { to: "nobody".into(), text: "hi".into() };
        let id = sent.record(echo.clone(), "/msg nobody hi", 14);
        let refused = sent.refused(&ErrorKind::NoSuchUser("nobody")).expect("refused");
        assert!(!refused.shown, "nothing to mark yet");
        assert_eq!(sent.shown(id), Some(Entry::Undelivered { echo: Box::new(echo), input: "/msg nobody hi".into() }));
        assert_eq!(sent.shown(id), None, "once");
    }

    #[test]
    fn other_errors_refuse_no_shown_line_and_memory_is_bounded() {
        let mut sent = Sent::default();
        for i in 0..100 {
            chat(&mut sent, &i.to_string());
        }
        assert_eq!(sent.lines.len(), REMEMBERED);
        assert_eq!(sent.refused(&ErrorKind::UnknownCommand("dance")), None);
        assert_eq!(sent.refused(&ErrorKind::Usage("/msg NAME TEXT")), None);
        sent.clear();
        assert_eq!(sent.refused(&ErrorKind::LineTooLong(0)), None);
    }
}
