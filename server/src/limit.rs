//! Failed client authentication, counted per source address and per Client ID (RFC 6749 §10:
//! make brute force hard). An address that fails too often is shut out for a while; a Client ID
//! that fails too often from everywhere is shut out only briefly, so an attacker who knows a
//! Client ID cannot lock its real client out for long. Counts live in this process only: each
//! instance behind a load balancer limits on its own.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The thresholds; `Limits::default()` is what `keydesk-server` runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Failures counted over this window.
    pub window: Duration,
    pub per_address: u32,
    pub address_lockout: Duration,
    pub per_client_id: u32,
    pub client_id_lockout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            window: Duration::from_secs(60),
            per_address: 10,
            address_lockout: Duration::from_secs(60),
            per_client_id: 30,
            client_id_lockout: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Count {
    since: Instant,
    failures: u32,
    locked_until: Option<Instant>,
}

/// Past this many tracked keys, stale ones are dropped on the next failure.
const MAX_TRACKED: usize = 10_000;

#[derive(Debug, Default)]
pub struct Limiter {
    limits: Limits,
    addresses: Mutex<HashMap<IpAddr, Count>>,
    client_ids: Mutex<HashMap<String, Count>>,
}

impl Limiter {
    pub fn new(limits: Limits) -> Limiter {
        Limiter {
            limits,
            ..Default::default()
        }
    }

    /// `Err(seconds to wait)` while the address or the Client ID is shut out.
    pub fn check(&self, address: IpAddr, client_id: &str) -> Result<(), u64> {
        let address = network(address);
        let now = Instant::now();
        let wait = [
            locked(&self.addresses, &address, now),
            locked(&self.client_ids, client_id, now),
        ]
        .into_iter()
        .flatten()
        .max();
        match wait {
            Some(wait) => Err(wait.as_secs().max(1)),
            None => Ok(()),
        }
    }

    pub fn failed(&self, address: IpAddr, client_id: &str) {
        let address = network(address);
        let now = Instant::now();
        let l = self.limits;
        count(
            &self.addresses,
            address,
            now,
            l.window,
            l.per_address,
            l.address_lockout,
        );
        // Keys are cut to a Client ID's length: long made-up ones cost no more memory.
        let client_id = client_id.get(..32).unwrap_or(client_id).to_owned();
        count(
            &self.client_ids,
            client_id,
            now,
            l.window,
            l.per_client_id,
            l.client_id_lockout,
        );
    }
}

fn locked<K, Q>(map: &Mutex<HashMap<K, Count>>, key: &Q, now: Instant) -> Option<Duration>
where
    K: std::borrow::Borrow<Q> + std::hash::Hash + Eq,
    Q: std::hash::Hash + Eq + ?Sized,
{
    let map = map.lock().unwrap_or_else(|e| e.into_inner());
    map.get(key)
        .and_then(|c| c.locked_until)
        .filter(|until| *until > now)
        .map(|until| until - now)
}

fn count<K: std::hash::Hash + Eq>(
    map: &Mutex<HashMap<K, Count>>,
    key: K,
    now: Instant,
    window: Duration,
    max: u32,
    lockout: Duration,
) {
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() >= MAX_TRACKED {
        map.retain(|_, c| {
            now.duration_since(c.since) < window || c.locked_until.is_some_and(|u| u > now)
        });
    }
    let entry = map.entry(key).or_insert(Count {
        since: now,
        failures: 0,
        locked_until: None,
    });
    if now.duration_since(entry.since) >= window {
        *entry = Count {
            since: now,
            failures: 0,
            locked_until: entry.locked_until,
        };
    }
    entry.failures += 1;
    if entry.failures >= max {
        entry.locked_until = Some(now + lockout);
        entry.since = now;
        entry.failures = 0;
    }
}

/// What counts as one source: an IPv4 address, or an IPv6 /64 (one subscriber's network: a
/// single host can take any address in it, so counting per address would not limit it).
fn network(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => {
            let mut segments = v6.segments();
            segments[4..].fill(0);
            IpAddr::from(segments)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_ipv6_network_counts_as_one_source() {
        let limiter = Limiter::new(Limits::default());
        for i in 0..10u16 {
            let address = IpAddr::from([0x2001, 0xdb8, 0, 1, i, i, i, i]);
            limiter.failed(address, "guess");
        }
        let fresh_in_the_same_64 = IpAddr::from([0x2001, 0xdb8, 0, 1, 0xbeef, 0, 0, 1]);
        assert!(limiter.check(fresh_in_the_same_64, "other").is_err());
        let another_64 = IpAddr::from([0x2001, 0xdb8, 0, 2, 0, 0, 0, 1]);
        assert!(limiter.check(another_64, "other").is_ok());
    }

    #[test]
    fn an_address_is_shut_out_after_its_failures_and_another_is_not() {
        let limiter = Limiter::new(Limits::default());
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..9 {
            limiter.failed(a, "x");
            assert!(limiter.check(a, "y").is_ok());
        }
        limiter.failed(a, "x");
        let wait = limiter.check(a, "y").unwrap_err();
        assert!((59..=60).contains(&wait), "{wait}");
        assert!(limiter.check(b, "y").is_ok());
    }

    #[test]
    fn a_client_id_is_shut_out_only_briefly() {
        let limiter = Limiter::new(Limits::default());
        for i in 0..30u8 {
            limiter.failed(IpAddr::from([198, 51, 100, i]), "target");
        }
        let other: IpAddr = "203.0.113.9".parse().unwrap();
        let wait = limiter.check(other, "target").unwrap_err();
        assert!(wait <= 10, "{wait}");
        assert!(limiter.check(other, "someone-else").is_ok());
    }
}
