//! The one clock core reads. The app runs on the system clock; tests (and the health checks of
//! later issues) move a manual one. Nothing else in core calls `Utc::now()`.
//!
//! Its time is to the microsecond, which is what PostgreSQL keeps: what a change writes reads
//! back the same from either store, and nothing downstream truncates again.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, SubsecRound, Utc};

#[derive(Clone, Debug, Default)]
pub struct Clock(Option<Arc<Mutex<DateTime<Utc>>>>);

impl Clock {
    /// The system's time.
    pub fn system() -> Clock {
        Clock(None)
    }

    /// A clock that stands still at `at` until set or advanced. Microseconds, as PostgreSQL
    /// keeps them, so what a test reads back equals what it wrote.
    pub fn manual(at: DateTime<Utc>) -> Clock {
        Clock(Some(Arc::new(Mutex::new(at.trunc_subsecs(6)))))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.0 {
            None => Utc::now().trunc_subsecs(6),
            Some(at) => *at.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// Moves a manual clock to `at` (the system clock cannot be moved: nothing happens).
    pub fn set(&self, at: DateTime<Utc>) {
        if let Some(current) = &self.0 {
            *current.lock().unwrap_or_else(|e| e.into_inner()) = at.trunc_subsecs(6);
        }
    }

    pub fn advance(&self, by: Duration) {
        self.set(self.now() + by);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let t0 = Utc::now();
        let clock = Clock::manual(t0);
        let copy = clock.clone();
        assert_eq!(clock.now(), t0.trunc_subsecs(6));
        copy.advance(Duration::seconds(90));
        assert_eq!(clock.now(), t0.trunc_subsecs(6) + Duration::seconds(90));
    }

    /// PostgreSQL keeps microseconds: a time with nanoseconds would read back different.
    #[test]
    fn the_system_clock_reads_to_the_microsecond() {
        for _ in 0..100 {
            let now = Clock::system().now();
            assert_eq!(now.timestamp_subsec_nanos() % 1_000, 0, "{now:?}");
        }
    }
}
