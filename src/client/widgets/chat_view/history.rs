//! The chat view's stored-history half: lines put in id order wherever
//! they arrive from (`model/backlog.rs` says where), older pages added at
//! the top without moving what the user is reading, the day a row opens
//! (its separator), the "loading" indicator, asking for more at the top,
//! and a search result brought into view and highlighted.

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::glib;

use super::ChatView;
use crate::model::day::Day;
use crate::model::session::{ChatLine, Entry};

/// How near the top, in pixels, asks for older lines.
const TOP_SLACK: f64 = 48.0;

impl ChatView {
    fn store_line(&self, i: u32) -> Option<glib::BoxedAnyObject> {
        self.imp().store.item(i).and_downcast::<glib::BoxedAnyObject>()
    }

    /// The day separator row `position` opens with: its day, when the
    /// line before it was said on another day (or there is none).
    pub(super) fn header_at(&self, position: u32) -> Option<Day> {
        let day = self.store_line(position)?.borrow::<ChatLine>().day?;
        let previous =
            position.checked_sub(1).and_then(|p| self.store_line(p)).and_then(|o| o.borrow::<ChatLine>().day);
        (previous != Some(day)).then_some(day)
    }

    /// Rebinds row `position`, whose separator may have changed with its
    /// neighbour.
    pub(super) fn rebind(&self, position: u32) {
        let store = &self.imp().store;
        if position < store.n_items() {
            store.items_changed(position, 1, 1);
        }
    }

    /// Adds an older page above everything. The list keeps the row the
    /// user is looking at where it is (it anchors to a row, not to a
    /// pixel offset), so the view does not jump.
    pub fn prepend(&self, lines: Vec<ChatLine>) {
        if lines.is_empty() {
            return;
        }
        let n = lines.len() as u32;
        let objects: Vec<glib::BoxedAnyObject> = lines.into_iter().map(glib::BoxedAnyObject::new).collect();
        self.imp().store.splice(0, 0, &objects);
        self.rebind(n);
    }

    /// Puts `line` just before the line with id `next` (a line missed
    /// while disconnected); at the end when there is none.
    pub fn insert_before(&self, line: ChatLine, next: u64) {
        let imp = self.imp();
        {
            let mut pending = imp.pending.borrow_mut();
            if let Some(at) = pending.iter().position(|l| l.id == Some(next)) {
                pending.insert(at, line);
                return;
            }
        }
        match self.position_of(next) {
            Some(at) => {
                imp.store.insert(at, &glib::BoxedAnyObject::new(line));
                self.rebind(at + 1);
            }
            None => self.append(vec![line]),
        }
    }

    /// The server echoed this user's line as stored `line`: the newest
    /// local echo showing the same takes its id and time. False when
    /// there is none (then it is a line of its own).
    pub fn adopt_echo(&self, line: &ChatLine) -> bool {
        let imp = self.imp();
        let same = |l: &ChatLine| l.id.is_none() && l.entry == line.entry;
        if let Some(l) = imp.pending.borrow_mut().iter_mut().rev().find(|l| same(l)) {
            *l = line.clone();
            return true;
        }
        let store = &imp.store;
        // Only the newest lines: an echo follows its line closely.
        for i in (store.n_items().saturating_sub(200)..store.n_items()).rev() {
            let Some(obj) = self.store_line(i) else { continue };
            if !same(&obj.borrow::<ChatLine>()) {
                continue;
            }
            *obj.borrow_mut::<ChatLine>() = line.clone();
            self.rebind(i);
            return true;
        }
        false
    }

    /// Removes the "New messages" divider, if any: a new one is coming.
    pub fn drop_divider(&self) {
        let imp = self.imp();
        imp.pending.borrow_mut().retain(|l| l.entry != Entry::NewMessages);
        let store = &imp.store;
        for i in (0..store.n_items()).rev() {
            if self.store_line(i).is_some_and(|o| o.borrow::<ChatLine>().entry == Entry::NewMessages) {
                store.remove(i);
                self.rebind(i);
                return;
            }
        }
    }

    /// The position of the line with id `id` in the list.
    pub fn position_of(&self, id: u64) -> Option<u32> {
        let store = &self.imp().store;
        (0..store.n_items()).rev().find(|&i| self.store_line(i).is_some_and(|o| o.borrow::<ChatLine>().id == Some(id)))
    }

    /// Shows or hides the "loading earlier messages" indicator.
    pub fn set_loading(&self, loading: bool) {
        self.imp().loading_revealer.set_reveal_child(loading);
    }

    /// True while the loading indicator shows.
    pub fn is_loading(&self) -> bool {
        self.imp().loading_revealer.reveals_child()
    }

    /// Scrolls to the line with id `id` and highlights it (a search
    /// result chosen). False when it is not in the list.
    pub fn show_line(&self, id: u64) -> bool {
        self.flush_all();
        let Some(at) = self.position_of(id) else { return false };
        let imp = self.imp();
        let old = imp.highlighted.replace(Some(id));
        if let Some(old) = old.and_then(|old| self.position_of(old)) {
            self.rebind(old);
        }
        self.rebind(at);
        imp.sticky.set(false);
        imp.jump_revealer.set_reveal_child(true);
        if let Err(err) = imp.list_view.activate_action("list.scroll-to-item", Some(&at.to_variant())) {
            log::warn!("cannot scroll the conversation: {err}");
        }
        true
    }

    /// The id of the highlighted line (the search result shown).
    pub fn highlighted(&self) -> Option<u64> {
        self.imp().highlighted.get()
    }

    /// Moves every waiting line into the list now.
    pub fn flush_all(&self) {
        while !self.imp().pending.borrow().is_empty() {
            self.flush();
        }
    }

    /// Near the top of a list that scrolls: ask for older lines.
    pub(super) fn check_top(&self, adj: &gtk::Adjustment) {
        if adj.upper() > adj.page_size() && adj.value() <= TOP_SLACK && !self.is_loading() {
            self.emit_by_name::<()>("wants-older", &[]);
        }
    }
}
