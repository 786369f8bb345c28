//! Where a request comes from, for the rate limit. Behind a TLS proxy (`--behind-tls-proxy`)
//! every connection comes from the proxy, so the client is the last address in
//! `X-Forwarded-For`: the one the proxy itself appended (earlier ones are whatever the client
//! sent and prove nothing). Without the proxy the header is ignored: anyone can send it; with
//! `--trusted-proxy CIDR…` it is read only on connections from those networks, so a client that
//! reaches the server around the proxy cannot name an address of its choice.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

/// A network, `192.0.2.0/24` or `2001:db8::/32` (a bare address is the network of just it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `ADDRESS[/PREFIX]`; the error names the rule.
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address
            .trim()
            .parse()
            .map_err(|_| format!("{text}: not an IP address or network (e.g. 10.0.0.0/8)"))?;
        let network = network.to_canonical();
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or(format!("{text}: the prefix length must be 0 to {max}"))?,
        };
        Ok(Cidr { network, prefix })
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        fn bits(address: IpAddr) -> (u128, u32) {
            match address {
                IpAddr::V4(v4) => (u128::from(u32::from(v4)) << 96, 32),
                IpAddr::V6(v6) => (u128::from(v6), 128),
            }
        }
        let (ours, our_len) = bits(self.network);
        let (theirs, their_len) = bits(address.to_canonical());
        if our_len != their_len {
            return false;
        }
        let mask = if self.prefix == 0 {
            0
        } else {
            u128::MAX << (128 - u32::from(self.prefix))
        };
        ours & mask == theirs & mask
    }
}

/// One `X-Forwarded-For` entry: an address, or an address with a port as some proxies write
/// it (`198.51.100.7:4444`, `[2001:db8::1]:4444`).
fn entry_address(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            entry
                .strip_prefix('[')
                .and_then(|e| e.strip_suffix(']'))
                .and_then(|e| e.parse().ok())
        })
}

/// The client's address: the peer's, or behind a proxy the one the proxy appended.
pub fn source(
    behind_proxy: bool,
    trusted: &[Cidr],
    peer: SocketAddr,
    headers: &HeaderMap,
) -> IpAddr {
    let peer_ip = peer.ip().to_canonical();
    if !behind_proxy || !(trusted.is_empty() || trusted.iter().any(|c| c.contains(peer_ip))) {
        return peer_ip;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(entry_address)
        .unwrap_or(peer_ip)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn forwarded(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn entries_with_a_port_are_read() {
        let proxy: SocketAddr = "10.0.0.5:40000".parse().unwrap();
        for (header, expected) in [
            ("192.0.2.1, 198.51.100.7:4444", "198.51.100.7"),
            ("198.51.100.7", "198.51.100.7"),
            ("[2001:db8::1]:4444", "2001:db8::1"),
            ("[2001:db8::1]", "2001:db8::1"),
            ("2001:db8::1", "2001:db8::1"),
            ("garbage", "10.0.0.5"),
        ] {
            let got = source(true, &[], proxy, &forwarded(header));
            assert_eq!(got, expected.parse::<IpAddr>().unwrap(), "{header}");
        }
    }

    #[test]
    fn a_peer_outside_the_trusted_proxies_is_itself() {
        let trusted = [Cidr::parse("10.0.0.0/8").unwrap()];
        let header = forwarded("198.51.100.7");
        let via_proxy: SocketAddr = "10.1.2.3:5000".parse().unwrap();
        let around_it: SocketAddr = "203.0.113.9:5000".parse().unwrap();
        assert_eq!(
            source(true, &trusted, via_proxy, &header),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            source(true, &trusted, around_it, &header),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        // A proxy reaching a dual-stack listener over IPv4 arrives as ::ffff:10.1.2.3.
        let mapped: SocketAddr = "[::ffff:10.1.2.3]:5000".parse().unwrap();
        assert_eq!(
            source(true, &trusted, mapped, &header),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            source(false, &trusted, via_proxy, &header),
            "10.1.2.3".parse::<IpAddr>().unwrap(),
            "no proxy: the header is ignored"
        );
    }

    #[test]
    fn networks_parse_and_match() {
        let net = Cidr::parse("2001:db8::/32").unwrap();
        assert!(net.contains("2001:db8:1::1".parse().unwrap()));
        assert!(!net.contains("2001:db9::1".parse().unwrap()));
        assert!(!net.contains("10.0.0.1".parse().unwrap()));
        let one = Cidr::parse("192.0.2.7").unwrap();
        assert!(one.contains("192.0.2.7".parse().unwrap()));
        assert!(!one.contains("192.0.2.8".parse().unwrap()));
        assert!(Cidr::parse("0.0.0.0/0")
            .unwrap()
            .contains("8.8.8.8".parse().unwrap()));
        assert!(Cidr::parse("10.0.0.0/33").unwrap_err().contains("0 to 32"));
        assert!(Cidr::parse("proxy.local")
            .unwrap_err()
            .contains("not an IP"));
    }
}
