//! The room commands: `/join`, `/part`, `/say`, `/rooms`, `/who` and
//! `/topic`, plus the welcome every joiner gets and leaving every room on
//! the way out.
//!
//! A bad room name, a room the sender is not in and a limit reached are
//! each answered with an error to the sender alone; nothing else changes.

use log::info;
use natter::protocol::room::encode_in;
use natter::protocol::{canonical_room, fold_room, Command, ErrorKind, Reply};

use super::{history, moderation, Cx};
use crate::rooms::RoomId;
use crate::store::Kind;

/// Tells `key` (just in room `id`, `None`: the default room) who is there
/// and the topic, and the others that `name` joined.
pub fn welcome(cx: &mut Cx, key: usize, name: &str, id: Option<RoomId>) {
    let Some(room) = cx.rooms.room(id) else { return };
    let tag = cx.rooms.tag(id);
    let mut welcome = Vec::new();
    if cx.pool.get(key).is_some_and(|s| s.marks) {
        let marked = moderation::names_for(cx, key, id);
        let online = marked.iter().map(String::as_str).collect();
        encode_in(tag, &Reply::Welcome { name, online }, &mut welcome);
    } else {
        encode_in(tag, &Reply::Welcome { name, online: room.names(cx.pool) }, &mut welcome);
    }
    if let Some(topic) = room.topic() {
        encode_in(tag, &Reply::Topic(topic), &mut welcome);
    }
    // History first, oldest line first, then the welcome: the live
    // stream follows with no gap and no line twice.
    let mut out = history::replay(cx, key, id, &welcome);
    out.extend_from_slice(&welcome);
    cx.pool.send(key, &out);
    cx.rooms.broadcast(cx.pool, id, Some(key), &Reply::Joined(name));
}

/// Refuses `raw` when the room it names is invalid before cleaning (a
/// control or bidi character in it); `true` if it did.
pub fn refuse_hidden_room(cx: &mut Cx, key: usize, name: &str, raw: &str) -> bool {
    let Some(Err(why)) = Command::parse(raw, name).room().map(canonical_room) else { return false };
    cx.error(key, ErrorKind::BadRoom(&why.to_string()));
    true
}

/// A room named in a command: checked, and one `key` is in. `None` means
/// an error was sent. The default room is `Some(None)`.
pub(super) fn room_of(cx: &mut Cx, key: usize, room: &str) -> Option<Option<RoomId>> {
    let room = match canonical_room(room) {
        Ok(room) => room,
        Err(why) => {
            cx.error(key, ErrorKind::BadRoom(&why.to_string()));
            return None;
        }
    };
    if cx.rooms.is_lobby(&room) {
        return Some(None);
    }
    let joined = cx.rooms.lookup(&room).filter(|&id| cx.pool.get(key).is_some_and(|s| s.rooms().is_in(id)));
    if joined.is_none() {
        cx.error(key, ErrorKind::NotInRoom(&room));
    }
    joined.map(Some)
}

/// `/join ROOM`: switch to it, joining (and making) it first if need be.
pub fn join(cx: &mut Cx, key: usize, name: &str, room: &str) {
    let room = match canonical_room(room) {
        Ok(room) => room,
        Err(why) => return cx.error(key, ErrorKind::BadRoom(&why.to_string())),
    };
    let Some(session) = cx.pool.get(key) else { return };
    let existing = if cx.rooms.is_lobby(&room) { Some(None) } else { cx.rooms.lookup(&room).map(Some) };
    if let Some(id) = existing.filter(|id| id.is_none_or(|id| session.rooms().is_in(id))) {
        // Already in it: only switch.
        if let Some(session) = cx.pool.get_mut(key) {
            session.rooms_mut().set_current(id);
        }
        let shown = cx.rooms.room(id).map(|r| r.name().to_owned()).unwrap_or_default();
        return cx.reply(key, &Reply::Talking(&shown));
    }
    let max = cx.rooms.limits().max_joined;
    if session.rooms().joined().len() >= max {
        return cx.error(key, ErrorKind::TooManyJoined(max));
    }
    let shown = existing.and_then(|id| cx.rooms.room(id)).map_or_else(|| room.to_string(), |r| r.name().to_owned());
    if moderation::refuse_room_ban(cx, key, name, &shown) {
        return;
    }
    let id = match cx.rooms.open(&room) {
        Ok((id, true)) => {
            // A kept room forgotten here comes back with its topic.
            if let Some(saved) = cx.history.saved_room(&fold_room(&room)) {
                cx.rooms.restore(&saved.name, saved.topic);
            }
            id
        }
        Ok((id, false)) => id,
        Err(kind) => return cx.error(key, kind),
    };
    if let Some(room) = cx.rooms.get_mut(id) {
        room.add(name, key);
    }
    if let Some(session) = cx.pool.get_mut(key) {
        session.rooms_mut().enter(id);
    }
    info!("{name} joined {room}");
    moderation::on_first_join(cx, key, id);
    welcome(cx, key, name, Some(id));
}

/// `/part [ROOM] [REASON]`: leave the room (the current one by default);
/// its members and the leaver are told.
pub fn part(cx: &mut Cx, key: usize, name: &str, room: Option<&str>, reason: Option<&str>) {
    let id = match room {
        Some(room) => match room_of(cx, key, room) {
            Some(id) => id,
            None => return,
        },
        None => cx.current_room(key),
    };
    let Some(id) = id else {
        let lobby = cx.rooms.lobby().name().to_owned();
        return cx.error(key, ErrorKind::CannotLeaveDefault(&lobby));
    };
    cx.rooms.broadcast(cx.pool, Some(id), None, &Reply::Left { name, reason });
    if let Some(room) = cx.rooms.room(Some(id)) {
        info!("{name} left {}", room.name());
    }
    leave(cx, key, name, id);
}

/// Takes `key` out of room `id` without a notice, telling it where its
/// lines go now if that was its current room.
pub(super) fn leave(cx: &mut Cx, key: usize, name: &str, id: RoomId) {
    cx.rooms.remove_member(id, name);
    let Some(session) = cx.pool.get_mut(key) else { return };
    if session.rooms_mut().leave(id) {
        let lobby = cx.rooms.lobby().name().to_owned();
        cx.reply(key, &Reply::Talking(&lobby));
    }
}

/// Takes a closing client out of every room but the default one (its quit
/// notice goes to everyone, in the default room).
pub fn leave_all(rooms: &mut crate::rooms::Rooms, key: usize, joined: &[RoomId], name: &str) {
    for &id in joined {
        rooms.remove_member(id, name);
    }
    rooms.lobby_mut().remove(name);
    rooms.look_alikes.remove(name, key);
}

/// `/say ROOM TEXT`: TEXT to a room the sender is in, without switching.
pub fn say_in(cx: &mut Cx, key: usize, name: &str, room: &str, text: &str) {
    if let Some(id) = room_of(cx, key, room) {
        if !moderation::may_speak(cx, key, name, id) {
            return;
        }
        history::say_stored(cx, Some(key), id, Kind::Chat, &Reply::Chat { from: name, text });
    }
}

/// `/default`: the server's default room, by name.
pub fn default_room(cx: &mut Cx, key: usize) {
    let name = cx.rooms.lobby().name().to_owned();
    cx.reply(key, &Reply::DefaultRoom(&name));
}

/// `/rooms`: every room with its member count and topic.
pub fn list(cx: &mut Cx, key: usize) {
    let all = cx.rooms.all();
    let mut out = Vec::new();
    encode_in(None, &Reply::RoomList(all.len()), &mut out);
    for room in all {
        let info = Reply::RoomInfo { room: room.name(), members: room.len(), topic: room.topic() };
        encode_in(None, &info, &mut out);
    }
    cx.pool.send(key, &out);
}

/// `/who [ROOM]`: who is in ROOM, or in the current room. Any room can be
/// listed, as `/rooms` shows them all.
pub fn who(cx: &mut Cx, key: usize, room: Option<&str>) {
    let id = match room {
        None => cx.current_room(key),
        Some(room) => match canonical_room(room) {
            Err(why) => return cx.error(key, ErrorKind::BadRoom(&why.to_string())),
            Ok(room) if cx.rooms.is_lobby(&room) => None,
            Ok(room) => match cx.rooms.lookup(&room) {
                Some(id) => Some(id),
                None => return cx.error(key, ErrorKind::NoSuchRoom(&room)),
            },
        },
    };
    let Some(members) = cx.rooms.room(id) else { return };
    let mut out = Vec::new();
    if cx.pool.get(key).is_some_and(|s| s.marks) {
        let marked = moderation::names_for(cx, key, id);
        let online = marked.iter().map(String::as_str).collect();
        encode_in(cx.rooms.tag(id), &Reply::Online(online), &mut out);
    } else {
        encode_in(cx.rooms.tag(id), &Reply::Online(members.names(cx.pool)), &mut out);
    }
    cx.pool.send(key, &out);
}

/// `/topic [TEXT]`: show the current room's topic, or set it (cut to the
/// limit) and tell every member, the setter included.
pub fn topic(cx: &mut Cx, key: usize, name: &str, topic: Option<&str>) {
    let id = cx.current_room(key);
    let Some(topic) = topic else {
        let shown = cx.rooms.room(id).and_then(|r| r.topic()).map(str::to_owned);
        let reply = shown.as_deref().map_or(Reply::NoTopic, Reply::Topic);
        return cx.rooms.send_to(cx.pool, key, id, &reply);
    };
    if !moderation::may_set_topic(cx, key, id) {
        return;
    }
    let max = cx.rooms.limits().max_topic;
    let topic = match topic.char_indices().nth(max) {
        Some((cut, _)) => topic[..cut].trim_end(),
        None => topic,
    };
    let room = match id {
        None => Some(cx.rooms.lobby_mut()),
        Some(id) => cx.rooms.get_mut(id),
    };
    let Some(room) = room else { return };
    room.set_topic(topic.to_owned());
    info!("{name} set the topic of {}", room.name());
    history::say_stored(cx, None, id, Kind::Topic, &Reply::TopicSet { by: name, topic });
}
