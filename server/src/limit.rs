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
use std::hash::Hash;
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

/// How many keys each of the three tables holds at most. Past half of it a table starts a new
/// generation and the one before it is dropped whole (`Bounded`): no entry is ever scanned on
/// the request path, and memory stays bounded however many addresses or Client IDs are tried.
pub const MAX_TRACKED: usize = 50_000;

/// The longest Client ID key kept, in bytes: a Client ID is 32 hex characters, so longer
/// made-up ones are cut (on a character boundary) and cost no more memory than a real one.
pub const MAX_KEY_BYTES: usize = 32;

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

    fn fail(&mut self, now: Instant, max: u32, lockout: Duration) {
        self.failures += 1;
        if self.failures >= max {
            self.locked_until = Some(now + lockout);
            self.since = now;
            self.failures = 0;
        }
    }
}

/// A map of at most `2 × half` entries without scans: entries live in the current generation;
/// when it is full it becomes the previous one (whose entries are dropped), and an entry read
/// from the previous generation moves back into the current one. What is dropped is what went
/// unused longest, as in an LRU, at O(1) a call. Keys hash with std's random SipHash keys, so
/// chosen Client IDs cannot collide on purpose.
#[derive(Debug)]
struct Bounded<K, V> {
    current: HashMap<K, V>,
    previous: HashMap<K, V>,
    half: usize,
}

impl<K: Hash + Eq + Clone, V> Bounded<K, V> {
    fn new(max: usize) -> Bounded<K, V> {
        Bounded {
            current: HashMap::new(),
            previous: HashMap::new(),
            half: (max / 2).max(1),
        }
    }

    fn len(&self) -> usize {
        self.current.len() + self.previous.len()
    }

    fn keys(&self) -> impl Iterator<Item = &K> {
        self.current.keys().chain(self.previous.keys())
    }

    fn insert_new(&mut self, key: K, value: V) {
        if self.current.len() >= self.half {
            self.previous = std::mem::take(&mut self.current);
        }
        self.current.insert(key, value);
    }

    fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        if !self.current.contains_key(key) {
            let (key, value) = self.previous.remove_entry(key)?;
            self.insert_new(key, value);
        }
        self.current.get_mut(key)
    }

    fn get_or_insert(&mut self, key: K, new: impl FnOnce() -> V) -> &mut V {
        if self.get_mut(&key).is_none() {
            self.insert_new(key.clone(), new());
        }
        self.current.get_mut(&key).expect("just inserted")
    }

    fn insert(&mut self, key: K, value: V) {
        match self.get_mut(&key) {
            Some(slot) => *slot = value,
            None => self.insert_new(key, value),
        }
    }
}

#[derive(Debug)]
struct Counts {
    addresses: Bounded<IpAddr, Count>,
    client_ids: Bounded<String, Count>,
    /// (Client ID, address) → when it last authenticated there.
    known: Bounded<(String, IpAddr), Instant>,
}

impl Default for Counts {
    fn default() -> Counts {
        Counts {
            addresses: Bounded::new(MAX_TRACKED),
            client_ids: Bounded::new(MAX_TRACKED),
            known: Bounded::new(MAX_TRACKED),
        }
    }
}

/// What the limiter holds, for tests and the flood benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tracked {
    /// Keys in all three tables.
    pub keys: usize,
    /// The longest Client ID kept, in bytes.
    pub longest_client_id: usize,
}

#[derive(Debug, Default)]
pub struct Limiter {
    limits: Limits,
    counts: Mutex<Counts>,
    /// Woken whenever an attempt ends, for the attempts waiting their turn.
    ended: Notify,
    /// Where lockouts and windows read the time: the system's monotonic clock, or, in this
    /// module's tests, a stopped one (so a waiting time is exact however slow the machine).
    #[cfg(test)]
    stopped_at: Option<Instant>,
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

/// `client_id` cut to at most `MAX_KEY_BYTES`, on a character boundary.
fn client_key(client_id: &str) -> String {
    let mut end = client_id.len().min(MAX_KEY_BYTES);
    while !client_id.is_char_boundary(end) {
        end -= 1;
    }
    client_id[..end].to_owned()
}

impl Limiter {
    pub fn new(limits: Limits) -> Limiter {
        Limiter {
            limits,
            ..Default::default()
        }
    }

    fn now(&self) -> Instant {
        #[cfg(test)]
        if let Some(at) = self.stopped_at {
            return at;
        }
        Instant::now()
    }

    /// Starts an authentication from `address` for `client_id`: `Err(seconds to wait)` while
    /// the address or the Client ID is shut out (or its turn did not come in time).
    pub async fn attempt(&self, address: IpAddr, client_id: &str) -> Result<Attempt<'_>, u64> {
        let address = network(address);
        let client_id = client_key(client_id);
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

    /// `Ok(Some(known))`: started; `Ok(None)`: wait for a turn; `Err`: shut out. Nothing is
    /// recorded for an attempt that does not start: a shut-out address trying Client ID after
    /// Client ID adds no key.
    fn try_start(&self, address: IpAddr, client_id: &str) -> Result<Option<bool>, u64> {
        let l = self.limits;
        let now = self.now();
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let counts = &mut *counts;
        let mut full = false;
        if let Some(by_address) = counts.addresses.get_mut(&address) {
            if let Some(wait) = by_address.locked(now) {
                return Err(wait.as_secs().max(1));
            }
            by_address.roll(now, l.window);
            full = by_address.failures + by_address.in_flight >= l.per_address;
        }
        let key = (client_id.to_owned(), address);
        let known = counts
            .known
            .get_mut(&key)
            .is_some_and(|at| now.duration_since(*at) < l.known_for);
        if known {
            // A Client ID that authenticated here lately is not guessing: it does not wait for
            // a turn (a busy integration sends many requests at once), and the Client ID's
            // lockout does not apply here. Its failures still count.
            return Ok(Some(true));
        }
        let (client_id, _) = key;
        if let Some(by_id) = counts.client_ids.get_mut(&client_id) {
            if let Some(wait) = by_id.locked(now) {
                return Err(wait.as_secs().max(1));
            }
            by_id.roll(now, l.window);
            full |= by_id.failures + by_id.in_flight >= l.per_client_id;
        }
        if full {
            return Ok(None);
        }
        counts
            .addresses
            .get_or_insert(address, || Count::new(now))
            .in_flight += 1;
        counts
            .client_ids
            .get_or_insert(client_id, || Count::new(now))
            .in_flight += 1;
        Ok(Some(false))
    }

    fn end(&self, attempt: &Attempt<'_>) {
        let l = self.limits;
        let now = self.now();
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let failed = attempt.outcome == Some(false);
        // A failure is counted even if its entry was dropped meanwhile (a full table).
        let by_address = if failed {
            Some(
                counts
                    .addresses
                    .get_or_insert(attempt.address, || Count::new(now)),
            )
        } else {
            counts.addresses.get_mut(&attempt.address)
        };
        if let Some(c) = by_address {
            if !attempt.known {
                c.in_flight = c.in_flight.saturating_sub(1);
            }
            if failed {
                c.fail(now, l.per_address, l.address_lockout);
            }
        }
        if !attempt.known {
            let by_id = if failed {
                Some(
                    counts
                        .client_ids
                        .get_or_insert(attempt.client_id.clone(), || Count::new(now)),
                )
            } else {
                counts.client_ids.get_mut(&attempt.client_id)
            };
            if let Some(c) = by_id {
                c.in_flight = c.in_flight.saturating_sub(1);
                if failed {
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

    /// How many keys the limiter holds and the longest Client ID among them.
    pub fn tracked(&self) -> Tracked {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let longest_client_id = counts
            .client_ids
            .keys()
            .map(String::len)
            .chain(counts.known.keys().map(|(id, _)| id.len()))
            .max()
            .unwrap_or(0);
        Tracked {
            keys: counts.addresses.len() + counts.client_ids.len() + counts.known.len(),
            longest_client_id,
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
/// single host can take any address in it, so counting per address would not limit it). An
/// IPv4 client of a dual-stack listener arrives as `::ffff:a.b.c.d`: it is its IPv4 address,
/// not the /64 `::` that every IPv4 client would share.
pub fn network(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
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

    /// The issue-24 flood: one address, shut out, posting Client IDs of 31 ASCII characters,
    /// an "é" across byte 32, and kilobytes of distinct text.
    #[tokio::test]
    async fn a_shut_out_address_flooding_long_client_ids_adds_no_keys() {
        let limiter = Limiter::new(Limits::default());
        let integration: IpAddr = "192.0.2.50".parse().unwrap();
        let known_id = "0123456789abcdef0123456789abcdef";
        limiter
            .attempt(integration, known_id)
            .await
            .unwrap()
            .succeeded();
        let attacker: IpAddr = "198.51.100.1".parse().unwrap();
        let prefix = format!("{}é", "a".repeat(31));
        let tail = "x".repeat(8 * 1024);
        let mut id = String::new();
        let mut shut_out_answers = 0;
        for i in 0..200_000u32 {
            id.clear();
            id.push_str(&prefix);
            id.push_str(&i.to_string());
            id.push_str(&tail);
            match limiter.attempt(attacker, &id).await {
                Ok(attempt) => attempt.failed(),
                Err(_) => shut_out_answers += 1,
            }
        }
        assert_eq!(shut_out_answers, 200_000 - 10, "shut out after 10 failures");
        let tracked = limiter.tracked();
        assert!(
            tracked.longest_client_id <= MAX_KEY_BYTES,
            "a key of {} bytes",
            tracked.longest_client_id
        );
        // The integration's address, its Client ID and where it is known; the attacker's
        // address and the 10 Client IDs it tried before it was shut out.
        assert!(tracked.keys <= 14, "{tracked:?}");
        assert!(tracked.keys <= 3 * MAX_TRACKED);
        assert!(
            limiter.attempt(integration, known_id).await.is_ok(),
            "a known integration still starts"
        );
    }

    #[tokio::test]
    async fn a_flood_from_many_addresses_stays_within_the_bound() {
        let limiter = Limiter::new(Limits::default());
        let integration: IpAddr = "192.0.2.50".parse().unwrap();
        let known_id = "0123456789abcdef0123456789abcdef";
        limiter
            .attempt(integration, known_id)
            .await
            .unwrap()
            .succeeded();
        // 200,000 addresses (an IPv6 attacker has far more /64s than that), each failing once
        // with a Client ID of its own.
        for i in 0..200_000u32 {
            let (high, low) = ((i >> 16) as u16, i as u16);
            let address = IpAddr::from([0x2001, 0xdb8, high, low, 0, 0, 0, 1]);
            if let Ok(attempt) = limiter.attempt(address, &format!("guess-{i}-é")).await {
                attempt.failed();
            }
        }
        let tracked = limiter.tracked();
        assert!(tracked.keys <= 3 * MAX_TRACKED, "{tracked:?}");
        assert!(tracked.longest_client_id <= MAX_KEY_BYTES);
        assert!(limiter.attempt(integration, known_id).await.is_ok());
    }

    #[test]
    fn a_client_id_key_is_cut_on_a_character_boundary() {
        let id = format!("{}é{}", "a".repeat(31), "b".repeat(100));
        assert_eq!(client_key(&id), "a".repeat(31));
        assert_eq!(client_key("short"), "short");
        let hex = "0123456789abcdef0123456789abcdef";
        assert_eq!(client_key(&format!("{hex}tail")), hex);
    }

    #[tokio::test]
    async fn ipv4_clients_of_a_dual_stack_listener_are_counted_apart() {
        let limiter = Limiter::new(Limits::default());
        let mapped =
            |v4: &str| IpAddr::from(v4.parse::<std::net::Ipv4Addr>().unwrap().to_ipv6_mapped());
        for _ in 0..10 {
            fail(&limiter, mapped("192.0.2.1"), "guess").await;
        }
        assert!(shut_out(&limiter, mapped("192.0.2.1"), "other")
            .await
            .is_some());
        assert!(
            shut_out(&limiter, mapped("192.0.2.2"), "other")
                .await
                .is_none(),
            "another IPv4 client is not shut out with the first"
        );
        assert!(
            shut_out(&limiter, "192.0.2.1".parse().unwrap(), "other")
                .await
                .is_some(),
            "the mapped and the plain form are one source"
        );
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

    /// A limiter whose clock stands still: waiting times are read exactly.
    fn stopped() -> Limiter {
        Limiter {
            stopped_at: Some(Instant::now()),
            ..Limiter::new(Limits::default())
        }
    }

    #[tokio::test]
    async fn an_address_is_shut_out_after_its_failures_and_another_is_not() {
        let limiter = stopped();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..9 {
            fail(&limiter, a, "x").await;
            assert!(shut_out(&limiter, a, "y").await.is_none());
        }
        fail(&limiter, a, "x").await;
        let wait = shut_out(&limiter, a, "y").await.unwrap();
        assert_eq!(wait, 60, "the address lockout, in whole seconds");
        assert!(shut_out(&limiter, b, "y").await.is_none());
    }

    #[tokio::test]
    async fn a_client_id_is_shut_out_only_briefly() {
        let limiter = stopped();
        for i in 0..30u8 {
            fail(&limiter, IpAddr::from([198, 51, 100, i]), "target").await;
        }
        let other: IpAddr = "203.0.113.9".parse().unwrap();
        let wait = shut_out(&limiter, other, "target").await.unwrap();
        assert_eq!(wait, 10, "the Client ID lockout, in whole seconds");
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
