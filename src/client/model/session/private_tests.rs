//! Unit tests of private conversations kept as history
//! (`session/privates.rs`): `@bob` lines read and admitted, the newest
//! page when a conversation opens, paging, searching, catching up, and the
//! stamped echo taking the local echo's place.

use super::*;
use crate::model::backlog::{Place, Seek};

/// Logged in with the first line, welcomed, stamps on.
fn logged_in(name: &str) -> Session {
    let mut s = Session::new(name);
    assert_eq!(s.read(&format!("*** logged in as {name}"))[0].account, Some(AccountNews::LoggedIn));
    let outs = s.read(&format!("*** welcome {name}, online (2): {name}, bob"));
    assert_eq!(outs[0].send, ["/stamps", "/default", "/marks"], "no private conversation to load yet");
    s.read("*** stamps on");
    s.read("*** default room: #lobby");
    s.read("*** marks on");
    s
}

fn bob() -> ConvId {
    ConvId::Private("bob".into())
}

fn stamped(id: u64, line: &str) -> String {
    format!("[2026-12-06T01:02:{:02}Z {id}] {line}", id % 60)
}

fn tagged(id: u64, line: &str) -> String {
    format!("@bob {}", stamped(id, line))
}

fn routes_only_to(out: &Outcome, id: &ConvId) {
    assert_eq!(out.route, Route::To(vec![id.clone()]), "never to a room: {out:?}");
}

#[test]
fn a_kept_message_opens_its_conversation_only_and_loads_its_newest_page() {
    let mut s = logged_in("alice");
    // Kept while offline, or said now: stamped, untagged.
    let out = s.read(&stamped(1240, "bob (private): hi")).remove(0);
    assert_eq!(out.entry, Some(Entry::PrivateIn { from: "bob".into(), text: "hi".into() }));
    routes_only_to(&out, &bob());
    assert_eq!((out.source, out.id, out.place), (Source::Live, Some(1240), Some(Place::End)));
    assert_eq!(out.said_at.as_deref(), Some("2026-12-06T01:02:40Z"), "shown at its own time");
    assert!(out.alert);
    assert_eq!(out.opened, Some(bob()));
    assert_eq!(out.send, ["/history @bob before now 50"]);
    assert_eq!(s.rooms().get(&bob()).map(|c| (c.unread, c.highlight)), Some((1, true)));
    // The answer: an older line of this user's, the one shown already.
    assert!(s.read(&tagged(1239, "alice (private): earlier")).is_empty(), "held as the answer");
    assert!(s.read(&tagged(1240, "bob (private): hi")).is_empty());
    let outs = s.read("@bob *** end of history (2 lines)");
    assert_eq!(outs.len(), 3);
    assert_eq!(outs[0].entry, Some(Entry::PrivateOut { to: "bob".into(), text: "earlier".into() }));
    assert_eq!((outs[0].source, outs[0].own_echo, outs[0].alert), (Source::Older, false, false));
    routes_only_to(&outs[0], &bob());
    assert_eq!(outs[1].entry, None, "shown already");
    let done = outs[2].done.clone().expect("answered");
    assert_eq!((done.conv, done.ask, done.count), (bob(), Ask::Older { asked: OLDER_PAGE }, 2));
    assert_eq!(outs[2].entry, None, "an end line is not shown");
    assert_eq!(s.rooms().get(&bob()).map(|c| c.unread), Some(1), "history is not unread");
    assert_eq!(s.ask_older(&bob()), None, "fewer than asked: nothing older");
}

#[test]
fn the_stamped_echo_is_the_local_echo_admitted_by_id() {
    let mut s = logged_in("alice");
    s.open_private("bob");
    // Typed in a room, spelled otherwise: the echo names the conversation.
    let outgoing = s.prepare("/msg Bob hello there").expect("a line to send");
    assert_eq!(outgoing.to, bob());
    s.sending(&outgoing, "/msg Bob hello there");
    let echo = s.read(&tagged(1300, "alice (private): hello there")).remove(0);
    assert!(echo.own_echo, "takes the local echo's place");
    assert_eq!(echo.entry, outgoing.echo, "the same entry as the local echo");
    assert!(!echo.alert);
    routes_only_to(&echo, &bob());
    assert_eq!(s.read(&tagged(1300, "alice (private): hello there"))[0].entry, None, "once");
    // Typed in the conversation itself.
    s.show(&bob());
    let outgoing = s.prepare("/me waves").expect("a line to send");
    assert_eq!(outgoing.line, "/msg bob /me waves");
    let echo = s.read(&tagged(1301, "alice (private): /me waves")).remove(0);
    assert_eq!(echo.entry, outgoing.echo);
}

#[test]
fn opening_shown_paging_and_searching_a_conversation() {
    let mut s = logged_in("alice");
    let id = s.open_private("bob");
    assert_eq!(s.load_private(&id).as_deref(), Some("/history @bob before now 50"));
    assert_eq!(s.load_private(&id), None, "once per connection");
    assert_eq!(s.load_private(&ConvId::Default), None, "a room has its replay");
    let page: Vec<String> = (1000..1050).map(|i| tagged(i, "bob (private): line")).collect();
    for line in &page {
        s.read(line);
    }
    let outs = s.read("@bob *** end of history (50 lines)");
    assert!(outs[..50].iter().all(|o| o.source == Source::Older && o.entry.is_some() && !o.alert));
    assert_eq!(s.ask_older(&id).as_deref(), Some("/history @bob before 1000 50"), "a full page: more above");
    s.read("@bob *** end of history (50 lines)");
    assert_eq!(s.search_line(&id, " 회의  date ").as_deref(), Some("/search @bob 회의 date"));
    s.read(&tagged(1010, "bob (private): 회의 date"));
    let outs = s.read("@bob *** end of search (1 lines)");
    assert_eq!(outs[0].source, Source::Search);
    routes_only_to(&outs[0], &bob());
    assert_eq!(outs[1].done.as_ref().map(|d| d.ask), Some(Ask::Search));
    // A result above what is loaded: pages of older lines up to it.
    let (seek, line) = s.seek(&id, 5);
    assert_eq!(seek, Seek::Load(1000));
    assert_eq!(line.as_deref(), Some("/history @bob before 1000 200"));
}

#[test]
fn a_conversation_that_cannot_be_kept_has_no_history_and_no_error() {
    // Not logged in: nothing is asked, and a private shows as before,
    // also where the user is.
    let mut s = Session::new("alice");
    s.read("*** welcome alice, online (2): alice, carol");
    s.read("*** stamps on");
    let out = s.read("carol (private): hi").remove(0);
    assert_eq!(out.send, Vec::<String>::new());
    assert_eq!(out.route, Route::To(vec![ConvId::Private("carol".into()), ConvId::Default]));
    assert_eq!(s.load_private(&ConvId::Private("carol".into())), None);
    // Logged in, with an unregistered peer: the empty answer shows nothing.
    let mut s = logged_in("alice");
    let id = s.open_private("carol");
    let line = s.load_private(&id).expect("asked once logged in");
    assert_eq!(line, "/history @carol before now 50");
    let outs = s.read("@carol *** end of history (0 lines)");
    assert_eq!(outs.len(), 1);
    assert_eq!(outs[0].entry, None, "no error, no notice");
    // History off on the server: a quiet word in the conversation.
    let id = s.open_private("dave");
    s.load_private(&id);
    let out = s.read("@dave *** history unavailable").remove(0);
    assert_eq!(out.entry, Some(Entry::HistoryUnavailable));
    routes_only_to(&out, &id);
}

#[test]
fn logging_in_later_and_reconnecting_load_and_catch_up() {
    let mut s = Session::new("alice");
    s.read("*** welcome alice, online (1): alice");
    s.read("*** stamps on");
    s.open_private("bob");
    let out = s.read("*** logged in as alice").remove(0);
    assert_eq!(out.send, ["/history @bob before now 50"], "`/login` after the welcome");
    s.read(&tagged(70, "bob (private): seen"));
    s.read("@bob *** end of history (1 lines)");
    s.disconnected();
    // The next connection logs in with the first line.
    s.read("*** logged in as alice");
    let outs = s.read("*** welcome alice, online (1): alice");
    assert_eq!(outs[0].send, ["/stamps", "/default", "/marks", "/history @bob after 70 200"]);
    s.read("*** stamps on");
    let out = s.read(&tagged(71, "bob (private): missed")).into_iter().next();
    assert!(out.is_none(), "held as the answer");
    let outs = s.read("@bob *** end of history (1 lines)");
    assert_eq!((outs[0].source, outs[0].place), (Source::Newer, Some(Place::End)));
    assert_eq!(outs[1].done.as_ref().map(|d| d.ask), Some(Ask::Newer { asked: BIG_PAGE }));
    // Unregistered: no longer kept.
    s.read("*** alice is no longer registered");
    s.open_private("carol");
    assert_eq!(s.load_private(&ConvId::Private("carol".into())), None);
}

#[test]
fn kept_conversations_are_remembered_and_open_again_on_the_next_start() {
    let mut s = logged_in("alice");
    s.open_private("carol");
    s.read(&stamped(1240, "bob (private): hi"));
    // bob's conversation holds a stored line; carol's (not kept) none.
    assert_eq!(s.rooms().kept_privates(), ["bob"]);

    // The next start: opened again, quietly, and loaded with the rooms.
    let mut next = logged_in("alice");
    assert_eq!(next.rejoin_lines(&["#dev".into(), "@bob".into()]), ["/join #dev", "/history @bob before now 50"]);
    let conv = next.rooms().get(&bob()).expect("bob's conversation is back");
    assert_eq!((conv.unread, conv.highlight), (0, false));
}
