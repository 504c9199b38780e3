//! `JoinDialog`: "Join a Room", the server's rooms with an entry that both
//! filters them and names a new one.
//!
//! The window opens it, sends `/rooms`, and feeds it the answer through
//! [`JoinDialog::set_rooms`] ([`RoomListing`] collects the answer's lines);
//! the dialog emits `join` with the chosen room, in the server's form, and
//! closes. Typing filters the list; a valid name that is not listed is a
//! new room (the server creates it on `/join`). Up and Down choose a listed
//! room without leaving the entry, Enter joins, Escape cancels; Tab reaches
//! the list, where Enter or a double click joins the row.

mod rooms;

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::{gdk, glib, glib::clone};

use self::rooms::{is_room, matches, read_typed, room_error_text, Typed};
pub use self::rooms::{RoomEntry, RoomListing};
use crate::i18n::{gettext_f, ngettext_f};

mod imp {
    use std::cell::RefCell;
    use std::sync::OnceLock;

    use glib::subclass::Signal;

    use super::*;

    #[derive(Debug, Default, gtk::CompositeTemplate)]
    #[template(file = "join_dialog.ui")]
    pub struct JoinDialog {
        #[template_child]
        pub entry: TemplateChild<gtk::Entry>,
        #[template_child]
        pub hint_label: TemplateChild<gtk::Label>,
        #[template_child]
        pub list_box: TemplateChild<gtk::ListBox>,
        #[template_child]
        pub join_button: TemplateChild<gtk::Button>,
        /// The rooms shown, in the list's order (a row's index is its room's).
        pub rooms: RefCell<Vec<RoomEntry>>,
        /// The list's placeholder: "asking" until the rooms arrive, then "none match".
        pub placeholder: RefCell<Option<gtk::Label>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for JoinDialog {
        const NAME: &'static str = "NatterJoinDialog";
        type Type = super::JoinDialog;
        type ParentType = adw::Window;

        fn class_init(klass: &mut Self::Class) {
            klass.bind_template();
            klass.install_action("join.join", None, |dialog, _, _| {
                if let Some(room) = dialog.target() {
                    dialog.join(room);
                }
            });
            klass.add_binding_action(gdk::Key::Escape, gdk::ModifierType::empty(), "window.close");
        }

        fn instance_init(obj: &glib::subclass::InitializingObject<Self>) {
            obj.init_template();
        }
    }

    impl ObjectImpl for JoinDialog {
        fn signals() -> &'static [Signal] {
            static SIGNALS: OnceLock<Vec<Signal>> = OnceLock::new();
            SIGNALS.get_or_init(|| vec![Signal::builder("join").param_types([String::static_type()]).build()])
        }

        fn constructed(&self) {
            self.parent_constructed();
            self.obj().setup();
        }
    }

    impl WidgetImpl for JoinDialog {}
    impl WindowImpl for JoinDialog {}
    impl AdwWindowImpl for JoinDialog {}
}

glib::wrapper! {
    /// The Join a Room dialog.
    pub struct JoinDialog(ObjectSubclass<imp::JoinDialog>)
        @extends gtk::Widget, gtk::Window, adw::Window,
        @implements gtk::Buildable, gtk::ConstraintTarget, gtk::Native, gtk::Root,
                    gtk::ShortcutManager;
}

impl JoinDialog {
    /// A dialog over `parent`, showing that it waits for the room list.
    pub fn new(parent: &impl IsA<gtk::Window>) -> Self {
        glib::Object::builder().property("transient-for", parent).build()
    }

    /// Calls `f` with the chosen room when the user joins one.
    pub fn connect_join<F: Fn(&Self, String) + 'static>(&self, f: F) -> glib::SignalHandlerId {
        self.connect_closure("join", false, glib::closure_local!(move |dialog: &Self, room: String| f(dialog, room)))
    }

    /// Shows `rooms` (the server's `/rooms` answer), the fullest first.
    pub fn set_rooms(&self, mut rooms: Vec<RoomEntry>) {
        let imp = self.imp();
        rooms.sort_by(|a, b| b.members.cmp(&a.members).then_with(|| a.room.cmp(&b.room)));
        while let Some(row) = imp.list_box.row_at_index(0) {
            imp.list_box.remove(&row);
        }
        for room in &rooms {
            imp.list_box.append(&room_row(room));
        }
        *imp.rooms.borrow_mut() = rooms;
        if let Some(placeholder) = imp.placeholder.borrow().as_ref() {
            placeholder.set_label(&gettext_f("No room matches. Type a name to start a new room.", &[]));
        }
        self.update();
    }

    /// The entry (for tests and for focusing).
    pub fn entry(&self) -> gtk::Entry {
        self.imp().entry.get()
    }

    /// The listed rooms the filter lets through, in order.
    pub fn visible_rooms(&self) -> Vec<String> {
        let imp = self.imp();
        let rooms = imp.rooms.borrow();
        self.visible_rows()
            .into_iter()
            .filter_map(|row| rooms.get(row.index() as usize))
            .map(|r| r.room.clone())
            .collect()
    }

    /// What Join would join now: the chosen listed room, else the typed one.
    pub fn target(&self) -> Option<String> {
        if let Some(room) = self.selected_room() {
            return Some(room);
        }
        match read_typed(&self.imp().entry.text()) {
            Typed::Room(room) => Some(room),
            _ => None,
        }
    }

    /// The line under the entry: the reason a name is refused, or what
    /// Enter will do.
    pub fn hint(&self) -> String {
        self.imp().hint_label.text().to_string()
    }

    fn setup(&self) {
        let imp = self.imp();
        let placeholder = gtk::Label::builder()
            .label(gettext_f("Asking the server for its rooms…", &[]))
            .wrap(true)
            .justify(gtk::Justification::Center)
            .margin_top(18)
            .margin_bottom(18)
            .margin_start(12)
            .margin_end(12)
            .css_classes(["dim-label"])
            .build();
        imp.list_box.set_placeholder(Some(&placeholder));
        imp.placeholder.replace(Some(placeholder));
        imp.list_box.set_filter_func(clone!(
            #[weak(rename_to = dialog)]
            self,
            #[upgrade_or]
            true,
            move |row| {
                let rooms = dialog.imp().rooms.borrow();
                rooms.get(row.index() as usize).is_none_or(|room| matches(room, &dialog.imp().entry.text()))
            }
        ));
        imp.entry.connect_changed(clone!(
            #[weak(rename_to = dialog)]
            self,
            move |_| dialog.typed_changed()
        ));
        imp.entry.connect_activate(clone!(
            #[weak(rename_to = dialog)]
            self,
            move |_| {
                let _ = WidgetExt::activate_action(&dialog, "join.join", None);
            }
        ));
        // Up and Down pick a listed room while typing goes on in the entry.
        let keys = gtk::EventControllerKey::new();
        keys.connect_key_pressed(clone!(
            #[weak(rename_to = dialog)]
            self,
            #[upgrade_or]
            glib::Propagation::Proceed,
            move |_, key, _, _| match key {
                gdk::Key::Down | gdk::Key::KP_Down => dialog.step(1),
                gdk::Key::Up | gdk::Key::KP_Up => dialog.step(-1),
                _ => glib::Propagation::Proceed,
            }
        ));
        imp.entry.add_controller(keys);
        imp.list_box.connect_row_selected(clone!(
            #[weak(rename_to = dialog)]
            self,
            move |_, _| dialog.update()
        ));
        imp.list_box.connect_row_activated(clone!(
            #[weak(rename_to = dialog)]
            self,
            move |_, row| {
                let room = dialog.imp().rooms.borrow().get(row.index() as usize).map(|r| r.room.clone());
                if let Some(room) = room {
                    dialog.join(room);
                }
            }
        ));
        imp.entry.grab_focus();
        self.update();
    }

    /// The text changed: filter again, and choose the listed room it names
    /// exactly (or none, so a new name is what Enter joins).
    fn typed_changed(&self) {
        let imp = self.imp();
        imp.list_box.invalidate_filter();
        let exact = match read_typed(&imp.entry.text()) {
            Typed::Room(typed) => {
                let rooms = imp.rooms.borrow();
                rooms.iter().position(|r| is_room(r, &typed))
            }
            _ => None,
        };
        match exact.and_then(|i| imp.list_box.row_at_index(i as i32)) {
            Some(row) => imp.list_box.select_row(Some(&row)),
            None => imp.list_box.unselect_all(),
        }
        self.update();
    }

    /// Moves the choice `by` rows among the visible ones; above the first
    /// row is "no choice" (the typed name).
    fn step(&self, by: i32) -> glib::Propagation {
        let imp = self.imp();
        let rows = self.visible_rows();
        let at = imp.list_box.selected_row().and_then(|s| rows.iter().position(|r| *r == s));
        let next = match (at, by > 0) {
            (None, true) => rows.first(),
            (Some(i), true) => rows.get(i + 1).or(rows.get(i)),
            (Some(0), false) | (None, false) => None,
            (Some(i), false) => rows.get(i - 1),
        };
        match next {
            Some(row) => {
                imp.list_box.select_row(Some(row));
                // Keeps the chosen row in view; the focus stays in the entry.
                let adjustment = imp.list_box.adjustment();
                if let (Some(adjustment), Some(bounds)) = (adjustment, row.compute_bounds(&*imp.list_box)) {
                    adjustment.clamp_page(bounds.y() as f64, (bounds.y() + bounds.height()) as f64);
                }
            }
            None => imp.list_box.unselect_all(),
        }
        glib::Propagation::Stop
    }

    fn visible_rows(&self) -> Vec<gtk::ListBoxRow> {
        let list_box = &self.imp().list_box;
        let mut rows = Vec::new();
        let mut i = 0;
        while let Some(row) = list_box.row_at_index(i) {
            if row.is_child_visible() {
                rows.push(row);
            }
            i += 1;
        }
        rows
    }

    /// The selected listed room, if the filter still shows it.
    fn selected_room(&self) -> Option<String> {
        let imp = self.imp();
        let row = imp.list_box.selected_row().filter(|r| r.is_child_visible())?;
        imp.rooms.borrow().get(row.index() as usize).map(|r| r.room.clone())
    }

    /// The hint line and the Join button, from the text and the choice.
    fn update(&self) {
        let imp = self.imp();
        let typed = read_typed(&imp.entry.text());
        let (hint, error) = match (&typed, self.selected_room()) {
            (_, Some(room)) => (gettext_f("Enter joins {room}.", &[("room", &room)]), false),
            (Typed::Room(room), None) => (
                // Translators: {room} is a room name such as #dev.
                gettext_f("{room} is not on the list: joining starts it.", &[("room", room)]),
                false,
            ),
            (Typed::Invalid(why), None) => (room_error_text(why), true),
            (Typed::Nothing, None) => (gettext_f("Type a room name, or choose one from the list.", &[]), false),
        };
        imp.hint_label.set_label(&hint);
        if error {
            imp.hint_label.add_css_class("error");
            imp.hint_label.remove_css_class("dim-label");
            imp.entry.add_css_class("error");
        } else {
            imp.hint_label.remove_css_class("error");
            imp.hint_label.add_css_class("dim-label");
            imp.entry.remove_css_class("error");
        }
        self.action_set_enabled("join.join", self.target().is_some());
    }

    fn join(&self, room: String) {
        self.emit_by_name::<()>("join", &[&room]);
        GtkWindowExt::close(self);
    }
}

/// One room: its name, its topic below, its head count at the end.
fn room_row(room: &RoomEntry) -> adw::ActionRow {
    let row = adw::ActionRow::builder().title(room.room.as_str()).activatable(true).use_markup(false).build();
    if let Some(topic) = &room.topic {
        row.set_subtitle(topic);
        row.set_subtitle_lines(2);
    }
    let count = room.members.to_string();
    let members = gtk::Label::builder()
        .label(ngettext_f("{n} member", "{n} members", room.members.min(u32::MAX as usize) as u32, &[("n", &count)]))
        .css_classes(["dim-label", "numeric"])
        .build();
    row.add_suffix(&members);
    row
}
