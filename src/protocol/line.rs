//! Framing: bytes in, whole lines out.
//!
//! [`LineDecoder`] takes whatever a read returned and yields complete lines.
//! "Not enough bytes yet" is the normal `None`, not an error. A line ends at
//! `\n` or at `\r`, as in ngIRCd, so `hello\rworld\r` is two lines; the
//! `\n` of a `\r\n` pair closes an empty line, which is dropped here (even
//! when it arrives in a later read) rather than costing the sender a flood
//! token. A line longer than the cap yields one [`Frame::TooLong`] and the
//! rest of it, up to the next terminator, is thrown away, so the buffer
//! never holds more than one partial line of at most `max` bytes.

/// One unit the decoder hands out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete line, terminator removed, invalid UTF-8 replaced by U+FFFD.
    Line(String),
    /// A line passed the cap; its bytes are being discarded.
    TooLong,
}

/// Buffer capacity kept between reads; more is given back when idle.
const KEEP_CAPACITY: usize = 1024;

/// Splits a byte stream into lines ending in `\n`, `\r` or `\r\n`.
#[derive(Debug)]
pub struct LineDecoder {
    buf: Vec<u8>,
    /// Start of the unconsumed part of `buf`.
    start: usize,
    max: usize,
    /// True while skipping the tail of an over-long line.
    discarding: bool,
    /// The last terminator was a `\r` at the end of the bytes so far: a
    /// `\n` opening the next read belongs to it.
    after_cr: bool,
}

impl LineDecoder {
    /// A decoder that refuses lines longer than `max` bytes (terminator excluded).
    pub fn new(max: usize) -> Self {
        LineDecoder { buf: Vec::new(), start: 0, max, discarding: false, after_cr: false }
    }

    /// Appends bytes just read. Call [`next_frame`](Self::next_frame) until
    /// it returns `None` before pushing more, to keep the buffer small.
    pub fn push(&mut self, mut data: &[u8]) {
        if data.is_empty() {
            return;
        }
        if std::mem::take(&mut self.after_cr) && data[0] == b'\n' {
            data = &data[1..];
        }
        if self.discarding {
            match find_end(data) {
                None => return,
                Some(end) => {
                    self.discarding = false;
                    let (used, cr_at_end) = terminator_len(data, end);
                    self.after_cr = cr_at_end;
                    data = &data[end + used..];
                }
            }
        }
        self.buf.extend_from_slice(data);
    }

    /// Ends an over-long message at a read boundary (raw mode): its error
    /// has been handed out, and the next read is a new message.
    pub fn end_discarding(&mut self) {
        self.discarding = false;
    }

    /// The next complete line, a too-long marker, or `None` when more bytes
    /// are needed.
    pub fn next_frame(&mut self) -> Option<Frame> {
        let pending = &self.buf[self.start..];
        match find_end(pending) {
            Some(end) => {
                let line = &pending[..end];
                let frame = if line.len() > self.max {
                    Frame::TooLong
                } else {
                    Frame::Line(String::from_utf8_lossy(line).into_owned())
                };
                let (used, cr_at_end) = terminator_len(pending, end);
                self.after_cr = cr_at_end;
                self.start += end + used;
                Some(frame)
            }
            None => {
                self.compact();
                if self.over_cap(&self.buf) {
                    self.buf.clear();
                    self.discarding = true;
                    Some(Frame::TooLong)
                } else {
                    None
                }
            }
        }
    }

    /// Whether [`next_frame`](Self::next_frame) would return a frame.
    pub fn has_frame(&self) -> bool {
        let pending = self.pending();
        find_end(pending).is_some() || self.over_cap(pending)
    }

    /// Whether unterminated bytes already exceed the cap.
    fn over_cap(&self, pending: &[u8]) -> bool {
        pending.len() > self.max
    }

    /// Bytes waiting for a newline.
    pub fn pending(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// Removes and returns the unterminated bytes as text (for clients that
    /// never send newlines), or `None` if there are none.
    /// A character cut in two by a read boundary stays pending, so the next
    /// read completes it instead of both halves becoming U+FFFD.
    pub fn take_pending(&mut self) -> Option<String> {
        self.compact();
        let keep = match std::str::from_utf8(&self.buf) {
            // `error_len() == None`: the bytes end inside a character.
            Err(e) if e.error_len().is_none() => self.buf.len() - e.valid_up_to(),
            _ => 0,
        };
        let take = self.buf.len() - keep;
        if take == 0 {
            return None;
        }
        let text = String::from_utf8_lossy(&self.buf[..take]).into_owned();
        self.buf.drain(..take);
        Some(text)
    }

    /// Returns a grown buffer's memory once nothing is pending, so idle
    /// clients cost little while busy ones keep a small buffer to reuse.
    pub fn shrink(&mut self) {
        self.compact();
        if self.buf.is_empty() && self.buf.capacity() > KEEP_CAPACITY {
            self.buf = Vec::new();
        }
    }

    fn compact(&mut self) {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
    }
}

/// How many bytes the terminator at `end` takes (a `\r\n` pair is one
/// terminator), and whether it is a `\r` ending `data`, whose `\n` may
/// come in the next read.
fn terminator_len(data: &[u8], end: usize) -> (usize, bool) {
    match (data[end], data.get(end + 1)) {
        (b'\r', Some(b'\n')) => (2, false),
        (b'\r', None) => (1, true),
        _ => (1, false),
    }
}

/// Where the first line terminator (`\n` or `\r`) is.
fn find_end(hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == b'\n' || b == b'\r')
}

/// Removes control characters (C0 but tab, DEL, and C1) so nobody can
/// clear, move or recolour another user's terminal, and trims the `\r`
/// a stray client may leave. Also removes the line and paragraph
/// separators and the bidi embeddings, overrides and isolates
/// (U+202A–202E, U+2066–2069): an unclosed override would reverse the rest
/// of the line as a terminal shows it ("Trojan Source"). The plain
/// direction marks (U+200E, U+200F) stay, as right-to-left text needs them.
/// Returns the input unchanged when it is clean.
pub fn clean_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(is_stripped) {
        text.chars().filter(|&c| !is_stripped(c)).collect::<String>().into()
    } else {
        text.into()
    }
}

/// The characters [`clean_text`] removes.
pub fn is_stripped(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn frames(dec: &mut LineDecoder) -> Vec<Frame> {
        std::iter::from_fn(|| dec.next_frame()).collect()
    }

    fn line(s: &str) -> Frame {
        Frame::Line(s.to_string())
    }

    #[test]
    fn splits_on_lf_and_crlf() {
        let mut d = LineDecoder::new(100);
        d.push(b"one\ntwo\r\nthr");
        assert_eq!(frames(&mut d), vec![line("one"), line("two")]);
        assert_eq!(d.pending(), b"thr");
        d.push(b"ee\n");
        assert_eq!(frames(&mut d), vec![line("three")]);
        assert!(d.pending().is_empty());
    }

    #[test]
    fn too_long_is_reported_once_and_skipped() {
        let mut d = LineDecoder::new(5);
        d.push(b"123456");
        assert_eq!(frames(&mut d), vec![Frame::TooLong]);
        d.push(b"789");
        assert_eq!(frames(&mut d), vec![]);
        d.push(b"0\nok\n");
        assert_eq!(frames(&mut d), vec![line("ok")]);
        d.push(b"1234567\nfine\n");
        assert_eq!(frames(&mut d), vec![Frame::TooLong, line("fine")]);
    }

    #[test]
    fn exactly_max_with_crlf_split_is_accepted() {
        let mut d = LineDecoder::new(5);
        d.push(b"12345\r");
        assert_eq!(frames(&mut d), vec![line("12345")]);
        d.push(b"\n");
        assert_eq!(frames(&mut d), vec![]);
        assert!(d.pending().is_empty());
    }

    #[test]
    fn a_cr_alone_ends_a_line() {
        let mut d = LineDecoder::new(100);
        d.push(b"hello\rworld\r");
        assert_eq!(frames(&mut d), vec![line("hello"), line("world")]);
        // The LF of a CR LF split across reads closes nothing new.
        d.push(b"\nnext\r\n\nafter\n");
        assert_eq!(frames(&mut d), vec![line("next"), line(""), line("after")]);
        // Skipping an over-long line also stops at a CR, and eats its LF.
        let mut d = LineDecoder::new(3);
        d.push(b"toolong\r");
        assert_eq!(frames(&mut d), vec![Frame::TooLong]);
        d.push(b"\nok\r");
        assert_eq!(frames(&mut d), vec![line("ok")]);
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        let mut d = LineDecoder::new(100);
        d.push(b"a\xff\xfeb\n");
        assert_eq!(frames(&mut d), vec![line("a\u{fffd}\u{fffd}b")]);
    }

    #[test]
    fn take_pending_returns_unterminated_bytes() {
        let mut d = LineDecoder::new(100);
        d.push("철수".as_bytes());
        assert_eq!(frames(&mut d), vec![]);
        assert_eq!(d.take_pending().as_deref(), Some("철수"));
        assert_eq!(d.take_pending(), None);
    }

    /// Found by fuzzing (fuzz/regressions/raw_client): a raw client's
    /// character split across two reads must not turn into U+FFFD.
    #[test]
    fn take_pending_keeps_a_split_character_for_the_next_read() {
        let mut d = LineDecoder::new(40);
        d.push(&[0xec]);
        assert_eq!(d.take_pending(), None);
        d.push(&[0x88, 0x98]);
        assert_eq!(d.take_pending().as_deref(), Some("수"));
        d.push(b"ok\xec\x88");
        assert_eq!(d.take_pending().as_deref(), Some("ok"));
        d.push(b"\x98!");
        assert_eq!(d.take_pending().as_deref(), Some("수!"));
        d.push(b"bad\xff");
        assert_eq!(d.take_pending().as_deref(), Some("bad\u{fffd}"));
    }

    #[test]
    fn clean_text_strips_controls_but_tab() {
        assert_eq!(clean_text("a\u{1b}[2Jb\tc\u{7}\u{0}\u{9b}d"), "a[2Jb\tcd");
        assert!(matches!(clean_text("plain 한국어"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn clean_text_strips_bidi_overrides_but_keeps_direction_marks() {
        assert_eq!(clean_text("ok \u{202E}gnp.exe\u{2066}x\u{2069}\u{202A}"), "ok gnp.exex");
        assert!(matches!(clean_text("שלום\u{200F} abc \u{200E}"), std::borrow::Cow::Borrowed(_)));
    }

    proptest! {
        /// Any byte stream, cut at any points, yields the same frames as
        /// the whole stream pushed at once.
        #[test]
        fn cutting_never_changes_frames(
            data in proptest::collection::vec(
                prop_oneof![Just(b'\n'), Just(b'\r'), Just(0xffu8), any::<u8>(), 97u8..100], 0..400),
            cuts in proptest::collection::vec(0usize..400, 0..20),
            max in 1usize..40,
        ) {
            let mut whole = LineDecoder::new(max);
            whole.push(&data);
            let expected = frames(&mut whole);

            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(data.len())).collect();
            cuts.push(0);
            cuts.push(data.len());
            cuts.sort();
            let mut pieces = LineDecoder::new(max);
            let mut got = Vec::new();
            for w in cuts.windows(2) {
                pieces.push(&data[w[0]..w[1]]);
                got.extend(frames(&mut pieces));
                prop_assert!(pieces.pending().len() <= max);
            }
            prop_assert_eq!(got, expected);
            prop_assert_eq!(pieces.pending(), whole.pending());
        }

        /// Lines joined with newlines come back exactly.
        #[test]
        fn lines_round_trip(lines in proptest::collection::vec("[^\n\r]{0,30}", 0..20)) {
            let mut d = LineDecoder::new(1000);
            for l in &lines {
                d.push(l.as_bytes());
                d.push(b"\n");
            }
            let got = frames(&mut d);
            let want: Vec<Frame> = lines.iter().map(|l| Frame::Line(l.clone())).collect();
            prop_assert_eq!(got, want);
        }
    }
}
