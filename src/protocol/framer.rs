//! One client's input framing: lines, or raw reads for the classic client.
//!
//! Most clients end every message with a newline. The classic course client
//! sends none: each of its writes is one message. [`Framer`] owns the choice
//! between the two and the sequence a reader follows after every read, so
//! natterd and the fuzz harness run the same code rather than two copies:
//!
//! 1. [`push`](Framer::push) the bytes just read;
//! 2. take frames while [`has_frame`](Framer::has_frame) says one waits
//!    (the caller may stop early, for flood control);
//! 3. call [`after_read`](Framer::after_read): in line mode it says, once,
//!    that unterminated first bytes arrived, so the caller can time how
//!    long they stay unterminated and then call
//!    [`switch_to_raw`](Framer::switch_to_raw).
//!
//! In raw mode `push` frames the whole read at once: its lines, then the
//! unterminated rest as one more message, over `max` bytes a
//! [`Frame::TooLong`] like any line. The frames wait in a queue, so a raw
//! client that flood control holds back keeps its read boundaries as
//! message boundaries instead of having its sends merged by the kernel;
//! [`has_room`](Framer::has_room) bounds that queue. A newline from a raw
//! client makes it a line client for good: only a client that never sends
//! one needs its reads taken as messages.

use std::collections::VecDeque;

use super::line::{Frame, LineDecoder};

/// Raw messages queued while their sender is held back, at most.
const RAW_BACKLOG: usize = 32;
/// Bytes of queued raw messages past which no more reads are queued, so a
/// held-back raw client holds at most this plus one message.
const RAW_BACKLOG_BYTES: usize = 8 * 1024;

/// How input is split into messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Newline-terminated lines (netcat, telnet, natter).
    Lines,
    /// Every read is one message: the classic course client sends no newlines.
    Raw,
}

/// What the end of one read leaves to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterRead {
    /// Nothing.
    Nothing,
    /// Line mode: the first bytes arrived with no newline. Reported once;
    /// if they stay unterminated the sender is probably a raw client.
    Unterminated,
}

/// A [`LineDecoder`] plus the lines-or-raw decision.
#[derive(Debug)]
pub struct Framer {
    decoder: LineDecoder,
    mode: Mode,
    /// Whether the mode is still open: no frame handed out and no
    /// unterminated first bytes reported yet.
    probing: bool,
    /// Raw mode: whole reads already framed, oldest first.
    ready: VecDeque<Frame>,
    /// Text bytes in `ready`.
    ready_bytes: usize,
}

impl Framer {
    /// A framer in line mode that refuses lines over `max` bytes.
    pub fn new(max: usize) -> Self {
        Self::with_mode(max, Mode::Lines)
    }

    /// A framer already in `mode` (raw mode for a known raw client).
    pub fn with_mode(max: usize, mode: Mode) -> Self {
        Framer {
            decoder: LineDecoder::new(max),
            mode,
            probing: mode == Mode::Lines,
            ready: VecDeque::new(),
            ready_bytes: 0,
        }
    }

    /// The current mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Appends bytes just read; in raw mode, frames them as one read.
    pub fn push(&mut self, data: &[u8]) {
        if self.mode == Mode::Raw && data.iter().any(|&b| b == b'\n' || b == b'\r') {
            // A newline, however late: this is a line client after all.
            self.mode = Mode::Lines;
        }
        self.decoder.push(data);
        if self.mode == Mode::Raw {
            self.end_message();
        }
    }

    /// Queues every frame the decoder holds, then the unterminated rest as
    /// one more message: the end of a raw read, or of the stream.
    fn end_message(&mut self) {
        while let Some(frame) = self.decoder.next_frame() {
            self.queue(frame);
        }
        // The boundary ends the message: an over-long one has had its
        // error and must not swallow the next read while waiting for a
        // newline that never comes.
        self.decoder.end_discarding();
        // What is left fits in `max` bytes, or the decoder would have
        // reported it too long.
        if let Some(text) = self.decoder.take_pending() {
            self.queue(Frame::Line(text));
        }
    }

    fn queue(&mut self, frame: Frame) {
        if let Frame::Line(text) = &frame {
            self.ready_bytes += text.len();
        }
        self.ready.push_back(frame);
    }

    /// Whether a held-back raw client may be read further: its queue of
    /// framed reads is short. Always true in line mode, where unread bytes
    /// wait in the kernel instead.
    pub fn has_room(&self) -> bool {
        self.ready.len() < RAW_BACKLOG && self.ready_bytes < RAW_BACKLOG_BYTES
    }

    /// Whether [`next_frame`](Self::next_frame) would return a frame.
    pub fn has_frame(&self) -> bool {
        !self.ready.is_empty() || self.decoder.has_frame()
    }

    /// Whether no bytes wait, terminated or not.
    pub fn is_idle(&self) -> bool {
        self.ready.is_empty() && self.decoder.pending().is_empty()
    }

    /// Bytes waiting for a newline.
    pub fn pending(&self) -> &[u8] {
        self.decoder.pending()
    }

    /// The next complete line or too-long marker, or `None`.
    pub fn next_frame(&mut self) -> Option<Frame> {
        if let Some(frame) = self.ready.pop_front() {
            if let Frame::Line(text) = &frame {
                self.ready_bytes -= text.len();
            }
            return Some(frame);
        }
        let frame = self.decoder.next_frame();
        if frame.is_some() {
            // A newline arrived: this is a line client.
            self.probing = false;
        }
        frame
    }

    /// Finishes one read (see the module doc). Call it after the frames
    /// of the read have been taken.
    pub fn after_read(&mut self) -> AfterRead {
        self.decoder.shrink();
        if self.mode == Mode::Lines && self.probing && !self.decoder.pending().is_empty() {
            self.probing = false;
            return AfterRead::Unterminated;
        }
        AfterRead::Nothing
    }

    /// The unterminated first bytes stayed so: from now on every read is
    /// one message. Returns those bytes as the first message, or `None`
    /// (and stays in line mode) if there are none.
    pub fn switch_to_raw(&mut self) -> Option<String> {
        let first = self.decoder.take_pending()?;
        self.mode = Mode::Raw;
        Some(first)
    }

    /// The peer closed: its unterminated last bytes still count, as one
    /// more frame after those waiting.
    pub fn finish(&mut self) {
        self.end_message();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(f: &mut Framer) -> Vec<Frame> {
        std::iter::from_fn(|| f.next_frame()).collect()
    }

    fn line(s: &str) -> Frame {
        Frame::Line(s.into())
    }

    #[test]
    fn line_client_is_never_reported_unterminated_after_a_line() {
        let mut f = Framer::new(100);
        f.push(b"bob\nhel");
        assert_eq!(frames(&mut f), vec![line("bob")]);
        assert_eq!(f.after_read(), AfterRead::Nothing);
        assert_eq!(f.mode(), Mode::Lines);
    }

    #[test]
    fn unterminated_first_bytes_are_reported_once() {
        let mut f = Framer::new(100);
        f.push(b"al");
        assert_eq!(frames(&mut f), vec![]);
        assert_eq!(f.after_read(), AfterRead::Unterminated);
        f.push(b"ice");
        assert_eq!(f.after_read(), AfterRead::Nothing);
        assert_eq!(f.switch_to_raw().as_deref(), Some("alice"));
        assert_eq!(f.mode(), Mode::Raw);
        f.push(b"hi there");
        assert_eq!(frames(&mut f), vec![line("hi there")]);
        assert_eq!(f.after_read(), AfterRead::Nothing);
        assert!(f.is_idle());
    }

    #[test]
    fn raw_reads_stay_separate_messages_until_taken() {
        let mut f = Framer::with_mode(100, Mode::Raw);
        f.push(b"one");
        f.push(b"two");
        assert!(f.has_frame());
        assert_eq!(frames(&mut f), vec![line("one"), line("two")]);
        // The queue is bounded: the caller stops reading when it is full.
        for _ in 0..RAW_BACKLOG {
            assert!(f.has_room());
            f.push(b"x");
        }
        assert!(!f.has_room());
        assert_eq!(frames(&mut f).len(), RAW_BACKLOG);
        assert!(f.has_room());
        // And bounded in bytes: two messages of 4 KiB fill it.
        let mut f = Framer::with_mode(4096, Mode::Raw);
        f.push(&[b'a'; 4096]);
        assert!(f.has_room());
        f.push(&[b'b'; 4096]);
        assert!(!f.has_room());
        assert_eq!(frames(&mut f).len(), 2);
        assert!(f.has_room());
    }

    #[test]
    fn an_over_long_raw_read_is_refused_and_the_next_is_delivered() {
        let mut f = Framer::with_mode(5, Mode::Raw);
        f.push(b"123456");
        f.push(b"fine");
        assert_eq!(frames(&mut f), vec![Frame::TooLong, line("fine")]);
        // Two sends merged by the kernel count as one read, over the cap.
        f.push(b"abcdefgh");
        f.push(b"ok");
        assert_eq!(frames(&mut f), vec![Frame::TooLong, line("ok")]);
    }

    #[test]
    fn a_newline_makes_a_raw_client_a_line_client_for_good() {
        let mut f = Framer::new(100);
        f.push(b"bob");
        assert_eq!(f.after_read(), AfterRead::Unterminated);
        assert_eq!(f.switch_to_raw().as_deref(), Some("bob"));
        // The newline after the name came late: lines from now on.
        f.push(b"\nhel");
        assert_eq!(f.mode(), Mode::Lines);
        assert_eq!(frames(&mut f), vec![line("")]);
        f.push(b"lo\n");
        assert_eq!(frames(&mut f), vec![line("hello")]);
        assert_eq!(f.after_read(), AfterRead::Nothing);
    }

    #[test]
    fn switch_without_bytes_stays_in_line_mode() {
        let mut f = Framer::new(100);
        assert_eq!(f.switch_to_raw(), None);
        assert_eq!(f.mode(), Mode::Lines);
    }

    #[test]
    fn finish_frames_the_unterminated_tail() {
        let mut f = Framer::new(100);
        f.push(b"a\nlast words");
        f.finish();
        assert_eq!(frames(&mut f), vec![line("a"), line("last words")]);
        f.finish();
        assert!(f.is_idle());
    }
}
