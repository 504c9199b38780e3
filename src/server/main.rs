//! natterd: parses the command line, sets up logging, binds, runs the loop
//! and turns the outcome into an exit status.

mod accounts;
mod addresses;
mod admins;
mod budget;
mod commands;
mod congestion;
mod connection;
mod event_loop;
mod flood;
mod history;
mod look_alikes;
mod moderation;
mod options;
mod outbox;
mod pool;
mod room;
mod rooms;
mod session;
mod store;
mod tls;
mod trim;

use std::process::ExitCode;

use clap::Parser;
use log::{error, info, warn};
use simplelog::{ConfigBuilder, WriteLogger};

use crate::event_loop::Server;
use crate::options::Options;

fn main() -> ExitCode {
    trim::tune_allocator();
    let options = Options::parse();
    let config = ConfigBuilder::new().set_target_level(log::LevelFilter::Off).build();
    // Only fails if a logger is already set, which cannot happen here.
    let _ = WriteLogger::init(options.log_level, config, std::io::stderr());
    raise_fd_limit();
    ignore_file_size_signal();

    let server = match Server::bind(options) {
        Ok(server) => server,
        Err(e) => {
            error!("{e}");
            eprintln!("natterd: {e}");
            return ExitCode::FAILURE;
        }
    };
    trim::release_startup_code();
    match server.run() {
        Ok(()) => {
            info!("stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            error!("event loop failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A file-size limit (RLIMIT_FSIZE) must make a database write fail, which
/// natterd survives and reports, not kill natterd with SIGXFSZ.
fn ignore_file_size_signal() {
    // SAFETY: setting a signal's disposition to SIG_IGN has no handler to race.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

/// Lifts the open-file soft limit to the hard limit: every client is a
/// descriptor, and distributions often default the soft limit to 1024.
fn raise_fd_limit() {
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                warn!("could not raise the open-file limit");
            }
        }
    }
}
