//! `Secret` equality takes as long wherever two secrets differ (SECURITY.md: "two `Secret`s
//! compare in constant time"). Timed on the real comparison, with secrets long enough (1 MiB)
//! that an early exit at the first differing byte would be over a hundred times faster than
//! reading to the last one: the test compares the fastest of many runs of each case, which noise
//! can only slow down, against a bound that only an early exit breaks.
//!
//! What is not timed here: `secrets::matches` (a candidate's digest against the stored one)
//! compares two 64-character digests, where an early exit saves nanoseconds next to the hash;
//! it uses the same `subtle::ConstantTimeEq` as `Secret`.

mod common;

use std::time::{Duration, Instant};

use keydesk_core::secrets::Secret;

const LEN: usize = 1 << 20;
const RUNS: usize = 15;

/// The fastest of `RUNS` comparisons of `a` with each of `others`, run in turn so that a slow
/// moment of the machine falls on every case alike.
fn fastest(a: &Secret, others: &[&Secret]) -> Vec<Duration> {
    let mut best = vec![Duration::MAX; others.len()];
    for _ in 0..RUNS {
        for (best, other) in best.iter_mut().zip(others) {
            let started = Instant::now();
            let equal = std::hint::black_box(a) == std::hint::black_box(*other);
            let took = started.elapsed();
            std::hint::black_box(equal);
            *best = (*best).min(took);
        }
    }
    best
}

#[test]
fn two_secrets_take_as_long_to_compare_wherever_they_differ() {
    if common::touches_no_store() {
        return;
    }
    let text = "k".repeat(LEN);
    let secret = Secret::new(text.clone());
    let differs_at = |at: usize| {
        let mut bytes = text.clone().into_bytes();
        bytes[at] = b'x';
        Secret::new(String::from_utf8(bytes).unwrap())
    };
    let (first, middle, last, same) = (
        differs_at(0),
        differs_at(LEN / 2),
        differs_at(LEN - 1),
        Secret::new(text.clone()),
    );
    assert!(secret != first && secret != middle && secret != last && secret == same);

    let times = fastest(&secret, &[&first, &middle, &last, &same]);
    let [at_first, at_middle, at_last, equal] = times[..] else {
        unreachable!()
    };
    println!(
        "1 MiB secrets, fastest of {RUNS}: differing at the first byte {at_first:?}, the middle \
         {at_middle:?}, the last {at_last:?}; equal {equal:?}"
    );
    // An early exit would make the first case about LEN times cheaper than the last; a
    // constant-time comparison reads every byte in each. A factor of 4 leaves room for caches.
    let slowest = at_first.max(at_middle).max(at_last).max(equal);
    for (case, took) in [
        ("the first byte", at_first),
        ("the middle", at_middle),
        ("the last byte", at_last),
        ("nowhere (equal)", equal),
    ] {
        assert!(
            took * 4 >= slowest,
            "differing at {case} took {took:?}, against {slowest:?} for the slowest case: the \
             comparison stops early"
        );
    }
}
