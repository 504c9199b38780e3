//! Private conversations kept as history (docs/protocol.md, "Private
//! conversations"): between two registered names natterd stores privates
//! like a room's lines, so a conversation loads its newest page when it
//! opens while logged in, pages and searches like a room, and catches up
//! after a reconnect.
//!
//! A private conversation has no join and so no replay: its history is
//! asked for once per connection ([`Backlog::load`](crate::model::backlog::Backlog::load)),
//! when it opens or when this user logs in. Its stored lines come stamped:
//! a received one untagged (`[…] bob (private): hi`), this user's own echo
//! and every line of a page tagged with the conversation
//! (`@bob [1240 …] alice (private): hi`). They are admitted by id like a
//! room's, so nothing shows twice, and they go to their conversation
//! only, never to a room.

use super::{AccountNews, Entry, Outcome, Route, Session, Source};
use crate::model::backlog::{Load, Place};
use crate::model::rooms::ConvId;
use crate::model::session::requests::{Ask, BIG_PAGE, OLDER_PAGE};

impl Session {
    /// The request that loads private conversation `id`'s stored lines,
    /// once per connection, when they can be kept: joined and logged in.
    /// `None` for a room, which gets its lines on joining.
    pub fn load_private(&mut self, id: &ConvId) -> Option<String> {
        if !id.is_private() || !self.can_ask(id) {
            return None;
        }
        let id = self.rooms.get(id)?.id.clone();
        let load = self.rooms.get_mut(&id)?.backlog.load()?;
        Some(match load {
            Load::Newest => self.history_line(&id, Ask::Older { asked: OLDER_PAGE }, u64::MAX),
            Load::After(after) => self.history_line(&id, Ask::Newer { asked: BIG_PAGE }, after),
        })
    }

    /// The load requests of every private conversation not loaded yet on
    /// this connection (on logging in).
    pub(super) fn load_privates(&mut self) -> Vec<String> {
        let ids: Vec<ConvId> = self.rooms.list().iter().filter(|c| c.id.is_private()).map(|c| c.id.clone()).collect();
        ids.iter().filter_map(|id| self.load_private(id)).collect()
    }

    /// The account changed: logged in (or registered), the private
    /// conversations are kept and loaded; unregistered, no longer.
    pub(super) fn account_changed(&mut self, news: AccountNews, out: &mut Outcome) {
        self.logged_in = news != AccountNews::Unregistered;
        out.send.extend(self.load_privates());
    }

    /// Opens conversation `id` for a line that arrived in it; a private
    /// one asks for its history too.
    pub(super) fn open_conversation(&mut self, id: &ConvId, out: &mut Outcome) {
        match id {
            ConvId::Private(name) => {
                self.open_private(name);
                out.send.extend(self.load_private(id));
            }
            _ => {
                self.rooms.open(id);
            }
        }
        out.opened = Some(id.clone());
    }

    /// A private message in conversation `id`; `tagged` when the line
    /// named the conversation (this user's echo, or a page's line).
    pub(super) fn private(&mut self, id: &ConvId, tagged: bool, from: &str, text: &str, out: &mut Outcome) -> Entry {
        if self.rooms.get(id).is_none() {
            self.open_conversation(id, out);
        }
        // The conversation as the client spells it, whatever the tag's case.
        let id = self.rooms.get(id).map_or_else(|| id.clone(), |c| c.id.clone());
        out.route = Route::To(vec![id.clone()]);
        if tagged && self.is_me(from) {
            // Live, the server's echo of the line shown locally when sent.
            out.own_echo = out.id.is_some() && out.source == Source::Live;
            return Entry::PrivateOut { to: id.title().to_owned(), text: text.to_owned() };
        }
        if out.source == Source::Live && out.place != Some(Place::Duplicate) {
            out.alert = true;
            self.rooms.arrived(&id, true);
        }
        let shown = self.rooms.shown().clone();
        if out.id.is_none() && shown != id {
            // A message not kept also shows where the user is, as before
            // there were rooms; a kept one stays in its conversation.
            out.route = Route::To(vec![id, shown]);
        }
        Entry::PrivateIn { from: from.to_owned(), text: text.to_owned() }
    }
}
