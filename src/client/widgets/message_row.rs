//! One line of the conversation: the time, then the rendered text.
//!
//! Rows are recycled by the chat view's list, so [`MessageRow::set_line`]
//! replaces everything a previous line may have set, style class included.
//!
//! The row lays out its two labels itself instead of being a `GtkBox`. A
//! box asks a wrapping label for its minimum and natural width before it
//! can ask for its height, and GTK answers both by laying the whole text
//! out again (once a dozen characters wide, once unwrapped). The row takes
//! the width the list gives it anyway, so it only needs the text's height
//! for that width: one Pango layout per new line instead of three, which
//! is most of what a burst of lines costs to lay out.
//!
//! A row that opens a new day carries the day's separator above its line
//! ([`MessageRow::set_day`]), so separators need no rows of their own and
//! follow their line wherever history puts it.
//!
//! A row can also wait with an empty text ([`MessageRow::set_pending`]) so
//! the chat view can spread the text layout of many new rows over frames.

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::glib;

use crate::model::day::Day;
use crate::model::render::{render, Palette, RowKind};
use crate::model::session::ChatLine;
use crate::widgets::day_text;

/// Space between the time and the text, in pixels.
const SPACING: i32 = 12;

/// Width the text asks for at least, in pixels (about a dozen characters).
const TEXT_MIN_WIDTH: i32 = 96;

mod imp {
    use std::cell::Cell;

    use super::*;

    #[derive(Debug, Default, gtk::CompositeTemplate)]
    #[template(file = "message_row.ui")]
    pub struct MessageRow {
        #[template_child]
        pub day_label: TemplateChild<gtk::Label>,
        #[template_child]
        pub time_label: TemplateChild<gtk::Label>,
        #[template_child]
        pub text_label: TemplateChild<gtk::Label>,
        /// The style class currently applied, to remove on rebind.
        pub kind: Cell<Option<RowKind>>,
        /// True while the text waits for [`super::MessageRow::set_line`].
        pub pending: Cell<bool>,
        /// The day whose separator the row shows, if it opens one.
        pub day: Cell<Option<Day>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for MessageRow {
        const NAME: &'static str = "NatterMessageRow";
        type Type = super::MessageRow;
        type ParentType = gtk::Widget;

        fn class_init(klass: &mut Self::Class) {
            klass.bind_template();
        }

        fn instance_init(obj: &glib::subclass::InitializingObject<Self>) {
            obj.init_template();
        }
    }

    impl ObjectImpl for MessageRow {
        fn dispose(&self) {
            while let Some(child) = self.obj().first_child() {
                child.unparent();
            }
        }
    }

    impl WidgetImpl for MessageRow {
        fn request_mode(&self) -> gtk::SizeRequestMode {
            gtk::SizeRequestMode::HeightForWidth
        }

        fn measure(&self, orientation: gtk::Orientation, for_size: i32) -> (i32, i32, i32, i32) {
            let time_width = self.time_label.measure(gtk::Orientation::Horizontal, -1).1;
            if orientation == gtk::Orientation::Horizontal {
                // Never the text's own width: it wraps to whatever it gets.
                let width = time_width + SPACING + TEXT_MIN_WIDTH;
                return (width, width, -1, -1);
            }
            if for_size < 0 {
                // Asked with no width (for the scrolled window's own size):
                // one line will do, and spares laying out the text unwrapped.
                let (line, _, _, _) = self.time_label.measure(gtk::Orientation::Vertical, -1);
                return (line, line, -1, -1);
            }
            let layout = self.layout(for_size, time_width);
            let height = layout.height + self.day_height(for_size);
            (height, height, -1, -1)
        }

        fn size_allocate(&self, width: i32, _height: i32, _baseline: i32) {
            let time_width = self.time_label.measure(gtk::Orientation::Horizontal, -1).1;
            let layout = self.layout(width, time_width);
            let top = self.day_height(width);
            let place = |x: i32, y: i32| {
                Some(gtk::gsk::Transform::new().translate(&gtk::graphene::Point::new(x as f32, (y + top) as f32)))
            };
            if top > 0 {
                let header = gtk::gsk::Transform::new();
                self.day_label.allocate(width, top, -1, Some(header));
            }
            self.time_label.allocate(time_width, layout.time_height, -1, place(0, layout.time_y));
            let text_x = time_width + SPACING;
            self.text_label.allocate(layout.text_width, layout.text_height, -1, place(text_x, layout.text_y));
        }
    }

    /// Where the two labels go in a row of a given width.
    pub struct Layout {
        pub height: i32,
        pub text_width: i32,
        pub text_height: i32,
        pub text_y: i32,
        pub time_height: i32,
        pub time_y: i32,
    }

    impl MessageRow {
        /// The height of the day separator at the top, 0 without one.
        pub fn day_height(&self, width: i32) -> i32 {
            if !self.day_label.is_visible() {
                return 0;
            }
            self.day_label.measure(gtk::Orientation::Vertical, width.max(1)).1
        }

        /// The text's height for the row width, with the (smaller) time
        /// moved down so both first lines share a baseline.
        pub fn layout(&self, width: i32, time_width: i32) -> Layout {
            let text_width = (width - time_width - SPACING).max(TEXT_MIN_WIDTH);
            let (_, text_height, _, text_base) = self.text_label.measure(gtk::Orientation::Vertical, text_width);
            let (_, time_height, _, time_base) = self.time_label.measure(gtk::Orientation::Vertical, -1);
            let (text_base, time_base) = (text_base.max(0), time_base.max(0));
            let text_y = (time_base - text_base).max(0);
            let time_y = text_y + text_base - time_base;
            Layout {
                height: (text_y + text_height).max(time_y + time_height),
                text_width,
                text_height,
                text_y,
                time_height,
                time_y,
            }
        }
    }
}

glib::wrapper! {
    /// One conversation line.
    pub struct MessageRow(ObjectSubclass<imp::MessageRow>)
        @extends gtk::Widget,
        @implements gtk::Buildable, gtk::ConstraintTarget;
}

impl Default for MessageRow {
    fn default() -> Self {
        Self::new()
    }
}

impl MessageRow {
    /// An empty row.
    pub fn new() -> Self {
        glib::Object::new()
    }

    /// Shows `line` with names coloured from `palette`.
    pub fn set_line(&self, line: &ChatLine, palette: &Palette) {
        let imp = self.imp();
        let rendered = render(&line.entry, palette);
        imp.time_label.set_label(&line.time);
        imp.text_label.set_markup(&rendered.markup);
        imp.pending.set(false);
        // Only a change of class costs a restyle; most rows keep theirs.
        let old = imp.kind.replace(Some(rendered.kind));
        if old != Some(rendered.kind) {
            if let Some(old) = old {
                self.remove_css_class(old.css_class());
            }
            self.add_css_class(rendered.kind.css_class());
        }
    }

    /// Opens the row with `day`'s separator, or with none.
    pub fn set_day(&self, day: Option<Day>) {
        let imp = self.imp();
        if imp.day.replace(day) == day {
            return;
        }
        if let Some(day) = day {
            imp.day_label.set_label(&day_text(day));
        }
        imp.day_label.set_visible(day.is_some());
    }

    /// The day separator's text, when the row opens a day.
    pub fn day_separator(&self) -> Option<String> {
        let label = &self.imp().day_label;
        label.is_visible().then(|| label.label().into())
    }

    /// Marks the row as the search result being shown.
    pub fn set_highlighted(&self, highlighted: bool) {
        if highlighted != self.has_css_class("highlighted") {
            if highlighted {
                self.add_css_class("highlighted");
            } else {
                self.remove_css_class("highlighted");
            }
        }
    }

    /// Shows the time of `line` and no text yet: a row the chat view fills
    /// in a later frame. Laying out an empty label costs next to nothing.
    pub fn set_pending(&self, line: &ChatLine) {
        let imp = self.imp();
        imp.time_label.set_label(&line.time);
        imp.text_label.set_text("");
        imp.pending.set(true);
    }

    /// True while the row waits for its text.
    pub fn is_pending(&self) -> bool {
        self.imp().pending.get()
    }

    /// The text as shown, without markup (for tests and accessibility checks).
    pub fn text(&self) -> String {
        self.imp().text_label.text().into()
    }
}
