//! The window's room actions and keys: join, leave, move between rooms,
//! rejoin after a welcome, and remembering the rooms per server.
//!
//! `win.join-room` and `win.jump-to-room` are the hooks for the join
//! dialog and the Ctrl+K room switcher; until those are wired in, joining
//! asks for a name in a small dialog and jumping puts the focus on the
//! sidebar, where the arrows and Enter pick a room.

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::{gdk, glib, glib::clone};
use natter::protocol::canonical_room;

use super::NatterWindow;
use crate::i18n::gettext_f;
use crate::model::rooms::ConvId;
use crate::settings::Settings;

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
        klass.add_binding_action(gdk::Key::k, ctrl, "win.jump-to-room");
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
        let remembered = Settings::rooms_for(&self.server());
        let lines = self.imp().session.borrow_mut().as_mut().map(|s| s.rejoin_lines(&remembered));
        if let Some(lines) = lines.filter(|l| !l.is_empty()) {
            self.send_lines(lines);
        }
    }

    /// Saves the rooms joined for this server, for the next start.
    pub(super) fn remember_rooms(&self) {
        let rooms = self.imp().session.borrow().as_ref().map(|s| s.rooms().joined_rooms());
        let Some(rooms) = rooms else { return };
        if let Err(err) = Settings::remember_rooms(&self.server(), &rooms) {
            log::warn!("cannot save the rooms: {err}");
        }
    }

    /// Puts the focus on the sidebar (showing it when folded away).
    fn jump_to_room(&self) {
        let imp = self.imp();
        if imp.sidebar_flap.is_folded() {
            imp.sidebar_flap.set_reveal_flap(true);
        }
        imp.sidebar.focus_list();
    }

    /// Asks for a room name and joins it.
    fn ask_room(&self) {
        let entry = gtk::Entry::builder().placeholder_text("#room").activates_default(true).build();
        let dialog = adw::MessageDialog::builder()
            .transient_for(self)
            .modal(true)
            .heading(gettext_f("Join a Room", &[]))
            .body(gettext_f("Room names start with “#”.", &[]))
            .extra_child(&entry)
            .default_response("join")
            .close_response("cancel")
            .build();
        dialog.add_response("cancel", &gettext_f("_Cancel", &[]));
        dialog.add_response("join", &gettext_f("_Join", &[]));
        dialog.set_response_appearance("join", adw::ResponseAppearance::Suggested);
        dialog.connect_response(
            None,
            clone!(
                #[weak(rename_to = win)]
                self,
                #[weak]
                entry,
                move |_, response| {
                    let text = entry.text().trim().to_owned();
                    if response == "join" && !text.is_empty() {
                        let room = if text.starts_with('#') { text } else { format!("#{text}") };
                        // As the server will spell it; an invalid name goes as
                        // typed, and the server's refusal says why.
                        let room = canonical_room(&room).map(|r| r.into_owned()).unwrap_or(room);
                        if let Some(id) = win.existing(&room) {
                            win.show_conversation(&id);
                        } else {
                            win.join_room(&room);
                        }
                    }
                    win.imp().composer.grab_focus();
                }
            ),
        );
        dialog.present();
    }

    /// The conversation of `room` when this user is in it already.
    fn existing(&self, room: &str) -> Option<ConvId> {
        let id = ConvId::room(room);
        self.uid_of(&id).map(|_| id)
    }
}
