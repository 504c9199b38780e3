//! natter-bench: measures natterd against ngIRCd and InspIRCd side by
//! side over 127.0.0.1 (issue 5) and prints the figures as Markdown tables.
//!
//! - [`options`]: the command line; [`sys`]: pinning, rlimits, /proc.
//! - [`peers`]: finding, configuring, starting and stopping each server.
//! - [`net`], [`dialect`], [`swarm`]: the single-threaded load generator
//!   and the Natter and IRC client dialects it speaks.
//! - [`scenarios`]: ceiling, fanout, latency, idle, churn, and on request
//!   rooms and slow-reader.
//! - [`figures`], [`report`], [`targets`], [`chart`]: medians, tables,
//!   JSON, the targets and the SVG charts.

mod chart;
mod dialect;
mod figures;
mod net;
mod options;
mod peers;
mod progress;
mod report;
mod scenarios;
mod swarm;
mod sys;
mod syscount;
mod targets;

use std::process::ExitCode;

use clap::Parser;

use crate::figures::{Median, Series};
use crate::options::{Options, Scenario};
use crate::peers::{Peer, PeerKind};
use crate::report::{Machine, PeerInfo, Report};
use crate::scenarios::{ceiling, churn, fanout, history, idle, latency, rooms, slow_reader, Ctx};

fn main() -> ExitCode {
    let opts = Options::parse().finish();
    let fd_limit = sys::raise_fd_limit();
    if let Some(cpu) = opts.bench_cpu() {
        if let Err(e) = sys::pin_current_thread(cpu) {
            eprintln!("natter-bench: cannot pin to CPU {cpu}: {e}");
        }
    } else if !opts.no_pin {
        eprintln!("natter-bench: fewer than 2 CPUs: server and generator share, nothing is pinned");
    }
    let load_before = sys::load_average();

    let mut peers = Vec::new();
    let mut skipped = Vec::new();
    for name in &opts.peers {
        let Some(kind) = PeerKind::parse(name) else {
            eprintln!("natter-bench: unknown peer {name:?} (natterd, natterd-history, ngircd, inspircd)");
            return ExitCode::from(2);
        };
        match Peer::find(kind, opts.natterd.as_deref()) {
            Ok(peer) => peers.push(peer),
            Err(why) => {
                eprintln!("natter-bench: {why}");
                skipped.push(why);
            }
        }
    }
    if peers.is_empty() {
        eprintln!("natter-bench: no server to measure");
        return ExitCode::from(2);
    }
    let max_idle = opts.idle.iter().max().copied().unwrap_or(0);
    if opts.wants(Scenario::Idle) && (fd_limit as usize) < max_idle + 64 {
        eprintln!("natter-bench: the open-file limit ({fd_limit}) is below {max_idle} idle clients; raise ulimit -n");
    }
    if opts.wants(Scenario::Rooms) && (fd_limit as usize) < opts.rooms_clients + 64 {
        let n = opts.rooms_clients;
        eprintln!("natter-bench: the open-file limit ({fd_limit}) is below {n} rooms clients; raise ulimit -n");
    }

    let mut report = Report {
        command: std::env::args().collect::<Vec<_>>().join(" "),
        machine: Machine {
            cpus: sys::online_cpus(),
            cpu_model: sys::cpu_model(),
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim().to_owned(),
            load_before,
            load_after: String::new(),
            server_cpu: opts.server_cpu(),
            bench_cpu: opts.bench_cpu(),
            fd_limit,
        },
        runs: opts.runs,
        window: opts.window,
        sender_window: opts.sender_window,
        peers: peers
            .iter()
            .map(|p| PeerInfo {
                name: p.kind.name().into(),
                version: p.version.clone(),
                program: p.program.display().to_string(),
                notes: p.kind.notes().iter().map(|n| n.to_string()).collect(),
            })
            .collect(),
        skipped,
        ceiling: None,
        fanout: Vec::new(),
        latency: Vec::new(),
        idle: Vec::new(),
        churn: Vec::new(),
        rooms: Vec::new(),
        slow_reader: Vec::new(),
    };

    if opts.wants(Scenario::Ceiling) {
        eprintln!("ceiling: loopback throughput, {} s x {}", opts.ceiling_secs, opts.runs);
        let runs = (0..opts.runs).map(|_| ceiling::run(opts.ceiling_secs, opts.server_cpu())).collect();
        report.ceiling = Some(Series::new("loopback", runs));
    }
    if opts.wants(Scenario::Fanout) {
        for shape in &opts.fanout {
            let label = format!("fanout {shape}");
            report.fanout.push(each_peer(&opts, &peers, &label, |ctx| fanout::run(ctx, shape.clients, shape.lines)));
        }
    }
    if opts.wants(Scenario::Latency) {
        let label = format!("latency {} clients {} lines/s", opts.latency_clients, opts.latency_rate);
        report.latency = each_peer(&opts, &peers, &label, |ctx| {
            latency::run(ctx, opts.latency_clients, opts.latency_rate, opts.latency_secs)
        });
    }
    if opts.wants(Scenario::Idle) {
        for &n in &opts.idle {
            report.idle.push(each_peer(&opts, &peers, &format!("idle {n}"), |ctx| idle::run(ctx, n)));
        }
    }
    if opts.wants(Scenario::Churn) {
        report.churn = each_peer(&opts, &peers, "churn", |ctx| churn::run(ctx, opts.churn_secs));
    }
    if opts.wants(Scenario::Rooms) {
        let (c, r, s, l) = (opts.rooms_clients, opts.rooms_count, opts.rooms_senders, opts.rooms_lines);
        let label = format!("rooms {c} clients in {r} rooms, {s} senders each x {l} lines");
        report.rooms = each_peer(&opts, &peers, &label, |ctx| rooms::run(ctx, c, r, s, l));
    }
    if opts.wants(Scenario::SlowReader) {
        let label = format!("slow-reader {} members, {} lines/s", opts.slow_members, opts.slow_rate);
        report.slow_reader = each_peer(&opts, &peers, &label, |ctx| {
            slow_reader::run(
                ctx,
                opts.slow_members,
                opts.slow_senders,
                opts.slow_rate,
                opts.slow_filler_rate,
                opts.slow_secs,
            )
        });
    }
    let mut history_table = String::new();
    if opts.wants(Scenario::History) {
        match peers.iter().find(|p| p.kind == PeerKind::NatterdHistory) {
            Some(peer) => {
                let ctx = Ctx { opts: &opts, peer, label: "natterd-history history".into() };
                eprintln!("{}", ctx.label);
                history_table = history::render(&history::run(&ctx));
            }
            None => eprintln!("natter-bench: the history scenario needs the natterd-history peer"),
        }
    }
    report.machine.load_after = sys::load_average();

    println!("{}{history_table}", report.render());
    let mut status = ExitCode::SUCCESS;
    if let Some(path) = &opts.json {
        match report.save_json(path) {
            Ok(()) => eprintln!("natter-bench: figures saved to {}", path.display()),
            Err(e) => {
                eprintln!("natter-bench: cannot write {}: {e}", path.display());
                status = ExitCode::FAILURE;
            }
        }
    }
    if let Some(dir) = &opts.chart_dir {
        match chart::write_all(&report, dir) {
            Ok(paths) => paths.iter().for_each(|p| eprintln!("natter-bench: chart written to {}", p.display())),
            Err(e) => {
                eprintln!("natter-bench: cannot draw the charts: {e}");
                status = ExitCode::FAILURE;
            }
        }
    }
    status
}

/// Runs one scenario variant `opts.runs` times against every peer,
/// interleaving the peers so slow drift of the machine hits all alike.
fn each_peer<T: Median>(opts: &Options, peers: &[Peer], label: &str, run: impl Fn(&Ctx) -> T) -> Vec<Series<T>> {
    let mut runs: Vec<Vec<T>> = peers.iter().map(|_| Vec::new()).collect();
    for n in 1..=opts.runs {
        for (peer, out) in peers.iter().zip(&mut runs) {
            let ctx = Ctx { opts, peer, label: format!("{} {label} run {n}/{}", peer.kind.name(), opts.runs) };
            eprintln!("{}", ctx.label);
            let fig = run(&ctx);
            if let Some(e) = fig.error() {
                eprintln!("    {}: {e}", ctx.label);
            }
            out.push(fig);
        }
    }
    peers.iter().zip(runs).map(|(p, r)| Series::new(p.kind.name(), r)).collect()
}
