//! Unit tests of `model/session.rs`.

use natter::protocol::ErrorKind;

use super::*;

fn joined(name: &str, online: &str) -> Session {
    let mut s = Session::new(name);
    let out = s.receive(&format!("*** welcome {name}, online ({}): {online}", online.split(", ").count()));
    assert!(out.welcomed);
    // The answer to the client's own `/default`: the default room's name.
    assert_eq!(s.receive("*** default room: #lobby").entry, None);
    s
}

fn members(s: &Session) -> Vec<String> {
    s.members()
}

#[test]
fn welcome_joins_and_fills_the_member_list() {
    let s = joined("철수", "alice, 철수");
    assert!(s.is_joined());
    assert_eq!(members(&s), ["alice", "철수"]);
}

#[test]
fn member_list_follows_events() {
    let mut s = joined("alice", "alice");
    assert!(s.receive("*** bob joined").members_changed);
    assert_eq!(s.receive("*** 철수 joined").entry, Some(Entry::Joined("철수".into())));
    let out = s.receive("*** bob quit [connection lost]");
    assert_eq!(out.entry, Some(Entry::Quit { name: "bob".into(), reason: Some("connection lost".into()) }));
    assert!(out.members_changed);
    s.receive("*** bob joined");
    let out = s.receive("*** bob quit (gone fishing)");
    assert_eq!(out.entry, Some(Entry::Quit { name: "bob".into(), reason: Some("gone fishing".into()) }));
    s.receive("*** 철수 is now known as 영희");
    assert_eq!(members(&s), ["alice", "영희"]);
    s.receive("*** online (3): alice, carol, dave");
    assert_eq!(members(&s), ["alice", "carol", "dave"]);
}

#[test]
fn own_rename_changes_me() {
    let mut s = joined("alice", "alice, bob");
    let out = s.receive("*** alice is now known as alicia");
    assert!(out.renamed_me);
    assert_eq!(s.me(), "alicia");
    assert_eq!(out.entry, Some(Entry::Renamed { old: "alice".into(), new: "alicia".into(), own: true }));
    assert!(!s.receive("*** bob is now known as rob").renamed_me);
}

#[test]
fn lines_are_classified() {
    let mut s = joined("alice", "alice, bob");
    let chat = s.receive("bob: hi all");
    assert_eq!(chat.entry, Some(Entry::Chat { from: "bob".into(), text: "hi all".into(), mention: false }));
    assert!(!chat.alert);
    let mention = s.receive("bob: hey Alice, look");
    assert!(mention.alert);
    assert!(matches!(mention.entry, Some(Entry::Chat { mention: true, .. })));
    let private = s.receive("bob (private): psst");
    assert!(private.alert);
    assert_eq!(private.entry, Some(Entry::PrivateIn { from: "bob".into(), text: "psst".into() }));
    assert!(matches!(s.receive("* bob waves").entry, Some(Entry::Action { own: false, .. })));
    assert_eq!(
        s.receive("*** error: no such user: zed").entry,
        Some(Entry::Error(ErrorKind::NoSuchUser("zed").into()))
    );
    assert_eq!(s.receive("*** server shutting down").entry, Some(Entry::ShuttingDown));
    assert_eq!(s.receive("*** commands:").entry, Some(Entry::Notice("commands:".into())));
    assert_eq!(s.receive("garbage").entry, Some(Entry::Raw("garbage".into())));
}

#[test]
fn errors_before_the_welcome_refuse_the_join() {
    let mut s = Session::new("alice");
    let out = s.receive("*** error: name already in use: alice");
    assert_eq!(out.refused.as_ref().map(ServerError::kind), Some(ErrorKind::NameTaken("alice")));
    assert_eq!(out.entry, None);
    assert!(!s.is_joined());
    assert_eq!(Session::new("x").receive("*** error: server full").refused, Some(ErrorKind::ServerFull.into()));
    let timeout = Session::new("x").receive("*** error: no name received in time").refused;
    assert_eq!(timeout.as_ref().map(ServerError::kind), Some(ErrorKind::NameTimeout));
}

#[test]
fn typed_lines_echo_like_the_server_would_show_them() {
    let s = joined("alice", "alice, bob");
    let say = s.prepare("hello 철수").unwrap();
    assert_eq!(say.line, "hello 철수");
    assert_eq!(say.echo, Some(Entry::OwnChat { from: "alice".into(), text: "hello 철수".into() }));
    assert_eq!(s.prepare("//etc").unwrap().echo, Some(Entry::OwnChat { from: "alice".into(), text: "/etc".into() }));
    assert_eq!(
        s.prepare("/me waves").unwrap().echo,
        Some(Entry::Action { from: "alice".into(), text: "waves".into(), own: true, mention: false })
    );
    assert_eq!(
        s.prepare("/msg bob psst").unwrap().echo,
        Some(Entry::PrivateOut { to: "bob".into(), text: "psst".into() })
    );
    for silent in ["/who", "/nick al", "/help", "/msg", "/dance"] {
        let out = s.prepare(silent).unwrap();
        assert_eq!((out.echo, out.quits), (None, false), "{silent}");
    }
    assert!(s.prepare("/quit bye").unwrap().quits);
    assert_eq!(s.prepare(""), None);
    assert_eq!(s.prepare("   "), None);
    assert_eq!(s.prepare("a\nb").unwrap().line, "a b");
}

#[test]
fn a_refusal_marks_the_line_it_is_about() {
    let mut s = joined("alice", "alice, bob");
    let input = "/msg nobody hello?";
    let out = s.prepare(input).unwrap();
    let id = s.sending(&out, input).unwrap();
    assert_eq!(s.written(id, out.echo.clone().unwrap()), out.echo.unwrap());
    let refused = s.receive("*** error: no such user: nobody");
    assert_eq!(refused.entry, Some(Entry::Error(ErrorKind::NoSuchUser("nobody").into())));
    let undelivered = refused.undelivered.expect("the private line is refused");
    assert_eq!(undelivered.echo, Entry::PrivateOut { to: "nobody".into(), text: "hello?".into() });
    assert_eq!(undelivered.input, input);
    // Lines the server answers itself (no echo) are never marked.
    let who = s.prepare("/who").unwrap();
    assert_eq!(s.sending(&who, "/who"), None);
    assert_eq!(s.receive("*** error: line too long (max 2 bytes)").undelivered, None);
}

#[test]
fn disconnect_forgets_members() {
    let mut s = joined("alice", "alice, bob");
    assert_eq!(s.disconnected(), Entry::Disconnected);
    assert!(!s.is_joined());
    assert!(s.members().is_empty());
    // Rejoining works the same way as joining.
    assert!(s.receive("*** welcome alice, online (1): alice").welcomed);
}

#[test]
fn offline_private_message_opens_its_conversation_with_its_time() {
    let mut s = joined("alice", "alice");
    let out = s.receive("[2026-12-06T01:02:03Z 1234] bob (private): while you were away");
    let bob = ConvId::Private("bob".into());
    assert_eq!(out.entry, Some(Entry::PrivateIn { from: "bob".into(), text: "while you were away".into() }));
    assert_eq!(out.said_at.as_deref(), Some("2026-12-06T01:02:03Z"));
    assert_eq!(out.opened, Some(bob.clone()));
    assert!(matches!(&out.route, Route::To(ids) if ids.contains(&bob)));
    let conv = s.rooms().get(&bob).expect("the private conversation is open");
    assert!(conv.highlight && conv.unread == 1, "shown in bold until read");
}

#[test]
fn stored_notice_goes_where_the_message_was_typed() {
    let mut s = joined("alice", "alice");
    // Typed in the lobby: shown there and in the conversation with bob.
    let out = s.prepare("/msg Bob are you there?").expect("sent");
    s.sending(&out, "/msg Bob are you there?");
    let out = s.receive("*** bob is offline: your message will be delivered when they log in");
    assert_eq!(out.route, Route::To(vec![ConvId::Default, ConvId::Private("Bob".into())]));
    // Typed in the private conversation: there only.
    s.show(&ConvId::Private("Bob".into()));
    let out = s.prepare("still there?").expect("sent");
    s.sending(&out, "still there?");
    let out = s.receive("*** bob is offline: your message will be delivered when they log in");
    assert!(matches!(&out.route, Route::To(ids) if ids.len() == 1 && ids[0].title().eq_ignore_ascii_case("bob")));
    assert!(matches!(out.entry, Some(Entry::Notice(ref t)) if t.starts_with("bob is offline")));
    // With no such conversation: where the user is.
    let out = s.receive("*** carol is offline: your message will be delivered when they log in");
    assert_eq!(out.route, Route::Shown);
}

#[test]
fn account_answers_are_news() {
    let mut s = Session::new("alice");
    assert_eq!(s.receive("*** logged in as alice").account, Some(AccountNews::LoggedIn));
    let mut s = joined("alice", "alice");
    assert_eq!(s.receive("*** registered alice, you are logged in").account, Some(AccountNews::Registered));
    assert_eq!(s.receive("*** password changed").account, Some(AccountNews::PasswordChanged));
    assert_eq!(s.receive("*** alice is no longer registered").account, Some(AccountNews::Unregistered));
    let out = s.receive("*** note: your password travelled unencrypted; connect with TLS to keep it private");
    assert_eq!((out.account, out.route), (None, Route::Shown));
    assert!(s.receive("*** error: you logged in from elsewhere").replaced);
}

#[test]
fn account_commands_are_secret_and_carry_the_new_password() {
    let s = joined("alice", "alice");
    let out = s.prepare("/register correct-horse").expect("sent");
    assert!(out.secret && out.echo.is_none());
    assert_eq!(out.password.as_deref(), Some("correct-horse"));
    let out = s.prepare("/password correct-horse battery-staple").expect("sent");
    assert_eq!(out.password.as_deref(), Some("battery-staple"));
    let out = s.prepare("/unregister battery-staple").expect("sent");
    assert!(out.secret && out.password.is_none());
    assert!(!s.prepare("hello").expect("sent").secret);
}
