//! idle: N connected, named clients doing nothing (Natter clients are in
//! the room once named; IRC clients are registered, not in a channel). The
//! server's VmRSS before the first connection and after the last join
//! (once the join notices have drained) gives the cost per connection.
//! After all clients leave, RSS is read once more.

use std::time::{Duration, Instant};

use super::{name, Ctx};
use crate::figures::Idle;

/// Runs one idle measurement of `clients` against a fresh server.
pub fn run(ctx: &Ctx, clients: usize) -> Idle {
    let mut fig = Idle { clients, ..Idle::default() };
    if let Err(e) = measure(ctx, &mut fig) {
        fig.error = Some(e);
    }
    fig
}

fn measure(ctx: &Ctx, fig: &mut Idle) -> Result<(), String> {
    let (server, rss_before, mut swarm, mut progress, meter) = ctx.start_swarm()?;
    fig.rss_before_kib = rss_before;
    let start = Instant::now();
    let limit = Duration::from_secs(120 + fig.clients as u64 / 20);
    let ids = swarm.establish(fig.clients, |i| name('i', i), ctx.setup_concurrency(), limit, &mut progress)?;
    fig.setup_s = start.elapsed().as_secs_f64();
    let lost = swarm.settle(Duration::from_secs(1), Duration::from_secs(60)).map_err(|e| e.to_string())?;
    let cpu = meter.stop(&server);
    fig.rss_after_kib = server.rss_kib();
    fig.kib_per_conn = fig.rss_after_kib.saturating_sub(fig.rss_before_kib) as f64 / fig.clients.max(1) as f64;
    fig.lost_clients = lost;
    fig.server_cpu_s = cpu.server.as_secs_f64();
    fig.bench_cpu_s = cpu.bench.as_secs_f64();

    for id in ids {
        swarm.close(id);
    }
    // The quit notices of the leavers reach nobody, so this is quick.
    let _ = swarm.settle(Duration::from_secs(1), Duration::from_secs(30));
    fig.rss_closed_kib = server.rss_kib();
    server.stop();
    Ok(())
}
