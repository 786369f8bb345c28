//! BENCHMARKS.md from one run's figures: one function per section, each a table beside its
//! yardstick. `bench.rs` measures; this only writes.

use serde_json::Value;

use crate::bench::{Launched, Launches, MAX_HALF_WIDTH, MIN_RUNS};
use crate::stats::{median, median_ratio, quantile, RatioEstimate};

/// Sizes in MiB: Keydesk's and the bare app's.
pub struct Sizes {
    pub binary: (f64, f64),
    pub deb: (f64, f64),
    pub rpm: (f64, f64),
}

/// Everything one `cargo xtask bench` run measured.
pub struct Figures {
    pub date: String,
    pub cpu: String,
    pub cores: usize,
    pub runs: usize,
    pub launches: Launches,
    pub sizes: Sizes,
    /// `{noop|search|renew: {median, mean}}` in ms, from the webview.
    pub ipc: Value,
    /// Keystroke → results painted, ms.
    pub keystrokes: Vec<f64>,
    /// Criterion medians in µs, keyed "group/function".
    pub store: Vec<(String, f64)>,
    pub tokens: crate::token_bench::Runs,
    pub cli: crate::cli_bench::Figures,
}

pub fn markdown(f: &Figures) -> String {
    let mut md = format!(
        "# Benchmarks\n\nWritten by `cargo xtask bench` (do not edit by hand). \
         {}, {} ({} cores), {} launches of each app, alternating.\n\n",
        f.date, f.cpu, f.cores, f.runs
    );
    md.push_str(&startup_and_memory(f.runs, &f.launches, &f.sizes));
    md.push_str(&ipc(&f.ipc));
    md.push_str(&switcher(&f.keystrokes));
    md.push_str(&store_operations(&f.store));
    md.push_str(&store_table(
        &f.store,
        "Search over 10,000 accounts (first page of 50)",
        "search 10k accounts/",
        Unit::Ms,
        None,
    ));
    md.push_str(&store_table(
        &f.store,
        "Credentials health over 10,000 accounts × 3 credentials (goal ≤ 5 ms on SQLite)",
        "health 10k accounts/",
        Unit::Ms,
        None,
    ));
    md.push_str(&store_table(
        &f.store,
        "CSV import of 10,000 accounts (preview + commit into an empty store, with tags)",
        "import 10k accounts/",
        Unit::S,
        Some("≤ 3 s"),
    ));
    md.push_str(&team_store(&f.store));
    md.push_str(&crate::cli_bench::markdown(&f.cli));
    md.push('\n');
    md.push_str(&crate::token_bench::markdown(&f.tokens));
    md
}

/// A warning in place of a ratio that should not be judged by.
fn trusted(runs: usize, estimate: &RatioEstimate) -> String {
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
}

fn startup_and_memory(runs: usize, l: &Launches, sizes: &Sizes) -> String {
    // One row: Keydesk, the bare app, the bare app drawn on the CPU, and the ratios.
    let row = |label: &str, unit: &str, goal: &str, figure: fn(&Launched) -> f64| {
        let (kd, bare, cpu) = (figure(&l.keydesk), figure(&l.bare), figure(&l.bare_cpu));
        format!(
            "| {label} | {kd:.0} {unit} | {bare:.0} {unit} | {:.2}× | {goal} | {cpu:.0} {unit} | {:.2}× |\n",
            kd / bare,
            kd / cpu
        )
    };
    let size_row = |label: &str, (kd, bare): (f64, f64)| {
        format!(
            "| {label} | {kd:.1} MiB | {bare:.1} MiB | {:.2}× | | | |\n",
            kd / bare
        )
    };
    // The goal's figure: the median ratio over paired launches, with its 95% interval.
    let startup = median_ratio(&l.keydesk.ms, &l.bare.ms, 10_000);
    let to_cpu = median_ratio(&l.keydesk.ms, &l.bare_cpu.ms, 10_000);
    let mut md = String::from(
        "## Start-up and memory (release builds, Xvfb, software GL)\n\n\
         | | Keydesk (1,000 accounts) | bare Tauri app | ratio | goal | bare app drawn on the CPU, as Keydesk is | ratio to it |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    md.push_str(&format!(
        "| launch → page drawn with data (median; ratio with its bootstrap 95% interval over the {runs} pairs) | {:.0} ms | {:.0} ms | {:.2}× [{:.2}–{:.2}]{} | ≤ 1.10× | {:.0} ms | {:.2}× [{:.2}–{:.2}] |\n",
        l.keydesk.median_ms(),
        l.bare.median_ms(),
        startup.ratio,
        startup.low,
        startup.high,
        trusted(runs, &startup),
        l.bare_cpu.median_ms(),
        to_cpu.ratio,
        to_cpu.low,
        to_cpu.high,
    ));
    md.push_str(&row(
        "launch → page drawn, fastest tenth of the runs (mean)",
        "ms",
        "",
        Launched::fastest_decile,
    ));
    md.push_str(&row(
        "idle memory 3 s later, PSS of app + WebKit processes (median of the first launches)",
        "MiB",
        "≤ 1.10×",
        Launched::median_mib,
    ));
    md.push_str(&size_row("release binary", sizes.binary));
    md.push_str(&size_row(
        ".deb package (`cargo xtask bundle`, Tauri's bundler)",
        sizes.deb,
    ));
    md.push_str(&size_row(
        ".rpm package (`cargo xtask bundle`, Tauri's bundler)",
        sizes.rpm,
    ));
    md.push_str(
        "\nKeydesk turns WebKitGTK's GL compositing off (`WEBKIT_DISABLE_COMPOSITING_MODE=1` unless \
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
    md
}

fn ipc(ipc: &Value) -> String {
    let ms = |key: &str, stat: &str| ipc[key][stat].as_f64().unwrap_or(f64::NAN);
    let mut md = String::from(
        "## IPC round trips from the webview (`performance.now()`, 1,000 calls each)\n\n\
         | command | median | mean | vs. no-op (mean) |\n| --- | --- | --- | --- |\n",
    );
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
    md
}

fn switcher(keystrokes: &[f64]) -> String {
    format!(
        "## The switcher: keystroke → results painted (10,000 accounts, real webview)\n\n\
         | | median | p95 | goal |\n| --- | --- | --- | --- |\n\
         | `input` event → next animation frame after the list is redrawn ({} keystrokes) | {:.1} ms | {:.1} ms | ≤ 16 ms median, ≤ 33 ms p95 |\n\n\
         Measured in the page: the text is put in the box and an `input` event dispatched, as \
         typing does; the clock stops in the first `requestAnimationFrame` after the results \
         list changed (the frame that paints it). WebKit rounds `performance.now()` to 1 ms.\n\n",
        keystrokes.len(),
        median(keystrokes),
        quantile(keystrokes, 0.95),
    )
}

/// Each `…/keydesk` bench beside its `…/floor`.
fn store_operations(store: &[(String, f64)]) -> String {
    let mut md = String::from(
        "## Store operations (criterion medians; floor = the same writes/reads as single SQL statements)\n\n\
         | operation | Keydesk | floor | ratio | goal |\n| --- | --- | --- | --- | --- |\n",
    );
    for (id, keydesk) in store.iter().filter(|(id, _)| id.ends_with("/keydesk")) {
        let base = id.trim_end_matches("/keydesk");
        let floor = store
            .iter()
            .find(|(i, _)| *i == format!("{base}/floor"))
            .map(|(_, v)| *v)
            .unwrap_or(f64::NAN);
        let goal = if base.ends_with("/renew") {
            "≤ 1.5×"
        } else if base.ends_with("/generate") {
            "≤ 2×"
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
    md
}

enum Unit {
    Ms,
    S,
}

/// The benches whose id starts with `prefix`, one row each.
/// Issue 26 item 7: each query on a team store as a technician (row-level security on) beside
/// the same query as the superuser (bypassing it), on PostgreSQL only.
fn team_store(store: &[(String, f64)]) -> String {
    const PREFIX: &str = "team 10k/";
    const WITHOUT: &str = "without RLS (superuser)";
    let mut md = String::from(
        "\n## Team store: row-level security (PostgreSQL, 10,000 accounts, 150 tags, 50 \
         technicians × 3 tags; goal ≤ 1.2× without)\n\n| query | login | median | × without |\n\
         | --- | --- | --- | --- |\n",
    );
    for (id, us) in store.iter().filter(|(id, _)| id.starts_with(PREFIX)) {
        let Some((query, login)) = id.trim_start_matches(PREFIX).split_once('/') else {
            continue;
        };
        let without = store
            .iter()
            .find(|(other, _)| *other == format!("{PREFIX}{query}/{WITHOUT}"))
            .map(|(_, us)| *us);
        let ratio = match without {
            Some(base) if login != WITHOUT => format!("{:.2}×", us / base),
            _ => "—".to_owned(),
        };
        md.push_str(&format!(
            "| {query} | {login} | {:.2} ms | {ratio} |\n",
            us / 1000.0
        ));
    }
    md
}

fn store_table(
    store: &[(String, f64)],
    title: &str,
    prefix: &str,
    unit: Unit,
    goal: Option<&str>,
) -> String {
    let (goal_head, goal_rule) = match goal {
        Some(_) => (" goal |", " --- |"),
        None => ("", ""),
    };
    let mut md = format!(
        "\n## {title}\n\n| store / query | median |{goal_head}\n| --- | --- |{goal_rule}\n"
    );
    for (id, us) in store.iter().filter(|(id, _)| id.starts_with(prefix)) {
        let figure = match unit {
            Unit::Ms => format!("{:.2} ms", us / 1000.0),
            Unit::S => format!("{:.2} s", us / 1_000_000.0),
        };
        let goal = goal.map(|g| format!(" {g} |")).unwrap_or_default();
        md.push_str(&format!(
            "| {} | {figure} |{goal}\n",
            id.trim_start_matches(prefix)
        ));
    }
    md
}
