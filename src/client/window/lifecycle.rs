//! The window's side of a connection: joining, routing server events to the
//! widgets, sending, and reconnecting with backoff.
//!
//! Events are drained in batches of [`BATCH`]: each batch is parsed and
//! handed to the conversation at once, and after a full batch the loop
//! yields to the main loop at idle priority so GTK can draw and take input
//! before the next one. The conversation itself updates its list at most
//! ten times a second (`ChatView::append`). Together these keep the window
//! responsive when thousands of lines arrive at once.

use std::time::{Duration, Instant};

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::{gio, glib, glib::clone};
use natter::protocol::ErrorKind;

use super::{NatterWindow, WindowPage};
use crate::connection::known_servers::KnownServers;
use crate::connection::{CloseReason, Connection, Security, ServerEvent};
use crate::i18n::{gettext_f, ngettext_f};
use crate::model::render::{join_failure_text, notification, refusal_text};
use crate::model::session::{ChatLine, Entry, ServerError, Session};
use crate::settings::Settings;

/// Most events handled before the window yields to GTK.
pub const BATCH: usize = 250;

/// Where the window is with its connection.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// No connection: the connect form.
    #[default]
    Idle,
    /// First attempt, from the form.
    Joining,
    /// In the chat.
    Joined,
    /// Disconnected, waiting for the next attempt.
    Waiting,
    /// Disconnected, an attempt is under way.
    Rejoining,
}

fn now_hhmm() -> String {
    glib::DateTime::now_local().and_then(|t| t.format("%H:%M")).map(Into::into).unwrap_or_default()
}

impl NatterWindow {
    /// Where the window is with its connection.
    pub fn phase(&self) -> Phase {
        self.imp().phase.get()
    }

    /// The name this window chats as, once a join was started.
    pub fn me(&self) -> Option<String> {
        self.imp().session.borrow().as_ref().map(|s| s.me().to_owned())
    }

    /// Joins `server` (`host:port`) as `name`, over TLS when `tls`: from
    /// the form, or straight from the command line.
    pub fn join(&self, server: &str, name: &str, tls: bool) {
        let imp = self.imp();
        self.hang_up(false);
        imp.connect_page.set_values(server, name);
        imp.connect_page.set_tls(tls);
        imp.connect_page.set_busy(true);
        imp.server.replace(server.to_owned());
        imp.tls.set(tls);
        imp.session.replace(Some(Session::new(name)));
        imp.backoff.borrow_mut().reset();
        self.set_phase(Phase::Joining);
        self.open_connection();
    }

    fn set_phase(&self, phase: Phase) {
        self.imp().phase.set(phase);
        self.action_set_enabled("win.reconnect", phase == Phase::Waiting);
        self.action_set_enabled("win.leave", phase != Phase::Idle);
        self.imp().composer.set_can_send(phase == Phase::Joined);
    }

    fn open_connection(&self) {
        let imp = self.imp();
        let Some(name) = self.me() else { return };
        let generation = imp.generation.get() + 1;
        imp.generation.set(generation);
        let security =
            if imp.tls.get() { Security::Tls { known_servers: KnownServers::path() } } else { Security::Plain };
        let (connection, events) = Connection::open(imp.server.borrow().clone(), name, security);
        imp.connection.replace(Some(connection));

        let weak = self.downgrade();
        glib::spawn_future_local(async move {
            while let Ok(first) = events.recv().await {
                let mut batch = vec![first];
                while batch.len() < BATCH {
                    match events.try_recv() {
                        Ok(event) => batch.push(event),
                        Err(_) => break,
                    }
                }
                let full = batch.len() == BATCH;
                let Some(win) = weak.upgrade() else { break };
                if win.imp().generation.get() != generation {
                    break;
                }
                win.handle_events(batch);
                drop(win);
                if full {
                    // Let GTK lay out, draw and take input before the next batch.
                    glib::timeout_future_with_priority(glib::Priority::DEFAULT_IDLE, Duration::ZERO).await;
                }
            }
        });
    }

    fn handle_events(&self, events: Vec<ServerEvent>) {
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
                        self.refused(refusal);
                        return;
                    }
                    if outcome.welcomed {
                        if imp.phase.get() == Phase::Joining {
                            lines.clear();
                            self.joined_first_time();
                        } else {
                            self.rejoined();
                        }
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
                    self.closed(reason);
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

    fn update_members(&self) {
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

    fn joined_first_time(&self) {
        let imp = self.imp();
        imp.chat_view.clear();
        imp.connect_page.set_busy(false);
        let settings =
            Settings { server: imp.server.borrow().clone(), name: self.me().unwrap_or_default(), tls: imp.tls.get() };
        if let Err(err) = settings.save() {
            log::warn!("cannot save the settings: {err}");
        }
        self.set_phase(Phase::Joined);
        self.update_subtitle();
        self.show_page(WindowPage::Chat);
    }

    fn rejoined(&self) {
        let imp = self.imp();
        imp.backoff.borrow_mut().reset();
        imp.banner_revealer.set_reveal_child(false);
        self.set_phase(Phase::Joined);
        self.update_subtitle();
        imp.composer.grab_focus();
    }

    /// The server answered the name with an error instead of a welcome.
    fn refused(&self, refusal: ServerError) {
        let imp = self.imp();
        match imp.phase.get() {
            Phase::Joining => {
                self.drop_connection();
                self.set_phase(Phase::Idle);
                imp.connect_page.set_busy(false);
                imp.connect_page.show_error(&refusal_text(&refusal.kind()));
                if matches!(refusal.kind(), ErrorKind::NameTaken(_)) {
                    imp.connect_page.focus_name();
                }
            }
            _ => {
                self.append_lines(vec![ChatLine { time: now_hhmm(), entry: Entry::Error(refusal) }]);
                self.drop_connection();
                self.schedule_reconnect();
            }
        }
    }

    /// The connection ended (or never started).
    fn closed(&self, reason: CloseReason) {
        let imp = self.imp();
        imp.connection.replace(None);
        // The user decides about a certificate: no retrying in the meantime.
        match reason {
            CloseReason::Untrusted { fingerprint } => return self.ask_trust(fingerprint),
            CloseReason::CertificateChanged { pinned, presented } => {
                return self.warn_certificate_changed(pinned, presented)
            }
            _ => {}
        }
        match imp.phase.get() {
            Phase::Joining => {
                self.set_phase(Phase::Idle);
                imp.connect_page.set_busy(false);
                imp.connect_page.show_error(&join_failure_text(&reason, &imp.server.borrow()));
            }
            Phase::Joined => {
                let entry = imp.session.borrow_mut().as_mut().map(Session::disconnected);
                if let Some(entry) = entry {
                    self.append_lines(vec![ChatLine { time: now_hhmm(), entry }]);
                }
                self.schedule_reconnect();
            }
            Phase::Rejoining => self.schedule_reconnect(),
            Phase::Idle | Phase::Waiting => {}
        }
    }

    fn drop_connection(&self) {
        let imp = self.imp();
        imp.generation.set(imp.generation.get() + 1);
        imp.connection.replace(None);
    }

    fn cancel_retry(&self) {
        let imp = self.imp();
        for source in [imp.retry_source.take(), imp.tick_source.take()].into_iter().flatten() {
            source.remove();
        }
        imp.retry_at.set(None);
    }

    fn schedule_reconnect(&self) {
        let imp = self.imp();
        self.cancel_retry();
        self.set_phase(Phase::Waiting);
        let delay = imp.backoff.borrow_mut().next_delay();
        imp.retry_at.set(Some(Instant::now() + delay));
        let retry = glib::timeout_add_local_once(
            delay,
            clone!(
                #[weak(rename_to = win)]
                self,
                move || {
                    win.imp().retry_source.take();
                    win.reconnect_now();
                }
            ),
        );
        imp.retry_source.replace(Some(retry));
        let tick = glib::timeout_add_local(
            Duration::from_millis(250),
            clone!(
                #[weak(rename_to = win)]
                self,
                #[upgrade_or]
                glib::ControlFlow::Break,
                move || {
                    win.update_banner();
                    glib::ControlFlow::Continue
                }
            ),
        );
        imp.tick_source.replace(Some(tick));
        self.update_banner();
        imp.banner_revealer.set_reveal_child(true);
    }

    fn update_banner(&self) {
        let imp = self.imp();
        let text = match (imp.phase.get(), imp.retry_at.get()) {
            (Phase::Waiting, Some(at)) => {
                let secs = at.saturating_duration_since(Instant::now()).as_secs_f64().ceil() as u32;
                ngettext_f(
                    "Server disconnected. Reconnecting in {seconds} second…",
                    "Server disconnected. Reconnecting in {seconds} seconds…",
                    secs,
                    &[("seconds", &secs.to_string())],
                )
            }
            _ => gettext_f("Server disconnected. Reconnecting…", &[]),
        };
        imp.banner_label.set_label(&text);
    }

    /// Tries to rejoin now (the Reconnect button, or the timer).
    pub fn reconnect_now(&self) {
        if self.imp().phase.get() != Phase::Waiting {
            return;
        }
        self.cancel_retry();
        self.set_phase(Phase::Rejoining);
        self.update_banner();
        self.open_connection();
    }

    /// Leaves the chat and goes back to the form. With `say_quit` the
    /// server is told with `/quit` first.
    pub fn leave(&self, say_quit: bool) {
        let imp = self.imp();
        self.hang_up(say_quit);
        imp.banner_revealer.set_reveal_child(false);
        imp.connect_page.set_busy(false);
        self.update_members();
        self.show_page(WindowPage::Connect);
    }

    /// Ends the connection and any reconnect schedule.
    pub(super) fn hang_up(&self, say_quit: bool) {
        let imp = self.imp();
        self.cancel_retry();
        imp.generation.set(imp.generation.get() + 1);
        if let Some(connection) = imp.connection.take() {
            if say_quit && imp.phase.get() == Phase::Joined {
                connection.quit();
            }
        }
        if let Some(session) = imp.session.borrow_mut().as_mut() {
            session.disconnected();
        }
        self.set_phase(Phase::Idle);
    }

    /// Sends what the user typed, then shows it locally (the server does
    /// not echo a sender's lines). On failure the text stays in the entry.
    pub fn send_text(&self, text: String) {
        let imp = self.imp();
        let Some(outgoing) = imp.session.borrow().as_ref().and_then(|s| s.prepare(&text)) else {
            return;
        };
        let sender = match (imp.phase.get(), imp.connection.borrow().as_ref()) {
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
                let result = sender.send(outgoing.line).await;
                let composer = win.composer();
                composer.set_busy(false);
                match result {
                    Ok(()) => {
                        composer.sent(&text);
                        if let Some(entry) = outgoing.echo {
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

    fn send_failed(&self) {
        self.append_lines(vec![ChatLine { time: now_hhmm(), entry: Entry::SendFailed }]);
        self.imp().composer.grab_focus();
    }

    /// A desktop notification for a private message or a mention, unless
    /// the window has the focus. Needs a registered application.
    fn notify(&self, entry: &Entry) {
        if self.is_active() {
            return;
        }
        let Some((title, body)) = notification(entry) else {
            return;
        };
        let Some(app) = self.application() else {
            return;
        };
        if !app.is_registered() || app.is_remote() {
            return;
        }
        let note = gio::Notification::new(&title);
        note.set_body(Some(&body));
        app.send_notification(Some("natter-message"), &note);
    }
}
