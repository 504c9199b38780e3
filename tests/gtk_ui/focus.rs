//! The conversation is one Tab stop, Escape brings the focus back to the
//! entry from anywhere, and closing the member list leaves typing in the
//! entry. Real key presses through xdotool, as in `keyboard.rs`.

use adw::prelude::*;

use crate::keyboard::{entry_has_focus, focus_window, xdotool};
use crate::support::{parsed, shot, wait_until, Raw, Server, Win};

/// Most Tab presses from the entry around the window and back.
const FEW: usize = 6;

/// The widget with the keyboard focus, if any.
fn focus(win: &Win) -> Option<gtk::Widget> {
    gtk::prelude::GtkWindowExt::focus(&win.0)
}

/// Presses `key` and waits until the focus moved; true once it is back
/// in the entry.
fn press_and_move(win: &Win, key: &str) -> bool {
    let before = focus(win);
    xdotool(&["key", key]);
    wait_until(&format!("{key} to move the focus"), || focus(win) != before);
    entry_has_focus(win)
}

/// How many presses of `key` bring the focus from the entry back to it.
fn presses_around(win: &Win, key: &str) -> usize {
    for presses in 1..=FEW {
        let back = press_and_move(win, key);
        if back {
            return presses;
        }
    }
    panic!("{key} did not come back to the entry within {FEW} presses (now on {:?})", focus(win).map(|f| f.type_()));
}

/// A window joined as alice with a conversation of 35 lines from bob.
fn window_with_a_long_conversation(server: &Server) -> (Win, Raw) {
    let win = Win::joined(server, "alice");
    let mut bob = Raw::join(server, "bob");
    for i in 0..35 {
        bob.send(&format!("line {i}"));
    }
    win.wait_entry(
        "bob's 35 lines",
        |e| matches!(e, crate::model::session::Entry::Chat { text, .. } if text == "line 34"),
    );
    (win, bob)
}

/// With 35 lines in the conversation, Tab and Shift+Tab go round the
/// window and back to the entry in a few presses: the conversation (and
/// the member list) is one stop, not one per line.
pub fn the_conversation_is_one_tab_stop() {
    let server = Server::start();
    let (win, _bob) = window_with_a_long_conversation(&server);
    focus_window(&win);
    wait_until("the entry to have the focus", || entry_has_focus(&win));
    let forward = presses_around(&win, "Tab");
    let backward = presses_around(&win, "shift+Tab");
    assert!(forward <= FEW && backward <= FEW, "Tab {forward}, Shift+Tab {backward} presses");
    // The conversation is still reachable: one Tab stop lands in it.
    let list = win.0.chat_view();
    let mut reached = false;
    for _ in 0..FEW {
        press_and_move(&win, "Tab");
        if focus(&win).is_some_and(|f| f.is_ancestor(&list)) {
            reached = true;
            break;
        }
    }
    assert!(reached, "Tab reaches the conversation");
    shot("focus-in-the-conversation");
    // Escape from the conversation: back to the entry, typing goes there.
    xdotool(&["key", "Escape"]);
    wait_until("Escape to bring the focus back to the entry", || entry_has_focus(&win));
    xdotool(&["type", "--delay", "15", "back"]);
    wait_until("typing in the entry", || win.0.composer().text() == "back");
}

/// On a narrow window the member list slides over the conversation: open
/// it with its header button, close it with Escape, and typing goes into
/// the entry.
pub fn escape_from_the_member_list_types_into_the_entry() {
    let server = Server::start();
    let _bob = Raw::join(&server, "bob");
    let win = Win::new();
    win.0.set_default_size(360, 600);
    win.0.join(&parsed(&server.address()), "alice", false);
    win.wait_joined();
    wait_until("the member list to fold", || win.0.members_folded());
    focus_window(&win);
    let button = win.0.members_button();
    // A click as from the pointer: the button takes the focus, as it would.
    button.grab_focus();
    button.emit_clicked();
    wait_until("the member list to open", || win.0.members_shown());
    shot("member-list-open");
    xdotool(&["key", "Escape"]);
    wait_until("the member list to close", || !win.0.members_shown());
    wait_until("the focus back in the entry", || entry_has_focus(&win));
    xdotool(&["type", "--delay", "15", "hi all"]);
    wait_until("typing in the entry", || win.0.composer().text() == "hi all");
    shot("member-list-closed-typing");
}
