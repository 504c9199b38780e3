//! The GTK-free half of the Join a Room dialog: the server's room list as
//! `/rooms` answers it, what the typed text means, and the filter.
//!
//! The `/rooms` answer is `*** rooms (N):` then N lines of
//! `*** #room (COUNT): TOPIC`; [`RoomListing`] collects them from parsed
//! [`Reply`]s so the window can hand the dialog a whole list.

use natter::protocol::{canonical_room, fold_name, fold_room, Reply, RoomError, MAX_ROOM_CHARS};

use crate::i18n::gettext_f;

/// One room of the server's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomEntry {
    /// The name, `#` included.
    pub room: String,
    pub members: usize,
    pub topic: Option<String>,
}

/// Collects one `/rooms` answer from the lines as they arrive.
#[derive(Debug, Default)]
pub struct RoomListing {
    /// Rooms still to come, and those read so far; `None` outside an answer.
    pending: Option<(usize, Vec<RoomEntry>)>,
}

impl RoomListing {
    /// Takes one parsed line. Returns the whole list once its last room
    /// arrived (at once for `rooms (0):`); `None` while it is incomplete
    /// or when the line is not part of an answer. Lines that interrupt an
    /// answer are left to the caller: another `rooms (N):` starts over.
    pub fn feed(&mut self, reply: &Reply) -> Option<Vec<RoomEntry>> {
        match reply {
            Reply::RoomList(count) => self.pending = Some((*count, Vec::with_capacity((*count).min(256)))),
            Reply::RoomInfo { room, members, topic } => {
                let (_, rooms) = self.pending.as_mut()?;
                rooms.push(RoomEntry { room: (*room).to_owned(), members: *members, topic: topic.map(str::to_owned) });
            }
            _ => return None,
        }
        let (count, rooms) = self.pending.as_ref()?;
        if rooms.len() < *count {
            return None;
        }
        self.pending.take().map(|(_, rooms)| rooms)
    }

    /// Is an answer being read (so its lines need not be shown)?
    pub fn is_reading(&self) -> bool {
        self.pending.is_some()
    }
}

/// What the text in the dialog's entry names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Typed {
    /// Nothing typed.
    Nothing,
    /// A valid room, in the server's form (`#` added when left out).
    Room(String),
    /// Not a room name, and why.
    Invalid(RoomError),
}

/// Reads the entry: surrounding spaces ignored, a missing `#` added.
pub fn read_typed(text: &str) -> Typed {
    let text = text.trim();
    if text.is_empty() {
        return Typed::Nothing;
    }
    let room = if text.starts_with('#') { text.to_owned() } else { format!("#{text}") };
    match canonical_room(&room) {
        Ok(room) => Typed::Room(room.into_owned()),
        Err(error) => Typed::Invalid(error),
    }
}

/// Does `entry` match the typed filter? By name, ignoring case and the
/// `#`, or by topic.
pub fn matches(entry: &RoomEntry, text: &str) -> bool {
    let needle = fold_name(text.trim().trim_start_matches('#'));
    needle.is_empty()
        || fold_room(&entry.room).contains(&needle)
        || entry.topic.as_deref().is_some_and(|t| fold_name(t).contains(&needle))
}

/// Is `entry` the room `room` names (same room, whatever the case)?
pub fn is_room(entry: &RoomEntry, room: &str) -> bool {
    fold_room(&entry.room) == fold_room(room)
}

/// Why the typed name is not a room name, in the user's language.
pub fn room_error_text(error: &RoomError) -> String {
    match error {
        // The dialog adds the '#', so this is only for other callers.
        RoomError::NoSigil => gettext_f("A room name starts with “#”.", &[]),
        RoomError::Empty => gettext_f("Type a room name after “#”.", &[]),
        RoomError::TooLong => {
            gettext_f("A room name can have at most {max} characters.", &[("max", &MAX_ROOM_CHARS.to_string())])
        }
        RoomError::BadChar(c) if c.is_whitespace() => gettext_f("A room name cannot contain spaces.", &[]),
        RoomError::BadChar(c) if c.is_control() || !natter::protocol::is_visible(*c) => gettext_f(
            // Translators: {code} is a Unicode code point such as U+200B.
            "A room name cannot contain invisible characters such as {code}.",
            &[("code", &format!("U+{:04X}", *c as u32))],
        ),
        RoomError::BadChar(c) => gettext_f(
            // Translators: {char} is the one character that is not allowed.
            "A room name cannot contain “{char}”. Use letters, digits, “_”, “-” and “.”.",
            &[("char", &c.to_string())],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(room: &str, members: usize, topic: Option<&str>) -> RoomEntry {
        RoomEntry { room: room.into(), members, topic: topic.map(Into::into) }
    }

    #[test]
    fn collects_a_rooms_answer() {
        let mut listing = RoomListing::default();
        assert_eq!(listing.feed(&Reply::parse("*** rooms (2):")), None);
        assert!(listing.is_reading());
        assert_eq!(listing.feed(&Reply::parse("*** #lobby (3): welcome all")), None);
        let rooms = listing.feed(&Reply::parse("*** #개발 (1)")).expect("two of two");
        assert_eq!(rooms, [entry("#lobby", 3, Some("welcome all")), entry("#개발", 1, None)]);
        assert!(!listing.is_reading());
        assert_eq!(listing.feed(&Reply::parse("*** #stray (1)")), None, "a room line outside an answer");
        assert_eq!(listing.feed(&Reply::parse("*** rooms (0):")), Some(vec![]));
        assert_eq!(listing.feed(&Reply::parse("bob: hi")), None);
    }

    #[test]
    fn typed_names() {
        assert_eq!(read_typed("  "), Typed::Nothing);
        assert_eq!(read_typed("dev"), Typed::Room("#dev".into()));
        assert_eq!(read_typed(" #개발 "), Typed::Room("#개발".into()));
        assert_eq!(read_typed("#"), Typed::Invalid(RoomError::Empty));
        assert_eq!(read_typed("two words"), Typed::Invalid(RoomError::BadChar(' ')));
        assert_eq!(read_typed(&"x".repeat(MAX_ROOM_CHARS + 1)), Typed::Invalid(RoomError::TooLong));
        assert_eq!(read_typed("a/b"), Typed::Invalid(RoomError::BadChar('/')));
    }

    #[test]
    fn filter_by_name_or_topic() {
        let dev = entry("#Dev", 2, Some("Builds and reviews"));
        assert!(matches(&dev, ""));
        assert!(matches(&dev, "#de"));
        assert!(matches(&dev, "DEV"));
        assert!(matches(&dev, "review"));
        assert!(!matches(&dev, "lunch"));
        assert!(is_room(&dev, "#dev"));
        assert!(!is_room(&dev, "#devs"));
    }

    #[test]
    fn reasons_read_well() {
        assert_eq!(room_error_text(&RoomError::BadChar(' ')), "A room name cannot contain spaces.");
        assert!(room_error_text(&RoomError::BadChar('/')).contains("“/”"));
        assert!(room_error_text(&RoomError::BadChar('\u{200B}')).contains("U+200B"));
        assert!(room_error_text(&RoomError::TooLong).contains("32"));
    }
}
