//! Helpers for the stored-history black-box tests: natterd on a data
//! directory, joins that collect the replay before the welcome, stamps
//! taken apart, and `/history` / `/search` answers gathered whole.

#![allow(dead_code)]

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::{Client, Server, TIMEOUT};

/// natterd keeping history in `dir`, with the flood and per-address
/// limits off so tests may send fast from 127.0.0.1.
pub fn start_in(dir: &Path, extra: &[&str]) -> Server {
    Server::start_bulk(&data_args(dir, extra))
}

/// `--data-dir DIR` followed by `extra`, as owned strings' borrows.
pub fn data_args<'a>(dir: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["--data-dir", dir.to_str().expect("a UTF-8 temp path")];
    args.extend_from_slice(extra);
    args
}

/// Splits an optional room tag and an optional stamp off `line`:
/// `#dev [2026-12-06T01:02:03Z 12] alice: hi` → `(Some(12), "#dev alice: hi")`.
pub fn unstamp(line: &str) -> (Option<u64>, String) {
    let (tag, rest) = match line.split_once(' ') {
        Some((t, r)) if t.starts_with('#') => (Some(t), r),
        _ => (None, line),
    };
    let stamped = rest.strip_prefix('[').and_then(|r| r.split_once("] ")).and_then(|(inside, text)| {
        let (time, id) = inside.split_once(' ')?;
        let ok = time.len() == 20 && time.ends_with('Z') && time.as_bytes()[10] == b'T';
        ok.then(|| Some((id.parse::<u64>().ok()?, text))).flatten()
    });
    let (id, text) = match stamped {
        Some((id, text)) => (Some(id), text),
        None => (None, rest),
    };
    let shown = match tag {
        Some(tag) => format!("{tag} {text}"),
        None => text.to_string(),
    };
    (id, shown)
}

/// The texts of stamped lines, stamps removed; panics on an unstamped one.
pub fn stamped_texts(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|l| {
            let (id, text) = unstamp(l);
            assert!(id.is_some(), "not a stamped line: {l:?}");
            text
        })
        .collect()
}

/// Reads lines until the welcome for `name` (tagged `tag` outside the
/// default room); returns the lines before it and the welcome itself.
pub fn until_welcome(c: &mut Client, name: &str, tag: Option<&str>) -> (Vec<String>, String) {
    let start = match tag {
        Some(tag) => format!("{tag} *** welcome {name}, online ("),
        None => format!("*** welcome {name}, online ("),
    };
    let mut before = Vec::new();
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let left = deadline.checked_duration_since(Instant::now()).unwrap_or_default();
        let line = c.next_line_within(left.max(Duration::from_millis(1)));
        if line.starts_with(&start) {
            return (before, line);
        }
        before.push(line);
        assert!(before.len() <= 600, "{name}: no welcome after {} lines", before.len());
    }
}

/// Connects and logs in as `name`; returns the client and its replay.
pub fn login(server: &Server, name: &str) -> (Client, Vec<String>) {
    let mut c = server.connect();
    c.label = name.to_string();
    c.send_line(name);
    let (replay, _) = until_welcome(&mut c, name, None);
    (c, replay)
}

/// Sends `command` (a `/history` or `/search`) and gathers the answer:
/// the lines before `*** end of history|search (N lines)`, which must
/// number N. `tag` is the room tag the answer carries, if any.
pub fn ask(c: &mut Client, command: &str, tag: Option<&str>) -> Vec<String> {
    c.send_line(command);
    let what = if command.starts_with("/search") { "search" } else { "history" };
    let prefix = match tag {
        Some(tag) => format!("{tag} *** end of {what} ("),
        None => format!("*** end of {what} ("),
    };
    let mut lines = Vec::new();
    loop {
        let line = c.next_line();
        if let Some(n) = line.strip_prefix(&prefix).and_then(|r| r.strip_suffix(" lines)")) {
            assert_eq!(n.parse::<usize>().ok(), Some(lines.len()), "{command}: count disagrees: {lines:?}");
            return lines;
        }
        assert!(!line.ends_with("history unavailable"), "{command}: {line}");
        assert!(!line.starts_with("*** error"), "{command}: {line}");
        lines.push(line);
        assert!(lines.len() <= 201, "{command}: no end after {} lines", lines.len());
    }
}

/// Every stored line of the default room (or `tag`'s room, which `c` is
/// in) with an id above `after`, paged 200 at a time: `(id, text)`.
pub fn all_after(c: &mut Client, tag: Option<&str>, after: u64) -> Vec<(u64, String)> {
    let mut out: Vec<(u64, String)> = Vec::new();
    let mut cursor = after;
    loop {
        let command = match tag {
            Some(tag) => format!("/history {tag} after {cursor} 200"),
            None => format!("/history after {cursor} 200"),
        };
        let page = ask(c, &command, tag);
        let n = page.len();
        for line in page {
            let (id, text) = unstamp(&line);
            let id = id.unwrap_or_else(|| panic!("unstamped history line {line:?}"));
            assert!(id > cursor, "page after {cursor} went back to {id}");
            cursor = id;
            out.push((id, text));
        }
        if n < 200 {
            return out;
        }
    }
}

/// Says `texts` from `from` in its current room, and waits until `to`
/// (in that room too) has received each, so they are stored.
pub fn say_seen(from: &mut Client, to: &mut Client, texts: &[&str], tag: Option<&str>) {
    let name = from.label.clone();
    for text in texts {
        from.send_line(text);
        let want = match tag {
            Some(tag) => format!("{tag} {name}: {text}"),
            None => format!("{name}: {text}"),
        };
        to.skip_until(&want, 20);
    }
}

/// Polls `check` every 20 ms until it is true or `limit` passes.
pub fn wait_for(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !check() {
        assert!(Instant::now() < deadline, "timed out after {limit:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `time` (Unix seconds) as natterd stamps it: `2026-12-06T01:02:03Z`.
pub fn utc(time: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(time).unwrap();
    let (month, day, hour, minute, second) = (u8::from(t.month()), t.day(), t.hour(), t.minute(), t.second());
    format!("{:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z", t.year())
}

/// Every file and directory under `dir`.
pub fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}
