//! Desktop notifications: a private message, or a mention of your name in a
//! room, while the window does not have the focus.
//!
//! The choice and the words are GTK-free ([`decide`], unit-tested below);
//! [`send`] hands the result to the `GApplication`, which picks GLib's
//! notification backend (on a desktop without a portal or
//! `org.gtk.Notifications`, the freedesktop one: a `Notify` call on the
//! session bus). A click activates `app.show-room` with the conversation
//! as a string target (`#room`, `@name`); [`install_show_room`] is the hook
//! the window code gives the handler that shows it.

use gtk::{gio, glib, prelude::*};

use crate::i18n::gettext_f;
use crate::model::session::Entry;

/// The application action a click on a notification activates.
pub const SHOW_ROOM: &str = "show-room";

/// A conversation as a notification's target names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Conversation {
    /// A room, `#` included.
    Room(String),
    /// Private messages with one person.
    Private(String),
}

impl Conversation {
    /// The action target: `#room` as is, `@name` for a person (no name
    /// starts with `#` or `@`, so the two never mix).
    pub fn target(&self) -> String {
        match self {
            Conversation::Room(room) => room.clone(),
            Conversation::Private(name) => format!("@{name}"),
        }
    }

    /// Reads back a [`Conversation::target`].
    pub fn from_target(target: &str) -> Option<Conversation> {
        if let Some(name) = target.strip_prefix('@') {
            return (!name.is_empty()).then(|| Conversation::Private(name.to_owned()));
        }
        (target.len() > 1 && target.starts_with('#')).then(|| Conversation::Room(target.to_owned()))
    }
}

/// A line that arrived, as far as notifications care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming<'a> {
    /// Where it arrived: a room, or private from its sender.
    pub conversation: Conversation,
    pub from: &'a str,
    pub text: &'a str,
    /// A `/me` action rather than a plain line.
    pub action: bool,
    /// It names you (the session decides, with `model::text::mentions`).
    pub mentions_me: bool,
}

impl<'a> Incoming<'a> {
    /// The lines of a conversation entry that may notify: others' chat and
    /// actions in `room`, and private messages. `None` for the rest.
    pub fn from_entry(entry: &'a Entry, room: &str) -> Option<Incoming<'a>> {
        let room = || Conversation::Room(room.to_owned());
        let (conversation, from, text, action, mentions_me) = match entry {
            Entry::PrivateIn { from, text } => (Conversation::Private(from.clone()), from, text, false, false),
            Entry::Chat { from, text, mention } => (room(), from, text, false, *mention),
            Entry::Action { from, text, own: false, mention } => (room(), from, text, true, *mention),
            _ => return None,
        };
        Some(Incoming { conversation, from, text, action, mentions_me })
    }
}

/// What a notification says and where its click leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub conversation: Conversation,
    pub title: String,
    pub body: String,
}

impl Note {
    /// One notification per conversation: a newer one replaces the older.
    pub fn id(&self) -> String {
        format!("conversation-{}", self.conversation.target())
    }
}

/// Should `incoming` notify, and with what words? Only while the window is
/// not active (the user would read it anyway), and only for a private
/// message or a line that names you.
pub fn decide(incoming: &Incoming, window_active: bool) -> Option<Note> {
    if window_active {
        return None;
    }
    let title = match &incoming.conversation {
        Conversation::Private(name) => {
            // Translators: the title of a private message's notification.
            gettext_f("{name} (private)", &[("name", name)])
        }
        Conversation::Room(room) if incoming.mentions_me => room.clone(),
        Conversation::Room(_) => return None,
    };
    let args = [("sender", incoming.from), ("text", incoming.text)];
    let body = if incoming.action {
        // Translators: the body of a notification for a /me action.
        gettext_f("* {sender} {text}", &args)
    } else {
        // Translators: the body of a notification: who wrote, then what.
        gettext_f("{sender}: {text}", &args)
    };
    Some(Note { conversation: incoming.conversation.clone(), title, body })
}

/// Shows `note` through `app`, whose click activates `app.show-room`.
/// Does nothing for an application that is not registered, or is remote
/// (GLib refuses both).
pub fn send(app: &impl IsA<gio::Application>, note: &Note) {
    let app = app.as_ref();
    if !app.is_registered() || app.is_remote() {
        log::debug!("no notification: the application is not registered here");
        return;
    }
    let notification = gio::Notification::new(&note.title);
    notification.set_body(Some(&note.body));
    notification.set_default_action_and_target_value(
        &format!("app.{SHOW_ROOM}"),
        Some(&note.conversation.target().to_variant()),
    );
    app.send_notification(Some(&note.id()), &notification);
}

/// Withdraws the notification of `conversation` (when the user opens it).
pub fn withdraw(app: &impl IsA<gio::Application>, conversation: &Conversation) {
    let app = app.as_ref();
    if app.is_registered() && !app.is_remote() {
        app.withdraw_notification(&format!("conversation-{}", conversation.target()));
    }
}

/// The window side in one call: decides on `entry` of `room` for `window`
/// and sends. What the window's event loop calls for each new line.
pub fn notify_entry(window: &impl IsA<gtk::Window>, entry: &Entry, room: &str) {
    let window = window.as_ref();
    let Some(incoming) = Incoming::from_entry(entry, room) else {
        return;
    };
    let (Some(note), Some(app)) = (decide(&incoming, window.is_active()), window.application()) else {
        return;
    };
    send(&app, &note);
}

/// Adds `app.show-room` (string target) to `app`: a click on a
/// notification calls `show` with its conversation. Call once, at startup.
pub fn install_show_room(app: &impl IsA<gio::ActionMap>, show: impl Fn(Conversation) + 'static) {
    let action = gio::SimpleAction::new(SHOW_ROOM, Some(glib::VariantTy::STRING));
    action.connect_activate(move |_, target| match target.and_then(|t| t.str()).and_then(Conversation::from_target) {
        Some(conversation) => show(conversation),
        None => log::warn!("show-room without a conversation: {target:?}"),
    });
    app.add_action(&action);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room_line<'a>(text: &'a str, mentions_me: bool) -> Incoming<'a> {
        Incoming { conversation: Conversation::Room("#dev".into()), from: "bob", text, action: false, mentions_me }
    }

    #[test]
    fn only_private_messages_and_mentions_while_unfocused() {
        let private = Incoming {
            conversation: Conversation::Private("철수".into()),
            from: "철수",
            text: "안녕",
            action: false,
            mentions_me: false,
        };
        let note = decide(&private, false).expect("a private message notifies");
        assert_eq!((note.title.as_str(), note.body.as_str()), ("철수 (private)", "철수: 안녕"));
        assert_eq!(note.id(), "conversation-@철수");
        assert_eq!(decide(&private, true), None, "not while the window has the focus");

        let mention = decide(&room_line("alice: look", true), false).expect("a mention notifies");
        assert_eq!((mention.title.as_str(), mention.body.as_str()), ("#dev", "bob: alice: look"));
        assert_eq!(decide(&room_line("hi all", false), false), None, "plain room chatter does not");
        assert_eq!(decide(&room_line("alice: look", true), true), None);

        let action = Incoming { action: true, ..room_line("waves at alice", true) };
        assert_eq!(decide(&action, false).map(|n| n.body), Some("* bob waves at alice".into()));
    }

    #[test]
    fn entries_that_may_notify() {
        let chat = Entry::Chat { from: "bob".into(), text: "alice!".into(), mention: true };
        let incoming = Incoming::from_entry(&chat, "#lobby").expect("chat may notify");
        assert_eq!(incoming.conversation, Conversation::Room("#lobby".into()));
        assert!(incoming.mentions_me && !incoming.action);
        let private = Entry::PrivateIn { from: "bob".into(), text: "psst".into() };
        assert_eq!(
            Incoming::from_entry(&private, "#lobby").map(|i| i.conversation),
            Some(Conversation::Private("bob".into()))
        );
        let own = Entry::Action { from: "alice".into(), text: "waves".into(), own: true, mention: false };
        assert_eq!(Incoming::from_entry(&own, "#lobby"), None, "your own lines never notify");
        assert_eq!(Incoming::from_entry(&Entry::Disconnected, "#lobby"), None);
    }

    #[test]
    fn targets_round_trip() {
        for conversation in [Conversation::Room("#개발".into()), Conversation::Private("bob".into())] {
            assert_eq!(Conversation::from_target(&conversation.target()), Some(conversation));
        }
        assert_eq!(Conversation::from_target("@"), None);
        assert_eq!(Conversation::from_target("#"), None);
        assert_eq!(Conversation::from_target("lobby"), None);
    }
}
