//! Keyboard use of the chat window through real key presses (xdotool talks
//! to the X server, GTK reads the events as from a keyboard): typing never
//! goes nowhere.

use std::process::{Command, Stdio};

use adw::prelude::*;

use crate::support::{wait_until, Raw, Server, Win};

/// Sends X key events with xdotool (`key` or `type` and its arguments)
/// while the main loop turns, so GTK handles them as they come.
pub fn xdotool(args: &[&str]) {
    let mut child = Command::new("xdotool")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("xdotool runs (tests/install-deps.sh installs it)");
    let mut status = None;
    wait_until(&format!("xdotool {args:?}"), || {
        status = child.try_wait().expect("xdotool can be waited for");
        status.is_some()
    });
    assert!(status.is_some_and(|s| s.success()), "xdotool {args:?} failed");
}

/// Puts the pointer over `win` (at 0,0 with no window manager, so X gives
/// it the keyboard) and waits until GTK calls it active.
pub fn focus_window(win: &Win) {
    xdotool(&["mousemove", "200", "200"]);
    wait_until("the window to be active", || win.0.is_active());
}

/// Is the keyboard focus in the message entry?
pub fn entry_has_focus(win: &Win) -> bool {
    let entry = win.0.composer().entry();
    gtk::prelude::GtkWindowExt::focus(&win.0)
        .is_some_and(|f| f == entry.clone().upcast::<gtk::Widget>() || f.is_ancestor(&entry))
}

/// Tab with nothing to complete leaves the focus (and the next typing) in
/// the entry.
pub fn tab_without_completion_keeps_typing_in_the_entry() {
    let server = Server::start();
    let win = Win::joined(&server, "alice");
    let _bob = Raw::join(&server, "bob");
    focus_window(&win);
    wait_until("the entry to have the focus", || entry_has_focus(&win));
    xdotool(&["type", "--delay", "15", "zz"]);
    wait_until("zz typed", || win.0.composer().text() == "zz");
    xdotool(&["key", "Tab"]);
    xdotool(&["type", "--delay", "15", "top"]);
    wait_until("typing to go on in the entry", || win.0.composer().text() == "zztop");
    assert!(entry_has_focus(&win));
    // Tab still completes where there is something to complete.
    win.0.composer().set_text("");
    xdotool(&["type", "--delay", "15", "hi b"]);
    wait_until("hi b typed", || win.0.composer().text() == "hi b");
    xdotool(&["key", "Tab"]);
    wait_until("bob completed", || win.0.composer().text().starts_with("hi bob"));
}

/// Sending with the Send button from the keyboard (Ctrl+Tab to it, then
/// Space), with Alt+S (its mnemonic) or with Enter leaves the focus in the
/// entry, ready for the next line.
pub fn sending_from_the_keyboard_keeps_the_focus_in_the_entry() {
    let server = Server::start();
    let win = Win::joined(&server, "alice");
    let mut bob = Raw::join(&server, "bob");
    focus_window(&win);
    wait_until("the entry to have the focus", || entry_has_focus(&win));
    xdotool(&["type", "--delay", "15", "first"]);
    wait_until("first typed", || win.0.composer().text() == "first");
    xdotool(&["key", "ctrl+Tab"]);
    let send = win.0.composer().send_button();
    wait_until("the Send button to have the focus", || {
        gtk::prelude::GtkWindowExt::focus(&win.0).is_some_and(|f| f == send.clone().upcast::<gtk::Widget>())
    });
    xdotool(&["key", "space"]);
    bob.expect_line("alice: first");
    wait_until("the focus back in the entry", || entry_has_focus(&win));
    xdotool(&["type", "--delay", "15", "zero"]);
    wait_until("zero typed", || win.0.composer().text() == "zero");
    xdotool(&["key", "alt+s"]);
    bob.expect_line("alice: zero");
    wait_until("the entry to be cleared", || win.0.composer().text().is_empty());
    assert!(entry_has_focus(&win), "after Alt+S the focus left the entry");
    xdotool(&["type", "--delay", "15", "second"]);
    xdotool(&["key", "Return"]);
    bob.expect_line("alice: second");
    xdotool(&["type", "--delay", "15", "third"]);
    wait_until("typing to go on in the entry", || win.0.composer().text() == "third");
}
