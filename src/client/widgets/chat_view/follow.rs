//! Following the newest line, and letting go when the user scrolls up
//! (Fractal's `is_sticky`): the chat view's scrolling half.

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::glib;
use gtk::glib::clone;

use super::ChatView;

/// How close to the end, in pixels, still counts as "at the bottom".
const BOTTOM_SLACK: f64 = 8.0;

impl ChatView {
    fn at_bottom(adj: &gtk::Adjustment) -> bool {
        adj.value() + adj.page_size() >= adj.upper() - BOTTOM_SLACK
    }

    pub(super) fn on_scrolled(&self, adj: &gtk::Adjustment) {
        let imp = self.imp();
        let value = adj.value();
        if Self::at_bottom(adj) {
            imp.sticky.set(true);
        } else if value < imp.last_value.get() {
            // Only moving up unsticks: the list re-estimating its height
            // while lines arrive moves the value down, not up.
            imp.sticky.set(false);
        }
        imp.last_value.set(value);
        imp.jump_revealer.set_reveal_child(!imp.sticky.get());
        if !imp.sticky.get() {
            self.check_top(adj);
        }
    }

    /// The list measured its rows and set the adjustment's bounds (this
    /// runs inside its allocation). While following, the newest row is
    /// asked for again once the layout is done, now that its height is
    /// known.
    ///
    /// `list.scroll-to-item` on a row just added finds it with no height
    /// yet. When the row before it ends at the bottom edge, the new row
    /// counts as already in view and the list pins its top to that edge, so
    /// it is laid out just out of sight, behind the entry (every second line
    /// arriving into a full view did that). Asked again with the height
    /// known, the list pins the row's bottom to the bottom edge, or, for a
    /// row taller than the view, its top to the top edge.
    pub(super) fn on_measured(&self, adj: &gtk::Adjustment) {
        if self.imp().sticky.get() && adj.value() + adj.page_size() < adj.upper() - 0.5 {
            self.imp().refollow.set(true);
        }
    }

    /// Connects [`Self::refollow`] after GTK's own `layout` handlers. A new
    /// anchor set from inside the list's allocation waits for whatever lays
    /// the list out next (here, often the next line); set after it, it
    /// queues a layout that GTK runs again in the same frame, so the newest
    /// row is drawn in view at once.
    pub(super) fn watch_layout(&self) {
        let Some(clock) = self.frame_clock() else {
            return;
        };
        let handler = clock.connect_local(
            "layout",
            true,
            clone!(
                #[weak(rename_to = view)]
                self,
                #[upgrade_or]
                None,
                move |_| {
                    view.refollow();
                    None
                }
            ),
        );
        self.imp().layout_handler.replace(Some((clock, handler)));
    }

    pub(super) fn refollow(&self) {
        if self.imp().refollow.take() && self.imp().sticky.get() {
            self.scroll_to_end();
        }
    }

    /// Keeps the newest line in view while sticky.
    pub(super) fn follow(&self) {
        if self.imp().sticky.get() {
            self.scroll_to_end();
        }
    }

    pub(super) fn scroll_to_end(&self) {
        let n = self.imp().store.n_items();
        if n == 0 {
            return;
        }
        // The list anchors the row to the bottom edge and keeps it there.
        if let Err(err) = self.imp().list_view.activate_action("list.scroll-to-item", Some(&(n - 1).to_variant())) {
            log::warn!("cannot scroll the conversation: {err}");
        }
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
}
