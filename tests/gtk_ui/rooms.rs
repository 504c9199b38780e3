//! Rooms in the window: the sidebar, switching, unread counts, rejoining
//! after a restart, and the sidebar folded on a narrow window. A real
//! natterd with rooms, raw socket clients on the other side.

use std::time::Duration;

use adw::prelude::*;

use crate::keyboard::{focus_window, xdotool};
use crate::model::rooms::ConvId;
use crate::model::session::Entry;
use crate::support::{owned, parsed, pump, shot_of, wait_until, Raw, Server, Win};
use crate::widgets::{JoinDialog, RoomSwitcher, RowState};

/// The sidebar row titled `title`.
pub fn row(win: &Win, title: &str) -> Option<RowState> {
    win.0.sidebar().rows().into_iter().find(|r| r.title == title)
}

/// `win` joins `room` and waits until it is shown.
pub fn join_and_show(win: &Win, room: &str) {
    win.0.join_room(room);
    wait_until(&format!("{room} to be shown"), || win.0.shown_conversation() == ConvId::room(room));
}

/// Types `text` into the entry, sends it, and waits until it is written
/// (the entry clears), so the next line is not refused as a double send.
fn say(win: &Win, text: &str) {
    win.type_and_send(text);
    wait_until(&format!("{text:?} to be sent"), || win.0.composer().text().is_empty());
}

fn dev() -> ConvId {
    ConvId::room("#dev")
}

/// Two rooms: each has its own conversation, member list and topic, and
/// what is typed in each reaches that room only.
pub fn two_rooms_and_switching() {
    let server = Server::start();
    let win = Win::joined(&server, "alice");
    assert!(!win.0.sidebar().is_visible(), "no sidebar while the lobby is the only room");
    let mut bob = Raw::join(&server, "bob");
    let mut carol = Raw::join(&server, "carol");
    join_and_show(&win, "#dev");
    assert!(win.0.sidebar().is_visible());
    assert_eq!(win.0.conversation_titles(), ["#lobby", "#dev"]);
    assert_eq!(win.0.sidebar().selected_title().as_deref(), Some("#dev"));
    bob.send("/join #dev");
    wait_until("bob in #dev's member list", || win.members() == owned(&["alice", "bob"]));
    win.wait_entry("bob joined #dev", |e| *e == Entry::Joined("bob".into()));

    bob.send("/topic Ship it on Friday");
    wait_until("the topic in the header", || win.0.header_text() == ("#dev".into(), "Ship it on Friday".into()));
    bob.send("/say #dev hello dev");
    win.wait_entry("bob's line in #dev", |e| matches!(e, Entry::Chat { text, .. } if text == "hello dev"));
    say(&win, "hi from alice");
    bob.expect_line("#dev alice: hi from alice");
    win.wait_entry("alice's own line", |e| matches!(e, Entry::OwnChat { text, .. } if text == "hi from alice"));
    shot_of(&win, "rooms-dev");

    // Alt+Up: the lobby, with everyone in it and no topic.
    bob.drain();
    focus_window(&win);
    xdotool(&["key", "alt+Up"]);
    wait_until("the lobby to be shown", || win.0.shown_conversation() == ConvId::Default);
    assert_eq!(win.members(), ["alice", "bob", "carol"]);
    assert!(win.entries().iter().all(|e| !matches!(e, Entry::Chat { text, .. } if text == "hello dev")));
    assert_eq!(win.0.header_text().0, "#lobby");
    // The server's current room is #dev: the lobby's lines say where they go.
    say(&win, "hi lobby");
    carol.expect_line("alice: hi lobby");
    say(&win, "/me waves");
    carol.expect_line("* alice waves");
    bob.expect_line("* alice waves");
    assert!(bob.drain().iter().all(|l| !l.starts_with("#dev")), "nothing of the lobby went to #dev");
    // Ctrl+Page Down: back to #dev, where /me goes to #dev.
    xdotool(&["key", "ctrl+Next"]);
    wait_until("#dev to be shown", || win.0.shown_conversation() == dev());
    say(&win, "/me nods");
    bob.expect_line("#dev * alice nods");
    assert!(carol.drain().iter().all(|l| !l.contains("nods")), "carol is not in #dev");
    // Each room keeps what was typed in it.
    win.0.composer().set_text("half a thought");
    win.0.show_conversation(&ConvId::Default);
    assert_eq!(win.0.composer().text(), "");
    win.0.show_conversation(&dev());
    assert_eq!(win.0.composer().text(), "half a thought");
}

/// A line in a hidden room raises its count; a mention highlights it;
/// showing the room clears both.
pub fn unread_counts_follow_hidden_rooms() {
    let server = Server::start();
    let win = Win::joined(&server, "alice");
    let mut bob = Raw::join(&server, "bob");
    join_and_show(&win, "#dev");
    bob.send("/join #dev");
    bob.expect(" bob's welcome in #dev", |l| l.starts_with("#dev *** welcome bob"));
    win.0.show_conversation(&ConvId::Default);
    bob.send("/say #dev one");
    bob.send("/say #dev two");
    wait_until("2 unread in #dev", || row(&win, "#dev").is_some_and(|r| r.badge.as_deref() == Some("2")));
    let dev_row = row(&win, "#dev").expect("a #dev row");
    assert!(dev_row.bold && !dev_row.highlight, "{dev_row:?}");
    bob.send("/say #dev alice: look");
    wait_until("the mention highlights #dev", || row(&win, "#dev").is_some_and(|r| r.highlight));
    assert_eq!(row(&win, "#lobby").and_then(|r| r.badge), None, "the shown room counts nothing");
    shot_of(&win, "rooms-unread");
    win.0.show_conversation(&dev());
    let read = row(&win, "#dev").expect("a #dev row");
    assert_eq!((read.badge, read.bold, read.highlight), (None, false, false));
    wait_until("the three lines in #dev", || {
        win.entries().iter().filter(|e| matches!(e, Entry::Chat { .. })).count() == 3
    });
}

/// Someone else starts a private conversation; it opens in bold with a
/// highlighted count, and typing in it answers them privately. Choosing a
/// person in the member list opens a conversation with them.
pub fn private_conversation_started_by_someone_else() {
    let server = Server::start();
    let win = Win::joined(&server, "alice");
    let mut bob = Raw::join(&server, "bob");
    let mut carol = Raw::join(&server, "carol");
    wait_until("three members", || win.members().len() == 3);
    bob.send("/msg alice are you there?");
    wait_until("a conversation with bob", || row(&win, "bob").is_some_and(|r| r.highlight && r.bold));
    // Shown where alice is too, as before rooms.
    win.wait_entry("bob's message", |e| matches!(e, Entry::PrivateIn { from, .. } if from == "bob"));
    shot_of(&win, "rooms-private-unread");

    win.0.member_list().choose("bob");
    wait_until("the conversation with bob", || win.0.shown_conversation() == ConvId::Private("bob".into()));
    assert_eq!(win.members(), ["alice", "bob"]);
    assert!(row(&win, "bob").is_some_and(|r| r.badge.is_none()));
    say(&win, "yes, here");
    bob.expect_line("alice (private): yes, here");
    win.wait_entry("the own private line", |e| *e == Entry::PrivateOut { to: "bob".into(), text: "yes, here".into() });
    shot_of(&win, "rooms-private");
    // carol's name in the member list opens hers.
    win.0.show_conversation(&ConvId::Default);
    win.0.member_list().choose("carol");
    say(&win, "hi carol");
    carol.expect_line("alice (private): hi carol");
    assert_eq!(win.0.conversation_titles(), ["#lobby", "bob", "carol"]);
    // Closing it (the room menu) takes it out of the sidebar.
    gtk::prelude::WidgetExt::activate_action(&win.0, "win.close-conversation", None).expect("the action exists");
    assert_eq!(win.0.conversation_titles(), ["#lobby", "bob"]);
    assert_eq!(win.0.shown_conversation(), ConvId::Default);
}

/// The rooms are rejoined after natterd restarts, and by a new window
/// (the next start); leaving one from the room menu forgets it.
pub fn rooms_are_rejoined_after_a_restart() {
    let mut server = Server::start();
    let port = server.port;
    let win = Win::joined(&server, "alice");
    join_and_show(&win, "#dev");
    join_and_show(&win, "#ops");
    server.kill();
    wait_until("the disconnect", || win.0.banner().is_some());
    let server = Server::on_port(port);
    win.wait_joined();
    // Back in both: the member lists the server sent on rejoining.
    for room in ["#dev", "#ops"] {
        win.0.show_conversation(&ConvId::room(room));
        wait_until(&format!("alice back in {room}"), || win.members() == ["alice"]);
    }
    assert_eq!(win.0.conversation_titles(), ["#lobby", "#dev", "#ops"]);
    let mut bob = Raw::join(&server, "bob");
    bob.send("/join #ops");
    bob.expect("alice in #ops", |l| l.starts_with("#ops *** welcome bob") && l.contains("alice"));
    // The lobby still gets plain lines.
    win.0.show_conversation(&ConvId::Default);
    say(&win, "back again");
    bob.expect_line("alice: back again");

    // Leaving #ops from the room menu.
    win.0.show_conversation(&ConvId::room("#ops"));
    gtk::prelude::WidgetExt::activate_action(&win.0, "win.leave-room", None).expect("the action exists");
    assert_eq!(win.0.conversation_titles(), ["#lobby", "#dev"]);
    bob.expect_line("#ops *** alice left");
    drop(win);
    pump(Duration::from_millis(100));

    // The next start: a new window rejoins #dev only.
    let next = Win::joined(&server, "alice");
    wait_until("#dev rejoined", || next.0.conversation_titles() == ["#lobby", "#dev"]);
    next.0.show_conversation(&ConvId::room("#dev"));
    wait_until("alice in #dev again", || next.members() == ["alice"]);
}

/// At 360 px the sidebar folds behind a header button: it opens over the
/// conversation, and choosing a room shows it and gets out of the way.
pub fn narrow_window_folds_the_sidebar() {
    let server = Server::start();
    let _bob = Raw::join(&server, "bob");
    let win = Win::new();
    win.0.set_default_size(360, 600);
    win.0.join(&parsed(&server.address()), "alice", false);
    win.wait_joined();
    join_and_show(&win, "#dev");
    wait_until("a narrow window", || win.0.width() > 0 && win.0.width() <= 360);
    wait_until("the sidebar to fold", || win.0.sidebar_folded());
    assert!(!win.0.sidebar_shown());
    let button = win.0.sidebar_button();
    assert!(button.is_visible(), "the sidebar button shows");
    button.emit_clicked();
    wait_until("the sidebar to open", || win.0.sidebar_shown());
    shot_of(&win, "rooms-narrow-sidebar");
    // A room chosen in the sidebar is shown, and the sidebar gets out of the way.
    win.0.sidebar().choose_row(0);
    wait_until("the lobby to be shown", || win.0.shown_conversation() == ConvId::Default);
    wait_until("the sidebar to close", || !win.0.sidebar_shown());
    say(&win, "narrow but fine");
    win.wait_entry("the own line", |e| matches!(e, Entry::OwnChat { text, .. } if text == "narrow but fine"));
    shot_of(&win, "rooms-narrow-lobby");
}

/// With history kept, joining shows what was said before (not unread, no
/// alert, even when it names this user), and rejoining after a restart
/// does not show it twice.
pub fn history_replay_is_shown_once_and_not_unread() {
    let dir = std::env::temp_dir().join(format!("natter-gtk-history-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let data_dir = format!("--data-dir={}", dir.display());
    let mut server = Server::with_args(0, &[&data_dir]);
    let port = server.port;
    let mut bob = Raw::join(&server, "bob");
    bob.send("/join #dev");
    bob.expect("bob's welcome in #dev", |l| l.starts_with("#dev *** welcome bob"));
    bob.send("/say #dev alice: read this later");
    bob.send("/say #lobby earlier in the lobby");
    bob.send("/who");
    bob.expect("the who answer after the lines", |l| l.contains("online"));

    let win = Win::joined(&server, "alice");
    win.wait_entry("the lobby's history", |e| matches!(e, Entry::Chat { text, .. } if text == "earlier in the lobby"));
    join_and_show(&win, "#dev");
    win.wait_entry("#dev's history", |e| matches!(e, Entry::Chat { text, .. } if text == "alice: read this later"));
    win.0.show_conversation(&ConvId::Default);
    assert_eq!(row(&win, "#dev").and_then(|r| r.badge), None, "history is not unread");

    drop(bob);
    server.kill();
    wait_until("the disconnect", || win.0.banner().is_some());
    let _server = Server::with_args(port, &[&data_dir]);
    win.wait_joined();
    win.0.show_conversation(&dev());
    wait_until("#dev rejoined", || win.members() == ["alice"]);
    pump(Duration::from_millis(300));
    let seen = win
        .entries()
        .iter()
        .filter(|e| matches!(e, Entry::Chat { text, .. } if text == "alice: read this later"))
        .count();
    assert_eq!(seen, 1, "the replayed line shows once");
    drop(win);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The room menu's Join a Room lists the server's rooms (its `/rooms`
/// answer goes to the dialog, not the conversation); choosing one joins
/// and shows it. Ctrl+K then switches back by name.
pub fn join_dialog_and_switcher_from_the_window() {
    let server = Server::start();
    let win = Win::joined(&server, "alice");
    let mut bob = Raw::join(&server, "bob");
    bob.send("/join #dev");
    bob.expect("bob's welcome in #dev", |l| l.starts_with("#dev *** welcome bob"));
    focus_window(&win);
    gtk::prelude::WidgetExt::activate_action(&win.0, "win.join-room", None).expect("the action exists");
    let mut found = None;
    wait_until("the join dialog with the server's rooms", || {
        found = gtk::Window::list_toplevels().into_iter().find_map(|w| w.downcast::<JoinDialog>().ok());
        found.as_ref().is_some_and(|d| d.visible_rooms().iter().any(|r| r == "#dev"))
    });
    let dialog = found.expect("found after the wait");
    wait_until("the dialog to have the keyboard", || dialog.is_active());
    xdotool(&["type", "--delay", "15", "dev"]);
    wait_until("the typed filter", || dialog.entry().text() == "dev");
    xdotool(&["key", "Return"]);
    wait_until("#dev joined and shown", || win.0.shown_conversation() == dev());
    bob.expect_line("#dev *** alice joined");
    assert!(
        win.0.chat_view().lines().iter().all(|l| !matches!(&l.entry, Entry::Notice(t) if t.starts_with("rooms ("))),
        "the /rooms answer is the dialog's"
    );
    // The answer came before the join's: it is all in by now.
    win.0.show_conversation(&ConvId::Default);
    assert!(win.entries().iter().all(|e| !matches!(e, Entry::Notice(t) if t.starts_with("rooms ("))));

    xdotool(&["key", "ctrl+k"]);
    let mut found = None;
    wait_until("Ctrl+K to open the switcher", || {
        found = gtk::Window::list_toplevels().into_iter().find_map(|w| w.downcast::<RoomSwitcher>().ok());
        found.as_ref().is_some_and(|s| s.is_active())
    });
    let switcher = found.expect("found after the wait");
    assert_eq!(switcher.shown_labels(), ["#lobby", "#dev"]);
    xdotool(&["type", "--delay", "15", "de"]);
    wait_until("the filter", || switcher.shown_labels() == ["#dev"]);
    xdotool(&["key", "Return"]);
    wait_until("#dev shown again", || win.0.shown_conversation() == dev());
}

/// natterd started with `--default-room #main`: the window names the
/// default room `#main` everywhere, `#lobby` is an ordinary room of its
/// own, and the default room's history and member requests name `#main`.
pub fn another_default_room_is_named_as_the_server_names_it() {
    let server = Server::with_args(0, &["--default-room", "#main"]);
    let win = Win::joined(&server, "erin");
    let mut dave = Raw::join(&server, "dave");
    // Learned from the client's own `/default`, right after the welcome.
    wait_until("the default room named #main", || win.0.conversation_titles() == ["#main"]);
    win.0.join_room("#lobby");
    let lobby = ConvId::Room("#lobby".into());
    wait_until("#lobby, an ordinary room, shown", || win.0.shown_conversation() == lobby);
    assert_eq!(win.0.conversation_titles(), ["#main", "#lobby"]);
    dave.send("/join #lobby");
    dave.send("/say #lobby in the lobby room");
    dave.send("/say #main in the main room");
    win.wait_entry(
        "the #lobby line in #lobby",
        |e| matches!(e, Entry::Chat { text, .. } if text == "in the lobby room"),
    );
    assert!(win.entries().iter().all(|e| !matches!(e, Entry::Chat { text, .. } if text == "in the main room")));
    win.0.show_conversation(&ConvId::Default);
    wait_until("#main's line in #main", || {
        win.entries().iter().any(|e| matches!(e, Entry::Chat { text, .. } if text == "in the main room"))
    });
    assert!(win.entries().iter().all(|e| !matches!(e, Entry::Chat { text, .. } if text == "in the lobby room")));
    assert_eq!(win.0.header_text().0, "#main");
    shot_of(&win, "default-room-main");
    // Nothing the client asked by itself came back as an error.
    assert!(!win.entries().iter().any(|e| matches!(e, Entry::Error(_))), "{:?}", win.entries());
}
