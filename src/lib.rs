//! Natter: a multi-user chat over plain TCP lines.
//!
//! The package has three parts:
//! - this library, which holds what both sides share: the wire [`protocol`]
//!   (name rules, line framing, client commands and every server line);
//! - `natterd` (`src/server/`), a single-threaded mio server;
//! - `natter` (`src/client/`, feature `gui`), the GTK4 desktop client.
//!
//! The library is pure: no sockets, no logging, no gettext.

pub mod protocol;
