//! The pins: which certificate the user trusted for which server.
//!
//! Kept in `natter/known_servers` under the user config directory, one
//! server a line, `host:port` and the certificate's SHA-256 fingerprint,
//! in the spirit of SSH's `known_hosts`. The connection thread reads it at
//! every encrypted connect; the window adds to it when the user trusts a
//! certificate. Lines it does not understand are kept as they are, so a
//! hand edit is never lost.

use std::io;
use std::path::{Path, PathBuf};

use gtk::glib;

use super::cert_verifier::Fingerprint;

const HEADER: &str = "# Servers whose certificate you trusted in Natter: host:port, then the\n\
                      # SHA-256 fingerprint. Delete a line to be asked again.";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Line {
    Pin {
        server: String,
        fingerprint: Fingerprint,
    },
    /// A comment, a blank line or something unreadable, kept verbatim.
    Other(String),
}

/// The pins of one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownServers {
    lines: Vec<Line>,
}

/// Servers are compared as typed but for the case of the host name.
fn key(server: &str) -> String {
    server.to_ascii_lowercase()
}

impl KnownServers {
    /// The pin file of this user.
    pub fn path() -> PathBuf {
        glib::user_config_dir().join("natter").join("known_servers")
    }

    /// Reads the pins in `path`; none when the file does not exist.
    pub fn load_from(path: &Path) -> io::Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(Self::parse(&text)),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Self::default()),
            Err(err) => Err(err),
        }
    }

    fn parse(text: &str) -> Self {
        let lines = text
            .lines()
            .map(|line| {
                let mut words = line.split_whitespace();
                match (words.next(), words.next().and_then(Fingerprint::parse), words.next()) {
                    (Some(server), Some(fingerprint), None) if !server.starts_with('#') => {
                        Line::Pin { server: key(server), fingerprint }
                    }
                    _ => Line::Other(line.to_owned()),
                }
            })
            .collect();
        KnownServers { lines }
    }

    /// The fingerprint pinned for `server` (`host:port`), if any.
    pub fn get(&self, server: &str) -> Option<Fingerprint> {
        let server = key(server);
        self.lines.iter().find_map(|line| match line {
            Line::Pin { server: s, fingerprint } if *s == server => Some(*fingerprint),
            _ => None,
        })
    }

    /// Pins `fingerprint` for `server`, replacing any earlier pin.
    pub fn set(&mut self, server: &str, fingerprint: Fingerprint) {
        let server = key(server);
        self.lines.retain(|line| !matches!(line, Line::Pin { server: s, .. } if *s == server));
        self.lines.push(Line::Pin { server, fingerprint });
    }

    /// Writes the pins to `path`, creating the directory. GLib writes a
    /// temporary file and renames it, so a crash never leaves half a file.
    pub fn save_to(&self, path: &Path) -> io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut text = String::new();
        if self.lines.is_empty() || !matches!(&self.lines[0], Line::Other(l) if l.starts_with('#')) {
            text.push_str(HEADER);
            text.push('\n');
        }
        for line in &self.lines {
            match line {
                Line::Pin { server, fingerprint } => text.push_str(&format!("{server} {fingerprint}")),
                Line::Other(other) => text.push_str(other),
            }
            text.push('\n');
        }
        glib::file_set_contents(path, text.as_bytes()).map_err(io::Error::other)
    }

    /// Pins `fingerprint` for `server` in the file at `path` (read, change, write).
    pub fn pin(path: &Path, server: &str, fingerprint: Fingerprint) -> io::Result<()> {
        let mut known = Self::load_from(path)?;
        known.set(server, fingerprint);
        known.save_to(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(byte: u8) -> Fingerprint {
        Fingerprint::parse(&vec![format!("{byte:02X}"); 32].join(":")).unwrap()
    }

    #[test]
    fn pins_are_written_read_back_and_replaced() {
        let dir = std::env::temp_dir().join(format!("natter-known-servers-{}", std::process::id()));
        let path = dir.join("natter").join("known_servers");
        assert_eq!(KnownServers::load_from(&path).unwrap(), KnownServers::default());

        KnownServers::pin(&path, "chat.example.org:6697", fp(1)).unwrap();
        KnownServers::pin(&path, "[::1]:5001", fp(2)).unwrap();
        let known = KnownServers::load_from(&path).unwrap();
        assert_eq!(known.get("chat.example.org:6697"), Some(fp(1)));
        assert_eq!(known.get("Chat.Example.ORG:6697"), Some(fp(1)), "host names ignore case");
        assert_eq!(known.get("[::1]:5001"), Some(fp(2)));
        assert_eq!(known.get("chat.example.org:5000"), None, "the port is part of the key");

        KnownServers::pin(&path, "chat.example.org:6697", fp(3)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# "), "a header says what the file is:\n{text}");
        assert_eq!(text.lines().filter(|l| l.starts_with("chat.example.org:6697 ")).count(), 1, "{text}");
        assert_eq!(KnownServers::load_from(&path).unwrap().get("chat.example.org:6697"), Some(fp(3)));
        assert!(!path.with_extension("new").exists());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn hand_edits_and_junk_survive_a_rewrite() {
        let mut known = KnownServers::parse(&format!(
            "# my servers\n\nhome:5000 {}\nthis line is not a pin\nhalf:1 AB:CD\n",
            fp(7)
        ));
        assert_eq!(known.get("home:5000"), Some(fp(7)));
        assert_eq!(known.get("half:1"), None);
        known.set("new:1", fp(8));
        let dir = std::env::temp_dir().join(format!("natter-known-junk-{}", std::process::id()));
        let path = dir.join("known_servers");
        known.save_to(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# my servers\n\nhome:5000 "), "{text}");
        assert!(text.contains("this line is not a pin\nhalf:1 AB:CD\nnew:1 "), "{text}");
        assert_eq!(KnownServers::load_from(&path).unwrap(), known);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
