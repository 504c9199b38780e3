//! InspIRCd as a peer: an `inspircd.conf` written to the run's directory,
//! started with `--nofork --runasroot`.
//!
//! One `<connect>` class for everyone with queues, the flood threshold
//! and the command rate set so high they never bind, host name lookups
//! and IDENT off, and no optional modules loaded.

use std::path::Path;
use std::process::Command;

/// What InspIRCd's configuration cannot change (InspIRCd 3.15).
pub const NOTES: &[&str] = &[
    "registration completes on a once-a-second timer: every connect waits up to 1 s for its 001",
    "flood penalties decay on the same 1 s timer; threshold and commandrate are set so high they never bind",
    "no TCP_NODELAY on client sockets",
];

/// Writes the configuration and returns the command line.
pub fn command(program: &Path, dir: &Path, port: u16) -> std::io::Result<Command> {
    let conf = dir.join("inspircd.conf");
    std::fs::write(&conf, config(dir, port))?;
    let mut cmd = Command::new(program);
    cmd.arg("--config").arg(conf).args(["--nofork", "--runasroot"]);
    Ok(cmd)
}

fn config(dir: &Path, port: u16) -> String {
    let dir = dir.display();
    format!(
        r#"<server name="bench.local" description="natter-bench peer" network="bench">
<admin name="natter-bench" nick="bench" email="root@localhost">
<bind address="127.0.0.1" port="{port}" type="clients">
<connect name="bench" allow="*" timeout="3600" pingfreq="3600"
         hardsendq="1073741824" softsendq="1073741824" recvq="1073741824"
         threshold="1000000" commandrate="1000000000" fakelag="yes"
         localmax="100000" globalmax="100000" limit="100000" maxconnwarn="no"
         resolvehostnames="no" useident="no" maxchans="100">
<performance softlimit="20000" somaxconn="4096" netbuffersize="65536" clonesonconnect="no" quietbursts="yes">
<pid file="{dir}/inspircd.pid">
"#
    )
}
