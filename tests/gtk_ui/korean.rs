//! The client in Korean: a server error the client words itself comes out
//! translated, from po/ko.po compiled on the spot.
//!
//! `main` sets `LANG=C.UTF-8` before GTK sets the locale, so that
//! `LANGUAGE` counts; this check binds the text domain to a fresh
//! `natter.mo` and sets `LANGUAGE=ko` only while it runs.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::Duration;

use crate::config::GETTEXT_PACKAGE;
use crate::support::{pump, wait_until, Win};
use crate::window::Phase;

/// Korean for as long as it lives; English again when dropped, even when
/// the check fails.
pub struct Korean {
    dir: PathBuf,
}

impl Korean {
    pub fn start() -> Korean {
        let dir = std::env::temp_dir().join(format!("natter-gtk-ko-{}", std::process::id()));
        let messages = dir.join("ko").join("LC_MESSAGES");
        std::fs::create_dir_all(&messages).expect("the temporary locale dir can be made");
        let po = Path::new(env!("CARGO_MANIFEST_DIR")).join("po").join("ko.po");
        let status = Command::new("msgfmt")
            .arg("-o")
            .arg(messages.join(format!("{GETTEXT_PACKAGE}.mo")))
            .arg(&po)
            .status()
            .expect("msgfmt runs (package gettext)");
        assert!(status.success(), "po/ko.po compiles");
        gettextrs::bindtextdomain(GETTEXT_PACKAGE, dir.as_os_str()).expect("the text domain binds");
        gettextrs::bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8").expect("the codeset is set");
        gettextrs::textdomain(GETTEXT_PACKAGE).expect("the text domain is set");
        std::env::set_var("LANGUAGE", "ko");
        Korean { dir }
    }
}

impl Drop for Korean {
    fn drop(&mut self) {
        std::env::remove_var("LANGUAGE");
        // The default domain has no catalog: every text is the English msgid.
        let _ = gettextrs::textdomain("messages");
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A server that answers any name the way natterd answers a client that
/// sent none in time, then hangs up.
fn name_timeout_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port is free");
    let address = listener.local_addr().expect("a bound listener has an address").to_string();
    thread::spawn(move || {
        let Ok((socket, _)) = listener.accept() else { return };
        let mut name = String::new();
        let _ = BufReader::new(&socket).read_line(&mut name);
        let _ = (&socket).write_all(b"*** error: no name received in time\n");
        thread::sleep(Duration::from_millis(500));
    });
    address
}

/// A user whose name timed out reads why in Korean on the form, not the
/// untranslated "Server error: …" fallback, and nothing retries.
pub fn name_timeout_reads_in_korean() {
    let _korean = Korean::start();
    assert_eq!(
        crate::i18n::gettext_f("Server disconnected.", &[]),
        "서버와 연결이 끊어졌습니다.",
        "the catalog is bound"
    );
    let address = name_timeout_server();
    let win = Win::new();
    let page = win.0.connect_page();
    page.set_values(&address, "alice");
    page.set_tls(false);
    page.submit();
    wait_until("the name-timeout message", || page.error().is_some());
    assert_eq!(page.error().as_deref(), Some("서버가 제시간에 이름을 받지 못했습니다."));
    pump(Duration::from_millis(300));
    assert_eq!(win.0.phase(), Phase::Idle, "a refused first join does not retry");
    assert!(!page.is_busy());
}
