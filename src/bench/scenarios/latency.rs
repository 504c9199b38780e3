//! latency: C clients in one room and a paced total of R lines a second
//! for S seconds, round-robin over the senders. Each line carries its send
//! time on the bench's monotonic clock; each receiver subtracts it from
//! the time its read returned: one-way delivery latency, p50 to max.
//!
//! The send time is taken just before the write, so the generator's own
//! pacing jitter is not counted; its read delay is (it reads every socket
//! the server wrote to, one after another, like C real clients would not),
//! which makes the figures an upper bound.

use std::time::{Duration, Instant};

use super::{name, now_ns, CpuMeter, Ctx};
use crate::dialect::Payload;
use crate::figures::Latency;
use crate::progress::Progress;
use crate::swarm::{Happening, Swarm};
use crate::syscount::SysCount;

/// How long to wait for the last lines after the last send.
const DRAIN: Duration = Duration::from_secs(5);

/// Runs one latency measurement against a fresh server.
pub fn run(ctx: &Ctx, clients: usize, rate: u64, secs: f64) -> Latency {
    let mut fig = Latency { clients, rate, secs, ..Latency::default() };
    if let Err(e) = measure(ctx, &mut fig) {
        fig.error = Some(e);
    }
    fig
}

fn measure(ctx: &Ctx, fig: &mut Latency) -> Result<(), String> {
    let clients = fig.clients;
    if clients < 2 || fig.rate == 0 {
        return Err("latency needs at least 2 clients and a rate".into());
    }
    let server = ctx.start_server()?;
    let mut swarm = Swarm::new(ctx.peer.kind.dialect(), server.addr).map_err(|e| e.to_string())?;
    let mut progress = Progress::new(&ctx.label);
    let ids =
        swarm.establish(clients, |i| name('l', i), ctx.setup_concurrency(), Duration::from_secs(120), &mut progress)?;
    swarm.settle(Duration::from_millis(500), Duration::from_secs(30)).map_err(|e| e.to_string())?;

    let total = (fig.rate as f64 * fig.secs).round() as u64;
    let interval_ns = 1_000_000_000 / fig.rate;
    let expected = total * (clients as u64 - 1);
    let mut samples: Vec<u32> = Vec::with_capacity(expected as usize);
    let mut lost = 0;
    let counter = if ctx.opts.syscalls { SysCount::start(server.pid) } else { None };
    let meter = CpuMeter::start(&server);
    let start_ns = now_ns();
    let mut sent = 0u64;
    let mut last_send = Instant::now();
    loop {
        // Send everything that is due by now, one line per sender turn.
        let due = ((now_ns() - start_ns) / interval_ns + 1).min(total);
        while sent < due {
            let s = (sent % clients as u64) as usize;
            let payload = Payload { sender: s as u32, seq: (sent / clients as u64) as u32, sent_ns: now_ns() };
            swarm.queue_chat(ids[s], &payload);
            swarm.flush(ids[s]);
            sent += 1;
            last_send = Instant::now();
        }
        let done = sent == total;
        if done && (samples.len() as u64 >= expected || last_send.elapsed() > DRAIN) {
            break;
        }
        let next_due_ns = start_ns + sent * interval_ns;
        let wait = if ctx.opts.spin {
            Duration::ZERO
        } else if done {
            Duration::from_millis(10)
        } else {
            Duration::from_nanos(next_due_ns.saturating_sub(now_ns()))
        };
        swarm
            .pump(wait, |h| match h {
                Happening::Delivery { payload, .. } => {
                    let micros = now_ns().saturating_sub(payload.sent_ns) / 1000;
                    samples.push(micros.min(u32::MAX as u64) as u32);
                }
                Happening::Gone(_) => lost += 1,
                Happening::Ready(_) => {}
            })
            .map_err(|e| e.to_string())?;
        progress.tick(|| format!("{sent}/{total} lines sent"));
    }
    let cpu = meter.stop(&server);
    if let Some(c) = counter.and_then(SysCount::stop) {
        let per = |n: u64| Some(n as f64 / samples.len().max(1) as f64);
        fig.syscalls_per_line = per(c.all);
        fig.writes_per_line = per(c.writes);
    }
    samples.sort_unstable();
    let pick = |q: f64| -> f64 {
        if samples.is_empty() {
            return f64::NAN;
        }
        let i = ((samples.len() - 1) as f64 * q).round() as usize;
        samples[i] as f64 / 1000.0
    };
    fig.delivered = samples.len() as u64;
    fig.missing = expected.saturating_sub(fig.delivered);
    fig.lost_clients = lost;
    fig.p50_ms = pick(0.50);
    fig.p99_ms = pick(0.99);
    fig.p999_ms = pick(0.999);
    fig.max_ms = pick(1.0);
    fig.server_cpu_s = cpu.server.as_secs_f64();
    fig.bench_cpu_s = cpu.bench.as_secs_f64();
    fig.wall_s = cpu.wall.as_secs_f64();
    server.stop();
    Ok(())
}
