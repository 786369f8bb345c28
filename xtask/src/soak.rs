//! `cargo xtask soak`: the reliability suites at full length, on SQLite and then PostgreSQL —
//! 1,000 SIGKILLs, 100,000 hostile inputs per property, 1,000 renewals checked at rest. The short
//! versions of the same tests run in `cargo xtask test`.

use std::time::Instant;

use crate::{core_test_binaries, ensure_all_packages, postgres, root, session_command, status};

/// The suites, and the environment that makes each one long.
/// (The concurrency suite is 100 simultaneous renewals at either length.)
const LONG: &[(&str, Option<(&str, &str)>)] = &[
    ("crash", Some(("KEYDESK_CRASH_KILLS", "1000"))),
    ("concurrency", None),
    ("hostile_input", Some(("PROPTEST_CASES", "100000"))),
    ("at_rest", Some(("KEYDESK_AT_REST_RENEWALS", "1000"))),
];

pub fn soak(args: &[String]) -> Result<(), String> {
    if !args.is_empty() {
        return Err(format!("soak takes no arguments (got {args:?})"));
    }
    ensure_all_packages()?;
    let names: Vec<&str> = LONG.iter().map(|(name, _)| *name).collect();
    // Optimised test binaries: 100,000 hostile inputs per property take hours unoptimised.
    let binaries = core_test_binaries(&names, true)?;
    let cluster = postgres::Cluster::start()?;
    let started = Instant::now();
    for (store, postgres_url) in [("SQLite", None), ("PostgreSQL", Some(&cluster.url))] {
        for ((name, long), binary) in LONG.iter().zip(&binaries) {
            eprintln!("xtask: soak {name} on {store} {long:?}");
            // The keyring suites need a session bus with an unlocked Secret Service.
            let mut command =
                session_command(&[binary.display().to_string(), "--nocapture".into()]);
            command.current_dir(root().join("core"));
            if let Some((variable, value)) = long {
                command.env(variable, value);
            }
            if let Some(url) = postgres_url {
                command.env("KEYDESK_TEST_POSTGRES_URL", url);
            }
            status(command)?;
        }
    }
    eprintln!(
        "xtask: soak passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
