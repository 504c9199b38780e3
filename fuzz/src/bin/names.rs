//! Name rules: `validate_name` accepts exactly 1..=32 name characters
//! (Unicode letters/digits, `_`, `-`, `.`), so an accepted name never holds
//! a space, `*`, `:`, `,`, or any control/whitespace character; each error
//! is the right one (judged on the NFC form, which is what the server
//! keeps); `fold_name` is idempotent; the error text the server
//! sends is one clean line; an accepted name used as a sender cannot forge
//! another kind of server line.

use natter::protocol::{
    canonical_name, clean_text, fold_name, name::is_name_char, normalize_name, validate_name, NameError, Reply, MAX_NAME_CHARS,
};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let owned;
        let name = match std::str::from_utf8(data) {
            Ok(s) => s,
            Err(_) => {
                owned = String::from_utf8_lossy(data).into_owned();
                &owned
            }
        };
        let raw = name;
        let nfc = normalize_name(raw);
        let name: &str = &nfc;
        let n = name.chars().count();
        match canonical_name(raw).map(|kept| (kept == name, validate_name(raw))) {
            Ok((same, ok)) => {
                assert!(same && ok.is_ok(), "canonical_name keeps another form than NFC");
                assert!((1..=MAX_NAME_CHARS).contains(&n), "accepted {n} chars");
                for c in name.chars() {
                    assert!(is_name_char(c));
                    assert!(!matches!(c, ' ' | '*' | ':' | ',' | '(' | ')'), "accepted {c:?}");
                    assert!(!c.is_control() && !c.is_whitespace(), "accepted U+{:04X}", c as u32);
                }
                assert_eq!(clean_text(name), name, "an accepted name changes under clean_text");
                // A valid sender cannot make its lines parse as another kind.
                for text in ["*** server shutting down", "x", "", "a: b", "* b c", "b (private): c"] {
                    let chat = Reply::Chat { from: name, text };
                    assert_eq!(Reply::parse(&chat.to_string()), chat);
                    let act = Reply::Action { from: name, text };
                    assert_eq!(Reply::parse(&act.to_string()), act);
                    let prv = Reply::Private { from: name, text };
                    assert_eq!(Reply::parse(&prv.to_string()), prv);
                }
            }
            Err(NameError::Empty) => assert!(name.is_empty()),
            Err(NameError::TooLong) => {
                assert!(n > MAX_NAME_CHARS);
                assert!(name.chars().all(is_name_char));
            }
            Err(NameError::BadChar(c)) => {
                assert!(!is_name_char(c));
                assert_eq!(name.chars().find(|&c| !is_name_char(c)), Some(c), "not the first bad char");
            }
            Err(NameError::MixedScripts(scripts)) => {
                assert!(name.chars().all(is_name_char) && (1..=MAX_NAME_CHARS).contains(&n));
                let _ = scripts;
            }
        }
        // Look-alike keys never panic, and a name always looks like itself
        // and like its NFC form.
        assert!(natter::protocol::looks_alike(raw, name));
        if let Err(e) = validate_name(name) {
            // The server sends this text as `*** error: invalid name: WHY`.
            let why = e.to_string();
            assert!(!why.contains(['\n', '\r']), "error text breaks the line: {why:?}");
            assert_eq!(clean_text(&why), why, "error text carries control characters: {why:?}");
        }
        let folded = fold_name(name);
        assert_eq!(fold_name(&folded), folded, "fold_name is not idempotent");
    });
}
