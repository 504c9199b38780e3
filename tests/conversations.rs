//! Private conversations between registered names against the real
//! natterd: kept like a room's lines, stamped live to both parties (the
//! sender as an echo tagged `@PEER`), paged and searched by those two only,
//! offline messages kept in them with the same ids across a restart, and
//! forgotten when an account is removed.

#![allow(clippy::unwrap_used)]

#[path = "common/account.rs"]
mod account;
mod common;
#[path = "common/hist.rs"]
mod hist;

use std::time::Duration;

use account::{log_in, registered, PW};
use common::{Client, Server};
use hist::{ask, start_in, unstamp};

/// Sends `/stamps` and waits for its answer.
fn stamps(c: &mut Client) {
    c.send_line("/stamps");
    c.expect_line("*** stamps on");
}

/// The stamp's id of a stamped line, which must read `want` once unstamped.
fn id_of(line: &str, want: &str) -> u64 {
    let (id, text) = unstamp(line);
    assert_eq!(text, want, "{line}");
    id.unwrap_or_else(|| panic!("not stamped: {line}"))
}

/// The answer's lines, each `@TAG [stamp] …`, as `(id, "…")`.
fn conversation(c: &mut Client, command: &str, tag: &str) -> Vec<(u64, String)> {
    ask(c, command, Some(tag))
        .iter()
        .map(|line| {
            let rest = line.strip_prefix(&format!("{tag} ")).unwrap_or_else(|| panic!("untagged: {line}"));
            let (id, text) = unstamp(rest);
            (id.unwrap_or_else(|| panic!("not stamped: {line}")), text)
        })
        .collect()
}

#[test]
fn a_conversation_is_kept_for_its_two_parties_only() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_in(dir.path(), &[]);
    let mut alice = registered(&server, "alice");
    let mut bob = registered(&server, "bob");
    alice.expect_line("*** bob joined");
    stamps(&mut alice);
    stamps(&mut bob);

    // Each side gets it stamped with one id; the sender's copy is tagged.
    alice.send_line("/msg bob 회의는 세 시에");
    let got = id_of(&bob.next_line(), "alice (private): 회의는 세 시에");
    let echo = alice.next_line();
    let rest = echo.strip_prefix("@bob ").unwrap_or_else(|| panic!("untagged echo: {echo}"));
    assert_eq!(id_of(rest, "alice (private): 회의는 세 시에"), got);
    bob.send_line("/msg ALICE see you there");
    let answer = id_of(&alice.next_line(), "bob (private): see you there");
    bob.next_line();

    // Both read the whole conversation, tagged with the other party.
    let want = [(got, "alice (private): 회의는 세 시에".to_string()), (answer, "bob (private): see you there".into())];
    assert_eq!(conversation(&mut alice, "/history @bob before now", "@bob"), want);
    assert_eq!(conversation(&mut bob, "/history @Alice before now 10", "@alice"), want);
    assert_eq!(conversation(&mut alice, &format!("/history @bob after {got}"), "@bob"), want[1..]);
    assert_eq!(conversation(&mut bob, "/search @alice 회의", "@alice"), want[..1]);

    // Anyone else: their own (empty) conversation, never this one.
    let mut carol = registered(&server, "carol");
    alice.expect_line("*** carol joined");
    assert!(conversation(&mut carol, "/history @bob before now", "@bob").is_empty());
    assert!(conversation(&mut carol, "/search @alice 회의", "@alice").is_empty());
    let mut guest = server.join("guest");
    alice.expect_line("*** guest joined");
    assert!(conversation(&mut guest, "/history @alice before now", "@alice").is_empty());

    // An unregistered sender's privates are not kept, nor stamped.
    guest.send_line("/msg alice psst");
    alice.expect_line("guest (private): psst");
    // Nothing private in a room's history, nor a room named after it.
    assert!(ask(&mut alice, "/history before now", None).is_empty());
    alice.send_line("/rooms");
    alice.expect_lines(&["*** rooms (1):", "*** #lobby (4)"]);
    // A bad name is an error, not a tag.
    alice.send_line("/history @a:b before now");
    let error = alice.next_line();
    assert!(error.starts_with("*** error: invalid name: "), "{error}");
}

#[test]
fn offline_messages_join_the_conversation_with_one_id_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let kept;
    {
        let server = start_in(dir.path(), &[]);
        registered(&server, "bob").send_line("/quit");
        let mut alice = registered(&server, "alice");
        alice.send_line("/msg bob 자료 보냈어요");
        alice.expect_line("*** bob is offline: your message will be delivered when they log in");
        kept = conversation(&mut alice, "/history @bob before now", "@bob");
        assert_eq!(kept.len(), 1);
    }
    let server = start_in(dir.path(), &[]);
    let mut bob = server.connect();
    log_in(&mut bob, "bob", PW);
    // Delivered after the welcome with the stored line's own stamp.
    assert_eq!(id_of(&bob.next_line(), "alice (private): 자료 보냈어요"), kept[0].0);
    assert_eq!(conversation(&mut bob, "/history @alice before now", "@alice"), kept);
}

#[test]
fn unregistering_forgets_the_accounts_conversations() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_in(dir.path(), &[]);
    let mut alice = registered(&server, "alice");
    let mut bob = registered(&server, "bob");
    alice.expect_line("*** bob joined");
    alice.send_line("/msg bob a secret");
    bob.expect_line("alice (private): a secret");
    assert_eq!(conversation(&mut alice, "/history @bob before now", "@bob").len(), 1);
    bob.send_line(&format!("/unregister {PW}"));
    bob.expect_line("*** bob is no longer registered");
    bob.send_line(&format!("/register {PW}"));
    bob.expect_line("*** registered bob, you are logged in");
    // The new owner of the name reads nothing of the old one's.
    assert!(conversation(&mut bob, "/history @alice before now", "@alice").is_empty());
    assert!(conversation(&mut alice, "/history @bob before now", "@bob").is_empty());
}

#[test]
fn without_history_conversations_are_unavailable() {
    let server = Server::start(&["--no-history"]);
    let mut alice = registered(&server, "alice");
    let mut bob = registered(&server, "bob");
    alice.expect_line("*** bob joined");
    alice.send_line("/history @bob before now");
    alice.expect_line("@bob *** history unavailable");
    alice.send_line("/msg bob hi");
    bob.expect_line("alice (private): hi");
    alice.expect_no_line_within(Duration::from_millis(100));
}
