//! Joining and leaving: names, the welcome line, join and quit notices.

// A failed unwrap here is a failed test, not a crash on input.
#![allow(clippy::unwrap_used)]

mod common;

use common::{welcome, Server};

#[test]
fn welcome_lists_everyone_sorted_ignoring_case_and_others_see_joined() {
    let server = Server::start(&[]);
    let mut bob = server.connect();
    bob.label = "bob".into();
    bob.send_line("bob");
    bob.expect_line(&welcome("bob", &["bob"]));

    let mut alice = server.connect();
    alice.label = "Alice".into();
    alice.send_line("Alice");
    alice.expect_line(&welcome("Alice", &["Alice", "bob"]));
    bob.expect_line("*** Alice joined");

    let mut carol = server.connect();
    carol.label = "carol".into();
    carol.send_line("carol");
    carol.expect_line(&welcome("carol", &["Alice", "bob", "carol"]));
    bob.expect_line("*** carol joined");
    alice.expect_line("*** carol joined");

    let mut dave = server.connect();
    dave.label = "Dave".into();
    dave.send_line("Dave");
    dave.expect_line(&welcome("Dave", &["Alice", "bob", "carol", "Dave"]));
    for c in [&mut bob, &mut alice, &mut carol] {
        c.expect_line("*** Dave joined");
    }
    // The joiner got no joined notice about itself and nothing else.
    dave.expect_who(&["Alice", "bob", "carol", "Dave"]);
}

#[test]
fn name_is_trimmed_and_crlf_accepted() {
    let server = Server::start(&[]);
    let mut alice = server.join("alice");
    let mut dave = server.connect();
    dave.label = "dave".into();
    dave.send_raw(b" \t dave  \r\n");
    dave.expect_line(&welcome("dave", &["alice", "dave"]));
    alice.expect_line("*** dave joined");
}

#[test]
fn name_split_across_writes_is_one_name() {
    let server = Server::start(&[]);
    let mut c = server.connect();
    c.label = "alice".into();
    c.send_raw(b"al");
    c.send_raw(b"ice\n");
    c.expect_line(&welcome("alice", &["alice"]));
}

#[test]
fn longest_names_and_unicode_names_are_accepted() {
    let server = Server::start(&[]);
    let ascii = "n".repeat(32);
    let hangul = "가".repeat(32); // 32 characters, 96 bytes
    let mut a = server.connect();
    a.send_line(&ascii);
    a.expect_line(&welcome(&ascii, &[&ascii]));
    let mut b = server.connect();
    b.send_line(&hangul);
    b.expect_line(&welcome(&hangul, &[&ascii, &hangul]));
    a.expect_line(&format!("*** {hangul} joined"));
    let mut c = server.connect();
    c.send_line("x_y-z.9");
    c.expect_line(&welcome("x_y-z.9", &[&ascii, "x_y-z.9", &hangul]));
}

#[test]
fn bad_names_get_one_error_line_then_close() {
    let server = Server::start(&[]);
    let mut alice = server.join("alice");
    let long = "n".repeat(33);
    let cases: &[(&str, &str)] = &[
        ("a b", "name may not contain spaces"),
        ("a:b", "name may not contain ':'"),
        ("*x", "name may not contain '*'"),
        ("a,b", "name may not contain ','"),
        ("bob!", "name may not contain '!'"),
        ("/who", "name may not contain '/'"),
        (&long, "name is longer than 32 characters"),
    ];
    for (name, why) in cases {
        let mut c = server.connect();
        c.label = format!("bad name {name:?}");
        c.send_line(name);
        c.expect_line(&format!("*** error: invalid name: {why}"));
        c.expect_closed();
    }
    // None of them was ever announced.
    alice.expect_who(&["alice"]);
}

#[test]
fn taken_names_are_refused_ignoring_case() {
    let server = Server::start(&[]);
    let mut clients = server.room(&["alice", "Zoë"]);
    for name in ["alice", "ALICE", "Alice", "zoë", "ZOË"] {
        let mut c = server.connect();
        c.label = format!("second {name}");
        c.send_line(name);
        c.expect_line(&format!("*** error: name already in use: {name}"));
        c.expect_closed();
    }
    // The holders still work and saw nothing of the attempts.
    clients[1].send_line("still here");
    clients[0].expect_line("Zoë: still here");
    clients[0].expect_who(&["alice", "Zoë"]);
}

#[test]
fn korean_name_joins_and_chats() {
    let server = Server::start(&[]);
    let mut alice = server.join("alice");
    let mut cs = server.connect();
    cs.label = "철수".into();
    cs.send_line("철수");
    cs.expect_line(&welcome("철수", &["alice", "철수"]));
    alice.expect_line("*** 철수 joined");

    cs.send_line("안녕하세요 여러분");
    alice.expect_line("철수: 안녕하세요 여러분");
    cs.send_line("철수: 반가워요");
    alice.expect_line("철수: 반가워요");
    alice.send_line("/msg 철수 hi 철수");
    cs.expect_line("alice (private): hi 철수");
    alice.send_line("hello");
    cs.expect_line("alice: hello");
    cs.send_line("/quit 안녕");
    alice.expect_line("*** 철수 quit (안녕)");
    cs.expect_closed();
}

#[test]
fn clean_close_is_a_plain_quit_and_a_reset_is_connection_lost() {
    let server = Server::start(&[]);
    let mut clients = server.room(&["alice", "bob", "carol"]);
    let carol = clients.pop().unwrap();
    let bob = clients.pop().unwrap();
    let mut alice = clients.pop().unwrap();

    drop(bob); // orderly FIN
    alice.expect_line("*** bob quit");
    carol.reset(); // TCP reset
    alice.expect_line("*** carol quit [connection lost]");
    alice.expect_who(&["alice"]);
}

#[test]
fn half_close_after_name_is_a_plain_quit() {
    let server = Server::start(&[]);
    let mut alice = server.join("alice");
    let mut bob = server.connect();
    bob.join("bob");
    alice.expect_line("*** bob joined");
    bob.send_line("last words");
    bob.shutdown_write();
    alice.expect_line("bob: last words");
    alice.expect_line("*** bob quit");
}

#[test]
fn a_freed_name_can_be_taken_again() {
    let server = Server::start(&[]);
    let mut alice = server.join("alice");
    let bob = server.join("bob");
    alice.expect_line("*** bob joined");
    drop(bob);
    alice.expect_line("*** bob quit");
    let mut bob2 = server.connect();
    bob2.label = "BOB".into();
    bob2.send_line("BOB");
    bob2.expect_line(&welcome("BOB", &["alice", "BOB"]));
    alice.expect_line("*** BOB joined");
}

#[test]
fn unnamed_connections_come_and_go_silently() {
    let server = Server::start(&[]);
    let mut alice = server.join("alice");
    drop(server.connect());
    server.connect().reset();
    let mut half = server.connect();
    half.send_raw(b"bo"); // never finished
    half.reset();
    let bad = {
        let mut c = server.connect();
        c.send_line("no way");
        c.expect_line("*** error: invalid name: name may not contain spaces");
        c
    };
    drop(bad);
    // A joiner after them sees only alice; alice saw nothing but the joiner.
    let mut bob = server.connect();
    bob.label = "bob".into();
    bob.send_line("bob");
    bob.expect_line(&welcome("bob", &["alice", "bob"]));
    alice.expect_line("*** bob joined");
}
