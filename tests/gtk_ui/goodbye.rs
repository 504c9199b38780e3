//! Closing a window or quitting says goodbye at once: the others read a
//! plain `*** NAME quit` (not "connection lost"), and `/who` no longer
//! lists the name, within a short time instead of at the next dead write.

use std::time::{Duration, Instant};

use adw::prelude::*;

use crate::application::NatterApplication;
use crate::keyboard::xdotool;
use crate::support::{parsed, pump, shot, spawn_natter, wait_until, wait_until_for, Raw, Server};
use crate::window::{NatterWindow, Phase};

/// How soon the others must read the goodbye.
const PROMPTLY: Duration = Duration::from_secs(3);

/// Waits (bounded) for exactly `line` on `raw`, failing on a "connection
/// lost" goodbye for the same name.
fn expect_plain_quit(raw: &mut Raw, name: &str) {
    let plain = format!("*** {name} quit");
    let prefix = format!("*** {name} quit");
    let mut got = None;
    let deadline = Instant::now() + PROMPTLY;
    wait_until_for(&format!("{plain:?} within {PROMPTLY:?}"), PROMPTLY + Duration::from_millis(100), || {
        got = raw.drain().into_iter().find(|l| l.starts_with(&prefix));
        got.is_some() || Instant::now() >= deadline
    });
    assert_eq!(got.as_deref(), Some(plain.as_str()), "the others read a clean quit");
}

/// The application's windows, as chat windows.
fn chat_windows(app: &NatterApplication) -> Vec<NatterWindow> {
    app.windows().into_iter().filter_map(|w| w.downcast::<NatterWindow>().ok()).collect()
}

/// Windows of one application (the others from New Window, as Ctrl+N
/// makes them): closing each through GTK says `/quit` at once, and
/// quitting the application says it for the last. The goodbye used to race
/// the window's going, so the check closes several to catch a race.
pub fn closing_a_window_or_quitting_says_quit() {
    const NAMES: [&str; 7] = ["alice", "bob", "carol", "dave", "erin", "frank", "grace"];
    let server = Server::start();
    let mut watcher = Raw::join(&server, "watcher");
    let app = NatterApplication::new();
    app.register(None::<&gtk::gio::Cancellable>).expect("the application registers");
    app.activate();
    for _ in 1..NAMES.len() {
        app.activate_action("new-window", None);
    }
    let windows = chat_windows(&app);
    assert_eq!(windows.len(), NAMES.len(), "one window per name");
    for (win, name) in windows.iter().zip(NAMES) {
        win.join(&parsed(&server.address()), name, false);
        watcher.expect_line(&format!("*** {name} joined"));
    }
    wait_until("every window to join", || windows.iter().all(|w| w.phase() == Phase::Joined));

    for (gone, win) in windows.iter().enumerate().skip(1) {
        let name = win.me().expect("a joined window has a name");
        win.close();
        expect_plain_quit(&mut watcher, &name);
        watcher.send("/who");
        let online = watcher.expect("the /who answer", |l| l.starts_with("*** online"));
        assert!(!online.contains(&name), "{name} is gone from /who: {online}");
        wait_until("the window to go", || chat_windows(&app).len() == NAMES.len() - gone);
    }

    // The window left: it read every other window's plain goodbye.
    shot("closed-windows-said-quit");
    app.activate_action("quit", None);
    expect_plain_quit(&mut watcher, NAMES[0]);
    wait_until("every window to go", || app.windows().is_empty());
    pump(Duration::from_millis(50));
}

/// The real natter process: Ctrl+Q (a real key press) makes the others
/// read a plain quit, then the process ends by itself. Three rounds, as
/// the goodbye used to race the exit.
pub fn ctrl_q_in_the_natter_process_says_quit() {
    for _ in 0..3 {
        ctrl_q_once();
    }
}

fn ctrl_q_once() {
    let server = Server::start();
    let mut watcher = Raw::join(&server, "watcher");
    let config_home = std::env::temp_dir().join(format!("natter-gtk-quit-{}", std::process::id()));
    let mut child = spawn_natter(&["--server", &server.address(), "--name", "영희"], &config_home);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        watcher.expect_line("*** 영희 joined");
        // No window manager: the pointer over the window gives it the keyboard.
        xdotool(&["mousemove", "200", "200"]);
        pump(Duration::from_millis(300));
        xdotool(&["key", "ctrl+q"]);
        expect_plain_quit(&mut watcher, "영희");
        let mut status = None;
        wait_until("natter to exit after Ctrl+Q", || {
            status = child.try_wait().ok().flatten();
            status.is_some()
        });
        assert!(status.is_some_and(|s| s.success()), "natter exits cleanly: {status:?}");
    }));
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&config_home);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}
