//! Smoke run of `natter-bench --quick` against natterd alone: it must
//! finish within a time limit and print its tables. No figure is asserted:
//! natter-bench is a benchmark, never a timed test.
//!
//! Built only with `--features bench`.

// A failed unwrap here is a failed test, not a crash on input.
#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(120);

/// Runs `natter-bench --quick --peers natterd ARGS…` within [`LIMIT`];
/// returns what it printed, after checking it exited 0.
fn quick_run(args: &[&std::ffi::OsStr]) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_natter-bench"))
        .args(["--quick", "--peers", "natterd", "--natterd", env!("CARGO_BIN_EXE_natterd")])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("natter-bench should start");
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });

    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait should work") {
            break status;
        }
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            panic!("natter-bench --quick {args:?} took longer than {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = reader.join().expect("reader thread should not panic");
    assert!(status.success(), "natter-bench failed: {status}\n{out}");
    out
}

#[test]
fn quick_run_prints_the_tables() {
    let json = std::env::temp_dir().join(format!("natter-bench-smoke-{}.json", std::process::id()));
    let out = quick_run(&["--json".as_ref(), json.as_os_str()]);
    for heading in ["### ceiling", "### fanout", "### latency", "### idle", "### churn"] {
        assert!(out.contains(heading), "missing {heading:?} in:\n{out}");
    }
    assert!(out.contains("| natterd "), "no natterd row in:\n{out}");
    let saved = std::fs::read_to_string(&json).expect("--json should write the file");
    let _ = std::fs::remove_file(&json);
    assert!(saved.trim_start().starts_with('{') && saved.contains("\"fanout\""), "odd JSON: {saved}");
}

#[test]
fn quick_rooms_scenarios_print_their_tables() {
    let out = quick_run(&["--scenarios".as_ref(), "rooms,slow-reader".as_ref()]);
    for heading in ["### rooms", "### slow reader"] {
        assert!(out.contains(heading), "missing {heading:?} in:\n{out}");
    }
    assert!(!out.contains("### runs that failed"), "a run failed:\n{out}");
}
