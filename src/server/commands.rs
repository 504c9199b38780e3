//! What a client's framed input means: [`route`] takes every frame, and
//! there is one function per client request, all reached from [`apply`].
//!
//! Each takes the shared context, the sender's key and name, and the
//! command's arguments. All wire text comes from `natter::protocol`. Only
//! the pool and the room are touched, never a socket, so the tests beside
//! this file drive every command in-process.

use log::{debug, info};
use natter::protocol::reply::help_lines;
use natter::protocol::{canonical_name, clean_text, Command, ErrorKind, Frame, NameError, Reply};

use crate::flood::private_message_cost;
use crate::pool::Pool;
use crate::room::Room;

#[cfg(test)]
mod tests;

/// What a command may touch.
pub struct Cx<'a> {
    pub pool: &'a mut Pool,
    pub room: &'a mut Room,
    /// The line cap, quoted in the too-long error.
    pub max_line: usize,
}

impl Cx<'_> {
    fn reply(&mut self, key: usize, reply: &Reply<'_>) {
        self.room.send_to(self.pool, key, reply);
    }

    fn error(&mut self, key: usize, kind: ErrorKind<'_>) {
        self.reply(key, &Reply::Error(kind));
    }

    /// Sends a line built from borrowed client data: encode first, then send.
    fn reply_bytes(&mut self, key: usize, bytes: Vec<u8>) {
        self.pool.send(key, &bytes);
    }
}

/// Handles one frame from `key`: its name while it has none, then lines.
/// Returns the flood tokens the frame costs beyond its first.
pub fn route(cx: &mut Cx, key: usize, frame: Frame) -> u32 {
    let Some(session) = cx.pool.get(key) else { return 0 };
    let name = session.name().map(str::to_owned);
    match (name, frame) {
        (None, Frame::Line(line)) => join(cx, key, &line),
        (None, Frame::TooLong) => refuse_name(cx, key, &NameError::TooLong),
        (Some(name), Frame::Line(line)) => return apply(cx, key, &name, &clean_text(&line)),
        (Some(_), Frame::TooLong) => {
            let max = cx.max_line;
            cx.error(key, ErrorKind::LineTooLong(max));
        }
    }
    0
}

/// Handles the first line of an unnamed client: its name.
pub fn join(cx: &mut Cx, key: usize, line: &str) {
    let name = match canonical_name(line.trim()) {
        Ok(name) => name,
        Err(why) => return refuse_name(cx, key, &why),
    };
    let name = name.as_ref();
    if !cx.room.join(name, key) {
        cx.error(key, ErrorKind::NameTaken(name));
        cx.pool.quit(key, "");
        return;
    }
    let Some(session) = cx.pool.get_mut(key) else { return };
    info!("{name} joined from {}", session.peer());
    session.set_name(name);
    let welcome = Reply::Welcome { name, online: cx.room.names(cx.pool) }.to_bytes();
    cx.reply_bytes(key, welcome);
    cx.room.broadcast(cx.pool, Some(key), &Reply::Joined(name));
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
        Command::Who(_) => who(cx, key),
        Command::Join(_) | Command::Part { .. } | Command::SayIn { .. } | Command::Rooms | Command::Topic(_) => {
            cx.error(key, ErrorKind::Other("rooms are not ready yet"))
        }
        Command::Nick(new) => nick(cx, key, name, new),
        Command::Me(text) => me(cx, key, name, text),
        Command::Msg { to, text } => return msg(cx, key, name, to, text),
        Command::Quit(reason) => quit(cx, key, reason.unwrap_or("")),
        Command::Help => help(cx, key),
        Command::Usage(usage) => cx.error(key, ErrorKind::Usage(usage)),
        Command::Unknown(word) => cx.error(key, ErrorKind::UnknownCommand(word)),
    }
    0
}

fn say(cx: &mut Cx, key: usize, name: &str, text: &str) {
    cx.room.broadcast(cx.pool, Some(key), &Reply::Chat { from: name, text });
}

fn who(cx: &mut Cx, key: usize) {
    let online = Reply::Online(cx.room.names(cx.pool)).to_bytes();
    cx.reply_bytes(key, online);
}

fn nick(cx: &mut Cx, key: usize, name: &str, new: &str) {
    let new = match canonical_name(new) {
        Ok(new) => new,
        Err(why) => return cx.error(key, ErrorKind::BadName(&why.to_string())),
    };
    let new = new.as_ref();
    if new == name {
        return;
    }
    if !cx.room.rename(name, new, key) {
        cx.error(key, ErrorKind::NameTaken(new));
        return;
    }
    if let Some(session) = cx.pool.get_mut(key) {
        session.set_name(new);
    }
    info!("{name} is now known as {new}");
    cx.room.broadcast(cx.pool, None, &Reply::Renamed { old: name, new });
}

fn me(cx: &mut Cx, key: usize, name: &str, text: &str) {
    cx.room.broadcast(cx.pool, Some(key), &Reply::Action { from: name, text });
}

fn msg(cx: &mut Cx, key: usize, name: &str, to: &str, text: &str) -> u32 {
    match cx.room.find(to) {
        Some(target) => {
            cx.reply(target, &Reply::Private { from: name, text });
            // Only the sender waits for a congested target.
            cx.pool.after_private(key, target);
            private_message_cost(text.len())
        }
        None => {
            cx.error(key, ErrorKind::NoSuchUser(to));
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
