//! Transitions of [`Lifecycle`]: what each event leads to, phase by phase.

use std::time::{Duration, Instant};

use natter::protocol::account::AccountError;
use natter::protocol::moderation::ModError;
use natter::protocol::ErrorKind;
use rustls::pki_types::CertificateDer;

use super::*;

fn address() -> ServerAddress {
    ServerAddress::parse("127.0.0.1:5000").unwrap()
}

fn fingerprint(seed: u8) -> Fingerprint {
    Fingerprint::of(&CertificateDer::from(vec![seed; 8]))
}

/// A lifecycle that joined once, and the instant it did.
fn joined() -> (Lifecycle, Instant) {
    let now = Instant::now();
    let mut life = Lifecycle::new();
    life.handle(Event::Join { address: address(), tls: false }, now);
    life.handle(Event::Welcomed, now);
    assert_eq!(life.phase(), Phase::Joined);
    (life, now)
}

fn retry_delay(actions: &[Action]) -> Option<u64> {
    actions.iter().find_map(|a| match a {
        Action::RetryIn(d) => Some(d.as_secs()),
        _ => None,
    })
}

/// Loses the connection from `Joined`, then fails every reconnect; the
/// delays scheduled along the way.
fn delays_while_the_server_is_down(life: &mut Lifecycle, now: Instant, attempts: usize) -> Vec<u64> {
    let mut delays = Vec::new();
    let actions = life.handle(Event::Closed(CloseReason::Closed), now);
    delays.extend(retry_delay(&actions));
    for _ in 1..attempts {
        assert_eq!(life.phase(), Phase::Waiting);
        life.handle(Event::Reconnect, now);
        assert_eq!(life.phase(), Phase::Rejoining);
        delays.extend(retry_delay(&life.handle(Event::Closed(CloseReason::Refused), now)));
    }
    delays
}

#[test]
fn join_connects_and_the_welcome_opens_the_chat() {
    let mut life = Lifecycle::new();
    let now = Instant::now();
    let actions = life.handle(Event::Join { address: address(), tls: true }, now);
    assert_eq!(life.phase(), Phase::Joining);
    assert_eq!(life.target(), Some(&Target { address: address(), tls: true }));
    assert_eq!(actions.last(), Some(&Action::Connect { generation: life.generation() }));
    assert!(actions.contains(&Action::Phase(Phase::Joining)));
    assert_eq!(life.handle(Event::Welcomed, now), [Action::Phase(Phase::Joined), Action::OpenChat]);
}

#[test]
fn refused_name_goes_back_to_the_form_without_retrying() {
    let mut life = Lifecycle::new();
    let now = Instant::now();
    life.handle(Event::Join { address: address(), tls: false }, now);
    let error = ServerError::from(ErrorKind::NameTaken("alice"));
    let actions = life.handle(Event::Refused(error.clone()), now);
    assert_eq!(life.phase(), Phase::Idle);
    assert!(actions.contains(&Action::ShowRefusal(error)));
    assert_eq!(retry_delay(&actions), None, "no retry after a refused name");
    assert_eq!(life.retry_seconds(now), None);
    // Nothing is pending: a timer that fired late does nothing.
    assert!(life.handle(Event::Reconnect, now).is_empty());
}

#[test]
fn refused_on_a_reconnect_says_so_and_keeps_trying() {
    let (mut life, now) = joined();
    life.handle(Event::Closed(CloseReason::Closed), now);
    life.handle(Event::Reconnect, now);
    let error = ServerError::from(ErrorKind::ServerFull);
    let actions = life.handle(Event::Refused(error.clone()), now);
    assert_eq!(actions.first(), Some(&Action::AppendError(error)));
    assert_eq!(life.phase(), Phase::Waiting);
    assert_eq!(retry_delay(&actions), Some(2));
}

#[test]
fn refused_password_or_a_server_ban_on_a_reconnect_stops_at_the_form() {
    for kind in [
        ErrorKind::Account(AccountError::WrongPassword("alice")),
        ErrorKind::Account(AccountError::NeedsLogin("alice")),
        ErrorKind::Account(AccountError::Guessing(30)),
        ErrorKind::Moderation(ModError::BannedFromServer { left: Some(3600), reason: Some("spam") }),
    ] {
        let (mut life, now) = joined();
        life.handle(Event::Closed(CloseReason::Closed), now);
        life.handle(Event::Reconnect, now);
        let error = ServerError::from(kind);
        let actions = life.handle(Event::Refused(error.clone()), now);
        assert_eq!(life.phase(), Phase::Idle);
        assert!(actions.contains(&Action::ShowForm));
        assert_eq!(actions.last(), Some(&Action::ShowRefusal(error)));
        assert_eq!(retry_delay(&actions), None, "no retry loop after a refused password or a ban");
        assert!(life.handle(Event::Reconnect, now).is_empty());
    }
}

#[test]
fn logged_in_elsewhere_stops_without_retrying() {
    let (mut life, now) = joined();
    let error = ServerError::from(ErrorKind::Other(REPLACED));
    let actions = life.handle(Event::Refused(error.clone()), now);
    assert_eq!(life.phase(), Phase::Idle);
    assert_eq!(actions.last(), Some(&Action::ShowRefusal(error)));
    // The close that follows changes nothing.
    let after = life.handle(Event::Closed(CloseReason::Closed), now);
    assert_eq!(retry_delay(&after), None);
    assert_eq!(life.phase(), Phase::Idle);
}

#[test]
fn lost_connection_retries_after_1_2_4_up_to_30_seconds() {
    let (mut life, now) = joined();
    assert_eq!(delays_while_the_server_is_down(&mut life, now, 8), [1, 2, 4, 8, 16, 30, 30, 30]);
    // Many more attempts stay at 30 s and never overflow.
    let more = delays_while_the_server_is_down(&mut life, now, 1);
    assert!(more.is_empty(), "already waiting: a second close schedules nothing");
    for _ in 0..100 {
        life.handle(Event::Reconnect, now);
        let delay = retry_delay(&life.handle(Event::Closed(CloseReason::TimedOut), now));
        assert_eq!(delay, Some(30));
    }
}

#[test]
fn lost_connection_shows_the_disconnect_then_waits() {
    let (mut life, now) = joined();
    let actions = life.handle(Event::Closed(CloseReason::Closed), now);
    assert_eq!(
        actions,
        [
            Action::Disconnect { say_quit: false },
            Action::ShowDisconnected,
            Action::CancelRetry,
            Action::Phase(Phase::Waiting),
            Action::RetryIn(FIRST_DELAY),
        ]
    );
    assert_eq!(life.retry_seconds(now), Some(1));
    assert_eq!(life.retry_seconds(now + Duration::from_millis(300)), Some(1));
    assert_eq!(life.retry_seconds(now + Duration::from_secs(5)), Some(0));
}

#[test]
fn a_rejoin_starts_the_schedule_over() {
    let (mut life, now) = joined();
    assert_eq!(delays_while_the_server_is_down(&mut life, now, 3), [1, 2, 4]);
    life.handle(Event::Reconnect, now);
    let actions = life.handle(Event::Welcomed, now);
    assert_eq!(actions, [Action::HideBanner, Action::Phase(Phase::Joined), Action::Rejoined]);
    assert_eq!(delays_while_the_server_is_down(&mut life, now, 2), [1, 2]);
}

#[test]
fn manual_reconnect_tries_at_once_only_while_waiting() {
    let (mut life, now) = joined();
    assert!(life.handle(Event::Reconnect, now).is_empty(), "nothing to do while joined");
    life.handle(Event::Closed(CloseReason::Closed), now);
    let before = life.generation();
    let actions = life.handle(Event::Reconnect, now);
    assert_eq!(
        actions,
        [
            Action::CancelRetry,
            Action::Phase(Phase::Rejoining),
            Action::UpdateBanner,
            Action::Connect { generation: before + 1 },
        ]
    );
    assert_eq!(life.retry_seconds(now), None);
    assert!(life.handle(Event::Reconnect, now).is_empty(), "an attempt is already under way");
}

#[test]
fn first_attempt_failing_shows_why_on_the_form() {
    let mut life = Lifecycle::new();
    let now = Instant::now();
    life.handle(Event::Join { address: address(), tls: false }, now);
    let actions = life.handle(Event::Closed(CloseReason::Refused), now);
    assert_eq!(
        actions,
        [
            Action::Disconnect { say_quit: false },
            Action::Phase(Phase::Idle),
            Action::ShowJoinFailure(CloseReason::Refused),
        ]
    );
}

#[test]
fn changed_certificate_stops_and_never_retries() {
    let (mut life, now) = joined();
    life.handle(Event::Closed(CloseReason::Closed), now);
    life.handle(Event::Reconnect, now);
    let (pinned, presented) = (fingerprint(1), fingerprint(2));
    let actions = life.handle(Event::Closed(CloseReason::CertificateChanged { pinned, presented }), now);
    assert_eq!(life.phase(), Phase::Idle);
    assert_eq!(actions.last(), Some(&Action::WarnCertificateChanged { pinned, presented }));
    assert!(actions.contains(&Action::ShowForm));
    assert_eq!(retry_delay(&actions), None);
    assert!(life.handle(Event::Reconnect, now).is_empty(), "no reconnecting to a changed certificate");
    assert_eq!(life.target().map(|t| &t.address), Some(&address()), "the dialog can still name the server");
}

#[test]
fn unknown_certificate_asks_and_does_not_retry() {
    let mut life = Lifecycle::new();
    let now = Instant::now();
    life.handle(Event::Join { address: address(), tls: true }, now);
    let fingerprint = fingerprint(3);
    let actions = life.handle(Event::Closed(CloseReason::Untrusted { fingerprint }), now);
    assert_eq!(actions.last(), Some(&Action::AskTrust(fingerprint)));
    assert_eq!(life.phase(), Phase::Idle);
    assert_eq!(retry_delay(&actions), None);
}

#[test]
fn leaving_says_quit_only_when_joined_and_cancels_the_retry() {
    let (mut life, now) = joined();
    let actions = life.handle(Event::Leave { say_quit: true }, now);
    assert_eq!(
        actions,
        [
            Action::CancelRetry,
            Action::Disconnect { say_quit: true },
            Action::ForgetMembers,
            Action::Phase(Phase::Idle),
            Action::HideBanner,
            Action::ShowForm,
        ]
    );

    let (mut life, now) = joined();
    life.handle(Event::Closed(CloseReason::Closed), now);
    let actions = life.handle(Event::HangUp { say_quit: true }, now);
    assert!(actions.contains(&Action::Disconnect { say_quit: false }), "nobody to say /quit to");
    assert!(actions.contains(&Action::CancelRetry));
    assert_eq!(life.phase(), Phase::Idle);
    assert!(life.handle(Event::Reconnect, now).is_empty(), "the retry is gone");
}

#[test]
fn every_connection_and_hang_up_moves_the_generation_on() {
    let mut life = Lifecycle::new();
    let now = Instant::now();
    life.handle(Event::Join { address: address(), tls: false }, now);
    let first = life.generation();
    life.handle(Event::Join { address: address(), tls: false }, now);
    assert!(life.generation() > first, "events of the first connection no longer count");
    let second = life.generation();
    life.handle(Event::HangUp { say_quit: false }, now);
    assert!(life.generation() > second);
}
