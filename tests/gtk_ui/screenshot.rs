//! The picture in the README: a short conversation in English and Korean,
//! saved with ImageMagick's `import` (not a check; run it by name).

use std::process::Command;
use std::time::Duration;

use adw::prelude::*;

use crate::support::{parsed, pump, Raw, Server, Win};

/// Not a check: with `NATTER_SCREENSHOT=PATH`, plays a short conversation
/// (English and Korean names, a raw-socket client on the other side) and
/// saves the screen with ImageMagick's `import`, for docs/screenshot.png.
pub fn screenshot() {
    let Some(path) = std::env::var_os("NATTER_SCREENSHOT") else {
        return;
    };
    let server = Server::start();
    let win = Win::new();
    win.0.set_default_size(880, 620);
    win.0.join(&parsed(&server.address()), "alice", false);
    win.wait_joined();
    let mut chulsoo = Raw::join(&server, "철수");
    let mut bob = Raw::join(&server, "bob");
    let mut carol = Raw::join(&server, "carol");
    let say = |raw: &mut Raw, line: &str| {
        raw.send(line);
        pump(Duration::from_millis(150));
    };
    let type_line = |text: &str| {
        win.type_and_send(text);
        pump(Duration::from_millis(150));
    };
    say(&mut carol, "morning! is the build green again?");
    say(&mut bob, "yes, the flaky test is fixed");
    say(&mut chulsoo, "안녕하세요! 오늘 회의 자료 올렸어요: https://example.org/notes");
    type_line("고마워요 철수, I'll read them before lunch.");
    say(&mut bob, "/me grabs a coffee");
    say(&mut bob, "alice: could you review my patch today?");
    type_line("Sure, after the meeting.");
    say(&mut chulsoo, "/msg alice 점심 같이 먹을래요?");
    type_line("/msg 철수 좋아요, 12시 반에 봐요!");
    let mut younghee = Raw::join(&server, "영희");
    pump(Duration::from_millis(150));
    say(&mut younghee, "다들 좋은 아침이에요 :)");
    drop(younghee);
    pump(Duration::from_millis(150));
    type_line("/me waves");
    say(&mut bob, "see you all at 3");
    win.0.composer().set_text("");
    pump(Duration::from_millis(600));
    let display = std::env::var("DISPLAY").unwrap_or_default();
    let (w, h) = (win.0.width(), win.0.height());
    // Without a window manager the window sits at 0,0 inside a 5 px frame.
    let crop = std::env::var("NATTER_SCREENSHOT_CROP").unwrap_or_else(|_| format!("{w}x{h}+5+5"));
    let status = Command::new("import")
        .args(["-display", &display, "-window", "root", "-crop", &crop])
        .arg(&path)
        .status()
        .expect("ImageMagick's import runs");
    assert!(status.success());
    println!("    screenshot: {w}x{h} saved to {}", std::path::Path::new(&path).display());
    let _ = (chulsoo.drain(), bob.drain(), carol.drain());
}
