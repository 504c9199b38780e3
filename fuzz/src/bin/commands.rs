//! Command parsing: for any line and any sender, `Command::parse` returns a
//! value whose parts are trimmed as documented (`/nick`, `/me`, `/msg`,
//! `/quit` arguments; a `/msg` target without whitespace; `Unknown` never a
//! known command), `Empty` only for blank lines, `Say` equal to the line
//! (minus the `//` escape and the sender's own `NAME: ` prefix), and the
//! canonical re-encoding of every command parses back to the same value.
//!
//! Input layout: `SENDER\nLINE` (no newline: sender "bob"); invalid UTF-8
//! is replaced as the decoder does, then `clean_text` runs as on the server.

use natter::protocol::clean_text;
use natter_fuzz::check_command;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let text = String::from_utf8_lossy(data);
        let (sender, line) = match text.split_once('\n') {
            Some((s, l)) => (s, l),
            None => ("bob", &*text),
        };
        // Exactly what the server parses ...
        check_command(&clean_text(line), sender);
        // ... and the raw line, in case a caller forgets to clean it.
        check_command(line, sender);
    });
}
