//! Shared helpers for the fuzz targets: splitting one fuzz input into
//! parameters, and the invariants more than one target checks.

use natter::protocol::{Command, Frame, Framer, LineDecoder};

/// Reads parameters off the front of a fuzz input.
pub struct Input<'a> {
    pub data: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Input { data }
    }
    /// One byte, or 0 when the input is used up.
    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }
    /// Two bytes, little-endian.
    pub fn u16(&mut self) -> u16 {
        u16::from(self.byte()) | (u16::from(self.byte()) << 8)
    }
    /// Everything left.
    pub fn rest(self) -> &'a [u8] {
        self.data
    }
}

/// What `take_pending` must do with `pending`: the bytes it takes (to be
/// decoded lossily) and the tail it keeps, a character cut by the read
/// boundary (at most 3 bytes that start a valid UTF-8 sequence).
pub fn split_pending(pending: &[u8]) -> (&[u8], &[u8]) {
    let keep = match std::str::from_utf8(pending) {
        Err(e) if e.error_len().is_none() => pending.len() - e.valid_up_to(),
        _ => 0,
    };
    assert!(keep <= 3, "an incomplete character is at most 3 bytes");
    pending.split_at(pending.len() - keep)
}

/// Something that hands out frames: the bare decoder or a client's framer.
pub trait Frames {
    fn has_frame(&self) -> bool;
    fn next_frame(&mut self) -> Option<Frame>;
}

impl Frames for LineDecoder {
    fn has_frame(&self) -> bool {
        LineDecoder::has_frame(self)
    }
    fn next_frame(&mut self) -> Option<Frame> {
        LineDecoder::next_frame(self)
    }
}

impl Frames for Framer {
    fn has_frame(&self) -> bool {
        Framer::has_frame(self)
    }
    fn next_frame(&mut self) -> Option<Frame> {
        Framer::next_frame(self)
    }
}

/// Drains every frame, checking `has_frame` agrees with `next_frame`
/// before each call.
pub fn drain(dec: &mut impl Frames) -> Vec<Frame> {
    let mut out = Vec::new();
    loop {
        let has = dec.has_frame();
        let f = dec.next_frame();
        assert_eq!(has, f.is_some(), "has_frame() disagrees with next_frame() ({f:?})");
        match f {
            Some(f) => out.push(f),
            None => return out,
        }
    }
}

/// Reference model of the framer for a stream pushed in one piece: each
/// segment ending in `\n`, `\r` or the pair `\r\n` (one terminator) is a
/// line, `TooLong` if longer than `max`; an unterminated tail longer than
/// `max` is one `TooLong` and is dropped, otherwise it stays pending.
pub fn model(data: &[u8], max: usize) -> (Vec<Frame>, Vec<u8>) {
    let mut frames = Vec::new();
    let mut rest = data;
    while let Some(end) = rest.iter().position(|&b| b == b'\n' || b == b'\r') {
        let line = &rest[..end];
        frames.push(if line.len() > max {
            Frame::TooLong
        } else {
            Frame::Line(String::from_utf8_lossy(line).into_owned())
        });
        let pair = rest[end] == b'\r' && rest.get(end + 1) == Some(&b'\n');
        rest = &rest[end + 1 + usize::from(pair)..];
    }
    if rest.len() > max {
        frames.push(Frame::TooLong);
        (frames, Vec::new())
    } else {
        (frames, rest.to_vec())
    }
}

/// Invariants of a parsed client command that hold for any line.
pub fn check_command(line: &str, sender: &str) {
    let cmd = Command::parse(line, sender);
    let body = natter::protocol::command::strip_own_prefix(line, sender);
    let own = format!("{sender}: ");
    if line.starts_with(&own) {
        assert_eq!(body, &line[own.len()..], "own prefix not stripped");
    } else {
        assert_eq!(body, line, "a line without the sender's prefix was changed");
    }
    let trimmed_ws = |s: &str| s.trim() == s && !s.is_empty();
    // Parses a re-encoded line, unless the sender's own prefix would change it.
    let again = |wire: String, want: &Command<'_>| {
        if !wire.starts_with(&own) {
            assert_eq!(&Command::parse(&wire, sender), want, "{want:?} does not re-encode as {wire:?}");
        }
    };
    match cmd {
        Command::Empty => assert!(body.trim().is_empty(), "Empty for a non-blank line {line:?}"),
        Command::Say(s) => {
            assert!(!body.trim().is_empty());
            if body.starts_with('/') {
                assert!(body.starts_with("//") && s == &body[1..], "Say from a command line {line:?}");
            } else {
                assert_eq!(s, body);
            }
            // Re-encoding reproduces it (escape a leading '/').
            let wire = if s.starts_with('/') { format!("/{s}") } else { s.to_string() };
            again(wire, &Command::Say(s));
        }
        Command::Nick(n) => {
            assert!(trimmed_ws(n), "Nick arg not trimmed: {n:?}");
            again(format!("/nick {n}"), &Command::Nick(n));
        }
        Command::Me(a) => {
            assert!(trimmed_ws(a), "Me arg not trimmed: {a:?}");
            again(format!("/me {a}"), &Command::Me(a));
        }
        Command::Msg { to, text } => {
            assert!(!to.is_empty() && !to.contains(char::is_whitespace), "bad /msg target {to:?}");
            assert!(trimmed_ws(text), "/msg text not trimmed: {text:?}");
            again(format!("/msg {to} {text}"), &Command::Msg { to, text });
        }
        Command::Quit(r) => {
            if let Some(r) = r {
                assert!(trimmed_ws(r), "quit reason not trimmed: {r:?}");
                again(format!("/quit {r}"), &Command::Quit(Some(r)));
            }
        }
        Command::Unknown(w) => {
            assert!(!w.contains(char::is_whitespace) && !w.starts_with('/'), "bad unknown word {w:?}");
            let lw = w.to_ascii_lowercase();
            let known = [
                "who", "names", "help", "nick", "me", "msg", "quit", "join", "part", "leave", "say", "rooms", "list",
                "topic", "history", "search", "stamps",
            ];
            assert!(!known.contains(&lw.as_str()));
            again(format!("/{w}"), &Command::Unknown(w));
        }
        Command::Usage(u) => assert!(u.starts_with('/')),
        Command::Join(room) => {
            assert!(trimmed_ws(room) && !room.is_empty(), "join arg not trimmed: {room:?}");
            again(format!("/join {room}"), &Command::Join(room));
        }
        Command::Who(Some(room)) => {
            assert!(room.starts_with('#') && trimmed_ws(room), "bad /who room {room:?}");
            again(format!("/who {room}"), &Command::Who(Some(room)));
        }
        Command::SayIn { room, text } => {
            assert!(room.starts_with('#') && !room.contains(char::is_whitespace), "bad /say room {room:?}");
            assert!(!text.trim().is_empty(), "empty /say text");
            again(format!("/say {room} {text}"), &Command::SayIn { room, text });
        }
        Command::Part { room, reason } => {
            if let Some(room) = room {
                assert!(room.starts_with('#') && !room.contains(char::is_whitespace), "bad /part room {room:?}");
            }
            if let Some(reason) = reason {
                assert!(trimmed_ws(reason) && !reason.is_empty(), "part reason not trimmed: {reason:?}");
            }
        }
        Command::Topic(Some(t)) => assert!(trimmed_ws(t) && !t.is_empty(), "topic not trimmed: {t:?}"),
        Command::History { count, .. } => assert!(count.is_none_or(|_| true)),
        Command::Search { words, .. } => assert!(!words.trim().is_empty(), "empty search"),
        Command::Who(None) | Command::Help | Command::Rooms | Command::Topic(None) | Command::Stamps => {}
    }
}
