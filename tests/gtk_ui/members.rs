//! Members' marks and menus against a real natterd whose `--admin` is
//! the window's user: operators and registered names show their badge,
//! an operator's member menu kicks, mutes and bans with a duration and a
//! reason, and anyone's offers a private message.

use std::path::PathBuf;
use std::time::Duration;

use adw::prelude::*;
use gtk::{gio, glib};

use crate::keyboard::{focus_window, xdotool};
use crate::model::members::Mark;
use crate::model::rooms::ConvId;
use crate::model::session::Entry;
use crate::support::{descendants, pump, shot_of, wait_until, Raw, Server, Win};
use crate::widgets::{DURATION_ROW, PENALTY_APPLY, REASON_ROW};
use crate::window::{Phase, WindowPage};

/// A natterd with accounts in a fresh data directory and `alice` as its
/// server operator.
fn server_with_admin(what: &str) -> (Server, PathBuf) {
    let dir = std::env::temp_dir().join(format!("natter-gtk-{what}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let server = Server::with_args(0, &[&format!("--data-dir={}", dir.display()), "--admin", "alice"]);
    (server, dir)
}

/// `name` registered with `password`, then gone, so that it joins
/// logged in (`NAME PASSWORD`) like any returning user.
fn register(server: &Server, name: &str, password: &str) {
    let mut raw = Raw::join(server, name);
    raw.send(&format!("/register {password}"));
    raw.expect_line(&format!("*** registered {name}, you are logged in"));
    raw.send("/quit");
    let gone = format!("{name} quit");
    wait_until(&gone, || server.log().iter().any(|l| l.contains(&gone)));
}

/// The window's user, `alice`, joined and logged in (the server operator).
fn admin_window(server: &Server) -> Win {
    let win = Win::joined(server, "alice");
    win.type_and_send("/register correct-horse");
    wait_until("alice to be logged in", || win.0.is_registered());
    win
}

/// The words of every item in `menu`, sections included.
fn menu_labels(menu: &gio::MenuModel) -> Vec<String> {
    let mut labels = Vec::new();
    for i in 0..menu.n_items() {
        if let Some(label) = menu.item_attribute_value(i, "label", Some(glib::VariantTy::STRING)) {
            labels.extend(label.get::<String>());
        }
        if let Some(section) = menu.item_link(i, "section") {
            labels.extend(menu_labels(&section));
        }
    }
    labels
}

/// The labels of the menu `name`'s row opens.
fn menu_of(win: &Win, name: &str) -> Vec<String> {
    let list = win.0.member_list();
    // As a person sees it: laid out, before it is clicked.
    wait_until("the row on screen", || list.row_of(name).is_some_and(|r| r.height() > 0));
    assert!(list.open_menu(name, None), "{name}'s row has a menu");
    let menu = list.open_menu_widget().expect("the member menu is open");
    let labels = menu_labels(&menu.menu_model().expect("the menu has items"));
    // Closed again, as choosing an item does: an open menu holds the keyboard.
    list.close_menu();
    wait_until("the menu to close", || list.open_menu_widget().is_none());
    labels
}

/// The tooltips of the mark badges on `name`'s row.
fn badges(win: &Win, name: &str) -> Vec<String> {
    let row = win.0.member_list().row_of(name).expect("the name is listed");
    descendants(row.upcast_ref())
        .into_iter()
        .filter(|w| w.has_css_class("member-mark"))
        .filter_map(|w| w.tooltip_text().map(String::from))
        .collect()
}

/// The open penalty dialog: its heading, after filling in the reason and
/// picking duration number `duration`, then applied.
fn apply_penalty(win: &Win, duration: Option<u32>, reason: Option<&str>) -> String {
    wait_until("the penalty dialog", || win.0.penalty_dialog().is_some());
    let dialog = win.0.penalty_dialog().expect("the dialog is open");
    let rows = descendants(dialog.extra_child().expect("the dialog has its rows").upcast_ref());
    let named = |n: &str| rows.iter().find(|w| w.widget_name() == n).cloned().expect("the row is there");
    let (duration_row, reason_row) = (named(DURATION_ROW), named(REASON_ROW));
    assert_eq!(duration_row.is_visible(), duration.is_some(), "a duration only when the penalty has one");
    assert_eq!(reason_row.is_visible(), reason.is_some(), "a reason only when the penalty has one");
    if let Some(at) = duration {
        duration_row.downcast::<adw::ComboRow>().expect("a combo row").set_selected(at);
    }
    if let Some(reason) = reason {
        reason_row.downcast::<adw::EntryRow>().expect("an entry row").set_text(reason);
    }
    shot_of(win, "members-penalty-dialog");
    let heading = dialog.heading().unwrap_or_default().to_string();
    dialog.response(PENALTY_APPLY);
    wait_until("the dialog to go", || win.0.penalty_dialog().is_none());
    heading
}

fn marks(win: &Win) -> Vec<(String, Mark)> {
    win.0.member_list().marked()
}

fn pair(name: &str, mark: Mark) -> (String, Mark) {
    (name.to_owned(), mark)
}

/// The operator, a registered name and a guest each look their part,
/// operators first; the client's own requests never show in the chat.
pub fn members_show_operator_and_registered_marks() {
    let (server, dir) = server_with_admin("marks");
    register(&server, "bob", "bob-password");
    let win = admin_window(&server);
    let _bob = Raw::join(&server, "bob bob-password");
    let mut carol = Raw::join(&server, "carol");
    wait_until("the marks in the member list", || {
        marks(&win) == [pair("alice", Mark::Operator), pair("bob", Mark::Registered), pair("carol", Mark::None)]
    });
    assert_eq!(badges(&win, "alice"), ["Operator"]);
    assert_eq!(badges(&win, "bob"), ["Registered name"]);
    assert!(badges(&win, "carol").is_empty());
    shot_of(&win, "members-marks");
    // carol registers while alice watches: her tick comes at once.
    carol.send("/register carol-password");
    carol.expect_line("*** registered carol, you are logged in");
    wait_until("carol's tick", || {
        marks(&win) == [pair("alice", Mark::Operator), pair("bob", Mark::Registered), pair("carol", Mark::Registered)]
    });
    let entries = win.entries();
    assert!(!entries.iter().any(|e| matches!(e, Entry::Online(_))), "no /who list the user did not ask for");
    assert!(!entries.iter().any(|e| matches!(e, Entry::Notice(n) if n.contains("marks"))), "no marks notice");
    drop(win);
    let _ = std::fs::remove_dir_all(dir);
}

/// An operator's member menu kicks, mutes and bans someone in the room
/// shown, with the duration and reason chosen; the room's announcements
/// say what happened and the removed leave the list. Never for oneself.
pub fn operator_menu_kicks_mutes_and_bans() {
    let (server, dir) = server_with_admin("penalties");
    let win = admin_window(&server);
    win.0.join_room("#dev");
    wait_until("#dev shown", || win.0.shown_conversation() == ConvId::room("#dev"));
    let mut bob = Raw::join(&server, "bob");
    bob.send("/join #dev");
    let mut carol = Raw::join(&server, "carol");
    carol.send("/join #dev");
    wait_until("alice an operator of #dev, with bob and carol", || {
        marks(&win) == [pair("alice", Mark::Operator), pair("bob", Mark::None), pair("carol", Mark::None)]
    });
    assert!(!win.0.member_list().open_menu("alice", None), "no menu for oneself");

    // Mute from the keyboard: the focused row's menu (Shift+F10, Menu),
    // then its items with the arrows.
    focus_window(&win);
    let list = win.0.member_list();
    let row = list.row_of("bob").expect("bob is listed");
    row.grab_focus();
    xdotool(&["key", "Menu"]);
    wait_until("bob's menu from the Menu key", || list.open_menu_widget().is_some());
    xdotool(&["key", "Escape"]);
    wait_until("the menu to close", || list.open_menu_widget().is_none());
    wait_until("the focus back on bob's row", || row.has_focus());
    xdotool(&["key", "shift+F10"]);
    wait_until("bob's menu from Shift+F10", || list.open_menu_widget().is_some());
    // The first item has the focus: two down is "Mute…".
    xdotool(&["key", "Down", "Down", "Return"]);
    wait_until("a penalty dialog", || win.0.penalty_dialog().is_some());
    assert_eq!(apply_penalty(&win, Some(1), None), "Mute bob in #dev?");
    bob.expect_line("#dev *** alice muted bob for 1h");
    win.wait_entry("the mute in words", |e| *e == Entry::Notice("alice muted bob (1 hour)".into()));

    assert!(win.0.member_list().open_menu("carol", None));
    shot_of(&win, "members-menu");
    assert_eq!(menu_of(&win, "carol"), ["_Private Message", "_Kick…", "_Mute…", "_Ban…"]);
    // Kick: a reason, no duration.
    win.0.member_list().activate_action("member.kick", Some(&"carol".to_variant())).expect("member.kick exists");
    let heading = apply_penalty(&win, None, Some("off topic"));
    assert_eq!(heading, "Remove carol from #dev?");
    carol.expect_line("#dev *** alice kicked carol (off topic)");
    wait_until("carol out of the list", || !win.members().contains(&"carol".to_owned()));
    win.wait_entry("the kick in words", |e| {
        *e == Entry::Notice("alice removed carol from the room — off topic".into())
    });

    // Ban: a duration and a reason; bob leaves the list.
    win.0.member_list().activate_action("member.ban", Some(&"bob".to_variant())).expect("member.ban exists");
    assert_eq!(apply_penalty(&win, Some(2), Some("spamming")), "Ban bob from #dev?");
    bob.expect_line("#dev *** alice banned bob for 1d (spamming)");
    wait_until("bob out of the list", || win.members() == ["alice"]);
    bob.send("/join #dev");
    bob.expect("the ban to hold", |l| l.starts_with("*** error: you are banned from #dev"));
    drop(win);
    let _ = std::fs::remove_dir_all(dir);
}

/// Someone who is not an operator gets only "Private Message", which
/// opens the private conversation; the menu stays open while others join.
pub fn member_menu_opens_a_private_conversation() {
    let server = Server::start();
    let win = Win::joined(&server, "carol");
    let _bob = Raw::join(&server, "bob");
    wait_until("bob in the list", || win.members().len() == 2);
    assert_eq!(menu_of(&win, "bob"), ["_Private Message"]);
    // Someone joining leaves an open menu alone.
    let list = win.0.member_list();
    assert!(list.open_menu("bob", None));
    let _dave = Raw::join(&server, "dave");
    wait_until("dave in the list", || win.members().len() == 3);
    assert!(list.open_menu_widget().is_some(), "the menu is still open");
    list.close_menu();
    wait_until("the menu to close", || list.open_menu_widget().is_none());
    win.0
        .member_list()
        .activate_action("member.private-message", Some(&"bob".to_variant()))
        .expect("the action exists");
    wait_until("the private conversation", || win.0.shown_conversation() == ConvId::Private("bob".into()));
}

/// Banned from the server while connected: the window reads the ban, its
/// one reconnect is refused with the reason and time left, and it stops
/// at the connect form saying so instead of knocking again and again.
pub fn a_server_ban_stops_the_window_at_the_form() {
    let (server, dir) = server_with_admin("server-ban");
    let mut alice = Raw::join(&server, "alice");
    alice.send("/register correct-horse");
    alice.expect_line("*** registered alice, you are logged in");
    let win = Win::joined(&server, "bob");
    alice.expect_line("*** bob joined");
    alice.send("/ban bob 1h spamming");
    alice.expect_line("*** alice banned bob for 1h (spamming)");
    let page = win.0.connect_page();
    wait_until("the ban explained on the form", || {
        page.error().is_some_and(|e| e.starts_with("You are banned from this server (") && e.ends_with(" — spamming"))
    });
    shot_of(&win, "server-ban");
    let refused = || server.log().iter().filter(|l| l.contains("refused banned bob")).count();
    pump(Duration::from_millis(2500));
    assert_eq!((win.0.phase(), win.0.page()), (Phase::Idle, WindowPage::Connect));
    assert_eq!(refused(), 1, "one reconnect, refused, and no retry loop");
    drop(win);
    let _ = std::fs::remove_dir_all(dir);
}
