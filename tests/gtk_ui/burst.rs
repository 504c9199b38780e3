//! The burst check: 10,000 lines at once, measured.

use std::cell::Cell;
use std::io::Write;
use std::rc::Rc;
use std::thread;
use std::time::{Duration, Instant};

use adw::prelude::*;
use gtk::glib;

use crate::model::session::Entry;
use crate::support::{pump, wait_until, wait_until_for, Raw, Server, Win};
use crate::window::Phase;

/// 10,000 lines in one burst: all shown in order, the main loop keeps
/// turning, the view sticks to the bottom, and stops following once the
/// user scrolls up.
pub fn burst_of_ten_thousand_lines() {
    const LINES: usize = 10_000;
    // Flood control off: natterd would otherwise pace one sender to 50
    // lines a second, and the burst is what is being tested here.
    let server = Server::with_args(0, &["--flood-rate", "0"]);
    let win = Win::joined(&server, "alice");
    let mut bob = Raw::join(&server, "bob");
    wait_until("bob to join", || win.members().len() == 2);
    let view = win.0.chat_view();
    view.flush();
    let before = view.len();

    // The longest gap between two turns of the main loop, and between two frames.
    let gaps = Rc::new(Cell::new((Instant::now(), Duration::ZERO)));
    let tick = {
        let gaps = gaps.clone();
        glib::timeout_add_local(Duration::from_millis(1), move || {
            let (last, worst) = gaps.get();
            let now = Instant::now();
            gaps.set((now, worst.max(now - last)));
            glib::ControlFlow::Continue
        })
    };
    let frames = Rc::new(Cell::new((Instant::now(), Duration::ZERO, 0u32)));
    let frame_tick = {
        let frames = frames.clone();
        win.0.add_tick_callback(move |_, _| {
            let (last, worst, n) = frames.get();
            let now = Instant::now();
            frames.set((now, worst.max(now - last), n + 1));
            glib::ControlFlow::Continue
        })
    };

    let mut payload = String::new();
    for i in 0..LINES {
        payload.push_str(&format!("burst line {i} — 한국어 텍스트 and some more words to wrap\n"));
    }
    let mut writer = bob.stream.try_clone().unwrap();
    let start = Instant::now();
    gaps.set((start, Duration::ZERO));
    frames.set((start, Duration::ZERO, 0));
    let sender = thread::spawn(move || writer.write_all(payload.as_bytes()));
    let last = format!("burst line {} — 한국어 텍스트 and some more words to wrap", LINES - 1);
    wait_until_for("all burst lines", Duration::from_secs(60), || {
        view.len() >= before + LINES as u32
            && matches!(view.line(view.len() - 1), Some(l) if matches!(&l.entry, Entry::Chat { text, .. } if *text == last))
    });
    let took = start.elapsed();
    let (_, worst_gap) = gaps.get();
    let (_, worst_frame, frame_count) = frames.get();
    tick.remove();
    frame_tick.remove();
    sender.join().unwrap().unwrap();
    println!(
        "    burst: {LINES} lines shown in {} ms; longest main-loop stall {} ms; {frame_count} frames drawn, longest frame gap {} ms",
        took.as_millis(),
        worst_gap.as_millis(),
        worst_frame.as_millis()
    );

    let lines = view.lines();
    for (i, line) in lines[before as usize..].iter().enumerate() {
        match &line.entry {
            Entry::Chat { from, text, .. } => {
                assert_eq!(from, "bob");
                assert!(text.starts_with(&format!("burst line {i} ")), "line {i} in order");
            }
            other => panic!("unexpected entry {other:?}"),
        }
    }
    assert!(worst_gap < Duration::from_millis(750), "the main loop stalled for {worst_gap:?}");

    // Sticky: at the bottom after the burst.
    let adj = view.vadjustment();
    // Rows are at least 15 px high: wait for the list to be laid out
    // with all of them, and at its end.
    let full_height = (before as usize + LINES) as f64 * 15.0;
    wait_until("the laid-out view at the bottom", || {
        adj.upper() > full_height && adj.value() + adj.page_size() >= adj.upper() - 10.0
    });
    assert!(view.is_sticky());
    // The user scrolls up: new lines do not pull the view down.
    adj.set_value(adj.upper() / 2.0);
    pump(Duration::from_millis(50));
    assert!(!view.is_sticky());
    let held = adj.value();
    bob.send("one more");
    win.wait_entry("one more", |e| matches!(e, Entry::Chat { text, .. } if text == "one more"));
    pump(Duration::from_millis(100));
    assert_eq!(adj.value(), held, "the view stays where the user scrolled");
    view.scroll_to_bottom();
    pump(Duration::from_millis(100));
    assert!(view.is_sticky());
    assert!(adj.value() + adj.page_size() >= adj.upper() - 10.0);
    assert!(win.0.phase() == Phase::Joined, "the burst did not cost the connection");
}
