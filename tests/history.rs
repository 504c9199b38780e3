//! Stored history seen from outside: real natterd processes on SQLite
//! files in temporary directories. Replay on join (default room and
//! others, `--history-replay`), no gap and no duplicate at the join
//! boundary under a flood, `/history` paging, `/search` (Korean too),
//! and the course's raw client reading 1024 bytes at once.

#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/hist.rs"]
mod hist;

use std::io::{ErrorKind, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::TIMEOUT;
use hist::{ask, login, say_seen, stamped_texts, start_in, unstamp, until_welcome};

#[test]
fn joiners_get_the_newest_lines_oldest_first_then_the_welcome() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_in(dir.path(), &[]);
    let (mut alice, none) = login(&server, "alice");
    assert!(none.is_empty(), "a new database replays nothing: {none:?}");
    let (mut watcher, _) = login(&server, "watcher");
    alice.expect_line("*** watcher joined");
    let texts: Vec<String> = (1..=60).map(|i| format!("line {i}")).collect();
    say_seen(&mut alice, &mut watcher, &texts.iter().map(String::as_str).collect::<Vec<_>>(), None);
    alice.send_line("/me waves");
    watcher.expect_line("* alice waves");

    // Default: the newest 50, oldest first, stamped with rising ids.
    let (_bob, replay) = login(&server, "bob");
    let mut want: Vec<String> = (12..=60).map(|i| format!("alice: line {i}")).collect();
    want.push("* alice waves".into());
    assert_eq!(stamped_texts(&replay), want);
    let ids: Vec<u64> = replay.iter().map(|l| unstamp(l).0.unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids not rising: {ids:?}");
    watcher.expect_line("*** bob joined");

    // Another room: tagged, its own lines only, topic change included.
    alice.send_line("/join #dev");
    until_welcome(&mut alice, "alice", Some("#dev"));
    alice.send_line("/topic ship it");
    alice.expect_line("#dev *** alice set the topic: ship it");
    alice.send_line("in dev");
    alice.send_line("/me codes");
    alice.send_line("/topic");
    alice.expect_line("#dev *** topic: ship it");
    watcher.send_line("/join #dev");
    let (replay, _) = until_welcome(&mut watcher, "watcher", Some("#dev"));
    assert_eq!(
        stamped_texts(&replay),
        ["#dev *** alice set the topic: ship it", "#dev alice: in dev", "#dev * alice codes"]
    );
    watcher.expect_line("#dev *** topic: ship it");
    // Private messages and join notices are not stored.
    alice.send_line("/msg watcher secret");
    watcher.expect_line("alice (private): secret");
    let (_carol, replay) = login(&server, "carol");
    assert_eq!(replay.len(), 50);
    assert!(replay.iter().all(|l| !l.contains("secret") && !l.contains("joined")), "{replay:?}");
}

#[test]
fn history_replay_zero_sends_none_and_five_sends_the_newest_five() {
    for (replay_len, want) in [("0", 0usize), ("5", 5)] {
        let dir = tempfile::tempdir().unwrap();
        let server = start_in(dir.path(), &["--history-replay", replay_len]);
        let (mut alice, _) = login(&server, "alice");
        alice.send_line("/stamps");
        alice.expect_line("*** stamps on");
        for i in 1..=12 {
            alice.send_line(&format!("n{i}"));
            let (id, text) = unstamp(&alice.next_line());
            assert!(id.is_some());
            assert_eq!(text, format!("alice: n{i}"));
        }
        alice.send_line("/join #dev");
        alice.send_line("in dev");
        let (replay, _) = until_welcome(&mut alice, "alice", Some("#dev"));
        assert!(replay.is_empty(), "a new room has no history: {replay:?}");
        assert_eq!(unstamp(&alice.next_line()).1, "#dev alice: in dev");
        let (mut bob, replay) = login(&server, "bob");
        let expected: Vec<String> = (13 - want..=12).map(|i| format!("alice: n{i}")).collect();
        assert_eq!(stamped_texts(&replay), expected[expected.len() - want..], "--history-replay {replay_len}");
        bob.send_line("/join #dev");
        let (replay, _) = until_welcome(&mut bob, "bob", Some("#dev"));
        assert_eq!(replay.len(), want.min(1), "--history-replay {replay_len} in #dev: {replay:?}");
        // Lines are stored either way: paging still finds them.
        assert_eq!(ask(&mut bob, "/history #lobby after 0 200", None).len(), 12);
    }
}

/// One joiner's view of a flood of `flooder: N` lines.
fn check_boundary(who: &str, replay: &[String], live: &[u64], replay_len: usize, tag: &str, flooder: &str, total: u64) {
    let prefix = format!("{tag}{flooder}: ");
    let replayed: Vec<u64> = stamped_texts(replay)
        .iter()
        .map(|t| t.strip_prefix(&prefix).unwrap_or_else(|| panic!("{who}: odd replay {t:?}")).parse().unwrap())
        .collect();
    assert!(replayed.windows(2).all(|w| w[1] == w[0] + 1), "{who}: replay not contiguous: {replayed:?}");
    let first_live = replayed.last().map_or(0, |&n| n + 1);
    if let Some(&last) = replayed.last() {
        assert!(replayed.len() == replay_len || replayed[0] == 0, "{who}: short replay {replayed:?}");
        assert!(last + 1 >= replayed.len() as u64);
    }
    if live.is_empty() {
        // Joined between the last number and END: the replay ends with it.
        assert_eq!(replayed.last().map(|&n| n + 1), Some(total), "{who}: no live lines");
        return;
    }
    assert_eq!(live.first().copied(), Some(first_live), "{who}: gap or duplicate after replay {:?}", replayed.last());
    assert!(live.windows(2).all(|w| w[1] == w[0] + 1), "{who}: live lines not contiguous: {live:?}");
}

#[test]
fn no_gap_and_no_duplicate_at_the_join_boundary_under_a_flood() {
    const TOTAL: u64 = 5_000;
    const REPLAY: usize = 20;
    let dir = tempfile::tempdir().unwrap();
    let server = start_in(dir.path(), &["--history-replay", "20"]);
    // At login into the default room, then by /join into another room.
    for (room, flooder_name) in [(None, "fa"), (Some("#flood"), "fb")] {
        let tag = room.map_or(String::new(), |r| format!("{r} "));
        let (mut flooder, _) = login(&server, flooder_name);
        if let Some(room) = room {
            flooder.send_line(&format!("/join {room}"));
            until_welcome(&mut flooder, flooder_name, Some(room));
        }
        let mut writer = flooder.writer();
        let done = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&done);
        let say = move |text: &str| match room {
            Some(r) => format!("/say {r} {text}\n"),
            None => format!("{text}\n"),
        };
        let sender = thread::spawn(move || {
            use std::io::Write;
            let mut n = 0;
            while n < TOTAL {
                let mut batch = String::new();
                for _ in 0..20 {
                    batch.push_str(&say(&n.to_string()));
                    n += 1;
                }
                writer.write_all(batch.as_bytes()).unwrap();
                thread::sleep(Duration::from_millis(2));
            }
            writer.write_all(say("END").as_bytes()).unwrap();
            flag.store(true, Ordering::SeqCst);
        });
        // The flooder's own socket is drained so natterd never drops it.
        let _drain = thread::spawn(move || while flooder.try_line(Duration::from_secs(30)).is_ok() {});
        let mut seed =
            (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64) | 1;
        let mut joiners = Vec::new();
        let mut i = 0;
        while !done.load(Ordering::SeqCst) && i < 24 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            // Random moments, not synchronisation: where each join lands.
            thread::sleep(Duration::from_millis(seed % 40));
            let name = format!("{flooder_name}{i}");
            let addr = server.addr;
            let tag = tag.clone();
            let prefix = format!("{tag}{flooder_name}: ");
            joiners.push(thread::spawn(move || {
                let mut c = common::Client::connect(addr);
                c.label = name.clone();
                c.send_line(&name);
                let (mut replay, _) = until_welcome(&mut c, &name, None);
                if let Some(room) = room {
                    c.send_line(&format!("/join {room}"));
                    replay = until_welcome(&mut c, &name, Some(room)).0;
                    // Default-room notices (others joining) may come first.
                    replay.retain(|l| l.starts_with(room));
                }
                let mut live = Vec::new();
                if replay.iter().any(|l| l.ends_with(": END")) {
                    return (name, replay, live);
                }
                while live.len() < 300 {
                    let line = c.next_line();
                    match line.strip_prefix(&prefix) {
                        Some("END") => break,
                        Some(n) => live.push(n.parse::<u64>().unwrap()),
                        None => {}
                    }
                }
                (name, replay, live)
            }));
            i += 1;
        }
        sender.join().unwrap();
        let mut checked = 0;
        for j in joiners {
            let (name, replay, live) = j.join().unwrap();
            if replay.iter().any(|l| l.ends_with(": END")) {
                continue; // joined after the very last line
            }
            check_boundary(&name, &replay, &live, REPLAY, &tag, flooder_name, TOTAL);
            checked += 1;
        }
        assert!(checked >= 5, "only {checked} joiners landed during the flood");
        eprintln!("{flooder_name}: {checked} joiners checked");
    }
}

#[test]
fn history_pages_both_ways_within_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_in(dir.path(), &[]);
    let (mut alice, _) = login(&server, "alice");
    alice.send_line("/stamps");
    alice.expect_line("*** stamps on");
    let mut ids = Vec::new();
    for i in 0..250 {
        alice.send_line(&format!("p{i}"));
        let (id, text) = unstamp(&alice.next_line());
        assert_eq!(text, format!("alice: p{i}"));
        ids.push(id.unwrap());
    }
    let texts = |page: Vec<String>| stamped_texts(&page);
    let p = |range: std::ops::Range<usize>| range.map(|i| format!("alice: p{i}")).collect::<Vec<_>>();
    assert_eq!(texts(ask(&mut alice, &format!("/history before {} 3", ids[10]), None)), p(7..10));
    assert_eq!(texts(ask(&mut alice, &format!("/history after {} 3", ids[10]), None)), p(11..14));
    // Default page 50; at most 200; N 0 still gives one line.
    assert_eq!(texts(ask(&mut alice, &format!("/history before {}", ids[100]), None)), p(50..100));
    assert_eq!(texts(ask(&mut alice, "/history after 0 1000", None)), p(0..200));
    assert_eq!(texts(ask(&mut alice, &format!("/history after {} 0", ids[5]), None)), p(6..7));
    // A search answers the newest 50 matches, oldest first.
    let want: Vec<String> =
        (0..250).filter(|i| i.to_string().starts_with('1')).map(|i| format!("alice: p{i}")).collect();
    assert_eq!(texts(ask(&mut alice, "/search p1", None)), want[want.len() - 50..]);
    // Bounds: nothing before the first line or after the last.
    assert!(ask(&mut alice, &format!("/history before {}", ids[0]), None).is_empty());
    assert!(ask(&mut alice, &format!("/history after {}", ids[249]), None).is_empty());
    assert_eq!(texts(ask(&mut alice, &format!("/history before {} 2", i64::MAX), None)), p(248..250));
    // Only this room's lines; another room pages its own.
    alice.send_line("/join #dev");
    until_welcome(&mut alice, "alice", Some("#dev"));
    alice.send_line("dev line");
    alice.next_line();
    assert_eq!(stamped_texts(&ask(&mut alice, "/history after 0", Some("#dev"))), ["#dev alice: dev line"]);
    assert_eq!(stamped_texts(&ask(&mut alice, "/history #lobby before 9223372036854775807 1", None)), p(249..250));
    // A room not joined, and bad syntax, are errors.
    alice.send_line("/history #elsewhere after 0");
    alice.expect_line("*** error: not in room: #elsewhere");
    alice.send_line("/history sideways 3");
    assert!(alice.next_line().starts_with("*** error: usage: /history"), "usage expected");
}

#[test]
fn history_before_the_largest_cursor_gives_the_newest_lines() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_in(dir.path(), &[]);
    let (mut alice, _) = login(&server, "alice");
    let (mut bob, _) = login(&server, "bob");
    say_seen(&mut alice, &mut bob, &["first", "second"], None);
    // The cursor takes any u64; the largest must mean "from the newest".
    let page = ask(&mut bob, &format!("/history before {} 1", u64::MAX), None);
    assert_eq!(stamped_texts(&page), ["alice: second"]);
    let page = ask(&mut bob, &format!("/history after {} 1", u64::MAX), None);
    assert!(page.is_empty(), "{page:?}");
}

#[test]
fn search_finds_english_and_korean_words_only_in_joined_rooms() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_in(dir.path(), &[]);
    let (mut alice, _) = login(&server, "alice");
    let (mut bob, _) = login(&server, "bob");
    alice.expect_line("*** bob joined");
    say_seen(&mut alice, &mut bob, &["release on Friday", "회의는요 언제예요?", "nothing here"], None);
    alice.send_line("/me 회의실 예약");
    bob.expect_line("* alice 회의실 예약");
    let found = |c: &mut common::Client, q: &str| stamped_texts(&ask(c, q, None));
    assert_eq!(found(&mut bob, "/search friday"), ["alice: release on Friday"]);
    assert_eq!(found(&mut bob, "/search release Friday"), ["alice: release on Friday"]);
    assert_eq!(found(&mut bob, "/search 회의는"), ["alice: 회의는요 언제예요?"]);
    assert_eq!(found(&mut bob, "/search 회의"), ["alice: 회의는요 언제예요?", "* alice 회의실 예약"]);
    assert!(found(&mut bob, "/search absent").is_empty());
    // Another room: found only there, and only by its members.
    alice.send_line("/join #dev");
    until_welcome(&mut alice, "alice", Some("#dev"));
    alice.send_line("회의는 3시");
    assert_eq!(stamped_texts(&ask(&mut alice, "/search #dev 회의는", Some("#dev"))), ["#dev alice: 회의는 3시"]);
    bob.send_line("/search #dev 회의는");
    bob.expect_line("*** error: not in room: #dev");
    bob.send_line("/search #nowhere x");
    bob.expect_line("*** error: not in room: #nowhere");

    // The same answers once the worker has indexed the lines (search.db,
    // a second after storing): the trigram path, not the scan of new lines.
    let search_db = dir.path().join("search.db");
    hist::wait_for("the search index to catch up", TIMEOUT, || {
        let Ok(conn) = rusqlite::Connection::open_with_flags(&search_db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        else {
            return false;
        };
        let indexed: rusqlite::Result<i64> = conn.query_row("SELECT v FROM meta WHERE k = 'indexed'", [], |r| r.get(0));
        indexed.is_ok_and(|n| n >= 5)
    });
    assert_eq!(found(&mut bob, "/search friday"), ["alice: release on Friday"]);
    assert_eq!(found(&mut bob, "/search 회의는"), ["alice: 회의는요 언제예요?"]);
    assert_eq!(found(&mut bob, "/search 회의"), ["alice: 회의는요 언제예요?", "* alice 회의실 예약"]);
    assert_eq!(stamped_texts(&ask(&mut alice, "/search #dev 회의는", Some("#dev"))), ["#dev alice: 회의는 3시"]);
}

#[test]
fn stamps_mark_own_echoes_and_live_lines_with_the_time_and_rising_ids() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_in(dir.path(), &[]);
    let (mut alice, _) = login(&server, "alice");
    let (mut bob, _) = login(&server, "bob");
    alice.expect_line("*** bob joined");
    alice.send_line("/stamps");
    alice.expect_line("*** stamps on");
    let before = time::OffsetDateTime::now_utc().unix_timestamp();
    alice.send_line("mine");
    bob.expect_line("alice: mine"); // bob did not ask: plain, no echo
    bob.send_line("yours");
    bob.send_line("/me nods");
    let got: Vec<String> = (0..3).map(|_| alice.next_line()).collect();
    let after = time::OffsetDateTime::now_utc().unix_timestamp();
    let parsed: Vec<(Option<u64>, String)> = got.iter().map(|l| unstamp(l)).collect();
    assert_eq!(
        parsed.iter().map(|p| p.1.as_str()).collect::<Vec<_>>(),
        ["alice: mine", "bob: yours", "* bob nods"],
        "{got:?}"
    );
    let ids: Vec<u64> = parsed.iter().map(|p| p.0.expect("stamped")).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    // The stamp is the server's UTC time of the line.
    let times: Vec<String> = (before - 1..=after + 1).map(|t| format!("[{} ", hist::utc(t))).collect();
    for line in &got {
        assert!(times.iter().any(|t| line.starts_with(t.as_str())), "{line:?} not stamped now ({times:?})");
    }
    // Notices are never stamped.
    let (_carol, _) = login(&server, "carol");
    alice.expect_line("*** carol joined");
}

#[test]
fn a_raw_client_gets_replay_and_welcome_in_one_valid_utf8_read() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_in(dir.path(), &[]);
    let (mut alice, _) = login(&server, "alice");
    alice.send_line("/stamps");
    alice.expect_line("*** stamps on");
    // The welcome comes with the topic: both count against the one read.
    let topic = "이번 주 회의 일정과 배포 준비 상황을 공유합니다 ".repeat(4);
    alice.send_line(&format!("/topic {topic}"));
    alice.next_line();
    for i in 0..60 {
        // 3-byte characters at odd offsets, so a cut read splits one.
        alice.send_line(&format!("{i} 안녕하세요 오늘 회의는 몇 시에 시작하나요 {}", "가".repeat(i % 7)));
        alice.next_line();
    }
    let mut raw = server.connect();
    raw.send_raw(b"carol");
    // The course client: recv(1024), each read decoded on its own.
    let mut reads: Vec<Vec<u8>> = Vec::new();
    let deadline = Instant::now() + TIMEOUT;
    let welcome_at = loop {
        let mut buf = [0u8; 1024];
        raw.stream.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        match raw.stream.read(&mut buf) {
            Ok(0) => panic!("closed before the welcome"),
            Ok(n) => reads.push(buf[..n].to_vec()),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => panic!("read: {e}"),
        }
        assert!(Instant::now() < deadline, "no welcome in {reads:?}");
        if let Some(i) = reads.iter().position(|r| String::from_utf8_lossy(r).contains("*** topic: ")) {
            break i;
        }
    };
    for (i, r) in reads.iter().enumerate() {
        assert!(std::str::from_utf8(r).is_ok(), "read {i} is not valid UTF-8 on its own: {r:?}");
    }
    assert_eq!(welcome_at, 0, "replay, welcome and topic took {} reads", reads.len());
    let first = std::str::from_utf8(&reads[0]).unwrap();
    assert!(first.len() <= 1024 && first.ends_with('\n'), "{first:?}");
    let lines: Vec<String> = first.lines().map(str::to_string).collect();
    let (welcome, replay) = lines[..lines.len() - 1].split_last().unwrap();
    assert!(welcome.starts_with("*** welcome carol, online (2)"), "{welcome:?}");
    assert_eq!(lines.last().unwrap(), &format!("*** topic: {}", topic.trim_end()));
    assert!(!replay.is_empty(), "a raw client still gets what fits");
    // The newest lines that fit, oldest first, ending with the last one said.
    let texts = stamped_texts(replay);
    let numbers: Vec<usize> =
        texts.iter().map(|t| t.strip_prefix("alice: ").unwrap().split(' ').next().unwrap().parse().unwrap()).collect();
    assert_eq!(numbers.last(), Some(&59));
    assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "{numbers:?}");
    // And the next read is the next live line, whole.
    alice.skip_until("*** carol joined", 2);
    alice.send_line("회의는 3시");
    let mut buf = [0u8; 1024];
    raw.stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    let n = raw.stream.read(&mut buf).unwrap();
    assert_eq!(std::str::from_utf8(&buf[..n]).unwrap(), "alice: 회의는 3시\n");
}
