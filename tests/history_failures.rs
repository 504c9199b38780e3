//! Stored history when the disk says no: a full disk (a file-size limit
//! on natterd), a read-only data directory, a corrupt or foreign database
//! file at start, two natterds on one directory, hostile searches. Live chat must go on
//! in every case but the refused file, which natterd must never touch.

#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/hist.rs"]
mod hist;

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Client, Server, NATTERD, TIMEOUT};
use hist::{all_after, data_args, login, say_seen, stamped_texts, start_in, until_welcome};

/// How natterd reports that storing failed (once) and came back.
const UNAVAILABLE_LOG: &str = "history unavailable:";
const RESUMED_LOG: &str = "history is being stored again";

/// Two clients chatting, each line seen live by the other.
fn chat_works(a: &mut Client, b: &mut Client, tag: &str, n: usize) {
    for i in 0..n {
        let text = format!("{tag} {i} {}", "가나다".repeat(40));
        say_seen(a, b, &[&text], None);
    }
}

/// Can a user with no rights of its own reach `path` (every directory above
/// it searchable by others, and the path itself readable by others)?
fn others_can_reach(path: &Path) -> bool {
    let mode = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.permissions().mode());
    mode(path) & 0o004 != 0 && path.ancestors().skip(1).all(|p| mode(p) & 0o001 != 0)
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// A disk filling up under natterd: live chat goes on, one error, joiners
/// and pagers told history is unavailable; once `free` makes room,
/// natterd (retrying every 10 s) stores again.
fn full_disk_episode(server: &Server, free: impl FnOnce()) {
    let (mut alice, replay) = login(server, "alice");
    assert!(replay.is_empty(), "history should work until the disk is full: {replay:?}");
    let (mut bob, _) = login(server, "bob");
    alice.expect_line("*** bob joined");
    // Fill it with lines of 360 bytes.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut said = 0;
    while server.log_count(UNAVAILABLE_LOG) == 0 {
        assert!(Instant::now() < deadline && said < 3_000, "storing never failed after {said} lines");
        chat_works(&mut alice, &mut bob, "fill", 10);
        said += 10;
    }
    // Live chat goes on, with only the one error logged.
    chat_works(&mut alice, &mut bob, "full", 100);
    chat_works(&mut bob, &mut alice, "full", 20);
    assert_eq!(server.log_count(UNAVAILABLE_LOG), 1, "log:\n{}", server.log_lines().join("\n"));
    assert!(server.log_lines().iter().any(|l| l.contains(UNAVAILABLE_LOG) && l.contains("natterd.db")));
    // A joiner is told, then welcomed; so is a pager.
    let (mut carol, replay) = login(server, "carol");
    assert_eq!(replay, ["*** history unavailable"]);
    carol.send_line("/history after 0");
    carol.expect_line("*** history unavailable");

    free();
    // natterd retries every 10 s; keep talking until it stores again.
    let deadline = Instant::now() + Duration::from_secs(25);
    let mut i = 0;
    while server.log_count(RESUMED_LOG) == 0 {
        assert!(Instant::now() < deadline, "storing never resumed; log:\n{}", server.log_tail());
        let text = format!("retry {i}");
        say_seen(&mut alice, &mut bob, &[&text], None);
        i += 1;
        std::thread::sleep(Duration::from_millis(100));
    }
    say_seen(&mut alice, &mut bob, &["stored again"], None);
    let (_dave, replay) = login(server, "dave");
    assert_eq!(stamped_texts(&replay).last().map(String::as_str), Some("alice: stored again"));
    assert_eq!(server.log_count(UNAVAILABLE_LOG), 1);
    assert_quiet_log(server);
}

#[test]
fn a_file_size_limit_keeps_live_chat_logs_once_and_storing_resumes() {
    // natterd may not grow any file past 128 KiB. It must not die of
    // SIGXFSZ (the signal is left at its default here).
    const LIMIT: libc::rlim_t = 128 << 10;
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["--max-per-ip", "0", "--flood-rate", "0", "--max-connects-per-ip", "0"];
    args.extend(data_args(dir.path(), &[]));
    let server = Server::start_with(&args, |c| unsafe {
        c.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_DFL);
            let lim = libc::rlimit { rlim_cur: LIMIT, rlim_max: libc::RLIM_INFINITY };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    });
    full_disk_episode(&server, || {
        // Space comes back: lift the limit of the running natterd.
        let lim = libc::rlimit { rlim_cur: libc::RLIM_INFINITY, rlim_max: libc::RLIM_INFINITY };
        // SAFETY: prlimit on our own child with a valid new limit.
        let rc = unsafe { libc::prlimit(server.pid() as libc::pid_t, libc::RLIMIT_FSIZE, &lim, std::ptr::null_mut()) };
        assert_eq!(rc, 0, "prlimit: {}", std::io::Error::last_os_error());
    });
}

/// A tmpfs mounted on a temporary directory, unmounted when dropped.
struct Tmpfs(std::path::PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let path = std::ffi::CString::new(self.0.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        unsafe { libc::umount2(path.as_ptr(), libc::MNT_DETACH) };
    }
}

#[test]
fn a_really_full_disk_keeps_live_chat_logs_once_and_storing_resumes() {
    let top = tempfile::tempdir().unwrap();
    let dir = top.path().join("small");
    std::fs::create_dir(&dir).unwrap();
    let target = std::ffi::CString::new(dir.to_str().unwrap()).unwrap();
    // SAFETY: valid NUL-terminated strings; mount needs root (CAP_SYS_ADMIN).
    let rc =
        unsafe { libc::mount(c"tmpfs".as_ptr(), target.as_ptr(), c"tmpfs".as_ptr(), 0, c"size=1m".as_ptr().cast()) };
    if rc != 0 {
        eprintln!(
            "SKIPPED: cannot mount a 1 MiB tmpfs ({}); the file-size-limit test covers a full disk instead",
            std::io::Error::last_os_error()
        );
        return;
    }
    let _mounted = Tmpfs(dir.clone());
    // Ballast takes most of the space; removing it later frees the disk.
    let ballast = dir.join("ballast");
    std::fs::write(&ballast, vec![0u8; 700 << 10]).unwrap();
    let mut args = vec!["--max-per-ip", "0", "--flood-rate", "0", "--max-connects-per-ip", "0"];
    args.extend(data_args(&dir, &[]));
    let server = Server::start_with(&args, |_| {});
    full_disk_episode(&server, || std::fs::remove_file(&ballast).unwrap());
    let error = server.wait_log(UNAVAILABLE_LOG, TIMEOUT);
    assert!(error.contains("disk is full"), "not a clear error: {error}");
    drop(server);
}

/// One error for the whole episode: besides it, no error and at most a
/// couple of warnings (a slow disk may be reported; it is not a failure).
fn assert_quiet_log(server: &Server) {
    let lines = server.log_lines();
    let errors = lines.iter().filter(|l| l.contains("[ERROR]")).count();
    let warnings: Vec<&String> = lines.iter().filter(|l| l.contains("[WARN]") && !l.contains("slow disk")).collect();
    assert_eq!(errors, 1, "log:\n{}", lines.join("\n"));
    assert!(warnings.len() <= 2, "one warning per line or so: {warnings:#?}");
}

#[test]
fn a_read_only_data_directory_keeps_live_chat_without_history() {
    let top = tempfile::tempdir().unwrap();
    let dir = top.path().join("data");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    // Root ignores permissions: run natterd as nobody instead.
    let root = is_root();
    if root {
        std::fs::set_permissions(top.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    if root && !(others_can_reach(Path::new(NATTERD)) && others_can_reach(&dir)) {
        eprintln!("SKIPPED: running as root and nobody cannot reach {NATTERD} or {}", dir.display());
        return;
    }
    let mut args = vec!["--max-per-ip", "0", "--flood-rate", "0"];
    args.extend(data_args(&dir, &[]));
    let server = Server::start_with(&args, |c| {
        if root {
            c.uid(65534).gid(65534);
        }
    });
    server.wait_log(UNAVAILABLE_LOG, TIMEOUT);
    let (mut alice, replay) = login(&server, "alice");
    assert_eq!(replay, ["*** history unavailable"]);
    let (mut bob, replay) = login(&server, "bob");
    assert_eq!(replay, ["*** history unavailable"]);
    alice.expect_line("*** bob joined");
    chat_works(&mut alice, &mut bob, "ro", 30);
    alice.send_line("/join #dev");
    let (replay, _) = until_welcome(&mut alice, "alice", Some("#dev"));
    assert_eq!(replay, ["#dev *** history unavailable"]);
    bob.send_line("/search ro");
    bob.expect_line("*** history unavailable");
    assert_eq!(server.log_count(UNAVAILABLE_LOG), 1, "{}", server.log_tail());
    assert!(std::fs::read_dir(&dir).unwrap().next().is_none(), "natterd wrote into a read-only directory");
    assert_quiet_log(&server);

    // Made writable: natterd (retrying every 10 s) stores from then on.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    server.wait_log(RESUMED_LOG, Duration::from_secs(25));
    say_seen(&mut bob, &mut alice, &["now stored"], None);
    let (_carol, replay) = login(&server, "carol");
    assert_eq!(stamped_texts(&replay), ["bob: now stored"]);
}

/// Runs natterd on `dir` expecting it to refuse to start: returns its log.
fn refused(dir: &Path) -> String {
    let mut child = Command::new(NATTERD)
        .args(["--listen", "127.0.0.1:0", "--data-dir", dir.to_str().unwrap()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("natterd started on a file it should refuse");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut log = String::new();
    child.stderr.take().unwrap().read_to_string(&mut log).unwrap();
    assert!(!status.success(), "natterd exited 0; log:\n{log}");
    log
}

fn refuses_unchanged(what: &str, make: impl FnOnce(&Path)) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("natterd.db");
    make(&db);
    let before = std::fs::read(&db).unwrap();
    let side = |name: &str| std::fs::read(dir.path().join(name)).ok().filter(|b| !b.is_empty());
    let sides_before: Vec<_> = ["natterd.db-wal", "natterd.db-journal"].map(side).into();
    let log = refused(dir.path());
    assert!(log.contains(db.to_str().unwrap()), "{what}: the error does not name {}:\n{log}", db.display());
    assert!(!log.contains("listening on"), "{what}: natterd listened:\n{log}");
    assert_eq!(std::fs::read(&db).unwrap(), before, "{what}: natterd changed the file");
    let sides_after: Vec<_> = ["natterd.db-wal", "natterd.db-journal"].map(side).into();
    assert!(sides_after == sides_before, "{what}: natterd wrote a WAL or journal beside the file");
}

#[test]
fn a_corrupt_file_is_refused_and_left_unchanged() {
    refuses_unchanged("4 KiB of garbage", |db| {
        let bytes: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        std::fs::write(db, bytes).unwrap();
    });
    refuses_unchanged("a short text file", |db| std::fs::write(db, "not a database\n").unwrap());
    // A natterd database with its pages damaged past the header.
    refuses_unchanged("a damaged natterd database", |db| {
        let dir = db.parent().unwrap();
        {
            let mut server = start_in(dir, &[]);
            let (mut a, _) = login(&server, "a");
            let (mut b, _) = login(&server, "b");
            let lines: Vec<String> = (0..200).map(|i| format!("line {i} {}", "z".repeat(200))).collect();
            say_seen(&mut a, &mut b, &lines.iter().map(String::as_str).collect::<Vec<_>>(), None);
            server.signal("TERM");
            assert!(server.wait_exit(TIMEOUT).unwrap().success());
        }
        let mut bytes = std::fs::read(db).unwrap();
        assert!(bytes.len() > 16 * 4096, "{}", bytes.len());
        for b in &mut bytes[4096..16 * 4096] {
            *b ^= 0x5a;
        }
        std::fs::write(db, bytes).unwrap();
    });
}

#[test]
fn another_programs_sqlite_file_is_refused_and_left_unchanged() {
    refuses_unchanged("another program's tables", |db| {
        let conn = rusqlite::Connection::open(db).unwrap();
        conn.execute_batch(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('mine');",
        )
        .unwrap();
    });
    refuses_unchanged("another program's application id", |db| {
        let conn = rusqlite::Connection::open(db).unwrap();
        conn.execute_batch("PRAGMA application_id = 1234; PRAGMA user_version = 1; CREATE TABLE t (x);").unwrap();
    });
    refuses_unchanged("a newer natterd's database", |db| {
        let conn = rusqlite::Connection::open(db).unwrap();
        conn.execute_batch("PRAGMA application_id = 1312904276; PRAGMA user_version = 99; CREATE TABLE future (x);")
            .unwrap();
    });
}

#[test]
fn a_second_natterd_on_one_directory_chats_without_history_then_takes_over() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = start_in(dir.path(), &[]);
    let (mut a1, _) = login(&first, "a1");
    let (mut b1, _) = login(&first, "b1");
    say_seen(&mut a1, &mut b1, &["first one"], None);

    let second = start_in(dir.path(), &[]);
    let line = second.wait_log(UNAVAILABLE_LOG, TIMEOUT);
    assert!(line.contains("in use by another natterd"), "{line}");
    let (mut a2, replay) = login(&second, "a2");
    assert_eq!(replay, ["*** history unavailable"]);
    let (mut b2, _) = login(&second, "b2");
    a2.expect_line("*** b2 joined");
    chat_works(&mut a2, &mut b2, "second", 20);
    // The first keeps storing undisturbed.
    say_seen(&mut a1, &mut b1, &["first two"], None);
    let (_, replay) = login(&first, "c1");
    assert_eq!(stamped_texts(&replay), ["a1: first one", "a1: first two"]);
    assert_eq!(second.log_count(UNAVAILABLE_LOG), 1);

    // The first stops: the second takes the directory over (it retries
    // every 10 s) and stores from then on, after the first's lines.
    first.signal("TERM");
    assert!(first.wait_exit(TIMEOUT).unwrap().success());
    second.wait_log(RESUMED_LOG, Duration::from_secs(25));
    say_seen(&mut a2, &mut b2, &["second stored"], None);
    let (mut c2, replay) = login(&second, "c2");
    assert_eq!(stamped_texts(&replay), ["a1: first one", "a1: first two", "a2: second stored"]);
    let ids: Vec<u64> = all_after(&mut c2, None, 0).iter().map(|(id, _)| *id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    drop(second);
    let conn = rusqlite::Connection::open(dir.path().join("natterd.db")).unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
}

#[test]
fn hostile_search_words_and_a_burst_of_requests_leave_history_working() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_in(dir.path(), &[]);
    let (mut alice, _) = login(&server, "alice");
    let (mut bob, _) = login(&server, "bob");
    say_seen(&mut alice, &mut bob, &["50% off \"quoted\" a*b NEAR(x y) -minus _under 회의는요"], None);
    let want = "alice: 50% off \"quoted\" a*b NEAR(x y) -minus _under 회의는요";
    // FTS5 and LIKE syntax is taken as plain text, on both search paths.
    let hostile =
        ["\"quoted\"", "a*b", "NEAR(x", "-minus", "50%", "_under", "\"", "AND", "OR NOT", "'; DROP TABLE lines; --"];
    let search_db = dir.path().join("search.db");
    for pass in ["unindexed", "indexed"] {
        for words in hostile {
            let found = stamped_texts(&hist::ask(&mut bob, &format!("/search {words}"), None));
            let expect_hit = !matches!(words, "AND" | "OR NOT" | "'; DROP TABLE lines; --");
            assert_eq!(found.len(), usize::from(expect_hit), "{pass} /search {words}: {found:?}");
            if expect_hit {
                assert_eq!(found[0], want);
            }
        }
        if pass == "unindexed" {
            hist::wait_for("the search index to catch up", TIMEOUT, || {
                rusqlite::Connection::open_with_flags(&search_db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                    .and_then(|c| c.query_row("SELECT v FROM meta WHERE k = 'indexed'", [], |r| r.get::<_, i64>(0)))
                    .is_ok_and(|n| n >= 1)
            });
        }
    }
    // 300 searches and pages at once: each gets an answer (lines and an
    // end, or "history unavailable" past the queue's limit), nothing is
    // lost, and afterwards requests work again.
    let burst: String = (0..300).map(|i| if i % 2 == 0 { "/search 회의\n" } else { "/history after 0 5\n" }).collect();
    bob.send_raw(burst.as_bytes());
    let (mut answered, mut refused) = (0, 0);
    while answered + refused < 300 {
        let line = bob.next_line();
        if line == "*** history unavailable" {
            refused += 1;
        } else if line.starts_with("*** end of") {
            answered += 1;
        }
    }
    assert!(answered >= 64, "only {answered} of 300 answered");
    // A client that leaves with requests queued frees its share too.
    let (mut carol, _) = login(&server, "carol");
    carol.send_raw(burst.as_bytes());
    drop(carol);
    // Once the worker has drained what is queued, searches work again.
    let deadline = Instant::now() + TIMEOUT;
    loop {
        alice.send_line("/search 회의");
        let mut first = alice.next_line();
        // Skip the notices (bob and carol came and went).
        while first.starts_with("*** ") && first != "*** history unavailable" {
            first = alice.next_line();
        }
        if first != "*** history unavailable" {
            assert_eq!(stamped_texts(&[first]), [want]);
            alice.expect_line("*** end of search (1 lines)");
            break;
        }
        assert!(Instant::now() < deadline, "searches still refused after {TIMEOUT:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(server.log_count("[ERROR]") == 0, "{}", server.log_tail());
}
