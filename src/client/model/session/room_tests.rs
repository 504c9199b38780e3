//! Unit tests of rooms in `model/session.rs`: routing received lines and
//! what typing in a room or a private conversation sends.

use super::*;

fn joined(name: &str, online: &str) -> Session {
    let mut s = Session::new(name);
    let out = s.receive(&format!("*** welcome {name}, online ({}): {online}", online.split(", ").count()));
    assert!(out.welcomed);
    // The answer to the client's own `/default`: the default room's name.
    assert_eq!(s.receive("*** default room: #lobby").entry, None);
    s
}

fn dev() -> ConvId {
    ConvId::room("#dev")
}

fn to(id: ConvId) -> Route {
    Route::To(vec![id])
}

fn unread(s: &Session, id: &ConvId) -> (u32, bool) {
    s.rooms().get(id).map(|c| (c.unread, c.highlight)).expect("the conversation exists")
}

#[test]
fn a_tagged_welcome_opens_the_room_with_its_members() {
    let mut s = joined("alice", "alice, bob");
    let out = s.receive("#dev *** welcome alice, online (2): alice, carol");
    assert!(!out.welcomed, "joining a room is not joining the server");
    assert_eq!((out.opened, out.route), (Some(dev()), to(dev())));
    assert_eq!(s.rooms().get(&dev()).map(|c| c.members.to_vec()), Some(vec!["alice".into(), "carol".into()]));
    assert_eq!(s.members(), ["alice", "bob"], "the default room is still shown");
    s.show(&dev());
    assert_eq!(s.members(), ["alice", "carol"]);
    assert_eq!(s.receive("#dev *** dave joined").route, to(dev()));
    assert_eq!(s.members(), ["alice", "carol", "dave"]);
    assert_eq!(s.receive("*** erin joined").route, to(ConvId::Default));
    assert_eq!(s.members(), ["alice", "carol", "dave"]);
}

#[test]
fn lines_in_hidden_rooms_count_as_unread_and_mentions_highlight() {
    let mut s = joined("alice", "alice, bob");
    s.receive("#dev *** welcome alice, online (2): alice, bob");
    assert_eq!(s.receive("#dev bob: hello").route, to(dev()));
    s.receive("#dev *** carol joined");
    assert_eq!(unread(&s, &dev()), (1, false), "joins are not unread messages");
    let out = s.receive("#dev * bob waves at alice");
    assert!(out.alert);
    assert_eq!(unread(&s, &dev()), (2, true));
    s.receive("bob: in the lobby");
    assert_eq!(unread(&s, &ConvId::Default), (0, false), "the shown room is read");
    s.show(&dev());
    assert_eq!(unread(&s, &dev()), (0, false));
}

#[test]
fn a_private_message_opens_a_highlighted_conversation() {
    let mut s = joined("alice", "alice, bob");
    let out = s.receive("Bob (private): psst");
    let bob = ConvId::Private("bob".into());
    assert_eq!(out.opened, Some(bob.clone()));
    assert_eq!(out.route, Route::To(vec![bob.clone(), ConvId::Default]), "and where the user is");
    assert_eq!(unread(&s, &bob), (1, true));
    assert_eq!(s.receive("bob (private): again").opened, None);
    assert_eq!(unread(&s, &bob), (2, true));
    s.show(&bob);
    assert_eq!(s.members(), ["alice", "Bob"]);
    assert_eq!(s.receive("bob (private): here").route, to(bob));
}

#[test]
fn quits_go_to_every_room_of_the_person_and_errors_to_the_shown_one() {
    let mut s = joined("alice", "alice, bob");
    s.receive("#dev *** welcome alice, online (2): alice, bob");
    s.receive("#ops *** welcome alice, online (1): alice");
    let out = s.receive("*** bob quit");
    assert_eq!(out.route, Route::To(vec![ConvId::Default, dev()]));
    s.show(&dev());
    assert!(s.members().iter().all(|m| m != "bob"));
    assert_eq!(s.receive("*** error: unknown command: /x").route, Route::Shown);
    let out = s.receive("*** bob joined");
    assert_eq!(out.route, to(ConvId::Default));
}

#[test]
fn typing_in_a_room_that_is_not_the_servers_current_one() {
    let mut s = joined("alice", "alice, bob");
    assert_eq!(s.rejoin_lines(&["#dev".into(), "#lobby".into()]), ["/join #dev"]);
    s.receive("#dev *** welcome alice, online (1): alice");
    // The server's current room is #dev now: the lobby needs /say.
    let out = s.prepare("hi all").unwrap();
    assert_eq!((out.line.as_str(), out.before.as_deref()), ("/say #lobby hi all", None));
    assert_eq!(out.echo, Some(Entry::OwnChat { from: "alice".into(), text: "hi all".into() }));
    let me = s.prepare("/me waves").unwrap();
    assert_eq!((me.line.as_str(), me.before.as_deref()), ("/me waves", Some("/join #lobby")));
    s.sending(&me, "/me waves");
    assert_eq!(s.prepare("plain").unwrap().line, "plain");
    s.show(&dev());
    assert_eq!(s.prepare("//literal").unwrap().line, "/say #dev /literal");
    assert_eq!(s.prepare("/msg bob hi").unwrap().to, ConvId::Private("bob".into()));
}

#[test]
fn typing_in_a_private_conversation_sends_private_messages() {
    let mut s = joined("alice", "alice, bob");
    let bob = s.open_private("bob");
    s.show(&bob);
    let out = s.prepare("hello there").unwrap();
    assert_eq!(out.line, "/msg bob hello there");
    assert_eq!((out.to, out.echo), (bob, Some(Entry::PrivateOut { to: "bob".into(), text: "hello there".into() })));
    assert_eq!(s.prepare("/nick al").unwrap().line, "/nick al");
}

#[test]
fn leaving_a_room_closes_it_and_the_default_room_stays() {
    let mut s = joined("alice", "alice");
    s.join_line("#dev");
    let out = s.receive("#dev *** welcome alice, online (1): alice");
    assert_eq!(out.show, Some(dev()), "a room the user asked for is shown once joined");
    s.show(&dev());
    assert_eq!(s.leave(&dev()).as_deref(), Some("/part #dev"));
    assert_eq!(*s.rooms().shown(), ConvId::Default);
    assert_eq!(s.leave(&ConvId::Default), None);
    assert_eq!(s.prepare("back").unwrap().line, "back", "the default room is current again");
    assert!(s.rooms().joined_rooms().is_empty());
}

#[test]
fn rooms_survive_a_disconnect_and_are_rejoined() {
    let mut s = joined("alice", "alice");
    s.receive("#dev *** welcome alice, online (1): alice");
    s.disconnected();
    assert!(s.rooms().list().iter().all(|c| c.members.is_empty()));
    s.receive("*** welcome alice, online (1): alice");
    // After the default room's name, asked again on every connection.
    assert!(s.rejoin_lines(&[]).is_empty());
    assert_eq!(s.receive("*** default room: #lobby").send, ["/join #dev"]);
}

#[test]
fn topics_leaving_and_the_servers_own_switches() {
    let mut s = joined("alice", "alice, bob");
    s.join_line("#dev");
    s.receive("#dev *** welcome alice, online (2): alice, bob");
    let out = s.receive("#dev *** topic: ship it");
    assert_eq!((out.entry, out.route), (Some(Entry::Topic("ship it".into())), to(dev())));
    assert_eq!(s.rooms().get(&dev()).and_then(|c| c.topic.clone()).as_deref(), Some("ship it"));
    s.receive("#dev *** bob set the topic: friday");
    assert_eq!(s.rooms().get(&dev()).and_then(|c| c.topic.clone()).as_deref(), Some("friday"));
    let out = s.receive("#dev *** bob left (lunch)");
    assert_eq!(out.entry, Some(Entry::Left { name: "bob".into(), reason: Some("lunch".into()) }));
    assert!(out.members_changed);
    // The user's own /me in the lobby switches the server back, quietly.
    let me = s.prepare("/me waves").unwrap();
    assert_eq!(me.before.as_deref(), Some("/join #lobby"));
    s.sending(&me, "/me waves");
    assert_eq!(s.receive("*** now talking in #lobby").entry, None);
    // Asked for by hand, it shows where the user is.
    assert_eq!(s.receive("*** now talking in #dev").route, Route::Shown);
    assert_eq!(s.prepare("hi").unwrap().line, "/say #lobby hi");
    // This user leaving, as the server tells it: the conversation goes.
    let out = s.receive("#dev *** alice left");
    assert_eq!((out.entry, out.closed), (None, Some(dev())));
    assert_eq!(s.prepare("hi").unwrap().line, "hi");
    assert_eq!(s.receive("*** rooms (1):").route, Route::Shown);
}

#[test]
fn history_is_neither_unread_nor_an_alert_and_opens_its_room() {
    let mut s = joined("alice", "alice, bob");
    let out = s.receive("#dev [2026-12-06T01:02:03Z 7] bob: alice, see this");
    assert_eq!(out.opened, Some(dev()), "replayed before the room's welcome");
    assert_eq!(out.said_at.as_deref(), Some("2026-12-06T01:02:03Z"));
    assert!(!out.alert);
    assert_eq!(unread(&s, &dev()), (0, false));
    let out = s.receive("#dev [2026-12-06T01:02:04Z 8] alice: my own line");
    assert_eq!(out.entry, Some(Entry::OwnChat { from: "alice".into(), text: "my own line".into() }));
    s.receive("#dev *** welcome alice, online (2): alice, bob");
    assert_eq!(s.rooms().list().len(), 2);
    assert_eq!(unread(&s, &dev()), (0, false));
}

#[test]
fn a_server_whose_default_room_is_another_names_it_and_lobby_is_ordinary() {
    let mut s = Session::new("erin");
    let out = s.receive("*** welcome erin, online (2): dave, erin");
    assert!(out.send.contains(&"/default".to_owned()), "{:?}", out.send);
    let out = s.receive("*** default room: #main");
    assert_eq!(out.entry, None, "the answer to the client's own /default is not shown");
    assert_eq!(s.rooms().title(&ConvId::Default), "#main");
    assert_eq!(s.rooms().conv("#MAIN"), ConvId::Default);
    // #lobby is an ordinary room there: its own conversation.
    let lobby = s.rooms().conv("#lobby");
    assert_ne!(lobby, ConvId::Default);
    assert_eq!(s.join_line("#lobby"), "/join #lobby");
    s.receive("#lobby *** welcome erin, online (1): erin");
    assert_eq!(s.receive("#lobby dave: hi").route, to(lobby.clone()));
    assert_eq!(s.receive("dave: in main").route, to(ConvId::Default));
    // Requests about the default room name it as the server does.
    s.show(&ConvId::Default);
    assert_eq!(s.prepare("/who").unwrap().line, "/who #main");
    assert_eq!(s.prepare("hi").unwrap().line, "/say #main hi");
    assert_eq!(s.rejoin_lines(&["#lobby".into(), "#main".into()]), ["/join #lobby"]);
}

#[test]
fn an_older_server_without_default_keeps_lobby_quietly() {
    let mut s = Session::new("erin");
    s.receive("*** welcome erin, online (1): erin");
    assert_eq!(s.receive("*** error: unknown command /default").entry, None);
    assert_eq!(s.rooms().title(&ConvId::Default), "#lobby");
    // A later /default the user types is shown.
    assert!(s.receive("*** default room: #lobby").entry.is_some());
}

#[test]
fn rejoining_waits_for_the_default_rooms_name() {
    let mut s = Session::new("erin");
    s.receive("*** welcome erin, online (1): erin");
    // Asked right after the welcome: nothing yet, #lobby may be ordinary.
    assert!(s.rejoin_lines(&["#lobby".into(), "#main".into()]).is_empty());
    let out = s.receive("*** default room: #main");
    assert_eq!((out.entry, out.send), (None, vec!["/join #lobby".to_owned()]));
    // An older server: the refusal lets them go, #lobby being the default.
    let mut old = Session::new("erin");
    old.receive("*** welcome erin, online (1): erin");
    assert!(old.rejoin_lines(&["#lobby".into(), "#dev".into()]).is_empty());
    let out = old.receive("*** error: unknown command /default");
    assert_eq!((out.entry, out.send), (None, vec!["/join #dev".to_owned()]));
}
