//! natter-bench's command line.

use std::path::PathBuf;
use std::str::FromStr;

use clap::{Parser, ValueEnum};

use crate::sys;

/// natter-bench: measures natterd against ngIRCd and InspIRCd side by side
/// over 127.0.0.1 and prints a table.
///
/// Each peer is started in the foreground with its own configuration in a
/// temporary directory, pinned to one CPU while the load generator (one
/// thread, one poll loop) runs on another. A peer that is not installed is
/// skipped (apt-get install ngircd inspircd). Every figure is the median
/// of --runs runs; the CPU time of the server and of the generator is
/// printed for every scenario.
#[derive(Parser, Debug, Clone)]
#[command(name = "natter-bench", version, about, long_about)]
pub struct Options {
    /// Servers to measure: natterd, natterd-history (natterd keeping
    /// history), ngircd, inspircd.
    #[arg(long, value_delimiter = ',', default_value = "natterd,natterd-history,ngircd,inspircd")]
    pub peers: Vec<String>,

    /// Scenarios to run: ceiling, fanout, latency, idle, churn, history,
    /// and (only when named) rooms, slow-reader.
    #[arg(long, value_delimiter = ',', default_value = "ceiling,fanout,latency,idle,churn,history")]
    pub scenarios: Vec<Scenario>,

    /// Runs per scenario and peer; the table shows the median.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub runs: u32,

    /// A smoke run of a few seconds with small counts (for CI; its figures
    /// mean nothing). Overrides the sizes below and --runs.
    #[arg(long)]
    pub quick: bool,

    /// Also save every figure, each run and the medians, as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Write bench-fanout.svg and bench-latency.svg into this directory.
    #[arg(long, value_name = "DIR")]
    pub chart_dir: Option<PathBuf>,

    /// The natterd binary; default: beside natter-bench, else from PATH.
    #[arg(long, value_name = "PATH")]
    pub natterd: Option<PathBuf>,

    /// Fan-out shapes as CLIENTSxLINES: each client sends LINES lines.
    #[arg(long, value_delimiter = ',', default_value = "10x200,100x200,1000x20")]
    pub fanout: Vec<Shape>,

    /// Fan-out lines in flight (sent, not yet received by everyone) at most.
    #[arg(long, default_value_t = 1024)]
    pub window: usize,

    /// Fan-out lines in flight per sender at most.
    #[arg(long, default_value_t = 16)]
    pub sender_window: usize,

    /// Clients in the latency scenario.
    #[arg(long, default_value_t = 200)]
    pub latency_clients: usize,

    /// Lines per second, all senders together, in the latency scenario.
    #[arg(long, default_value_t = 1000)]
    pub latency_rate: u64,

    /// Seconds of paced sending in the latency scenario.
    #[arg(long, default_value_t = 10.0)]
    pub latency_secs: f64,

    /// Latency: the generator polls without sleeping, so its own wake-ups
    /// from idle are not counted (its CPU time is then all of the wall time).
    #[arg(long)]
    pub spin: bool,

    /// rooms: clients in all, spread evenly over --rooms-count rooms.
    #[arg(long, default_value_t = 1000)]
    pub rooms_clients: usize,

    /// rooms: how many rooms.
    #[arg(long, default_value_t = 50)]
    pub rooms_count: usize,

    /// rooms: members of each room that send.
    #[arg(long, default_value_t = 5)]
    pub rooms_senders: usize,

    /// rooms: lines each sender sends.
    #[arg(long, default_value_t = 200)]
    pub rooms_lines: usize,

    /// slow-reader: members of #a and of #b (besides the fillers and the
    /// one that stops reading).
    #[arg(long, default_value_t = 20)]
    pub slow_members: usize,

    /// slow-reader: members of each room that send measured lines.
    #[arg(long, default_value_t = 5)]
    pub slow_senders: usize,

    /// slow-reader: measured lines per second, both rooms together.
    #[arg(long, default_value_t = 1000)]
    pub slow_rate: u64,

    /// slow-reader: 400-byte filler lines per second into #a.
    #[arg(long, default_value_t = 2000)]
    pub slow_filler_rate: u64,

    /// slow-reader: seconds of each phase (idle, then one member not reading).
    #[arg(long, default_value_t = 5.0)]
    pub slow_secs: f64,

    /// Idle client counts.
    #[arg(long, value_delimiter = ',', default_value = "1000,5000,10000")]
    pub idle: Vec<usize>,

    /// Seconds of connect-name-disconnect cycles.
    #[arg(long, default_value_t = 10.0)]
    pub churn_secs: f64,

    /// Churn cycles in parallel, the same for every peer (8 stays inside
    /// ngIRCd's listen backlog of 10).
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub churn_concurrency: usize,

    /// Clients setting up at once; default per peer (natterd 256, ngircd 8,
    /// inspircd 2048).
    #[arg(long, value_name = "N")]
    pub setup_concurrency: Option<usize>,

    /// Seconds of the loopback throughput measurement.
    #[arg(long, default_value_t = 2.0)]
    pub ceiling_secs: f64,

    /// CPU the servers are pinned to.
    #[arg(long, default_value_t = 0)]
    pub server_cpu: usize,

    /// CPU the load generator is pinned to.
    #[arg(long, default_value_t = 1)]
    pub bench_cpu: usize,

    /// Pin nothing.
    #[arg(long)]
    pub no_pin: bool,

    /// Count the server's system calls per delivered line with `perf stat`
    /// (fanout and latency; needs perf and tracepoint access).
    #[arg(long)]
    pub syscalls: bool,

    /// Keep each server's configuration and log directory in /tmp.
    #[arg(long)]
    pub keep_logs: bool,

    /// Upper bound in seconds on one fan-out run.
    #[arg(long, default_value_t = 300)]
    pub scenario_limit: u64,
}

/// One scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    Ceiling,
    Fanout,
    Latency,
    Idle,
    Churn,
    /// Storing and joining with history (natterd-history only).
    History,
    /// Clients spread over many rooms (not run by default).
    Rooms,
    /// One member of a room stops reading (not run by default).
    SlowReader,
}

/// A fan-out shape: clients x lines each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub clients: usize,
    pub lines: usize,
}

impl FromStr for Shape {
    type Err = String;

    fn from_str(s: &str) -> Result<Shape, String> {
        let (c, l) = s.split_once('x').ok_or("expected CLIENTSxLINES, e.g. 100x200")?;
        let num = |v: &str| v.trim().parse::<usize>().map_err(|e| format!("{v}: {e}"));
        let shape = Shape { clients: num(c)?, lines: num(l)? };
        if shape.clients < 2 || shape.lines < 1 {
            return Err("a fan-out needs at least 2 clients and 1 line".into());
        }
        Ok(shape)
    }
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{}", self.clients, self.lines)
    }
}

impl Options {
    /// Applies --quick.
    pub fn finish(mut self) -> Options {
        if self.quick {
            self.runs = 1;
            self.fanout = vec![Shape { clients: 10, lines: 20 }, Shape { clients: 50, lines: 10 }];
            self.latency_clients = 20;
            self.latency_rate = 200;
            self.latency_secs = 1.0;
            self.idle = vec![200];
            self.churn_secs = 1.0;
            self.rooms_clients = 100;
            self.rooms_count = 5;
            self.rooms_senders = 2;
            self.rooms_lines = 10;
            self.slow_members = 5;
            self.slow_senders = 2;
            self.slow_rate = 200;
            self.slow_filler_rate = 400;
            self.slow_secs = 1.0;
            self.ceiling_secs = 0.3;
            self.scenario_limit = 30;
        }
        self
    }

    pub fn wants(&self, scenario: Scenario) -> bool {
        self.scenarios.contains(&scenario)
    }

    fn pinning(&self) -> bool {
        !self.no_pin && sys::online_cpus() > self.server_cpu.max(self.bench_cpu)
    }

    /// The CPU to pin servers to, if pinning.
    pub fn server_cpu(&self) -> Option<usize> {
        self.pinning().then_some(self.server_cpu)
    }

    /// The CPU to pin the generator to, if pinning.
    pub fn bench_cpu(&self) -> Option<usize> {
        self.pinning().then_some(self.bench_cpu)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_parse() {
        assert_eq!("100x200".parse::<Shape>(), Ok(Shape { clients: 100, lines: 200 }));
        assert!("1x5".parse::<Shape>().is_err());
        assert!("100".parse::<Shape>().is_err());
    }

    #[test]
    fn quick_is_small() {
        let o = Options::try_parse_from(["natter-bench", "--quick"]).expect("parses").finish();
        assert_eq!(o.runs, 1);
        assert!(o.idle.iter().all(|&n| n <= 200));
    }
}
