//! One line of the conversation: the time, then the rendered text.
//!
//! Rows are recycled by the chat view's list, so [`MessageRow::set_line`]
//! replaces everything a previous line may have set, style class included.

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::glib;

use crate::model::render::{render, Palette, RowKind};
use crate::model::session::ChatLine;

mod imp {
    use std::cell::Cell;

    use super::*;

    #[derive(Debug, Default, gtk::CompositeTemplate)]
    #[template(file = "message_row.ui")]
    pub struct MessageRow {
        #[template_child]
        pub time_label: TemplateChild<gtk::Label>,
        #[template_child]
        pub text_label: TemplateChild<gtk::Label>,
        /// The style class currently applied, to remove on rebind.
        pub kind: Cell<Option<RowKind>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for MessageRow {
        const NAME: &'static str = "NatterMessageRow";
        type Type = super::MessageRow;
        type ParentType = gtk::Box;

        fn class_init(klass: &mut Self::Class) {
            klass.bind_template();
        }

        fn instance_init(obj: &glib::subclass::InitializingObject<Self>) {
            obj.init_template();
        }
    }

    impl ObjectImpl for MessageRow {}
    impl WidgetImpl for MessageRow {}
    impl BoxImpl for MessageRow {}
}

glib::wrapper! {
    /// One conversation line.
    pub struct MessageRow(ObjectSubclass<imp::MessageRow>)
        @extends gtk::Widget, gtk::Box,
        @implements gtk::Buildable, gtk::ConstraintTarget, gtk::Orientable;
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
        if let Some(old) = imp.kind.replace(Some(rendered.kind)) {
            self.remove_css_class(old.css_class());
        }
        self.add_css_class(rendered.kind.css_class());
    }

    /// The text as shown, without markup (for tests and accessibility checks).
    pub fn text(&self) -> String {
        self.imp().text_label.text().into()
    }
}
