//! The window's side of the connection lifecycle: it feeds events to the
//! [`Lifecycle`](crate::model::lifecycle::Lifecycle) model and applies the
//! [`Action`]s that come back.
//!
//! The model (`model/lifecycle.rs`) decides when to connect, retry or stop;
//! this file only opens and drops connections, runs the retry timer and the
//! banner countdown, and switches pages and messages. Server events arrive
//! through [`NatterWindow::open_connection`]'s loop and are routed in
//! `window/conversation.rs`.

use std::time::{Duration, Instant};

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::{glib, glib::clone};
use natter::protocol::account::AccountError;
use natter::protocol::ErrorKind;

use super::{NatterWindow, WindowPage};
use crate::connection::known_servers::KnownServers;
use crate::connection::{Connection, Security};
use crate::i18n::{gettext_f, ngettext_f};
use crate::model::address::ServerAddress;
use crate::model::lifecycle::{Action, Event, Phase};
use crate::model::render::{join_failure_text, refusal_text};
use crate::model::session::{ChatLine, Entry, Session};
use crate::settings::Settings;

/// Most events handled before the window yields to GTK.
pub const BATCH: usize = 250;

/// Longest a closing window waits for its goodbye to be done: a dead
/// server never keeps it on screen longer.
pub const GOODBYE_LIMIT: Duration = Duration::from_secs(1);

impl NatterWindow {
    /// Where the window is with its connection.
    pub fn phase(&self) -> Phase {
        self.imp().lifecycle.borrow().phase()
    }

    /// The name this window chats as, once a join was started.
    pub fn me(&self) -> Option<String> {
        self.imp().session.borrow().as_ref().map(|s| s.me().to_owned())
    }

    /// The server of the last join, as typed (`host:port`).
    pub(super) fn server(&self) -> String {
        self.imp().lifecycle.borrow().target().map(|t| t.address.to_string()).unwrap_or_default()
    }

    /// Joins `address` as `name`, over TLS when `tls`: from the form, or
    /// straight from the command line.
    pub fn join(&self, address: &ServerAddress, name: &str, tls: bool) {
        let imp = self.imp();
        // Read before filling the form, which may clear a keyring password.
        imp.password.replace(imp.connect_page.password());
        imp.registered.set(false);
        imp.pending_password.replace(None);
        imp.connect_page.set_values(&address.to_string(), name);
        imp.connect_page.set_tls(tls);
        imp.connect_page.set_busy(true);
        imp.session.replace(Some(Session::new(name)));
        self.reset_views();
        self.lifecycle(Event::Join { address: address.clone(), tls });
    }

    /// Tries to rejoin now (the Reconnect button, or the timer).
    pub fn reconnect_now(&self) {
        self.lifecycle(Event::Reconnect);
    }

    /// Leaves the chat and goes back to the form. With `say_quit` the
    /// server is told with `/quit` first.
    pub fn leave(&self, say_quit: bool) {
        self.lifecycle(Event::Leave { say_quit });
    }

    /// Ends the connection and any reconnect schedule.
    pub(super) fn hang_up(&self, say_quit: bool) {
        self.lifecycle(Event::HangUp { say_quit });
    }

    /// Closing: once the goodbyes said on hanging up are done (at most
    /// [`GOODBYE_LIMIT`], the main loop turning meanwhile), the window is
    /// destroyed; until then it is hidden, and it keeps the application
    /// (and so the process) alive. False when there is nothing to wait for.
    pub(super) fn go_after_goodbye(&self) -> bool {
        let goodbyes: Vec<_> = self.imp().goodbyes.take().into_iter().filter(|g| !g.is_done()).collect();
        if goodbyes.is_empty() {
            return false;
        }
        self.set_visible(false);
        let win = self.clone();
        glib::spawn_future_local(async move {
            let all = async {
                for goodbye in goodbyes {
                    goodbye.done().await;
                }
            };
            if glib::future_with_timeout(GOODBYE_LIMIT, all).await.is_err() {
                log::warn!("the goodbye took over {GOODBYE_LIMIT:?}; closing anyway");
            }
            win.destroy();
        });
        true
    }

    /// Hands `event` to the model and applies what it decides.
    pub(super) fn lifecycle(&self, event: Event) {
        let actions = self.imp().lifecycle.borrow_mut().handle(event, Instant::now());
        for action in actions {
            self.apply(action);
        }
    }

    fn apply(&self, action: Action) {
        let imp = self.imp();
        match action {
            Action::Phase(phase) => {
                self.action_set_enabled("win.reconnect", phase == Phase::Waiting);
                self.action_set_enabled("win.leave", phase != Phase::Idle);
                imp.composer.set_can_send(phase == Phase::Joined);
                self.action_set_enabled("win.join-room", phase == Phase::Joined);
                self.action_set_enabled("win.account", phase == Phase::Joined);
            }
            Action::Connect { generation } => self.open_connection(generation),
            Action::Disconnect { say_quit } => {
                if let Some(connection) = imp.connection.take() {
                    if say_quit {
                        imp.goodbyes.borrow_mut().push(connection.quit());
                    }
                }
            }
            Action::ForgetMembers => {
                if let Some(session) = imp.session.borrow_mut().as_mut() {
                    session.disconnected();
                }
            }
            Action::ShowDisconnected => {
                let entry = imp.session.borrow_mut().as_mut().map(Session::disconnected);
                if let Some(entry) = entry {
                    self.append_lines(vec![ChatLine::now(entry)]);
                }
            }
            Action::CancelRetry => {
                for source in [imp.retry_source.take(), imp.tick_source.take()].into_iter().flatten() {
                    source.remove();
                }
            }
            Action::RetryIn(delay) => self.retry_in(delay),
            Action::UpdateBanner => self.update_banner(),
            Action::HideBanner => imp.banner_revealer.set_reveal_child(false),
            Action::OpenChat => self.open_chat(),
            Action::Rejoined => {
                self.rejoin_rooms();
                self.update_subtitle();
                imp.composer.grab_focus();
            }
            Action::ShowForm => {
                imp.connect_page.set_busy(false);
                // The password may have been registered or changed meanwhile.
                imp.connect_page.refresh_password();
                self.update_members();
                self.show_page(WindowPage::Connect);
            }
            Action::ShowRefusal(refusal) => {
                let kind = refusal.kind();
                imp.connect_page.set_busy(false);
                imp.connect_page.show_error(&refusal_text(&kind));
                match kind {
                    ErrorKind::NameTaken(_) | ErrorKind::NameTooSimilar(_) => imp.connect_page.focus_name(),
                    ErrorKind::Account(AccountError::NeedsLogin(_) | AccountError::WrongPassword(_)) => {
                        imp.connect_page.focus_password()
                    }
                    _ => {}
                }
            }
            Action::AppendError(error) => {
                self.append_lines(vec![ChatLine::now(Entry::Error(error))]);
            }
            Action::ShowJoinFailure(reason) => {
                imp.connect_page.set_busy(false);
                imp.connect_page.show_error(&join_failure_text(&reason, &self.server()));
            }
            Action::AskTrust(fingerprint) => self.ask_trust(fingerprint),
            Action::WarnCertificateChanged { pinned, presented } => self.warn_certificate_changed(pinned, presented),
        }
    }

    /// Connects to the model's target as the session's name. Events are
    /// drained in batches of [`BATCH`]: each batch is parsed and handed to
    /// the conversation at once, and after a full batch the loop yields to
    /// the main loop at idle priority so GTK can draw and take input before
    /// the next one. With `ChatView::append` updating its list at most ten
    /// times a second, this keeps the window responsive when thousands of
    /// lines arrive at once.
    fn open_connection(&self, generation: u64) {
        let imp = self.imp();
        let Some(name) = self.me() else { return };
        let Some(target) = imp.lifecycle.borrow().target().cloned() else { return };
        let security = if target.tls { Security::Tls { known_servers: KnownServers::path() } } else { Security::Plain };
        let (connection, events) = Connection::open(target.address, self.first_line(&name), security);
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
                if win.imp().lifecycle.borrow().generation() != generation {
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

    /// The first welcome: a fresh conversation, and the form remembered.
    fn open_chat(&self) {
        let imp = self.imp();
        // The views are fresh (`join`), and may hold the default room's
        // history, replayed before the welcome.
        self.rejoin_rooms();
        imp.connect_page.set_busy(false);
        let tls = imp.lifecycle.borrow().target().is_some_and(|t| t.tls);
        let settings = Settings { server: self.server(), name: self.me().unwrap_or_default(), tls };
        if let Err(err) = settings.save() {
            log::warn!("cannot save the settings: {err}");
        }
        self.show_page(WindowPage::Chat);
        self.update_subtitle();
    }

    fn retry_in(&self, delay: Duration) {
        let imp = self.imp();
        let retry = glib::timeout_add_local_once(
            delay,
            clone!(
                #[weak(rename_to = win)]
                self,
                move || {
                    // Fired: nothing left to cancel.
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
        let seconds = imp.lifecycle.borrow().retry_seconds(Instant::now());
        let text = match seconds {
            Some(secs) => ngettext_f(
                "Server disconnected. Reconnecting in {seconds} second…",
                "Server disconnected. Reconnecting in {seconds} seconds…",
                secs,
                &[("seconds", &secs.to_string())],
            ),
            None => gettext_f("Server disconnected. Reconnecting…", &[]),
        };
        imp.banner_label.set_label(&text);
    }
}
