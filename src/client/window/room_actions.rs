//! The window's room actions and keys: join, leave, move between rooms,
//! rejoin after a welcome, and remembering the rooms per server.
//!
//! `win.join-room` opens the Join a Room dialog (fed the server's `/rooms`
//! answer), `win.jump-to-room` (Ctrl+K, Ctrl+J) the quick switcher over
//! the open conversations.

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::{gdk, glib, glib::clone};
use natter::protocol::{Reply, Tagged};

use super::NatterWindow;
use crate::model::rooms::ConvId;
use crate::settings::Settings;
use crate::widgets::{JoinDialog, RoomListing, RoomSwitcher, SwitchItem};

impl NatterWindow {
    /// Installs the room actions and their keys on the window class.
    pub(super) fn install_room_actions(klass: &mut <super::imp::NatterWindow as ObjectSubclass>::Class) {
        klass.install_action("win.join-room", None, |win, _, _| win.ask_room());
        klass.install_action("win.jump-to-room", None, |win, _, _| win.jump_to_room());
        klass.install_action("win.leave-room", None, |win, _, _| win.leave_shown());
        klass.install_action("win.close-conversation", None, |win, _, _| win.leave_shown());
        klass.install_action("win.next-room", None, |win, _, _| win.move_room(1));
        klass.install_action("win.previous-room", None, |win, _, _| win.move_room(-1));
        let (alt, ctrl) = (gdk::ModifierType::ALT_MASK, gdk::ModifierType::CONTROL_MASK);
        klass.add_binding_action(gdk::Key::Down, alt, "win.next-room");
        klass.add_binding_action(gdk::Key::Page_Down, ctrl, "win.next-room");
        klass.add_binding_action(gdk::Key::Up, alt, "win.previous-room");
        klass.add_binding_action(gdk::Key::Page_Up, ctrl, "win.previous-room");
        // The switcher's keys (`RoomSwitcher`'s ACCELS); disabled outside
        // the chat, they leave the keys to whatever else wants them.
        klass.add_binding_action(gdk::Key::k, ctrl, "win.jump-to-room");
        klass.add_binding_action(gdk::Key::j, ctrl, "win.jump-to-room");
    }

    /// Writes `lines` in order, after whatever is queued.
    pub(super) fn send_lines(&self, lines: Vec<String>) {
        let Some(sender) = self.imp().connection.borrow().as_ref().map(|c| c.sender()) else { return };
        glib::spawn_future_local(async move {
            for line in lines {
                if let Err(err) = sender.send(line).await {
                    log::warn!("cannot send a room command: {}", err.0);
                    break;
                }
            }
        });
    }

    /// Joins `room` (`#name`) and shows it once the server says so.
    pub fn join_room(&self, room: &str) {
        let line = self.imp().session.borrow_mut().as_mut().map(|s| s.join_line(room));
        if let Some(line) = line {
            self.send_lines(vec![line]);
        }
    }

    /// Leaves the shown room (`/part #room`), or closes the shown private
    /// conversation.
    pub fn leave_shown(&self) {
        let id = self.shown_conversation();
        let line = {
            let mut session = self.imp().session.borrow_mut();
            let Some(session) = session.as_mut() else { return };
            if id.is_private() {
                session.close_private(&id);
                None
            } else {
                session.leave(&id)
            }
        };
        if let Some(line) = line {
            self.send_lines(vec![line]);
        }
        self.refresh_rooms();
        self.remember_rooms();
        self.imp().composer.grab_focus();
    }

    /// After a welcome: rejoins the rooms of before a reconnect and those
    /// remembered for this server.
    pub(super) fn rejoin_rooms(&self) {
        let me = self.imp().session.borrow().as_ref().map(|s| s.me().to_owned()).unwrap_or_default();
        let privates = Settings::privates_for(&self.server(), &me).into_iter().map(|name| format!("@{name}"));
        let remembered: Vec<String> = Settings::rooms_for(&self.server()).into_iter().chain(privates).collect();
        let lines = self.imp().session.borrow_mut().as_mut().map(|s| s.rejoin_lines(&remembered));
        if let Some(lines) = lines.filter(|l| !l.is_empty()) {
            self.send_lines(lines);
            // Kept private conversations may have opened again.
            self.refresh_rooms();
        }
    }

    /// Saves the rooms joined for this server, and the private
    /// conversations it keeps, for the next start.
    pub(super) fn remember_rooms(&self) {
        let kept = self.imp().session.borrow().as_ref().map(|s| {
            let rooms = s.rooms();
            (rooms.joined_rooms(), rooms.kept_privates(), s.me().to_owned())
        });
        let Some((rooms, privates, me)) = kept else { return };
        let server = self.server();
        let saved = Settings::remember_rooms(&server, &rooms)
            .and_then(|()| Settings::remember_privates(&server, &me, &privates));
        if let Err(err) = saved {
            log::warn!("cannot save the rooms: {err}");
        }
    }

    /// Join a Room: the dialog, fed the server's `/rooms` answer.
    fn ask_room(&self) {
        let dialog = JoinDialog::new(self);
        dialog.connect_join(clone!(
            #[weak(rename_to = win)]
            self,
            move |_, room| {
                match win.existing(&room) {
                    Some(id) => win.show_conversation(&id),
                    None => win.join_room(&room),
                }
                win.imp().composer.grab_focus();
            }
        ));
        self.imp().room_listing.replace(Some((RoomListing::default(), dialog.downgrade())));
        self.send_lines(vec!["/rooms".to_owned()]);
        dialog.present();
    }

    /// A line of the `/rooms` answer the join dialog waits for: true when
    /// it went to the dialog (and is not shown in the conversation).
    pub(super) fn feed_room_listing(&self, line: &str) -> bool {
        let imp = self.imp();
        let mut slot = imp.room_listing.borrow_mut();
        let Some((listing, dialog)) = slot.as_mut() else { return false };
        let Tagged { room: None, reply: reply @ (Reply::RoomList(_) | Reply::RoomInfo { .. }), .. } =
            Tagged::parse(line)
        else {
            return false;
        };
        if let Some(rooms) = listing.feed(&reply) {
            if let Some(dialog) = dialog.upgrade() {
                dialog.set_rooms(rooms);
            }
            *slot = None;
        }
        true
    }

    /// Ctrl+K: the quick switcher over the open conversations.
    fn jump_to_room(&self) {
        let items = {
            let session = self.imp().session.borrow();
            let Some(session) = session.as_ref() else { return };
            let rooms = session.rooms();
            rooms
                .list()
                .iter()
                .map(|c| SwitchItem { id: c.uid.to_string(), label: rooms.title(&c.id).to_owned(), unread: c.unread })
                .collect()
        };
        RoomSwitcher::open(
            self,
            items,
            clone!(
                #[weak(rename_to = win)]
                self,
                move |uid| {
                    if let Some(id) = uid.parse().ok().and_then(|uid| win.conversation_of(uid)) {
                        win.show_conversation(&id);
                    }
                    win.imp().composer.grab_focus();
                }
            ),
        );
    }

    /// The conversation of `room` when this user is in it already.
    fn existing(&self, room: &str) -> Option<ConvId> {
        let id = self.conversation_named(room);
        self.uid_of(&id).map(|_| id)
    }
}
