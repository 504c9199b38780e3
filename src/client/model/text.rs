//! Turning message text into Pango markup: escaping, links, mentions and
//! the stable colour of a name.

use natter::protocol::fold_name;

/// Escapes `&`, `<`, `>`, `"` and `'` for Pango markup.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes `text` and makes every `http://` or `https://` address in it a
/// clickable link. Punctuation that usually ends a sentence is left out of
/// the link.
pub fn linkify(text: &str) -> String {
    const TRAILING: [char; 10] = ['.', ',', ';', ':', '!', '?', ')', '\'', '"', '>'];
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(start) = find_url_start(rest) {
        out.push_str(&escape(&rest[..start]));
        let tail = &rest[start..];
        let end = tail.find(char::is_whitespace).unwrap_or(tail.len());
        let url = tail[..end].trim_end_matches(TRAILING);
        let scheme_len = tail.find("://").map_or(0, |i| i + 3);
        if url.len() <= scheme_len {
            // A bare scheme is not a link.
            out.push_str(&escape(&tail[..scheme_len]));
            rest = &tail[scheme_len..];
            continue;
        }
        let shown = escape(url);
        out.push_str(&format!("<a href=\"{shown}\">{shown}</a>"));
        rest = &tail[url.len()..];
    }
    out.push_str(&escape(rest));
    out
}

fn find_url_start(text: &str) -> Option<usize> {
    let http = text.find("http://");
    let https = text.find("https://");
    match (http, https) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Does `text` mention `name`? Case does not matter. A match glued to
/// ASCII letters or digits does not count (`bob` is not in `bobby`), but
/// one followed by other letters does, since Korean particles attach to
/// the name (`철수야`).
pub fn mentions(text: &str, name: &str) -> bool {
    let name = fold_name(name);
    if name.is_empty() {
        return false;
    }
    let text = fold_name(text);
    let glued = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    text.match_indices(&name).any(|(at, m)| {
        let before = text[..at].chars().next_back();
        let after = text[at + m.len()..].chars().next();
        let first = name.chars().next();
        let last = name.chars().next_back();
        let glued_start = glued(before) && glued(first);
        let glued_end = glued(after) && glued(last);
        !glued_start && !glued_end
    })
}

/// A stable index into a palette of `len` colours for `name`: the same
/// person keeps the same colour in every window and every run.
pub fn name_color_index(name: &str, len: usize) -> usize {
    // FNV-1a over the folded name: tiny, stable across Rust versions.
    let hash = fold_name(name)
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    (hash % len.max(1) as u64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("<b>&'\"</b> 한"), "&lt;b&gt;&amp;&apos;&quot;&lt;/b&gt; 한");
    }

    #[test]
    fn links_are_clickable_and_escaped() {
        assert_eq!(
            linkify("see https://example.org/a?b=1&c=2."),
            "see <a href=\"https://example.org/a?b=1&amp;c=2\">https://example.org/a?b=1&amp;c=2</a>."
        );
        assert_eq!(linkify("(http://x.y) <3"), "(<a href=\"http://x.y\">http://x.y</a>) &lt;3");
        assert_eq!(
            linkify("two http://a.b and https://c.d"),
            "two <a href=\"http://a.b\">http://a.b</a> and <a href=\"https://c.d\">https://c.d</a>"
        );
        assert_eq!(linkify("just http:// here"), "just http:// here");
        assert_eq!(linkify("no links"), "no links");
    }

    #[test]
    fn mentions_respect_word_edges() {
        assert!(mentions("hi Alice!", "alice"));
        assert!(mentions("alice: look", "alice"));
        assert!(!mentions("malice", "alice"));
        assert!(!mentions("bobby", "bob"));
        assert!(mentions("철수야 안녕", "철수"));
        assert!(mentions("@bob,", "bob"));
        assert!(!mentions("nothing", "bob"));
        assert!(!mentions("x", ""));
    }

    #[test]
    fn name_colours_are_stable_and_case_blind() {
        let a = name_color_index("alice", 8);
        assert_eq!(a, name_color_index("ALICE", 8));
        assert!(a < 8);
        assert!(name_color_index("철수", 8) < 8);
        assert_eq!(name_color_index("x", 0), 0);
        // Not everyone gets the same colour.
        let distinct: std::collections::HashSet<usize> =
            ["alice", "bob", "carol", "dave", "eve", "철수", "영희"].iter().map(|n| name_color_index(n, 8)).collect();
        assert!(distinct.len() >= 4);
    }
}
