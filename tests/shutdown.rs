//! SIGTERM and SIGINT: everyone is told, connections close, exit status 0.

// A failed unwrap here is a failed test, not a crash on input.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Client, Server};

/// Every named client gets the notice then EOF; the process exits 0 soon.
fn shuts_down_cleanly(signal: &str) {
    let mut server = Server::start(&[]);
    let mut named = server.room(&["alice", "bob", "철수"]);
    let mut unnamed = server.connect();
    named[0].send_line("bye all");
    named[1].expect_line("alice: bye all");
    named[2].expect_line("alice: bye all");

    let start = Instant::now();
    server.signal(signal);
    for c in named.iter_mut() {
        c.expect_line("*** server shutting down");
        c.expect_closed();
    }
    // A connection that never joined may or may not get the notice, but it
    // is closed and gets nothing else.
    let rest = unnamed.read_to_close(common::TIMEOUT);
    assert!(
        rest.is_empty() || rest == b"*** server shutting down\n",
        "unnamed client got {:?}",
        String::from_utf8_lossy(&rest)
    );
    let status = server.wait_exit(Duration::from_secs(5)).expect("natterd still running 5 s after the signal");
    let took = start.elapsed();
    assert!(status.success(), "natterd exited with {status:?} after SIG{signal}");
    assert!(took < Duration::from_secs(2), "shutdown took {took:?}");
    // Nothing listens any more.
    assert!(std::net::TcpStream::connect(server.addr).is_err(), "still accepting after exit");
}

#[test]
fn sigterm_tells_everyone_and_exits_0() {
    shuts_down_cleanly("TERM");
}

#[test]
fn sigint_tells_everyone_and_exits_0() {
    shuts_down_cleanly("INT");
}

#[test]
fn a_client_that_never_reads_does_not_hold_up_shutdown() {
    // A cap far above what is sent, so stuck is never dropped as too slow
    // and still has output queued when the signal comes.
    let mut server = Server::start_bulk(&["--max-queue", "16777216"]);
    let mut c = server.room(&["stuck", "talker", "reader"]);
    let mut reader = c.pop().unwrap();
    let mut talker = c.pop().unwrap();
    let _stuck: Client = c.pop().unwrap();
    // 8 MB: more than the kernel buffers hold (~4 MB), so natterd still
    // has output queued for stuck when the signal comes.
    let line = "z".repeat(999);
    let expected = format!("talker: {line}");
    for _ in 0..8 {
        let mut batch = String::new();
        for _ in 0..1000 {
            batch.push_str(&line);
            batch.push('\n');
        }
        talker.send_raw(batch.as_bytes());
        for _ in 0..1000 {
            reader.expect_line(&expected);
        }
    }
    let start = Instant::now();
    server.signal("TERM");
    reader.expect_line("*** server shutting down");
    reader.expect_closed();
    talker.expect_line("*** server shutting down");
    talker.expect_closed();
    let status = server.wait_exit(Duration::from_secs(6)).expect("natterd hung on a client that never reads");
    assert!(status.success(), "exit status {status:?}");
    let took = start.elapsed();
    assert!(took < Duration::from_millis(3500), "shutdown took {took:?}");
}

#[test]
fn the_server_runs_until_signalled() {
    let mut server = Server::start(&[]);
    let mut alice = server.join("alice");
    // Everyone leaving does not stop it.
    alice.send_line("/quit");
    alice.expect_closed();
    let mut bob = server.join("bob");
    bob.expect_who(&["bob"]);
    assert!(server.is_running());
}
