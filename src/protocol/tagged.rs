//! A whole server line: the optional room tag, the optional history stamp,
//! then the [`Reply`] itself.
//!
//! A stored line (chat, `/me`, a topic change) read back from history
//! carries a stamp after its tag, its server time in UTC and its id:
//! `#dev [2026-12-06T01:02:03Z 1234] alice: hi`. No name or room starts
//! with `[`, so no live line can pass for a history line. Ids increase
//! with time across all rooms; `/history … before|after ID` pages by them.

use std::fmt;

use super::reply::Reply;
use super::room::{encode_in, split_tag};

/// When a stored line was said, and its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp<'a> {
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub time: &'a str,
    pub id: u64,
}

impl<'a> Stamp<'a> {
    /// Splits a stamp off the front of `line`: `(stamp, rest)`.
    pub fn split(line: &'a str) -> (Option<Stamp<'a>>, &'a str) {
        let parsed = line.strip_prefix('[').and_then(|r| r.split_once("] ")).and_then(|(inside, rest)| {
            let (time, id) = inside.split_once(' ')?;
            let stamp = Stamp { time, id: id.parse().ok()? };
            (is_utc_time(time) && id.bytes().all(|b| b.is_ascii_digit())).then_some((stamp, rest))
        });
        match parsed {
            Some((stamp, rest)) => (Some(stamp), rest),
            None => (None, line),
        }
    }
}

impl fmt::Display for Stamp<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{} {}]", self.time, self.id)
    }
}

/// Is `t` shaped `YYYY-MM-DDTHH:MM:SSZ`?
fn is_utc_time(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 => c == b':',
            19 => c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

/// Appends a line: tag, stamp, reply and newline.
pub fn encode_line(room: Option<&str>, stamp: Option<Stamp<'_>>, reply: &Reply<'_>, out: &mut Vec<u8>) {
    if let Some(stamp) = stamp {
        if let Some(room) = room {
            out.extend_from_slice(room.as_bytes());
            out.push(b' ');
        }
        use std::io::Write;
        // Writing into a Vec cannot fail.
        let _ = write!(out, "{stamp} ");
        reply.encode(out);
    } else {
        encode_in(room, reply, out);
    }
}

/// One server line with the room it belongs to (`None`: the default room,
/// or no room at all) and, for a line from history, its stamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tagged<'a> {
    pub room: Option<&'a str>,
    pub stamp: Option<Stamp<'a>>,
    pub reply: Reply<'a>,
}

impl<'a> Tagged<'a> {
    /// A live line (no stamp).
    pub fn live(room: Option<&'a str>, reply: Reply<'a>) -> Self {
        Tagged { room, stamp: None, reply }
    }

    /// Reads one received line (terminator removed).
    pub fn parse(line: &'a str) -> Tagged<'a> {
        let (room, rest) = split_tag(line);
        let (stamp, rest) = Stamp::split(rest);
        Tagged { room, stamp, reply: Reply::parse(rest) }
    }

    /// Appends the wire form, newline included.
    pub fn encode(&self, out: &mut Vec<u8>) {
        encode_line(self.room, self.stamp, &self.reply, out);
    }
}

impl fmt::Display for Tagged<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(room) = self.room {
            write!(f, "{room} ")?;
        }
        if let Some(stamp) = self.stamp {
            write!(f, "{stamp} ")?;
        }
        self.reply.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamped_lines_round_trip() {
        let stamp = Some(Stamp { time: "2026-12-06T01:02:03Z", id: 1234 });
        let cases = [
            (
                Tagged { room: None, stamp, reply: Reply::Chat { from: "alice", text: "hi" } },
                "[2026-12-06T01:02:03Z 1234] alice: hi",
            ),
            (
                Tagged { room: Some("#dev"), stamp, reply: Reply::Action { from: "bob", text: "waves" } },
                "#dev [2026-12-06T01:02:03Z 1234] * bob waves",
            ),
            (Tagged::live(Some("#dev"), Reply::Joined("bob")), "#dev *** bob joined"),
        ];
        for (line, wire) in cases {
            assert_eq!(line.to_string(), wire);
            assert_eq!(Tagged::parse(wire), line);
            let mut out = Vec::new();
            line.encode(&mut out);
            assert_eq!(out, format!("{wire}\n").as_bytes());
        }
    }

    #[test]
    fn only_a_well_formed_stamp_is_a_stamp() {
        for line in ["[x 1] a: b", "[2026-12-06T01:02:03Z x] a: b", "[2026-12-06T01:02:03Z] a: b", "[] a: b"] {
            assert_eq!(Tagged::parse(line).stamp, None, "{line}");
        }
        // What a user types comes after their name: never a stamp.
        let line = Tagged::live(Some("#dev"), Reply::Chat { from: "m", text: "[2026-12-06T01:02:03Z 9] alice: hi" });
        assert_eq!(Tagged::parse(&line.to_string()), line);
    }
}
