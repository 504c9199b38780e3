//! The window's side of stored history: lines that go elsewhere than the
//! end of a conversation (an older page at the top, a missed line in its
//! place, the server's echo of a line shown locally, search results),
//! asking for older lines when a conversation is scrolled to the top,
//! and the search bar (Ctrl+F) with the result chosen shown in context.
//!
//! The session decides (`model/session/requests.rs`, `model/backlog.rs`);
//! this file moves lines into the widgets.

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::{glib, glib::clone};

use super::conversation::Pass;
use super::NatterWindow;
use crate::model::backlog::{Place, Seek};
use crate::model::rooms::ConvId;
use crate::model::session::{Ask, ChatLine, Done, Outcome, Route, Source};
use crate::widgets::ChatView;

/// Stored lines gathered while a batch is read, until their answer ends.
#[derive(Default)]
pub(super) struct Stored {
    /// An older page per conversation, oldest first.
    older: Vec<(ConvId, Vec<ChatLine>)>,
    /// Search results per room.
    hits: Vec<(ConvId, ChatLine)>,
}

impl NatterWindow {
    pub(super) fn setup_history(&self) {
        let imp = self.imp();
        imp.search_pane.connect_search(clone!(
            #[weak(rename_to = win)]
            self,
            move |words| win.search(&words)
        ));
        imp.search_pane.connect_chosen(clone!(
            #[weak(rename_to = win)]
            self,
            move |id| win.show_result(id)
        ));
        imp.search_pane.connect_closed(clone!(
            #[weak(rename_to = win)]
            self,
            move || {
                win.imp().composer.grab_focus();
            }
        ));
    }

    /// Watches a new conversation view for the top being reached.
    pub(super) fn watch_view(&self, view: &ChatView, uid: u64) {
        view.connect_wants_older(clone!(
            #[weak(rename_to = win)]
            self,
            move |_| win.load_older(uid)
        ));
    }

    /// Places a stored line that does not simply go at the end: true when
    /// it was placed (or kept for later).
    pub(super) fn place_stored(&self, outcome: &Outcome, line: &ChatLine, pass: &mut Pass) -> bool {
        let Route::To(ids) = &outcome.route else { return false };
        let Some(to) = ids.first() else { return false };
        match outcome.source {
            Source::Search => {
                pass.stored.hits.push((to.clone(), line.clone()));
                return true;
            }
            Source::Older => {
                match pass.stored.older.iter_mut().find(|(id, _)| id == to) {
                    Some((_, lines)) => lines.push(line.clone()),
                    None => pass.stored.older.push((to.clone(), vec![line.clone()])),
                }
                return true;
            }
            _ => {}
        }
        let Some(uid) = self.uid_of(to) else { return false };
        if outcome.own_echo {
            // The local echo shown when it was sent becomes this line.
            self.flush_pass(pass);
            if self.view(uid).adopt_echo(line) {
                return true;
            }
            // Here before the local echo: that one will not show.
            let mut early = self.imp().early_echoes.borrow_mut();
            if early.len() >= 20 {
                early.remove(0);
            }
            early.push((to.clone(), line.entry.clone()));
            return false;
        }
        if let Some(Place::Before(next)) = outcome.place {
            self.flush_pass(pass);
            self.view(uid).insert_before(line.clone(), next);
            return true;
        }
        false
    }

    /// True (once) when the server's echo of `entry` in `to` came before
    /// its local echo, which is then not shown.
    pub(super) fn echoed_already(&self, to: &ConvId, entry: &crate::model::session::Entry) -> bool {
        let mut early = self.imp().early_echoes.borrow_mut();
        match early.iter().position(|(id, e)| id == to && e == entry) {
            Some(at) => {
                early.remove(at);
                true
            }
            None => false,
        }
    }

    /// A request was answered: an older page goes on top, search results
    /// to the search bar.
    pub(super) fn answered(&self, done: Done, pass: &mut Pass) {
        let view = self.uid_of(&done.conv).map(|uid| self.view(uid));
        match done.ask {
            Ask::Older { .. } => {
                let at = pass.stored.older.iter().position(|(id, _)| *id == done.conv);
                let lines = at.map(|at| pass.stored.older.remove(at).1).unwrap_or_default();
                if let Some(view) = &view {
                    view.prepend(lines);
                    view.set_loading(self.loading_older(&done.conv));
                    if let Some(id) = done.reached {
                        view.show_line(id);
                    }
                }
            }
            Ask::Search => {
                let hits: Vec<ChatLine> =
                    pass.stored.hits.iter().filter(|(id, _)| *id == done.conv).map(|(_, line)| line.clone()).collect();
                pass.stored.hits.retain(|(id, _)| *id != done.conv);
                if self.imp().search_room.borrow().as_ref() == Some(&done.conv) {
                    self.imp().search_pane.show_results(hits, done.available);
                }
            }
            Ask::Newer { .. } => {}
        }
    }

    fn loading_older(&self, id: &ConvId) -> bool {
        self.imp().session.borrow().as_ref().is_some_and(|s| s.loading_older(id))
    }

    /// Conversation `uid` was scrolled to the top: the page before its
    /// oldest line, unless one is on its way or there is no more.
    fn load_older(&self, uid: u64) {
        let Some(id) = self.conversation_of(uid) else { return };
        let line = self.imp().session.borrow_mut().as_mut().and_then(|s| s.ask_older(&id));
        if let Some(line) = line {
            self.view(uid).set_loading(true);
            self.send_lines(vec![line]);
        }
    }

    /// A private conversation shown or written to: its stored lines, once
    /// per connection (nothing for a room, or when not logged in).
    pub(super) fn load_private(&self, id: &ConvId) {
        let line = self.imp().session.borrow_mut().as_mut().and_then(|s| s.load_private(id));
        if let Some(line) = line {
            self.send_lines(vec![line]);
        }
    }

    /// Ctrl+F: opens the search bar over the shown conversation.
    pub fn open_search(&self) {
        self.imp().search_pane.open(self.shown_conversation().is_private());
    }

    /// Searches the shown conversation's history for `words`.
    pub fn search(&self, words: &str) {
        let id = self.shown_conversation();
        let line = self.imp().session.borrow_mut().as_mut().and_then(|s| s.search_line(&id, words));
        self.imp().search_room.replace(Some(id));
        if let Some(line) = line {
            self.send_lines(vec![line]);
        }
    }

    /// Shows search result `line_id` in its conversation: at once when it
    /// is loaded, else once the older pages up to it are.
    pub fn show_result(&self, line_id: u64) {
        let Some(id) = self.imp().search_room.borrow().clone() else { return };
        self.show_conversation(&id);
        let Some(uid) = self.uid_of(&id) else { return };
        let (seek, line) = match self.imp().session.borrow_mut().as_mut() {
            Some(s) => s.seek(&id, line_id),
            None => return,
        };
        let view = self.view(uid);
        match seek {
            Seek::Shown => {
                view.show_line(line_id);
            }
            Seek::Load(_) | Seek::Wait => view.set_loading(true),
            Seek::Unreachable => {}
        }
        if let Some(line) = line {
            self.send_lines(vec![line]);
        }
    }

    /// The search bar.
    pub fn search_pane(&self) -> crate::widgets::SearchPane {
        self.imp().search_pane.get()
    }
}
