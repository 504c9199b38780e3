//! One conversation as the client understands it.
//!
//! Every server line goes through [`Reply::parse`] once, here, and comes out
//! as an [`Entry`] to show plus what changed (members, own name, joined or
//! refused). What the user types goes through [`Command::parse`], the same
//! reading the server applies, to decide what to show locally: the server
//! does not echo a sender's own lines.

use natter::protocol::{fold_name, Command, ErrorKind, Reply};

use super::members::Members;
use super::text::mentions;

/// One line of the conversation, in the client's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// Someone else's message; `mention` when it names this user.
    Chat { from: String, text: String, mention: bool },
    /// A message this user sent, shown locally.
    OwnChat { from: String, text: String },
    /// `/me` from someone (`own` for this user's, shown locally).
    Action { from: String, text: String, own: bool, mention: bool },
    /// A private message to this user.
    PrivateIn { from: String, text: String },
    /// A private message this user sent, shown locally.
    PrivateOut { to: String, text: String },
    /// This user joined; `online` includes them.
    Welcome { name: String, online: Vec<String> },
    /// Someone joined.
    Joined(String),
    /// Someone left.
    Quit { name: String, reason: Option<String> },
    /// Someone changed name; `own` when it was this user.
    Renamed { old: String, new: String, own: bool },
    /// The answer to `/who`.
    Online(Vec<String>),
    /// An error the server reported.
    Error(ServerError),
    /// Any other server notice (such as the `/help` text), shown as received.
    Notice(String),
    /// The server announced it is shutting down.
    ShuttingDown,
    /// The connection was lost ("Server disconnected.").
    Disconnected,
    /// A line could not be written ("Failed to send message.").
    SendFailed,
    /// A server line of no known kind, shown as received.
    Raw(String),
}

/// An entry with the local time it arrived at, as the conversation keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatLine {
    /// `HH:MM`, local time.
    pub time: String,
    /// What happened.
    pub entry: Entry,
}

/// An error the server reported, kept as the line it sent.
///
/// Not a copy of the protocol's [`ErrorKind`]: [`ServerError::kind`] reads
/// the line back as that very type, so a kind added to the protocol reaches
/// the client's exhaustive match (`render::error_text`) and fails to
/// compile there until it has the client's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError {
    /// The wire form, `*** error: …`, without the newline.
    line: String,
}

impl ServerError {
    /// What the server reported, in the protocol's terms.
    pub fn kind(&self) -> ErrorKind<'_> {
        match Reply::parse(&self.line) {
            Reply::Error(kind) => kind,
            // Unreachable: `line` was formatted from an error reply, and
            // the protocol's tests hold that every error reply round-trips.
            _ => ErrorKind::Other(&self.line),
        }
    }
}

impl From<ErrorKind<'_>> for ServerError {
    fn from(kind: ErrorKind<'_>) -> Self {
        ServerError { line: Reply::Error(kind).to_string() }
    }
}

/// What one received line changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The line to show, if any.
    pub entry: Option<Entry>,
    /// The member list changed.
    pub members_changed: bool,
    /// The server accepted the name: the chat screen can open.
    pub welcomed: bool,
    /// The server refused the join (before any welcome).
    pub refused: Option<ServerError>,
    /// Worth a desktop notification: a private message or a mention.
    pub alert: bool,
    /// This user's name changed.
    pub renamed_me: bool,
}

/// What to send for a line the user typed, and what to show for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The line for the wire, without the newline.
    pub line: String,
    /// The local echo, shown once the line is written.
    pub echo: Option<Entry>,
    /// The user is leaving (`/quit`): do not reconnect.
    pub quits: bool,
}

/// The state of one connection's conversation.
#[derive(Debug, Clone)]
pub struct Session {
    me: String,
    members: Members,
    joined: bool,
}

impl Session {
    /// A session that will join as `name`.
    pub fn new(name: &str) -> Self {
        Session { me: name.to_owned(), members: Members::new(), joined: false }
    }

    /// This user's current name.
    pub fn me(&self) -> &str {
        &self.me
    }

    /// Who is online.
    pub fn members(&self) -> &Members {
        &self.members
    }

    /// True between the welcome and the disconnect.
    pub fn is_joined(&self) -> bool {
        self.joined
    }

    fn is_me(&self, name: &str) -> bool {
        fold_name(name) == fold_name(&self.me)
    }

    /// Reads one server line.
    pub fn receive(&mut self, line: &str) -> Outcome {
        let mut out = Outcome::default();
        let reply = Reply::parse(line);
        let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        out.entry = Some(match reply {
            Reply::Welcome { name, online } => {
                self.joined = true;
                self.me = name.to_owned();
                self.members.set(online.iter().copied());
                // The welcome list may predate our own entry; we are online.
                self.members.add(name);
                out.welcomed = true;
                out.members_changed = true;
                Entry::Welcome { name: name.to_owned(), online: owned(&online) }
            }
            Reply::Error(kind) if !self.joined => {
                out.refused = Some(ServerError::from(kind));
                return out;
            }
            Reply::Error(kind) => Entry::Error(ServerError::from(kind)),
            Reply::Joined(name) => {
                out.members_changed = self.members.add(name);
                Entry::Joined(name.to_owned())
            }
            Reply::Quit { name, reason } => {
                out.members_changed = self.members.remove(name);
                // The server's reasons and a user's look alike here: the
                // protocol keeps them apart, the window shows both as said.
                Entry::Quit { name: name.to_owned(), reason: reason.map(|r| r.text().to_owned()) }
            }
            Reply::Renamed { old, new } => {
                let own = self.is_me(old);
                if own {
                    self.me = new.to_owned();
                    out.renamed_me = true;
                }
                self.members.rename(old, new);
                out.members_changed = true;
                Entry::Renamed { old: old.to_owned(), new: new.to_owned(), own }
            }
            Reply::Online(names) => {
                self.members.set(names.iter().copied());
                out.members_changed = true;
                Entry::Online(owned(&names))
            }
            Reply::Chat { from, text } => {
                let mention = mentions(text, &self.me);
                out.alert = mention;
                Entry::Chat { from: from.to_owned(), text: text.to_owned(), mention }
            }
            Reply::Action { from, text } => {
                let mention = mentions(text, &self.me);
                out.alert = mention;
                Entry::Action { from: from.to_owned(), text: text.to_owned(), own: false, mention }
            }
            Reply::Private { from, text } => {
                out.alert = true;
                Entry::PrivateIn { from: from.to_owned(), text: text.to_owned() }
            }
            Reply::ShuttingDown => Entry::ShuttingDown,
            Reply::Notice(text) => Entry::Notice(text.to_owned()),
            Reply::Other(text) => Entry::Raw(text.to_owned()),
        });
        out
    }

    /// Reads a line the user typed: `None` when there is nothing to send.
    pub fn prepare(&self, input: &str) -> Option<Outgoing> {
        // One entry line is one wire line, whatever was pasted into it.
        let line: String = input.chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }).collect();
        let me = self.me.clone();
        let (echo, quits) = match Command::parse(&line, &self.me) {
            Command::Empty => return None,
            Command::Say(text) => (Some(Entry::OwnChat { from: me, text: text.to_owned() }), false),
            Command::Me(text) => {
                (Some(Entry::Action { from: me, text: text.to_owned(), own: true, mention: false }), false)
            }
            Command::Msg { to, text } => (Some(Entry::PrivateOut { to: to.to_owned(), text: text.to_owned() }), false),
            Command::Quit(_) => (None, true),
            // The server answers these itself.
            Command::Who | Command::Nick(_) | Command::Help | Command::Usage(_) | Command::Unknown(_) => (None, false),
        };
        Some(Outgoing { line, echo, quits })
    }

    /// The connection is gone: nobody is known to be online any more.
    pub fn disconnected(&mut self) -> Entry {
        self.joined = false;
        self.members.clear();
        Entry::Disconnected
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(name: &str, online: &str) -> Session {
        let mut s = Session::new(name);
        let out = s.receive(&format!("*** welcome {name}, online ({}): {online}", online.split(", ").count()));
        assert!(out.welcomed);
        s
    }

    fn members(s: &Session) -> Vec<&str> {
        s.members().iter().collect()
    }

    #[test]
    fn welcome_joins_and_fills_the_member_list() {
        let s = joined("철수", "alice, 철수");
        assert!(s.is_joined());
        assert_eq!(members(&s), ["alice", "철수"]);
    }

    #[test]
    fn member_list_follows_events() {
        let mut s = joined("alice", "alice");
        assert!(s.receive("*** bob joined").members_changed);
        assert_eq!(s.receive("*** 철수 joined").entry, Some(Entry::Joined("철수".into())));
        let out = s.receive("*** bob quit [connection lost]");
        assert_eq!(out.entry, Some(Entry::Quit { name: "bob".into(), reason: Some("connection lost".into()) }));
        assert!(out.members_changed);
        s.receive("*** bob joined");
        let out = s.receive("*** bob quit (gone fishing)");
        assert_eq!(out.entry, Some(Entry::Quit { name: "bob".into(), reason: Some("gone fishing".into()) }));
        s.receive("*** 철수 is now known as 영희");
        assert_eq!(members(&s), ["alice", "영희"]);
        s.receive("*** online (3): alice, carol, dave");
        assert_eq!(members(&s), ["alice", "carol", "dave"]);
    }

    #[test]
    fn own_rename_changes_me() {
        let mut s = joined("alice", "alice, bob");
        let out = s.receive("*** alice is now known as alicia");
        assert!(out.renamed_me);
        assert_eq!(s.me(), "alicia");
        assert_eq!(out.entry, Some(Entry::Renamed { old: "alice".into(), new: "alicia".into(), own: true }));
        assert!(!s.receive("*** bob is now known as rob").renamed_me);
    }

    #[test]
    fn lines_are_classified() {
        let mut s = joined("alice", "alice, bob");
        let chat = s.receive("bob: hi all");
        assert_eq!(chat.entry, Some(Entry::Chat { from: "bob".into(), text: "hi all".into(), mention: false }));
        assert!(!chat.alert);
        let mention = s.receive("bob: hey Alice, look");
        assert!(mention.alert);
        assert!(matches!(mention.entry, Some(Entry::Chat { mention: true, .. })));
        let private = s.receive("bob (private): psst");
        assert!(private.alert);
        assert_eq!(private.entry, Some(Entry::PrivateIn { from: "bob".into(), text: "psst".into() }));
        assert!(matches!(s.receive("* bob waves").entry, Some(Entry::Action { own: false, .. })));
        assert_eq!(
            s.receive("*** error: no such user: zed").entry,
            Some(Entry::Error(ErrorKind::NoSuchUser("zed").into()))
        );
        assert_eq!(s.receive("*** server shutting down").entry, Some(Entry::ShuttingDown));
        assert_eq!(s.receive("*** commands:").entry, Some(Entry::Notice("commands:".into())));
        assert_eq!(s.receive("garbage").entry, Some(Entry::Raw("garbage".into())));
    }

    #[test]
    fn errors_before_the_welcome_refuse_the_join() {
        let mut s = Session::new("alice");
        let out = s.receive("*** error: name already in use: alice");
        assert_eq!(out.refused.as_ref().map(ServerError::kind), Some(ErrorKind::NameTaken("alice")));
        assert_eq!(out.entry, None);
        assert!(!s.is_joined());
        assert_eq!(Session::new("x").receive("*** error: server full").refused, Some(ErrorKind::ServerFull.into()));
        let timeout = Session::new("x").receive("*** error: no name received in time").refused;
        assert_eq!(timeout.as_ref().map(ServerError::kind), Some(ErrorKind::NameTimeout));
    }

    #[test]
    fn typed_lines_echo_like_the_server_would_show_them() {
        let s = joined("alice", "alice, bob");
        let say = s.prepare("hello 철수").unwrap();
        assert_eq!(say.line, "hello 철수");
        assert_eq!(say.echo, Some(Entry::OwnChat { from: "alice".into(), text: "hello 철수".into() }));
        assert_eq!(
            s.prepare("//etc").unwrap().echo,
            Some(Entry::OwnChat { from: "alice".into(), text: "/etc".into() })
        );
        assert_eq!(
            s.prepare("/me waves").unwrap().echo,
            Some(Entry::Action { from: "alice".into(), text: "waves".into(), own: true, mention: false })
        );
        assert_eq!(
            s.prepare("/msg bob psst").unwrap().echo,
            Some(Entry::PrivateOut { to: "bob".into(), text: "psst".into() })
        );
        for silent in ["/who", "/nick al", "/help", "/msg", "/dance"] {
            let out = s.prepare(silent).unwrap();
            assert_eq!((out.echo, out.quits), (None, false), "{silent}");
        }
        assert!(s.prepare("/quit bye").unwrap().quits);
        assert_eq!(s.prepare(""), None);
        assert_eq!(s.prepare("   "), None);
        assert_eq!(s.prepare("a\nb").unwrap().line, "a b");
    }

    #[test]
    fn disconnect_forgets_members() {
        let mut s = joined("alice", "alice, bob");
        assert_eq!(s.disconnected(), Entry::Disconnected);
        assert!(!s.is_joined());
        assert!(s.members().is_empty());
        // Rejoining works the same way as joining.
        assert!(s.receive("*** welcome alice, online (1): alice").welcomed);
    }
}
