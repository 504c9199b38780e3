//! Server lines as the client parses them: `Reply::parse` never panics, and
//! re-encoding a parsed reply gives a line that parses to the same value
//! (and re-encodes to the same text). Second, replies the server builds
//! from user-controlled parts (valid names, cleaned text, `/msg` targets,
//! unknown command words) round-trip and are one line: a user cannot make
//! the server emit a line the client reads as a different kind.
//!
//! Input layout: `LINE[\nNAME[\nTEXT[\nNAME2]]]`.

use natter::protocol::{clean_text, is_room, validate_name, ErrorKind, QuitReason, Reply, Stamp, Tagged};

/// A reply tagged with `room` and stamped or not round-trips whole too:
/// no user text can move a line into another room or make it history.
fn tagged_round_trip(room: Option<&str>, r: &Reply<'_>) {
    for stamp in [None, Some(Stamp { time: "2026-12-06T01:02:03Z", id: 42 })] {
        let line = Tagged { room, stamp, reply: r.clone() };
        let wire = line.to_string();
        assert_eq!(Tagged::parse(&wire), line, "{line:?} does not round-trip via {wire:?}");
    }
}

fn round_trip(r: &Reply<'_>) {
    let wire = r.to_string();
    assert!(!wire.contains('\n'), "{r:?} encodes to more than one line: {wire:?}");
    let back = Reply::parse(&wire);
    assert_eq!(&back, r, "{r:?} does not round-trip via {wire:?}");
    let bytes = r.to_bytes();
    assert_eq!(bytes, format!("{wire}\n").into_bytes());
}

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let text = String::from_utf8_lossy(data);
        let mut parts = text.split('\n');
        let line = parts.next().unwrap_or("");

        // 1. Whatever the server (or a hostile server) sends.
        for l in [line, &*clean_text(line)] {
            let r = Reply::parse(l);
            let wire = r.to_string();
            let again = Reply::parse(&wire);
            assert_eq!(again, r, "parse({l:?}) = {r:?} re-encodes as {wire:?} which parses as {again:?}");
            assert_eq!(again.to_string(), wire, "re-encoding is not stable");
            if let Reply::Other(o) = r {
                assert_eq!(o, l);
            }
        }

        // 2. Replies built from user-controlled parts.
        let name = parts.next().unwrap_or("bob");
        let raw_text = parts.next().unwrap_or("");
        let name2 = parts.next().unwrap_or("carol");
        let cleaned = clean_text(raw_text);
        let body: &str = &cleaned;
        let word = body.split(char::is_whitespace).next().unwrap_or("");
        // 0. Whatever arrives, read as a whole line: parsing and
        //    re-encoding is stable.
        let t = Tagged::parse(line);
        assert_eq!(Tagged::parse(&t.to_string()), t, "tagged parse of {line:?} is not stable");
        if validate_name(name).is_ok() {
            let room = is_room(name2).then_some(name2);
            for r in [
                Reply::Chat { from: name, text: body },
                Reply::Action { from: name, text: body.trim() },
                Reply::TopicSet { by: name, topic: body.trim() },
                Reply::Left { name, reason: Some(body.trim()).filter(|b| !b.is_empty()) },
            ] {
                round_trip(&r);
                tagged_round_trip(room, &r);
                tagged_round_trip(None, &r);
            }
            round_trip(&Reply::Chat { from: name, text: body });
            round_trip(&Reply::Action { from: name, text: body.trim() });
            round_trip(&Reply::Private { from: name, text: body });
            round_trip(&Reply::Joined(name));
            round_trip(&Reply::Quit { name, reason: None });
            let reason = body.trim();
            if !reason.is_empty() {
                round_trip(&Reply::Quit { name, reason: Some(QuitReason::User(reason)) });
                round_trip(&Reply::Quit { name, reason: Some(QuitReason::Server(reason)) });
            }
            round_trip(&Reply::Error(ErrorKind::NameTaken(name)));
            round_trip(&Reply::Welcome { name, online: vec![name] });
            round_trip(&Reply::Online(vec![name]));
            if validate_name(name2).is_ok() {
                round_trip(&Reply::Renamed { old: name, new: name2 });
                round_trip(&Reply::Welcome { name, online: vec![name2, name] });
                round_trip(&Reply::Online(vec![name, name2]));
            }
        } else {
            let why = validate_name(name).unwrap_err().to_string();
            round_trip(&Reply::Error(ErrorKind::BadName(&why)));
        }
        if !word.is_empty() {
            round_trip(&Reply::Error(ErrorKind::NoSuchUser(word)));
        }
        // `/x` that natterd does not know: x has no whitespace but may be anything else.
        round_trip(&Reply::Error(ErrorKind::UnknownCommand(word)));
        round_trip(&Reply::Error(ErrorKind::LineTooLong(body.len())));
    });
}
