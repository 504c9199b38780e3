//! Keeping each member's mark (operator, registered) current.
//!
//! After the welcome the client asks for `/marks` (its `*** marks on`
//! answer is not shown; an old server's `unknown command /marks` is not
//! either, and then nothing more is asked). From then on welcomes and
//! `/who` lists arrive marked. Operator notices change marks in place; a
//! joiner arrives unmarked and a rename or login may change marks, so the
//! room is asked again with a quiet `/who #room`, whose answer only
//! updates the member list. Requests are coalesced: at most one is out
//! per room, and changes meanwhile ask once more when it is answered.

use natter::protocol::moderation::ModNotice;
use natter::protocol::ErrorKind;

use super::{ConvId, Outcome, Session};
use crate::model::members::Mark;
use crate::model::penalty::{penalty_line, Duration, Penalty};

/// Whether this server marks member lists.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Not asked yet on this connection.
    #[default]
    Unasked,
    /// `/marks` sent, answer to come.
    Asked,
    /// Lists arrive marked.
    On,
    /// The server does not know `/marks`.
    Unsupported,
}

/// The marks' state of one connection.
#[derive(Debug, Default, Clone)]
pub(super) struct Marks {
    state: State,
    /// Rooms with a quiet `/who` out, one entry per request.
    out: Vec<ConvId>,
    /// Rooms that changed while their request was out: asked again then.
    again: Vec<ConvId>,
}

impl Marks {
    /// The connection is gone: the next one asks afresh.
    pub(super) fn clear(&mut self) {
        *self = Marks::default();
    }
}

impl Session {
    /// The default room's welcome: ask for marks.
    pub(super) fn ask_for_marks(&mut self, out: &mut Outcome) {
        out.send.push("/marks".to_owned());
        self.marks.state = State::Asked;
    }

    /// `*** marks on`: true when it answers the client's own `/marks`
    /// (not shown). The lists already received were unmarked: ask again.
    pub(super) fn marks_on(&mut self, out: &mut Outcome) -> bool {
        if self.marks.state != State::Asked {
            return false;
        }
        self.marks.state = State::On;
        for id in self.live.clone() {
            self.ask_marks(&id, out);
        }
        true
    }

    /// An error that answers a request of the client's own (not shown):
    /// an old server's refusal of `/marks`, or a quiet `/who` of a room
    /// that has just gone.
    pub(super) fn quiet_error(&mut self, kind: &ErrorKind<'_>, out: &mut Outcome) -> bool {
        match *kind {
            ErrorKind::UnknownCommand(c) if c.eq_ignore_ascii_case("marks") && self.marks.state == State::Asked => {
                self.marks.state = State::Unsupported;
                true
            }
            ErrorKind::NoSuchRoom(room) => self.answered_quietly(&self.rooms.conv(room), out),
            _ => false,
        }
    }

    /// A `/who` list for `id` arrived: true when it answers a quiet
    /// request (then it is not shown); a room changed meanwhile is asked
    /// once more.
    pub(super) fn answered_quietly(&mut self, id: &ConvId, out: &mut Outcome) -> bool {
        let Some(at) = self.marks.out.iter().position(|r| r == id) else { return false };
        self.marks.out.remove(at);
        if let Some(at) = self.marks.again.iter().position(|r| r == id) {
            self.marks.again.remove(at);
            self.ask_marks(id, out);
        }
        true
    }

    /// Asks quietly for room `id`'s marks, unless a request is out (then
    /// once more after it), the server has no marks, or `id` is private.
    pub(super) fn ask_marks(&mut self, id: &ConvId, out: &mut Outcome) {
        let Some(room) = self.rooms.room_name(id).map(str::to_owned) else { return };
        if self.marks.state != State::On {
            return;
        }
        if self.marks.out.contains(id) {
            if !self.marks.again.contains(id) {
                self.marks.again.push(id.clone());
            }
            return;
        }
        self.marks.out.push(id.clone());
        out.send.push(format!("/who {room}"));
    }

    /// Asks again in every room this user is in (their own mark changed:
    /// logged in, registered, unregistered).
    pub(super) fn ask_marks_everywhere(&mut self, out: &mut Outcome) {
        for id in self.live.clone() {
            self.ask_marks(&id, out);
        }
    }

    /// An operator notice in room `id` changes a mark at once. A name no
    /// longer an operator is still logged in (only registered names are
    /// made operators), unless a server operator, so the room is asked.
    pub(super) fn mark_notice(&mut self, id: &ConvId, notice: &ModNotice<'_>, out: &mut Outcome) {
        let (name, mark) = match *notice {
            ModNotice::Opped { name, .. } => (name, Mark::Operator),
            // Someone registered or unregistered: `marks: +bob`.
            ModNotice::Mark(listed) => {
                let (mark, name) = Mark::split(listed);
                (name, mark)
            }
            ModNotice::Deopped { name, .. } => {
                self.ask_marks(id, out);
                (name, Mark::Registered)
            }
            _ => return,
        };
        if let Some(conv) = self.rooms.get_mut(id) {
            out.members_changed |= conv.members.set_mark(name, mark);
        }
    }

    /// True when this user is an operator of the shown room.
    pub fn is_operator_here(&self) -> bool {
        self.is_operator_in(self.rooms.shown())
    }

    /// True when this user is an operator of room `id`.
    fn is_operator_in(&self, id: &ConvId) -> bool {
        !id.is_private() && self.rooms.get(id).is_some_and(|c| c.members.mark(&self.me) == Mark::Operator)
    }

    /// Who is in the shown conversation, with their marks, in list order.
    pub fn marked_members(&self) -> Vec<(String, Mark)> {
        let shown = self.rooms.shown();
        let Some(conv) = self.rooms.get(shown) else { return Vec::new() };
        if !shown.is_private() {
            return conv.members.marked();
        }
        // A private conversation has no operators; who is registered is
        // what the default room (where everyone is) says.
        let lobby = self.rooms.get(&ConvId::Default);
        let registered = |name: &str| lobby.is_some_and(|l| l.members.mark(name) != Mark::None);
        conv.members
            .to_vec()
            .into_iter()
            .map(|name| {
                let mark = if registered(&name) { Mark::Registered } else { Mark::None };
                (name, mark)
            })
            .collect()
    }

    /// The line that applies `penalty` to `name` in room `id` (the one
    /// shown when the operator chose it), while this user is an operator
    /// there and `name` is someone else.
    pub fn penalty_line(
        &self,
        id: &ConvId,
        name: &str,
        penalty: Penalty,
        duration: Duration,
        reason: &str,
    ) -> Option<String> {
        let room = self.rooms.room_name(id)?;
        (self.joined && self.is_operator_in(id) && !self.is_me(name))
            .then(|| penalty_line(room, name, penalty, duration, reason))
    }
}
