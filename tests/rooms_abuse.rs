//! Rooms under hostile or careless input (issue 14): lines forged to look
//! like another room's, bad room names, thousands of /joins, huge topics,
//! and the limit flags. Whatever one client does, it gets `*** error: …`
//! and keeps its connection, and nobody else notices anything.

// A failed unwrap here is a failed test, not a crash on input.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::io::Write;
use std::thread;

use common::{welcome, Client, Server};
use natter::protocol::{QuitReason, Reply, Tagged};

/// Texts that look like server lines of a room, or of the lobby.
const FORGED: &[&str] = &["#dev *** x joined", "#dev alice: hi", "*** x joined", "#dev *** x left (y)", "#lobby * a b"];

#[test]
fn forged_room_lines_parse_as_the_senders_own() {
    let server = Server::start_bulk(&[]);
    let mut c = server.room(&["alice", "bob"]);
    let [alice, bob] = &mut c[..] else { unreachable!() };
    alice.enter("#dev", &["alice"]);
    bob.enter("#dev", &["alice", "bob"]);
    alice.expect_line("#dev *** bob joined");
    let check = |line: &str, room: Option<&str>, want: Reply| {
        let t = Tagged::parse(line);
        assert_eq!((t.room, t.reply), (room, want), "{line:?}");
    };
    for &text in FORGED {
        // Chat and /me in #dev, in the lobby, and /say into each.
        bob.send_line(text);
        check(&alice.next_line(), Some("#dev"), Reply::Chat { from: "bob", text });
        bob.send_line(&format!("/me {text}"));
        check(&alice.next_line(), Some("#dev"), Reply::Action { from: "bob", text });
        bob.send_line(&format!("/say #lobby {text}"));
        check(&alice.next_line(), None, Reply::Chat { from: "bob", text });
        bob.send_line(&format!("/say #dev {text}"));
        check(&alice.next_line(), Some("#dev"), Reply::Chat { from: "bob", text });
        bob.send_line(&format!("/topic {text}"));
        for m in [&mut *alice, &mut *bob] {
            check(&m.next_line(), Some("#dev"), Reply::TopicSet { by: "bob", topic: text });
        }
        bob.send_line(&format!("/msg alice {text}"));
        check(&alice.next_line(), None, Reply::Private { from: "bob", text });
        // The topic in a /rooms listing.
        alice.send_line("/rooms");
        check(&alice.next_line(), None, Reply::RoomList(2));
        let mut listed = [alice.next_line(), alice.next_line()];
        listed.sort();
        check(&listed[0], None, Reply::RoomInfo { room: "#dev", members: 2, topic: Some(text) });
        check(&listed[1], None, Reply::RoomInfo { room: "#lobby", members: 2, topic: None });
    }
    // Part and quit reasons, from a fresh member each time.
    for (i, &text) in FORGED.iter().enumerate() {
        let name = format!("m{i}");
        let mut m = server.join(&name);
        alice.expect_line(&format!("*** {name} joined"));
        m.enter("#dev", &["alice", "bob", &name]);
        // The topic bob set last, shown to a joiner, is his text too.
        check(&m.next_line(), Some("#dev"), Reply::Topic(FORGED[FORGED.len() - 1]));
        alice.expect_line(&format!("#dev *** {name} joined"));
        m.send_line(&format!("/part #dev {text}"));
        check(&alice.next_line(), Some("#dev"), Reply::Left { name: &name, reason: Some(text) });
        check(&m.next_line(), Some("#dev"), Reply::Left { name: &name, reason: Some(text) });
        m.expect_line("*** now talking in #lobby");
        m.send_line(&format!("/quit {text}"));
        check(&alice.next_line(), None, Reply::Quit { name: &name, reason: Some(QuitReason::User(text)) });
    }
    // bob saw the same joins, parts and quits; nothing more.
    bob.send_line("/sync");
    bob.skip_until("*** error: unknown command /sync", 4 * FORGED.len());
    alice.sync();
}

#[test]
fn bad_room_names_are_errors_and_nobody_notices() {
    let server = Server::start_bulk(&[]);
    let mut c = server.room(&["alice", "bob"]);
    let [alice, bob] = &mut c[..] else { unreachable!() };
    alice.enter("#dev", &["alice"]);
    let long = format!("#{}", "x".repeat(33));
    let long_ko = format!("#{}", "개".repeat(33));
    let bad = [
        "#a b",
        "#a:b",
        "#a*",
        "#a,b",
        "##a",
        "#",
        "dev",
        "#a\u{7}b",
        "#a\u{1b}b",
        "#\u{7f}",
        "#a\u{202E}b",
        "#a\u{200F}",
        "#a\u{2066}b",
        "#a\u{200B}",
        "#\u{3164}",
        &long,
        &long_ko,
    ];
    for room in bad {
        for line in [format!("/join {room}"), format!("/say {room} hi"), format!("/who {room}")] {
            alice.send_line(&line);
            let got = alice.next_line();
            // `/say #a b hi` is a line for #a; a word with no `#` may be
            // read as a usage error.
            let usage = (room == "dev" && !line.starts_with("/join")) || (room == "#a b" && line.starts_with("/say"));
            let ok = got.starts_with("*** error: invalid room: ")
                || (usage && got.starts_with("*** error: usage: "))
                || (room == "#a b" && (got == "*** error: not in room: #a" || got == "*** error: no such room: #a"));
            assert!(ok, "{line:?} gave {got:?}");
        }
    }
    for (line, usage) in [
        ("/join", "/join #ROOM"),
        ("/join   ", "/join #ROOM"),
        ("/say", "/say #ROOM TEXT"),
        ("/say #dev", "/say #ROOM TEXT"),
    ] {
        alice.send_line(line);
        alice.expect_line(&format!("*** error: usage: {usage}"));
    }
    // No room was made of any of it, not even a shortened one.
    let want: BTreeSet<String> = ["*** #lobby (2)", "*** #dev (1)"].iter().map(|s| s.to_string()).collect();
    assert_eq!(alice.rooms(), want);
    // alice is still connected and talking in #dev; bob noticed nothing.
    alice.send_line("/say #lobby still here");
    bob.expect_line("alice: still here");
    bob.sync();
}

#[test]
fn ten_thousand_joins_hit_the_limits_and_keep_the_connection() {
    const JOINS: usize = 10_000;
    let server = Server::start_bulk(&["--max-rooms", "200", "--max-rooms-per-client", "20"]);
    let mut c = server.room(&["alice", "bob"]);
    let mut w = c[0].writer();
    let writer = thread::spawn(move || {
        let mut batch = String::new();
        for i in 0..JOINS {
            batch.push_str(&format!("/join #r{i}\n"));
            if i % 500 == 499 {
                w.write_all(batch.as_bytes()).unwrap();
                batch.clear();
            }
        }
    });
    let (mut welcomes, mut errors) = (0, 0);
    for i in 0..JOINS {
        let line = c[0].next_line();
        if line.starts_with(&format!("#r{i} *** welcome alice, online (1): alice")) {
            welcomes += 1;
        } else if line == "*** error: you are in too many rooms (max 20)" {
            errors += 1;
        } else {
            panic!("join {i}: unexpected {line:?}");
        }
    }
    writer.join().unwrap();
    eprintln!("{welcomes} rooms joined, {errors} refused");
    // The default room does not count (natterd --help).
    assert_eq!(welcomes, 20, "rooms joined besides the default room");
    let [alice, bob] = &mut c[..] else { unreachable!() };
    bob.sync();
    assert_eq!(bob.rooms().len(), 1 + welcomes);
    alice.send_line("/say #lobby alive");
    bob.expect_line("alice: alive");
}

#[test]
fn making_and_leaving_thousands_of_rooms_does_not_grow_memory() {
    const WARM_UP: usize = 500;
    const CYCLES: usize = 3000;
    let server = Server::start_bulk(&[]);
    let mut c = server.room(&["alice", "bob"]);
    // Each cycle makes a new room with a topic and leaves it, so it goes.
    let cycles = |c: &mut Client, from: usize, to: usize| {
        let mut w = c.writer();
        let writer = thread::spawn(move || {
            for i in from..to {
                w.write_all(format!("/join #c{i}\n/topic {}\n/part #c{i} bye\n", "t".repeat(200)).as_bytes()).unwrap();
            }
        });
        for i in from..to {
            let room = format!("#c{i}");
            c.expect_line(&format!("{room} {}", welcome("alice", &["alice"])));
            c.expect_line(&format!("{room} *** alice set the topic: {}", "t".repeat(200)));
            c.expect_lines(&[&format!("{room} *** alice left (bye)"), "*** now talking in #lobby"]);
        }
        writer.join().unwrap();
    };
    cycles(&mut c[0], 0, WARM_UP);
    let before = server.anon_kib();
    cycles(&mut c[0], WARM_UP, WARM_UP + CYCLES);
    let after = server.anon_kib();
    eprintln!("anonymous RSS after {WARM_UP} rooms {before} KiB, after {CYCLES} more {after} KiB");
    assert!(after <= before + 4 * 1024, "anonymous RSS grew from {before} KiB to {after} KiB");
    let [alice, bob] = &mut c[..] else { unreachable!() };
    let only_lobby: BTreeSet<String> = ["*** #lobby (2)".to_string()].into();
    assert_eq!(alice.rooms(), only_lobby);
    bob.sync();
}

#[test]
fn max_rooms_caps_the_rooms_on_the_server() {
    let server = Server::start_bulk(&["--max-rooms", "4"]);
    let mut c = server.room(&["alice", "bob"]);
    let [alice, bob] = &mut c[..] else { unreachable!() };
    let mut made = 0;
    for i in 0..6 {
        alice.send_line(&format!("/join #r{i}"));
        let line = alice.next_line();
        if line.starts_with(&format!("#r{i} *** welcome alice")) {
            made += 1;
        } else {
            assert_eq!(line, "*** error: too many rooms on this server (max 4)", "join #r{i}");
        }
    }
    // The default room does not count (natterd --help).
    assert_eq!(made, 4, "rooms made with --max-rooms 4");
    // An existing room can still be joined; a new one cannot.
    bob.send_line("/join #r0");
    bob.expect_line("#r0 *** welcome bob, online (2): alice, bob");
    alice.expect_line("#r0 *** bob joined");
    bob.send_line("/join #new");
    bob.expect_line("*** error: too many rooms on this server (max 4)");
    // Once one empties, a new one fits.
    alice.send_line("/part #r1");
    alice.expect_line("#r1 *** alice left");
    bob.send_line("/join #new");
    bob.expect_line("#new *** welcome bob, online (1): bob");
    alice.sync();
}

#[test]
fn max_rooms_per_client_counts_each_client_apart() {
    let server = Server::start_bulk(&["--max-rooms-per-client", "3"]);
    let mut c = server.room(&["alice", "bob"]);
    let [alice, bob] = &mut c[..] else { unreachable!() };
    let mut joined = Vec::new();
    for i in 0..5 {
        alice.send_line(&format!("/join #r{i}"));
        let line = alice.next_line();
        if line.starts_with(&format!("#r{i} *** welcome alice")) {
            joined.push(i);
        } else {
            assert_eq!(line, "*** error: you are in too many rooms (max 3)", "join #r{i}");
        }
    }
    assert_eq!(joined, [0, 1, 2], "rooms alice joined besides the default room, with a limit of 3");
    // At the limit, a room alice is in, or the default room, only switches.
    for (line, room) in [("/join #R1", "#r1"), ("/join #r1", "#r1"), ("/join #lobby", "#lobby")] {
        alice.send_line(line);
        alice.expect_line(&format!("*** now talking in {room}"));
    }
    // bob has his own allowance, and joining alice's rooms is fine.
    for &i in &joined {
        bob.send_line(&format!("/join #r{i}"));
        bob.next_line();
        alice.expect_line(&format!("#r{i} *** bob joined"));
    }
    // After a /part, alice may join one more.
    alice.send_line("/part #r0");
    alice.expect_line("#r0 *** alice left");
    bob.expect_line("#r0 *** alice left");
    alice.enter("#z", &["alice"]);
    bob.sync();
}

#[test]
fn default_room_flag_names_the_untagged_room() {
    let server = Server::start(&["--default-room", "#main"]);
    let mut c = server.room(&["alice", "bob"]);
    let [alice, bob] = &mut c[..] else { unreachable!() };
    // `/default` names it, which is how a client learns it.
    alice.send_line("/default");
    alice.expect_line("*** default room: #main");
    alice.send_line("/part");
    alice.expect_line("*** error: cannot leave the default room #main");
    // #lobby is an ordinary room here.
    alice.send_line("/join #lobby");
    alice.expect_line(&format!("#lobby {}", welcome("alice", &["alice"])));
    alice.send_line("/default");
    alice.expect_line("*** default room: #main");
    alice.send_line("hi");
    alice.sync();
    bob.send_line("/join #MAIN");
    bob.expect_line("*** now talking in #main");
    bob.send_line("/rooms");
    bob.expect_line("*** rooms (2):");
    let mut listed = vec![bob.next_line(), bob.next_line()];
    listed.sort();
    assert_eq!(listed, ["*** #lobby (1)", "*** #main (2)"]);
    alice.send_line("/say #main plain");
    bob.expect_line("alice: plain");
}

#[test]
fn huge_topics_are_refused_or_cut_never_sent_whole() {
    // At the default --max-line the line itself is refused.
    let server = Server::start_bulk(&[]);
    let mut c = server.room(&["alice", "bob"]);
    c[0].enter("#dev", &["alice"]);
    let huge = "t".repeat(100_000);
    c[0].send_line(&format!("/topic {huge}"));
    c[0].expect_line("*** error: line too long (max 4096 bytes)");
    c[0].send_line("/topic");
    c[0].expect_line("#dev *** no topic");
    c[1].sync();
    drop(server);

    // With lines that long allowed, the topic is cut to --max-topic.
    let server = Server::start_bulk(&["--max-line", "200000"]);
    let mut c = server.room(&["alice", "bob", "carol"]);
    c[0].enter("#dev", &["alice"]);
    c[1].enter("#dev", &["alice", "bob"]);
    c[0].expect_line("#dev *** bob joined");
    c[0].send_line(&format!("/topic {huge}"));
    let cut = format!("#dev *** alice set the topic: {}", "t".repeat(300));
    c[0].expect_line(&cut);
    c[1].expect_line(&cut);
    c[1].send_line("/topic");
    c[1].expect_line(&format!("#dev *** topic: {}", "t".repeat(300)));
    c[2].sync();
}

#[test]
fn bad_room_flags_are_refused_at_start() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    for args in [
        &["--default-room", "main"][..],
        &["--default-room", "#a b"],
        &["--default-room", "#"],
        &["--default-room", "#a\u{202E}"],
        &["--max-topic", "0"],
        &["--max-rooms", "-1"],
        &["--max-rooms-per-client", "many"],
    ] {
        let mut child = Command::new(common::NATTERD)
            .args(["--listen", "127.0.0.1:0", "--no-history"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start natterd");
        let deadline = Instant::now() + common::TIMEOUT;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("natterd {args:?} did not refuse to start");
            }
            thread::sleep(Duration::from_millis(10));
        };
        assert!(!status.success(), "natterd {args:?} exited with {status:?}");
    }
}

/// With history on (natterd's default), a room with stored lines is kept
/// when it empties. One client that makes rooms, says a line in each and
/// leaves must still not use up --max-rooms for everyone else, for as long
/// as the history is kept.
#[test]
fn with_history_one_client_cannot_use_up_max_rooms() {
    let dir = std::env::temp_dir().join(format!("natter-rooms-history-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let data_dir = dir.to_str().unwrap();
    let server = Server::start_bulk(&["--data-dir", data_dir, "--max-rooms", "5", "--history-replay", "0"]);
    let mut c = server.room(&["mallory", "bob"]);
    let mut made = 0;
    for i in 0..8 {
        c[0].send_line(&format!("/join #m{i}"));
        let line = c[0].next_line();
        if line == "*** error: too many rooms on this server (max 5)" {
            continue;
        }
        assert_eq!(line, format!("#m{i} {}", welcome("mallory", &["mallory"])));
        made += 1;
        c[0].send_line("mine now");
        c[0].send_line(&format!("/part #m{i}"));
        c[0].expect_lines(&[&format!("#m{i} *** mallory left"), "*** now talking in #lobby"]);
    }
    c[1].send_line("/join #new");
    let got = c[1].next_line();
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("mallory made {made} rooms and left each");
    assert_eq!(got, format!("#new {}", welcome("bob", &["bob"])), "bob cannot make a room");
}
