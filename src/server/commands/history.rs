//! Stored history as clients meet it: room lines stored as they are said
//! (and sent stamped to clients that asked), the replay a joiner gets,
//! `/history` pages, `/search`, `/stamps`, and the worker's answers.

use natter::protocol::room::PEER_SIGIL;
use natter::protocol::tagged::encode_line;
use natter::protocol::{Reply, Stamp};

use super::conversations;
use super::rooms::room_of;
use super::Cx;
use crate::history::{utc, Tag};
use crate::pool::Handle;
use crate::rooms::RoomId;
use crate::store::worker::{Answer, Query};
use crate::store::{Kind, Line, Page, SavedRoom};

/// Lines a `/history` page has unless the client asks for fewer.
const PAGE: usize = 50;
/// Most lines one page or search returns.
const MAX_PAGE: usize = 200;
/// What the course's client reads at once: a raw client's replay and
/// welcome must fit, or a Korean character cut in two kills its reader.
const RAW_READ: usize = 1024;
/// Flood tokens a page or a search costs beyond its line: each is work
/// for the disk and output for the asker.
const PAGE_COST: u32 = 2;
const SEARCH_COST: u32 = 10;

/// The reply a stored line reads as: a private conversation's lines
/// (keys starting with `@`) are privates.
fn reply_of(line: &Line) -> Reply<'_> {
    if line.room.starts_with(PEER_SIGIL) {
        return Reply::Private { from: &line.from, text: &line.text };
    }
    match line.kind {
        Kind::Chat => Reply::Chat { from: &line.from, text: &line.text },
        Kind::Action => Reply::Action { from: &line.from, text: &line.text },
        Kind::Topic => Reply::TopicSet { by: &line.from, topic: &line.text },
    }
}

/// Appends `line` as a history line tagged with `room`.
fn encode_stored(room: Option<&str>, line: &Line, out: &mut Vec<u8>) {
    let time = utc(line.time);
    encode_line(room, Some(Stamp { time: &time, id: line.id }), &reply_of(line), out);
}

/// Stores a line of room `id` and sends it to the room: stamped to those
/// who asked (`except` too, as its echo), plain to the others but `except`.
pub fn say_stored(cx: &mut Cx, except: Option<usize>, id: Option<RoomId>, kind: Kind, reply: &Reply<'_>) {
    let (from, text) = match *reply {
        Reply::Chat { from, text } | Reply::Action { from, text } => (from, text),
        Reply::TopicSet { by, topic } => (by, topic),
        _ => return cx.rooms.broadcast(cx.pool, id, except, reply),
    };
    let Some(room) = cx.rooms.room_mut(id) else { return };
    let record = cx.history.record(room.key(), kind, from, text);
    if record.is_some() && (!room.is_kept() || kind == Kind::Topic) {
        room.keep();
        let saved = SavedRoom { name: room.name().to_owned(), topic: room.topic().map(str::to_owned) };
        let key = room.key().to_owned();
        cx.history.save_room(&key, &saved);
    }
    cx.rooms.touch(id);
    let time = record.map(|(_, time)| utc(time));
    let stamp = record.zip(time.as_deref()).map(|((line, _), time)| Stamp { time, id: line });
    cx.rooms.broadcast_stored(cx.pool, id, except, stamp, reply);
}

/// The replay a joiner of room `id` gets before its welcome: the room's
/// newest lines, oldest first, or the notice that history is unavailable.
/// A raw client gets only what fits in one read with `welcome`.
pub fn replay(cx: &mut Cx, key: usize, id: Option<RoomId>, welcome: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    if !cx.history.enabled() || cx.history.replay_len() == 0 {
        return out;
    }
    let Some(room) = cx.rooms.room(id) else { return out };
    let tag = cx.rooms.tag(id);
    let Some(lines) = cx.history.recent(room.key()) else {
        encode_line(tag, None, &Reply::HistoryUnavailable, &mut out);
        return out;
    };
    let raw = cx.pool.get(key).is_some_and(|s| s.is_raw());
    let mut encoded: Vec<Vec<u8>> = lines
        .iter()
        .map(|line| {
            let mut one = Vec::new();
            encode_stored(tag, line, &mut one);
            one
        })
        .collect();
    if raw {
        // Keep the newest lines that fit in one read with the welcome.
        let mut room_left = RAW_READ.saturating_sub(welcome.len());
        let mut keep = 0;
        for line in encoded.iter().rev() {
            if line.len() > room_left {
                break;
            }
            room_left -= line.len();
            keep += 1;
        }
        encoded.drain(..encoded.len() - keep);
    }
    out.extend(encoded.into_iter().flatten());
    out
}

/// What a history command is about: the store key of the named room
/// (which the client must be in) or of its current room, or of the
/// private conversation `@PEER` (`None` when it cannot be kept), and the
/// tag its lines carry (`None` for the default room). `None` when an
/// error was sent.
fn target(cx: &mut Cx, key: usize, room: Option<&str>) -> Option<(Option<String>, Option<String>)> {
    if let Some(tag) = room.filter(|r| r.starts_with(PEER_SIGIL)) {
        let (store_key, tag) = conversations::target(cx, key, tag).ok()?;
        return Some((store_key, Some(tag)));
    }
    let id = match room {
        Some(room) => room_of(cx, key, room)?,
        None => cx.current_room(key),
    };
    let room = cx.rooms.room(id)?;
    let store_key = room.key().to_owned();
    let name = room.name().to_owned();
    Some((Some(store_key), (!cx.rooms.is_lobby(&name)).then_some(name)))
}

/// Sends a request to the worker, or says history is unavailable. A
/// conversation that cannot be kept has no lines.
fn ask(cx: &mut Cx, key: usize, room: Option<&str>, search: bool, query: Query) {
    let Some((store_key, tag)) = target(cx, key, room) else { return };
    let Some(session) = cx.pool.get(key) else { return };
    let client = Handle::new(key, session.id());
    let mut out = Vec::new();
    match store_key {
        _ if !cx.history.enabled() => encode_line(tag.as_deref(), None, &Reply::HistoryUnavailable, &mut out),
        None => encode_line(tag.as_deref(), None, &end_of(search, 0), &mut out),
        Some(store_key) => {
            if cx.history.ask(Tag { client, room: tag.clone(), search }, &store_key, query) {
                return;
            }
            encode_line(tag.as_deref(), None, &Reply::HistoryUnavailable, &mut out);
        }
    }
    cx.pool.send(key, &out);
}

/// The line that closes a page or a search of `n` lines.
fn end_of(search: bool, n: usize) -> Reply<'static> {
    if search {
        Reply::SearchEnd(n)
    } else {
        Reply::HistoryEnd(n)
    }
}

/// `/history [ROOM|@PEER] before|after ID [N]`.
pub fn page(cx: &mut Cx, key: usize, room: Option<&str>, after: bool, cursor: u64, count: Option<usize>) -> u32 {
    let n = count.unwrap_or(PAGE).clamp(1, MAX_PAGE);
    let page = if after { Page::After(cursor) } else { Page::Before(cursor) };
    ask(cx, key, room, false, Query::Page(page, n));
    PAGE_COST
}

/// `/search [ROOM|@PEER] WORDS`.
pub fn search(cx: &mut Cx, key: usize, room: Option<&str>, words: &str) -> u32 {
    ask(cx, key, room, true, Query::Search(words.to_owned(), PAGE));
    SEARCH_COST
}

/// `/stamps`.
pub fn stamps(cx: &mut Cx, key: usize) {
    if let Some(session) = cx.pool.get_mut(key) {
        session.set_stamps();
    }
    cx.reply(key, &Reply::StampsOn);
}

/// Sends the worker's answer to the client that asked, if it is still here.
pub fn deliver(cx: &mut Cx, answer: Answer<Tag>) {
    let Tag { client, room, search } = answer.tag;
    if cx.pool.live(client).is_none() {
        return;
    }
    let tag = room.as_deref();
    let mut out = Vec::new();
    match answer.lines {
        Ok(lines) => {
            for line in &lines {
                encode_stored(tag, line, &mut out);
            }
            encode_line(tag, None, &end_of(search, lines.len()), &mut out);
        }
        Err(e) => {
            log::warn!("history request failed: {e}");
            encode_line(tag, None, &Reply::HistoryUnavailable, &mut out);
        }
    }
    cx.pool.send(client.key(), &out);
}
