//! How a burst reaches the screen without stalling the window: lines wait
//! and go into the list in slices ([`ChatView::append`],
//! [`ChatView::flush`]), row widgets are made ahead in idle turns, and rows
//! get their text a few per frame, newest first. Why each step exists, with
//! its measurements: docs/performance.md, "The GTK client under a burst".

use std::time::Instant;

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::{glib, glib::clone};

use super::{
    ChatView, FILL_PER_FRAME, FLUSH_INTERVAL, LINES_PER_TURN, MAX_LINES, ROWS_PER_TURN, SPARE_ROWS, SPARE_SLICE,
};
use crate::model::session::ChatLine;
use crate::widgets::MessageRow;

impl ChatView {
    /// Makes [`SPARE_SLICE`] rows ahead, until there are [`SPARE_ROWS`].
    pub(super) fn make_spare_rows(&self) -> glib::ControlFlow {
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

    /// True when the row being bound at `position` should get its text
    /// now: the user is scrolling (which binds a few rows at a time, and
    /// they must not see blank ones), or it is among the newest lines and
    /// this frame's budget is not spent. The list binds from the top, so the
    /// others wait for [`Self::fill_some`], which goes newest first.
    pub(super) fn fills_now(&self, position: u32) -> bool {
        let imp = self.imp();
        !imp.sticky.get()
            || (position.saturating_add(FILL_PER_FRAME) >= imp.store.n_items() && self.take_fill_budget(1) == 1)
    }

    /// Takes up to `wanted` rows of this frame's [`FILL_PER_FRAME`].
    pub(super) fn take_fill_budget(&self, wanted: u32) -> u32 {
        let imp = self.imp();
        let frame = imp.list_view.frame_clock().map_or(0, |clock| clock.frame_counter());
        let (counted, used) = imp.filled.get();
        let used = if counted == frame { used } else { 0 };
        let granted = wanted.min(FILL_PER_FRAME - used);
        imp.filled.set((frame, used + granted));
        granted
    }

    /// Queues `item`'s row to get its text in a coming frame.
    pub(super) fn fill_later(&self, item: &gtk::ListItem) {
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
    pub(super) fn fill_some(&self) -> glib::ControlFlow {
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
            // The new first row opens with its day.
            self.rebind(0);
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
    pub(super) fn flush_source_fired(&self) {
        self.imp().flush_source.take();
        self.flush();
    }
}
