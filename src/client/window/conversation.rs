//! The window's side of the conversation: routing server events to the
//! widgets, sending what the user typed, and notifications.
//!
//! Each batch of [`ServerEvent`]s from `window/lifecycle.rs`'s loop goes
//! through the [`Session`](crate::model::session::Session) line by line;
//! the lines go to the conversation at once, a welcome, a refusal or the
//! end of the connection go to the lifecycle model as [`Event`]s.

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::{glib, glib::clone};

use super::lifecycle::now_hhmm;
use super::NatterWindow;
use crate::connection::ServerEvent;
use crate::model::delivery::{too_long, SentLine};
use crate::model::lifecycle::{Event, Phase};
use crate::model::session::{ChatLine, Entry};

impl NatterWindow {
    pub(super) fn handle_events(&self, events: Vec<ServerEvent>) {
        let imp = self.imp();
        let time = now_hhmm();
        let mut lines = Vec::new();
        let mut members_changed = false;
        let mut alert = None;
        for event in events {
            match event {
                ServerEvent::Connected => {}
                ServerEvent::Line(line) => {
                    let outcome = match imp.session.borrow_mut().as_mut() {
                        Some(session) => session.receive(&line),
                        None => return,
                    };
                    if let Some(refusal) = outcome.refused {
                        self.append_lines(std::mem::take(&mut lines));
                        self.lifecycle(Event::Refused(refusal));
                        return;
                    }
                    if outcome.welcomed {
                        if self.phase() == Phase::Joining {
                            // A fresh conversation starts with the welcome.
                            lines.clear();
                        }
                        self.lifecycle(Event::Welcomed);
                    }
                    if let Some(refused) = outcome.undelivered {
                        self.mark_undelivered(&refused);
                    }
                    members_changed |= outcome.members_changed;
                    if outcome.renamed_me {
                        self.update_subtitle();
                    }
                    if let Some(entry) = outcome.entry {
                        if outcome.alert {
                            alert = Some(entry.clone());
                        }
                        lines.push(ChatLine { time: time.clone(), entry });
                    }
                }
                ServerEvent::Closed(reason) => {
                    self.append_lines(std::mem::take(&mut lines));
                    self.lifecycle(Event::Closed(reason));
                    members_changed = true;
                    break;
                }
            }
        }
        self.append_lines(lines);
        if members_changed {
            self.update_members();
        }
        if let Some(entry) = alert {
            self.notify(&entry);
        }
    }

    pub(super) fn update_members(&self) {
        let imp = self.imp();
        let (names, me, joined) = match imp.session.borrow().as_ref() {
            Some(session) => (session.members().to_vec(), session.me().to_owned(), session.is_joined()),
            None => (Vec::new(), String::new(), false),
        };
        if joined {
            imp.member_list.set_members(&names, &me);
        } else {
            imp.member_list.set_offline();
        }
        imp.composer.set_names(names, &me);
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
        let sender = match (self.phase(), imp.connection.borrow().as_ref()) {
            (Phase::Joined, Some(connection)) => connection.sender(),
            _ => {
                self.send_failed();
                return;
            }
        };
        imp.composer.set_busy(true);
        glib::spawn_future_local(clone!(
            #[weak(rename_to = win)]
            self,
            async move {
                let result = sender.send(outgoing.line.clone()).await;
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
                        if matches!(shown, Some(Entry::Undelivered { .. })) {
                            // Refused before it showed: the text stays in the entry.
                            composer.refused(&text);
                        } else {
                            composer.sent(&text);
                        }
                        if let Some(entry) = shown {
                            win.append_lines(vec![ChatLine { time: now_hhmm(), entry }]);
                        }
                        win.imp().chat_view.scroll_to_bottom();
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
        if !imp.chat_view.replace_newest(&refused.echo, refused.undelivered()) {
            self.append_lines(vec![ChatLine { time: now_hhmm(), entry: refused.undelivered() }]);
        }
        if imp.composer.text().is_empty() {
            imp.composer.set_text(&refused.input);
        }
    }

    fn send_failed(&self) {
        self.append_lines(vec![ChatLine { time: now_hhmm(), entry: Entry::SendFailed }]);
        self.imp().composer.grab_focus();
    }

    /// A desktop notification for a private message or a mention, unless
    /// the window has the focus (`crate::notify` decides and words it).
    fn notify(&self, entry: &Entry) {
        // TODO(rooms): the room the line arrived in, once the window has
        // conversations; every room line is the default room's until then.
        crate::notify::notify_entry(self, entry, natter::protocol::DEFAULT_ROOM);
    }
}
