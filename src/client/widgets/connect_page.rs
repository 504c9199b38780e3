//! The connection form: server, name, an optional password and the "Use
//! encryption" switch, checked before anything is sent.
//!
//! The password is for a registered name. It is looked up in the keyring
//! ([`crate::keyring`]) for the server and name typed, a moment after
//! either changes, and never stored by the form itself.
//!
//! The name is checked with the server's own rule
//! ([`natter::protocol::validate_name`]) and the address with
//! [`ServerAddress::parse`], each with an inline message. A valid form
//! emits `join` with the parsed address, the name and whether to use
//! TLS; the window then
//! shows progress with [`ConnectPage::set_busy`] and failures with
//! [`ConnectPage::show_error`].

use std::sync::OnceLock;

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::{glib, glib::clone, glib::subclass::Signal};
use natter::protocol::validate_name;

use crate::keyring;
use crate::model::address::ServerAddress;
use crate::model::render::{address_error_text, name_error_text, password_problem_text};

/// How long the form waits after the last keystroke in the server or name
/// before asking the keyring.
const LOOKUP_DELAY: std::time::Duration = std::time::Duration::from_millis(250);

mod imp {
    use std::cell::{Cell, RefCell};

    use super::*;

    #[derive(Debug, Default, gtk::CompositeTemplate)]
    #[template(file = "connect_page.ui")]
    pub struct ConnectPage {
        #[template_child]
        pub server_row: TemplateChild<adw::EntryRow>,
        #[template_child]
        pub name_row: TemplateChild<adw::EntryRow>,
        #[template_child]
        pub password_row: TemplateChild<adw::PasswordEntryRow>,
        #[template_child]
        pub tls_switch: TemplateChild<gtk::Switch>,
        #[template_child]
        pub error_label: TemplateChild<gtk::Label>,
        #[template_child]
        pub join_button: TemplateChild<gtk::Button>,
        #[template_child]
        pub join_stack: TemplateChild<gtk::Stack>,
        #[template_child]
        pub spinner: TemplateChild<gtk::Spinner>,
        pub busy: Cell<bool>,
        /// The password shown came from the keyring (not typed): another
        /// server or name replaces it.
        pub from_keyring: Cell<bool>,
        /// The pending keyring lookup's timer.
        pub lookup_timer: RefCell<Option<glib::SourceId>>,
        /// Counts lookups, so that only the newest one fills the form.
        pub lookups: Cell<u64>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for ConnectPage {
        const NAME: &'static str = "NatterConnectPage";
        type Type = super::ConnectPage;
        type ParentType = adw::Bin;

        fn class_init(klass: &mut Self::Class) {
            klass.bind_template();
            klass.install_action("connect.join", None, |page, _, _| page.submit());
        }

        fn instance_init(obj: &glib::subclass::InitializingObject<Self>) {
            obj.init_template();
        }
    }

    impl ObjectImpl for ConnectPage {
        fn signals() -> &'static [Signal] {
            static SIGNALS: OnceLock<Vec<Signal>> = OnceLock::new();
            SIGNALS.get_or_init(|| {
                vec![Signal::builder("join")
                    .param_types([glib::BoxedAnyObject::static_type(), String::static_type(), bool::static_type()])
                    .build()]
            })
        }

        fn constructed(&self) {
            self.parent_constructed();
            self.obj().setup();
        }
    }

    impl WidgetImpl for ConnectPage {
        fn grab_focus(&self) -> bool {
            // Start where something is missing; the name by default.
            if !self.name_row.text().is_empty() && self.server_row.text().trim().is_empty() {
                self.server_row.grab_focus()
            } else {
                self.name_row.grab_focus()
            }
        }
    }

    impl BinImpl for ConnectPage {}
}

glib::wrapper! {
    /// The connection form.
    pub struct ConnectPage(ObjectSubclass<imp::ConnectPage>)
        @extends gtk::Widget, adw::Bin,
        @implements gtk::Buildable, gtk::ConstraintTarget;
}

impl Default for ConnectPage {
    fn default() -> Self {
        Self::new()
    }
}

impl ConnectPage {
    /// An empty form.
    pub fn new() -> Self {
        glib::Object::new()
    }

    fn setup(&self) {
        let imp = self.imp();
        let rows: [&adw::EntryRow; 3] = [&imp.server_row, &imp.name_row, imp.password_row.upcast_ref()];
        for row in rows {
            row.connect_entry_activated(clone!(
                #[weak(rename_to = page)]
                self,
                move |_| {
                    let _ = page.activate_action("connect.join", None);
                }
            ));
        }
        // Check the name as it is typed, so the rule is clear before Join.
        imp.name_row.connect_changed(clone!(
            #[weak(rename_to = page)]
            self,
            move |_| {
                let name = page.name();
                let problem = if name.is_empty() { None } else { validate_name(&name).err() };
                page.mark(&page.imp().name_row, problem.is_some());
                match problem {
                    Some(err) => page.show_error(&name_error_text(&err)),
                    None => page.clear_error(),
                }
                page.schedule_lookup();
            }
        ));
        imp.password_row.connect_changed(clone!(
            #[weak(rename_to = page)]
            self,
            move |_| {
                let imp = page.imp();
                imp.from_keyring.set(false);
                page.mark(imp.password_row.upcast_ref(), false);
            }
        ));
        imp.server_row.connect_changed(clone!(
            #[weak(rename_to = page)]
            self,
            move |_| {
                page.mark(&page.imp().server_row, false);
                page.clear_error();
                page.schedule_lookup();
            }
        ));
    }

    /// Asks the keyring for the password of the server and name typed,
    /// once typing pauses. A password from the keyring for another server
    /// or name is cleared at once; a typed one stays.
    fn schedule_lookup(&self) {
        let imp = self.imp();
        if imp.from_keyring.get() {
            self.set_password("");
        }
        if let Some(timer) = imp.lookup_timer.take() {
            timer.remove();
        }
        let timer = glib::timeout_add_local_once(
            LOOKUP_DELAY,
            clone!(
                #[weak(rename_to = page)]
                self,
                move || {
                    page.imp().lookup_timer.take();
                    page.lookup_password();
                }
            ),
        );
        imp.lookup_timer.replace(Some(timer));
    }

    /// Looks the password up again (back on the form after chatting):
    /// a password from the keyring is replaced, a typed one kept.
    pub fn refresh_password(&self) {
        if self.imp().from_keyring.get() {
            self.set_password("");
        }
        self.lookup_password();
    }

    /// Fills the password from the keyring, unless the user typed one
    /// meanwhile or the form changed.
    fn lookup_password(&self) {
        let imp = self.imp();
        let Some(server) = self.server_key() else { return };
        let name = self.name();
        if validate_name(&name).is_err() || !imp.password_row.text().is_empty() {
            return;
        }
        let lookup = imp.lookups.get() + 1;
        imp.lookups.set(lookup);
        glib::spawn_future_local(clone!(
            #[weak(rename_to = page)]
            self,
            async move {
                let found = keyring::lookup(&server, &name).await;
                let imp = page.imp();
                if imp.lookups.get() != lookup || !imp.password_row.text().is_empty() {
                    return;
                }
                if let Some(password) = found {
                    page.set_password(&password);
                    imp.from_keyring.set(true);
                }
            }
        ));
    }

    /// The server as the keyring knows it (`host:port`), if it parses.
    pub fn server_key(&self) -> Option<String> {
        ServerAddress::parse(&self.imp().server_row.text()).ok().map(|a| a.to_string())
    }

    fn mark(&self, row: &adw::EntryRow, bad: bool) {
        if bad {
            row.add_css_class("error");
        } else {
            row.remove_css_class("error");
        }
    }

    /// Checks the form and emits `join` when it is valid.
    pub fn submit(&self) {
        let imp = self.imp();
        if imp.busy.get() {
            return;
        }
        let address = match ServerAddress::parse(&imp.server_row.text()) {
            Ok(address) => address,
            Err(err) => {
                self.mark(&imp.server_row, true);
                self.show_error(&address_error_text(&err));
                imp.server_row.grab_focus();
                return;
            }
        };
        let name = self.name();
        if let Err(err) = validate_name(&name) {
            self.mark(&imp.name_row, true);
            self.show_error(&name_error_text(&err));
            imp.name_row.grab_focus();
            return;
        }
        if let Some(problem) = self.password().as_deref().and_then(password_problem_text) {
            self.mark(imp.password_row.upcast_ref(), true);
            self.show_error(&problem);
            imp.password_row.grab_focus();
            return;
        }
        self.clear_error();
        // Parsed once: the address travels as a ServerAddress from here on.
        self.emit_by_name::<()>("join", &[&glib::BoxedAnyObject::new(address), &name, &self.tls()]);
    }

    /// Fills the form.
    pub fn set_values(&self, server: &str, name: &str) {
        let imp = self.imp();
        imp.server_row.set_text(server);
        imp.name_row.set_text(name);
        self.clear_error();
    }

    /// Sets the password field (from the keyring, or emptied).
    pub fn set_password(&self, password: &str) {
        let imp = self.imp();
        imp.password_row.set_text(password);
        imp.from_keyring.set(false);
    }

    /// The password typed or found in the keyring; `None` when empty.
    pub fn password(&self) -> Option<String> {
        let text = self.imp().password_row.text();
        (!text.is_empty()).then(|| text.into())
    }

    /// True when the password shown came from the keyring.
    pub fn password_from_keyring(&self) -> bool {
        self.imp().from_keyring.get()
    }

    /// Marks the password as the one to fix (after "wrong password") and
    /// focuses it.
    pub fn focus_password(&self) {
        let row = &self.imp().password_row;
        self.mark(row.upcast_ref(), true);
        row.grab_focus();
    }

    /// Sets the "Use encryption" switch.
    pub fn set_tls(&self, tls: bool) {
        self.imp().tls_switch.set_active(tls);
    }

    /// True when the "Use encryption" switch is on.
    pub fn tls(&self) -> bool {
        self.imp().tls_switch.is_active()
    }

    /// The server as typed.
    pub fn server(&self) -> String {
        self.imp().server_row.text().trim().to_owned()
    }

    /// The name as typed (surrounding spaces removed).
    pub fn name(&self) -> String {
        self.imp().name_row.text().trim().to_owned()
    }

    /// Shows a spinner and locks the form while connecting.
    pub fn set_busy(&self, busy: bool) {
        let imp = self.imp();
        imp.busy.set(busy);
        imp.spinner.set_spinning(busy);
        imp.join_stack.set_visible_child_name(if busy { "busy" } else { "idle" });
        // Not insensitive: that would pull the focus out of a field
        // without telling it.
        imp.server_row.set_editable(!busy);
        imp.name_row.set_editable(!busy);
        imp.password_row.set_editable(!busy);
        self.action_set_enabled("connect.join", !busy);
    }

    /// True while connecting.
    pub fn is_busy(&self) -> bool {
        self.imp().busy.get()
    }

    /// Shows `message` below the form.
    pub fn show_error(&self, message: &str) {
        super::error_label::show(&self.imp().error_label, message);
    }

    /// Hides the message.
    pub fn clear_error(&self) {
        super::error_label::clear(&self.imp().error_label);
    }

    /// The message shown, if any.
    pub fn error(&self) -> Option<String> {
        super::error_label::shown(&self.imp().error_label)
    }

    /// Marks the name field as the one to fix (after "name taken") and focuses it.
    pub fn focus_name(&self) {
        let row = &self.imp().name_row;
        self.mark(row, true);
        row.grab_focus();
    }

    /// Connects to `join`, emitted with the parsed address, the name and
    /// whether to use TLS.
    pub fn connect_join<F: Fn(&Self, &ServerAddress, String, bool) + 'static>(&self, f: F) -> glib::SignalHandlerId {
        self.connect_closure(
            "join",
            false,
            glib::closure_local!(move |page: &Self, address: glib::BoxedAnyObject, name: String, tls: bool| {
                // The signal is emitted by `submit` only, always with a ServerAddress.
                if let Ok(address) = address.try_borrow::<ServerAddress>() {
                    f(page, &address, name, tls);
                }
            }),
        )
    }
}
