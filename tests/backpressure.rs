//! A client that stops reading is dropped once its queue passes
//! --max-queue; everybody else keeps getting every line promptly and the
//! server's memory stays bounded.

// A failed unwrap here is a failed test, not a crash on input.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use common::{Client, Server, TIMEOUT};

const LINE_BYTES: usize = 1000; // newline included
const FLOOD_LINES: usize = 20 * 1024; // 20 MB in all
const BATCH: usize = 64; // lines per write
const QUIT: &str = "*** slow quit [too slow]";
const MAX_RSS_KIB: u64 = 64 * 1024;

/// These tests measure memory and latency: run them one at a time so they
/// do not skew each other's numbers on a two-core machine.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn flood_line(seq: usize) -> String {
    let head = format!("{seq:06} ");
    format!("{head}{}", "x".repeat(LINE_BYTES - 1 - head.len()))
}

/// What a reading client saw of the flood.
struct Seen {
    client: Client,
    longest_gap: Duration,
    /// How many flood lines came before `*** slow quit [too slow]`.
    quit_at: Option<usize>,
}

/// Reads the whole flood in order on another thread, counting progress in
/// `progress` and timing the longest wait between two lines. With `rate`
/// (bytes per second) it reads no faster than that, like a slow link.
fn read_flood(mut client: Client, lines: usize, progress: Arc<AtomicUsize>, rate: Option<u64>) -> JoinHandle<Seen> {
    thread::spawn(move || {
        let started = Instant::now();
        let mut longest_gap = Duration::ZERO;
        let mut last = Instant::now();
        let mut quit_at = None;
        let mut seq = 0;
        while seq < lines {
            let line = client.next_line();
            let now = Instant::now();
            longest_gap = longest_gap.max(now - last);
            last = now;
            if line == QUIT {
                assert!(quit_at.is_none(), "{}: slow quit twice", client.label);
                quit_at = Some(seq);
                continue;
            }
            assert_eq!(line, format!("fast: {}", flood_line(seq)), "{}: flood line {seq} wrong", client.label);
            seq += 1;
            progress.store(seq, Ordering::Release);
            if let Some(rate) = rate {
                let due = Duration::from_secs_f64((seq * LINE_BYTES) as f64 / rate as f64);
                if let Some(ahead) = due.checked_sub(started.elapsed()) {
                    thread::sleep(ahead);
                }
                last = Instant::now(); // our own pauses are not the server's gaps
            }
        }
        Seen { client, longest_gap, quit_at }
    })
}

/// Writes the flood; with `window`, never more than that many lines ahead
/// of what the reader has received (a sender that is fast, but not faster
/// than the people reading it).
fn send_flood(mut w: TcpStream, lines: usize, window: Option<(usize, Arc<AtomicUsize>)>) -> JoinHandle<()> {
    thread::spawn(move || {
        let mut batch = Vec::with_capacity(BATCH * LINE_BYTES);
        for start in (0..lines).step_by(BATCH) {
            if let Some((window, progress)) = &window {
                let deadline = Instant::now() + TIMEOUT;
                while progress.load(Ordering::Acquire) + window < start + BATCH {
                    assert!(Instant::now() < deadline, "the reader made no progress for {TIMEOUT:?}");
                    thread::sleep(Duration::from_millis(1));
                }
            }
            batch.clear();
            for seq in start..start + BATCH {
                batch.extend_from_slice(flood_line(seq).as_bytes());
                batch.push(b'\n');
            }
            w.write_all(&batch).expect("fast: write");
        }
    })
}

/// Samples the server's anonymous RSS (what queues hold) until `reader` finishes; returns the peak.
fn peak_rss_while(server: &Server, reader: &JoinHandle<Seen>) -> u64 {
    let started = Instant::now();
    let mut peak = 0;
    while !reader.is_finished() {
        peak = peak.max(server.anon_kib());
        assert!(started.elapsed() < Duration::from_secs(40), "the flood did not finish in 40 s");
        thread::sleep(Duration::from_millis(20));
    }
    peak
}

/// After the flood: the slow client was dropped and got an in-order prefix.
fn check_slow_got_a_prefix_then_close(slow: &mut Client) {
    let got = slow.read_to_close(TIMEOUT);
    let text = String::from_utf8(got).expect("UTF-8");
    let mut lines: Vec<&str> = text.split('\n').collect();
    lines.pop(); // the unterminated tail, if the server cut a line short
    assert!(!lines.is_empty(), "slow got nothing at all before being dropped");
    assert!(lines.len() < FLOOD_LINES, "slow got everything, so it was never too slow");
    for (seq, line) in lines.iter().enumerate() {
        assert_eq!(*line, format!("fast: {}", flood_line(seq)), "slow: line {seq} wrong");
    }
}

fn slow_consumer(window: Option<usize>) {
    let _serial = one_at_a_time();
    let server = Server::start_bulk(&[]);
    let mut c = server.room(&["slow", "watcher", "fast"]);
    let mut fast = c.pop().unwrap();
    let watcher = c.pop().unwrap();
    let mut slow = c.pop().unwrap(); // never reads from here on

    let progress = Arc::new(AtomicUsize::new(0));
    let reader = read_flood(watcher, FLOOD_LINES, Arc::clone(&progress), None);
    let sender = send_flood(fast.writer(), FLOOD_LINES, window.map(|w| (w, progress)));
    let started = Instant::now();
    let peak_kib = peak_rss_while(&server, &reader);
    let seen = reader.join().expect("watcher thread");
    sender.join().expect("sender thread");
    let mut watcher = seen.client;
    eprintln!(
        "flood of 20 MB: {:?}, peak RSS {peak_kib} KiB, longest gap {:?}, slow dropped after {:?} lines",
        started.elapsed(),
        seen.longest_gap,
        seen.quit_at
    );
    if seen.quit_at.is_none() {
        // Dropped only after the last flood line was queued: still fine.
        watcher.expect_line(QUIT);
    }
    assert!(peak_kib < MAX_RSS_KIB, "server RSS reached {peak_kib} KiB");
    assert!(seen.longest_gap < Duration::from_secs(3), "the watcher waited {:?} for a line", seen.longest_gap);

    // fast heard about it too, and both still chat normally.
    fast.expect_line(QUIT);
    fast.send_line("done");
    watcher.expect_line("fast: done");
    watcher.expect_who(&["fast", "watcher"]);
    check_slow_got_a_prefix_then_close(&mut slow);
}

/// The sender stays at most 256 lines (256 KB) ahead of the watcher.
#[test]
fn slow_consumer_is_dropped_while_others_keep_up() {
    slow_consumer(Some(256));
}

/// The sender writes 20 MB as fast as the socket takes it.
#[test]
fn slow_consumer_is_dropped_during_an_unpaced_20_mb_flood() {
    slow_consumer(None);
}

/// Without any slow client, a 20 MB burst must not cost a reading client
/// its connection: nothing accepted is lost.
#[test]
fn a_burst_does_not_drop_clients_that_keep_reading() {
    let _serial = one_at_a_time();
    let server = Server::start_bulk(&[]);
    let mut c = server.room(&["watcher", "fast"]);
    let mut fast = c.pop().unwrap();
    let reader = read_flood(c.pop().unwrap(), FLOOD_LINES, Arc::new(AtomicUsize::new(0)), None);
    let sender = send_flood(fast.writer(), FLOOD_LINES, None);
    let peak_kib = peak_rss_while(&server, &reader);
    let seen = reader.join().expect("watcher thread");
    sender.join().expect("sender thread");
    assert_eq!(seen.quit_at, None);
    assert!(peak_kib < MAX_RSS_KIB, "server RSS reached {peak_kib} KiB");
    let mut watcher = seen.client;
    fast.expect_who(&["fast", "watcher"]);
    watcher.expect_who(&["fast", "watcher"]);
}

/// A reader on a slow link: it keeps reading, at 8 MB/s, and the sender
/// stays 7.5 MB ahead of it. The kernel holds at most ~4 MB of that
/// (loopback send buffers autotune that far), so natterd holds a backlog of
/// 3.5 to 7.5 MB the whole time: under its 8 MiB cap, and rarely if ever
/// empty. 56 MB pass through; the server's memory must follow the backlog,
/// not the total (a queue that only shrinks once fully drained grows to
/// ~50 MB here; one that reuses its space stays near 14 MB).
#[test]
fn a_reader_that_always_lags_keeps_server_memory_bounded() {
    const LINES: usize = 56 * 1024;
    let _serial = one_at_a_time();
    let server = Server::start_bulk(&["--max-queue", "8388608"]);
    let mut watcher = Client::connect_small_rcvbuf(server.addr, 8192);
    watcher.join("watcher");
    let mut fast = server.join("fast");
    watcher.expect_line("*** fast joined");

    let progress = Arc::new(AtomicUsize::new(0));
    let reader = read_flood(watcher, LINES, Arc::clone(&progress), Some(8_000_000));
    let sender = send_flood(fast.writer(), LINES, Some((7500, progress)));
    let started = Instant::now();
    let peak_kib = peak_rss_while(&server, &reader);
    let seen = reader.join().expect("watcher thread");
    sender.join().expect("sender thread");
    eprintln!("lagging reader, 56 MB: {:?}, peak RSS {peak_kib} KiB", started.elapsed());
    assert_eq!(seen.quit_at, None);
    assert!(peak_kib < 32 * 1024, "server RSS reached {peak_kib} KiB for a backlog of at most 7.5 MB");
    let mut watcher = seen.client;
    fast.expect_who(&["fast", "watcher"]);
    watcher.expect_who(&["fast", "watcher"]);
}
