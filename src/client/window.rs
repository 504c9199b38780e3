//! `NatterWindow`: one window, one connection.
//!
//! A header bar over a stack of two pages, [`WindowPage::Connect`] (the
//! form) and [`WindowPage::Chat`]: the sidebar of rooms, then the shown
//! conversation and composer, then its member list, each side in a flap
//! that folds away on narrow windows. The window owns the
//! [`Connection`](crate::connection::Connection) and the
//! [`Session`](crate::model::session::Session); `window/lifecycle.rs` applies
//! what the connection lifecycle model decides, `window/conversation.rs`
//! routes server events to the widgets, `window/account.rs` keeps the
//! password and the account dialog, `window/history.rs` places stored
//! history and runs the search bar, `window/rooms.rs` switches,
//! joins and leaves conversations, and
//! `window/cert_dialogs.rs` asks about, and warns of, server certificates.

mod account;
mod cert_dialogs;
mod conversation;
mod focus;
mod history;
mod lifecycle;
mod members;
mod room_actions;
mod rooms;

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::{gio, glib, glib::clone};

use crate::i18n::gettext_f;
use crate::model::session::ChatLine;
use crate::settings::Settings;
use crate::widgets::{
    AccountDialog, ChatView, Composer, ConnectPage, JoinDialog, MemberList, RoomListing, RoomSidebar, SearchPane,
};

pub use self::lifecycle::GOODBYE_LIMIT;
pub use crate::model::lifecycle::Phase;

/// The pages of the window's stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowPage {
    /// The server and name form.
    Connect,
    /// The conversation.
    Chat,
}

impl WindowPage {
    fn name(self) -> &'static str {
        match self {
            WindowPage::Connect => "connect",
            WindowPage::Chat => "chat",
        }
    }
}

mod imp {
    use std::cell::{Cell, RefCell};

    use super::*;
    use crate::connection::{Connection, Goodbye};
    use crate::model::lifecycle::Lifecycle;
    use crate::model::session::Session;

    #[derive(Debug, Default, gtk::CompositeTemplate)]
    #[template(file = "window.ui")]
    pub struct NatterWindow {
        #[template_child]
        pub window_title: TemplateChild<adw::WindowTitle>,
        #[template_child]
        pub secure_icon: TemplateChild<gtk::Image>,
        #[template_child]
        pub members_button: TemplateChild<gtk::ToggleButton>,
        #[template_child]
        pub stack: TemplateChild<gtk::Stack>,
        #[template_child]
        pub connect_page: TemplateChild<ConnectPage>,
        #[template_child]
        pub banner_revealer: TemplateChild<gtk::Revealer>,
        #[template_child]
        pub banner_label: TemplateChild<gtk::Label>,
        #[template_child]
        pub sidebar_button: TemplateChild<gtk::ToggleButton>,
        #[template_child]
        pub room_menu_button: TemplateChild<gtk::MenuButton>,
        #[template_child]
        pub sidebar_flap: TemplateChild<adw::Flap>,
        #[template_child]
        pub sidebar: TemplateChild<RoomSidebar>,
        #[template_child]
        pub flap: TemplateChild<adw::Flap>,
        #[template_child]
        pub conv_stack: TemplateChild<gtk::Stack>,
        #[template_child]
        pub search_pane: TemplateChild<SearchPane>,
        #[template_child]
        pub composer: TemplateChild<Composer>,
        #[template_child]
        pub member_list: TemplateChild<MemberList>,

        /// The conversation with the server, from the first join attempt
        /// until the user leaves; it survives reconnects.
        pub session: RefCell<Option<Session>>,
        /// The `/rooms` answer being read for the open join dialog.
        pub room_listing: RefCell<Option<(RoomListing, glib::WeakRef<JoinDialog>)>>,
        /// One conversation view per [`Conversation::uid`](crate::model::rooms::Conversation::uid).
        pub views: RefCell<Vec<(u64, ChatView)>>,
        /// The live connection, if any. Replacing it hangs the old one up.
        pub connection: RefCell<Option<Connection>>,
        /// Goodbyes said and not yet known to be done: closing waits for them.
        pub goodbyes: RefCell<Vec<Goodbye>>,
        /// Phase, server, reconnect schedule and connection generation:
        /// the window applies what it decides (`window/lifecycle.rs`).
        pub lifecycle: RefCell<Lifecycle>,
        /// The certificate question or warning on screen, if any.
        pub trust_dialog: RefCell<Option<adw::MessageDialog>>,
        /// The pending reconnect and the banner countdown.
        pub retry_source: RefCell<Option<glib::SourceId>>,
        pub tick_source: RefCell<Option<glib::SourceId>>,
        /// The password of the name in use, sent on every (re)connect;
        /// never written to the settings (`window/account.rs`).
        pub password: RefCell<Option<String>>,
        /// A new password sent with `/register` or `/password`, until the
        /// server agrees.
        pub pending_password: RefCell<Option<String>>,
        /// Logged in to a registered name.
        pub registered: Cell<bool>,
        /// The account dialog, while open.
        pub account_dialog: RefCell<glib::WeakRef<AccountDialog>>,
        /// This user's lines the server echoed (stamped) before their
        /// local echo was shown: that one is not shown again.
        pub early_echoes: RefCell<Vec<(crate::model::rooms::ConvId, crate::model::session::Entry)>>,
        /// The room the search bar's results are from.
        pub search_room: RefCell<Option<crate::model::rooms::ConvId>>,
        /// The kick, mute or ban question on screen, if any.
        pub penalty_dialog: RefCell<Option<crate::widgets::PenaltyDialog>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for NatterWindow {
        const NAME: &'static str = "NatterWindow";
        type Type = super::NatterWindow;
        type ParentType = adw::ApplicationWindow;

        fn class_init(klass: &mut Self::Class) {
            ConnectPage::ensure_type();
            Composer::ensure_type();
            MemberList::ensure_type();
            RoomSidebar::ensure_type();
            SearchPane::ensure_type();
            klass.bind_template();
            Self::Type::install_room_actions(klass);
            klass.install_action("win.reconnect", None, |win, _, _| win.reconnect_now());
            klass.install_action("win.leave", None, |win, _, _| win.leave(true));
            klass.install_action("win.account", None, |win, _, _| win.open_account_dialog());
            klass.install_action("win.toggle-members", None, |win, _, _| {
                if win.imp().members_button.is_visible() {
                    let flap = &win.imp().flap;
                    flap.set_reveal_flap(!flap.reveals_flap());
                }
            });
            klass.add_binding_action(gtk::gdk::Key::F9, gtk::gdk::ModifierType::empty(), "win.toggle-members");
            klass.install_action("win.search", None, |win, _, _| win.open_search());
            klass.add_binding_action(gtk::gdk::Key::f, gtk::gdk::ModifierType::CONTROL_MASK, "win.search");
            // Bubble phase: whatever has the focus (a dialog's entry, the
            // emoji chooser) gets Escape first.
            klass.add_binding(gtk::gdk::Key::Escape, gtk::gdk::ModifierType::empty(), |win| win.escape_to_entry());
        }

        fn instance_init(obj: &glib::subclass::InitializingObject<Self>) {
            obj.init_template();
        }
    }

    impl ObjectImpl for NatterWindow {
        fn constructed(&self) {
            self.parent_constructed();
            self.obj().setup();
        }
    }

    impl WidgetImpl for NatterWindow {}

    impl WindowImpl for NatterWindow {
        fn close_request(&self) -> glib::Propagation {
            let win = self.obj();
            win.hang_up(true);
            if win.go_after_goodbye() {
                return glib::Propagation::Stop;
            }
            self.parent_close_request()
        }
    }

    impl ApplicationWindowImpl for NatterWindow {}
    impl AdwApplicationWindowImpl for NatterWindow {}
}

glib::wrapper! {
    /// A chat window.
    pub struct NatterWindow(ObjectSubclass<imp::NatterWindow>)
        @extends gtk::Widget, gtk::Window, gtk::ApplicationWindow, adw::ApplicationWindow,
        @implements gio::ActionGroup, gio::ActionMap, gtk::Buildable,
                    gtk::ConstraintTarget, gtk::Native, gtk::Root, gtk::ShortcutManager;
}

impl NatterWindow {
    /// A window for `app` showing the connect form, filled from the settings.
    pub fn new<P: IsA<gtk::Application>>(app: &P) -> Self {
        glib::Object::builder().property("application", app).build()
    }

    /// A window that belongs to no application (for tests).
    pub fn standalone() -> Self {
        glib::Object::new()
    }

    fn setup(&self) {
        let imp = self.imp();
        if crate::config::is_devel() {
            self.add_css_class("devel");
        }
        let builder = gtk::Builder::from_string(include_str!("shortcuts.ui"));
        if let Some(overlay) = builder.object::<gtk::ShortcutsWindow>("help_overlay") {
            self.set_help_overlay(Some(&overlay));
        }

        let settings = Settings::load();
        imp.connect_page.set_values(&settings.server, &settings.name);
        imp.connect_page.set_tls(settings.tls);
        imp.connect_page.connect_join(clone!(
            #[weak(rename_to = win)]
            self,
            move |_, address, name, tls| win.join(address, &name, tls)
        ));
        imp.composer.connect_send(clone!(
            #[weak(rename_to = win)]
            self,
            move |_, text| win.send_text(text)
        ));
        imp.flap.connect_folded_notify(|flap| flap.set_modal(flap.is_folded()));
        imp.sidebar_flap.connect_folded_notify(clone!(
            #[weak(rename_to = win)]
            self,
            move |flap| {
                flap.set_modal(flap.is_folded());
                win.update_sidebar_button();
            }
        ));
        imp.flap.connect_reveal_flap_notify(clone!(
            #[weak(rename_to = win)]
            self,
            move |flap| {
                // Closing the member list (Escape, its button, a click
                // beside it) leaves typing in the entry, not on the button.
                if !flap.reveals_flap() && win.page() == WindowPage::Chat {
                    win.imp().composer.grab_focus();
                }
            }
        ));
        self.setup_rooms();
        self.setup_members();
        self.setup_history();
        self.setup_focus_keys();
        self.action_set_enabled("win.reconnect", false);
        self.action_set_enabled("win.leave", false);
        self.action_set_enabled("win.join-room", false);
        self.action_set_enabled("win.account", false);
        self.show_page(WindowPage::Connect);
    }

    /// Switches the stack and moves the focus to where typing goes.
    pub fn show_page(&self, page: WindowPage) {
        let imp = self.imp();
        imp.stack.set_visible_child_name(page.name());
        let chat = page == WindowPage::Chat;
        imp.members_button.set_visible(chat);
        // The title is the room menu only in the chat.
        imp.room_menu_button.set_can_target(chat);
        imp.room_menu_button.set_can_focus(chat);
        imp.room_menu_button.set_always_show_arrow(chat);
        self.action_set_enabled("win.jump-to-room", chat);
        self.update_sidebar_button();
        // Tab never wanders into the page not shown (GTK's focus chain
        // can reach a hidden stack page while it is being switched away).
        imp.connect_page.set_can_focus(!chat);
        imp.secure_icon.set_visible(chat && imp.lifecycle.borrow().target().is_some_and(|t| t.tls));
        if chat {
            imp.composer.grab_focus();
        } else {
            imp.window_title.set_title(&gettext_f("Natter", &[]));
            imp.window_title.set_subtitle("");
            imp.connect_page.grab_focus();
        }
    }

    /// The page shown.
    pub fn page(&self) -> WindowPage {
        match self.imp().stack.visible_child_name().as_deref() {
            Some("chat") => WindowPage::Chat,
            _ => WindowPage::Connect,
        }
    }

    /// The header: the shown conversation's name over its topic, or over
    /// who this user is where when there is none.
    fn update_subtitle(&self) {
        let imp = self.imp();
        if self.page() == WindowPage::Connect {
            // The form has no session yet (a refused join keeps it there).
            imp.window_title.set_title(&gettext_f("Natter", &[]));
            imp.window_title.set_subtitle("");
            return;
        }
        let (me, title, topic) = match imp.session.borrow().as_ref() {
            Some(session) => {
                let rooms = session.rooms();
                let topic = rooms.get(rooms.shown()).and_then(|c| c.topic.clone());
                // With the default room alone, the window reads as before rooms.
                let title = if rooms.list().len() > 1 {
                    rooms.title(rooms.shown()).to_owned()
                } else {
                    gettext_f("Natter", &[])
                };
                (session.me().to_owned(), title, topic)
            }
            None => (String::new(), gettext_f("Natter", &[]), None),
        };
        imp.window_title.set_title(&title);
        let subtitle = topic.unwrap_or_else(|| {
            // Translators: the header bar subtitle, such as "alice on 127.0.0.1:5000".
            gettext_f("{name} on {server}", &[("name", &me), ("server", &self.server())])
        });
        imp.window_title.set_subtitle(&subtitle);
    }

    /// Lines for the shown conversation.
    fn append_lines(&self, lines: Vec<ChatLine>) {
        self.chat_view().append(lines);
    }

    /// The header bar's title and subtitle.
    pub fn header_text(&self) -> (String, String) {
        let title = &self.imp().window_title;
        (title.title().into(), title.subtitle().into())
    }

    /// The room sidebar.
    pub fn sidebar(&self) -> RoomSidebar {
        self.imp().sidebar.get()
    }

    /// True when the sidebar is folded away behind its header button.
    pub fn sidebar_folded(&self) -> bool {
        self.imp().sidebar_flap.is_folded()
    }

    /// True when the sidebar is shown (beside or over the conversation).
    pub fn sidebar_shown(&self) -> bool {
        self.imp().sidebar_flap.reveals_flap()
    }

    /// The header button that shows the folded sidebar.
    pub fn sidebar_button(&self) -> gtk::ToggleButton {
        self.imp().sidebar_button.get()
    }

    /// The connect form.
    pub fn connect_page(&self) -> ConnectPage {
        self.imp().connect_page.get()
    }

    /// The message entry.
    pub fn composer(&self) -> Composer {
        self.imp().composer.get()
    }

    /// The member list.
    pub fn member_list(&self) -> MemberList {
        self.imp().member_list.get()
    }

    /// True when the window is too narrow for the member list beside the
    /// conversation, which then slides over it on demand.
    pub fn members_folded(&self) -> bool {
        self.imp().flap.is_folded()
    }

    /// The header button that shows and hides the member list.
    pub fn members_button(&self) -> gtk::ToggleButton {
        self.imp().members_button.get()
    }

    /// True when the member list is shown (beside or over the conversation).
    pub fn members_shown(&self) -> bool {
        self.imp().flap.reveals_flap()
    }

    /// True when the header bar shows the lock of an encrypted chat.
    pub fn shows_encrypted(&self) -> bool {
        self.imp().secure_icon.is_visible()
    }

    /// The text of the reconnect banner, when it is shown.
    pub fn banner(&self) -> Option<String> {
        let imp = self.imp();
        imp.banner_revealer.reveals_child().then(|| imp.banner_label.label().into())
    }
}
