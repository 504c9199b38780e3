//! Shared helpers for the black-box tests: start the real `natterd` on
//! `127.0.0.1:0`, connect clients, send lines or raw bytes, and expect exact
//! lines back. Every wait has a deadline; a failed expectation panics with
//! what actually arrived, and a failing test prints the server's log tail.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::os::unix::io::AsRawFd;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long any single expected event may take. Generous, because the suite
/// runs a debug build on two busy cores; a stuck server still fails fast.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Not a natterd flag: marks a start that keeps the default data directory.
const DEFAULT_DIR: &str = "(default data dir)";

/// Path of the binary under test.
pub const NATTERD: &str = env!("CARGO_BIN_EXE_natterd");

/// How many server log lines to keep for a failing test's report.
const LOG_TAIL: usize = 40;

/// A running `natterd`, killed when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    log: Arc<Mutex<VecDeque<String>>>,
    /// Every line logged so far (history tests count errors).
    all: Arc<Mutex<Vec<String>>>,
    /// The data directory made for a start that named none: even with
    /// `--no-history` natterd keeps registered names there.
    pub own_dir: Option<tempfile::TempDir>,
}

impl Server {
    /// Starts `natterd --listen 127.0.0.1:0 ARGS…` and waits for its
    /// `listening on` line.
    pub fn start(args: &[&str]) -> Server {
        Server::spawn("127.0.0.1:0", args, None)
    }

    /// Starts `natterd --listen LISTEN ARGS…`.
    pub fn start_on(listen: &str, args: &[&str]) -> Server {
        Server::spawn(listen, args, None)
    }

    /// Like [`start`](Self::start), with the server's open-file limit (soft
    /// and hard) set to `limit`, to make it run out of descriptors.
    pub fn start_with_fd_limit(args: &[&str], limit: u64) -> Server {
        Server::spawn("127.0.0.1:0", args, Some(limit))
    }

    /// Like [`start`](Self::start), letting `configure` change the command
    /// first (environment, `pre_exec`).
    pub fn start_with(args: &[&str], configure: impl FnOnce(&mut Command)) -> Server {
        Server::spawn_with("127.0.0.1:0", args, None, configure)
    }

    /// Like [`start_with`](Self::start_with) but without the implied
    /// `--no-history`: natterd keeps history in its default directory, so
    /// `configure` must point HOME / XDG_STATE_HOME somewhere temporary.
    pub fn start_default_dir(args: &[&str], configure: impl FnOnce(&mut Command)) -> Server {
        let mut args = args.to_vec();
        args.push(DEFAULT_DIR);
        Server::spawn_with("127.0.0.1:0", &args, None, configure)
    }

    fn spawn(listen: &str, args: &[&str], fd_limit: Option<u64>) -> Server {
        Server::spawn_with(listen, args, fd_limit, |_| {})
    }

    fn spawn_with(listen: &str, args: &[&str], fd_limit: Option<u64>, configure: impl FnOnce(&mut Command)) -> Server {
        use std::os::unix::process::CommandExt;
        raise_fd_limit();
        let mut command = Command::new(NATTERD);
        command
            .args(["--listen", listen])
            .args(args.iter().filter(|a| **a != DEFAULT_DIR))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        // Live-chat tests keep no lines; history tests pass a --data-dir.
        if !args.iter().any(|a| a.starts_with("--data-dir") || *a == "--no-history" || *a == DEFAULT_DIR) {
            command.arg("--no-history");
        }
        // Accounts go to a temporary directory, never the tester's own.
        let own_dir = (!args.iter().any(|a| a.starts_with("--data-dir") || *a == DEFAULT_DIR)).then(|| {
            let dir = tempfile::tempdir().expect("a temporary data directory");
            command.arg("--data-dir").arg(dir.path());
            dir
        });
        if let Some(limit) = fd_limit {
            // SAFETY: setrlimit is async-signal-safe, as pre_exec requires.
            unsafe {
                command.pre_exec(move || {
                    let lim = libc::rlimit { rlim_cur: limit as libc::rlim_t, rlim_max: limit as libc::rlim_t };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                        return Err(io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        configure(&mut command);
        let mut child = command.spawn().expect("cannot start natterd");
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = Arc::new(Mutex::new(VecDeque::new()));
        let (tx, rx) = mpsc::channel();
        let tail = Arc::clone(&log);
        let all = Arc::new(Mutex::new(Vec::new()));
        let everything = Arc::clone(&all);
        // Drains stderr for the server's whole life so the pipe never fills.
        thread::spawn(move || {
            let mut reader = BufReader::new(stderr);
            let mut raw = Vec::new();
            let mut tx = Some(tx);
            loop {
                raw.clear();
                match reader.read_until(b'\n', &mut raw) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                let line = String::from_utf8_lossy(&raw).trim_end().to_string();
                if let Some(addr) = listening_addr(&line) {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(addr);
                    }
                }
                everything.lock().unwrap().push(line.clone());
                let mut tail = tail.lock().unwrap();
                if tail.len() == LOG_TAIL {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
        });
        let addr = match rx.recv_timeout(TIMEOUT) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                let status = child.wait();
                panic!(
                    "natterd {args:?} never logged `listening on` (exit: {status:?}); log:\n{}",
                    log.lock().unwrap().iter().cloned().collect::<Vec<_>>().join("\n")
                );
            }
        };
        Server { child, addr, log, all, own_dir }
    }

    /// Every line the server logged so far.
    pub fn log_lines(&self) -> Vec<String> {
        self.all.lock().unwrap().clone()
    }

    /// How many logged lines contain `needle`.
    pub fn log_count(&self, needle: &str) -> usize {
        self.all.lock().unwrap().iter().filter(|l| l.contains(needle)).count()
    }

    /// Waits up to `limit` for a logged line containing `needle`; returns it.
    pub fn wait_log(&self, needle: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(line) = self.all.lock().unwrap().iter().find(|l| l.contains(needle)) {
                return line.clone();
            }
            assert!(Instant::now() < deadline, "natterd never logged {needle:?}; log:\n{}", self.log_tail());
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// `kill -9`, and reaps the process.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts natterd with the per-address and flood limits off, for tests
    /// that open many connections or push bulk traffic from 127.0.0.1.
    pub fn start_bulk(args: &[&str]) -> Server {
        let mut all = vec!["--max-per-ip", "0", "--flood-rate", "0", "--max-connects-per-ip", "0"];
        all.extend_from_slice(args);
        Server::start(&all)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident set size in KiB, from `/proc/PID/status`.
    pub fn rss_kib(&self) -> u64 {
        self.status_kib("VmRSS:")
    }

    /// Anonymous resident memory in KiB (heap and stacks: what queues and
    /// sessions hold). Unlike [`rss_kib`](Self::rss_kib) it leaves out
    /// code pages, which natterd hands back after start and which come
    /// back in large blocks as code runs.
    pub fn anon_kib(&self) -> u64 {
        self.status_kib("RssAnon:")
    }

    fn status_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).expect("natterd is not running");
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc/PID/status"))
    }

    /// CPU time used so far (user + system), from `/proc/PID/stat`.
    pub fn cpu_time(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).expect("natterd is not running");
        // Fields after the `(comm)`: state is the first, utime the 12th, stime the 13th.
        let fields: Vec<&str> = stat[stat.rfind(')').expect("stat") + 1..].split_whitespace().collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        // SAFETY: sysconf has no preconditions.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
        Duration::from_millis(ticks * 1000 / hz)
    }

    /// Sends a signal by name (`TERM`, `INT`) with `kill(1)`.
    pub fn signal(&self, name: &str) {
        let status =
            Command::new("kill").arg(format!("-{name}")).arg(self.pid().to_string()).status().expect("cannot run kill");
        assert!(status.success(), "kill -{name} {} failed", self.pid());
    }

    /// Waits up to `limit` for the process to exit; `None` if it did not.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// Is the process still running?
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The last lines the server logged.
    pub fn log_tail(&self) -> String {
        self.log.lock().unwrap().iter().cloned().collect::<Vec<_>>().join("\n")
    }

    pub fn connect(&self) -> Client {
        Client::connect(self.addr)
    }

    /// Joins as `name` from another loopback address (`127.0.0.2` …), as
    /// a user elsewhere on the internet would: per-address limits treat it
    /// apart from the test's other clients on 127.0.0.1.
    #[allow(dead_code)]
    pub fn join_from(&self, local: std::net::Ipv4Addr, name: &str) -> Client {
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("a socket");
        socket.bind(&SocketAddr::from((local, 0)).into()).unwrap_or_else(|e| panic!("bind {local}: {e}"));
        socket.connect(&self.addr.into()).unwrap_or_else(|e| panic!("connect {} from {local}: {e}", self.addr));
        let stream: TcpStream = socket.into();
        stream.set_nodelay(true).expect("nodelay");
        let mut c = Client { stream, buf: Vec::new(), start: 0, label: "unnamed client".into() };
        c.join(name);
        c
    }

    /// Connects from another loopback address without sending anything.
    #[allow(dead_code)]
    pub fn connect_from(&self, local: std::net::Ipv4Addr) -> Client {
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("a socket");
        socket.bind(&SocketAddr::from((local, 0)).into()).unwrap_or_else(|e| panic!("bind {local}: {e}"));
        socket.connect(&self.addr.into()).unwrap_or_else(|e| panic!("connect {} from {local}: {e}", self.addr));
        let stream: TcpStream = socket.into();
        stream.set_nodelay(true).expect("nodelay");
        Client { stream, buf: Vec::new(), start: 0, label: format!("client from {local}") }
    }

    /// Connects and joins as `name`, asserting the welcome starts right.
    pub fn join(&self, name: &str) -> Client {
        let mut c = self.connect();
        c.join(name);
        c
    }

    /// Joins every name in order; after each join the earlier clients must
    /// see exactly `*** NAME joined`. Returns the clients with nothing unread.
    pub fn room(&self, names: &[&str]) -> Vec<Client> {
        let mut clients: Vec<Client> = Vec::new();
        for name in names {
            let c = self.join(name);
            for other in &mut clients {
                other.expect_line(&format!("*** {name} joined"));
            }
            clients.push(c);
        }
        clients
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if thread::panicking() {
            eprintln!("--- natterd log tail ---\n{}\n---", self.log_tail());
        }
    }
}

/// The address in a log line containing `listening on ADDR`.
fn listening_addr(line: &str) -> Option<SocketAddr> {
    let rest = &line[line.find("listening on ")? + "listening on ".len()..];
    let word = rest.split_whitespace().next()?;
    word.trim_end_matches(|c: char| !c.is_ascii_digit()).parse().ok()
}

/// Lifts this test process's open-file soft limit to the hard limit, since
/// the load tests hold a thousand sockets.
pub fn raise_fd_limit() {
    // SAFETY: getrlimit/setrlimit only read and write the struct passed in.
    unsafe {
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

/// Why reading a line stopped without one.
#[derive(Debug)]
pub enum NoLine {
    /// Nothing complete arrived before the deadline; holds any partial bytes.
    Timeout(Vec<u8>),
    /// The server closed the connection (EOF or reset); holds leftover bytes.
    Closed(Vec<u8>),
}

/// One TCP client speaking to natterd.
pub struct Client {
    pub stream: TcpStream,
    /// Received bytes; those before `start` were already handed out.
    buf: Vec<u8>,
    start: usize,
    /// Who this is in failure messages.
    pub label: String,
}

impl Client {
    pub fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
        stream.set_nodelay(true).expect("nodelay");
        Client { stream, buf: Vec::new(), start: 0, label: "unnamed client".into() }
    }

    /// Connects with a fixed, small receive buffer (no autotuning), so
    /// that what this client has not read yet piles up in natterd, not in
    /// the kernel.
    pub fn connect_small_rcvbuf(addr: SocketAddr, rcvbuf: libc::c_int) -> Client {
        use std::os::unix::io::FromRawFd;
        let SocketAddr::V4(v4) = addr else { panic!("IPv4 only: {addr}") };
        // SAFETY: plain socket calls on a descriptor owned by `stream` from
        // the moment it exists, with correctly sized arguments.
        let stream = unsafe {
            let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
            assert!(fd >= 0, "socket: {}", io::Error::last_os_error());
            let stream = TcpStream::from_raw_fd(fd);
            let rc = libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_RCVBUF,
                &rcvbuf as *const libc::c_int as *const libc::c_void,
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
            assert_eq!(rc, 0, "SO_RCVBUF: {}", io::Error::last_os_error());
            let sa = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: v4.port().to_be(),
                sin_addr: libc::in_addr { s_addr: u32::from_ne_bytes(v4.ip().octets()) },
                sin_zero: [0; 8],
            };
            let rc = libc::connect(
                fd,
                &sa as *const libc::sockaddr_in as *const libc::sockaddr,
                std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
            );
            assert_eq!(rc, 0, "connect {addr}: {}", io::Error::last_os_error());
            stream
        };
        stream.set_nodelay(true).expect("nodelay");
        Client { stream, buf: Vec::new(), start: 0, label: "unnamed client".into() }
    }

    // ---- sending ----

    /// Writes `line` plus `\n`.
    pub fn send_line(&mut self, line: &str) {
        self.send_raw(format!("{line}\n").as_bytes());
    }

    /// Writes exactly these bytes (no newline added).
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap_or_else(|e| panic!("{}: write failed: {e}", self.label));
    }

    /// Sends `name` as a line and expects `*** welcome NAME, online (`….
    /// Returns the whole welcome line.
    pub fn join(&mut self, name: &str) -> String {
        self.label = name.to_string();
        self.send_line(name);
        self.expect_welcome(name)
    }

    /// Sends the bare name with no newline, as the classic raw client
    /// does, and waits for the welcome (which comes after the ~300 ms the
    /// server waits for a newline).
    pub fn join_raw(&mut self, name: &str) -> String {
        self.label = format!("{name} (raw)");
        self.send_raw(name.as_bytes());
        self.expect_welcome(name)
    }

    fn expect_welcome(&mut self, name: &str) -> String {
        let line = self.next_line();
        let start = format!("*** welcome {name}, online (");
        assert!(line.starts_with(&start), "{}: expected a line starting {start:?}, got {line:?}", self.label);
        line
    }

    /// Closes with a TCP reset instead of a FIN (SO_LINGER 0): the most
    /// abrupt way a client can vanish.
    pub fn reset(self) {
        let linger = libc::linger { l_onoff: 1, l_linger: 0 };
        // SAFETY: a valid socket and a correctly sized option value.
        let rc = unsafe {
            libc::setsockopt(
                self.stream.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                &linger as *const libc::linger as *const libc::c_void,
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            )
        };
        assert_eq!(rc, 0, "setsockopt(SO_LINGER) failed");
        drop(self);
    }

    /// Half-closes: no more bytes from us, but we can still read.
    pub fn shutdown_write(&self) {
        self.stream.shutdown(Shutdown::Write).expect("shutdown(Write)");
    }

    /// A second handle on the socket, e.g. to write from another thread.
    pub fn writer(&self) -> TcpStream {
        self.stream.try_clone().expect("try_clone")
    }

    // ---- receiving ----

    /// The next complete line (terminator `\n` removed, nothing else) within
    /// `limit`.
    pub fn try_line(&mut self, limit: Duration) -> Result<String, NoLine> {
        let deadline = Instant::now() + limit;
        loop {
            let pending = &self.buf[self.start..];
            if let Some(nl) = pending.iter().position(|&b| b == b'\n') {
                let line = pending[..nl].to_vec();
                self.start += nl + 1;
                return Ok(String::from_utf8(line)
                    .unwrap_or_else(|e| panic!("{}: server sent invalid UTF-8: {:?}", self.label, e.as_bytes())));
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(NoLine::Timeout(self.take_buffered()));
            }
            match self.fill(deadline - now) {
                Ok(0) => return Err(NoLine::Closed(self.take_buffered())),
                Ok(_) => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) if is_reset(&e) => return Err(NoLine::Closed(self.take_buffered())),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => panic!("{}: read failed: {e}", self.label),
            }
        }
    }

    /// One read of whatever is there, waiting at most `limit`.
    fn fill(&mut self, limit: Duration) -> io::Result<usize> {
        thread_local! {
            static CHUNK: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; 64 * 1024]);
        }
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.stream.set_read_timeout(Some(limit.max(Duration::from_millis(1))))?;
        CHUNK.with(|chunk| {
            let mut chunk = chunk.borrow_mut();
            let n = self.stream.read(&mut chunk)?;
            self.buf.extend_from_slice(&chunk[..n]);
            Ok(n)
        })
    }

    /// Removes and returns every received byte not yet handed out.
    fn take_buffered(&mut self) -> Vec<u8> {
        let rest = self.buf.split_off(self.start);
        self.buf.clear();
        self.start = 0;
        rest
    }

    /// The next line; panics on timeout or close.
    pub fn next_line(&mut self) -> String {
        self.next_line_within(TIMEOUT)
    }

    pub fn next_line_within(&mut self, limit: Duration) -> String {
        match self.try_line(limit) {
            Ok(line) => line,
            Err(NoLine::Timeout(partial)) => {
                panic!("{}: no line within {limit:?} (partial: {:?})", self.label, String::from_utf8_lossy(&partial))
            }
            Err(NoLine::Closed(rest)) => panic!(
                "{}: connection closed while waiting for a line (leftover: {:?})",
                self.label,
                String::from_utf8_lossy(&rest)
            ),
        }
    }

    /// The next line must be exactly `want`.
    pub fn expect_line(&mut self, want: &str) {
        let label = self.label.clone();
        match self.try_line(TIMEOUT) {
            Ok(got) => assert_eq!(got, want, "{label}: wrong line"),
            Err(e) => panic!("{label}: expected {want:?}, got {e:?}"),
        }
    }

    /// The next lines must be exactly `want`, in order.
    pub fn expect_lines(&mut self, want: &[&str]) {
        for w in want {
            self.expect_line(w);
        }
    }

    /// Skips lines until one equals `want`; returns the skipped ones.
    /// At most `max_skip` lines may come first.
    pub fn skip_until(&mut self, want: &str, max_skip: usize) -> Vec<String> {
        let mut skipped = Vec::new();
        loop {
            let got = self.next_line();
            if got == want {
                return skipped;
            }
            skipped.push(got);
            assert!(skipped.len() <= max_skip, "{}: {want:?} not among {skipped:?}", self.label);
        }
    }

    /// The server closes the connection with no further line.
    pub fn expect_closed(&mut self) {
        let label = self.label.clone();
        match self.try_line(TIMEOUT) {
            Err(NoLine::Closed(rest)) if rest.is_empty() => {}
            Err(NoLine::Closed(rest)) => {
                panic!("{label}: closed after an unterminated {:?}", String::from_utf8_lossy(&rest))
            }
            Ok(line) => panic!("{label}: expected the connection to close, got line {line:?}"),
            Err(e) => panic!("{label}: expected the connection to close, got {e:?}"),
        }
    }

    /// Reads everything until the server closes; returns all bytes.
    pub fn read_to_close(&mut self, limit: Duration) -> Vec<u8> {
        let deadline = Instant::now() + limit;
        loop {
            let now = Instant::now();
            assert!(now < deadline, "{}: still open after {limit:?}", self.label);
            match self.fill(deadline - now) {
                Ok(0) => return self.take_buffered(),
                Ok(_) => {}
                Err(e) if is_reset(&e) => return self.take_buffered(),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted) => {}
                Err(e) => panic!("{}: read failed: {e}", self.label),
            }
        }
    }

    /// Asserts that nothing arrives for `quiet`. Only for absence checks
    /// (keep `quiet` short); follow it with a round trip to prove order.
    pub fn expect_no_line_within(&mut self, quiet: Duration) {
        match self.try_line(quiet) {
            Err(NoLine::Timeout(partial)) if partial.is_empty() => {}
            Err(NoLine::Timeout(partial)) => {
                panic!("{}: unexpected partial line {:?}", self.label, String::from_utf8_lossy(&partial))
            }
            Ok(line) => panic!("{}: expected silence, got {line:?}", self.label),
            Err(e) => panic!("{}: expected silence, got {e:?}", self.label),
        }
    }

    /// Every line that arrives until `deadline`; panics if the server
    /// closes the connection first.
    pub fn lines_until(&mut self, deadline: Instant) -> Vec<String> {
        let mut lines = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.try_line(left) {
                Ok(line) => lines.push(line),
                Err(NoLine::Timeout(_)) => break,
                Err(e) => panic!("{}: {e:?}", self.label),
            }
        }
        lines
    }

    /// `/join ROOM` of a room new to this client: the next line must be
    /// the room's tagged welcome listing `members` (sorted ignoring case).
    pub fn enter(&mut self, room: &str, members: &[&str]) {
        self.send_line(&format!("/join {room}"));
        let want = format!("{room} {}", welcome(&self.label, members));
        self.expect_line(&want);
    }

    /// `/rooms`: checks the header's count and returns the room lines as
    /// a set (tests that care about their order read them themselves).
    pub fn rooms(&mut self) -> std::collections::BTreeSet<String> {
        self.send_line("/rooms");
        let head = self.next_line();
        let n: usize = head
            .strip_prefix("*** rooms (")
            .and_then(|r| r.strip_suffix("):"))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{}: not a /rooms header: {head:?}", self.label));
        (0..n).map(|_| self.next_line()).collect()
    }

    /// Round trip through an unknown command, whose error goes to the
    /// sender alone: proves nothing else was queued for us before it,
    /// whatever room we are talking in.
    pub fn sync(&mut self) {
        self.send_line("/sync");
        self.expect_line("*** error: unknown command /sync");
    }

    /// Round trip through `/who`: the next line must be this exact list.
    /// Proves nothing else was queued for us before it.
    pub fn expect_who(&mut self, names: &[&str]) {
        self.send_line("/who");
        self.expect_line(&online(names));
    }
}

fn is_reset(e: &io::Error) -> bool {
    matches!(e.kind(), ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe)
}

/// `online (N): a, b` as the server formats a list (names given in the
/// order expected on the wire).
pub fn online(names: &[&str]) -> String {
    format!("*** online ({}): {}", names.len(), names.join(", "))
}

/// The exact welcome line for `name` with these names online.
pub fn welcome(name: &str, names: &[&str]) -> String {
    format!("*** welcome {name}, online ({}): {}", names.len(), names.join(", "))
}

/// Parses `*** welcome NAME, online (N): a, b` into its names, checking N.
pub fn welcome_names(line: &str, name: &str) -> Vec<String> {
    let rest = line
        .strip_prefix(&format!("*** welcome {name}, online ("))
        .unwrap_or_else(|| panic!("not a welcome for {name}: {line:?}"));
    let (count, list) = rest.split_once("): ").unwrap_or_else(|| panic!("bad welcome {line:?}"));
    let names: Vec<String> = list.split(", ").map(str::to_string).collect();
    assert_eq!(count.parse::<usize>().ok(), Some(names.len()), "count disagrees in {line:?}");
    names
}

/// Lines as a set, to compare with [`Client::rooms`].
pub fn set(lines: &[&str]) -> std::collections::BTreeSet<String> {
    lines.iter().map(|l| l.to_string()).collect()
}
