//! Who is in the conversation: a count in the header, then one row per
//! person with an avatar of their initials. This user's row says "(you)";
//! choosing anyone else's opens a private conversation with them.

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::glib;

use crate::i18n::{gettext_f, ngettext_f};
use crate::model::render::LIGHT;
use crate::model::text::name_color_index;

mod imp {
    use std::cell::RefCell;

    use super::*;

    #[derive(Default, gtk::CompositeTemplate)]
    #[template(file = "member_list.ui")]
    pub struct MemberList {
        #[template_child]
        pub count_label: TemplateChild<gtk::Label>,
        #[template_child]
        pub list_box: TemplateChild<gtk::ListBox>,
        /// The names shown, in order.
        pub names: RefCell<Vec<String>>,
        /// This user's name, as marked.
        pub me: RefCell<String>,
        /// Called with the name of the person chosen.
        #[allow(clippy::type_complexity)]
        pub chosen: RefCell<Option<Box<dyn Fn(String)>>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for MemberList {
        const NAME: &'static str = "NatterMemberList";
        type Type = super::MemberList;
        type ParentType = gtk::Box;

        fn class_init(klass: &mut Self::Class) {
            klass.bind_template();
        }

        fn instance_init(obj: &glib::subclass::InitializingObject<Self>) {
            obj.init_template();
        }
    }

    impl ObjectImpl for MemberList {
        fn constructed(&self) {
            self.parent_constructed();
            self.obj().set_members(&[], "");
            let list = self.obj().downgrade();
            self.list_box.connect_row_activated(move |_, row| {
                let Some(list) = list.upgrade() else { return };
                let name = usize::try_from(row.index()).ok().and_then(|i| list.imp().names.borrow().get(i).cloned());
                if let Some(name) = name {
                    list.choose(&name);
                }
            });
        }
    }

    impl WidgetImpl for MemberList {}
    impl BoxImpl for MemberList {}
}

glib::wrapper! {
    /// The member list.
    pub struct MemberList(ObjectSubclass<imp::MemberList>)
        @extends gtk::Widget, gtk::Box,
        @implements gtk::Buildable, gtk::ConstraintTarget, gtk::Orientable;
}

impl Default for MemberList {
    fn default() -> Self {
        Self::new()
    }
}

impl MemberList {
    /// An empty list.
    pub fn new() -> Self {
        glib::Object::new()
    }

    /// Shows `names` (already sorted); `me` is marked as this user.
    pub fn set_members(&self, names: &[String], me: &str) {
        let imp = self.imp();
        if *imp.names.borrow() == names && *imp.me.borrow() == me && imp.list_box.first_child().is_some() {
            // Unchanged: rebuilding would only cost a relayout.
            return;
        }
        imp.me.replace(me.to_owned());
        let count = names.len();
        imp.count_label.set_label(&ngettext_f(
            "{count} person online",
            "{count} people online",
            u32::try_from(count).unwrap_or(u32::MAX),
            &[("count", &count.to_string())],
        ));
        while let Some(row) = imp.list_box.first_child() {
            imp.list_box.remove(&row);
        }
        for name in names {
            imp.list_box.append(&member_row(name, name == me));
        }
        imp.names.replace(names.to_vec());
    }

    /// Calls `f` with the name of the person the user picks (not this user).
    pub fn connect_chosen<F: Fn(String) + 'static>(&self, f: F) {
        self.imp().chosen.replace(Some(Box::new(f)));
    }

    /// Opens a private conversation with `name`, as a click on their row does.
    pub fn choose(&self, name: &str) {
        if let Some(chosen) = self.imp().chosen.borrow().as_ref() {
            chosen(name.to_owned());
        }
    }

    /// Empties the list while there is no connection.
    pub fn set_offline(&self) {
        self.set_members(&[], "");
        self.imp().count_label.set_label(&gettext_f("Not connected", &[]));
    }

    /// The names shown, in order.
    pub fn names(&self) -> Vec<String> {
        self.imp().names.borrow().clone()
    }

    /// The header text, such as "3 people online".
    pub fn count_text(&self) -> String {
        self.imp().count_label.label().into()
    }
}

/// The style class that gives `name`'s avatar its conversation colour.
pub fn avatar_colour_class(name: &str) -> String {
    format!("name-colour-{}", name_color_index(name, LIGHT.names.len()))
}

fn member_row(name: &str, is_me: bool) -> gtk::ListBoxRow {
    let avatar = adw::Avatar::new(28, Some(name), true);
    // The colour the name has in the conversation (style.css), instead of
    // libadwaita's own pick from another hash.
    avatar.add_css_class(&avatar_colour_class(name));
    let label = gtk::Label::builder().label(name).xalign(0.0).ellipsize(gtk::pango::EllipsizeMode::End).build();
    let content = gtk::Box::builder().spacing(10).build();
    content.append(&avatar);
    content.append(&label);
    if is_me {
        let you = gtk::Label::new(Some(&gettext_f("(you)", &[])));
        you.add_css_class("dim-label");
        content.append(&you);
    }
    gtk::ListBoxRow::builder().child(&content).activatable(!is_me).tooltip_text(name).build()
}
