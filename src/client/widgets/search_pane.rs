//! Ctrl+F: the search bar over the shown room or private conversation.
//! What is typed goes to the server as `/search #room WORDS` or
//! `/search @bob WORDS` (natterd searches the stored history,
//! Korean inside longer words included); the answer is listed newest
//! first with its day and time, sender, and the words found marked.
//! Choosing a result (a click, or Enter on it) asks the window to show it
//! in the conversation. Escape closes the bar; Down goes from the entry
//! to the results.

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::glib;

use crate::i18n::{gettext_f, ngettext_f};
use crate::model::search::marked;
use crate::model::session::{ChatLine, Entry};
use crate::model::text::escape;
use crate::widgets::{day_text, today};

mod imp {
    use std::cell::RefCell;

    use super::*;

    #[derive(Default, gtk::CompositeTemplate)]
    #[template(file = "search_pane.ui")]
    pub struct SearchPane {
        #[template_child]
        pub search_bar: TemplateChild<gtk::SearchBar>,
        #[template_child]
        pub entry: TemplateChild<gtk::SearchEntry>,
        #[template_child]
        pub status_label: TemplateChild<gtk::Label>,
        #[template_child]
        pub results_scroller: TemplateChild<gtk::ScrolledWindow>,
        #[template_child]
        pub list_box: TemplateChild<gtk::ListBox>,
        /// The id of each result row, in row order.
        pub ids: RefCell<Vec<u64>>,
        /// Called with the words to search for.
        #[allow(clippy::type_complexity)]
        pub searched: RefCell<Option<Box<dyn Fn(String)>>>,
        /// Called with the id of the result chosen.
        #[allow(clippy::type_complexity)]
        pub chosen: RefCell<Option<Box<dyn Fn(u64)>>>,
        /// Called when the bar closes.
        #[allow(clippy::type_complexity)]
        pub closed: RefCell<Option<Box<dyn Fn()>>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for SearchPane {
        const NAME: &'static str = "NatterSearchPane";
        type Type = super::SearchPane;
        type ParentType = adw::Bin;

        fn class_init(klass: &mut Self::Class) {
            klass.bind_template();
        }

        fn instance_init(obj: &glib::subclass::InitializingObject<Self>) {
            obj.init_template();
        }
    }

    impl ObjectImpl for SearchPane {
        fn constructed(&self) {
            self.parent_constructed();
            self.obj().setup();
        }
    }

    impl WidgetImpl for SearchPane {}
    impl BinImpl for SearchPane {}
}

glib::wrapper! {
    /// The search bar and its results.
    pub struct SearchPane(ObjectSubclass<imp::SearchPane>)
        @extends gtk::Widget, adw::Bin,
        @implements gtk::Buildable, gtk::ConstraintTarget;
}

impl SearchPane {
    fn setup(&self) {
        let imp = self.imp();
        imp.search_bar.connect_entry(&*imp.entry);
        let pane = self.downgrade();
        imp.entry.connect_search_changed(move |entry| {
            let Some(pane) = pane.upgrade() else { return };
            let words = entry.text().trim().to_owned();
            if words.is_empty() {
                pane.clear();
            } else if let Some(f) = pane.imp().searched.borrow().as_ref() {
                pane.set_status(&gettext_f("Searching…", &[]));
                f(words);
            }
        });
        let pane = self.downgrade();
        imp.entry.connect_activate(move |_| {
            // Enter in the entry: the newest result.
            if let Some(pane) = pane.upgrade() {
                pane.choose(0);
            }
        });
        let pane = self.downgrade();
        imp.list_box.connect_row_activated(move |_, row| {
            if let (Some(pane), Ok(i)) = (pane.upgrade(), usize::try_from(row.index())) {
                pane.choose(i);
            }
        });
        let keys = gtk::EventControllerKey::new();
        let pane = self.downgrade();
        keys.connect_key_pressed(move |_, key, _, _| {
            let Some(pane) = pane.upgrade() else { return glib::Propagation::Proceed };
            match key {
                gtk::gdk::Key::Escape => {
                    pane.close();
                    glib::Propagation::Stop
                }
                gtk::gdk::Key::Down if pane.entry_has_focus() => match pane.imp().list_box.row_at_index(0) {
                    Some(row) => {
                        row.grab_focus();
                        glib::Propagation::Stop
                    }
                    None => glib::Propagation::Proceed,
                },
                // The row with the focus, which need not be the list's
                // cursor row when the focus came from the entry.
                gtk::gdk::Key::Return | gtk::gdk::Key::KP_Enter | gtk::gdk::Key::space => match pane.focused_result() {
                    Some(i) => {
                        pane.choose(i);
                        glib::Propagation::Stop
                    }
                    None => glib::Propagation::Proceed,
                },
                _ => glib::Propagation::Proceed,
            }
        });
        keys.set_propagation_phase(gtk::PropagationPhase::Capture);
        self.add_controller(keys);
        let pane = self.downgrade();
        imp.search_bar.connect_search_mode_enabled_notify(move |bar| {
            let Some(pane) = pane.upgrade() else { return };
            if !bar.is_search_mode() {
                if let Some(f) = pane.imp().closed.borrow().as_ref() {
                    f();
                }
            }
        });
    }

    /// Opens the bar with the keyboard in its entry (its words selected),
    /// over a room or (`private`) a private conversation.
    pub fn open(&self, private: bool) {
        let imp = self.imp();
        imp.entry.set_placeholder_text(Some(&if private {
            gettext_f("Search this conversation", &[])
        } else {
            gettext_f("Search this room", &[])
        }));
        imp.search_bar.set_search_mode(true);
        imp.entry.grab_focus();
        imp.entry.select_region(0, -1);
    }

    /// Closes the bar (the results stay for the next time).
    pub fn close(&self) {
        self.imp().search_bar.set_search_mode(false);
    }

    /// True while the bar is shown.
    pub fn is_open(&self) -> bool {
        self.imp().search_bar.is_search_mode()
    }

    /// True when the keyboard is in the search entry (its text inside).
    pub fn entry_has_focus(&self) -> bool {
        self.imp().entry.state_flags().contains(gtk::StateFlags::FOCUS_WITHIN)
    }

    /// The search entry.
    pub fn entry(&self) -> gtk::SearchEntry {
        self.imp().entry.get()
    }

    /// Calls `f` with the words to search for, as typed.
    pub fn connect_search<F: Fn(String) + 'static>(&self, f: F) {
        self.imp().searched.replace(Some(Box::new(f)));
    }

    /// Calls `f` with the id of the result chosen.
    pub fn connect_chosen<F: Fn(u64) + 'static>(&self, f: F) {
        self.imp().chosen.replace(Some(Box::new(f)));
    }

    /// Calls `f` when the bar closes.
    pub fn connect_closed<F: Fn() + 'static>(&self, f: F) {
        self.imp().closed.replace(Some(Box::new(f)));
    }

    fn set_status(&self, text: &str) {
        let label = &self.imp().status_label;
        label.set_label(text);
        label.set_visible(!text.is_empty());
    }

    /// Forgets the results.
    pub fn clear(&self) {
        let imp = self.imp();
        while let Some(row) = imp.list_box.row_at_index(0) {
            imp.list_box.remove(&row);
        }
        imp.ids.borrow_mut().clear();
        imp.results_scroller.set_visible(false);
        self.set_status("");
    }

    /// Lists the server's answer (oldest first, as sent) newest first;
    /// `available` false when the server could not search.
    pub fn show_results(&self, hits: Vec<ChatLine>, available: bool) {
        self.clear();
        let imp = self.imp();
        let text = imp.entry.text();
        let words: Vec<&str> = text.split_whitespace().collect();
        if !available {
            self.set_status(&gettext_f("Search is not available right now.", &[]));
            return;
        }
        if hits.is_empty() {
            self.set_status(&gettext_f("No messages found.", &[]));
            return;
        }
        let n = hits.len();
        self.set_status(&ngettext_f(
            "{count} message found",
            "{count} messages found",
            u32::try_from(n).unwrap_or(u32::MAX),
            &[("count", &n.to_string())],
        ));
        let today = today();
        for hit in hits.iter().rev() {
            let Some(id) = hit.id else { continue };
            imp.list_box.append(&result_row(hit, &words, today));
            imp.ids.borrow_mut().push(id);
        }
        imp.results_scroller.set_visible(true);
    }

    /// The index of the result row with the keyboard focus.
    fn focused_result(&self) -> Option<usize> {
        let list = &self.imp().list_box;
        (0..self.imp().ids.borrow().len())
            .find(|&i| i32::try_from(i).ok().and_then(|i| list.row_at_index(i)).is_some_and(|r| r.has_focus()))
    }

    /// Chooses result `i` (newest first).
    pub fn choose(&self, i: usize) {
        let id = self.imp().ids.borrow().get(i).copied();
        if let (Some(id), Some(f)) = (id, self.imp().chosen.borrow().as_ref()) {
            f(id);
        }
    }

    /// The results as read, newest first (for tests).
    pub fn result_texts(&self) -> Vec<String> {
        let mut texts = Vec::new();
        let mut row = self.imp().list_box.first_child();
        while let Some(r) = row {
            texts.push(crate::widgets::label_texts(&r).join(" "));
            row = r.next_sibling();
        }
        texts
    }

    /// The status line (searching, how many found, none found).
    pub fn status(&self) -> String {
        self.imp().status_label.label().into()
    }

    /// The results list, for keyboard checks.
    pub fn results(&self) -> gtk::ListBox {
        self.imp().list_box.get()
    }
}

/// One result: when (day and time), then who said what, the words marked.
fn result_row(hit: &ChatLine, words: &[&str], today: Option<crate::model::day::Day>) -> gtk::ListBoxRow {
    let when = match hit.day {
        Some(day) if Some(day) != today => format!("{} {}", day_text(day), hit.time),
        _ => hit.time.clone(),
    };
    let what = match &hit.entry {
        Entry::Chat { from, text, .. } | Entry::OwnChat { from, text } => {
            format!("<b>{}</b>: {}", escape(from), marked(text, words))
        }
        Entry::PrivateIn { from, text } => format!("<b>{}</b>: {}", escape(from), marked(text, words)),
        Entry::PrivateOut { to, text } => format!("→ <b>{}</b>: {}", escape(to), marked(text, words)),
        Entry::Action { from, text, .. } => format!("* <b>{}</b> {}", escape(from), marked(text, words)),
        Entry::TopicSet { by, topic } => format!("<b>{}</b>: {}", escape(by), marked(topic, words)),
        other => escape(&format!("{other:?}")),
    };
    let time = gtk::Label::builder().label(when).xalign(0.0).css_classes(["caption", "dim-label"]).build();
    let text = gtk::Label::builder()
        .label(what)
        .use_markup(true)
        .xalign(0.0)
        .wrap(true)
        .wrap_mode(gtk::pango::WrapMode::WordChar)
        .build();
    let column = gtk::Box::new(gtk::Orientation::Vertical, 2);
    column.append(&time);
    column.append(&text);
    gtk::ListBoxRow::builder().child(&column).activatable(true).build()
}
