//! The token endpoint's row in BENCHMARKS.md: tokens per second and p99 latency at 50
//! concurrent clients on SQLite, beside a floor measured in the same run (an axum handler doing
//! the same single indexed SELECT and nothing else). The measuring is
//! `server/examples/token_bench.rs`; this runs it (release) and writes the table.

use serde_json::Value;

use crate::cargo;

/// Seconds each of the two servers is loaded: long enough for a steady p99, bounded.
pub const SECONDS: u64 = 10;
pub const CLIENTS: u64 = 50;

/// What the section is written from.
pub struct Runs {
    /// One per store.
    pub stores: Vec<Value>,
    /// `server/examples/limiter_flood.rs`.
    pub flood: Value,
}

/// Builds and runs the example on SQLite, then on a throwaway PostgreSQL cluster when one can
/// be started: one JSON line each; then the rate limiter's flood.
pub fn run() -> Result<Runs, String> {
    let mut stores = vec![run_on(None)?];
    match crate::postgres::Cluster::start() {
        Ok(cluster) => stores.push(run_on(Some(&cluster.url))?),
        Err(err) => eprintln!("xtask: token bench on PostgreSQL skipped: {err}"),
    }
    Ok(Runs {
        stores,
        flood: example("limiter_flood", &[])?,
    })
}

fn run_on(database_url: Option<&str>) -> Result<Value, String> {
    let (seconds, clients) = (SECONDS.to_string(), CLIENTS.to_string());
    let mut args = vec!["--seconds", &seconds, "--clients", &clients];
    if let Some(url) = database_url {
        args.extend(["--database-url", url]);
    }
    example("token_bench", &args)
}

/// Runs keydesk-server's example `name` (release) and reads the JSON line it prints last.
fn example(name: &str, args: &[&str]) -> Result<Value, String> {
    let mut command = cargo();
    command.args([
        "run",
        "--release",
        "--quiet",
        "-p",
        "keydesk-server",
        "--example",
        name,
        "--",
    ]);
    command.args(args);
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
    serde_json::from_str(line).map_err(|e| format!("{name} printed {line:?}: {e}"))
}

/// The section for BENCHMARKS.md.
pub fn markdown(all: &Runs) -> String {
    let runs = &all.stores;
    let Some(first) = runs.first() else {
        return String::new();
    };
    let mut md = format!(
        "## Token endpoint (`POST /oauth2/token`, {} concurrent clients on loopback, {} s each, clients on the same cores)\n\n\
         | store | | Keydesk (client_secret_basic → token) | floor (the same SELECT, nothing else) | ratio | goal |\n| --- | --- | --- | --- | --- | --- |\n",
        first["clients"], first["seconds"]
    );
    let mut failed = 0;
    for run in runs {
        let figure = |side: &str, key: &str| run[side][key].as_f64().unwrap_or(f64::NAN);
        let store = run["store"].as_str().unwrap_or("?");
        let (keydesk, floor) = (
            figure("keydesk", "per_second"),
            figure("floor", "per_second"),
        );
        failed += run["keydesk"]["failed"].as_u64().unwrap_or(0)
            + run["floor"]["failed"].as_u64().unwrap_or(0)
            + run["paced"]["failed"].as_u64().unwrap_or(0)
            + run["floor_paced"]["failed"].as_u64().unwrap_or(0);
        let sqlite = store == "sqlite";
        md.push_str(&format!(
            "| {store} | answers per second, clients flat out | {keydesk:.0} tokens/s | {floor:.0}/s | {:.2}× | {} |\n",
            keydesk / floor,
            if sqlite { "≥ 0.5×" } else { "" }
        ));
        md.push_str(&format!(
            "| {store} | p50 / p99, clients flat out | {:.1} / {:.1} ms | {:.1} / {:.1} ms | | |\n",
            figure("keydesk", "p50_ms"),
            figure("keydesk", "p99_ms"),
            figure("floor", "p50_ms"),
            figure("floor", "p99_ms")
        ));
        md.push_str(&format!(
            "| {store} | p50 / p99 at {:.0} requests/s (half the floor's rate), paced | {:.1} / {:.1} ms | {:.1} / {:.1} ms | | {} |\n",
            figure("paced", "rate"),
            figure("paced", "p50_ms"),
            figure("paced", "p99_ms"),
            figure("floor_paced", "p50_ms"),
            figure("floor_paced", "p99_ms"),
            if sqlite { "p99 ≤ 5 ms" } else { "" }
        ));
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split_whitespace().next().unwrap_or("?");
    md.push_str(&format!(
        "\nLoad average when the section was written: {load} on {} cores (other work on the \
         machine slows both sides; the ratios are the comparable figures).\n",
        first["cores"]
    ));
    md.push_str(&format!(
        "\nRequests that did not get a 200: {failed}. Keydesk's answer costs a secret digest \
         comparison, a token drawn from the CSPRNG, and a write (the token's digest, and \
         \"last used\" at most once a minute); tokens of concurrent requests are written \
         together, one transaction per batch. The floor only reads. With 50 clients sending \
         flat out, latency is just throughput seen from the other side (50 ÷ answers per \
         second: no server on 2 cores answers 50 at once in 5 ms, the floor included), so the \
         p99 goal is read at a paced rate — the goal's own throughput, half the floor's — with \
         each latency counted from when the request was due; the floor is paced at the same \
         rate, so what the clients and the shared cores add shows beside it.\n\n"
    ));
    md.push_str(&flood_markdown(&all.flood));
    md
}

/// The rate limiter's row (issue 24): `attempt()` under one shut-out address's flood.
fn flood_markdown(flood: &Value) -> String {
    let us = |side: &str, key: &str| flood[side][key].as_f64().unwrap_or(f64::NAN);
    format!(
        "### The rate limiter under a flood (`server/examples/limiter_flood.rs`, in process)\n\n\
         | who | calls to `attempt()` | p50 | p99 | max | goal |\n| --- | --- | --- | --- | --- | --- |\n\
         | a shut-out address, each call a new 8 KiB Client ID with a multi-byte character at byte 32 | {} | {:.1} µs | {:.1} µs | {:.0} µs | p99 < 1 ms |\n\
         | a known integration meanwhile | {} | {:.1} µs | {:.1} µs | {:.0} µs | p99 < 1 ms |\n\n\
         Keys the limiter held afterwards: {} (the longest Client ID kept: {} bytes; at most {} \
         keys a table, 32 bytes a Client ID).\n\n",
        flood["flood"]["attempts"],
        us("flood", "p50_us"),
        us("flood", "p99_us"),
        us("flood", "max_us"),
        flood["integration"]["attempts"],
        us("integration", "p50_us"),
        us("integration", "p99_us"),
        us("integration", "max_us"),
        flood["tracked_keys"],
        flood["longest_key_bytes"],
        50_000,
    )
}

/// Puts `section` in BENCHMARKS.md in place of the token endpoint's section, or before "This
/// run" when there is none yet; the other sections stay as the last full run wrote them.
pub fn splice(file: &std::path::Path, section: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    const HEADING: &str = "## Token endpoint";
    let updated = match text.find(HEADING) {
        Some(start) => {
            let rest = &text[start + HEADING.len()..];
            let end = rest
                .find("\n## ")
                .map_or(text.len(), |i| start + HEADING.len() + i + 1);
            format!("{}{section}{}", &text[..start], &text[end..])
        }
        None => match text.find("## This run") {
            Some(at) => format!("{}{section}{}", &text[..at], &text[at..]),
            None => format!("{text}\n{section}"),
        },
    };
    std::fs::write(file, updated).map_err(|e| format!("{}: {e}", file.display()))
}
