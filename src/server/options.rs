//! natterd's command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use log::LevelFilter;
use natter::protocol::{canonical_room, DEFAULT_MAX_LINE, DEFAULT_PORT, DEFAULT_ROOM};

/// natterd: a tiny, fast multi-user chat server speaking plain text lines.
///
/// Connect with the natter desktop client, or with `nc HOST PORT`: the first
/// line you type is your name, every later line is a message. Type /help
/// once joined.
#[derive(Parser, Debug, Clone)]
#[command(name = "natterd", version, about, long_about)]
pub struct Options {
    /// Address and port to listen on; port 0 picks a free port. IPv6 works
    /// too, e.g. [::]:5000.
    #[arg(long, value_name = "ADDR:PORT", default_value_t = default_listen())]
    pub listen: SocketAddr,

    /// Also serve TLS on this address and port (port 0 picks a free one);
    /// needs --tls-cert and --tls-key.
    #[arg(long, value_name = "ADDR:PORT", requires_all = ["tls_cert", "tls_key"])]
    pub listen_tls: Option<SocketAddr>,

    /// PEM certificate chain for --listen-tls, leaf first.
    #[arg(long, value_name = "FILE", requires = "listen_tls")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key for --listen-tls.
    #[arg(long, value_name = "FILE", requires = "listen_tls")]
    pub tls_key: Option<PathBuf>,

    /// Most connections open at once, named or not; the next one is told
    /// the server is full and closed.
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = positive)]
    pub max_clients: usize,

    /// Longest line a client may send, in bytes; longer lines are refused
    /// with an error and the client stays connected.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_LINE, value_parser = positive)]
    pub max_line: usize,

    /// Most output queued for one client, in bytes; a client that stops
    /// reading is dropped ("too slow") when it passes this.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20, value_parser = positive)]
    pub max_queue: usize,

    /// Most output queued for all clients together, in bytes; past it the
    /// clients with the largest, longest-stalled queues are dropped ("too
    /// slow"). The default suits a 512 MiB VPS.
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20, value_parser = positive)]
    pub max_output_total: usize,

    /// Names one address (IPv6: one /64) may register in an hour; 0 means
    /// no limit. Counts loopback too.
    #[arg(long, value_name = "N", default_value_t = 60)]
    pub max_registrations_per_hour: usize,

    /// Most connections from one IP address, named or not; 0 means no
    /// limit. Counts loopback too.
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub max_per_ip: usize,

    /// Lines per second one address (IPv6: one /64) may send after its
    /// burst, shared by all its connections and kept after they close; a
    /// client over it is slowed down (its socket is not read), never cut
    /// off. A private message costs one more line per 512 bytes. 0 turns
    /// flood control off.
    #[arg(long, value_name = "LINES_PER_SEC", default_value_t = 50)]
    pub flood_rate: u32,

    /// Lines an address may send at once before the rate applies.
    #[arg(long, value_name = "LINES", default_value_t = 100)]
    pub flood_burst: u32,

    /// New connections one address (IPv6: one /64) may open per minute,
    /// after a first burst of as many; the next is refused. 0 means no
    /// limit (0 to 100000).
    #[arg(long, value_name = "PER_MINUTE", default_value_t = 300, value_parser = clap::value_parser!(u32).range(0..=MAX_CONNECTS))]
    pub max_connects_per_ip: u32,

    /// Seconds a new connection has to send its name before it is closed
    /// (1 to 86400: a day).
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=MAX_SECS))]
    pub name_timeout: u64,

    /// The room every client is in from the start and cannot leave; its
    /// lines carry no room tag, so clients that know nothing of rooms
    /// talk there as before.
    #[arg(long, value_name = "#ROOM", default_value = DEFAULT_ROOM, value_parser = room_name)]
    pub default_room: String,

    /// Most rooms with members besides the default room; a /join that
    /// would make one more is refused. Empty rooms kept for their history
    /// do not count (at most this many of them are listed).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_rooms: usize,

    /// Most rooms one client may be in besides the default room.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub max_rooms_per_client: usize,

    /// Longest room topic in characters; a longer one is cut to this.
    #[arg(long, value_name = "CHARS", default_value_t = 300, value_parser = positive)]
    pub max_topic: usize,

    /// Where natterd keeps its database (history, rooms). Default:
    /// systemd's $STATE_DIRECTORY, else $XDG_STATE_HOME/natterd, else
    /// ~/.local/state/natterd.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Keep no chat lines: rooms vanish when empty, as before. Registered
    /// names (and bans) are still kept in the data directory.
    #[arg(long)]
    pub no_history: bool,

    /// Stored lines a joiner of a room gets first (0 to 500; 0: none).
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u16).range(0..=500))]
    pub history_replay: u16,

    /// Days stored lines are kept (0 to 36500; 0: no age limit).
    #[arg(long, value_name = "DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(0..=36_500))]
    pub history_days: u32,

    /// Most megabytes of stored lines; the oldest go past it (0: no cap).
    #[arg(long, value_name = "MB", default_value_t = 0)]
    pub history_max_mb: u64,

    /// A registered name that is a server operator: an operator of every
    /// room, whose bans in the default room keep people off the server.
    /// Repeat for more. Counts only while logged in to that name. The
    /// data directory's `admins` file (a name a line) names more.
    #[arg(long = "admin", value_name = "NAME")]
    pub admins: Vec<String>,

    /// How much to log to stderr: off, error, warn, info, debug or trace.
    #[arg(long, value_name = "LEVEL", default_value_t = LevelFilter::Info)]
    pub log_level: LevelFilter,
}

/// Longest duration any flag takes, in seconds: a day. Bounding every
/// duration at start means no deadline computed from one can overflow.
const MAX_SECS: u64 = 86_400;

/// Most connects a minute `--max-connects-per-ip` takes: past this it
/// would limit nothing anyway, and its bucket arithmetic stays small.
const MAX_CONNECTS: i64 = 100_000;

fn default_listen() -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], DEFAULT_PORT))
}

impl Options {
    /// The data directory, or `None` with `--no-history`.
    pub fn data_dir(&self) -> Option<PathBuf> {
        if let Some(dir) = &self.data_dir {
            return Some(dir.clone());
        }
        let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        // systemd may list several directories, separated by colons.
        if let Some(state) = std::env::var("STATE_DIRECTORY").ok().filter(|v| !v.is_empty()) {
            return Some(PathBuf::from(state.split(':').next().unwrap_or(&state)));
        }
        let base = env("XDG_STATE_HOME").or_else(|| env("HOME").map(|h| h.join(".local/state")))?;
        Some(base.join("natterd"))
    }
}

fn room_name(s: &str) -> Result<String, String> {
    canonical_room(s).map(|r| r.into_owned()).map_err(|e| e.to_string())
}

fn positive(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let o = Options::try_parse_from(["natterd"]).expect("defaults should parse");
        assert_eq!(o.listen.to_string(), "0.0.0.0:5000");
        assert_eq!((o.max_clients, o.max_line, o.max_queue), (10_000, 4096, 1 << 20));
        assert_eq!(o.max_output_total, 64 << 20);
        assert_eq!((o.max_per_ip, o.flood_rate, o.flood_burst, o.name_timeout), (16, 50, 100, 30));
        assert_eq!(o.max_connects_per_ip, 300);
        assert_eq!(
            (o.default_room.as_str(), o.max_rooms, o.max_rooms_per_client, o.max_topic),
            ("#lobby", 1000, 20, 300)
        );
    }

    #[test]
    fn default_room_must_be_a_room() {
        let o = Options::try_parse_from(["natterd", "--default-room", "#일반"]).expect("a Korean room");
        assert_eq!(o.default_room, "#일반");
        for bad in ["lobby", "#", "#a b", "#a:b"] {
            let err = Options::try_parse_from(["natterd", "--default-room", bad]).expect_err(bad).to_string();
            assert!(err.contains("--default-room"), "{err}");
        }
    }

    #[test]
    fn ipv6_and_bad_values() {
        let o = Options::try_parse_from(["natterd", "--listen", "[::1]:0"]).expect("ipv6");
        assert!(o.listen.is_ipv6());
        assert!(Options::try_parse_from(["natterd", "--max-line", "0"]).is_err());
        assert!(Options::try_parse_from(["natterd", "--listen", "nowhere"]).is_err());
        assert!(Options::try_parse_from(["natterd", "--name-timeout", "0"]).is_err());
        assert!(Options::try_parse_from(["natterd", "--name-timeout", "86400"]).is_ok());
        for huge in ["86401", "18446744073709551615", "18446744073709551616"] {
            let err = Options::try_parse_from(["natterd", "--name-timeout", huge]).expect_err(huge).to_string();
            assert!(err.contains("--name-timeout"), "{err}");
        }
        assert!(Options::try_parse_from(["natterd", "--max-connects-per-ip", "0"]).is_ok());
        for bad in ["100001", "many"] {
            let err = Options::try_parse_from(["natterd", "--max-connects-per-ip", bad]).expect_err(bad).to_string();
            assert!(err.contains("--max-connects-per-ip"), "{err}");
        }
        assert!(Options::try_parse_from(["natterd", "--listen-tls", "[::1]:0"]).is_err());
        assert!(Options::try_parse_from(["natterd", "--tls-cert", "c", "--tls-key", "k"]).is_err());
        let tls = ["natterd", "--listen-tls", "127.0.0.1:0", "--tls-cert", "c", "--tls-key", "k"];
        assert!(Options::try_parse_from(tls).is_ok());
    }
}
