//! Chat lines: relaying, no echo, name stamping, framing and text cleaning.

// A failed unwrap here is a failed test, not a crash on input.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::Server;

#[test]
fn a_line_reaches_every_other_client_and_is_not_echoed() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob", "carol"]);
    c[0].send_line("hello everyone");
    c[1].expect_line("alice: hello everyone");
    c[2].expect_line("alice: hello everyone");
    // No echo: alice's very next line is the answer to her /who.
    c[0].expect_no_line_within(Duration::from_millis(200));
    c[0].expect_who(&["alice", "bob", "carol"]);

    c[2].send_line("hi alice");
    c[0].expect_line("carol: hi alice");
    c[1].expect_line("carol: hi alice");
    c[2].expect_who(&["alice", "bob", "carol"]);
}

#[test]
fn the_server_stamps_the_real_name() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob", "carol"]);
    let sent_and_seen = [
        // Someone else's prefix is kept, so bob cannot speak as alice.
        ("alice: hi", "bob: alice: hi"),
        // The sender's own prefix (the classic client adds it) is dropped.
        ("bob: hi", "bob: hi"),
        // Only the exact own name counts.
        ("Bob: hi", "bob: Bob: hi"),
        ("bob:hi", "bob: bob:hi"),
        // Server-looking text stays plainly bob's chat.
        ("*** server shutting down", "bob: *** server shutting down"),
        ("* alice waves", "bob: * alice waves"),
        ("alice (private): psst", "bob: alice (private): psst"),
    ];
    for (sent, _) in sent_and_seen {
        c[1].send_line(sent);
    }
    for (_, seen) in sent_and_seen {
        c[0].expect_line(seen);
        c[2].expect_line(seen);
    }
    c[1].expect_who(&["alice", "bob", "carol"]);
}

#[test]
fn crlf_lines_and_lines_split_across_writes() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob"]);
    c[0].send_raw(b"windows line\r\n");
    c[1].expect_line("alice: windows line");
    // Several lines in one write, one line over several writes.
    c[0].send_raw(b"one\ntwo\r\nthr");
    c[1].expect_line("alice: one");
    c[1].expect_line("alice: two");
    c[1].expect_no_line_within(Duration::from_millis(400));
    c[0].send_raw(b"ee\r");
    c[0].send_raw(b"\n");
    c[1].expect_line("alice: three");
    // A lone \r ends a line too, as in ngIRCd (issue 12).
    c[0].send_raw(b"a\rb\n");
    c[1].expect_line("alice: a");
    c[1].expect_line("alice: b");
    c[0].expect_who(&["alice", "bob"]);
}

#[test]
fn empty_and_whitespace_lines_are_ignored() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob"]);
    c[0].send_raw(b"\n\r\n   \n\t\n \t \r\nalice: \nafter\n");
    c[1].expect_line("alice: after");
    c[0].expect_who(&["alice", "bob"]);
    c[1].expect_who(&["alice", "bob"]);
}

#[test]
fn leading_and_inner_spaces_and_tabs_are_kept() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob"]);
    c[0].send_line("a\tb   c");
    c[1].expect_line("alice: a\tb   c");
}

#[test]
fn invalid_utf8_is_replaced_and_relayed() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob"]);
    c[0].send_raw(b"caf\xc3 \xff ok\n");
    c[1].expect_line("alice: caf\u{fffd} \u{fffd} ok");
    c[0].send_raw(b"\xe2\x82\n"); // a truncated euro sign
    c[1].expect_line("alice: \u{fffd}");
    c[0].send_line("still fine");
    c[1].expect_line("alice: still fine");
}

#[test]
fn control_characters_are_stripped() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob", "carol"]);
    c[0].send_raw(b"a\x1b[2Jb\n");
    c[0].send_raw(b"p\x00q\x07r\x7fs\xc2\x9bt\x08u\n"); // NUL, BEL, DEL, C1 CSI, BS
    c[0].send_raw(b"tab\tkept\n");
    c[0].send_raw(b"\x1b\x07\x00\n"); // nothing left: ignored
    c[0].send_raw(b"/me \x1b[31mwaves\n");
    // Bidi overrides and isolates ("Trojan Source") go; direction marks stay.
    c[0].send_raw("x\u{202E}fdp.exe\u{2066}y\u{2069} \u{200F}end\n".as_bytes());
    for other in &mut c[1..] {
        other.expect_lines(&[
            "alice: a[2Jb",
            "alice: pqrstu",
            "alice: tab\tkept",
            "* alice [31mwaves",
            "alice: xfdp.exey \u{200F}end",
        ]);
    }
    c[0].expect_who(&["alice", "bob", "carol"]);
}

#[test]
fn lines_from_several_senders_keep_each_senders_order() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob", "carol"]);
    for i in 0..50 {
        c[0].send_line(&format!("a{i}"));
    }
    for i in 0..50 {
        c[1].expect_line(&format!("alice: a{i}"));
        c[2].expect_line(&format!("alice: a{i}"));
    }
}
