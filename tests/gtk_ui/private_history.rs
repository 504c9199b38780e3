//! Issue 16, private conversations kept as history, as the desktop client
//! shows them: a message kept while offline opens its conversation in
//! bold at its own time, the conversation loads its newest page and older
//! ones on scrolling up, the server's stamped echo takes the place of the
//! line shown when sent, the search bar searches the conversation, and a
//! conversation that cannot be kept shows nothing but what is said.
//!
//! The first check runs against a real natterd with two registered
//! names. The second puts a scripted server in its place, speaking the
//! wire format of docs/protocol.md ("Private conversations") exactly, to
//! see each request the window sends and the day separators of lines
//! said on other days.

use std::sync::{Arc, Mutex};

use adw::prelude::*;

use crate::history::{history_server, say_all, DataDir};
use crate::model::rooms::ConvId;
use crate::model::session::{ChatLine, Entry};
use crate::support::{parsed, scripted_server, shot_of, wait_until, Raw, Server, Win};

const PASSWORD: &str = "correct-horse";

/// `name`, registered on `server`, connected as a raw client.
fn registered(server: &Server, name: &str) -> Raw {
    let mut raw = Raw::join(server, name);
    raw.send(&format!("/register {PASSWORD}"));
    raw.expect_line(&format!("*** registered {name}, you are logged in"));
    raw
}

/// The texts of the private lines shown, in order.
fn private_texts(lines: &[ChatLine]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|l| match &l.entry {
            Entry::PrivateIn { text, .. } | Entry::PrivateOut { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

/// Against natterd: alice and bob have written to each other (more than
/// a page), then bob writes while alice is offline. Her window logs in:
/// the conversation opens in bold with the newest page, scrolling up
/// loads the rest, her answer shows once with its id, search finds
/// within the conversation, a restart of natterd shows nothing twice, and
/// a conversation with carol (not registered) has no history and no error.
pub fn private_conversation_with_natterd() {
    let dir = DataDir::new("private");
    let mut server = history_server(&dir, 0, &[]);
    let mut alice = registered(&server, "alice");
    let mut bob = registered(&server, "bob");
    let from_bob: Vec<String> = (1..=30).map(|i| format!("bob's line {i}")).collect();
    let from_alice: Vec<String> = (1..=30).map(|i| format!("alice's line {i}")).collect();
    say_all(&mut bob, &from_bob.iter().map(|t| format!("/msg alice {t}")).collect::<Vec<_>>());
    say_all(&mut alice, &from_alice.iter().map(|t| format!("/msg bob {t}")).collect::<Vec<_>>());
    alice.send("/quit");
    wait_until("alice to be gone", || server.log().iter().any(|l| l.contains("alice quit")));
    bob.send("/msg alice while you were away");
    bob.expect("kept for alice", |l| l.contains("alice is offline"));
    let mut said = [from_bob, from_alice].concat();
    said.push("while you were away".to_owned());

    let win = Win::new();
    win.0.connect_page().set_password(PASSWORD);
    win.0.join(&parsed(&server.address()), "alice", false);
    win.wait_joined();
    wait_until("the conversation with bob, in bold", || {
        crate::rooms::row(&win, "bob").is_some_and(|r| r.bold && r.highlight)
    });
    win.0.show_conversation(&ConvId::Private("bob".into()));
    let view = win.0.chat_view();
    wait_until("the newest page, every line once", || private_texts(&view.lines()) == said[said.len() - 50..]);
    wait_until("the rest after scrolling up", || {
        if !view.is_loading() {
            view.vadjustment().set_value(0.0);
        }
        private_texts(&view.lines()) == said
    });
    assert!(view.lines().iter().filter(|l| is_private(&l.entry)).all(|l| l.id.is_some() && l.day.is_some()));

    win.type_and_send("got them all");
    bob.expect_line("alice (private): got them all");
    wait_until("the echo to give the line its id", || {
        view.lines()
            .iter()
            .any(|l| matches!(&l.entry, Entry::PrivateOut { text, .. } if text == "got them all") && l.id.is_some())
    });
    assert_eq!(private_texts(&view.lines()).iter().filter(|t| *t == "got them all").count(), 1);

    win.0.open_search();
    let pane = win.0.search_pane();
    pane.entry().set_text("line 29");
    wait_until("the results", || pane.result_texts().len() == 2);
    let results = pane.result_texts();
    assert!(results[0].contains("→ bob: alice's line 29") && results[1].contains("bob: bob's line 29"), "{results:?}");
    pane.close();

    // natterd restarts and bob writes meanwhile: after the reconnect
    // (which asks for what came after the newest line seen) each line
    // shows once, in order, whether it came live, kept or caught up.
    let port = server.port;
    drop(bob);
    server.kill();
    wait_until("the disconnect", || win.0.banner().is_some());
    let server = history_server(&dir, port, &[]);
    let mut bob = Raw::join(&server, &format!("bob {PASSWORD}"));
    let later: Vec<String> = (1..=3).map(|i| format!("after the restart {i}")).collect();
    say_all(&mut bob, &later.iter().map(|t| format!("/msg alice {t}")).collect::<Vec<_>>());
    win.wait_joined();
    said.push("got them all".to_owned());
    said.extend(later);
    let view = win.0.chat_view();
    wait_until("every line once, in order", || private_texts(&view.lines()) == said);
    let ids: Vec<u64> = view.lines().iter().filter_map(|l| l.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "stored lines in order: {ids:?}");

    let _carol = Raw::join(&server, "carol");
    win.0.open_private("carol");
    carol_has_no_history_and_no_error_and_the_room_no_private_line(&win);
}

/// In the conversation with carol (shown, its empty history asked for):
/// an answer read after the history's shows alone, where it was asked;
/// then the room has none of the private lines.
fn carol_has_no_history_and_no_error_and_the_room_no_private_line(win: &Win) {
    win.type_and_send("/help");
    let help = |e: &Entry| matches!(e, Entry::Notice(t) if t.starts_with("/who"));
    win.wait_entry("the help, after carol's empty history", help);
    assert!(win.entries().iter().all(|e| matches!(e, Entry::Notice(_))), "only the help: {:?}", win.entries());
    win.0.show_conversation(&ConvId::Default);
    assert!(!win.entries().iter().any(is_private), "a private line in the room: {:?}", win.entries());
}

/// Said in the conversation before: ids 1181 to 1239, on 1 December.
fn page_line(id: u64) -> String {
    let from = if id % 2 == 0 { "alice" } else { "bob" };
    format!("@bob [2026-12-01T10:{:02}:00Z {id}] {from} (private): message {id}", id % 60)
}

const KEPT: &str = "[2026-12-05T20:00:00Z 1240] bob (private): while you were away";

/// natterd's answers to what the window sends, for a logged-in alice whose
/// conversation with bob holds ids 1181 to 1240, and carol unregistered.
fn answer(line: &str) -> Vec<String> {
    let page = |ids: std::ops::RangeInclusive<u64>| {
        let mut lines: Vec<String> = ids.clone().map(page_line).collect();
        if ids.contains(&1240) {
            lines.pop();
            lines.push(format!("@bob {KEPT}"));
        }
        lines.push(format!("@bob *** end of history ({} lines)", lines.len()));
        lines
    };
    match line {
        "/stamps" => vec!["*** stamps on".to_owned()],
        "/history @bob before now 50" => page(1191..=1240),
        "/history @bob before 1191 50" => page(1181..=1190),
        "/history @carol before now 50" => vec!["@carol *** end of history (0 lines)".to_owned()],
        "/search @bob away" => vec![format!("@bob {KEPT}"), "@bob *** end of search (1 lines)".to_owned()],
        "/help" => natter::protocol::reply::help_lines().map(|l| format!("*** {l}")).collect(),
        _ => match line.strip_prefix("/msg bob ") {
            Some(text) => vec![format!("@bob [2026-12-06T09:00:00Z 1241] alice (private): {text}")],
            None => Vec::new(),
        },
    }
}

fn is_private(e: &Entry) -> bool {
    matches!(e, Entry::PrivateIn { .. } | Entry::PrivateOut { .. })
}

/// The private lines shown, by id.
fn shown_ids(lines: &[ChatLine]) -> Vec<u64> {
    lines.iter().filter(|l| is_private(&l.entry)).filter_map(|l| l.id).collect()
}

fn asked(log: &Arc<Mutex<Vec<String>>>, line: &str) -> usize {
    log.lock().expect("the log is never poisoned").iter().filter(|l| *l == line).count()
}

/// The same, scripted: the requests as sent, lines from three days.
pub fn private_conversation_pages_searches_and_echoes() {
    let first = ["*** logged in as alice", "*** welcome alice, online (3): alice, bob, carol", KEPT];
    let (address, log) = scripted_server(first.map(String::from).to_vec(), answer);
    let win = Win::new();
    win.0.join(&crate::support::parsed(&address), "alice", false);
    win.wait_joined();
    let bob = ConvId::Private("bob".into());

    // Kept while offline: the conversation opens in bold and loads its
    // newest page; the room shows none of it.
    wait_until("the conversation with bob, in bold", || {
        crate::rooms::row(&win, "bob").is_some_and(|r| r.bold && r.highlight)
    });
    wait_until("the newest page asked for", || asked(&log, "/history @bob before now 50") == 1);
    win.0.show_conversation(&bob);
    let view = win.0.chat_view();
    wait_until("the newest page shown", || shown_ids(&view.lines()).len() == 50);
    assert_eq!(shown_ids(&view.lines()), (1191..=1240).collect::<Vec<_>>(), "in order, the kept one once");
    assert!(view.lines().iter().filter(|l| is_private(&l.entry)).all(|l| l.time.len() == 5 && l.day.is_some()));
    assert_eq!(asked(&log, "/history @bob before now 50"), 1, "asked once, shown or not");

    // Scrolled to the top: the page before.
    wait_until("the older page", || {
        if !view.is_loading() {
            view.vadjustment().set_value(0.0);
        }
        shown_ids(&view.lines()).len() == 60
    });
    assert_eq!(shown_ids(&view.lines()), (1181..=1240).collect::<Vec<_>>());

    // A line sent: shown at once, then given its id by the stamped echo.
    win.type_and_send("see you at 10");
    wait_until("the echo to give the line its id", || shown_ids(&view.lines()).last() == Some(&1241));
    let sent = |e: &Entry| matches!(e, Entry::PrivateOut { text, .. } if text == "see you at 10");
    assert_eq!(win.entries().iter().filter(|e| sent(e)).count(), 1, "the echo replaces the local line");
    shot_of(&win, "private-history");

    // Ctrl+F searches the conversation.
    win.0.open_search();
    let pane = win.0.search_pane();
    pane.entry().set_text("away");
    wait_until("one result", || pane.result_texts().len() == 1);
    assert!(pane.result_texts()[0].contains("bob: while you were away"), "{:?}", pane.result_texts());
    shot_of(&win, "private-history-search");
    pane.close();

    // carol is not registered: no history, and no error either.
    win.0.open_private("carol");
    wait_until("carol's history asked for", || asked(&log, "/history @carol before now 50") == 1);
    carol_has_no_history_and_no_error_and_the_room_no_private_line(&win);
}
