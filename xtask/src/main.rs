//! Keydesk's task runner: `cargo xtask run` and `cargo xtask test` (see the README).
//! It installs what a fresh Debian/Ubuntu machine lacks, then builds and runs or tests.

mod bench;
mod bench_report;
mod bundle;
mod cli_bench;
mod installer;
mod postgres;
mod soak;
mod stats;
mod system;
mod tally;
mod token_bench;
mod wine;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use system::{ensure_packages, ensure_tauri_driver, has_display, which};

/// What building and running the app needs.
pub const APP_PACKAGES: &[&str] = &["pkg-config", "libwebkit2gtk-4.1-dev", "librsvg2-dev"];
/// What the test suite needs on top: a virtual display, WebKit's WebDriver, a session bus with
/// the Secret Service (gnome-keyring) and a clipboard reader.
const TEST_PACKAGES: &[&str] = &[
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "dbus",
    "gnome-keyring",
    "libsecret-tools",
    "xclip",
    "postgresql",
    // keydesk-server's tests make certificates with openssl and call the TLS endpoint with curl.
    "openssl",
    "curl",
    // The .rpm made by Tauri's bundler is checked with the rpm tools (rpm -qp, rpm2cpio).
    "rpm",
    "cpio",
    // keydesk-server's metadata is checked with Authlib's RFC 8414 validator (issue 24).
    "python3-authlib",
];

const USAGE: &str = "\
Usage: cargo xtask <task> [args]

  run [app args]     install what is missing, build and open Keydesk (e.g. cargo xtask run --demo)
  test [test args]   install what is missing, check fmt and clippy, run every test (Rust and end to end;
                     the core, server and command line also built for Windows and run under Wine)
  test --windows     only the Windows pass under Wine
  bench [--runs N] [--launch-only | --tokens-only | --cli-only]
                     Keydesk beside its floors (start-up, memory, IPC, store); writes BENCHMARKS.md
  bundle [--appimage | --debug | --windows]
                     a .deb and a .rpm in target/bundle (Tauri's bundler; --appimage: an AppImage too,
                     from tools already cached; --debug: of the debug build already made, into
                     target/bundle/debug), or keydesk.exe cross-compiled with mingw
  soak               the reliability suites at full length (1,000 kills, 100,000 cases, 1,000 renewals)";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let task = args.next();
    let rest: Vec<String> = args.collect();
    let result = match task.as_deref() {
        Some("run") => run(&rest),
        Some("test") => test(&rest),
        Some("bench") => bench::bench(&rest),
        Some("soak") => soak::soak(&rest),
        Some("bundle") => bundle::bundle(&rest),
        // Cargo's runner for the Windows target (issue 29): not for people.
        Some("wine-run") => {
            return match wine::run(&rest) {
                Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
                Err(err) => {
                    eprintln!("xtask wine-run: {err}");
                    ExitCode::FAILURE
                }
            };
        }
        Some("help" | "--help" | "-h") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown task {other}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

pub fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root());
    command
}

pub fn status(mut command: Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    eprintln!("xtask: $ {shown}");
    let status = command.status().map_err(|e| format!("{shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

fn run(app_args: &[String]) -> Result<(), String> {
    ensure_packages(APP_PACKAGES)?;
    let mut build = cargo();
    build.args(["build", "-p", "keydesk"]);
    status(build)?;
    if !has_display() {
        return Err(
            "no display (DISPLAY and WAYLAND_DISPLAY are unset). In a desktop session this \
                    opens the window; on a headless machine use a virtual display:\n\n    \
                    xvfb-run -a cargo xtask run --demo"
                .into(),
        );
    }
    let app = target_dir().join("debug").join("keydesk");
    let mut command = if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none()
        && which("dbus-run-session").is_some()
    {
        // Without a session bus GTK starts helpers that outlive the app.
        let mut c = Command::new("dbus-run-session");
        c.arg("--").arg(&app);
        c
    } else {
        Command::new(&app)
    };
    command.args(app_args);
    status(command)
}

/// Everything the tests and benchmarks need on the machine.
pub fn ensure_all_packages() -> Result<PathBuf, String> {
    let mut packages = APP_PACKAGES.to_vec();
    packages.extend_from_slice(TEST_PACKAGES);
    ensure_packages(&packages)?;
    ensure_tauri_driver()
}

const WINDOWS_PASS: &str =
    "the core, server and command-line suites built for Windows, and the installer, under Wine";

fn test(test_args: &[String]) -> Result<(), String> {
    if test_args == ["--windows"] {
        // Only the Windows pass (issue 29), for work on Windows code.
        let skips = tempfile::tempdir().map_err(|e| e.to_string())?;
        let skips_file = skips.path().join("windows");
        let mut on_windows = tally::Tally::default();
        let result = wine::windows_pass(&skips_file, &mut on_windows);
        eprintln!(
            "{}",
            tally::summary(WINDOWS_PASS, &on_windows, &tally::skips(&skips_file))
        );
        return result;
    }
    let tauri_driver = ensure_all_packages()?;
    let built = check_build_and_package()?;
    let skips = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (sqlite_skips, postgres_skips) =
        (skips.path().join("sqlite"), skips.path().join("postgres"));
    let mut on_sqlite = tally::Tally::default();
    let mut on_postgres_tally = tally::Tally::default();
    // A throwaway PostgreSQL server: the team-store end-to-end tests use it, then the core and
    // server suites run on it a second time. It is stopped and removed when this returns.
    let cluster = postgres::Cluster::start()?;
    workspace_pass(
        test_args,
        &tauri_driver,
        &built,
        &cluster,
        &sqlite_skips,
        &mut on_sqlite,
    )?;
    let windows_skips = skips.path().join("windows");
    let mut on_windows = tally::Tally::default();
    if test_args.is_empty() {
        postgres_pass(&cluster, &postgres_skips, &mut on_postgres_tally)?;
        wine::windows_pass(&windows_skips, &mut on_windows)?;
    }
    eprintln!(
        "{}",
        tally::summary(
            "the workspace (SQLite, end-to-end, units)",
            &on_sqlite,
            &tally::skips(&sqlite_skips)
        )
    );
    if test_args.is_empty() {
        eprintln!(
            "{}",
            tally::summary(
                "the same core and server suites on PostgreSQL",
                &on_postgres_tally,
                &tally::skips(&postgres_skips)
            )
        );
        eprintln!(
            "{}",
            tally::summary(WINDOWS_PASS, &on_windows, &tally::skips(&windows_skips))
        );
    } else {
        eprintln!(
            "xtask: NOTE: arguments were given ({}), so the PostgreSQL and Windows passes did not run",
            test_args.join(" ")
        );
    }
    Ok(())
}

/// What the end-to-end tests of installed packages need: the packages and where each was
/// unpacked (removed when this is dropped).
struct Built {
    packages: bundle::Packages,
    deb_root: tempfile::TempDir,
    rpm_root: tempfile::TempDir,
}

/// Format and lints, the app's debug build and its packages unpacked. (The Windows build is
/// the Windows pass's.)
fn check_build_and_package() -> Result<Built, String> {
    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--", "--check"]);
    status(fmt)?;
    let mut clippy = cargo();
    clippy.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    status(clippy)?;
    // The end-to-end tests drive the app; the packages carry the command line too (a clean
    // clone has neither yet).
    let mut build = cargo();
    build.args(["build", "-p", "keydesk", "-p", "keydesk-cli"]);
    status(build)?;
    // The packages as users install them, made by Tauri's bundler around that binary: the .deb
    // unpacked into a throwaway root (`dpkg -x`), the .rpm unpacked with `rpm2cpio | cpio`;
    // tests/installed.rs checks both (files, desktop entry, declared dependencies with
    // `dpkg-deb` and `rpm -qp`) and runs each unpacked binary through tauri-driver.
    let packages = bundle::packages("debug")?;
    let deb_root = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut unpack = Command::new("dpkg");
    unpack.arg("-x").arg(&packages.deb).arg(deb_root.path());
    status(unpack)?;
    let rpm_root = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut unpack = Command::new("sh");
    unpack
        .args(["-c", "rpm2cpio \"$1\" | cpio -idm --quiet", "sh"])
        .arg(&packages.rpm)
        .current_dir(rpm_root.path());
    status(unpack)?;
    Ok(Built {
        packages,
        deb_root,
        rpm_root,
    })
}

/// `cargo test --workspace` (with `test_args`) under a display and a session bus: units, core
/// and server on SQLite, and the end-to-end tests (the team-store ones on `cluster`).
fn workspace_pass(
    test_args: &[String],
    tauri_driver: &std::path::Path,
    built: &Built,
    cluster: &postgres::Cluster,
    skips_file: &std::path::Path,
    tally: &mut tally::Tally,
) -> Result<(), String> {
    let cargo_bin = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut inner: Vec<String> = vec![cargo_bin, "test".into(), "--workspace".into()];
    inner.extend(test_args.iter().cloned());
    let mut command = session_command(&inner);
    command.env("TAURI_DRIVER", tauri_driver);
    command.env("KEYDESK_E2E_POSTGRES_URL", &cluster.url);
    command.env("KEYDESK_INSTALLED_ROOT", built.deb_root.path());
    command.env("KEYDESK_INSTALLED_DEB", &built.packages.deb);
    command.env("KEYDESK_INSTALLED_RPM", &built.packages.rpm);
    command.env("KEYDESK_INSTALLED_RPM_ROOT", built.rpm_root.path());
    if system::can_mount_tmpfs() {
        // The full-disk and read-only tests mount a small tmpfs; where that works they must run.
        command.env("KEYDESK_REQUIRE_MOUNT", "1");
    } else {
        eprintln!(
            "xtask: WARNING: this machine does not allow mounting a tmpfs (needs root with \
             CAP_SYS_ADMIN); the full-disk and read-only store tests will be skipped"
        );
    }
    command.env(
        "KEYDESK_APP_BIN",
        target_dir().join("debug").join("keydesk"),
    );
    command.env(tally::SKIPS_VARIABLE, skips_file);
    tally::counted(command, tally)
}

/// The core and server suites again, on a real PostgreSQL server (a team's shared store): the
/// test binaries of the workspace pass are run as they are (`cargo test -p keydesk-core` would
/// resolve features differently and rebuild every dependency).
fn postgres_pass(
    cluster: &postgres::Cluster,
    skips_file: &std::path::Path,
    tally: &mut tally::Tally,
) -> Result<(), String> {
    // A second server speaking TLS with a certificate from a CA made for the run: the
    // `postgres` suite connects to it with verify-full (right CA, wrong CA), and is refused
    // by the first one (no TLS) under verify-full.
    let tls_cluster = postgres::Cluster::start_tls()?;
    let tls = tls_cluster.tls.as_ref().expect("started with TLS");
    let plain_localhost = cluster.url.replace("@127.0.0.1:", "@localhost:");
    eprintln!("xtask: the core suite on PostgreSQL ({})", cluster.url);
    // Every integration test binary of keydesk-core, as the tests folder has them: a test
    // that cannot run on PostgreSQL says so itself (skipped by name, in the summary).
    for binary in every_test_binary("keydesk-core", "/core#")? {
        // In a session bus too: the secrets-at-rest suite uses the OS keyring.
        let mut on_postgres = session_command(&[binary.display().to_string()]);
        on_postgres
            .env("KEYDESK_TEST_POSTGRES_URL", &cluster.url)
            .env("KEYDESK_TEST_POSTGRES_TLS_URL", &tls.url)
            .env("KEYDESK_TEST_POSTGRES_TLS_CA", &tls.ca)
            .env("KEYDESK_TEST_POSTGRES_OTHER_CA", &tls.other_ca)
            .env("KEYDESK_TEST_POSTGRES_PLAIN_URL", &plain_localhost)
            .env(tally::SKIPS_VARIABLE, skips_file)
            .current_dir(root().join("core"));
        tally::counted(on_postgres, tally)?;
    }
    // The token endpoint's suites (issue 15) on the same server, every one of them.
    eprintln!("xtask: the keydesk-server suite on PostgreSQL");
    for binary in every_test_binary("keydesk-server", "/server#")? {
        let mut on_postgres = session_command(&[binary.display().to_string()]);
        on_postgres
            .env("KEYDESK_TEST_POSTGRES_URL", &cluster.url)
            .env(tally::SKIPS_VARIABLE, skips_file)
            .current_dir(root().join("server"));
        tally::counted(on_postgres, tally)?;
    }
    // The command line's (issue 27): the binary on a fresh database of the same server.
    eprintln!("xtask: the keydesk-cli suite on PostgreSQL");
    for binary in every_test_binary("keydesk-cli", "/cli#")? {
        let mut on_postgres = session_command(&[binary.display().to_string()]);
        on_postgres
            .env("KEYDESK_TEST_POSTGRES_URL", &cluster.url)
            .env(tally::SKIPS_VARIABLE, skips_file)
            .current_dir(root().join("cli"));
        tally::counted(on_postgres, tally)?;
    }
    Ok(())
}

/// `dbus-run-session`, under Xvfb when there is no display; arguments from `--` on follow.
pub fn display_session() -> Command {
    if has_display() {
        Command::new("dbus-run-session")
    } else {
        let mut c = Command::new("xvfb-run");
        c.args([
            "-a",
            "-s",
            "-screen 0 1280x800x24 -nolisten tcp",
            "dbus-run-session",
        ]);
        c
    }
}

/// `program` inside a session bus with an unlocked Secret Service (gnome-keyring), under Xvfb
/// when there is no display: where every test runs.
pub fn session_command(program: &[String]) -> Command {
    let mut command = display_session();
    command.args([
        "--",
        "sh",
        "-c",
        "echo -n keydesk-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec \"$@\"",
        "sh",
    ]);
    command.args(program).current_dir(root());
    command
}

/// The executables of keydesk-core's integration tests named `names`, as the workspace test
/// build made them (no rebuild: same command, same features).
pub fn core_test_binaries(names: &[&str], release: bool) -> Result<Vec<PathBuf>, String> {
    package_test_binaries("keydesk-core", "/core#", names, release)
}

/// `package` is the crate name; `path_id` how its folder shows in a path-based package id.
pub fn package_test_binaries(
    package: &str,
    path_id: &str,
    names: &[&str],
    release: bool,
) -> Result<Vec<PathBuf>, String> {
    let mut found: Vec<(String, PathBuf)> = built_test_binaries(package, path_id, release)?
        .into_iter()
        .filter(|(name, _)| names.contains(&name.as_str()))
        .collect();
    // In the order asked for.
    found.sort_by_key(|(name, _)| names.iter().position(|n| n == name));
    let found: Vec<PathBuf> = found.into_iter().map(|(_, exe)| exe).collect();
    if found.len() != names.len() {
        return Err(format!(
            "expected the test binaries {names:?} of {package}, found {found:?}"
        ));
    }
    Ok(found)
}

/// Every integration test binary of `package` the workspace test build made, by name.
fn every_test_binary(package: &str, path_id: &str) -> Result<Vec<PathBuf>, String> {
    let mut found = built_test_binaries(package, path_id, false)?;
    if found.is_empty() {
        return Err(format!("no test binaries of {package} were built"));
    }
    found.sort();
    Ok(found.into_iter().map(|(_, exe)| exe).collect())
}

/// (name, executable) of each integration test of `package`, as `cargo test --no-run` lists
/// them (no rebuild: same command, same features as the run before).
fn built_test_binaries(
    package: &str,
    path_id: &str,
    release: bool,
) -> Result<Vec<(String, PathBuf)>, String> {
    let mut command = cargo();
    command.args(["test", "--no-run", "--message-format=json"]);
    if release {
        // Only the core in release: its dependencies are those `cargo xtask bench` built.
        command.args(["--release", "-p", "keydesk-core"]);
    } else {
        command.arg("--workspace");
    }
    let output = command
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| e.to_string())?;
    let mut found = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let is_package = message["package_id"]
            .as_str()
            .is_some_and(|p| p.contains(package) || p.contains(path_id));
        let name = message["target"]["name"].as_str().unwrap_or_default();
        let is_test = message["target"]["kind"]
            .as_array()
            .is_some_and(|k| k.iter().any(|k| k == "test"));
        if is_package && is_test {
            if let Some(exe) = message["executable"].as_str() {
                found.push((name.to_owned(), PathBuf::from(exe)));
            }
        }
    }
    Ok(found)
}
