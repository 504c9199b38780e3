//! `AccountDialog`: the account of the name in use, from the main menu.
//!
//! It says whether this user is logged in to a registered name, and
//! offers what fits: register the name (password and confirmation), or
//! change the password (current, new, confirmation) and unregister (with
//! the password, after a confirmation). New passwords are checked with
//! the server's own rule before anything is sent
//! ([`crate::model::account`]). The dialog emits `request` with an
//! [`AccountRequest`]; the window sends it and reports the server's answer
//! back with [`AccountDialog::set_state`] plus [`AccountDialog::done`], or
//! [`AccountDialog::show_error`].

use std::sync::OnceLock;

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::{gdk, glib, glib::clone, glib::subclass::Signal};

use crate::i18n::gettext_f;
use crate::model::account::{new_password_problem, AccountRequest};

mod imp {
    use std::cell::{Cell, RefCell};

    use super::*;

    #[derive(Debug, Default, gtk::CompositeTemplate)]
    #[template(file = "account_dialog.ui")]
    pub struct AccountDialog {
        #[template_child]
        pub toasts: TemplateChild<adw::ToastOverlay>,
        #[template_child]
        pub status_row: TemplateChild<adw::ActionRow>,
        #[template_child]
        pub status_icon: TemplateChild<gtk::Image>,
        #[template_child]
        pub error_label: TemplateChild<gtk::Label>,
        #[template_child]
        pub register_group: TemplateChild<adw::PreferencesGroup>,
        #[template_child]
        pub register_password: TemplateChild<adw::PasswordEntryRow>,
        #[template_child]
        pub register_confirm: TemplateChild<adw::PasswordEntryRow>,
        #[template_child]
        pub register_button: TemplateChild<gtk::Button>,
        #[template_child]
        pub change_group: TemplateChild<adw::PreferencesGroup>,
        #[template_child]
        pub old_password: TemplateChild<adw::PasswordEntryRow>,
        #[template_child]
        pub new_password: TemplateChild<adw::PasswordEntryRow>,
        #[template_child]
        pub new_confirm: TemplateChild<adw::PasswordEntryRow>,
        #[template_child]
        pub change_button: TemplateChild<gtk::Button>,
        #[template_child]
        pub unregister_group: TemplateChild<adw::PreferencesGroup>,
        #[template_child]
        pub unregister_password: TemplateChild<adw::PasswordEntryRow>,
        #[template_child]
        pub unregister_button: TemplateChild<gtk::Button>,
        /// The name in use.
        pub name: RefCell<String>,
        /// Logged in to the registered name.
        pub registered: Cell<bool>,
        /// The "Unregister?" question on screen, if any.
        pub confirm: RefCell<Option<adw::MessageDialog>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for AccountDialog {
        const NAME: &'static str = "NatterAccountDialog";
        type Type = super::AccountDialog;
        type ParentType = adw::Window;

        fn class_init(klass: &mut Self::Class) {
            klass.bind_template();
            klass.install_action("account.register", None, |dialog, _, _| dialog.register());
            klass.install_action("account.change-password", None, |dialog, _, _| dialog.change_password());
            klass.install_action("account.unregister", None, |dialog, _, _| dialog.ask_unregister());
            klass.add_binding_action(gdk::Key::Escape, gdk::ModifierType::empty(), "window.close");
        }

        fn instance_init(obj: &glib::subclass::InitializingObject<Self>) {
            obj.init_template();
        }
    }

    impl ObjectImpl for AccountDialog {
        fn signals() -> &'static [Signal] {
            static SIGNALS: OnceLock<Vec<Signal>> = OnceLock::new();
            SIGNALS.get_or_init(|| {
                vec![Signal::builder("request").param_types([glib::BoxedAnyObject::static_type()]).build()]
            })
        }

        fn constructed(&self) {
            self.parent_constructed();
            self.obj().setup();
        }
    }

    impl WidgetImpl for AccountDialog {}
    impl WindowImpl for AccountDialog {}
    impl AdwWindowImpl for AccountDialog {}
}

glib::wrapper! {
    /// The account dialog.
    pub struct AccountDialog(ObjectSubclass<imp::AccountDialog>)
        @extends gtk::Widget, gtk::Window, adw::Window,
        @implements gtk::Buildable, gtk::ConstraintTarget, gtk::Native, gtk::Root, gtk::ShortcutManager;
}

impl AccountDialog {
    /// A dialog over `parent` for `name`, registered or not.
    pub fn new(parent: &impl IsA<gtk::Window>, name: &str, registered: bool) -> Self {
        let dialog: Self = glib::Object::builder().property("transient-for", parent).build();
        dialog.set_state(name, registered);
        dialog
    }

    fn setup(&self) {
        let imp = self.imp();
        // Enter in a field does what its section's button does.
        let sections: [(&adw::PasswordEntryRow, &str); 6] = [
            (&imp.register_password, "account.register"),
            (&imp.register_confirm, "account.register"),
            (&imp.old_password, "account.change-password"),
            (&imp.new_password, "account.change-password"),
            (&imp.new_confirm, "account.change-password"),
            (&imp.unregister_password, "account.unregister"),
        ];
        for (row, action) in sections {
            row.connect_entry_activated(clone!(
                #[weak(rename_to = dialog)]
                self,
                move |_| {
                    let _ = dialog.activate_action(action, None);
                }
            ));
            row.connect_changed(clone!(
                #[weak(rename_to = dialog)]
                self,
                move |row| {
                    row.remove_css_class("error");
                    dialog.clear_error();
                }
            ));
        }
    }

    /// Shows whether `name` is registered (and logged in), and the
    /// sections that fit.
    pub fn set_state(&self, name: &str, registered: bool) {
        let imp = self.imp();
        imp.name.replace(name.to_owned());
        imp.registered.set(registered);
        imp.status_row.set_title(&glib::markup_escape_text(name));
        let subtitle = if registered {
            gettext_f("Registered: you are logged in with its password.", &[])
        } else {
            gettext_f("Not registered: anyone can use this name while you are away.", &[])
        };
        imp.status_row.set_subtitle(&subtitle);
        imp.status_icon.set_icon_name(Some(if registered {
            "security-high-symbolic"
        } else {
            "avatar-default-symbolic"
        }));
        for widget in [imp.register_group.upcast_ref::<gtk::Widget>(), imp.register_button.upcast_ref()] {
            widget.set_visible(!registered);
        }
        for widget in [
            imp.change_group.upcast_ref::<gtk::Widget>(),
            imp.change_button.upcast_ref(),
            imp.unregister_group.upcast_ref(),
            imp.unregister_button.upcast_ref(),
        ] {
            widget.set_visible(registered);
        }
    }

    /// True when the dialog shows a registered name.
    pub fn shows_registered(&self) -> bool {
        self.imp().registered.get()
    }

    /// The server did what was asked: `message` as a toast, the fields emptied.
    pub fn done(&self, message: &str) {
        let imp = self.imp();
        for row in [
            &imp.register_password,
            &imp.register_confirm,
            &imp.old_password,
            &imp.new_password,
            &imp.new_confirm,
            &imp.unregister_password,
        ] {
            row.set_text("");
        }
        self.clear_error();
        imp.toasts.add_toast(adw::Toast::new(message));
        self.focus_first();
    }

    /// Shows `message` under the status.
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

    /// The fields, for tests: register password and confirmation, current,
    /// new and confirmed password, and the unregister password.
    pub fn fields(&self) -> [adw::PasswordEntryRow; 6] {
        let imp = self.imp();
        [
            imp.register_password.get(),
            imp.register_confirm.get(),
            imp.old_password.get(),
            imp.new_password.get(),
            imp.new_confirm.get(),
            imp.unregister_password.get(),
        ]
    }

    /// The "Unregister?" question, while it is on screen.
    pub fn confirmation(&self) -> Option<adw::MessageDialog> {
        self.imp().confirm.borrow().clone()
    }

    /// Puts the focus in the first field of what the dialog offers.
    pub fn focus_first(&self) {
        let imp = self.imp();
        if imp.registered.get() {
            imp.old_password.grab_focus();
        } else {
            imp.register_password.grab_focus();
        }
    }

    fn refuse(&self, row: &adw::PasswordEntryRow, message: &str) {
        row.add_css_class("error");
        row.grab_focus();
        self.show_error(message);
    }

    fn register(&self) {
        let imp = self.imp();
        let (password, confirm) = (imp.register_password.text(), imp.register_confirm.text());
        match new_password_problem(&password, &confirm) {
            Some(problem) if password.is_empty() || password == confirm => {
                self.refuse(&imp.register_password, &problem)
            }
            Some(problem) => self.refuse(&imp.register_confirm, &problem),
            None => self.request(AccountRequest::Register(password.into())),
        }
    }

    fn change_password(&self) {
        let imp = self.imp();
        let old = imp.old_password.text();
        if old.is_empty() {
            self.refuse(&imp.old_password, &gettext_f("Enter your current password.", &[]));
            return;
        }
        let (new, confirm) = (imp.new_password.text(), imp.new_confirm.text());
        if let Some(problem) = new_password_problem(&new, &new) {
            self.refuse(&imp.new_password, &problem);
        } else if let Some(problem) = new_password_problem(&new, &confirm) {
            self.refuse(&imp.new_confirm, &problem);
        } else {
            self.request(AccountRequest::ChangePassword { old: old.into(), new: new.into() });
        }
    }

    /// Asks before unregistering: it cannot be undone from here.
    fn ask_unregister(&self) {
        let imp = self.imp();
        let password = imp.unregister_password.text();
        if password.is_empty() {
            self.refuse(&imp.unregister_password, &gettext_f("Enter your password to unregister.", &[]));
            return;
        }
        let name = imp.name.borrow().clone();
        let question = adw::MessageDialog::new(
            Some(self),
            Some(&gettext_f("Unregister “{name}”?", &[("name", &name)])),
            Some(&gettext_f(
                "Anyone can then use this name while you are away, and its password is removed from this computer.",
                &[],
            )),
        );
        question.add_response("cancel", &gettext_f("_Cancel", &[]));
        question.add_response("unregister", &gettext_f("_Unregister", &[]));
        question.set_response_appearance("unregister", adw::ResponseAppearance::Destructive);
        question.set_default_response(Some("cancel"));
        question.set_close_response("cancel");
        question.connect_response(
            None,
            clone!(
                #[weak(rename_to = dialog)]
                self,
                move |_, response| {
                    dialog.imp().confirm.take();
                    if response == "unregister" {
                        dialog.request(AccountRequest::Unregister(password.to_string()));
                    }
                }
            ),
        );
        imp.confirm.replace(Some(question.clone()));
        question.present();
    }

    fn request(&self, request: AccountRequest) {
        self.clear_error();
        self.emit_by_name::<()>("request", &[&glib::BoxedAnyObject::new(request)]);
    }

    /// Connects to `request`, emitted with what to ask the server.
    pub fn connect_request<F: Fn(&Self, &AccountRequest) + 'static>(&self, f: F) -> glib::SignalHandlerId {
        self.connect_closure(
            "request",
            false,
            glib::closure_local!(move |dialog: &Self, request: glib::BoxedAnyObject| {
                // Emitted by `request` only, always with an AccountRequest.
                if let Ok(request) = request.try_borrow::<AccountRequest>() {
                    f(dialog, &request);
                }
            }),
        )
    }
}
