//! The client's `/history` and `/search` requests still unanswered, and
//! telling their answers apart from live lines.
//!
//! After `/stamps` every stored line arrives stamped, live or not, so an
//! answer's lines look like live ones. natterd sends each answer as one
//! block: the room's (or private conversation's, tagged `@bob`) stamped
//! lines, then `*** end of history (N lines)` (or `end of search`, or
//! `history unavailable`), with nothing between.
//! So while a conversation has a request out, its stamped lines are held as a
//! *run*; anything else breaks the run (its lines were live and go out as
//! such), and an end line takes the run's last N lines as the answer and
//! lets the ones before it out as live. Answers for one conversation come in the
//! order they were asked.

use natter::protocol::{Reply, Tagged};

use super::{Outcome, Session};
use crate::model::backlog::Seek;
use crate::model::rooms::ConvId;

/// Lines asked for by scrolling to the top.
pub const OLDER_PAGE: usize = 50;
/// Lines asked per page while loading up to a search result, and after a
/// reconnect (the most natterd gives at once).
pub const BIG_PAGE: usize = 200;

/// What a request asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// The page before the oldest line shown.
    Older { asked: usize },
    /// What came after the newest line seen (after a reconnect).
    Newer { asked: usize },
    /// Lines holding some words.
    Search,
}

/// Where a stamped line comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    /// Said now (or an unstamped line).
    #[default]
    Live,
    /// Replayed on joining, before the room's welcome.
    Replay,
    /// A page of older lines.
    Older,
    /// Lines missed while disconnected.
    Newer,
    /// A search result: for the search pane, not the conversation.
    Search,
}

/// A request answered (or refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    pub conv: ConvId,
    pub ask: Ask,
    /// Lines the server counted in its answer.
    pub count: usize,
    /// False when the server said history is unavailable.
    pub available: bool,
    /// The line sought (a search result) is now loaded: show it.
    pub reached: Option<u64>,
}

/// The requests out, in the order asked, and the run being held.
#[derive(Debug, Clone, Default)]
pub struct Requests {
    out: Vec<(ConvId, Ask)>,
    run: Option<(ConvId, Vec<String>)>,
}

impl Requests {
    /// Records a request just asked.
    pub fn push(&mut self, id: ConvId, ask: Ask) {
        self.out.push((id, ask));
    }

    fn waiting(&self, id: &ConvId) -> bool {
        self.out.iter().any(|(c, _)| c == id)
    }

    /// Takes the oldest request `end` answers.
    fn finish(&mut self, id: &ConvId, reply: &Reply<'_>) -> Option<Ask> {
        let at = self.out.iter().position(|(c, ask)| {
            c == id
                && match reply {
                    Reply::HistoryEnd(_) => *ask != Ask::Search,
                    Reply::SearchEnd(_) => *ask == Ask::Search,
                    _ => true,
                }
        })?;
        Some(self.out.remove(at).1)
    }

    /// Everything is void: the connection is gone.
    pub fn clear(&mut self) {
        self.out.clear();
        self.run = None;
    }
}

impl Session {
    /// Reads one server line, holding stamped lines while they may be an
    /// answer (see the module doc): none, one or several outcomes.
    pub fn read(&mut self, line: &str) -> Vec<Outcome> {
        let tagged = Tagged::parse(line);
        let id = super::conv_of(&tagged);
        let ends = matches!(tagged.reply, Reply::HistoryEnd(_) | Reply::SearchEnd(_) | Reply::HistoryUnavailable);
        let mut outs = Vec::new();
        if tagged.stamp.is_some() && self.requests.waiting(&id) {
            if self.requests.run.as_ref().is_some_and(|(c, _)| *c != id) {
                outs.extend(self.release());
            }
            self.requests.run.get_or_insert_with(|| (id, Vec::new())).1.push(line.to_owned());
            return outs;
        }
        let ask = if ends { self.requests.finish(&id, &tagged.reply) } else { None };
        let Some(ask) = ask else {
            outs.extend(self.release());
            outs.push(self.receive(line));
            return outs;
        };
        let run = match self.requests.run.take() {
            Some((c, run)) if c == id => run,
            other => {
                self.requests.run = other;
                outs.extend(self.release());
                Vec::new()
            }
        };
        let (count, available) = match tagged.reply {
            Reply::HistoryEnd(n) | Reply::SearchEnd(n) => (n, true),
            _ => (0, false),
        };
        let live = run.len().saturating_sub(count);
        let source = match ask {
            Ask::Older { .. } => Source::Older,
            Ask::Newer { .. } => Source::Newer,
            Ask::Search => Source::Search,
        };
        let mut newest = None;
        for (i, line) in run.iter().enumerate() {
            let out = self.receive_as(line, (i >= live).then_some(source));
            newest = out.id.max(newest);
            outs.push(out);
        }
        outs.push(self.answered(id, ask, count, available, newest));
        outs
    }

    /// Lets the held run out as live lines.
    fn release(&mut self) -> Vec<Outcome> {
        let Some((_, run)) = self.requests.run.take() else { return Vec::new() };
        run.iter().map(|line| self.receive_as(line, None)).collect()
    }

    /// The outcome of an end line: the backlog moves on, and a page that
    /// was full may call for the next one.
    fn answered(&mut self, id: ConvId, ask: Ask, count: usize, available: bool, newest: Option<u64>) -> Outcome {
        let mut done = Done { conv: id.clone(), ask, count, available, reached: None };
        let mut out = Outcome { route: super::Route::To(vec![id.clone()]), ..Outcome::default() };
        if !available {
            out.entry = Some(super::Entry::HistoryUnavailable);
        }
        let Some(conv) = self.rooms.get_mut(&id) else {
            out.done = Some(done);
            return out;
        };
        let backlog = &mut conv.backlog;
        let mut next = None;
        match ask {
            _ if !available => backlog.unavailable(),
            Ask::Older { asked } => {
                backlog.older_done(count, asked);
                if let Some(target) = backlog.target() {
                    match backlog.seek(target) {
                        Seek::Shown => done.reached = Some(target),
                        Seek::Load(cursor) => next = Some((Ask::Older { asked: BIG_PAGE }, cursor)),
                        Seek::Wait | Seek::Unreachable => {}
                    }
                }
            }
            Ask::Newer { asked } if count >= asked => {
                if let Some(newest) = newest {
                    next = Some((Ask::Newer { asked }, newest));
                }
            }
            Ask::Newer { .. } | Ask::Search => {}
        }
        if let Some((ask, cursor)) = next {
            out.send.push(self.history_line(&id, ask, cursor));
        }
        out.done = Some(done);
        out
    }

    /// True when `id`'s stored lines can be asked for now: joined, and
    /// for a private conversation logged in (else the server keeps none).
    pub(super) fn can_ask(&self, id: &ConvId) -> bool {
        self.joined && (!id.is_private() || self.logged_in)
    }

    /// `/history TARGET before|after CURSOR N` for `ask`, recorded as out.
    /// [`u64::MAX`] before is the newest page, `before now`.
    pub(super) fn history_line(&mut self, id: &ConvId, ask: Ask, cursor: u64) -> String {
        let (which, asked) = match ask {
            Ask::Older { asked } => ("before", asked),
            Ask::Newer { asked } => ("after", asked),
            Ask::Search => unreachable!("a search is not a page of history"),
        };
        let cursor = if cursor == u64::MAX { "now".to_owned() } else { cursor.to_string() };
        self.requests.push(id.clone(), ask);
        format!("/history {} {which} {cursor} {asked}", self.rooms.target(id))
    }

    /// `/history TARGET before CURSOR N` for the page before the oldest
    /// line of `id`, when one may be asked for now.
    pub fn ask_older(&mut self, id: &ConvId) -> Option<String> {
        if !self.can_ask(id) {
            return None;
        }
        let cursor = self.rooms.get_mut(id)?.backlog.ask_older()?;
        Some(self.history_line(id, Ask::Older { asked: OLDER_PAGE }, cursor))
    }

    /// `/search TARGET WORDS` in conversation `id`.
    pub fn search_line(&mut self, id: &ConvId, words: &str) -> Option<String> {
        let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
        if !self.can_ask(id) || words.is_empty() {
            return None;
        }
        self.requests.push(id.clone(), Ask::Search);
        Some(format!("/search {} {words}", self.rooms.target(id)))
    }

    /// The user chose line `line_id` of `id` (a search result): what it
    /// takes to show it, and the line to send for that.
    pub fn seek(&mut self, id: &ConvId, line_id: u64) -> (Seek, Option<String>) {
        let can_ask = self.can_ask(id);
        let Some(conv) = self.rooms.get_mut(id) else { return (Seek::Unreachable, None) };
        let seek = conv.backlog.seek(line_id);
        match seek {
            Seek::Load(cursor) if can_ask => {
                (seek, Some(self.history_line(id, Ask::Older { asked: BIG_PAGE }, cursor)))
            }
            Seek::Load(_) => {
                conv.backlog.disconnected();
                (Seek::Unreachable, None)
            }
            seek => (seek, None),
        }
    }

    /// True while a page of older lines of `id` is on its way.
    pub fn loading_older(&self, id: &ConvId) -> bool {
        self.rooms.get(id).is_some_and(|c| c.backlog.paging() == crate::model::backlog::Paging::Loading)
    }
}
