//! One client's protocol state, apart from its socket: where it is in its
//! life, its input framer, its pending output, whether flood control holds
//! it back and why it is closing. The flood budget itself belongs to its
//! address ([`Addresses`](crate::addresses::Addresses)).
//!
//! A `Session` knows nothing about other clients; the room and the commands
//! decide what to queue for it. Holding no socket, it can be driven by unit
//! tests in-process (see `commands/tests.rs`); the socket side lives in
//! [`Connection`](crate::connection::Connection).

use std::net::SocketAddr;
use std::time::Instant;

use natter::protocol::{Framer, Mode, QuitReason};

use crate::congestion::InputMeter;
use crate::outbox::Outbox;
use crate::pool::Handle;
use crate::rooms::Membership;

/// Where a client is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Connected at `since`, no name yet.
    AwaitingName { since: Instant },
    /// In the room under this name.
    Joined { name: String },
}

/// Why a session is closing, for the quit notice the others read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leaving {
    /// The client's own `/quit REASON`, or a clean close (empty).
    User(String),
    /// One of the server's reasons (`connection lost`, `too slow`), which
    /// the notice sets apart so no user can forge it.
    Server(&'static str),
}

impl Leaving {
    /// The reason as the quit notice carries it; `None` for a plain quit.
    pub fn as_reason(&self) -> Option<QuitReason<'_>> {
        match self {
            Leaving::User(r) if r.is_empty() => None,
            Leaving::User(r) => Some(QuitReason::User(r)),
            Leaving::Server(r) => Some(QuitReason::Server(r)),
        }
    }
}

/// One client's protocol state.
#[derive(Debug)]
pub struct Session {
    peer: SocketAddr,
    /// Distinguishes this client from a later one that reuses its slab key.
    id: u64,
    state: State,
    framer: Framer,
    out: Outbox,
    /// Out of tokens: its lines wait in the framer and its socket is not
    /// read until the flood timer fires (a raw client's is, within its
    /// framer's room, to keep its read boundaries).
    throttled: bool,
    /// The address's token for the next frame is reserved (see
    /// [`TokenBucket::take`](crate::flood::TokenBucket::take)).
    prepaid: bool,
    /// The peer closed its side: close once the waiting frames are handled.
    peer_closed: bool,
    /// Set once the session is on its way out, with the reason others see
    /// in its quit notice.
    closing: Option<Leaving>,
    /// Already in the pool's list of sessions to flush.
    dirty: bool,
    /// Since when pending output has been over the congestion mark.
    congested_since: Option<Instant>,
    /// What this client sent lately, to tell a bulk sender from a chatter.
    input: InputMeter,
    /// The congested client this one last sent a private message to: its
    /// input waits until that client drains or is dropped.
    waits_for: Option<Handle>,
    /// The rooms it is in besides the default room.
    rooms: Membership,
    /// Asked for stored lines stamped with time and id (`/stamps`).
    stamps: bool,
    /// What it is logged in as, and whether it waits for a password check.
    pub account: AccountState,
    /// Asked for `@` and `+` marks in member lists (`/marks`).
    pub marks: bool,
}

/// A session's standing with accounts.
#[derive(Debug, Default)]
pub struct AccountState {
    /// The folded name of the account it logged in to (or registered).
    pub key: Option<String>,
    /// A password check or hash is under way: its input waits.
    pub busy: bool,
    /// Came in over TLS: passwords travel encrypted.
    pub secure: bool,
    /// Already told that its password travelled unencrypted.
    pub warned: bool,
}

impl Session {
    /// A session that has just connected from `peer`; the pool gives it an id.
    pub fn new(peer: SocketAddr, max_line: usize, now: Instant) -> Self {
        Session {
            peer,
            id: 0,
            state: State::AwaitingName { since: now },
            framer: Framer::new(max_line),
            out: Outbox::new(now),
            throttled: false,
            prepaid: false,
            peer_closed: false,
            closing: None,
            dirty: false,
            congested_since: None,
            input: InputMeter::new(now),
            waits_for: None,
            rooms: Membership::default(),
            stamps: false,
            account: AccountState::default(),
            marks: false,
        }
    }

    /// The client's address, for logs.
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// The connection id the pool gave the session.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Set once, by the pool.
    pub(crate) fn set_id(&mut self, id: u64) {
        self.id = id;
    }

    /// The joined name, if any.
    pub fn name(&self) -> Option<&str> {
        match &self.state {
            State::Joined { name } => Some(name),
            State::AwaitingName { .. } => None,
        }
    }

    /// The rooms it is in besides the default room, and its current one.
    pub fn rooms(&self) -> &Membership {
        &self.rooms
    }

    pub fn rooms_mut(&mut self) -> &mut Membership {
        &mut self.rooms
    }

    pub fn wants_stamps(&self) -> bool {
        self.stamps
    }

    pub fn set_stamps(&mut self) {
        self.stamps = true;
    }

    /// Is it a raw client (the course's, reading 1,024 bytes at a time)?
    pub fn is_raw(&self) -> bool {
        self.framer.mode() == Mode::Raw
    }

    /// When an unnamed session connected; `None` once it has a name.
    pub fn awaiting_since(&self) -> Option<Instant> {
        match self.state {
            State::AwaitingName { since } => Some(since),
            State::Joined { .. } => None,
        }
    }

    /// Records the name the session joined (or was renamed) under.
    pub fn set_name(&mut self, name: &str) {
        self.state = State::Joined { name: name.to_owned() };
    }

    /// Gives up its name without a quit notice: someone logged in to it
    /// from elsewhere, and this session is closing.
    pub fn give_up_name(&mut self) {
        self.state = State::AwaitingName { since: Instant::now() };
    }

    /// Gives up the state, for the quit notice of a reaped session.
    pub fn into_name(self) -> Option<String> {
        match self.state {
            State::Joined { name } => Some(name),
            State::AwaitingName { .. } => None,
        }
    }

    /// The input framer.
    pub fn framer(&mut self) -> &mut Framer {
        &mut self.framer
    }

    /// The pending output.
    pub fn outbox(&self) -> &Outbox {
        &self.out
    }

    /// The pending output.
    pub fn outbox_mut(&mut self) -> &mut Outbox {
        &mut self.out
    }

    /// Bytes waiting to be written.
    pub fn pending_output(&self) -> usize {
        self.out.pending()
    }

    /// The address's budget reserved a token for the next frame: hold the
    /// session back until its flood timer fires.
    pub fn throttle(&mut self) {
        self.throttled = true;
        self.prepaid = true;
    }

    /// Uses the reserved token, if there is one.
    pub fn take_prepaid(&mut self) -> bool {
        std::mem::replace(&mut self.prepaid, false)
    }

    /// The flood timer fired; `false` if the session was not throttled.
    pub fn unthrottle(&mut self) -> bool {
        std::mem::replace(&mut self.throttled, false)
    }

    /// Whether the session is on its way out.
    pub fn is_closing(&self) -> bool {
        self.closing.is_some()
    }

    /// Marks the session closing; `false` if it already was (the first
    /// reason wins).
    pub fn close(&mut self, reason: Leaving) -> bool {
        if self.closing.is_some() {
            return false;
        }
        self.closing = Some(reason);
        true
    }

    /// The closing reason, taken once when the session is reaped.
    pub fn take_closing(&mut self) -> Leaving {
        self.closing.take().unwrap_or(Leaving::User(String::new()))
    }

    /// Lists the session for a flush; `false` if it already was.
    pub fn mark_dirty(&mut self) -> bool {
        !std::mem::replace(&mut self.dirty, true)
    }

    /// Takes the session off the flush list.
    pub fn clear_dirty(&mut self) {
        self.dirty = false;
    }

    /// Since when pending output has been over the congestion mark.
    pub fn congested_since(&self) -> Option<Instant> {
        self.congested_since
    }

    /// Starts (`Some`) or ends (`None`) the session's congestion.
    pub fn set_congested_since(&mut self, since: Option<Instant>) {
        self.congested_since = since;
    }

    /// What this client sent lately.
    pub fn input_meter(&self) -> &InputMeter {
        &self.input
    }

    /// What this client sent lately.
    pub fn input_meter_mut(&mut self) -> &mut InputMeter {
        &mut self.input
    }

    /// The congested client whose draining this one's input waits for.
    pub fn waits_for(&self) -> Option<Handle> {
        self.waits_for
    }

    /// Sets (or clears) the client this one's input waits for.
    pub fn set_waits_for(&mut self, target: Option<Handle>) {
        self.waits_for = target;
    }

    /// Neither closing, throttled nor waiting for a password check: its
    /// input may be read and handled.
    pub fn is_active(&self) -> bool {
        self.closing.is_none() && !self.throttled && !self.account.busy
    }

    /// Whether its socket may be read: active, or a throttled raw client
    /// whose framer still has room for separate reads. Keeping a raw
    /// client's reads apart is the only way to keep its messages apart.
    pub fn can_read(&self) -> bool {
        let raw_room = self.framer.mode() == Mode::Raw && self.framer.has_room();
        !self.peer_closed && (self.is_active() || (self.closing.is_none() && raw_room))
    }

    /// The peer closed its side; what it sent before still counts.
    pub fn set_peer_closed(&mut self) {
        self.peer_closed = true;
    }

    /// Whether the peer closed its side.
    pub fn peer_closed(&self) -> bool {
        self.peer_closed
    }
}
