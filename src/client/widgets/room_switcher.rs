//! `RoomSwitcher`: the Ctrl+K (or Ctrl+J) quick switcher over the open
//! conversations, rooms and private ones alike.
//!
//! The window opens it with [`RoomSwitcher::open`], giving the
//! conversations as [`SwitchItem`]s and a callback for the chosen id; it
//! needs nothing else from the window. Typing filters by name ([`filter`]
//! is GTK-free and unit-tested), Up and Down choose while the focus stays
//! in the search entry, Enter switches, Escape closes.

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::{gdk, glib, glib::clone};
use natter::protocol::fold_name;

use crate::i18n::{gettext_f, ngettext_f};

/// The keys that open the switcher (for the window's shortcut and the
/// shortcuts window).
pub const ACCELS: &[&str] = &["<Control>k", "<Control>j"];

/// One open conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchItem {
    /// What the callback gets back (the window's own key).
    pub id: String,
    /// What the user reads and types: `#room` or a name.
    pub label: String,
    /// Lines not read yet.
    pub unread: u32,
}

/// The items `query` keeps, as indexes into `items`: names that start with
/// it first, then names that contain it, each group in the given order.
/// Case and a leading `#` or `@` do not count.
pub fn filter(items: &[SwitchItem], query: &str) -> Vec<usize> {
    let key = |s: &str| fold_name(s.trim().trim_start_matches(['#', '@']));
    let query = key(query);
    let (mut starts, mut contains) = (Vec::new(), Vec::new());
    for (i, item) in items.iter().enumerate() {
        let label = key(&item.label);
        if label.starts_with(&query) {
            starts.push(i);
        } else if label.contains(&query) {
            contains.push(i);
        }
    }
    starts.extend(contains);
    starts
}

mod imp {
    use std::cell::RefCell;

    use super::*;

    /// Called with the chosen conversation's id.
    pub type Chosen = Box<dyn Fn(String)>;

    #[derive(Default, gtk::CompositeTemplate)]
    #[template(file = "room_switcher.ui")]
    pub struct RoomSwitcher {
        #[template_child]
        pub search: TemplateChild<gtk::SearchEntry>,
        #[template_child]
        pub list_box: TemplateChild<gtk::ListBox>,
        pub items: RefCell<Vec<SwitchItem>>,
        /// The items shown, as indexes into `items`, in the rows' order.
        pub shown: RefCell<Vec<usize>>,
        pub chosen: RefCell<Option<Chosen>>,
    }

    impl std::fmt::Debug for RoomSwitcher {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("RoomSwitcher").field("items", &self.items).finish_non_exhaustive()
        }
    }

    #[glib::object_subclass]
    impl ObjectSubclass for RoomSwitcher {
        const NAME: &'static str = "NatterRoomSwitcher";
        type Type = super::RoomSwitcher;
        type ParentType = adw::Window;

        fn class_init(klass: &mut Self::Class) {
            klass.bind_template();
            klass.add_binding_action(gdk::Key::Escape, gdk::ModifierType::empty(), "window.close");
        }

        fn instance_init(obj: &glib::subclass::InitializingObject<Self>) {
            obj.init_template();
        }
    }

    impl ObjectImpl for RoomSwitcher {
        fn constructed(&self) {
            self.parent_constructed();
            self.obj().setup();
        }
    }

    impl WidgetImpl for RoomSwitcher {}
    impl WindowImpl for RoomSwitcher {}
    impl AdwWindowImpl for RoomSwitcher {}
}

glib::wrapper! {
    /// The quick switcher.
    pub struct RoomSwitcher(ObjectSubclass<imp::RoomSwitcher>)
        @extends gtk::Widget, gtk::Window, adw::Window,
        @implements gtk::Buildable, gtk::ConstraintTarget, gtk::Native, gtk::Root, gtk::ShortcutManager;
}

impl RoomSwitcher {
    /// Shows the switcher over `parent` with `items` (most recent first);
    /// `chosen` gets the id of the conversation the user picks, and the
    /// switcher closes. Escape closes it without a choice.
    pub fn open(
        parent: &impl IsA<gtk::Window>,
        items: Vec<SwitchItem>,
        chosen: impl Fn(String) + 'static,
    ) -> RoomSwitcher {
        let switcher: RoomSwitcher = glib::Object::builder().property("transient-for", parent).build();
        let imp = switcher.imp();
        imp.items.replace(items);
        imp.chosen.replace(Some(Box::new(chosen)));
        switcher.refilter();
        switcher.present();
        imp.search.grab_focus();
        switcher
    }

    /// Makes [`ACCELS`] open the switcher over `window`, listing what
    /// `items` returns at that moment; `chosen` gets each choice. The one
    /// call the window needs.
    pub fn install_shortcut<W: IsA<gtk::Window>>(
        window: &W,
        items: impl Fn() -> Vec<SwitchItem> + 'static,
        chosen: impl Fn(String) + 'static,
    ) {
        let chosen = std::rc::Rc::new(chosen);
        let open = gtk::CallbackAction::new(move |widget, _| {
            let Some(window) = widget.downcast_ref::<gtk::Window>() else {
                return glib::Propagation::Proceed;
            };
            let chosen = chosen.clone();
            RoomSwitcher::open(window, items(), move |id| chosen(id));
            glib::Propagation::Stop
        });
        let trigger = gtk::ShortcutTrigger::parse_string(&ACCELS.join("|"));
        let controller = gtk::ShortcutController::new();
        // Global: it works wherever the focus is in the window, the
        // message entry included.
        controller.set_scope(gtk::ShortcutScope::Global);
        controller.add_shortcut(gtk::Shortcut::new(trigger, Some(open)));
        window.as_ref().add_controller(controller);
    }

    /// The search entry (for tests).
    pub fn search_entry(&self) -> gtk::SearchEntry {
        self.imp().search.get()
    }

    /// The labels shown, in order.
    pub fn shown_labels(&self) -> Vec<String> {
        let imp = self.imp();
        let items = imp.items.borrow();
        imp.shown.borrow().iter().map(|&i| items[i].label.clone()).collect()
    }

    /// The label of the chosen row.
    pub fn selected_label(&self) -> Option<String> {
        let imp = self.imp();
        let row = imp.list_box.selected_row()?;
        let index = *imp.shown.borrow().get(row.index() as usize)?;
        imp.items.borrow().get(index).map(|item| item.label.clone())
    }

    fn setup(&self) {
        let imp = self.imp();
        let none = gtk::Label::builder()
            .label(gettext_f("No open conversation has that name.", &[]))
            .wrap(true)
            .margin_top(12)
            .margin_bottom(12)
            .css_classes(["dim-label"])
            .build();
        imp.list_box.set_placeholder(Some(&none));
        imp.search.connect_search_changed(clone!(
            #[weak(rename_to = switcher)]
            self,
            move |_| switcher.refilter()
        ));
        imp.search.connect_activate(clone!(
            #[weak(rename_to = switcher)]
            self,
            move |_| switcher.choose_selected()
        ));
        // The search entry's own Escape ends a search; here it closes.
        imp.search.connect_stop_search(clone!(
            #[weak(rename_to = switcher)]
            self,
            move |_| GtkWindowExt::close(&switcher)
        ));
        let keys = gtk::EventControllerKey::new();
        keys.connect_key_pressed(clone!(
            #[weak(rename_to = switcher)]
            self,
            #[upgrade_or]
            glib::Propagation::Proceed,
            move |_, key, _, _| match key {
                gdk::Key::Down | gdk::Key::KP_Down => switcher.step(1),
                gdk::Key::Up | gdk::Key::KP_Up => switcher.step(-1),
                _ => glib::Propagation::Proceed,
            }
        ));
        imp.search.add_controller(keys);
        imp.list_box.connect_row_activated(clone!(
            #[weak(rename_to = switcher)]
            self,
            move |list_box, row| {
                list_box.select_row(Some(row));
                switcher.choose_selected();
            }
        ));
    }

    /// Rebuilds the rows for the query, choosing the first.
    fn refilter(&self) {
        let imp = self.imp();
        let shown = filter(&imp.items.borrow(), &imp.search.text());
        while let Some(row) = imp.list_box.row_at_index(0) {
            imp.list_box.remove(&row);
        }
        for &i in &shown {
            imp.list_box.append(&item_row(&imp.items.borrow()[i]));
        }
        imp.shown.replace(shown);
        if let Some(first) = imp.list_box.row_at_index(0) {
            imp.list_box.select_row(Some(&first));
        }
    }

    fn step(&self, by: i32) -> glib::Propagation {
        let list_box = &self.imp().list_box;
        let count = self.imp().shown.borrow().len() as i32;
        if count > 0 {
            let at = list_box.selected_row().map_or(-1, |r| r.index());
            let next = (at + by).clamp(0, count - 1);
            if let Some(row) = list_box.row_at_index(next) {
                list_box.select_row(Some(&row));
                if let (Some(adjustment), Some(bounds)) = (list_box.adjustment(), row.compute_bounds(&**list_box)) {
                    adjustment.clamp_page(bounds.y() as f64, (bounds.y() + bounds.height()) as f64);
                }
            }
        }
        glib::Propagation::Stop
    }

    fn choose_selected(&self) {
        let imp = self.imp();
        let Some(row) = imp.list_box.selected_row() else {
            return;
        };
        let id = imp.shown.borrow().get(row.index() as usize).map(|&i| imp.items.borrow()[i].id.clone());
        let (Some(id), Some(chosen)) = (id, imp.chosen.take()) else {
            return;
        };
        GtkWindowExt::close(self);
        chosen(id);
    }
}

/// A row: the name, and how many lines are unread.
fn item_row(item: &SwitchItem) -> gtk::ListBoxRow {
    let name = gtk::Label::builder().label(item.label.as_str()).xalign(0.0).hexpand(true).build();
    name.set_ellipsize(gtk::pango::EllipsizeMode::End);
    let line = gtk::Box::builder().spacing(12).margin_top(6).margin_bottom(6).build();
    line.append(&name);
    if item.unread > 0 {
        let count = item.unread.to_string();
        let unread = gtk::Label::builder()
            .label(count.as_str())
            .tooltip_text(ngettext_f("{n} unread line", "{n} unread lines", item.unread, &[("n", &count)]))
            .css_classes(["numeric", "accent", "heading"])
            .build();
        line.append(&unread);
    }
    gtk::ListBoxRow::builder().child(&line).build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(labels: &[&str]) -> Vec<SwitchItem> {
        labels.iter().map(|l| SwitchItem { id: format!("id-{l}"), label: (*l).into(), unread: 0 }).collect()
    }

    #[test]
    fn prefix_matches_come_first_in_the_given_order() {
        let list = items(&["#lobby", "bob", "#dev", "#bobs-den", "#Devops", "철수"]);
        assert_eq!(filter(&list, ""), [0, 1, 2, 3, 4, 5]);
        assert_eq!(filter(&list, "dev"), [2, 4]);
        assert_eq!(filter(&list, "#DEV"), [2, 4]);
        assert_eq!(filter(&list, "bob"), [1, 3]);
        assert_eq!(filter(&list, "den"), [3], "a match inside the name counts");
        assert_eq!(filter(&list, "@철"), [5]);
        assert!(filter(&list, "zzz").is_empty());
    }
}
