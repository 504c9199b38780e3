//! The window's conversations: one [`ChatView`] per conversation in a
//! stack, the sidebar that lists them, and switching between them.
//!
//! What a conversation holds (members, topic, unread count) is in the
//! session's [`Rooms`](crate::model::rooms::Rooms); this file only makes
//! the views and brings the widgets in line after each change
//! ([`NatterWindow::refresh_rooms`]).

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::{glib, glib::clone};

use super::NatterWindow;
use crate::model::rooms::ConvId;
use crate::model::session::ChatLine;
use crate::widgets::ChatView;
use natter::protocol::DEFAULT_ROOM;

impl NatterWindow {
    pub(super) fn setup_rooms(&self) {
        let imp = self.imp();
        imp.sidebar.connect_chosen(clone!(
            #[weak(rename_to = win)]
            self,
            move |uid| {
                let id = win.conversation_of(uid);
                if let Some(id) = id {
                    win.show_conversation(&id);
                }
                let flap = &win.imp().sidebar_flap;
                if flap.is_folded() {
                    // Over the conversation: out of the way once chosen.
                    flap.set_reveal_flap(false);
                }
                win.imp().composer.grab_focus();
            }
        ));
        imp.member_list.connect_chosen(clone!(
            #[weak(rename_to = win)]
            self,
            move |name| win.open_private(&name)
        ));
        self.refresh_rooms();
    }

    pub(super) fn conversation_of(&self, uid: u64) -> Option<ConvId> {
        let session = self.imp().session.borrow();
        let conv = session.as_ref()?.rooms().list().iter().find(|c| c.uid == uid)?;
        Some(conv.id.clone())
    }

    /// The uid of conversation `id`, if it exists.
    pub(super) fn uid_of(&self, id: &ConvId) -> Option<u64> {
        let session = self.imp().session.borrow();
        Some(session.as_ref()?.rooms().get(id)?.uid)
    }

    fn shown_uid(&self) -> u64 {
        let session = self.imp().session.borrow();
        session.as_ref().and_then(|s| s.rooms().get(s.rooms().shown()).map(|c| c.uid)).unwrap_or(0)
    }

    /// The view of conversation `uid`, made on first use.
    pub(super) fn view(&self, uid: u64) -> ChatView {
        let imp = self.imp();
        if let Some((_, view)) = imp.views.borrow().iter().find(|(u, _)| *u == uid) {
            return view.clone();
        }
        let view = ChatView::new();
        view.set_vexpand(true);
        view.add_css_class("conversation");
        imp.conv_stack.add_named(&view, Some(&uid.to_string()));
        self.one_tab_stop(view.upcast_ref());
        self.watch_view(&view, uid);
        imp.views.borrow_mut().push((uid, view.clone()));
        view
    }

    /// Drops every view: a new session numbers its conversations afresh.
    pub(super) fn reset_views(&self) {
        let imp = self.imp();
        for (_, view) in imp.views.take() {
            imp.conv_stack.remove(&view);
        }
        self.refresh_rooms();
    }

    /// The shown conversation.
    pub fn chat_view(&self) -> ChatView {
        self.view(self.shown_uid())
    }

    /// Every conversation's view (to find a refused line wherever it is).
    pub(super) fn all_views(&self) -> Vec<ChatView> {
        self.imp().views.borrow().iter().map(|(_, v)| v.clone()).collect()
    }

    /// Appends `lines` to conversation `id`; false when there is none.
    pub(super) fn append_to(&self, id: &ConvId, lines: Vec<ChatLine>) -> bool {
        match self.uid_of(id) {
            Some(uid) => {
                self.view(uid).append(lines);
                true
            }
            None => false,
        }
    }

    /// Shows conversation `id` (which counts as read from now on).
    pub fn show_conversation(&self, id: &ConvId) {
        let imp = self.imp();
        if *id == self.shown_conversation() {
            return;
        }
        if let (Some(app), Some(conversation)) = (self.application(), self.notified(id)) {
            // Read now: its notification has done its job.
            crate::notify::withdraw(&app, &conversation);
        }
        // Search results belong to the room they were searched in.
        imp.search_pane.close();
        let typed = imp.composer.text();
        let draft = imp.session.borrow_mut().as_mut().and_then(|s| s.switch(id, &typed));
        self.load_private(id);
        if let Some(draft) = draft {
            // Each conversation keeps what was typed in it.
            imp.composer.set_text(&draft);
            self.refresh_rooms();
        }
    }

    /// Brings the sidebar, the stack, the member list, the header and the
    /// room actions in line with the session's conversations.
    pub(super) fn refresh_rooms(&self) {
        let imp = self.imp();
        let (list, shown, default_name) = match imp.session.borrow().as_ref() {
            Some(s) => (s.rooms().list().to_vec(), s.rooms().shown().clone(), s.rooms().default_name().to_owned()),
            None => (Vec::new(), ConvId::Default, DEFAULT_ROOM.to_owned()),
        };
        let shown_uid = list.iter().find(|c| c.id == shown).map_or(0, |c| c.uid);
        imp.sidebar.set_conversations(&list, shown_uid, &default_name);
        // With the default room alone the window is as it was before rooms:
        // no sidebar (joining is in the room menu).
        let many = list.len() > 1;
        imp.sidebar.set_visible(many);
        if let Some(separator) = imp.sidebar_flap.separator() {
            separator.set_visible(many);
        }
        self.update_sidebar_button();
        // Views of conversations that are gone go too.
        let gone: Vec<ChatView> = {
            let mut views = imp.views.borrow_mut();
            let (keep, gone) = views.drain(..).partition(|(uid, _)| *uid == 0 || list.iter().any(|c| c.uid == *uid));
            *views = keep;
            gone.into_iter().map(|(_, v)| v).collect()
        };
        for view in gone {
            imp.conv_stack.remove(&view);
        }
        let view = self.view(shown_uid);
        if imp.conv_stack.visible_child().as_ref() != Some(view.upcast_ref()) {
            imp.conv_stack.set_visible_child(&view);
        }
        self.action_set_enabled("win.leave-room", matches!(shown, ConvId::Room(_)));
        self.action_set_enabled("win.close-conversation", shown.is_private());
        self.action_set_enabled("win.next-room", list.len() > 1);
        self.action_set_enabled("win.previous-room", list.len() > 1);
        self.update_members();
        self.update_subtitle();
    }

    /// The sidebar's header button: there when the sidebar is folded away.
    pub(super) fn update_sidebar_button(&self) {
        let imp = self.imp();
        let visible = imp.sidebar.is_visible()
            && imp.sidebar_flap.is_folded()
            && imp.stack.visible_child_name().as_deref() == Some("chat");
        imp.sidebar_button.set_visible(visible);
    }

    /// Shows the conversation `step` places down the sidebar (up when
    /// negative), going round.
    pub fn move_room(&self, step: isize) {
        let next = self.imp().session.borrow().as_ref().map(|s| s.rooms().neighbour(step));
        if let Some(next) = next {
            self.show_conversation(&next);
        }
    }

    /// Opens (and shows) a private conversation with `name`.
    pub fn open_private(&self, name: &str) {
        let id = self.imp().session.borrow_mut().as_mut().map(|s| s.open_private(name));
        if let Some(id) = id {
            self.show_conversation(&id);
            self.imp().composer.grab_focus();
        }
    }

    /// True when this window has conversation `id`.
    pub fn has_conversation(&self, id: &ConvId) -> bool {
        self.uid_of(id).is_some()
    }

    /// The titles of the conversations, in sidebar order.
    pub fn conversation_titles(&self) -> Vec<String> {
        let session = self.imp().session.borrow();
        let titles = |s: &crate::model::session::Session| {
            let rooms = s.rooms();
            rooms.list().iter().map(|c| rooms.title(&c.id).to_owned()).collect()
        };
        session.as_ref().map(titles).unwrap_or_default()
    }

    /// The conversation of a room named by the server or the user (the
    /// server's default room, whatever its name, is the default one).
    pub fn conversation_named(&self, room: &str) -> ConvId {
        let session = self.imp().session.borrow();
        session.as_ref().map_or_else(|| ConvId::room(room), |s| s.rooms().conv(room))
    }

    /// The name shown for conversation `id`.
    pub fn conversation_title(&self, id: &ConvId) -> String {
        let session = self.imp().session.borrow();
        session.as_ref().map_or_else(|| id.title().to_owned(), |s| s.rooms().title(id).to_owned())
    }

    /// The notification target of conversation `id`.
    fn notified(&self, id: &ConvId) -> Option<crate::notify::Conversation> {
        use crate::notify::Conversation;
        Some(match id {
            ConvId::Private(name) => Conversation::Private(name.clone()),
            _ => Conversation::Room(self.conversation_title(id)),
        })
    }

    /// The shown conversation.
    pub fn shown_conversation(&self) -> ConvId {
        let session = self.imp().session.borrow();
        session.as_ref().map_or(ConvId::Default, |s| s.rooms().shown().clone())
    }
}
