//! The error line forms show under their fields (connect page, account
//! dialog): shown with a message, hidden when cleared, read by tests.

use gtk::prelude::*;

pub fn show(label: &gtk::Label, message: &str) {
    label.set_label(message);
    label.set_visible(true);
}

pub fn clear(label: &gtk::Label) {
    label.set_visible(false);
}

/// The message shown, if any.
pub fn shown(label: &gtk::Label) -> Option<String> {
    label.is_visible().then(|| label.label().into())
}
