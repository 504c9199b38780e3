//! Lines that cannot go, or that the server refuses, never look sent: a
//! line over the protocol's limit stays in the entry with the reason under
//! it, and a line the server refuses says "not delivered" with its text
//! back in the entry.

use std::time::Duration;

use crate::model::session::Entry;
use crate::support::{pump, shot, wait_until, Raw, Server, Win};
use crate::widgets;

/// Waits for the refused `echo` to show as not delivered, on screen too,
/// with no row left that looks sent.
fn wait_undelivered(win: &Win, echo: &Entry) {
    win.wait_entry(
        "the refused line marked",
        |e| matches!(e, Entry::Undelivered { echo: shown, .. } if **shown == *echo),
    );
    assert!(!win.entries().contains(echo), "no row shows the refused line as sent");
    wait_until("“not delivered” on screen", || {
        widgets::label_texts(&win.0.chat_view()).iter().any(|t| t.ends_with("(not delivered)"))
    });
}

/// A 5,000-character line (over the 4,096 bytes a line may have) is not
/// sent: it stays in the entry, the reason shows under it, and Enter does
/// nothing until it is short enough.
pub fn too_long_line_stays_in_the_entry_with_the_reason() {
    let server = Server::start();
    let win = Win::joined(&server, "alice");
    let mut bob = Raw::join(&server, "bob");
    wait_until("bob in the member list", || win.members().len() == 2);
    let long = "x".repeat(5000);
    win.type_and_send(&long);
    pump(Duration::from_millis(300));
    let composer = win.0.composer();
    assert_eq!(composer.text(), long, "the text stays in the entry");
    let note = composer.note().expect("a reason under the entry");
    assert!(note.contains("5000") && note.contains("4096"), "the reason gives the sizes: {note}");
    assert!(widgets::label_texts(&composer).contains(&note), "the reason is on screen");
    assert!(!win.entries().iter().any(|e| matches!(e, Entry::OwnChat { .. })), "nothing looks sent");
    shot("too-long-line-kept");
    composer.set_text("short");
    assert_eq!(composer.note(), None, "the reason goes once the text fits");
    win.type_and_send("short");
    bob.expect_line("alice: short");
    assert!(bob.drain().is_empty(), "the long line never reached the others");
}

/// `/msg nobody hello?` is refused by the server: the row says it was not
/// delivered and the text is back in the (empty) entry.
pub fn refused_private_message_is_marked_not_delivered() {
    let server = Server::start();
    let win = Win::joined(&server, "alice");
    win.type_and_send("/msg nobody hello?");
    wait_undelivered(&win, &Entry::PrivateOut { to: "nobody".into(), text: "hello?".into() });
    wait_until("the text back in the entry", || win.0.composer().text() == "/msg nobody hello?");
    shot("refused-private-message");
}

/// A server with a smaller limit (`--max-line 100`) refuses a 200-byte
/// line the client let go: it is marked as not delivered.
pub fn line_over_a_servers_smaller_limit_is_marked_not_delivered() {
    let server = Server::with_args(0, &["--max-line", "100"]);
    let win = Win::joined(&server, "alice");
    let mut bob = Raw::join(&server, "bob");
    let line = "y".repeat(200);
    win.type_and_send(&line);
    wait_undelivered(&win, &Entry::OwnChat { from: "alice".into(), text: line.clone() });
    wait_until("the text back in the entry", || win.0.composer().text() == line);
    assert!(bob.drain().iter().all(|l| !l.contains(&line)), "bob never got it");
}
