//! Registered names against the real natterd: registering, logging in by
//! first line and by `/login`, wrong passwords, an owner's second login
//! replacing the first, look-alikes of registered names, password change
//! and removal, names kept across a restart even with `--no-history`,
//! guessing slowed down, and bystanders' chat unaffected by hashing.

#![allow(clippy::unwrap_used)]

#[path = "common/account.rs"]
mod account;
mod common;

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use account::{log_in, registered_with as registered, NOTE, PW};
use common::{Client, Server};

#[test]
fn a_registered_name_is_used_by_logging_in_only() {
    let server = Server::start(&[]);
    let mut alice = registered(&server, "alice", PW);
    let mut bob = server.join("bob");
    alice.expect_line("*** bob joined");
    alice.send_line("/quit");
    bob.expect_line("*** alice quit");

    // The bare name: refused and closed, saying how to log in.
    let mut thief = server.connect();
    thief.send_line("alice");
    thief.expect_line("*** error: alice is registered: log in with /login alice PASSWORD");
    thief.expect_closed();
    // A wrong password: refused and closed.
    let mut guesser = server.connect();
    guesser.send_line("alice hunter22");
    guesser.expect_lines(&[NOTE, "*** error: wrong password for alice"]);
    guesser.expect_closed();
    // The right one, in any case of the name; what follows it on the same
    // write waits for the check and is said as alice.
    let mut back = server.connect();
    back.send_raw(format!("ALICE {PW}\nhello again\n").as_bytes());
    back.expect_lines(&[NOTE, "*** logged in as alice"]);
    assert!(back.next_line().starts_with("*** welcome alice, online (2): "));
    bob.expect_lines(&["*** alice joined", "alice: hello again"]);
    // Nobody else saw a thing of the failed tries.
    bob.expect_no_line_within(Duration::from_millis(200));

    // A name that is not registered, with a space: refused as before.
    let mut spaced = server.connect();
    spaced.send_line("carol something");
    let refusal = spaced.next_line();
    assert!(refusal.starts_with("*** error: invalid name: "), "{refusal}");
    spaced.expect_closed();
    // /nick to a registered name needs its password.
    bob.send_line("/nick Alice");
    bob.expect_line("*** error: alice is registered: log in with /login alice PASSWORD");
}

#[test]
fn login_command_renames_and_a_second_login_replaces_the_first() {
    let server = Server::start(&[]);
    registered(&server, "철수", PW).send_line("/quit");
    let mut guest = server.join("guest1");
    let mut carol = server.join("carol");
    guest.expect_line("*** carol joined");
    guest.send_line(&format!("/login 철수 {PW}"));
    guest.expect_lines(&[NOTE, "*** guest1 is now known as 철수", "*** logged in as 철수"]);
    carol.expect_line("*** guest1 is now known as 철수");
    guest.send_line("/login 철수 wrong-password");
    guest.expect_line("*** error: wrong password for 철수");
    guest.send_line("/login nobody whatever1");
    guest.expect_line("*** error: nobody is not registered");

    // The owner logs in again from elsewhere (the old connection hung):
    // the old one is told and closed, everyone sees it go, then come back.
    let mut again = server.connect();
    again.send_line(&format!("철수 {PW}"));
    again.expect_lines(&[NOTE, "*** logged in as 철수"]);
    assert!(again.next_line().starts_with("*** welcome 철수, online (2): "));
    guest.expect_line("*** error: you logged in from elsewhere");
    guest.expect_closed();
    carol.expect_lines(&["*** 철수 quit [logged in elsewhere]", "*** 철수 joined"]);
    carol.send_line("hi");
    again.expect_line("carol: hi");

    // The decomposed form of the name is the same name.
    let nfd = "\u{110E}\u{1165}\u{11AF}\u{1109}\u{116E}";
    let mut third = server.connect();
    third.send_line(&format!("{nfd} {PW}"));
    third.expect_lines(&[NOTE, "*** logged in as 철수"]);
}

#[test]
fn look_alikes_of_a_registered_name_are_refused_even_while_it_is_offline() {
    let server = Server::start(&[]);
    registered(&server, "alice", PW).send_line("/quit");
    for fake in ["\u{0430}lice", "ａｌｉｃｅ", "al\u{200B}ice", "ALlCE"] {
        let mut c = server.connect();
        c.send_line(fake);
        let refusal = c.next_line();
        assert!(
            refusal == "*** error: name too similar to alice" || refusal.starts_with("*** error: invalid name: "),
            "{fake:?}: {refusal}"
        );
        c.expect_closed();
    }
    let mut bob = server.join("bob");
    bob.send_line("/nick ALlCE");
    bob.expect_line("*** error: name too similar to alice");
    bob.send_line("/register short");
    bob.expect_lines(&[NOTE, "*** error: invalid password: a password needs at least 8 characters"]);
    bob.send_line("/register two words");
    bob.expect_line("*** error: usage: /register PASSWORD");
}

#[test]
fn passwords_change_and_names_are_given_up() {
    let server = Server::start(&[]);
    let mut alice = registered(&server, "alice", PW);
    alice.send_line("/register again-and-again");
    alice.expect_line("*** error: alice is already registered");
    alice.send_line("/password wrong-one new-password");
    alice.expect_line("*** error: wrong password for alice");
    alice.send_line(&format!("/password {PW} new-password"));
    alice.expect_line("*** password changed");
    alice.send_line("/quit");

    let mut old = server.connect();
    old.send_line(&format!("alice {PW}"));
    old.expect_lines(&[NOTE, "*** error: wrong password for alice"]);
    let mut alice = server.connect();
    log_in(&mut alice, "alice", "new-password");
    alice.send_line("/unregister new-password");
    alice.expect_line("*** alice is no longer registered");
    alice.send_line("/password new-password whatever-else");
    alice.expect_line("*** error: alice is not registered");
    alice.send_line("/quit");
    // Free for anyone now.
    server.join("alice");
}

#[test]
fn registered_names_survive_a_restart_without_history() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    {
        let server = Server::start(&["--no-history", "--data-dir", data]);
        registered(&server, "alice", PW);
    }
    let server = Server::start(&["--no-history", "--data-dir", data]);
    let mut thief = server.connect();
    thief.send_line("alice");
    thief.expect_line("*** error: alice is registered: log in with /login alice PASSWORD");
    let mut alice = server.connect();
    log_in(&mut alice, "alice", PW);
    // No chat lines were kept, only the account.
    alice.send_line("/history after 0");
    alice.expect_line("*** history unavailable");
}

#[test]
fn guessing_is_slowed_per_account_and_per_address() {
    let server = Server::start(&["--flood-rate", "1000", "--flood-burst", "1000"]);
    registered(&server, "alice", PW).send_line("/quit");
    registered(&server, "bob", PW).send_line("/quit");
    // Five wrong guesses are answered as such; then the guesser waits.
    for _ in 0..6 {
        let mut c = server.connect();
        c.send_line("alice wrong-guess");
        c.expect_lines(&[NOTE, "*** error: wrong password for alice"]);
    }
    let mut c = server.connect();
    c.send_line(&format!("alice {PW}"));
    c.expect_line(NOTE);
    let held = c.next_line();
    assert!(held.starts_with("*** error: too many failed logins, try again in "), "{held}");
    c.expect_closed();
    // The same address is held for other accounts too...
    let mut c = server.connect();
    c.send_line(&format!("bob {PW}"));
    c.expect_line(NOTE);
    assert!(c.next_line().starts_with("*** error: too many failed logins"));
    // ...but bob, from his own address, logs in.
    let mut bob = server.join_from(Ipv4Addr::new(127, 0, 0, 2), "guest");
    bob.send_line(&format!("/login bob {PW}"));
    bob.expect_lines(&[NOTE, "*** guest is now known as bob", "*** logged in as bob"]);
}

#[test]
fn twenty_logins_a_second_leave_a_bystanders_chat_unaffected() {
    let server = Server::start(&["--flood-rate", "1000", "--flood-burst", "1000", "--max-per-ip", "200"]);
    registered(&server, "owner", PW).send_line("/quit");
    let mut a = server.join("a");
    let mut b = server.join("b");
    a.expect_line("*** b joined");
    let round_trip = |a: &mut Client, b: &mut Client, i: usize| {
        let started = Instant::now();
        a.send_line(&format!("ping {i}"));
        // Around it: the logins' joins and quits.
        b.skip_until(&format!("a: ping {i}"), 500);
        started.elapsed()
    };
    let p99 = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() * 99 / 100]
    };
    let idle: Vec<_> = (0..200).map(|i| round_trip(&mut a, &mut b, i)).collect();
    // 20 logins a second for three seconds, from their own thread.
    let addr = server.addr;
    let logins = std::thread::spawn(move || {
        let mut ok = 0;
        let start = Instant::now();
        let mut open = Vec::new();
        for i in 0..60u32 {
            let due = start + Duration::from_millis(50) * i;
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
            let mut c = Client::connect(addr);
            c.send_line(&format!("owner {PW}"));
            open.push(c);
        }
        for mut c in open {
            // Each logs in (replacing the one before).
            ok += usize::from(c.next_line() == NOTE && c.next_line() == "*** logged in as owner");
        }
        ok
    });
    let mut busy = Vec::new();
    let mut i = 200;
    while !logins.is_finished() {
        busy.push(round_trip(&mut a, &mut b, i));
        i += 1;
    }
    assert_eq!(logins.join().unwrap(), 60, "every login attempt was answered");
    let (idle, busy_p99) = (p99(idle), p99(busy.clone()));
    eprintln!("bystander round trip p99: idle {idle:?}, during logins {busy_p99:?} ({} samples)", busy.len());
    // Generous: a debug build on two shared cores. Hashing on the loop
    // would put 20 × ~40 ms a second in front of these lines.
    assert!(busy_p99 < idle + Duration::from_millis(60), "idle {idle:?}, busy {busy_p99:?}");
}

#[test]
fn private_messages_to_an_offline_registered_user_wait_for_their_login() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    {
        let server = Server::start(&["--no-history", "--data-dir", data]);
        registered(&server, "bob", PW).send_line("/quit");
        let mut alice = server.join("alice");
        alice.send_line("/msg bob 회의 자료는 메일로 보냈어요");
        alice.expect_line("*** bob is offline: your message will be delivered when they log in");
        alice.send_line("/msg BOB second one");
        alice.expect_line("*** bob is offline: your message will be delivered when they log in");
        // Nobody registered, nobody online: as before.
        alice.send_line("/msg nobody hello");
        alice.expect_line("*** error: no such user: nobody");
    }
    // Kept across a restart; delivered once, after the welcome, stamped.
    let server = Server::start(&["--no-history", "--data-dir", data]);
    let mut bob = server.connect();
    log_in(&mut bob, "bob", PW);
    let first = bob.next_line();
    let second = bob.next_line();
    for (line, text) in
        [(&first, "alice (private): 회의 자료는 메일로 보냈어요"), (&second, "alice (private): second one")]
    {
        assert!(line.starts_with("[20") && line.ends_with(&format!("] {text}")), "{line}");
    }
    bob.send_line("/quit");
    let mut again = server.connect();
    log_in(&mut again, "bob", PW);
    again.send_line("/who");
    assert!(again.next_line().starts_with("*** online (1): "), "nothing delivered twice");
}

#[test]
fn one_address_registers_a_bounded_number_of_names_an_hour() {
    let server = Server::start(&["--max-registrations-per-hour", "2"]);
    registered(&server, "first", PW);
    registered(&server, "second", PW);
    let mut third = server.join("third");
    third.send_line(&format!("/register {PW}"));
    third.expect_lines(&[NOTE, "*** error: too many names registered from your address, try again in 60 min"]);
    // Still connected, still unregistered: another address may go on.
    third.send_line("/who");
    assert!(third.next_line().starts_with("*** online ("));
    let mut elsewhere = server.join_from(Ipv4Addr::new(127, 0, 0, 2), "fourth");
    elsewhere.send_line(&format!("/register {PW}"));
    elsewhere.expect_lines(&[NOTE, "*** registered fourth, you are logged in"]);
}
