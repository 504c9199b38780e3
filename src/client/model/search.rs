//! Search results as listed: the words searched for marked in each line,
//! found the way natterd finds them (ignoring case, inside longer words,
//! so `회의` marks the start of `회의는`).

use super::text::escape;

/// The byte ranges of `text` where any of `words` occurs (ignoring case),
/// in order, overlaps merged.
pub fn matches(text: &str, words: &[&str]) -> Vec<(usize, usize)> {
    let lower: Vec<(usize, char)> =
        text.char_indices().flat_map(|(i, c)| c.to_lowercase().map(move |l| (i, l))).collect();
    let hay: String = lower.iter().map(|(_, c)| *c).collect();
    // Byte offset in `hay` → byte offset in `text`.
    let mut starts = Vec::with_capacity(hay.len() + 1);
    for (i, c) in &lower {
        starts.extend(std::iter::repeat_n(*i, c.len_utf8()));
    }
    starts.push(text.len());
    let end_of = |hay_end: usize| {
        // The end of the original character the match ends in.
        let start = starts[hay_end - 1];
        start + text[start..].chars().next().map_or(0, char::len_utf8)
    };
    let mut found: Vec<(usize, usize)> = Vec::new();
    for word in words {
        let needle = word.to_lowercase();
        if needle.is_empty() {
            continue;
        }
        for (at, _) in hay.match_indices(&needle) {
            found.push((starts[at], end_of(at + needle.len())));
        }
    }
    found.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (a, b) in found {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

/// `text` as Pango markup with the searched `words` in bold and marked.
pub fn marked(text: &str, words: &[&str]) -> String {
    let mut out = String::new();
    let mut at = 0;
    for (a, b) in matches(text, words) {
        out.push_str(&escape(&text[at..a]));
        out.push_str("<span weight=\"bold\" underline=\"single\">");
        out.push_str(&escape(&text[a..b]));
        out.push_str("</span>");
        at = b;
    }
    out.push_str(&escape(&text[at..]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_words_inside_longer_ones_ignoring_case() {
        assert_eq!(matches("회의는 금요일", &["회의"]), vec![(0, 6)]);
        assert_eq!(matches("Ship it, SHIPPING soon", &["ship"]), vec![(0, 4), (9, 13)]);
        assert_eq!(matches("abc", &["x"]), vec![]);
        // Overlapping words make one mark.
        assert_eq!(matches("금요일 회의", &["금요", "요일"]), vec![(0, 9)]);
    }

    #[test]
    fn marks_and_escapes() {
        assert_eq!(
            marked("a <b> 회의는", &["회의"]),
            "a &lt;b&gt; <span weight=\"bold\" underline=\"single\">회의</span>는"
        );
        // A lowercase form longer than the original (İ) still maps back.
        assert_eq!(matches("İstanbul x", &["x"]), vec![(10, 11)]);
    }
}
