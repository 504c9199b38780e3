//! ceiling: plain loopback TCP throughput in the same run, one socket
//! pair and large writes, the writer pinned where the server runs and the
//! reader where the generator runs. A chat server's delivered bytes per
//! second are reported as a fraction of it.
//!
//! Also the floor under fan-out latency: the CPU time of one 69-byte
//! write with `TCP_NODELAY`, to each of 200 sockets in turn, as a server
//! delivering one line to a room does. Any server pays at least this per
//! delivery on this machine.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::figures::Ceiling;
use crate::sys;

const CHUNK: usize = 256 * 1024;

/// Sockets and bytes of the small-write measurement: a latency room.
const SMALL_SOCKETS: usize = 200;
const SMALL_WRITE: usize = 69;

/// Measures for `secs` seconds, then small writes for `secs` more.
pub fn run(secs: f64, writer_cpu: Option<usize>) -> Ceiling {
    let mut fig = Ceiling { secs, ..Ceiling::default() };
    match measure(secs, writer_cpu).and_then(|rate| Ok((rate, small_writes(secs, writer_cpu)?))) {
        Ok((bytes_per_sec, small_write_us)) => {
            fig.bytes_per_sec = bytes_per_sec;
            fig.small_write_us = small_write_us;
        }
        Err(e) => fig.error = Some(e.to_string()),
    }
    fig
}

/// CPU µs per small write, the writer on `writer_cpu`, this thread reading.
fn small_writes(secs: f64, writer_cpu: Option<usize>) -> std::io::Result<f64> {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use mio::{Events, Interest, Poll, Token};

    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let mut poll = Poll::new()?;
    let mut readers = Vec::with_capacity(SMALL_SOCKETS);
    let mut writers = Vec::with_capacity(SMALL_SOCKETS);
    for i in 0..SMALL_SOCKETS {
        let stream = TcpStream::connect(addr)?;
        let (accepted, _) = listener.accept()?;
        accepted.set_nodelay(true)?;
        writers.push(accepted);
        stream.set_nonblocking(true)?;
        let mut stream = mio::net::TcpStream::from_std(stream);
        poll.registry().register(&mut stream, Token(i), Interest::READABLE)?;
        readers.push(stream);
    }
    let done = Arc::new(AtomicBool::new(false));
    let duration = Duration::from_secs_f64(secs);
    let writer = std::thread::spawn({
        let done = done.clone();
        move || -> std::io::Result<f64> {
            if let Some(cpu) = writer_cpu {
                let _ = sys::pin_current_thread(cpu);
            }
            let line = [b'x'; SMALL_WRITE];
            let (start, cpu0) = (Instant::now(), sys::thread_cpu());
            let mut writes = 0u64;
            while start.elapsed() < duration {
                for w in &mut writers {
                    w.write_all(&line)?;
                }
                writes += SMALL_SOCKETS as u64;
            }
            let cpu = sys::thread_cpu() - cpu0;
            done.store(true, Ordering::Release);
            Ok(cpu.as_secs_f64() * 1e6 / writes.max(1) as f64)
        }
    });
    let mut events = Events::with_capacity(256);
    let mut buf = vec![0u8; 64 * 1024];
    // Drain until the writer is done; bounded by time whatever happens.
    let limit = Instant::now() + duration + Duration::from_secs(10);
    while !done.load(Ordering::Acquire) && Instant::now() < limit {
        poll.poll(&mut events, Some(Duration::from_millis(10)))?;
        for event in events.iter() {
            let r = &mut readers[event.token().0];
            while matches!(r.read(&mut buf), Ok(n) if n > 0) {}
        }
    }
    drop(readers);
    writer.join().map_err(|_| std::io::Error::other("small-write thread panicked"))?
}

fn measure(secs: f64, writer_cpu: Option<usize>) -> std::io::Result<f64> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let duration = Duration::from_secs_f64(secs);
    let writer = std::thread::spawn(move || -> std::io::Result<()> {
        if let Some(cpu) = writer_cpu {
            let _ = sys::pin_current_thread(cpu);
        }
        let mut out = TcpStream::connect(addr)?;
        let chunk = vec![b'x'; CHUNK];
        let start = Instant::now();
        // Bounded by time; the reader closing ends it early.
        while start.elapsed() < duration + Duration::from_millis(500) {
            if out.write_all(&chunk).is_err() {
                break;
            }
        }
        Ok(())
    });
    let (mut input, _) = listener.accept()?;
    let mut buf = vec![0u8; CHUNK];
    // Skip the first bytes: TCP autotuning is still growing the windows.
    let mut warm = 0usize;
    while warm < 16 * CHUNK {
        match input.read(&mut buf)? {
            0 => break,
            n => warm += n,
        }
    }
    let start = Instant::now();
    let mut total = 0u64;
    while start.elapsed() < duration {
        match input.read(&mut buf)? {
            0 => break,
            n => total += n as u64,
        }
    }
    let rate = total as f64 / start.elapsed().as_secs_f64();
    drop(input);
    let _ = writer.join();
    Ok(rate)
}
