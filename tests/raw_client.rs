//! Classic raw clients (the course assignment's Python client): the bare
//! name with no newline, then one `name: text` per send, no newlines.
//! Between two raw sends the test waits for the other side to receive the
//! first, like a typing human, so TCP does not merge them.

// A failed unwrap here is a failed test, not a crash on input.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{welcome, Server};

#[test]
fn raw_client_and_line_client_chat_both_ways() {
    let server = Server::start(&[]);
    let mut alice = server.join("alice");
    let mut carol = server.connect();
    let w = carol.join_raw("carol");
    assert_eq!(w, welcome("carol", &["alice", "carol"]));
    alice.expect_line("*** carol joined");

    carol.send_raw(b"carol: hello");
    alice.expect_line("carol: hello");
    alice.send_line("hi carol");
    carol.expect_line("alice: hi carol");
    carol.send_raw(b"carol: how are you?");
    alice.expect_line("carol: how are you?");
    // Unprefixed text and someone else's prefix get carol's name stamped.
    carol.send_raw(b"no prefix");
    alice.expect_line("carol: no prefix");
    carol.send_raw(b"alice: spoof");
    alice.expect_line("carol: alice: spoof");
    alice.send_line("/me smiles");
    carol.expect_line("* alice smiles");
}

#[test]
fn each_raw_read_is_one_message_until_a_newline_makes_a_line_client() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob"]);
    let mut carol = server.connect();
    carol.join_raw("carol");
    c[0].expect_line("*** carol joined");
    c[1].expect_line("*** carol joined");

    // An unfinished raw message is never held back waiting for a newline.
    carol.send_raw(b"carol: a\x1b[2Jb");
    c[0].expect_line("carol: a[2Jb");
    c[1].expect_line("carol: a[2Jb");
    // Once it sends a newline it is a line client for good (issue 12):
    // the rest of that read waits for its newline like any partial line.
    carol.send_raw(b"carol: one\ncarol: tw");
    for line_client in c.iter_mut() {
        line_client.expect_line("carol: one");
    }
    c[0].expect_no_line_within(Duration::from_millis(400));
    carol.send_raw(b"o\r\n");
    c[0].expect_line("carol: two");
    c[1].expect_line("carol: two");
    carol.send_raw(b"carol: crlf\r\n");
    c[0].expect_line("carol: crlf");
    c[1].expect_line("carol: crlf");
}

#[test]
fn raw_client_commands_work_with_its_own_prefix() {
    let server = Server::start(&[]);
    let mut alice = server.join("alice");
    let mut carol = server.connect();
    carol.join_raw("carol");
    alice.expect_line("*** carol joined");
    carol.send_raw(b"carol: /who");
    carol.expect_line("*** online (2): alice, carol");
    carol.send_raw(b"carol: /msg alice psst");
    alice.expect_line("carol (private): psst");
    carol.send_raw(b"carol: /quit bye");
    alice.expect_line("*** carol quit (bye)");
    carol.expect_closed();
}

#[test]
fn raw_korean_name_and_abrupt_exit() {
    let server = Server::start(&[]);
    let mut alice = server.join("alice");
    let mut cs = server.connect();
    cs.join_raw("철수");
    alice.expect_line("*** 철수 joined");
    cs.send_raw("철수: 안녕".as_bytes());
    alice.expect_line("철수: 안녕");
    alice.send_line("안녕 철수");
    cs.expect_line("alice: 안녕 철수");
    drop(cs); // the Python client's process exits: a FIN, a plain quit
    alice.expect_line("*** 철수 quit");
}

#[test]
fn two_raw_clients_and_a_line_client() {
    let server = Server::start(&[]);
    let mut nc = server.join("nc");
    let mut r1 = server.connect();
    r1.join_raw("r1");
    nc.expect_line("*** r1 joined");
    let mut r2 = server.connect();
    assert_eq!(r2.join_raw("r2"), welcome("r2", &["nc", "r1", "r2"]));
    nc.expect_line("*** r2 joined");
    r1.expect_line("*** r2 joined");

    r1.send_raw(b"r1: from r1");
    r2.expect_line("r1: from r1");
    nc.expect_line("r1: from r1");
    r2.send_raw(b"r2: from r2");
    r1.expect_line("r2: from r2");
    nc.expect_line("r2: from r2");
    nc.send_line("from nc");
    r1.expect_line("nc: from nc");
    r2.expect_line("nc: from nc");
}

#[test]
fn raw_bad_and_taken_names_are_refused() {
    let server = Server::start(&[]);
    let mut alice = server.join("alice");
    let mut bad = server.connect();
    bad.label = "raw bad".into();
    bad.send_raw(b"no good");
    bad.expect_line("*** error: invalid name: name may not contain spaces");
    bad.expect_closed();
    let mut dup = server.connect();
    dup.label = "raw dup".into();
    dup.send_raw(b"ALICE");
    dup.expect_line("*** error: name already in use: ALICE");
    dup.expect_closed();
    alice.expect_who(&["alice"]);
}

#[test]
fn a_line_client_typing_slowly_stays_a_line_client() {
    // Only a NEW connection's unterminated first bytes mean "raw".
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob"]);
    c[0].send_raw(b"typing sl");
    c[1].expect_no_line_within(Duration::from_millis(500));
    c[0].send_raw(b"owly\n");
    c[1].expect_line("alice: typing slowly");
}

#[test]
fn a_line_client_gets_its_welcome_without_the_raw_wait() {
    let server = Server::start(&[]);
    let mut c = server.connect();
    let start = std::time::Instant::now();
    c.join("alice");
    // A newline-terminated name must not wait for the ~300 ms raw timer.
    assert!(start.elapsed() < Duration::from_millis(250), "welcome took {:?}", start.elapsed());
}
