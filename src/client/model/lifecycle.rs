//! The connection lifecycle of one window, with no GTK in it.
//!
//! [`Lifecycle`] knows where the window is with its connection
//! ([`Phase`]), which server it is for, the reconnect schedule and the
//! generation of the live connection. It takes an [`Event`] (the user
//! joined or left, the server welcomed or refused the name, the connection
//! ended, the retry timer fired) and returns the [`Action`]s the window
//! applies in order, so every decision (when to retry, what a refused name
//! or a changed certificate means) is unit-tested here, and
//! `window/lifecycle.rs` only carries the actions out.
//!
//! Reconnect delays double from one second up to half a minute: 1 s, 2 s,
//! 4 s, 8 s, 16 s, 30 s, 30 s … A successful rejoin starts over. A name
//! refused on the first join, an unknown or a changed certificate stop
//! without retrying: the user decides what happens next. So do a refused
//! password, a ban from the server and a login of the same user
//! elsewhere, on any attempt: a retry would fail again (and count as
//! guessing, or knock at a server that said no), or take the name back
//! from the other login.

use std::time::{Duration, Instant};

use natter::protocol::account::AccountError;
use natter::protocol::moderation::ModError;
use natter::protocol::ErrorKind;

use super::address::ServerAddress;
use super::session::{ServerError, REPLACED};
use crate::connection::cert_verifier::Fingerprint;
use crate::connection::CloseReason;

/// The first reconnect delay.
pub const FIRST_DELAY: Duration = Duration::from_secs(1);
/// The longest reconnect delay.
pub const MAX_DELAY: Duration = Duration::from_secs(30);

/// Where the window is with its connection.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// No connection: the connect form.
    #[default]
    Idle,
    /// First attempt, from the form.
    Joining,
    /// In the chat.
    Joined,
    /// Disconnected, waiting for the next attempt.
    Waiting,
    /// Disconnected, an attempt is under way.
    Rejoining,
}

/// What happened to the connection, or what the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Join `address` (TLS when `tls`): from the form, the command line,
    /// or after trusting a certificate. Any earlier connection ends.
    Join { address: ServerAddress, tls: bool },
    /// The server accepted the name.
    Welcomed,
    /// The server answered the name with an error instead of a welcome.
    Refused(ServerError),
    /// The connection ended, or never started.
    Closed(CloseReason),
    /// The retry timer fired, or the user pressed Reconnect.
    Reconnect,
    /// End the connection and any retry, staying where the window is
    /// (closing the window); `say_quit` tells the server with `/quit`.
    HangUp { say_quit: bool },
    /// Hang up and go back to the form.
    Leave { say_quit: bool },
}

/// What the window does, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Show the phase: which actions and whether sending are enabled.
    Phase(Phase),
    /// Open a connection to [`Lifecycle::target`] as the session's name;
    /// its events count while [`Lifecycle::generation`] is `generation`.
    Connect { generation: u64 },
    /// Drop the connection, after `/quit` when `say_quit`.
    Disconnect { say_quit: bool },
    /// The session forgets who is online, silently.
    ForgetMembers,
    /// The session forgets who is online, and the conversation says
    /// "Server disconnected.".
    ShowDisconnected,
    /// Cancel the retry timer and the banner countdown.
    CancelRetry,
    /// Try again after this delay; show the banner with its countdown.
    RetryIn(Duration),
    /// Refresh the banner's text.
    UpdateBanner,
    /// Hide the banner.
    HideBanner,
    /// First welcome: a fresh conversation on the chat page, and the form
    /// remembered for next time.
    OpenChat,
    /// Welcomed again after a reconnect: back to typing.
    Rejoined,
    /// Back to the form, not busy any more.
    ShowForm,
    /// The form says why the server refused the name.
    ShowRefusal(ServerError),
    /// The conversation shows the server's error.
    AppendError(ServerError),
    /// The form says why the first attempt failed.
    ShowJoinFailure(CloseReason),
    /// Ask whether to trust an unknown certificate.
    AskTrust(Fingerprint),
    /// Warn that the pinned certificate was replaced.
    WarnCertificateChanged { pinned: Fingerprint, presented: Fingerprint },
}

/// The server a window chats on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Where.
    pub address: ServerAddress,
    /// Over TLS.
    pub tls: bool,
}

/// The reconnect schedule: how many attempts since the last welcome.
#[derive(Debug, Default, Clone)]
struct Backoff {
    attempts: u32,
}

impl Backoff {
    /// The wait before the next attempt; each call moves the schedule on.
    fn next_delay(&mut self) -> Duration {
        let doubled = FIRST_DELAY.saturating_mul(1u32 << self.attempts.min(16));
        self.attempts = self.attempts.saturating_add(1);
        doubled.min(MAX_DELAY)
    }
}

/// One window's connection lifecycle.
#[derive(Debug, Default, Clone)]
pub struct Lifecycle {
    phase: Phase,
    target: Option<Target>,
    backoff: Backoff,
    retry_at: Option<Instant>,
    generation: u64,
}

impl Lifecycle {
    /// Idle, with no server yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Where the window is with its connection.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The server of the last join, kept after leaving (the certificate
    /// dialogs name it).
    pub fn target(&self) -> Option<&Target> {
        self.target.as_ref()
    }

    /// Counts connections, so events from a dropped one are ignored.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Whole seconds until the next attempt, while waiting for one.
    pub fn retry_seconds(&self, now: Instant) -> Option<u32> {
        let at = self.retry_at.filter(|_| self.phase == Phase::Waiting)?;
        let secs = at.saturating_duration_since(now).as_secs_f64().ceil();
        // At most MAX_DELAY: always fits.
        Some(secs as u32)
    }

    /// Takes one event at `now` and returns what the window must do.
    pub fn handle(&mut self, event: Event, now: Instant) -> Vec<Action> {
        let mut actions = Vec::new();
        match event {
            Event::Join { address, tls } => {
                self.hang_up(false, &mut actions);
                self.target = Some(Target { address, tls });
                self.backoff = Backoff::default();
                self.set_phase(Phase::Joining, &mut actions);
                self.connect(&mut actions);
            }
            Event::Welcomed if self.phase == Phase::Joining => {
                self.set_phase(Phase::Joined, &mut actions);
                actions.push(Action::OpenChat);
            }
            Event::Welcomed => {
                self.backoff = Backoff::default();
                actions.push(Action::HideBanner);
                self.set_phase(Phase::Joined, &mut actions);
                actions.push(Action::Rejoined);
            }
            // The first answer to a name typed in the form: the user picks
            // another, no retrying.
            Event::Refused(error) if self.phase == Phase::Joining => {
                self.disconnect(false, &mut actions);
                self.set_phase(Phase::Idle, &mut actions);
                actions.push(Action::ShowRefusal(error));
            }
            // A password refused on a reconnect, a ban from the server, or
            // this user logged in elsewhere: trying again would fail the
            // same way (and count as guessing), or take the name back.
            Event::Refused(error) if needs_the_user(&error) => {
                self.leave(false, &mut actions);
                actions.push(Action::ShowRefusal(error));
            }
            // Refused on a reconnect (the name was taken meanwhile, the
            // server is full): say so and keep trying.
            Event::Refused(error) => {
                actions.push(Action::AppendError(error));
                self.disconnect(false, &mut actions);
                self.schedule_retry(now, &mut actions);
            }
            Event::Closed(reason) => self.closed(reason, now, &mut actions),
            Event::Reconnect if self.phase == Phase::Waiting => {
                actions.push(Action::CancelRetry);
                self.retry_at = None;
                self.set_phase(Phase::Rejoining, &mut actions);
                actions.push(Action::UpdateBanner);
                self.connect(&mut actions);
            }
            Event::Reconnect => {}
            Event::HangUp { say_quit } => self.hang_up(say_quit, &mut actions),
            Event::Leave { say_quit } => self.leave(say_quit, &mut actions),
        }
        actions
    }

    fn closed(&mut self, reason: CloseReason, now: Instant, actions: &mut Vec<Action>) {
        actions.push(Action::Disconnect { say_quit: false });
        match reason {
            // The user decides about a certificate: no retrying meanwhile.
            CloseReason::Untrusted { fingerprint } => {
                self.leave(false, actions);
                actions.push(Action::AskTrust(fingerprint));
            }
            CloseReason::CertificateChanged { pinned, presented } => {
                self.leave(false, actions);
                actions.push(Action::WarnCertificateChanged { pinned, presented });
            }
            reason => match self.phase {
                Phase::Joining => {
                    self.set_phase(Phase::Idle, actions);
                    actions.push(Action::ShowJoinFailure(reason));
                }
                Phase::Joined => {
                    actions.push(Action::ShowDisconnected);
                    self.schedule_retry(now, actions);
                }
                Phase::Rejoining => self.schedule_retry(now, actions),
                Phase::Idle | Phase::Waiting => {}
            },
        }
    }

    fn set_phase(&mut self, phase: Phase, actions: &mut Vec<Action>) {
        self.phase = phase;
        actions.push(Action::Phase(phase));
    }

    fn connect(&mut self, actions: &mut Vec<Action>) {
        self.generation += 1;
        actions.push(Action::Connect { generation: self.generation });
    }

    fn disconnect(&mut self, say_quit: bool, actions: &mut Vec<Action>) {
        self.generation += 1;
        actions.push(Action::Disconnect { say_quit });
    }

    fn hang_up(&mut self, say_quit: bool, actions: &mut Vec<Action>) {
        actions.push(Action::CancelRetry);
        self.retry_at = None;
        self.disconnect(say_quit && self.phase == Phase::Joined, actions);
        actions.push(Action::ForgetMembers);
        self.set_phase(Phase::Idle, actions);
    }

    fn leave(&mut self, say_quit: bool, actions: &mut Vec<Action>) {
        self.hang_up(say_quit, actions);
        actions.push(Action::HideBanner);
        actions.push(Action::ShowForm);
    }

    fn schedule_retry(&mut self, now: Instant, actions: &mut Vec<Action>) {
        actions.push(Action::CancelRetry);
        self.set_phase(Phase::Waiting, actions);
        let delay = self.backoff.next_delay();
        self.retry_at = Some(now + delay);
        actions.push(Action::RetryIn(delay));
    }
}

/// True for refusals only the user can answer: a missing or wrong
/// password, too many failed logins, or a login of theirs elsewhere.
pub fn needs_the_user(error: &ServerError) -> bool {
    match error.kind() {
        ErrorKind::Account(
            AccountError::NeedsLogin(_) | AccountError::WrongPassword(_) | AccountError::Guessing(_),
        ) => true,
        ErrorKind::Other(text) => text == REPLACED,
        ErrorKind::Moderation(ModError::BannedFromServer { .. }) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests;
