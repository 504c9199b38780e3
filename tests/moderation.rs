//! Moderation against the real natterd: every operator command and its
//! refusal for non-operators, mutes refusing lines, kicks from a room and
//! from the default room, bans by name and by address (refused at
//! reconnect and at /join, with reason and time left), `+r` and `+t`,
//! `/op`, `/marks` lists, everything surviving a restart, and bad input.

#![allow(clippy::unwrap_used)]

#[path = "common/account.rs"]
mod account;
mod common;

use std::net::Ipv4Addr;
use std::time::Duration;

use account::{registered, NOTE, PW};
use common::{Client, Server};

/// alice (registered) and bob, both in `#dev`
/// (alice first, so its creator).
fn alice_and_bob_in_dev(server: &Server) -> (Client, Client) {
    let mut alice = registered(server, "alice");
    let mut bob = server.join("bob");
    alice.expect_line("*** bob joined");
    alice.enter("#dev", &["alice"]);
    bob.enter("#dev", &["alice", "bob"]);
    alice.expect_line("#dev *** bob joined");
    (alice, bob)
}

/// The next line must be `HEAD (T left)TAIL` for some time left `T`
/// (a second may tick between the action and the check).
fn expect_left(c: &mut Client, head: &str, tail: &str) {
    let line = c.next_line();
    let left = line
        .strip_prefix(head)
        .and_then(|r| r.strip_prefix('('))
        .and_then(|r| r.strip_suffix(tail))
        .and_then(|r| r.strip_suffix(" left)"))
        .unwrap_or_else(|| panic!("not {head}(… left){tail}: {line:?}"));
    assert!(!left.is_empty() && left.chars().next().is_some_and(|c| c.is_ascii_digit()), "{line:?}");
}

#[test]
fn non_operators_are_refused_every_command() {
    let server = Server::start(&[]);
    let mut bob = server.join("bob");
    let mut carol = server.join("carol");
    bob.expect_line("*** carol joined");
    for cmd in [
        "/kick carol",
        "/mute carol 10m",
        "/unmute carol",
        "/ban carol",
        "/ban 10.0.0.0/8 1h spam",
        "/unban carol",
        "/bans",
        "/mode +r",
        "/mode -t",
        "/op carol",
        "/deop carol",
    ] {
        bob.send_line(cmd);
        bob.expect_line("*** error: not an operator of #lobby");
    }
    // Registered is not enough: only operators.
    bob.send_line(&format!("/register {PW}"));
    bob.expect_lines(&[NOTE, "*** registered bob, you are logged in"]);
    bob.send_line("/kick carol");
    bob.expect_line("*** error: not an operator of #lobby");
    carol.expect_no_line_within(Duration::from_millis(200));
    carol.expect_who(&["bob", "carol"]);
}

#[test]
fn mute_and_kick_in_a_room_and_in_the_default_room() {
    let server = Server::start(&["--admin", "alice"]);
    let mut alice = registered(&server, "alice");
    let mut bob = server.join("bob");
    let mut carol = server.join("carol");
    alice.expect_lines(&["*** bob joined", "*** carol joined"]);
    bob.expect_line("*** carol joined");
    alice.enter("#dev", &["alice"]);
    bob.enter("#dev", &["alice", "bob"]);
    alice.expect_line("#dev *** bob joined");

    alice.send_line("/mute bob 10m");
    alice.expect_line("#dev *** alice muted bob for 10m");
    bob.expect_line("#dev *** alice muted bob for 10m");
    bob.send_line("let me speak");
    expect_left(&mut bob, "*** error: you are muted in #dev ", "");
    // Muted in #dev only: the default room still hears bob.
    bob.send_line("/say #lobby still here");
    for c in [&mut alice, &mut carol] {
        c.expect_line("bob: still here");
    }
    alice.send_line("/unmute bob");
    alice.expect_line("#dev *** alice unmuted bob");
    bob.expect_line("#dev *** alice unmuted bob");
    bob.send_line("thanks");
    alice.expect_line("#dev bob: thanks");
    // A permanent mute says so.
    alice.send_line("/mute #dev bob");
    alice.expect_line("#dev *** alice muted bob");
    bob.expect_line("#dev *** alice muted bob");
    bob.send_line("/me sulks");
    bob.expect_line("*** error: you are muted in #dev (permanent)");

    // Kick from the room: bob is out of #dev, still online.
    alice.send_line("/kick bob spam and eggs");
    alice.expect_line("#dev *** alice kicked bob (spam and eggs)");
    bob.expect_lines(&["#dev *** alice kicked bob (spam and eggs)", "*** now talking in #lobby"]);
    alice.send_line("/who");
    alice.expect_line("#dev *** online (1): alice");
    alice.send_line("/kick nobody");
    alice.expect_line("*** error: no such user: nobody");

    // Kick from the default room: disconnected.
    alice.send_line("/kick #lobby carol");
    for c in [&mut alice, &mut bob, &mut carol] {
        c.expect_line("*** alice kicked carol");
    }
    carol.expect_closed();
    for c in [&mut alice, &mut bob] {
        c.expect_line("*** carol quit [kicked]");
    }
}

#[test]
fn bans_by_name_and_address_keep_people_out() {
    let server = Server::start(&["--admin", "alice"]);
    let (mut alice, mut bob) = alice_and_bob_in_dev(&server);

    // A room ban removes bob from the room and refuses his /join.
    alice.send_line("/ban bob 1h spam");
    alice.expect_line("#dev *** alice banned bob for 1h (spam)");
    bob.expect_lines(&["#dev *** alice banned bob for 1h (spam)", "*** now talking in #lobby"]);
    bob.send_line("/join #dev");
    expect_left(&mut bob, "*** error: you are banned from #dev ", ": spam");
    alice.send_line("/bans");
    alice.expect_line("#dev *** bans (1):");
    expect_left(&mut alice, "#dev *** ban bob by alice ", ": spam");
    alice.send_line("/unban bob");
    alice.expect_line("#dev *** alice unbanned bob");
    bob.enter("#dev", &["alice", "bob"]);
    alice.expect_line("#dev *** bob joined");
    alice.send_line("/unban bob");
    alice.expect_line("*** error: no such ban: bob");

    // A ban issued in the default room is server-wide.
    alice.send_line("/ban #lobby bob 2h flooding");
    alice.expect_line("*** alice banned bob for 2h (flooding)");
    bob.expect_line("*** alice banned bob for 2h (flooding)");
    bob.expect_closed();
    alice.expect_line("*** bob quit [banned]");
    let mut again = server.connect();
    again.send_line("BOB");
    expect_left(&mut again, "*** error: you are banned from this server ", ": flooding");
    again.expect_closed();
    // Nor can anyone become bob by /nick.
    let mut erin = server.join("erin");
    alice.expect_line("*** erin joined");
    erin.send_line("/nick Bob");
    expect_left(&mut erin, "*** error: you are banned from this server ", ": flooding");
    erin.expect_closed();
    alice.expect_line("*** erin quit [banned]");

    // By address: whoever connects from it, under any name.
    let mut dave = server.join_from(Ipv4Addr::new(127, 0, 0, 2), "dave");
    alice.expect_line("*** dave joined");
    alice.send_line("/ban #lobby 127.0.0.2");
    alice.expect_line("*** alice banned 127.0.0.2/32");
    dave.expect_line("*** alice banned 127.0.0.2/32");
    dave.expect_closed();
    alice.expect_line("*** dave quit [banned]");
    let mut other = server.connect_from(Ipv4Addr::new(127, 0, 0, 2));
    other.send_line("erin");
    other.expect_line("*** error: you are banned from this server (permanent)");
    other.expect_closed();
    // A prefix: 127.0.0.3 is in 127.0.0.0/30; alice's own 127.0.0.1 too,
    // but the operator is never removed by her own ban.
    alice.send_line("/ban #lobby 127.0.0.0/30 7d");
    alice.expect_line("*** alice banned 127.0.0.0/30 for 7d");
    let mut third = server.connect_from(Ipv4Addr::new(127, 0, 0, 3));
    third.send_line("frank");
    expect_left(&mut third, "*** error: you are banned from this server ", "");
    third.expect_closed();
    let mut fourth = server.join_from(Ipv4Addr::new(127, 0, 0, 4), "gina");
    alice.expect_line("*** gina joined");
    fourth.expect_who(&["alice", "gina"]);
    alice.send_line("/unban #lobby 127.0.0.0/30");
    alice.expect_line("*** alice unbanned 127.0.0.0/30");
    fourth.expect_line("*** alice unbanned 127.0.0.0/30");
}

#[test]
fn modes_r_and_t() {
    let server = Server::start(&[]);
    // No --admin: alice is #dev's operator because she made it.
    let (mut alice, mut bob) = alice_and_bob_in_dev(&server);
    bob.send_line("/mode +r");
    bob.expect_line("*** error: not an operator of #dev");

    alice.send_line("/mode +r");
    alice.expect_line("#dev *** alice set mode +r");
    bob.expect_line("#dev *** alice set mode +r");
    bob.send_line("hello?");
    bob.expect_line("*** error: only registered names may speak in #dev");
    alice.send_line("registered speak");
    bob.expect_line("#dev alice: registered speak");
    alice.send_line("/mode -r");
    alice.expect_line("#dev *** alice set mode -r");
    bob.expect_line("#dev *** alice set mode -r");
    bob.send_line("now I can");
    alice.expect_line("#dev bob: now I can");

    bob.send_line("/topic mine");
    bob.expect_line("#dev *** bob set the topic: mine");
    alice.expect_line("#dev *** bob set the topic: mine");
    alice.send_line("/mode +t");
    alice.expect_line("#dev *** alice set mode +t");
    bob.expect_line("#dev *** alice set mode +t");
    bob.send_line("/topic still mine");
    bob.expect_line("*** error: not an operator of #dev");
    alice.send_line("/topic ours");
    alice.expect_line("#dev *** alice set the topic: ours");
    bob.expect_line("#dev *** alice set the topic: ours");
    // The default room has no operator but the server's.
    alice.send_line("/mode #lobby +t");
    alice.expect_line("*** error: not an operator of #lobby");
}

#[test]
fn operators_and_marks() {
    let server = Server::start(&["--admin", "alice"]);
    let mut alice = registered(&server, "alice");
    let mut bob = registered(&server, "bob");
    let mut carol = server.join("carol");
    alice.expect_lines(&["*** bob joined", "*** carol joined"]);
    bob.expect_line("*** carol joined");
    carol.enter("#dev", &["carol"]);
    // carol made #dev but is not registered: no operator of its own.
    alice.enter("#dev", &["alice", "carol"]);
    bob.enter("#dev", &["alice", "bob", "carol"]);
    carol.expect_lines(&["#dev *** alice joined", "#dev *** bob joined"]);
    alice.expect_line("#dev *** bob joined");
    bob.send_line("/mute carol");
    bob.expect_line("*** error: not an operator of #dev");
    alice.send_line("/op carol");
    alice.expect_line("*** error: carol is not registered");
    alice.send_line("/op bob");
    for c in [&mut alice, &mut bob, &mut carol] {
        c.expect_line("#dev *** alice made bob an operator");
    }
    bob.send_line("/mute carol 30s");
    for c in [&mut alice, &mut bob, &mut carol] {
        c.expect_line("#dev *** bob muted carol for 30s");
    }

    // Marks: @ operators, + other registered names, for those who ask.
    carol.send_line("/who");
    carol.expect_line("#dev *** online (3): alice, bob, carol");
    carol.send_line("/marks");
    carol.expect_line("*** marks on");
    carol.send_line("/who");
    carol.expect_line("#dev *** online (3): @alice, @bob, carol");
    carol.send_line("/who #lobby");
    carol.expect_line("*** online (3): @alice, +bob, carol");
    carol.send_line("/join #ops");
    carol.expect_line("#ops *** welcome carol, online (1): carol");
    alice.send_line("/join #ops");
    alice.expect_line("#ops *** welcome alice, online (2): alice, carol");
    carol.expect_line("#ops *** alice joined");
    carol.send_line("/who #ops");
    carol.expect_line("#ops *** online (2): @alice, carol");

    alice.send_line("/deop #dev bob");
    alice.expect_line("#dev *** alice made bob no longer an operator");
    bob.expect_line("#dev *** alice made bob no longer an operator");
    carol.expect_line("#dev *** alice made bob no longer an operator");
    bob.send_line("/unmute #dev carol");
    bob.expect_line("*** error: not an operator of #dev");
}

#[test]
fn bans_operators_and_modes_survive_a_restart_without_history() {
    let dir = tempfile::tempdir().expect("a data directory");
    let data = dir.path().to_str().expect("a UTF-8 path");
    {
        let server = Server::start(&["--no-history", "--data-dir", data, "--admin", "alice"]);
        let mut alice = registered(&server, "alice");
        let mut bob = server.join("bob");
        alice.expect_line("*** bob joined");
        alice.send_line("/join #dev");
        alice.expect_line("#dev *** welcome alice, online (1): alice");
        alice.send_line("/mode +r");
        alice.expect_line("#dev *** alice set mode +r");
        alice.send_line("/ban zed 1d trouble");
        alice.expect_line("#dev *** alice banned zed for 1d (trouble)");
        alice.send_line("/mute bob");
        alice.expect_line("#dev *** alice muted bob");
        alice.send_line("/ban #lobby bob 1d bye");
        alice.expect_line("*** alice banned bob for 1d (bye)");
        bob.expect_line("*** alice banned bob for 1d (bye)");
        bob.expect_closed();
    }
    // No --admin now: alice is still #dev's operator, as its creator.
    let server = Server::start(&["--no-history", "--data-dir", data]);
    let mut bob = server.connect();
    bob.send_line("bob");
    expect_left(&mut bob, "*** error: you are banned from this server ", ": bye");
    bob.expect_closed();
    let mut alice = server.connect();
    alice.send_line(&format!("alice {PW}"));
    alice.expect_lines(&[NOTE, "*** logged in as alice"]);
    alice.next_line();
    let mut carol = server.join("carol");
    alice.expect_line("*** carol joined");
    alice.send_line("/join #dev");
    alice.expect_line("#dev *** welcome alice, online (1): alice");
    carol.send_line("/join #dev");
    carol.expect_line("#dev *** welcome carol, online (2): alice, carol");
    alice.expect_line("#dev *** carol joined");
    carol.send_line("hi");
    carol.expect_line("*** error: only registered names may speak in #dev");
    alice.send_line("/bans");
    alice.expect_line("#dev *** bans (1):");
    expect_left(&mut alice, "#dev *** ban zed by alice ", ": trouble");
    // Server bans belong to the server's operators, now nobody.
    alice.send_line("/unban #lobby bob");
    alice.expect_line("*** error: not an operator of #lobby");
}

#[test]
fn bad_input_is_refused_and_bans_are_bounded() {
    let server = Server::start(&["--admin", "alice", "--max-line", "200000", "--flood-rate", "0"]);
    let mut alice = registered(&server, "alice");
    alice.send_line("/join #dev");
    alice.expect_line("#dev *** welcome alice, online (1): alice");
    for bad in ["/mute bob 10x", "/mute bob 0s", "/ban bob 1.5h", "/ban bob 366d", "/mute bob 99999999999999999999d"] {
        alice.send_line(bad);
        alice.expect_line("*** error: invalid duration: use 30s, 10m, 2h or 7d (at most 365d)");
    }
    for (bad, error) in [
        ("/ban 10.0.0.0/33", "*** error: invalid ban target: 10.0.0.0/33"),
        ("/ban bob/8", "*** error: invalid ban target: bob/8"),
        ("/unban ::/129", "*** error: invalid ban target: ::/129"),
        ("/unban nobody", "*** error: no such ban: nobody"),
        ("/mode +x", "*** error: usage: /mode [#ROOM] +r|-r|+t|-t"),
        ("/kick", "*** error: usage: /kick [#ROOM] NAME [REASON]"),
        ("/op zed", "*** error: zed is not registered"),
        ("/mute #nowhere bob", "*** error: not in room: #nowhere"),
    ] {
        alice.send_line(bad);
        alice.expect_line(error);
    }
    alice.send_line("/mute a,b");
    assert!(alice.next_line().starts_with("*** error: invalid name: "));
    // A 100 KB reason is cut, not refused, and nothing breaks.
    alice.send_line(&format!("/ban bob 1h {}", "x".repeat(100_000)));
    let line = alice.next_line();
    assert_eq!(line, format!("#dev *** alice banned bob for 1h ({})", "x".repeat(300)));
    // At most 1000 bans a room.
    let mut batch = String::new();
    for i in 0..1000 {
        batch.push_str(&format!("/ban n{i}\n"));
    }
    alice.send_raw(batch.as_bytes());
    for i in 0..999 {
        alice.expect_line(&format!("#dev *** alice banned n{i}"));
    }
    alice.expect_line("*** error: too many bans in #dev (max 1000)");
    // Renewing an existing ban is still allowed.
    alice.send_line("/ban bob 2h");
    alice.expect_line("#dev *** alice banned bob for 2h");
    alice.send_line("/bans");
    alice.expect_line("#dev *** bans (1000):");
}

#[test]
fn the_data_directorys_admins_file_names_server_operators() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    std::fs::write(dir.path().join("admins"), "# operators\n철수  # the teacher\n").unwrap();
    let server = Server::start(&["--no-history", "--data-dir", data]);
    let mut teacher = registered(&server, "철수");
    let mut bob = server.join("bob");
    teacher.expect_line("*** bob joined");
    teacher.send_line("/mute bob 10m");
    for c in [&mut teacher, &mut bob] {
        c.expect_line("*** 철수 muted bob for 10m");
    }
    drop(server);

    // A line that is not a name stops natterd, naming the file and line.
    std::fs::write(dir.path().join("admins"), "alice\nbob smith\n").unwrap();
    let mut natterd = std::process::Command::new(env!("CARGO_BIN_EXE_natterd"))
        .args(["--listen", "127.0.0.1:0", "--no-history", "--data-dir", data])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + common::TIMEOUT;
    while natterd.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            natterd.kill().unwrap();
            panic!("natterd started with a bad admins file");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = natterd.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("admins:2: invalid name \"bob smith\""), "{err}");
}

#[test]
fn clients_asking_for_marks_hear_of_a_registration_in_each_shared_room() {
    let server = Server::start(&[]);
    let mut alice = server.join("alice");
    alice.send_line("/marks");
    alice.expect_line("*** marks on");
    let mut carol = server.join("carol");
    let mut bob = server.join("bob");
    alice.expect_lines(&["*** carol joined", "*** bob joined"]);
    carol.expect_line("*** bob joined");
    alice.enter("#dev", &["alice"]);
    bob.enter("#dev", &["alice", "bob"]);
    alice.expect_line("#dev *** bob joined");
    bob.send_line(&format!("/register {PW}"));
    bob.expect_lines(&[NOTE, "*** registered bob, you are logged in"]);
    alice.expect_lines(&["*** marks: +bob", "#dev *** marks: +bob"]);
    bob.send_line(&format!("/unregister {PW}"));
    bob.expect_line("*** bob is no longer registered");
    alice.expect_lines(&["*** marks: bob", "#dev *** marks: bob"]);
    // Clients that did not ask see nothing new; bob neither.
    carol.expect_no_line_within(Duration::from_millis(100));
    bob.expect_no_line_within(Duration::from_millis(100));
}
