//! Unit tests of stored history in the session: replay, echoes, pages
//! told apart from live lines, catching up after a reconnect.

use super::*;
use crate::model::backlog::Place;

fn joined(name: &str) -> Session {
    let mut s = Session::new(name);
    let outs = s.read(&format!("*** welcome {name}, online (2): {name}, bob"));
    assert_eq!(
        outs[0].send,
        ["/stamps", "/default", "/marks"],
        "stamps, the default room's name and marks asked for at once"
    );
    assert_eq!(s.read("*** stamps on")[0].entry, None, "its answer is not shown");
    assert_eq!(s.read("*** default room: #lobby")[0].entry, None);
    s
}

fn line(id: u64, text: &str) -> String {
    format!("[2026-12-06T01:02:{:02}Z {id}] bob: {text}", id % 60)
}

#[test]
fn replay_before_the_welcome_then_the_divider_and_live_stamped_lines() {
    let mut s = Session::new("alice");
    let out = s.receive(&line(1, "earlier"));
    assert_eq!((out.source, out.place), (Source::Replay, Some(Place::End)));
    let out = s.receive("*** welcome alice, online (1): alice");
    assert!(out.divider, "the live stream starts after the replay");
    let out = s.receive(&line(2, "now"));
    assert_eq!(out.source, Source::Live);
    assert_eq!(s.rooms().get(&ConvId::Default).map(|c| c.unread), Some(0), "shown room");
    // Seen already: not again.
    assert_eq!(s.receive(&line(2, "now")).entry, None);
    let out = s.receive("[2026-12-06T01:02:03Z 3] alice: mine");
    assert!(out.own_echo);
}

#[test]
fn an_older_page_is_told_apart_from_live_lines_around_it() {
    let mut s = joined("alice");
    s.read(&line(50, "shown"));
    let ask = s.ask_older(&ConvId::Default).expect("a page may be asked for");
    assert_eq!(ask, "/history #lobby before 50 50");
    assert!(s.loading_older(&ConvId::Default));
    assert_eq!(s.ask_older(&ConvId::Default), None, "one at a time");
    // A live line, then the answer's block of two and its end.
    assert!(s.read(&line(51, "live")).is_empty(), "held while it may be the answer");
    assert!(s.read(&line(10, "old a")).is_empty());
    assert!(s.read(&line(11, "old b")).is_empty());
    let outs = s.read("*** end of history (2 lines)");
    let sources: Vec<Source> = outs.iter().map(|o| o.source).collect();
    assert_eq!(sources, [Source::Live, Source::Older, Source::Older, Source::Live]);
    let done = outs[3].done.clone().expect("the request is done");
    assert_eq!((done.ask, done.count), (Ask::Older { asked: OLDER_PAGE }, 2));
    assert!(!s.loading_older(&ConvId::Default));
    assert_eq!(s.ask_older(&ConvId::Default), None, "fewer than asked: no more");
    // A line that breaks a run lets it out as live.
    s.search_line(&ConvId::Default, "회의");
    assert!(s.read(&line(60, "live again")).is_empty());
    let outs = s.read("*** bob joined");
    assert_eq!(outs.len(), 2);
    assert_eq!(outs[0].source, Source::Live);
    let outs = s.read("*** end of search (0 lines)");
    assert_eq!(outs[0].done.as_ref().map(|d| d.ask), Some(Ask::Search));
}

#[test]
fn a_reconnect_asks_for_what_was_missed_and_places_it() {
    let mut s = joined("alice");
    s.read(&line(5, "seen"));
    s.disconnected();
    s.read(&line(20, "replayed"));
    let outs = s.read("*** welcome alice, online (1): alice");
    assert_eq!(outs[0].send, ["/stamps", "/default", "/marks", "/history #lobby after 5 200"]);
    s.read("*** stamps on");
    assert!(s.read(&line(12, "missed")).is_empty());
    let outs = s.read("*** end of history (2 lines)");
    // The missed line goes before the newer one replayed on rejoining.
    assert!(outs[0].place == Some(Place::Before(20)));
    assert_eq!(outs[1].done.as_ref().map(|d| d.ask), Some(Ask::Newer { asked: BIG_PAGE }));
    let out = &s.read("*** history unavailable")[0];
    assert_eq!(out.entry, Some(Entry::HistoryUnavailable), "a quiet notice in the room");
}
