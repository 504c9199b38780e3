//! `--syscalls`: counts a server's system calls during a measured phase
//! with `perf stat` on the kernel's syscall tracepoints (cheap, unlike
//! strace, which would slow the server and so change its batching).
//!
//! Optional: without perf, or without permission for tracepoints, the
//! counts are simply missing from the table.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::sys;

/// Tracepoints counted, and the group each one is added to.
const EVENTS: [(&str, Group); 14] = [
    ("raw_syscalls:sys_enter", Group::All),
    ("syscalls:sys_enter_read", Group::Read),
    ("syscalls:sys_enter_recvfrom", Group::Read),
    ("syscalls:sys_enter_recvmsg", Group::Read),
    ("syscalls:sys_enter_write", Group::Write),
    ("syscalls:sys_enter_writev", Group::Write),
    ("syscalls:sys_enter_sendto", Group::Write),
    ("syscalls:sys_enter_sendmsg", Group::Write),
    ("syscalls:sys_enter_epoll_wait", Group::Poll),
    ("syscalls:sys_enter_epoll_pwait", Group::Poll),
    ("syscalls:sys_enter_epoll_pwait2", Group::Poll),
    ("syscalls:sys_enter_epoll_ctl", Group::PollCtl),
    ("syscalls:sys_enter_accept4", Group::Other),
    ("syscalls:sys_enter_close", Group::Other),
];

#[derive(Clone, Copy)]
enum Group {
    All,
    Read,
    Write,
    Poll,
    PollCtl,
    Other,
}

/// System calls counted over one phase.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub all: u64,
    pub reads: u64,
    pub writes: u64,
    pub polls: u64,
    pub poll_ctls: u64,
}

/// A running `perf stat` attached to one process.
pub struct SysCount {
    child: Child,
    out: PathBuf,
}

impl SysCount {
    /// Attaches to `pid`; `None` if perf is not there.
    pub fn start(pid: u32) -> Option<SysCount> {
        static RUN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let out = std::env::temp_dir().join(format!("natter-bench-perf-{}-{n}.csv", std::process::id()));
        let events: Vec<&str> = EVENTS.iter().map(|e| e.0).collect();
        let child = Command::new("perf")
            .args(["stat", "-x", ",", "-o"])
            .arg(&out)
            .args(["-e", &events.join(","), "-p", &pid.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        // perf needs a moment to attach before the phase starts.
        std::thread::sleep(Duration::from_millis(300));
        Some(SysCount { child, out })
    }

    /// Detaches and returns the counts.
    pub fn stop(mut self) -> Option<Counts> {
        sys::signal(self.child.id(), libc::SIGINT);
        let _ = self.child.wait();
        let text = std::fs::read_to_string(&self.out).ok();
        let _ = std::fs::remove_file(&self.out);
        parse(&text?)
    }
}

/// Reads `perf stat -x,` output: `COUNT,UNIT,EVENT,...` per line.
fn parse(text: &str) -> Option<Counts> {
    let mut c = Counts::default();
    let mut seen = false;
    for line in text.lines() {
        let mut fields = line.split(',');
        let (Some(count), Some(_unit), Some(event)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        let Ok(count) = count.trim().parse::<u64>() else {
            continue;
        };
        let Some(&(_, group)) = EVENTS.iter().find(|e| e.0 == event.trim()) else {
            continue;
        };
        seen = true;
        match group {
            Group::All => c.all += count,
            Group::Read => c.reads += count,
            Group::Write => c.writes += count,
            Group::Poll => c.polls += count,
            Group::PollCtl => c.poll_ctls += count,
            Group::Other => {}
        }
    }
    seen.then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_perf_csv() {
        let text =
            "# started on x\n\n1000,,raw_syscalls:sys_enter,5,100.00,,\n300,,syscalls:sys_enter_write,5,100.00,,\n\
                    <not counted>,,syscalls:sys_enter_writev,0,100.00,,\n200,,syscalls:sys_enter_read,5,100.00,,\n";
        let c = parse(text).expect("counts");
        assert_eq!((c.all, c.writes, c.reads, c.polls), (1000, 300, 200, 0));
    }
}
