//! Learning the server's name for its default room: natterd may be
//! started with `--default-room #main`, and the client must then name
//! that room `#main` in its requests (`/history`, `/who`, a kick) and on
//! screen, and take `#lobby` for an ordinary room. Right after the
//! welcome the client asks `/default`; the answer, `*** default room:
//! #main`, is not shown. An older server without `/default` answers
//! "unknown command", which is not shown either: its default room is
//! `#lobby`.

use natter::protocol::ErrorKind;

use super::{Outcome, Session};

impl Session {
    /// The default room's welcome: ask its name.
    pub(super) fn ask_default_room(&mut self, out: &mut Outcome) {
        out.send.push("/default".to_owned());
        self.quiet_room = true;
    }

    /// `*** default room: ROOM`: true when it answers the client's own
    /// `/default` (not shown).
    pub(super) fn default_room_named(&mut self, room: &str, out: &mut Outcome) -> bool {
        if !std::mem::take(&mut self.quiet_room) {
            return false;
        }
        // Titles and member lists show the name.
        out.members_changed |= self.rooms.set_default_name(room);
        self.rejoin_now(out);
        true
    }

    /// The rejoins that waited for the default room's name.
    fn rejoin_now(&mut self, out: &mut Outcome) {
        if let Some(remembered) = self.rejoin_later.take() {
            out.send.extend(self.rejoin_lines(&remembered));
            // Private conversations may have opened again: the sidebar.
            out.members_changed = true;
        }
    }

    /// An older server's refusal of `/default` (not shown).
    pub(super) fn default_room_unsupported(&mut self, kind: &ErrorKind<'_>, out: &mut Outcome) -> bool {
        match kind {
            ErrorKind::UnknownCommand(c) if c.eq_ignore_ascii_case("default") && self.quiet_room => {
                self.quiet_room = false;
                self.rejoin_now(out);
                true
            }
            _ => false,
        }
    }
}
