//! TLS beside plain TCP on one poll loop: chat across both, a client that
//! does not trust the certificate, plaintext on the TLS port, and bad
//! certificate files refused at start.

// A failed unwrap here is a failed test, not a crash on input.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use common::{Server, NATTERD, TIMEOUT};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

fn material(name: &str) -> String {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "tls", name].iter().collect();
    path.to_str().expect("utf-8 path").to_owned()
}

fn start_tls() -> (Server, SocketAddr) {
    let (cert, key) = (material("natterd-cert.pem"), material("natterd-key.pem"));
    let server = Server::start(&["--listen-tls", "127.0.0.1:0", "--tls-cert", &cert, "--tls-key", &key]);
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let log = server.log_tail();
        let found = log.lines().find_map(|l| {
            let rest = l.split("listening on ").nth(1)?.strip_suffix(" (tls)")?;
            rest.parse::<SocketAddr>().ok()
        });
        if let Some(addr) = found {
            return (server, addr);
        }
        assert!(Instant::now() < deadline, "no TLS `listening on` line; log:\n{log}");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// A line client over TLS that trusts exactly `trusted`.
struct TlsClient {
    reader: BufReader<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>,
}

impl TlsClient {
    fn connect(addr: SocketAddr, trusted: &str) -> TlsClient {
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(material(trusted)).expect("read cert") {
            roots.add(cert.expect("parse cert")).expect("add root");
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = ServerName::try_from("localhost").expect("server name");
        let session = rustls::ClientConnection::new(Arc::new(config), name).expect("client session");
        let socket = TcpStream::connect(addr).expect("connect");
        socket.set_read_timeout(Some(TIMEOUT)).expect("timeout");
        TlsClient { reader: BufReader::new(rustls::StreamOwned::new(session, socket)) }
    }

    fn send_line(&mut self, line: &str) -> std::io::Result<()> {
        let stream = self.reader.get_mut();
        stream.write_all(format!("{line}\n").as_bytes())?;
        stream.flush()
    }

    fn next_line(&mut self) -> std::io::Result<String> {
        let mut line = String::new();
        let n = self.reader.read_line(&mut line)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        Ok(line.trim_end_matches('\n').to_owned())
    }

    fn expect_line(&mut self, want: &str) {
        let got = self.next_line().unwrap_or_else(|e| panic!("expected {want:?}, got error {e}"));
        assert_eq!(got, want);
    }
}

#[test]
fn tls_and_plain_clients_chat_both_ways() {
    let (server, tls_addr) = start_tls();
    let mut plain = server.join("plain");
    let mut secure = TlsClient::connect(tls_addr, "natterd-cert.pem");
    secure.send_line("철수").expect("send name");
    secure.expect_line("*** welcome 철수, online (2): plain, 철수");
    plain.expect_line("*** 철수 joined");
    secure.send_line("안녕, encrypted").expect("send");
    plain.expect_line("철수: 안녕, encrypted");
    plain.send_line("hello back in the clear");
    secure.expect_line("plain: hello back in the clear");
    secure.send_line("/quit done").expect("send quit");
    plain.expect_line("*** 철수 quit (done)");
}

#[test]
fn a_client_that_does_not_trust_the_certificate_refuses_it() {
    let (server, tls_addr) = start_tls();
    let mut wary = TlsClient::connect(tls_addr, "other-cert.pem");
    let err = wary.send_line("eve").and_then(|_| wary.next_line()).expect_err("handshake must fail");
    assert!(err.to_string().to_lowercase().contains("certificate"), "unexpected error: {err}");
    // The server goes on serving.
    let mut ok = TlsClient::connect(tls_addr, "natterd-cert.pem");
    ok.send_line("alice").expect("send name");
    ok.expect_line("*** welcome alice, online (1): alice");
    server.join("bob");
    ok.expect_line("*** bob joined");
}

#[test]
fn plaintext_on_the_tls_port_is_dropped_without_hurting_others() {
    let (server, tls_addr) = start_tls();
    let mut secure = TlsClient::connect(tls_addr, "natterd-cert.pem");
    secure.send_line("alice").expect("send name");
    secure.expect_line("*** welcome alice, online (1): alice");
    let mut confused = common::Client::connect(tls_addr);
    confused.send_line("mallory");
    confused.read_to_close(TIMEOUT);
    // Nobody heard of mallory, and chat goes on.
    let mut plain = server.join("bob");
    secure.expect_line("*** bob joined");
    plain.send_line("still fine?");
    secure.expect_line("bob: still fine?");
}

fn start_fails(cert: &str, key: &str) -> String {
    let out = Command::new(NATTERD)
        .args(["--listen", "127.0.0.1:0", "--listen-tls", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key])
        .stdin(Stdio::null())
        .output()
        .expect("run natterd");
    assert!(!out.status.success(), "natterd must refuse {cert} / {key}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn bad_certificate_files_fail_at_start_naming_the_file() {
    let dir = std::env::temp_dir().join(format!("natter-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "").expect("write");
    let garbage = dir.join("garbage.pem");
    std::fs::write(&garbage, "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n")
        .expect("write");
    let (empty, garbage) = (empty.to_str().unwrap().to_owned(), garbage.to_str().unwrap().to_owned());
    let (cert, key) = (material("natterd-cert.pem"), material("natterd-key.pem"));
    let missing = dir.join("missing.pem").to_str().unwrap().to_owned();

    let cases = [
        (missing.as_str(), key.as_str(), missing.as_str()),
        (cert.as_str(), missing.as_str(), missing.as_str()),
        (empty.as_str(), key.as_str(), empty.as_str()),
        (garbage.as_str(), key.as_str(), garbage.as_str()),
        // A key file with no key in it: the certificate given as the key.
        (cert.as_str(), cert.as_str(), cert.as_str()),
        // A key that does not belong to the certificate.
        (cert.as_str(), material("other-key.pem").leak(), cert.as_str()),
    ];
    for (c, k, named) in cases {
        let stderr = start_fails(c, k);
        assert!(stderr.contains(named), "error for {c} / {k} should name {named}: {stderr}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
