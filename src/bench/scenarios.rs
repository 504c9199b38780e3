//! The measured scenarios, one module each, and what they share: starting
//! a fresh server per run, client names, and CPU accounting for the
//! server (from /proc) and the generator itself (getrusage).

pub mod ceiling;
pub mod churn;
pub mod fanout;
pub mod history;
pub mod idle;
pub mod latency;
pub mod rooms;
pub mod slow_reader;

use std::time::{Duration, Instant};

use crate::options::Options;
use crate::peers::{Peer, Server};
use crate::progress::Progress;
use crate::swarm::Swarm;
use crate::sys;

/// What every scenario run gets.
pub struct Ctx<'a> {
    pub opts: &'a Options,
    pub peer: &'a Peer,
    /// e.g. `natterd fanout 100x200 run 2/3`, for progress lines.
    pub label: String,
}

impl Ctx<'_> {
    /// A fresh server for this run.
    pub fn start_server(&self) -> Result<Server, String> {
        Server::start(self.peer, self.opts.server_cpu(), self.opts.keep_logs)
    }

    /// A fresh server with an idle swarm of clients that join no channel
    /// (for the idle and churn scenarios), its RSS before any client, a
    /// progress reporter and a CPU meter started on it.
    pub fn start_swarm(&self) -> Result<(Server, u64, Swarm, Progress, CpuMeter), String> {
        let server = self.start_server()?;
        let rss_before = server.rss_kib();
        let swarm = Swarm::new(self.peer.kind.dialect(), server.addr).map_err(|e| e.to_string())?.without_join();
        let progress = Progress::new(&self.label);
        let meter = CpuMeter::start(&server);
        Ok((server, rss_before, swarm, progress, meter))
    }

    /// Clients in setup at once: `--setup-concurrency`, else the peer's own.
    pub fn setup_concurrency(&self) -> usize {
        self.opts.setup_concurrency.unwrap_or_else(|| self.peer.kind.setup_concurrency())
    }
}

/// Client `i`'s name: a letter and five digits, short enough for IRC's
/// nine-character nick default and valid in Natter.
pub fn name(prefix: char, i: usize) -> String {
    format!("{prefix}{i:05}")
}

/// CPU used by the server and by the bench between `start` and `stop`.
pub struct CpuMeter {
    server0: Duration,
    bench0: Duration,
    wall0: Instant,
}

/// What a [`CpuMeter`] measured.
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuUse {
    pub server: Duration,
    pub bench: Duration,
    pub wall: Duration,
}

impl CpuMeter {
    pub fn start(server: &Server) -> CpuMeter {
        CpuMeter { server0: server.cpu(), bench0: sys::own_cpu(), wall0: Instant::now() }
    }

    pub fn stop(&self, server: &Server) -> CpuUse {
        CpuUse {
            server: server.cpu().saturating_sub(self.server0),
            bench: sys::own_cpu().saturating_sub(self.bench0),
            wall: self.wall0.elapsed(),
        }
    }
}

/// A monotonic clock shared by senders and receivers: ns since the bench
/// started.
pub fn now_ns() -> u64 {
    use std::sync::OnceLock;
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_nanos() as u64
}
