//! Unit tests of `model/rooms.rs`.

use super::*;

fn ids(rooms: &Rooms) -> Vec<String> {
    rooms.list().iter().map(|c| c.id.title().to_owned()).collect()
}

#[test]
fn default_room_first_then_rooms_then_private() {
    let mut rooms = Rooms::new();
    rooms.open(&ConvId::Private("bob".into()));
    rooms.open(&ConvId::room("#dev"));
    rooms.open(&ConvId::room("#Dev"));
    rooms.open(&ConvId::room("#lobby"));
    rooms.open(&ConvId::room("#개발"));
    assert_eq!(ids(&rooms), ["#lobby", "#dev", "#개발", "bob"]);
    assert_eq!(rooms.joined_rooms(), ["#dev", "#개발"]);
    let uids: Vec<u64> = rooms.list().iter().map(|c| c.uid).collect();
    assert_eq!(uids, [0, 2, 3, 1]);
}

#[test]
fn unread_counts_until_shown() {
    let mut rooms = Rooms::new();
    rooms.open(&ConvId::room("#dev"));
    let dev = ConvId::room("#DEV");
    rooms.arrived(&dev, false);
    rooms.arrived(&dev, false);
    rooms.arrived(&ConvId::Default, true);
    assert_eq!(rooms.get(&dev).map(|c| (c.unread, c.highlight)), Some((2, false)));
    assert_eq!(rooms.get(&ConvId::Default).map(|c| c.unread), Some(0), "the shown room is read");
    rooms.arrived(&dev, true);
    assert!(rooms.get(&dev).is_some_and(|c| c.highlight));
    assert!(rooms.show(&dev));
    assert_eq!(rooms.get(&dev).map(|c| (c.unread, c.highlight)), Some((0, false)));
    assert!(!rooms.show(&ConvId::room("#nowhere")));
}

#[test]
fn neighbours_go_round_and_closing_shows_the_default_room() {
    let mut rooms = Rooms::new();
    rooms.open(&ConvId::room("#a"));
    rooms.open(&ConvId::Private("bob".into()));
    assert_eq!(rooms.neighbour(1), ConvId::room("#a"));
    assert_eq!(rooms.neighbour(-1), ConvId::Private("bob".into()));
    rooms.show(&ConvId::room("#a"));
    assert_eq!(rooms.neighbour(1), ConvId::Private("bob".into()));
    assert!(rooms.close(&ConvId::room("#A")));
    assert_eq!(*rooms.shown(), ConvId::Default);
    assert!(!rooms.close(&ConvId::Default));
    assert_eq!(ids(&rooms), ["#lobby", "bob"]);
}

#[test]
fn people_leave_and_rename_everywhere() {
    let mut rooms = Rooms::new();
    rooms.open(&ConvId::Default).members.set(["alice", "bob"]);
    rooms.open(&ConvId::room("#dev")).members.set(["alice", "bob"]);
    rooms.open(&ConvId::room("#ops")).members.set(["alice"]);
    rooms.open(&ConvId::Private("Bob".into()));
    rooms.show(&ConvId::Private("bob".into()));
    let were = rooms.person_renamed("bob", "robert");
    assert_eq!(were.len(), 3);
    assert_eq!(*rooms.shown(), ConvId::Private("robert".into()));
    assert_eq!(
        rooms.get(&ConvId::room("#dev")).map(|c| c.members.to_vec()),
        Some(vec!["alice".into(), "robert".into()])
    );
    let were = rooms.person_left("Robert");
    assert_eq!(were, [ConvId::Default, ConvId::room("#dev"), ConvId::Private("robert".into())]);
    rooms.clear_members();
    assert!(rooms.list().iter().all(|c| c.members.is_empty()));
}

#[test]
fn each_conversation_keeps_its_draft() {
    let mut rooms = Rooms::new();
    rooms.open(&ConvId::room("#dev"));
    assert_eq!(rooms.switch(&ConvId::room("#dev"), "half a thought").as_deref(), Some(""));
    assert_eq!(rooms.switch(&ConvId::Default, "dev draft").as_deref(), Some("half a thought"));
    assert_eq!(rooms.switch(&ConvId::room("#dev"), "").as_deref(), Some("dev draft"));
    assert_eq!(rooms.switch(&ConvId::room("#gone"), "x"), None);
    assert_eq!(*rooms.shown(), ConvId::room("#dev"));
}
