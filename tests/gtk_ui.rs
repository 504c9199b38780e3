//! GTK tests of the natter client against a real natterd, under a display.
//!
//! GTK must live on one thread, and libtest runs each `#[test]` on a new
//! one, so this target has `harness = false`: `main` initialises GTK once
//! and runs every check in turn on the main thread, printing one line per
//! check and a summary. Every wait is bounded and polls a condition while
//! iterating the GLib main context. Run it through `tests/run-gtk-tests.sh`,
//! which starts Xvfb when there is no display.
//!
//! The client's modules are compiled into this test from `src/client/`, so
//! the checks drive a real `NatterWindow` and read its widgets' models.

// Compiled with cfg(test) but without a harness, so the client's unit
// tests are dropped and their imports look unused.
#[allow(dead_code, unused_imports)]
#[path = "../src/client/main.rs"]
mod client;

// The client's modules refer to each other through `crate::…`.
use client::{application, config, connection, i18n, keyring, model, notify, settings, widgets, window};

#[path = "gtk_ui/accounts.rs"]
mod accounts;
#[path = "gtk_ui/burst.rs"]
mod burst;
#[path = "gtk_ui/connect_form.rs"]
mod connect_form;
#[path = "gtk_ui/dialogs.rs"]
mod dialogs;
#[path = "gtk_ui/focus.rs"]
mod focus;
#[path = "gtk_ui/goodbye.rs"]
mod goodbye;
#[path = "gtk_ui/history.rs"]
mod history;
#[path = "gtk_ui/keyboard.rs"]
mod keyboard;
#[path = "gtk_ui/korean.rs"]
mod korean;
#[path = "gtk_ui/language.rs"]
mod language;
#[path = "gtk_ui/looks.rs"]
mod looks;
#[path = "gtk_ui/members.rs"]
mod members;
#[path = "gtk_ui/notifications.rs"]
mod notifications;
#[path = "gtk_ui/private_history.rs"]
mod private_history;
#[path = "gtk_ui/refusals.rs"]
mod refusals;
#[path = "gtk_ui/rooms.rs"]
mod rooms;
#[path = "gtk_ui/screenshot.rs"]
mod screenshot;
#[path = "gtk_ui/scrolling.rs"]
mod scrolling;
#[path = "gtk_ui/support.rs"]
mod support;
#[path = "gtk_ui/tls.rs"]
mod tls;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use adw::prelude::*;
use natter::protocol::ErrorKind;

use crate::model::session::Entry;
use crate::support::{free_port, owned, parsed, pump, spawn_natter, wait_until, Raw, Server, Win};
use crate::window::{Phase, WindowPage};

const NATTER: &str = env!("CARGO_BIN_EXE_natter");

// ----------------------------------------------------------------- checks

/// The client joins, the entry has the focus, and what a raw client sends
/// shows up in the conversation by kind.
fn joins_and_shows_what_others_send() {
    let server = Server::start();
    let win = Win::joined(&server, "alice");
    let entry = win.0.composer().entry();
    wait_until("the message entry to have the focus", || {
        gtk::prelude::GtkWindowExt::focus(&win.0)
            .is_some_and(|f| f == entry.clone().upcast::<gtk::Widget>() || f.is_ancestor(&entry))
    });
    assert!(win.0.composer().can_send());
    win.wait_entry("the welcome line", |e| matches!(e, Entry::Welcome { name, .. } if name == "alice"));

    let mut chulsoo = Raw::join(&server, "철수");
    wait_until("철수 in the member list", || win.members() == owned(&["alice", "철수"]));
    assert_eq!(win.0.member_list().count_text(), "2 people online");

    chulsoo.send("안녕 alice, https://example.org 봐요");
    chulsoo.send("/me 손을 흔든다");
    chulsoo.send("/msg alice 비밀");
    win.wait_entry(
        "the private message",
        |e| matches!(e, Entry::PrivateIn { from, text } if from == "철수" && text == "비밀"),
    );
    let entries = win.entries();
    assert!(entries.contains(&Entry::Joined("철수".into())));
    assert!(entries.contains(&Entry::Chat {
        from: "철수".into(),
        text: "안녕 alice, https://example.org 봐요".into(),
        mention: true
    }));
    assert!(entries.contains(&Entry::Action {
        from: "철수".into(),
        text: "손을 흔든다".into(),
        own: false,
        mention: false
    }));
    let times = win.0.chat_view().lines();
    assert!(times.iter().all(|l| l.time.len() == 5 && l.time.as_bytes()[2] == b':'), "HH:MM on every line");
}

/// A line typed into the entry and activated reaches the raw client, shows
/// locally, and clears the entry; commands look right on both sides.
fn typed_lines_reach_others_and_show_locally() {
    let server = Server::start();
    let win = Win::joined(&server, "alice");
    let mut bob = Raw::join(&server, "bob");
    wait_until("bob in the member list", || win.members().len() == 2);

    win.type_and_send("hello 철수 & <b>");
    bob.expect_line("alice: hello 철수 & <b>");
    win.wait_entry("the own line", |e| {
        *e == Entry::OwnChat { from: "alice".into(), text: "hello 철수 & <b>".into() }
    });
    wait_until("the entry to clear", || win.0.composer().text().is_empty());

    // Empty input sends nothing: the next line is the first bob gets.
    win.type_and_send("   ");
    pump(Duration::from_millis(100));
    win.0.composer().set_text("");
    win.type_and_send("/me waves");
    bob.expect_line("* alice waves");
    win.wait_entry("the own action", |e| matches!(e, Entry::Action { own: true, text, .. } if text == "waves"));
    assert!(bob.drain().is_empty(), "nothing but the action reached bob");

    win.type_and_send("/msg bob psst");
    bob.expect_line("alice (private): psst");
    win.wait_entry("the sent private line", |e| *e == Entry::PrivateOut { to: "bob".into(), text: "psst".into() });

    win.type_and_send("/who");
    win.wait_entry("the who answer", |e| matches!(e, Entry::Online(names) if names.len() == 2));

    win.type_and_send("/nick alicia");
    bob.expect_line("*** alice is now known as alicia");
    wait_until("the new own name", || win.0.me().as_deref() == Some("alicia"));
    wait_until("the renamed member list", || win.members() == owned(&["alicia", "bob"]));
    win.wait_entry("the own rename line", |e| matches!(e, Entry::Renamed { own: true, .. }));

    win.type_and_send("/dance");
    win.wait_entry("the unknown command error", |e| *e == Entry::Error(ErrorKind::UnknownCommand("dance").into()));

    // Up recalls, Down returns to the draft; Tab completes a member name.
    let composer = win.0.composer();
    composer.set_text("draft");
    assert!(composer.history_older());
    assert_eq!(composer.text(), "/dance");
    assert!(composer.history_older());
    assert_eq!(composer.text(), "/nick alicia");
    assert!(composer.history_newer());
    assert!(composer.history_newer());
    assert_eq!(composer.text(), "draft");
    composer.set_text("b");
    assert!(composer.complete());
    assert_eq!(composer.text(), "bob: ");
}

/// The member list follows joins, quits with a reason and lost connections.
fn member_list_follows_joins_and_quits() {
    let server = Server::start();
    let win = Win::joined(&server, "alice");
    let mut bob = Raw::join(&server, "bob");
    let carol = Raw::join(&server, "carol");
    wait_until("three members", || win.members() == owned(&["alice", "bob", "carol"]));
    assert_eq!(win.0.member_list().count_text(), "3 people online");

    bob.send("/quit bye now");
    wait_until("bob to leave the list", || win.members() == owned(&["alice", "carol"]));
    win.wait_entry("bob's quit line", |e| *e == Entry::Quit { name: "bob".into(), reason: Some("bye now".into()) });

    // carol closes her socket cleanly: natterd announces a plain quit.
    drop(carol);
    wait_until("carol to leave the list", || win.members() == owned(&["alice"]));
    win.wait_entry("carol's quit", |e| *e == Entry::Quit { name: "carol".into(), reason: None });
    assert_eq!(win.0.member_list().count_text(), "1 person online");
}

/// A killed server shows "Server disconnected.", disables sending, and a
/// restarted one on the same port is rejoined with the same name.
fn killed_server_then_rejoin() {
    let mut server = Server::start();
    let port = server.port;
    let win = Win::joined(&server, "alice");
    server.kill();

    win.wait_entry("Server disconnected.", |e| *e == Entry::Disconnected);
    // What the user reads in the conversation, not just what the model holds.
    wait_until("“Server disconnected.” on screen", || {
        widgets::label_texts(&win.0.chat_view()).iter().any(|t| t == "Server disconnected.")
    });
    wait_until("the reconnect banner", || win.0.banner().is_some());
    assert!(!win.0.composer().can_send(), "sending is disabled while disconnected");
    assert!(win.members().is_empty());
    assert_eq!(win.0.page(), WindowPage::Chat, "the window stays on the conversation");

    // Sending now fails, and the text stays in the entry.
    win.0.composer().set_text("keep me");
    win.0.send_text("keep me".into());
    win.wait_entry("Failed to send message.", |e| *e == Entry::SendFailed);
    assert_eq!(win.0.composer().text(), "keep me");

    let server = Server::on_port(port);
    let mut bob = Raw::join(&server, "bob");
    bob.expect_line("*** alice joined");
    win.wait_joined();
    wait_until("the banner to go", || win.0.banner().is_none());
    wait_until("the member list after rejoining", || win.members() == owned(&["alice", "bob"]));
    assert!(win.0.composer().can_send());
    // The disconnect line stays in the conversation.
    assert!(win.entries().contains(&Entry::Disconnected));
    win.type_and_send("back");
    bob.expect_line("alice: back");

    // The Reconnect button tries at once instead of waiting for the timer.
    drop(server);
    wait_until("the second disconnect", || win.0.phase() == Phase::Waiting);
    let server = Server::on_port(port);
    gtk::prelude::WidgetExt::activate_action(&win.0, "win.reconnect", None).expect("win.reconnect exists");
    win.wait_joined();
    drop(server);
}

/// The connect form: inline name check, connection refused, name taken,
/// each with a message and a retry that works.
fn connect_form_failures_and_retry() {
    let server = Server::start();
    let _alice = Raw::join(&server, "alice");
    let win = Win::new();
    let page = win.0.connect_page();

    page.set_values(&server.address(), "bad name");
    page.submit();
    assert_eq!(page.error().as_deref(), Some("A name cannot contain spaces."));
    assert_eq!(win.0.phase(), Phase::Idle, "an invalid name never connects");

    page.set_values(&server.address(), "alice");
    page.submit();
    wait_until("the name-taken message", || page.error().is_some_and(|e| e.contains("already taken")));
    assert_eq!(win.0.page(), WindowPage::Connect);
    assert_eq!(win.0.phase(), Phase::Idle);
    assert!(!page.is_busy());

    let closed_port = free_port();
    page.set_values(&format!("127.0.0.1:{closed_port}"), "alice2");
    page.submit();
    wait_until("the refused message", || page.error().is_some_and(|e| e.contains("refused")));

    page.set_values(&server.address(), "alice2");
    page.submit();
    win.wait_joined();
    assert_eq!(win.members(), owned(&["alice", "alice2"]));
    // The form is remembered for next time.
    let saved = settings::Settings::load();
    assert_eq!((saved.server.as_str(), saved.name.as_str()), (server.address().as_str(), "alice2"));
}

/// Leaving with /quit goes back to the form; the others see the quit.
fn quit_goes_back_to_the_form() {
    let server = Server::start();
    let win = Win::joined(&server, "alice");
    let mut bob = Raw::join(&server, "bob");
    win.type_and_send("/quit see you");
    bob.expect_line("*** alice quit (see you)");
    wait_until("the connect page", || win.0.page() == WindowPage::Connect && win.0.phase() == Phase::Idle);
    pump(Duration::from_millis(1500));
    assert_eq!(win.0.phase(), Phase::Idle, "no reconnect after leaving on purpose");
}

/// At 360 px the member list folds away behind the header button.
fn narrow_window_folds_the_member_list() {
    let server = Server::start();
    let win = Win::new();
    win.0.set_default_size(360, 600);
    win.0.join(&parsed(&server.address()), "철수", false);
    win.wait_joined();
    wait_until("a narrow window", || win.0.width() > 0 && win.0.width() <= 360);
    wait_until("the member list to fold", || win.0.members_folded());
    let wide = Win::joined(&server, "alice");
    wait_until("a wide window", || wide.0.width() >= 800);
    wait_until("the member list beside the conversation", || !wide.0.members_folded());
}

/// The application: actions, accelerators, New Window and About.
fn application_actions_and_windows() {
    let app = application::NatterApplication::new();
    app.register(None::<&gtk::gio::Cancellable>).expect("the application registers");
    assert_eq!(app.accels_for_action("app.quit"), ["<Control>q"]);
    assert_eq!(app.accels_for_action("app.new-window"), ["<Control>n"]);
    assert_eq!(app.accels_for_action("window.close"), ["<Control>w"]);
    app.activate();
    assert_eq!(app.windows().len(), 1);
    app.activate_action("new-window", None);
    assert_eq!(app.windows().len(), 2);
    app.activate_action("about", None);
    {
        let about = gtk::Window::list_toplevels()
            .into_iter()
            .find_map(|w| w.downcast::<adw::AboutWindow>().ok())
            .expect("an About window");
        assert_eq!(about.version(), config::VERSION);
        about.destroy();
    }
    for window in app.windows() {
        window.destroy();
    }
    pump(Duration::from_millis(50));
}

/// `natter --server HOST:PORT --name NAME` joins at once, straight from
/// the target directory (no installed schema, no session bus needed).
fn command_line_joins_at_once() {
    let server = Server::start();
    let mut watcher = Raw::join(&server, "watcher");
    let config_home = std::env::temp_dir().join(format!("natter-gtk-cli-{}", std::process::id()));
    let mut child = spawn_natter(&["--server", &server.address(), "--name", "영희"], &config_home);
    let joined = catch_unwind(AssertUnwindSafe(|| watcher.expect_line("*** 영희 joined")));
    let still_running = child.try_wait().map(|s| s.is_none()).unwrap_or(false);
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&config_home);
    if let Err(panic) = joined {
        std::panic::resume_unwind(panic);
    }
    assert!(still_running, "natter keeps running after joining");

    let version = Command::new(NATTER).arg("--version").output().expect("natter --version runs");
    assert!(version.status.success());
    assert_eq!(String::from_utf8_lossy(&version.stdout).trim(), format!("natter {}", config::VERSION));
}

// ------------------------------------------------------------------ main

type Check = (&'static str, fn());

const CHECKS: &[Check] = &[
    ("joins_and_shows_what_others_send", joins_and_shows_what_others_send),
    ("typed_lines_reach_others_and_show_locally", typed_lines_reach_others_and_show_locally),
    ("member_list_follows_joins_and_quits", member_list_follows_joins_and_quits),
    ("killed_server_then_rejoin", killed_server_then_rejoin),
    ("connect_form_failures_and_retry", connect_form_failures_and_retry),
    ("quit_goes_back_to_the_form", quit_goes_back_to_the_form),
    ("burst_of_ten_thousand_lines", burst::burst_of_ten_thousand_lines),
    ("each_new_line_comes_into_view", scrolling::each_new_line_comes_into_view),
    ("tall_line_comes_into_view", scrolling::tall_line_comes_into_view),
    ("jump_button_after_scrolling_up", scrolling::jump_button_after_scrolling_up),
    ("connect_form_fits_after_errors", connect_form::connect_form_fits_after_errors),
    ("narrow_window_folds_the_member_list", narrow_window_folds_the_member_list),
    ("application_actions_and_windows", application_actions_and_windows),
    ("command_line_joins_at_once", command_line_joins_at_once),
    ("closing_a_window_or_quitting_says_quit", goodbye::closing_a_window_or_quitting_says_quit),
    ("ctrl_q_in_the_natter_process_says_quit", goodbye::ctrl_q_in_the_natter_process_says_quit),
    ("tls_trust_on_first_use_then_chat", tls::tls_trust_on_first_use_then_chat),
    ("tls_changed_certificate_is_refused", tls::tls_changed_certificate_is_refused),
    ("command_line_tls_uses_the_pin", tls::command_line_tls_uses_the_pin),
    ("one_colour_per_person_and_actions_that_name_you", looks::one_colour_per_person_and_actions_that_name_you),
    ("shortcuts_window_lists_every_key", looks::shortcuts_window_lists_every_key),
    ("tab_without_completion_keeps_typing_in_the_entry", keyboard::tab_without_completion_keeps_typing_in_the_entry),
    (
        "sending_from_the_keyboard_keeps_the_focus_in_the_entry",
        keyboard::sending_from_the_keyboard_keeps_the_focus_in_the_entry,
    ),
    ("too_long_line_stays_in_the_entry_with_the_reason", refusals::too_long_line_stays_in_the_entry_with_the_reason),
    ("refused_private_message_is_marked_not_delivered", refusals::refused_private_message_is_marked_not_delivered),
    (
        "line_over_a_servers_smaller_limit_is_marked_not_delivered",
        refusals::line_over_a_servers_smaller_limit_is_marked_not_delivered,
    ),
    ("the_conversation_is_one_tab_stop", focus::the_conversation_is_one_tab_stop),
    ("escape_from_the_member_list_types_into_the_entry", focus::escape_from_the_member_list_types_into_the_entry),
    ("korean_desktop_gets_korean_from_the_build_folder", language::korean_desktop_gets_korean_from_the_build_folder),
    ("name_timeout_reads_in_korean", korean::name_timeout_reads_in_korean),
    ("members_show_operator_and_registered_marks", members::members_show_operator_and_registered_marks),
    ("operator_menu_kicks_mutes_and_bans", members::operator_menu_kicks_mutes_and_bans),
    ("member_menu_opens_a_private_conversation", members::member_menu_opens_a_private_conversation),
    ("a_server_ban_stops_the_window_at_the_form", members::a_server_ban_stops_the_window_at_the_form),
    ("two_rooms_and_switching", rooms::two_rooms_and_switching),
    (
        "another_default_room_is_named_as_the_server_names_it",
        rooms::another_default_room_is_named_as_the_server_names_it,
    ),
    ("unread_counts_follow_hidden_rooms", rooms::unread_counts_follow_hidden_rooms),
    ("private_conversation_started_by_someone_else", rooms::private_conversation_started_by_someone_else),
    ("rooms_are_rejoined_after_a_restart", rooms::rooms_are_rejoined_after_a_restart),
    ("narrow_window_folds_the_sidebar", rooms::narrow_window_folds_the_sidebar),
    ("history_replay_is_shown_once_and_not_unread", rooms::history_replay_is_shown_once_and_not_unread),
    (
        "history_late_joiner_sees_the_day_and_the_divider",
        history::late_joiner_sees_the_day_and_the_new_messages_divider,
    ),
    ("history_restart_and_reconnect_shows_missed_lines_once", history::restart_and_reconnect_shows_missed_lines_once),
    (
        "history_scrolling_to_the_top_loads_more_without_jumping",
        history::scrolling_to_the_top_loads_more_without_jumping,
    ),
    ("history_search_in_korean_shows_the_result_in_context", history::search_in_korean_shows_the_result_in_context),
    ("history_unavailable_is_a_quiet_notice", history::history_unavailable_is_a_quiet_notice),
    ("join_dialog_and_switcher_from_the_window", rooms::join_dialog_and_switcher_from_the_window),
    ("notifications", notifications::notifications),
    ("join_dialog_filters_validates_and_joins", dialogs::join_dialog_filters_validates_and_joins),
    ("room_switcher_filters_and_switches", dialogs::room_switcher_filters_and_switches),
    ("join_dialog_reads_in_korean", dialogs::join_dialog_reads_in_korean),
    ("wrong_password_is_explained_and_not_retried", accounts::wrong_password_is_explained_and_not_retried),
    ("password_is_kept_in_the_keyring", accounts::password_is_kept_in_the_keyring),
    ("offline_private_messages_and_stored_answers", accounts::offline_private_messages_and_stored_answers),
    ("private_conversation_with_natterd", private_history::private_conversation_with_natterd),
    ("private_conversation_pages_searches_and_echoes", private_history::private_conversation_pages_searches_and_echoes),
];

/// Run only when asked for by name (and with `NATTER_SCREENSHOT` set).
const EXTRAS: &[Check] = &[("screenshot", screenshot::screenshot)];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        // The format cargo-nextest asks a harness-less test binary for.
        for (name, _) in CHECKS {
            println!("{name}: test");
        }
        return ExitCode::SUCCESS;
    }
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();

    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        eprintln!("gtk_ui: no display; run tests/run-gtk-tests.sh, which starts Xvfb");
        return ExitCode::FAILURE;
    }
    // Before GTK or GLib read them: a private config dir (settings are
    // saved there), in-memory GSettings, no accessibility bus.
    let config_home = std::env::temp_dir().join(format!("natter-gtk-ui-{}", std::process::id()));
    std::env::set_var("XDG_CONFIG_HOME", &config_home);
    std::env::set_var("GSETTINGS_BACKEND", "memory");
    std::env::set_var("GTK_A11Y", "none");
    // A UTF-8 locale that needs no generating, so that LANGUAGE counts in
    // the Korean check (glibc ignores LANGUAGE in the C locale). The
    // client's text domain is bound only there: English everywhere else.
    std::env::set_var("LC_ALL", "C.UTF-8");
    if let Err(err) = gtk::init() {
        eprintln!("gtk_ui: cannot initialise GTK: {err}");
        return ExitCode::FAILURE;
    }
    adw::init().expect("libadwaita initialises after GTK");
    application::load_css();

    let (mut passed, mut failed) = (0, 0);
    let started = Instant::now();
    let extras = EXTRAS.iter().filter(|(name, _)| filters.iter().any(|f| f.as_str() == *name));
    for (name, check) in CHECKS.iter().chain(extras) {
        if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let t = Instant::now();
        match catch_unwind(AssertUnwindSafe(check)) {
            Ok(()) => {
                passed += 1;
                println!("test {name} ... ok ({} ms)", t.elapsed().as_millis());
            }
            Err(_) => {
                failed += 1;
                println!("test {name} ... FAILED");
            }
        }
        pump(Duration::from_millis(20));
    }
    let _ = std::fs::remove_dir_all(&config_home);
    println!("\ngtk_ui ran in {:.1} s", started.elapsed().as_secs_f64());
    println!("gtk_ui: {passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
