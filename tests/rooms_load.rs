//! Rooms under load (issue 14): numbered lines in several rooms at once
//! arrive complete and in order, in the right rooms only; one member that
//! stops reading holds back nobody in its room or any other.

// A failed unwrap here is a failed test, not a crash on input.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use common::{Client, Server, TIMEOUT};

/// Rooms, clients and lines per sender and room in the order test. Client
/// `i` is in `#r{i % ROOMS}` and `#r{(i + 1) % ROOMS}`, so each room has
/// four members and shares two of them with each neighbour.
const ROOMS: usize = 4;
const CLIENTS: usize = 8;
const LINES: usize = 300;

/// The latency test measures against an idle baseline: nothing else of
/// this file runs beside it.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn rooms_of(i: usize) -> [String; 2] {
    [format!("#r{}", i % ROOMS), format!("#r{}", (i + 1) % ROOMS)]
}

fn text(seq: usize) -> String {
    format!("{seq} {}", "p".repeat(seq % 89))
}

#[test]
fn numbered_lines_in_several_rooms_arrive_complete_in_order_and_only_there() {
    let _serial = one_at_a_time();
    let server = Server::start_bulk(&[]);
    let names: Vec<String> = (0..CLIENTS).map(|i| format!("c{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut clients = server.room(&refs);
    for (i, c) in clients.iter_mut().enumerate() {
        for room in rooms_of(i) {
            c.send_line(&format!("/join {room}"));
            let line = c.next_line();
            assert!(line.starts_with(&format!("{room} *** welcome c{i}, online (")), "{line:?}");
        }
    }
    // Everyone has its joined notices queued before the answer to this.
    for c in clients.iter_mut() {
        c.send_line("/sync");
        c.skip_until("*** error: unknown command /sync", 8);
    }

    let threads: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(i, mut c)| {
            thread::spawn(move || {
                let [first, _] = rooms_of(i);
                let mut w = c.writer();
                // Alternately /say into the first room and plain lines,
                // which go to the current room: the second one joined.
                let writer = thread::spawn(move || {
                    let mut batch = String::new();
                    for seq in 0..LINES {
                        batch.push_str(&format!("/say {first} {}\n{}\n", text(seq), text(seq)));
                        if seq % 25 == 24 {
                            w.write_all(batch.as_bytes()).unwrap();
                            batch.clear();
                        }
                    }
                    w.write_all(batch.as_bytes()).unwrap();
                });
                let mine = rooms_of(i);
                // Next seq expected per (room, sender).
                let mut next: HashMap<(String, String), usize> = HashMap::new();
                for (j, other) in (0..CLIENTS).map(|j| (j, rooms_of(j))) {
                    for room in other.iter().filter(|r| mine.contains(r)) {
                        if j != i {
                            next.insert((room.clone(), format!("c{j}")), 0);
                        }
                    }
                }
                let expected = next.len() * LINES;
                for _ in 0..expected {
                    let line = c.next_line();
                    let (room, rest) = line.split_once(' ').unwrap();
                    let (from, body) = rest.split_once(": ").unwrap_or_else(|| panic!("c{i}: odd {line:?}"));
                    let slot = next
                        .get_mut(&(room.to_string(), from.to_string()))
                        .unwrap_or_else(|| panic!("c{i}: a line it should not get: {line:?}"));
                    assert!(*slot < LINES, "c{i}: extra line {line:?}");
                    assert_eq!(body, text(*slot), "c{i}: {room} from {from}, expected line {}", *slot);
                    *slot += 1;
                }
                writer.join().unwrap();
                c
            })
        })
        .collect();
    let mut clients: Vec<Client> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    // Nothing extra came after the numbered lines.
    for c in clients.iter_mut() {
        c.sync();
    }
}

/// Probe round trips per phase, and the pause between two.
const PROBES: usize = 40;
const PROBE_EVERY: Duration = Duration::from_millis(25);
/// The talker in #a: 4,000-byte lines at 1,000 a second, 8 MB in all,
/// well past what the kernel and natterd's 1 MiB cap hold for a member
/// that does not read.
const TALK_LINES: usize = 2000;
const TALK_BYTES: usize = 4000;
const TALK_RATE: u64 = 1000;
/// Receive buffer of the member that stops reading.
const SLOW_RCVBUF: libc::c_int = 4096;

/// A bystander: its client, and what it saw besides probes.
struct Bystander {
    c: Client,
    /// Next talker line expected (members of #a only).
    next_talk: usize,
    quits: Vec<String>,
}

impl Bystander {
    /// Takes in a line that is not the awaited probe.
    fn absorb(&mut self, line: String) {
        if let Some(body) = line.strip_prefix("#a talker: ") {
            assert_eq!(body, talk(self.next_talk), "{}: talker line {}", self.c.label, self.next_talk);
            self.next_talk += 1;
        } else if line.starts_with("*** ") && line.contains(" quit") {
            self.quits.push(line);
        } else {
            panic!("{}: unexpected {line:?}", self.c.label);
        }
    }

    /// Reads until `want`, absorbing everything before it.
    fn await_line(&mut self, want: &str) {
        loop {
            let line = self.c.next_line();
            if line == want {
                return;
            }
            self.absorb(line);
        }
    }
}

fn talk(seq: usize) -> String {
    format!("{seq:05} {}", "y".repeat(TALK_BYTES))
}

/// One round trip in each direction between two members of `room`.
fn probe(a: &mut Bystander, b: &mut Bystander, room: &str, seq: usize, times: &mut Vec<Duration>) {
    for turn in 0..2 {
        let (from, to) = if turn == 0 { (&mut *a, &mut *b) } else { (&mut *b, &mut *a) };
        let sent = Instant::now();
        from.c.send_line(&format!("probe {seq}"));
        to.await_line(&format!("{room} {}: probe {seq}", from.c.label));
        times.push(sent.elapsed());
    }
}

fn p99(times: &mut [Duration]) -> Duration {
    times.sort();
    times[(times.len() * 99).div_ceil(100) - 1]
}

#[test]
fn one_member_that_stops_reading_holds_back_nobody() {
    let _serial = one_at_a_time();
    let server = Server::start_bulk(&[]);
    let mut by: Vec<Bystander> = ["a1", "a2", "b1", "b2"]
        .iter()
        .map(|n| Bystander { c: server.join(n), next_talk: 0, quits: Vec::new() })
        .collect();
    let mut talker = server.join("talker");
    let mut slow = Client::connect_small_rcvbuf(server.addr, SLOW_RCVBUF);
    slow.join("slow");
    // One join at a time, each awaited, so every notice is queued before
    // the round trips below.
    let join = |c: &mut Client, room: &str| {
        c.send_line(&format!("/join {room}"));
        let want = format!("{room} *** welcome {}", c.label);
        // Lobby notices of those who came after c may come first.
        let mut line = c.next_line();
        while line.starts_with("*** ") && line.ends_with(" joined") {
            line = c.next_line();
        }
        assert!(line.starts_with(&want), "{}: expected {want:?}…, got {line:?}", c.label);
    };
    for (i, room) in ["#a", "#a", "#b", "#b"].iter().enumerate() {
        join(&mut by[i].c, room);
    }
    join(&mut talker, "#a");
    join(&mut slow, "#a");
    for c in by.iter_mut().map(|b| &mut b.c).chain([&mut talker]) {
        c.send_line("/sync");
        c.skip_until("*** error: unknown command /sync", 12);
    }
    let (a, b) = by.split_at_mut(2);
    let [a1, a2] = a else { unreachable!() };
    let [b1, b2] = b else { unreachable!() };

    // Idle baseline, same server, same clients.
    let (mut idle_a, mut idle_b) = (Vec::new(), Vec::new());
    for seq in 0..PROBES {
        probe(a1, a2, "#a", seq, &mut idle_a);
        probe(b1, b2, "#b", seq, &mut idle_b);
        thread::sleep(PROBE_EVERY);
    }

    // slow reads nothing more; talker talks.
    let done = Arc::new(AtomicBool::new(false));
    let mut w = talker.writer();
    let talk_done = Arc::clone(&done);
    let talk_thread = thread::spawn(move || {
        let started = Instant::now();
        for seq in 0..TALK_LINES {
            // Pacing the talker, not synchronising.
            let due = started + Duration::from_micros(seq as u64 * 1_000_000 / TALK_RATE);
            thread::sleep(due.saturating_duration_since(Instant::now()));
            w.write_all(format!("{}\n", talk(seq)).as_bytes()).unwrap();
        }
        talk_done.store(true, Ordering::Release);
    });
    let (mut busy_a, mut busy_b) = (Vec::new(), Vec::new());
    let mut seq = PROBES;
    while !done.load(Ordering::Acquire) || seq < 2 * PROBES {
        probe(a1, a2, "#a", seq, &mut busy_a);
        probe(b1, b2, "#b", seq, &mut busy_b);
        seq += 1;
        thread::sleep(PROBE_EVERY);
        assert!(seq < 20 * PROBES, "the talker never finished");
    }
    talk_thread.join().unwrap();
    // Every talker line reached both bystanders in #a, in order, and the
    // slow member was dropped as too slow; #b saw the quit and no talk.
    let quit = "*** slow quit [too slow]";
    let deadline = Instant::now() + TIMEOUT;
    for m in [&mut *a1, &mut *a2, &mut *b1, &mut *b2] {
        while (m.c.label.starts_with('a') && m.next_talk < TALK_LINES) || !m.quits.iter().any(|q| q == quit) {
            assert!(Instant::now() < deadline, "{}: {} talker lines, quits {:?}", m.c.label, m.next_talk, m.quits);
            let line = m.c.next_line();
            m.absorb(line);
        }
        assert_eq!(m.quits, [quit], "{}", m.c.label);
        m.c.sync();
    }
    assert_eq!((b1.next_talk, b2.next_talk), (0, 0));
    // And it is no longer a member of #a.
    a1.c.send_line("/who #a");
    a1.c.expect_line("#a *** online (3): a1, a2, talker");
    drop(slow);

    let (ia, ib, ba, bb) = (p99(&mut idle_a), p99(&mut idle_b), p99(&mut busy_a), p99(&mut busy_b));
    eprintln!(
        "p99 idle #a {ia:?} #b {ib:?}; with a stalled member in #a: #a {ba:?} #b {bb:?} ({} probes)",
        busy_a.len()
    );
    let slack = Duration::from_millis(50);
    assert!(ba < ia + slack, "#a p99 {ba:?} vs idle {ia:?}");
    assert!(bb < ib + slack, "#b p99 {bb:?} vs idle {ib:?}");
}

/// A room whose only member is dropped as too slow goes with it.
#[test]
fn a_room_left_empty_by_a_too_slow_member_is_gone() {
    let _serial = one_at_a_time();
    let server = Server::start_bulk(&[]);
    let mut talker = server.join("talker");
    let mut solo = Client::connect_small_rcvbuf(server.addr, SLOW_RCVBUF);
    solo.join("solo");
    talker.expect_line("*** solo joined");
    solo.send_line("/join #solo");
    solo.expect_line("#solo *** welcome solo, online (1): solo");
    // The lobby talk solo never reads: 12 MB, past the kernel's buffers
    // and natterd's cap.
    let mut w = talker.writer();
    let talk = thread::spawn(move || {
        for seq in 0..3 * TALK_LINES / 2 {
            if w.write_all(format!("{}\n", talk(seq)).as_bytes()).is_err() {
                return;
            }
        }
    });
    talker.expect_line("*** solo quit [too slow]");
    talk.join().unwrap();
    talker.send_line("/rooms");
    talker.expect_lines(&["*** rooms (1):", "*** #lobby (1)"]);
}
