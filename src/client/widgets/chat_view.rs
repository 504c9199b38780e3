//! The conversation: a recycling list of [`MessageRow`]s that sticks to the
//! newest line. Lines live in a `gio::ListStore` of boxed [`ChatLine`]s and
//! rows are only made for what is on screen; the view follows new lines
//! while it is at the bottom, and once the user scrolls up it stays put and
//! a button offers the way back down (Fractal's `is_sticky`). Bursts are
//! spread over frames and idle turns (`chat_view/burst.rs`) by
//! [`FLUSH_INTERVAL`], [`LINES_PER_TURN`], [`ROWS_PER_TURN`],
//! [`FILL_PER_FRAME`] and [`SPARE_ROWS`], and the list keeps the newest
//! [`MAX_LINES`]; why each exists, with its measurements, is in
//! docs/performance.md ("The GTK client under a burst"). Stored history
//! (lines in id order, older pages at the top, day separators, a search
//! result shown) is `chat_view/history.rs`; local times `chat_view/clock.rs`.

use std::time::{Duration, Instant};

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::{gio, glib, glib::clone};

use super::MessageRow;
use crate::model::render::{Palette, DARK, LIGHT};
use crate::model::session::{ChatLine, Entry};

/// The oldest lines are dropped past this many.
pub const MAX_LINES: u32 = 10_000;

/// Rows given their text per frame while following a burst.
pub const FILL_PER_FRAME: u32 = 12;

/// Rows made ahead for the list, about as many as it keeps bound.
pub const SPARE_ROWS: usize = 210;

/// Rows made ahead per idle turn.
const SPARE_SLICE: usize = 15;

/// Shortest time between two updates of the list.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(100);

/// Most lines moved into the list in one main-loop turn.
pub const LINES_PER_TURN: usize = 2_000;

/// Most lines moved in one turn while the list holds fewer than
/// [`SPARE_ROWS`]: each of those lines also gets a new list row.
pub const ROWS_PER_TURN: usize = 40;

mod burst;
mod clock;
mod follow;
mod history;

pub use clock::{day_text, today};

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
        #[template_child]
        pub loading_revealer: TemplateChild<gtk::Revealer>,
        /// The line shown for a search result, highlighted.
        pub highlighted: Cell<Option<u64>>,
        /// The lines, as `glib::BoxedAnyObject`s holding a `ChatLine`.
        pub store: gio::ListStore,
        /// Follow new lines (the user has not scrolled up).
        pub sticky: Cell<bool>,
        /// The last scroll position seen, to tell scrolling up from growth.
        pub last_value: Cell<f64>,
        pub dark: Cell<bool>,
        /// Lines waiting for the next flush into `store`.
        pub pending: RefCell<Vec<ChatLine>>,
        pub flush_source: RefCell<Option<glib::SourceId>>,
        pub last_flush: Cell<Option<Instant>>,
        /// Bound list items whose row still waits for its text.
        pub unfilled: RefCell<Vec<glib::WeakRef<gtk::ListItem>>>,
        /// Fills waiting rows, a few per frame, while there are any.
        pub fill_tick: RefCell<Option<gtk::TickCallbackId>>,
        /// Rows filled in the frame counted (frame counter, rows).
        pub filled: Cell<(i64, u32)>,
        /// Rows made ahead, for the list's factory to take.
        pub spare_rows: RefCell<Vec<MessageRow>>,
        pub spare_source: RefCell<Option<glib::SourceId>>,
        /// Set while allocating when the newest row has to be asked for
        /// again; done at the end of the frame's layout phase.
        pub refollow: Cell<bool>,
        /// The frame clock's `layout` handler that does it.
        pub layout_handler: RefCell<Option<(gtk::gdk::FrameClock, glib::SignalHandlerId)>>,
    }

    impl Default for ChatView {
        fn default() -> Self {
            ChatView {
                scrolled_window: Default::default(),
                list_view: Default::default(),
                jump_revealer: Default::default(),
                jump_button: Default::default(),
                loading_revealer: Default::default(),
                highlighted: Cell::new(None),
                store: gio::ListStore::new::<glib::BoxedAnyObject>(),
                sticky: Cell::new(true),
                last_value: Cell::new(0.0),
                dark: Cell::new(false),
                pending: RefCell::new(Vec::new()),
                flush_source: RefCell::new(None),
                last_flush: Cell::new(None),
                unfilled: RefCell::new(Vec::new()),
                fill_tick: RefCell::new(None),
                filled: Cell::new((-1, 0)),
                spare_rows: RefCell::new(Vec::new()),
                spare_source: RefCell::new(None),
                refollow: Cell::new(false),
                layout_handler: RefCell::new(None),
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
        fn signals() -> &'static [glib::subclass::Signal] {
            static SIGNALS: std::sync::OnceLock<Vec<glib::subclass::Signal>> = std::sync::OnceLock::new();
            // The user scrolled to the top: time for older lines.
            SIGNALS.get_or_init(|| vec![glib::subclass::Signal::builder("wants-older").build()])
        }

        fn constructed(&self) {
            self.parent_constructed();
            self.obj().setup();
        }

        fn dispose(&self) {
            if let Some(source) = self.flush_source.take() {
                source.remove();
            }
            if let Some(tick) = self.fill_tick.take() {
                tick.remove();
            }
            if let Some(source) = self.spare_source.take() {
                source.remove();
            }
        }
    }

    impl WidgetImpl for ChatView {
        fn realize(&self) {
            self.parent_realize();
            self.obj().watch_layout();
        }

        fn unrealize(&self) {
            if let Some((clock, handler)) = self.layout_handler.take() {
                clock.disconnect(handler);
            }
            self.parent_unrealize();
        }
    }
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
        factory.connect_setup(clone!(
            #[weak(rename_to = view)]
            self,
            move |_, item| {
                let Some(item) = item.downcast_ref::<gtk::ListItem>() else {
                    return;
                };
                item.set_activatable(false);
                item.set_selectable(false);
                let row = view.imp().spare_rows.borrow_mut().pop().unwrap_or_default();
                item.set_child(Some(&row));
            }
        ));
        let spare = glib::idle_add_local(clone!(
            #[weak(rename_to = view)]
            self,
            #[upgrade_or]
            glib::ControlFlow::Break,
            move || view.make_spare_rows()
        ));
        imp.spare_source.replace(Some(spare));
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
                let line = obj.borrow::<ChatLine>();
                row.set_day(view.header_at(item.position()));
                row.set_highlighted(line.id.is_some() && line.id == view.imp().highlighted.get());
                if view.fills_now(item.position()) {
                    row.set_line(&line, view.palette());
                } else {
                    row.set_pending(&line);
                    view.fill_later(item);
                }
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
        adj.connect_changed(clone!(
            #[weak(rename_to = view)]
            self,
            move |adj| view.on_measured(adj)
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

    /// Removes every line.
    pub fn clear(&self) {
        if let Some(source) = self.imp().flush_source.take() {
            source.remove();
        }
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

    /// Calls `f` when the user scrolls to the top (see `chat_view/history.rs`).
    pub fn connect_wants_older<F: Fn(&Self) + 'static>(&self, f: F) -> glib::SignalHandlerId {
        self.connect_local("wants-older", false, move |args| {
            if let Some(view) = args.first().and_then(|v| v.get::<Self>().ok()) {
                f(&view);
            }
            None
        })
    }

    /// A copy of line `i`.
    pub fn line(&self, i: u32) -> Option<ChatLine> {
        let obj = self.imp().store.item(i).and_downcast::<glib::BoxedAnyObject>()?;
        let line = obj.borrow::<ChatLine>().clone();
        Some(line)
    }

    /// Replaces the newest line showing `old` with `new` (a refused line
    /// marked as not delivered). False when no such line is kept.
    pub fn replace_newest(&self, old: &Entry, new: Entry) -> bool {
        let imp = self.imp();
        if let Some(line) = imp.pending.borrow_mut().iter_mut().rev().find(|l| l.entry == *old) {
            line.entry = new;
            return true;
        }
        let store = &imp.store;
        for i in (0..store.n_items()).rev() {
            let Some(obj) = store.item(i).and_downcast::<glib::BoxedAnyObject>() else { continue };
            if obj.borrow::<ChatLine>().entry != *old {
                continue;
            }
            obj.borrow_mut::<ChatLine>().entry = new;
            // Rebinds the row, if one shows it.
            store.items_changed(i, 1, 1);
            return true;
        }
        false
    }

    /// True when one of the newest `n` lines (waiting ones included)
    /// shows `entry`.
    pub fn has_recent(&self, entry: &Entry, n: u32) -> bool {
        let imp = self.imp();
        if imp.pending.borrow().iter().any(|l| l.entry == *entry) {
            return true;
        }
        let len = imp.store.n_items();
        (len.saturating_sub(n)..len).rev().any(|i| self.line(i).is_some_and(|l| l.entry == *entry))
    }

    /// Copies of all lines (for tests).
    pub fn lines(&self) -> Vec<ChatLine> {
        (0..self.len()).filter_map(|i| self.line(i)).collect()
    }
}
