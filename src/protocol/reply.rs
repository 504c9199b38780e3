//! Every line the server sends, as one type both sides share.
//!
//! The server formats a [`Reply`] with `Display` (or [`Reply::encode`]);
//! the client turns each received line back into one with [`Reply::parse`].
//! Each kind is recognisable from its start, and since names hold neither a
//! space, `*` nor `:`, no user can forge another kind:
//! `*** ` server notice, `* ` action, `NAME (private): ` private, `NAME: ` chat.
//! Quit reasons follow the same rule: a user's is always in parentheses,
//! the server's own in square brackets, so `/quit connection lost` can
//! never read like a dropped connection.

use std::fmt;

use super::account::{AccountError, AccountReply};
use super::command::HELP;
use super::moderation::{ModError, ModNotice};
use super::name::validate_name;
use super::room::is_room;

/// One server line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply<'a> {
    /// To the joiner: `*** welcome NAME, online (N): a, b`.
    Welcome { name: &'a str, online: Vec<&'a str> },
    /// `*** NAME joined`
    Joined(&'a str),
    /// `*** NAME quit`, `*** NAME quit (USER REASON)` or
    /// `*** NAME quit [SERVER REASON]`
    Quit { name: &'a str, reason: Option<QuitReason<'a>> },
    /// `*** OLD is now known as NEW`
    Renamed { old: &'a str, new: &'a str },
    /// Answer to `/who`: `*** online (N): a, b`.
    Online(Vec<&'a str>),
    /// `*** NAME left` or `*** NAME left (REASON)`: someone left a room.
    Left { name: &'a str, reason: Option<&'a str> },
    /// `*** topic: TEXT`: a room's topic, after its welcome or on `/topic`.
    Topic(&'a str),
    /// `*** no topic`
    NoTopic,
    /// `*** NAME set the topic: TEXT`
    TopicSet { by: &'a str, topic: &'a str },
    /// `*** now talking in ROOM`: where plain lines go from now on.
    Talking(&'a str),
    /// `*** default room: ROOM`: the answer to `/default`, the room every
    /// client is in (`#lobby` unless `natterd --default-room` names another).
    DefaultRoom(&'a str),
    /// `*** rooms (N):`, the head of the `/rooms` answer; N lines follow.
    RoomList(usize),
    /// `*** ROOM (COUNT): TOPIC` or `*** ROOM (COUNT)`: one room listed.
    RoomInfo { room: &'a str, members: usize, topic: Option<&'a str> },
    /// `*** end of history (N lines)`: after a `/history` page.
    HistoryEnd(usize),
    /// `*** end of search (N lines)`: after `/search` results.
    SearchEnd(usize),
    /// `*** history unavailable`: nothing can be replayed or paged now.
    HistoryUnavailable,
    /// `*** stamps on`: the answer to `/stamps`.
    StampsOn,
    /// `*** logged in as NAME` and the other account notices.
    Account(AccountReply<'a>),
    /// `*** alice muted bob for 10m` and the other moderation notices.
    Moderation(ModNotice<'a>),
    /// `NAME: TEXT`
    Chat { from: &'a str, text: &'a str },
    /// `* NAME ACTION`
    Action { from: &'a str, text: &'a str },
    /// `NAME (private): TEXT`
    Private { from: &'a str, text: &'a str },
    /// `*** error: …`
    Error(ErrorKind<'a>),
    /// `*** server shutting down`
    ShuttingDown,
    /// Any other `*** ` line, such as the `/help` text.
    Notice(&'a str),
    /// A line that fits no kind (never sent by natterd).
    Other(&'a str),
}

/// Why someone left: their own words or the server's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuitReason<'a> {
    /// The user's `/quit REASON`, shown in parentheses.
    User(&'a str),
    /// The server's own reason (`connection lost`, `too slow`), shown in
    /// square brackets, which no user reason can produce.
    Server(&'a str),
}

impl<'a> QuitReason<'a> {
    /// The reason's text, whoever gave it.
    pub fn text(self) -> &'a str {
        match self {
            QuitReason::User(t) | QuitReason::Server(t) => t,
        }
    }
}

/// The errors natterd sends, so a client can explain them in its own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind<'a> {
    /// `name already in use: NAME`
    NameTaken(&'a str),
    /// `invalid name: WHY`
    BadName(&'a str),
    /// `name too similar to NAME`: a look-alike of someone online.
    NameTooSimilar(&'a str),
    /// `unknown command /X`
    UnknownCommand(&'a str),
    /// `no such user: NAME`
    NoSuchUser(&'a str),
    /// `line too long (max N bytes)`
    LineTooLong(usize),
    /// `usage: /msg NAME TEXT`
    Usage(&'a str),
    /// `server full`
    ServerFull,
    /// `too many connections from your address`
    TooManyFromAddress,
    /// `no name received in time`
    NameTimeout,
    /// `invalid room: WHY`
    BadRoom(&'a str),
    /// `not in room: ROOM`
    NotInRoom(&'a str),
    /// `no such room: ROOM`
    NoSuchRoom(&'a str),
    /// `too many rooms on this server (max N)`
    TooManyRooms(usize),
    /// `you are in too many rooms (max N)`
    TooManyJoined(usize),
    /// `cannot leave the default room ROOM`
    CannotLeaveDefault(&'a str),
    /// `wrong password for NAME` and the other account errors.
    Account(AccountError<'a>),
    /// `not an operator of ROOM` and the other moderation refusals.
    Moderation(ModError<'a>),
    /// Any other error text.
    Other(&'a str),
}

/// The first line of the `/help` answer; [`help_lines`] gives the rest.
pub const HELP_TITLE: &str = "commands:";

/// The `/help` answer, one notice text per line, built from the usage
/// lines of [`command`](super::command) so the two cannot drift apart.
pub fn help_lines() -> impl Iterator<Item = String> {
    std::iter::once(HELP_TITLE.to_owned()).chain(HELP.iter().map(|(usage, what)| format!("{usage} - {what}")))
}

const NOTICE: &str = "*** ";

impl fmt::Display for ErrorKind<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::NameTaken(n) => write!(f, "name already in use: {n}"),
            ErrorKind::BadName(why) => write!(f, "invalid name: {why}"),
            ErrorKind::NameTooSimilar(n) => write!(f, "name too similar to {n}"),
            ErrorKind::UnknownCommand(c) => write!(f, "unknown command /{c}"),
            ErrorKind::NoSuchUser(n) => write!(f, "no such user: {n}"),
            ErrorKind::LineTooLong(max) => write!(f, "line too long (max {max} bytes)"),
            ErrorKind::Usage(u) => write!(f, "usage: {u}"),
            ErrorKind::ServerFull => f.write_str("server full"),
            ErrorKind::TooManyFromAddress => f.write_str("too many connections from your address"),
            ErrorKind::NameTimeout => f.write_str("no name received in time"),
            ErrorKind::BadRoom(why) => write!(f, "invalid room: {why}"),
            ErrorKind::NotInRoom(r) => write!(f, "not in room: {r}"),
            ErrorKind::NoSuchRoom(r) => write!(f, "no such room: {r}"),
            ErrorKind::TooManyRooms(max) => write!(f, "too many rooms on this server (max {max})"),
            ErrorKind::TooManyJoined(max) => write!(f, "you are in too many rooms (max {max})"),
            ErrorKind::CannotLeaveDefault(r) => write!(f, "cannot leave the default room {r}"),
            ErrorKind::Account(e) => write!(f, "{e}"),
            ErrorKind::Moderation(e) => write!(f, "{e}"),
            ErrorKind::Other(t) => f.write_str(t),
        }
    }
}

fn write_list(f: &mut fmt::Formatter<'_>, names: &[&str]) -> fmt::Result {
    // An empty room (kept for its history) lists nobody: no trailing space.
    match names {
        [] => f.write_str("online (0):"),
        _ => write!(f, "online ({}): {}", names.len(), names.join(", ")),
    }
}

impl fmt::Display for Reply<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reply::Welcome { name, online } => {
                write!(f, "{NOTICE}welcome {name}, ")?;
                write_list(f, online)
            }
            Reply::Joined(n) => write!(f, "{NOTICE}{n} joined"),
            Reply::Quit { name, reason: None } => write!(f, "{NOTICE}{name} quit"),
            Reply::Quit { name, reason: Some(QuitReason::User(r)) } => write!(f, "{NOTICE}{name} quit ({r})"),
            Reply::Quit { name, reason: Some(QuitReason::Server(r)) } => write!(f, "{NOTICE}{name} quit [{r}]"),
            Reply::Renamed { old, new } => write!(f, "{NOTICE}{old} is now known as {new}"),
            Reply::Online(names) => {
                f.write_str(NOTICE)?;
                write_list(f, names)
            }
            Reply::Left { name, reason: None } => write!(f, "{NOTICE}{name} left"),
            Reply::Left { name, reason: Some(r) } => write!(f, "{NOTICE}{name} left ({r})"),
            Reply::Topic(t) => write!(f, "{NOTICE}topic: {t}"),
            Reply::NoTopic => write!(f, "{NOTICE}no topic"),
            Reply::TopicSet { by, topic } => write!(f, "{NOTICE}{by} set the topic: {topic}"),
            Reply::Talking(room) => write!(f, "{NOTICE}now talking in {room}"),
            Reply::DefaultRoom(room) => write!(f, "{NOTICE}default room: {room}"),
            Reply::RoomList(n) => write!(f, "{NOTICE}rooms ({n}):"),
            Reply::HistoryEnd(n) => write!(f, "{NOTICE}end of history ({n} lines)"),
            Reply::SearchEnd(n) => write!(f, "{NOTICE}end of search ({n} lines)"),
            Reply::HistoryUnavailable => write!(f, "{NOTICE}history unavailable"),
            Reply::StampsOn => write!(f, "{NOTICE}stamps on"),
            Reply::Account(a) => write!(f, "{NOTICE}{a}"),
            Reply::Moderation(m) => write!(f, "{NOTICE}{m}"),
            Reply::RoomInfo { room, members, topic: None } => write!(f, "{NOTICE}{room} ({members})"),
            Reply::RoomInfo { room, members, topic: Some(t) } => write!(f, "{NOTICE}{room} ({members}): {t}"),
            Reply::Chat { from, text } => write!(f, "{from}: {text}"),
            Reply::Action { from, text } => write!(f, "* {from} {text}"),
            Reply::Private { from, text } => write!(f, "{from} (private): {text}"),
            Reply::Error(e) => write!(f, "{NOTICE}error: {e}"),
            Reply::ShuttingDown => write!(f, "{NOTICE}server shutting down"),
            Reply::Notice(t) => write!(f, "{NOTICE}{t}"),
            Reply::Other(t) => f.write_str(t),
        }
    }
}

impl<'a> Reply<'a> {
    /// Appends the wire form, newline included, to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        use std::io::Write;
        // Writing into a Vec cannot fail.
        let _ = writeln!(out, "{self}");
    }

    /// The wire form as bytes, newline included.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }

    /// Reads one received line (terminator already removed).
    pub fn parse(line: &'a str) -> Reply<'a> {
        if let Some(notice) = line.strip_prefix(NOTICE) {
            return parse_notice(notice);
        }
        if let Some(action) = line.strip_prefix("* ") {
            if let Some((from, text)) = action.split_once(' ') {
                if is_name(from) {
                    return Reply::Action { from, text };
                }
            }
            return Reply::Other(line);
        }
        if let Some((head, text)) = line.split_once(": ") {
            if let Some(from) = head.strip_suffix(" (private)") {
                if is_name(from) {
                    return Reply::Private { from, text };
                }
            } else if is_name(head) {
                return Reply::Chat { from: head, text };
            }
        }
        Reply::Other(line)
    }
}

fn is_name(s: &str) -> bool {
    validate_name(s).is_ok()
}

fn parse_list(s: &str) -> Option<Vec<&str>> {
    let s = s.strip_prefix("online (")?;
    if s == "0):" {
        return Some(Vec::new());
    }
    let (count, list) = s.split_once("): ")?;
    let names: Vec<&str> = if list.is_empty() { Vec::new() } else { list.split(", ").collect() };
    (count.parse::<usize>().ok()? == names.len()).then_some(names)
}

fn parse_notice(n: &str) -> Reply<'_> {
    if let Some(e) = n.strip_prefix("error: ") {
        return Reply::Error(parse_error(e));
    }
    if n == "server shutting down" {
        return Reply::ShuttingDown;
    }
    if n == "no topic" {
        return Reply::NoTopic;
    }
    if n == "history unavailable" {
        return Reply::HistoryUnavailable;
    }
    if n == "stamps on" {
        return Reply::StampsOn;
    }
    if let Some(account) = AccountReply::parse(n, is_name) {
        return Reply::Account(account);
    }
    if let Some(notice) = ModNotice::parse(n, is_name) {
        return Reply::Moderation(notice);
    }
    if let Some(count) = parse_count(n, "end of history (", " lines)") {
        return Reply::HistoryEnd(count);
    }
    if let Some(count) = parse_count(n, "end of search (", " lines)") {
        return Reply::SearchEnd(count);
    }
    if let Some(topic) = n.strip_prefix("topic: ") {
        return Reply::Topic(topic);
    }
    if let Some(room) = n.strip_prefix("now talking in ").filter(|r| is_room(r)) {
        return Reply::Talking(room);
    }
    if let Some(room) = n.strip_prefix("default room: ").filter(|r| is_room(r)) {
        return Reply::DefaultRoom(room);
    }
    if let Some(count) = n.strip_prefix("rooms (").and_then(|r| r.strip_suffix("):")).and_then(|c| c.parse().ok()) {
        return Reply::RoomList(count);
    }
    if let Some(info) = parse_room_info(n) {
        return info;
    }
    if let Some(online) = parse_list(n) {
        return Reply::Online(online);
    }
    if let Some((name, list)) = n.strip_prefix("welcome ").and_then(|w| w.split_once(", ")) {
        if let (true, Some(online)) = (is_name(name), parse_list(list)) {
            return Reply::Welcome { name, online };
        }
    }
    if let Some((name, rest)) = n.split_once(' ') {
        if is_name(name) {
            if rest == "joined" {
                return Reply::Joined(name);
            }
            if rest == "quit" {
                return Reply::Quit { name, reason: None };
            }
            if let Some(reason) = rest.strip_prefix("quit (").and_then(|r| r.strip_suffix(')')) {
                return Reply::Quit { name, reason: Some(QuitReason::User(reason)) };
            }
            if let Some(reason) = rest.strip_prefix("quit [").and_then(|r| r.strip_suffix(']')) {
                return Reply::Quit { name, reason: Some(QuitReason::Server(reason)) };
            }
            if let Some(new) = rest.strip_prefix("is now known as ").filter(|n| is_name(n)) {
                return Reply::Renamed { old: name, new };
            }
            if rest == "left" {
                return Reply::Left { name, reason: None };
            }
            if let Some(reason) = rest.strip_prefix("left (").and_then(|r| r.strip_suffix(')')) {
                return Reply::Left { name, reason: Some(reason) };
            }
            if let Some(topic) = rest.strip_prefix("set the topic: ") {
                return Reply::TopicSet { by: name, topic };
            }
        }
    }
    Reply::Notice(n)
}

/// `ROOM (COUNT)` or `ROOM (COUNT): TOPIC`.
fn parse_room_info(n: &str) -> Option<Reply<'_>> {
    let (room, rest) = n.split_once(" (")?;
    if !is_room(room) {
        return None;
    }
    let (count, topic) = match rest.split_once("): ") {
        Some((count, topic)) => (count, Some(topic)),
        None => (rest.strip_suffix(')')?, None),
    };
    Some(Reply::RoomInfo { room, members: count.parse().ok()?, topic })
}

/// `PREFIX N SUFFIX` with a number N.
fn parse_count(e: &str, prefix: &str, suffix: &str) -> Option<usize> {
    e.strip_prefix(prefix)?.strip_suffix(suffix)?.parse().ok()
}

fn parse_error(e: &str) -> ErrorKind<'_> {
    if e == "server full" {
        ErrorKind::ServerFull
    } else if e == "too many connections from your address" {
        ErrorKind::TooManyFromAddress
    } else if e == "no name received in time" {
        ErrorKind::NameTimeout
    } else if let Some(n) = e.strip_prefix("name already in use: ") {
        ErrorKind::NameTaken(n)
    } else if let Some(why) = e.strip_prefix("invalid name: ") {
        ErrorKind::BadName(why)
    } else if let Some(n) = e.strip_prefix("name too similar to ") {
        ErrorKind::NameTooSimilar(n)
    } else if let Some(c) = e.strip_prefix("unknown command /") {
        ErrorKind::UnknownCommand(c)
    } else if let Some(n) = e.strip_prefix("no such user: ") {
        ErrorKind::NoSuchUser(n)
    } else if let Some(u) = e.strip_prefix("usage: ") {
        ErrorKind::Usage(u)
    } else if let Some(max) = parse_count(e, "line too long (max ", " bytes)") {
        ErrorKind::LineTooLong(max)
    } else if let Some(why) = e.strip_prefix("invalid room: ") {
        ErrorKind::BadRoom(why)
    } else if let Some(r) = e.strip_prefix("not in room: ") {
        ErrorKind::NotInRoom(r)
    } else if let Some(r) = e.strip_prefix("no such room: ") {
        ErrorKind::NoSuchRoom(r)
    } else if let Some(r) = e.strip_prefix("cannot leave the default room ") {
        ErrorKind::CannotLeaveDefault(r)
    } else if let Some(max) = parse_count(e, "too many rooms on this server (max ", ")") {
        ErrorKind::TooManyRooms(max)
    } else if let Some(max) = parse_count(e, "you are in too many rooms (max ", ")") {
        ErrorKind::TooManyJoined(max)
    } else if let Some(account) = AccountError::parse(e, is_name) {
        ErrorKind::Account(account)
    } else if let Some(moderation) = ModError::parse(e) {
        ErrorKind::Moderation(moderation)
    } else {
        ErrorKind::Other(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(reply: Reply<'_>, wire: &str) {
        assert_eq!(reply.to_string(), wire);
        assert_eq!(Reply::parse(wire), reply, "{wire}");
    }

    #[test]
    fn every_kind_round_trips() {
        round_trip(
            Reply::Welcome { name: "철수", online: vec!["alice", "철수"] },
            "*** welcome 철수, online (2): alice, 철수",
        );
        round_trip(Reply::Joined("bob"), "*** bob joined");
        round_trip(Reply::Quit { name: "bob", reason: None }, "*** bob quit");
        let user = Some(QuitReason::User("connection lost"));
        round_trip(Reply::Quit { name: "bob", reason: user }, "*** bob quit (connection lost)");
        let server = Some(QuitReason::Server("connection lost"));
        round_trip(Reply::Quit { name: "bob", reason: server }, "*** bob quit [connection lost]");
        round_trip(Reply::Renamed { old: "bob", new: "rob" }, "*** bob is now known as rob");
        round_trip(Reply::Online(vec!["a", "b", "c"]), "*** online (3): a, b, c");
        round_trip(Reply::Online(vec![]), "*** online (0):");
        round_trip(Reply::Chat { from: "bob", text: "alice: hi" }, "bob: alice: hi");
        round_trip(Reply::Action { from: "bob", text: "waves" }, "* bob waves");
        round_trip(Reply::Private { from: "bob", text: "psst" }, "bob (private): psst");
        round_trip(Reply::ShuttingDown, "*** server shutting down");
        round_trip(Reply::Notice("commands:"), "*** commands:");
        round_trip(Reply::Other("no kind here"), "no kind here");
        round_trip(Reply::Left { name: "bob", reason: None }, "*** bob left");
        round_trip(Reply::Left { name: "bob", reason: Some("lunch (back soon)") }, "*** bob left (lunch (back soon))");
        round_trip(Reply::Topic("release: friday"), "*** topic: release: friday");
        round_trip(Reply::NoTopic, "*** no topic");
        round_trip(Reply::TopicSet { by: "bob", topic: "ship it" }, "*** bob set the topic: ship it");
        round_trip(Reply::Talking("#dev"), "*** now talking in #dev");
        round_trip(Reply::DefaultRoom("#main"), "*** default room: #main");
        round_trip(Reply::RoomList(2), "*** rooms (2):");
        round_trip(Reply::RoomInfo { room: "#dev", members: 3, topic: None }, "*** #dev (3)");
        let info = Reply::RoomInfo { room: "#개발", members: 1, topic: Some("a (b): c") };
        round_trip(info, "*** #개발 (1): a (b): c");
        round_trip(Reply::HistoryEnd(50), "*** end of history (50 lines)");
        round_trip(Reply::SearchEnd(0), "*** end of search (0 lines)");
        round_trip(Reply::HistoryUnavailable, "*** history unavailable");
        round_trip(Reply::StampsOn, "*** stamps on");
    }

    #[test]
    fn errors_round_trip() {
        let cases = [
            (ErrorKind::NameTaken("Bob"), "*** error: name already in use: Bob"),
            (ErrorKind::BadName("name is empty"), "*** error: invalid name: name is empty"),
            (ErrorKind::NameTooSimilar("alice"), "*** error: name too similar to alice"),
            (ErrorKind::UnknownCommand("dance"), "*** error: unknown command /dance"),
            (ErrorKind::NoSuchUser("zed"), "*** error: no such user: zed"),
            (ErrorKind::LineTooLong(4096), "*** error: line too long (max 4096 bytes)"),
            (ErrorKind::Usage("/me ACTION"), "*** error: usage: /me ACTION"),
            (ErrorKind::ServerFull, "*** error: server full"),
            (ErrorKind::TooManyFromAddress, "*** error: too many connections from your address"),
            (ErrorKind::NameTimeout, "*** error: no name received in time"),
            (ErrorKind::Other("odd"), "*** error: odd"),
            (ErrorKind::BadRoom("room name is empty"), "*** error: invalid room: room name is empty"),
            (ErrorKind::NotInRoom("#dev"), "*** error: not in room: #dev"),
            (ErrorKind::NoSuchRoom("#dev"), "*** error: no such room: #dev"),
            (ErrorKind::TooManyRooms(1000), "*** error: too many rooms on this server (max 1000)"),
            (ErrorKind::TooManyJoined(20), "*** error: you are in too many rooms (max 20)"),
            (ErrorKind::CannotLeaveDefault("#lobby"), "*** error: cannot leave the default room #lobby"),
        ];
        for (kind, wire) in cases {
            round_trip(Reply::Error(kind), wire);
        }
    }

    #[test]
    fn user_text_cannot_forge_kinds() {
        // What a user can make the server send always parses as that user's chat.
        for text in ["*** server shutting down", "* alice waves", "alice (private): x"] {
            let wire = Reply::Chat { from: "mallory", text }.to_string();
            assert_eq!(Reply::parse(&wire), Reply::Chat { from: "mallory", text });
        }
        // No user reason reads like the server's, whatever brackets it holds.
        for text in ["connection lost", "x] [too slow", "[too slow]", "too slow)"] {
            let wire = Reply::Quit { name: "mallory", reason: Some(QuitReason::User(text)) }.to_string();
            assert_eq!(Reply::parse(&wire), Reply::Quit { name: "mallory", reason: Some(QuitReason::User(text)) });
        }
        let wire = Reply::Action { from: "mallory", text: "*** x joined" }.to_string();
        assert_eq!(Reply::parse(&wire), Reply::Action { from: "mallory", text: "*** x joined" });
    }

    #[test]
    fn encode_appends_newline() {
        let mut out = b"x".to_vec();
        Reply::Joined("a").encode(&mut out);
        assert_eq!(out, b"x*** a joined\n");
    }
}
