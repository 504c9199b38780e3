//! Round trips of every moderation line, and the duration rules.

use super::*;

fn is_name(s: &str) -> bool {
    crate::protocol::validate_name(s).is_ok()
}

#[test]
fn durations() {
    assert_eq!(parse_duration("30s"), Some(30));
    assert_eq!(parse_duration("10m"), Some(600));
    assert_eq!(parse_duration("2h"), Some(7200));
    assert_eq!(parse_duration("7d"), Some(7 * 86_400));
    for bad in ["", "m", "0s", "10", "1.5h", "-1m", "10x", "99999999999999999999d", "366d", "1m30s", "ｍ10"] {
        assert_eq!(parse_duration(bad), None, "{bad}");
    }
    assert_eq!(format_duration(600), "10m");
    assert_eq!(format_duration(3900), "1h 5m");
    assert_eq!(format_duration(599), "9m 59s");
    assert_eq!(format_duration(0), "0s");
    assert_eq!(format_duration(86_400 * 2 + 3600), "2d 1h");
}

#[test]
fn commands() {
    use ModCommand::*;
    let p = |w, a| parse_command(w, a).expect("a moderation command");
    assert_eq!(p("kick", "bob spam and eggs"), Ok(Kick { name: "bob", reason: Some("spam and eggs") }));
    assert_eq!(p("kick", ""), Err(ModUsage::Usage(USAGE_KICK)));
    assert_eq!(p("mute", "bob 10m"), Ok(Mute { name: "bob", secs: Some(600) }));
    assert_eq!(p("mute", "bob"), Ok(Mute { name: "bob", secs: None }));
    assert_eq!(p("mute", "bob ten"), Err(ModUsage::BadDuration));
    assert_eq!(p("ban", "bob 1h spam"), Ok(Ban { target: "bob", secs: Some(3600), reason: Some("spam") }));
    assert_eq!(p("ban", "bob spam bot"), Ok(Ban { target: "bob", secs: None, reason: Some("spam bot") }));
    assert_eq!(p("ban", "10.0.0.0/8 1x"), Err(ModUsage::BadDuration));
    assert_eq!(p("ban", "2001:db8::/48"), Ok(Ban { target: "2001:db8::/48", secs: None, reason: None }));
    assert_eq!(p("unban", "bob"), Ok(Unban("bob")));
    assert_eq!(p("bans", ""), Ok(Bans));
    assert_eq!(p("mode", "+r"), Ok(Mode(super::Mode { on: true, letter: 'r' })));
    assert_eq!(p("mode", "+x"), Err(ModUsage::Usage(USAGE_MODE)));
    assert_eq!(p("op", "bob"), Ok(Op("bob")));
    assert_eq!(p("deop", "bob carol"), Err(ModUsage::Usage(USAGE_DEOP)));
    assert_eq!(p("marks", ""), Ok(Marks));
    assert_eq!(parse_command("who", ""), None);
}

#[test]
fn notices_round_trip() {
    let r = Mode { on: true, letter: 'r' };
    for (notice, wire) in [
        (ModNotice::Kicked { by: "alice", name: "bob", reason: Some("spam") }, "alice kicked bob (spam)"),
        (ModNotice::Kicked { by: "alice", name: "bob", reason: None }, "alice kicked bob"),
        (ModNotice::Muted { by: "alice", name: "bob", secs: Some(600) }, "alice muted bob for 10m"),
        (ModNotice::Muted { by: "alice", name: "bob", secs: None }, "alice muted bob"),
        (ModNotice::Unmuted { by: "alice", name: "bob" }, "alice unmuted bob"),
        (
            ModNotice::Banned { by: "alice", target: "bob", secs: Some(3600), reason: Some("spam") },
            "alice banned bob for 1h (spam)",
        ),
        (
            ModNotice::Banned { by: "alice", target: "2001:db8::/48", secs: None, reason: None },
            "alice banned 2001:db8::/48",
        ),
        (ModNotice::Unbanned { by: "alice", target: "203.0.113.0/24" }, "alice unbanned 203.0.113.0/24"),
        (ModNotice::Opped { by: "alice", name: "bob" }, "alice made bob an operator"),
        (ModNotice::Deopped { by: "alice", name: "bob" }, "alice made bob no longer an operator"),
        (ModNotice::ModeSet { by: "alice", mode: r }, "alice set mode +r"),
        (ModNotice::MarksOn, "marks on"),
        (ModNotice::Mark("+bob"), "marks: +bob"),
        (ModNotice::Mark("@철수"), "marks: @철수"),
        (ModNotice::Mark("bob"), "marks: bob"),
        (ModNotice::BanList(2), "bans (2):"),
        (
            ModNotice::BanEntry { target: "bob", by: "alice", left: Some(3599), reason: Some("spam") },
            "ban bob by alice (59m 59s left): spam",
        ),
        (
            ModNotice::BanEntry { target: "10.0.0.0/8", by: "alice", left: None, reason: None },
            "ban 10.0.0.0/8 by alice (permanent)",
        ),
    ] {
        assert_eq!(notice.to_string(), wire);
        assert_eq!(ModNotice::parse(wire, is_name), Some(notice), "{wire}");
    }
    assert_eq!(ModNotice::parse("alice joined", is_name), None);
    assert_eq!(ModNotice::parse("marks: +a:b", is_name), None, "only a name is marked");
    // Marks cannot be mistaken for part of a name.
    assert!(!is_name("@alice") && !is_name("+alice"));
}

#[test]
fn errors_round_trip() {
    for (error, wire) in [
        (ModError::NotOperator("#dev"), "not an operator of #dev"),
        (ModError::Muted { room: "#dev", left: Some(540) }, "you are muted in #dev (9m left)"),
        (ModError::Muted { room: "#lobby", left: None }, "you are muted in #lobby (permanent)"),
        (
            ModError::BannedFromRoom { room: "#dev", left: Some(3600), reason: Some("spam: lots") },
            "you are banned from #dev (1h left): spam: lots",
        ),
        (ModError::BannedFromServer { left: None, reason: None }, "you are banned from this server (permanent)"),
        (
            ModError::BannedFromServer { left: Some(59), reason: Some("flood") },
            "you are banned from this server (59s left): flood",
        ),
        (ModError::RegisteredOnly("#dev"), "only registered names may speak in #dev"),
        (ModError::TooManyBans { room: "#dev", max: 1000 }, "too many bans in #dev (max 1000)"),
        (ModError::BadDuration, BAD_DURATION),
        (ModError::BadTarget("10.0.0.0/99"), "invalid ban target: 10.0.0.0/99"),
        (ModError::NoSuchBan("bob"), "no such ban: bob"),
    ] {
        assert_eq!(error.to_string(), wire);
        assert_eq!(ModError::parse(wire), Some(error), "{wire}");
    }
}
