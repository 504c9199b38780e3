//! The window's side of accounts: the first line with the password, the
//! keyring kept in step with the server's answers, and the account dialog.
//!
//! The password of the name in use lives in the window only while it
//! chats (it logs in again on every reconnect), and in the desktop keyring
//! ([`crate::keyring`]) once the server accepted it: after `logged in as`,
//! `registered` or `password changed`; `no longer registered` removes it.
//! A password typed in a `/register` or `/password` line waits in
//! `pending_password` for the server's answer.

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::{glib, glib::clone};

use super::NatterWindow;
use crate::i18n::gettext_f;
use crate::keyring;
use crate::model::account::AccountRequest;
use crate::model::lifecycle::Phase;
use crate::model::session::{AccountNews, ChatLine, Entry, ServerError};
use crate::widgets::AccountDialog;

impl NatterWindow {
    /// The first line for `name`: `NAME PASSWORD` when there is a password.
    pub(super) fn first_line(&self, name: &str) -> String {
        match self.imp().password.borrow().as_deref() {
            Some(password) => format!("{name} {password}"),
            None => name.to_owned(),
        }
    }

    /// True when logged in to a registered name.
    pub fn is_registered(&self) -> bool {
        self.imp().registered.get()
    }

    /// An account answer from the server.
    pub(super) fn account_news(&self, news: AccountNews) {
        let imp = self.imp();
        let message = match news {
            AccountNews::LoggedIn => None,
            AccountNews::Registered => {
                imp.password.replace(imp.pending_password.take());
                Some(gettext_f("Name registered.", &[]))
            }
            AccountNews::PasswordChanged => {
                imp.password.replace(imp.pending_password.take());
                // The form's copy is out of date; the keyring's is not.
                imp.connect_page.set_password("");
                Some(gettext_f("Password changed.", &[]))
            }
            AccountNews::Unregistered => {
                imp.password.replace(None);
                imp.connect_page.set_password("");
                imp.pending_password.replace(None);
                Some(gettext_f("Name unregistered.", &[]))
            }
        };
        let registered = news != AccountNews::Unregistered;
        imp.registered.set(registered);
        self.keep_password(registered);
        if let Some(dialog) = self.account_dialog() {
            dialog.set_state(&self.me().unwrap_or_default(), registered);
            if let Some(message) = message {
                dialog.done(&message);
            }
        }
    }

    /// Stores the password in use in the keyring (or forgets it) for this
    /// server and name, in the background.
    fn keep_password(&self, keep: bool) {
        let server = self.server();
        let Some(name) = self.me() else { return };
        let password = self.imp().password.borrow().clone();
        glib::spawn_future_local(async move {
            let result = match password.filter(|_| keep) {
                Some(password) => keyring::store(&server, &name, &password).await,
                None => keyring::clear(&server, &name).await,
            };
            if let Err(err) = result {
                log::warn!("cannot update the keyring: {err}");
            }
        });
    }

    /// An account error while chatting: the open account dialog says it too.
    pub(super) fn account_error(&self, error: &ServerError) {
        self.imp().pending_password.replace(None);
        if let Some(dialog) = self.account_dialog() {
            dialog.show_error(&crate::model::render::error_text(&error.kind()));
        }
    }

    /// The account dialog, while it is open.
    pub fn account_dialog(&self) -> Option<AccountDialog> {
        self.imp().account_dialog.borrow().upgrade()
    }

    /// Opens the account dialog (the main menu's "Account").
    pub fn open_account_dialog(&self) {
        if let Some(dialog) = self.account_dialog() {
            dialog.present();
            return;
        }
        let dialog = AccountDialog::new(self, &self.me().unwrap_or_default(), self.is_registered());
        dialog.connect_request(clone!(
            #[weak(rename_to = win)]
            self,
            move |_, request| win.send_account_request(request)
        ));
        self.imp().account_dialog.replace(dialog.downgrade());
        dialog.present();
        dialog.focus_first();
    }

    /// Sends what the account dialog asks, with no echo and nothing in the
    /// input history; the answer comes back as news or an error.
    fn send_account_request(&self, request: &AccountRequest) {
        let imp = self.imp();
        let sender = match (self.phase(), imp.connection.borrow().as_ref()) {
            (Phase::Joined, Some(connection)) => connection.sender(),
            _ => {
                if let Some(dialog) = self.account_dialog() {
                    dialog.show_error(&gettext_f("Not connected. Try again once the chat is back.", &[]));
                }
                return;
            }
        };
        imp.pending_password.replace(request.new_password().map(str::to_owned));
        let line = request.line();
        glib::spawn_future_local(clone!(
            #[weak(rename_to = win)]
            self,
            async move {
                if sender.send(line).await.is_err() {
                    win.imp().pending_password.replace(None);
                    win.append_lines(vec![ChatLine::now(Entry::SendFailed)]);
                }
            }
        ));
    }
}
