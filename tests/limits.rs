//! --max-line and --max-clients.

// A failed unwrap here is a failed test, not a crash on input.
#![allow(clippy::unwrap_used)]

mod common;

use common::{welcome, Server};

#[test]
fn too_long_lines_are_refused_and_the_connection_stays() {
    let server = Server::start(&["--max-line", "64"]);
    let mut c = server.room(&["alice", "bob"]);
    let exactly = "x".repeat(64);
    c[0].send_line(&exactly);
    c[1].expect_line(&format!("alice: {exactly}"));
    c[0].send_raw(format!("{exactly}\r\n").as_bytes());
    c[1].expect_line(&format!("alice: {exactly}"));

    c[0].send_line(&"y".repeat(65));
    c[0].expect_line("*** error: line too long (max 64 bytes)");
    // The cap is in bytes: 22 Hangul syllables are 66 bytes, 21 are 63.
    c[0].send_line(&"가".repeat(22));
    c[0].expect_line("*** error: line too long (max 64 bytes)");
    c[0].send_line(&"가".repeat(21));
    c[1].expect_line(&format!("alice: {}", "가".repeat(21)));
    // A huge line is one error, and none of it leaks out as chat.
    let mut huge = "z".repeat(200_000);
    huge.push_str("\nafter\n");
    c[0].send_raw(huge.as_bytes());
    c[0].expect_line("*** error: line too long (max 64 bytes)");
    c[1].expect_line("alice: after");
    c[0].expect_who(&["alice", "bob"]);
    c[1].expect_who(&["alice", "bob"]);
}

#[test]
fn default_max_line_is_4096_bytes() {
    let server = Server::start(&[]);
    let mut c = server.room(&["alice", "bob"]);
    let ok = "o".repeat(4096);
    c[0].send_line(&ok);
    c[1].expect_line(&format!("alice: {ok}"));
    c[0].send_line(&"n".repeat(4097));
    c[0].expect_line("*** error: line too long (max 4096 bytes)");
    c[0].send_line("short");
    c[1].expect_line("alice: short");
}

#[test]
fn over_max_clients_the_newcomer_is_told_and_closed() {
    let server = Server::start(&["--max-clients", "2"]);
    let mut a = server.join("a");
    // An unnamed connection counts too.
    let mut b = server.connect();
    let mut c = server.connect();
    c.label = "third".into();
    c.expect_line("*** error: server full");
    c.expect_closed();

    b.label = "b".into();
    b.send_line("b");
    b.expect_line(&welcome("b", &["a", "b"]));
    a.expect_line("*** b joined");

    // When someone leaves, the slot is free again.
    a.send_line("/quit");
    a.expect_closed();
    b.expect_line("*** a quit");
    let mut d = server.connect();
    d.label = "d".into();
    d.send_line("d");
    d.expect_line(&welcome("d", &["b", "d"]));
    b.expect_line("*** d joined");

    let mut e = server.connect();
    e.label = "fourth".into();
    e.expect_line("*** error: server full");
    e.expect_closed();
    b.expect_who(&["b", "d"]);
}

#[test]
fn refused_and_bad_name_connections_free_their_slots() {
    let server = Server::start(&["--max-clients", "1"]);
    for round in 0..5 {
        let mut bad = server.connect();
        bad.label = format!("bad name, round {round}");
        bad.send_line("no good");
        bad.expect_line("*** error: invalid name: name may not contain spaces");
        bad.expect_closed();
    }
    let mut a = server.join("a");
    let mut full = server.connect();
    full.expect_line("*** error: server full");
    full.expect_closed();
    a.expect_who(&["a"]);
    drop(a);
    // The slot comes back once natterd notices a is gone; it tells nobody,
    // so retry a few times, each attempt a real, bounded round trip.
    let deadline = std::time::Instant::now() + common::TIMEOUT;
    loop {
        let mut c = server.connect();
        c.send_line("again");
        let line = c.next_line();
        if line == welcome("again", &["again"]) {
            break;
        }
        assert_eq!(line, "*** error: server full");
        assert!(std::time::Instant::now() < deadline, "a's slot never came back");
    }
}

#[test]
fn running_out_of_descriptors_neither_spins_nor_kills_the_server() {
    use std::time::Duration;

    use common::NoLine;
    let server = Server::start_with_fd_limit(&["--max-per-ip", "0"], 32);
    let mut joined = Vec::new();
    let mut waiting = None;
    for i in 0..64 {
        let name = format!("u{i}");
        let mut c = server.connect();
        c.label = name.clone();
        c.send_line(&name);
        match c.try_line(Duration::from_secs(1)) {
            Ok(line) => {
                assert!(line.starts_with(&format!("*** welcome {name}, ")), "{name}: got {line:?}");
                joined.push(c);
            }
            // Accepted by the kernel, but natterd has no descriptor for it.
            Err(NoLine::Timeout(_)) => {
                waiting = Some(c);
                break;
            }
            Err(e) => panic!("{name}: {e:?}"),
        }
    }
    let mut waiting = waiting.expect("natterd never ran out of descriptors: was the limit applied?");
    assert!(joined.len() >= 10, "only {} clients fit in 32 descriptors", joined.len());

    // While the backlog waits, natterd idles instead of retrying flat out.
    let cpu_before = server.cpu_time();
    waiting.expect_no_line_within(Duration::from_secs(1));
    let cpu = server.cpu_time() - cpu_before;
    assert!(cpu < Duration::from_millis(300), "natterd used {cpu:?} of CPU in 1 s while out of descriptors");

    // A descriptor comes free: the waiting client gets in, everyone else is fine.
    let first = joined.remove(0);
    drop(first);
    let name = waiting.label.clone();
    let line = waiting.next_line();
    assert!(line.starts_with(&format!("*** welcome {name}, ")), "{name}: got {line:?}");
    let last = joined.last_mut().unwrap();
    let skipped = last.skip_until("*** u0 quit [connection lost]", 64);
    assert!(skipped.iter().all(|l| l.ends_with(" joined")), "{skipped:?}");
}
