//! The raw-client path: a classic client that never sends newlines. Each
//! read goes through natterd's own `Framer` in raw mode, in the order
//! natterd follows: `push`, take the frames, then `after_read`, which hands
//! out the unterminated rest as one message. The first message is the
//! name; every later one runs through `clean_text` and `Command::parse`
//! with that name as sender.
//!
//! Checks: no message holds a newline; after `after_read` only a
//! character cut by the read boundary is pending and a second call hands
//! out nothing; the pending bytes never exceed
//! `max + 1` before they are taken; without `TooLong`, the messages plus
//! their terminators add up to the stream; command invariants hold for
//! every message (see `check_command`); `clean_text` output holds no
//! control characters but tab and is idempotent.
//!
//! Input layout: [max][nreads][read length u8 × nreads][stream...]

use natter::protocol::{clean_text, validate_name, AfterRead, Frame, Framer, Mode};
use natter_fuzz::{check_command, drain, split_pending, Input};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let mut inp = Input::new(data);
        let m = inp.byte();
        let max = if m == 0xff { natter::protocol::DEFAULT_MAX_LINE } else { usize::from(m % 64) };
        let nreads = usize::from(inp.byte() % 16) + 1;
        let lens: Vec<usize> = (0..nreads).map(|_| usize::from(inp.byte())).collect();
        let mut stream = inp.rest();
        let whole = stream;

        let mut dec = Framer::with_mode(max, Mode::Raw);
        let mut name: Option<String> = None;
        let mut msg_bytes = 0usize;
        let mut too_long = false;
        let handle = |msg: String, name: &mut Option<String>| {
            assert!(!msg.contains('\n'), "message holds a newline: {msg:?}");
            let clean = clean_text(&msg);
            assert!(!clean.chars().any(|c| c.is_control() && c != '\t'), "clean_text left a control char");
            assert_eq!(clean_text(&clean), clean, "clean_text is not idempotent");
            match name {
                None => {
                    if validate_name(&msg).is_ok() {
                        *name = Some(msg);
                    }
                }
                Some(n) => check_command(&clean, n),
            }
        };
        // Each read; the last one takes whatever is left.
        for (i, &len) in lens.iter().enumerate() {
            let len = if i + 1 == lens.len() { stream.len() } else { len.min(stream.len()) };
            let (chunk, rest) = stream.split_at(len);
            stream = rest;
            dec.push(chunk);
            for f in drain(&mut dec) {
                match f {
                    Frame::Line(l) => {
                        msg_bytes += l.len();
                        handle(l, &mut name);
                    }
                    Frame::TooLong => too_long = true,
                }
            }
            let pending = dec.pending().to_vec();
            assert!(pending.len() <= max + 1, "pending {} > max+1", pending.len());
            assert!(!pending.contains(&b'\n'), "a newline left pending after draining");
            // A character cut by the read boundary stays pending for the next read.
            let (taken, tail) = split_pending(&pending);
            match dec.after_read() {
                AfterRead::Message(t) => {
                    assert!(!taken.is_empty());
                    assert_eq!(t, String::from_utf8_lossy(taken));
                    msg_bytes += t.len();
                    handle(t, &mut name);
                }
                AfterRead::Nothing => assert!(taken.is_empty()),
                AfterRead::Unterminated => panic!("a raw framer reported unterminated bytes"),
            }
            assert_eq!(dec.pending(), tail, "only the cut character stays pending");
            assert_eq!(dec.after_read(), AfterRead::Nothing);
            assert!(!dec.has_frame());
        }
        if !too_long && std::str::from_utf8(whole).is_ok() {
            // Valid UTF-8 and nothing dropped: every byte but the line
            // terminators (`\n`, or `\r\n`) came out in some message.
            assert!(dec.pending().is_empty(), "valid UTF-8 left bytes pending at the end");
            let newlines = whole.iter().filter(|&&b| b == b'\n').count();
            assert!(msg_bytes <= whole.len(), "messages hold more bytes than the stream");
            assert!(msg_bytes + 2 * newlines >= whole.len(), "bytes went missing");
        }
    });
}
