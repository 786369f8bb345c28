//! `cargo xtask bench`: Keydesk beside its floors, measured in one run so ratios hold on a
//! noisy machine. Start-up and memory against a bare Tauri app (benches/bare), IPC round trips
//! from the webview, store operations against raw SQL (criterion, core/benches), binary sizes.
//! Writes BENCHMARKS.md.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::{ensure_all_packages, root, status, target_dir};

const MEMORY_SETTLE: Duration = Duration::from_secs(3);

pub fn bench(args: &[String]) -> Result<(), String> {
    let runs: usize = match args.iter().position(|a| a == "--runs") {
        Some(i) => args
            .get(i + 1)
            .and_then(|n| n.parse().ok())
            .ok_or("--runs takes a number")?,
        None => 30,
    };
    let launch_only = args.iter().any(|a| a == "--launch-only");
    if args.iter().any(|a| a == "--tokens-only") {
        // The token endpoint's part alone: printed, and put in its place in BENCHMARKS.md.
        let section = crate::token_bench::markdown(&crate::token_bench::run()?);
        print!("{section}");
        return crate::token_bench::splice(&root().join("BENCHMARKS.md"), &section);
    }
    if args.iter().any(|a| a == "--cli-only") {
        // A look at the command line's row alone (on the release build already made).
        print!("{}", crate::cli_bench::markdown(&crate::cli_bench::run()?));
        return Ok(());
    }
    if args.iter().any(|a| a == "--inner") {
        if args.iter().any(|a| a == "--switcher-only") {
            // A look at the switcher's figures alone (on the release build already made).
            let each = switcher_keystrokes()?;
            eprintln!(
                "bench: switcher, {} keystrokes: median {:.1} ms, p95 {:.1} ms",
                each.len(),
                median(&each),
                quantile(&each, 0.95)
            );
            return Ok(());
        }
        return inner(runs, launch_only);
    }
    let started = Instant::now();
    ensure_all_packages()?;
    crate::bundle::build_release()?;
    let built = started.elapsed();
    // The GUI part needs a display and a session bus; give it both when missing.
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut command = crate::display_session();
    command
        .arg("--")
        .arg(me)
        .args(["bench", "--inner", "--runs", &runs.to_string()])
        .current_dir(root());
    if launch_only {
        command.arg("--launch-only");
        return status(command);
    }
    status(command)?;
    // The issue's bar: a fresh machine runs all of this in under 15 minutes.
    let path = root().join("BENCHMARKS.md");
    let mut md = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
    md.push_str(&format!(
        "\n## This run\n\n`cargo xtask bench` took {} in all (packages checked and release build: {}; \
         not counted: cargo building xtask itself before it starts).\n",
        minutes(started.elapsed()),
        minutes(built)
    ));
    std::fs::write(&path, &md).map_err(|e| e.to_string())?;
    eprintln!("bench: took {} in all", minutes(started.elapsed()));
    Ok(())
}

fn minutes(d: Duration) -> String {
    format!("{} min {} s", d.as_secs() / 60, d.as_secs() % 60)
}

fn release(name: &str) -> PathBuf {
    target_dir().join("release").join(name)
}

use crate::bench_report::{markdown, Figures, Sizes};
use crate::stats::{fastest_decile, median, quantile};

/// Launches whose memory is read (each waits MEMORY_SETTLE): memory moves little between runs,
/// so the first ones are enough and the rest of the ≥ 30 launches stop as soon as drawn.
const MEMORY_RUNS: usize = 10;
/// The start-up goal's interval may be at most this wide either side of the ratio.
pub const MAX_HALF_WIDTH: f64 = 0.10;
/// Launches per app below which the start-up figures are not trusted.
pub const MIN_RUNS: usize = 30;

/// The app's process and every process below it (WebKit's web and network processes).
fn process_tree(root: u32) -> Vec<u32> {
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The command name is in parentheses and may hold spaces; the parent pid follows it.
        if let Some(ppid) = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
        {
            parents.push((pid, ppid));
        }
    }
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(pid, _)| *pid),
        );
        i += 1;
    }
    tree
}

/// Proportional set size of a process tree, in MiB.
fn pss_mib(root: u32) -> f64 {
    let kib: u64 = process_tree(root)
        .iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok())
        .filter_map(|s| {
            s.lines()
                .find(|l| l.starts_with("Pss:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .sum();
    kib as f64 / 1024.0
}

fn stop(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Launches `bin`, waits for its page to report `ready`; returns (ms to ready, PSS MiB 3 s
/// later when `memory`).
fn launch(
    bin: &Path,
    run_dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    memory: bool,
) -> Result<(f64, Option<f64>), String> {
    let started = Instant::now();
    let mut child = Command::new(bin)
        .args(args)
        .envs(env.iter().copied())
        .env("KEYDESK_DATA_DIR", run_dir.join("data"))
        .env("KEYDESK_REPORT_READY", "1")
        .env("XDG_DATA_HOME", run_dir.join("xdg-data"))
        .env("XDG_CACHE_HOME", run_dir.join("xdg-cache"))
        .env("XDG_CONFIG_HOME", run_dir.join("xdg-config"))
        .env("MESA_SHADER_CACHE_DISABLE", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.trim() == "ready" {
                let _ = tx.send(());
            }
        }
    });
    let ready = rx.recv_timeout(Duration::from_secs(60));
    let elapsed = started.elapsed().as_secs_f64() * 1000.0;
    if ready.is_err() {
        stop(&mut child);
        return Err(format!(
            "{} did not report ready within 60 s",
            bin.display()
        ));
    }
    let memory = memory.then(|| {
        std::thread::sleep(MEMORY_SETTLE);
        pss_mib(child.id())
    });
    stop(&mut child);
    Ok((elapsed, memory))
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| e.to_string())?;
    for entry in std::fs::read_dir(from)
        .map_err(|e| e.to_string())?
        .flatten()
    {
        if entry.path().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// One app's launches: ms to ready and MiB, per run.
#[derive(Default)]
pub struct Launched {
    pub ms: Vec<f64>,
    pub mib: Vec<f64>,
}

impl Launched {
    fn push(&mut self, (ms, mib): (f64, Option<f64>)) {
        self.ms.push(ms);
        self.mib.extend(mib);
    }
    pub fn median_ms(&self) -> f64 {
        median(&self.ms)
    }
    pub fn median_mib(&self) -> f64 {
        median(&self.mib)
    }
    /// The mean of the fastest tenth of the launches: WebKit on this kind of machine now and
    /// then starts a page ~0.5 s late in every app alike (seen in the bare app too).
    pub fn fastest_decile(&self) -> f64 {
        fastest_decile(&self.ms)
    }
    fn last(&self) -> String {
        match (self.ms.last(), self.mib.last()) {
            (Some(ms), Some(mib)) if self.mib.len() == self.ms.len() => {
                format!("{ms:.0} ms {mib:.0} MiB")
            }
            (Some(ms), _) => format!("{ms:.0} ms"),
            _ => String::new(),
        }
    }
}

/// Keydesk draws on the CPU on Linux (see `prefer_cpu_rendering` in the shell); the bare app
/// is launched both as Tauri leaves it and drawn on the CPU too, so the table shows what the
/// setting buys and what Keydesk costs beyond it.
const CPU_DRAWN: (&str, &str) = ("WEBKIT_DISABLE_COMPOSITING_MODE", "1");

pub struct Launches {
    pub bare: Launched,
    pub bare_cpu: Launched,
    pub keydesk: Launched,
}

fn startup_and_memory(runs: usize, template: &Path) -> Result<Launches, String> {
    let (mut bare, mut bare_cpu, mut keydesk) = <(Launched, Launched, Launched)>::default();
    for run in 0..runs {
        // Alternating, each with a fresh folder: neither app profits from the other's caches.
        // Each run is a pair (bare, Keydesk) launched back to back, so a slow moment of the
        // machine hits both; the order within the pair alternates too.
        let memory = run < MEMORY_RUNS;
        let bare_dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let keydesk_dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        copy_dir(template, &keydesk_dir.path().join("data"))?;
        let launch_bare = |bare: &mut Launched| -> Result<(), String> {
            bare.push(launch(
                &release("keydesk-bare"),
                bare_dir.path(),
                &[],
                &[],
                memory,
            )?);
            Ok(())
        };
        let launch_keydesk = |keydesk: &mut Launched| -> Result<(), String> {
            keydesk.push(launch(
                &release("keydesk"),
                keydesk_dir.path(),
                &[],
                &[],
                memory,
            )?);
            Ok(())
        };
        if run % 2 == 0 {
            launch_bare(&mut bare)?;
            launch_keydesk(&mut keydesk)?;
        } else {
            launch_keydesk(&mut keydesk)?;
            launch_bare(&mut bare)?;
        }
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        bare_cpu.push(launch(
            &release("keydesk-bare"),
            dir.path(),
            &[],
            &[CPU_DRAWN],
            memory,
        )?);
        eprintln!(
            "bench: run {}/{runs}: bare {}, bare on the CPU {}, keydesk {}",
            run + 1,
            bare.last(),
            bare_cpu.last(),
            keydesk.last(),
        );
    }
    Ok(Launches {
        bare,
        bare_cpu,
        keydesk,
    })
}

const IPC_SCRIPT: &str = r#"
const done = arguments[arguments.length - 1];
const invoke = window.__TAURI__.core.invoke;
async function time(call, n) {
  const each = [];
  const start = performance.now();
  for (let i = 0; i < n; i++) { const t = performance.now(); await call(); each.push(performance.now() - t); }
  const mean = (performance.now() - start) / n;
  each.sort((a, b) => a - b);
  return { median: each[Math.floor(n / 2)], mean };
}
(async () => {
  const n = arguments[0];
  const noop = await time(() => invoke('app_status'), n);
  const search = await time(() => invoke('search_accounts', { query: 'summit', offset: 0, limit: 50 }), n);
  const account = (await invoke('search_accounts', { query: '', offset: 0, limit: 1 })).hits[0].id;
  const issued = await invoke('generate_credentials', {
    accountId: account, form: { name: 'bench', email: 'bench@example.com', application: 'bench' }, storeInKeyring: false,
  });
  const renew = await time(() => invoke('renew_secret', { credentialId: issued.credential.id, grace: 'now', storeInKeyring: false }), n);
  done({ noop, search, renew });
})().catch((e) => done({ error: String(e) }));
"#;

fn ipc(template: &Path) -> Result<Value, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    copy_dir(template, dir.path())?;
    // The harness drives whichever binary KEYDESK_APP_BIN names: here the release build.
    std::env::set_var("KEYDESK_APP_BIN", release("keydesk"));
    let app = keydesk_e2e::App::launch(dir.path(), &[]);
    let result = app.exec_async(IPC_SCRIPT, json!([1000]), Duration::from_secs(600));
    if let Some(error) = result.get("error") {
        return Err(format!("IPC benchmark: {error}"));
    }
    Ok(result)
}

/// Types into the switcher of the release build over 10,000 accounts, one keystroke at a time
/// (growing and shrinking words, so each answer differs), and times each from the `input` event
/// to the next animation frame after the results list changed.
const KEYSTROKE_SCRIPT: &str = r#"
const done = arguments[arguments.length - 1];
const rounds = arguments[0];
const input = document.getElementById('switcher-search');
const results = document.getElementById('switcher-results');
const status = document.getElementById('switcher-status');
const texts = [];
for (const word of ['summit', 'acme', 'north', 'globex']) {
  for (let i = 1; i <= word.length; i++) texts.push(word.slice(0, i));
  for (let i = word.length - 1; i >= 1; i--) texts.push(word.slice(0, i));
  texts.push('');
}
function keystroke(text) {
  return new Promise((resolve) => {
    let start = 0;
    const observer = new MutationObserver(() => {
      observer.disconnect();
      requestAnimationFrame(() => resolve(performance.now() - start));
    });
    // The status line is rewritten on every answer; the list only when it has rows to clear or
    // draw (two queries in a row with no match leave it empty and unchanged).
    observer.observe(results, { childList: true });
    observer.observe(status, { childList: true, characterData: true, subtree: true });
    input.value = text;
    start = performance.now();
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}
(async () => {
  const each = [];
  // One warm-up pass, then the measured ones.
  for (const text of texts) await keystroke(text);
  for (let r = 0; r < rounds; r++) for (const text of texts) each.push(await keystroke(text));
  done(each);
})().catch((e) => done({ error: String(e) }));
"#;

fn switcher_keystrokes() -> Result<Vec<f64>, String> {
    // 10,000 accounts made by Keydesk itself first (the launch waits up to 60 s for them).
    let seeded = tempfile::tempdir().map_err(|e| e.to_string())?;
    launch(
        &release("keydesk"),
        seeded.path(),
        &["--demo", "--demo-accounts", "10000"],
        &[],
        false,
    )?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    copy_dir(&seeded.path().join("data"), dir.path())?;
    std::env::set_var("KEYDESK_APP_BIN", release("keydesk"));
    let app = keydesk_e2e::App::launch(dir.path(), &[]);
    app.click("#accounts-button");
    app.wait_for("the switcher's first page", |app| {
        app.exists("#switcher-results [role=option]")
    });
    let result = app.exec_async(KEYSTROKE_SCRIPT, json!([4]), Duration::from_secs(600));
    let Some(each) = result.as_array() else {
        return Err(format!("switcher benchmark: {result}"));
    };
    Ok(each.iter().filter_map(Value::as_f64).collect())
}

/// Criterion's medians, in µs, keyed "group/function".
fn criterion_medians() -> Vec<(String, f64)> {
    let mut found = Vec::new();
    let mut folders = vec![target_dir().join("criterion")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.ends_with("new/benchmark.json") {
                let read = |p: &Path| {
                    std::fs::read_to_string(p)
                        .ok()
                        .and_then(|s| serde_json::from_str::<Value>(&s).ok())
                };
                if let (Some(meta), Some(estimates)) =
                    (read(&path), read(&path.with_file_name("estimates.json")))
                {
                    let id = meta["full_id"].as_str().unwrap_or_default().to_owned();
                    if let Some(ns) = estimates["median"]["point_estimate"].as_f64() {
                        found.push((id, ns / 1000.0));
                    }
                }
            }
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

/// Runs core's criterion benches, built by `build_release` beside the apps (not through `cargo
/// bench`, which would resolve core's features alone and rebuild half the tree).
fn store_benches(benches: &[(String, PathBuf)]) -> Result<Vec<(String, f64)>, String> {
    let home = target_dir().join("criterion");
    let _ = std::fs::remove_dir_all(&home);
    let cluster = crate::postgres::Cluster::start().ok();
    for name in ["search", "store", "health", "import", "team"] {
        let (_, executable) = benches
            .iter()
            .find(|(n, _)| n == name)
            .ok_or(format!("the release build made no `{name}` bench"))?;
        let mut bench = Command::new(executable);
        // As `cargo bench` runs it: from the package's folder, in benchmark mode.
        bench
            .arg("--bench")
            .current_dir(root().join("core"))
            .env("CRITERION_HOME", &home);
        if let Some(cluster) = &cluster {
            bench.env("KEYDESK_BENCH_POSTGRES_URL", &cluster.url);
        }
        status(bench)?;
    }
    Ok(criterion_medians())
}

fn size_mib(path: &Path) -> f64 {
    std::fs::metadata(path)
        .map(|m| m.len() as f64 / 1_048_576.0)
        .unwrap_or(f64::NAN)
}

fn cpu() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn inner(runs: usize, launch_only: bool) -> Result<(), String> {
    // A data folder with 1,000 accounts, made once by Keydesk itself, copied for every launch.
    let template_run = tempfile::tempdir().map_err(|e| e.to_string())?;
    launch(
        &release("keydesk"),
        template_run.path(),
        &["--demo", "--demo-accounts", "1000"],
        &[],
        false,
    )?;
    let template = template_run.path().join("data");

    let launches = startup_and_memory(runs, &template)?;
    if launch_only {
        // A quick look while profiling start-up; BENCHMARKS.md is left as it is.
        return Ok(());
    }
    let ipc = ipc(&template)?;
    let keystrokes = switcher_keystrokes()?;
    // The outer process built everything; this (a no-op build) names the bench executables.
    let store = store_benches(&crate::bundle::build_release()?)?;
    let tokens = crate::token_bench::run()?;
    let cli = crate::cli_bench::run()?;
    let (kd, bare) = (
        crate::bundle::packages("release")?,
        crate::bundle::bare_packages()?,
    );
    let sizes = Sizes {
        binary: (
            size_mib(&release("keydesk")),
            size_mib(&release("keydesk-bare")),
        ),
        deb: (size_mib(&kd.deb), size_mib(&bare.deb)),
        rpm: (size_mib(&kd.rpm), size_mib(&bare.rpm)),
    };
    let md = markdown(&Figures {
        date: utc_now()?,
        cpu: cpu(),
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        runs,
        launches,
        sizes,
        ipc,
        keystrokes,
        store,
        tokens,
        cli,
    });
    std::fs::write(root().join("BENCHMARKS.md"), &md).map_err(|e| e.to_string())?;
    println!("{md}");
    Ok(())
}

fn utc_now() -> Result<String, String> {
    let out = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}
