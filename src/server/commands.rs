//! One function per client request, all reached from [`apply`].
//!
//! Each takes the shared context, the sender's key and name, and the
//! command's arguments. All wire text comes from `natter::protocol`.

use log::{debug, info};
use natter::protocol::reply::HELP;
use natter::protocol::{canonical_name, Command, ErrorKind, NameError, Reply};

use crate::clients::Clients;
use crate::connection::State;
use crate::room::Room;

/// What a command may touch.
pub struct Cx<'a> {
    pub clients: &'a mut Clients,
    pub room: &'a mut Room,
}

impl Cx<'_> {
    fn reply(&mut self, key: usize, reply: &Reply<'_>) {
        self.room.send_to(self.clients, key, reply);
    }

    fn error(&mut self, key: usize, kind: ErrorKind<'_>) {
        self.reply(key, &Reply::Error(kind));
    }

    /// Sends a line built from borrowed client data: encode first, then send.
    fn reply_bytes(&mut self, key: usize, bytes: Vec<u8>) {
        self.clients.send(key, &bytes);
    }
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
        cx.clients.close(key, "");
        return;
    }
    let Some(conn) = cx.clients.slab.get_mut(key) else { return };
    info!("{name} joined from {}", conn.peer);
    conn.state = State::Joined { name: name.to_owned() };
    let welcome = Reply::Welcome { name, online: cx.room.names(cx.clients) }.to_bytes();
    cx.reply_bytes(key, welcome);
    cx.room.broadcast(cx.clients, Some(key), &Reply::Joined(name));
}

/// Tells an unnamed client why its name was refused, then closes it.
pub fn refuse_name(cx: &mut Cx, key: usize, why: &NameError) {
    cx.error(key, ErrorKind::BadName(&why.to_string()));
    cx.clients.close(key, "");
}

/// Handles one line from a joined client.
pub fn apply(cx: &mut Cx, key: usize, name: &str, line: &str) {
    let command = Command::parse(line, name);
    debug!("{name}: {command:?}");
    match command {
        Command::Empty => {}
        Command::Say(text) => say(cx, key, name, text),
        Command::Who => who(cx, key),
        Command::Nick(new) => nick(cx, key, name, new),
        Command::Me(text) => me(cx, key, name, text),
        Command::Msg { to, text } => msg(cx, key, name, to, text),
        Command::Quit(reason) => quit(cx, key, reason.unwrap_or("")),
        Command::Help => help(cx, key),
        Command::Usage(usage) => cx.error(key, ErrorKind::Usage(usage)),
        Command::Unknown(word) => cx.error(key, ErrorKind::UnknownCommand(word)),
    }
}

fn say(cx: &mut Cx, key: usize, name: &str, text: &str) {
    cx.room.broadcast(cx.clients, Some(key), &Reply::Chat { from: name, text });
}

fn who(cx: &mut Cx, key: usize) {
    let online = Reply::Online(cx.room.names(cx.clients)).to_bytes();
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
    if let Some(conn) = cx.clients.slab.get_mut(key) {
        conn.state = State::Joined { name: new.to_owned() };
    }
    info!("{name} is now known as {new}");
    cx.room.broadcast(cx.clients, None, &Reply::Renamed { old: name, new });
}

fn me(cx: &mut Cx, key: usize, name: &str, text: &str) {
    cx.room.broadcast(cx.clients, Some(key), &Reply::Action { from: name, text });
}

fn msg(cx: &mut Cx, key: usize, name: &str, to: &str, text: &str) {
    match cx.room.find(to) {
        Some(target) => cx.reply(target, &Reply::Private { from: name, text }),
        None => cx.error(key, ErrorKind::NoSuchUser(to)),
    }
}

fn quit(cx: &mut Cx, key: usize, reason: &str) {
    cx.clients.close(key, reason);
}

fn help(cx: &mut Cx, key: usize) {
    for line in HELP {
        cx.reply(key, &Reply::Notice(line));
    }
}
