//! Encrypted connections with trust on first use, against a real natterd
//! serving the self-signed test certificates of `tests/tls/`.
//!
//! The pins live in `natter/known_servers` under the private
//! `XDG_CONFIG_HOME` that `main` sets up; each check starts without one.

use std::time::Duration;

use adw::prelude::*;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

use crate::connection::cert_verifier::Fingerprint;
use crate::connection::known_servers::KnownServers;
use crate::model::session::Entry;
use crate::settings::Settings;
use crate::support::{owned, parsed, pump, spawn_natter, tls_material, wait_until, Raw, Server, Win};
use crate::window::{Phase, WindowPage};

fn fingerprint(cert: &str) -> Fingerprint {
    let der = CertificateDer::from_pem_file(tls_material(&format!("{cert}-cert.pem"))).expect("test certificate");
    Fingerprint::of(&der)
}

fn forget_pins() {
    let _ = std::fs::remove_file(KnownServers::path());
}

fn pins() -> KnownServers {
    KnownServers::load_from(&KnownServers::path()).expect("known_servers readable")
}

fn joins_in(server: &Server, name: &str) -> bool {
    let needle = format!("{name} joined");
    server.log().iter().any(|l| l.contains(&needle))
}

/// The connect form with encryption on: the unknown certificate's
/// fingerprint is shown, nothing reaches the server until the user trusts
/// it, then the chat works both ways with a plain-TCP client; a second
/// window uses the pin without asking.
pub fn tls_trust_on_first_use_then_chat() {
    forget_pins();
    let server = Server::tls(0, 0, "natterd");
    let win = Win::new();
    let page = win.0.connect_page();
    page.set_values(&server.tls_address(), "alice");
    page.set_tls(true);
    page.submit();

    wait_until("the trust question", || win.0.trust_dialog().is_some());
    let text = win.0.trust_dialog_text().expect("the dialog's text");
    assert!(text.starts_with("Trust This Server?\n"), "{text}");
    assert!(text.contains(&server.tls_address()), "the dialog names the server: {text}");
    assert!(text.contains(&fingerprint("natterd").two_lines()), "the dialog shows the fingerprint: {text}");
    assert_eq!((win.0.page(), win.0.phase()), (WindowPage::Connect, Phase::Idle));
    pump(Duration::from_millis(200));
    assert!(!joins_in(&server, "alice"), "nothing is sent before the user trusts the certificate");
    assert_eq!(pins().get(&server.tls_address()), None);

    win.0.trust_dialog().expect("still asking").response("trust");
    win.wait_joined();
    assert!(win.0.trust_dialog().is_none());
    assert_eq!(pins().get(&server.tls_address()), Some(fingerprint("natterd")), "the certificate is pinned");
    assert!(win.0.shows_encrypted(), "the header shows the lock");
    let saved = Settings::load();
    assert_eq!((saved.server, saved.tls), (server.tls_address(), true), "the switch is remembered");

    let mut bob = Raw::join(&server, "bob");
    wait_until("bob in the member list", || win.members() == owned(&["alice", "bob"]));
    bob.send("hello alice, from plain TCP");
    win.wait_entry(
        "bob's line",
        |e| matches!(e, Entry::Chat { from, text, .. } if from == "bob" && text == "hello alice, from plain TCP"),
    );
    win.type_and_send("안녕 bob, encrypted");
    bob.expect_line("alice: 안녕 bob, encrypted");
    win.wait_entry("the own line", |e| matches!(e, Entry::OwnChat { text, .. } if text == "안녕 bob, encrypted"));

    // Next time the pin lets the connection through without a question.
    let second = Win::new();
    second.0.join(&parsed(&server.tls_address()), "carol", true);
    wait_until("the second window to join", || {
        assert!(second.0.trust_dialog().is_none(), "a pinned server is not asked about again");
        second.0.phase() == Phase::Joined
    });
    bob.expect_line("*** carol joined");
    bob.send("/msg carol psst");
    second.wait_entry("the private line", |e| matches!(e, Entry::PrivateIn { from, .. } if from == "bob"));
}

/// A pinned server that comes back with another certificate on the same
/// port is refused, loudly, both by a window that was chatting with it
/// (no reconnecting behind the user's back) and by a new one; nothing is
/// sent and the old pin stays.
pub fn tls_changed_certificate_is_refused() {
    forget_pins();
    let mut server = Server::tls(0, 0, "natterd");
    let (port, tls_port, address) = (server.port, server.tls_port.expect("tls port"), server.tls_address());
    KnownServers::pin(&KnownServers::path(), &address, fingerprint("natterd")).expect("pin written");
    let win = Win::new();
    win.0.join(&parsed(&address), "alice", true);
    win.wait_joined();
    assert!(win.0.trust_dialog().is_none(), "the pin is trusted silently");

    server.kill();
    let impostor = Server::tls(port, tls_port, "other");
    let mut watcher = Raw::join(&impostor, "watcher");
    wait_until("the reconnect to meet the new certificate", || win.0.trust_dialog().is_some());
    let text = win.0.trust_dialog_text().expect("the warning's text");
    assert!(text.starts_with("Server Certificate Changed\n"), "{text}");
    assert!(text.contains("intercepting"), "{text}");
    assert!(text.contains(&fingerprint("natterd").two_lines()), "the old fingerprint is shown: {text}");
    assert!(text.contains(&fingerprint("other").two_lines()), "the new fingerprint is shown: {text}");
    let dialog = win.0.trust_dialog().expect("the warning");
    assert!(!dialog.has_response("trust"), "the warning offers no way to connect");
    assert_eq!((win.0.page(), win.0.phase()), (WindowPage::Connect, Phase::Idle));
    assert!(win.0.connect_page().error().is_some_and(|e| e.contains("changed")));
    dialog.response("close");
    pump(Duration::from_millis(1500));
    assert_eq!(win.0.phase(), Phase::Idle, "no reconnecting to a changed certificate");

    let fresh = Win::new();
    fresh.0.join(&parsed(&address), "alice2", true);
    wait_until("the warning in a new window", || fresh.0.trust_dialog().is_some());
    assert!(fresh.0.trust_dialog_text().is_some_and(|t| t.starts_with("Server Certificate Changed\n")));
    assert_eq!(fresh.0.phase(), Phase::Idle);
    pump(Duration::from_millis(200));
    assert!(!joins_in(&impostor, "alice"), "the impostor never heard a name: {:?}", impostor.log());
    assert!(watcher.drain().is_empty(), "nobody joined the impostor");
    assert_eq!(pins().get(&address), Some(fingerprint("natterd")), "the old pin stays");
}

/// `natter --server HOST:PORT --name NAME --tls` joins a pinned server at once.
pub fn command_line_tls_uses_the_pin() {
    let server = Server::tls(0, 0, "natterd");
    let mut watcher = Raw::join(&server, "watcher");
    let config_home = std::env::temp_dir().join(format!("natter-gtk-cli-tls-{}", std::process::id()));
    let known = config_home.join("natter").join("known_servers");
    KnownServers::pin(&known, &server.tls_address(), fingerprint("natterd")).expect("pin written");
    let mut child = spawn_natter(&["--server", &server.tls_address(), "--name", "영희", "--tls"], &config_home);
    let joined = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| watcher.expect_line("*** 영희 joined")));
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&config_home);
    if let Err(panic) = joined {
        std::panic::resume_unwind(panic);
    }
}
