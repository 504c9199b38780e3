//! The servers under test: finding them, starting each in the foreground
//! with its own configuration in a temporary directory on a free
//! 127.0.0.1 port, pinned to the server CPU, watching its CPU time and
//! memory, and stopping it.
//!
//! The per-server details (command line, configuration file, what could
//! not be turned off) live in `peers/{natterd,ngircd,inspircd}.rs`.

mod inspircd;
mod natterd;
mod ngircd;

use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::dialect::Dialect;
use crate::sys;

/// How long a server may take to accept its first connection.
const START_LIMIT: Duration = Duration::from_secs(15);
/// How long a server may take to exit after SIGTERM.
const STOP_LIMIT: Duration = Duration::from_secs(5);

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerKind {
    Natterd,
    /// natterd keeping history in SQLite (in the run's directory).
    NatterdHistory,
    Ngircd,
    Inspircd,
}

impl PeerKind {
    pub const ALL: [PeerKind; 4] = [PeerKind::Natterd, PeerKind::NatterdHistory, PeerKind::Ngircd, PeerKind::Inspircd];

    pub fn name(self) -> &'static str {
        match self {
            PeerKind::Natterd => "natterd",
            PeerKind::NatterdHistory => "natterd-history",
            PeerKind::Ngircd => "ngircd",
            PeerKind::Inspircd => "inspircd",
        }
    }

    pub fn parse(s: &str) -> Option<PeerKind> {
        PeerKind::ALL.into_iter().find(|p| p.name().eq_ignore_ascii_case(s))
    }

    pub fn dialect(self) -> Dialect {
        match self {
            PeerKind::Natterd | PeerKind::NatterdHistory => Dialect::Natter,
            PeerKind::Ngircd | PeerKind::Inspircd => Dialect::Irc,
        }
    }

    /// How many clients may be setting up at once without tripping the
    /// server: ngIRCd listens with a backlog of 10; InspIRCd 3 finishes
    /// registrations on a once-a-second timer, so it needs many at once.
    pub fn setup_concurrency(self) -> usize {
        match self {
            PeerKind::Natterd | PeerKind::NatterdHistory => 256,
            PeerKind::Ngircd => 8,
            PeerKind::Inspircd => 2048,
        }
    }

    /// What the bench could not turn off in this server's configuration.
    pub fn notes(self) -> &'static [&'static str] {
        match self {
            PeerKind::Natterd => natterd::NOTES,
            PeerKind::NatterdHistory => natterd::HISTORY_NOTES,
            PeerKind::Ngircd => ngircd::NOTES,
            PeerKind::Inspircd => inspircd::NOTES,
        }
    }
}

/// An installed server the bench can start.
#[derive(Debug, Clone)]
pub struct Peer {
    pub kind: PeerKind,
    pub program: PathBuf,
    pub version: String,
    /// Extra command-line options this build understands (natterd's limits
    /// that must be off, like the peers' flood limits).
    pub extra_args: Vec<String>,
}

impl Peer {
    /// Finds `kind`'s program; `Err` says why it is skipped.
    pub fn find(kind: PeerKind, natterd: Option<&Path>) -> Result<Peer, String> {
        let program = match (kind, natterd) {
            (PeerKind::Natterd | PeerKind::NatterdHistory, Some(path)) => Some(path.to_path_buf()),
            (PeerKind::Natterd | PeerKind::NatterdHistory, None) => natterd::locate(),
            _ => which(kind.name()),
        };
        let Some(program) = program.filter(|p| p.is_file()) else {
            let hint = match kind {
                PeerKind::Natterd | PeerKind::NatterdHistory => {
                    "build it (cargo build --release) or pass --natterd PATH"
                }
                _ => "apt-get install ngircd inspircd",
            };
            return Err(format!("{} is not installed; skipped ({hint})", kind.name()));
        };
        let version = version_of(kind, &program);
        let extra_args = match kind {
            PeerKind::Natterd => natterd::limits_off(&program),
            PeerKind::NatterdHistory => {
                natterd::limits_off(&program).into_iter().filter(|a| a != "--no-history").collect()
            }
            _ => Vec::new(),
        };
        Ok(Peer { kind, program, version, extra_args })
    }
}

/// A running server.
pub struct Server {
    pub kind: PeerKind,
    child: Child,
    pub pid: u32,
    pub addr: SocketAddr,
    dir: PathBuf,
    keep_dir: bool,
}

impl Server {
    /// Writes the configuration, starts the server (pinned to `cpu`) and
    /// waits until it accepts connections.
    pub fn start(peer: &Peer, cpu: Option<usize>, keep_dir: bool) -> Result<Server, String> {
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("natter-bench-{}-{}-{n}", std::process::id(), peer.kind.name()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let port = free_port().map_err(|e| format!("no free port: {e}"))?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let mut cmd = match peer.kind {
            PeerKind::Natterd => natterd::command(&peer.program, addr, &peer.extra_args),
            PeerKind::NatterdHistory => {
                let data = dir.join("data").to_string_lossy().into_owned();
                let args: Vec<String> =
                    peer.extra_args.iter().cloned().chain(["--data-dir".to_owned(), data]).collect();
                natterd::command(&peer.program, addr, &args)
            }
            PeerKind::Ngircd => ngircd::command(&peer.program, &dir, port),
            PeerKind::Inspircd => inspircd::command(&peer.program, &dir, port),
        }
        .map_err(|e| format!("cannot write the {} configuration: {e}", peer.kind.name()))?;
        let log = File::create(dir.join("server.log")).map_err(|e| format!("cannot create the log: {e}"))?;
        let log2 = log.try_clone().map_err(|e| e.to_string())?;
        cmd.stdin(Stdio::null()).stdout(log).stderr(log2);
        if let Some(cpu) = cpu {
            sys::pin_command(&mut cmd, cpu);
        }
        let child = cmd.spawn().map_err(|e| format!("cannot start {}: {e}", peer.program.display()))?;
        let mut server = Server { kind: peer.kind, pid: child.id(), child, addr, dir, keep_dir };
        server.wait_listening()?;
        Ok(server)
    }

    fn wait_listening(&mut self) -> Result<(), String> {
        let start = Instant::now();
        while start.elapsed() < START_LIMIT {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("{} exited at start ({status}); log:\n{}", self.kind.name(), self.log_tail()));
            }
            if TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok() {
                // Let it notice the probe's close before anyone measures.
                std::thread::sleep(Duration::from_millis(200));
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!("{} did not listen on {} within {:?}", self.kind.name(), self.addr, START_LIMIT))
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// CPU time used so far.
    pub fn cpu(&self) -> Duration {
        sys::proc_cpu(self.pid).unwrap_or_default()
    }

    /// Resident memory in KiB.
    pub fn rss_kib(&self) -> u64 {
        sys::proc_rss_kib(self.pid).unwrap_or(0)
    }

    /// The last lines of the server's own log.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(8)..].join("\n")
    }

    /// SIGTERM, then SIGKILL if it lingers.
    pub fn stop(mut self) {
        self.terminate();
    }

    fn terminate(&mut self) {
        if !self.alive() {
            return;
        }
        sys::signal(self.pid, libc::SIGTERM);
        let start = Instant::now();
        while start.elapsed() < STOP_LIMIT {
            if !self.alive() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.terminate();
        if !self.keep_dir {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A port nobody listens on right now.
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// `name` in PATH or the sbin directories, where Debian puts daemons.
fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn version_of(kind: PeerKind, program: &Path) -> String {
    let flag = match kind {
        PeerKind::Natterd | PeerKind::NatterdHistory | PeerKind::Inspircd => "--version",
        PeerKind::Ngircd => "-V",
    };
    let out = Command::new(program).arg(flag).stdin(Stdio::null()).output();
    let text = out.map(|o| [o.stdout, o.stderr].concat()).unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("unknown version").to_owned()
}
