//! gettext helpers with named placeholders.
//!
//! `gettext_f("{name} joined", &[("name", "bob")])` looks the message up
//! first and fills the placeholders after, so translators can move `{name}`
//! wherever their grammar wants it. xgettext extracts these calls through
//! `--keyword=gettext_f --keyword=ngettext_f:1,2`, the keywords `po/meson.build` gives xgettext.

use gettextrs::{gettext, ngettext};

use crate::model::text::escape as escape_markup;

/// Replaces every `{key}` in `template` with its value.
fn fill(template: String, args: &[(&str, &str)]) -> String {
    args.iter().fold(template, |text, (key, value)| text.replace(&format!("{{{key}}}"), value))
}

/// Translates `msgid`, then fills its `{placeholders}`.
pub fn gettext_f(msgid: &str, args: &[(&str, &str)]) -> String {
    fill(gettext(msgid), args)
}

/// Translates a message with a count, then fills its `{placeholders}`.
/// The count itself is usually one of the placeholders as well.
pub fn ngettext_f(msgid: &str, msgid_plural: &str, n: u32, args: &[(&str, &str)]) -> String {
    fill(ngettext(msgid, msgid_plural, n), args)
}

/// Fills the `{placeholders}` of an already translated Pango markup
/// template: the translation is escaped, the values (markup) are not. Use
/// as `fill_markup(gettext("{name} joined"), …)` so xgettext still finds
/// the message through its default `gettext`/`ngettext` keywords.
pub fn fill_markup(translated: String, args: &[(&str, &str)]) -> String {
    fill(escape_markup(&translated), args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_named_placeholders() {
        assert_eq!(gettext_f("{a} and {b} and {a}", &[("a", "x"), ("b", "철수")]), "x and 철수 and x");
        assert_eq!(ngettext_f("{n} person", "{n} people", 3, &[("n", "3")]), "3 people");
        assert_eq!(ngettext_f("{n} person", "{n} people", 1, &[("n", "1")]), "1 person");
        assert_eq!(fill_markup("{a} & co".into(), &[("a", "<b>x</b>")]), "<b>x</b> &amp; co");
    }
}
