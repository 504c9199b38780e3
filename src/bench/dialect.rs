//! The two client dialects the load generator speaks, and the test payload.
//!
//! natterd speaks Natter (first line is the name, then plain lines, see
//! `docs/protocol.md`); ngIRCd and InspIRCd speak IRC (NICK/USER, wait for
//! 001, JOIN #bench, PRIVMSG #bench, PING/PONG). A client given a room of
//! its own (the rooms scenarios) joins it instead: `/join #room` after the
//! Natter welcome, `JOIN #room` after 001, and talks there. Both deliver a chat line
//! to every other member with some prefix in front of the text, so the
//! bench puts a fixed-length payload at the end of every line it sends and
//! reads it back from the end of every line it gets, whatever the prefix.

use natter::protocol::Reply;

/// Bytes in one payload; lines on the wire are this plus the prefix.
pub const PAYLOAD_LEN: usize = 60;
/// Every payload starts with this, so other lines are never mistaken.
const MAGIC: &[u8] = b"nb|";
/// The channel the IRC clients meet in.
const CHANNEL: &str = "#bench";

/// How a client talks to the server under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Natter,
    Irc,
}

/// What the generator should do after a line that arrived during setup.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing to do.
    Nothing,
    /// Send these bytes (JOIN after 001, PONG for PING).
    Send(Vec<u8>),
    /// The client is in the room.
    Ready,
    /// The server refused the client.
    Failed(String),
}

impl Dialect {
    /// The lines that name a new client.
    pub fn hello(self, name: &str, out: &mut Vec<u8>) {
        match self {
            Dialect::Natter => {
                out.extend_from_slice(name.as_bytes());
                out.push(b'\n');
            }
            Dialect::Irc => {
                out.extend_from_slice(format!("NICK {name}\r\nUSER {name} 0 * :{name}\r\n").as_bytes());
            }
        }
    }

    /// One chat line carrying `payload` (or any other text) to `room`,
    /// else the shared room. A Natter client talks in the one room it
    /// joined, so its line is plain either way.
    pub fn chat(self, room: Option<&str>, payload: &[u8], out: &mut Vec<u8>) {
        match self {
            Dialect::Natter => {
                out.extend_from_slice(payload);
                out.push(b'\n');
            }
            Dialect::Irc => {
                out.extend_from_slice(b"PRIVMSG ");
                out.extend_from_slice(room.unwrap_or(CHANNEL).as_bytes());
                out.extend_from_slice(b" :");
                out.extend_from_slice(payload);
                out.extend_from_slice(b"\r\n");
            }
        }
    }

    /// Reacts to a line that arrived before the client was ready. An IRC
    /// client that need not `join` is ready at 001; a Natter client is in
    /// the default room once named, and in `room` at that room's welcome.
    pub fn setup_step(self, line: &[u8], join: bool, room: Option<&str>) -> Step {
        if let Some(pong) = self.pong(line) {
            return Step::Send(pong);
        }
        match self {
            Dialect::Natter => {
                let text = String::from_utf8_lossy(line);
                // A line of another room is `#room ` plus the line.
                let (tag, rest) = match room.and_then(|r| text.strip_prefix(r)?.strip_prefix(' ')) {
                    Some(rest) => (room, rest),
                    None => (None, &*text),
                };
                match (Reply::parse(rest), room) {
                    (Reply::Welcome { .. }, None) => Step::Ready,
                    (Reply::Welcome { .. }, Some(r)) if tag.is_none() => {
                        Step::Send(format!("/join {r}\n").into_bytes())
                    }
                    (Reply::Welcome { .. }, Some(_)) => Step::Ready,
                    (Reply::Error(_), _) if tag.is_none() => Step::Failed(lossy(line)),
                    _ => Step::Nothing,
                }
            }
            Dialect::Irc => match irc_command(line) {
                b"001" if !join => Step::Ready,
                b"001" => Step::Send(format!("JOIN {}\r\n", room.unwrap_or(CHANNEL)).into_bytes()),
                b"366" => Step::Ready,
                b"ERROR" | b"432" | b"433" | b"436" | b"451" | b"471" | b"473" | b"474" | b"475" => {
                    Step::Failed(lossy(line))
                }
                _ => Step::Nothing,
            },
        }
    }

    /// The answer to a server PING, if `line` is one.
    pub fn pong(self, line: &[u8]) -> Option<Vec<u8>> {
        if self != Dialect::Irc {
            return None;
        }
        let rest = line.strip_prefix(b"PING ")?;
        let mut pong = b"PONG ".to_vec();
        pong.extend_from_slice(rest);
        pong.extend_from_slice(b"\r\n");
        Some(pong)
    }
}

/// The command word of an IRC line (after the optional `:prefix`).
fn irc_command(line: &[u8]) -> &[u8] {
    let mut words = line.split(|&b| b == b' ').filter(|w| !w.is_empty());
    let first = words.next().unwrap_or_default();
    if first.starts_with(b":") {
        words.next().unwrap_or_default()
    } else {
        first
    }
}

fn lossy(line: &[u8]) -> String {
    String::from_utf8_lossy(line).into_owned()
}

/// What one payload says: who sent it, its number for that sender, and
/// when it was sent (ns on the bench's monotonic clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payload {
    pub sender: u32,
    pub seq: u32,
    pub sent_ns: u64,
}

impl Payload {
    /// The fixed-length text form: `nb|SSSSSS|QQQQQQQ|TTTT…|xxx…`.
    pub fn encode(&self) -> [u8; PAYLOAD_LEN] {
        let mut out = [b'x'; PAYLOAD_LEN];
        out[..3].copy_from_slice(MAGIC);
        put_decimal(&mut out[3..9], self.sender as u64);
        out[9] = b'|';
        put_decimal(&mut out[10..17], self.seq as u64);
        out[17] = b'|';
        put_hex(&mut out[18..34], self.sent_ns);
        out[34] = b'|';
        out
    }

    /// Reads the payload at the end of a delivered line (terminator
    /// already removed); `None` for any other line.
    pub fn parse(line: &[u8]) -> Option<Payload> {
        let p = line.get(line.len().checked_sub(PAYLOAD_LEN)?..)?;
        if !p.starts_with(MAGIC) {
            return None;
        }
        Some(Payload {
            sender: parse_decimal(&p[3..9])? as u32,
            seq: parse_decimal(&p[10..17])? as u32,
            sent_ns: parse_hex(&p[18..34])?,
        })
    }
}

fn put_decimal(slots: &mut [u8], mut v: u64) {
    for slot in slots.iter_mut().rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

fn put_hex(slots: &mut [u8], mut v: u64) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for slot in slots.iter_mut().rev() {
        *slot = DIGITS[(v & 0xf) as usize];
        v >>= 4;
    }
}

fn parse_decimal(s: &[u8]) -> Option<u64> {
    s.iter().try_fold(0u64, |acc, &b| b.is_ascii_digit().then(|| acc * 10 + u64::from(b - b'0')))
}

fn parse_hex(s: &[u8]) -> Option<u64> {
    s.iter().try_fold(0u64, |acc, &b| Some(acc << 4 | u64::from((b as char).to_digit(16)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trips_behind_any_prefix() {
        let p = Payload { sender: 42, seq: 1234567, sent_ns: 0xdead_beef_0123 };
        let mut line = b":f00042!~f00042@127.0.0.1 PRIVMSG #bench :".to_vec();
        line.extend_from_slice(&p.encode());
        assert_eq!(line.len(), 42 + PAYLOAD_LEN);
        assert_eq!(Payload::parse(&line), Some(p));
        assert_eq!(Payload::parse(b"*** f00001 joined"), None);
    }

    #[test]
    fn irc_setup_steps() {
        let irc = Dialect::Irc;
        assert_eq!(irc.setup_step(b":srv 001 f1 :Welcome", true, None), Step::Send(b"JOIN #bench\r\n".to_vec()));
        assert_eq!(irc.setup_step(b":srv 366 f1 #bench :End of /NAMES list.", true, None), Step::Ready);
        assert_eq!(irc.setup_step(b"PING :srv", true, None), Step::Send(b"PONG :srv\r\n".to_vec()));
        assert!(matches!(irc.setup_step(b":srv 433 * f1 :Nickname already in use", true, None), Step::Failed(_)));
        assert_eq!(irc.setup_step(b":srv 375 f1 :- motd", true, None), Step::Nothing);
        assert_eq!(irc.setup_step(b":srv 001 f1 :Welcome", false, None), Step::Ready);
    }

    #[test]
    fn natter_setup_steps() {
        let n = Dialect::Natter;
        assert_eq!(n.setup_step(b"*** welcome f1, online (1): f1", true, None), Step::Ready);
        assert!(matches!(n.setup_step(b"*** error: server full", true, None), Step::Failed(_)));
        assert_eq!(n.setup_step(b"*** f2 joined", true, None), Step::Nothing);
        let mut out = Vec::new();
        n.hello("f1", &mut out);
        assert_eq!(out, b"f1\n");
    }

    #[test]
    fn room_setup_steps() {
        let (n, room) = (Dialect::Natter, Some("#room07"));
        let welcome = b"*** welcome r1, online (1): r1";
        assert_eq!(n.setup_step(welcome, true, room), Step::Send(b"/join #room07\n".to_vec()));
        assert_eq!(n.setup_step(b"*** r2 joined", true, room), Step::Nothing);
        assert_eq!(n.setup_step(b"#room07 *** r2 joined", true, room), Step::Nothing);
        assert_eq!(n.setup_step(b"#room07 *** welcome r1, online (2): r0, r1", true, room), Step::Ready);
        let full = b"*** error: too many rooms on this server (max 1)";
        assert!(matches!(n.setup_step(full, true, room), Step::Failed(_)));
        let irc = Dialect::Irc;
        assert_eq!(irc.setup_step(b":srv 001 r1 :Welcome", true, room), Step::Send(b"JOIN #room07\r\n".to_vec()));
        let mut out = Vec::new();
        irc.chat(room, b"x", &mut out);
        assert_eq!(out, b"PRIVMSG #room07 :x\r\n");
    }
}
