//! natterd as a peer: started with command-line options only.
//!
//! It logs at `warn`, so the per-join `info` lines stay out of the
//! figures; its 1 MiB output cap per client is already far above ngIRCd's
//! 32 KiB, so it stays at the default. Its per-address limit and flood
//! control are turned off, as the peers' are, when the build has them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What the bench changes in natterd, and why.
pub const NOTES: &[&str] = &[
    "started with --log-level warn --max-clients 20000, and --max-per-ip 0 --flood-rate 0 where the build has them; \
     the rest at its defaults",
    "--max-output-total 1 GiB where the build has it: the fanout window keeps up to 1,024 lines queued to every \
     client, about 70 MB at 1,000 clients, past the 64 MiB default that keeps a small VPS alive (it drops the \
     largest queues: about 50 of the 1,000 clients)",
];

/// natterd-history: the same, keeping history in a fresh database per run.
pub const HISTORY_NOTES: &[&str] = &["as natterd, but with --data-dir in the run's own directory: every chat line is \
     stored (SQLite, WAL, synchronous=NORMAL, search index) before anyone receives it; 50 lines replayed per join"];

/// Options that turn off the limits this natterd build has.
pub fn limits_off(program: &Path) -> Vec<String> {
    let help = Command::new(program).arg("--help").output();
    let help = help.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
    let mut args = Vec::new();
    for flag in ["--max-per-ip", "--flood-rate", "--max-connects-per-ip"] {
        if help.contains(flag) {
            args.extend([flag.to_owned(), "0".to_owned()]);
        }
    }
    if help.contains("--max-output-total") {
        args.extend(["--max-output-total".to_owned(), (1u64 << 30).to_string()]);
    }
    // Scenarios that measure history pass their own --data-dir instead.
    if help.contains("--no-history") {
        args.push("--no-history".to_owned());
    }
    args
}

/// The command line for one run.
pub fn command(program: &Path, addr: SocketAddr, extra: &[String]) -> std::io::Result<Command> {
    let mut cmd = Command::new(program);
    cmd.args(["--listen", &addr.to_string(), "--log-level", "warn", "--max-clients", "20000"]);
    cmd.args(extra);
    Ok(cmd)
}

/// natterd beside the bench binary (both come out of one cargo build),
/// else from PATH.
pub fn locate() -> Option<PathBuf> {
    let beside = std::env::current_exe().ok()?.with_file_name("natterd");
    if beside.is_file() {
        return Some(beside);
    }
    super::which("natterd")
}
