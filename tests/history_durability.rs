//! Stored history across process deaths and restarts: `kill -9` in the
//! middle of a flood loses no line any client received, a clean SIGTERM
//! restart keeps rooms, topics and lines, and retention (`--history-days`,
//! `--history-max-mb`) removes old lines from a real database file, and
//! `--no-history` leaves nothing on disk; a damaged search index is rebuilt.

#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/hist.rs"]
mod hist;

use std::collections::BTreeMap;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::Server;
use hist::{all_after, ask, login, say_seen, stamped_texts, start_in, unstamp, until_welcome, wait_for};
use rusqlite::types::Value;

#[test]
fn kill_9_during_a_flood_loses_no_line_any_client_received() {
    const CYCLES: u64 = 20;
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    // Every line a client received, by id, from all cycles so far.
    let mut received: BTreeMap<u64, String> = BTreeMap::new();
    let mut seed = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_nanos() as u64 | 1;
    for cycle in 0..=CYCLES {
        let mut server = start_in(dir.path(), &["--history-replay", "0"]);
        let (mut reader, _) = login(&server, "reader");
        // Everything received before any kill so far is there, in order.
        let stored: BTreeMap<u64, String> = all_after(&mut reader, None, 0).into_iter().collect();
        for (id, text) in &received {
            assert_eq!(
                stored.get(id),
                Some(text),
                "cycle {cycle}: line {id} ({text:?}) was received but is not stored"
            );
        }
        let max_before = stored.keys().next_back().copied().unwrap_or(0);
        if cycle == CYCLES {
            // Search finds the last cycle's lines too (index caught up or not).
            let last = format!("c{} ", CYCLES - 1);
            let found = ask(&mut reader, &format!("/search {}", last.trim_end()), None);
            let want = received.values().filter(|t| t.contains(&last)).count().min(50);
            assert!(found.len() >= want, "search found {} of {want}: {found:?}", found.len());
            break;
        }
        reader.send_line("/stamps");
        reader.expect_line("*** stamps on");
        let (flooder, _) = login(&server, "flooder");
        let mut writer = flooder.writer();
        let sender = thread::spawn(move || {
            use std::io::Write;
            for n in 0..100_000u64 {
                let batch: String = (0..10).map(|k| format!("c{cycle} {}\n", n * 10 + k)).collect();
                if writer.write_all(batch.as_bytes()).is_err() {
                    return; // the server died
                }
                thread::sleep(Duration::from_millis(1));
            }
        });
        // Kill at a random moment 50..350 ms into the flood.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let kill_at = Instant::now() + Duration::from_millis(50 + seed % 300);
        let mut seen = 0;
        let mut killed = false;
        loop {
            if !killed && Instant::now() >= kill_at {
                server.kill9();
                killed = true;
            }
            let wait = if killed { Duration::from_secs(5) } else { kill_at.saturating_duration_since(Instant::now()) };
            match reader.try_line(wait.max(Duration::from_millis(1))) {
                Ok(line) => {
                    let (id, text) = unstamp(&line);
                    if text.starts_with("*** ") {
                        continue;
                    }
                    let id = id.unwrap_or_else(|| panic!("unstamped live line {line:?}"));
                    assert!(id > max_before, "cycle {cycle}: id {id} reused (stored up to {max_before})");
                    assert!(received.insert(id, text).is_none(), "id {id} twice");
                    seen += 1;
                }
                Err(common::NoLine::Timeout(_)) if !killed => {}
                Err(common::NoLine::Timeout(partial)) => panic!("open 5 s after kill -9 ({partial:?})"),
                Err(common::NoLine::Closed(_)) => break,
            }
        }
        sender.join().unwrap();
        drop(flooder);
        assert!(seen > 0 || cycle > 0, "the reader received nothing before the first kill");
    }
    assert!(received.len() > 100, "only {} lines received over {CYCLES} cycles", received.len());
    assert!(started.elapsed() < Duration::from_secs(60), "took {:?}", started.elapsed());
}

#[test]
fn a_clean_restart_keeps_rooms_topics_and_history() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start_in(dir.path(), &[]);
    let (mut alice, _) = login(&server, "alice");
    let (mut bob, _) = login(&server, "bob");
    alice.expect_line("*** bob joined");
    say_seen(&mut alice, &mut bob, &["lobby line"], None);
    alice.send_line("/topic first lobby topic");
    alice.send_line("/topic 로비 주제");
    bob.skip_until("*** alice set the topic: 로비 주제", 2);
    for (room, topic) in [("#dev", Some("ship it")), ("#개발", Some("배포 준비")), ("#chat", None)] {
        alice.send_line(&format!("/join {room}"));
        until_welcome(&mut alice, "alice", Some(room));
        if let Some(topic) = topic {
            alice.send_line(&format!("/topic {topic}"));
            alice.expect_line(&format!("{room} *** alice set the topic: {topic}"));
        }
        alice.send_line(&format!("/say {room} said in {room}"));
    }
    // A room with neither a line nor a topic is not kept.
    alice.send_line("/join #empty");
    until_welcome(&mut alice, "alice", Some("#empty"));
    alice.send_line("/who #chat");
    alice.skip_until("#chat *** online (1): alice", 3);
    server.signal("TERM");
    let status = server.wait_exit(Duration::from_secs(10)).expect("natterd stops on SIGTERM");
    assert!(status.success(), "{status:?}");
    drop((alice, bob));

    let server = start_in(dir.path(), &[]);
    let (mut carol, replay) = login(&server, "carol");
    assert_eq!(
        stamped_texts(&replay),
        ["alice: lobby line", "*** alice set the topic: first lobby topic", "*** alice set the topic: 로비 주제"]
    );
    carol.expect_line("*** topic: 로비 주제");
    carol.send_line("/rooms");
    carol.expect_lines(&[
        "*** rooms (4):",
        "*** #lobby (1): 로비 주제",
        "*** #chat (0)",
        "*** #dev (0): ship it",
        "*** #개발 (0): 배포 준비",
    ]);
    carol.send_line("/join #개발");
    let (replay, _) = until_welcome(&mut carol, "carol", Some("#개발"));
    assert_eq!(stamped_texts(&replay), ["#개발 *** alice set the topic: 배포 준비", "#개발 alice: said in #개발"]);
    carol.expect_line("#개발 *** topic: 배포 준비");
    // New lines continue after the old ids.
    let old = unstamp(&replay[1]).0.unwrap();
    carol.send_line("/stamps");
    carol.expect_line("*** stamps on");
    carol.send_line("after restart");
    let (id, text) = unstamp(&carol.next_line());
    assert_eq!(text, "#개발 carol: after restart");
    assert!(id.unwrap() > old);
}

/// Adds `count` lines said `age_days` ago to the default room, straight
/// into natterd's database (natterd not running), each `text_len` long.
/// Ids grow with time, as natterd's own would: old lines go in first.
/// `room` is the default room's value in `lines.room`, from [`seeded`].
fn insert_old(db: &Path, room: &Value, count: usize, age_days: i64, text_len: usize, word: &str) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let tx = conn.unchecked_transaction().unwrap();
    for i in 0..count {
        let text = format!("{word} {i} {}", "x".repeat(text_len));
        tx.execute(
            "INSERT INTO lines (room, time, kind, sender, text) VALUES (?1, ?2, 0, 'old', ?3)",
            rusqlite::params![room, now - age_days * 86_400 + i as i64, text],
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

/// A natterd database whose default room is kept (one line said, then
/// deleted), natterd stopped: old lines can be added with lower ids.
/// Returns how a line names the default room.
fn seeded(dir: &Path) -> Value {
    let mut server = start_in(dir, &[]);
    let (mut alice, _) = login(&server, "alice");
    let (mut bob, _) = login(&server, "bob");
    say_seen(&mut alice, &mut bob, &["seed"], None);
    server.signal("TERM");
    assert!(server.wait_exit(Duration::from_secs(10)).expect("stops").success());
    let conn = rusqlite::Connection::open(dir.join("natterd.db")).unwrap();
    let room: Value = conn.query_row("SELECT room FROM lines", [], |r| r.get(0)).unwrap();
    assert_eq!(conn.execute("DELETE FROM lines", []).unwrap(), 1);
    room
}

/// Says `recent` as alice on `server` and waits until bob heard it.
fn say_recent(server: &Server) {
    let (mut alice, _) = login(server, "alice");
    let (mut bob, _) = login(server, "bob");
    say_seen(&mut alice, &mut bob, &["recent"], None);
}

#[test]
fn lines_older_than_history_days_are_expired_in_slices_and_recent_ones_stay() {
    let dir = tempfile::tempdir().unwrap();
    let room = seeded(dir.path());
    let db = dir.path().join("natterd.db");
    // 700 lines 100 days old (more than one 200-line slice), 30 of 10 days.
    insert_old(&db, &room, 700, 100, 20, "ancient");
    insert_old(&db, &room, 30, 10, 20, "fresh");
    let server = start_in(dir.path(), &["--history-days", "90", "--history-replay", "0"]);
    say_recent(&server);
    let (mut bob, _) = login(&server, "carol");
    wait_for("the 100-day-old lines to expire", Duration::from_secs(15), || {
        ask(&mut bob, "/search ancient", None).is_empty()
    });
    let left = all_after(&mut bob, None, 0);
    let texts: Vec<&str> = left.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(texts.len(), 31, "{texts:?}");
    assert!(texts[..30].iter().all(|t| t.starts_with("old: fresh ")), "{texts:?}");
    assert_eq!(texts[30], "alice: recent");
    // Stamps carry the time the line was said, not the time it is read.
    let first = ask(&mut bob, "/history after 0 1", None);
    let said = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64 - 10 * 86_400;
    let day = hist::utc(said)[..10].to_string();
    assert!(first[0].starts_with(&format!("[{day}T")), "{first:?} not from {day}");
    // The search index lost them too, and kept the rest.
    assert_eq!(ask(&mut bob, "/search fresh", None).len(), 30);
    assert!(ask(&mut bob, "/search ancient", None).is_empty());
}

#[test]
fn history_max_mb_drops_the_oldest_lines_past_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let room = seeded(dir.path());
    let db = dir.path().join("natterd.db");
    // About 3 MB of text (more with the trigram index), a day old.
    insert_old(&db, &room, 3_000, 1, 1_000, "bulk");
    let size = |db: &Path| {
        let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        conn.query_row(
            "SELECT (page_count - freelist_count) * page_size FROM pragma_page_count, pragma_freelist_count, \
             pragma_page_size",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
    };
    assert!(size(&db) > 3 << 20, "the bulk insert is too small: {}", size(&db));
    let server = start_in(dir.path(), &["--history-max-mb", "1", "--history-replay", "0"]);
    say_recent(&server);
    let (mut bob, _) = login(&server, "carol");
    bob.send_line("/stamps");
    bob.expect_line("*** stamps on");
    let mut last = (0, String::new());
    wait_for("the store to shrink under 1 MiB", Duration::from_secs(20), || {
        let oldest = ask(&mut bob, "/history after 0 1", None);
        assert!(!oldest.is_empty(), "every line expired, the newest too (last oldest: {last:?})");
        let (id, text) = unstamp(&oldest[0]);
        last = (id.unwrap(), text);
        size(&db) <= 1 << 20
    });
    // The oldest went first; the newest stay.
    assert!(last.1.starts_with("old: bulk ") && last.1 != format!("old: bulk 0 {}", "x".repeat(1_000)), "{last:?}");
    let newest = ask(&mut bob, "/history before 9223372036854775807 2", None);
    assert_eq!(stamped_texts(&newest), [format!("old: bulk 2999 {}", "x".repeat(1_000)), "alice: recent".into()]);
    bob.send_line("still stored");
    assert_eq!(unstamp(&bob.next_line()).1, "carol: still stored");
}

#[test]
fn no_history_keeps_nothing_anywhere() {
    let home = tempfile::tempdir().unwrap();
    let server = Server::start_default_dir(&["--no-history"], |c| {
        c.env("HOME", home.path()).env("XDG_STATE_HOME", home.path().join("state")).env_remove("STATE_DIRECTORY");
    });
    let (mut alice, _) = login(&server, "alice");
    alice.send_line("said before");
    let (mut bob, replay) = login(&server, "bob");
    assert!(replay.is_empty(), "{replay:?}");
    alice.skip_until("*** bob joined", 2);
    bob.send_line("/history after 0");
    bob.expect_line("*** history unavailable");
    bob.send_line("/search said");
    bob.expect_line("*** history unavailable");
    drop(server);
    let left: Vec<_> = hist::walk(home.path());
    assert!(left.is_empty(), "--no-history created {left:?}");
}

#[test]
fn without_data_dir_history_goes_to_the_state_directory() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    // STATE_DIRECTORY (systemd) first, then XDG_STATE_HOME, then HOME.
    let cases: [(&[(&str, std::path::PathBuf)], std::path::PathBuf); 3] = [
        (&[("STATE_DIRECTORY", h.join("sd")), ("XDG_STATE_HOME", h.join("xdg"))], h.join("sd/natterd.db")),
        (&[("XDG_STATE_HOME", h.join("xdg"))], h.join("xdg/natterd/natterd.db")),
        (&[], h.join(".local/state/natterd/natterd.db")),
    ];
    for (env, db) in cases {
        let configure = |c: &mut std::process::Command| {
            c.env("HOME", h).env_remove("XDG_STATE_HOME").env_remove("STATE_DIRECTORY");
            for (k, v) in env {
                c.env(k, v);
            }
        };
        let mut server = Server::start_default_dir(&[], configure);
        let (mut alice, _) = login(&server, "alice");
        let (mut bob, _) = login(&server, "bob");
        say_seen(&mut alice, &mut bob, &[&format!("kept in {}", db.display())], None);
        server.signal("TERM");
        assert!(server.wait_exit(Duration::from_secs(10)).expect("stops").success());
        assert!(db.exists(), "no {}; files: {:?}", db.display(), hist::walk(h));
        let server = Server::start_default_dir(&[], configure);
        let (_carol, replay) = login(&server, "carol");
        assert_eq!(stamped_texts(&replay), [format!("alice: kept in {}", db.display())]);
    }
}

#[test]
fn a_damaged_search_index_is_set_aside_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut server = start_in(dir.path(), &[]);
        let (mut a, _) = login(&server, "a");
        let (mut b, _) = login(&server, "b");
        say_seen(&mut a, &mut b, &["회의는요 금요일", "release notes"], None);
        server.signal("TERM");
        assert!(server.wait_exit(Duration::from_secs(10)).unwrap().success());
    }
    let search_db = dir.path().join("search.db");
    assert!(search_db.exists(), "no search.db beside natterd.db");
    std::fs::write(&search_db, vec![0xa5u8; 8192]).unwrap();
    let _ = std::fs::remove_file(dir.path().join("search.db-wal"));
    let db = std::fs::read(dir.path().join("natterd.db")).unwrap();
    let server = start_in(dir.path(), &[]);
    let (mut c, replay) = login(&server, "c");
    assert_eq!(stamped_texts(&replay), ["a: 회의는요 금요일", "a: release notes"]);
    for (words, want) in
        [("회의는", "a: 회의는요 금요일"), ("회의", "a: 회의는요 금요일"), ("notes", "a: release notes")]
    {
        assert_eq!(stamped_texts(&ask(&mut c, &format!("/search {words}"), None)), [want], "{words}");
    }
    assert!(dir.path().join("search.db.broken").exists(), "the damaged index was not set aside");
    drop(server);
    let after = std::fs::read(dir.path().join("natterd.db")).unwrap();
    assert!(after.len() >= db.len(), "natterd.db shrank while the index was rebuilt");
}
