//! Names that look the same are one name: the decomposed (NFD) spelling of
//! a name is that name, and characters that render as nothing are refused,
//! so two people who read the same on screen cannot be online together.

// A failed unwrap here is a failed test, not a crash on input.
#![allow(clippy::unwrap_used)]

mod common;

use common::{welcome, Server};

/// `철수` spelled with conjoining jamo, as some input methods and macOS
/// file names produce it.
const NFD_CHULSOO: &str = "\u{110E}\u{1165}\u{11AF}\u{1109}\u{116E}";

#[test]
fn decomposed_korean_name_is_the_composed_one() {
    let server = Server::start(&[]);
    let mut chulsoo = server.join("철수");
    let mut twin = server.connect();
    twin.send_line(NFD_CHULSOO);
    twin.expect_line("*** error: name already in use: 철수");
    twin.expect_closed();
    chulsoo.expect_who(&["철수"]);
}

#[test]
fn decomposed_name_is_accepted_and_shown_composed() {
    let server = Server::start(&[]);
    let mut bob = server.join("bob");
    let mut zoe = server.connect();
    zoe.send_line("Zoe\u{308}");
    zoe.expect_line(&welcome("Zoë", &["bob", "Zoë"]));
    bob.expect_line("*** Zoë joined");
    // A private message to either spelling reaches her.
    bob.send_line("/msg zoe\u{308} hi");
    zoe.expect_line("bob (private): hi");
    bob.send_line(&format!("/nick {NFD_CHULSOO}"));
    bob.expect_line("*** bob is now known as 철수");
}

#[test]
fn invisible_characters_are_refused_in_names() {
    let server = Server::start(&[]);
    let mut alice = server.join("alice");
    for (name, code) in [
        ("alice\u{1160}", "U+1160"),
        ("\u{115F}", "U+115F"),
        ("\u{3164}", "U+3164"),
        ("bob\u{FFA0}", "U+FFA0"),
        ("a\u{17B4}", "U+17B4"),
        ("al\u{200B}ice", "U+200B"),
    ] {
        let mut c = server.connect();
        c.send_line(name);
        c.expect_line(&format!("*** error: invalid name: name may not contain invisible characters ({code})"));
        c.expect_closed();
    }
    alice.send_line("/nick ali\u{2060}ce");
    alice.expect_line("*** error: invalid name: name may not contain invisible characters (U+2060)");
    alice.send_line("/nick bad name!");
    alice.expect_line("*** error: invalid name: name may not contain spaces");
    alice.expect_who(&["alice"]);
}

#[test]
fn look_alike_names_are_refused_and_the_others_notice_nothing() {
    let server = Server::start(&[]);
    let mut alice = server.join("alice");
    for (name, error) in [
        ("\u{FF41}\u{FF4C}\u{FF49}\u{FF43}\u{FF45}", "*** error: name too similar to alice"),
        ("\u{0430}lice", "*** error: invalid name: name mixes Cyrillic and Latin letters"),
        ("a\u{200B}lice", "*** error: invalid name: name may not contain invisible characters (U+200B)"),
    ] {
        let mut twin = server.connect();
        twin.send_line(name);
        twin.expect_line(error);
        twin.expect_closed();
    }
    let mut bob = server.join("bob");
    alice.expect_line("*** bob joined");
    bob.send_line("/nick \u{0430}lice");
    bob.expect_line("*** error: invalid name: name mixes Cyrillic and Latin letters");
    bob.send_line("/nick aIice");
    bob.expect_line("*** error: name too similar to alice");
    bob.expect_who(&["alice", "bob"]);
    alice.expect_who(&["alice", "bob"]);
    // Korean with Latin is a mix people use; it is fine.
    bob.send_line("/nick 철수abc");
    alice.expect_line("*** bob is now known as 철수abc");
}
