//! ceiling: plain loopback TCP throughput in the same run, one socket
//! pair and large writes, the writer pinned where the server runs and the
//! reader where the generator runs. A chat server's delivered bytes per
//! second are reported as a fraction of it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::figures::Ceiling;
use crate::sys;

const CHUNK: usize = 256 * 1024;

/// Measures for `secs` seconds.
pub fn run(secs: f64, writer_cpu: Option<usize>) -> Ceiling {
    let mut fig = Ceiling { secs, ..Ceiling::default() };
    match measure(secs, writer_cpu) {
        Ok(bytes_per_sec) => fig.bytes_per_sec = bytes_per_sec,
        Err(e) => fig.error = Some(e.to_string()),
    }
    fig
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
