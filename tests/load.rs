//! Many clients, many cycles, many lines: nothing lost, nothing reordered,
//! memory not growing.

// A failed unwrap here is a failed test, not a crash on input.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::thread;

use common::{online, welcome_names, Client, Server};

#[test]
fn a_thousand_clients_at_once() {
    const N: usize = 1000;
    let server = Server::start_bulk(&[]);
    let names: Vec<String> = (0..N).map(|i| format!("u{i:04}")).collect();
    let mut clients: Vec<Client> = Vec::with_capacity(N);
    for name in &names {
        let mut c = server.connect();
        c.label = name.clone();
        c.send_line(name);
        clients.push(c);
    }
    // Each welcome lists the joiner and whoever came before it, sorted.
    let mut known: Vec<HashSet<String>> = Vec::with_capacity(N);
    for (c, name) in clients.iter_mut().zip(&names) {
        let line = c.next_line();
        let list = welcome_names(&line, name);
        assert!(list.contains(name), "{name}: not in its own welcome");
        assert!(list.windows(2).all(|w| w[0] < w[1]), "{name}: welcome not sorted: {line}");
        known.push(list.into_iter().collect());
    }
    // One message reaches all 999 others, after exactly the joins each missed.
    let hello = "u0000: hello, all 999 of you";
    clients[0].send_line("hello, all 999 of you");
    clients[0].send_line("/who");
    let all: Vec<&str> = names.iter().map(String::as_str).collect();
    let who = online(&all);
    for (i, c) in clients.iter_mut().enumerate() {
        let end = if i == 0 { who.as_str() } else { hello };
        let label = c.label.clone();
        for line in c.skip_until(end, N) {
            let joiner = line
                .strip_prefix("*** ")
                .and_then(|l| l.strip_suffix(" joined"))
                .unwrap_or_else(|| panic!("{label}: unexpected {line:?}"));
            assert!(known[i].insert(joiner.to_string()), "{label}: {joiner} announced twice");
        }
        assert_eq!(known[i].len(), N, "{label}: knows of {} clients", known[i].len());
    }
    // And the server is still quick to answer.
    clients[N - 1].expect_who(&all);
}

/// Tracks `*** cN joined` / `*** cN quit` (a clean close) or
/// `*** cN quit [connection lost]` (a reset) per name.
struct Watcher {
    client: Client,
    /// Name to true once joined, removed once quit.
    present: HashMap<String, bool>,
    quits: usize,
}

impl Watcher {
    /// Reads until `quits` names in all have quit, checking that every name
    /// joins once and quits once, after joining.
    fn drain_until(&mut self, quits: usize) {
        while self.quits < quits {
            let line = self.client.next_line();
            if let Some(name) = line.strip_prefix("*** ").and_then(|l| l.strip_suffix(" joined")) {
                assert!(self.present.insert(name.to_string(), true).is_none(), "{name} joined twice");
            } else if let Some(name) = line
                .strip_prefix("*** ")
                .and_then(|l| l.strip_suffix(" quit [connection lost]").or_else(|| l.strip_suffix(" quit")))
            {
                assert!(self.present.remove(name).is_some(), "{name} quit without joining");
                self.quits += 1;
            } else {
                panic!("watcher: unexpected {line:?}");
            }
        }
    }
}

#[test]
fn two_thousand_abrupt_cycles_do_not_grow_memory() {
    const WARM_UP: usize = 200;
    const CYCLES: usize = 2000;
    let server = Server::start_bulk(&[]);
    let mut watcher = Watcher { client: server.join("watcher"), present: HashMap::new(), quits: 0 };
    let cycle = |i: usize| {
        let mut c = server.connect();
        c.join(&format!("c{i}"));
        if i % 2 == 0 {
            c.reset();
        } else {
            drop(c);
        }
        if i % 10 == 0 {
            // An unnamed visitor, gone before it says anything.
            server.connect().reset();
        }
    };
    for i in 0..WARM_UP {
        cycle(i);
    }
    watcher.drain_until(WARM_UP);
    assert!(watcher.present.is_empty(), "still present: {:?}", watcher.present.keys());
    let before = server.anon_kib();
    for i in WARM_UP..WARM_UP + CYCLES {
        cycle(i);
        if i % 100 == 99 {
            watcher.drain_until(i + 1 - 50); // keep the watcher's queue short
        }
    }
    watcher.drain_until(WARM_UP + CYCLES);
    assert!(watcher.present.is_empty(), "still present: {:?}", watcher.present.keys());
    let after = server.anon_kib();
    eprintln!("RSS after warm-up {before} KiB, after {CYCLES} cycles {after} KiB");
    assert!(after <= before + 8 * 1024, "RSS grew from {before} KiB to {after} KiB");
    watcher.client.expect_who(&["watcher"]);
}

#[test]
fn numbered_lines_from_five_senders_arrive_complete_and_in_order() {
    const SENDERS: usize = 5;
    const RECEIVERS: usize = 3;
    const LINES: usize = 2000;
    let server = Server::start_bulk(&[]);
    let mut names: Vec<String> = (0..SENDERS).map(|i| format!("s{i}")).collect();
    names.extend((0..RECEIVERS).map(|i| format!("r{i}")));
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let clients = server.room(&name_refs);

    fn text(seq: usize) -> String {
        format!("{seq} {}", "p".repeat(seq % 97))
    }
    // Reads until every sender but `me` has delivered all its lines in order.
    fn check(mut c: Client, me: Option<usize>) -> Client {
        let mut next = [0usize; SENDERS];
        if let Some(me) = me {
            next[me] = LINES;
        }
        while next.iter().any(|&n| n < LINES) {
            let line = c.next_line();
            let (from, body) = line.split_once(": ").unwrap_or_else(|| panic!("{}: odd line {line:?}", c.label));
            let k: usize = from
                .strip_prefix('s')
                .and_then(|k| k.parse().ok())
                .unwrap_or_else(|| panic!("{}: line from {from:?}: {line:?}", c.label));
            assert!(next[k] < LINES, "{}: extra line from s{k}: {line:?}", c.label);
            assert_eq!(body, text(next[k]), "{}: from s{k}, expected line {}", c.label, next[k]);
            next[k] += 1;
        }
        c
    }

    let mut threads = Vec::new();
    for (i, c) in clients.into_iter().enumerate() {
        threads.push(thread::spawn(move || {
            if i >= SENDERS {
                return check(c, None);
            }
            let mut w = c.writer();
            let writer = thread::spawn(move || {
                let mut batch = Vec::new();
                for seq in 0..LINES {
                    batch.extend_from_slice(text(seq).as_bytes());
                    // Mix both terminators.
                    batch.extend_from_slice(if seq % 3 == 0 { b"\r\n" } else { b"\n" });
                    if seq % 50 == 49 {
                        w.write_all(&batch).expect("sender write");
                        batch.clear();
                    }
                }
                w.write_all(&batch).expect("sender write");
            });
            let c = check(c, Some(i));
            writer.join().expect("writer thread");
            c
        }));
    }
    let mut clients: Vec<Client> = threads.into_iter().map(|t| t.join().expect("client thread")).collect();
    // Nothing extra came after the numbered lines.
    let mut sorted = name_refs.clone();
    sorted.sort();
    for c in clients.iter_mut() {
        c.expect_who(&sorted);
    }
}
