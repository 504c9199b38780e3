//! What a person sees of names and keys: one colour per person in the
//! conversation and the member list, a `/me` that names you marked like a
//! mention, and every shortcut listed with its key.

use adw::prelude::*;

use crate::application::ACCELS;
use crate::model::render::LIGHT;
use crate::model::session::Entry;
use crate::support::{descendants, owned, wait_until, Raw, Server, Win};
use crate::widgets::avatar_colour_class;

/// bob's avatar in the member list has the colour his name has in the
/// conversation, and his `/me` that names alice is marked for alice.
pub fn one_colour_per_person_and_actions_that_name_you() {
    let server = Server::start();
    let win = Win::joined(&server, "alice");
    let mut bob = Raw::join(&server, "bob");
    wait_until("bob in the member list", || win.members() == owned(&["alice", "bob"]));
    bob.send("hello");
    bob.send("/me waves at alice");
    win.wait_entry("bob's action", |e| matches!(e, Entry::Action { mention: true, .. }));

    // The member list's avatar for bob.
    let list = win.0.member_list().upcast::<gtk::Widget>();
    let avatar = descendants(&list)
        .into_iter()
        .filter_map(|w| w.downcast::<adw::Avatar>().ok())
        .find(|a| a.text().as_deref() == Some("bob"))
        .expect("bob has an avatar in the member list");
    let class = avatar_colour_class("bob");
    assert!(avatar.has_css_class(&class), "bob's avatar lacks {class}");
    // The rule in style.css reaches the node libadwaita paints: its
    // initials turn white (libadwaita's own are a tint of the gradient).
    let painted = avatar.first_child().expect("the avatar paints an inner node");
    #[allow(deprecated)]
    let ink = painted.style_context().color();
    assert_eq!((ink.red(), ink.green(), ink.blue()), (1.0, 1.0, 1.0), "style.css does not reach bob's avatar");
    let index: usize = class.trim_start_matches("name-colour-").parse().expect("the class ends in an index");
    let colour = LIGHT.names[index];

    // The conversation's rows as shown: bob's line carries that colour,
    // and his action naming alice has the mention look.
    let rows: Vec<gtk::Widget> = descendants(&win.0.chat_view().upcast::<gtk::Widget>())
        .into_iter()
        .filter(|w| w.has_css_class("message-row"))
        .collect();
    let labels = |row: &gtk::Widget| -> String {
        descendants(row)
            .into_iter()
            .filter_map(|w| w.downcast::<gtk::Label>().ok())
            .map(|l| l.label().to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let hello = rows.iter().find(|r| labels(r).contains("hello")).expect("bob's line is on screen");
    assert!(labels(hello).contains(colour), "bob's name in the conversation is not {colour}: {}", labels(hello));
    let waves = rows.iter().find(|r| labels(r).contains("waves at alice")).expect("bob's action is on screen");
    assert!(waves.has_css_class("action-mention"), "an action naming alice is not marked for her");
    assert!(!hello.has_css_class("action-mention"));
}

/// The shortcuts window names a key for every entry, F9 for the members.
pub fn shortcuts_window_lists_every_key() {
    let win = Win::new();
    let overlay = win.0.help_overlay().expect("the window has a shortcuts window").upcast::<gtk::Widget>();
    let shortcuts: Vec<gtk::ShortcutsShortcut> =
        descendants(&overlay).into_iter().filter_map(|w| w.downcast::<gtk::ShortcutsShortcut>().ok()).collect();
    assert!(shortcuts.len() >= 8, "only {} shortcuts listed", shortcuts.len());
    let members = shortcuts
        .iter()
        .find(|s| s.property::<Option<String>>("title").as_deref() == Some("Show members"))
        .expect("a Show members entry");
    assert_eq!(members.property::<Option<String>>("accelerator").as_deref(), Some("F9"));
    for s in &shortcuts {
        let key = s.property::<Option<String>>("accelerator").unwrap_or_default();
        let action = s.property::<Option<String>>("action-name").unwrap_or_default();
        let title = s.property::<Option<String>>("title").unwrap_or_default();
        let has_accel = ACCELS.iter().any(|(name, keys)| *name == action && !keys.is_empty());
        assert!(!key.is_empty() || has_accel, "{title} is listed without a key");
    }
}
