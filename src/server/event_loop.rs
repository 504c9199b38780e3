//! The single-threaded poll loop: natterd's state and the turn it repeats.
//!
//! Each turn handles a batch of events, then runs due timers, then closes
//! what was marked closing (telling the room), then writes what was queued:
//! one write attempt per socket per turn however many lines wait. Sockets
//! ask for WRITABLE only while output is pending. What each step does is in
//! a file of its own under `event_loop/`: accepting, input, output, timers
//! and shutdown.

mod accept;
mod input;
mod output;
mod shutdown;
mod timers;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::io::{self, ErrorKind};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use log::info;
use mio::net::TcpListener;
use mio::{Events, Interest, Poll, Token};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook_mio::v1_0::Signals;

use crate::accounts::{Accounts, Registry};
use crate::addresses::{Addresses, Limits};
use crate::commands::{self, Cx};
use crate::connection::Connection;
use crate::flood::FloodLimit;
use crate::history::{History, HistoryOptions};
use crate::moderation::Moderation;
use crate::options::Options;
use crate::pool::{Handle, Pool};
use crate::rooms::{RoomLimits, Rooms};
use crate::trim::Trim;

const LISTENER: Token = Token(0);
const SIGNALS: Token = Token(1);
const TLS_LISTENER: Token = Token(2);
/// The store or password worker has answers ready (mio allows one
/// waker per poll, so the two share it).
const WORKERS: Token = Token(3);
/// Client tokens are the slab key plus this.
const FIRST_CLIENT: usize = 4;
const READ_CHUNK: usize = 16 * 1024;

/// The poll token of the client at `key`.
fn token(key: usize) -> Token {
    Token(key + FIRST_CLIENT)
}

fn history_options(options: &Options) -> HistoryOptions {
    HistoryOptions {
        dir: options.data_dir(),
        lines: !options.no_history,
        replay: options.history_replay.into(),
        rooms: options.max_rooms,
        days: options.history_days,
        max_bytes: (options.history_max_mb > 0).then(|| options.history_max_mb.saturating_mul(1 << 20)),
    }
}

/// The registered names the store holds; a store that cannot be read now
/// starts with none (and logs why), a foreign or damaged one was refused
/// by [`History::open`] already.
pub(super) fn load_accounts(history: &mut History) -> Result<Registry, String> {
    use crate::store::AccountStore;
    let Some(store) = history.existing_store() else { return Ok(Registry::default()) };
    match store.accounts() {
        Ok(accounts) => {
            if !accounts.is_empty() {
                info!("{} registered names", accounts.len());
            }
            Ok(Registry::load(accounts))
        }
        Err(e) if e.transient => {
            history.store_failed(&e);
            Ok(Registry::default())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Bans, mutes, operators and modes as the store holds them, with the
/// `--admin` names; like accounts, a store that cannot be read now starts
/// with none.
fn load_moderation(history: &mut History, admins: &[String]) -> Result<Moderation, String> {
    use crate::store::ModerationStore;
    let Some(store) = history.existing_store() else { return Ok(Moderation::load(admins, Default::default())) };
    match store.moderation() {
        Ok(stored) => Ok(Moderation::load(admins, stored)),
        Err(e) if e.transient => {
            history.store_failed(&e);
            Ok(Moderation::load(admins, Default::default()))
        }
        Err(e) => Err(e.to_string()),
    }
}

fn room_limits(options: &Options) -> RoomLimits {
    RoomLimits { max_rooms: options.max_rooms, max_joined: options.max_rooms_per_client, max_topic: options.max_topic }
}

/// natterd's whole state.
pub struct Server {
    poll: Poll,
    listener: Option<TcpListener>,
    /// The TLS listener and its config, with --listen-tls.
    tls_listener: Option<TcpListener>,
    tls_config: Option<Arc<rustls::ServerConfig>>,
    signals: Signals,
    /// Every client's protocol state, by slab key.
    pool: Pool,
    /// Every client's socket, at the same key as its session.
    sockets: Vec<Option<Connection>>,
    rooms: Rooms,
    history: History,
    accounts: Accounts,
    moderation: Moderation,
    options: Options,
    /// Unnamed clients with unterminated input, oldest first.
    raw_checks: VecDeque<(Instant, Handle)>,
    /// When to next look for connections that sent no name in time. One
    /// sweep a second at most, rather than a timer per connection, keeps
    /// fast connect/disconnect churn from piling up timers.
    name_sweep_at: Option<Instant>,
    trim: Trim,
    /// Throttled clients, earliest refill first.
    flood_timers: BinaryHeap<Reverse<(Instant, Handle)>>,
    /// Open connections, flood budget and connect rate per address.
    addresses: Addresses,
    /// Sockets that still had data after their read budget.
    read_again: Vec<Handle>,
    accept_paused_until: Option<Instant>,
    /// Accept failures and refused connections are logged once a second
    /// at most: an attacker must not be able to flood the log.
    accept_failures_log: accept::OncePerSecond,
    refusals_log: accept::OncePerSecond,
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
        let limits = Limits {
            max_open: options.max_per_ip,
            flood: FloodLimit { rate: options.flood_rate, burst: options.flood_burst },
            connects_per_minute: options.max_connects_per_ip,
        };
        let addresses = Addresses::new(limits, options.max_clients.saturating_mul(2));
        let waker = Arc::new(mio::Waker::new(poll.registry(), WORKERS).map_err(setup)?);
        let (mut history, saved) =
            History::open(history_options(&options), Arc::clone(&waker)).map_err(|e| e.to_string())?;
        let accounts = Accounts::new(load_accounts(&mut history)?, waker, options.max_registrations_per_hour);
        let mut admins = options.admins.clone();
        if let Some(dir) = options.data_dir() {
            admins.extend(crate::admins::read(&dir)?);
        }
        let moderation = load_moderation(&mut history, &admins)?;
        let mut rooms = Rooms::new(&options.default_room, room_limits(&options));
        // Least recently used first, so the most recent end up newest.
        for room in saved.into_iter().rev() {
            rooms.restore(&room.name, room.topic);
        }
        Ok(Server {
            poll,
            listener: Some(listener),
            tls_listener,
            tls_config,
            signals,
            pool: Pool::new(options.max_queue, options.max_output_total),
            sockets: Vec::new(),
            rooms,
            history,
            accounts,
            moderation,
            options,
            raw_checks: VecDeque::new(),
            name_sweep_at: None,
            trim: Trim::default(),
            flood_timers: BinaryHeap::new(),
            addresses,
            read_again: Vec::new(),
            accept_paused_until: None,
            accept_failures_log: accept::OncePerSecond::default(),
            refusals_log: accept::OncePerSecond::default(),
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
                    WORKERS => {
                        self.store_answers();
                        self.password_answers();
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

    /// The earliest deadline of anything waiting, as the poll timeout.
    fn next_timeout(&self) -> Option<Duration> {
        if !self.read_again.is_empty() {
            return Some(Duration::ZERO);
        }
        let now = Instant::now();
        let deadlines = [
            self.pool.congestion.deadline(now),
            self.raw_checks.front().map(|c| c.0),
            self.name_sweep_at,
            self.trim.deadline(),
            self.flood_timers.peek().map(|t| t.0 .0),
            self.accept_paused_until,
            self.shutdown_deadline,
            self.history.deadline(),
        ];
        let next = deadlines.into_iter().flatten().min()?;
        Some(next.saturating_duration_since(now))
    }

    /// What commands may touch.
    fn cx(&mut self) -> Cx<'_> {
        Cx {
            pool: &mut self.pool,
            rooms: &mut self.rooms,
            history: &mut self.history,
            accounts: &mut self.accounts,
            moderation: &mut self.moderation,
            max_line: self.options.max_line,
        }
    }

    /// Sends what the store worker has answered to those who asked.
    fn store_answers(&mut self) {
        for answer in self.history.answers() {
            commands::deliver(&mut self.cx(), answer);
        }
    }

    /// Resumes the clients whose password checks are done: each answer is
    /// applied, then the input the client sent meanwhile is handled.
    fn password_answers(&mut self) {
        for (tag, outcome) in self.accounts.hasher.answers() {
            let Some(key) = commands::password_checked(&mut self.cx(), tag, outcome) else { continue };
            self.drain_frames(key);
            if let Some(session) = self.pool.get(key) {
                if session.can_read() {
                    self.read_again.push(Handle::new(key, session.id()));
                }
            }
        }
    }

    /// The socket of the client at `key`.
    fn socket(&mut self, key: usize) -> Option<&mut Connection> {
        self.sockets.get_mut(key).and_then(Option::as_mut)
    }

    /// Hands one frame from `key` to the commands, and charges its
    /// address what the frame cost beyond its token.
    fn route(&mut self, key: usize, frame: natter::protocol::Frame) {
        let mut cx = self.cx();
        let extra = commands::route(&mut cx, key, frame);
        if extra > 0 {
            if let Some(session) = self.pool.get(key) {
                self.addresses.charge(session.peer().ip(), extra, Instant::now());
            }
        }
    }
}
