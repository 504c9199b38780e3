//! Account passwords in the desktop keyring (the Secret Service, through
//! libsecret), one per server and name. Never in the settings file.
//!
//! Every call is libsecret's async form, run on the GLib main context: a
//! locked, slow or missing keyring never blocks the window. Without a
//! Secret Service (no session bus) lookups find nothing and saving fails
//! with a logged warning; joining still works with a typed password.

use std::collections::HashMap;

use gtk::glib;
use libsecret::{Schema, SchemaAttributeType, SchemaFlags};

/// The schema of Natter's items: `server` (`host:port`) and `name`.
fn schema() -> Schema {
    let attributes = HashMap::from([("server", SchemaAttributeType::String), ("name", SchemaAttributeType::String)]);
    // One schema name for every build profile: a devel build finds the
    // passwords a release build kept.
    Schema::new("io.github.natter.Natter.Account", SchemaFlags::NONE, attributes)
}

/// The item's attributes; names are compared as the server folds them.
fn attributes<'a>(server: &'a str, folded_name: &'a str) -> HashMap<&'a str, &'a str> {
    HashMap::from([("server", server), ("name", folded_name)])
}

/// The password stored for `name` on `server`, if any.
pub async fn lookup(server: &str, name: &str) -> Option<String> {
    let folded = natter::protocol::fold_name(name);
    match libsecret::password_lookup_future(Some(&schema()), attributes(server, &folded)).await {
        Ok(password) => password.map(Into::into),
        Err(err) => {
            log::info!("no keyring to read a password from: {err}");
            None
        }
    }
}

/// Keeps `password` for `name` on `server`, replacing any earlier one.
pub async fn store(server: &str, name: &str, password: &str) -> Result<(), glib::Error> {
    let folded = natter::protocol::fold_name(name);
    // Translators: the label of the keyring item, as a password manager lists it.
    let label = crate::i18n::gettext_f("Natter password for {name} on {server}", &[("name", name), ("server", server)]);
    libsecret::password_store_future(
        Some(&schema()),
        attributes(server, &folded),
        Some(libsecret::COLLECTION_DEFAULT.as_str()),
        &label,
        password,
    )
    .await
}

/// Forgets the password for `name` on `server`.
pub async fn clear(server: &str, name: &str) -> Result<(), glib::Error> {
    let folded = natter::protocol::fold_name(name);
    libsecret::password_clear_future(Some(&schema()), attributes(server, &folded)).await
}

/// Lets go of the Secret Service connection, before the process ends
/// (else its proxy is torn down after GLib's types, with warnings).
pub fn disconnect() {
    libsecret::Service::disconnect();
}
