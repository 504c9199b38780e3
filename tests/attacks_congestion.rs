//! Congestion attacks from one address (issue 12): a reader that never
//! reads must not hold back anybody else's chat, and many such readers
//! must not pin the server's memory.
//!
//! Each test runs the attack against the real natterd on 127.0.0.1 for a
//! few seconds and checks what honest users see: how long their lines take,
//! that none is lost, and that the stalled readers are dropped as too slow.

// A failed unwrap here is a failed test, not a crash on input.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use common::{Client, Server, TIMEOUT};

/// Attacker connections, and private messages each sends per victim. The
/// issue's attack sent 30 per victim; here the kernel alone buffers about
/// 3 MB for a loopback victim before natterd queues anything, so each
/// victim is sent 4.8 MB, which flood control spreads over 3 s, to make
/// sure its queue in natterd passes the mark.
const ATTACKERS: usize = 8;
const MSGS_PER_VICTIM: usize = 150;
const MSG_BYTES: usize = 4000;
/// How often a fresh victim takes the place of the last one.
const ROUND: Duration = Duration::from_secs(3);
const ROUNDS: usize = 3;
/// Time between two probes of one honest client.
const PROBE_EVERY: Duration = Duration::from_millis(100);
/// Receive buffer of a victim: small, so what it does not read piles up in
/// natterd rather than in the kernel.
const VICTIM_RCVBUF: libc::c_int = 4096;

/// Honest p99 under attack at most: a debug natterd spends ~20 times the
/// CPU of a release one on the attackers' megabytes, which the honest
/// lines queue behind (a few ms in release; the old policy, which read
/// nobody while a victim was congested, gave p99 550 ms here).
const P99_BOUND: Duration = Duration::from_millis(if cfg!(debug_assertions) { 150 } else { 30 });

/// These tests measure latency and memory: one at a time.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The `q`-quantile of `samples` (sorted in place).
fn quantile(samples: &mut [Duration], q: f64) -> Duration {
    samples.sort();
    let i = ((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1;
    samples[i]
}

/// Round trips of room lines between `a` and `b`, one every
/// [`PROBE_EVERY`] each way, until `until` or `count` were timed. Lines
/// that are not the probe (joins, quits) are skipped and returned.
fn probe(a: &mut Client, b: &mut Client, count: usize, until: Instant) -> (Vec<Duration>, Vec<String>) {
    let mut times = Vec::new();
    let mut other = Vec::new();
    let mut seq = 0;
    while times.len() < count && Instant::now() < until {
        for turn in 0..2 {
            let (from, to) = if turn == 0 { (&mut *a, &mut *b) } else { (&mut *b, &mut *a) };
            seq += 1;
            let want = format!("{}: probe {seq}", from.label);
            let sent = Instant::now();
            from.send_line(&format!("probe {seq}"));
            loop {
                let line = to.next_line();
                if line == want {
                    break;
                }
                assert!(!line.contains(": probe "), "{}: probe out of order: {line:?}", to.label);
                other.push(line);
            }
            times.push(sent.elapsed());
            thread::sleep(PROBE_EVERY / 2);
        }
    }
    (times, other)
}

/// One attacker: for each round, 150 private messages of 4,000 bytes to
/// that round's victim, written as fast as the socket takes them.
fn attacker(mut w: TcpStream, stop: Arc<AtomicBool>, started: Instant) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let body = "x".repeat(MSG_BYTES);
        for round in 0..ROUNDS {
            // Writes block while natterd does not read us (flood control,
            // or our last victim's congestion): start a round no earlier
            // than its victim joins, maybe later.
            let due = started + ROUND * round as u32 + Duration::from_millis(50);
            thread::sleep(due.saturating_duration_since(Instant::now()));
            if stop.load(Ordering::Acquire) {
                return;
            }
            let mut batch = String::new();
            for _ in 0..MSGS_PER_VICTIM {
                batch.push_str(&format!("/msg v{round} {body}\n"));
            }
            if w.write_all(batch.as_bytes()).is_err() {
                return;
            }
        }
    })
}

/// The congestion attack of issue 12, hole 1: honest room latency with
/// and without it. Before the fix natterd read nobody's input while any
/// victim was congested: p50 202 ms under attack.
#[test]
fn private_floods_at_stalled_readers_do_not_slow_the_room() {
    let _serial = one_at_a_time();
    // Flood control off: since its budget belongs to the address, it
    // alone would hold these attackers to ~6 private messages a second and
    // no victim would ever congest. Here the congestion policy alone must
    // keep the room moving.
    let server = Server::start(&["--max-per-ip", "0", "--flood-rate", "0"]);
    // The honest users are elsewhere (127.0.0.2 and .3); the attackers and
    // their victims share 127.0.0.1, and so its flood budget.
    let mut alice = server.join_from([127, 0, 0, 2].into(), "alice");
    let mut bob = server.join_from([127, 0, 0, 3].into(), "bob");
    alice.expect_line("*** bob joined");

    let (mut quiet, _) = probe(&mut alice, &mut bob, 30, Instant::now() + TIMEOUT);
    let (quiet_p50, quiet_p99) = (quantile(&mut quiet, 0.5), quantile(&mut quiet, 0.99));

    let mut attackers: Vec<Client> = (0..ATTACKERS).map(|i| server.join(&format!("mallory{i}"))).collect();
    for i in 0..ATTACKERS {
        alice.expect_line(&format!("*** mallory{i} joined"));
        bob.expect_line(&format!("*** mallory{i} joined"));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let addr = server.addr;
    // Victims join one a round and never read; they are kept open here.
    let victims = thread::spawn(move || {
        let mut kept = Vec::new();
        for round in 0..ROUNDS {
            thread::sleep((started + ROUND * round as u32).saturating_duration_since(Instant::now()));
            let mut v = Client::connect_small_rcvbuf(addr, VICTIM_RCVBUF);
            v.join(&format!("v{round}"));
            kept.push(v);
        }
        kept
    });
    let threads: Vec<_> = attackers.iter().map(|a| attacker(a.writer(), Arc::clone(&stop), started)).collect();
    let attack_for = ROUND * ROUNDS as u32;
    let (mut loud, other) = probe(&mut alice, &mut bob, usize::MAX, started + attack_for);
    stop.store(true, Ordering::Release);
    for t in threads {
        t.join().unwrap();
    }
    let _victims = victims.join().unwrap();
    let (loud_p50, loud_p99) = (quantile(&mut loud, 0.5), quantile(&mut loud, 0.99));
    let quits: std::collections::BTreeSet<_> =
        other.iter().filter(|l| l.starts_with("*** v") && l.ends_with(" quit [too slow]")).collect();
    let dropped = quits.len();
    eprintln!(
        "honest probes: quiet p50 {quiet_p50:?} p99 {quiet_p99:?} ({} probes); under attack p50 {loud_p50:?} \
         p99 {loud_p99:?} max {:?} ({} probes); victims dropped as too slow: {dropped}",
        quiet.len(),
        loud.iter().max().unwrap(),
        loud.len()
    );
    assert!(loud.len() >= 40, "only {} probes in {attack_for:?}", loud.len());
    assert!(loud_p99 < P99_BOUND, "honest p99 {loud_p99:?} under attack");
    assert!(dropped >= ROUNDS - 1, "only {dropped} victims dropped as too slow: {other:?}");
    // The attackers were only held back, never cut off.
    let mallory = attackers.first_mut().unwrap();
    mallory.send_line("/msg alice still here");
    alice.skip_until("mallory0 (private): still here", 64);
}

/// Members that never read, each holding what the kernel will not take.
const STALLED: usize = 200;
/// `--max-output-total` for the memory test, and how far RSS may grow
/// past the idle server's: the budget and 12 MiB. Runs grow 8.5 to 12.2
/// MiB for the 8 MiB budget (debug build): while the budget is spent a line
/// for a stalled member drops it instead of growing its queue, and what is
/// left over is the allocator's holes until the trim after the drops. An
/// unlimited budget reaches 160 MiB here.
const BUDGET: u64 = 8 << 20;
const RSS_SLACK_KIB: u64 = BUDGET / 1024 + 12 * 1024;
/// The talker: 4,000-byte lines at 250 a second, within its flood limit.
const TALK_LINES: usize = 1500;
const TALK_RATE: u64 = 250;

/// Reads the talker's lines in order on another thread; returns the
/// `*** … quit …` notices seen among them.
fn read_talk(mut c: Client) -> thread::JoinHandle<(Client, Vec<String>)> {
    thread::spawn(move || {
        let mut quits = Vec::new();
        let mut seq = 0;
        while seq < TALK_LINES {
            let line = c.next_line();
            if line.starts_with("*** ") {
                if line.contains(" quit") {
                    quits.push(line);
                }
                continue;
            }
            assert_eq!(line, format!("talker: {seq:05} {}", "y".repeat(MSG_BYTES)), "{}: line {seq}", c.label);
            seq += 1;
        }
        (c, quits)
    })
}

/// Issue 12, memory one person can pin: members that never read may not
/// hold the server's memory past its output budget. The stalled ones are
/// dropped as too slow, largest and longest stalled first, and honest
/// readers still get every line.
#[test]
fn members_that_never_read_cannot_pin_memory_past_the_budget() {
    let _serial = one_at_a_time();
    let budget = BUDGET.to_string();
    let args = ["--max-per-ip", "0", "--max-output-total", &budget, "--flood-rate", "250", "--flood-burst", "250"];
    let server = Server::start(&args);
    let mut c = server.room(&["r1", "r2", "talker"]);
    let mut talker = c.pop().unwrap();
    let readers: Vec<_> = c.into_iter().map(read_talk).collect();
    let stalled: Vec<Client> = (0..STALLED)
        .map(|i| {
            let mut m = Client::connect_small_rcvbuf(server.addr, VICTIM_RCVBUF);
            m.join(&format!("m{i}"));
            m
        })
        .collect();
    let idle_kib = server.anon_kib();

    let mut w = talker.writer();
    let talk = thread::spawn(move || {
        let started = Instant::now();
        for seq in 0..TALK_LINES {
            // Pacing the talker within its flood limit, not synchronising.
            let due = started + Duration::from_micros(seq as u64 * 1_000_000 / TALK_RATE);
            thread::sleep(due.saturating_duration_since(Instant::now()));
            w.write_all(format!("{seq:05} {}\n", "y".repeat(MSG_BYTES)).as_bytes()).unwrap();
        }
    });
    let mut peak = 0;
    let deadline = Instant::now() + Duration::from_secs(30);
    while !readers.iter().all(|r| r.is_finished()) {
        peak = peak.max(server.anon_kib());
        assert!(Instant::now() < deadline, "the talk did not reach the readers within 30 s");
        thread::sleep(Duration::from_millis(20));
    }
    talk.join().unwrap();
    let mut quits = Vec::new();
    let mut kept = Vec::new();
    for r in readers {
        let (mut reader, seen) = r.join().unwrap();
        reader.expect_who(&["r1", "r2", "talker"]);
        quits = seen;
        kept.push(reader);
    }
    eprintln!(
        "{STALLED} stalled members, budget {} KiB: idle anonymous RSS {idle_kib} KiB, peak {peak} KiB, {} dropped",
        BUDGET / 1024,
        quits.len()
    );
    drop(stalled);
    let too_slow = quits.iter().filter(|q| q.starts_with("*** m") && q.ends_with(" quit [too slow]")).count();
    assert_eq!(too_slow, STALLED, "not every stalled member was dropped as too slow: {quits:?}");
    let bound = idle_kib + RSS_SLACK_KIB;
    assert!(peak < bound, "anonymous RSS peaked at {peak} KiB (idle {idle_kib} KiB) for a budget of {BUDGET} bytes");
    // The talker read nothing but the joins and quits meanwhile.
    talker.send_line("/who");
    talker.skip_until(&common::online(&["r1", "r2", "talker"]), 2 * STALLED);
}
