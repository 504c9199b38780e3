//! slow-reader: rooms #a and #b with M members each. The first S members
//! of each room send a paced total of R lines a second, round-robin over
//! both rooms, and F filler clients in #a send 400-byte lines that are not
//! measured, so #a carries bulk. One phase of T seconds measures the
//! bystanders' one-way latency per room (the idle baseline); then one more
//! member joins #a with a 4 KiB receive buffer and never reads again, and a
//! second phase of T seconds measures the same traffic.
//!
//! What it shows: whether one member that stops reading holds back the
//! others of its room, or of another room, and whether the server drops it.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use super::{name, now_ns, CpuMeter, Ctx};
use crate::dialect::{Dialect, Payload};
use crate::figures::SlowReader;
use crate::progress::Progress;
use crate::swarm::{Happening, Swarm};

/// Filler clients in #a, and the length of their lines.
const FILLERS: usize = 4;
const FILLER_BYTES: usize = 400;
/// How long to wait for the last lines after a phase's last send.
const DRAIN: Duration = Duration::from_secs(3);
/// Receive buffer of the member that stops reading.
const SLOW_RCVBUF: usize = 4096;

/// Runs one slow-reader measurement against a fresh server.
pub fn run(ctx: &Ctx, members: usize, senders: usize, rate: u64, filler_rate: u64, secs: f64) -> SlowReader {
    let mut fig =
        SlowReader { members, senders: senders.min(members), rate, filler_rate, secs, ..SlowReader::default() };
    if let Err(e) = measure(ctx, &mut fig) {
        fig.error = Some(e);
    }
    fig
}

/// One-way times in µs, per room.
#[derive(Default)]
struct Phase {
    a: Vec<u32>,
    b: Vec<u32>,
    expected: u64,
}

fn quantile(samples: &mut [u32], q: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    samples.sort_unstable();
    samples[((samples.len() - 1) as f64 * q).round() as usize] as f64 / 1000.0
}

fn measure(ctx: &Ctx, fig: &mut SlowReader) -> Result<(), String> {
    let (m, s) = (fig.members, fig.senders);
    if m < 2 || s == 0 || fig.rate == 0 {
        return Err("slow-reader needs at least 2 members, 1 sender and a rate".into());
    }
    let server = ctx.start_server()?;
    let dialect = ctx.peer.kind.dialect();
    let mut swarm = Swarm::new(dialect, server.addr).map_err(|e| e.to_string())?;
    let mut progress = Progress::new(&ctx.label);
    // Members of #a, members of #b, then the fillers in #a.
    let room = |i: usize| Some(if i < m || i >= 2 * m { "#a" } else { "#b" }.to_owned());
    let total = 2 * m + FILLERS;
    let ids = swarm.establish_in(
        total,
        |i| name('w', i),
        room,
        ctx.setup_concurrency(),
        Duration::from_secs(120),
        &mut progress,
    )?;
    let mut room_of_id = vec![0u8; ids.iter().max().map_or(0, |x| x + 1)];
    for (i, &id) in ids.iter().enumerate() {
        room_of_id[id] = if i < m {
            b'a'
        } else if i < 2 * m {
            b'b'
        } else {
            b'f'
        };
    }
    swarm.settle(Duration::from_millis(300), Duration::from_secs(30)).map_err(|e| e.to_string())?;
    // Senders: the first `s` members of each room, alternately.
    let senders: Vec<usize> = (0..s).flat_map(|j| [ids[j], ids[m + j]]).collect();
    let fillers = &ids[2 * m..];
    let filler_text = vec![b'z'; FILLER_BYTES];
    let meter = CpuMeter::start(&server);
    let mut lost = 0;

    let mut run_phase = |swarm: &mut Swarm, phase: &mut Phase, what: &str| -> Result<(), String> {
        let lines = (fig.rate as f64 * fig.secs).round() as u64;
        let fills = (fig.filler_rate as f64 * fig.secs).round() as u64;
        phase.expected = lines * (m as u64 - 1);
        let start_ns = now_ns();
        let (mut sent, mut filled) = (0u64, 0u64);
        let mut last_send = Instant::now();
        loop {
            let elapsed = now_ns() - start_ns;
            let due = (elapsed as u128 * fig.rate as u128 / 1_000_000_000) as u64 + 1;
            while sent < due.min(lines) {
                let id = senders[(sent % senders.len() as u64) as usize];
                let payload = Payload { sender: id as u32, seq: sent as u32, sent_ns: now_ns() };
                swarm.queue_chat(id, &payload);
                swarm.flush(id);
                sent += 1;
                last_send = Instant::now();
            }
            let fill_due = (elapsed as u128 * fig.filler_rate as u128 / 1_000_000_000) as u64;
            while filled < fill_due.min(fills) {
                let id = fillers[(filled % FILLERS as u64) as usize];
                swarm.queue_text(id, &filler_text);
                swarm.flush(id);
                filled += 1;
            }
            let got = (phase.a.len() + phase.b.len()) as u64;
            if sent == lines && (got >= phase.expected || last_send.elapsed() > DRAIN) {
                return Ok(());
            }
            swarm
                .pump(Duration::from_micros(500), |h| match h {
                    Happening::Delivery { receiver, payload } => {
                        let micros = (now_ns().saturating_sub(payload.sent_ns) / 1000).min(u32::MAX as u64) as u32;
                        match room_of_id.get(receiver) {
                            Some(b'a') => phase.a.push(micros),
                            Some(b'b') => phase.b.push(micros),
                            _ => {}
                        }
                    }
                    Happening::Gone(_) => lost += 1,
                    Happening::Ready(_) => {}
                })
                .map_err(|e| e.to_string())?;
            progress.tick(|| format!("{what}: {sent}/{lines} lines sent"));
        }
    };

    let mut idle = Phase::default();
    run_phase(&mut swarm, &mut idle, "idle")?;
    let slow = join_and_stop_reading(dialect, server.addr, &name('w', total))?;
    let mut stalled = Phase::default();
    run_phase(&mut swarm, &mut stalled, "one member not reading")?;
    let cpu = meter.stop(&server);
    fig.slow_dropped = u64::from(closed_by_server(slow));

    fig.idle_a_p50_ms = quantile(&mut idle.a, 0.5);
    fig.idle_a_p99_ms = quantile(&mut idle.a, 0.99);
    fig.idle_b_p50_ms = quantile(&mut idle.b, 0.5);
    fig.idle_b_p99_ms = quantile(&mut idle.b, 0.99);
    fig.slow_a_p50_ms = quantile(&mut stalled.a, 0.5);
    fig.slow_a_p99_ms = quantile(&mut stalled.a, 0.99);
    fig.slow_b_p50_ms = quantile(&mut stalled.b, 0.5);
    fig.slow_b_p99_ms = quantile(&mut stalled.b, 0.99);
    let got = (idle.a.len() + idle.b.len() + stalled.a.len() + stalled.b.len()) as u64;
    fig.missing = (idle.expected + stalled.expected).saturating_sub(got);
    fig.lost_clients = lost;
    fig.server_cpu_s = cpu.server.as_secs_f64();
    fig.bench_cpu_s = cpu.bench.as_secs_f64();
    server.stop();
    Ok(())
}

/// Connects a member of #a with a small receive buffer, waits until it is
/// in, and returns it; nobody reads it after that.
fn join_and_stop_reading(dialect: Dialect, addr: SocketAddr, name: &str) -> Result<TcpStream, String> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).map_err(|e| e.to_string())?;
    socket.set_recv_buffer_size(SLOW_RCVBUF).map_err(|e| e.to_string())?;
    socket.connect(&addr.into()).map_err(|e| format!("slow member: connect: {e}"))?;
    let mut stream: TcpStream = socket.into();
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let (hello, joined): (String, &[u8]) = match dialect {
        Dialect::Natter => (format!("{name}\n/join #a\n"), b"#a *** welcome "),
        Dialect::Irc => (format!("NICK {name}\r\nUSER {name} 0 * :{name}\r\nJOIN #a\r\n"), b" 366 "),
    };
    stream.write_all(hello.as_bytes()).map_err(|e| format!("slow member: {e}"))?;
    stream.set_read_timeout(Some(Duration::from_millis(100))).map_err(|e| e.to_string())?;
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    let mut chunk = [0u8; 4096];
    while !seen.windows(joined.len()).any(|w| w == joined) {
        if Instant::now() > deadline {
            return Err(format!("slow member not in #a after 10 s: {:?}", String::from_utf8_lossy(&seen)));
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Err("slow member closed while joining".into()),
            Ok(n) => seen.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted) => {}
            Err(e) => return Err(format!("slow member: {e}")),
        }
    }
    Ok(stream)
}

/// Reads what is left for the slow member: true if the server had closed
/// it (EOF or reset within 3 s), false if it was still being fed.
fn closed_by_server(mut stream: TcpStream) -> bool {
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut chunk = [0u8; 65536];
    while Instant::now() < deadline {
        match stream.read(&mut chunk) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted) => {}
            Err(_) => return true,
        }
    }
    false
}
