//! The room commands, in-process: what each member is sent, byte for byte.

use super::Chat;

#[test]
fn joining_a_room_welcomes_tags_and_switches() {
    let (mut chat, [alice, bob, carol]) = Chat::with(["alice", "bob", "carol"]);
    chat.line(alice, "/join #Dev");
    assert_eq!(chat.received(alice), ["#Dev *** welcome alice, online (1): alice"]);
    chat.line(bob, "/join #dev");
    assert_eq!(chat.received(bob), ["#Dev *** welcome bob, online (2): alice, bob"]);
    assert_eq!(chat.received(alice), ["#Dev *** bob joined"]);
    chat.line(bob, "hi there");
    chat.line(bob, "/me waves");
    assert_eq!(chat.received(alice), ["#Dev bob: hi there", "#Dev * bob waves"]);
    // carol never joined a room: she sees nothing of it.
    chat.assert_nothing_for(&[carol, bob]);
    // The default room is still there by name, untagged.
    chat.line(bob, "/say #lobby back soon");
    assert_eq!(chat.received(carol), ["bob: back soon"]);
    assert_eq!(chat.received(alice), ["bob: back soon"]);
}

#[test]
fn joining_again_only_switches() {
    let (mut chat, [alice, bob]) = Chat::with(["alice", "bob"]);
    chat.line(alice, "/join #dev");
    chat.line(alice, "/join #lobby");
    chat.line(alice, "hello all");
    chat.line(alice, "/join #DEV");
    chat.line(alice, "hello dev");
    assert_eq!(
        chat.received(alice),
        ["#dev *** welcome alice, online (1): alice", "*** now talking in #lobby", "*** now talking in #dev"]
    );
    assert_eq!(chat.received(bob), ["alice: hello all"]);
}

#[test]
fn parting_tells_the_room_and_the_leaver() {
    let (mut chat, [alice, bob]) = Chat::with(["alice", "bob"]);
    chat.line(alice, "/join #dev");
    chat.line(bob, "/join #dev");
    chat.received(alice);
    chat.received(bob);
    chat.line(bob, "/part off to lunch (back at 2)");
    assert_eq!(chat.received(alice), ["#dev *** bob left (off to lunch (back at 2))"]);
    assert_eq!(chat.received(bob), ["#dev *** bob left (off to lunch (back at 2))", "*** now talking in #lobby"]);
    chat.line(bob, "plain again");
    assert_eq!(chat.received(alice), ["bob: plain again"]);
    chat.line(alice, "/part #dev");
    assert_eq!(chat.received(alice), ["#dev *** alice left", "*** now talking in #lobby"]);
    // The empty room is gone.
    chat.line(alice, "/rooms");
    assert_eq!(chat.received(alice), ["*** rooms (1):", "*** #lobby (2)"]);
}

#[test]
fn parting_what_cannot_be_parted_is_an_error() {
    let (mut chat, [alice, bob]) = Chat::with(["alice", "bob"]);
    chat.line(bob, "/join #dev");
    chat.received(bob);
    chat.line(alice, "/part");
    chat.line(alice, "/part #LOBBY");
    chat.line(alice, "/part #dev");
    chat.line(alice, "/part #nowhere");
    chat.line(alice, "/part #a:b");
    assert_eq!(
        chat.received(alice),
        [
            "*** error: cannot leave the default room #lobby",
            "*** error: cannot leave the default room #lobby",
            "*** error: not in room: #dev",
            "*** error: not in room: #nowhere",
            "*** error: invalid room: room name may not contain ':'",
        ]
    );
    chat.assert_nothing_for(&[bob]);
}

#[test]
fn say_sends_literally_to_rooms_one_is_in() {
    let (mut chat, [alice, bob]) = Chat::with(["alice", "bob"]);
    chat.line(alice, "/join #dev");
    chat.line(bob, "/join #dev");
    chat.line(bob, "/join #ops");
    chat.received(alice);
    chat.received(bob);
    chat.line(bob, "/say #dev /quit is a command");
    assert_eq!(chat.received(alice), ["#dev bob: /quit is a command"]);
    chat.line(alice, "/say #ops hi");
    chat.line(alice, "/say #ops");
    assert_eq!(chat.received(alice), ["*** error: not in room: #ops", "*** error: usage: /say #ROOM TEXT"]);
    chat.assert_nothing_for(&[bob]);
}

#[test]
fn rooms_and_who_list_counts_topics_and_members() {
    let (mut chat, [alice, bob, carol]) = Chat::with(["alice", "bob", "carol"]);
    chat.line(bob, "/join #zeta");
    chat.line(bob, "/topic  last one  ");
    chat.line(alice, "/join #개발");
    chat.line(carol, "/join #개발");
    chat.received(alice);
    chat.received(bob);
    chat.received(carol);
    chat.line(alice, "/rooms");
    assert_eq!(chat.received(alice), ["*** rooms (3):", "*** #lobby (3)", "*** #zeta (1): last one", "*** #개발 (2)"]);
    chat.line(alice, "/who");
    chat.line(alice, "/who #zeta");
    chat.line(alice, "/who #lobby");
    chat.line(alice, "/who #none");
    assert_eq!(
        chat.received(alice),
        [
            "#개발 *** online (2): alice, carol",
            "#zeta *** online (1): bob",
            "*** online (3): alice, bob, carol",
            "*** error: no such room: #none",
        ]
    );
}

#[test]
fn topics_are_shown_set_and_cut() {
    let (mut chat, [alice, bob]) = Chat::with(["alice", "bob"]);
    chat.line(alice, "/join #dev");
    chat.line(alice, "/topic");
    chat.line(alice, "/topic 0123456789abcdef");
    assert_eq!(
        chat.received(alice),
        ["#dev *** welcome alice, online (1): alice", "#dev *** no topic", "#dev *** alice set the topic: 0123456789",]
    );
    chat.line(bob, "/join #dev");
    assert_eq!(chat.received(bob), ["#dev *** welcome bob, online (2): alice, bob", "#dev *** topic: 0123456789"]);
    // Cut by characters, never inside one.
    chat.line(bob, "/topic 회의는 금요일에 세시");
    assert_eq!(chat.received(alice), ["#dev *** bob joined", "#dev *** bob set the topic: 회의는 금요일에 세"]);
}

#[test]
fn limits_are_errors_and_change_nothing() {
    let (mut chat, [alice, bob]) = Chat::with(["alice", "bob"]);
    chat.line(alice, "/join #a");
    chat.line(alice, "/join #b");
    chat.line(alice, "/join #c");
    chat.line(alice, "hello b");
    assert_eq!(
        chat.received(alice),
        [
            "#a *** welcome alice, online (1): alice",
            "#b *** welcome alice, online (1): alice",
            "*** error: you are in too many rooms (max 2)",
        ]
    );
    // #a, #b and #c make three: the server's limit.
    chat.line(bob, "/join #c");
    chat.line(bob, "/join #d");
    assert_eq!(
        chat.received(bob),
        ["#c *** welcome bob, online (1): bob", "*** error: too many rooms on this server (max 3)"]
    );
    // An emptied room frees its place.
    chat.line(bob, "/part #c");
    chat.received(bob);
    chat.line(bob, "/join #e");
    assert_eq!(chat.received(bob), ["#e *** welcome bob, online (1): bob"]);
    chat.assert_nothing_for(&[alice]);
}

#[test]
fn bad_room_names_are_refused_never_shortened() {
    let (mut chat, [alice, bob]) = Chat::with(["alice", "bob"]);
    let long = format!("#{}", "x".repeat(33));
    for room in ["dev", "#", "#a*b", "#a\u{202E}b", "#a b", long.as_str()] {
        chat.line(alice, &format!("/join {room}"));
    }
    chat.line(alice, "/join");
    assert_eq!(
        chat.received(alice),
        [
            "*** error: invalid room: room names start with '#'",
            "*** error: invalid room: room name is empty",
            "*** error: invalid room: room name may not contain '*'",
            "*** error: invalid room: room name may not contain U+202E",
            "*** error: invalid room: room name may not contain spaces",
            "*** error: invalid room: room name is longer than 32 characters",
            "*** error: usage: /join #ROOM",
        ]
    );
    chat.line(alice, "/rooms");
    assert_eq!(chat.received(alice), ["*** rooms (1):", "*** #lobby (2)"]);
    chat.assert_nothing_for(&[bob]);
}

#[test]
fn a_new_name_reaches_each_client_once_and_follows_into_rooms() {
    let (mut chat, [alice, bob, carol]) = Chat::with(["alice", "bob", "carol"]);
    for key in [alice, bob] {
        chat.line(key, "/join #a");
        chat.line(key, "/join #b");
    }
    for key in [alice, bob] {
        chat.received(key);
    }
    chat.line(alice, "/nick alicia");
    for key in [alice, bob, carol] {
        assert_eq!(chat.received(key), ["*** alice is now known as alicia"]);
    }
    chat.line(bob, "/who #a");
    assert_eq!(chat.received(bob), ["#a *** online (2): alicia, bob"]);
}

#[test]
fn look_alike_names_cannot_be_online_together() {
    let (mut chat, [alice, bob]) = Chat::with(["alice", "bob"]);
    for (name, error) in [
        ("\u{0430}lice", "*** error: invalid name: name mixes Cyrillic and Latin letters"),
        ("\u{FF41}\u{FF4C}\u{FF49}\u{FF43}\u{FF45}", "*** error: name too similar to alice"),
        ("ALICE", "*** error: name already in use: ALICE"),
    ] {
        let key = chat.connect();
        chat.line(key, name);
        assert_eq!(chat.received(key), [error], "{name}");
    }
    chat.line(bob, "/nick Ian");
    chat.received(bob);
    let key = chat.connect();
    chat.line(key, "lan");
    assert_eq!(chat.received(key), ["*** error: name too similar to Ian"]);
    // A look-alike of one's own name is fine; of another's is not.
    chat.line(bob, "/nick IAN");
    chat.line(alice, "/nick lAN");
    assert_eq!(
        chat.received(alice),
        ["*** bob is now known as Ian", "*** Ian is now known as IAN", "*** error: name too similar to IAN"]
    );
    // Once the holder goes, the name is free.
    chat.line(bob, "/nick robert");
    chat.line(alice, "/nick lAN");
    assert_eq!(chat.received(alice)[1], "*** alice is now known as lAN");
}
