//! `NatterApplication`: the GApplication behind every window.
//!
//! Each window is one connection. Running `natter` again, or New Window
//! (Ctrl+N), opens another window in the same instance when a session bus
//! makes the instance unique; without one every run is its own instance.
//! `--server HOST:PORT --name NAME [--tls]` joins at once; the options are
//! registered with GApplication so it does not reject them, and they are
//! handled in `command_line`, which also runs for a second `natter`.

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::{gdk, gio, glib};

use crate::config;
use crate::i18n::gettext_f;
use crate::model::rooms::ConvId;
use crate::window::NatterWindow;

mod imp {
    use std::ops::ControlFlow;

    use super::*;

    #[derive(Debug, Default)]
    pub struct NatterApplication {}

    #[glib::object_subclass]
    impl ObjectSubclass for NatterApplication {
        const NAME: &'static str = "NatterApplication";
        type Type = super::NatterApplication;
        type ParentType = adw::Application;
    }

    impl ObjectImpl for NatterApplication {
        fn constructed(&self) {
            self.parent_constructed();
            let app = self.obj();
            app.add_main_option(
                "server",
                glib::Char::from(b's'),
                glib::OptionFlags::NONE,
                glib::OptionArg::String,
                &gettext_f("Join this server at once", &[]),
                Some(&gettext_f("HOST:PORT", &[])),
            );
            app.add_main_option(
                "name",
                glib::Char::from(b'n'),
                glib::OptionFlags::NONE,
                glib::OptionArg::String,
                &gettext_f("Join with this name", &[]),
                Some(&gettext_f("NAME", &[])),
            );
            app.add_main_option(
                "tls",
                glib::Char::from(0),
                glib::OptionFlags::NONE,
                glib::OptionArg::None,
                &gettext_f("Connect with encryption (TLS)", &[]),
                None,
            );
            app.add_main_option(
                "version",
                glib::Char::from(0),
                glib::OptionFlags::NONE,
                glib::OptionArg::None,
                &gettext_f("Show the version and exit", &[]),
                None,
            );
        }
    }

    impl ApplicationImpl for NatterApplication {
        fn startup(&self) {
            self.parent_startup();
            let app = self.obj();
            load_css();
            // Window managers on X11 show this; installed, it resolves to
            // the app icon in the hicolor theme.
            gtk::Window::set_default_icon_name(crate::config::APP_ID);
            app.setup_actions();
        }

        fn shutdown(&self) {
            // The windows are closed by now; let their goodbyes reach the server.
            crate::connection::flush_goodbyes(crate::window::GOODBYE_LIMIT);
            crate::keyring::disconnect();
            self.parent_shutdown();
        }

        fn activate(&self) {
            self.parent_activate();
            let app = self.obj();
            match app.active_window() {
                Some(window) => window.present(),
                None => app.new_window().present(),
            }
        }

        fn handle_local_options(&self, options: &glib::VariantDict) -> ControlFlow<glib::ExitCode> {
            if options.contains("version") {
                println!("natter {}", config::VERSION);
                return ControlFlow::Break(glib::ExitCode::SUCCESS);
            }
            self.parent_handle_local_options(options)
        }

        fn command_line(&self, command_line: &gio::ApplicationCommandLine) -> glib::ExitCode {
            let app = self.obj();
            let options = command_line.options_dict();
            let server = options.lookup::<String>("server").ok().flatten();
            let name = options.lookup::<String>("name").ok().flatten();
            let tls = options.contains("tls");
            let window = app.new_window();
            window.present();
            window.open_with(server.as_deref(), name.as_deref(), tls);
            glib::ExitCode::SUCCESS
        }
    }

    impl GtkApplicationImpl for NatterApplication {}
    impl AdwApplicationImpl for NatterApplication {}
}

glib::wrapper! {
    /// The Natter application.
    pub struct NatterApplication(ObjectSubclass<imp::NatterApplication>)
        @extends gio::Application, gtk::Application, adw::Application,
        @implements gio::ActionGroup, gio::ActionMap;
}

impl Default for NatterApplication {
    fn default() -> Self {
        Self::new()
    }
}

/// The application's keyboard shortcuts, also listed in `shortcuts.ui`.
pub const ACCELS: &[(&str, &[&str])] = &[
    ("app.quit", &["<Control>q"]),
    ("app.new-window", &["<Control>n"]),
    ("window.close", &["<Control>w"]),
    ("win.show-help-overlay", &["<Control>question"]),
];

impl NatterApplication {
    /// The application, with its id and command-line handling.
    pub fn new() -> Self {
        glib::Object::builder()
            .property("application-id", config::APP_ID)
            .property("flags", gio::ApplicationFlags::HANDLES_COMMAND_LINE)
            .build()
    }

    /// A new window showing the connect form.
    pub fn new_window(&self) -> NatterWindow {
        NatterWindow::new(self)
    }

    fn setup_actions(&self) {
        let quit = gio::ActionEntry::builder("quit")
            .activate(|app: &Self, _, _| {
                // Closing each window says goodbye on its connection; each
                // goes once its goodbye is done, and the application with
                // the last one. Quitting outright would cut the goodbyes off.
                for window in app.windows() {
                    window.close();
                }
                // In case a window does not go (or goes without telling).
                let limit = crate::window::GOODBYE_LIMIT + std::time::Duration::from_millis(500);
                glib::timeout_add_local_once(
                    limit,
                    glib::clone!(
                        #[weak]
                        app,
                        move || app.quit()
                    ),
                );
            })
            .build();
        let about = gio::ActionEntry::builder("about").activate(|app: &Self, _, _| app.show_about()).build();
        let new_window =
            gio::ActionEntry::builder("new-window").activate(|app: &Self, _, _| app.new_window().present()).build();
        self.add_action_entries([quit, about, new_window]);
        // A click on a notification: the window that has that conversation
        // (the most recently used first) shows it.
        let app = self.downgrade();
        crate::notify::install_show_room(self, move |conversation| {
            let Some(app) = app.upgrade() else { return };
            let id_in = |w: &NatterWindow| match &conversation {
                crate::notify::Conversation::Room(room) => w.conversation_named(room),
                crate::notify::Conversation::Private(name) => ConvId::Private(name.clone()),
            };
            let window = app
                .windows()
                .into_iter()
                .filter_map(|w| w.downcast::<NatterWindow>().ok())
                .find(|w| w.has_conversation(&id_in(w)));
            if let Some(window) = window {
                let id = id_in(&window);
                window.show_conversation(&id);
                window.present();
            }
        });

        for (action, keys) in ACCELS {
            self.set_accels_for_action(action, keys);
        }
    }

    fn show_about(&self) {
        let about = adw::AboutWindow::builder()
            .application_name(gettext_f("Natter", &[]))
            .application_icon(config::APP_ID)
            .developer_name(gettext_f("The Natter developers", &[]))
            .version(config::VERSION)
            .comments(gettext_f("Chat with people on a natterd server.", &[]))
            .license_type(gtk::License::Gpl30)
            // Translators: your names, one per line, to be credited in the About dialog.
            .translator_credits(gettext_f("translator-credits", &[]))
            .modal(true)
            .destroy_with_parent(true)
            .build();
        if let Some(window) = self.active_window() {
            about.set_transient_for(Some(&window));
        }
        about.present();
    }
}

/// Loads the client's style sheet for the whole display, once.
pub fn load_css() {
    let Some(display) = gdk::Display::default() else {
        return;
    };
    let provider = gtk::CssProvider::new();
    provider.load_from_data(include_str!("style.css"));
    gtk::style_context_add_provider_for_display(&display, &provider, gtk::STYLE_PROVIDER_PRIORITY_APPLICATION);
}

impl NatterWindow {
    /// Acts on `--server`, `--name` and `--tls`: server and name join at
    /// once, one of them only fills the form. A `--server` without `--tls`
    /// means plain TCP, whatever the form remembered, so a command line
    /// always means the same thing.
    pub fn open_with(&self, server_arg: Option<&str>, name: Option<&str>, tls: bool) {
        let page = self.connect_page();
        let server = server_arg.map(str::to_owned).unwrap_or_else(|| page.server());
        let name = name.map(str::to_owned).unwrap_or_else(|| page.name());
        page.set_values(&server, &name);
        if tls || server_arg.is_some() {
            page.set_tls(tls);
        }
        if !server.is_empty() && !name.is_empty() {
            // Through the form, so a bad name gets the same inline message.
            page.submit();
        }
    }
}
