//! churn: for S seconds, K clients at a time connect, name themselves,
//! and disconnect as soon as they are in the room; then RSS after the
//! last one left against RSS before the first came.

use std::time::{Duration, Instant};

use super::{name, Ctx};
use crate::figures::Churn;
use crate::swarm::Happening;

/// Runs one churn measurement against a fresh server.
pub fn run(ctx: &Ctx, secs: f64) -> Churn {
    let concurrency = ctx.opts.churn_concurrency.max(1);
    let mut fig = Churn { secs, concurrency, ..Churn::default() };
    if let Err(e) = measure(ctx, &mut fig) {
        fig.error = Some(e);
    }
    fig
}

fn measure(ctx: &Ctx, fig: &mut Churn) -> Result<(), String> {
    let (server, rss_before, mut swarm, mut progress, meter) = ctx.start_swarm()?;
    fig.rss_before_kib = rss_before;
    let start = Instant::now();
    let run_for = Duration::from_secs_f64(fig.secs);
    let mut live = 0usize;
    let mut spawned = 0usize;
    let (mut cycles, mut failures) = (0u64, 0u64);
    let mut just_ready = Vec::new();
    while start.elapsed() < run_for {
        while live < fig.concurrency {
            match swarm.spawn(&name('c', spawned % 100_000)) {
                Ok(_) => live += 1,
                Err(e) => {
                    failures += 1;
                    fig.error = Some(format!("connect failed: {e}"));
                    break;
                }
            }
            spawned += 1;
        }
        swarm
            .pump(Duration::from_millis(10), |h| match h {
                Happening::Ready(id) => just_ready.push(id),
                Happening::Gone(_) => {
                    live -= 1;
                    failures += 1;
                }
                Happening::Delivery { .. } => {}
            })
            .map_err(|e| e.to_string())?;
        for id in just_ready.drain(..) {
            swarm.close(id);
            live -= 1;
            cycles += 1;
        }
        progress.tick(|| format!("{cycles} cycles"));
    }
    let elapsed = start.elapsed().as_secs_f64();
    // Whoever is still setting up leaves too.
    for id in swarm.net.ids() {
        swarm.close(id);
    }
    let _ = swarm.settle(Duration::from_secs(1), Duration::from_secs(10));
    let cpu = meter.stop(&server);
    fig.cycles = cycles;
    fig.failures = failures;
    fig.cycles_per_sec = cycles as f64 / elapsed;
    fig.rss_after_kib = server.rss_kib();
    fig.change_pct = 100.0 * (fig.rss_after_kib as f64 - fig.rss_before_kib as f64) / fig.rss_before_kib.max(1) as f64;
    fig.server_cpu_s = cpu.server.as_secs_f64();
    fig.bench_cpu_s = cpu.bench.as_secs_f64();
    server.stop();
    Ok(())
}
