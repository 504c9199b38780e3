//! The Natter wire protocol: UTF-8 text lines ending in `\n` (`\r\n` accepted).
//!
//! Everything either side writes on the wire is built here, and everything
//! either side reads is parsed here, so the server and the client cannot
//! drift apart. See `docs/protocol.md` for the prose version.
//!
//! - [`name`]: user name rules and case folding.
//! - [`account`]: registered names: password rule, account notices and errors.
//! - [`look_alike`]: names that look the same (UTS #39 skeletons, mixed scripts).
//! - [`line`]: the line decoder and text cleaning.
//! - [`framer`]: one client's framing, lines or raw reads.
//! - [`command`]: what a client line means to the server.
//! - [`reply`]: every line the server sends, formatted and parsed back.
//! - [`room`]: room names and the `#room ` tag on room lines.
//! - [`tagged`]: a whole server line, with its room tag and history stamp.

pub mod account;
pub mod command;
pub mod framer;
pub mod line;
pub mod look_alike;
pub mod moderation;
pub mod name;
pub mod reply;
pub mod room;
pub mod tagged;

pub use command::Command;
pub use framer::{AfterRead, Framer, Mode};
pub use line::{clean_text, Frame, LineDecoder};
pub use look_alike::{look_alike_keys, looks_alike};
pub use name::{canonical_name, fold_name, is_visible, normalize_name, validate_name, NameError, MAX_NAME_CHARS};
pub use reply::{ErrorKind, QuitReason, Reply};
pub use room::{canonical_room, fold_room, is_room, validate_room, RoomError, DEFAULT_ROOM, MAX_ROOM_CHARS};
pub use tagged::{Stamp, Tagged};

/// The port natterd listens on and the client connects to by default.
pub const DEFAULT_PORT: u16 = 5000;
/// Default cap on one client line in bytes, terminator excluded.
pub const DEFAULT_MAX_LINE: usize = 4096;
