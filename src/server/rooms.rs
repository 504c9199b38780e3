//! Every room on the server: the default room, which every named client
//! is in and which doubles as the index of who is online, plus the rooms
//! clients made with `/join`, which disappear when the last member leaves
//! unless they are kept (they have stored history or a topic).
//!
//! Sending goes through here so a line is encoded once and tagged with its
//! room (`#dev alice: hi`) unless it belongs to the default room, which is
//! what keeps clients that never join a room on the original protocol.

use std::collections::HashMap;

use natter::protocol::room::encode_in;
use natter::protocol::tagged::encode_line;
use natter::protocol::{fold_room, ErrorKind, Reply, Stamp};
use slab::Slab;

use crate::look_alikes::LookAlikes;
use crate::pool::Pool;
use crate::room::Room;

/// A room's key in [`Rooms`]; valid while the room has members (ids of
/// vanished rooms are reused, so no session keeps one after leaving).
pub type RoomId = usize;

/// How many rooms, and how long a topic, natterd allows.
#[derive(Debug, Clone, Copy)]
pub struct RoomLimits {
    /// Rooms besides the default room.
    pub max_rooms: usize,
    /// Rooms one client may be in besides the default room.
    pub max_joined: usize,
    /// Longest topic in characters; longer ones are cut.
    pub max_topic: usize,
}

/// The rooms one client is in besides the default room, and the one its
/// plain lines go to.
#[derive(Debug, Default, Clone)]
pub struct Membership {
    joined: Vec<RoomId>,
    /// `None`: the default room.
    current: Option<RoomId>,
}

impl Membership {
    /// The rooms joined besides the default room, in joining order.
    pub fn joined(&self) -> &[RoomId] {
        &self.joined
    }

    pub fn is_in(&self, room: RoomId) -> bool {
        self.joined.contains(&room)
    }

    /// Where plain lines go; `None` is the default room.
    pub fn current(&self) -> Option<RoomId> {
        self.current
    }

    pub fn set_current(&mut self, room: Option<RoomId>) {
        self.current = room;
    }

    /// Notes `room` as joined and current.
    pub fn enter(&mut self, room: RoomId) {
        self.joined.push(room);
        self.current = Some(room);
    }

    /// Forgets `room`; returns whether it was the current room (the
    /// default room is current from now on).
    pub fn leave(&mut self, room: RoomId) -> bool {
        self.joined.retain(|&r| r != room);
        let was_current = self.current == Some(room);
        if was_current {
            self.current = None;
        }
        was_current
    }
}

/// The default room and every other room, by id and by folded name.
pub struct Rooms {
    lobby: Room,
    /// The look-alike keys of everyone online (everyone is in the lobby).
    pub look_alikes: LookAlikes,
    rooms: Slab<Room>,
    index: HashMap<String, RoomId>,
    limits: RoomLimits,
    /// One encoded line, reused so a broadcast is formatted once.
    scratch: Vec<u8>,
    /// The same line stamped, for clients that asked for stamps.
    stamped: Vec<u8>,
    /// Counts uses, to tell which kept rooms were used least recently.
    clock: u64,
}

impl Rooms {
    /// Just the default room, called `default` (already checked).
    pub fn new(default: &str, limits: RoomLimits) -> Self {
        Rooms {
            lobby: Room::new(default),
            look_alikes: LookAlikes::default(),
            rooms: Slab::new(),
            index: HashMap::new(),
            limits,
            scratch: Vec::new(),
            stamped: Vec::new(),
            clock: 0,
        }
    }

    pub fn limits(&self) -> RoomLimits {
        self.limits
    }

    /// The default room: everyone online.
    pub fn lobby(&self) -> &Room {
        &self.lobby
    }

    pub fn lobby_mut(&mut self) -> &mut Room {
        &mut self.lobby
    }

    /// Is `name` (any case) the default room?
    pub fn is_lobby(&self, name: &str) -> bool {
        fold_room(name) == fold_room(self.lobby.name())
    }

    pub fn get_mut(&mut self, id: RoomId) -> Option<&mut Room> {
        self.rooms.get_mut(id)
    }

    /// [`Rooms::room`], mutable.
    pub fn room_mut(&mut self, id: Option<RoomId>) -> Option<&mut Room> {
        match id {
            None => Some(&mut self.lobby),
            Some(id) => self.rooms.get_mut(id),
        }
    }

    /// The room `id` names, the default room for `None`.
    pub fn room(&self, id: Option<RoomId>) -> Option<&Room> {
        match id {
            None => Some(&self.lobby),
            Some(id) => self.rooms.get(id),
        }
    }

    /// The room called `name` (any case) other than the default room.
    pub fn lookup(&self, name: &str) -> Option<RoomId> {
        self.index.get(&fold_room(name)).copied()
    }

    /// The room called `name` and whether it was just made (empty): it is
    /// made if there is none yet and fewer than `--max-rooms` rooms have
    /// members. Kept rooms nobody is in do not count, so nobody can use up
    /// the limit by making rooms and leaving them; past the limit the
    /// least recently used of them are forgotten here (their history stays
    /// stored, and comes back with the room when someone joins it again).
    pub fn open(&mut self, name: &str) -> Result<(RoomId, bool), ErrorKind<'static>> {
        if let Some(id) = self.lookup(name) {
            return Ok((id, false));
        }
        let max = self.limits.max_rooms;
        if self.rooms.iter().filter(|(_, room)| !room.is_empty()).count() >= max {
            return Err(ErrorKind::TooManyRooms(max));
        }
        let id = self.rooms.insert(Room::new(name));
        self.index.insert(fold_room(name), id);
        self.touch(Some(id));
        while self.rooms.len() > max {
            let idle =
                self.rooms.iter().filter(|&(other, room)| other != id && room.is_empty()).min_by_key(|(_, r)| r.used());
            let Some((idle, _)) = idle else { break };
            let room = self.rooms.remove(idle);
            self.index.remove(room.key());
        }
        Ok((id, true))
    }

    /// Notes that room `id` was just used.
    pub fn touch(&mut self, id: Option<RoomId>) {
        self.clock += 1;
        let at = self.clock;
        if let Some(room) = self.room_mut(id) {
            room.set_used(at);
        }
    }

    /// Brings back a room kept from an earlier run, empty, with its topic.
    pub fn restore(&mut self, name: &str, topic: Option<String>) {
        let room = if self.is_lobby(name) {
            Some(&mut self.lobby)
        } else {
            let id = match self.lookup(name) {
                Some(id) => id,
                None => {
                    let id = self.rooms.insert(Room::new(name));
                    self.index.insert(fold_room(name), id);
                    id
                }
            };
            self.rooms.get_mut(id)
        };
        self.clock += 1;
        let at = self.clock;
        if let Some(room) = room {
            room.keep();
            room.set_used(at);
            if let Some(topic) = topic {
                room.set_topic(topic);
            }
        }
    }

    /// Removes `member` from room `id`; the room goes when it empties,
    /// unless it is kept.
    pub fn remove_member(&mut self, id: RoomId, member: &str) {
        let Some(room) = self.rooms.get_mut(id) else { return };
        room.remove(member);
        if room.is_empty() && !room.is_kept() {
            let room = self.rooms.remove(id);
            self.index.remove(&fold_room(room.name()));
        }
    }

    /// Every room, the default first, then the others by name.
    pub fn all(&self) -> Vec<&Room> {
        let mut others: Vec<(String, &Room)> =
            self.rooms.iter().map(|(_, room)| (fold_room(room.name()), room)).collect();
        others.sort_by(|a, b| a.0.cmp(&b.0));
        std::iter::once(&self.lobby).chain(others.into_iter().map(|(_, room)| room)).collect()
    }

    /// The tag for lines of room `id`: none for the default room.
    pub fn tag(&self, id: Option<RoomId>) -> Option<&str> {
        id.and_then(|id| self.rooms.get(id)).map(Room::name)
    }

    /// Sends `reply` to one client, tagged with room `id`.
    pub fn send_to(&mut self, pool: &mut Pool, key: usize, id: Option<RoomId>, reply: &Reply<'_>) {
        self.scratch.clear();
        let tag = id.and_then(|id| self.rooms.get(id)).map(Room::name);
        encode_in(tag, reply, &mut self.scratch);
        pool.send(key, &self.scratch);
    }

    /// Sends `reply`, tagged, to every member of room `id` but `except`.
    pub fn broadcast(&mut self, pool: &mut Pool, id: Option<RoomId>, except: Option<usize>, reply: &Reply<'_>) {
        self.scratch.clear();
        let room = match id {
            None => &self.lobby,
            Some(id) => match self.rooms.get(id) {
                Some(room) => room,
                None => return,
            },
        };
        encode_in(id.map(|_| room.name()), reply, &mut self.scratch);
        for key in room.keys() {
            if Some(key) != except {
                pool.send(key, &self.scratch);
            }
        }
    }

    /// Sends a line that was stored with `stamp` to room `id`: stamped to
    /// members that asked for stamps (`except` too, as its echo),
    /// unstamped to the others but `except`.
    pub fn broadcast_stored(
        &mut self,
        pool: &mut Pool,
        id: Option<RoomId>,
        except: Option<usize>,
        stamp: Option<Stamp<'_>>,
        reply: &Reply<'_>,
    ) {
        let Some(stamp) = stamp else { return self.broadcast(pool, id, except, reply) };
        let room = match id {
            None => &self.lobby,
            Some(id) => match self.rooms.get(id) {
                Some(room) => room,
                None => return,
            },
        };
        let tag = id.map(|_| room.name());
        self.scratch.clear();
        encode_in(tag, reply, &mut self.scratch);
        self.stamped.clear();
        encode_line(tag, Some(stamp), reply, &mut self.stamped);
        for key in room.keys() {
            match (pool.wants_stamps(key), Some(key) == except) {
                (true, _) => pool.send(key, &self.stamped),
                (false, false) => pool.send(key, &self.scratch),
                (false, true) => {}
            }
        }
    }
}
