//! The window's side of the conversation: routing server events to the
//! widgets, sending what the user typed, and notifications.
//!
//! Each batch of [`ServerEvent`]s from `window/lifecycle.rs`'s loop goes
//! through the [`Session`](crate::model::session::Session) line by line;
//! the lines are gathered per conversation (the session's [`Route`]) and
//! appended at the end of the batch, after which the sidebar, member list
//! and header are brought in line once. A welcome, a refusal or the end of
//! the connection go to the lifecycle model as [`Event`]s. Stored lines
//! that go elsewhere than the end (older pages, missed lines, echoes,
//! search results) are placed by `window/history.rs`.

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::{glib, glib::clone};
use natter::protocol::ErrorKind;

use super::NatterWindow;
use crate::connection::ServerEvent;
use crate::model::delivery::{too_long, SentLine};
use crate::model::lifecycle::{Event, Phase};
use crate::model::rooms::ConvId;
use crate::model::session::{ChatLine, Entry, Outcome, Route};

/// Lines for each conversation, in arrival order, until the batch is done.
#[derive(Default)]
struct Batch(Vec<(ConvId, Vec<ChatLine>)>);

impl Batch {
    fn push(&mut self, to: &ConvId, line: ChatLine) {
        match self.0.iter_mut().find(|(id, _)| id == to) {
            Some((_, lines)) => lines.push(line),
            None => self.0.push((to.clone(), vec![line])),
        }
    }
}

/// What one pass over a batch of events gathered, applied at its end.
#[derive(Default)]
pub(super) struct Pass {
    batch: Batch,
    members_changed: bool,
    rooms_changed: bool,
    /// Rooms joined or left (not private conversations, not a welcome:
    /// the remembered rooms are still to be rejoined then).
    joined_changed: bool,
    show: Option<ConvId>,
    alert: Option<(Entry, String)>,
    /// Stored lines that need a place of their own (see `window/history.rs`).
    pub(super) stored: super::history::Stored,
}

impl NatterWindow {
    pub(super) fn handle_events(&self, events: Vec<ServerEvent>) {
        let imp = self.imp();
        let mut pass = Pass::default();
        for event in events {
            match event {
                ServerEvent::Connected => {}
                ServerEvent::Line(line) => {
                    if self.feed_room_listing(&line) {
                        continue;
                    }
                    let outcomes = match imp.session.borrow_mut().as_mut() {
                        Some(session) => session.read(&line),
                        None => return,
                    };
                    for outcome in outcomes {
                        if !self.take_outcome(outcome, &mut pass) {
                            return;
                        }
                    }
                }
                ServerEvent::Closed(reason) => {
                    self.flush(std::mem::take(&mut pass.batch));
                    self.lifecycle(Event::Closed(reason));
                    pass.members_changed = true;
                    break;
                }
            }
        }
        // Lines elsewhere change unread counts; the shown one needs nothing.
        let shown = self.shown_conversation();
        let arrived = pass.batch.0.iter().any(|(id, _)| *id != shown);
        self.flush(std::mem::take(&mut pass.batch));
        if pass.joined_changed {
            self.remember_rooms();
        }
        if let Some(id) = pass.show.take() {
            self.show_conversation(&id);
        }
        if pass.rooms_changed || arrived || pass.members_changed {
            // Unread counts, topics and member lists, all at once.
            self.refresh_rooms();
        }
        if let Some((entry, room)) = pass.alert.take() {
            self.notify(&entry, &room);
        }
    }

    /// Applies one outcome of the session; false when the connection was
    /// refused and the rest of the batch does not matter.
    fn take_outcome(&self, outcome: Outcome, pass: &mut Pass) -> bool {
        if let Some(refusal) = outcome.refused {
            self.flush(std::mem::take(&mut pass.batch));
            self.lifecycle(Event::Refused(refusal));
            return false;
        }
        if !outcome.send.is_empty() {
            // Before anything the welcome sets off (rejoining rooms).
            self.send_lines(outcome.send.clone());
        }
        if outcome.welcomed {
            // What came before it is the default room's history.
            self.lifecycle(Event::Welcomed);
            pass.rooms_changed = true;
        }
        if let Some(refused) = &outcome.undelivered {
            self.mark_undelivered(refused);
        }
        if let Some(news) = outcome.account.clone() {
            self.account_news(news);
        }
        if let Some(Entry::Error(error)) = &outcome.entry {
            if outcome.replaced {
                // Logged in elsewhere: back to the form, no retrying.
                self.flush(std::mem::take(&mut pass.batch));
                self.lifecycle(Event::Refused(error.clone()));
                return false;
            }
            if matches!(error.kind(), ErrorKind::Account(_)) {
                self.account_error(error);
            }
        }
        pass.members_changed |= outcome.members_changed || outcome.topic_changed;
        pass.rooms_changed |= outcome.opened.is_some() || outcome.closed.is_some();
        // A stored private line makes its conversation one to remember.
        let kept_private =
            outcome.id.is_some() && matches!(&outcome.route, Route::To(ids) if ids.iter().any(ConvId::is_private));
        pass.joined_changed |=
            outcome.opened.as_ref().is_some_and(|id| !id.is_private()) || outcome.closed.is_some() || kept_private;
        if outcome.renamed_me {
            self.update_subtitle();
        }
        if outcome.show.is_some() {
            pass.show = outcome.show.clone();
        }
        let targets = match &outcome.route {
            Route::To(ids) => ids.clone(),
            Route::Shown => vec![self.shown_conversation()],
        };
        if let Some(entry) = &outcome.entry {
            if outcome.alert {
                let room = self.conversation_title(targets.first().unwrap_or(&ConvId::Default));
                pass.alert = Some((entry.clone(), room));
            }
            if outcome.divider {
                // The live stream starts here, after the replayed history.
                for to in &targets {
                    if let Some(uid) = self.uid_of(to) {
                        self.view(uid).drop_divider();
                    }
                    // A divider, not a message: no time of its own.
                    pass.batch.push(to, ChatLine { time: String::new(), ..ChatLine::now(Entry::NewMessages) });
                }
            }
        }
        let done = outcome.done.clone();
        if let Some(entry) = outcome.entry.clone() {
            let line = match &outcome.said_at {
                Some(utc) => ChatLine::stored(entry, utc, outcome.id),
                None => ChatLine::now(entry),
            };
            if !self.place_stored(&outcome, &line, pass) {
                for to in &targets {
                    pass.batch.push(to, line.clone());
                }
            }
        }
        if let Some(done) = done {
            self.flush(std::mem::take(&mut pass.batch));
            self.answered(done, pass);
        }
        true
    }

    /// Appends the lines gathered so far (before one that goes elsewhere).
    pub(super) fn flush_pass(&self, pass: &mut Pass) {
        self.flush(std::mem::take(&mut pass.batch));
    }

    /// Appends each conversation's lines; those for a conversation that
    /// is gone (a room just left) are dropped.
    fn flush(&self, batch: Batch) {
        for (to, lines) in batch.0 {
            self.append_to(&to, lines);
        }
    }

    /// Sends what the user typed, then shows it locally (the server does
    /// not echo a sender's lines). On failure the text stays in the entry.
    pub fn send_text(&self, text: String) {
        let imp = self.imp();
        if too_long(&text).is_some() {
            // The composer shows why and refuses; never send it.
            return;
        }
        let Some(outgoing) = imp.session.borrow().as_ref().and_then(|s| s.prepare(&text)) else {
            return;
        };
        let id = imp.session.borrow_mut().as_mut().and_then(|s| s.sending(&outgoing, &text));
        // A `/msg` may have opened a private conversation.
        self.load_private(&outgoing.to);
        let sender = match (self.phase(), imp.connection.borrow().as_ref()) {
            (Phase::Joined, Some(connection)) => connection.sender(),
            _ => {
                self.send_failed();
                return;
            }
        };
        let typed_in = self.shown_conversation();
        if outgoing.secret {
            imp.pending_password.replace(outgoing.password.clone());
        }
        imp.composer.set_busy(true);
        glib::spawn_future_local(clone!(
            #[weak(rename_to = win)]
            self,
            async move {
                let result = match outgoing.before.clone() {
                    Some(before) => match sender.send(before).await {
                        Ok(()) => sender.send(outgoing.line.clone()).await,
                        Err(err) => Err(err),
                    },
                    None => sender.send(outgoing.line.clone()).await,
                };
                let composer = win.composer();
                composer.set_busy(false);
                match result {
                    Ok(()) => {
                        let shown = match (id, outgoing.echo) {
                            (Some(id), Some(echo)) => {
                                win.imp().session.borrow_mut().as_mut().map(|s| s.written(id, echo))
                            }
                            (_, echo) => echo,
                        };
                        if outgoing.secret {
                            // A password: out of the input history.
                            composer.set_text("");
                        } else if matches!(shown, Some(Entry::Undelivered { .. })) {
                            // Refused before it showed: the text stays in the entry.
                            composer.refused(&text);
                        } else {
                            composer.sent(&text);
                        }
                        let shown = shown.filter(|entry| !win.echoed_already(&outgoing.to, entry));
                        if let Some(entry) = shown {
                            let line = ChatLine::now(entry);
                            if outgoing.to != typed_in {
                                // `/msg` typed in a room: there, and in
                                // the conversation with that person.
                                win.append_to(&typed_in, vec![line.clone()]);
                            }
                            win.append_to(&outgoing.to, vec![line]);
                            win.refresh_rooms();
                        }
                        win.chat_view().scroll_to_bottom();
                        if outgoing.quits {
                            win.leave(false);
                        }
                    }
                    Err(err) => {
                        log::warn!("send failed: {}", err.0);
                        win.send_failed();
                    }
                }
            }
        ));
    }

    /// The server refused a line shown as sent: its row says it was not
    /// delivered, and its text goes back into the entry if that is empty
    /// (else it is one Up away in the input history).
    fn mark_undelivered(&self, refused: &SentLine) {
        let imp = self.imp();
        if !refused.shown {
            // Not on screen yet: `send_text` shows it as not delivered.
            return;
        }
        let mut replaced = false;
        for view in self.all_views() {
            replaced |= view.replace_newest(&refused.echo, refused.undelivered());
        }
        if !replaced {
            self.append_lines(vec![ChatLine::now(refused.undelivered())]);
        }
        if imp.composer.text().is_empty() {
            imp.composer.set_text(&refused.input);
        }
    }

    fn send_failed(&self) {
        self.append_lines(vec![ChatLine::now(Entry::SendFailed)]);
        self.imp().composer.grab_focus();
    }

    /// A desktop notification for a private message or a mention in
    /// `room`, unless the window has the focus (`crate::notify` decides and
    /// words it).
    fn notify(&self, entry: &Entry, room: &str) {
        crate::notify::notify_entry(self, entry, room);
    }
}
