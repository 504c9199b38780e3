//! ngIRCd as a peer: an `ngircd.conf` written to the run's directory,
//! started with `-n` (foreground).
//!
//! DNS, IDENT and PAM are off and `MaxPenaltyTime = 0` disables the
//! penalty throttle; the rest of its flood handling is compiled in.

use std::path::Path;
use std::process::Command;

/// What ngIRCd's configuration cannot change (ngIRCd 26, `defines.h`
/// and `conn.c`).
pub const NOTES: &[&str] = &[
    "read buffer 2 KiB per client (READBUFFER_LEN): a client that outruns it is closed, so senders keep a bounded window",
    "write buffer 32 KiB per client (WRITEBUFFER_MAX_LEN): a reader that falls behind is closed",
    "at most 3 commands per client per read pass (MAX_COMMANDS)",
    "listen backlog 10: clients are set up 8 at a time",
    "no TCP_NODELAY on client sockets; logs every connection to stderr and syslog",
    "runs as nobody (it refuses ServerUID root)",
];

/// Writes the configuration and returns the command line.
pub fn command(program: &Path, dir: &Path, port: u16) -> std::io::Result<Command> {
    let conf = dir.join("ngircd.conf");
    std::fs::write(&conf, config(port))?;
    let mut cmd = Command::new(program);
    cmd.arg("-n").arg("-f").arg(conf);
    Ok(cmd)
}

fn config(port: u16) -> String {
    format!(
        "\
[Global]
\tName = bench.local
\tInfo = natter-bench peer
\tAdminInfo1 = natter-bench
\tAdminInfo2 = localhost
\tAdminEMail = root@localhost
\tListen = 127.0.0.1
\tPorts = {port}
\tMotdPhrase = \"natter-bench\"
[Limits]
\tMaxConnections = 0
\tMaxConnectionsIP = 0
\tMaxJoins = 0
\tMaxNickLength = 30
\tMaxPenaltyTime = 0
\tPingTimeout = 3600
\tPongTimeout = 3600
[Options]
\tDNS = no
\tIdent = no
\tPAM = no
"
    )
}
