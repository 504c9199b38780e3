//! Chat clients on top of [`Net`]: each one connects, names itself in its
//! dialect, becomes ready once it is in the room, answers PINGs, and from
//! then on reports every payload it receives.
//!
//! The scenarios drive a `Swarm`: [`Swarm::establish`] brings N clients
//! in with a bounded number still setting up, [`Swarm::pump`] runs one
//! poll turn, [`Swarm::settle`] waits for the line storm of joins to end.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::dialect::{Dialect, Payload, Step};
use crate::net::{Event, Net};
use crate::progress::Progress;

/// Where a client socket is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Free,
    SettingUp,
    Ready,
}

/// What a [`Swarm::pump`] turn reports.
pub enum Happening {
    /// Client `id` is in the room.
    Ready(usize),
    /// Client `id` is gone (closed by the server, refused, or failed).
    Gone(usize),
    /// Client `receiver` got `payload`.
    Delivery { receiver: usize, payload: Payload },
}

/// Clients of one server under test.
pub struct Swarm {
    pub net: Net,
    dialect: Dialect,
    addr: SocketAddr,
    /// Indexed by socket id.
    phases: Vec<Phase>,
    replies: Vec<(usize, Vec<u8>)>,
    refused: Vec<usize>,
    /// Whether IRC clients join #bench before they count as ready.
    join: bool,
    /// The room each client joins and talks in instead, by socket id.
    rooms: Vec<Option<String>>,
    /// The last reason a server gave for refusing a client.
    pub last_refusal: Option<String>,
}

impl Swarm {
    pub fn new(dialect: Dialect, addr: SocketAddr) -> io::Result<Swarm> {
        Ok(Swarm {
            net: Net::new()?,
            dialect,
            addr,
            phases: Vec::new(),
            replies: Vec::new(),
            refused: Vec::new(),
            join: true,
            rooms: Vec::new(),
            last_refusal: None,
        })
    }

    /// Makes IRC clients ready once registered (001), without joining the
    /// channel: for the idle and churn scenarios, where a channel of
    /// thousands would only add a join storm to the setup.
    pub fn without_join(mut self) -> Swarm {
        self.join = false;
        self
    }

    /// Connects one client and queues its hello; it reports
    /// [`Happening::Ready`] once it is in the room.
    pub fn spawn(&mut self, name: &str) -> io::Result<usize> {
        self.spawn_in(name, None)
    }

    /// Like [`spawn`](Self::spawn), for a client that joins `room` and
    /// talks there (Natter: `/join`; IRC: instead of #bench).
    pub fn spawn_in(&mut self, name: &str, room: Option<String>) -> io::Result<usize> {
        let id = self.net.connect(self.addr)?;
        if self.phases.len() <= id {
            self.phases.resize(id + 1, Phase::Free);
            self.rooms.resize(id + 1, None);
        }
        self.phases[id] = Phase::SettingUp;
        self.rooms[id] = room;
        if let Some(out) = self.net.out(id) {
            self.dialect.hello(name, out);
        }
        self.net.flush(id);
        Ok(id)
    }

    /// Closes client `id`.
    pub fn close(&mut self, id: usize) {
        self.net.close(id);
        if let Some(p) = self.phases.get_mut(id) {
            *p = Phase::Free;
        }
    }

    /// Queues one chat line carrying `payload` for client `id`; call
    /// [`flush`](Self::flush) after queueing a batch.
    pub fn queue_chat(&mut self, id: usize, payload: &Payload) {
        self.queue_text(id, &payload.encode());
    }

    /// Queues one chat line of any text (not a payload: receivers skip it).
    pub fn queue_text(&mut self, id: usize, text: &[u8]) {
        let room = self.rooms.get(id).and_then(Option::as_deref);
        if let Some(out) = self.net.out(id) {
            self.dialect.chat(room, text, out);
        }
    }

    pub fn flush(&mut self, id: usize) {
        self.net.flush(id);
    }

    /// One poll turn of at most `timeout`.
    pub fn pump(&mut self, timeout: Duration, mut on: impl FnMut(Happening)) -> io::Result<()> {
        let Swarm { net, dialect, phases, replies, refused, last_refusal, join, rooms, .. } = self;
        net.poll(Some(timeout), |event| match event {
            Event::Line(id, line) => match phases.get(id).copied().unwrap_or(Phase::Free) {
                Phase::Ready => {
                    if let Some(payload) = Payload::parse(line) {
                        on(Happening::Delivery { receiver: id, payload });
                    } else if let Some(pong) = dialect.pong(line) {
                        replies.push((id, pong));
                    }
                }
                Phase::SettingUp => match dialect.setup_step(line, *join, rooms.get(id).and_then(Option::as_deref)) {
                    Step::Nothing => {}
                    Step::Send(bytes) => replies.push((id, bytes)),
                    Step::Ready => {
                        phases[id] = Phase::Ready;
                        on(Happening::Ready(id));
                    }
                    Step::Failed(why) => {
                        *last_refusal = Some(why);
                        refused.push(id);
                    }
                },
                Phase::Free => {}
            },
            Event::Closed(id) => {
                if let Some(p) = phases.get_mut(id) {
                    *p = Phase::Free;
                }
                on(Happening::Gone(id));
            }
        })?;
        for (id, bytes) in std::mem::take(&mut self.replies) {
            self.net.send(id, &bytes);
        }
        for id in std::mem::take(&mut self.refused) {
            self.close(id);
            on(Happening::Gone(id));
        }
        Ok(())
    }

    /// Brings `n` clients named `name(i)` into the room, at most
    /// `concurrency` of them setting up at once. Returns the socket id of
    /// client `i` at index `i`.
    pub fn establish(
        &mut self,
        n: usize,
        name: impl Fn(usize) -> String,
        concurrency: usize,
        limit: Duration,
        progress: &mut Progress,
    ) -> Result<Vec<usize>, String> {
        self.establish_in(n, name, |_| None, concurrency, limit, progress)
    }

    /// Like [`establish`](Self::establish), client `i` joining `room(i)`.
    pub fn establish_in(
        &mut self,
        n: usize,
        name: impl Fn(usize) -> String,
        room: impl Fn(usize) -> Option<String>,
        concurrency: usize,
        limit: Duration,
        progress: &mut Progress,
    ) -> Result<Vec<usize>, String> {
        let deadline = Instant::now() + limit;
        let mut ids = vec![usize::MAX; n];
        // Socket id to client index, for the clients still setting up.
        let mut index_of = vec![usize::MAX; 0];
        let (mut next, mut ready, mut in_setup) = (0, 0, 0);
        while ready < n {
            while next < n && in_setup < concurrency.max(1) {
                let id = self.spawn_in(&name(next), room(next)).map_err(|e| format!("connect failed: {e}"))?;
                if index_of.len() <= id {
                    index_of.resize(id + 1, usize::MAX);
                }
                index_of[id] = next;
                next += 1;
                in_setup += 1;
            }
            let mut lost = None;
            self.pump(Duration::from_millis(20), |h| match h {
                Happening::Ready(id) => {
                    if let Some(&i) = index_of.get(id).filter(|&&i| i != usize::MAX) {
                        ids[i] = id;
                        ready += 1;
                        in_setup -= 1;
                    }
                }
                Happening::Gone(id) => lost = Some(id),
                Happening::Delivery { .. } => {}
            })
            .map_err(|e| format!("poll failed: {e}"))?;
            if lost.is_some() {
                let why = self.last_refusal.clone().or_else(|| self.net.last_close.clone());
                let why = why.unwrap_or_else(|| "unknown".into());
                return Err(format!("a client was lost while {ready}/{n} were in: {why}"));
            }
            if Instant::now() > deadline {
                return Err(format!("only {ready}/{n} clients were in after {:.0} s", limit.as_secs_f64()));
            }
            progress.tick(|| format!("{ready}/{n} clients in"));
        }
        Ok(ids)
    }

    /// Reads until nothing has arrived for `quiet`, or `limit` passed.
    /// Returns how many clients were lost meanwhile.
    pub fn settle(&mut self, quiet: Duration, limit: Duration) -> io::Result<usize> {
        let start = Instant::now();
        let mut last_change = start;
        let mut seen = self.net.bytes_in;
        let mut lost = 0;
        while last_change.elapsed() < quiet && start.elapsed() < limit {
            self.pump(Duration::from_millis(10), |h| {
                if let Happening::Gone(_) = h {
                    lost += 1;
                }
            })?;
            if self.net.bytes_in != seen {
                seen = self.net.bytes_in;
                last_change = Instant::now();
            }
        }
        Ok(lost)
    }
}
