//! Issue 12's attacks on the framing, run against a real natterd: a raw
//! client (no newlines, one message per send) is held to the flood rate
//! and the line limit and never goes silent after an over-long message; a
//! lone CR ends a line; a late newline after the name keeps a line client
//! a line client.
//!
//! Raw sends are paced by the test, as a flooder or a typing human would
//! send them: with no newline, only separate reads keep them apart.

// A failed unwrap here is a failed test, not a crash on input.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::Server;

/// One blast message: its number, then padding to about 900 bytes, so ten
/// merged ones would be far over the 4,096-byte line limit.
fn blast_message(i: usize) -> String {
    format!("m{i:04} {}", "x".repeat(900))
}

#[test]
fn a_raw_flooder_gets_no_more_than_burst_plus_rate_and_no_line_over_the_limit() {
    const SENDS: usize = 1000;
    const BURST: f64 = 100.0;
    const RATE: f64 = 50.0;
    let server = Server::start(&["--flood-rate", "50", "--flood-burst", "100"]);
    let mut watch = server.join("watch");
    let mut blast = server.connect();
    blast.join_raw("blast");
    watch.expect_line("*** blast joined");

    let started = Instant::now();
    let mut writer = blast.writer();
    let sender = std::thread::spawn(move || {
        for i in 0..SENDS {
            if writer.write_all(blast_message(i).as_bytes()).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    });
    // Count what reaches the others for three seconds.
    let relayed = watch.lines_until(started + Duration::from_secs(3));
    let elapsed = started.elapsed().as_secs_f64();
    let allowed = BURST + RATE * elapsed + 2.0;
    assert!(
        (relayed.len() as f64) <= allowed,
        "{} raw messages relayed in {elapsed:.2} s, at most {allowed:.0} allowed",
        relayed.len()
    );
    assert!(relayed.len() >= 100, "only {} messages relayed", relayed.len());
    let mut next = 0;
    for line in &relayed {
        let text = line.strip_prefix("blast: ").unwrap_or_else(|| panic!("not from blast: {line:.80}"));
        assert!(text.len() <= 4096, "a {}-byte message went through the 4,096-byte limit", text.len());
        // Messages in order. Once the flooder is far ahead (a loaded
        // machine, natterd slower than the sends) the kernel merges its
        // sends, a merged read over the limit is refused to the flooder,
        // and the reads around it may start or end inside a message: a
        // flooder loses its own messages that way, an honest typist never
        // gets that far ahead. Inside a line, every message is whole.
        let mut rest = text;
        if !rest.starts_with('m') {
            // The tail of a message whose start was refused.
            rest = rest.trim_start_matches(|c: char| c != 'x').trim_start_matches('x');
        }
        while !rest.is_empty() {
            let Some(number) = rest.get(1..5).and_then(|n| n.parse::<usize>().ok()) else {
                assert!(blast_message(next).starts_with(rest), "garbled message: {rest:.40}");
                break;
            };
            assert!(number >= next, "message {number} after {next}: out of order");
            next = number;
            let want = blast_message(next);
            if rest.len() < want.len() {
                assert!(want.starts_with(rest), "message {next} garbled: {rest:.40}");
                break;
            }
            assert!(rest.starts_with(&want), "message {next} torn inside a line: {rest:.40}");
            rest = &rest[want.len()..];
            next += 1;
        }
    }
    drop(blast);
    sender.join().unwrap();
}

#[test]
fn a_throttled_raw_client_keeps_its_sends_apart() {
    // Burst 5, then 5 a second: most of these wait, for seconds, and must
    // still arrive one message per send, not merged into one line.
    let server = Server::start(&["--flood-rate", "5", "--flood-burst", "5"]);
    let mut watch = server.join("watch");
    let mut typist = server.connect();
    typist.join_raw("typist");
    watch.expect_line("*** typist joined");
    let started = Instant::now();
    for i in 0..20 {
        typist.send_raw(format!("typist: message {i}").as_bytes());
        std::thread::sleep(Duration::from_millis(30));
    }
    for i in 0..20 {
        watch.expect_line(&format!("typist: message {i}"));
    }
    // 20 messages plus watch's name: 5 at once, 16 more at 5 a second.
    let floor = Duration::from_millis(2800);
    assert!(started.elapsed() >= floor, "20 messages in {:?}: the rate was not applied", started.elapsed());
}

#[test]
fn a_raw_client_is_not_silenced_by_an_over_long_message() {
    let server = Server::start(&[]);
    let mut watch = server.join("watch");
    let mut carol = server.connect();
    carol.join_raw("carol");
    watch.expect_line("*** carol joined");

    carol.send_raw("y".repeat(5000).as_bytes());
    carol.expect_line("*** error: line too long (max 4096 bytes)");
    carol.send_raw(b"carol: after the long one");
    watch.expect_line("carol: after the long one");
    // Two normal messages that land in one read over the limit: one error,
    // and the next message is delivered.
    let merged = format!("{}{}", "a".repeat(3000), "b".repeat(3000));
    carol.send_raw(merged.as_bytes());
    carol.expect_line("*** error: line too long (max 4096 bytes)");
    carol.send_raw(b"carol: still here");
    watch.expect_line("carol: still here");
    watch.expect_who(&["carol", "watch"]);
}

#[test]
fn a_lone_cr_ends_a_line() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob"]);
    // No LF ever comes: each CR ends its line at once.
    c[0].send_raw(b"hello\rworld\r");
    c[1].expect_line("alice: hello");
    c[1].expect_line("alice: world");
    // A CR LF pair split over two writes is still one line end.
    c[0].send_raw(b"split\r");
    c[1].expect_line("alice: split");
    c[0].send_raw(b"\nafter\n");
    c[1].expect_line("alice: after");
    c[0].expect_who(&["alice", "bob"]);
}

#[test]
fn a_late_newline_after_the_name_keeps_a_line_client() {
    let server = Server::start(&[]);
    let mut watch = server.join("watch");
    let mut dave = server.connect();
    // The name's newline comes after the raw-client wait: natterd takes
    // the name as a raw client's, then sees the newline.
    dave.join_raw("dave");
    watch.expect_line("*** dave joined");
    dave.send_raw(b"\nhel");
    watch.expect_no_line_within(Duration::from_millis(400));
    dave.send_raw(b"lo\n");
    watch.expect_line("dave: hello");
    dave.send_raw(b"one\ntw");
    watch.expect_line("dave: one");
    watch.expect_no_line_within(Duration::from_millis(400));
    dave.send_raw(b"o\n");
    watch.expect_line("dave: two");
}
