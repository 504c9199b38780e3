//! The raw-client path: a classic client that never sends newlines. Each
//! read goes through natterd's own `Framer` in raw mode, in the order
//! natterd follows: `push` (which frames the whole read), take the frames,
//! then `after_read`. The first message is the name; every later one runs
//! through `clean_text` and `Command::parse` with that name as sender.
//!
//! Checks: no message holds a line terminator; in raw mode only a
//! character cut by the read boundary is left pending after a read; a
//! terminator makes the framer a line client for good, and then pending
//! bytes never exceed `max` and hold no terminator; `after_read` never
//! reports unterminated bytes; without `TooLong`, the messages plus their
//! terminators add up to the stream once `finish` has taken the tail;
//! command invariants hold for every message (see `check_command`);
//! `clean_text` output holds no control characters but tab and is
//! idempotent.
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
        let mut handle = |f: Frame, name: &mut Option<String>| {
            let msg = match f {
                Frame::Line(l) => l,
                Frame::TooLong => {
                    too_long = true;
                    return;
                }
            };
            assert!(!msg.contains(['\n', '\r']), "message holds a terminator: {msg:?}");
            msg_bytes += msg.len();
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
            let was_raw = dec.mode() == Mode::Raw;
            dec.push(chunk);
            if chunk.iter().any(|&b| b == b'\n' || b == b'\r') {
                assert_eq!(dec.mode(), Mode::Lines, "a terminator left the framer raw");
            } else {
                assert_eq!(dec.mode() == Mode::Raw, was_raw, "the mode changed without a terminator");
            }
            for f in drain(&mut dec) {
                handle(f, &mut name);
            }
            let pending = dec.pending().to_vec();
            assert!(pending.len() <= max, "pending {} > max", pending.len());
            assert!(!pending.contains(&b'\n') && !pending.contains(&b'\r'), "a terminator left pending");
            if dec.mode() == Mode::Raw {
                // A character cut by the read boundary stays pending for the next read.
                let (taken, _) = split_pending(&pending);
                assert!(taken.is_empty(), "a raw read left bytes besides a cut character");
            }
            assert_eq!(dec.after_read(), AfterRead::Nothing);
            assert!(!dec.has_frame());
        }
        dec.finish();
        for f in drain(&mut dec) {
            handle(f, &mut name);
        }
        if !too_long && std::str::from_utf8(whole).is_ok() {
            // Valid UTF-8 and nothing dropped: every byte but the line
            // terminators came out in some message.
            assert!(dec.pending().is_empty(), "valid UTF-8 left bytes pending at the end");
            let terminators = whole.iter().filter(|&&b| b == b'\n' || b == b'\r').count();
            assert!(msg_bytes <= whole.len(), "messages hold more bytes than the stream");
            assert!(msg_bytes + terminators >= whole.len(), "bytes went missing");
        }
    });
}
