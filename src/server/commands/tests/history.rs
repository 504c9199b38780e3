//! Stored history in-process: a real SQLite file in a temporary
//! directory, replay on join, stamps, paging and search through the real
//! worker thread, and a restart that keeps rooms and topics.

use std::time::{Duration, Instant};

use natter::protocol::{Reply, Tagged};

use super::Chat;
use crate::commands::deliver;

/// The reply of `line`, with its stamp's id.
fn parsed(line: &str) -> (Option<u64>, String) {
    let tagged = Tagged::parse(line);
    (tagged.stamp.map(|s| s.id), Tagged { stamp: None, ..tagged }.to_string())
}

impl Chat {
    /// Waits (bounded) for the worker's answers and delivers them.
    fn settle_worker(&mut self, answers: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut got = 0;
        while got < answers {
            assert!(Instant::now() < deadline, "the store worker did not answer in time");
            for answer in self.history.answers() {
                let mut cx = self.cx();
                deliver(&mut cx, answer);
                got += 1;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

#[test]
fn joiners_get_the_newest_lines_first_then_the_welcome() {
    let dir = tempfile::tempdir().unwrap();
    let mut chat = Chat::keeping(Some(dir.path()));
    let alice = chat.join("alice");
    chat.received(alice);
    for text in ["one", "two", "three", "four"] {
        chat.line(alice, text);
    }
    chat.line(alice, "/me waves");
    let bob = chat.join("bob");
    let got: Vec<_> = chat.received(bob).iter().map(|l| parsed(l)).collect();
    // Replay is 3 lines here: the newest three, oldest first, stamped.
    assert_eq!(got.len(), 4, "{got:?}");
    assert_eq!(got[0].1, "alice: three");
    assert_eq!(got[1].1, "alice: four");
    assert_eq!(got[2].1, "* alice waves");
    assert_eq!(got[3], (None, "*** welcome bob, online (2): alice, bob".to_owned()));
    let ids: Vec<u64> = got[..3].iter().map(|g| g.0.expect("a stamp")).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    // Rooms replay too, tagged, and the topic change is stored.
    chat.line(alice, "/join #dev");
    chat.line(alice, "/topic ship it");
    chat.line(alice, "in dev");
    chat.line(bob, "/join #dev");
    let got: Vec<_> = chat.received(bob).iter().map(|l| parsed(l).1).collect();
    assert_eq!(
        got,
        [
            "#dev *** alice set the topic: ship it",
            "#dev alice: in dev",
            "#dev *** welcome bob, online (2): alice, bob",
            "#dev *** topic: ship it"
        ]
    );
}

#[test]
fn stamps_mark_live_lines_and_echo_the_senders_own() {
    let dir = tempfile::tempdir().unwrap();
    let mut chat = Chat::keeping(Some(dir.path()));
    let alice = chat.join("alice");
    let bob = chat.join("bob");
    chat.received(alice);
    chat.received(bob);
    chat.line(alice, "/stamps");
    assert_eq!(chat.received(alice), ["*** stamps on"]);
    chat.line(alice, "mine");
    chat.line(bob, "yours");
    let a: Vec<_> = chat.received(alice).iter().map(|l| parsed(l)).collect();
    let b = chat.received(bob);
    assert_eq!(b, ["alice: mine"], "bob asked for no stamps");
    assert_eq!(a[0].1, "alice: mine");
    assert_eq!(a[1].1, "bob: yours");
    assert!(a[0].0.unwrap() < a[1].0.unwrap());
}

#[test]
fn history_pages_both_ways_and_search_finds_korean_words_inside_longer_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut chat = Chat::keeping(Some(dir.path()));
    let alice = chat.join("alice");
    chat.line(alice, "/stamps");
    for i in 0..10 {
        chat.line(alice, &format!("line {i}"));
    }
    chat.line(alice, "회의는 금요일");
    let got: Vec<_> = chat.received(alice).iter().map(|l| parsed(l)).collect();
    let ids: Vec<u64> = got.iter().filter_map(|g| g.0).collect();
    assert_eq!(ids.len(), 11);
    chat.line(alice, &format!("/history before {} 3", ids[5]));
    chat.settle_worker(1);
    let page: Vec<_> = chat.received(alice).iter().map(|l| parsed(l)).collect();
    assert_eq!(
        page.iter().map(|p| p.1.as_str()).collect::<Vec<_>>(),
        ["alice: line 2", "alice: line 3", "alice: line 4", "*** end of history (3 lines)"]
    );
    chat.line(alice, &format!("/history after {} 2", ids[8]));
    chat.settle_worker(1);
    let page: Vec<_> = chat.received(alice).iter().map(|l| parsed(l).1).collect();
    assert_eq!(page, ["alice: line 9", "alice: 회의는 금요일", "*** end of history (2 lines)"]);
    for words in ["회의", "회의는", "금요일 회의"] {
        chat.line(alice, &format!("/search {words}"));
        chat.settle_worker(1);
        let found: Vec<_> = chat.received(alice).iter().map(|l| parsed(l).1).collect();
        assert_eq!(found, ["alice: 회의는 금요일", "*** end of search (1 lines)"], "{words}");
    }
    chat.line(alice, "/search nothing-like-it");
    chat.settle_worker(1);
    assert_eq!(chat.received(alice), ["*** end of search (0 lines)"]);
}

#[test]
fn a_restart_keeps_rooms_topics_and_lines() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut chat = Chat::keeping(Some(dir.path()));
        let alice = chat.join("alice");
        chat.line(alice, "/join #개발");
        chat.line(alice, "/topic 배포 준비");
        chat.line(alice, "kept line");
        chat.line(alice, "/part");
    }
    let mut chat = Chat::keeping(Some(dir.path()));
    let bob = chat.join("bob");
    chat.received(bob);
    chat.line(bob, "/rooms");
    assert_eq!(chat.received(bob), ["*** rooms (2):", "*** #lobby (1)", "*** #개발 (0): 배포 준비"]);
    chat.line(bob, "/join #개발");
    let got: Vec<_> = chat.received(bob).iter().map(|l| parsed(l).1).collect();
    assert_eq!(
        got,
        [
            "#개발 *** alice set the topic: 배포 준비",
            "#개발 alice: kept line",
            "#개발 *** welcome bob, online (1): bob",
            "#개발 *** topic: 배포 준비"
        ]
    );
}

#[test]
fn without_history_nothing_is_replayed_or_stamped() {
    let mut chat = Chat::new();
    let alice = chat.join("alice");
    chat.line(alice, "said before");
    let bob = chat.join("bob");
    assert_eq!(chat.received(bob), ["*** welcome bob, online (2): alice, bob"]);
    chat.line(bob, "/history before 5");
    assert_eq!(chat.received(bob), [Reply::HistoryUnavailable.to_string()]);
}

#[test]
fn kept_rooms_never_use_up_the_room_limit_and_come_back_when_joined() {
    let dir = tempfile::tempdir().unwrap();
    let mut chat = Chat::keeping(Some(dir.path()));
    let alice = chat.join("alice");
    // The limit is 3 rooms with members; alice keeps making and leaving.
    for room in ["#a", "#b", "#c", "#d", "#e"] {
        chat.line(alice, &format!("/join {room}"));
        chat.line(alice, &format!("/topic about {room}"));
        chat.line(alice, &format!("said in {room}"));
        chat.line(alice, "/part");
    }
    chat.received(alice);
    let bob = chat.join("bob");
    chat.line(bob, "/join #f");
    chat.line(bob, "/rooms");
    let got: Vec<_> = chat.received(bob).iter().map(|l| parsed(l).1).collect();
    assert_eq!(
        got[got.len() - 5..],
        ["*** rooms (4):", "*** #lobby (2)", "*** #d (0): about #d", "*** #e (0): about #e", "*** #f (1)"]
    );
    // #a was forgotten from the list, not from history.
    chat.line(bob, "/join #a");
    let got: Vec<_> = chat.received(bob).iter().map(|l| parsed(l).1).collect();
    assert_eq!(
        got,
        [
            "#a *** alice set the topic: about #a",
            "#a alice: said in #a",
            "#a *** welcome bob, online (1): bob",
            "#a *** topic: about #a"
        ]
    );
}
