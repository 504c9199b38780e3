//! The window's building blocks, one GObject per file with its `.ui` beside it.
//!
//! - [`ConnectPage`]: the server and name form.
//! - [`ChatView`]: the conversation, sticking to the newest line.
//! - [`MessageRow`]: one line of the conversation.
//! - [`Composer`]: the message entry and Send button.
//! - [`MemberList`]: who is online.

mod chat_view;
mod composer;
mod connect_page;
mod member_list;
mod message_row;

pub use chat_view::ChatView;
pub use composer::Composer;
pub use connect_page::ConnectPage;
pub use member_list::{avatar_colour_class, MemberList};
pub use message_row::MessageRow;
