//! natter speaks the user's language when run from its build folder, as
//! `bash run.sh` does, not only once installed.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Raw, Server};
use crate::NATTER;

/// natter built by cargo, started on a Korean desktop (`LANG=ko_KR.UTF-8`,
/// nothing else set), loads the Korean catalog compiled beside it and joins.
pub fn korean_desktop_gets_korean_from_the_build_folder() {
    let catalog = Path::new(NATTER).with_file_name("locale").join("ko/LC_MESSAGES/natter.mo");
    assert!(catalog.is_file(), "{} missing: tests/run-gtk-tests.sh compiles it", catalog.display());
    let server = Server::start();
    let mut watcher = Raw::join(&server, "watcher");
    let config_home = std::env::temp_dir().join(format!("natter-gtk-lang-{}", std::process::id()));
    let mut child = Command::new(NATTER)
        .args(["--server", &server.address(), "--name", "민지"])
        .env("XDG_CONFIG_HOME", &config_home)
        .env("LANG", "ko_KR.UTF-8")
        .env_remove("LANGUAGE")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("natter starts");
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        watcher.expect_line("*** 민지 joined");
        // gettext maps the catalog it reads; wait for it, bounded.
        let maps = format!("/proc/{}/maps", child.id());
        let deadline = Instant::now() + Duration::from_secs(10);
        let wanted = catalog.canonicalize().expect("the catalog has a real path");
        while !std::fs::read_to_string(&maps).unwrap_or_default().contains(wanted.to_str().unwrap_or("?")) {
            assert!(Instant::now() < deadline, "natter never loaded {}", wanted.display());
            std::thread::sleep(Duration::from_millis(50));
        }
    }));
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&config_home);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}
