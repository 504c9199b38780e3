//! Issue 15, "History that survives", as the desktop client shows it: a
//! late joiner's history with its day and the "New messages" divider, a
//! restart with nothing twice, scrolling back without the view jumping,
//! searching in Korean, and history unavailable. natterd keeps history
//! only with a `--data-dir`, here a fresh temporary one per check.

use adw::prelude::*;

use crate::keyboard::{focus_window, xdotool};
use crate::model::session::Entry;
use crate::support::{descendants, pump, shot_of, wait_until, Raw, Server, Win};
use crate::widgets::{ChatView, MessageRow};

/// A temporary data directory, removed on drop.
pub struct DataDir(std::path::PathBuf);

impl DataDir {
    pub fn new(name: &str) -> DataDir {
        let dir = std::env::temp_dir().join(format!("natter-gtk-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        DataDir(dir)
    }

    fn arg(&self) -> String {
        format!("--data-dir={}", self.0.display())
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A history-keeping natterd on `port` (0: any) that lets a test client
/// say many lines at once.
pub fn history_server(dir: &DataDir, port: u16, extra: &[&str]) -> Server {
    let mut args = vec![dir.arg()];
    args.extend(["--flood-rate", "0", "--max-per-ip", "0", "--max-connects-per-ip", "0"].map(String::from));
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Server::with_args(port, &args)
}

/// Says `lines` as `raw` and waits until the server has taken them all.
pub fn say_all(raw: &mut Raw, lines: &[String]) {
    for line in lines {
        raw.send(line);
    }
    raw.send("/who");
    raw.expect("the who answer after the lines", |l| l.starts_with("*** online"));
}

fn numbered(prefix: &str, range: std::ops::RangeInclusive<usize>) -> Vec<String> {
    range.map(|i| format!("{prefix} {i}")).collect()
}

/// The chat text of an entry, if it is someone's message.
fn text(e: &Entry) -> Option<&str> {
    match e {
        Entry::Chat { text, .. } | Entry::OwnChat { text, .. } => Some(text),
        _ => None,
    }
}

fn count(win: &Win, wanted: &str) -> usize {
    win.entries().iter().filter(|e| text(e) == Some(wanted)).count()
}

/// The drawn rows of `view`, with their text, day separator and bounds
/// in the scrolled window.
fn rows(view: &ChatView) -> Vec<(String, Option<String>, gtk::graphene::Rect)> {
    let port = descendants(view.upcast_ref())
        .into_iter()
        .find_map(|w| w.downcast::<gtk::ScrolledWindow>().ok())
        .expect("the conversation scrolls");
    descendants(view.upcast_ref())
        .into_iter()
        .filter_map(|w| w.downcast::<MessageRow>().ok())
        .filter(|row| row.is_drawable() && !row.is_pending())
        .filter_map(|row| Some((row.text(), row.day_separator(), row.compute_bounds(&port)?)))
        .collect()
}

/// Lets GTK lay out and draw a few frames.
fn settle(view: &ChatView) {
    for _ in 0..4 {
        let frame = view.frame_clock().map_or(0, |c| c.frame_counter());
        view.queue_draw();
        wait_until("a frame", || view.frame_clock().map_or(0, |c| c.frame_counter()) > frame);
    }
}

/// (1) Joining late: the earlier lines at their own time, opened by
/// "Today", then "New messages" where the live stream starts; a line
/// this user sends shows once and gets its id from the server's echo.
pub fn late_joiner_sees_the_day_and_the_new_messages_divider() {
    let dir = DataDir::new("late");
    let server = history_server(&dir, 0, &[]);
    let mut bob = Raw::join(&server, "bob");
    say_all(&mut bob, &["회의는 금요일".to_owned(), "/me waves".to_owned()]);

    let win = Win::joined(&server, "alice");
    win.wait_entry("the replayed line", |e| text(e) == Some("회의는 금요일"));
    let lines = win.0.chat_view().lines();
    let entries: Vec<&Entry> = lines.iter().map(|l| &l.entry).collect();
    let divider = entries.iter().position(|e| **e == Entry::NewMessages).expect("a New messages divider");
    assert!(matches!(entries[divider + 1], Entry::Welcome { .. }), "the divider comes before the welcome: {entries:?}");
    assert_eq!(text(entries[0]), Some("회의는 금요일"));
    assert!(matches!(entries[1], Entry::Action { text, .. } if text == "waves"));
    assert!(lines[..divider].iter().all(|l| l.id.is_some() && l.time.len() == 5), "stored lines with their time");
    let view = win.0.chat_view();
    wait_until("“Today” over the first line", || {
        rows(&view).iter().any(|(t, day, _)| t.ends_with("회의는 금요일") && day.as_deref() == Some("Today"))
    });

    bob.send("live now");
    win.wait_entry("the live line", |e| text(e) == Some("live now"));
    win.type_and_send("my own line");
    bob.expect_line("alice: my own line");
    wait_until("the echo to give the own line its id", || {
        win.0
            .chat_view()
            .lines()
            .iter()
            .any(|l| matches!(&l.entry, Entry::OwnChat { text, .. } if text == "my own line") && l.id.is_some())
    });
    pump(std::time::Duration::from_millis(200));
    assert_eq!(count(&win, "my own line"), 1, "the echo replaces the local line");
    settle(&view);
    let days: Vec<_> = rows(&view).into_iter().filter_map(|(_, day, _)| day).collect();
    assert_eq!(days, ["Today"], "one day, one separator");
    shot_of(&win, "history-late-joiner");
}

/// (2) natterd restarts on the same data directory and lines are said
/// before the window is back: after reconnecting it shows the earlier
/// lines and every missed one, once each, in order (more than the
/// replay holds, so the client asks for what it missed).
pub fn restart_and_reconnect_shows_missed_lines_once() {
    let dir = DataDir::new("restart");
    let mut server = history_server(&dir, 0, &["--history-replay", "5"]);
    let port = server.port;
    let mut bob = Raw::join(&server, "bob");
    say_all(&mut bob, &numbered("before", 1..=3));
    let win = Win::joined(&server, "alice");
    win.wait_entry("the earlier lines", |e| text(e) == Some("before 3"));

    drop(bob);
    server.kill();
    wait_until("the disconnect", || win.0.banner().is_some());
    let server = history_server(&dir, port, &["--history-replay", "5"]);
    let mut carol = Raw::join(&server, "carol");
    say_all(&mut carol, &numbered("missed", 1..=12));
    win.wait_joined();
    wait_until("every missed line", || (1..=12).all(|i| count(&win, &format!("missed {i}")) == 1));
    pump(std::time::Duration::from_millis(300));
    for wanted in numbered("before", 1..=3).iter().chain(&numbered("missed", 1..=12)) {
        assert_eq!(count(&win, wanted), 1, "{wanted} once");
    }
    let ids: Vec<u64> = win.0.chat_view().lines().iter().filter_map(|l| l.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "stored lines in order: {ids:?}");
    let texts: Vec<String> = win.entries().iter().filter_map(|e| text(e).map(str::to_owned)).collect();
    let missed: Vec<String> = texts.into_iter().filter(|t| t.starts_with("missed")).collect();
    assert_eq!(missed, numbered("missed", 1..=12));
}

/// (3) Scrolled to the top, the conversation asks for older lines, shows
/// that it is loading, and puts them above without moving the line being
/// read; at the very beginning it stops asking.
pub fn scrolling_to_the_top_loads_more_without_jumping() {
    let dir = DataDir::new("scroll");
    let server = history_server(&dir, 0, &[]);
    let mut bob = Raw::join(&server, "bob");
    say_all(&mut bob, &numbered("line", 1..=150));
    let win = Win::new();
    win.0.set_default_size(700, 560);
    win.0.join(&crate::support::parsed(&server.address()), "alice", false);
    win.wait_joined();
    win.wait_entry("the newest line", |e| text(e) == Some("line 150"));
    assert_eq!(count(&win, "line 100"), 0, "only the replay so far");
    let view = win.0.chat_view();
    let adj = view.vadjustment();
    wait_until("a conversation taller than the view", || adj.upper() > adj.page_size() * 2.0);
    settle(&view);

    // Up near (not at) the top: the row at the top is the one being read.
    adj.set_value(260.0);
    settle(&view);
    let (reading, _, before) = rows(&view)
        .into_iter()
        .filter(|(t, _, b)| t.contains("line ") && b.y() >= 0.0)
        .min_by(|a, b| a.2.y().total_cmp(&b.2.y()))
        .expect("a row in view");
    let from = adj.value();
    adj.set_value(20.0);
    let expected = before.y() + (from - adj.value()) as f32;
    wait_until("the loading indicator or the older page", || view.is_loading() || count(&win, "line 100") == 1);
    wait_until("the older page", || count(&win, "line 51") == 1);
    wait_until("loading to end", || !view.is_loading());
    settle(&view);
    let after = rows(&view).into_iter().find(|(t, _, _)| *t == reading).map(|(_, _, b)| b.y());
    let after = after.expect("the row read before is still drawn");
    assert!((after - expected).abs() <= 4.0, "{reading} moved from {expected} to {after}");
    shot_of(&win, "history-scrolled-back");

    // All the way back: the first line, and no more asking after it.
    wait_until("the first line", || {
        if !view.is_loading() {
            view.vadjustment().set_value(0.0);
        }
        count(&win, "line 1") == 1
    });
    wait_until("loading to end", || !view.is_loading());
    let len = view.len();
    view.vadjustment().set_value(10.0);
    view.vadjustment().set_value(0.0);
    pump(std::time::Duration::from_millis(300));
    assert!(!view.is_loading(), "nothing older to ask for");
    assert_eq!(view.len(), len);
    let texts: Vec<String> = win.entries().iter().filter_map(|e| text(e).map(str::to_owned)).collect();
    assert_eq!(texts, numbered("line", 1..=150), "every line once, in order");
}

/// (4) Ctrl+F, 회의: the server's answer is listed, newest first, and
/// choosing the older result (not loaded yet) brings it into view,
/// highlighted, with the lines around it. Escape closes the bar.
pub fn search_in_korean_shows_the_result_in_context() {
    let dir = DataDir::new("search");
    let server = history_server(&dir, 0, &[]);
    let mut bob = Raw::join(&server, "bob");
    let mut lines = vec!["회의는 금요일 세 시".to_owned()];
    lines.extend(numbered("잡담", 1..=80));
    lines.push("회의 자료 올렸어요".to_owned());
    lines.extend(numbered("잡담 끝", 1..=5));
    say_all(&mut bob, &lines);
    let win = Win::joined(&server, "alice");
    win.wait_entry("the newest line", |e| text(e) == Some("잡담 끝 5"));
    focus_window(&win);
    xdotool(&["key", "ctrl+f"]);
    let pane = win.0.search_pane();
    wait_until("the search bar with the keyboard", || pane.is_open() && pane.entry_has_focus());
    pane.entry().set_text("회의");
    wait_until("two results", || pane.result_texts().len() == 2);
    let results = pane.result_texts();
    assert!(results[0].contains("bob: 회의 자료 올렸어요"), "{results:?}");
    assert!(results[1].contains("bob: 회의는 금요일 세 시"), "{results:?}");
    assert!(results.iter().all(|r| r.contains(':')), "with their time: {results:?}");
    assert_eq!(pane.status(), "2 messages found");
    shot_of(&win, "history-search");

    // Down to the results, Down to the older one, Enter.
    let focused_row = |i: i32| {
        let row = pane.results().row_at_index(i);
        move || row.as_ref().is_some_and(|r| r.has_focus())
    };
    xdotool(&["key", "Down"]);
    wait_until("the newest result to have the focus", focused_row(0));
    xdotool(&["key", "Down"]);
    wait_until("the older result to have the focus", focused_row(1));
    xdotool(&["key", "Return"]);
    let view = win.0.chat_view();
    wait_until("the older result loaded and highlighted", || {
        view.highlighted().is_some() && count(&win, "회의는 금요일 세 시") == 1
    });
    settle(&view);
    wait_until("the result in view", || {
        let height = view.vadjustment().page_size() as f32;
        rows(&view)
            .iter()
            .any(|(t, _, b)| t.ends_with("회의는 금요일 세 시") && b.y() >= 0.0 && b.y() + b.height() <= height)
    });
    assert!(rows(&view).iter().any(|(t, _, _)| t.ends_with("잡담 3")), "the lines after it too");
    shot_of(&win, "history-search-context");
    let texts: Vec<String> = win.entries().iter().filter_map(|e| text(e).map(str::to_owned)).collect();
    assert_eq!(texts, lines, "every line once, in order");
    focus_window(&win);
    pane.entry().grab_focus();
    xdotool(&["key", "Escape"]);
    wait_until("Escape to close the search bar", || !pane.is_open());
}

/// (5) A natterd whose data directory is another's cannot give history:
/// the room says so quietly, and so does the search bar.
pub fn history_unavailable_is_a_quiet_notice() {
    let dir = DataDir::new("unavailable");
    let _first = history_server(&dir, 0, &[]);
    let second = history_server(&dir, 0, &[]);
    wait_until("the second natterd to give up the directory", || {
        second.log().iter().any(|l| l.contains("in use by another natterd"))
    });
    let win = Win::joined(&second, "alice");
    win.wait_entry("the notice", |e| *e == Entry::HistoryUnavailable);
    let view = win.0.chat_view();
    wait_until("the notice on screen", || {
        rows(&view).iter().any(|(t, _, _)| t == "Earlier messages are not available right now.")
    });
    win.0.open_search();
    win.0.search_pane().entry().set_text("anything");
    wait_until("search unavailable", || win.0.search_pane().status() == "Search is not available right now.");
    shot_of(&win, "history-unavailable");
}
