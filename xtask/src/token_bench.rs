//! The token endpoint's row in BENCHMARKS.md: tokens per second and p99 latency at 50
//! concurrent clients on SQLite, beside a floor measured in the same run (an axum handler doing
//! the same single indexed SELECT and nothing else). The measuring is
//! `server/examples/token_bench.rs`; this runs it (release) and writes the table.

use serde_json::Value;

use crate::cargo;

/// Seconds each of the two servers is loaded: long enough for a steady p99, bounded.
pub const SECONDS: u64 = 10;
pub const CLIENTS: u64 = 50;

/// Builds and runs the example; its one JSON line.
pub fn run() -> Result<Value, String> {
    let mut command = cargo();
    command.args([
        "run",
        "--release",
        "--quiet",
        "-p",
        "keydesk-server",
        "--example",
        "token_bench",
        "--",
        "--seconds",
        &SECONDS.to_string(),
        "--clients",
        &CLIENTS.to_string(),
    ]);
    let shown = format!("{command:?}");
    eprintln!("xtask: $ {shown}");
    let output = command
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("{shown}: {e}"))?;
    if !output.status.success() {
        return Err(format!("{shown} failed ({})", output.status));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).map_err(|e| format!("token_bench printed {line:?}: {e}"))
}

/// The section for BENCHMARKS.md.
pub fn markdown(run: &Value) -> String {
    let figure = |side: &str, key: &str| run[side][key].as_f64().unwrap_or(f64::NAN);
    let (keydesk, floor) = (
        figure("keydesk", "per_second"),
        figure("floor", "per_second"),
    );
    let failed = run["keydesk"]["failed"].as_u64().unwrap_or(0)
        + run["floor"]["failed"].as_u64().unwrap_or(0);
    let mut md = format!(
        "## Token endpoint (`POST /oauth2/token`, SQLite, {} concurrent clients on loopback, {} s each, clients on the same cores)\n\n\
         | | Keydesk (client_secret_basic → token) | floor (the same SELECT, nothing else) | ratio | goal |\n| --- | --- | --- | --- | --- |\n",
        run["clients"], run["seconds"]
    );
    md.push_str(&format!(
        "| answers per second | {keydesk:.0} tokens/s | {floor:.0}/s | {:.2}× | ≥ 0.5× |\n",
        keydesk / floor
    ));
    md.push_str(&format!(
        "| p50 latency | {:.1} ms | {:.1} ms | | |\n",
        figure("keydesk", "p50_ms"),
        figure("floor", "p50_ms")
    ));
    md.push_str(&format!(
        "| p99 latency | {:.1} ms | {:.1} ms | | ≤ 5 ms |\n\n",
        figure("keydesk", "p99_ms"),
        figure("floor", "p99_ms")
    ));
    md.push_str(&format!(
        "Requests that did not get a 200: {failed}. Keydesk's answer costs a secret digest \
         comparison, a token drawn from the CSPRNG, and a write (the token's digest, and \
         \"last used\" at most once a minute) that SQLite serialises; the floor only reads.\n\n"
    ));
    md
}
