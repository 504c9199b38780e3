//! What a ban is aimed at: a name, or an address prefix such as
//! `203.0.113.0/24`, `2001:db8::/48` or one address. Parsed with std's
//! `IpAddr`, no crate needed.

use std::net::IpAddr;

use natter::protocol::{canonical_name, fold_name};

/// A ban's target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A folded name.
    Name(String),
    /// A network (host bits cleared) and its prefix length.
    Net(IpAddr, u8),
}

impl Target {
    /// Reads an operator's `NAME|ADDRESS[/BITS]`; `None` if it is neither.
    pub fn parse(s: &str) -> Option<Target> {
        let (addr, bits) = match s.split_once('/') {
            Some((a, b)) => (a, Some(b)),
            None => (s, None),
        };
        if let Ok(ip) = addr.parse::<IpAddr>() {
            let ip = canonical_ip(ip);
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                None => max,
                Some(b) if !b.is_empty() && b.bytes().all(|c| c.is_ascii_digit()) => b.parse().ok()?,
                Some(_) => return None,
            };
            return (bits <= max).then(|| Target::Net(mask(ip, bits), bits));
        }
        if bits.is_some() {
            return None;
        }
        canonical_name(s).ok().map(|n| Target::Name(fold_name(&n)))
    }

    /// Reads a stored [`key`](Self::key) back without checking the name
    /// again: cheap enough to run over every ban at each connection.
    pub fn from_key(key: &str) -> Option<Target> {
        match key.split_once('/') {
            Some((ip, bits)) => Some(Target::Net(ip.parse().ok()?, bits.parse().ok()?)),
            None => Some(Target::Name(key.to_owned())),
        }
    }

    /// The stored and shown form: a folded name or `NET/BITS`.
    pub fn key(&self) -> String {
        match self {
            Target::Name(n) => n.clone(),
            Target::Net(ip, bits) => format!("{ip}/{bits}"),
        }
    }

    /// Whether the client `name` (folded) at `ip` is covered.
    pub fn covers(&self, name: Option<&str>, ip: IpAddr) -> bool {
        match self {
            Target::Name(n) => name == Some(n.as_str()),
            Target::Net(net, bits) => {
                let ip = canonical_ip(ip);
                ip.is_ipv4() == net.is_ipv4() && mask(ip, *bits) == *net
            }
        }
    }
}

/// An IPv4 address written as IPv6 (`::ffff:a.b.c.d`) is the IPv4 one.
fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn mask(ip: IpAddr, bits: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let m = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            IpAddr::V4((u32::from(v4) & m).into())
        }
        IpAddr::V6(v6) => {
            let m = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            IpAddr::V6((u128::from(v6) & m).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn names_addresses_and_prefixes() {
        assert_eq!(Target::parse("Bob"), Some(Target::Name("bob".into())));
        let net = Target::parse("203.0.113.77/24").unwrap();
        assert_eq!(net.key(), "203.0.113.0/24");
        assert!(net.covers(None, ip("203.0.113.5")));
        assert!(net.covers(None, ip("::ffff:203.0.113.5")));
        assert!(!net.covers(None, ip("203.0.114.5")));
        let v6 = Target::parse("2001:db8::/48").unwrap();
        assert!(v6.covers(None, ip("2001:db8:0:ffff::1")));
        assert!(!v6.covers(None, ip("2001:db9::1")));
        assert!(!v6.covers(None, ip("203.0.113.5")));
        assert_eq!(Target::parse("127.0.0.2").unwrap().key(), "127.0.0.2/32");
        assert!(Target::parse("0.0.0.0/0").unwrap().covers(None, ip("8.8.8.8")));
        for bad in ["10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "::/129", "bob/8", "a b", ""] {
            assert_eq!(Target::parse(bad), None, "{bad}");
        }
        assert!(Target::parse("bob").unwrap().covers(Some("bob"), ip("10.0.0.1")));
        for key in ["bob", "203.0.113.0/24", "2001:db8::/48", "127.0.0.2/32"] {
            assert_eq!(Target::from_key(key).unwrap().key(), key);
        }
    }
}
