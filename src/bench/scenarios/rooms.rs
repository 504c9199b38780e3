//! rooms: C clients spread over R rooms (C / R each: client i is in
//! `#room{i / (C / R)}`), the first S members of every room sending L lines
//! each as fast as the server takes them, with fanout's windows. Every
//! other member of the sender's room must get every line, in order, and
//! nobody outside it.
//!
//! Natter clients join the default room when named and `/join #roomNN`
//! after the welcome, then talk with plain lines (their current room);
//! IRC clients `JOIN #roomNN` instead of #bench and `PRIVMSG #roomNN`.
//! Each delivery's one-way time is kept too: latency under a load that
//! keeps the server busy, so it is mostly time spent queued.

use std::time::{Duration, Instant};

use super::{now_ns, CpuMeter, Ctx};
use crate::dialect::Payload;
use crate::figures::Rooms;
use crate::progress::Progress;
use crate::swarm::{Happening, Swarm};

/// Gives up when nothing at all arrives for this long.
const STALL: Duration = Duration::from_secs(10);

/// The name of room `k`.
pub fn room_name(k: usize) -> String {
    format!("#room{k:02}")
}

/// Runs one rooms measurement against a fresh server.
pub fn run(ctx: &Ctx, clients: usize, rooms: usize, senders: usize, lines: usize) -> Rooms {
    let per_room = clients / rooms.max(1);
    let mut fig = Rooms {
        clients: per_room * rooms,
        rooms,
        senders_per_room: senders.min(per_room),
        lines_each: lines,
        window: ctx.opts.window,
        ..Rooms::default()
    };
    if let Err(e) = measure(ctx, &mut fig) {
        fig.error = Some(e);
    }
    fig
}

/// Who sent and who got what. Clients are numbered room by room; sender
/// `s` is member `s % senders` of room `s / senders`.
struct Ledger {
    per_room: usize,
    senders: usize,
    lines: usize,
    sent: Vec<u32>,
    in_flight: Vec<u32>,
    total_in_flight: usize,
    /// Receivers that got line (sender, seq), at `sender * lines + seq`.
    got: Vec<u32>,
    /// Next seq receiver r expects from sender s, at `r * senders_total + s`.
    next: Vec<u32>,
    senders_total: usize,
    delivered: u64,
    disordered: u64,
    misrouted: u64,
    latency_us: Vec<u32>,
    last_delivery: Instant,
}

impl Ledger {
    fn client_of(&self, s: usize) -> usize {
        (s / self.senders) * self.per_room + s % self.senders
    }

    /// The sender index of client `c`, if it sends.
    fn sender_of(&self, c: usize) -> Option<usize> {
        let (room, member) = (c / self.per_room, c % self.per_room);
        (member < self.senders).then_some(room * self.senders + member)
    }

    fn deliver(&mut self, r: usize, p: Payload) {
        let c = p.sender as usize;
        let seq = p.seq as usize;
        let Some(s) = self.sender_of(c).filter(|_| c != r && seq < self.lines) else {
            self.misrouted += 1;
            return;
        };
        if c / self.per_room != r / self.per_room {
            self.misrouted += 1;
            return;
        }
        let next = &mut self.next[r * self.senders_total + s];
        if seq as u32 != *next {
            self.disordered += 1;
        }
        *next = (*next).max(seq as u32 + 1);
        self.delivered += 1;
        self.last_delivery = Instant::now();
        let micros = now_ns().saturating_sub(p.sent_ns) / 1000;
        self.latency_us.push(micros.min(u32::MAX as u64) as u32);
        let got = &mut self.got[s * self.lines + seq];
        *got += 1;
        if *got as usize == self.per_room - 1 {
            self.in_flight[s] -= 1;
            self.total_in_flight -= 1;
        }
    }
}

fn measure(ctx: &Ctx, fig: &mut Rooms) -> Result<(), String> {
    let (clients, rooms, senders, lines) = (fig.clients, fig.rooms, fig.senders_per_room, fig.lines_each);
    let per_room = clients / rooms.max(1);
    if per_room < 2 || senders == 0 || lines == 0 {
        return Err("rooms needs at least 2 clients per room, 1 sender and 1 line".into());
    }
    let server = ctx.start_server()?;
    let mut swarm = Swarm::new(ctx.peer.kind.dialect(), server.addr).map_err(|e| e.to_string())?;
    let mut progress = Progress::new(&ctx.label);
    let limit = Duration::from_secs(60 + clients as u64 / 10);
    let room_of = |i: usize| Some(room_name(i / per_room));
    let ids =
        swarm.establish_in(clients, |i| super::name('r', i), room_of, ctx.setup_concurrency(), limit, &mut progress)?;
    let mut index_of = vec![usize::MAX; ids.iter().max().map_or(0, |m| m + 1)];
    for (i, &id) in ids.iter().enumerate() {
        index_of[id] = i;
    }
    swarm.settle(Duration::from_millis(300), Duration::from_secs(30)).map_err(|e| e.to_string())?;

    let senders_total = rooms * senders;
    let mut ledger = Ledger {
        per_room,
        senders,
        lines,
        sent: vec![0; senders_total],
        in_flight: vec![0; senders_total],
        total_in_flight: 0,
        got: vec![0; senders_total * lines],
        next: vec![0; clients * senders_total],
        senders_total,
        delivered: 0,
        disordered: 0,
        misrouted: 0,
        latency_us: Vec::new(),
        last_delivery: Instant::now(),
    };
    let expected = (senders_total * lines * (per_room - 1)) as u64;
    ledger.latency_us.reserve(expected as usize);
    let (window, sender_window) = (ctx.opts.window.max(1), ctx.opts.sender_window.max(1) as u32);
    let bytes0 = swarm.net.bytes_in;
    let meter = CpuMeter::start(&server);
    let start = Instant::now();
    let mut cursor = 0;
    let mut lost = 0;
    let hard_limit = Duration::from_secs(ctx.opts.scenario_limit);
    while ledger.delivered < expected {
        // Top up the window, round-robin over the senders of all rooms.
        let mut scanned = 0;
        while ledger.total_in_flight < window && scanned < senders_total {
            let s = cursor;
            cursor = (cursor + 1) % senders_total;
            scanned += 1;
            let id = ids[ledger.client_of(s)];
            let mut queued = false;
            while ledger.total_in_flight < window
                && ledger.in_flight[s] < sender_window
                && (ledger.sent[s] as usize) < lines
            {
                let payload = Payload { sender: ledger.client_of(s) as u32, seq: ledger.sent[s], sent_ns: now_ns() };
                swarm.queue_chat(id, &payload);
                ledger.sent[s] += 1;
                ledger.in_flight[s] += 1;
                ledger.total_in_flight += 1;
                queued = true;
            }
            if queued {
                swarm.flush(id);
            }
        }
        swarm
            .pump(Duration::from_millis(50), |h| match h {
                Happening::Delivery { receiver, payload } => {
                    if let Some(&r) = index_of.get(receiver).filter(|&&r| r != usize::MAX) {
                        ledger.deliver(r, payload);
                    }
                }
                Happening::Gone(_) => lost += 1,
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
    let samples = &mut ledger.latency_us;
    samples.sort_unstable();
    let pick = |q: f64| -> f64 {
        if samples.is_empty() {
            return f64::NAN;
        }
        samples[((samples.len() - 1) as f64 * q).round() as usize] as f64 / 1000.0
    };
    fig.p50_ms = pick(0.50);
    fig.p99_ms = pick(0.99);
    fig.delivered = ledger.delivered;
    fig.expected = expected;
    fig.missing = expected.saturating_sub(ledger.delivered);
    fig.disordered = ledger.disordered;
    fig.misrouted = ledger.misrouted;
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
