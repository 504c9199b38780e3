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
//! 3. call [`after_read`](Framer::after_read): in raw mode it hands out the
//!    unterminated rest as one message; in line mode it says, once, that
//!    unterminated first bytes arrived, so the caller can time how long they
//!    stay unterminated and then call [`switch_to_raw`](Framer::switch_to_raw).

use super::line::{Frame, LineDecoder};

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
    /// Raw mode: this read's unterminated bytes, as one message.
    Message(String),
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
}

impl Framer {
    /// A framer in line mode that refuses lines over `max` bytes.
    pub fn new(max: usize) -> Self {
        Framer { decoder: LineDecoder::new(max), mode: Mode::Lines, probing: true }
    }

    /// A framer already in `mode` (raw mode for a known raw client).
    pub fn with_mode(max: usize, mode: Mode) -> Self {
        Framer { decoder: LineDecoder::new(max), mode, probing: mode == Mode::Lines }
    }

    /// The current mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Appends bytes just read.
    pub fn push(&mut self, data: &[u8]) {
        self.decoder.push(data);
    }

    /// Whether [`next_frame`](Self::next_frame) would return a frame.
    pub fn has_frame(&self) -> bool {
        self.decoder.has_frame()
    }

    /// Whether no bytes wait, terminated or not.
    pub fn is_idle(&self) -> bool {
        self.decoder.pending().is_empty()
    }

    /// Bytes waiting for a newline.
    pub fn pending(&self) -> &[u8] {
        self.decoder.pending()
    }

    /// The next complete line or too-long marker, or `None`.
    pub fn next_frame(&mut self) -> Option<Frame> {
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
        match self.mode {
            Mode::Raw => self.decoder.take_pending().map_or(AfterRead::Nothing, AfterRead::Message),
            Mode::Lines if self.probing && !self.decoder.pending().is_empty() => {
                self.probing = false;
                AfterRead::Unterminated
            }
            Mode::Lines => AfterRead::Nothing,
        }
    }

    /// The unterminated first bytes stayed so: from now on every read is
    /// one message. Returns those bytes as the first message, or `None`
    /// (and stays in line mode) if there are none.
    pub fn switch_to_raw(&mut self) -> Option<String> {
        let first = self.decoder.take_pending()?;
        self.mode = Mode::Raw;
        Some(first)
    }

    /// The peer closed: its unterminated last bytes, which still count.
    pub fn take_rest(&mut self) -> Option<String> {
        self.decoder.take_pending()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(f: &mut Framer) -> Vec<Frame> {
        std::iter::from_fn(|| f.next_frame()).collect()
    }

    #[test]
    fn line_client_is_never_reported_unterminated_after_a_line() {
        let mut f = Framer::new(100);
        f.push(b"bob\nhel");
        assert_eq!(frames(&mut f), vec![Frame::Line("bob".into())]);
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
        assert_eq!(frames(&mut f), vec![]);
        assert_eq!(f.after_read(), AfterRead::Message("hi there".into()));
        assert_eq!(f.after_read(), AfterRead::Nothing);
    }

    #[test]
    fn raw_mode_frames_lines_first_then_the_rest() {
        let mut f = Framer::with_mode(100, Mode::Raw);
        f.push(b"one\ntwo");
        assert_eq!(frames(&mut f), vec![Frame::Line("one".into())]);
        assert_eq!(f.after_read(), AfterRead::Message("two".into()));
        assert!(f.is_idle());
    }

    #[test]
    fn switch_without_bytes_stays_in_line_mode() {
        let mut f = Framer::new(100);
        assert_eq!(f.switch_to_raw(), None);
        assert_eq!(f.mode(), Mode::Lines);
    }

    #[test]
    fn take_rest_returns_the_unterminated_tail() {
        let mut f = Framer::new(100);
        f.push(b"a\nlast words");
        assert_eq!(frames(&mut f), vec![Frame::Line("a".into())]);
        assert_eq!(f.take_rest().as_deref(), Some("last words"));
        assert_eq!(f.take_rest(), None);
    }
}
