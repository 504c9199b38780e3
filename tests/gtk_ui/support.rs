//! Helpers of the GTK tests: bounded waits that keep the main loop turning,
//! a natterd child process, a raw socket client, and a shown window.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use adw::prelude::*;
use gtk::glib;

use crate::model::address::ServerAddress;
use crate::model::session::Entry;
use crate::window::{NatterWindow, Phase, WindowPage};

const NATTERD: &str = env!("CARGO_BIN_EXE_natterd");
/// Upper bound of every wait.
pub const WAIT: Duration = Duration::from_secs(15);

/// Runs the main loop until `cond` holds, failing after `limit`.
pub fn wait_until_for(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let ctx = glib::MainContext::default();
    let deadline = Instant::now() + limit;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out after {limit:?} waiting for {what}");
        if !ctx.iteration(false) {
            thread::sleep(Duration::from_millis(5));
        }
    }
}

pub fn wait_until(what: &str, cond: impl FnMut() -> bool) {
    wait_until_for(what, WAIT, cond);
}

/// Runs the main loop for `d` (to give something the chance to happen).
pub fn pump(d: Duration) {
    let ctx = glib::MainContext::default();
    let end = Instant::now() + d;
    while Instant::now() < end {
        if !ctx.iteration(false) {
            thread::sleep(Duration::from_millis(5));
        }
    }
}

/// A natterd child process, killed on drop. Its log is kept.
pub struct Server {
    child: Child,
    pub port: u16,
    /// The TLS port, when started with [`Server::tls`].
    pub tls_port: Option<u16>,
    log: Arc<Mutex<Vec<String>>>,
}

/// Starts the natter binary with `args`, its settings under `config_home`
/// and no session bus (so it is its own process, not a new window of
/// another instance).
pub fn spawn_natter(args: &[&str], config_home: &std::path::Path) -> Child {
    Command::new(crate::NATTER)
        .args(args)
        .env("XDG_CONFIG_HOME", config_home)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("natter starts")
}

/// The path of a test certificate or key in `tests/tls/`.
pub fn tls_material(file: &str) -> String {
    format!("{}/tests/tls/{file}", env!("CARGO_MANIFEST_DIR"))
}

/// A loopback port nobody listens on (bound, then let go).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port is free");
    listener.local_addr().expect("a bound listener has an address").port()
}

impl Server {
    pub fn start() -> Server {
        Server::on_port(0)
    }

    pub fn on_port(port: u16) -> Server {
        Server::with_args(port, &[])
    }

    /// A server with a plain port and a TLS port (0: any) serving the
    /// test certificate `cert` (`natterd` or `other`).
    pub fn tls(port: u16, tls_port: u16, cert: &str) -> Server {
        let listen = format!("127.0.0.1:{tls_port}");
        let (cert, key) = (tls_material(&format!("{cert}-cert.pem")), tls_material(&format!("{cert}-key.pem")));
        Server::with_args(port, &["--listen-tls", &listen, "--tls-cert", &cert, "--tls-key", &key])
    }

    pub fn with_args(port: u16, extra: &[&str]) -> Server {
        let listen = format!("127.0.0.1:{port}");
        // Windows under test see live chat only, unless a test gives a --data-dir.
        let keep = extra.iter().any(|a| a.starts_with("--data-dir"));
        let mut child = Command::new(NATTERD)
            .args(["--listen", &listen, "--log-level", "info"])
            .args(if keep { &[][..] } else { &["--no-history"][..] })
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("natterd should start");
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = Arc::new(Mutex::new(Vec::new()));
        let lines = log.clone();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                lines.lock().expect("log lock").push(line);
            }
        });
        let mut server = Server { child, port: 0, tls_port: None, log };
        let want_tls = extra.contains(&"--listen-tls");
        let deadline = Instant::now() + WAIT;
        loop {
            for line in server.log() {
                let Some(at) = line.find("listening on ") else { continue };
                let rest = line[at + "listening on ".len()..].trim();
                let (addr, tls) = match rest.strip_suffix(" (tls)") {
                    Some(addr) => (addr, true),
                    None => (rest, false),
                };
                let port = addr.rsplit(':').next().and_then(|p| p.parse::<u16>().ok());
                if tls {
                    server.tls_port = port;
                } else if let Some(port) = port {
                    server.port = port;
                }
            }
            if server.port != 0 && (!want_tls || server.tls_port.is_some()) {
                return server;
            }
            assert!(
                Instant::now() < deadline,
                "natterd should print `listening on 127.0.0.1:PORT`: {:?}",
                server.log()
            );
            thread::sleep(Duration::from_millis(5));
        }
    }

    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn tls_address(&self) -> String {
        format!("127.0.0.1:{}", self.tls_port.expect("a server started with Server::tls"))
    }

    /// natterd's log so far, one line per entry.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().expect("log lock").clone()
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A plain socket client on the other side; lines arrive through a thread.
pub struct Raw {
    pub stream: TcpStream,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Raw {
    /// Connects as `name` and waits for the welcome.
    pub fn join(server: &Server, name: &str) -> Raw {
        let stream = TcpStream::connect(server.address()).expect("raw client connects");
        let reader = stream.try_clone().expect("clone raw socket");
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(reader).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut raw = Raw { stream, lines: rx, seen: Vec::new() };
        raw.send(name);
        raw.expect(&format!("welcome for {name}"), |l| l.starts_with("*** welcome "));
        raw
    }

    pub fn send(&mut self, line: &str) {
        self.stream.write_all(format!("{line}\n").as_bytes()).expect("raw client writes");
    }

    /// Waits (pumping GTK) for a line that satisfies `pred`; returns it.
    pub fn expect(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let mut found = None;
        wait_until(&format!("raw client to read {what}"), || {
            while let Ok(line) = self.lines.try_recv() {
                self.seen.push(line);
            }
            if let Some(i) = self.seen.iter().position(|l| pred(l)) {
                found = Some(self.seen.remove(i));
            }
            found.is_some()
        });
        found.expect("found after the wait")
    }

    pub fn expect_line(&mut self, exact: &str) {
        self.expect(&format!("{exact:?}"), |l| l == exact);
    }

    /// Everything received so far that no `expect` took.
    pub fn drain(&mut self) -> Vec<String> {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        std::mem::take(&mut self.seen)
    }
}

impl Drop for Raw {
    fn drop(&mut self) {
        // The reader thread holds a clone of the socket: shut it down for real.
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}

/// A scripted server for lines natterd does not send yet: to the first
/// client it sends `first` once it has read its name line, then answers
/// each line the window writes with `answer`'s lines. Returns its address
/// and every line it read, in order.
pub fn scripted_server(
    first: Vec<String>,
    answer: impl Fn(&str) -> Vec<String> + Send + 'static,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let address = listener.local_addr().expect("a bound listener has an address").to_string();
    let read = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&read);
    thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else { return };
        let reader = BufReader::new(stream.try_clone().expect("the socket clones"));
        let mut lines = reader.lines().map_while(Result::ok);
        let _ = lines.next();
        for line in first {
            let _ = stream.write_all(format!("{line}\n").as_bytes());
        }
        for line in lines {
            let replies = answer(&line);
            log.lock().expect("the log is never poisoned").push(line);
            for reply in replies {
                let _ = stream.write_all(format!("{reply}\n").as_bytes());
            }
        }
    });
    (address, read)
}

/// A shown window, destroyed on drop so a failed check leaves nothing behind.
pub struct Win(pub NatterWindow);

impl Win {
    pub fn new() -> Win {
        let window = NatterWindow::standalone();
        window.present();
        Win(window)
    }

    /// A window joined to `server` as `name`.
    pub fn joined(server: &Server, name: &str) -> Win {
        let win = Win::new();
        win.0.join(&parsed(&server.address()), name, false);
        win.wait_joined();
        win
    }

    pub fn wait_joined(&self) {
        wait_until("the window to join", || self.0.phase() == Phase::Joined && self.0.page() == WindowPage::Chat);
    }

    pub fn entries(&self) -> Vec<Entry> {
        self.0.chat_view().lines().into_iter().map(|l| l.entry).collect()
    }

    pub fn wait_entry(&self, what: &str, pred: impl Fn(&Entry) -> bool) {
        wait_until(what, || self.entries().iter().any(&pred));
    }

    pub fn members(&self) -> Vec<String> {
        self.0.member_list().names()
    }

    pub fn type_and_send(&self, text: &str) {
        let composer = self.0.composer();
        composer.set_text(text);
        composer.entry().emit_activate();
    }
}

impl Drop for Win {
    fn drop(&mut self) {
        gtk::prelude::GtkWindowExt::set_focus(&self.0, None::<&gtk::Widget>);
        self.0.destroy();
    }
}

/// `host:port` as the client's typed address.
pub fn parsed(address: &str) -> ServerAddress {
    ServerAddress::parse(address).expect("a test address parses")
}

pub fn owned(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// Every widget under `root`, `root` first.
pub fn descendants(root: &gtk::Widget) -> Vec<gtk::Widget> {
    let mut all = vec![root.clone()];
    let mut i = 0;
    while i < all.len() {
        let mut child = all[i].first_child();
        while let Some(c) = child {
            child = c.next_sibling();
            all.push(c);
        }
        i += 1;
    }
    all
}

/// With `NATTER_SHOTS=DIR`, saves the screen as `DIR/NAME.png` (ImageMagick's
/// `import`), to look at a state a check reached; otherwise does nothing.
pub fn shot(name: &str) {
    save_screen(name, None);
}

/// [`shot`], cropped to `win` (at 0,0 inside a 5 px frame with no window
/// manager).
pub fn shot_of(win: &Win, name: &str) {
    save_screen(name, Some(format!("{}x{}+5+5", win.0.width(), win.0.height())));
}

fn save_screen(name: &str, crop: Option<String>) {
    let Some(dir) = std::env::var_os("NATTER_SHOTS") else {
        return;
    };
    pump(Duration::from_millis(300));
    let display = std::env::var("DISPLAY").unwrap_or_default();
    let path = std::path::Path::new(&dir).join(format!("{name}.png"));
    let mut import = Command::new("import");
    import.args(["-display", &display, "-window", "root"]);
    if let Some(crop) = crop {
        import.args(["-crop", &crop]);
    }
    let status = import.arg(&path).status();
    assert!(status.is_ok_and(|s| s.success()), "ImageMagick's import saves {}", path.display());
}

/// Waits (pumping GTK) for a child process that runs a check, at most
/// four times [`WAIT`] (then kills it), and prints its output indented.
/// `None` when it had to be killed.
pub fn finish_child(child: &mut Child) -> Option<std::process::ExitStatus> {
    use std::io::Read;
    // Read its output on threads, so a full pipe never stalls it.
    let read = |pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut text = String::new();
            let _ = BufReader::new(pipe).read_to_string(&mut text);
            text
        })
    };
    let out = read(Box::new(child.stdout.take().expect("stdout is piped")));
    let err = read(Box::new(child.stderr.take().expect("stderr is piped")));
    // Bounded: a hung child is killed, and its output still shown.
    let deadline = Instant::now() + WAIT * 4;
    let status = loop {
        if let Some(status) = child.try_wait().expect("the child can be waited for") {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        pump(Duration::from_millis(20));
    };
    let (out, err) = (out.join().unwrap_or_default(), err.join().unwrap_or_default());
    for line in out.lines().chain(err.lines()).filter(|l| !l.trim().is_empty()) {
        println!("    | {line}");
    }
    status
}
