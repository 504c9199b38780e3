//! The client's state and rules, with no GTK in them.
//!
//! Everything a unit test can check without a display lives here: what a
//! server line means for the window and which conversation it belongs to
//! ([`session`]), the conversations with their unread counts ([`rooms`]),
//! each conversation's stored lines and paging ([`backlog`]), the
//! day separators ([`day`]), who is online and their marks
//! ([`members`]), what an operator's menu sends ([`penalty`]), input
//! recall ([`history`]), whether a line may go and which one a refusal is
//! about ([`delivery`]), Tab completion
//! ([`completion`]), the connection lifecycle and its reconnect delays
//! ([`lifecycle`]), the server address ([`address`]), the account forms'
//! checks ([`account`]), how a line reads on screen ([`text`],
//! [`render`]), and the words searched for in a result ([`search`]). The
//! widgets only display what these decide.

pub mod account;
pub mod address;
pub mod backlog;
pub mod completion;
pub mod day;
pub mod delivery;
pub mod history;
pub mod lifecycle;
pub mod members;
pub mod penalty;
pub mod render;
pub mod rooms;
pub mod search;
pub mod session;
pub mod text;
