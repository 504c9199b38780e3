//! natter: the GTK4 desktop client of the Natter chat.
//!
//! Sets up logging and gettext, then runs [`NatterApplication`]. The
//! modules are `pub` only so the GTK tests (`tests/gtk_ui.rs`) can include
//! this tree and drive a real window.

pub mod application;
pub mod config;
pub mod connection;
pub mod i18n;
pub mod keyring;
pub mod model;
pub mod notify;
pub mod settings;
pub mod widgets;
pub mod window;

use gettextrs::LocaleCategory;
use gtk::{glib, prelude::*};

use crate::application::NatterApplication;

/// Logging to stderr; `NATTER_LOG=debug` for more.
pub fn init_logging() {
    let level = std::env::var("NATTER_LOG").ok().and_then(|l| l.parse().ok()).unwrap_or(log::LevelFilter::Warn);
    let _ = simplelog::SimpleLogger::init(level, simplelog::Config::default());
}

/// Where the compiled translations are: a `locale` folder beside the
/// executable when natter runs from its build folder (`run.sh` and the GTK
/// tests compile the catalogs there), else the install prefix's.
fn locale_dir() -> std::path::PathBuf {
    let beside_exe = std::env::current_exe().ok().and_then(|exe| Some(exe.parent()?.join("locale")));
    match beside_exe {
        Some(dir) if dir.is_dir() => dir,
        _ => config::LOCALEDIR.into(),
    }
}

/// Binds the translations of the client.
pub fn init_gettext() {
    // SAFETY: called first thing in main, before any other thread exists.
    unsafe {
        gettextrs::setlocale(LocaleCategory::LcAll, "");
    }
    if let Err(err) = gettextrs::bindtextdomain(config::GETTEXT_PACKAGE, locale_dir()) {
        log::warn!("cannot bind the text domain: {err}");
    }
    let _ = gettextrs::bind_textdomain_codeset(config::GETTEXT_PACKAGE, "UTF-8");
    let _ = gettextrs::textdomain(config::GETTEXT_PACKAGE);
}

#[allow(dead_code)]
fn main() -> glib::ExitCode {
    init_gettext();
    init_logging();
    glib::set_application_name(&i18n::gettext_f("Natter", &[]));
    NatterApplication::new().run()
}
