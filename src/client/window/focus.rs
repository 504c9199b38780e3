//! Keyboard focus in the chat window: typing never goes nowhere.
//!
//! The conversation is one Tab stop: without this, Tab walks through every
//! line on screen (each list row, and its selectable label, takes the
//! focus), some twenty presses before the entry comes back. The member
//! list likewise (one stop per person otherwise); arrows still move inside. Escape brings
//! the focus back to the entry from anywhere in the window, closing the
//! member list or the room sidebar on the way when it lies over the
//! conversation.

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::{gdk, glib, glib::clone};

use super::{NatterWindow, WindowPage};

impl NatterWindow {
    /// Tab and Shift+Tab inside the conversation, or the member list,
    /// leave it at once.
    pub(super) fn setup_focus_keys(&self) {
        let imp = self.imp();
        self.one_tab_stop(imp.sidebar.upcast_ref());
        self.one_tab_stop(imp.member_list.upcast_ref());
    }

    pub(super) fn one_tab_stop(&self, area: &gtk::Widget) {
        let keys = gtk::EventControllerKey::new();
        // Capture: before the list and its rows take Tab for themselves.
        keys.set_propagation_phase(gtk::PropagationPhase::Capture);
        keys.connect_key_pressed(clone!(
            #[weak(rename_to = win)]
            self,
            #[weak]
            area,
            #[upgrade_or]
            glib::Propagation::Proceed,
            move |_, key, _, modifiers| {
                let direction = match key {
                    gdk::Key::Tab | gdk::Key::KP_Tab if !modifiers.contains(gdk::ModifierType::SHIFT_MASK) => {
                        gtk::DirectionType::TabForward
                    }
                    gdk::Key::Tab | gdk::Key::KP_Tab | gdk::Key::ISO_Left_Tab => gtk::DirectionType::TabBackward,
                    _ => return glib::Propagation::Proceed,
                };
                win.focus_past(&area, direction);
                glib::Propagation::Stop
            }
        ));
        area.add_controller(keys);
    }

    /// Moves the focus to the next (or previous) stop outside `area`:
    /// while it cannot take the focus, GTK's own focus chain skips all of it.
    fn focus_past(&self, area: &gtk::Widget, direction: gtk::DirectionType) {
        area.set_can_focus(false);
        if !self.child_focus(direction) {
            // Past the last stop: start over from the other end, as GTK does.
            gtk::prelude::GtkWindowExt::set_focus(self, None::<&gtk::Widget>);
            self.child_focus(direction);
        }
        area.set_can_focus(true);
    }

    /// Escape: back to the entry from anywhere in the chat, closing the
    /// member list when it covers the conversation.
    pub(super) fn escape_to_entry(&self) -> glib::Propagation {
        let imp = self.imp();
        if self.page() != WindowPage::Chat {
            return glib::Propagation::Proceed;
        }
        for flap in [&imp.flap, &imp.sidebar_flap] {
            if flap.is_folded() && flap.reveals_flap() {
                flap.set_reveal_flap(false);
            }
        }
        imp.composer.grab_focus();
        glib::Propagation::Stop
    }
}
