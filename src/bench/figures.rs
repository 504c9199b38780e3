//! The figures each scenario produces, what `--json` saves, and the
//! median over repeated runs (each field on its own, over the runs that
//! finished without an error).

use serde::Serialize;

/// One fanout run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Fanout {
    pub clients: usize,
    pub lines_each: usize,
    pub window: usize,
    pub delivered: u64,
    pub expected: u64,
    pub missing: u64,
    pub disordered: u64,
    pub lost_clients: usize,
    pub secs: f64,
    pub lines_per_sec: f64,
    pub bytes_per_sec: f64,
    pub server_cpu_s: f64,
    pub server_ns_per_line: f64,
    pub bench_cpu_s: f64,
    /// Server system calls per delivered line (`--syscalls`): all of them,
    /// then reads, writes, epoll waits and epoll_ctl calls.
    pub syscalls_per_line: Option<f64>,
    pub reads_per_line: Option<f64>,
    pub writes_per_line: Option<f64>,
    pub polls_per_line: Option<f64>,
    pub ctls_per_line: Option<f64>,
    pub error: Option<String>,
}

/// One latency run; times in milliseconds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Latency {
    pub clients: usize,
    pub rate: u64,
    pub secs: f64,
    pub delivered: u64,
    pub missing: u64,
    pub lost_clients: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    pub wall_s: f64,
    pub server_cpu_s: f64,
    pub bench_cpu_s: f64,
    /// As for [`Fanout`], per delivered line (`--syscalls`).
    pub syscalls_per_line: Option<f64>,
    pub writes_per_line: Option<f64>,
    pub error: Option<String>,
}

/// One rooms run: clients spread over rooms, a few senders in each.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Rooms {
    pub clients: usize,
    pub rooms: usize,
    pub senders_per_room: usize,
    pub lines_each: usize,
    pub window: usize,
    pub delivered: u64,
    pub expected: u64,
    pub missing: u64,
    pub disordered: u64,
    /// Lines delivered to a client outside the sender's room.
    pub misrouted: u64,
    pub lost_clients: usize,
    pub secs: f64,
    pub lines_per_sec: f64,
    pub bytes_per_sec: f64,
    /// One-way delivery time under that load, ms.
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub server_cpu_s: f64,
    pub server_ns_per_line: f64,
    pub bench_cpu_s: f64,
    pub error: Option<String>,
}

/// One slow-reader run: bystanders' latency per room (ms), idle and then
/// with one member of #a not reading.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SlowReader {
    pub members: usize,
    pub senders: usize,
    pub rate: u64,
    pub filler_rate: u64,
    pub secs: f64,
    pub idle_a_p50_ms: f64,
    pub idle_a_p99_ms: f64,
    pub idle_b_p50_ms: f64,
    pub idle_b_p99_ms: f64,
    pub slow_a_p50_ms: f64,
    pub slow_a_p99_ms: f64,
    pub slow_b_p50_ms: f64,
    pub slow_b_p99_ms: f64,
    pub missing: u64,
    pub lost_clients: usize,
    /// 1 if the server had closed the member that stopped reading.
    pub slow_dropped: u64,
    pub server_cpu_s: f64,
    pub bench_cpu_s: f64,
    pub error: Option<String>,
}

/// One idle run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Idle {
    pub clients: usize,
    pub rss_before_kib: u64,
    pub rss_after_kib: u64,
    pub kib_per_conn: f64,
    pub rss_closed_kib: u64,
    pub setup_s: f64,
    pub lost_clients: usize,
    pub server_cpu_s: f64,
    pub bench_cpu_s: f64,
    pub error: Option<String>,
}

/// One churn run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Churn {
    pub secs: f64,
    pub concurrency: usize,
    pub cycles: u64,
    pub failures: u64,
    pub cycles_per_sec: f64,
    pub rss_before_kib: u64,
    pub rss_after_kib: u64,
    pub change_pct: f64,
    pub server_cpu_s: f64,
    pub bench_cpu_s: f64,
    pub error: Option<String>,
}

/// One loopback ceiling run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Ceiling {
    pub secs: f64,
    pub bytes_per_sec: f64,
    /// CPU µs of one chat-line-sized write, to one of many sockets in
    /// turn: the kernel's floor for one fan-out delivery.
    pub small_write_us: f64,
    pub error: Option<String>,
}

/// Every run of one scenario variant against one peer, and their median.
#[derive(Debug, Clone, Serialize)]
pub struct Series<T> {
    pub peer: String,
    pub runs: Vec<T>,
    pub median: T,
}

/// Figures that can be combined into a median.
pub trait Median: Clone + Default {
    fn error(&self) -> Option<&String>;
    /// The median of each field over `runs` (all of them share the setup).
    fn median_of(runs: &[&Self]) -> Self;
}

impl<T: Median> Series<T> {
    pub fn new(peer: &str, runs: Vec<T>) -> Series<T> {
        let ok: Vec<&T> = runs.iter().filter(|r| r.error().is_none()).collect();
        let median = if ok.is_empty() { runs.last().cloned().unwrap_or_default() } else { T::median_of(&ok) };
        Series { peer: peer.to_owned(), runs, median }
    }
}

/// Median of the values `f` has, `None` if no run has one.
pub fn med_opt<T>(runs: &[&T], f: impl Fn(&T) -> Option<f64>) -> Option<f64> {
    let have: Vec<f64> = runs.iter().filter_map(|r| f(r)).collect();
    (!have.is_empty()).then(|| med(&have.iter().collect::<Vec<_>>(), |v| *v))
}

/// Median of `f` over `runs`; the mean of the middle two for even counts.
pub fn med<T>(runs: &[&T], f: impl Fn(&T) -> f64) -> f64 {
    let mut v: Vec<f64> = runs.iter().map(|r| f(r)).collect();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

macro_rules! median_impl {
    ($ty:ident { keep: [$($keep:ident),*], float: [$($f:ident),*], int: [$($i:ident),*] $(, opt: [$($o:ident),*])? }) => {
        impl Median for $ty {
            fn error(&self) -> Option<&String> {
                self.error.as_ref()
            }

            fn median_of(runs: &[&Self]) -> Self {
                let first = runs[0];
                $ty {
                    $($keep: first.$keep.clone(),)*
                    $($f: med(runs, |r| r.$f),)*
                    $($i: med(runs, |r| r.$i as f64).round() as _,)*
                    $($($o: med_opt(runs, |r| r.$o),)*)?
                    error: None,
                }
            }
        }
    };
}

median_impl!(Fanout {
    keep: [clients, lines_each, window, expected],
    float: [secs, lines_per_sec, bytes_per_sec, server_cpu_s, server_ns_per_line, bench_cpu_s],
    int: [delivered, missing, disordered, lost_clients],
    opt: [syscalls_per_line, reads_per_line, writes_per_line, polls_per_line, ctls_per_line]
});
median_impl!(Latency {
    keep: [clients, rate, secs],
    float: [p50_ms, p99_ms, p999_ms, max_ms, wall_s, server_cpu_s, bench_cpu_s],
    int: [delivered, missing, lost_clients],
    opt: [syscalls_per_line, writes_per_line]
});
median_impl!(Rooms {
    keep: [clients, rooms, senders_per_room, lines_each, window, expected],
    float: [secs, lines_per_sec, bytes_per_sec, p50_ms, p99_ms, server_cpu_s, server_ns_per_line, bench_cpu_s],
    int: [delivered, missing, disordered, misrouted, lost_clients]
});
median_impl!(SlowReader {
    keep: [members, senders, rate, filler_rate, secs],
    float: [
        idle_a_p50_ms,
        idle_a_p99_ms,
        idle_b_p50_ms,
        idle_b_p99_ms,
        slow_a_p50_ms,
        slow_a_p99_ms,
        slow_b_p50_ms,
        slow_b_p99_ms,
        server_cpu_s,
        bench_cpu_s
    ],
    int: [missing, lost_clients, slow_dropped]
});
median_impl!(Idle {
    keep: [clients],
    float: [kib_per_conn, setup_s, server_cpu_s, bench_cpu_s],
    int: [rss_before_kib, rss_after_kib, rss_closed_kib, lost_clients]
});
median_impl!(Churn {
    keep: [secs, concurrency],
    float: [cycles_per_sec, change_pct, server_cpu_s, bench_cpu_s],
    int: [cycles, failures, rss_before_kib, rss_after_kib]
});
median_impl!(Ceiling { keep: [secs], float: [bytes_per_sec, small_write_us], int: [] });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_skips_failed_runs() {
        let run = |rate: f64, error: Option<&str>| Fanout {
            lines_per_sec: rate,
            error: error.map(String::from),
            ..Fanout::default()
        };
        let s = Series::new("x", vec![run(3.0, None), run(100.0, Some("died")), run(1.0, None), run(2.0, None)]);
        assert_eq!(s.median.lines_per_sec, 2.0);
        assert!(s.median.error.is_none());
    }
}
