//! How entries and errors read: English text, row kinds, and a client
//! text for every protocol error kind.

use super::*;
use crate::model::session::ServerError;

fn r(entry: Entry) -> Rendered {
    render(&entry, &LIGHT)
}

fn strip_tags(markup: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in markup.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

#[test]
fn messages_read_like_the_wire() {
    let chat = r(Entry::Chat { from: "철수".into(), text: "안녕 <b>".into(), mention: false });
    assert_eq!(strip_tags(&chat.markup), "철수: 안녕 <b>");
    assert_eq!(chat.kind, RowKind::Message);
    assert!(chat.markup.contains("weight=\"bold\""));
    let own = r(Entry::OwnChat { from: "alice".into(), text: "hi".into() });
    assert_eq!((strip_tags(&own.markup).as_str(), own.kind), ("alice: hi", RowKind::Own));
    let action = r(Entry::Action { from: "bob".into(), text: "waves".into(), own: false, mention: false });
    assert_eq!((strip_tags(&action.markup).as_str(), action.kind), ("* bob waves", RowKind::Action));
    let mention = r(Entry::Chat { from: "bob".into(), text: "alice!".into(), mention: true });
    assert_eq!(mention.kind, RowKind::Mention);
    let waves = r(Entry::Action { from: "bob".into(), text: "waves at alice".into(), own: false, mention: true });
    assert_eq!((strip_tags(&waves.markup).as_str(), waves.kind), ("* bob waves at alice", RowKind::ActionMention));
}

#[test]
fn private_and_status_lines() {
    let p = r(Entry::PrivateIn { from: "bob".into(), text: "psst".into() });
    assert_eq!((strip_tags(&p.markup).as_str(), p.kind), ("bob (private): psst", RowKind::Private));
    let p = r(Entry::PrivateOut { to: "bob".into(), text: "hi".into() });
    assert_eq!(strip_tags(&p.markup), "→ bob (private): hi");
    let w = r(Entry::Welcome { name: "alice".into(), online: vec!["alice".into(), "철수".into()] });
    assert_eq!(strip_tags(&w.markup), "Welcome, alice! 1 other person is here: 철수");
    let alone = r(Entry::Welcome { name: "alice".into(), online: vec!["alice".into()] });
    assert_eq!(strip_tags(&alone.markup), "Welcome, alice! Nobody else is here yet.");
    assert_eq!(strip_tags(&r(Entry::Joined("bob".into())).markup), "bob joined");
    let q = r(Entry::Quit { name: "bob".into(), reason: Some("connection lost".into()) });
    assert_eq!((strip_tags(&q.markup).as_str(), q.kind), ("bob left (connection lost)", RowKind::Status));
    let n = r(Entry::Renamed { old: "a".into(), new: "b".into(), own: true });
    assert_eq!(strip_tags(&n.markup), "You are now known as b");
    assert_eq!(strip_tags(&r(Entry::Online(vec!["x".into()])).markup), "1 person online: x");
}

#[test]
fn failures_are_errors_in_plain_words() {
    let d = r(Entry::Disconnected);
    assert_eq!((d.markup.as_str(), d.kind), ("Server disconnected.", RowKind::Error));
    assert_eq!(r(Entry::SendFailed).markup, "Failed to send message.");
    let refused = Entry::PrivateOut { to: "nobody".into(), text: "hello?".into() };
    let u = r(Entry::Undelivered { echo: Box::new(refused), input: "/msg nobody hello?".into() });
    assert_eq!(
        (strip_tags(&u.markup).as_str(), u.kind),
        ("→ nobody (private): hello? (not delivered)", RowKind::Error)
    );
    let e = r(Entry::Error(ErrorKind::NoSuchUser("zed").into()));
    assert_eq!(e.markup, "Nobody called “zed” is online.");
    assert_eq!(error_text(&ErrorKind::Usage("/me ACTION")), "Usage: /me ACTION");
}

/// One of every protocol error kind. The match below has no wildcard, so
/// a kind added to the protocol fails to compile here until it is listed.
fn every_error_kind() -> Vec<ErrorKind<'static>> {
    let all = vec![
        ErrorKind::NameTaken("bob"),
        ErrorKind::BadName("name is empty"),
        ErrorKind::NameTooSimilar("alice"),
        ErrorKind::UnknownCommand("dance"),
        ErrorKind::NoSuchUser("zed"),
        ErrorKind::LineTooLong(4096),
        ErrorKind::Usage("/me ACTION"),
        ErrorKind::ServerFull,
        ErrorKind::TooManyFromAddress,
        ErrorKind::NameTimeout,
        ErrorKind::Other("odd"),
        ErrorKind::BadRoom("room name is empty"),
        ErrorKind::NotInRoom("#dev"),
        ErrorKind::NoSuchRoom("#dev"),
        ErrorKind::TooManyRooms(5),
        ErrorKind::TooManyJoined(5),
        ErrorKind::CannotLeaveDefault("#lobby"),
        ErrorKind::Account(AccountError::WrongPassword("alice")),
        ErrorKind::Moderation(natter::protocol::moderation::ModError::Muted { room: "#dev", left: Some(600) }),
    ];
    for kind in &all {
        match kind {
            ErrorKind::NameTaken(_)
            | ErrorKind::BadName(_)
            | ErrorKind::NameTooSimilar(_)
            | ErrorKind::UnknownCommand(_)
            | ErrorKind::NoSuchUser(_)
            | ErrorKind::LineTooLong(_)
            | ErrorKind::Usage(_)
            | ErrorKind::ServerFull
            | ErrorKind::TooManyFromAddress
            | ErrorKind::NameTimeout
            | ErrorKind::BadRoom(_)
            | ErrorKind::NotInRoom(_)
            | ErrorKind::NoSuchRoom(_)
            | ErrorKind::TooManyRooms(_)
            | ErrorKind::TooManyJoined(_)
            | ErrorKind::CannotLeaveDefault(_)
            | ErrorKind::Account(_)
            | ErrorKind::Moderation(_)
            | ErrorKind::Other(_) => {}
        }
    }
    all
}

#[test]
fn every_error_kind_has_its_own_client_text() {
    let fallback = error_text(&ErrorKind::Other("x"));
    assert!(fallback.starts_with("Server error: "));
    let mut seen = std::collections::HashSet::new();
    for kind in every_error_kind() {
        // The kind survives the wire and the conversation's copy of it.
        let kept = ServerError::from(kind.clone());
        assert_eq!(kept.kind(), kind);
        let text = error_text(&kind);
        assert!(!text.is_empty());
        if !matches!(kind, ErrorKind::Other(_)) {
            assert!(!text.starts_with("Server error: "), "{kind:?} falls back to the server's words: {text}");
            assert!(!text.contains(&kind.to_string()), "{kind:?} is shown in the server's words: {text}");
        }
        assert!(seen.insert(text.clone()), "two kinds read the same: {text}");
        assert!(!refusal_text(&kind).is_empty());
    }
    assert_eq!(error_text(&ErrorKind::NameTimeout), "The server did not receive your name in time.");
}

#[test]
fn connect_form_messages() {
    assert_eq!(name_error_text(&NameError::BadChar(' ')), "A name cannot contain spaces.");
    assert!(name_error_text(&NameError::BadChar(':')).contains("“:”"));
    assert!(name_error_text(&NameError::BadChar('\u{200B}')).contains("U+200B"));
    assert!(name_error_text(&NameError::TooLong).contains("32"));
    assert!(join_failure_text(&CloseReason::Refused, "h:1").contains("refused"));
    assert!(join_failure_text(&CloseReason::TimedOut, "h:1").contains("timed out"));
    let tls = join_failure_text(&CloseReason::TlsFailed("no answer".into()), "h:1");
    assert!(tls.contains("encrypted connection with h:1 (no answer)"), "{tls}");
    assert!(refusal_text(&ErrorKind::NameTaken("bob")).contains("already taken"));
    assert!(address_error_text(&AddressError::BadPort).contains("65535"));
}

#[test]
fn palettes_have_the_same_size() {
    assert_eq!(LIGHT.names.len(), DARK.names.len());
}

#[test]
fn durations_read_as_words_two_units_at_most() {
    assert_eq!(duration_words(600), "10 minutes");
    assert_eq!(duration_words(3600), "1 hour");
    assert_eq!(duration_words(3600 + 5 * 60 + 9), "1 hour 5 minutes");
    assert_eq!(duration_words(86_400 + 3600), "1 day 1 hour");
    assert_eq!(duration_words(86_400 + 60), "1 day");
    assert_eq!(duration_words(1), "1 second");
    assert_eq!(duration_words(0), "0 seconds");
}
