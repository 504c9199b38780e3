//! Framing: the same byte stream cut at arbitrary points (cut points taken
//! from the input) must yield the same frames as the whole stream pushed at
//! once, which must match a reference model; `has_frame` must agree with
//! `next_frame`; the partial line kept between reads never exceeds
//! `max` bytes; `shrink` (called at input-chosen moments) changes
//! nothing observable; `take_pending` returns exactly the pending bytes but
//! for a character cut at the end, which stays pending.
//!
//! Input layout: [max][ncuts][flags][cut u16 × ncuts][stream...]

use natter::protocol::{Frame, LineDecoder};
use natter_fuzz::{drain, model, split_pending, Input};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let mut inp = Input::new(data);
        let m = inp.byte();
        // Mostly tiny caps (reachable by the fuzzer), sometimes the real default.
        let max = if m == 0xff { natter::protocol::DEFAULT_MAX_LINE } else { usize::from(m % 48) };
        let ncuts = usize::from(inp.byte() % 32);
        let flags = inp.byte();
        let mut cuts: Vec<usize> = (0..ncuts).map(|_| usize::from(inp.u16())).collect();
        let stream = inp.rest();
        for c in &mut cuts {
            *c %= stream.len() + 1;
        }
        cuts.push(0);
        cuts.push(stream.len());
        cuts.sort_unstable();

        // Whole stream at once, against the model.
        let mut whole = LineDecoder::new(max);
        whole.push(stream);
        let expected = drain(&mut whole);
        let (model_frames, model_pending) = model(stream, max);
        assert_eq!(expected, model_frames, "decoder differs from the model");
        assert_eq!(whole.pending(), &model_pending[..]);

        // Cut into pieces.
        let mut pieces = LineDecoder::new(max);
        let mut got = Vec::new();
        for (i, w) in cuts.windows(2).enumerate() {
            pieces.push(&stream[w[0]..w[1]]);
            got.extend(drain(&mut pieces));
            assert!(pieces.pending().len() <= max, "pending {} bytes > max ({max})", pieces.pending().len());
            if flags & 1 != 0 && (i + usize::from(flags >> 1)) % 3 == 0 {
                pieces.shrink();
            }
        }
        for f in &got {
            if let Frame::Line(l) = f {
                assert!(!l.contains(['\n', '\r']), "a line holds a terminator");
                assert!(l.len() <= max * 3, "line grew past what lossy decoding allows");
            }
        }
        assert_eq!(got, expected, "cutting changed the frames (cuts {cuts:?})");
        assert_eq!(pieces.pending(), whole.pending(), "cutting changed what is pending");

        // take_pending hands out the pending bytes once, but for a
        // character cut at the end, which stays pending.
        let pend = pieces.pending().to_vec();
        let (head, tail) = split_pending(&pend);
        let taken = pieces.take_pending();
        if head.is_empty() {
            assert_eq!(taken, None);
        } else {
            assert_eq!(taken.as_deref(), Some(&*String::from_utf8_lossy(head)));
        }
        assert_eq!(pieces.pending(), tail);
        assert_eq!(pieces.take_pending(), None);
        assert!(!pieces.has_frame());
        assert_eq!(pieces.next_frame(), None);
    });
}
