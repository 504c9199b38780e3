//! Who is in the conversation: a count in the header, then one row per
//! person with an avatar of their initials and their mark (operator,
//! registered name). This user's row says "(you)"; choosing anyone
//! else's opens a private conversation with them, and their menu
//! (`member_list/menu.rs`) offers that too and, to an operator of the
//! room, kick, mute and ban.

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::glib;

use crate::i18n::{gettext_f, ngettext_f};
use crate::model::members::Mark;
use crate::model::penalty::Penalty;
use crate::model::render::LIGHT;
use crate::model::text::name_color_index;

mod menu;

/// A callback with a member's name.
type NameFn = Box<dyn Fn(String)>;
/// A callback with a member's name and what an operator chose for them.
type PenaltyFn = Box<dyn Fn(String, Penalty)>;

mod imp {
    use std::cell::{Cell, RefCell};

    use super::*;

    #[derive(Default, gtk::CompositeTemplate)]
    #[template(file = "member_list.ui")]
    pub struct MemberList {
        #[template_child]
        pub count_label: TemplateChild<gtk::Label>,
        #[template_child]
        pub list_box: TemplateChild<gtk::ListBox>,
        /// The names shown, in order, with their marks.
        pub names: RefCell<Vec<(String, Mark)>>,
        /// This user's name, as marked.
        pub me: RefCell<String>,
        /// This user is an operator of the room shown: its menus offer
        /// kick, mute and ban.
        pub operator: Cell<bool>,
        /// Called with the name of the person chosen.
        pub chosen: RefCell<Option<NameFn>>,
        /// Called when an operator picks kick, mute or ban in a menu.
        pub penalty: RefCell<Option<PenaltyFn>>,
        /// The one member menu, re-pointed at each row it opens for.
        pub menu: RefCell<Option<gtk::PopoverMenu>>,
        /// Whose menu is open, until one of its items is chosen: closed
        /// without a choice, the focus goes back to their row.
        pub menu_for: RefCell<Option<String>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for MemberList {
        const NAME: &'static str = "NatterMemberList";
        type Type = super::MemberList;
        type ParentType = gtk::Box;

        fn class_init(klass: &mut Self::Class) {
            klass.bind_template();
            menu::install_actions(klass);
        }

        fn instance_init(obj: &glib::subclass::InitializingObject<Self>) {
            obj.init_template();
        }
    }

    impl ObjectImpl for MemberList {
        fn constructed(&self) {
            self.parent_constructed();
            self.obj().set_members(&[], "", false);
            let list = self.obj().downgrade();
            self.list_box.connect_row_activated(move |_, row| {
                let Some(list) = list.upgrade() else { return };
                if let Some(name) = list.name_at(row.index()) {
                    list.choose(&name);
                }
            });
            self.obj().setup_menu_gestures();
        }

        fn dispose(&self) {
            if let Some(menu) = self.menu.take() {
                // An open menu holds the keyboard: never left behind.
                menu.popdown();
                menu.unparent();
            }
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

    /// Shows `members` (already in order) with their marks; `me` is marked
    /// as this user, an `operator` of the room shown.
    pub fn set_members(&self, members: &[(String, Mark)], me: &str, operator: bool) {
        let imp = self.imp();
        let unchanged = *imp.names.borrow() == members && *imp.me.borrow() == me && imp.operator.get() == operator;
        if unchanged && imp.list_box.first_child().is_some() {
            // Unchanged: rebuilding would only cost a relayout.
            return;
        }
        imp.me.replace(me.to_owned());
        let count = members.len();
        imp.count_label.set_label(&ngettext_f(
            "{count} person online",
            "{count} people online",
            u32::try_from(count).unwrap_or(u32::MAX),
            &[("count", &count.to_string())],
        ));
        // A menu stays open while its member is listed and its items
        // still fit (someone joining must not close it under the pointer).
        let menu_for = imp.menu_for.borrow().clone();
        if operator != imp.operator.get() || menu_for.is_some_and(|n| !members.iter().any(|(m, _)| *m == n)) {
            self.close_menu();
        }
        while let Some(row) = imp.list_box.first_child() {
            imp.list_box.remove(&row);
        }
        imp.operator.set(operator);
        for (name, mark) in members {
            imp.list_box.append(&self.member_row(name, *mark, name == me));
        }
        imp.names.replace(members.to_vec());
    }

    /// Calls `f` with the name of the person the user picks (not this user).
    pub fn connect_chosen<F: Fn(String) + 'static>(&self, f: F) {
        self.imp().chosen.replace(Some(Box::new(f)));
    }

    /// Calls `f` when an operator picks kick, mute or ban for someone.
    pub fn connect_penalty<F: Fn(String, Penalty) + 'static>(&self, f: F) {
        self.imp().penalty.replace(Some(Box::new(f)));
    }

    /// Opens a private conversation with `name`, as a click on their row does.
    pub fn choose(&self, name: &str) {
        if let Some(chosen) = self.imp().chosen.borrow().as_ref() {
            chosen(name.to_owned());
        }
    }

    /// Empties the list while there is no connection.
    pub fn set_offline(&self) {
        self.set_members(&[], "", false);
        self.imp().count_label.set_label(&gettext_f("Not connected", &[]));
    }

    /// The names shown, in order.
    pub fn names(&self) -> Vec<String> {
        self.imp().names.borrow().iter().map(|(name, _)| name.clone()).collect()
    }

    /// The names shown with their marks, in order.
    pub fn marked(&self) -> Vec<(String, Mark)> {
        self.imp().names.borrow().clone()
    }

    /// The row of `name`, if listed.
    pub fn row_of(&self, name: &str) -> Option<gtk::ListBoxRow> {
        let at = self.imp().names.borrow().iter().position(|(n, _)| n == name)?;
        self.imp().list_box.row_at_index(i32::try_from(at).ok()?)
    }

    /// The header text, such as "3 people online".
    pub fn count_text(&self) -> String {
        self.imp().count_label.label().into()
    }

    /// The name on row `index`.
    fn name_at(&self, index: i32) -> Option<String> {
        let index = usize::try_from(index).ok()?;
        self.imp().names.borrow().get(index).map(|(name, _)| name.clone())
    }

    fn member_row(&self, name: &str, mark: Mark, is_me: bool) -> gtk::ListBoxRow {
        let avatar = adw::Avatar::new(28, Some(name), true);
        // The colour the name has in the conversation (style.css), instead of
        // libadwaita's own pick from another hash.
        avatar.add_css_class(&avatar_colour_class(name));
        let label = gtk::Label::builder()
            .label(name)
            .xalign(0.0)
            .hexpand(true)
            .ellipsize(gtk::pango::EllipsizeMode::End)
            .build();
        let content = gtk::Box::builder().spacing(10).build();
        content.append(&avatar);
        content.append(&label);
        if let Some(badge) = mark_badge(mark) {
            content.append(&badge);
        }
        if is_me {
            let you = gtk::Label::new(Some(&gettext_f("(you)", &[])));
            you.add_css_class("dim-label");
            content.append(&you);
        } else {
            content.append(&self.menu_button(name));
        }
        let spoken = match mark_text(mark) {
            // Translators: a member list row as a screen reader says it, e.g. "bob, Operator".
            Some(mark) => gettext_f("{name}, {mark}", &[("name", name), ("mark", &mark)]),
            None => name.to_owned(),
        };
        let row: gtk::ListBoxRow = with_accessible_label("GtkListBoxRow", &spoken);
        row.set_child(Some(&content));
        row.set_activatable(!is_me);
        row.set_tooltip_text(Some(name));
        row.add_css_class("member-row");
        row
    }
}

/// The style class that gives `name`'s avatar its conversation colour.
pub fn avatar_colour_class(name: &str) -> String {
    format!("name-colour-{}", name_color_index(name, LIGHT.names.len()))
}

/// What a mark means, in words (its badge's tooltip and accessible name).
pub fn mark_text(mark: Mark) -> Option<String> {
    match mark {
        Mark::Operator => Some(gettext_f("Operator", &[])),
        Mark::Registered => Some(gettext_f("Registered name", &[])),
        Mark::None => None,
    }
}

/// The badge beside a marked name: a shield for an operator, a tick for
/// a registered name.
fn mark_badge(mark: Mark) -> Option<gtk::Image> {
    let (icon, class) = match mark {
        Mark::Operator => ("security-high-symbolic", "member-operator"),
        Mark::Registered => ("emblem-ok-symbolic", "member-registered"),
        Mark::None => return None,
    };
    let text = mark_text(mark)?;
    let badge: gtk::Image = with_accessible_label("GtkImage", &text);
    badge.set_icon_name(Some(icon));
    badge.add_css_class("member-mark");
    badge.add_css_class(class);
    badge.set_tooltip_text(Some(&text));
    Some(badge)
}

/// A new widget of GType `class` that screen readers call `label`:
/// gtk-rs has no safe setter for that before GTK 4.10, GtkBuilder has.
fn with_accessible_label<W: IsA<glib::Object>>(class: &str, label: &str) -> W {
    let ui = format!(
        r#"<interface><object class="{class}" id="widget"><accessibility><property name="label">{}</property></accessibility></object></interface>"#,
        glib::markup_escape_text(label)
    );
    gtk::Builder::from_string(&ui).object("widget").expect("a built-in widget class should build from XML")
}
