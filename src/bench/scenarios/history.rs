//! history (issue 15): what keeping history costs natterd, measured
//! against two things in the same run.
//!
//! - **Storing.** Many senders, one reader: twenty clients, each in a room
//!   of its own, send as fast as natterd-history takes their lines, and one
//!   reader in all twenty rooms counts them. Every line is stored before
//!   anyone receives it, so what the reader gets per second is what natterd
//!   stores per second. The ceiling it is held against is a bare rusqlite
//!   loop inserting the same rows, 1,000 per transaction, into a WAL
//!   database with the same table, index and settings natterd uses
//!   (`synchronous=NORMAL`), on the same disk.
//! - **Joining.** A room with 50 stored lines, then 1,000 clients joining at
//!   once: each gets the 50 lines replayed and its welcome; the time until
//!   all are in.
//!
//! It prints its own table; the other scenarios' natterd-history columns
//! (fanout, latency, idle) cover the rest of the targets.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{name, Ctx};
use crate::progress::Progress;
use crate::report::{si, Table};
use crate::swarm::Swarm;

/// Rows the ceiling loop inserts, and per transaction.
const CEILING_ROWS: usize = 200_000;
const CEILING_BATCH: usize = 1_000;

/// The storing run: senders (each in its own room) and lines each.
const STORE_CLIENTS: usize = 20;
const STORE_LINES: usize = 10_000;

/// What every sender says.
const LINE: &str = "a stored line of a bench sender, about the size of fanout's\n";

/// The joining run.
const JOIN_CLIENTS: usize = 1_000;
const JOIN_HISTORY: usize = 50;

/// What one history run measured.
#[derive(Debug, Default)]
pub struct History {
    pub ceiling_rows_per_sec: f64,
    pub stored_lines_per_sec: f64,
    pub join_secs: f64,
    pub errors: Vec<String>,
}

/// Runs the storing and joining measurements against `ctx`'s peer, which
/// must keep history, and the ceiling loop in a directory of its own.
pub fn run(ctx: &Ctx) -> History {
    let mut fig = History::default();
    match ceiling(&std::env::temp_dir().join(format!("natter-bench-ceiling-{}", std::process::id()))) {
        Ok(rate) => fig.ceiling_rows_per_sec = rate,
        Err(e) => fig.errors.push(format!("ceiling: {e}")),
    }
    let (senders, lines) = if ctx.opts.quick { (4, 50) } else { (STORE_CLIENTS, STORE_LINES) };
    match store(ctx, senders, lines) {
        Ok(rate) => fig.stored_lines_per_sec = rate,
        Err(e) => fig.errors.push(format!("storing: {e}")),
    }
    let joiners = if ctx.opts.quick { 20 } else { JOIN_CLIENTS };
    match join(ctx, joiners) {
        Ok(secs) => fig.join_secs = secs,
        Err(e) => fig.errors.push(format!("joining: {e}")),
    }
    fig
}

/// Rows per second a bare rusqlite loop stores, batched.
fn ceiling(dir: &Path) -> Result<f64, String> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let result = (|| -> rusqlite::Result<f64> {
        let mut conn = rusqlite::Connection::open(dir.join("ceiling.db"))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0;
             CREATE TABLE lines (id INTEGER PRIMARY KEY AUTOINCREMENT, room INTEGER NOT NULL, time INTEGER NOT NULL,
                 kind INTEGER NOT NULL, sender TEXT NOT NULL, text TEXT NOT NULL);
             CREATE INDEX lines_room ON lines (room, id);",
        )?;
        let text = format!("{:>40}", "a bench line of about the fanout's size");
        let started = Instant::now();
        for batch in 0..CEILING_ROWS / CEILING_BATCH {
            let tx = conn.transaction()?;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO lines (id, room, time, kind, sender, text) VALUES (?1, 1, ?2, 0, ?3, ?4)",
                )?;
                for i in 0..CEILING_BATCH {
                    let id = (batch * CEILING_BATCH + i + 1) as i64;
                    insert.execute(rusqlite::params![id, 1_700_000_000 + id, name('f', i % 20), text])?;
                }
            }
            tx.commit()?;
        }
        Ok(CEILING_ROWS as f64 / started.elapsed().as_secs_f64())
    })();
    let _ = std::fs::remove_dir_all(dir);
    result.map_err(|e| e.to_string())
}

/// Reads lines from `stream` until one satisfies `done`.
fn read_until(reader: &mut BufReader<TcpStream>, done: impl Fn(&str) -> bool) -> Result<(), String> {
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            return Err("natterd closed the connection".into());
        }
        if done(line.trim_end()) {
            return Ok(());
        }
    }
}

/// Lines per second one reader in `senders` rooms gets while a sender in
/// each sends `lines` lines: what natterd stores per second.
fn store(ctx: &Ctx, senders: usize, lines: usize) -> Result<f64, String> {
    let server = ctx.start_server()?;
    let addr = server.addr;
    let connect = |name: &str, rooms: &[String]| -> Result<BufReader<TcpStream>, String> {
        let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
        s.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
        let mut hello = format!("{name}\n");
        rooms.iter().for_each(|r| hello.push_str(&format!("/join {r}\n")));
        s.write_all(hello.as_bytes()).map_err(|e| e.to_string())?;
        let mut reader = BufReader::new(s);
        for room in rooms {
            read_until(&mut reader, |l| l.starts_with(&format!("{room} *** welcome")))?;
        }
        Ok(reader)
    };
    let rooms: Vec<String> = (0..senders).map(|i| format!("#s{i}")).collect();
    let reader = connect("reader", &rooms)?;
    // Lines of each sender the reader has: a sender keeps at most WINDOW
    // in flight, as the fanout scenario does, so the reader is never
    // buried deeper than natterd lets a client be (it would be dropped as
    // too slow, rightly) and the figure is natterd's pace, not a pile-up.
    const WINDOW: usize = 256;
    let received: Arc<Vec<AtomicUsize>> = Arc::new((0..senders).map(|_| AtomicUsize::new(0)).collect());
    let started = Arc::new(std::sync::Barrier::new(senders + 1));
    let mut threads = Vec::new();
    for (i, room) in rooms.iter().enumerate() {
        let mut conn = connect(&name('s', i), std::slice::from_ref(room))?.into_inner();
        let (go, received) = (Arc::clone(&started), Arc::clone(&received));
        // Each sender hands its socket back: closing it with unread input
        // would reset it, and natterd would lose what it has not read yet.
        threads.push(std::thread::spawn(move || -> std::io::Result<TcpStream> {
            // One window's worth of lines, written in slices: the
            // generator must cost far less per line than natterd does.
            let block = LINE.repeat(WINDOW);
            go.wait();
            let mut sent = 0;
            while sent < lines {
                let room_left = WINDOW.saturating_sub(sent - received[i].load(Ordering::Relaxed)).min(lines - sent);
                if room_left == 0 {
                    std::thread::sleep(Duration::from_micros(100));
                    continue;
                }
                conn.write_all(&block.as_bytes()[..room_left * LINE.len()])?;
                sent += room_left;
            }
            Ok(conn)
        }));
    }
    let total = senders * lines;
    started.wait();
    let t0 = Instant::now();
    let mut got = 0;
    let mut stream = reader.into_inner();
    let mut buf = vec![0u8; 256 * 1024];
    let mut partial: Vec<u8> = Vec::new();
    while got < total {
        let n = stream.read(&mut buf).map_err(|e| format!("after {got} of {total} lines: {e}"))?;
        if n == 0 {
            return Err(format!("natterd closed the reader after {got} of {total} lines"));
        }
        partial.extend_from_slice(&buf[..n]);
        let complete = partial.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        for line in partial[..complete].split(|&b| b == b'\n') {
            // `#sN sNNNNN: a stored line…`: count it for sender N.
            let Some(rest) = line.strip_prefix(b"#s") else { continue };
            if !line.ends_with(LINE.trim_end().as_bytes()) {
                continue;
            }
            let digits =
                rest.iter().take_while(|b| b.is_ascii_digit()).fold(0usize, |n, &d| n * 10 + (d - b'0') as usize);
            if let Some(counter) = received.get(digits) {
                counter.fetch_add(1, Ordering::Relaxed);
                got += 1;
            }
        }
        partial.drain(..complete);
    }
    let secs = t0.elapsed().as_secs_f64();
    let senders: Vec<_> = threads.into_iter().filter_map(|t| t.join().ok()).collect();
    drop(senders);
    server.stop();
    Ok(total as f64 / secs)
}

/// Seconds until `n` clients joining at once, into a room with 50 stored
/// lines, all have their replay and welcome.
fn join(ctx: &Ctx, n: usize) -> Result<f64, String> {
    let server = ctx.start_server()?;
    // Fifty lines, stored before the answer to the /who after them.
    let mut talker = TcpStream::connect(server.addr).map_err(|e| e.to_string())?;
    talker.set_read_timeout(Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
    let mut said = String::from("historian\n");
    for i in 0..JOIN_HISTORY {
        said.push_str(&format!("line {i} of the history every joiner gets replayed\n"));
    }
    said.push_str("/who\n");
    talker.write_all(said.as_bytes()).map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(talker.try_clone().map_err(|e| e.to_string())?);
    let mut line = String::new();
    while !line.starts_with("*** online") {
        line.clear();
        if reader.read_line(&mut line).map_err(|e| format!("no answer to /who: {e}"))? == 0 {
            return Err("natterd closed the talker".into());
        }
    }
    let mut swarm = Swarm::new(ctx.peer.kind.dialect(), server.addr).map_err(|e| e.to_string())?;
    let mut progress = Progress::new(&ctx.label);
    let started = Instant::now();
    swarm.establish(n, |i| name('j', i), n, Duration::from_secs(120), &mut progress)?;
    let secs = started.elapsed().as_secs_f64();
    server.stop();
    Ok(secs)
}

/// The history table.
pub fn render(fig: &History) -> String {
    let mut t = Table::new(&["measure", "natterd-history", "compared with", "verdict"]);
    let ratio = fig.stored_lines_per_sec / fig.ceiling_rows_per_sec.max(1e-9);
    t.row(vec![
        format!("stored lines/s, {STORE_CLIENTS} senders in rooms of their own, one reader"),
        si(fig.stored_lines_per_sec),
        format!("bare rusqlite {} rows/s", si(fig.ceiling_rows_per_sec)),
        format!("{} ({ratio:.2} of the ceiling, target >= 0.5)", if ratio >= 0.5 { "met" } else { "MISSED" }),
    ]);
    t.row(vec![
        format!("{JOIN_CLIENTS} clients join a room with {JOIN_HISTORY} lines of history"),
        format!("{:.2} s", fig.join_secs),
        "-".into(),
        "all welcomed".into(),
    ]);
    let mut out = format!("\n### history (issue 15)\n\n{}", t.render());
    for e in &fig.errors {
        out.push_str(&format!("\n- error: {e}"));
    }
    out
}
