//! The operator commands (`/kick`, `/mute`, `/unmute`, `/ban`, `/unban`,
//! `/bans`, `/mode`, `/op`, `/deop`), `/marks`, and the checks moderation
//! adds to joining, speaking and setting the topic.
//!
//! Each command acts on the current room or the `#room` named first. A
//! sender who is not an operator there gets `not an operator of ROOM`
//! and nothing else happens. Every action is announced to the room, the
//! target included; in the default room, kicks and bans disconnect.

use std::net::IpAddr;

use log::info;
use natter::protocol::account::AccountError;
use natter::protocol::moderation::{ModCommand, ModError, ModNotice, Mode, MAX_REASON_CHARS};
use natter::protocol::room::encode_in;
use natter::protocol::{canonical_name, fold_name, ErrorKind, Reply};

use super::rooms::{leave, room_of};
use super::Cx;
use crate::accounts::Standing;
use crate::moderation::target::Target;
use crate::moderation::{left, now_secs, MAX_BANS};
use crate::rooms::RoomId;
use crate::store::sqlite::SqliteStore;
use crate::store::{Ban, ModerationStore, Mute};

/// Writes one change through to the store; a failure is logged by
/// history and retried there (the change holds in memory meanwhile).
fn store(cx: &mut Cx, write: impl FnOnce(&mut SqliteStore) -> crate::store::Result<()>) {
    let Some(store) = cx.history.accounts_store() else { return };
    if let Err(e) = write(store) {
        cx.history.store_failed(&e);
    }
}

fn refuse(cx: &mut Cx, key: usize, e: ModError<'_>) {
    cx.error(key, ErrorKind::Moderation(e));
}

/// `key`'s account (folded), if logged in.
fn account(cx: &Cx, key: usize) -> Option<String> {
    cx.pool.get(key).and_then(|s| s.account.key.clone())
}

/// Cuts a reason to the limit, at a character boundary.
fn cut(reason: Option<&str>) -> Option<&str> {
    reason.map(|r| r.char_indices().nth(MAX_REASON_CHARS).map_or(r, |(at, _)| r[..at].trim_end()))
}

/// Runs a moderation command from `key` (named `name`).
pub fn apply(cx: &mut Cx, key: usize, name: &str, room: Option<&str>, command: ModCommand<'_>) {
    if command == ModCommand::Marks {
        if let Some(session) = cx.pool.get_mut(key) {
            session.marks = true;
        }
        return cx.reply(key, &Reply::Moderation(ModNotice::MarksOn));
    }
    let id = match room {
        Some(room) => match room_of(cx, key, room) {
            Some(id) => id,
            None => return,
        },
        None => cx.current_room(key),
    };
    let Some(room) = cx.rooms.room(id) else { return };
    let (room_key, room_name) = (room.key().to_owned(), room.name().to_owned());
    if !cx.moderation.is_op(&room_key, account(cx, key).as_deref()) {
        return refuse(cx, key, ModError::NotOperator(&room_name));
    }
    let at = Where { id, key: &room_key, name: &room_name };
    match command {
        ModCommand::Kick { name: target, reason } => kick(cx, key, name, &at, target, cut(reason)),
        ModCommand::Mute { name: target, secs } => mute(cx, key, name, &at, target, secs),
        ModCommand::Unmute(target) => unmute(cx, key, name, &at, target),
        ModCommand::Ban { target, secs, reason } => ban(cx, key, name, &at, target, secs, cut(reason)),
        ModCommand::Unban(target) => unban(cx, key, name, &at, target),
        ModCommand::Bans => bans(cx, key, &at),
        ModCommand::Mode(mode) => set_mode(cx, name, &at, mode),
        ModCommand::Op(target) => op(cx, key, name, &at, target, true),
        ModCommand::Deop(target) => op(cx, key, name, &at, target, false),
        ModCommand::Marks => {}
    }
}

/// The room a command acts on.
struct Where<'a> {
    id: Option<RoomId>,
    key: &'a str,
    name: &'a str,
}

fn announce(cx: &mut Cx, at: &Where, notice: ModNotice<'_>) {
    cx.rooms.broadcast(cx.pool, at.id, None, &Reply::Moderation(notice));
}

/// A name as typed, checked; `None` (error sent) if it cannot be a name.
fn checked_name(cx: &mut Cx, key: usize, name: &str) -> Option<String> {
    match canonical_name(name) {
        Ok(n) => Some(n.into_owned()),
        Err(why) => {
            cx.error(key, ErrorKind::BadName(&why.to_string()));
            None
        }
    }
}

/// Takes `target` out of the room (out of the server in the default
/// room) after it has read why.
fn remove(cx: &mut Cx, at: &Where, target: usize, reason: &'static str) {
    let Some(name) = cx.pool.get(target).and_then(|s| s.name()).map(str::to_owned) else { return };
    match at.id {
        None => cx.pool.close(target, reason),
        Some(id) => leave(cx, target, &name, id),
    }
}

fn kick(cx: &mut Cx, key: usize, by: &str, at: &Where, name: &str, reason: Option<&str>) {
    let Some(target) = cx.rooms.room(at.id).and_then(|r| r.find(name)) else {
        return cx.error(key, ErrorKind::NoSuchUser(name));
    };
    let shown = cx.pool.get(target).and_then(|s| s.name()).unwrap_or(name).to_owned();
    info!("{by} kicked {shown} from {}", at.name);
    announce(cx, at, ModNotice::Kicked { by, name: &shown, reason });
    remove(cx, at, target, "kicked");
}

fn mute(cx: &mut Cx, key: usize, by: &str, at: &Where, name: &str, secs: Option<u64>) {
    let Some(name) = checked_name(cx, key, name) else { return };
    let now = now_secs();
    for gone in cx.moderation.prune_mutes(at.key, now) {
        store(cx, |s| s.delete_mute(at.key, &gone));
    }
    let until = secs.map(|s| now.saturating_add(s as i64));
    let folded = fold_name(&name);
    cx.moderation.rules_mut(at.key).mutes.insert(folded.clone(), until);
    store(cx, |s| s.save_mute(&Mute { room: at.key.to_owned(), name: folded, until }));
    info!("{by} muted {name} in {}", at.name);
    announce(cx, at, ModNotice::Muted { by, name: &name, secs });
}

fn unmute(cx: &mut Cx, key: usize, by: &str, at: &Where, name: &str) {
    let Some(name) = checked_name(cx, key, name) else { return };
    let folded = fold_name(&name);
    cx.moderation.rules_mut(at.key).mutes.remove(&folded);
    store(cx, |s| s.delete_mute(at.key, &folded));
    announce(cx, at, ModNotice::Unmuted { by, name: &name });
}

fn ban(cx: &mut Cx, key: usize, by: &str, at: &Where, target: &str, secs: Option<u64>, reason: Option<&str>) {
    let Some(parsed) = Target::parse(target) else {
        return refuse(cx, key, ModError::BadTarget(target));
    };
    let now = now_secs();
    for gone in cx.moderation.prune_bans(at.key, now) {
        store(cx, |s| s.delete_ban(at.key, &gone));
    }
    let target_key = parsed.key();
    let rules = cx.moderation.rules_mut(at.key);
    let renewed = rules.bans.iter().any(|b| b.target == target_key);
    if !renewed && rules.bans.len() >= MAX_BANS {
        return refuse(cx, key, ModError::TooManyBans { room: at.name, max: MAX_BANS });
    }
    let ban = Ban {
        room: at.key.to_owned(),
        target: target_key.clone(),
        by: by.to_owned(),
        until: secs.map(|s| now.saturating_add(s as i64)),
        reason: reason.map(str::to_owned),
    };
    rules.bans.retain(|b| b.target != target_key);
    rules.bans.push(ban.clone());
    store(cx, |s| s.save_ban(&ban));
    // A name is shown as typed, an address as the network it covers.
    let shown = match parsed {
        Target::Name(_) => target,
        Target::Net(..) => &target_key,
    };
    info!("{by} banned {shown} from {}", at.name);
    announce(cx, at, ModNotice::Banned { by, target: shown, secs, reason });
    let Some(room) = cx.rooms.room(at.id) else { return };
    let covered: Vec<usize> = room
        .keys()
        .filter(|&k| k != key)
        .filter(|&k| cx.pool.get(k).is_some_and(|s| parsed.covers(s.name().map(fold_name).as_deref(), s.peer().ip())))
        .collect();
    for target in covered {
        remove(cx, at, target, "banned");
    }
}

fn unban(cx: &mut Cx, key: usize, by: &str, at: &Where, target: &str) {
    let Some(target_key) = Target::parse(target).map(|t| t.key()) else {
        return refuse(cx, key, ModError::BadTarget(target));
    };
    let rules = cx.moderation.rules_mut(at.key);
    let before = rules.bans.len();
    rules.bans.retain(|b| b.target != target_key);
    if rules.bans.len() == before {
        return refuse(cx, key, ModError::NoSuchBan(target));
    }
    store(cx, |s| s.delete_ban(at.key, &target_key));
    announce(cx, at, ModNotice::Unbanned { by, target });
}

fn bans(cx: &mut Cx, key: usize, at: &Where) {
    let now = now_secs();
    for gone in cx.moderation.prune_bans(at.key, now) {
        store(cx, |s| s.delete_ban(at.key, &gone));
    }
    let tag = cx.rooms.tag(at.id);
    let list = cx.moderation.rules(at.key).map(|r| r.bans.as_slice()).unwrap_or_default();
    let mut out = Vec::new();
    encode_in(tag, &Reply::Moderation(ModNotice::BanList(list.len())), &mut out);
    for b in list {
        let entry =
            ModNotice::BanEntry { target: &b.target, by: &b.by, left: left(b.until, now), reason: b.reason.as_deref() };
        encode_in(tag, &Reply::Moderation(entry), &mut out);
    }
    cx.pool.send(key, &out);
}

fn set_mode(cx: &mut Cx, by: &str, at: &Where, mode: Mode) {
    let rules = cx.moderation.rules_mut(at.key);
    match mode.letter {
        'r' => rules.modes.registered_only = mode.on,
        _ => rules.modes.topic_locked = mode.on,
    }
    let modes = rules.modes.clone();
    store(cx, |s| s.save_modes(at.key, &modes));
    info!("{by} set mode {mode} in {}", at.name);
    announce(cx, at, ModNotice::ModeSet { by, mode });
}

/// `/op` (`give`) or `/deop`: only a registered name can be an operator.
fn op(cx: &mut Cx, key: usize, by: &str, at: &Where, name: &str, give: bool) {
    let Some(name) = checked_name(cx, key, name) else { return };
    let account = match cx.accounts.names.standing(&name) {
        Standing::Registered(a) => a.key.clone(),
        _ => return cx.error(key, ErrorKind::Account(AccountError::NotRegistered(&name))),
    };
    let ops = &mut cx.moderation.rules_mut(at.key).ops;
    if give {
        ops.insert(account.clone());
        store(cx, |s| s.save_op(at.key, &account));
        announce(cx, at, ModNotice::Opped { by, name: &name });
    } else {
        ops.remove(&account);
        store(cx, |s| s.delete_op(at.key, &account));
        announce(cx, at, ModNotice::Deopped { by, name: &name });
    }
}

/// Makes the registered `key` an operator of room `id` when it is the
/// first to enter a room with no operators: its creator.
pub fn on_first_join(cx: &mut Cx, key: usize, id: RoomId) {
    let Some(account) = account(cx, key) else { return };
    let Some(room) = cx.rooms.room(Some(id)) else { return };
    let room_key = room.key().to_owned();
    if room.len() != 1 || cx.moderation.has_ops(&room_key) {
        return;
    }
    cx.moderation.rules_mut(&room_key).ops.insert(account.clone());
    store(cx, |s| s.save_op(&room_key, &account));
}

/// The live ban keeping `key` (as `name`) out of room `room_key`.
fn ban_of(cx: &Cx, key: usize, name: &str, room_key: &str) -> Option<(Option<u64>, Option<String>)> {
    let ip: IpAddr = cx.pool.get(key)?.peer().ip();
    let now = now_secs();
    let ban = cx.moderation.ban_for(room_key, Some(&fold_name(name)), ip, now)?;
    Some((left(ban.until, now), ban.reason.clone()))
}

/// Refuses a name (at connect or login) banned from the server; `true`
/// if it did (the error is sent, the client closed).
pub fn refuse_server_ban(cx: &mut Cx, key: usize, name: &str) -> bool {
    let lobby = cx.rooms.lobby().key().to_owned();
    let Some((left, reason)) = ban_of(cx, key, name, &lobby) else { return false };
    info!("refused banned {name}");
    refuse(cx, key, ModError::BannedFromServer { left, reason: reason.as_deref() });
    cx.pool.close(key, "banned");
    true
}

/// Refuses `/nick NEW` to a name banned from the server: the client is
/// closed as it would be at connect. Only the name counts here (its
/// address was checked when it connected).
pub fn refuse_banned_nick(cx: &mut Cx, key: usize, new: &str) -> bool {
    let lobby = cx.rooms.lobby().key().to_owned();
    let now = now_secs();
    let folded = fold_name(new);
    let Some(ban) = cx
        .moderation
        .rules(&lobby)
        .and_then(|r| r.bans.iter().find(|b| b.target == folded && b.until.is_none_or(|u| u > now)))
    else {
        return false;
    };
    let (left, reason) = (left(ban.until, now), ban.reason.clone());
    refuse(cx, key, ModError::BannedFromServer { left, reason: reason.as_deref() });
    cx.pool.close(key, "banned");
    true
}

/// Refuses a `/join` of a room `name` is banned from; `true` if it did.
pub fn refuse_room_ban(cx: &mut Cx, key: usize, name: &str, room: &str) -> bool {
    let Some((left, reason)) = ban_of(cx, key, name, &fold_name(room)) else { return false };
    refuse(cx, key, ModError::BannedFromRoom { room, left, reason: reason.as_deref() });
    true
}

/// Whether `key` may speak in room `id`: not muted there, and registered
/// if the room is `+r`. On refusal the error is sent.
pub fn may_speak(cx: &mut Cx, key: usize, name: &str, id: Option<RoomId>) -> bool {
    let Some(room) = cx.rooms.room(id) else { return true };
    let (room_key, room_name) = (room.key().to_owned(), room.name().to_owned());
    if let Some(left) = cx.moderation.muted(&room_key, &fold_name(name), now_secs()) {
        refuse(cx, key, ModError::Muted { room: &room_name, left });
        return false;
    }
    let registered = account(cx, key).is_some();
    if cx.moderation.modes(&room_key).registered_only && !registered {
        refuse(cx, key, ModError::RegisteredOnly(&room_name));
        return false;
    }
    true
}

/// Whether `key` may set room `id`'s topic: anyone, unless it is `+t`.
pub fn may_set_topic(cx: &mut Cx, key: usize, id: Option<RoomId>) -> bool {
    let Some(room) = cx.rooms.room(id) else { return true };
    let (room_key, room_name) = (room.key().to_owned(), room.name().to_owned());
    if !cx.moderation.modes(&room_key).topic_locked || cx.moderation.is_op(&room_key, account(cx, key).as_deref()) {
        return true;
    }
    refuse(cx, key, ModError::NotOperator(&room_name));
    false
}

/// Tells the clients that asked for marks, in every room `key` is in,
/// its mark there now (after it registered or unregistered, which no
/// other notice says): `#dev *** marks: +bob`.
pub fn announce_mark(cx: &mut Cx, key: usize) {
    let Some(session) = cx.pool.get(key) else { return };
    let Some(name) = session.name().map(str::to_owned) else { return };
    let account = session.account.key.clone();
    let rooms: Vec<Option<RoomId>> =
        std::iter::once(None).chain(session.rooms().joined().iter().copied().map(Some)).collect();
    let mut line = Vec::new();
    for id in rooms {
        let Some(room) = cx.rooms.room(id) else { continue };
        let listed = format!("{}{name}", mark_of(cx, room.key(), account.as_deref()));
        line.clear();
        encode_in(cx.rooms.tag(id), &Reply::Moderation(ModNotice::Mark(&listed)), &mut line);
        let watchers: Vec<usize> = room.keys().filter(|&k| cx.pool.get(k).is_some_and(|s| s.marks)).collect();
        for k in watchers {
            cx.pool.send(k, &line);
        }
    }
}

/// The mark of a client logged in to `account` (if any) in the room
/// with key `room`: `@` operator, `+` other logged-in name, or none.
fn mark_of(cx: &Cx, room: &str, account: Option<&str>) -> &'static str {
    match () {
        _ if cx.moderation.is_op(room, account) => "@",
        _ if account.is_some() => "+",
        _ => "",
    }
}

/// Room `id`'s member names as `viewer` sees them: with `@` for
/// operators and `+` for other logged-in names if it sent `/marks`.
pub fn names_for(cx: &Cx, viewer: usize, id: Option<RoomId>) -> Vec<String> {
    let Some(room) = cx.rooms.room(id) else { return Vec::new() };
    let marks = cx.pool.get(viewer).is_some_and(|s| s.marks);
    room.keys()
        .filter_map(|k| cx.pool.get(k))
        .filter_map(|s| {
            let name = s.name()?;
            let mark = if marks { mark_of(cx, room.key(), s.account.key.as_deref()) } else { "" };
            Some(format!("{mark}{name}"))
        })
        .collect()
}
