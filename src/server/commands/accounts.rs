//! Registered names as clients meet them: logging in (first line
//! `NAME PASSWORD` or `/login`), `/register`, `/password`, `/unregister`,
//! and the checks that keep a registered name (and its look-alikes) for
//! its owner.
//!
//! Every password is checked or hashed by the password worker: the
//! command hands it over and marks the session busy (its input waits, so
//! nothing it sends next can overtake the answer); [`finish`] carries on
//! when the answer comes back.

use std::time::{Instant, SystemTime};

use log::{info, warn};
use natter::protocol::account::{password_problem, AccountError, AccountReply};
use natter::protocol::tagged::encode_line;
use natter::protocol::{canonical_name, fold_name, ErrorKind, QuitReason, Reply, Stamp};

use super::{claim_name, leave_all, rename, rooms, Cx};
use crate::accounts::hasher::{Outcome, Work};
use crate::accounts::{Purpose, Standing};
use crate::pool::Handle;
use crate::store::{Account, AccountStore, Offline};

fn account_error(cx: &mut Cx, key: usize, e: AccountError<'_>) {
    cx.error(key, ErrorKind::Account(e));
}

/// Whether `name` may be taken by `key` without a password: not
/// registered to someone else, nor a look-alike of a registered name. On
/// refusal the error is sent and `false` returned.
pub fn may_take(cx: &mut Cx, key: usize, name: &str) -> bool {
    let own = cx.pool.get(key).and_then(|s| s.account.key.clone());
    match cx.accounts.names.standing(name) {
        Standing::Free => true,
        Standing::Registered(a) if own.as_deref() == Some(a.key.as_str()) => true,
        Standing::Registered(a) => {
            let name = a.name.clone();
            account_error(cx, key, AccountError::NeedsLogin(&name));
            false
        }
        Standing::LooksLike(other) => {
            let other = other.to_owned();
            cx.error(key, ErrorKind::NameTooSimilar(&other));
            false
        }
    }
}

/// Says once per plain connection that a password travelled in clear.
fn warn_unencrypted(cx: &mut Cx, key: usize) {
    let Some(session) = cx.pool.get_mut(key) else { return };
    if session.account.secure || std::mem::replace(&mut session.account.warned, true) {
        return;
    }
    cx.reply(key, &Reply::Account(AccountReply::Unencrypted));
}

/// Refuses a login while guessing is being slowed down; `true` if it did.
fn guessing(cx: &mut Cx, key: usize, account: &str) -> bool {
    let Some(ip) = cx.pool.get(key).map(|s| s.peer().ip()) else { return true };
    match cx.accounts.guesses.wait(account, ip, Instant::now()) {
        Some(secs) => {
            account_error(cx, key, AccountError::Guessing(secs));
            true
        }
        None => false,
    }
}

/// Hands `work` to the password worker and holds `key`'s input until the
/// answer; `false` (error sent) when the worker is overloaded.
fn submit(cx: &mut Cx, key: usize, purpose: Purpose, work: Work) -> bool {
    let Some(session) = cx.pool.get(key) else { return false };
    let handle = Handle::new(key, session.id());
    if !cx.accounts.hasher.submit((handle, purpose), work) {
        account_error(cx, key, AccountError::Unavailable);
        return false;
    }
    if let Some(session) = cx.pool.get_mut(key) {
        session.account.busy = true;
    }
    true
}

/// A first line `NAME PASSWORD`. A name that is not registered is refused
/// as any name with a space is.
pub fn first_line(cx: &mut Cx, key: usize, line: &str, name: &str, password: &str) {
    let registered = match canonical_name(name) {
        Ok(name) => match cx.accounts.names.standing(&name) {
            Standing::Registered(a) => Some((a.key.clone(), a.phc.clone(), a.name.clone())),
            _ => None,
        },
        Err(_) => None,
    };
    let Some((account, phc, name)) = registered else {
        return super::join(cx, key, line.trim());
    };
    warn_unencrypted(cx, key);
    if guessing(cx, key, &account) {
        return cx.pool.quit(key, "");
    }
    let work = Work::Verify { password: password.to_owned(), phc };
    if !submit(cx, key, Purpose::FirstLine { name }, work) {
        cx.pool.quit(key, "");
    }
}

/// `/login NAME PASSWORD`.
pub fn login(cx: &mut Cx, key: usize, name: &str, password: &str) {
    warn_unencrypted(cx, key);
    let account = match canonical_name(name).map(|n| cx.accounts.names.standing(&n)) {
        Ok(Standing::Registered(a)) => (a.key.clone(), a.phc.clone(), a.name.clone()),
        Ok(_) => return account_error(cx, key, AccountError::NotRegistered(name)),
        Err(why) => return cx.error(key, ErrorKind::BadName(&why.to_string())),
    };
    let (account, phc, name) = account;
    if !guessing(cx, key, &account) {
        submit(cx, key, Purpose::Login { name }, Work::Verify { password: password.to_owned(), phc });
    }
}

/// `/register PASSWORD`: the name in use becomes the client's.
pub fn register(cx: &mut Cx, key: usize, name: &str, password: &str) {
    warn_unencrypted(cx, key);
    if let Some(why) = password_problem(password) {
        return account_error(cx, key, AccountError::BadPassword(why));
    }
    match cx.accounts.names.standing(name) {
        Standing::Free => {}
        Standing::Registered(_) => return account_error(cx, key, AccountError::AlreadyRegistered(name)),
        Standing::LooksLike(other) => {
            let other = other.to_owned();
            return cx.error(key, ErrorKind::NameTooSimilar(&other));
        }
    }
    let Some(ip) = cx.pool.get(key).map(|s| s.peer().ip()) else { return };
    let now = Instant::now();
    if let Some(minutes) = cx.accounts.registrations.wait(ip, now) {
        return account_error(cx, key, AccountError::TooManyRegistrations(minutes));
    }
    if cx.history.accounts_store().is_none() {
        return account_error(cx, key, AccountError::Unavailable);
    }
    // Counted as it starts: registrations hashing at once count too.
    if submit(cx, key, Purpose::Register { name: name.to_owned() }, Work::Hash(password.to_owned())) {
        cx.accounts.registrations.registered(ip, now);
    }
}

/// The account of the name `key` uses, if it is logged in to it; the
/// error is sent otherwise.
fn own_account(cx: &mut Cx, key: usize, name: &str) -> Option<Account> {
    let own = cx.pool.get(key).and_then(|s| s.account.key.clone());
    match cx.accounts.names.standing(name) {
        Standing::Registered(a) if own.as_deref() == Some(a.key.as_str()) => Some(a.clone()),
        _ => {
            account_error(cx, key, AccountError::NotRegistered(name));
            None
        }
    }
}

/// `/password OLD NEW`.
pub fn password(cx: &mut Cx, key: usize, name: &str, old: &str, new: &str) {
    warn_unencrypted(cx, key);
    let Some(account) = own_account(cx, key, name) else { return };
    if let Some(why) = password_problem(new) {
        return account_error(cx, key, AccountError::BadPassword(why));
    }
    if !guessing(cx, key, &account.key) {
        let work = Work::Verify { password: old.to_owned(), phc: account.phc };
        submit(cx, key, Purpose::CheckOld { new: new.to_owned() }, work);
    }
}

/// `/unregister PASSWORD`.
pub fn unregister(cx: &mut Cx, key: usize, name: &str, password: &str) {
    warn_unencrypted(cx, key);
    let Some(account) = own_account(cx, key, name) else { return };
    if !guessing(cx, key, &account.key) {
        submit(cx, key, Purpose::Unregister, Work::Verify { password: password.to_owned(), phc: account.phc });
    }
}

fn now_secs() -> i64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// Writes an account through to the store; `false` (error sent) if the
/// store cannot take it now.
fn save(cx: &mut Cx, key: usize, account: &Account) -> bool {
    let Some(store) = cx.history.accounts_store() else {
        account_error(cx, key, AccountError::Unavailable);
        return false;
    };
    if let Err(e) = store.save_account(account) {
        warn!("cannot save the account {}: {e}", account.name);
        cx.history.store_failed(&e);
        account_error(cx, key, AccountError::Unavailable);
        return false;
    }
    true
}

/// Carries on with what `handle` asked for, now that the password worker
/// answered. Returns the key whose input may be read again.
pub fn finish(cx: &mut Cx, (handle, purpose): (Handle, Purpose), outcome: Outcome) -> Option<usize> {
    let session = cx.pool.live(handle)?;
    session.account.busy = false;
    if session.is_closing() {
        return None;
    }
    let key = handle.key();
    let ip = session.peer().ip();
    let current = session.name().map(str::to_owned);
    let now = Instant::now();
    match (purpose, outcome) {
        (Purpose::FirstLine { name } | Purpose::Login { name }, Outcome::Verified(true)) => {
            cx.accounts.guesses.succeeded(&fold_name(&name));
            log_in(cx, key, current.as_deref(), &name);
        }
        (Purpose::FirstLine { name } | Purpose::Login { name }, Outcome::Verified(false)) => {
            info!("wrong password for {name} from {ip}");
            cx.accounts.guesses.failed(&fold_name(&name), ip, now);
            account_error(cx, key, AccountError::WrongPassword(&name));
            if current.is_none() {
                cx.pool.quit(key, "");
            }
        }
        (Purpose::Register { name }, Outcome::Hashed(Ok(phc))) => {
            if !matches!(cx.accounts.names.standing(&name), Standing::Free) {
                account_error(cx, key, AccountError::AlreadyRegistered(&name));
                return Some(key);
            }
            let account = Account { key: fold_name(&name), name: name.clone(), phc, created: now_secs() };
            if save(cx, key, &account) {
                info!("{name} registered from {ip}");
                set_account(cx, key, &account.key);
                cx.accounts.names.insert(account);
                cx.reply(key, &Reply::Account(AccountReply::Registered(&name)));
                super::moderation::announce_mark(cx, key);
            }
        }
        (Purpose::CheckOld { new }, Outcome::Verified(true)) => {
            submit(cx, key, Purpose::SetNew, Work::Hash(new));
        }
        (Purpose::CheckOld { .. } | Purpose::Unregister, Outcome::Verified(false)) => {
            let name = current.unwrap_or_default();
            cx.accounts.guesses.failed(&fold_name(&name), ip, now);
            account_error(cx, key, AccountError::WrongPassword(&name));
        }
        (Purpose::SetNew, Outcome::Hashed(Ok(phc))) => {
            let name = current.unwrap_or_default();
            let Some(account) = own_account(cx, key, &name) else { return Some(key) };
            let account = Account { phc, ..account };
            if save(cx, key, &account) {
                cx.accounts.names.insert(account);
                cx.reply(key, &Reply::Account(AccountReply::PasswordChanged));
            }
        }
        (Purpose::Unregister, Outcome::Verified(true)) => {
            let name = current.unwrap_or_default();
            let account = fold_name(&name);
            let deleted = cx.history.accounts_store().map(|store| store.delete_account(&account));
            match deleted.unwrap_or_else(|| Err(crate::store::StoreError::unavailable())) {
                Ok(()) => {
                    info!("{name} is no longer registered");
                    cx.accounts.names.remove(&account);
                    set_account(cx, key, "");
                    cx.reply(key, &Reply::Account(AccountReply::Unregistered(&name)));
                    super::moderation::announce_mark(cx, key);
                }
                Err(e) => {
                    cx.history.store_failed(&e);
                    account_error(cx, key, AccountError::Unavailable);
                }
            }
        }
        (_, Outcome::Hashed(Err(e))) => {
            warn!("hashing a password failed: {e}");
            account_error(cx, key, AccountError::Unavailable);
        }
        (purpose, outcome) => warn!("unexpected password answer {outcome:?} for {purpose:?}"),
    }
    Some(key)
}

/// Records the account `key` is logged in to (`""`: none).
fn set_account(cx: &mut Cx, key: usize, account: &str) {
    if let Some(session) = cx.pool.get_mut(key) {
        session.account.key = (!account.is_empty()).then(|| account.to_owned());
    }
}

/// The right password for `name`: `key` becomes its owner, under that
/// name. Whoever held the name (the owner's earlier connection) is
/// closed; a client that was not yet named is welcomed.
fn log_in(cx: &mut Cx, key: usize, current: Option<&str>, name: &str) {
    if super::moderation::refuse_server_ban(cx, key, name) {
        return;
    }
    let account = fold_name(name);
    if let Some(holder) = cx.rooms.lobby().find(name).filter(|&h| h != key) {
        replace(cx, holder, name);
    }
    set_account(cx, key, &account);
    info!("{name} logged in");
    match current {
        None => {
            if let Err(refusal) = claim_name(cx, key, name) {
                cx.error(key, refusal.as_error(name));
                return cx.pool.quit(key, "");
            }
            cx.reply(key, &Reply::Account(AccountReply::LoggedIn(name)));
            if let Some(session) = cx.pool.get_mut(key) {
                session.set_name(name);
            }
            rooms::welcome(cx, key, name, None);
        }
        Some(current) => {
            if current != name && rename(cx, key, current, name).is_err() {
                return;
            }
            cx.reply(key, &Reply::Account(AccountReply::LoggedIn(name)));
        }
    }
    deliver_kept(cx, key, &account);
}

/// Private messages kept for one account at most.
const MAX_OFFLINE: usize = 200;

/// A `/msg` to nobody online: kept for a registered name (the sender is
/// told), refused for any other.
pub fn keep_for_later(cx: &mut Cx, key: usize, from: &str, to: &str, text: &str) {
    let account = match canonical_name(to).map(|n| cx.accounts.names.standing(&n)) {
        Ok(Standing::Registered(a)) => (a.key.clone(), a.name.clone()),
        _ => return cx.error(key, ErrorKind::NoSuchUser(to)),
    };
    let (account, name) = account;
    // Kept in their conversation too when the sender has an account.
    let (id, time) = super::conversations::record(cx, key, from, &account, text).unwrap_or((0, now_secs()));
    let message = Offline { id, time, from: from.to_owned(), text: text.to_owned() };
    let kept = match cx.history.accounts_store() {
        Some(store) => store.keep_offline(&account, &message, MAX_OFFLINE),
        None => return account_error(cx, key, AccountError::Unavailable),
    };
    match kept {
        Ok(true) => cx.reply(key, &Reply::Account(AccountReply::Stored(&name))),
        Ok(false) => cx.error(key, ErrorKind::Other("their offline messages are full; try again after they log in")),
        Err(e) => {
            cx.history.store_failed(&e);
            account_error(cx, key, AccountError::Unavailable);
        }
    }
}

/// Sends `key` the private messages kept for its account while it was
/// offline, stamped with the time they were sent, oldest first.
fn deliver_kept(cx: &mut Cx, key: usize, account: &str) {
    let taken = match cx.history.accounts_store() {
        Some(store) => store.take_offline(account),
        None => return,
    };
    let waiting = match taken {
        Ok(waiting) => waiting,
        Err(e) => return cx.history.store_failed(&e),
    };
    let mut out = Vec::new();
    for m in &waiting {
        let time = crate::history::utc(m.time);
        let reply = Reply::Private { from: &m.from, text: &m.text };
        encode_line(None, Some(Stamp { time: &time, id: m.id }), &reply, &mut out);
    }
    cx.pool.send(key, &out);
}

/// Closes `holder`, which used `name` until its owner logged in from
/// elsewhere: everyone is told it quit, and the new connection takes the
/// name after.
fn replace(cx: &mut Cx, holder: usize, name: &str) {
    cx.error(holder, ErrorKind::Other("you logged in from elsewhere"));
    let Some(session) = cx.pool.get_mut(holder) else { return };
    let joined = session.rooms().joined().to_vec();
    session.give_up_name();
    leave_all(cx.rooms, holder, &joined, name);
    let reason = Some(QuitReason::Server("logged in elsewhere"));
    cx.rooms.broadcast(cx.pool, None, None, &Reply::Quit { name, reason });
    cx.pool.close(holder, "logged in elsewhere");
}
