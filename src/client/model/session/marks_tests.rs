//! Unit tests of `session/marks.rs`: asking for marks, reading them and
//! keeping them current without showing the client's own requests.

use super::*;
use crate::model::members::Mark;
use crate::model::penalty::{Duration, Penalty};

/// Joined as `name` with `online`, marks asked for and on.
fn marked(name: &str, online: &str) -> Session {
    let mut s = Session::new(name);
    let out = s.receive(&format!("*** welcome {name}, online ({}): {online}", online.split(", ").count()));
    assert_eq!(out.send, ["/stamps", "/default", "/marks"]);
    assert_eq!(s.receive("*** default room: #lobby").entry, None);
    let out = s.receive("*** marks on");
    assert_eq!((out.entry, out.send), (None, vec!["/who #lobby".to_owned()]), "not shown; the lobby asked again");
    s
}

fn marks(s: &Session) -> Vec<(String, Mark)> {
    s.marked_members()
}

fn pair(name: &str, mark: Mark) -> (String, Mark) {
    (name.to_owned(), mark)
}

#[test]
fn marked_lists_fill_the_member_list_and_the_quiet_answer_is_not_shown() {
    let mut s = marked("alice", "alice, bob, carol");
    let out = s.receive("*** online (3): @alice, +bob, carol");
    assert_eq!(out.entry, None, "the client's own /who is not shown");
    assert!(out.members_changed);
    assert_eq!(marks(&s), [pair("alice", Mark::Operator), pair("bob", Mark::Registered), pair("carol", Mark::None)]);
    assert!(s.is_operator_here());
    // The user's own /who is shown, names without marks.
    let out = s.receive("*** online (3): @alice, +bob, carol");
    assert_eq!(out.entry, Some(Entry::Online(vec!["alice".into(), "bob".into(), "carol".into()])));
}

#[test]
fn an_old_server_refusing_marks_is_not_shown_and_not_asked_again() {
    let mut s = Session::new("alice");
    s.receive("*** welcome alice, online (2): alice, bob");
    let out = s.receive("*** error: unknown command /marks");
    assert_eq!(out.entry, None);
    let out = s.receive("*** carol joined");
    assert!(out.send.is_empty(), "no marks to ask for");
    assert!(s.receive("*** error: unknown command /marks").entry.is_some(), "only the one answer is quiet");
    assert!(s.receive("*** marks on").entry.is_some(), "not asked for");
    assert_eq!(marks(&s)[0], pair("alice", Mark::None));
}

#[test]
fn joiners_ask_again_coalesced() {
    let mut s = marked("alice", "alice");
    s.receive("*** online (1): @alice");
    assert_eq!(s.receive("*** bob joined").send, ["/who #lobby"]);
    assert!(s.receive("*** carol joined").send.is_empty(), "one request out at a time");
    assert!(s.receive("*** dave joined").send.is_empty());
    let out = s.receive("*** online (3): @alice, +bob, carol");
    assert_eq!((out.entry, out.send), (None, vec!["/who #lobby".to_owned()]), "once more for what changed meanwhile");
    let out = s.receive("*** online (4): @alice, +bob, carol, +dave");
    assert_eq!((out.entry, out.send.len()), (None, 0));
    assert_eq!(s.members(), ["alice", "bob", "carol", "dave"]);
    assert_eq!(marks(&s)[3], pair("dave", Mark::Registered));
}

#[test]
fn rooms_welcome_marked_and_are_asked_by_their_name() {
    let mut s = marked("alice", "alice");
    s.receive("*** online (1): alice");
    let dev = ConvId::room("#dev");
    let out = s.receive("#dev *** welcome alice, online (2): @bob, alice");
    assert_eq!(out.entry, Some(Entry::Welcome { name: "alice".into(), online: vec!["bob".into(), "alice".into()] }));
    s.show(&dev);
    assert_eq!(marks(&s), [pair("bob", Mark::Operator), pair("alice", Mark::None)]);
    assert!(!s.is_operator_here());
    assert_eq!(s.receive("#dev *** carol joined").send, ["/who #dev"]);
    let out = s.receive("#dev *** online (3): @bob, alice, +carol");
    assert_eq!(out.entry, None);
    assert_eq!(marks(&s)[2], pair("carol", Mark::Registered));
}

#[test]
fn operator_notices_and_renames_change_marks() {
    let mut s = marked("alice", "alice, bob");
    s.receive("*** online (2): alice, +bob");
    let out = s.receive("*** bob made alice an operator");
    assert!(out.members_changed);
    assert!(out.entry.is_some(), "the notice itself is shown");
    assert!(s.is_operator_here());
    assert_eq!(s.members(), ["alice", "bob"]);
    s.receive("*** alice made bob an operator");
    let out = s.receive("*** alice made bob no longer an operator");
    assert_eq!(out.send, ["/who #lobby"], "a server operator stays one: asked");
    assert_eq!(marks(&s)[1], pair("bob", Mark::Registered));
    s.receive("*** online (2): @alice, +bob");
    // A login renames: the mark is kept until the answer says otherwise.
    let out = s.receive("*** bob is now known as robert");
    assert_eq!(out.send, ["/who #lobby"]);
    assert_eq!(marks(&s)[1], pair("robert", Mark::Registered));
}

#[test]
fn own_login_asks_every_room() {
    let mut s = marked("alice", "alice");
    s.receive("*** online (1): alice");
    s.receive("#dev *** welcome alice, online (1): alice");
    let out = s.receive("*** registered alice, you are logged in");
    assert_eq!(out.send, ["/who #lobby", "/who #dev"]);
}

#[test]
fn a_quiet_who_of_a_room_gone_is_not_shown() {
    let mut s = marked("alice", "alice");
    assert_eq!(s.receive("*** error: no such room: #lobby").entry, None);
    assert!(s.receive("*** error: no such room: #lobby").entry.is_some(), "the user's own is shown");
}

#[test]
fn penalties_only_for_operators_and_never_oneself() {
    let (lobby, dev) = (ConvId::Default, ConvId::room("#dev"));
    let mut s = marked("alice", "alice, bob");
    s.receive("*** online (2): alice, bob");
    assert_eq!(s.penalty_line(&lobby, "bob", Penalty::Kick, Duration::Hour, "x"), None, "not an operator");
    s.receive("*** online (2): @alice, bob");
    let kick = s.penalty_line(&lobby, "bob", Penalty::Kick, Duration::Hour, "x");
    assert_eq!(kick.as_deref(), Some("/kick #lobby bob x"));
    assert_eq!(s.penalty_line(&lobby, "Alice", Penalty::Ban, Duration::Hour, ""), None, "never oneself");
    s.receive("#dev *** welcome alice, online (2): alice, bob");
    assert_eq!(s.penalty_line(&dev, "bob", Penalty::Mute, Duration::Day, ""), None, "an operator of #lobby only");
    s.receive("#dev *** bob made alice an operator");
    let mute = s.penalty_line(&dev, "bob", Penalty::Mute, Duration::Day, "");
    assert_eq!(mute.as_deref(), Some("/mute #dev bob 1d"), "whichever room is shown");
    assert_eq!(s.penalty_line(&ConvId::Private("bob".into()), "bob", Penalty::Kick, Duration::Day, ""), None);
    s.disconnected();
    assert_eq!(s.penalty_line(&dev, "bob", Penalty::Mute, Duration::Day, ""), None);
}

#[test]
fn a_reconnect_asks_afresh() {
    let mut s = marked("alice", "alice");
    s.disconnected();
    let out = s.receive("*** welcome alice, online (1): alice");
    assert!(out.send.contains(&"/marks".to_owned()));
    assert_eq!(s.receive("*** marks on").entry, None);
}

#[test]
fn a_private_conversation_shows_who_is_registered_and_no_operators() {
    let mut s = marked("alice", "alice, bob, carol");
    s.receive("*** online (3): @alice, +bob, carol");
    let bob = s.open_private("bob");
    s.show(&bob);
    assert_eq!(marks(&s), [pair("alice", Mark::Registered), pair("bob", Mark::Registered)]);
    let carol = s.open_private("carol");
    s.show(&carol);
    assert_eq!(marks(&s), [pair("alice", Mark::Registered), pair("carol", Mark::None)]);
    assert!(!s.is_operator_here(), "no kicking in a private conversation");
}

#[test]
fn a_registration_elsewhere_changes_the_mark_and_shows_nothing() {
    let mut s = marked("alice", "alice, bob, carol");
    s.receive("*** online (3): @alice, +bob, carol");
    let out = s.receive("*** marks: +carol");
    assert_eq!(out.entry, None, "a state change, not a line");
    assert!(out.members_changed);
    assert_eq!(
        marks(&s),
        [pair("alice", Mark::Operator), pair("bob", Mark::Registered), pair("carol", Mark::Registered)]
    );
    s.receive("*** marks: bob");
    assert_eq!(marks(&s), [pair("alice", Mark::Operator), pair("bob", Mark::None), pair("carol", Mark::Registered)]);
}
