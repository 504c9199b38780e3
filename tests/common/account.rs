//! Helpers for the tests of registered names: the unencrypted-password
//! note, a password, and a client that registered its name.

#![allow(dead_code)]

use crate::common::{Client, Server};

/// What natterd says before answering a password over plain TCP.
pub const NOTE: &str = "*** note: your password travelled unencrypted; connect with TLS to keep it private";
pub const PW: &str = "correct-horse";

/// Connects as `name` and registers it with `password`, which logs it in.
pub fn registered_with(server: &Server, name: &str, password: &str) -> Client {
    let mut c = server.join(name);
    c.send_line(&format!("/register {password}"));
    c.expect_lines(&[NOTE, &format!("*** registered {name}, you are logged in")]);
    c
}

/// Connects as `name` and registers it with [`PW`].
pub fn registered(server: &Server, name: &str) -> Client {
    registered_with(server, name, PW)
}

/// Logs in with a first line `NAME PASSWORD`; returns the welcome.
pub fn log_in(c: &mut Client, name: &str, password: &str) -> String {
    c.send_line(&format!("{name} {password}"));
    c.expect_lines(&[NOTE, &format!("*** logged in as {name}")]);
    let welcome = c.next_line();
    assert!(welcome.starts_with(&format!("*** welcome {name}, online (")), "{welcome}");
    welcome
}
