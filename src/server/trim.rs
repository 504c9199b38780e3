//! Handing freed heap back to the kernel, and the one rule for when.
//!
//! glibc keeps freed memory for reuse. After a join or quit storm, or a
//! busy spell of large output buffers, that is megabytes an idle server
//! would hold for nothing. natterd trims a short quiet time after such a
//! turn, pushing the trim back while the burst goes on, so trimming never
//! runs in the middle of the work that would reuse the memory.

use std::time::{Duration, Instant};

/// Quiet time after a burst before freed heap is handed back.
const TRIM_AFTER: Duration = Duration::from_millis(200);
/// Joins or closes in one turn that count as a burst worth trimming after.
const TRIM_BURST: usize = 32;
/// Bytes queued in one turn that count as a busy spell worth trimming after.
const TRIM_BUSY_BYTES: usize = 256 * 1024;

/// When the next trim is due, and this turn's churn.
#[derive(Default)]
pub struct Trim {
    at: Option<Instant>,
    /// Connections accepted or reaped this turn.
    churn: usize,
    /// Output buffer bytes of the clients reaped this turn.
    freed: usize,
}

impl Trim {
    /// A connection was accepted or reaped.
    pub fn churn(&mut self) {
        self.churn += 1;
    }

    /// A reaped client's output buffer of `bytes` was freed: after the
    /// output budget drops stalled clients, their memory goes back.
    pub fn freed(&mut self, bytes: usize) {
        self.freed += bytes;
    }

    /// The one place that decides: at the end of a turn that saw a burst
    /// of connections or `queued` bytes of output, schedule a trim after
    /// a quiet time; one that freed as many, at once.
    pub fn end_turn(&mut self, queued: usize) {
        let now = Instant::now();
        if std::mem::take(&mut self.freed) >= TRIM_BUSY_BYTES {
            // Stalled clients were dropped to free memory: hand it back
            // now, even in a busy spell, which would otherwise keep
            // pushing the trim back while the memory sits in holes.
            self.at = Some(now);
        } else if std::mem::take(&mut self.churn) >= TRIM_BURST || queued >= TRIM_BUSY_BYTES {
            self.at = Some(self.at.map_or(now + TRIM_AFTER, |at| at.max(now + TRIM_AFTER)));
        }
        self.churn = 0;
    }

    /// For the poll timeout.
    pub fn deadline(&self) -> Option<Instant> {
        self.at
    }

    /// Trims if the quiet time is over.
    pub fn run_if_due(&mut self, now: Instant) {
        if self.at.is_some_and(|t| t <= now) {
            self.at = None;
            trim_heap();
        }
    }
}

/// Stops glibc from trimming the heap on every large free, and keeps
/// output buffers (up to the 1 MiB cap) on the heap instead of in fresh
/// mmaps. Otherwise a busy client's buffer, regrown each turn, costs page
/// faults and zeroing every time; freed memory goes back through
/// [`Trim`] once a busy spell is over instead.
pub fn tune_allocator() {
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt only sets allocator parameters; called before any
    // other thread exists.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 2 << 20);
    }
}

/// Hands free heap pages back to the kernel.
fn trim_heap() {
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Hands back the program's code pages that starting up touched, once
/// natterd is ready to serve.
///
/// The kernel maps code in large blocks around each page a program runs
/// (fault-around, large page-cache folios), so start-up (parsing options,
/// opening SQLite, checking the database) leaves megabytes of natterd's
/// static binary resident that the chat loop never runs again. Advising
/// those read-only mappings as randomly accessed, then paging them out,
/// leaves resident only the code that is run from then on, a page at a
/// time. Nothing is lost: clean file pages come back from the file on use.
pub fn release_startup_code() {
    #[cfg(target_os = "linux")]
    {
        let Ok(exe) = std::fs::read_link("/proc/self/exe") else { return };
        let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else { return };
        for line in maps.lines() {
            let mut fields = line.split_whitespace();
            let (Some(range), Some(perms)) = (fields.next(), fields.next()) else { continue };
            if fields.nth(3).map(std::path::Path::new) != Some(exe.as_path()) || perms.contains('w') {
                continue;
            }
            let Some((start, end)) = range.split_once('-') else { continue };
            let (Ok(start), Ok(end)) = (usize::from_str_radix(start, 16), usize::from_str_radix(end, 16)) else {
                continue;
            };
            // SAFETY: advice on a read-only mapping of this process; it
            // changes what is resident, never what is read.
            unsafe {
                let at = start as *mut libc::c_void;
                libc::madvise(at, end - start, libc::MADV_RANDOM);
                libc::madvise(at, end - start, libc::MADV_PAGEOUT);
            }
        }
    }
}
