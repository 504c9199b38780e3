//! The window's building blocks, one GObject per file with its `.ui` beside it.
//!
//! - [`ConnectPage`]: the server, name and password form.
//! - [`AccountDialog`]: register the name, change its password, unregister.
//! - [`ChatView`]: the conversation, sticking to the newest line.
//! - [`MessageRow`]: one line of the conversation.
//! - [`Composer`]: the message entry and Send button.
//! - [`MemberList`]: who is online, their marks and their menus.
//! - [`PenaltyDialog`]: how long and why, before a kick, mute or ban.
//! - [`RoomSidebar`]: the rooms and private conversations, with unread counts.
//! - [`JoinDialog`]: Join a Room, from the server's list or by name.
//! - [`RoomSwitcher`]: Ctrl+K, go to an open conversation by name.
//! - [`SearchPane`]: Ctrl+F, search the shown room's history.

mod account_dialog;
mod chat_view;
mod composer;
mod connect_page;
mod error_label;
mod join_dialog;
mod member_list;
mod message_row;
mod penalty_dialog;
mod room_sidebar;
mod room_switcher;
mod search_pane;

pub use account_dialog::AccountDialog;
pub use chat_view::{day_text, today, ChatView};
pub use composer::Composer;
pub use connect_page::ConnectPage;
pub use join_dialog::{JoinDialog, RoomEntry, RoomListing};
pub use member_list::{avatar_colour_class, mark_text, MemberList};
pub use message_row::MessageRow;
pub use penalty_dialog::{PenaltyDialog, APPLY as PENALTY_APPLY, DURATION_ROW, REASON_ROW};
pub use room_sidebar::{RoomSidebar, RowState};
pub use room_switcher::{RoomSwitcher, SwitchItem, ACCELS as SWITCHER_ACCELS};
pub use search_pane::SearchPane;

use gtk::prelude::*;

/// The text of every label in `widget` and its descendants, in order: what
/// a user reads there (the tests and the certificate dialogs use it).
pub fn label_texts(widget: &impl IsA<gtk::Widget>) -> Vec<String> {
    let widget = widget.as_ref();
    let mut texts = Vec::new();
    if let Some(label) = widget.downcast_ref::<gtk::Label>() {
        texts.push(label.text().to_string());
    }
    let mut child = widget.first_child();
    while let Some(c) = child {
        texts.extend(label_texts(&c));
        child = c.next_sibling();
    }
    texts
}
