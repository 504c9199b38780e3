//! How an [`Entry`] reads on screen: translated Pango markup and a row kind
//! the message row turns into a style class.
//!
//! Only the client's own words are translated; what people wrote, and
//! server text the client does not understand, is shown as received.

use gettextrs::{gettext, ngettext};
use natter::protocol::account::{password_problem, AccountError, AccountReply, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use natter::protocol::moderation::{ModError, ModNotice};
use natter::protocol::{is_visible, ErrorKind, NameError, MAX_NAME_CHARS};

use super::address::AddressError;
use super::delivery::TooLong;
use super::session::{Entry, REPLACED};
use super::text::{escape, linkify, name_color_index};
use crate::connection::CloseReason;
use crate::i18n::{fill_markup, gettext_f, ngettext_f};

/// The look of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// Someone else's message.
    Message,
    /// Someone else's message that names this user.
    Mention,
    /// This user's own message.
    Own,
    /// A `/me` action.
    Action,
    /// Someone else's `/me` action that names this user.
    ActionMention,
    /// A private message, either way.
    Private,
    /// Joins, quits, renames, who-lists and server notices (dimmed).
    Status,
    /// Errors, and the connection being lost.
    Error,
    /// The "New messages" divider after replayed history.
    Divider,
}

impl RowKind {
    /// The CSS class of the row (see `style.css`).
    pub fn css_class(self) -> &'static str {
        match self {
            RowKind::Message => "message",
            RowKind::Mention => "mention",
            RowKind::Own => "own",
            RowKind::Action => "action",
            RowKind::ActionMention => "action-mention",
            RowKind::Private => "private",
            RowKind::Status => "status",
            RowKind::Error => "error-line",
            RowKind::Divider => "divider",
        }
    }
}

/// Name colours that read well on the light or the dark background.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    /// One per name, picked by [`name_color_index`].
    pub names: &'static [&'static str],
    /// This user's own name.
    pub own: &'static str,
}

/// Darker GNOME palette shades, at least 4.5:1 on the light background.
pub const LIGHT: Palette = Palette {
    names: &["#1a5fb4", "#c01c28", "#26734d", "#813d9c", "#b23c00", "#865e3c", "#0e6e6a", "#a51d73"],
    own: "#3d3846",
};

/// Lighter shades for the dark background.
pub const DARK: Palette = Palette {
    names: &["#99c1f1", "#f66151", "#8ff0a4", "#dc8add", "#ffa348", "#cdab8f", "#62d0c8", "#f58cc8"],
    own: "#deddda",
};

/// A line ready for a label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Pango markup.
    pub markup: String,
    /// The row style.
    pub kind: RowKind,
}

fn name(name: &str, palette: &Palette) -> String {
    let colour = palette.names[name_color_index(name, palette.names.len())];
    format!("<span foreground=\"{colour}\" weight=\"bold\">{}</span>", escape(name))
}

fn own_name(name: &str, palette: &Palette) -> String {
    format!("<span foreground=\"{}\" weight=\"bold\">{}</span>", palette.own, escape(name))
}

fn list(names: &[String], palette: &Palette) -> String {
    names.iter().map(|n| self::name(n, palette)).collect::<Vec<_>>().join(", ")
}

/// Renders one entry.
pub fn render(entry: &Entry, palette: &Palette) -> Rendered {
    use RowKind::*;
    let (markup, kind) = match entry {
        Entry::Chat { from, text, mention } => {
            (format!("{}: {}", name(from, palette), linkify(text)), if *mention { Mention } else { Message })
        }
        Entry::OwnChat { from, text } => (format!("{}: {}", own_name(from, palette), linkify(text)), Own),
        Entry::Action { from, text, own, mention } => {
            let who = if *own { own_name(from, palette) } else { name(from, palette) };
            (format!("* {who} {}", linkify(text)), if *mention && !*own { ActionMention } else { Action })
        }
        Entry::PrivateIn { from, text } => (
            // Translators: a private message received; {name} sent it.
            fill_markup(
                gettext("{name} (private): {text}"),
                &[("name", &name(from, palette)), ("text", &linkify(text))],
            ),
            Private,
        ),
        Entry::PrivateOut { to, text } => (
            // Translators: a private message this user sent to {name}.
            fill_markup(
                gettext("→ {name} (private): {text}"),
                &[("name", &name(to, palette)), ("text", &linkify(text))],
            ),
            Private,
        ),
        Entry::Welcome { name: me, online } if online.len() <= 1 => (
            fill_markup(gettext("Welcome, {name}! Nobody else is here yet."), &[("name", &own_name(me, palette))]),
            Status,
        ),
        Entry::Welcome { name: me, online } => {
            let others: Vec<String> = online.iter().filter(|n| *n != me).cloned().collect();
            let count = others.len().to_string();
            (
                fill_markup(
                    // Translators: shown on joining; {names} lists the others online.
                    ngettext(
                        "Welcome, {name}! {count} other person is here: {names}",
                        "Welcome, {name}! {count} other people are here: {names}",
                        u32::try_from(others.len()).unwrap_or(u32::MAX),
                    ),
                    &[("name", &own_name(me, palette)), ("count", &count), ("names", &list(&others, palette))],
                ),
                Status,
            )
        }
        Entry::Joined(who) => (fill_markup(gettext("{name} joined"), &[("name", &name(who, palette))]), Status),
        Entry::Quit { name: who, reason: None } => {
            (fill_markup(gettext("{name} left"), &[("name", &name(who, palette))]), Status)
        }
        Entry::Quit { name: who, reason: Some(reason) } => (
            // Translators: {reason} is what the person or the server gave, untranslated.
            fill_markup(
                gettext("{name} left ({reason})"),
                &[("name", &name(who, palette)), ("reason", &escape(reason))],
            ),
            Status,
        ),
        Entry::Left { name: who, reason: None } => {
            (fill_markup(gettext("{name} left the room"), &[("name", &name(who, palette))]), Status)
        }
        Entry::Left { name: who, reason: Some(reason) } => (
            // Translators: {reason} is what the person gave, untranslated.
            fill_markup(
                gettext("{name} left the room ({reason})"),
                &[("name", &name(who, palette)), ("reason", &escape(reason))],
            ),
            Status,
        ),
        // Translators: {topic} is the room's topic, as its members wrote it.
        Entry::Topic(topic) => (fill_markup(gettext("Topic: {topic}"), &[("topic", &linkify(topic))]), Status),
        Entry::NoTopic => (escape(&gettext_f("This room has no topic.", &[])), Status),
        Entry::TopicSet { by, topic } => (
            fill_markup(
                gettext("{name} set the topic: {topic}"),
                &[("name", &name(by, palette)), ("topic", &linkify(topic))],
            ),
            Status,
        ),
        Entry::Renamed { new, own: true, .. } => {
            (fill_markup(gettext("You are now known as {name}"), &[("name", &own_name(new, palette))]), Status)
        }
        Entry::Renamed { old, new, own: false } => (
            fill_markup(
                gettext("{old} is now known as {new}"),
                &[("old", &name(old, palette)), ("new", &name(new, palette))],
            ),
            Status,
        ),
        Entry::Online(names) => {
            let count = names.len().to_string();
            (
                fill_markup(
                    ngettext("{count} person online: {names}", "{count} people online: {names}", names.len() as u32),
                    &[("count", &count), ("names", &list(names, palette))],
                ),
                Status,
            )
        }
        Entry::Error(error) => (escape(&error_text(&error.kind())), Error),
        Entry::Notice(text) | Entry::Raw(text) => (linkify(text), Status),
        Entry::ShuttingDown => (escape(&gettext_f("The server is shutting down.", &[])), Error),
        Entry::Disconnected => (escape(&gettext_f("Server disconnected.", &[])), Error),
        Entry::SendFailed => (escape(&gettext_f("Failed to send message.", &[])), Error),
        Entry::NewMessages => (escape(&gettext_f("New messages", &[])), Divider),
        Entry::HistoryUnavailable => (escape(&gettext_f("Earlier messages are not available right now.", &[])), Status),
        Entry::Undelivered { echo, .. } => (
            // Translators: {message} is a line this user sent that the server refused.
            fill_markup(gettext("{message} (not delivered)"), &[("message", &render(echo, palette).markup)]),
            Error,
        ),
    };
    Rendered { markup, kind }
}

/// A server error in the client's words (plain text). Every protocol
/// error kind has its own text: no wildcard arm, so a kind added to the
/// protocol does not compile here until it has one.
pub fn error_text(error: &ErrorKind<'_>) -> String {
    match *error {
        ErrorKind::NameTaken(n) => gettext_f("The name “{name}” is already in use.", &[("name", n)]),
        // Translators: {reason} comes from the server, untranslated.
        ErrorKind::BadName(why) => gettext_f("Invalid name: {reason}", &[("reason", why)]),
        ErrorKind::NameTooSimilar(n) => {
            gettext_f("The name looks too much like “{name}”, who is online. Choose another.", &[("name", n)])
        }
        ErrorKind::UnknownCommand(c) => gettext_f("Unknown command: /{command}", &[("command", c)]),
        ErrorKind::NoSuchUser(n) => gettext_f("Nobody called “{name}” is online.", &[("name", n)]),
        ErrorKind::LineTooLong(max) => {
            gettext_f("The message is too long (at most {max} bytes).", &[("max", &max.to_string())])
        }
        // Translators: {usage} is the command syntax, such as "/msg NAME TEXT".
        ErrorKind::Usage(u) => gettext_f("Usage: {usage}", &[("usage", u)]),
        ErrorKind::ServerFull => gettext_f("The server is full. Try again later.", &[]),
        ErrorKind::TooManyFromAddress => gettext_f("Too many connections from your address.", &[]),
        ErrorKind::NameTimeout => gettext_f("The server did not receive your name in time.", &[]),
        // Translators: {reason} comes from the server, untranslated.
        ErrorKind::BadRoom(why) => gettext_f("Invalid room name: {reason}", &[("reason", why)]),
        ErrorKind::NotInRoom(r) => gettext_f("You are not in {room}.", &[("room", r)]),
        ErrorKind::NoSuchRoom(r) => gettext_f("There is no room called {room}.", &[("room", r)]),
        ErrorKind::TooManyRooms(max) => gettext_f(
            "The server has too many rooms (at most {max}). Join an existing one.",
            &[("max", &max.to_string())],
        ),
        ErrorKind::TooManyJoined(max) => {
            gettext_f("You are in too many rooms (at most {max}). Leave one first.", &[("max", &max.to_string())])
        }
        ErrorKind::CannotLeaveDefault(r) => {
            gettext_f("{room} is the server's main room and cannot be left.", &[("room", r)])
        }
        ErrorKind::Account(ref account) => account_error_text(account),
        ErrorKind::Moderation(ref e) => moderation_error_text(e),
        // Translators: {error} is the server's text, untranslated.
        ErrorKind::Other(text) => gettext_f("Server error: {error}", &[("error", text)]),
    }
}

/// An account notice in the client's words.
pub fn account_text(reply: &AccountReply<'_>) -> String {
    match *reply {
        AccountReply::Registered(name) => {
            gettext_f("“{name}” is now registered to you, and you are logged in.", &[("name", name)])
        }
        AccountReply::LoggedIn(name) => gettext_f("Logged in as {name}.", &[("name", name)]),
        AccountReply::PasswordChanged => gettext("Your password was changed."),
        AccountReply::Unregistered(name) => gettext_f("“{name}” is no longer registered.", &[("name", name)]),
        AccountReply::Unencrypted => {
            gettext("Your password was sent unencrypted. Connect with encryption (TLS) to keep it private.")
        }
        AccountReply::Stored(name) => {
            gettext_f("{name} is offline: your message will be delivered when they next log in.", &[("name", name)])
        }
    }
}

/// A duration in the user's words, its two largest units: "1 hour 5
/// minutes", "10분".
pub fn duration_words(secs: u64) -> String {
    let (d, h, m, s) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    let unit = |n: u64, which: usize| {
        let (count, text) = (u32::try_from(n).unwrap_or(u32::MAX), n.to_string());
        let args = [("n", text.as_str())];
        match which {
            0 => ngettext_f("{n} day", "{n} days", count, &args),
            1 => ngettext_f("{n} hour", "{n} hours", count, &args),
            2 => ngettext_f("{n} minute", "{n} minutes", count, &args),
            _ => ngettext_f("{n} second", "{n} seconds", count, &args),
        }
    };
    let units = [d, h, m, s];
    let Some(first) = units.iter().position(|&n| n > 0) else { return unit(0, 3) };
    match units.get(first + 1).copied().filter(|&n| n > 0) {
        // Translators: two parts of a duration, such as "1 hour" and "5 minutes".
        Some(next) => gettext_f(
            "{larger} {smaller}",
            &[("larger", &unit(units[first], first)), ("smaller", &unit(next, first + 1))],
        ),
        None => unit(units[first], first),
    }
}

/// How long a mute or ban has left, in words.
fn time_left(left: Option<u64>) -> String {
    match left {
        // Translators: {time} is a duration such as "10 minutes" or "1 hour 5 minutes".
        Some(secs) => gettext_f("{time} left", &[("time", &duration_words(secs))]),
        None => gettext("for good"),
    }
}

/// A moderation refusal in the client's words.
pub fn moderation_error_text(error: &ModError<'_>) -> String {
    let reason = |r: Option<&str>| r.map(|r| format!(" — {r}")).unwrap_or_default();
    match *error {
        ModError::NotOperator(room) => gettext_f("Only operators of {room} can do that.", &[("room", room)]),
        ModError::Muted { room, left } => gettext_f(
            "You are muted in {room} ({left}): your messages there are not delivered.",
            &[("room", room), ("left", &time_left(left))],
        ),
        ModError::BannedFromRoom { room, left, reason: r } => {
            gettext_f("You are banned from {room} ({left}).", &[("room", room), ("left", &time_left(left))])
                + &reason(r)
        }
        ModError::BannedFromServer { left, reason: r } => {
            gettext_f("You are banned from this server ({left}).", &[("left", &time_left(left))]) + &reason(r)
        }
        ModError::RegisteredOnly(room) => gettext_f("Only registered names may speak in {room}.", &[("room", room)]),
        // Translators: {error} is the server's text, untranslated.
        _ => gettext_f("Server error: {error}", &[("error", &error.to_string())]),
    }
}

/// A moderation notice in the client's words.
pub fn moderation_text(notice: &ModNotice<'_>) -> String {
    let duration = |secs: Option<u64>| secs.map(|s| format!(" ({})", duration_words(s))).unwrap_or_default();
    let reason = |r: Option<&str>| r.map(|r| format!(" — {r}")).unwrap_or_default();
    match *notice {
        ModNotice::Kicked { by, name, reason: r } => {
            gettext_f("{by} removed {name} from the room", &[("by", by), ("name", name)]) + &reason(r)
        }
        ModNotice::Muted { by, name, secs } => {
            gettext_f("{by} muted {name}", &[("by", by), ("name", name)]) + &duration(secs)
        }
        ModNotice::Unmuted { by, name } => gettext_f("{by} unmuted {name}", &[("by", by), ("name", name)]),
        ModNotice::Banned { by, target, secs, reason: r } => {
            gettext_f("{by} banned {name}", &[("by", by), ("name", target)]) + &duration(secs) + &reason(r)
        }
        ModNotice::Unbanned { by, target } => {
            gettext_f("{by} lifted the ban on {name}", &[("by", by), ("name", target)])
        }
        ModNotice::Opped { by, name } => gettext_f("{by} made {name} an operator", &[("by", by), ("name", name)]),
        ModNotice::Deopped { by, name } => {
            gettext_f("{by} made {name} no longer an operator", &[("by", by), ("name", name)])
        }
        _ => notice.to_string(),
    }
}

/// An account error in the client's words: what happened and what to do.
pub fn account_error_text(error: &AccountError<'_>) -> String {
    match *error {
        AccountError::NeedsLogin(n) => gettext_f(
            "The name “{name}” is registered. Enter its password to log in, or choose another name.",
            &[("name", n)],
        ),
        AccountError::WrongPassword(n) => {
            gettext_f("Wrong password for “{name}”. Check the password and try again.", &[("name", n)])
        }
        AccountError::Guessing(secs) => gettext_f(
            // Translators: {seconds} is a number of seconds.
            "Too many failed logins. Wait {seconds} s before trying again.",
            &[("seconds", &secs.to_string())],
        ),
        AccountError::TooManyRegistrations(minutes) => gettext_f(
            // Translators: {minutes} is a number of minutes.
            "Too many names were registered from your address. Try again in {minutes} min.",
            &[("minutes", &minutes.to_string())],
        ),
        AccountError::NotRegistered(n) => gettext_f("The name “{name}” is not registered.", &[("name", n)]),
        AccountError::AlreadyRegistered(n) => gettext_f("The name “{name}” is already registered.", &[("name", n)]),
        // Translators: {reason} comes from the server, untranslated.
        AccountError::BadPassword(why) => gettext_f("The password cannot be used: {reason}", &[("reason", why)]),
        AccountError::Unavailable => gettext_f("Accounts are unavailable on the server. Try again later.", &[]),
    }
}

/// Why a new password is refused, from [`natter::protocol::password_problem`]'s
/// reason, in the client's words.
pub fn password_problem_text(password: &str) -> Option<String> {
    password_problem(password)?;
    let chars = password.chars().count();
    Some(if password.chars().any(char::is_whitespace) {
        gettext_f("A password cannot contain spaces.", &[])
    } else if chars < MIN_PASSWORD_CHARS {
        gettext_f("A password needs at least {min} characters.", &[("min", &MIN_PASSWORD_CHARS.to_string())])
    } else if chars > MAX_PASSWORD_CHARS {
        gettext_f("A password can have at most {max} characters.", &[("max", &MAX_PASSWORD_CHARS.to_string())])
    } else {
        gettext_f("A password cannot contain control characters.", &[])
    })
}

/// Why the text in the entry is not sent: over the protocol's limit.
pub fn too_long_text(over: &TooLong) -> String {
    gettext_f(
        // Translators: shown under the message entry; sizes are in bytes (a Korean syllable takes 3).
        "Too long to send: {bytes} bytes, at most {max}. Shorten the message to send it.",
        &[("bytes", &over.bytes.to_string()), ("max", &over.max.to_string())],
    )
}

/// Why a name cannot be used, for the inline message of the connect form.
pub fn name_error_text(error: &NameError) -> String {
    match error {
        NameError::Empty => gettext_f("Enter the name others will see.", &[]),
        NameError::TooLong => {
            gettext_f("A name can have at most {max} characters.", &[("max", &MAX_NAME_CHARS.to_string())])
        }
        NameError::BadChar(c) if c.is_whitespace() => gettext_f("A name cannot contain spaces.", &[]),
        NameError::BadChar(c) if c.is_control() => gettext_f("A name cannot contain control characters.", &[]),
        NameError::BadChar(c) if !is_visible(*c) => gettext_f(
            // Translators: {code} is a Unicode code point such as U+200B.
            "A name cannot contain invisible characters such as {code}.",
            &[("code", &format!("U+{:04X}", *c as u32))],
        ),
        NameError::MixedScripts(_) => {
            gettext_f("A name cannot mix alphabets that look alike, such as Latin and Cyrillic letters.", &[])
        }
        // Translators: {char} is the one character that is not allowed.
        NameError::BadChar(c) => gettext_f(
            "A name cannot contain “{char}”. Use letters, digits, “_”, “-” and “.”.",
            &[("char", &c.to_string())],
        ),
    }
}

/// Why a server address cannot be used.
pub fn address_error_text(error: &AddressError) -> String {
    match error {
        AddressError::Empty => {
            gettext_f("Enter the server address, such as {example}.", &[("example", "127.0.0.1:5000")])
        }
        AddressError::BadPort => gettext_f("The port must be a number from 1 to 65535.", &[]),
    }
}

/// Why joining failed, for the connect form. `server` is the address tried.
pub fn join_failure_text(reason: &CloseReason, server: &str) -> String {
    match reason {
        CloseReason::Refused => gettext_f(
            "Could not connect to {server}: the connection was refused. Check the address and that the server is running.",
            &[("server", server)],
        ),
        CloseReason::TimedOut => gettext_f(
            "Connecting to {server} timed out. Check the address and your network connection.",
            &[("server", server)],
        ),
        CloseReason::Unresolved(_) => gettext_f("Could not find the server {server}.", &[("server", server)]),
        // Translators: {error} is the system's description of the problem.
        CloseReason::Failed(error) => {
            gettext_f("Could not connect to {server}: {error}", &[("server", server), ("error", error)])
        }
        CloseReason::Closed => gettext_f("The server closed the connection.", &[]),
        CloseReason::Untrusted { .. } => gettext_f(
            "Not connected: the certificate of {server} was not trusted.",
            &[("server", server)],
        ),
        CloseReason::CertificateChanged { .. } => gettext_f(
            "Not connected: the certificate of {server} has changed since you trusted it. Someone may be intercepting the connection.",
            &[("server", server)],
        ),
        CloseReason::TlsFailed(error) => {
            gettext_f(
                // Translators: {error} is the TLS library's description of the problem, in English.
                "Could not set up an encrypted connection with {server} ({error}). Check that this port serves encrypted connections, or turn encryption off.",
                &[("server", server), ("error", error)],
            )
        }
    }
}

/// Why the server refused the join, for the connect form.
pub fn refusal_text(error: &ErrorKind<'_>) -> String {
    match error {
        ErrorKind::NameTaken(name) => {
            gettext_f("The name “{name}” is already taken. Choose another name.", &[("name", name)])
        }
        ErrorKind::Other(text) if *text == REPLACED => {
            gettext_f("You logged in with this name from elsewhere, so this window was disconnected.", &[])
        }
        other => error_text(other),
    }
}

#[cfg(test)]
mod tests;
