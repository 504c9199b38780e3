//! What a client line asks the server to do.
//!
//! An unknown command is a variant, not a failure: the server answers it
//! like any other. Parsing is pure and borrows from the line.

use super::account::Secret;
use super::moderation::{self, ModCommand, ModUsage};

/// One client line after the name has been set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command<'a> {
    /// Nothing to do (an empty line).
    Empty,
    /// A chat message for everyone else.
    Say(&'a str),
    /// `/who [ROOM]`: list who is online, or in ROOM.
    Who(Option<&'a str>),
    /// `/join ROOM`: join (creating it if need be) and talk there.
    Join(&'a str),
    /// `/part [ROOM] [REASON]`: leave ROOM, or the current room.
    Part { room: Option<&'a str>, reason: Option<&'a str> },
    /// `/say ROOM TEXT`: TEXT, taken literally, to ROOM.
    SayIn { room: &'a str, text: &'a str },
    /// `/rooms`: list the rooms.
    Rooms,
    /// `/default`: the server's default room (`*** default room: ROOM`),
    /// which a client needs to name it in requests.
    DefaultRoom,
    /// `/topic [TEXT]`: show or set the current room's topic.
    Topic(Option<&'a str>),
    /// `/history [ROOM|@NAME] before|after ID [N]`: a page of stored lines
    /// (`room` is `@NAME` for a private conversation).
    History { room: Option<&'a str>, after: bool, cursor: u64, count: Option<usize> },
    /// `/search [ROOM] WORDS`: the newest stored lines holding every word.
    Search { room: Option<&'a str>, words: &'a str },
    /// `/stamps`: from now on, stored lines arrive stamped, own ones too.
    Stamps,
    /// `/nick NEW`
    Nick(&'a str),
    /// `/me ACTION`
    Me(&'a str),
    /// `/msg NAME TEXT`
    Msg { to: &'a str, text: &'a str },
    /// `/quit [REASON]`
    Quit(Option<&'a str>),
    /// `/help`
    Help,
    /// `/register PASSWORD`: register the name in use, and log in.
    Register(Secret<'a>),
    /// `/login NAME PASSWORD`: become the registered NAME.
    Login { name: &'a str, password: Secret<'a> },
    /// `/password OLD NEW`
    Password { old: Secret<'a>, new: Secret<'a> },
    /// `/unregister PASSWORD`
    Unregister(Secret<'a>),
    /// An operator command (or `/marks`), in ROOM or the current room.
    Moderate { room: Option<&'a str>, command: ModCommand<'a> },
    /// A moderation command with a malformed duration.
    BadDuration,
    /// A known command with missing arguments; holds its usage line.
    Usage(&'static str),
    /// `/x` that natterd does not know; holds `x`.
    Unknown(&'a str),
}

/// Exactly `N` words separated by whitespace, or `None`.
fn words<const N: usize>(args: &str) -> Option<[&str; N]> {
    let mut it = args.split_whitespace();
    let mut out = [""; N];
    for slot in &mut out {
        *slot = it.next()?;
    }
    it.next().is_none().then_some(out)
}

/// Usage lines, sent with a usage error and listed by `/help`.
pub const USAGE_WHO: &str = "/who [#ROOM]";
pub const USAGE_JOIN: &str = "/join #ROOM";
pub const USAGE_PART: &str = "/part [#ROOM] [REASON]";
pub const USAGE_SAY: &str = "/say #ROOM TEXT";
pub const USAGE_ROOMS: &str = "/rooms";
pub const USAGE_DEFAULT: &str = "/default";
pub const USAGE_TOPIC: &str = "/topic [TEXT]";
pub const USAGE_HISTORY: &str = "/history [#ROOM|@NAME] before|after ID [N]";
pub const USAGE_SEARCH: &str = "/search [#ROOM|@NAME] WORDS";
pub const USAGE_STAMPS: &str = "/stamps";
pub const USAGE_NICK: &str = "/nick NEW";
pub const USAGE_ME: &str = "/me ACTION";
pub const USAGE_MSG: &str = "/msg NAME TEXT";
pub const USAGE_QUIT: &str = "/quit [REASON]";
pub const USAGE_LITERAL: &str = "//text";
pub const USAGE_REGISTER: &str = "/register PASSWORD";
pub const USAGE_LOGIN: &str = "/login NAME PASSWORD";
pub const USAGE_PASSWORD: &str = "/password OLD NEW";
pub const USAGE_UNREGISTER: &str = "/unregister PASSWORD";

/// What `/help` lists: each usage line and what it does.
pub const HELP: &[(&str, &str)] = &[
    (USAGE_WHO, "list who is online, or in a room"),
    (USAGE_NICK, "change your name"),
    (USAGE_ME, "describe what you do"),
    (USAGE_MSG, "private message to NAME"),
    (USAGE_QUIT, "leave"),
    (USAGE_LITERAL, "send a message that starts with /"),
    (USAGE_JOIN, "join a room (made if new) and talk there"),
    (USAGE_PART, "leave a room"),
    (USAGE_SAY, "send TEXT to a room you are in"),
    (USAGE_ROOMS, "list the rooms"),
    (USAGE_DEFAULT, "name the room everyone is in"),
    (USAGE_TOPIC, "show or set this room's topic"),
    (USAGE_HISTORY, "earlier or later stored lines of a room or private conversation"),
    (USAGE_SEARCH, "find stored lines of a room or private conversation"),
    (USAGE_STAMPS, "stamp stored lines with their time and id, own ones echoed"),
    (USAGE_REGISTER, "register the name you use (and log in)"),
    (USAGE_LOGIN, "log in as a registered name"),
    (USAGE_PASSWORD, "change your password"),
    (USAGE_UNREGISTER, "give up your registered name"),
    (moderation::USAGE_KICK, "operators: remove NAME from the room"),
    (moderation::USAGE_MUTE, "operators: silence NAME in the room"),
    (moderation::USAGE_UNMUTE, "operators: let NAME speak again"),
    (moderation::USAGE_BAN, "operators: keep NAME or an address out"),
    (moderation::USAGE_UNBAN, "operators: lift a ban"),
    (moderation::USAGE_BANS, "operators: list the room's bans"),
    (moderation::USAGE_MODE, "operators: +r only registered names speak, +t topic locked"),
    (moderation::USAGE_OP, "operators: make NAME an operator of the room"),
    (moderation::USAGE_DEOP, "operators: take NAME's operator right away"),
    (moderation::USAGE_MARKS, "mark operators @ and registered names + in lists"),
];

impl<'a> Command<'a> {
    /// Parses one line from `sender`. A leading `SENDER: ` is dropped first,
    /// because the classic client writes `name: text` itself and the server
    /// stamps the name anyway; so `alice: /who` from alice is `/who`.
    pub fn parse(line: &'a str, sender: &str) -> Command<'a> {
        let line = strip_own_prefix(line, sender);
        if line.trim().is_empty() {
            return Command::Empty;
        }
        let Some(rest) = line.strip_prefix('/') else {
            return Command::Say(line);
        };
        if rest.starts_with('/') {
            // `//text` is the escape for a message that starts with `/`.
            return Command::Say(rest);
        }
        let (word, args) = match rest.split_once(char::is_whitespace) {
            Some((w, a)) => (w, a.trim()),
            None => (rest, ""),
        };
        let has = |s: &str| !s.is_empty();
        match word.to_ascii_lowercase().as_str() {
            // The whole argument is the room, so `#a b` is refused for its
            // space rather than taken as `#a`.
            "who" | "names" if !has(args) => Command::Who(None),
            "who" | "names" if args.starts_with('#') => Command::Who(Some(args)),
            "who" | "names" => Command::Usage(USAGE_WHO),
            "join" if has(args) => Command::Join(args),
            "join" => Command::Usage(USAGE_JOIN),
            "part" | "leave" => {
                let (room, reason) = match args.split_once(char::is_whitespace) {
                    _ if !args.starts_with('#') => (None, args),
                    Some((room, reason)) => (Some(room), reason.trim()),
                    None => (Some(args), ""),
                };
                Command::Part { room, reason: Some(reason).filter(|r| has(r)) }
            }
            "say" => {
                // The text goes as typed, after the one space that ends the room.
                let untrimmed = rest.split_once(char::is_whitespace).map_or("", |(_, a)| a.trim_start());
                match untrimmed.split_once(char::is_whitespace) {
                    Some((room, text)) if has(text.trim()) => Command::SayIn { room, text },
                    _ => Command::Usage(USAGE_SAY),
                }
            }
            "rooms" | "list" => Command::Rooms,
            "default" if args.is_empty() => Command::DefaultRoom,
            "default" => Command::Usage(USAGE_DEFAULT),
            "history" => parse_history(args),
            "search" => {
                let (room, words) = split_target_arg(args);
                if has(words) {
                    Command::Search { room, words }
                } else {
                    Command::Usage(USAGE_SEARCH)
                }
            }
            "stamps" => Command::Stamps,
            "topic" => Command::Topic(Some(args).filter(|a| has(a))),
            "help" => Command::Help,
            "nick" if has(args) => Command::Nick(args),
            "nick" => Command::Usage(USAGE_NICK),
            "me" if has(args) => Command::Me(args),
            "me" => Command::Usage(USAGE_ME),
            "msg" => match args.split_once(char::is_whitespace) {
                Some((to, text)) if has(text.trim()) => Command::Msg { to, text: text.trim_start() },
                _ => Command::Usage(USAGE_MSG),
            },
            "quit" => Command::Quit(Some(args).filter(|a| has(a))),
            "register" => match words::<1>(args) {
                Some([password]) => Command::Register(Secret(password)),
                None => Command::Usage(USAGE_REGISTER),
            },
            "login" => match words::<2>(args) {
                Some([name, password]) => Command::Login { name, password: Secret(password) },
                None => Command::Usage(USAGE_LOGIN),
            },
            "password" => match words::<2>(args) {
                Some([old, new]) => Command::Password { old: Secret(old), new: Secret(new) },
                None => Command::Usage(USAGE_PASSWORD),
            },
            "unregister" => match words::<1>(args) {
                Some([password]) => Command::Unregister(Secret(password)),
                None => Command::Usage(USAGE_UNREGISTER),
            },
            other => {
                let (room, args) = split_room_arg(args);
                // `/marks` is about the client, never about a room.
                let room = room.filter(|_| other != "marks");
                match moderation::parse_command(other, args) {
                    Some(Ok(command)) => Command::Moderate { room, command },
                    Some(Err(ModUsage::Usage(usage))) => Command::Usage(usage),
                    Some(Err(ModUsage::BadDuration)) => Command::BadDuration,
                    None => Command::Unknown(word),
                }
            }
        }
    }
}

impl<'a> Command<'a> {
    /// The room the command names, if it names one.
    pub fn room(&self) -> Option<&'a str> {
        match *self {
            Command::Join(room) | Command::SayIn { room, .. } => Some(room),
            Command::Who(room) | Command::Part { room, .. } => room,
            Command::History { room, .. } | Command::Search { room, .. } => room,
            Command::Moderate { room, .. } => room,
            _ => None,
        }
    }
}

/// Splits an optional leading `#room` off `args`.
fn split_room_arg(args: &str) -> (Option<&str>, &str) {
    if !args.starts_with('#') {
        return (None, args);
    }
    match args.split_once(char::is_whitespace) {
        Some((room, rest)) => (Some(room), rest.trim_start()),
        None => (Some(args), ""),
    }
}

/// Splits an optional leading `#room` or `@name` (a private
/// conversation) off the arguments of `/history` and `/search`.
fn split_target_arg(args: &str) -> (Option<&str>, &str) {
    match args.strip_prefix('@') {
        Some(_) => match args.split_once(char::is_whitespace) {
            Some((peer, rest)) => (Some(peer), rest.trim_start()),
            None => (Some(args), ""),
        },
        None => split_room_arg(args),
    }
}

/// `[#ROOM|@NAME] before|after ID|now [N]`: `now` is past every id.
fn parse_history(args: &str) -> Command<'_> {
    let (room, rest) = split_target_arg(args);
    let mut words = rest.split_whitespace();
    let after = match words.next().map(str::to_ascii_lowercase).as_deref() {
        Some("before") => false,
        Some("after") => true,
        _ => return Command::Usage(USAGE_HISTORY),
    };
    let cursor = match words.next() {
        Some(w) if w.eq_ignore_ascii_case("now") => Ok(u64::MAX),
        Some(w) => w.parse(),
        None => return Command::Usage(USAGE_HISTORY),
    };
    let Ok(cursor) = cursor else { return Command::Usage(USAGE_HISTORY) };
    let count = match words.next().map(str::parse) {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => return Command::Usage(USAGE_HISTORY),
    };
    if words.next().is_some() {
        return Command::Usage(USAGE_HISTORY);
    }
    Command::History { room, after, cursor, count }
}

/// Drops a leading `NAME: ` when NAME is the sender's own name.
pub fn strip_own_prefix<'a>(line: &'a str, sender: &str) -> &'a str {
    line.strip_prefix(sender).and_then(|r| r.strip_prefix(": ")).unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::Command::*;
    use super::*;

    fn p(line: &str) -> Command<'_> {
        Command::parse(line, "bob")
    }

    #[test]
    fn plain_lines_are_messages() {
        assert_eq!(p("hello"), Say("hello"));
        assert_eq!(p("  spaced  "), Say("  spaced  "));
        assert_eq!(p(""), Empty);
        assert_eq!(p("   "), Empty);
    }

    #[test]
    fn own_prefix_is_dropped_others_kept() {
        assert_eq!(p("bob: hi"), Say("hi"));
        assert_eq!(p("alice: hi"), Say("alice: hi"));
        assert_eq!(p("bob: /who"), Who(None));
        assert_eq!(p("bob: "), Empty);
        assert_eq!(p("Bob: hi"), Say("Bob: hi"));
    }

    #[test]
    fn commands() {
        assert_eq!(p("/who"), Who(None));
        assert_eq!(p("/WHO"), Who(None));
        assert_eq!(p("/help"), Help);
        assert_eq!(p("/nick carol"), Nick("carol"));
        assert_eq!(p("/nick"), Usage(USAGE_NICK));
        assert_eq!(p("/me waves hello"), Me("waves hello"));
        assert_eq!(p("/me"), Usage(USAGE_ME));
        assert_eq!(p("/msg alice hi there"), Msg { to: "alice", text: "hi there" });
        assert_eq!(p("/msg alice"), Usage(USAGE_MSG));
        assert_eq!(p("/msg alice   "), Usage(USAGE_MSG));
        assert_eq!(p("/quit"), Quit(None));
        assert_eq!(p("/quit gone fishing"), Quit(Some("gone fishing")));
        assert_eq!(p("/dance now"), Unknown("dance"));
        assert_eq!(p("//etc/passwd"), Say("/etc/passwd"));
        assert_eq!(p("/"), Unknown(""));
    }

    #[test]
    fn room_commands() {
        assert_eq!(p("/who #dev"), Who(Some("#dev")));
        assert_eq!(p("/who dev"), Usage(USAGE_WHO));
        assert_eq!(p("/join #dev"), Join("#dev"));
        assert_eq!(p("/join dev"), Join("dev"));
        assert_eq!(p("/join #a b"), Join("#a b"));
        assert_eq!(p("/who #a b"), Who(Some("#a b")));
        assert_eq!(p("/join"), Usage(USAGE_JOIN));
        assert_eq!(p("/join   "), Usage(USAGE_JOIN));
        assert_eq!(p("/part"), Part { room: None, reason: None });
        assert_eq!(p("/part #dev"), Part { room: Some("#dev"), reason: None });
        assert_eq!(p("/part #dev  off to lunch"), Part { room: Some("#dev"), reason: Some("off to lunch") });
        assert_eq!(p("/part off to lunch"), Part { room: None, reason: Some("off to lunch") });
        assert_eq!(p("/say #dev hi"), SayIn { room: "#dev", text: "hi" });
        assert_eq!(p("/say #dev /quit  now"), SayIn { room: "#dev", text: "/quit  now" });
        assert_eq!(p("/say #dev  indented"), SayIn { room: "#dev", text: " indented" });
        assert_eq!(p("/say #dev"), Usage(USAGE_SAY));
        assert_eq!(p("/say #dev   "), Usage(USAGE_SAY));
        assert_eq!(p("/say"), Usage(USAGE_SAY));
        assert_eq!(p("/rooms"), Rooms);
        assert_eq!(p("/default"), DefaultRoom);
        assert_eq!(p("/default #dev"), Usage(USAGE_DEFAULT));
        assert_eq!(p("/topic"), Topic(None));
        assert_eq!(p("/topic ship it: friday"), Topic(Some("ship it: friday")));
        assert_eq!(p("/say #dev hi").room(), Some("#dev"));
        assert_eq!(p("/part bye").room(), None);
    }

    #[test]
    fn history_commands() {
        assert_eq!(p("/history before 10"), History { room: None, after: false, cursor: 10, count: None });
        assert_eq!(
            p("/history @철수 before now 20"),
            History { room: Some("@철수"), after: false, cursor: u64::MAX, count: Some(20) }
        );
        assert_eq!(p("/search @bob release"), Search { room: Some("@bob"), words: "release" });
        assert_eq!(
            p("/history #dev after 7 50"),
            History { room: Some("#dev"), after: true, cursor: 7, count: Some(50) }
        );
        for bad in [
            "/history",
            "/history #dev",
            "/history up 3",
            "/history before x",
            "/history after 3 many",
            "/history after 3 4 5",
        ] {
            assert_eq!(p(bad), Usage(USAGE_HISTORY), "{bad}");
        }
        assert_eq!(p("/search 회의"), Search { room: None, words: "회의" });
        assert_eq!(p("/search #dev  release  date"), Search { room: Some("#dev"), words: "release  date" });
        assert_eq!(p("/search #dev"), Usage(USAGE_SEARCH));
        assert_eq!(p("/search"), Usage(USAGE_SEARCH));
        assert_eq!(p("/stamps"), Stamps);
    }
}
