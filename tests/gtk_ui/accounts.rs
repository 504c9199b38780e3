//! Accounts from the desktop: the connect form's password, its
//! explanations, the account dialog and the keyring.
//!
//! The keyring check needs a real Secret Service. It runs in a child
//! process of this test binary under a session bus of its own
//! (`dbus-run-session`), on which `gnome-keyring-daemon` holds a fresh
//! keyring unlocked with a known password, with its files in a temporary
//! home: never the desktop's keyring. Like the notification check, the
//! other checks keep running with no session bus at all.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use adw::prelude::*;
use gtk::glib;

use crate::keyring;
use crate::model::rooms::ConvId;
use crate::model::session::Entry;
use crate::support::{pump, scripted_server, shot, shot_of, wait_until, Raw, Server, Win};
use crate::window::{Phase, WindowPage};

/// A natterd that keeps accounts in a fresh data directory.
fn server_with_accounts(what: &str) -> (Server, PathBuf) {
    let dir = std::env::temp_dir().join(format!("natter-gtk-{what}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let server = Server::with_args(0, &[&format!("--data-dir={}", dir.display())]);
    (server, dir)
}

/// How many lines of natterd's log contain `text`.
fn logged(server: &Server, text: &str) -> usize {
    server.log().iter().filter(|l| l.contains(text)).count()
}

/// The connect form explains a registered name and a wrong password in
/// words, and tries once; the right password logs in; a login of the same
/// user elsewhere sends the window back to the form, with no reconnect
/// taking the name back.
pub fn wrong_password_is_explained_and_not_retried() {
    let (server, dir) = server_with_accounts("wrong-password");
    let mut owner = Raw::join(&server, "alice");
    owner.send("/register correct-horse");
    owner.expect_line("*** registered alice, you are logged in");
    drop(owner);
    wait_until("alice to be gone", || logged(&server, "alice quit") > 0);

    let win = Win::new();
    let page = win.0.connect_page();
    page.set_values(&server.address(), "alice");
    page.set_password("");
    page.submit();
    wait_until("the registered-name explanation", || page.error().is_some_and(|e| e.contains("is registered")));
    assert_eq!(win.0.phase(), Phase::Idle);

    page.set_password("wrong-password");
    page.submit();
    wait_until("the wrong-password explanation", || {
        page.error().is_some_and(|e| e == "Wrong password for “alice”. Check the password and try again.")
    });
    shot_of(&win, "account-wrong-password");
    pump(Duration::from_millis(2500));
    assert_eq!((win.0.phase(), win.0.page()), (Phase::Idle, WindowPage::Connect));
    assert_eq!(logged(&server, "wrong password for alice"), 1, "one attempt, no retry loop");

    // A password breaking the rule never leaves the form.
    page.set_password("short");
    page.submit();
    assert_eq!(page.error().as_deref(), Some("A password needs at least 8 characters."));
    assert_eq!(logged(&server, "wrong password for alice"), 1);

    page.set_password("correct-horse");
    page.submit();
    win.wait_joined();
    wait_until("the window to know it is logged in", || win.0.is_registered());
    assert_eq!(logged(&server, "alice logged in"), 1);

    // The same user logs in elsewhere: this window stops, and says why.
    let _elsewhere = Raw::join(&server, "alice correct-horse");
    wait_until("the form with the reason", || {
        win.0.page() == WindowPage::Connect && page.error().is_some_and(|e| e.contains("from elsewhere"))
    });
    pump(Duration::from_millis(2500));
    assert_eq!(win.0.phase(), Phase::Idle, "no reconnect that would take the name back");
    assert_eq!(logged(&server, "alice logged in"), 2);
    drop(win);
    let _ = std::fs::remove_dir_all(dir);
}

/// Set in the child process that runs the keyring check on its own bus.
const CHILD: &str = "NATTER_KEYRING_CHILD";
/// The password that unlocks the test keyring.
const UNLOCK: &str = "natter-test-keyring";

/// Starts an unlocked gnome-keyring on the private bus, waits until it
/// serves `org.freedesktop.secrets`, runs the command, then stops it.
const ON_A_KEYRING: &str = r#"
printf '%s' "$NATTER_KEYRING_UNLOCK" | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
keyring=$!
trap 'kill "$keyring" 2>/dev/null; wait "$keyring" 2>/dev/null' EXIT
tries=0
until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; do
    tries=$((tries + 1))
    if [ "$tries" -gt 200 ] || ! kill -0 "$keyring" 2>/dev/null; then
        echo "gnome-keyring-daemon did not start a Secret Service" >&2
        exit 1
    fi
    sleep 0.05
done
"$@"
"#;

/// The check: runs [`on_a_keyring`] in a child process under
/// `dbus-run-session` with a fresh gnome-keyring, and passes if it does.
pub fn password_is_kept_in_the_keyring() {
    if std::env::var_os(CHILD).is_some() {
        return on_a_keyring();
    }
    let home = std::env::temp_dir().join(format!("natter-gtk-keyring-home-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    let runtime = home.join("runtime");
    std::fs::create_dir_all(&runtime).expect("a temporary home can be made");
    // gnome-keyring wants its runtime directory private.
    let private = std::os::unix::fs::PermissionsExt::from_mode(0o700);
    std::fs::set_permissions(&runtime, private).expect("the runtime dir can be made private");
    let exe = std::env::current_exe().expect("the test binary knows its path");
    let mut child = std::process::Command::new("dbus-run-session")
        .args(["--", "sh", "-c", ON_A_KEYRING, "sh"])
        .arg(exe)
        .arg("password_is_kept_in_the_keyring")
        .env(CHILD, "1")
        .env("NATTER_KEYRING_UNLOCK", UNLOCK)
        // The keyring's files, and nothing of the desktop's.
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_RUNTIME_DIR", &runtime)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("GNOME_KEYRING_CONTROL")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("dbus-run-session starts (package dbus-daemon; tests/run-gtk-tests.sh installs it)");
    let status = crate::support::finish_child(&mut child);
    let _ = std::fs::remove_dir_all(&home);
    assert!(
        status.is_some_and(|s| s.success()),
        "the keyring check passes on a private bus with gnome-keyring (None: timed out): {status:?}"
    );
}

/// What the keyring holds for `name` on `server`, read the way the form does.
fn keyring_has(server: &str, name: &str) -> Option<String> {
    let found: Rc<RefCell<Option<Option<String>>>> = Rc::default();
    let (slot, server, name) = (found.clone(), server.to_owned(), name.to_owned());
    glib::spawn_future_local(async move {
        let password = keyring::lookup(&server, &name).await;
        slot.replace(Some(password));
    });
    wait_until("the keyring to answer", || found.borrow().is_some());
    found.take().flatten()
}

/// Every file under `dir` that contains `text`.
fn files_containing(dir: &Path, text: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return found };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_containing(&path, text));
        } else if std::fs::read(&path).is_ok_and(|b| b.windows(text.len()).any(|w| w == text.as_bytes())) {
            found.push(path);
        }
    }
    found
}

/// Registers from the account dialog (checked before sending), finds
/// the password in the keyring and not in the settings, and on the next
/// join the form fills it from the keyring and logs in. Unregistering
/// (confirmed) removes it from the keyring.
fn on_a_keyring() {
    let (server, dir) = server_with_accounts("keyring");
    let address = server.address();
    let win = Win::joined(&server, "alice");
    assert!(!win.0.is_registered());
    WidgetExt::activate_action(&win.0, "win.account", None).expect("win.account exists");
    let dialog = win.0.account_dialog().expect("the account dialog opens");
    wait_until("the dialog on screen", || dialog.is_visible() && dialog.width() > 0);
    assert!(!dialog.shows_registered());
    let [password, confirm, ..] = dialog.fields();

    // Checked here first: nothing reaches the server.
    password.set_text("correct-horse");
    confirm.set_text("correct-hors");
    dialog.activate_action("account.register", None).expect("account.register exists");
    assert_eq!(dialog.error().as_deref(), Some("The passwords do not match."));
    shot("account-dialog-mismatch");
    confirm.set_text("correct-horse");
    dialog.activate_action("account.register", None).expect("account.register exists");
    wait_until("the dialog to show the name registered", || dialog.shows_registered());
    assert!(win.0.is_registered());
    wait_until("the password in the keyring", || keyring_has(&address, "alice").as_deref() == Some("correct-horse"));
    shot("account-dialog-registered");
    let config = std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from).expect("the tests set XDG_CONFIG_HOME");
    assert!(files_containing(&config, "correct-horse").is_empty(), "no password in the settings");
    assert!(crate::settings::Settings::path().exists(), "the settings were saved (without the password)");

    dialog.close();
    // Before its window: a dialog outliving its parent trips GTK 4.8.
    drop(dialog);
    win.0.leave(true);
    wait_until("the form", || win.0.page() == WindowPage::Connect);
    drop(win);

    // Next time: the form finds the password and logs in with it.
    let win = Win::new();
    let page = win.0.connect_page();
    page.set_values(&address, "alice");
    wait_until("the password from the keyring", || {
        page.password().as_deref() == Some("correct-horse") && page.password_from_keyring()
    });
    shot_of(&win, "account-connect-from-keyring");
    page.submit();
    win.wait_joined();
    wait_until("logged in with the stored password", || win.0.is_registered());
    assert_eq!(logged(&server, "alice logged in"), 1);
    // Another name on the same server has no password.
    page.set_values(&address, "bob");
    pump(Duration::from_millis(600));
    assert_eq!(page.password(), None, "the keyring's password is only for alice");

    // Unregistering asks first, then forgets the password.
    WidgetExt::activate_action(&win.0, "win.account", None).expect("win.account exists");
    let dialog = win.0.account_dialog().expect("the account dialog opens");
    assert!(dialog.shows_registered());
    dialog.fields()[5].set_text("correct-horse");
    dialog.activate_action("account.unregister", None).expect("account.unregister exists");
    let question = dialog.confirmation().expect("unregistering asks first");
    question.response("unregister");
    drop(question);
    wait_until("the dialog to show the name unregistered", || !dialog.shows_registered());
    wait_until("the password gone from the keyring", || keyring_has(&address, "alice").is_none());
    assert_eq!(logged(&server, "alice is no longer registered"), 1);
    dialog.close();
    drop(dialog);
    drop(win);
    keyring::disconnect();
    let _ = std::fs::remove_dir_all(dir);
}

/// A private message stored while this user was offline, delivered at
/// login as a stamped line, opens the conversation with its sender in
/// bold and shows there (not in the room) at the time it was sent; the
/// "stored until they log in" answer to a `/msg` shows where it was typed.
pub fn offline_private_messages_and_stored_answers() {
    const STAMP: &str = "2026-12-06T01:02:03Z";
    let first =
        ["*** welcome alice, online (1): alice", "[2026-12-06T01:02:03Z 1234] bob (private): while you were away"];
    let (address, _) = scripted_server(first.map(String::from).to_vec(), |line| {
        line.strip_prefix("/msg carol ")
            .map(|_| "*** carol is offline: your message will be delivered when they log in".to_owned())
            .into_iter()
            .collect()
    });
    let win = Win::new();
    win.0.join(&crate::support::parsed(&address), "alice", false);
    win.wait_joined();
    wait_until("the conversation with bob, in bold", || {
        crate::rooms::row(&win, "bob").is_some_and(|r| r.bold && r.highlight)
    });
    let sent_at = glib::DateTime::from_iso8601(STAMP, None)
        .and_then(|t| t.to_local())
        .and_then(|t| t.format("%H:%M"))
        .expect("the stamp reads as a time");
    // In its conversation only, never in a room.
    let private = |e: &Entry| matches!(e, Entry::PrivateIn { .. } | Entry::PrivateOut { .. });
    assert!(!win.entries().iter().any(private), "a private line in the room: {:?}", win.entries());
    win.0.show_conversation(&ConvId::Private("bob".into()));
    wait_until("bob's message at the time it was sent", || {
        win.0
            .chat_view()
            .lines()
            .iter()
            .any(|l| l.time == sent_at.as_str() && matches!(&l.entry, Entry::PrivateIn { from, .. } if from == "bob"))
    });
    win.0.show_conversation(&ConvId::Default);

    win.type_and_send("/msg carol see you tomorrow");
    win.wait_entry(
        "the stored answer where it was typed",
        |e| matches!(e, Entry::Notice(t) if t.starts_with("carol is offline")),
    );
    shot_of(&win, "account-offline-private");
}
