//! Every command driven in-process: sessions with no sockets, frames fed
//! through the real framer, and the exact lines each member would receive.

use std::time::Instant;

use natter::protocol::Frame;

use super::{route, Cx};
use crate::accounts::{Accounts, Registry};
use crate::history::{History, HistoryOptions};
use crate::pool::Pool;
use crate::rooms::{RoomLimits, Rooms};
use crate::session::Session;

const MAX_LINE: usize = 40;

/// A room with no sockets.
struct Chat {
    pool: Pool,
    rooms: Rooms,
    history: History,
    accounts: Accounts,
    moderation: crate::moderation::Moderation,
    /// Keeps the waker's registry alive.
    _poll: mio::Poll,
}

const LIMITS: RoomLimits = RoomLimits { max_rooms: 3, max_joined: 2, max_topic: 10 };

impl Chat {
    fn new() -> Self {
        Chat::keeping(None)
    }

    /// A chat whose history is kept in `dir` (`None`: none kept).
    fn keeping(dir: Option<&std::path::Path>) -> Self {
        let poll = mio::Poll::new().expect("a poll");
        let waker = std::sync::Arc::new(mio::Waker::new(poll.registry(), mio::Token(0)).expect("a waker"));
        let options =
            HistoryOptions { dir: dir.map(Into::into), lines: true, replay: 3, rooms: 3, days: 0, max_bytes: None };
        let (history, saved) = History::open(options, std::sync::Arc::clone(&waker)).expect("history opens");
        let accounts = Accounts::new(Registry::default(), waker, 0);
        let mut rooms = Rooms::new("#lobby", LIMITS);
        for room in saved.into_iter().rev() {
            rooms.restore(&room.name, room.topic);
        }
        Chat {
            pool: Pool::new(1 << 20, 64 << 20),
            rooms,
            history,
            accounts,
            moderation: Default::default(),
            _poll: poll,
        }
    }

    /// A new unnamed session.
    fn connect(&mut self) -> usize {
        let peer = "127.0.0.1:40000".parse().expect("a socket address");
        self.pool.insert(Session::new(peer, MAX_LINE, Instant::now())).key()
    }

    /// Feeds bytes through the session's framer and routes every frame,
    /// as the event loop does for one read.
    fn send(&mut self, key: usize, bytes: &[u8]) {
        self.pool.get_mut(key).expect("an open session").framer().push(bytes);
        while let Some(frame) = self.pool.get_mut(key).and_then(|s| s.framer().next_frame()) {
            self.route(key, frame);
        }
    }

    fn cx(&mut self) -> Cx<'_> {
        Cx {
            pool: &mut self.pool,
            rooms: &mut self.rooms,
            history: &mut self.history,
            accounts: &mut self.accounts,
            moderation: &mut self.moderation,
            max_line: MAX_LINE,
        }
    }

    fn route(&mut self, key: usize, frame: Frame) {
        let mut cx = self.cx();
        route(&mut cx, key, frame);
    }

    fn line(&mut self, key: usize, text: &str) {
        self.send(key, format!("{text}\n").as_bytes());
    }

    /// A session that has sent `name` as its first line.
    fn join(&mut self, name: &str) -> usize {
        let key = self.connect();
        self.line(key, name);
        key
    }

    /// A room of sessions joined under `names`, with what they were sent
    /// so far dropped.
    fn with<const N: usize>(names: [&str; N]) -> (Chat, [usize; N]) {
        let mut chat = Chat::new();
        let keys = names.map(|n| chat.join(n));
        for &key in &keys {
            chat.received(key);
        }
        (chat, keys)
    }

    /// The lines queued for `key` since the last call.
    fn received(&mut self, key: usize) -> Vec<String> {
        // As the event loop does before any write.
        self.history.commit();
        let bytes = self.pool.get_mut(key).expect("an open session").outbox_mut().take_all();
        let text = String::from_utf8(bytes).expect("server lines are UTF-8");
        text.lines().map(str::to_owned).collect()
    }

    fn assert_nothing_for(&mut self, keys: &[usize]) {
        for &key in keys {
            assert_eq!(self.received(key), Vec::<String>::new(), "key {key}");
        }
    }

    /// The reason `key` is closing with, if it is.
    fn closing(&mut self, key: usize) -> Option<String> {
        let session = self.pool.get_mut(key).expect("an open session");
        session.is_closing().then(|| session.take_closing().as_reason().map_or("", |r| r.text()).to_owned())
    }
}

#[test]
fn a_name_joins_and_the_others_are_told() {
    let mut chat = Chat::new();
    let alice = chat.join("alice");
    assert_eq!(chat.received(alice), ["*** welcome alice, online (1): alice"]);
    let bob = chat.join("  bob ");
    assert_eq!(chat.received(bob), ["*** welcome bob, online (2): alice, bob"]);
    assert_eq!(chat.received(alice), ["*** bob joined"]);
}

#[test]
fn a_taken_name_is_refused_and_closed() {
    let (mut chat, [alice]) = Chat::with(["alice"]);
    let other = chat.join("ALICE");
    assert_eq!(chat.received(other), ["*** error: name already in use: ALICE"]);
    assert_eq!(chat.closing(other).as_deref(), Some(""));
    chat.assert_nothing_for(&[alice]);
}

#[test]
fn bad_names_are_refused_and_closed() {
    let mut chat = Chat::new();
    for (name, why) in [
        ("", "name is empty"),
        ("a b", "name may not contain spaces"),
        ("x:y", "name may not contain ':'"),
        ("abcdefghijklmnopqrstuvwxyzabcdefg", "name is longer than 32 characters"),
    ] {
        let key = chat.join(name);
        assert_eq!(chat.received(key), [format!("*** error: invalid name: {why}")], "{name:?}");
        assert_eq!(chat.closing(key).as_deref(), Some(""));
    }
}

#[test]
fn a_too_long_first_line_is_a_refused_name() {
    let mut chat = Chat::new();
    let key = chat.connect();
    chat.send(key, &[b'a'; MAX_LINE + 1]);
    assert_eq!(chat.received(key), ["*** error: invalid name: name is longer than 32 characters"]);
    assert_eq!(chat.closing(key).as_deref(), Some(""));
}

#[test]
fn a_too_long_line_is_refused_once_and_the_client_kept() {
    let (mut chat, [alice, bob]) = Chat::with(["alice", "bob"]);
    chat.send(alice, &[b'x'; MAX_LINE + 10]);
    chat.send(alice, b"still the same line\nok\n");
    assert_eq!(chat.received(alice), ["*** error: line too long (max 40 bytes)"]);
    assert_eq!(chat.received(bob), ["alice: ok"]);
    assert_eq!(chat.closing(alice), None);
}

#[test]
fn plain_lines_go_to_everyone_else() {
    let (mut chat, [alice, bob, carol]) = Chat::with(["alice", "bob", "carol"]);
    chat.line(alice, "hello all");
    chat.line(alice, "alice: my own prefix is dropped");
    chat.line(alice, "bob: another's is kept");
    chat.line(alice, "   ");
    chat.line(alice, "bell\u{7} and \u{1b}[2J escape");
    let want = [
        "alice: hello all",
        "alice: my own prefix is dropped",
        "alice: bob: another's is kept",
        "alice: bell and [2J escape",
    ];
    assert_eq!(chat.received(bob), want);
    assert_eq!(chat.received(carol), want);
    chat.assert_nothing_for(&[alice]);
}

#[test]
fn a_double_slash_sends_a_literal_slash() {
    let (mut chat, [alice, bob]) = Chat::with(["alice", "bob"]);
    chat.line(alice, "//etc/passwd is a file");
    assert_eq!(chat.received(bob), ["alice: /etc/passwd is a file"]);
    chat.assert_nothing_for(&[alice]);
}

#[test]
fn who_lists_everyone_to_the_asker_only() {
    let (mut chat, [carol, alice, bob]) = Chat::with(["carol", "alice", "Bob"]);
    chat.line(carol, "/who");
    chat.line(carol, "/NAMES");
    assert_eq!(chat.received(carol), ["*** online (3): alice, Bob, carol", "*** online (3): alice, Bob, carol"]);
    chat.assert_nothing_for(&[alice, bob]);
}

#[test]
fn nick_renames_and_tells_everyone() {
    let (mut chat, [alice, bob]) = Chat::with(["alice", "bob"]);
    chat.line(alice, "/nick carol");
    assert_eq!(chat.received(alice), ["*** alice is now known as carol"]);
    assert_eq!(chat.received(bob), ["*** alice is now known as carol"]);
    chat.line(alice, "hi");
    assert_eq!(chat.received(bob), ["carol: hi"]);
    chat.line(alice, "/nick Carol");
    assert_eq!(chat.received(alice), ["*** carol is now known as Carol"]);
    assert_eq!(chat.received(bob), ["*** carol is now known as Carol"]);
    // The same name again changes nothing and tells nobody.
    chat.line(alice, "/nick Carol");
    chat.assert_nothing_for(&[alice, bob]);
    // The old name is free again.
    let again = chat.join("alice");
    assert_eq!(chat.received(again), ["*** welcome alice, online (3): alice, bob, Carol"]);
}

#[test]
fn nick_refusals_go_to_the_asker_only() {
    let (mut chat, [alice, bob]) = Chat::with(["alice", "bob"]);
    chat.line(alice, "/nick BOB");
    chat.line(alice, "/nick a:b");
    chat.line(alice, "/nick");
    assert_eq!(
        chat.received(alice),
        [
            "*** error: name already in use: BOB",
            "*** error: invalid name: name may not contain ':'",
            "*** error: usage: /nick NEW",
        ]
    );
    chat.assert_nothing_for(&[bob]);
    assert_eq!(chat.closing(alice), None);
}

#[test]
fn me_is_an_action_for_everyone_else() {
    let (mut chat, [alice, bob]) = Chat::with(["alice", "bob"]);
    chat.line(alice, "/me waves");
    chat.line(alice, "/me");
    assert_eq!(chat.received(bob), ["* alice waves"]);
    assert_eq!(chat.received(alice), ["*** error: usage: /me ACTION"]);
}

#[test]
fn msg_reaches_only_its_target() {
    let (mut chat, [alice, bob, carol]) = Chat::with(["alice", "bob", "carol"]);
    chat.line(alice, "/msg BOB psst, over here");
    assert_eq!(chat.received(bob), ["alice (private): psst, over here"]);
    chat.assert_nothing_for(&[alice, carol]);
    chat.line(alice, "/msg dave hello");
    chat.line(alice, "/msg bob");
    assert_eq!(chat.received(alice), ["*** error: no such user: dave", "*** error: usage: /msg NAME TEXT"]);
    chat.assert_nothing_for(&[bob, carol]);
}

#[test]
fn quit_closes_with_its_reason() {
    let (mut chat, [alice, bob]) = Chat::with(["alice", "bob"]);
    chat.line(alice, "/quit gone fishing");
    assert_eq!(chat.closing(alice).as_deref(), Some("gone fishing"));
    chat.line(bob, "/quit");
    assert_eq!(chat.closing(bob).as_deref(), Some(""));
    assert_eq!(chat.pool.take_closing(), [alice, bob]);
    // The quit notice is the loop's, once the session is reaped.
    chat.assert_nothing_for(&[alice, bob]);
}

#[test]
fn closing_twice_keeps_the_first_reason() {
    let (mut chat, [alice]) = Chat::with(["alice"]);
    chat.line(alice, "/quit first");
    chat.pool.close(alice, "connection lost");
    assert_eq!(chat.pool.take_closing(), [alice]);
    assert_eq!(chat.closing(alice).as_deref(), Some("first"));
}

#[test]
fn help_lists_every_usage_line() {
    let (mut chat, [alice, bob]) = Chat::with(["alice", "bob"]);
    chat.line(alice, "/help");
    assert_eq!(
        chat.received(alice),
        [
            "*** commands:",
            "*** /who [#ROOM] - list who is online, or in a room",
            "*** /nick NEW - change your name",
            "*** /me ACTION - describe what you do",
            "*** /msg NAME TEXT - private message to NAME",
            "*** /quit [REASON] - leave",
            "*** //text - send a message that starts with /",
            "*** /join #ROOM - join a room (made if new) and talk there",
            "*** /part [#ROOM] [REASON] - leave a room",
            "*** /say #ROOM TEXT - send TEXT to a room you are in",
            "*** /rooms - list the rooms",
            "*** /default - name the room everyone is in",
            "*** /topic [TEXT] - show or set this room's topic",
            "*** /history [#ROOM|@NAME] before|after ID [N] - earlier or later stored lines of a room or private conversation",
            "*** /search [#ROOM|@NAME] WORDS - find stored lines of a room or private conversation",
            "*** /stamps - stamp stored lines with their time and id, own ones echoed",
            "*** /register PASSWORD - register the name you use (and log in)",
            "*** /login NAME PASSWORD - log in as a registered name",
            "*** /password OLD NEW - change your password",
            "*** /unregister PASSWORD - give up your registered name",
            "*** /kick [#ROOM] NAME [REASON] - operators: remove NAME from the room",
            "*** /mute [#ROOM] NAME [DURATION] - operators: silence NAME in the room",
            "*** /unmute [#ROOM] NAME - operators: let NAME speak again",
            "*** /ban [#ROOM] NAME|ADDRESS[/BITS] [DURATION] [REASON] - operators: keep NAME or an address out",
            "*** /unban [#ROOM] NAME|ADDRESS[/BITS] - operators: lift a ban",
            "*** /bans [#ROOM] - operators: list the room's bans",
            "*** /mode [#ROOM] +r|-r|+t|-t - operators: +r only registered names speak, +t topic locked",
            "*** /op [#ROOM] NAME - operators: make NAME an operator of the room",
            "*** /deop [#ROOM] NAME - operators: take NAME's operator right away",
            "*** /marks - mark operators @ and registered names + in lists",
        ]
    );
    chat.assert_nothing_for(&[bob]);
}

#[test]
fn unknown_commands_are_answered_not_fatal() {
    let (mut chat, [alice, bob]) = Chat::with(["alice", "bob"]);
    chat.line(alice, "/dance wildly");
    chat.line(alice, "/");
    assert_eq!(chat.received(alice), ["*** error: unknown command /dance", "*** error: unknown command /"]);
    chat.assert_nothing_for(&[bob]);
    assert_eq!(chat.closing(alice), None);
}

#[test]
fn a_closing_member_is_sent_nothing_more() {
    let (mut chat, [alice, bob]) = Chat::with(["alice", "bob"]);
    chat.line(bob, "/quit");
    chat.line(alice, "anyone?");
    chat.assert_nothing_for(&[bob]);
}

mod history;
mod rooms;
