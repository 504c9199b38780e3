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
//!
//! Following goes through the list (`list.scroll-to-item`), not the
//! adjustment: the list then keeps the newest row at the bottom however
//! tall its rows turn out. Setting the adjustment from its own `upper`
//! notification, while the list is allocating, scrolled the bar but not the
//! rows, so after a burst the view showed its first lines.
//!
//! `GtkListView` keeps 200 rows bound around where it is, and a burst
//! replaces all of them at each update. Laying out a wrapped line takes
//! Pango about a millisecond here, so 200 of them in one frame stalled the
//! window for 100–250 ms. While following, at most [`FILL_PER_FRAME`] rows
//! get their text per frame, newest first; the others wait with an empty
//! text, which costs nothing to lay out. Rows the user scrolls to are
//! filled at once.
//!
//! The list makes a row widget for each of about 200 lines the first time
//! it fills, 0.1–0.3 ms each; in one turn that was most of what was left of
//! a burst's longest stall. The view makes them ahead instead, a few per
//! idle turn after it is created ([`SPARE_ROWS`]), and the list takes those.
//!
//! One update moves at most [`LINES_PER_TURN`] lines into the list and
//! leaves the rest for the next turns (input and timers go in between):
//! boxing and inserting thousands of lines in one turn stalled the window. While the list is still short
//! the bound is [`ROWS_PER_TURN`], because then each new line also makes a
//! list row (the first update of a burst made 200 of them in one turn,
//! 20–60 ms).
//!
//! The list keeps the newest [`MAX_LINES`]: a long session stays bounded in
//! memory, and only lines far older than anyone scrolls back to go.

use adw::prelude::*;
use adw::subclass::prelude::*;
use std::time::{Duration, Instant};

use gtk::{gio, glib, glib::clone};

use super::MessageRow;

mod follow;
use crate::model::render::{Palette, DARK, LIGHT};
use crate::model::session::ChatLine;

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

    /// Makes [`SPARE_SLICE`] rows ahead, until there are [`SPARE_ROWS`].
    fn make_spare_rows(&self) -> glib::ControlFlow {
        let imp = self.imp();
        let mut spare = imp.spare_rows.borrow_mut();
        let n = SPARE_SLICE.min(SPARE_ROWS.saturating_sub(spare.len()));
        spare.extend((0..n).map(|_| MessageRow::new()));
        if spare.len() < SPARE_ROWS {
            return glib::ControlFlow::Continue;
        }
        imp.spare_source.take();
        glib::ControlFlow::Break
    }

    fn palette(&self) -> &'static Palette {
        if self.imp().dark.get() {
            &DARK
        } else {
            &LIGHT
        }
    }

    /// True when the row being bound at `position` should get its text
    /// now: the user is scrolling (which binds a few rows at a time, and
    /// they must not see blank ones), or it is among the newest lines and
    /// this frame's budget is not spent. The list binds from the top, so the
    /// others wait for [`Self::fill_some`], which goes newest first.
    fn fills_now(&self, position: u32) -> bool {
        let imp = self.imp();
        !imp.sticky.get()
            || (position.saturating_add(FILL_PER_FRAME) >= imp.store.n_items() && self.take_fill_budget(1) == 1)
    }

    /// Takes up to `wanted` rows of this frame's [`FILL_PER_FRAME`].
    fn take_fill_budget(&self, wanted: u32) -> u32 {
        let imp = self.imp();
        let frame = imp.list_view.frame_clock().map_or(0, |clock| clock.frame_counter());
        let (counted, used) = imp.filled.get();
        let used = if counted == frame { used } else { 0 };
        let granted = wanted.min(FILL_PER_FRAME - used);
        imp.filled.set((frame, used + granted));
        granted
    }

    /// Queues `item`'s row to get its text in a coming frame.
    fn fill_later(&self, item: &gtk::ListItem) {
        let imp = self.imp();
        imp.unfilled.borrow_mut().push(item.downgrade());
        if imp.fill_tick.borrow().is_some() {
            return;
        }
        let tick = imp.list_view.add_tick_callback(clone!(
            #[weak(rename_to = view)]
            self,
            #[upgrade_or]
            glib::ControlFlow::Break,
            move |_, _| view.fill_some()
        ));
        imp.fill_tick.replace(Some(tick));
    }

    /// Gives up to [`FILL_PER_FRAME`] waiting rows their text, newest first.
    /// Runs before the frame's layout, so they are drawn filled.
    fn fill_some(&self) -> glib::ControlFlow {
        let imp = self.imp();
        let mut waiting: Vec<(u32, gtk::ListItem, MessageRow)> = imp
            .unfilled
            .take()
            .into_iter()
            .filter_map(|weak| {
                let item = weak.upgrade()?;
                // Rebound since, or filled on the way: nothing to do.
                let row = item.child().and_downcast::<MessageRow>().filter(MessageRow::is_pending)?;
                Some((item.position(), item, row))
            })
            .collect();
        waiting.sort_unstable_by_key(|(position, _, _)| std::cmp::Reverse(*position));
        let budget = self.take_fill_budget(waiting.len() as u32) as usize;
        let rest = waiting.split_off(budget);
        for (_, item, row) in waiting {
            if let Some(obj) = item.item().and_downcast::<glib::BoxedAnyObject>() {
                row.set_line(&obj.borrow::<ChatLine>(), self.palette());
            }
        }
        if rest.is_empty() {
            imp.fill_tick.take();
            return glib::ControlFlow::Break;
        }
        imp.unfilled.replace(rest.into_iter().map(|(_, item, _)| item.downgrade()).collect());
        glib::ControlFlow::Continue
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
                        move || view.flush_source_fired()
                    ),
                );
                imp.flush_source.replace(Some(source));
            }
            _ => self.flush(),
        }
    }

    /// Moves waiting lines into the list: at most [`LINES_PER_TURN`] (or
    /// [`ROWS_PER_TURN`] while the list is still making its rows) in one
    /// model change, the rest in the following idle turns.
    pub fn flush(&self) {
        let imp = self.imp();
        if let Some(source) = imp.flush_source.take() {
            source.remove();
        }
        imp.last_flush.set(Some(Instant::now()));
        let cap = MAX_LINES as usize;
        let store = &imp.store;
        let n = store.n_items();
        let (objects, more): (Vec<glib::BoxedAnyObject>, bool) = {
            let pending = &mut *imp.pending.borrow_mut();
            // Lines past the cap would be dropped again at once.
            if pending.len() > cap {
                pending.drain(..pending.len() - cap);
            }
            let chunk = if (n as usize) < SPARE_ROWS { ROWS_PER_TURN } else { LINES_PER_TURN };
            let chunk = chunk.min(pending.len());
            let objects = pending.drain(..chunk).map(glib::BoxedAnyObject::new).collect();
            (objects, !pending.is_empty())
        };
        if objects.is_empty() {
            return;
        }
        // A chunk is smaller than the cap, so only old lines ever go.
        store.extend_from_slice(&objects);
        let excess = (n as usize + objects.len()).saturating_sub(cap) as u32;
        if excess > 0 {
            store.splice(0, excess, &[] as &[glib::Object]);
        }
        self.follow();
        if more {
            // After input and timers, before layout and drawing: a frame
            // between chunks would only hold the rest back.
            let source = glib::idle_add_local_full(
                glib::Priority::HIGH_IDLE,
                clone!(
                    #[weak(rename_to = view)]
                    self,
                    #[upgrade_or]
                    glib::ControlFlow::Break,
                    move || {
                        view.flush_source_fired();
                        glib::ControlFlow::Break
                    }
                ),
            );
            imp.flush_source.replace(Some(source));
        }
    }

    /// The scheduled flush runs: its source is done, so `flush` must not
    /// remove it again.
    fn flush_source_fired(&self) {
        self.imp().flush_source.take();
        self.flush();
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
