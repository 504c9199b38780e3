//! Room names and the room tag that server lines carry.
//!
//! A room is `#` plus 1 to [`MAX_ROOM_CHARS`] name characters (the letters,
//! digits and `_ - .` of user names, so `#개발` is a room), kept in NFC and
//! compared like names, ignoring case.
//!
//! A server line about a room other than the default one starts with the
//! room and a space: `#dev alice: hi`. No name can start with `#`, and
//! everything a user types comes after their name, so no user can forge a
//! tag; the default room's lines carry none, which is what keeps a client
//! that never joins another room on the original protocol byte for byte.

use std::borrow::Cow;
use std::fmt;

use super::name::{fold_name, is_name_char, is_visible, normalize_name, validate_name};
use super::reply::Reply;

/// The room every client is in and cannot leave, unless natterd is told
/// another with `--default-room`.
pub const DEFAULT_ROOM: &str = "#lobby";

/// Longest room name, in characters after the `#`.
pub const MAX_ROOM_CHARS: usize = 32;

/// What starts every room name.
pub const ROOM_SIGIL: char = '#';

/// What starts the tag of a private conversation's stored lines: `@bob`
/// is the conversation with bob, as its other party reads it.
pub const PEER_SIGIL: char = '@';

/// Why a room name was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomError {
    NoSigil,
    Empty,
    TooLong,
    BadChar(char),
}

impl fmt::Display for RoomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RoomError::NoSigil => write!(f, "room names start with '{ROOM_SIGIL}'"),
            RoomError::Empty => write!(f, "room name is empty"),
            RoomError::TooLong => write!(f, "room name is longer than {MAX_ROOM_CHARS} characters"),
            RoomError::BadChar(' ') => write!(f, "room name may not contain spaces"),
            RoomError::BadChar(c) if is_visible(*c) => write!(f, "room name may not contain '{c}'"),
            RoomError::BadChar(c) => write!(f, "room name may not contain U+{:04X}", *c as u32),
        }
    }
}

impl std::error::Error for RoomError {}

/// The room name as the server keeps it: NFC, checked against the rules.
pub fn canonical_room(room: &str) -> Result<Cow<'_, str>, RoomError> {
    let Some(rest) = room.strip_prefix(ROOM_SIGIL) else {
        return Err(RoomError::NoSigil);
    };
    if rest.is_empty() {
        return Err(RoomError::Empty);
    }
    if let Some(c) = rest.chars().find(|&c| !is_name_char(c)) {
        return Err(RoomError::BadChar(c));
    }
    let room = normalize_name(room);
    if room.chars().count() - 1 > MAX_ROOM_CHARS {
        return Err(RoomError::TooLong);
    }
    Ok(room)
}

/// Checks `room` against the rules.
pub fn validate_room(room: &str) -> Result<(), RoomError> {
    canonical_room(room).map(drop)
}

/// Is `s` a valid room name?
pub fn is_room(s: &str) -> bool {
    validate_room(s).is_ok()
}

/// The key two room names collide on: `#Dev` and `#dev` are one room.
pub fn fold_room(room: &str) -> String {
    fold_name(room)
}

/// Splits a leading room tag (or private conversation tag, `@bob`) off
/// a received line: `("#dev", "alice: hi")` for `#dev alice: hi`, `None`
/// and the whole line otherwise.
pub fn split_tag(line: &str) -> (Option<&str>, &str) {
    if line.starts_with(ROOM_SIGIL) || line.starts_with(PEER_SIGIL) {
        if let Some((tag, rest)) = line.split_once(' ') {
            if is_room(tag) || peer_of(tag).is_some() {
                return (Some(tag), rest);
            }
        }
    }
    (None, line)
}

/// The other party of a conversation tag: `bob` for `@bob`.
pub fn peer_of(tag: &str) -> Option<&str> {
    tag.strip_prefix(PEER_SIGIL).filter(|name| validate_name(name).is_ok())
}

/// Appends `reply`'s wire form to `out`, tagged with `room` when it is
/// given (the caller passes `None` for the default room).
pub fn encode_in(room: Option<&str>, reply: &Reply<'_>, out: &mut Vec<u8>) {
    if let Some(room) = room {
        out.extend_from_slice(room.as_bytes());
        out.push(b' ');
    }
    reply.encode(out);
}

#[cfg(test)]
mod tests {
    use super::super::tagged::Tagged;
    use super::*;

    #[test]
    fn room_names() {
        for ok in ["#a", "#dev", "#개발", "#rust-lang.org_1", &format!("#{}", "x".repeat(32))] {
            assert_eq!(validate_room(ok), Ok(()), "{ok}");
        }
        let cases = [
            ("dev", RoomError::NoSigil),
            ("", RoomError::NoSigil),
            ("#", RoomError::Empty),
            ("#a b", RoomError::BadChar(' ')),
            ("#a:b", RoomError::BadChar(':')),
            ("#a*", RoomError::BadChar('*')),
            ("##a", RoomError::BadChar('#')),
            ("#a\u{7}", RoomError::BadChar('\u{7}')),
            ("#a\u{202E}b", RoomError::BadChar('\u{202E}')),
            ("#a\u{200B}", RoomError::BadChar('\u{200B}')),
        ];
        for (room, why) in cases {
            assert_eq!(validate_room(room), Err(why), "{room:?}");
        }
        assert_eq!(validate_room(&format!("#{}", "x".repeat(33))), Err(RoomError::TooLong));
        assert_eq!(validate_room(&format!("#{}", "개".repeat(33))), Err(RoomError::TooLong));
    }

    #[test]
    fn errors_name_hidden_characters_by_code_point() {
        assert_eq!(RoomError::BadChar('\u{202E}').to_string(), "room name may not contain U+202E");
        assert_eq!(RoomError::BadChar(':').to_string(), "room name may not contain ':'");
        assert_eq!(RoomError::BadChar(' ').to_string(), "room name may not contain spaces");
    }

    #[test]
    fn rooms_fold_like_names_and_keep_nfc() {
        assert_eq!(fold_room("#Dev"), fold_room("#dev"));
        let nfd = "#\u{110E}\u{1165}\u{11AF}\u{1109}\u{116E}"; // 철수, decomposed
        assert_eq!(canonical_room(nfd).unwrap(), "#철수");
        assert_eq!(fold_room(nfd), fold_room("#철수"));
    }

    #[test]
    fn tags_round_trip() {
        let line = Tagged::live(Some("#dev"), Reply::Chat { from: "alice", text: "hi" });
        assert_eq!(line.to_string(), "#dev alice: hi");
        assert_eq!(Tagged::parse("#dev alice: hi"), line);
        let untagged = Tagged::parse("alice: #dev bob: hi");
        assert_eq!(untagged.room, None);
        assert_eq!(untagged.reply, Reply::Chat { from: "alice", text: "#dev bob: hi" });
        let mut out = Vec::new();
        encode_in(Some("#개발"), &Reply::Joined("bob"), &mut out);
        assert_eq!(out, "#개발 *** bob joined\n".as_bytes());
        // A bare `#` or an invalid room is not a tag.
        assert_eq!(split_tag("#a\u{202E} x"), (None, "#a\u{202E} x"));
        assert_eq!(split_tag("# x"), (None, "# x"));
        assert_eq!(split_tag("#a:b c"), (None, "#a:b c"));
        // A conversation's tag is `@` and a valid name.
        assert_eq!(split_tag("@bob alice (private): hi"), (Some("@bob"), "alice (private): hi"));
        assert_eq!(peer_of("@철수"), Some("철수"));
        assert_eq!(split_tag("@ x"), (None, "@ x"));
        assert_eq!(split_tag("@a:b c"), (None, "@a:b c"));
        assert_eq!(peer_of("#dev"), None);
    }

    #[test]
    fn user_text_cannot_forge_a_tag_or_another_rooms_line() {
        let forged = [
            "#dev *** x joined",
            "#dev alice: hi",
            "@bob alice (private): hi",
            "#lobby *** server shutting down",
            "#dev * bob waves",
        ];
        for text in forged {
            let kinds = [
                Reply::Chat { from: "mallory", text },
                Reply::Action { from: "mallory", text },
                Reply::Private { from: "mallory", text },
                Reply::Left { name: "mallory", reason: Some(text) },
                Reply::TopicSet { by: "mallory", topic: text },
                Reply::Topic(text),
                Reply::Quit { name: "mallory", reason: Some(super::super::QuitReason::User(text)) },
            ];
            for reply in kinds {
                for room in [None, Some("#ops"), Some("@bob")] {
                    let line = Tagged::live(room, reply.clone());
                    assert_eq!(Tagged::parse(&line.to_string()), line, "{line}");
                }
            }
        }
    }
}
