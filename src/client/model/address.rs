//! The server address a person types: `host`, `host:port` or `[v6]:port`.

use std::fmt;

use natter::protocol::DEFAULT_PORT;

/// The address shown in the connect form the first time.
pub const DEFAULT_SERVER: &str = "127.0.0.1:5000";

/// A parsed server address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAddress {
    /// Host name or IP address, without brackets.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

/// Why an address was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressError {
    /// Nothing was typed.
    Empty,
    /// The part after the colon is not a port number.
    BadPort,
}

impl ServerAddress {
    /// Parses what the user typed; a missing port means [`DEFAULT_PORT`].
    pub fn parse(input: &str) -> Result<Self, AddressError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(AddressError::Empty);
        }
        let port = |p: &str| p.parse::<u16>().ok().filter(|&p| p != 0).ok_or(AddressError::BadPort);
        if let Some(rest) = input.strip_prefix('[') {
            let (host, tail) = rest.split_once(']').ok_or(AddressError::BadPort)?;
            let port = match tail {
                "" => DEFAULT_PORT,
                t => port(t.strip_prefix(':').ok_or(AddressError::BadPort)?)?,
            };
            return Self::checked(host, port);
        }
        match input.rsplit_once(':') {
            // More than one colon and no brackets: a bare IPv6 address.
            Some((host, _)) if host.contains(':') => Self::checked(input, DEFAULT_PORT),
            Some((host, p)) => Self::checked(host, port(p)?),
            None => Self::checked(input, DEFAULT_PORT),
        }
    }

    fn checked(host: &str, port: u16) -> Result<Self, AddressError> {
        if host.is_empty() || host.contains(char::is_whitespace) {
            return Err(AddressError::Empty);
        }
        Ok(ServerAddress { host: host.to_owned(), port })
    }
}

impl fmt::Display for ServerAddress {
    /// The form `ToSocketAddrs` takes and the form the settings keep.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<String, AddressError> {
        ServerAddress::parse(s).map(|a| a.to_string())
    }

    #[test]
    fn host_and_port_forms() {
        assert_eq!(parse("127.0.0.1:5000").as_deref(), Ok("127.0.0.1:5000"));
        assert_eq!(parse(" chat.example.org ").as_deref(), Ok("chat.example.org:5000"));
        assert_eq!(parse("localhost:6000").as_deref(), Ok("localhost:6000"));
        assert_eq!(parse("[::1]:7000").as_deref(), Ok("[::1]:7000"));
        assert_eq!(parse("[::1]").as_deref(), Ok("[::1]:5000"));
        assert_eq!(parse("::1").as_deref(), Ok("[::1]:5000"));
        assert_eq!(parse(DEFAULT_SERVER).as_deref(), Ok(DEFAULT_SERVER));
    }

    #[test]
    fn bad_addresses() {
        assert_eq!(parse(""), Err(AddressError::Empty));
        assert_eq!(parse(":5000"), Err(AddressError::Empty));
        assert_eq!(parse("host:port"), Err(AddressError::BadPort));
        assert_eq!(parse("host:70000"), Err(AddressError::BadPort));
        assert_eq!(parse("host:0"), Err(AddressError::BadPort));
        assert_eq!(parse("[::1]x"), Err(AddressError::BadPort));
        assert_eq!(parse("my host:1"), Err(AddressError::Empty));
    }
}
