//! Failed client authentication, counted per source address and per Client ID (RFC 6749 §10:
//! make brute force hard). An address that fails too often is shut out for a while; a Client ID
//! that fails too often from everywhere is shut out only briefly, and never from an address
//! where that Client ID authenticated lately, so an attacker who knows a Client ID cannot lock
//! its working integration out at all. Counts live in this process only: each instance behind
//! a load balancer limits on its own.
//!
//! An attempt is counted from the moment it starts (`Limiter::attempt`), not when its answer is
//! known, so a burst of parallel guesses cannot slip past a count that has not yet been
//! written: while an address's failures plus its attempts in flight reach its limit, further
//! attempts wait for one to finish (a few milliseconds) instead of all being let through.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// The thresholds; `Limits::default()` is what `keydesk-server` runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Failures counted over this window.
    pub window: Duration,
    pub per_address: u32,
    pub address_lockout: Duration,
    pub per_client_id: u32,
    pub client_id_lockout: Duration,
    /// How long an address where a Client ID authenticated stays exempt from that Client ID's
    /// lockout.
    pub known_for: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            window: Duration::from_secs(60),
            per_address: 10,
            address_lockout: Duration::from_secs(60),
            per_client_id: 30,
            client_id_lockout: Duration::from_secs(10),
            known_for: Duration::from_secs(24 * 3600),
        }
    }
}

/// An attempt waits at most this long for its turn before it is answered 429.
const MAX_WAIT: Duration = Duration::from_secs(5);

/// Past this many tracked keys, stale ones are dropped.
const MAX_TRACKED: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Count {
    since: Instant,
    failures: u32,
    in_flight: u32,
    locked_until: Option<Instant>,
}

impl Count {
    fn new(now: Instant) -> Count {
        Count {
            since: now,
            failures: 0,
            in_flight: 0,
            locked_until: None,
        }
    }

    /// How long it is still shut out.
    fn locked(&self, now: Instant) -> Option<Duration> {
        self.locked_until
            .filter(|until| *until > now)
            .map(|until| until - now)
    }

    /// A new window once the last one is over.
    fn roll(&mut self, now: Instant, window: Duration) {
        if now.duration_since(self.since) >= window {
            self.since = now;
            self.failures = 0;
        }
    }

    fn stale(&self, now: Instant, window: Duration) -> bool {
        self.in_flight == 0
            && now.duration_since(self.since) >= window
            && self.locked(now).is_none()
    }

    fn fail(&mut self, now: Instant, max: u32, lockout: Duration) {
        self.failures += 1;
        if self.failures >= max {
            self.locked_until = Some(now + lockout);
            self.since = now;
            self.failures = 0;
        }
    }
}

#[derive(Debug, Default)]
struct Counts {
    addresses: HashMap<IpAddr, Count>,
    client_ids: HashMap<String, Count>,
    /// (Client ID, address) → when it last authenticated there.
    known: HashMap<(String, IpAddr), Instant>,
}

#[derive(Debug, Default)]
pub struct Limiter {
    limits: Limits,
    counts: Mutex<Counts>,
    /// Woken whenever an attempt ends, for the attempts waiting their turn.
    ended: Notify,
}

/// One authentication in progress; tell the limiter how it ended with `succeeded` or `failed`.
/// Dropped without either (the request went away), it only stops counting as in flight.
#[derive(Debug)]
pub struct Attempt<'a> {
    limiter: &'a Limiter,
    address: IpAddr,
    client_id: String,
    /// A Client ID known at this address: no turn was taken, so none is given back.
    known: bool,
    outcome: Option<bool>,
}

impl Limiter {
    pub fn new(limits: Limits) -> Limiter {
        Limiter {
            limits,
            ..Default::default()
        }
    }

    /// Starts an authentication from `address` for `client_id`: `Err(seconds to wait)` while
    /// the address or the Client ID is shut out (or its turn did not come in time).
    pub async fn attempt(&self, address: IpAddr, client_id: &str) -> Result<Attempt<'_>, u64> {
        let address = network(address);
        // Keys are cut to a Client ID's length: long made-up ones cost no more memory.
        let client_id = client_id.get(..32).unwrap_or(client_id).to_owned();
        let deadline = Instant::now() + MAX_WAIT;
        loop {
            let ended = self.ended.notified();
            tokio::pin!(ended);
            // Registered before the counts are read, so an attempt ending in between still wakes
            // this one.
            ended.as_mut().enable();
            match self.try_start(address, &client_id)? {
                Some(known) => {
                    return Ok(Attempt {
                        limiter: self,
                        address,
                        client_id,
                        known,
                        outcome: None,
                    })
                }
                None => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if tokio::time::timeout(left, ended).await.is_err() {
                        return Err(MAX_WAIT.as_secs());
                    }
                }
            }
        }
    }

    /// `Ok(Some(known))`: started; `Ok(None)`: wait for a turn; `Err`: shut out.
    fn try_start(&self, address: IpAddr, client_id: &str) -> Result<Option<bool>, u64> {
        let l = self.limits;
        let now = Instant::now();
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let counts = &mut *counts;
        if counts.addresses.len() + counts.client_ids.len() + counts.known.len() >= MAX_TRACKED {
            counts.addresses.retain(|_, c| !c.stale(now, l.window));
            counts.client_ids.retain(|_, c| !c.stale(now, l.window));
            counts
                .known
                .retain(|_, at| now.duration_since(*at) < l.known_for);
        }
        let known = counts
            .known
            .get(&(client_id.to_owned(), address))
            .is_some_and(|at| now.duration_since(*at) < l.known_for);
        let by_address = counts
            .addresses
            .entry(address)
            .or_insert_with(|| Count::new(now));
        by_address.roll(now, l.window);
        let mut wait = by_address.locked(now);
        // A Client ID that authenticated here lately is not guessing: it does not wait for a
        // turn (a busy integration sends many requests at once). Its failures still count.
        let mut full = !known && by_address.failures + by_address.in_flight >= l.per_address;
        if !known {
            let by_id = counts
                .client_ids
                .entry(client_id.to_owned())
                .or_insert_with(|| Count::new(now));
            by_id.roll(now, l.window);
            wait = wait.max(by_id.locked(now));
            full |= by_id.failures + by_id.in_flight >= l.per_client_id;
        }
        if let Some(wait) = wait {
            return Err(wait.as_secs().max(1));
        }
        if full {
            return Ok(None);
        }
        if !known {
            if let Some(c) = counts.addresses.get_mut(&address) {
                c.in_flight += 1;
            }
            if let Some(c) = counts.client_ids.get_mut(client_id) {
                c.in_flight += 1;
            }
        }
        Ok(Some(known))
    }

    fn end(&self, attempt: &Attempt<'_>) {
        let l = self.limits;
        let now = Instant::now();
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = counts.addresses.get_mut(&attempt.address) {
            if !attempt.known {
                c.in_flight = c.in_flight.saturating_sub(1);
            }
            if attempt.outcome == Some(false) {
                c.fail(now, l.per_address, l.address_lockout);
            }
        }
        if !attempt.known {
            if let Some(c) = counts.client_ids.get_mut(&attempt.client_id) {
                c.in_flight = c.in_flight.saturating_sub(1);
                if attempt.outcome == Some(false) {
                    c.fail(now, l.per_client_id, l.client_id_lockout);
                }
            }
        }
        if attempt.outcome == Some(true) {
            counts
                .known
                .insert((attempt.client_id.clone(), attempt.address), now);
        }
        drop(counts);
        if !attempt.known {
            self.ended.notify_waiters();
        }
    }
}

impl Attempt<'_> {
    pub fn succeeded(mut self) {
        self.outcome = Some(true);
    }

    pub fn failed(mut self) {
        self.outcome = Some(false);
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        self.limiter.end(self);
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
    use std::sync::Arc;

    async fn fail(limiter: &Limiter, address: IpAddr, client_id: &str) {
        limiter.attempt(address, client_id).await.unwrap().failed();
    }

    async fn shut_out(limiter: &Limiter, address: IpAddr, client_id: &str) -> Option<u64> {
        limiter.attempt(address, client_id).await.err()
    }

    #[tokio::test]
    async fn one_ipv6_network_counts_as_one_source() {
        let limiter = Limiter::new(Limits::default());
        for i in 0..10u16 {
            let address = IpAddr::from([0x2001, 0xdb8, 0, 1, i, i, i, i]);
            fail(&limiter, address, "guess").await;
        }
        let fresh_in_the_same_64 = IpAddr::from([0x2001, 0xdb8, 0, 1, 0xbeef, 0, 0, 1]);
        assert!(shut_out(&limiter, fresh_in_the_same_64, "other")
            .await
            .is_some());
        let another_64 = IpAddr::from([0x2001, 0xdb8, 0, 2, 0, 0, 0, 1]);
        assert!(shut_out(&limiter, another_64, "other").await.is_none());
    }

    #[tokio::test]
    async fn an_address_is_shut_out_after_its_failures_and_another_is_not() {
        let limiter = Limiter::new(Limits::default());
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..9 {
            fail(&limiter, a, "x").await;
            assert!(shut_out(&limiter, a, "y").await.is_none());
        }
        fail(&limiter, a, "x").await;
        let wait = shut_out(&limiter, a, "y").await.unwrap();
        assert!((59..=60).contains(&wait), "{wait}");
        assert!(shut_out(&limiter, b, "y").await.is_none());
    }

    #[tokio::test]
    async fn a_client_id_is_shut_out_only_briefly() {
        let limiter = Limiter::new(Limits::default());
        for i in 0..30u8 {
            fail(&limiter, IpAddr::from([198, 51, 100, i]), "target").await;
        }
        let other: IpAddr = "203.0.113.9".parse().unwrap();
        let wait = shut_out(&limiter, other, "target").await.unwrap();
        assert!(wait <= 10, "{wait}");
        assert!(shut_out(&limiter, other, "someone-else").await.is_none());
    }

    #[tokio::test]
    async fn guessing_a_client_id_from_many_addresses_does_not_lock_out_where_it_works() {
        let limiter = Limiter::new(Limits::default());
        let integration: IpAddr = "192.0.2.50".parse().unwrap();
        limiter
            .attempt(integration, "target")
            .await
            .unwrap()
            .succeeded();
        // An attacker guesses from 90 addresses: after 30 failures the Client ID is shut out.
        for i in 0..90u8 {
            if let Ok(attempt) = limiter
                .attempt(IpAddr::from([198, 51, 100, i]), "target")
                .await
            {
                attempt.failed();
            }
        }
        assert!(
            shut_out(&limiter, "203.0.113.9".parse().unwrap(), "target")
                .await
                .is_some(),
            "a new address is shut out of the attacked Client ID"
        );
        assert!(
            shut_out(&limiter, integration, "target").await.is_none(),
            "where the Client ID authenticated, it still may"
        );
    }

    #[tokio::test]
    async fn a_parallel_burst_gets_no_more_tries_than_the_limit() {
        let limiter = Arc::new(Limiter::new(Limits::default()));
        let attacker: IpAddr = "192.0.2.66".parse().unwrap();
        // 50 guesses at once: each is counted when it starts, so only 10 get to try and the
        // rest are shut out once those 10 failures are in.
        let mut tried = Vec::new();
        for _ in 0..50 {
            let limiter = limiter.clone();
            tried.push(tokio::spawn(async move {
                match limiter.attempt(attacker, "target").await {
                    Ok(attempt) => {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        attempt.failed();
                        true
                    }
                    Err(_) => false,
                }
            }));
        }
        let mut tries = 0;
        for t in tried {
            tries += usize::from(t.await.unwrap());
        }
        assert_eq!(tries, 10);
    }

    #[tokio::test]
    async fn many_parallel_successes_from_one_address_all_get_through() {
        let limiter = Arc::new(Limiter::new(Limits::default()));
        let busy: IpAddr = "192.0.2.7".parse().unwrap();
        let mut done = Vec::new();
        for _ in 0..50 {
            let limiter = limiter.clone();
            done.push(tokio::spawn(async move {
                let attempt = limiter.attempt(busy, "integration").await?;
                tokio::time::sleep(Duration::from_millis(5)).await;
                attempt.succeeded();
                Ok::<(), u64>(())
            }));
        }
        for d in done {
            assert_eq!(d.await.unwrap(), Ok(()));
        }
    }
}
