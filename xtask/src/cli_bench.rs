//! Issue 27's bench row: `keydesk-cli credentials list --json` on a 10,000-account store, the
//! whole process (start, open the store, three reads, JSON out), beside `sqlite3` running the
//! same SELECT on the same file — both timed as hyperfine times a command: a warm-up run, then
//! the median of `RUNS` runs.
//!
//! The store: 10,000 accounts imported by `keydesk-cli accounts import` itself, then one
//! credential with one live secret per account written by sqlite3 (a fixture: digests and
//! hints are placeholders, nothing verifies against them).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::target_dir;

const ACCOUNTS: usize = 10_000;
const RUNS: usize = 15;

/// Medians in ms: (keydesk-cli, sqlite3).
pub struct Figures {
    pub cli_ms: f64,
    pub sqlite_ms: f64,
}

/// What sqlite3 reads: the columns the CLI's JSON shows, live secrets only.
const SELECT: &str = "SELECT c.id, c.account_id, c.client_id, c.name, c.email, c.application, \
    c.resource_server, c.created_at, s.id, s.hint, s.created_at, s.expires_at, \
    s.lifetime_ends_at, s.last_used_at \
    FROM credentials c LEFT JOIN credential_secrets s ON s.credential_id = c.id \
    AND s.revoked_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > datetime('now')) \
    ORDER BY c.account_id, c.created_at DESC, c.id DESC;";

pub fn run() -> Result<Figures, String> {
    let cli = target_dir().join("release").join("keydesk-cli");
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let store = dir.path().join("keydesk.sqlite3");
    seed(&cli, dir.path(), &store)?;
    let store_arg = store.display().to_string();
    let cli_ms = median_ms(|| {
        let mut c = Command::new(&cli);
        c.args(["--store", &store_arg, "--json", "credentials", "list"])
            .env("KEYDESK_DATA_DIR", dir.path());
        c
    })?;
    let sqlite_ms = median_ms(|| {
        let mut c = Command::new("sqlite3");
        c.args(["-json", &store_arg, SELECT]);
        c
    })?;
    Ok(Figures { cli_ms, sqlite_ms })
}

fn seed(cli: &Path, dir: &Path, store: &Path) -> Result<(), String> {
    let csv = dir.join("accounts.csv");
    let mut rows = String::from("company_name,name,email\n");
    for i in 1..=ACCOUNTS {
        rows.push_str(&format!("Company {i},Person {i},p{i}@example.com\n"));
    }
    std::fs::write(&csv, rows).map_err(|e| e.to_string())?;
    let imported = Command::new(cli)
        .arg("--store")
        .arg(store)
        .args(["accounts", "import"])
        .arg(&csv)
        .env("KEYDESK_DATA_DIR", dir)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("{}: {e}", cli.display()))?;
    if !imported.success() {
        return Err(format!("keydesk-cli accounts import failed ({imported})"));
    }
    let sql = "INSERT INTO credentials (account_id, client_id, name, email, email_key, \
               application, keyring_stored, resource_server, created_at, updated_at, version) \
               SELECT id, printf('%032x', id), 'Integration', 'i' || id || '@example.com', \
               'i' || id || '@example.com', 'PSA', 0, 0, strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'), strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'), 1 \
               FROM accounts; \
               INSERT INTO credential_secrets (credential_id, digest, hint, created_at) \
               SELECT id, printf('%064x', id), 'abcd', strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') FROM credentials;";
    let seeded = Command::new("sqlite3")
        .arg(store)
        .arg(sql)
        .status()
        .map_err(|e| format!("sqlite3: {e}"))?;
    if !seeded.success() {
        return Err(format!(
            "sqlite3 seeding the CLI bench store failed ({seeded})"
        ));
    }
    Ok(())
}

/// A warm-up, then the median wall time of `RUNS` runs, output discarded.
fn median_ms(command: impl Fn() -> Command) -> Result<f64, String> {
    let mut times = Vec::with_capacity(RUNS);
    for run in 0..=RUNS {
        let mut c = command();
        let started = Instant::now();
        let status = c
            .stdout(Stdio::null())
            .status()
            .map_err(|e| format!("{c:?}: {e}"))?;
        let took = started.elapsed().as_secs_f64() * 1000.0;
        if !status.success() {
            return Err(format!("{c:?} failed ({status})"));
        }
        if run > 0 {
            times.push(took);
        }
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

pub fn markdown(f: &Figures) -> String {
    format!(
        "\n## Command line: `keydesk-cli credentials list --json`, 10,000 accounts × 1 credential \
         (whole process, median of {RUNS} runs after a warm-up)\n\n\
         | program | median | × sqlite3 |\n| --- | --- | --- |\n\
         | keydesk-cli | {:.1} ms | {:.1}× |\n| sqlite3 -json, the same SELECT | {:.1} ms | 1.0× |\n",
        f.cli_ms,
        f.cli_ms / f.sqlite_ms,
        f.sqlite_ms
    )
}
