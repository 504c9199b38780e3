//! The window's member list: who is in the shown conversation with their
//! marks, and what an operator does from a member's menu.
//!
//! The menu's kick, mute and ban ask first ([`PenaltyDialog`]); the
//! session words the command for the shown room
//! ([`Session::penalty_line`](crate::model::session::Session::penalty_line)),
//! and the room's own announcement shows what happened, so nothing is
//! echoed here.

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::{glib, glib::clone};

use super::NatterWindow;
use crate::model::penalty::Penalty;
use crate::model::rooms::ConvId;
use crate::widgets::PenaltyDialog;

impl NatterWindow {
    pub(super) fn setup_members(&self) {
        self.imp().member_list.connect_penalty(clone!(
            #[weak(rename_to = win)]
            self,
            move |name, penalty| win.ask_penalty(&name, penalty)
        ));
    }

    /// Brings the member list and the entry's name completion in line
    /// with the shown conversation.
    pub(super) fn update_members(&self) {
        let imp = self.imp();
        let (members, me, joined, operator) = match imp.session.borrow().as_ref() {
            Some(s) => (s.marked_members(), s.me().to_owned(), s.is_joined(), s.is_operator_here()),
            None => (Vec::new(), String::new(), false, false),
        };
        if joined {
            imp.member_list.set_members(&members, &me, operator);
        } else {
            imp.member_list.set_offline();
        }
        imp.composer.set_names(members.into_iter().map(|(name, _)| name).collect(), &me);
    }

    /// Asks how long and why before applying `penalty` to `name` in the
    /// shown room, then sends it.
    pub fn ask_penalty(&self, name: &str, penalty: Penalty) {
        let shown = self.shown_conversation();
        let room = self.imp().session.borrow().as_ref().and_then(|s| s.rooms().room_name(&shown).map(str::to_owned));
        let Some(room) = room else { return };
        let dialog = PenaltyDialog::new(self, name, &room, shown == ConvId::Default, penalty);
        let name = name.to_owned();
        dialog.connect_done(clone!(
            #[weak(rename_to = win)]
            self,
            move |choice| {
                win.imp().penalty_dialog.take();
                let Some((duration, reason)) = choice else { return };
                let session = win.imp().session.borrow();
                // For the room asked about, even if another shows now.
                let line = session.as_ref().and_then(|s| s.penalty_line(&shown, &name, penalty, duration, &reason));
                drop(session);
                if let Some(line) = line {
                    win.send_lines(vec![line]);
                }
            }
        ));
        if let Some(old) = self.imp().penalty_dialog.replace(Some(dialog.clone())) {
            old.dialog.destroy();
        }
        dialog.present();
    }

    /// The kick, mute or ban question on screen, if any.
    pub fn penalty_dialog(&self) -> Option<adw::MessageDialog> {
        self.imp().penalty_dialog.borrow().as_ref().map(|d| d.dialog.clone())
    }
}
