//! Everything one bench run found, printed as Markdown tables (readable in
//! a terminal, pasteable into docs/performance.md) and saved as JSON.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::figures::{Ceiling, Churn, Fanout, Idle, Latency, Rooms, Series, SlowReader};
use crate::targets;

/// Where the figures were taken.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub cpus: usize,
    pub cpu_model: String,
    pub kernel: String,
    pub load_before: String,
    pub load_after: String,
    pub server_cpu: Option<usize>,
    pub bench_cpu: Option<usize>,
    pub fd_limit: u64,
}

/// A measured server.
#[derive(Debug, Clone, Serialize)]
pub struct PeerInfo {
    pub name: String,
    pub version: String,
    pub program: String,
    pub notes: Vec<String>,
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub command: String,
    pub machine: Machine,
    pub runs: u32,
    /// Fan-out lines in flight at most, overall and per sender.
    pub window: usize,
    pub sender_window: usize,
    pub peers: Vec<PeerInfo>,
    pub skipped: Vec<String>,
    pub ceiling: Option<Series<Ceiling>>,
    /// One entry per shape, each with one series per peer.
    pub fanout: Vec<Vec<Series<Fanout>>>,
    pub latency: Vec<Series<Latency>>,
    pub idle: Vec<Vec<Series<Idle>>>,
    pub churn: Vec<Series<Churn>>,
    pub rooms: Vec<Series<Rooms>>,
    pub slow_reader: Vec<Series<SlowReader>>,
}

impl Report {
    /// The loopback ceiling in bytes/s, if measured.
    pub fn ceiling_rate(&self) -> Option<f64> {
        self.ceiling.as_ref().filter(|c| c.median.error.is_none()).map(|c| c.median.bytes_per_sec)
    }

    /// All tables as Markdown.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let m = &self.machine;
        let pin = match (m.server_cpu, m.bench_cpu) {
            (Some(a), Some(b)) => format!("server on CPU {a}, generator on CPU {b}"),
            _ => "not pinned".into(),
        };
        let _ = writeln!(s, "## natter-bench results\n");
        let _ = writeln!(s, "- command: `{}`", self.command);
        let _ = writeln!(s, "- machine: {} CPUs, {}, Linux {}; {pin}", m.cpus, m.cpu_model, m.kernel);
        let _ = writeln!(s, "- load average before / after: {} / {}", m.load_before, m.load_after);
        let _ = writeln!(s, "- every figure is the median of {} run(s); CPU = user + system time\n", self.runs);
        for p in &self.peers {
            let _ = writeln!(s, "- {}: {} ({})", p.name, p.version, p.program);
        }
        for skip in &self.skipped {
            let _ = writeln!(s, "- {skip}");
        }
        if let Some(c) = &self.ceiling {
            let _ = writeln!(
                s,
                "\n### ceiling\n\nloopback TCP, one socket pair, 256 KiB writes: {}",
                rate_or_error(&c.median)
            );
            if c.median.error.is_none() {
                let _ = writeln!(
                    s,
                    "\nloopback TCP, one 69-byte write to each of 200 sockets in turn: {:.2} µs of the writer's CPU \
                     per write (the floor for one fan-out delivery)",
                    c.median.small_write_us
                );
            }
        }
        if !self.fanout.is_empty() {
            s.push_str(&self.fanout_table());
        }
        if !self.latency.is_empty() {
            s.push_str(&self.latency_table());
            if let (Some(c), Some(l)) = (&self.ceiling, self.latency.first()) {
                let l = &l.median;
                let receivers = l.clients.saturating_sub(1);
                let writes = l.rate as f64 * receivers as f64;
                let busy = writes * c.median.small_write_us / 1e6;
                let _ = writeln!(
                    s,
                    "\nfloor: {} lines/s to {receivers} receivers each is {writes:.0} writes/s; at {:.2} µs per write \
                     (ceiling) that alone keeps {:.0} % of one CPU busy, with no server code at all",
                    l.rate,
                    c.median.small_write_us,
                    100.0 * busy
                );
            }
        }
        if !self.idle.is_empty() {
            s.push_str(&self.idle_table());
        }
        if !self.churn.is_empty() {
            s.push_str(&self.churn_table());
        }
        if !self.rooms.is_empty() {
            s.push_str(&self.rooms_table());
        }
        if !self.slow_reader.is_empty() {
            s.push_str(&self.slow_reader_table());
        }
        s.push_str(&targets::render(self));
        s.push_str(&self.notes());
        s
    }

    fn fanout_table(&self) -> String {
        let mut t = Table::new(&[
            "peer",
            "clients x lines",
            "delivered lines/s",
            "MB/s",
            "of loopback",
            "time s",
            "server CPU s",
            "server ns/line",
            "bench CPU s",
            "missing",
            "out of order",
            "lost clients",
        ]);
        let mut calls = Table::new(&[
            "peer",
            "clients x lines",
            "syscalls/line",
            "reads/line",
            "writes/line",
            "epoll waits/line",
            "epoll_ctl/line",
        ]);
        for series in self.fanout.iter().flatten() {
            let f = &series.median;
            let share = self.ceiling_rate().map_or("-".into(), |c| format!("{:.1} %", 100.0 * f.bytes_per_sec / c));
            t.row(vec![
                series.peer.clone(),
                format!("{}x{}", f.clients, f.lines_each),
                si(f.lines_per_sec),
                format!("{:.0}", f.bytes_per_sec / 1e6),
                share,
                format!("{:.2}", f.secs),
                format!("{:.2}", f.server_cpu_s),
                format!("{:.0}", f.server_ns_per_line),
                format!("{:.2}", f.bench_cpu_s),
                f.missing.to_string(),
                f.disordered.to_string(),
                f.lost_clients.to_string(),
            ]);
            if f.syscalls_per_line.is_some() {
                calls.row(vec![
                    series.peer.clone(),
                    format!("{}x{}", f.clients, f.lines_each),
                    opt3(f.syscalls_per_line),
                    opt3(f.reads_per_line),
                    opt3(f.writes_per_line),
                    opt3(f.polls_per_line),
                    opt3(f.ctls_per_line),
                ]);
            }
        }
        let note = format!(
            "every client sends its lines as fast as the server takes them: at most {} lines in flight \
             (sent, not yet received by every other client), {} per sender",
            self.window, self.sender_window
        );
        let mut s = section("fanout", &note, &t);
        if calls.len() > 0 {
            s.push_str(&section("fanout: server system calls per delivered line (perf stat)", "", &calls));
        }
        s
    }

    fn latency_table(&self) -> String {
        let mut t = Table::new(&[
            "peer",
            "clients",
            "lines/s",
            "p50 ms",
            "p99 ms",
            "p99.9 ms",
            "max ms",
            "missing",
            "server CPU s",
            "bench CPU s",
            "syscalls/line",
            "writes/line",
        ]);
        for series in &self.latency {
            let l = &series.median;
            t.row(vec![
                series.peer.clone(),
                l.clients.to_string(),
                l.rate.to_string(),
                format!("{:.3}", l.p50_ms),
                format!("{:.3}", l.p99_ms),
                format!("{:.3}", l.p999_ms),
                format!("{:.3}", l.max_ms),
                l.missing.to_string(),
                format!("{:.2}", l.server_cpu_s),
                format!("{:.2}", l.bench_cpu_s),
                opt3(l.syscalls_per_line),
                opt3(l.writes_per_line),
            ]);
        }
        let note = "one-way delivery time, sender's write to receiver's read, over every delivered line";
        section("latency", note, &t)
    }

    fn idle_table(&self) -> String {
        let mut t = Table::new(&[
            "peer",
            "clients",
            "RSS before KiB",
            "RSS idle KiB",
            "KiB/conn",
            "RSS after close KiB",
            "setup s",
            "server CPU s",
            "bench CPU s",
            "lost clients",
        ]);
        for series in self.idle.iter().flatten() {
            let i = &series.median;
            t.row(vec![
                series.peer.clone(),
                i.clients.to_string(),
                i.rss_before_kib.to_string(),
                i.rss_after_kib.to_string(),
                format!("{:.2}", i.kib_per_conn),
                i.rss_closed_kib.to_string(),
                format!("{:.1}", i.setup_s),
                format!("{:.2}", i.server_cpu_s),
                format!("{:.2}", i.bench_cpu_s),
                i.lost_clients.to_string(),
            ]);
        }
        section("idle", "connected, named clients in the room doing nothing; CPU covers their setup", &t)
    }

    fn churn_table(&self) -> String {
        let mut t = Table::new(&[
            "peer",
            "cycles/s",
            "cycles",
            "in parallel",
            "RSS before KiB",
            "RSS after KiB",
            "change",
            "failures",
            "server CPU s",
            "bench CPU s",
        ]);
        for series in &self.churn {
            let c = &series.median;
            t.row(vec![
                series.peer.clone(),
                format!("{:.0}", c.cycles_per_sec),
                c.cycles.to_string(),
                c.concurrency.to_string(),
                c.rss_before_kib.to_string(),
                c.rss_after_kib.to_string(),
                format!("{:+.1} %", c.change_pct),
                c.failures.to_string(),
                format!("{:.2}", c.server_cpu_s),
                format!("{:.2}", c.bench_cpu_s),
            ]);
        }
        section("churn", "connect, name, disconnect, over and over", &t)
    }

    fn rooms_table(&self) -> String {
        let mut t = Table::new(&[
            "peer",
            "clients",
            "rooms",
            "senders x lines",
            "delivered lines/s",
            "vs natterd",
            "p50 ms",
            "p99 ms",
            "time s",
            "server CPU s",
            "server ns/line",
            "bench CPU s",
            "missing",
            "out of order",
            "wrong room",
            "lost clients",
        ]);
        let natterd = self.rooms.iter().find(|s| s.peer == "natterd" && s.median.error.is_none());
        for series in &self.rooms {
            let r = &series.median;
            let ratio = natterd.map_or("-".into(), |n| format!("{:.2}x", r.lines_per_sec / n.median.lines_per_sec));
            t.row(vec![
                series.peer.clone(),
                r.clients.to_string(),
                r.rooms.to_string(),
                format!("{}x{}", r.senders_per_room, r.lines_each),
                si(r.lines_per_sec),
                ratio,
                format!("{:.3}", r.p50_ms),
                format!("{:.3}", r.p99_ms),
                format!("{:.2}", r.secs),
                format!("{:.2}", r.server_cpu_s),
                format!("{:.0}", r.server_ns_per_line),
                format!("{:.2}", r.bench_cpu_s),
                r.missing.to_string(),
                r.disordered.to_string(),
                r.misrouted.to_string(),
                r.lost_clients.to_string(),
            ]);
        }
        let mut note = format!(
            "clients spread evenly over the rooms, the first senders of each room sending as fast as the server takes \
             them (at most {} lines in flight, {} per sender); latency is one-way under that load",
            self.window, self.sender_window
        );
        if let Some(n) = natterd {
            for other in self.rooms.iter().filter(|s| s.peer != "natterd" && s.median.error.is_none()) {
                let x = n.median.lines_per_sec / other.median.lines_per_sec;
                let _ = write!(note, "; natterd delivers {x:.2}x the lines/s of {}", other.peer);
            }
        }
        section("rooms", &note, &t)
    }

    fn slow_reader_table(&self) -> String {
        let mut t = Table::new(&[
            "peer",
            "room",
            "idle p50 ms",
            "idle p99 ms",
            "stalled p50 ms",
            "stalled p99 ms",
            "p99 change ms",
            "missing",
            "lost clients",
            "non-reader dropped",
        ]);
        for series in &self.slow_reader {
            let r = &series.median;
            for (room, idle50, idle99, slow50, slow99) in [
                ("#a", r.idle_a_p50_ms, r.idle_a_p99_ms, r.slow_a_p50_ms, r.slow_a_p99_ms),
                ("#b", r.idle_b_p50_ms, r.idle_b_p99_ms, r.slow_b_p50_ms, r.slow_b_p99_ms),
            ] {
                t.row(vec![
                    series.peer.clone(),
                    room.into(),
                    format!("{idle50:.3}"),
                    format!("{idle99:.3}"),
                    format!("{slow50:.3}"),
                    format!("{slow99:.3}"),
                    format!("{:+.3}", slow99 - idle99),
                    r.missing.to_string(),
                    r.lost_clients.to_string(),
                    if r.slow_dropped > 0 { "yes" } else { "no" }.into(),
                ]);
            }
        }
        let note = self.slow_reader.first().map_or(String::new(), |s| {
            let r = &s.median;
            format!(
                "#a and #b with {} members each, {} senders per room, {} lines/s in all, plus {} 400-byte lines/s into \
                 #a; {} s idle, then {} s with one more member of #a not reading (4 KiB receive buffer); bystanders' \
                 one-way latency",
                r.members, r.senders, r.rate, r.filler_rate, r.secs, r.secs
            )
        });
        section("slow reader", &note, &t)
    }

    fn notes(&self) -> String {
        let mut s = String::from("\n### what could not be turned off\n\n");
        for p in &self.peers {
            for n in &p.notes {
                let _ = writeln!(s, "- {}: {n}", p.name);
            }
        }
        let errors = self.errors();
        if !errors.is_empty() {
            s.push_str("\n### runs that failed\n\n");
            for e in errors {
                let _ = writeln!(s, "- {e}");
            }
        }
        s
    }

    fn errors(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut add = |peer: &str, what: String, e: &Option<String>| {
            if let Some(e) = e {
                out.push(format!("{peer} {what}: {e}"));
            }
        };
        for s in self.fanout.iter().flatten() {
            for r in &s.runs {
                add(&s.peer, format!("fanout {}x{}", r.clients, r.lines_each), &r.error);
            }
        }
        for s in &self.latency {
            for r in &s.runs {
                add(&s.peer, "latency".into(), &r.error);
            }
        }
        for s in self.idle.iter().flatten() {
            for r in &s.runs {
                add(&s.peer, format!("idle {}", r.clients), &r.error);
            }
        }
        for s in &self.churn {
            for r in &s.runs {
                add(&s.peer, "churn".into(), &r.error);
            }
        }
        for s in &self.rooms {
            for r in &s.runs {
                add(&s.peer, format!("rooms {} in {}", r.clients, r.rooms), &r.error);
            }
        }
        for s in &self.slow_reader {
            for r in &s.runs {
                add(&s.peer, "slow-reader".into(), &r.error);
            }
        }
        out
    }

    pub fn save_json(&self, path: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(path, text + "\n")
    }
}

fn rate_or_error(c: &Ceiling) -> String {
    match &c.error {
        Some(e) => format!("failed: {e}"),
        None => format!("{:.0} MB/s", c.bytes_per_sec / 1e6),
    }
}

fn section(title: &str, note: &str, t: &Table) -> String {
    if note.is_empty() {
        format!("\n### {title}\n\n{}", t.render())
    } else {
        format!("\n### {title}\n\n{note}\n\n{}", t.render())
    }
}

fn opt3(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.3}"))
}

/// 3.52 M, 812 k, 95.
pub fn si(v: f64) -> String {
    if !v.is_finite() {
        "-".into()
    } else if v >= 1e6 {
        format!("{:.2} M", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.0} k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

/// A Markdown table with padded columns.
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Table {
        Table { rows: vec![headers.iter().map(|h| h.to_string()).collect()] }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Rows below the header.
    pub fn len(&self) -> usize {
        self.rows.len() - 1
    }

    pub fn render(&self) -> String {
        let cols = self.rows[0].len();
        let width: Vec<usize> = (0..cols)
            .map(|c| self.rows.iter().map(|r| r.get(c).map_or(0, |s| s.chars().count())).max().unwrap_or(0))
            .collect();
        let mut s = String::new();
        for (i, row) in self.rows.iter().enumerate() {
            s.push('|');
            for (c, w) in width.iter().enumerate() {
                let cell = row.get(c).map_or("", String::as_str);
                let _ = if c == 0 { write!(s, " {cell:<w$} |") } else { write!(s, " {cell:>w$} |") };
            }
            s.push('\n');
            if i == 0 {
                s.push('|');
                for (c, w) in width.iter().enumerate() {
                    let _ = if c == 0 {
                        write!(s, " {} |", "-".repeat(*w))
                    } else {
                        write!(s, " {}: |", "-".repeat(w.saturating_sub(1)))
                    };
                }
                s.push('\n');
            }
        }
        s
    }
}
