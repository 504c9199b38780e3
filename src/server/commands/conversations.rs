//! Private conversations between two registered names, kept like a
//! room's lines: a `/msg` between two accounts is stored under the
//! conversation's key, sent stamped to whoever asked for stamps (the
//! sender as an echo tagged `@PEER`), and read back with
//! `/history @PEER …` and `/search @PEER …` by those two only.

use natter::protocol::tagged::encode_line;
use natter::protocol::{canonical_name, ErrorKind, Reply, Stamp};

use super::Cx;
use crate::accounts::Standing;
use crate::history::utc;
use crate::store::Kind;

/// The store's key of the conversation between the accounts `a` and `b`
/// (folded names): `@` and the two in order, apart by a space, which no
/// name holds, so it is never a room's key or another pair's.
pub fn key_of(a: &str, b: &str) -> String {
    let (first, second) = if a <= b { (a, b) } else { (b, a) };
    format!("@{first} {second}")
}

/// The account `key` is logged in to.
fn account_of(cx: &Cx, key: usize) -> Option<String> {
    cx.pool.get(key).and_then(|s| s.account.key.clone())
}

/// Stores a private line from `from` (client `key`) to the account `to`
/// when both are accounts; its id and time, or `None` if not kept.
pub fn record(cx: &mut Cx, key: usize, from: &str, to: &str, text: &str) -> Option<(u64, i64)> {
    let own = account_of(cx, key)?;
    cx.history.record(&key_of(&own, to), Kind::Chat, from, text)
}

/// Sends `name`'s private `text` to client `target` (named `to`), kept in
/// their conversation when both are logged in to accounts: stamped to
/// each that asked for stamps, the sender's copy tagged `@to`.
pub fn send(cx: &mut Cx, key: usize, name: &str, target: usize, to: &str, text: &str) {
    let reply = Reply::Private { from: name, text };
    let kept = account_of(cx, target).and_then(|peer| record(cx, key, name, &peer, text));
    let Some((id, time)) = kept else { return cx.reply(target, &reply) };
    let time = utc(time);
    let stamp = Stamp { time: &time, id };
    let mut out = Vec::new();
    let stamped = cx.pool.wants_stamps(target);
    encode_line(None, stamped.then_some(stamp), &reply, &mut out);
    cx.pool.send(target, &out);
    if cx.pool.wants_stamps(key) {
        out.clear();
        encode_line(Some(&format!("@{to}")), Some(stamp), &reply, &mut out);
        cx.pool.send(key, &out);
    }
}

/// The conversation a `/history @PEER` or `/search @PEER` from `key` is
/// about: its store key (`None` when it cannot be kept: the asker is not
/// logged in, or PEER is not registered) and its tag as the asker reads
/// it, the peer as registered. `Err` (error sent) for an invalid name.
pub fn target(cx: &mut Cx, key: usize, tag: &str) -> Result<(Option<String>, String), ()> {
    let peer = match canonical_name(&tag[1..]) {
        Ok(peer) => peer.into_owned(),
        Err(why) => {
            cx.error(key, ErrorKind::BadName(&why.to_string()));
            return Err(());
        }
    };
    let registered = match cx.accounts.names.standing(&peer) {
        Standing::Registered(a) => Some((a.key.clone(), a.name.clone())),
        _ => None,
    };
    Ok(match (account_of(cx, key), registered) {
        (Some(own), Some((account, shown))) => (Some(key_of(&own, &account)), format!("@{shown}")),
        _ => (None, format!("@{peer}")),
    })
}

#[cfg(test)]
mod tests {
    use super::key_of;

    #[test]
    fn a_conversation_has_one_key_whoever_speaks() {
        assert_eq!(key_of("bob", "alice"), "@alice bob");
        assert_eq!(key_of("alice", "bob"), "@alice bob");
        // Never a room's key: those start with `#`.
        assert!(key_of("dev", "ops").starts_with('@'));
    }
}
