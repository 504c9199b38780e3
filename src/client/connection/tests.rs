//! One connection against loopback servers: plain and TLS, refused,
//! unresolved, closed, pinned and changed certificates.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use super::*;

fn parsed(s: &str) -> ServerAddress {
    ServerAddress::parse(s).unwrap()
}

fn next(rx: &async_channel::Receiver<ServerEvent>) -> ServerEvent {
    for _ in 0..500 {
        if let Ok(e) = rx.try_recv() {
            return e;
        }
        thread::sleep(Duration::from_millis(10));
    }
    panic!("no event within 5 s");
}

#[test]
fn refused_is_reported() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (_conn, rx) = Connection::open(parsed(&format!("127.0.0.1:{port}")), "a".into(), Security::Plain);
    assert_eq!(next(&rx), ServerEvent::Closed(CloseReason::Refused));
}

#[test]
fn unresolved_is_reported() {
    let (_conn, rx) = Connection::open(parsed("no-such-host.invalid:5000"), "a".into(), Security::Plain);
    assert!(matches!(next(&rx), ServerEvent::Closed(CloseReason::Unresolved(_))));
}

#[test]
fn sends_name_reads_lines_writes_lines_and_hangs_up() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (conn, rx) = Connection::open(parsed(&addr), "철수".into(), Security::Plain);
    let (server, _) = listener.accept().unwrap();
    let mut lines = BufReader::new(server.try_clone().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "철수");
    assert_eq!(next(&rx), ServerEvent::Connected);
    (&server)
        .write_all(b"*** welcome \xec\xb2\xa0\xec\x88\x98, online (1): \xec\xb2\xa0\xec\x88\x98\r\nbob: a\x1bb\n")
        .unwrap();
    assert_eq!(next(&rx), ServerEvent::Line("*** welcome 철수, online (1): 철수".into()));
    assert_eq!(next(&rx), ServerEvent::Line("bob: ab".into()));

    let sender = conn.sender();
    let sent = glib_free_block_on(sender.send("hello".into()));
    assert_eq!(sent, Ok(()));
    assert_eq!(lines.next().unwrap().unwrap(), "hello");

    conn.quit();
    let t = std::time::Instant::now();
    flush_goodbyes(Duration::from_secs(5));
    assert!(t.elapsed() < Duration::from_secs(5), "the goodbye was written, not timed out");
    assert_eq!(lines.next().unwrap().unwrap(), "/quit");
    assert!(lines.next().is_none(), "the client hangs up after /quit");
    assert_eq!(next(&rx), ServerEvent::Closed(CloseReason::Closed));
    // Sending after the end fails instead of hanging.
    assert!(glib_free_block_on(sender.send("late".into())).is_err());
}

#[test]
fn server_closing_is_reported() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let (_conn, rx) =
        Connection::open(parsed(&listener.local_addr().unwrap().to_string()), "a".into(), Security::Plain);
    let (server, _) = listener.accept().unwrap();
    assert_eq!(next(&rx), ServerEvent::Connected);
    drop(server);
    assert_eq!(next(&rx), ServerEvent::Closed(CloseReason::Closed));
}

/// A one-connection TLS server on 127.0.0.1 with the test certificate
/// `name`: it greets a client that sends a name, echoes each line back
/// as `echo: LINE`, and returns every line it read once the client is
/// gone (none when the handshake failed).
fn tls_server(name: &str) -> (String, thread::JoinHandle<Vec<String>>) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let dir = format!("{}/tests/tls", env!("CARGO_MANIFEST_DIR"));
    let cert = CertificateDer::from_pem_file(format!("{dir}/{name}-cert.pem")).unwrap();
    let key = PrivateKeyDer::from_pem_file(format!("{dir}/{name}-key.pem")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let server = thread::spawn(move || {
        let (socket, _) = listener.accept().unwrap();
        socket.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let session = rustls::ServerConnection::new(Arc::new(config)).unwrap();
        let mut stream = BufReader::new(rustls::StreamOwned::new(session, socket));
        let mut seen = Vec::new();
        let mut line = String::new();
        while matches!(stream.read_line(&mut line), Ok(n) if n > 0) {
            let got = line.trim_end().to_owned();
            let reply =
                if seen.is_empty() { format!("*** welcome {got}, online (1): {got}") } else { format!("echo: {got}") };
            let _ = stream.get_mut().write_all(format!("{reply}\n").as_bytes());
            let _ = stream.get_mut().flush();
            seen.push(got);
            line.clear();
        }
        seen
    });
    (addr, server)
}

fn fingerprint_of(name: &str) -> Fingerprint {
    use rustls::pki_types::pem::PemObject;
    let path = format!("{}/tests/tls/{name}-cert.pem", env!("CARGO_MANIFEST_DIR"));
    Fingerprint::of(&rustls::pki_types::CertificateDer::from_pem_file(path).unwrap())
}

/// A private known_servers file, with `pin` for `addr` if given.
fn known_servers(test: &str, pin: Option<(&str, Fingerprint)>) -> PathBuf {
    let path = std::env::temp_dir().join(format!("natter-{test}-{}", std::process::id())).join("known_servers");
    let _ = std::fs::remove_file(&path);
    if let Some((addr, fingerprint)) = pin {
        known_servers::KnownServers::pin(&path, addr, fingerprint).unwrap();
    }
    path
}

#[test]
fn tls_unknown_certificate_stops_before_the_name_with_its_fingerprint() {
    let (addr, server) = tls_server("natterd");
    let known_servers = known_servers("unknown", None);
    let (_conn, rx) = Connection::open(parsed(&addr), "alice".into(), Security::Tls { known_servers });
    let fingerprint = fingerprint_of("natterd");
    assert_eq!(next(&rx), ServerEvent::Closed(CloseReason::Untrusted { fingerprint }));
    assert!(server.join().unwrap().is_empty(), "the server read nothing");
}

#[test]
fn tls_pinned_certificate_connects_and_chats_both_ways() {
    let (addr, server) = tls_server("natterd");
    let known_servers = known_servers("pinned", Some((&addr, fingerprint_of("natterd"))));
    let (conn, rx) = Connection::open(parsed(&addr), "철수".into(), Security::Tls { known_servers });
    assert_eq!(next(&rx), ServerEvent::Connected);
    assert_eq!(next(&rx), ServerEvent::Line("*** welcome 철수, online (1): 철수".into()));
    let sender = conn.sender();
    for text in ["hello", "안녕"] {
        assert_eq!(glib_free_block_on(sender.send(text.into())), Ok(()));
        assert_eq!(next(&rx), ServerEvent::Line(format!("echo: {text}")));
    }
    conn.quit();
    flush_goodbyes(Duration::from_secs(5));
    // The client hangs up right after the goodbye: the echo may or may not make it.
    let mut last = next(&rx);
    if last == ServerEvent::Line("echo: /quit".into()) {
        last = next(&rx);
    }
    assert_eq!(last, ServerEvent::Closed(CloseReason::Closed));
    assert_eq!(server.join().unwrap(), ["철수", "hello", "안녕", "/quit"]);
}

#[test]
fn tls_changed_certificate_is_refused_naming_both() {
    let (addr, server) = tls_server("other");
    let pinned = fingerprint_of("natterd");
    let known_servers = known_servers("changed", Some((&addr, pinned)));
    let (_conn, rx) = Connection::open(parsed(&addr), "alice".into(), Security::Tls { known_servers });
    let presented = fingerprint_of("other");
    assert_eq!(next(&rx), ServerEvent::Closed(CloseReason::CertificateChanged { pinned, presented }));
    assert!(server.join().unwrap().is_empty(), "the server read nothing");
}

#[test]
fn tls_to_a_plain_server_fails_with_a_tls_reason() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let server = thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        // What natterd says to bytes it cannot take as a name.
        socket.write_all(b"*** error: bad name\n").unwrap();
        thread::sleep(Duration::from_millis(500));
    });
    let known_servers = known_servers("plain", None);
    let (_conn, rx) = Connection::open(parsed(&addr), "alice".into(), Security::Tls { known_servers });
    assert!(matches!(next(&rx), ServerEvent::Closed(CloseReason::TlsFailed(_))));
    server.join().unwrap();
}

/// Polls a future to completion on this thread (the channels need no reactor).
fn glib_free_block_on<F: std::future::Future>(fut: F) -> F::Output {
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1000 {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        thread::sleep(Duration::from_millis(5));
    }
    panic!("future did not finish within 5 s");
}
