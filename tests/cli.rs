//! The command line: --help, --version, bad options, the listening line.

// A failed unwrap here is a failed test, not a crash on input.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::{Command, Output};

use common::{Server, NATTERD};

fn run(args: &[&str]) -> Output {
    Command::new(NATTERD).args(args).output().expect("cannot run natterd")
}

#[test]
fn help_lists_every_option_and_exits_0() {
    let out = run(&["--help"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("help is UTF-8");
    for option in ["--listen", "--max-clients", "--max-line", "--max-queue", "--log-level", "--help", "--version"] {
        assert!(text.contains(option), "--help does not mention {option}:\n{text}");
    }
}

#[test]
fn version_prints_name_and_version_and_exits_0() {
    let out = run(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("natterd {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn unknown_option_and_bad_values_fail() {
    for args in [&["--no-such-option"][..], &["--max-line", "0"], &["--max-clients", "lots"], &["--listen", "nowhere"]]
    {
        let out = run(args);
        assert!(!out.status.success(), "natterd {args:?} exited with {:?}", out.status);
        assert!(!out.stderr.is_empty(), "natterd {args:?} failed silently");
    }
}

#[test]
fn listening_line_names_the_real_port() {
    let server = Server::start(&[]);
    assert_eq!(server.addr.ip().to_string(), "127.0.0.1");
    assert_ne!(server.addr.port(), 0, "the log should show the bound port, not 0");
    // And something is really listening there.
    let mut c = server.join("alice");
    c.expect_who(&["alice"]);
}

#[test]
fn every_option_takes_effect_together() {
    let server =
        Server::start(&["--max-clients", "3", "--max-line", "10", "--max-queue", "65536", "--log-level", "debug"]);
    let mut c = server.room(&["alice", "bob"]);
    c[0].send_line("0123456789");
    c[1].expect_line("alice: 0123456789");
    c[0].send_line("0123456789a");
    c[0].expect_line("*** error: line too long (max 10 bytes)");
    let _third = server.connect();
    let mut fourth = server.connect();
    fourth.expect_line("*** error: server full");
    fourth.expect_closed();
}

#[test]
fn listens_on_ipv6_too() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("no IPv6 loopback here; skipping");
        return;
    }
    let server = Server::start_on("[::1]:0", &[]);
    assert_eq!(server.addr.ip().to_string(), "::1");
    let mut c = server.room(&["alice", "bob"]);
    c[1].send_line("over v6");
    c[0].expect_line("bob: over v6");
}
