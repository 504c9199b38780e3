//! The slash commands: /who /nick /me /msg /quit /help, //, unknown ones.

// A failed unwrap here is a failed test, not a crash on input.
#![allow(clippy::unwrap_used)]

mod common;

use common::{welcome, Server};
use natter::protocol::reply::help_lines;

#[test]
fn who_lists_everyone_sorted_ignoring_case() {
    let server = Server::start(&[]);
    let mut c = server.room(&["bob", "Alice", "carol", "Dave"]);
    let all = ["Alice", "bob", "carol", "Dave"];
    c[0].expect_who(&all);
    c[3].expect_who(&all);
    // Commands are case-insensitive.
    for who in ["/WHO", "/Who"] {
        c[1].send_line(who);
        c[1].expect_line(&common::online(&all));
    }
    // Nobody else heard any of it.
    c[1].send_line("done");
    for i in [0, 2, 3] {
        c[i].expect_line("Alice: done");
    }
}

#[test]
fn nick_tells_everyone_including_the_renamer() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob", "carol"]);
    c[0].send_line("/nick Zed");
    for client in c.iter_mut() {
        client.expect_line("*** alice is now known as Zed");
    }
    c[0].send_line("hi");
    c[1].expect_line("Zed: hi");
    c[2].expect_line("Zed: hi");
    c[0].send_line("Zed: prefixed");
    c[1].expect_line("Zed: prefixed");
    c[2].expect_line("Zed: prefixed");
    c[1].expect_who(&["bob", "carol", "Zed"]);
    // The old name is free again, the new one is taken.
    let mut a2 = server.connect();
    a2.label = "alice again".into();
    a2.send_line("alice");
    a2.expect_line(&welcome("alice", &["alice", "bob", "carol", "Zed"]));
    let mut z2 = server.connect();
    z2.send_line("zed");
    z2.expect_line("*** error: name already in use: zed");
    z2.expect_closed();
    // Private messages follow the new name.
    c[1].send_line("/msg zed psst");
    c[0].expect_line("*** alice joined");
    c[0].expect_line("bob (private): psst");
}

#[test]
fn nick_errors_go_to_the_sender_only_and_keep_the_connection() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob"]);
    let cases = [
        ("/nick BOB", "*** error: name already in use: BOB"),
        ("/nick bad name", "*** error: invalid name: name may not contain spaces"),
        ("/nick a:b", "*** error: invalid name: name may not contain ':'"),
        ("/nick *star", "*** error: invalid name: name may not contain '*'"),
        (&format!("/nick {}", "x".repeat(33)), "*** error: invalid name: name is longer than 32 characters"),
        ("/nick", "*** error: usage: /nick NEW"),
        ("/nick   ", "*** error: usage: /nick NEW"),
    ];
    for (sent, reply) in &cases {
        c[0].send_line(sent);
        c[0].expect_line(reply);
    }
    c[0].send_line("still alice");
    c[1].expect_line("alice: still alice");
    c[0].expect_who(&["alice", "bob"]);
}

#[test]
fn me_is_an_action_for_everyone_else() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob", "carol"]);
    c[0].send_line("/me waves hello");
    c[1].expect_line("* alice waves hello");
    c[2].expect_line("* alice waves hello");
    c[0].send_line("/ME shouts");
    c[1].expect_line("* alice shouts");
    c[2].expect_line("* alice shouts");
    // No echo to alice; usage error for a bare /me, to alice only.
    c[0].send_line("/me");
    c[0].expect_line("*** error: usage: /me ACTION");
    c[0].send_line("next");
    c[1].expect_line("alice: next");
    c[2].expect_line("alice: next");
}

#[test]
fn msg_reaches_only_the_target_found_ignoring_case() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "Bob", "carol"]);
    c[0].send_line("/msg bob psst  over here");
    c[1].expect_line("alice (private): psst  over here");
    c[0].send_line("/MSG BOB again");
    c[1].expect_line("alice (private): again");
    // carol and alice heard nothing: their next lines come after.
    c[0].send_line("public");
    c[1].expect_line("alice: public");
    c[2].expect_line("alice: public");
    c[0].expect_who(&["alice", "Bob", "carol"]);
}

#[test]
fn msg_errors() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob"]);
    let cases = [
        ("/msg zed hi", "*** error: no such user: zed"),
        ("/msg bob", "*** error: usage: /msg NAME TEXT"),
        ("/msg bob    ", "*** error: usage: /msg NAME TEXT"),
        ("/msg", "*** error: usage: /msg NAME TEXT"),
    ];
    for (sent, reply) in cases {
        c[0].send_line(sent);
        c[0].expect_line(reply);
    }
    c[0].send_line("after");
    c[1].expect_line("alice: after");
}

#[test]
fn quit_tells_the_others_and_closes() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob", "carol"]);
    c[0].send_line("/quit");
    c[0].expect_closed();
    c[1].expect_line("*** alice quit");
    c[2].expect_line("*** alice quit");
    c[1].send_line("/QUIT gone fishing");
    c[1].expect_closed();
    c[2].expect_line("*** bob quit (gone fishing)");
    c[2].expect_who(&["carol"]);
}

/// A user's quit reason never reads like one of the server's: the forged
/// `/quit connection lost` stays in parentheses, a real reset is in
/// square brackets, and the two lines differ.
#[test]
fn a_quit_reason_cannot_forge_the_servers() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "mallory", "bob"]);
    let bob = c.pop().unwrap();
    let mut mallory = c.pop().unwrap();
    let mut alice = c.pop().unwrap();
    mallory.send_line("/quit connection lost");
    mallory.expect_closed();
    let forged = alice.next_line();
    assert_eq!(forged, "*** mallory quit (connection lost)");
    bob.reset();
    let real = alice.next_line();
    assert_eq!(real, "*** bob quit [connection lost]");
    assert_ne!(forged.replace("mallory", "bob"), real);
    alice.expect_who(&["alice"]);
}

#[test]
fn lines_after_quit_in_the_same_write_are_not_relayed() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob"]);
    c[0].send_raw(b"before\n/quit bye\nafter\n");
    c[1].expect_line("alice: before");
    c[1].expect_line("*** alice quit (bye)");
    c[1].expect_who(&["bob"]);
}

#[test]
fn help_lists_the_commands() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob"]);
    c[0].send_line("/help");
    for entry in help_lines() {
        c[0].expect_line(&format!("*** {entry}"));
    }
    c[0].expect_who(&["alice", "bob"]);
    c[0].send_line("x");
    c[1].expect_line("alice: x");
}

#[test]
fn double_slash_sends_a_literal_slash_line() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob"]);
    c[0].send_line("//etc/passwd is a path");
    c[1].expect_line("alice: /etc/passwd is a path");
    c[0].send_line("//who");
    c[1].expect_line("alice: /who");
    c[0].expect_who(&["alice", "bob"]);
}

#[test]
fn unknown_commands_get_an_error_to_the_sender_only() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob"]);
    c[0].send_line("/dance");
    c[0].expect_line("*** error: unknown command /dance");
    c[0].send_line("/dance wildly now");
    c[0].expect_line("*** error: unknown command /dance");
    c[0].send_line("after");
    c[1].expect_line("alice: after");
    c[0].expect_who(&["alice", "bob"]);
}

#[test]
fn own_prefix_before_a_command_still_runs_it() {
    // The classic client prefixes everything with `NAME: `.
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob"]);
    c[0].send_line("alice: /who");
    c[0].expect_line("*** online (2): alice, bob");
    c[0].send_line("alice: /me nods");
    c[1].expect_line("* alice nods");
}
