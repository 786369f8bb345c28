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

use crate::stats::{fastest_decile, median, median_ratio, quantile};

/// Launches whose memory is read (each waits MEMORY_SETTLE): memory moves little between runs,
/// so the first ones are enough and the rest of the ≥ 30 launches stop as soon as drawn.
const MEMORY_RUNS: usize = 10;
/// The start-up goal's interval may be at most this wide either side of the ratio.
const MAX_HALF_WIDTH: f64 = 0.10;
/// Launches per app below which the start-up figures are not trusted.
const MIN_RUNS: usize = 30;

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
struct Launched {
    ms: Vec<f64>,
    mib: Vec<f64>,
}

impl Launched {
    fn push(&mut self, (ms, mib): (f64, Option<f64>)) {
        self.ms.push(ms);
        self.mib.extend(mib);
    }
    fn median_ms(&self) -> f64 {
        median(&self.ms)
    }
    fn median_mib(&self) -> f64 {
        median(&self.mib)
    }
    /// The mean of the fastest tenth of the launches: WebKit on this kind of machine now and
    /// then starts a page ~0.5 s late in every app alike (seen in the bare app too).
    fn fastest_decile(&self) -> f64 {
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

struct Launches {
    bare: Launched,
    bare_cpu: Launched,
    keydesk: Launched,
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
    for name in ["search", "store", "health", "import"] {
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
    let (bin_kd, bin_bare) = (
        size_mib(&release("keydesk")),
        size_mib(&release("keydesk-bare")),
    );
    let (packages_kd, packages_bare) = (
        crate::bundle::packages("release")?,
        crate::bundle::bare_packages()?,
    );
    let (deb_kd, deb_bare) = (size_mib(&packages_kd.deb), size_mib(&packages_bare.deb));
    let (rpm_kd, rpm_bare) = (size_mib(&packages_kd.rpm), size_mib(&packages_bare.rpm));
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let date = String::from_utf8_lossy(
        &Command::new("date")
            .arg("-u")
            .arg("+%Y-%m-%d %H:%M UTC")
            .output()
            .map_err(|e| e.to_string())?
            .stdout,
    )
    .trim()
    .to_owned();

    let mut md = String::new();
    md.push_str("# Benchmarks\n\nWritten by `cargo xtask bench` (do not edit by hand). ");
    md.push_str(&format!(
        "{date}, {} ({cores} cores), {runs} launches of each app, alternating.\n\n",
        cpu()
    ));
    md.push_str("## Start-up and memory (release builds, Xvfb, software GL)\n\n| | Keydesk (1,000 accounts) | bare Tauri app | ratio | goal | bare app drawn on the CPU, as Keydesk is | ratio to it |\n| --- | --- | --- | --- | --- | --- | --- |\n");
    // One row: Keydesk, the bare app, the bare app drawn on the CPU, and the ratios.
    let row = |label: &str, unit: &str, goal: &str, (kd, bare, cpu): (f64, f64, f64)| {
        format!(
            "| {label} | {kd:.0} {unit} | {bare:.0} {unit} | {:.2}× | {goal} | {cpu:.0} {unit} | {:.2}× |\n",
            kd / bare,
            kd / cpu
        )
    };
    let Launches {
        bare,
        bare_cpu,
        keydesk,
    } = &launches;
    let each = |figure: fn(&Launched) -> f64| (figure(keydesk), figure(bare), figure(bare_cpu));
    // The goal's figure: the median ratio over paired launches, with its 95% interval.
    let startup = median_ratio(&keydesk.ms, &bare.ms, 10_000);
    let to_cpu = median_ratio(&keydesk.ms, &bare_cpu.ms, 10_000);
    let trusted = |estimate: &crate::stats::RatioEstimate| {
        if runs < MIN_RUNS {
            format!(" **⚠ only {runs} launches (< {MIN_RUNS}): not a figure to judge by**")
        } else if estimate.relative_half_width() > MAX_HALF_WIDTH {
            format!(
                " **⚠ UNRELIABLE: the 95% interval is ±{:.0}% (> ±{:.0}%): run again on a quieter machine**",
                estimate.relative_half_width() * 100.0,
                MAX_HALF_WIDTH * 100.0
            )
        } else {
            String::new()
        }
    };
    md.push_str(&format!(
        "| launch → page drawn with data (median; ratio with its bootstrap 95% interval over the {runs} pairs) | {:.0} ms | {:.0} ms | {:.2}× [{:.2}–{:.2}]{} | ≤ 1.10× | {:.0} ms | {:.2}× [{:.2}–{:.2}] |\n",
        keydesk.median_ms(),
        bare.median_ms(),
        startup.ratio,
        startup.low,
        startup.high,
        trusted(&startup),
        bare_cpu.median_ms(),
        to_cpu.ratio,
        to_cpu.low,
        to_cpu.high,
    ));
    md.push_str(&row(
        "launch → page drawn, fastest tenth of the runs (mean)",
        "ms",
        "",
        each(Launched::fastest_decile),
    ));
    md.push_str(&row(
        "idle memory 3 s later, PSS of app + WebKit processes (median of the first launches)",
        "MiB",
        "≤ 1.10×",
        each(Launched::median_mib),
    ));
    md.push_str(&format!(
        "| release binary | {bin_kd:.1} MiB | {bin_bare:.1} MiB | {:.2}× | | | |\n",
        bin_kd / bin_bare
    ));
    md.push_str(&format!(
        "| .deb package (`cargo xtask bundle`, Tauri's bundler) | {deb_kd:.1} MiB | {deb_bare:.1} MiB | {:.2}× | | | |\n",
        deb_kd / deb_bare
    ));
    md.push_str(&format!(
        "| .rpm package (`cargo xtask bundle`, Tauri's bundler) | {rpm_kd:.1} MiB | {rpm_bare:.1} MiB | {:.2}× | | | |\n\n",
        rpm_kd / rpm_bare
    ));
    md.push_str(
        "Keydesk turns WebKitGTK's GL compositing off (`WEBKIT_DISABLE_COMPOSITING_MODE=1` unless \
         the person set it): with GL in software its first frame took ~450 ms and the processes \
         held ~85 MiB more. The bare app is launched both as Tauri leaves it (the goal's floor) and \
         with the same setting (the last two columns: what Keydesk costs beyond the setting). \
         On this kind of machine WebKit now and then shows a page ~0.5 s late, in every app \
         alike. So each run is a pair — the bare app and Keydesk launched back to back, their \
         order alternating — and the ratio of the medians comes with a 95% interval from \
         10,000 bootstrap resamples of the pairs; the table flags an interval wider than \
         ±10% instead of presenting the figure. The fastest tenth of the launches is what late \
         starts cannot reach. Memory is read in the first 10 runs (3 s after each launch).\n\n",
    );
    let ms = |key: &str, stat: &str| ipc[key][stat].as_f64().unwrap_or(f64::NAN);
    md.push_str("## IPC round trips from the webview (`performance.now()`, 1,000 calls each)\n\n| command | median | mean | vs. no-op (mean) |\n| --- | --- | --- | --- |\n");
    for (label, key) in [
        ("app_status (no-op floor)", "noop"),
        ("search_accounts \"summit\", 1,000 accounts", "search"),
        ("renew_secret", "renew"),
    ] {
        md.push_str(&format!(
            "| {label} | {:.2} ms | {:.3} ms | {:.1}× |\n",
            ms(key, "median"),
            ms(key, "mean"),
            ms(key, "mean") / ms("noop", "mean")
        ));
    }
    md.push_str(
        "\nWebKit rounds `performance.now()`; the mean over 1,000 calls is the finer figure.\n\n",
    );
    md.push_str(&format!(
        "## The switcher: keystroke → results painted (10,000 accounts, real webview)\n\n\
         | | median | p95 | goal |\n| --- | --- | --- | --- |\n\
         | `input` event → next animation frame after the list is redrawn ({} keystrokes) | {:.1} ms | {:.1} ms | ≤ 16 ms median, ≤ 33 ms p95 |\n\n\
         Measured in the page: the text is put in the box and an `input` event dispatched, as \
         typing does; the clock stops in the first `requestAnimationFrame` after the results \
         list changed (the frame that paints it). WebKit rounds `performance.now()` to 1 ms.\n\n",
        keystrokes.len(),
        median(&keystrokes),
        quantile(&keystrokes, 0.95),
    ));
    md.push_str("## Store operations (criterion medians; floor = the same writes/reads as single SQL statements)\n\n| operation | Keydesk | floor | ratio | goal |\n| --- | --- | --- | --- | --- |\n");
    for (id, keydesk) in store.iter().filter(|(id, _)| id.ends_with("/keydesk")) {
        let base = id.trim_end_matches("/keydesk");
        let floor = store
            .iter()
            .find(|(i, _)| *i == format!("{base}/floor"))
            .map(|(_, v)| *v)
            .unwrap_or(f64::NAN);
        let goal = if base.ends_with("/renew") {
            "≤ 1.5×"
        } else if base.ends_with("/search") {
            "≤ 2 ms"
        } else {
            ""
        };
        md.push_str(&format!(
            "| {base} | {keydesk:.0} µs | {floor:.0} µs | {:.2}× | {goal} |\n",
            keydesk / floor
        ));
    }
    md.push_str("\n## Search over 10,000 accounts (first page of 50)\n\n| store / query | median |\n| --- | --- |\n");
    for (id, us) in store.iter().filter(|(id, _)| id.starts_with("search 10k")) {
        md.push_str(&format!(
            "| {} | {:.2} ms |\n",
            id.trim_start_matches("search 10k accounts/"),
            us / 1000.0
        ));
    }
    md.push_str("\n## Credentials health over 10,000 accounts × 3 credentials (goal ≤ 5 ms on SQLite)\n\n| store / query | median |\n| --- | --- |\n");
    for (id, us) in store.iter().filter(|(id, _)| id.starts_with("health 10k")) {
        md.push_str(&format!(
            "| {} | {:.2} ms |\n",
            id.trim_start_matches("health 10k accounts/"),
            us / 1000.0
        ));
    }
    md.push_str("\n## CSV import of 10,000 accounts (preview + commit into an empty store, with tags)\n\n| store | median | goal |\n| --- | --- | --- |\n");
    for (id, us) in store.iter().filter(|(id, _)| id.starts_with("import 10k")) {
        md.push_str(&format!(
            "| {} | {:.2} s | ≤ 3 s |\n",
            id.trim_start_matches("import 10k accounts/"),
            us / 1_000_000.0
        ));
    }
    md.push('\n');
    md.push_str(&crate::token_bench::markdown(&tokens));
    std::fs::write(root().join("BENCHMARKS.md"), &md).map_err(|e| e.to_string())?;
    println!("{md}");
    Ok(())
}
