//! What a client's framed input means: [`route`] takes every frame, and
//! there is one function per client request, all reached from [`apply`].
//!
//! Each takes the shared context, the sender's key and name, and the
//! command's arguments. All wire text comes from `natter::protocol`. Only
//! the pool and the room are touched, never a socket, so the tests beside
//! this file drive every command in-process.

use std::borrow::Cow;

use log::{debug, info};
use natter::protocol::account::split_login;
use natter::protocol::moderation::ModError;
use natter::protocol::reply::help_lines;
use natter::protocol::{canonical_name, clean_text, Command, ErrorKind, Frame, NameError, Reply};

use crate::accounts::Accounts;
use crate::flood::private_message_cost;
use crate::history::History;
use crate::moderation::Moderation;
use crate::pool::Pool;
use crate::rooms::{RoomId, Rooms};
use crate::store::Kind;

mod accounts;
mod conversations;
mod history;
mod moderation;
mod rooms;
pub use accounts::finish as password_checked;
pub use history::deliver;
pub use rooms::leave_all;
#[cfg(test)]
mod tests;

/// What a command may touch.
pub struct Cx<'a> {
    pub pool: &'a mut Pool,
    pub rooms: &'a mut Rooms,
    pub history: &'a mut History,
    pub accounts: &'a mut Accounts,
    pub moderation: &'a mut Moderation,
    /// The line cap, quoted in the too-long error.
    pub max_line: usize,
}

impl Cx<'_> {
    /// Sends a room-less reply (or one about the default room) to `key`.
    fn reply(&mut self, key: usize, reply: &Reply<'_>) {
        self.rooms.send_to(self.pool, key, None, reply);
    }

    fn error(&mut self, key: usize, kind: ErrorKind<'_>) {
        self.reply(key, &Reply::Error(kind));
    }

    /// The room `key`'s plain lines go to (`None`: the default room).
    fn current_room(&self, key: usize) -> Option<RoomId> {
        self.pool.get(key).and_then(|s| s.rooms().current())
    }
}

/// Handles one frame from `key`: its name while it has none, then lines.
/// Returns the flood tokens the frame costs beyond its first.
pub fn route(cx: &mut Cx, key: usize, frame: Frame) -> u32 {
    let Some(session) = cx.pool.get(key) else { return 0 };
    let name = session.name().map(str::to_owned);
    match (name, frame) {
        (None, Frame::Line(line)) => match split_login(&line) {
            Some((name, password)) => accounts::first_line(cx, key, &line, name, password),
            None => join(cx, key, &line),
        },
        (None, Frame::TooLong) => refuse_name(cx, key, &NameError::TooLong),
        (Some(name), Frame::Line(line)) => {
            let clean = clean_text(&line);
            // Cleaning drops controls and bidi overrides; a room name that
            // held one is refused, never quietly changed into another room.
            if matches!(clean, Cow::Owned(_)) && rooms::refuse_hidden_room(cx, key, &name, &line) {
                return 0;
            }
            return apply(cx, key, &name, &clean);
        }
        (Some(_), Frame::TooLong) => {
            let max = cx.max_line;
            cx.error(key, ErrorKind::LineTooLong(max));
        }
    }
    0
}

/// Handles the first line of an unnamed client: its name. Joining the
/// server is joining the default room, which is why its welcome lists
/// everyone online.
pub fn join(cx: &mut Cx, key: usize, line: &str) {
    let name = match canonical_name(line.trim()) {
        Ok(name) => name,
        Err(why) => return refuse_name(cx, key, &why),
    };
    let name = name.as_ref();
    if !accounts::may_take(cx, key, name) {
        return cx.pool.quit(key, "");
    }
    if moderation::refuse_server_ban(cx, key, name) {
        return;
    }
    if let Err(refusal) = claim_name(cx, key, name) {
        cx.error(key, refusal.as_error(name));
        cx.pool.quit(key, "");
        return;
    }
    let Some(session) = cx.pool.get_mut(key) else { return };
    info!("{name} joined from {}", session.peer());
    session.set_name(name);
    rooms::welcome(cx, key, name, None);
}

/// Why a name cannot be had.
enum Refusal {
    Taken,
    /// Looks like the name of this client.
    LooksLike(String),
}

impl Refusal {
    fn as_error<'a>(&'a self, name: &'a str) -> ErrorKind<'a> {
        match self {
            Refusal::Taken => ErrorKind::NameTaken(name),
            Refusal::LooksLike(other) => ErrorKind::NameTooSimilar(other),
        }
    }
}

/// Takes `name` for `key` in the online index and the look-alike keys,
/// unless someone else holds it or a name that looks the same. Changing
/// only the case of one's own name is allowed.
fn claim_name(cx: &mut Cx, key: usize, name: &str) -> Result<(), Refusal> {
    if cx.rooms.lobby().find(name).is_some_and(|holder| holder != key) {
        return Err(Refusal::Taken);
    }
    if let Some(holder) = cx.rooms.look_alikes.holder(name, key) {
        let other = cx.pool.get(holder).and_then(|s| s.name()).unwrap_or_default().to_owned();
        return Err(Refusal::LooksLike(other));
    }
    if let Some(old) = cx.pool.get(key).and_then(|s| s.name()).map(str::to_owned) {
        cx.rooms.lobby_mut().remove(&old);
        cx.rooms.look_alikes.remove(&old, key);
    }
    cx.rooms.lobby_mut().add(name, key);
    cx.rooms.look_alikes.add(name, key);
    Ok(())
}

/// Tells an unnamed client why its name was refused, then closes it.
pub fn refuse_name(cx: &mut Cx, key: usize, why: &NameError) {
    cx.error(key, ErrorKind::BadName(&why.to_string()));
    cx.pool.quit(key, "");
}

/// Handles one line from a joined client; returns the flood tokens it
/// costs beyond its first (a private message's bytes).
pub fn apply(cx: &mut Cx, key: usize, name: &str, line: &str) -> u32 {
    let command = Command::parse(line, name);
    debug!("{name}: {command:?}");
    match command {
        Command::Empty => {}
        Command::Say(text) => say(cx, key, name, text),
        Command::Who(room) => rooms::who(cx, key, room),
        Command::Nick(new) => nick(cx, key, name, new),
        Command::Me(text) => me(cx, key, name, text),
        Command::Msg { to, text } => return msg(cx, key, name, to, text),
        Command::Quit(reason) => quit(cx, key, reason.unwrap_or("")),
        Command::Help => help(cx, key),
        Command::Join(room) => rooms::join(cx, key, name, room),
        Command::Part { room, reason } => rooms::part(cx, key, name, room, reason),
        Command::SayIn { room, text } => rooms::say_in(cx, key, name, room, text),
        Command::Rooms => rooms::list(cx, key),
        Command::DefaultRoom => rooms::default_room(cx, key),
        Command::Topic(topic) => rooms::topic(cx, key, name, topic),
        Command::History { room, after, cursor, count } => return history::page(cx, key, room, after, cursor, count),
        Command::Search { room, words } => return history::search(cx, key, room, words),
        Command::Stamps => history::stamps(cx, key),
        Command::Register(password) => accounts::register(cx, key, name, password.0),
        Command::Login { name: to, password } => accounts::login(cx, key, to, password.0),
        Command::Password { old, new } => accounts::password(cx, key, name, old.0, new.0),
        Command::Unregister(password) => accounts::unregister(cx, key, name, password.0),
        Command::Moderate { room, command } => moderation::apply(cx, key, name, room, command),
        Command::BadDuration => cx.error(key, ErrorKind::Moderation(ModError::BadDuration)),
        Command::Usage(usage) => cx.error(key, ErrorKind::Usage(usage)),
        Command::Unknown(word) => cx.error(key, ErrorKind::UnknownCommand(word)),
    }
    0
}

fn say(cx: &mut Cx, key: usize, name: &str, text: &str) {
    let room = cx.current_room(key);
    if !moderation::may_speak(cx, key, name, room) {
        return;
    }
    history::say_stored(cx, Some(key), room, Kind::Chat, &Reply::Chat { from: name, text });
}

fn me(cx: &mut Cx, key: usize, name: &str, text: &str) {
    let room = cx.current_room(key);
    if !moderation::may_speak(cx, key, name, room) {
        return;
    }
    history::say_stored(cx, Some(key), room, Kind::Action, &Reply::Action { from: name, text });
}

/// A new name, in every room the client is in. Everyone shares the default
/// room, so the one untagged notice there reaches each client once.
fn nick(cx: &mut Cx, key: usize, name: &str, new: &str) {
    let new = match canonical_name(new) {
        Ok(new) => new,
        Err(why) => return cx.error(key, ErrorKind::BadName(&why.to_string())),
    };
    let new = new.as_ref();
    if new == name || !accounts::may_take(cx, key, new) || moderation::refuse_banned_nick(cx, key, new) {
        return;
    }
    let _ = rename(cx, key, name, new);
}

/// Renames `key` from `name` to `new` everywhere and tells everyone, unless
/// someone else holds `new` or a look-alike (error sent).
fn rename(cx: &mut Cx, key: usize, name: &str, new: &str) -> Result<(), ()> {
    if let Err(refusal) = claim_name(cx, key, new) {
        cx.error(key, refusal.as_error(new));
        return Err(());
    }
    let Some(session) = cx.pool.get_mut(key) else { return Err(()) };
    session.set_name(new);
    for &id in session.rooms().joined() {
        if let Some(room) = cx.rooms.get_mut(id) {
            room.rename(name, new, key);
        }
    }
    info!("{name} is now known as {new}");
    cx.rooms.broadcast(cx.pool, None, None, &Reply::Renamed { old: name, new });
    Ok(())
}

fn msg(cx: &mut Cx, key: usize, name: &str, to: &str, text: &str) -> u32 {
    match cx.rooms.lobby().find(to) {
        Some(target) => {
            let to = cx.pool.get(target).and_then(|s| s.name()).unwrap_or(to).to_owned();
            conversations::send(cx, key, name, target, &to, text);
            // Only the sender waits for a congested target.
            cx.pool.after_private(key, target);
            private_message_cost(text.len())
        }
        None => {
            accounts::keep_for_later(cx, key, name, to, text);
            0
        }
    }
}

fn quit(cx: &mut Cx, key: usize, reason: &str) {
    cx.pool.quit(key, reason);
}

fn help(cx: &mut Cx, key: usize) {
    for line in help_lines() {
        cx.reply(key, &Reply::Notice(&line));
    }
}
