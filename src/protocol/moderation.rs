//! Moderation on the wire: the operator commands, the notices that
//! announce each action to the room (who did it to whom), and the
//! refusals a moderated client gets.
//!
//! Durations are `30s`, `10m`, `2h` or `7d`; none means permanent. Time
//! left is written the same way, largest unit first (`1h 5m`). Notices
//! start with the actor's name, which holds no space, so they parse back.

use std::fmt;

/// Longest duration accepted: a year, so no expiry can overflow.
pub const MAX_DURATION_SECS: u64 = 365 * 86_400;
/// Longest kick or ban reason, in characters; longer ones are cut.
pub const MAX_REASON_CHARS: usize = 300;

/// Reads `30s`, `10m`, `2h`, `7d`; `None` if malformed, zero or too long.
pub fn parse_duration(s: &str) -> Option<u64> {
    let unit = match s.chars().last()? {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return None,
    };
    let digits = &s[..s.len() - 1];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs = digits.parse::<u64>().ok()?.checked_mul(unit)?;
    (1..=MAX_DURATION_SECS).contains(&secs).then_some(secs)
}

/// Writes `secs` as time left: `7d 2h`, `1h 5m`, `10m`, `45s`.
pub fn format_duration(secs: u64) -> String {
    let (d, h, m, s) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    let two = |a: u64, ua: &str, b: u64, ub: &str| if b == 0 { format!("{a}{ua}") } else { format!("{a}{ua} {b}{ub}") };
    if d > 0 {
        two(d, "d", h, "h")
    } else if h > 0 {
        two(h, "h", m, "m")
    } else if m > 0 {
        two(m, "m", s, "s")
    } else {
        format!("{s}s")
    }
}

/// Does this word look meant as a duration (a digit first)? Then it is
/// read as one, and refused if malformed, never taken as the reason.
fn looks_like_duration(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_digit())
}

/// A room mode: `+r` only registered names speak, `+t` only operators
/// set the topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    pub on: bool,
    /// `'r'` or `'t'`.
    pub letter: char,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", if self.on { '+' } else { '-' }, self.letter)
    }
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        let on = match s.chars().next()? {
            '+' => true,
            '-' => false,
            _ => return None,
        };
        match &s[1..] {
            "r" => Some(Mode { on, letter: 'r' }),
            "t" => Some(Mode { on, letter: 't' }),
            _ => None,
        }
    }
}

/// An operator command (or `/marks`), with its room if one was named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModCommand<'a> {
    Kick {
        name: &'a str,
        reason: Option<&'a str>,
    },
    /// `secs: None`: until `/unmute`.
    Mute {
        name: &'a str,
        secs: Option<u64>,
    },
    Unmute(&'a str),
    /// `target` is a name, an address or a prefix (`203.0.113.0/24`).
    Ban {
        target: &'a str,
        secs: Option<u64>,
        reason: Option<&'a str>,
    },
    Unban(&'a str),
    Bans,
    Mode(Mode),
    Op(&'a str),
    Deop(&'a str),
    Marks,
}

pub const USAGE_KICK: &str = "/kick [#ROOM] NAME [REASON]";
pub const USAGE_MUTE: &str = "/mute [#ROOM] NAME [DURATION]";
pub const USAGE_UNMUTE: &str = "/unmute [#ROOM] NAME";
pub const USAGE_BAN: &str = "/ban [#ROOM] NAME|ADDRESS[/BITS] [DURATION] [REASON]";
pub const USAGE_UNBAN: &str = "/unban [#ROOM] NAME|ADDRESS[/BITS]";
pub const USAGE_BANS: &str = "/bans [#ROOM]";
pub const USAGE_MODE: &str = "/mode [#ROOM] +r|-r|+t|-t";
pub const USAGE_OP: &str = "/op [#ROOM] NAME";
pub const USAGE_DEOP: &str = "/deop [#ROOM] NAME";
pub const USAGE_MARKS: &str = "/marks";

/// Why a moderation command line could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModUsage {
    Usage(&'static str),
    /// A word meant as a duration that is not one.
    BadDuration,
}

/// Parses the command `word` (lowercase) with `args` (room already split
/// off); `None` if `word` is not a moderation command.
pub fn parse_command<'a>(word: &str, args: &'a str) -> Option<Result<ModCommand<'a>, ModUsage>> {
    let (first, rest) = match args.split_once(char::is_whitespace) {
        Some((f, r)) => (f, r.trim()),
        None => (args, ""),
    };
    let some = |s: &'a str| Some(s).filter(|s| !s.is_empty());
    let one = |usage, make: fn(&'a str) -> ModCommand<'a>| match (first, rest) {
        ("", _) => Err(ModUsage::Usage(usage)),
        (name, "") => Ok(make(name)),
        _ => Err(ModUsage::Usage(usage)),
    };
    let duration = |w: &str| parse_duration(w).ok_or(ModUsage::BadDuration);
    Some(match word {
        "kick" if !first.is_empty() => Ok(ModCommand::Kick { name: first, reason: some(rest) }),
        "kick" => Err(ModUsage::Usage(USAGE_KICK)),
        "mute" => match (first, rest) {
            ("", _) => Err(ModUsage::Usage(USAGE_MUTE)),
            (name, "") => Ok(ModCommand::Mute { name, secs: None }),
            (name, d) if !d.contains(char::is_whitespace) => {
                duration(d).map(|s| ModCommand::Mute { name, secs: Some(s) })
            }
            _ => Err(ModUsage::Usage(USAGE_MUTE)),
        },
        "unmute" => one(USAGE_UNMUTE, ModCommand::Unmute),
        "ban" if first.is_empty() => Err(ModUsage::Usage(USAGE_BAN)),
        "ban" => {
            let (second, reason) = match rest.split_once(char::is_whitespace) {
                Some((s, r)) => (s, r.trim()),
                None => (rest, ""),
            };
            if looks_like_duration(second) {
                duration(second).map(|s| ModCommand::Ban { target: first, secs: Some(s), reason: some(reason) })
            } else {
                Ok(ModCommand::Ban { target: first, secs: None, reason: some(rest) })
            }
        }
        "unban" => one(USAGE_UNBAN, ModCommand::Unban),
        "bans" if args.is_empty() => Ok(ModCommand::Bans),
        "bans" => Err(ModUsage::Usage(USAGE_BANS)),
        "mode" => Mode::parse(args).map(ModCommand::Mode).ok_or(ModUsage::Usage(USAGE_MODE)),
        "op" => one(USAGE_OP, ModCommand::Op),
        "deop" => one(USAGE_DEOP, ModCommand::Deop),
        "marks" if args.is_empty() => Ok(ModCommand::Marks),
        "marks" => Err(ModUsage::Usage(USAGE_MARKS)),
        _ => return None,
    })
}

/// What the room is told (after `*** `, tagged with the room).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModNotice<'a> {
    /// `BY kicked NAME` or `BY kicked NAME (REASON)`
    Kicked { by: &'a str, name: &'a str, reason: Option<&'a str> },
    /// `BY muted NAME` or `BY muted NAME for 10m`
    Muted { by: &'a str, name: &'a str, secs: Option<u64> },
    /// `BY unmuted NAME`
    Unmuted { by: &'a str, name: &'a str },
    /// `BY banned TARGET[ for 1h][ (REASON)]`
    Banned { by: &'a str, target: &'a str, secs: Option<u64>, reason: Option<&'a str> },
    /// `BY unbanned TARGET`
    Unbanned { by: &'a str, target: &'a str },
    /// `BY made NAME an operator`
    Opped { by: &'a str, name: &'a str },
    /// `BY made NAME no longer an operator`
    Deopped { by: &'a str, name: &'a str },
    /// `BY set mode +r`
    ModeSet { by: &'a str, mode: Mode },
    /// `marks on`: the answer to `/marks`.
    MarksOn,
    /// `marks: +bob`: to clients that asked for marks, someone's mark in
    /// the room changed without a notice of its own (they registered:
    /// `+bob`, or unregistered: `bob`).
    Mark(&'a str),
    /// `bans (N):`, the head of the `/bans` answer; N lines follow.
    BanList(usize),
    /// `ban TARGET by BY (10m left|permanent)[: REASON]`
    BanEntry { target: &'a str, by: &'a str, left: Option<u64>, reason: Option<&'a str> },
}

/// Writes ` for 10m` for a limited time, nothing for a permanent one.
fn write_for(f: &mut fmt::Formatter<'_>, secs: Option<u64>) -> fmt::Result {
    match secs {
        Some(s) => write!(f, " for {}", format_duration(s)),
        None => Ok(()),
    }
}

/// Writes `(10m left)` or `(permanent)`.
fn write_left(f: &mut fmt::Formatter<'_>, left: Option<u64>) -> fmt::Result {
    match left {
        Some(s) => write!(f, "({} left)", format_duration(s)),
        None => f.write_str("(permanent)"),
    }
}

impl fmt::Display for ModNotice<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ModNotice::Kicked { by, name, reason } => {
                write!(f, "{by} kicked {name}")?;
                reason.map_or(Ok(()), |r| write!(f, " ({r})"))
            }
            ModNotice::Muted { by, name, secs } => {
                write!(f, "{by} muted {name}")?;
                write_for(f, secs)
            }
            ModNotice::Unmuted { by, name } => write!(f, "{by} unmuted {name}"),
            ModNotice::Banned { by, target, secs, reason } => {
                write!(f, "{by} banned {target}")?;
                write_for(f, secs)?;
                reason.map_or(Ok(()), |r| write!(f, " ({r})"))
            }
            ModNotice::Unbanned { by, target } => write!(f, "{by} unbanned {target}"),
            ModNotice::Opped { by, name } => write!(f, "{by} made {name} an operator"),
            ModNotice::Deopped { by, name } => write!(f, "{by} made {name} no longer an operator"),
            ModNotice::ModeSet { by, mode } => write!(f, "{by} set mode {mode}"),
            ModNotice::MarksOn => f.write_str("marks on"),
            ModNotice::Mark(listed) => write!(f, "marks: {listed}"),
            ModNotice::BanList(n) => write!(f, "bans ({n}):"),
            ModNotice::BanEntry { target, by, left, reason } => {
                write!(f, "ban {target} by {by} ")?;
                write_left(f, left)?;
                reason.map_or(Ok(()), |r| write!(f, ": {r}"))
            }
        }
    }
}

/// Reads `10m left)` style time left: `Some(None)` for permanent.
fn parse_left(s: &str) -> Option<Option<u64>> {
    if s == "permanent" {
        return Some(None);
    }
    let s = s.strip_suffix(" left")?;
    let mut total = 0u64;
    for part in s.split(' ') {
        total = total.checked_add(parse_duration(part).or_else(|| (part == "0s").then_some(0))?)?;
    }
    Some(Some(total))
}

/// Splits `X (REASON)` into X and the reason.
fn split_reason(s: &str) -> (&str, Option<&str>) {
    match s.split_once(" (") {
        Some((head, r)) if r.ends_with(')') => (head, Some(&r[..r.len() - 1])),
        _ => (s, None),
    }
}

impl<'a> ModNotice<'a> {
    /// Reads a notice's text (after `*** `); `None` if it is not one.
    pub fn parse(n: &'a str, is_name: impl Fn(&str) -> bool) -> Option<Self> {
        if n == "marks on" {
            return Some(ModNotice::MarksOn);
        }
        if let Some(listed) = n.strip_prefix("marks: ") {
            let name = listed.strip_prefix(['@', '+']).unwrap_or(listed);
            return is_name(name).then_some(ModNotice::Mark(listed));
        }
        if let Some(count) = n.strip_prefix("bans (").and_then(|r| r.strip_suffix("):")) {
            return count.parse().ok().map(ModNotice::BanList);
        }
        if let Some(entry) = n.strip_prefix("ban ") {
            let (target, rest) = entry.split_once(" by ")?;
            let (by, rest) = rest.split_once(" (")?;
            let (left, reason) = match rest.split_once("): ") {
                Some((l, r)) => (l, Some(r)),
                None => (rest.strip_suffix(')')?, None),
            };
            let left = parse_left(left)?;
            return is_name(by).then_some(ModNotice::BanEntry { target, by, left, reason });
        }
        let (by, rest) = n.split_once(' ')?;
        if !is_name(by) {
            return None;
        }
        let (verb, rest) = rest.split_once(' ')?;
        let with_for = |s: &'a str| match s.split_once(" for ") {
            Some((t, d)) => parse_duration(d.split(' ').next().unwrap_or(d)).map(|_| (t, Some(d))),
            None => Some((s, None)),
        };
        let secs = |d: Option<&str>| d.map(|d| parse_left(&format!("{d} left")).flatten()).unwrap_or(None);
        match verb {
            "kicked" => {
                let (name, reason) = split_reason(rest);
                is_name(name).then_some(ModNotice::Kicked { by, name, reason })
            }
            "muted" => {
                let (name, d) = with_for(rest)?;
                is_name(name).then_some(ModNotice::Muted { by, name, secs: secs(d) })
            }
            "unmuted" => is_name(rest).then_some(ModNotice::Unmuted { by, name: rest }),
            "banned" => {
                let (head, reason) = split_reason(rest);
                let (target, d) = with_for(head)?;
                Some(ModNotice::Banned { by, target, secs: secs(d), reason })
            }
            "unbanned" => Some(ModNotice::Unbanned { by, target: rest }),
            "made" => {
                if let Some(name) = rest.strip_suffix(" an operator").filter(|n| is_name(n)) {
                    return Some(ModNotice::Opped { by, name });
                }
                let name = rest.strip_suffix(" no longer an operator").filter(|n| is_name(n))?;
                Some(ModNotice::Deopped { by, name })
            }
            "set" => rest.strip_prefix("mode ").and_then(Mode::parse).map(|mode| ModNotice::ModeSet { by, mode }),
            _ => None,
        }
    }
}

/// A moderation refusal (after `*** error: `).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModError<'a> {
    /// `not an operator of ROOM`
    NotOperator(&'a str),
    /// `you are muted in ROOM (10m left)` or `(permanent)`
    Muted { room: &'a str, left: Option<u64> },
    /// `you are banned from ROOM (1h left): REASON`
    BannedFromRoom { room: &'a str, left: Option<u64>, reason: Option<&'a str> },
    /// `you are banned from this server (1h left): REASON`
    BannedFromServer { left: Option<u64>, reason: Option<&'a str> },
    /// `only registered names may speak in ROOM`
    RegisteredOnly(&'a str),
    /// `too many bans in ROOM (max N)`
    TooManyBans { room: &'a str, max: usize },
    /// `invalid duration: use 30s, 10m, 2h or 7d (at most 365d)`
    BadDuration,
    /// `invalid ban target: TARGET`
    BadTarget(&'a str),
    /// `no such ban: TARGET`
    NoSuchBan(&'a str),
}

const BAD_DURATION: &str = "invalid duration: use 30s, 10m, 2h or 7d (at most 365d)";

impl fmt::Display for ModError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = |f: &mut fmt::Formatter<'_>, r: Option<&str>| r.map_or(Ok(()), |r| write!(f, ": {r}"));
        match *self {
            ModError::NotOperator(room) => write!(f, "not an operator of {room}"),
            ModError::Muted { room, left } => {
                write!(f, "you are muted in {room} ")?;
                write_left(f, left)
            }
            ModError::BannedFromRoom { room, left, reason: r } => {
                write!(f, "you are banned from {room} ")?;
                write_left(f, left)?;
                reason(f, r)
            }
            ModError::BannedFromServer { left, reason: r } => {
                f.write_str("you are banned from this server ")?;
                write_left(f, left)?;
                reason(f, r)
            }
            ModError::RegisteredOnly(room) => write!(f, "only registered names may speak in {room}"),
            ModError::TooManyBans { room, max } => write!(f, "too many bans in {room} (max {max})"),
            ModError::BadDuration => f.write_str(BAD_DURATION),
            ModError::BadTarget(t) => write!(f, "invalid ban target: {t}"),
            ModError::NoSuchBan(t) => write!(f, "no such ban: {t}"),
        }
    }
}

/// `(LEFT)` then an optional `: REASON`.
fn parse_left_reason(s: &str) -> Option<(Option<u64>, Option<&str>)> {
    let s = s.strip_prefix('(')?;
    let (left, reason) = match s.split_once("): ") {
        Some((l, r)) => (l, Some(r)),
        None => (s.strip_suffix(')')?, None),
    };
    Some((parse_left(left)?, reason))
}

impl<'a> ModError<'a> {
    /// Reads an error's text (after `*** error: `); `None` if it is not one.
    pub fn parse(e: &'a str) -> Option<Self> {
        if e == BAD_DURATION {
            return Some(ModError::BadDuration);
        }
        if let Some(room) = e.strip_prefix("not an operator of ") {
            return Some(ModError::NotOperator(room));
        }
        if let Some(rest) = e.strip_prefix("you are muted in ") {
            let (room, left) = rest.split_once(' ')?;
            let (left, None) = parse_left_reason(left)? else { return None };
            return Some(ModError::Muted { room, left });
        }
        if let Some(rest) = e.strip_prefix("you are banned from this server ") {
            let (left, reason) = parse_left_reason(rest)?;
            return Some(ModError::BannedFromServer { left, reason });
        }
        if let Some(rest) = e.strip_prefix("you are banned from ") {
            let (room, rest) = rest.split_once(' ')?;
            let (left, reason) = parse_left_reason(rest)?;
            return Some(ModError::BannedFromRoom { room, left, reason });
        }
        if let Some(room) = e.strip_prefix("only registered names may speak in ") {
            return Some(ModError::RegisteredOnly(room));
        }
        if let Some((room, max)) = e.strip_prefix("too many bans in ").and_then(|r| r.split_once(" (max ")) {
            return max.strip_suffix(')')?.parse().ok().map(|max| ModError::TooManyBans { room, max });
        }
        if let Some(t) = e.strip_prefix("invalid ban target: ") {
            return Some(ModError::BadTarget(t));
        }
        e.strip_prefix("no such ban: ").map(ModError::NoSuchBan)
    }
}

#[cfg(test)]
mod tests;
