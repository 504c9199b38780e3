//! Two people chatting through natterd with plain `nc`, as the README says
//! they can. Runs the real netcat (installed by tests/install-deps.sh).

// A failed unwrap here is a failed test, not a crash on input.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;

use common::{Server, TIMEOUT};

/// One `nc` process: a terminal user typing lines and reading the screen.
struct Netcat {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
}

impl Netcat {
    fn connect(server: &Server) -> Option<Netcat> {
        let mut child = Command::new("nc")
            .arg(server.addr.ip().to_string())
            .arg(server.addr.port().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Some(Netcat { child, stdin, lines })
    }

    fn type_line(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").and_then(|_| self.stdin.flush()).expect("nc takes input");
    }

    fn expect_line(&self, want: &str) {
        match self.lines.recv_timeout(TIMEOUT) {
            Ok(got) => assert_eq!(got, want),
            Err(e) => panic!("expected {want:?} from nc, got {e:?}"),
        }
    }
}

impl Drop for Netcat {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn two_terminals_chat_with_nc() {
    let server = Server::start(&[]);
    let Some(mut alice) = Netcat::connect(&server) else {
        // CI installs netcat first, so there a missing nc is a failure.
        assert!(std::env::var_os("CI").is_none(), "nc is not installed (bash tests/install-deps.sh installs it)");
        eprintln!("skipped: nc is not installed (bash tests/install-deps.sh installs it)");
        return;
    };
    alice.type_line("alice");
    alice.expect_line("*** welcome alice, online (1): alice");
    let mut bob = Netcat::connect(&server).expect("nc started once already");
    bob.type_line("bob");
    bob.expect_line("*** welcome bob, online (2): alice, bob");
    alice.expect_line("*** bob joined");
    alice.type_line("hi bob, this is nc");
    bob.expect_line("alice: hi bob, this is nc");
    bob.type_line("/me waves back");
    alice.expect_line("* bob waves back");
    bob.type_line("/quit");
    alice.expect_line("*** bob quit");
}
