//! fanout: C clients in one room, each sends M lines as fast as the server
//! takes them; every other client must get every line, in order.
//!
//! "As fast as the server takes them" is a window: at most `window` lines
//! are in flight (sent, not yet received by all C-1 others) overall, and
//! at most `sender_window` per sender, which keeps every peer inside its
//! input and output buffer limits (ngIRCd closes clients past 2 KiB in or
//! 32 KiB out) while the server always has work queued.

use std::time::{Duration, Instant};

use super::{name, now_ns, CpuMeter, Ctx};
use crate::dialect::Payload;
use crate::figures::Fanout;
use crate::progress::Progress;
use crate::swarm::{Happening, Swarm};
use crate::syscount::SysCount;

/// Gives up when nothing at all arrives for this long.
const STALL: Duration = Duration::from_secs(10);

/// Runs one fanout of `clients` x `lines` against a fresh server.
pub fn run(ctx: &Ctx, clients: usize, lines: usize) -> Fanout {
    let mut fig = Fanout { clients, lines_each: lines, window: ctx.opts.window, ..Fanout::default() };
    if let Err(e) = measure(ctx, &mut fig) {
        fig.error = Some(e);
    }
    fig
}

/// Per-run bookkeeping of who sent and who got what.
struct Ledger {
    clients: usize,
    lines: usize,
    /// Lines sent per sender.
    sent: Vec<u32>,
    /// Lines of each sender still missing somewhere.
    in_flight: Vec<u32>,
    total_in_flight: usize,
    /// Receivers that got line (sender, seq), at `sender * lines + seq`.
    got: Vec<u32>,
    /// Next seq receiver r expects from sender s, at `r * clients + s`.
    next: Vec<u32>,
    delivered: u64,
    disordered: u64,
    last_delivery: Instant,
    /// Clients the server dropped: nothing more is owed to them, and
    /// they send no more.
    lost: Vec<bool>,
    lost_count: usize,
}

impl Ledger {
    fn new(clients: usize, lines: usize) -> Ledger {
        Ledger {
            clients,
            lines,
            sent: vec![0; clients],
            in_flight: vec![0; clients],
            total_in_flight: 0,
            got: vec![0; clients * lines],
            next: vec![0; clients * clients],
            delivered: 0,
            disordered: 0,
            last_delivery: Instant::now(),
            lost: vec![false; clients],
            lost_count: 0,
        }
    }

    /// Counts line `(s, seq)` as received by one more client, done when
    /// every other client has it.
    fn receive(&mut self, s: usize, seq: usize) {
        let got = &mut self.got[s * self.lines + seq];
        *got += 1;
        if *got as usize == self.clients - 1 {
            self.in_flight[s] -= 1;
            self.total_in_flight -= 1;
        }
    }

    /// Records line `seq` of `s` as sent: already "received" by the lost
    /// clients, which will never read it.
    fn send(&mut self, s: usize, seq: usize) {
        self.sent[s] += 1;
        self.in_flight[s] += 1;
        self.total_in_flight += 1;
        for _ in 0..self.lost_count {
            self.receive(s, seq);
        }
    }

    /// Client `r` was dropped: what it has not received is no longer
    /// waited for (a dropped reader must not stall the window), and
    /// whatever else it would have sent is not expected.
    fn lose(&mut self, r: usize) {
        if std::mem::replace(&mut self.lost[r], true) {
            return;
        }
        self.lost_count += 1;
        for s in (0..self.clients).filter(|&s| s != r) {
            let from = self.next[r * self.clients + s] as usize;
            for seq in from..self.sent[s] as usize {
                self.receive(s, seq);
            }
        }
    }

    /// Has every line a live sender sent reached every live client?
    fn done(&self) -> bool {
        self.total_in_flight == 0 && (0..self.clients).all(|s| self.lost[s] || self.sent[s] as usize == self.lines)
    }

    /// Records one delivery to client index `r`.
    fn deliver(&mut self, r: usize, p: Payload) {
        let (s, seq) = (p.sender as usize, p.seq as usize);
        if s >= self.clients || seq >= self.lines || s == r {
            self.disordered += 1;
            return;
        }
        let next = &mut self.next[r * self.clients + s];
        if seq as u32 != *next {
            // A gap (later counted as missing) or a repeat.
            self.disordered += 1;
        }
        *next = (*next).max(seq as u32 + 1);
        self.delivered += 1;
        self.last_delivery = Instant::now();
        self.receive(s, seq);
    }
}

fn measure(ctx: &Ctx, fig: &mut Fanout) -> Result<(), String> {
    let (clients, lines) = (fig.clients, fig.lines_each);
    if clients < 2 || lines == 0 {
        return Err("fanout needs at least 2 clients and 1 line".into());
    }
    let server = ctx.start_server()?;
    let mut swarm = Swarm::new(ctx.peer.kind.dialect(), server.addr).map_err(|e| e.to_string())?;
    let mut progress = Progress::new(&ctx.label);
    let limit = Duration::from_secs(60 + clients as u64 / 10);
    let ids = swarm.establish(clients, |i| name('f', i), ctx.setup_concurrency(), limit, &mut progress)?;
    let mut index_of = vec![usize::MAX; ids.iter().max().map_or(0, |m| m + 1)];
    for (i, &id) in ids.iter().enumerate() {
        index_of[id] = i;
    }
    swarm.settle(Duration::from_millis(300), Duration::from_secs(30)).map_err(|e| e.to_string())?;

    let mut ledger = Ledger::new(clients, lines);
    let expected = (clients * (clients - 1) * lines) as u64;
    let (window, sender_window) = (ctx.opts.window.max(1), ctx.opts.sender_window.max(1) as u32);
    let counter = if ctx.opts.syscalls { SysCount::start(server.pid) } else { None };
    let bytes0 = swarm.net.bytes_in;
    let meter = CpuMeter::start(&server);
    let start = Instant::now();
    let mut cursor = 0;
    let mut lost = 0;
    let hard_limit = Duration::from_secs(ctx.opts.scenario_limit);
    while !ledger.done() {
        // Top up the window, round-robin from where the last pass stopped.
        let mut scanned = 0;
        while ledger.total_in_flight < window && scanned < clients {
            let s = cursor;
            cursor = (cursor + 1) % clients;
            scanned += 1;
            let mut queued = false;
            while ledger.total_in_flight < window
                && ledger.in_flight[s] < sender_window
                && (ledger.sent[s] as usize) < lines
                && !ledger.lost[s]
            {
                let payload = Payload { sender: s as u32, seq: ledger.sent[s], sent_ns: now_ns() };
                swarm.queue_chat(ids[s], &payload);
                ledger.send(s, payload.seq as usize);
                queued = true;
            }
            if queued {
                swarm.flush(ids[s]);
            }
        }
        swarm
            .pump(Duration::from_millis(50), |h| match h {
                Happening::Delivery { receiver, payload } => {
                    if let Some(&r) = index_of.get(receiver) {
                        ledger.deliver(r, payload);
                    }
                }
                Happening::Gone(id) => {
                    lost += 1;
                    if let Some(&r) = index_of.get(id).filter(|&&r| r < clients) {
                        ledger.lose(r);
                    }
                }
                Happening::Ready(_) => {}
            })
            .map_err(|e| e.to_string())?;
        if ledger.last_delivery.elapsed() > STALL || start.elapsed() > hard_limit {
            fig.error = Some(format!(
                "stopped after {:.0} s with {} of {expected} deliveries ({lost} clients lost)",
                start.elapsed().as_secs_f64(),
                ledger.delivered
            ));
            break;
        }
        progress.tick(|| format!("{:.0}% of {expected} deliveries", 100.0 * ledger.delivered as f64 / expected as f64));
    }
    let secs = ledger.last_delivery.saturating_duration_since(start).as_secs_f64().max(1e-9);
    let cpu = meter.stop(&server);
    if let Some(c) = counter.and_then(SysCount::stop) {
        let per = |n: u64| Some(n as f64 / ledger.delivered.max(1) as f64);
        fig.syscalls_per_line = per(c.all);
        fig.reads_per_line = per(c.reads);
        fig.writes_per_line = per(c.writes);
        fig.polls_per_line = per(c.polls);
        fig.ctls_per_line = per(c.poll_ctls);
    }
    fig.delivered = ledger.delivered;
    fig.expected = expected;
    fig.missing = expected.saturating_sub(ledger.delivered);
    fig.disordered = ledger.disordered;
    fig.lost_clients = lost;
    fig.secs = secs;
    fig.lines_per_sec = ledger.delivered as f64 / secs;
    fig.bytes_per_sec = (swarm.net.bytes_in - bytes0) as f64 / secs;
    fig.server_cpu_s = cpu.server.as_secs_f64();
    fig.server_ns_per_line = cpu.server.as_nanos() as f64 / ledger.delivered.max(1) as f64;
    fig.bench_cpu_s = cpu.bench.as_secs_f64();
    server.stop();
    Ok(())
}
