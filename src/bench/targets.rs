//! Issue 5's targets for natterd, checked against the figures of the same
//! run. A benchmark, never a timed test: the verdicts are printed, and
//! nothing fails on them.

use crate::figures::{Churn, Fanout, Idle, Latency};
use crate::report::{si, Report, Table};

/// The targets table, or nothing when natterd was not measured.
pub fn render(r: &Report) -> String {
    let mut t = Table::new(&["target", "natterd", "ngircd", "inspircd", "verdict"]);
    let mut any = false;

    if let Some(shape) = r.fanout.iter().find(|v| v.first().is_some_and(|s| s.median.clients == 100)) {
        let get = |p: &str| shape.iter().find(|s| s.peer == p && s.median.error.is_none()).map(|s| &s.median);
        if let Some(n) = get("natterd") {
            any = true;
            let ng = get("ngircd");
            let ins = get("inspircd");
            let rate = |f: Option<&Fanout>| f.map_or("-".into(), |f| si(f.lines_per_sec));
            let verdict = ng.map_or("no ngircd figure".into(), |g| {
                let x = n.lines_per_sec / g.lines_per_sec;
                format!("{} ({x:.2}x ngircd)", met(x >= 2.0))
            });
            t.row(vec![
                "fanout 100: delivered lines/s >= 2x ngircd".into(),
                rate(Some(n)),
                rate(ng),
                rate(ins),
                verdict,
            ]);
            let ns = |f: Option<&Fanout>| f.map_or("-".into(), |f| format!("{:.0} ns", f.server_ns_per_line));
            let verdict = ng.map_or("no ngircd figure".into(), |g| {
                let x = n.server_ns_per_line / g.server_ns_per_line;
                format!("{} ({x:.2} of ngircd)", met(x <= 1.0 / 3.0))
            });
            t.row(vec!["fanout 100: server CPU per line <= 1/3 ngircd".into(), ns(Some(n)), ns(ng), ns(ins), verdict]);
        }
    }

    let get = |p: &str| r.latency.iter().find(|s| s.peer == p && s.median.error.is_none()).map(|s| &s.median);
    if let Some(n) = get("natterd") {
        any = true;
        let p99 = |l: Option<&Latency>| l.map_or("-".into(), |l| format!("{:.3} ms", l.p99_ms));
        let label = format!("latency p99 <= 1 ms ({} clients, {} lines/s)", n.clients, n.rate);
        t.row(vec![label, p99(Some(n)), p99(get("ngircd")), p99(get("inspircd")), met(n.p99_ms <= 1.0).into()]);
    }

    if let Some(biggest) = r.idle.iter().max_by_key(|v| v.first().map_or(0, |s| s.median.clients)) {
        let get = |p: &str| biggest.iter().find(|s| s.peer == p && s.median.error.is_none()).map(|s| &s.median);
        if let Some(n) = get("natterd") {
            any = true;
            let per = |i: Option<&Idle>| i.map_or("-".into(), |i| format!("{:.2} KiB", i.kib_per_conn));
            let label = format!("idle: <= 1 KiB per connection ({} clients)", n.clients);
            t.row(vec![
                label,
                per(Some(n)),
                per(get("ngircd")),
                per(get("inspircd")),
                met(n.kib_per_conn <= 1.0).into(),
            ]);
            let rss = |i: Option<&Idle>| i.map_or("-".into(), |i| format!("{} KiB", i.rss_before_kib));
            let label = "idle RSS (no clients) <= 2 MiB".to_string();
            t.row(vec![
                label,
                rss(Some(n)),
                rss(get("ngircd")),
                rss(get("inspircd")),
                met(n.rss_before_kib <= 2048).into(),
            ]);
        }
    }

    let get = |p: &str| r.churn.iter().find(|s| s.peer == p && s.median.error.is_none()).map(|s| &s.median);
    if let Some(n) = get("natterd") {
        any = true;
        let ch = |c: Option<&Churn>| c.map_or("-".into(), |c| format!("{:+.1} %", c.change_pct));
        let label = "churn: RSS back within 10 %".to_string();
        t.row(vec![label, ch(Some(n)), ch(get("ngircd")), ch(get("inspircd")), met(n.change_pct.abs() <= 10.0).into()]);
    }

    let history = history_targets(r);
    if !any && history.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    if any {
        out = format!("\n### targets (issue 5)\n\n{}", t.render());
    }
    out + &history
}

/// Issue 15's targets: natterd keeping history against ngircd (which keeps
/// none) and against natterd keeping none, in the same run.
fn history_targets(r: &Report) -> String {
    let mut t = Table::new(&["target", "natterd-history", "compared with", "verdict"]);
    let mut any = false;
    if let Some(shape) = r.fanout.iter().find(|v| v.first().is_some_and(|s| s.median.clients == 100)) {
        let get = |p: &str| shape.iter().find(|s| s.peer == p && s.median.error.is_none()).map(|s| &s.median);
        if let (Some(h), Some(g)) = (get("natterd-history"), get("ngircd")) {
            any = true;
            let x = h.lines_per_sec / g.lines_per_sec;
            t.row(vec![
                "fanout 100: delivered lines/s >= 2x ngircd, with history".into(),
                si(h.lines_per_sec),
                format!("ngircd {}", si(g.lines_per_sec)),
                format!("{} ({x:.2}x ngircd)", met(x >= 2.0)),
            ]);
            // Every line is stored once and delivered to the 99 others.
            let stored = h.lines_per_sec / (h.clients.saturating_sub(1).max(1)) as f64;
            t.row(vec!["fanout 100: stored lines/s".into(), si(stored), "-".into(), "(figure)".into()]);
        }
    }
    let lat = |p: &str| r.latency.iter().find(|s| s.peer == p && s.median.error.is_none()).map(|s| &s.median);
    if let (Some(h), Some(n)) = (lat("natterd-history"), lat("natterd")) {
        any = true;
        let x = h.p99_ms / n.p99_ms;
        t.row(vec![
            "latency p99 within 10 % of history off".into(),
            format!("{:.3} ms", h.p99_ms),
            format!("natterd {:.3} ms", n.p99_ms),
            format!("{} ({:+.0} %)", met(x <= 1.10), (x - 1.0) * 100.0),
        ]);
    }
    if let Some(biggest) = r.idle.iter().max_by_key(|v| v.first().map_or(0, |s| s.median.clients)) {
        let get = |p: &str| biggest.iter().find(|s| s.peer == p && s.median.error.is_none()).map(|s| &s.median);
        if let Some(h) = get("natterd-history") {
            any = true;
            let ng = get("ngircd").map_or("-".into(), |g| format!("ngircd {} KiB", g.rss_before_kib));
            t.row(vec![
                "idle RSS (no clients) <= 3 MiB, with history".into(),
                format!("{} KiB", h.rss_before_kib),
                ng,
                met(h.rss_before_kib <= 3072).into(),
            ]);
            t.row(vec![
                format!("idle: <= 1 KiB per connection ({} clients), with history", h.clients),
                format!("{:.2} KiB", h.kib_per_conn),
                "-".into(),
                met(h.kib_per_conn <= 1.0).into(),
            ]);
        }
    }
    if !any {
        return String::new();
    }
    format!("\n### targets (issue 15: history)\n\n{}", t.render())
}

fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}
