//! The rooms' dialogs through real key presses (xdotool): Join a Room fed
//! with a real `/rooms` answer, and the Ctrl+K quick switcher.

use std::cell::RefCell;
use std::rc::Rc;

use adw::prelude::*;
use natter::protocol::Reply;

use crate::keyboard::{focus_window, xdotool};
use crate::support::{shot, wait_until, Raw, Server, Win};
use crate::widgets::{JoinDialog, RoomEntry, RoomListing, RoomSwitcher, SwitchItem};

/// Asks natterd for its rooms as `raw` and collects the answer.
fn rooms_of(raw: &mut Raw) -> Vec<RoomEntry> {
    raw.send("/rooms");
    let mut listing = RoomListing::default();
    loop {
        let line = raw.expect("a line of the /rooms answer", |l| l.starts_with("*** "));
        if let Some(rooms) = listing.feed(&Reply::parse(&line)) {
            return rooms;
        }
        assert!(listing.is_reading(), "only the answer's lines arrive: {line}");
    }
}

/// Does `window` have the keyboard, with its focus in `widget` (an entry's
/// focus is on the text inside it)?
fn typing_goes_to(window: &impl IsA<gtk::Window>, widget: &impl IsA<gtk::Widget>) -> bool {
    let widget = widget.as_ref();
    window.is_active()
        && gtk::prelude::GtkWindowExt::focus(window).is_some_and(|f| f == *widget || f.is_ancestor(widget))
}

/// A Join a Room dialog over `win`, shown with the keyboard in it; the
/// rooms it joins go to the returned list.
fn join_dialog(win: &Win) -> (JoinDialog, Rc<RefCell<Vec<String>>>) {
    let dialog = JoinDialog::new(&win.0);
    let joined: Rc<RefCell<Vec<String>>> = Rc::default();
    let record = joined.clone();
    dialog.connect_join(move |_, room| record.borrow_mut().push(room));
    dialog.present();
    wait_until("the dialog to have the keyboard", || dialog.is_active() && typing_goes_to(&dialog, &dialog.entry()));
    (dialog, joined)
}

/// The list comes from natterd's answer, typing filters it and validates
/// a new name live, Down chooses a listed room, Enter joins; a new name
/// joins as typed with the `#` added, and Escape cancels.
pub fn join_dialog_filters_validates_and_joins() {
    let server = Server::start();
    let win = Win::joined(&server, "alice");
    let mut bob = Raw::join(&server, "bob");
    bob.send("/join #dev");
    bob.send("/topic Builds & <reviews>");
    bob.expect_line("#dev *** bob set the topic: Builds & <reviews>");
    let mut carol = Raw::join(&server, "carol");
    carol.send("/join #개발");
    carol.expect("carol's welcome to #개발", |l| l.starts_with("#개발 *** welcome carol"));
    let rooms = rooms_of(&mut carol);
    assert_eq!(rooms.len(), 3, "{rooms:?}");

    let (dialog, joined) = join_dialog(&win);
    assert!(dialog.visible_rooms().is_empty(), "nothing listed before the answer");
    dialog.set_rooms(rooms);
    assert_eq!(dialog.visible_rooms(), ["#lobby", "#dev", "#개발"], "the fullest first");
    assert_eq!(dialog.target(), None);

    xdotool(&["type", "--delay", "15", "de"]);
    wait_until("the filter", || dialog.entry().text() == "de" && dialog.visible_rooms() == ["#dev"]);
    assert_eq!(dialog.target().as_deref(), Some("#de"), "a name not listed is a new room");
    assert!(dialog.hint().contains("#de"), "{}", dialog.hint());
    xdotool(&["key", "Down"]);
    wait_until("Down to choose #dev", || dialog.target().as_deref() == Some("#dev"));
    assert!(typing_goes_to(&dialog, &dialog.entry()), "the focus stays in the entry");
    shot("join-dialog-filtered");

    xdotool(&["type", "--delay", "15", " x"]);
    wait_until("the reason for the space", || dialog.hint() == "A room name cannot contain spaces.");
    assert_eq!(dialog.target(), None, "an invalid name joins nothing");
    shot("join-dialog-invalid");

    // The exact name of a listed room chooses it; Enter joins it.
    dialog.entry().set_text("개발");
    wait_until("#개발 chosen", || dialog.target().as_deref() == Some("#개발"));
    xdotool(&["key", "Return"]);
    wait_until("the join", || *joined.borrow() == ["#개발"]);
    wait_until("the dialog to close", || !dialog.is_visible());

    // A new name, typed without '#': the server's form comes out.
    let (dialog, joined) = join_dialog(&win);
    dialog.set_rooms(rooms_of(&mut carol));
    xdotool(&["type", "--delay", "15", "new-room"]);
    wait_until("no listed room matches", || dialog.visible_rooms().is_empty());
    xdotool(&["key", "Return"]);
    wait_until("the join of the new room", || *joined.borrow() == ["#new-room"]);

    // Tab reaches the list; Enter on a row joins it.
    let (dialog, joined) = join_dialog(&win);
    dialog.set_rooms(rooms_of(&mut carol));
    xdotool(&["key", "Tab"]);
    wait_until("the focus in the list", || !typing_goes_to(&dialog, &dialog.entry()));
    xdotool(&["key", "Return"]);
    wait_until("the row's room joined", || joined.borrow().len() == 1);

    // Escape cancels.
    let (dialog, joined) = join_dialog(&win);
    xdotool(&["key", "Escape"]);
    wait_until("Escape to close the dialog", || !dialog.is_visible());
    assert!(joined.borrow().is_empty());
    let _ = bob.drain();
}

/// Ctrl+K (a real key press) opens the switcher: typing filters the open conversations, Up and Down
/// choose, Enter switches, Escape closes.
pub fn room_switcher_filters_and_switches() {
    let win = Win::new();
    let item = |id: &str, label: &str, unread| SwitchItem { id: id.into(), label: label.into(), unread };
    let items = vec![
        item("room:#lobby", "#lobby", 0),
        item("room:#dev", "#dev", 3),
        item("private:bob", "bob", 1),
        item("room:#devops", "#devops", 0),
    ];
    let chosen: Rc<RefCell<Vec<String>>> = Rc::default();
    let record = chosen.clone();
    let listed = items.clone();
    RoomSwitcher::install_shortcut(&win.0, move || listed.clone(), move |id| record.borrow_mut().push(id));
    focus_window(&win);
    xdotool(&["key", "ctrl+k"]);
    let mut found = None;
    wait_until("Ctrl+K to open the switcher", || {
        found = gtk::Window::list_toplevels().into_iter().find_map(|w| w.downcast::<RoomSwitcher>().ok());
        found.is_some()
    });
    let switcher = found.expect("found after the wait");
    wait_until("the switcher to have the keyboard", || {
        switcher.is_active() && typing_goes_to(&switcher, &switcher.search_entry())
    });
    assert_eq!(switcher.shown_labels(), ["#lobby", "#dev", "bob", "#devops"]);
    xdotool(&["type", "--delay", "15", "dev"]);
    wait_until("the filter", || {
        switcher.search_entry().text() == "dev" && switcher.shown_labels() == ["#dev", "#devops"]
    });
    assert_eq!(switcher.selected_label().as_deref(), Some("#dev"), "the first is chosen");
    xdotool(&["key", "Down"]);
    wait_until("Down", || switcher.selected_label().as_deref() == Some("#devops"));
    shot("room-switcher");
    xdotool(&["key", "Up"]);
    wait_until("Up", || switcher.selected_label().as_deref() == Some("#dev"));
    xdotool(&["key", "Return"]);
    wait_until("the switch", || *chosen.borrow() == ["room:#dev"]);
    wait_until("the switcher to close", || !switcher.is_visible());

    let record = chosen.clone();
    let switcher = RoomSwitcher::open(&win.0, items, move |id| record.borrow_mut().push(id));
    wait_until("the switcher to have the keyboard", || switcher.is_active());
    assert_eq!(chosen.borrow().len(), 1);
    xdotool(&["key", "Escape"]);
    wait_until("Escape to close the switcher", || !switcher.is_visible());
    assert_eq!(chosen.borrow().len(), 1, "Escape chooses nothing");
}

/// In Korean: the dialog's title, the reason a name is refused and the
/// member counts come from po/ko.po.
pub fn join_dialog_reads_in_korean() {
    let _korean = crate::korean::Korean::start();
    let win = Win::new();
    let (dialog, _joined) = join_dialog(&win);
    let room = |room: &str, members, topic: Option<&str>| RoomEntry {
        room: room.into(),
        members,
        topic: topic.map(Into::into),
    };
    dialog.set_rooms(vec![room("#lobby", 12, Some("어서 오세요")), room("#개발", 3, None)]);
    assert_eq!(dialog.title().as_deref(), Some("방에 들어가기"));
    assert!(crate::widgets::label_texts(&dialog).iter().any(|t| t == "멤버 12명"));
    dialog.entry().set_text("개발 팀");
    wait_until("the reason in Korean", || dialog.hint() == "방 이름에는 공백을 쓸 수 없습니다.");
    shot("join-dialog-korean");
    GtkWindowExt::close(&dialog);
}
