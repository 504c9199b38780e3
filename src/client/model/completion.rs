//! Tab completion of member names and commands.
//!
//! Tab completes the word before the cursor: a member name anywhere (with
//! `: ` after it at the start of the line, as people address each other),
//! or a command when the line starts with `/`. Pressing Tab again, with
//! nothing else changed, cycles through the other matches.

use natter::protocol::fold_name;

/// The commands natterd understands, as typed.
pub const COMMANDS: &[&str] = &["/help", "/me", "/msg", "/nick", "/quit", "/who"];

/// The entry after a completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completed {
    /// The whole new text.
    pub text: String,
    /// The cursor, in characters (what `gtk::Editable` positions count).
    pub cursor: usize,
}

/// Remembers the last completion so that Tab again cycles.
#[derive(Debug, Default, Clone)]
pub struct Completer {
    cycle: Option<Cycle>,
}

#[derive(Debug, Clone)]
struct Cycle {
    before: String,
    after: String,
    suffix: &'static str,
    candidates: Vec<String>,
    index: usize,
    /// What the last completion produced; if the entry still holds it, Tab cycles.
    last: Completed,
}

impl Cycle {
    fn build(&self) -> Completed {
        let word = &self.candidates[self.index];
        let head = format!("{}{}{}", self.before, word, self.suffix);
        Completed { cursor: head.chars().count(), text: format!("{head}{}", self.after) }
    }
}

impl Completer {
    /// A completer with no cycle going on.
    pub fn new() -> Self {
        Self::default()
    }

    /// Completes at `cursor` (in characters) in `text`, from `names`
    /// (the member list; `me` is left out). `None` when nothing matches.
    pub fn complete<'a>(
        &mut self,
        text: &str,
        cursor: usize,
        names: impl IntoIterator<Item = &'a str>,
        me: &str,
    ) -> Option<Completed> {
        if let Some(cycle) = &mut self.cycle {
            if cycle.last.text == text && cycle.last.cursor == cursor {
                cycle.index = (cycle.index + 1) % cycle.candidates.len();
                cycle.last = cycle.build();
                return Some(cycle.last.clone());
            }
        }
        self.cycle = None;

        let split = text.char_indices().nth(cursor).map_or(text.len(), |(i, _)| i);
        let (head, after) = text.split_at(split);
        let start = head.char_indices().rev().find(|(_, c)| c.is_whitespace()).map_or(0, |(i, c)| i + c.len_utf8());
        let (before, word) = head.split_at(start);
        if word.is_empty() {
            return None;
        }

        let (candidates, suffix): (Vec<String>, &'static str) = if start == 0 && word.starts_with('/') {
            let word = word.to_ascii_lowercase();
            (COMMANDS.iter().filter(|c| c.starts_with(&word)).map(|c| c.to_string()).collect(), " ")
        } else {
            let key = fold_name(word);
            let me = fold_name(me);
            let mut found: Vec<String> = names
                .into_iter()
                .filter(|n| {
                    let folded = fold_name(n);
                    folded.starts_with(&key) && folded != me
                })
                .map(str::to_owned)
                .collect();
            found.sort_by_key(|n| fold_name(n));
            (found, if start == 0 { ": " } else { " " })
        };
        if candidates.is_empty() {
            return None;
        }
        // Do not add a second separator when one already follows the cursor.
        let suffix = if after.starts_with(char::is_whitespace) || after.starts_with(':') { "" } else { suffix };
        let last = Completed { text: String::new(), cursor: 0 };
        let mut cycle =
            Cycle { before: before.to_owned(), after: after.to_owned(), suffix, candidates, index: 0, last };
        cycle.last = cycle.build();
        let done = cycle.last.clone();
        self.cycle = Some(cycle);
        Some(done)
    }

    /// Forgets the cycle (any key other than Tab).
    pub fn reset(&mut self) {
        self.cycle = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: &[&str] = &["alice", "Alfred", "bob", "철수", "철민"];

    fn complete(c: &mut Completer, text: &str, cursor: usize) -> Option<(String, usize)> {
        c.complete(text, cursor, NAMES.iter().copied(), "bob").map(|d| (d.text, d.cursor))
    }

    #[test]
    fn name_at_line_start_gets_a_colon() {
        let mut c = Completer::new();
        assert_eq!(complete(&mut c, "ali", 3), Some(("alice: ".into(), 7)));
    }

    #[test]
    fn name_in_the_middle_gets_a_space_and_keeps_the_rest() {
        let mut c = Completer::new();
        assert_eq!(complete(&mut c, "hi 철 there", 4), Some(("hi 철민 there".into(), 5)));
    }

    #[test]
    fn tab_again_cycles_in_order() {
        let mut c = Completer::new();
        let (t, p) = complete(&mut c, "AL", 2).unwrap();
        assert_eq!(t, "Alfred: ");
        let (t, p) = complete(&mut c, &t, p).unwrap();
        assert_eq!(t, "alice: ");
        let (t, _) = complete(&mut c, &t, p).unwrap();
        assert_eq!(t, "Alfred: ");
    }

    #[test]
    fn editing_starts_a_new_completion() {
        let mut c = Completer::new();
        let (t, _) = complete(&mut c, "철", 1).unwrap();
        assert_eq!(t, "철민: ");
        c.reset();
        assert_eq!(complete(&mut c, "철수", 2), Some(("철수: ".into(), 4)));
    }

    #[test]
    fn own_name_and_no_match() {
        let mut c = Completer::new();
        assert_eq!(complete(&mut c, "bo", 2), None);
        assert_eq!(complete(&mut c, "zed", 3), None);
        assert_eq!(complete(&mut c, "", 0), None);
        assert_eq!(complete(&mut c, "hi ", 3), None);
    }

    #[test]
    fn commands_and_their_arguments() {
        let mut c = Completer::new();
        assert_eq!(complete(&mut c, "/m", 2), Some(("/me ".into(), 4)));
        assert_eq!(complete(&mut c, "/me ", 4), Some(("/msg ".into(), 5)));
        c.reset();
        assert_eq!(complete(&mut c, "/msg al", 7), Some(("/msg Alfred ".into(), 12)));
        assert_eq!(complete(&mut c, "/x", 2), None);
    }
}
