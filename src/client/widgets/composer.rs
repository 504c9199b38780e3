//! Where the user types: an entry and a Send button.
//!
//! Enter or Send activates `composer.send`, which emits `send` with the
//! text. The window writes it and then calls [`Composer::sent`] (clears the
//! entry, records the line for Up/Down) or leaves the text in place when
//! writing failed. While a line is being written the composer is busy, which
//! guards against sending it twice (Fractal's message toolbar does the
//! same). Up/Down walk the input history and Tab completes names; Tab never
//! moves the focus out of a non-empty entry (Ctrl+Tab does), and after a
//! send, by any means, the focus is back in the entry. A line over the
//! protocol's limit is not sent: the reason shows under the entry.

use std::sync::OnceLock;

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::{gdk, glib, glib::clone, glib::subclass::Signal};

use crate::model::completion::Completer;
use crate::model::delivery::too_long;
use crate::model::history::History;
use crate::model::render::too_long_text;

mod imp {
    use std::cell::{Cell, RefCell};

    use super::*;

    #[derive(Debug, Default, gtk::CompositeTemplate)]
    #[template(file = "composer.ui")]
    pub struct Composer {
        #[template_child]
        pub entry: TemplateChild<gtk::Entry>,
        #[template_child]
        pub send_button: TemplateChild<gtk::Button>,
        /// Why the text cannot be sent, under the entry; hidden when it can.
        #[template_child]
        pub note: TemplateChild<gtk::Label>,
        pub history: RefCell<History>,
        pub completer: RefCell<Completer>,
        /// Member names for Tab, and this user's name (left out).
        pub names: RefCell<Vec<String>>,
        pub me: RefCell<String>,
        /// Connected and joined: sending makes sense.
        pub can_send: Cell<bool>,
        /// A line is being written.
        pub busy: Cell<bool>,
        /// Set while the composer itself changes the text.
        pub updating: Cell<bool>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for Composer {
        const NAME: &'static str = "NatterComposer";
        type Type = super::Composer;
        type ParentType = gtk::Box;

        fn class_init(klass: &mut Self::Class) {
            klass.bind_template();
            klass.install_action("composer.send", None, |composer, _, _| composer.request_send());
        }

        fn instance_init(obj: &glib::subclass::InitializingObject<Self>) {
            obj.init_template();
        }
    }

    impl ObjectImpl for Composer {
        fn signals() -> &'static [Signal] {
            static SIGNALS: OnceLock<Vec<Signal>> = OnceLock::new();
            SIGNALS.get_or_init(|| vec![Signal::builder("send").param_types([String::static_type()]).build()])
        }

        fn constructed(&self) {
            self.parent_constructed();
            self.obj().setup();
        }
    }

    impl WidgetImpl for Composer {
        fn grab_focus(&self) -> bool {
            self.entry.grab_focus()
        }
    }

    impl BoxImpl for Composer {}
}

glib::wrapper! {
    /// The message entry with its Send button.
    pub struct Composer(ObjectSubclass<imp::Composer>)
        @extends gtk::Widget, gtk::Box,
        @implements gtk::Buildable, gtk::ConstraintTarget, gtk::Orientable;
}

impl Default for Composer {
    fn default() -> Self {
        Self::new()
    }
}

impl Composer {
    /// A composer that cannot send yet.
    pub fn new() -> Self {
        glib::Object::new()
    }

    fn setup(&self) {
        let imp = self.imp();
        imp.entry.connect_activate(clone!(
            #[weak(rename_to = composer)]
            self,
            move |_| {
                let _ = composer.activate_action("composer.send", None);
            }
        ));
        imp.entry.connect_changed(clone!(
            #[weak(rename_to = composer)]
            self,
            move |_| {
                let imp = composer.imp();
                if !imp.updating.get() {
                    imp.history.borrow_mut().stop_walking();
                    imp.completer.borrow_mut().reset();
                }
                composer.update_action();
            }
        ));

        // Capture phase: the entry's text widget would otherwise take Up,
        // Down and Tab (as cursor and focus keys) first.
        let keys = gtk::EventControllerKey::new();
        keys.set_propagation_phase(gtk::PropagationPhase::Capture);
        keys.connect_key_pressed(clone!(
            #[weak(rename_to = composer)]
            self,
            #[upgrade_or]
            glib::Propagation::Proceed,
            move |_, key, _, modifiers| composer.on_key(key, modifiers)
        ));
        imp.entry.add_controller(keys);
        self.update_action();
    }

    fn on_key(&self, key: gdk::Key, modifiers: gdk::ModifierType) -> glib::Propagation {
        if modifiers.intersects(gdk::ModifierType::CONTROL_MASK | gdk::ModifierType::ALT_MASK) {
            return glib::Propagation::Proceed;
        }
        let handled = match key {
            gdk::Key::Up | gdk::Key::KP_Up => self.history_older(),
            gdk::Key::Down | gdk::Key::KP_Down => self.history_newer(),
            // Tab in a non-empty entry completes or does nothing: moving the
            // focus away would send the next keystrokes nowhere. Ctrl+Tab
            // (or Tab in an empty entry) still leaves the entry.
            gdk::Key::Tab | gdk::Key::KP_Tab if !modifiers.contains(gdk::ModifierType::SHIFT_MASK) => {
                self.complete();
                !self.text().is_empty()
            }
            _ => false,
        };
        if handled {
            glib::Propagation::Stop
        } else {
            glib::Propagation::Proceed
        }
    }

    fn set_text_keep_history(&self, text: &str, cursor: i32) {
        let imp = self.imp();
        imp.updating.set(true);
        imp.entry.set_text(text);
        imp.entry.set_position(cursor);
        imp.updating.set(false);
    }

    /// Up: the previous sent line. Returns false when there is none.
    pub fn history_older(&self) -> bool {
        let current = self.text();
        let older = self.imp().history.borrow_mut().older(&current);
        older.map(|line| self.set_text_keep_history(&line, -1)).is_some()
    }

    /// Down: the next sent line, or the draft. Returns false when not walking.
    pub fn history_newer(&self) -> bool {
        let newer = self.imp().history.borrow_mut().newer();
        newer.map(|line| self.set_text_keep_history(&line, -1)).is_some()
    }

    /// Tab: completes the word at the cursor. Returns false when nothing matches.
    pub fn complete(&self) -> bool {
        let imp = self.imp();
        let text = self.text();
        let cursor = usize::try_from(imp.entry.position()).unwrap_or(0);
        let names = imp.names.borrow();
        let done =
            imp.completer.borrow_mut().complete(&text, cursor, names.iter().map(String::as_str), &imp.me.borrow());
        drop(names);
        match done {
            Some(done) => {
                let cursor = i32::try_from(done.cursor).unwrap_or(-1);
                self.set_text_keep_history(&done.text, cursor);
                true
            }
            None => false,
        }
    }

    fn request_send(&self) {
        let imp = self.imp();
        let text = self.text();
        if !imp.can_send.get() || imp.busy.get() || text.trim().is_empty() || too_long(&text).is_some() {
            return;
        }
        self.emit_by_name::<()>("send", &[&text]);
        // However the send was asked for (Enter, a click, Alt+S), typing
        // goes on in the entry.
        imp.entry.grab_focus_without_selecting();
    }

    fn update_action(&self) {
        let imp = self.imp();
        let text = self.text();
        // A line over the protocol's limit is never sent: it stays here,
        // with the reason under it, until it is short enough.
        let over = too_long(&text);
        match over {
            Some(over) => imp.note.set_label(&too_long_text(&over)),
            None => imp.note.set_label(""),
        }
        imp.note.set_visible(over.is_some());
        let enabled = imp.can_send.get() && !imp.busy.get() && !text.trim().is_empty() && over.is_none();
        self.action_set_enabled("composer.send", enabled);
    }

    /// The reason shown under the entry, if the text cannot be sent.
    pub fn note(&self) -> Option<String> {
        let note = &self.imp().note;
        note.is_visible().then(|| note.label().into())
    }

    /// The text in the entry.
    pub fn text(&self) -> String {
        self.imp().entry.text().into()
    }

    /// Replaces the text (the user's draft is not recorded in the history).
    pub fn set_text(&self, text: &str) {
        self.imp().entry.set_text(text);
        self.imp().entry.set_position(-1);
    }

    /// The Send button, for focus handling and tests.
    pub fn send_button(&self) -> gtk::Button {
        self.imp().send_button.get()
    }

    /// The entry, for focus handling and tests.
    pub fn entry(&self) -> gtk::Entry {
        self.imp().entry.get()
    }

    /// Allows or forbids sending (connected or not). The entry stays
    /// editable either way so a draft can be finished while offline.
    pub fn set_can_send(&self, can_send: bool) {
        self.imp().can_send.set(can_send);
        self.update_action();
    }

    /// True when Enter or Send would send now.
    pub fn can_send(&self) -> bool {
        let imp = self.imp();
        imp.can_send.get() && !imp.busy.get()
    }

    /// Marks a line as being written: no second send, no edits meanwhile.
    pub fn set_busy(&self, busy: bool) {
        let imp = self.imp();
        imp.busy.set(busy);
        imp.entry.set_editable(!busy);
        self.update_action();
    }

    /// The line `text` was written: record it and clear the entry, unless
    /// the user has already typed something else.
    pub fn sent(&self, text: &str) {
        let imp = self.imp();
        imp.history.borrow_mut().push(text);
        if self.text() == text {
            imp.updating.set(true);
            imp.entry.set_text("");
            imp.updating.set(false);
            self.update_action();
        }
    }

    /// The line `text` was refused before it showed: it stays in the
    /// entry, and is recorded for Up/Down like a sent one.
    pub fn refused(&self, text: &str) {
        self.imp().history.borrow_mut().push(text);
    }

    /// Updates the names Tab completes and this user's own name.
    pub fn set_names(&self, names: Vec<String>, me: &str) {
        let imp = self.imp();
        imp.names.replace(names);
        imp.me.replace(me.to_owned());
    }

    /// Connects to `send`, emitted with the text to send.
    pub fn connect_send<F: Fn(&Self, String) + 'static>(&self, f: F) -> glib::SignalHandlerId {
        self.connect_closure(
            "send",
            false,
            glib::closure_local!(move |composer: &Self, text: String| f(composer, text)),
        )
    }
}
