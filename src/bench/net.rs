//! The load generator's network core: one mio `Poll` over every client
//! socket, on one thread, so the generator stays cheap next to the server.
//!
//! `Net` knows bytes and lines, nothing about chat: [`crate::swarm`] puts
//! the dialects on top. Sockets are registered edge-triggered for both
//! directions once; a read shorter than the buffer means the socket is
//! drained (new data raises a new edge), which saves the extra `read` that
//! would only return `EAGAIN`.

use std::io::{self, ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::time::Duration;

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};
use slab::Slab;

/// Bytes per read call.
const READ_CHUNK: usize = 64 * 1024;
/// A line longer than this is dropped: no server under test sends one.
const MAX_LINE: usize = 4 << 20;

/// Something that happened on a socket during [`Net::poll`].
pub enum Event<'a> {
    /// A complete line, terminator (`\n` or `\r\n`) removed.
    Line(usize, &'a [u8]),
    /// The socket closed or failed; its id is free again.
    Closed(usize),
}

/// One client socket.
struct Conn {
    stream: TcpStream,
    /// An unterminated line left over from the last read.
    partial: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
}

/// Many client sockets on one poll.
pub struct Net {
    poll: Poll,
    events: Events,
    conns: Slab<Conn>,
    buf: Vec<u8>,
    /// Sockets whose write failed; reported as closed by the next poll.
    failed: Vec<usize>,
    /// Bytes read so far over all sockets.
    pub bytes_in: u64,
    /// Why the last socket that closed did.
    pub last_close: Option<String>,
}

impl Net {
    pub fn new() -> io::Result<Net> {
        Ok(Net {
            poll: Poll::new()?,
            events: Events::with_capacity(1024),
            conns: Slab::new(),
            buf: vec![0; READ_CHUNK],
            failed: Vec::new(),
            bytes_in: 0,
            last_close: None,
        })
    }

    /// Starts a non-blocking connect with Nagle off, so the generator
    /// never delays its own small writes. Bytes queued before the
    /// connection completes go out when it does.
    pub fn connect(&mut self, addr: SocketAddr) -> io::Result<usize> {
        let mut stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        let entry = self.conns.vacant_entry();
        let id = entry.key();
        self.poll.registry().register(&mut stream, Token(id), Interest::READABLE | Interest::WRITABLE)?;
        entry.insert(Conn { stream, partial: Vec::new(), out: Vec::new(), out_pos: 0 });
        Ok(id)
    }

    /// Ids of the open sockets.
    pub fn ids(&self) -> Vec<usize> {
        self.conns.iter().map(|(id, _)| id).collect()
    }

    /// The output buffer of `id`, to append to; [`flush`](Self::flush)
    /// sends it.
    pub fn out(&mut self, id: usize) -> Option<&mut Vec<u8>> {
        self.conns.get_mut(id).map(|c| &mut c.out)
    }

    /// Appends and writes at once.
    pub fn send(&mut self, id: usize, bytes: &[u8]) {
        if let Some(out) = self.out(id) {
            out.extend_from_slice(bytes);
            self.flush(id);
        }
    }

    /// Writes what `id` has queued, as far as the socket takes it; the
    /// rest goes out on the next writable edge.
    pub fn flush(&mut self, id: usize) {
        let Some(conn) = self.conns.get_mut(id) else {
            return;
        };
        if let Err(e) = flush_conn(conn) {
            self.last_close = Some(format!("write failed: {e}"));
            self.failed.push(id);
        }
    }

    /// Closes `id` (a FIN, or a reset if unread data is left).
    pub fn close(&mut self, id: usize) {
        if let Some(mut conn) = self.conns.try_remove(id) {
            let _ = self.poll.registry().deregister(&mut conn.stream);
        }
    }

    /// Waits up to `timeout` for socket events and reports every complete
    /// line and every close to `on`.
    pub fn poll(&mut self, timeout: Option<Duration>, mut on: impl FnMut(Event<'_>)) -> io::Result<()> {
        for id in std::mem::take(&mut self.failed) {
            if self.conns.contains(id) {
                self.close(id);
                on(Event::Closed(id));
            }
        }
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => return Ok(()),
            Err(e) => return Err(e),
        }
        let Net { events, conns, buf, bytes_in, poll, last_close, .. } = self;
        for event in events.iter() {
            let id = event.token().0;
            let Some(conn) = conns.get_mut(id) else {
                continue;
            };
            let mut dead = None;
            if event.is_writable() {
                dead = flush_conn(conn).err().map(|e| format!("write failed: {e}"));
            }
            if dead.is_none() && (event.is_readable() || event.is_read_closed() || event.is_error()) {
                dead = read_conn(conn, buf, bytes_in, |line| on(Event::Line(id, line)));
            }
            if let Some(why) = dead {
                *last_close = Some(why);
                let mut conn = conns.remove(id);
                let _ = poll.registry().deregister(&mut conn.stream);
                on(Event::Closed(id));
            }
        }
        Ok(())
    }
}

/// Reads until the socket is drained; `Some(why)` means it closed or failed.
fn read_conn(conn: &mut Conn, buf: &mut [u8], bytes_in: &mut u64, mut on_line: impl FnMut(&[u8])) -> Option<String> {
    loop {
        match conn.stream.read(buf) {
            Ok(0) => return Some("closed by the server".into()),
            Ok(n) => {
                *bytes_in += n as u64;
                split_lines(&mut conn.partial, &buf[..n], &mut on_line);
                if n < buf.len() {
                    return None;
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => return None,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Some(format!("read failed: {e}")),
        }
    }
}

fn flush_conn(conn: &mut Conn) -> io::Result<()> {
    while conn.out_pos < conn.out.len() {
        match conn.stream.write(&conn.out[conn.out_pos..]) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(n) => conn.out_pos += n,
            // Also what a socket still connecting says.
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
            Err(e) if e.kind() == ErrorKind::NotConnected => return Ok(()),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    conn.out.clear();
    conn.out_pos = 0;
    Ok(())
}

/// Hands every complete line in `partial` + `data` to `on_line` and keeps
/// the unterminated rest in `partial`.
fn split_lines(partial: &mut Vec<u8>, data: &[u8], on_line: &mut impl FnMut(&[u8])) {
    let mut rest = data;
    if !partial.is_empty() {
        let Some(nl) = find_newline(rest) else {
            if partial.len() + rest.len() > MAX_LINE {
                partial.clear();
            } else {
                partial.extend_from_slice(rest);
            }
            return;
        };
        partial.extend_from_slice(&rest[..nl]);
        on_line(trim_cr(partial));
        partial.clear();
        rest = &rest[nl + 1..];
    }
    while let Some(nl) = find_newline(rest) {
        on_line(trim_cr(&rest[..nl]));
        rest = &rest[nl + 1..];
    }
    partial.extend_from_slice(rest);
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Position of the first `\n`, eight bytes at a time: the generator reads
/// millions of lines a second and this is its inner loop.
fn find_newline(hay: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const NL: u64 = LO * b'\n' as u64;
    let mut chunks = hay.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("chunks_exact(8) gives 8 bytes")) ^ NL;
        let zero = word.wrapping_sub(LO) & !word & HI;
        if zero != 0 {
            return Some(base + (zero.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    chunks.remainder().iter().position(|&b| b == b'\n').map(|i| base + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_newlines_anywhere() {
        for len in 0..40 {
            for at in 0..len {
                let mut v = vec![b'a'; len];
                v[at] = b'\n';
                assert_eq!(find_newline(&v), Some(at), "len {len} at {at}");
            }
            assert_eq!(find_newline(&vec![0x8a; len]), None);
        }
    }

    #[test]
    fn splits_across_reads() {
        let mut partial = Vec::new();
        let mut got = Vec::new();
        for piece in [&b"one\r\ntw"[..], b"o", b"\nthree\nfo"] {
            split_lines(&mut partial, piece, &mut |l: &[u8]| got.push(l.to_vec()));
        }
        assert_eq!(got, [b"one".to_vec(), b"two".to_vec(), b"three".to_vec()]);
        assert_eq!(partial, b"fo");
    }
}
