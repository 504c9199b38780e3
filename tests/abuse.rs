//! Abuse limits on by default: flood control, connections per address,
//! the name timeout. Nothing an honest user sends is lost.

// A failed unwrap here is a failed test, not a crash on input.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Client, NoLine, Server, TIMEOUT};

#[test]
fn a_flooder_is_slowed_to_its_rate_but_loses_nothing() {
    const LINES: usize = 10_000;
    const RATE: f64 = 5_000.0;
    const BURST: usize = 100;
    let server = Server::start(&["--flood-rate", "5000", "--flood-burst", "100"]);
    let mut c = server.room(&["flood", "bob", "alice"]);
    let started = Instant::now();
    let mut batch = String::new();
    for i in 0..LINES {
        batch.push_str(&format!("n{i}\n"));
    }
    // One big write: the server must leave what it may not take yet in the
    // kernel, and take it later, in order.
    let mut writer = c[0].writer();
    let sender = std::thread::spawn(move || {
        use std::io::Write;
        writer.write_all(batch.as_bytes()).expect("flood write");
    });
    // While the flood is held back, bob's line gets through at once.
    c[2].expect_line("flood: n0");
    c[1].send_line("still here");
    let mut seen = 1;
    let mut bob_seen_at = None;
    while seen < LINES {
        let line = c[2].next_line();
        if line == "bob: still here" {
            bob_seen_at = Some(seen);
            continue;
        }
        assert_eq!(line, format!("flood: n{seen}"), "flood lines must arrive complete and in order");
        seen += 1;
    }
    let elapsed = started.elapsed();
    sender.join().expect("sender thread");
    let bob_at = bob_seen_at.unwrap_or_else(|| {
        c[2].expect_line("bob: still here");
        LINES
    });
    assert!(bob_at < LINES / 2, "bob's line waited behind {bob_at} flood lines");
    let floor = Duration::from_secs_f64((LINES - BURST) as f64 / RATE * 0.95);
    assert!(elapsed >= floor, "{LINES} lines went through in {elapsed:?}, faster than the rate allows ({floor:?})");
    c[0].expect_line("bob: still here");
    c[0].expect_who(&["alice", "bob", "flood"]);
}

#[test]
fn flood_rate_zero_turns_control_off() {
    let server = Server::start(&["--flood-rate", "0", "--flood-burst", "1"]);
    let mut c = server.room(&["fast", "watch"]);
    let batch: String = (0..500).map(|i| format!("m{i}\n")).collect();
    c[0].send_raw(batch.as_bytes());
    for i in 0..500 {
        c[1].expect_line(&format!("fast: m{i}"));
    }
}

#[test]
fn too_many_connections_from_one_address_are_refused() {
    let server = Server::start(&["--max-per-ip", "3"]);
    let mut named = server.join("alice");
    // Unnamed connections count too.
    let _idle1 = server.connect();
    let _idle2 = server.connect();
    let mut fourth = server.connect();
    fourth.expect_line("*** error: too many connections from your address");
    fourth.expect_closed();
    named.expect_who(&["alice"]);
    // A freed slot is usable again once the server has noticed the close.
    drop(_idle1);
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let mut c = server.connect();
        c.send_line("bob");
        match c.try_line(TIMEOUT) {
            Ok(line) if line.starts_with("*** welcome bob") => break,
            Ok(line) => assert_eq!(line, "*** error: too many connections from your address"),
            Err(e) => panic!("no answer: {e:?}"),
        }
        assert!(Instant::now() < deadline, "the freed slot never became usable");
        std::thread::sleep(Duration::from_millis(20));
    }
    named.expect_line("*** bob joined");
}

#[test]
fn max_per_ip_zero_means_no_limit() {
    let server = Server::start(&["--max-per-ip", "0"]);
    let mut clients: Vec<Client> = (0..40).map(|_| server.connect()).collect();
    let mut last = clients.pop().unwrap();
    last.join("last");
}

#[test]
fn a_connection_that_never_names_itself_is_closed() {
    let server = Server::start(&["--name-timeout", "1"]);
    let mut named = server.join("alice");
    let mut silent = server.connect();
    let started = Instant::now();
    match silent.try_line(TIMEOUT) {
        Ok(line) => assert_eq!(line, "*** error: no name received in time"),
        Err(e) => panic!("expected the name timeout error, got {e:?}"),
    }
    silent.expect_closed();
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(900), "closed after only {waited:?}");
    // Named clients are not affected, and nobody hears of the silent one.
    named.expect_who(&["alice"]);
}

#[test]
fn the_name_timeout_is_whole_seconds_from_accept() {
    let server = Server::start(&["--name-timeout", "1"]);
    let mut slow = server.connect();
    // Unterminated bytes become a raw client's name after ~300 ms, well
    // within the timeout, so a classic client still gets in.
    slow.send_raw(b"dave");
    let welcome = slow.next_line();
    assert!(welcome.starts_with("*** welcome dave"), "{welcome}");
    match slow.try_line(Duration::from_millis(1500)) {
        Err(NoLine::Timeout(_)) => {}
        other => panic!("a named client must stay connected, got {other:?}"),
    }
}

/// Issue 12, hole 5: 8 threads connect, name themselves, send 100 lines and
/// close, over and over. The budget belongs to the address and outlives
/// its connections, so all of them together get no more through than one
/// well-behaved connection could: the burst plus the rate.
#[test]
fn reconnect_churn_gets_no_more_through_than_one_connection() {
    const BURST: f64 = 100.0;
    const RATE: f64 = 50.0;
    let mut server = Server::start(&["--flood-rate", "50", "--flood-burst", "100"]);
    let mut watch = server.join("watch");
    let addr = server.addr;
    let started = Instant::now();
    let attack = Duration::from_secs(2);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            std::thread::spawn(move || {
                use std::io::Write;
                let mut round = 0;
                while started.elapsed() < attack {
                    let Ok(mut s) = std::net::TcpStream::connect(addr) else { continue };
                    let mut batch = format!("c{t}x{round}\n");
                    for i in 0..100 {
                        batch.push_str(&format!("line {i}\n"));
                    }
                    // Refused connections (too many, too fast) fail here or
                    // are closed unread: either way, on to the next round.
                    let _ = s.write_all(batch.as_bytes());
                    round += 1;
                }
            })
        })
        .collect();
    // Joins and quits aside, count the churners' lines for three seconds.
    let lines = watch.lines_until(started + Duration::from_secs(3));
    let relayed = lines.iter().filter(|l| l.contains(": line ")).count();
    let elapsed = started.elapsed().as_secs_f64();
    for t in threads {
        t.join().unwrap();
    }
    let allowed = BURST + RATE * elapsed;
    assert!(
        relayed as f64 <= allowed,
        "{relayed} lines relayed in {elapsed:.2} s of churn, one connection may send {allowed:.0}"
    );
    assert!(relayed > 0, "nothing of the churners got through");
    assert!(server.is_running(), "natterd died under churn");
}

#[test]
fn connecting_too_often_from_one_address_is_refused() {
    let server = Server::start(&["--max-connects-per-ip", "3"]);
    let mut alice = server.join("alice");
    drop(server.connect());
    drop(server.connect());
    // Three a minute, all used even though two closed again.
    let mut fourth = server.connect();
    fourth.expect_line("*** error: too many connections from your address");
    fourth.expect_closed();
    alice.send_line("still here");
    alice.expect_who(&["alice"]);
}

#[test]
fn long_private_messages_cost_more_of_the_flood_budget() {
    // Burst 20, 10 a second. Each 4,000-byte /msg costs 1 + 7 tokens, so
    // three of them overdraw the burst and the line after them waits.
    let server = Server::start(&["--flood-rate", "10", "--flood-burst", "20"]);
    let mut c = server.room(&["sender", "target"]);
    let text = "p".repeat(4000);
    let started = Instant::now();
    for _ in 0..3 {
        c[0].send_line(&format!("/msg target {text}"));
    }
    c[0].send_line("after");
    for _ in 0..3 {
        c[1].expect_line(&format!("sender (private): {text}"));
    }
    c[1].expect_line("sender: after");
    // 2 names + 24 tokens + 1 = 27 against a burst of 20: 0.7 s at 10/s.
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(600), "the line after 12 KB of /msg waited only {waited:?}");
}
