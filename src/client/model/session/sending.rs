//! What the user types, read for the conversation it is typed in.
//!
//! The server does not echo a sender's own lines, so every line goes
//! through [`Command::parse`], the same reading the server applies, to
//! decide what to show locally and where. The server sends plain lines and
//! `/me` to its *current* room (the last one joined), which need not be
//! the room on screen: a plain line for another room goes as
//! `/say #room TEXT`, and `/me` or `/topic` for another room first makes it
//! current again with `/join #room` (whose `*** now talking in` answer is
//! not shown). In a private conversation a plain line goes as `/msg`.

use natter::protocol::{fold_name, Command};

use super::{ConvId, Entry, Session};

/// Most people whose private conversation's origin is remembered.
const MAX_TYPED_IN: usize = 64;

/// What to send for a line the user typed, and what to show for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// A line to write first: `/join #room`, to make the room current.
    pub before: Option<String>,
    /// The line for the wire, without the newline.
    pub line: String,
    /// The local echo, shown once the line is written.
    pub echo: Option<Entry>,
    /// The conversation the echo goes to.
    pub to: ConvId,
    /// The user is leaving (`/quit`): do not reconnect.
    pub quits: bool,
    /// The line holds a password (`/register`, `/login`, `/password`,
    /// `/unregister`): it is kept out of the input history.
    pub secret: bool,
    /// The password the account has once the server confirms this line,
    /// to keep in the keyring then.
    pub password: Option<String>,
}

impl Session {
    /// Reads a line the user typed in the shown conversation: `None` when
    /// there is nothing to send.
    pub fn prepare(&self, input: &str) -> Option<Outgoing> {
        // One entry line is one wire line, whatever was pasted into it.
        let line: String = input.chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }).collect();
        let me = self.me.clone();
        let shown = self.rooms.shown().clone();
        let current = shown == self.server_room;
        let mut out = Outgoing {
            before: None,
            line: line.clone(),
            echo: None,
            to: shown.clone(),
            quits: false,
            secret: false,
            password: None,
        };
        match Command::parse(&line, &self.me) {
            Command::Empty => return None,
            Command::Say(text) => {
                match &shown {
                    ConvId::Private(to) => {
                        out.echo = Some(Entry::PrivateOut { to: to.clone(), text: text.to_owned() });
                        out.line = format!("/msg {to} {text}");
                        return Some(out);
                    }
                    _ if !current => out.line = format!("/say {} {text}", self.rooms.title(&shown)),
                    _ => {}
                }
                out.echo = Some(Entry::OwnChat { from: me, text: text.to_owned() });
            }
            Command::Me(text) => {
                if let ConvId::Private(to) = &shown {
                    // natterd has no private actions: the other person
                    // reads it as typed.
                    let text = format!("/me {text}");
                    out.line = format!("/msg {to} {text}");
                    out.echo = Some(Entry::PrivateOut { to: to.clone(), text });
                    return Some(out);
                }
                out.before = self.switch_line(&shown);
                out.echo = Some(Entry::Action { from: me, text: text.to_owned(), own: true, mention: false });
            }
            Command::Msg { to, text } => {
                // Spelled as its conversation is, if there is one: the
                // server's stamped echo takes this echo's place.
                let id = ConvId::Private(to.to_owned());
                let to = self.rooms.get(&id).map_or(id, |c| c.id.clone());
                out.echo = Some(Entry::PrivateOut { to: to.title().to_owned(), text: text.to_owned() });
                out.to = to;
            }
            Command::SayIn { room, text } => {
                out.to = self.rooms.conv(room);
                out.echo = Some(Entry::OwnChat { from: me, text: text.to_owned() });
            }
            Command::Quit(_) => out.quits = true,
            // The server answers these; nothing is echoed.
            Command::Register(password) | Command::Login { password, .. } | Command::Password { new: password, .. } => {
                out.secret = true;
                out.password = Some(password.0.to_owned());
            }
            Command::Unregister(_) => out.secret = true,
            Command::Who(None) if !current && !shown.is_private() => {
                // The answer comes tagged, to the room it is about.
                out.line = format!("/who {}", self.rooms.title(&shown));
            }
            Command::Topic(_) if !shown.is_private() => out.before = self.switch_line(&shown),
            Command::Part { room: None, reason } => {
                // The room on screen, not whichever the server has current.
                if let Some(room) = self.rooms.room_name(&shown) {
                    out.line = match reason {
                        Some(reason) => format!("/part {room} {reason}"),
                        None => format!("/part {room}"),
                    };
                }
            }
            // The server answers these itself; a join shows its room once
            // the server welcomes this user there (`Session::sending`).
            Command::Who(_)
            | Command::Topic(_)
            | Command::Join(_)
            | Command::Part { .. }
            | Command::Rooms
            | Command::DefaultRoom
            | Command::History { .. }
            | Command::Search { .. }
            | Command::Stamps
            | Command::Moderate { .. }
            | Command::BadDuration
            | Command::Nick(_)
            | Command::Help
            | Command::Usage(_)
            | Command::Unknown(_) => {}
        }
        Some(out)
    }

    /// `/join #room` to make `id` the server's current room, unless it is.
    fn switch_line(&self, id: &ConvId) -> Option<String> {
        let room = self.rooms.room_name(id)?;
        (*id != self.server_room).then(|| format!("/join {room}"))
    }

    /// `outgoing`, typed as `input`, is about to be written: a refusal
    /// may be about it. Returns the id for [`Session::written`] when it
    /// has an echo.
    pub fn sending(&mut self, outgoing: &Outgoing, input: &str) -> Option<u64> {
        match Command::parse(&outgoing.line, &self.me) {
            Command::Join(room) => {
                // Typed: shown once joined, and current from now on.
                self.join_line(room);
            }
            Command::Part { room, .. } => {
                let id = room.map_or_else(|| self.server_room.clone(), ConvId::room);
                self.parting(&id);
            }
            Command::Msg { to, .. } => {
                // Where a "stored for when they log in" answer is shown.
                let typed_in = self.rooms.shown().clone();
                self.private_typed_in.retain(|(name, _)| fold_name(name) != fold_name(to));
                self.private_typed_in.push((to.to_owned(), typed_in));
                if self.private_typed_in.len() > MAX_TYPED_IN {
                    self.private_typed_in.remove(0);
                }
            }
            _ => {}
        }
        if outgoing.before.is_some() {
            self.server_room = outgoing.to.clone();
            self.quiet_talking += 1;
        }
        if let ConvId::Private(name) = &outgoing.to {
            if outgoing.echo.is_some() {
                self.open_private(name);
            }
        }
        let echo = outgoing.echo.clone()?;
        Some(self.sent.record(echo, input, outgoing.line.len()))
    }

    /// Line `id` was written: what to show for it, its echo or (when the
    /// server refused it already) the line marked as not delivered.
    pub fn written(&mut self, id: u64, echo: Entry) -> Entry {
        self.sent.shown(id).unwrap_or(echo)
    }

    /// `/join #room` for `room`, which is shown once joined (the join
    /// dialog, or typed). The room becomes the server's current one.
    pub fn join_line(&mut self, room: &str) -> String {
        let id = self.rooms.conv(room);
        self.server_room = id.clone();
        self.wanted.push(id);
        format!("/join {room}")
    }

    /// The lines that rejoin, after a welcome, the rooms of before a
    /// reconnect and the `remembered` ones (from the last run). While the
    /// default room's name is still to come they wait for it (a
    /// remembered `#lobby` may be an ordinary room there) and come with
    /// the answer's outcome.
    pub fn rejoin_lines(&mut self, remembered: &[String]) -> Vec<String> {
        if self.quiet_room {
            self.rejoin_later = Some(remembered.to_vec());
            return Vec::new();
        }
        let mut rooms = self.rooms.joined_rooms();
        // Kept private conversations open again, quietly, and load their
        // lines (now if logged in, else on logging in).
        let mut loads = Vec::new();
        for peer in remembered.iter().filter_map(|r| r.strip_prefix('@')) {
            let id = self.open_private(peer);
            loads.extend(self.load_private(&id));
        }
        for room in remembered.iter().filter(|r| !r.starts_with('@')) {
            if !rooms.iter().any(|r| self.rooms.conv(r) == self.rooms.conv(room)) {
                rooms.push(room.clone());
            }
        }
        rooms.retain(|r| self.rooms.conv(r) != ConvId::Default);
        if let Some(last) = rooms.last() {
            // Each join makes its room current: the last one stays so.
            self.server_room = self.rooms.conv(last);
        }
        rooms.iter().map(|r| format!("/join {r}")).chain(loads).collect()
    }

    /// `/part #room` to leave `id`; `None` for the default room and
    /// private conversations (which are closed without telling anyone).
    pub fn part_line(&mut self, id: &ConvId) -> Option<String> {
        match id {
            ConvId::Room(room) => {
                self.parting(id);
                Some(format!("/part {room}"))
            }
            _ => None,
        }
    }

    /// Leaves room `id`: its conversation goes at once, and the line to
    /// tell the server comes back (`None` for the default room).
    pub fn leave(&mut self, id: &ConvId) -> Option<String> {
        let line = self.part_line(id)?;
        self.rooms.close(id);
        Some(line)
    }

    /// Leaving the current room makes the default one current, which the
    /// server says (`*** now talking in`) without being asked to.
    fn parting(&mut self, id: &ConvId) {
        if *id == self.server_room && *id != ConvId::Default {
            self.server_room = ConvId::Default;
            self.quiet_talking += 1;
        }
    }

    /// Closes a private conversation (nothing to tell the server).
    pub fn close_private(&mut self, id: &ConvId) -> bool {
        id.is_private() && self.rooms.close(id)
    }
}
