//! What the client remembers between runs: the last server, name and
//! whether the connection was encrypted.
//!
//! Kept in a small key file, `natter/settings.ini` under the user config
//! directory, rather than GSettings: a development run from `target/` has
//! no schema installed, and a missing schema aborts a GTK app.

use std::path::{Path, PathBuf};

use gtk::glib;

use crate::model::address::DEFAULT_SERVER;

const GROUP: &str = "connection";

/// The remembered values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The last server joined, as typed (`host:port`).
    pub server: String,
    /// The last name joined as.
    pub name: String,
    /// Whether that join used TLS (the "Use encryption" switch).
    pub tls: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { server: DEFAULT_SERVER.to_owned(), name: String::new(), tls: false }
    }
}

impl Settings {
    /// The settings file of this user.
    pub fn path() -> PathBuf {
        glib::user_config_dir().join("natter").join("settings.ini")
    }

    /// Reads the user's settings; defaults for anything missing or unreadable.
    pub fn load() -> Self {
        Self::load_from(&Self::path())
    }

    /// Reads settings from `path`.
    pub fn load_from(path: &Path) -> Self {
        let mut settings = Settings::default();
        let file = glib::KeyFile::new();
        if file.load_from_file(path, glib::KeyFileFlags::NONE).is_err() {
            return settings;
        }
        if let Ok(server) = file.string(GROUP, "server") {
            if !server.trim().is_empty() {
                settings.server = server.into();
            }
        }
        if let Ok(name) = file.string(GROUP, "name") {
            settings.name = name.into();
        }
        if let Ok(tls) = file.boolean(GROUP, "tls") {
            settings.tls = tls;
        }
        settings
    }

    /// Saves to the user's settings file.
    pub fn save(&self) -> Result<(), glib::Error> {
        self.save_to(&Self::path())
    }

    /// Saves to `path`, creating its directory.
    pub fn save_to(&self, path: &Path) -> Result<(), glib::Error> {
        if let Some(dir) = path.parent() {
            // save_to_file reports the failure if this did not work.
            let _ = std::fs::create_dir_all(dir);
        }
        let file = glib::KeyFile::new();
        file.set_string(GROUP, "server", &self.server);
        file.set_string(GROUP, "name", &self.name);
        file.set_boolean(GROUP, "tls", self.tls);
        file.save_to_file(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_defaults() {
        let dir = std::env::temp_dir().join(format!("natter-settings-{}", std::process::id()));
        let path = dir.join("natter").join("settings.ini");
        assert_eq!(Settings::load_from(&path), Settings::default());
        let saved = Settings { server: "example.org:6000".into(), name: "철수".into(), tls: true };
        saved.save_to(&path).unwrap();
        assert_eq!(Settings::load_from(&path), saved);
        assert!(std::fs::read_to_string(&path).unwrap().contains("tls=true"));
        // A file from before the switch existed reads as unencrypted.
        std::fs::write(&path, "[connection]\nserver=example.org:6000\nname=a\n").unwrap();
        assert!(!Settings::load_from(&path).tls);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
