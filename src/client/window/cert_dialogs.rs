//! The window's questions about server certificates.
//!
//! An encrypted connection whose certificate neither the system nor the
//! user trusts ends before anything is sent, with the certificate's
//! fingerprint. The lifecycle model stops there (no retrying) and
//! [`NatterWindow::ask_trust`] shows it and offers "Trust and
//! Connect"; trusting pins it in
//! [`KnownServers`] and
//! joins again, and from then on the pin lets the connection through
//! silently. A pinned server that presents another certificate gets
//! [`NatterWindow::warn_certificate_changed`] instead: a warning with both
//! fingerprints and no button that connects, because that is what an
//! interception looks like.

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::{glib, glib::clone};

use super::NatterWindow;
use crate::connection::cert_verifier::Fingerprint;
use crate::connection::known_servers::KnownServers;
use crate::connection::CloseReason;
use crate::i18n::gettext_f;
use crate::model::address::ServerAddress;
use crate::model::render::join_failure_text;
use crate::widgets::label_texts;

/// The response id of "Trust and Connect".
pub const TRUST: &str = "trust";
/// The response id of "Cancel" (unknown certificate) and "Close" (changed).
pub const CLOSE: &str = "close";

impl NatterWindow {
    /// The certificate question or warning on screen, if any.
    pub fn trust_dialog(&self) -> Option<adw::MessageDialog> {
        self.imp().trust_dialog.borrow().clone()
    }

    /// Everything the certificate dialog says: heading, body, then its
    /// details (for the tests, which check the fingerprints).
    pub fn trust_dialog_text(&self) -> Option<String> {
        let dialog = self.trust_dialog()?;
        let mut texts = vec![dialog.heading().unwrap_or_default().to_string(), dialog.body().to_string()];
        if let Some(extra) = dialog.extra_child() {
            texts.extend(label_texts(&extra));
        }
        Some(texts.join("\n"))
    }

    /// Asks, over the form, whether to trust `fingerprint` for the
    /// session's server (the lifecycle model has already stopped).
    pub(super) fn ask_trust(&self, fingerprint: Fingerprint) {
        let Some(address) = self.imp().lifecycle.borrow().target().map(|t| t.address.clone()) else { return };
        let server = address.to_string();
        let name = self.me().unwrap_or_default();
        let body = gettext_f(
            // Translators: {server} is the address typed, host:port.
            "The certificate of {server} is not signed by an authority this computer trusts, as is usual for a server that made its own. Compare its fingerprint with the one the server’s administrator gave you before you trust it.",
            &[("server", &server)],
        );
        let dialog = self.certificate_dialog(&gettext_f("Trust This Server?", &[]), &body);
        let details = details_box();
        details.append(&fingerprint_block(&gettext_f("SHA-256 Fingerprint", &[]), &fingerprint, false));
        details.append(&note(&gettext_f(
            "Natter will remember this certificate and warn you if the server ever presents another.",
            &[],
        )));
        dialog.set_extra_child(Some(&details));
        dialog.add_responses(&[(CLOSE, &gettext_f("_Cancel", &[])), (TRUST, &gettext_f("_Trust and Connect", &[]))]);
        dialog.set_response_appearance(TRUST, adw::ResponseAppearance::Suggested);
        // Enter must not trust by accident.
        dialog.set_default_response(Some(CLOSE));
        dialog.set_close_response(CLOSE);
        dialog.connect_response(
            None,
            clone!(
                #[weak(rename_to = win)]
                self,
                move |_, response| win.trust_answered(response == TRUST, &address, &name, fingerprint)
            ),
        );
        self.show_certificate_dialog(dialog);
    }

    /// Warns, over the form, that the server's certificate is not the
    /// pinned one. Nothing was sent and nothing connects from here.
    pub(super) fn warn_certificate_changed(&self, pinned: Fingerprint, presented: Fingerprint) {
        let server = self.server();
        let reason = CloseReason::CertificateChanged { pinned, presented };
        self.imp().connect_page.show_error(&join_failure_text(&reason, &server));
        let body = gettext_f(
            "The certificate of {server} is not the one you trusted before. Someone may be intercepting the connection, or the server’s administrator may have replaced the certificate. Natter did not connect and sent nothing.",
            &[("server", &server)],
        );
        let dialog = self.certificate_dialog(&gettext_f("Server Certificate Changed", &[]), &body);
        dialog.add_css_class("certificate-changed");
        let details = details_box();
        let warning = gtk::Image::from_icon_name("dialog-warning-symbolic");
        warning.set_pixel_size(48);
        warning.add_css_class("error");
        details.prepend(&warning);
        details.append(&fingerprint_block(&gettext_f("Trusted Before", &[]), &pinned, false));
        details.append(&fingerprint_block(&gettext_f("Presented Now", &[]), &presented, true));
        let how_to_replace = gettext_f(
            // Translators: {file} is the path of the file that keeps the trusted certificates.
            "Only if the administrator confirms the new fingerprint, delete the line for {server} from {file} and join again.",
            &[("server", &server), ("file", &KnownServers::path().display().to_string())],
        );
        details.append(&note(&how_to_replace));
        dialog.set_extra_child(Some(&details));
        dialog.add_responses(&[(CLOSE, &gettext_f("_Close", &[]))]);
        dialog.set_default_response(Some(CLOSE));
        dialog.set_close_response(CLOSE);
        self.show_certificate_dialog(dialog);
    }

    fn trust_answered(&self, trusted: bool, address: &ServerAddress, name: &str, fingerprint: Fingerprint) {
        let imp = self.imp();
        imp.trust_dialog.take();
        let server = address.to_string();
        if !trusted {
            let reason = CloseReason::Untrusted { fingerprint };
            imp.connect_page.show_error(&join_failure_text(&reason, &server));
            return;
        }
        let path = KnownServers::path();
        if let Err(err) = KnownServers::pin(&path, &server, fingerprint) {
            log::warn!("cannot save {}: {err}", path.display());
            // Without the pin the next attempt would ask again: stop here.
            imp.connect_page.show_error(&gettext_f(
                "Could not remember the certificate in {file}: {error}",
                &[("file", &path.display().to_string()), ("error", &err.to_string())],
            ));
            return;
        }
        self.join(address, name, true);
    }

    fn certificate_dialog(&self, heading: &str, body: &str) -> adw::MessageDialog {
        let dialog = adw::MessageDialog::new(Some(self), Some(heading), Some(body));
        dialog.set_modal(true);
        dialog.set_destroy_with_parent(true);
        dialog
    }

    fn show_certificate_dialog(&self, dialog: adw::MessageDialog) {
        if let Some(old) = self.imp().trust_dialog.replace(Some(dialog.clone())) {
            old.destroy();
        }
        dialog.connect_response(
            None,
            clone!(
                #[weak(rename_to = win)]
                self,
                move |dialog, _| {
                    let imp = win.imp();
                    if imp.trust_dialog.borrow().as_ref() == Some(dialog) {
                        imp.trust_dialog.take();
                    }
                    imp.connect_page.grab_focus();
                }
            ),
        );
        dialog.present();
    }
}

fn details_box() -> gtk::Box {
    gtk::Box::builder().orientation(gtk::Orientation::Vertical).spacing(12).build()
}

/// A caption over a fingerprint in monospace, selectable for copying.
fn fingerprint_block(caption: &str, fingerprint: &Fingerprint, alarming: bool) -> gtk::Box {
    let block = gtk::Box::builder().orientation(gtk::Orientation::Vertical).spacing(4).build();
    let title = gtk::Label::builder().label(caption).build();
    title.add_css_class("caption-heading");
    let value = gtk::Label::builder()
        .label(fingerprint.two_lines())
        .selectable(true)
        .justify(gtk::Justification::Center)
        .tooltip_text(fingerprint.to_string())
        .build();
    value.add_css_class("monospace");
    value.add_css_class("fingerprint");
    if alarming {
        title.add_css_class("error");
        value.add_css_class("error");
    } else {
        title.add_css_class("dim-label");
    }
    block.append(&title);
    block.append(&value);
    block
}

fn note(text: &str) -> gtk::Label {
    let label = gtk::Label::builder()
        .label(text)
        .wrap(true)
        .wrap_mode(gtk::pango::WrapMode::WordChar)
        .justify(gtk::Justification::Center)
        .max_width_chars(40)
        .build();
    label.add_css_class("dim-label");
    label
}
