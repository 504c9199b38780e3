//! The conversation: a recycling list of [`MessageRow`]s that sticks to the
//! newest line.
//!
//! Lines live in a `gio::ListStore` of boxed [`ChatLine`]s and rows are
//! only made for what is on screen, so a burst of thousands of lines costs
//! little. The view follows new lines while it is at the bottom; once the
//! user scrolls up it stays put and a button offers the way back down
//! (Fractal's `is_sticky`).
//!
//! New lines are handed to the list at most every [`FLUSH_INTERVAL`]: a
//! single line shows at once, but during a burst the rows on screen are
//! replaced (and their text laid out again) ten times a second instead of
//! after every batch, which leaves the main loop free for input.

use adw::prelude::*;
use adw::subclass::prelude::*;
use std::time::{Duration, Instant};

use gtk::{gio, glib, glib::clone};

use super::MessageRow;
use crate::model::render::{Palette, DARK, LIGHT};
use crate::model::session::ChatLine;

/// The oldest lines are dropped past this many.
pub const MAX_LINES: u32 = 50_000;

/// Shortest time between two updates of the list.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(100);

/// How close to the end, in pixels, still counts as "at the bottom".
const BOTTOM_SLACK: f64 = 8.0;

mod imp {
    use std::cell::{Cell, RefCell};

    use super::*;

    #[derive(Debug, gtk::CompositeTemplate)]
    #[template(file = "chat_view.ui")]
    pub struct ChatView {
        #[template_child]
        pub scrolled_window: TemplateChild<gtk::ScrolledWindow>,
        #[template_child]
        pub list_view: TemplateChild<gtk::ListView>,
        #[template_child]
        pub jump_revealer: TemplateChild<gtk::Revealer>,
        #[template_child]
        pub jump_button: TemplateChild<gtk::Button>,
        /// The lines, as `glib::BoxedAnyObject`s holding a `ChatLine`.
        pub store: gio::ListStore,
        /// Follow new lines (the user has not scrolled up).
        pub sticky: Cell<bool>,
        /// The last scroll position seen, to tell scrolling up from growth.
        pub last_value: Cell<f64>,
        /// Set while the view scrolls itself.
        pub scrolling: Cell<bool>,
        pub dark: Cell<bool>,
        /// Lines waiting for the next flush into `store`.
        pub pending: RefCell<Vec<ChatLine>>,
        pub flush_source: RefCell<Option<glib::SourceId>>,
        pub last_flush: Cell<Option<Instant>>,
    }

    impl Default for ChatView {
        fn default() -> Self {
            ChatView {
                scrolled_window: Default::default(),
                list_view: Default::default(),
                jump_revealer: Default::default(),
                jump_button: Default::default(),
                store: gio::ListStore::new::<glib::BoxedAnyObject>(),
                sticky: Cell::new(true),
                last_value: Cell::new(0.0),
                scrolling: Cell::new(false),
                dark: Cell::new(false),
                pending: RefCell::new(Vec::new()),
                flush_source: RefCell::new(None),
                last_flush: Cell::new(None),
            }
        }
    }

    #[glib::object_subclass]
    impl ObjectSubclass for ChatView {
        const NAME: &'static str = "NatterChatView";
        type Type = super::ChatView;
        type ParentType = adw::Bin;

        fn class_init(klass: &mut Self::Class) {
            klass.bind_template();
        }

        fn instance_init(obj: &glib::subclass::InitializingObject<Self>) {
            obj.init_template();
        }
    }

    impl ObjectImpl for ChatView {
        fn constructed(&self) {
            self.parent_constructed();
            self.obj().setup();
        }

        fn dispose(&self) {
            if let Some(source) = self.flush_source.take() {
                source.remove();
            }
        }
    }

    impl WidgetImpl for ChatView {}
    impl BinImpl for ChatView {}
}

glib::wrapper! {
    /// The conversation list.
    pub struct ChatView(ObjectSubclass<imp::ChatView>)
        @extends gtk::Widget, adw::Bin,
        @implements gtk::Buildable, gtk::ConstraintTarget;
}

impl Default for ChatView {
    fn default() -> Self {
        Self::new()
    }
}

impl ChatView {
    /// An empty conversation.
    pub fn new() -> Self {
        glib::Object::new()
    }

    fn setup(&self) {
        let imp = self.imp();
        let factory = gtk::SignalListItemFactory::new();
        factory.connect_setup(|_, item| {
            let Some(item) = item.downcast_ref::<gtk::ListItem>() else {
                return;
            };
            item.set_activatable(false);
            item.set_selectable(false);
            item.set_child(Some(&MessageRow::new()));
        });
        factory.connect_bind(clone!(
            #[weak(rename_to = view)]
            self,
            move |_, item| {
                let Some(item) = item.downcast_ref::<gtk::ListItem>() else {
                    return;
                };
                let (Some(row), Some(obj)) =
                    (item.child().and_downcast::<MessageRow>(), item.item().and_downcast::<glib::BoxedAnyObject>())
                else {
                    return;
                };
                row.set_line(&obj.borrow::<ChatLine>(), view.palette());
            }
        ));
        imp.list_view.set_factory(Some(&factory));
        imp.list_view.set_model(Some(&gtk::NoSelection::new(Some(imp.store.clone()))));

        let adj = imp.scrolled_window.vadjustment();
        adj.connect_value_changed(clone!(
            #[weak(rename_to = view)]
            self,
            move |adj| view.on_scrolled(adj)
        ));
        adj.connect_upper_notify(clone!(
            #[weak(rename_to = view)]
            self,
            move |_| view.follow()
        ));
        adj.connect_page_size_notify(clone!(
            #[weak(rename_to = view)]
            self,
            move |_| view.follow()
        ));
        imp.jump_button.connect_clicked(clone!(
            #[weak(rename_to = view)]
            self,
            move |_| view.scroll_to_bottom()
        ));

        let style = adw::StyleManager::default();
        imp.dark.set(style.is_dark());
        style.connect_dark_notify(clone!(
            #[weak(rename_to = view)]
            self,
            move |style| {
                view.imp().dark.set(style.is_dark());
                // Rebind every row so names take the other palette's colours.
                let store = &view.imp().store;
                store.items_changed(0, store.n_items(), store.n_items());
            }
        ));
    }

    fn palette(&self) -> &'static Palette {
        if self.imp().dark.get() {
            &DARK
        } else {
            &LIGHT
        }
    }

    fn at_bottom(adj: &gtk::Adjustment) -> bool {
        adj.value() + adj.page_size() >= adj.upper() - BOTTOM_SLACK
    }

    fn on_scrolled(&self, adj: &gtk::Adjustment) {
        let imp = self.imp();
        let value = adj.value();
        if !imp.scrolling.get() {
            if Self::at_bottom(adj) {
                imp.sticky.set(true);
            } else if value < imp.last_value.get() {
                // Only moving up unsticks: the list re-estimating its
                // height while lines arrive moves the value down, not up.
                imp.sticky.set(false);
            }
        }
        imp.last_value.set(value);
        imp.jump_revealer.set_reveal_child(!imp.sticky.get());
    }

    /// Keeps the newest line in view while sticky.
    fn follow(&self) {
        if self.imp().sticky.get() {
            self.scroll_to_end();
        }
    }

    fn scroll_to_end(&self) {
        let imp = self.imp();
        let adj = imp.scrolled_window.vadjustment();
        imp.scrolling.set(true);
        adj.set_value(adj.upper() - adj.page_size());
        imp.scrolling.set(false);
    }

    /// Jumps to the newest line and follows new lines again.
    pub fn scroll_to_bottom(&self) {
        let imp = self.imp();
        imp.sticky.set(true);
        imp.jump_revealer.set_reveal_child(false);
        self.scroll_to_end();
    }

    /// True while the view follows new lines.
    pub fn is_sticky(&self) -> bool {
        self.imp().sticky.get()
    }

    /// The scrolled window's vertical adjustment.
    pub fn vadjustment(&self) -> gtk::Adjustment {
        self.imp().scrolled_window.vadjustment()
    }

    /// Adds lines at the end: at once if the list was not updated within
    /// [`FLUSH_INTERVAL`], else with the next update.
    pub fn append(&self, lines: Vec<ChatLine>) {
        let imp = self.imp();
        if lines.is_empty() {
            return;
        }
        imp.pending.borrow_mut().extend(lines);
        if imp.flush_source.borrow().is_some() {
            return;
        }
        let since = imp.last_flush.get().map(|t| t.elapsed());
        match since {
            Some(since) if since < FLUSH_INTERVAL => {
                let source = glib::timeout_add_local_once(
                    FLUSH_INTERVAL - since,
                    clone!(
                        #[weak(rename_to = view)]
                        self,
                        move || {
                            view.imp().flush_source.take();
                            view.flush();
                        }
                    ),
                );
                imp.flush_source.replace(Some(source));
            }
            _ => self.flush(),
        }
    }

    /// Moves the waiting lines into the list, in one model change.
    pub fn flush(&self) {
        let imp = self.imp();
        if let Some(source) = imp.flush_source.take() {
            source.remove();
        }
        let lines = std::mem::take(&mut *imp.pending.borrow_mut());
        imp.last_flush.set(Some(Instant::now()));
        if lines.is_empty() {
            return;
        }
        let store = &imp.store;
        let objects: Vec<glib::BoxedAnyObject> = lines.into_iter().map(glib::BoxedAnyObject::new).collect();
        store.extend_from_slice(&objects);
        let excess = store.n_items().saturating_sub(MAX_LINES);
        if excess > 0 {
            store.splice(0, excess, &[] as &[glib::Object]);
        }
    }

    /// Removes every line.
    pub fn clear(&self) {
        self.imp().pending.borrow_mut().clear();
        self.imp().store.remove_all();
        self.scroll_to_bottom();
    }

    /// Number of lines in the list (waiting ones not counted).
    pub fn len(&self) -> u32 {
        self.imp().store.n_items()
    }

    /// True when there are no lines.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A copy of line `i`.
    pub fn line(&self, i: u32) -> Option<ChatLine> {
        let obj = self.imp().store.item(i).and_downcast::<glib::BoxedAnyObject>()?;
        let line = obj.borrow::<ChatLine>().clone();
        Some(line)
    }

    /// Copies of all lines (for tests).
    pub fn lines(&self) -> Vec<ChatLine> {
        (0..self.len()).filter_map(|i| self.line(i)).collect()
    }
}
