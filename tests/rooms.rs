//! Rooms (issue 14), as a client sees them on the wire: /join, /part,
//! /say, /rooms, /who, /topic, and what stays exactly as it was for a
//! client that never leaves the default room.
//!
//! Written from `notes/rooms-spec.md`, independently of the server code.

// A failed unwrap here is a failed test, not a crash on input.
#![allow(clippy::unwrap_used)]

mod common;

use common::{set, welcome, Server};

#[test]
fn a_client_that_stays_in_the_lobby_sees_todays_protocol() {
    let server = Server::start(&[]);
    let mut c = server.room(&["bob", "carol"]);
    let [bob, carol] = &mut c[..] else { unreachable!() };
    bob.enter("#dev", &["bob"]);
    // alice comes after the room exists: her welcome is today's.
    let mut alice = server.connect();
    alice.label = "alice".into();
    alice.send_line("alice");
    alice.expect_line(&welcome("alice", &["alice", "bob", "carol"]));
    let alice = &mut alice;
    bob.expect_line("*** alice joined");
    carol.expect_line("*** alice joined");
    carol.enter("#dev", &["bob", "carol"]);
    bob.expect_line("#dev *** carol joined");
    bob.send_line("in dev");
    carol.expect_line("#dev bob: in dev");
    carol.send_line("/me codes");
    bob.expect_line("#dev * carol codes");
    bob.send_line("/topic secret plans");
    bob.expect_line("#dev *** bob set the topic: secret plans");
    carol.expect_line("#dev *** bob set the topic: secret plans");
    // alice heard none of it, and her own lines are today's lines.
    alice.send_line("hello?");
    bob.expect_line("alice: hello?");
    carol.expect_line("alice: hello?");
    alice.send_line("/me waves");
    bob.expect_line("* alice waves");
    carol.expect_line("* alice waves");
    bob.send_line("/say #lobby hi alice");
    alice.expect_line("bob: hi alice");
    carol.expect_line("bob: hi alice");
    let mut dave = server.join("dave");
    alice.expect_line("*** dave joined");
    dave.send_line("/quit bye");
    alice.expect_line("*** dave quit (bye)");
    carol.send_line("/nick Cara");
    alice.expect_line("*** carol is now known as Cara");
    alice.expect_who(&["alice", "bob", "Cara"]);
    bob.send_line("/quit");
    alice.expect_line("*** bob quit");
    alice.sync();
}

#[test]
fn join_creates_the_room_and_switches_to_it() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob", "carol"]);
    let [alice, bob, carol] = &mut c[..] else { unreachable!() };
    alice.enter("#dev", &["alice"]);
    bob.enter("#dev", &["alice", "bob"]);
    alice.expect_line("#dev *** bob joined");
    // Plain lines and /me go to the current room, tagged.
    alice.send_line("hi dev");
    bob.expect_line("#dev alice: hi dev");
    alice.send_line("/me waves");
    bob.expect_line("#dev * alice waves");
    alice.send_line("//join #x");
    bob.expect_line("#dev alice: /join #x");
    // /join of a room one is in only switches, and counts once.
    alice.send_line("/join #DEV");
    alice.expect_line("*** now talking in #dev");
    alice.send_line("/who");
    alice.expect_line("#dev *** online (2): alice, bob");
    alice.send_line("/join #dev");
    alice.expect_line("*** now talking in #dev");
    alice.send_line("/join #lobby");
    alice.expect_line("*** now talking in #lobby");
    alice.send_line("back in the lobby");
    bob.expect_line("alice: back in the lobby");
    carol.expect_line("alice: back in the lobby");
    // bob still talks in #dev.
    bob.send_line("still dev");
    alice.expect_line("#dev bob: still dev");
    carol.sync();
    alice.sync();
    bob.sync();
}

#[test]
fn topic_is_shown_on_join_and_announced_to_members() {
    let server = Server::start(&["--max-topic", "10"]);
    let mut c = server.room(&["alice", "bob", "carol"]);
    let [alice, bob, carol] = &mut c[..] else { unreachable!() };
    alice.enter("#dev", &["alice"]);
    alice.send_line("/topic");
    alice.expect_line("#dev *** no topic");
    alice.send_line("/topic rust talk");
    alice.expect_line("#dev *** alice set the topic: rust talk");
    bob.enter("#dev", &["alice", "bob"]);
    bob.expect_line("#dev *** topic: rust talk");
    alice.expect_line("#dev *** bob joined");
    bob.send_line("/topic");
    bob.expect_line("#dev *** topic: rust talk");
    // Cut to --max-topic characters, not bytes.
    bob.send_line("/topic 0123456789abcdef");
    for m in [&mut *alice, &mut *bob] {
        m.expect_line("#dev *** bob set the topic: 0123456789");
    }
    let long = "가".repeat(15);
    alice.send_line(&format!("/topic {long}"));
    let cut = "가".repeat(10);
    for m in [&mut *alice, &mut *bob] {
        m.expect_line(&format!("#dev *** alice set the topic: {cut}"));
    }
    // The default room's topic is untagged.
    carol.send_line("/topic");
    carol.expect_line("*** no topic");
    carol.send_line("/topic lobby");
    for m in [&mut *alice, &mut *bob, &mut *carol] {
        m.expect_line("*** carol set the topic: lobby");
    }
    let mut dave = server.connect();
    dave.join("dave");
    dave.expect_line("*** topic: lobby");
    dave.sync();
}

#[test]
fn part_tells_members_and_the_leaver_and_lines_fall_back_to_the_lobby() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob", "carol"]);
    let [alice, bob, carol] = &mut c[..] else { unreachable!() };
    alice.enter("#ops", &["alice"]);
    alice.enter("#dev", &["alice"]);
    bob.enter("#dev", &["alice", "bob"]);
    alice.expect_line("#dev *** bob joined");
    // Leaving a room that is not the current one keeps the current one.
    alice.send_line("/part #ops");
    alice.expect_line("#ops *** alice left");
    alice.send_line("still dev");
    bob.expect_line("#dev alice: still dev");
    alice.send_line("/part #dev going home");
    for m in [&mut *alice, &mut *bob] {
        m.expect_line("#dev *** alice left (going home)");
    }
    alice.expect_line("*** now talking in #lobby");
    alice.send_line("plain");
    bob.expect_line("alice: plain");
    carol.expect_line("alice: plain");
    // A /part with no room leaves the current one, with or without a
    // reason; the room, now empty, is gone, and its topic with it.
    bob.send_line("/topic old");
    bob.expect_line("#dev *** bob set the topic: old");
    bob.send_line("/part so long");
    bob.expect_line("#dev *** bob left (so long)");
    bob.expect_line("*** now talking in #lobby");
    assert_eq!(carol.rooms(), set(&["*** #lobby (3)"]));
    carol.enter("#dev", &["carol"]);
    carol.send_line("/topic");
    carol.expect_line("#dev *** no topic");
    carol.send_line("/part");
    carol.expect_line("#dev *** carol left");
    carol.expect_line("*** now talking in #lobby");
    // The default room cannot be left.
    for line in ["/part", "/part #lobby", "/part #LOBBY bye"] {
        alice.send_line(line);
        alice.expect_line("*** error: cannot leave the default room #lobby");
    }
    alice.send_line("/part #dev");
    let err = alice.next_line();
    assert!(
        err == "*** error: not in room: #dev" || err == "*** error: no such room: #dev",
        "part of a room one is not in: {err:?}"
    );
    bob.sync();
    carol.sync();
}

#[test]
fn say_sends_literally_to_a_room_without_switching() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob", "carol"]);
    let [alice, bob, carol] = &mut c[..] else { unreachable!() };
    alice.enter("#dev", &["alice"]);
    bob.enter("#dev", &["alice", "bob"]);
    alice.expect_line("#dev *** bob joined");
    carol.enter("#ops", &["carol"]);
    alice.send_line("/join #lobby");
    alice.expect_line("*** now talking in #lobby");
    for text in ["/quit", "/part #dev", "//x", "#ops *** x joined", "hi  there"] {
        alice.send_line(&format!("/say #dev {text}"));
        bob.expect_line(&format!("#dev alice: {text}"));
    }
    alice.send_line("/say #DEV case");
    bob.expect_line("#dev alice: case");
    alice.send_line("/say #lobby to the lobby");
    bob.expect_line("alice: to the lobby");
    carol.expect_line("alice: to the lobby");
    alice.send_line("/say #LOBBY any case");
    bob.expect_line("alice: any case");
    carol.expect_line("alice: any case");
    // Still talking in the lobby.
    alice.send_line("plain");
    bob.expect_line("alice: plain");
    carol.expect_line("alice: plain");
    // Errors: a room alice is not in, no text.
    alice.send_line("/say #ops hi");
    alice.expect_line("*** error: not in room: #ops");
    alice.send_line("/say #nowhere hi");
    let err = alice.next_line();
    assert!(err == "*** error: not in room: #nowhere" || err == "*** error: no such room: #nowhere", "{err:?}");
    for line in ["/say #dev", "/say #dev   ", "/say"] {
        alice.send_line(line);
        alice.expect_line("*** error: usage: /say #ROOM TEXT");
    }
    carol.sync();
    bob.sync();
}

#[test]
fn rooms_and_who_list_members_counts_and_topics() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "Bob", "carol"]);
    let [alice, bob, carol] = &mut c[..] else { unreachable!() };
    bob.enter("#dev", &["Bob"]);
    alice.enter("#dev", &["alice", "Bob"]);
    bob.expect_line("#dev *** alice joined");
    alice.send_line("/topic all about rust");
    alice.expect_line("#dev *** alice set the topic: all about rust");
    bob.expect_line("#dev *** alice set the topic: all about rust");
    carol.enter("#ops", &["carol"]);
    // The default room first, then by name (docs/protocol.md).
    carol.enter("#Alpha", &["carol"]);
    carol.send_line("/rooms");
    carol.expect_lines(&[
        "*** rooms (4):",
        "*** #lobby (3)",
        "*** #Alpha (1)",
        "*** #dev (2): all about rust",
        "*** #ops (1)",
    ]);
    carol.send_line("/part");
    carol.expect_lines(&["#Alpha *** carol left", "*** now talking in #lobby"]);
    carol.send_line("/join #ops");
    carol.expect_line("*** now talking in #ops");
    let want = set(&["*** #lobby (3)", "*** #dev (2): all about rust", "*** #ops (1)"]);
    assert_eq!(alice.rooms(), want);
    // /who: the current room, or the named one.
    alice.send_line("/who");
    alice.expect_line("#dev *** online (2): alice, Bob");
    alice.send_line("/who #lobby");
    alice.expect_line("*** online (3): alice, Bob, carol");
    carol.send_line("/who #DEV");
    carol.expect_line("#dev *** online (2): alice, Bob");
    carol.send_line("/who #nowhere");
    carol.expect_line("*** error: no such room: #nowhere");
    // The last member leaves: #ops is gone from the listing.
    carol.send_line("/part");
    carol.expect_line("#ops *** carol left");
    carol.expect_line("*** now talking in #lobby");
    assert_eq!(bob.rooms(), set(&["*** #lobby (3)", "*** #dev (2): all about rust"]));
    alice.sync();
}

#[test]
fn nick_and_quit_reach_each_sharer_once_untagged() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob", "carol", "dave"]);
    for room in ["#a", "#b", "#c"] {
        c[0].enter(room, &["alice"]);
        c[1].enter(room, &["alice", "bob"]);
        c[0].expect_line(&format!("{room} *** bob joined"));
    }
    c[0].send_line("/nick Zed");
    for m in c.iter_mut() {
        m.expect_line("*** alice is now known as Zed");
        m.sync();
    }
    c[0].send_line("in c");
    c[1].expect_line("#c Zed: in c");
    c[1].send_line("/who #a");
    c[1].expect_line("#a *** online (2): bob, Zed");
    c[0].send_line("/quit bye");
    for m in c[1..].iter_mut() {
        m.expect_line("*** Zed quit (bye)");
        m.sync();
    }
    let want = set(&["*** #lobby (3)", "*** #a (1)", "*** #b (1)", "*** #c (1)"]);
    assert_eq!(c[3].rooms(), want);
    // A vanished client is one `connection lost` notice too, and the
    // rooms it was alone in are gone.
    c.remove(1).reset();
    for m in c[1..].iter_mut() {
        m.expect_line("*** bob quit [connection lost]");
        m.sync();
    }
    assert_eq!(c[2].rooms(), set(&["*** #lobby (2)"]));
}

#[test]
fn room_names_are_unicode_case_insensitive_and_shown_as_first_created() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob"]);
    let [alice, bob] = &mut c[..] else { unreachable!() };
    alice.enter("#개발", &["alice"]);
    bob.enter("#개발", &["alice", "bob"]);
    alice.expect_line("#개발 *** bob joined");
    bob.send_line("안녕");
    alice.expect_line("#개발 bob: 안녕");
    alice.send_line("/join #Rust");
    alice.expect_line("#Rust *** welcome alice, online (1): alice");
    bob.send_line("/join #RUST");
    bob.expect_line("#Rust *** welcome bob, online (2): alice, bob");
    alice.expect_line("#Rust *** bob joined");
    bob.send_line("/join #rust");
    bob.expect_line("*** now talking in #Rust");
    bob.send_line("/say #rUsT hi");
    alice.expect_line("#Rust bob: hi");
    let want = set(&["*** #lobby (2)", "*** #개발 (2)", "*** #Rust (2)"]);
    assert_eq!(alice.rooms(), want);
    // Once empty it is gone; whoever makes it again names it anew.
    alice.send_line("/part #rust");
    alice.expect_lines(&["#Rust *** alice left", "*** now talking in #lobby"]);
    bob.expect_line("#Rust *** alice left");
    bob.send_line("/part #RUST");
    bob.expect_lines(&["#Rust *** bob left", "*** now talking in #lobby"]);
    bob.send_line("/join #RUST");
    bob.expect_line("#RUST *** welcome bob, online (1): bob");
    // Case folding is Unicode's, and NFC makes the Kelvin sign a K.
    for (room, shown) in [("#Ω", "#Ω"), ("#K", "#K")] {
        alice.send_line(&format!("/join {room}"));
        alice.expect_line(&format!("{shown} *** welcome alice, online (1): alice"));
    }
    for (room, shown) in [("#ω", "#Ω"), ("#\u{212A}", "#K"), ("#k", "#K")] {
        alice.send_line(&format!("/join {room}"));
        alice.expect_line(&format!("*** now talking in {shown}"));
    }
    // The longest names, in ASCII and in Hangul (96 bytes).
    for long in ["x".repeat(32), "가".repeat(32)] {
        alice.send_line(&format!("/join #{long}"));
        alice.expect_line(&format!("#{long} *** welcome alice, online (1): alice"));
    }
    // The decomposed spelling of a Korean room name is that room.
    bob.send_line("/say #\u{1100}\u{1162}\u{1107}\u{1161}\u{11AF} nfd");
    alice.expect_line("#개발 bob: nfd");
    // A room made with a decomposed name is shown composed.
    bob.send_line("/join #\u{110E}\u{1165}\u{11AF}\u{1109}\u{116E}");
    bob.expect_line("#철수 *** welcome bob, online (1): bob");
}

#[test]
fn raw_clients_are_unaffected_by_rooms() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob"]);
    let [alice, bob] = &mut c[..] else { unreachable!() };
    let mut carol = server.connect();
    carol.join_raw("carol");
    alice.expect_line("*** carol joined");
    bob.expect_line("*** carol joined");
    alice.enter("#dev", &["alice"]);
    bob.enter("#dev", &["alice", "bob"]);
    alice.expect_line("#dev *** bob joined");
    alice.send_line("dev only");
    bob.expect_line("#dev alice: dev only");
    carol.send_raw(b"carol: hello");
    alice.expect_line("carol: hello");
    bob.expect_line("carol: hello");
    bob.send_line("/say #lobby hi carol");
    carol.expect_line("bob: hi carol");
    carol.send_raw(b"carol: /who");
    carol.expect_line("*** online (3): alice, bob, carol");
    // A raw client may use rooms too, its own prefix still stripped.
    carol.send_raw(b"carol: /join #dev");
    carol.expect_line("#dev *** welcome carol, online (3): alice, bob, carol");
    alice.skip_until("#dev *** carol joined", 1);
    bob.skip_until("#dev *** carol joined", 1);
    carol.send_raw(b"carol: in dev");
    alice.expect_line("#dev carol: in dev");
    bob.expect_line("#dev carol: in dev");
}

#[test]
fn shutdown_is_one_untagged_line_whatever_the_rooms() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob"]);
    for room in ["#a", "#b"] {
        c[0].enter(room, &["alice"]);
        c[1].enter(room, &["alice", "bob"]);
        c[0].expect_line(&format!("{room} *** bob joined"));
    }
    server.signal("TERM");
    for m in c.iter_mut() {
        m.expect_line("*** server shutting down");
        m.expect_closed();
    }
}
