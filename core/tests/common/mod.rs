//! The shared test support (`keydesk-test-support`), under the name the tests use.

pub use keydesk_test_support::*;
