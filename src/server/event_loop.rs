//! The single-threaded poll loop: accepting, reading, timers, flushing,
//! closing and shutdown.
//!
//! Each turn handles a batch of events, then runs due timers, then closes
//! what was marked closing (telling the room), then writes what was queued:
//! one write attempt per socket per turn however many lines wait. Sockets
//! ask for WRITABLE only while output is pending.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::io::{self, ErrorKind, Write};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use log::{debug, error, info, warn};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use natter::protocol::{clean_text, ErrorKind as ReplyError, Frame, Reply};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook_mio::v1_0::Signals;

use crate::clients::Clients;
use crate::commands::{self, Cx};
use crate::connection::{Connection, Mode, ReadOutcome, State};
use crate::flood::FloodLimit;
use crate::options::Options;
use crate::room::Room;

const LISTENER: Token = Token(0);
const SIGNALS: Token = Token(1);
const TLS_LISTENER: Token = Token(2);
/// Client tokens are the slab key plus this.
const FIRST_CLIENT: usize = 3;

/// How long unterminated first bytes wait before the client counts as a
/// classic raw client that never sends newlines.
const RAW_DETECT: Duration = Duration::from_millis(300);
/// How long to pause accepting after a failure such as EMFILE.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);
/// How long shutdown waits for output to drain.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);
/// Reads per socket per turn, so one fast sender cannot starve the others.
const READS_PER_TURN: usize = 16;
const READ_CHUNK: usize = 16 * 1024;
/// A congested client whose output has not moved for this long has stopped
/// reading: it is dropped rather than allowed to hold back the room.
const STALL: Duration = Duration::from_millis(500);
/// Longest a client may stay congested, even reading a trickle, before it
/// is dropped: one slow reader must not throttle everyone for long.
const CONGESTED_MAX: Duration = Duration::from_secs(5);
/// How often congestion is rechecked while any client is congested.
const CONGESTION_TICK: Duration = Duration::from_millis(50);
/// Quiet time after a burst before freed heap is handed back.
const TRIM_AFTER: Duration = Duration::from_millis(200);
/// Joins or closes in one turn that count as a burst worth trimming after.
const TRIM_BURST: usize = 32;
/// Bytes queued in one turn that count as a busy spell worth trimming after.
const TRIM_BUSY_BYTES: usize = 256 * 1024;

/// A timer entry naming one connection: (when, slab key, connection id).
type Timer = (Instant, usize, u64);

/// natterd's whole state.
pub struct Server {
    poll: Poll,
    listener: Option<TcpListener>,
    /// The TLS listener and its config, with --listen-tls.
    tls_listener: Option<TcpListener>,
    tls_config: Option<Arc<rustls::ServerConfig>>,
    signals: Signals,
    clients: Clients,
    room: Room,
    options: Options,
    next_id: u64,
    /// Unnamed clients with unterminated input, oldest first.
    raw_checks: VecDeque<Timer>,
    /// When to next look for connections that sent no name in time. One
    /// sweep a second at most, rather than a timer per connection, keeps
    /// fast connect/disconnect churn from piling up timers.
    name_sweep_at: Option<Instant>,
    /// When to hand freed heap back to the kernel: set after a burst of
    /// connects or closes (a join storm leaves megabytes of freed welcome
    /// lines and notices that glibc would otherwise keep), and pushed back
    /// while the burst goes on.
    trim_at: Option<Instant>,
    /// Connections accepted or reaped this turn.
    churn: usize,
    /// Throttled clients, earliest refill first.
    flood_timers: BinaryHeap<Reverse<Timer>>,
    flood: FloodLimit,
    /// Open connections per peer address, for `--max-per-ip`.
    per_ip: HashMap<IpAddr, usize>,
    /// Sockets that still had data after their read budget: (key, id).
    read_again: Vec<(usize, u64)>,
    /// Sockets not read because a recipient was congested: (key, id).
    /// Edge-triggered polling will not report them again, so they are
    /// resumed by hand once congestion clears.
    paused_reads: Vec<(usize, u64)>,
    accept_paused_until: Option<Instant>,
    last_accept_warning: Option<Instant>,
    shutdown_deadline: Option<Instant>,
    read_buf: Vec<u8>,
}

impl Server {
    /// Loads TLS material, binds the listeners and registers them and the
    /// signal source. Errors say which address or file is at fault.
    pub fn bind(options: Options) -> Result<Server, String> {
        let tls_config = match (&options.tls_cert, &options.tls_key) {
            (Some(cert), Some(key)) => Some(crate::tls::load_config(cert, key)?),
            _ => None,
        };
        let setup = |e: io::Error| format!("cannot set up the event loop: {e}");
        let poll = Poll::new().map_err(setup)?;
        let listen = |addr: SocketAddr, token: Token| -> Result<TcpListener, String> {
            let mut listener = TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
            poll.registry().register(&mut listener, token, Interest::READABLE).map_err(setup)?;
            Ok(listener)
        };
        let listener = listen(options.listen, LISTENER)?;
        let tls_listener = options.listen_tls.map(|addr| listen(addr, TLS_LISTENER)).transpose()?;
        let mut signals = Signals::new([SIGINT, SIGTERM]).map_err(setup)?;
        poll.registry().register(&mut signals, SIGNALS, Interest::READABLE).map_err(setup)?;
        let flood = FloodLimit { rate: options.flood_rate, burst: options.flood_burst };
        Ok(Server {
            poll,
            listener: Some(listener),
            tls_listener,
            tls_config,
            signals,
            clients: Clients::new(options.max_queue),
            room: Room::default(),
            options,
            next_id: 0,
            raw_checks: VecDeque::new(),
            name_sweep_at: None,
            trim_at: None,
            churn: 0,
            flood_timers: BinaryHeap::new(),
            flood,
            per_ip: HashMap::new(),
            read_again: Vec::new(),
            paused_reads: Vec::new(),
            accept_paused_until: None,
            last_accept_warning: None,
            shutdown_deadline: None,
            read_buf: vec![0; READ_CHUNK],
        })
    }

    /// Runs until a signal has been handled and output drained.
    pub fn run(mut self) -> io::Result<()> {
        if let Some(l) = &self.listener {
            info!("listening on {}", l.local_addr()?);
        }
        if let Some(l) = &self.tls_listener {
            info!("listening on {} (tls)", l.local_addr()?);
        }
        let mut events = Events::with_capacity(1024);
        loop {
            let timeout = self.next_timeout();
            if let Err(e) = self.poll.poll(&mut events, timeout) {
                if e.kind() == ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            for event in events.iter() {
                match event.token() {
                    LISTENER => self.accept_all(false),
                    TLS_LISTENER => self.accept_all(true),
                    SIGNALS => {
                        if self.on_signals() {
                            return Ok(());
                        }
                    }
                    Token(t) => {
                        let key = t - FIRST_CLIENT;
                        // Sporadic events for a closed key are ignored.
                        if event.is_readable() || event.is_read_closed() || event.is_error() {
                            self.read_client(key);
                        }
                        if event.is_writable() {
                            self.flush_client(key);
                        }
                    }
                }
            }
            self.run_timers();
            self.settle();
            if self.shutdown_deadline.is_some() && self.shutdown_done() {
                return Ok(());
            }
        }
    }

    fn next_timeout(&self) -> Option<Duration> {
        if !self.read_again.is_empty() {
            return Some(Duration::ZERO);
        }
        let congestion = (!self.clients.congested.is_empty()).then(|| Instant::now() + CONGESTION_TICK);
        let deadlines = [
            congestion,
            self.raw_checks.front().map(|c| c.0),
            self.name_sweep_at,
            self.trim_at,
            self.flood_timers.peek().map(|t| t.0 .0),
            self.accept_paused_until,
            self.shutdown_deadline,
        ];
        let next = deadlines.into_iter().flatten().min()?;
        Some(next.saturating_duration_since(Instant::now()))
    }

    // ---- accepting ----

    fn accept_all(&mut self, tls: bool) {
        if self.accept_paused_until.is_some() {
            return;
        }
        loop {
            let listener = if tls { &self.tls_listener } else { &self.listener };
            let Some(listener) = listener else { return };
            match listener.accept() {
                Ok((socket, peer)) => self.admit(socket, peer, tls),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                // The peer gave up before we got to it: nothing to retry.
                Err(e) if matches!(e.kind(), ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset) => continue,
                Err(e) => {
                    // EMFILE and friends: the connection stays in the
                    // backlog. Retry from a timer instead of spinning.
                    let now = Instant::now();
                    if self.last_accept_warning.is_none_or(|t| now - t >= Duration::from_secs(1)) {
                        error!("accept failed: {e}; retrying");
                        self.last_accept_warning = Some(now);
                    }
                    self.accept_paused_until = Some(now + ACCEPT_RETRY);
                    return;
                }
            }
        }
    }

    fn admit(&mut self, mut socket: TcpStream, peer: SocketAddr, tls: bool) {
        let ip = peer.ip().to_canonical();
        let refusal = if self.clients.slab.len() >= self.options.max_clients {
            Some(ReplyError::ServerFull)
        } else if self.options.max_per_ip > 0 && self.per_ip.get(&ip).copied().unwrap_or(0) >= self.options.max_per_ip {
            Some(ReplyError::TooManyFromAddress)
        } else {
            None
        };
        if let Some(why) = refusal {
            warn!("refusing {peer}: {why}");
            let _ = socket.write(&Reply::Error(why).to_bytes());
            let _ = socket.shutdown(std::net::Shutdown::Write);
            return;
        }
        if let Err(e) = crate::connection::tune_socket(&socket) {
            debug!("cannot tune the socket of {peer}: {e}");
        }
        let session = match (tls, &self.tls_config) {
            (true, Some(config)) => match rustls::ServerConnection::new(Arc::clone(config)) {
                Ok(session) => Some(Box::new(session)),
                Err(e) => {
                    error!("cannot start TLS for {peer}: {e}");
                    return;
                }
            },
            _ => None,
        };
        let entry = self.clients.slab.vacant_entry();
        let key = entry.key();
        let token = Token(key + FIRST_CLIENT);
        if let Err(e) = self.poll.registry().register(&mut socket, token, Interest::READABLE) {
            error!("cannot register {peer}: {e}");
            return;
        }
        self.next_id += 1;
        let id = self.next_id;
        debug!("connection from {peer}");
        let mut conn = Connection::new(socket, peer, id, self.options.max_line, self.flood);
        conn.tls = session;
        entry.insert(conn);
        *self.per_ip.entry(ip).or_default() += 1;
        self.churn += 1;
        if self.name_sweep_at.is_none() {
            self.name_sweep_at = Some(Instant::now() + self.name_timeout());
        }
    }

    // ---- reading ----

    fn read_client(&mut self, key: usize) {
        self.read_client_inner(key);
        // A TLS read can produce records to send (handshake, alerts).
        if let Some(conn) = self.clients.slab.get(key) {
            if conn.tls.is_some() && conn.wants_write() && conn.closing.is_none() {
                self.clients.mark_dirty(key);
            }
        }
    }

    fn read_client_inner(&mut self, key: usize) {
        let mut buf = std::mem::take(&mut self.read_buf);
        for _ in 0..READS_PER_TURN {
            let Some(conn) = self.clients.slab.get_mut(key) else { break };
            if conn.closing.is_some() || conn.throttled {
                // A throttled client is resumed by its flood timer.
                break;
            }
            if !self.clients.congested.is_empty() {
                // Leave the bytes in the kernel so TCP slows the sender
                // down, rather than queueing more than a reader can take.
                self.paused_reads.push((key, conn.id));
                break;
            }
            match conn.read(&mut buf) {
                ReadOutcome::Data(n) => {
                    if self.shutdown_deadline.is_none() {
                        self.on_bytes(key, &buf[..n]);
                    }
                    continue;
                }
                ReadOutcome::WouldBlock => {
                    self.read_buf = buf;
                    return;
                }
                ReadOutcome::Closed => self.on_eof(key),
                ReadOutcome::Failed(e) => {
                    debug!("read from key {key} failed: {e}");
                    self.clients.close(key, "connection lost");
                }
            }
            self.read_buf = buf;
            return;
        }
        // Budget used up (or paused) with data possibly left: come back.
        if let Some(conn) = self.clients.slab.get(key) {
            if self.clients.congested.is_empty() && conn.closing.is_none() && !conn.throttled {
                self.read_again.push((key, conn.id));
            }
        }
        self.read_buf = buf;
    }

    fn on_bytes(&mut self, key: usize, data: &[u8]) {
        let Some(conn) = self.clients.slab.get_mut(key) else { return };
        conn.decoder.push(data);
        self.drain_frames(key);
        let Some(conn) = self.clients.slab.get_mut(key) else { return };
        if conn.closing.is_some() {
            return;
        }
        conn.decoder.shrink();
        match (&mut conn.state, conn.mode) {
            // A classic client: this read is one whole message.
            (_, Mode::Raw) => {
                if let Some(text) = conn.decoder.take_pending() {
                    self.handle_frame(key, Frame::Line(text));
                }
            }
            (State::AwaitingName { first_bytes, .. }, Mode::Lines) => {
                if first_bytes.is_none() && !conn.decoder.pending().is_empty() {
                    let now = Instant::now();
                    *first_bytes = Some(now);
                    self.raw_checks.push_back((now + RAW_DETECT, key, conn.id));
                }
            }
            (State::Joined { .. }, Mode::Lines) => {}
        }
    }

    fn drain_frames(&mut self, key: usize) {
        loop {
            let Some(conn) = self.clients.slab.get_mut(key) else { return };
            if conn.closing.is_some() || conn.throttled {
                return;
            }
            if conn.decoder.pending().is_empty() {
                return;
            }
            // Only a client with a complete line waiting spends a token.
            if conn.decoder.has_frame() && !conn.bucket.take(self.flood, Instant::now()) {
                conn.throttled = true;
                let when = conn.bucket.ready_at(self.flood);
                self.flood_timers.push(Reverse((when, key, conn.id)));
                return;
            }
            let Some(frame) = conn.decoder.next_frame() else { return };
            self.handle_frame(key, frame);
        }
    }

    /// The peer closed its side: a final unterminated line still counts.
    fn on_eof(&mut self, key: usize) {
        if let Some(conn) = self.clients.slab.get_mut(key) {
            if conn.name().is_some() {
                if let Some(text) = conn.decoder.take_pending() {
                    self.handle_frame(key, Frame::Line(text));
                }
            }
        }
        self.clients.close(key, "connection lost");
    }

    fn handle_frame(&mut self, key: usize, frame: Frame) {
        let Some(conn) = self.clients.slab.get(key) else { return };
        let name = conn.name().map(str::to_owned);
        let mut cx = Cx { clients: &mut self.clients, room: &mut self.room };
        match (name, frame) {
            (None, Frame::Line(line)) => commands::join(&mut cx, key, &line),
            (None, Frame::TooLong) => commands::refuse_name(&mut cx, key, &natter::protocol::NameError::TooLong),
            (Some(name), Frame::Line(line)) => commands::apply(&mut cx, key, &name, &clean_text(&line)),
            (Some(_), Frame::TooLong) => {
                let err = Reply::Error(ReplyError::LineTooLong(self.options.max_line));
                self.room.send_to(&mut self.clients, key, &err);
            }
        }
    }

    // ---- timers ----

    fn run_timers(&mut self) {
        let now = Instant::now();
        for (key, id) in std::mem::take(&mut self.read_again) {
            if self.clients.slab.get(key).is_some_and(|c| c.id == id) {
                self.read_client(key);
            }
        }
        while let Some(&(when, key, id)) = self.raw_checks.front() {
            if when > now {
                break;
            }
            self.raw_checks.pop_front();
            self.raw_timeout(key, id);
        }
        if self.name_sweep_at.is_some_and(|t| t <= now) {
            self.sweep_unnamed(now);
        }
        if self.trim_at.is_some_and(|t| t <= now) {
            self.trim_at = None;
            trim_heap();
        }
        while let Some(&Reverse((when, key, id))) = self.flood_timers.peek() {
            if when > now {
                break;
            }
            self.flood_timers.pop();
            self.flood_refilled(key, id);
        }
        if self.accept_paused_until.is_some_and(|t| t <= now) {
            self.accept_paused_until = None;
            self.accept_all(false);
            self.accept_all(true);
        }
    }

    /// First bytes sat unterminated: take them as the name, and from now on
    /// every read from this client as one message.
    fn raw_timeout(&mut self, key: usize, id: u64) {
        let Some(conn) = self.clients.slab.get_mut(key) else { return };
        if conn.id != id || conn.closing.is_some() || conn.name().is_some() {
            return;
        }
        let Some(name) = conn.decoder.take_pending() else { return };
        conn.mode = Mode::Raw;
        debug!("{} sends no newlines; switching to raw mode", conn.peer);
        self.handle_frame(key, Frame::Line(name));
    }

    fn name_timeout(&self) -> Duration {
        Duration::from_secs(self.options.name_timeout)
    }

    /// Closes connections that never named themselves (a stalled TLS
    /// handshake, an idle port scan) so they cannot hold slots forever, and
    /// schedules the next sweep for the earliest remaining deadline.
    fn sweep_unnamed(&mut self, now: Instant) {
        let timeout = self.name_timeout();
        let mut expired = Vec::new();
        let mut earliest: Option<Instant> = None;
        for (key, conn) in self.clients.slab.iter() {
            if let State::AwaitingName { since, .. } = conn.state {
                if conn.closing.is_some() {
                    continue;
                }
                if since + timeout <= now {
                    expired.push(key);
                } else {
                    earliest = Some(earliest.map_or(since, |e| e.min(since)));
                }
            }
        }
        for key in expired {
            debug!("key {key} sent no name in time");
            self.room.send_to(&mut self.clients, key, &Reply::Error(ReplyError::NameTimeout));
            self.clients.close(key, "");
        }
        self.name_sweep_at = earliest.map(|e| (e + timeout).max(now + Duration::from_secs(1)));
    }

    /// A throttled client has a token again: take its waiting lines, then
    /// read its socket, which edge-triggered polling will not report again.
    fn flood_refilled(&mut self, key: usize, id: u64) {
        let Some(conn) = self.clients.slab.get_mut(key) else { return };
        if conn.id != id || !conn.throttled {
            return;
        }
        conn.throttled = false;
        self.drain_frames(key);
        if let Some(conn) = self.clients.slab.get(key) {
            if !conn.throttled && conn.closing.is_none() {
                self.read_again.push((key, id));
            }
        }
    }

    // ---- writing and closing ----

    /// Closes what is marked and flushes what is queued, until neither
    /// produces more work (a quit notice can overflow a slow client).
    fn settle(&mut self) {
        loop {
            let closing = std::mem::take(&mut self.clients.closing);
            if !closing.is_empty() {
                // Take the whole batch out of the room before telling
                // anyone, so quits reach survivors only: when thousands
                // drop at once they are not told of each other.
                let left: Vec<_> = closing.into_iter().filter_map(|key| self.reap(key)).collect();
                if self.shutdown_deadline.is_none() {
                    for (name, reason) in &left {
                        let reason = Some(reason.as_str()).filter(|r| !r.is_empty());
                        self.room.broadcast(&mut self.clients, None, &Reply::Quit { name, reason });
                    }
                }
            }
            for key in std::mem::take(&mut self.clients.dirty) {
                if let Some(conn) = self.clients.slab.get_mut(key) {
                    conn.dirty = false;
                }
                self.flush_client(key);
            }
            self.check_congestion();
            if self.clients.closing.is_empty() {
                break;
            }
        }
        let busy = std::mem::take(&mut self.clients.queued) >= TRIM_BUSY_BYTES;
        if std::mem::take(&mut self.churn) >= TRIM_BURST || busy {
            self.trim_at = Some(Instant::now() + TRIM_AFTER);
        }
    }

    /// Clears clients that have caught up, drops those that stopped
    /// reading or stayed congested too long, and resumes the paused
    /// senders once nobody is congested.
    fn check_congestion(&mut self) {
        if self.clients.congested.is_empty() {
            return;
        }
        let now = Instant::now();
        let mark = self.clients.congestion_mark();
        let mut still = Vec::new();
        for key in std::mem::take(&mut self.clients.congested) {
            let Some(conn) = self.clients.slab.get_mut(key) else { continue };
            if conn.closing.is_some() {
                continue;
            }
            let since = conn.congested_since.unwrap_or(now);
            if conn.pending_output() <= mark {
                conn.congested_since = None;
            } else if now - conn.last_progress >= STALL || now - since >= CONGESTED_MAX {
                warn!(
                    "dropping {} ({}): {} bytes pending, not keeping up",
                    conn.name().unwrap_or("unnamed client"),
                    conn.peer,
                    conn.pending_output()
                );
                conn.congested_since = None;
                self.clients.close(key, "too slow");
            } else {
                still.push(key);
            }
        }
        self.clients.congested.extend(still);
        if self.clients.congested.is_empty() {
            let paused = std::mem::take(&mut self.paused_reads);
            self.read_again.extend(paused);
        }
    }

    fn flush_client(&mut self, key: usize) {
        let Some(conn) = self.clients.slab.get_mut(key) else { return };
        if conn.closing.is_some() {
            return;
        }
        if let Err(e) = conn.flush() {
            debug!("write to {} failed: {e}", conn.peer);
            self.clients.close(key, "connection lost");
            return;
        }
        let want_write = conn.wants_write();
        if want_write != conn.write_interest {
            let interest = if want_write { Interest::READABLE | Interest::WRITABLE } else { Interest::READABLE };
            let token = Token(key + FIRST_CLIENT);
            match self.poll.registry().reregister(&mut conn.socket, token, interest) {
                Ok(()) => conn.write_interest = want_write,
                Err(e) => {
                    error!("cannot reregister {}: {e}", conn.peer);
                    self.clients.close(key, "connection lost");
                }
            }
        }
    }

    /// Removes a closed connection; returns its name and reason if it had
    /// joined, for the quit notice.
    fn reap(&mut self, key: usize) -> Option<(String, String)> {
        let mut conn = self.clients.slab.try_remove(key)?;
        self.churn += 1;
        let _ = self.poll.registry().deregister(&mut conn.socket);
        conn.finish();
        let ip = conn.peer.ip().to_canonical();
        if let Some(n) = self.per_ip.get_mut(&ip) {
            *n -= 1;
            if *n == 0 {
                self.per_ip.remove(&ip);
            }
        }
        let reason = conn.closing.take().unwrap_or_default();
        let State::Joined { name } = conn.state else {
            debug!("closed unnamed connection from {}", conn.peer);
            return None;
        };
        self.room.leave(&name);
        if reason.is_empty() {
            info!("{name} quit");
        } else {
            info!("{name} quit ({reason})");
        }
        Some((name, reason))
    }

    // ---- shutdown ----

    /// Handles pending signals; `true` means exit now (a second signal).
    fn on_signals(&mut self) -> bool {
        let mut got = false;
        for signal in self.signals.pending() {
            debug!("signal {signal}");
            got = true;
        }
        if !got {
            return false;
        }
        if self.shutdown_deadline.is_some() {
            warn!("second signal: exiting without waiting for output");
            return true;
        }
        info!("shutting down: telling {} clients", self.clients.slab.len());
        for mut listener in [self.listener.take(), self.tls_listener.take()].into_iter().flatten() {
            let _ = self.poll.registry().deregister(&mut listener);
        }
        self.shutdown_deadline = Some(Instant::now() + SHUTDOWN_GRACE);
        let line = Reply::ShuttingDown.to_bytes();
        let keys: Vec<usize> = self.clients.slab.iter().map(|(k, _)| k).collect();
        for key in keys {
            self.clients.send(key, &line);
        }
        false
    }

    /// During shutdown: closes everyone once output has drained or the
    /// grace period is over.
    fn shutdown_done(&mut self) -> bool {
        let drained = self.clients.slab.iter().all(|(_, c)| !c.wants_write());
        let late = self.shutdown_deadline.is_some_and(|d| Instant::now() >= d);
        if !(drained || late) {
            return false;
        }
        if late && !drained {
            warn!("shutdown grace period over; some output was not delivered");
        }
        for (_, conn) in self.clients.slab.iter_mut() {
            conn.finish();
        }
        true
    }
}

/// Stops glibc from trimming the heap on every large free, and keeps
/// output buffers (up to the 1 MiB cap) on the heap instead of in fresh
/// mmaps. Otherwise a busy client's buffer, regrown each turn, costs page
/// faults and zeroing every time; freed memory goes back through
/// [`trim_heap`] once a busy spell is over instead.
pub fn tune_allocator() {
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt only sets allocator parameters; called before any
    // other thread exists.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 2 << 20);
    }
}

/// Hands free heap pages back to the kernel. glibc keeps freed memory for
/// reuse; after a join or quit storm that is megabytes an idle server
/// would hold for nothing.
fn trim_heap() {
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}
