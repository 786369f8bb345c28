//! What both criterion benches share.

use std::time::Duration;

use criterion::Criterion;

/// Short runs keep a fresh `cargo xtask bench` under 15 minutes; 30 samples still give a stable
/// median for operations of a millisecond or a few.
pub fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500))
}
