//! What the client remembers between runs: the last server, name and
//! whether the connection was encrypted, and the rooms joined on each
//! server (rejoined on the next start).
//!
//! Kept in a small key file, `natter/settings.ini` under the user config
//! directory, rather than GSettings: a development run from `target/` has
//! no schema installed, and a missing schema aborts a GTK app.

use std::path::{Path, PathBuf};

use gtk::glib;

use crate::model::address::DEFAULT_SERVER;

const GROUP: &str = "connection";
/// One key per server (its address, escaped): the rooms joined there.
const ROOMS: &str = "rooms";
/// Kept private conversations, per server and user: another name on the
/// same server has conversations of its own.
const PRIVATE: &str = "private";

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
        let file = load_file(path);
        file.set_string(GROUP, "server", &self.server);
        file.set_string(GROUP, "name", &self.name);
        file.set_boolean(GROUP, "tls", self.tls);
        file.save_to_file(path)
    }

    /// The rooms remembered for `server` (as typed, `host:port`).
    pub fn rooms_for(server: &str) -> Vec<String> {
        Self::rooms_in(&Self::path(), server)
    }

    /// Remembers `rooms` as the rooms joined on `server`.
    pub fn remember_rooms(server: &str, rooms: &[String]) -> Result<(), glib::Error> {
        Self::remember_rooms_in(&Self::path(), server, rooms)
    }

    /// The people whose kept private conversations `me` had open on
    /// `server`.
    pub fn privates_for(server: &str, me: &str) -> Vec<String> {
        list_in(&Self::path(), PRIVATE, &private_key(server, me))
    }

    /// Remembers `names` as `me`'s kept private conversations on `server`.
    pub fn remember_privates(server: &str, me: &str, names: &[String]) -> Result<(), glib::Error> {
        remember_list_in(&Self::path(), PRIVATE, &private_key(server, me), names)
    }

    /// [`Settings::rooms_for`] in the file at `path`.
    pub fn rooms_in(path: &Path, server: &str) -> Vec<String> {
        list_in(path, ROOMS, &server_key(server))
    }

    /// [`Settings::remember_rooms`] in the file at `path`, keeping the rest.
    pub fn remember_rooms_in(path: &Path, server: &str, rooms: &[String]) -> Result<(), glib::Error> {
        remember_list_in(path, ROOMS, &server_key(server), rooms)
    }
}

/// The key of `me`'s private conversations on `server`.
fn private_key(server: &str, me: &str) -> String {
    server_key(&format!("{server} {}", natter::protocol::fold_name(me)))
}

/// A space-separated list (room and user names hold no spaces).
fn list_in(path: &Path, group: &str, key: &str) -> Vec<String> {
    let list = load_file(path).string(group, key).unwrap_or_default();
    list.split_whitespace().map(str::to_owned).collect()
}

/// Writes a list (none: the key goes), keeping the rest of the file.
fn remember_list_in(path: &Path, group: &str, key: &str, items: &[String]) -> Result<(), glib::Error> {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let file = load_file(path);
    if items.is_empty() {
        let _ = file.remove_key(group, key);
    } else {
        file.set_string(group, key, &items.join(" "));
    }
    file.save_to_file(path)
}

/// The file at `path`, or an empty one (comments and other groups kept).
fn load_file(path: &Path) -> glib::KeyFile {
    let file = glib::KeyFile::new();
    let _ = file.load_from_file(path, glib::KeyFileFlags::KEEP_COMMENTS);
    file
}

/// A key file key for `server`: key names may not hold `=`, `[`, `]`,
/// spaces or line breaks, which IPv6 addresses and typed hosts can.
fn server_key(server: &str) -> String {
    let mut key = String::new();
    for c in server.trim().to_lowercase().chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '_') {
            key.push(c);
        } else {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                key.push_str(&format!("%{b:02X}"));
            }
        }
    }
    key
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

    #[test]
    fn rooms_are_kept_per_server_beside_the_connection() {
        let dir = std::env::temp_dir().join(format!("natter-settings-rooms-{}", std::process::id()));
        let path = dir.join("natter").join("settings.ini");
        let rooms = vec!["#dev".to_owned(), "#개발".to_owned()];
        Settings::remember_rooms_in(&path, "[::1]:5000", &rooms).unwrap();
        Settings::remember_rooms_in(&path, "example.org:6000", &["#ops".to_owned()]).unwrap();
        let saved = Settings { server: "example.org:6000".into(), name: "a".into(), tls: false };
        saved.save_to(&path).unwrap();
        assert_eq!(Settings::rooms_in(&path, "[::1]:5000"), rooms);
        assert_eq!(Settings::rooms_in(&path, "Example.org:6000"), ["#ops"]);
        assert_eq!(Settings::load_from(&path), saved);
        Settings::remember_rooms_in(&path, "[::1]:5000", &[]).unwrap();
        assert!(Settings::rooms_in(&path, "[::1]:5000").is_empty());
        assert!(Settings::rooms_in(&path, "elsewhere:1").is_empty());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn private_conversations_are_kept_per_server_and_name() {
        let dir = std::env::temp_dir().join(format!("natter-settings-privates-{}", std::process::id()));
        let path = dir.join("natter").join("settings.ini");
        let key = |me: &str| private_key("example.org:6000", me);
        remember_list_in(&path, PRIVATE, &key("Alice"), &["bob".to_owned(), "철수".to_owned()]).unwrap();
        Settings::remember_rooms_in(&path, "example.org:6000", &["#ops".to_owned()]).unwrap();
        assert_eq!(list_in(&path, PRIVATE, &key("alice")), ["bob", "철수"], "the name folded");
        assert!(list_in(&path, PRIVATE, &key("carol")).is_empty(), "another name has its own");
        assert_eq!(Settings::rooms_in(&path, "example.org:6000"), ["#ops"], "rooms apart");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
