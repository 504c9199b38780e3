//! The sidebar of the window's conversations: the default room, the other
//! rooms joined and private conversations, each with its unread count.
//!
//! A conversation with unread lines reads in bold with a count; one that
//! named this user, or a private one, gets a highlighted count. The rows
//! mirror [`Rooms`](crate::model::rooms::Rooms) (the window calls
//! [`RoomSidebar::set_conversations`] after every change); choosing one
//! calls back with its [`Conversation::uid`].

use std::cell::RefCell;

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::glib;

use crate::model::rooms::Conversation;

/// What the sidebar reads back of one row (for the tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowState {
    pub title: String,
    /// The count shown, `None` when hidden.
    pub badge: Option<String>,
    /// The title is bold (unread lines).
    pub bold: bool,
    /// The count has the highlight colour.
    pub highlight: bool,
}

/// One row's widgets, updated in place.
#[derive(Debug)]
struct Row {
    uid: u64,
    row: gtk::ListBoxRow,
    title: gtk::Label,
    badge: gtk::Label,
}

type Chosen = Box<dyn Fn(u64)>;

mod imp {
    use super::*;

    #[derive(Default, gtk::CompositeTemplate)]
    #[template(file = "room_sidebar.ui")]
    pub struct RoomSidebar {
        #[template_child]
        pub list_box: TemplateChild<gtk::ListBox>,
        pub(super) rows: RefCell<Vec<Row>>,
        pub(super) chosen: RefCell<Option<Chosen>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for RoomSidebar {
        const NAME: &'static str = "NatterRoomSidebar";
        type Type = super::RoomSidebar;
        type ParentType = gtk::Box;

        fn class_init(klass: &mut Self::Class) {
            klass.bind_template();
        }

        fn instance_init(obj: &glib::subclass::InitializingObject<Self>) {
            obj.init_template();
        }
    }

    impl ObjectImpl for RoomSidebar {
        fn constructed(&self) {
            self.parent_constructed();
            let sidebar = self.obj().downgrade();
            self.list_box.connect_row_activated(move |_, row| {
                let Some(sidebar) = sidebar.upgrade() else { return };
                let uid = sidebar.imp().rows.borrow().iter().find(|r| r.row == *row).map(|r| r.uid);
                let chosen = sidebar.imp().chosen.borrow();
                if let (Some(uid), Some(chosen)) = (uid, chosen.as_ref()) {
                    chosen(uid);
                }
            });
        }
    }

    impl WidgetImpl for RoomSidebar {}
    impl BoxImpl for RoomSidebar {}
}

glib::wrapper! {
    /// The list of conversations.
    pub struct RoomSidebar(ObjectSubclass<imp::RoomSidebar>)
        @extends gtk::Widget, gtk::Box,
        @implements gtk::Buildable, gtk::ConstraintTarget, gtk::Orientable;
}

impl Default for RoomSidebar {
    fn default() -> Self {
        glib::Object::new()
    }
}

impl RoomSidebar {
    /// Calls `f` with the uid of the conversation the user picks.
    pub fn connect_chosen<F: Fn(u64) + 'static>(&self, f: F) {
        self.imp().chosen.replace(Some(Box::new(f)));
    }

    /// Shows `conversations`, `shown` selected; the default room is
    /// titled `default_name`.
    pub fn set_conversations(&self, conversations: &[Conversation], shown: u64, default_name: &str) {
        let imp = self.imp();
        let same = imp.rows.borrow().iter().map(|r| r.uid).eq(conversations.iter().map(|c| c.uid));
        if !same {
            for row in imp.rows.take() {
                imp.list_box.remove(&row.row);
            }
            let rows: Vec<Row> = conversations.iter().map(new_row).collect();
            for row in &rows {
                imp.list_box.append(&row.row);
            }
            imp.rows.replace(rows);
        }
        for (row, conv) in imp.rows.borrow().iter().zip(conversations) {
            update_row(row, conv, default_name);
            if row.uid == shown && imp.list_box.selected_row().as_ref() != Some(&row.row) {
                imp.list_box.select_row(Some(&row.row));
            }
        }
    }

    /// Puts the keyboard focus on the shown conversation's row.
    pub fn focus_list(&self) -> bool {
        match self.imp().list_box.selected_row() {
            Some(row) => row.grab_focus(),
            None => self.imp().list_box.grab_focus(),
        }
    }

    /// The rows as shown, in order.
    pub fn rows(&self) -> Vec<RowState> {
        self.imp()
            .rows
            .borrow()
            .iter()
            .map(|r| RowState {
                title: r.title.label().into(),
                badge: r.badge.is_visible().then(|| r.badge.label().into()),
                bold: r.title.has_css_class("unread"),
                highlight: r.badge.has_css_class("highlight"),
            })
            .collect()
    }

    /// Chooses row `index` as a click does (for tests).
    pub fn choose_row(&self, index: usize) {
        let row = self.imp().rows.borrow().get(index).map(|r| r.row.clone());
        if let Some(row) = row {
            row.activate();
        }
    }

    /// The title of the selected row.
    pub fn selected_title(&self) -> Option<String> {
        let selected = self.imp().list_box.selected_row()?;
        self.imp().rows.borrow().iter().find(|r| r.row == selected).map(|r| r.title.label().into())
    }
}

fn new_row(conv: &Conversation) -> Row {
    let icon = gtk::Image::from_icon_name(if conv.id.is_private() {
        "avatar-default-symbolic"
    } else {
        "system-users-symbolic"
    });
    let title = gtk::Label::builder().xalign(0.0).hexpand(true).ellipsize(gtk::pango::EllipsizeMode::End).build();
    let badge = gtk::Label::builder().valign(gtk::Align::Center).build();
    badge.add_css_class("unread-badge");
    let content = gtk::Box::builder().spacing(8).build();
    content.append(&icon);
    content.append(&title);
    content.append(&badge);
    let row = gtk::ListBoxRow::builder().child(&content).build();
    Row { uid: conv.uid, row, title, badge }
}

fn update_row(row: &Row, conv: &Conversation, default_name: &str) {
    let title = conv.id.title_in(default_name);
    row.title.set_label(title);
    row.row.set_tooltip_text(Some(title));
    let unread = conv.unread > 0;
    set_class(&row.title, "unread", unread);
    row.badge.set_visible(unread);
    row.badge.set_label(&conv.unread.to_string());
    set_class(&row.badge, "highlight", unread && conv.highlight);
}

fn set_class(widget: &impl IsA<gtk::Widget>, class: &str, on: bool) {
    if on {
        widget.add_css_class(class);
    } else {
        widget.remove_css_class(class);
    }
}
