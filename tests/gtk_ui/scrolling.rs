//! Issue 13 item 1: the newest line must not hide below the entry.
//!
//! Each check fills the conversation past the height of the view, then lets
//! a raw client send lines one at a time and, after each, waits (bounded)
//! for the row showing it to lie wholly inside the scrolled window, read
//! from the widgets' own geometry. The row must get there within a couple
//! of frames of the line entering the list: a line that stays hidden until
//! the next one arrives, as before the fix, times out.

use std::time::Duration;

use adw::prelude::*;

use crate::model::session::Entry;
use crate::support::{descendants, shot_of, wait_until, wait_until_for, Raw, Server, Win};
use crate::widgets::{ChatView, MessageRow};

/// Frames from a new line entering the list until it has been seen in
/// view through a whole frame: the frame that lays it out, one to see it
/// stay, and one for a frame clock already under way.
const FRAMES: i64 = 3;

/// The scrolled window of the conversation: what a person can see of it.
fn viewport(view: &ChatView) -> gtk::ScrolledWindow {
    descendants(view.upcast_ref())
        .into_iter()
        .find_map(|w| w.downcast::<gtk::ScrolledWindow>().ok())
        .expect("the conversation scrolls")
}

/// The drawn, filled row showing `text`, with its bounds in the viewport.
/// A row just given its text keeps the size and place of what it showed
/// before until the list lays it out: see [`in_view_settled`].
fn row_bounds(view: &ChatView, text: &str) -> Option<gtk::graphene::Rect> {
    let port = viewport(view);
    descendants(view.upcast_ref())
        .into_iter()
        .filter_map(|w| w.downcast::<MessageRow>().ok())
        .filter(|row| row.is_drawable() && !row.is_pending() && row.text().ends_with(text))
        // Never laid out with its text: only the 6 px of padding.
        .filter(|row| row.height() >= 12)
        .find_map(|row| row.compute_bounds(&port))
}

/// Waits (at most `limit`) until the row showing `text` is fully in view
/// and stays so through the next frame, so a row seen at a place it has
/// not been laid out at yet does not count.
fn in_view_settled(view: &ChatView, text: &str, limit: Duration) {
    let mut since: Option<i64> = None;
    wait_until_for(&format!("{text:.30}… fully in view"), limit, || {
        // Keeps frames coming while nothing else changes.
        view.queue_draw();
        let now = frame_counter(view);
        if !fully_visible(view, text) {
            since = None;
            return false;
        }
        *since.get_or_insert(now) < now
    });
}

/// True when the row showing `text` lies wholly inside the viewport.
fn fully_visible(view: &ChatView, text: &str) -> bool {
    let height = viewport(view).height() as f32;
    row_bounds(view, text).is_some_and(|b| b.height() > 0.0 && b.y() >= -0.5 && b.y() + b.height() <= height + 0.5)
}

fn frame_counter(view: &ChatView) -> i64 {
    view.frame_clock().map_or(0, |clock| clock.frame_counter())
}

/// Sends `text` as `raw` and waits for its row to be fully in view, at
/// most [`FRAMES`] frames after the line is in the list.
fn send_and_see(view: &ChatView, raw: &mut Raw, text: &str) {
    raw.send(text);
    wait_until(&format!("{text:.30}… in the list"), || {
        view.line(view.len().saturating_sub(1))
            .is_some_and(|l| matches!(&l.entry, Entry::Chat { text: t, .. } if t == text))
    });
    let listed = frame_counter(view);
    in_view_settled(view, text, Duration::from_secs(3));
    let frames = frame_counter(view) - listed;
    assert!(frames <= FRAMES, "{text:.30}… took {frames} frames to come into view");
}

/// A window at `width`×`height` joined as alice, bob in the room, and more
/// lines than the view holds.
fn full_view(width: i32, height: i32) -> (Server, Win, Raw) {
    let server = Server::with_args(0, &["--flood-rate", "0"]);
    let win = Win::new();
    win.0.set_default_size(width, height);
    win.0.join(&crate::support::parsed(&server.address()), "alice", false);
    win.wait_joined();
    // Within the frame GTK draws around a window without a manager.
    wait_until("the window width", || (win.0.width() - width).abs() <= 20);
    let mut bob = Raw::join(&server, "bob");
    for i in 0..60 {
        bob.send(&format!("filler line {i}"));
    }
    let view = win.0.chat_view();
    let adj = view.vadjustment();
    wait_until("a full view", || adj.upper() > adj.page_size() * 1.5);
    in_view_settled(&view, "filler line 59", crate::support::WAIT);
    (server, win, bob)
}

/// Lines sent one at a time into a full view each come fully into view.
pub fn each_new_line_comes_into_view() {
    let (_server, win, mut bob) = full_view(880, 620);
    let view = win.0.chat_view();
    for i in 1..=6 {
        send_and_see(&view, &mut bob, &format!("probe {i}: one line a second, as in the issue"));
    }
    // Two-line and Korean lines too, and one of one's own.
    send_and_see(&view, &mut bob, &"안녕하세요, 길게 이어지는 줄입니다. ".repeat(8));
    let text = "my own line, sent from the entry";
    win.type_and_send(text);
    in_view_settled(&view, text, Duration::from_secs(3));
    assert!(view.is_sticky());
    shot_of(&win, "item1-each-line-in-view");
}

/// A 3,000-character line comes fully into view when it fits, and shows
/// its start when it is taller than the view.
pub fn tall_line_comes_into_view() {
    let (_server, win, mut bob) = full_view(1200, 760);
    let view = win.0.chat_view();
    let tall = format!("{}end of the tall line", "tall words ".repeat(275));
    assert!(tall.len() >= 3_000);
    send_and_see(&view, &mut bob, &tall);
    shot_of(&win, "item1-tall-line-in-view");
    let page = viewport(&view).height() as f32;
    let bounds = row_bounds(&view, &tall).expect("the tall row");
    assert!(bounds.height() > page / 3.0, "the tall row is tall: {} of {page} px", bounds.height());
    send_and_see(&view, &mut bob, "after the tall line");

    // At the default size it is taller than the view: its start shows.
    win.0.set_default_size(880, 620);
    wait_until("the default size", || (win.0.width() - 880).abs() <= 20);
    send_and_see(&view, &mut bob, "before another tall line");
    bob.send(&tall);
    wait_until_for("the tall line's start at the top of the view", Duration::from_secs(3), || {
        let page = viewport(&view).height() as f32;
        row_bounds(&view, &tall).is_some_and(|b| b.height() > page && (-0.5..=8.0).contains(&b.y()))
    });
    shot_of(&win, "item1-taller-than-view-shows-its-start");
}

/// Scrolled up, new lines show the jump button; activating it goes to the
/// newest line, and the view follows new lines again.
pub fn jump_button_after_scrolling_up() {
    let (_server, win, mut bob) = full_view(880, 620);
    let view = win.0.chat_view();
    let adj = view.vadjustment();
    let button = descendants(view.upcast_ref())
        .into_iter()
        .find_map(|w| {
            w.downcast::<gtk::Button>().ok().filter(|b| b.icon_name().as_deref() == Some("go-bottom-symbolic"))
        })
        .expect("a jump-to-bottom button");
    assert!(!button.is_drawable(), "no jump button while following");

    // The user scrolls up a page; lines arrive meanwhile.
    adj.set_value(adj.value() - adj.page_size());
    for i in 1..=3 {
        bob.send(&format!("while scrolled up {i}"));
    }
    win.wait_entry(
        "the lines sent while scrolled up",
        |e| matches!(e, Entry::Chat { text, .. } if text == "while scrolled up 3"),
    );
    wait_until("the jump button in view", || {
        button.is_drawable() && button.compute_bounds(&viewport(&view)).is_some_and(|b| b.y() >= 0.0)
    });
    assert!(!view.is_sticky());
    assert!(
        !fully_visible(&view, "while scrolled up 3"),
        "the view stays where the user scrolled: value {} page {} upper {}, row {:?}",
        adj.value(),
        adj.page_size(),
        adj.upper(),
        row_bounds(&view, "while scrolled up 3").map(|b| (b.y(), b.height()))
    );
    shot_of(&win, "item1-jump-button");

    button.activate();
    in_view_settled(&view, "while scrolled up 3", Duration::from_secs(3));
    wait_until("the jump button to go", || !button.is_drawable());
    assert!(view.is_sticky());
    // Following again: each new line comes into view.
    for i in 1..=3 {
        send_and_see(&view, &mut bob, &format!("after the jump {i}"));
    }
    shot_of(&win, "item1-after-the-jump");
}
