//! Issue 29: the Windows build run, not only compiled. The test binaries of everything without
//! a webview (keydesk-core, keydesk-server, keydesk-cli) are cross-built for
//! `x86_64-pc-windows-gnu` with mingw and run by cargo through Wine (Debian's `wine64`), this
//! program being cargo's runner for that target (`xtask wine-run <test.exe> <args>`): SQLite
//! stores on Windows paths, the keyring through Wine's Credential Manager, files with CRLF and
//! Windows names, the token server on loopback. The app's window needs WebView2, which Wine
//! does not provide: it is built and installed by the Windows installer under Wine
//! (tests/installed_windows.rs), not started.
//!
//! Wine 8 (bookworm) lacks `bcryptprimitives.dll`, which current Rust's std imports: a Rust
//! .exe fails to load without it. `xtask/wine/bcryptprimitives.c` is built into a stand-in DLL
//! (RtlGenRandom underneath) that the pass puts where Windows keeps its own, the prefix's
//! `system32`, so every program started in the prefix loads it (the test binaries, the programs
//! they start, the installed app); it is never shipped.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::bundle::WINDOWS_TARGET;
use crate::system::{ensure_packages, which};
use crate::{cargo, root, status, tally, target_dir};
use keydesk_test_support::wine::{LOADER_VARIABLE, SETUP_VARIABLE};

/// The packages Windows' tests need beyond the cross toolchain.
/// (`openssl` makes the TLS tests' certificates, natively, when this pass runs alone.)
const PACKAGES: &[&str] = &["wine64", "openssl"];

/// The Windows pass of `cargo xtask test`: every test of the core, the server and the command
/// line, built for Windows and run under Wine; tests that cannot run there skip themselves by
/// name (into `skips_file`).
pub fn windows_pass(skips_file: &Path, tally: &mut tally::Tally) -> Result<(), String> {
    crate::bundle::windows_toolchain()?;
    ensure_packages(PACKAGES)?;
    let wine = wine_loader()?;
    let shim = build_shim()?;
    // A throwaway Wine prefix (its C: drive, registry and Credential Manager), made before the
    // tests so its one-time set-up is not timed against the first test binary.
    let prefix = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut boot = Command::new(&wine);
    boot.args(["wineboot", "--init"]);
    wine_environment(&mut boot, prefix.path());
    status(boot)?;
    let system = prefix
        .path()
        .join("drive_c/windows/system32/bcryptprimitives.dll");
    std::fs::copy(&shim, &system).map_err(|e| format!("{}: {e}", system.display()))?;
    // The TLS tests' certificates, made natively: the Windows builds cannot start `openssl`.
    let certificates = tempfile::tempdir().map_err(|e| e.to_string())?;
    keydesk_test_support::certificates::self_signed(certificates.path());
    let runner = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut test = cargo();
    test.args([
        "test",
        "--target",
        WINDOWS_TARGET,
        "-p",
        "keydesk-core",
        "-p",
        "keydesk-server",
        "-p",
        "keydesk-cli",
        // Its own tests: how a start that died under Wine is tried again.
        "-p",
        "keydesk-test-support",
        "--tests",
        // Every failure in one run (each binary is a Wine start-up).
        "--no-fail-fast",
    ])
    .env(
        format!(
            "CARGO_TARGET_{}_RUNNER",
            WINDOWS_TARGET.to_uppercase().replace('-', "_")
        ),
        format!("{} wine-run", runner.display()),
    )
    .env(LOADER_VARIABLE, &wine)
    .env(tally::SKIPS_VARIABLE, skips_file)
    .env(
        keydesk_test_support::certificates::MADE_VARIABLE,
        certificates.path(),
    )
    .current_dir(root());
    wine_environment(&mut test, prefix.path());
    let tests = tally::counted(test, tally);
    let installer = installer_pass(&wine, prefix.path(), skips_file, tally);
    // End the prefix's wineserver and wait until it has saved and gone, before the prefix is
    // removed.
    for flag in ["-k", "-w"] {
        let mut stop = Command::new(wineserver(&wine));
        stop.arg(flag);
        wine_environment(&mut stop, prefix.path());
        let _ = stop.status();
    }
    tests.and(installer)
}

/// The Windows installer made around this pass's builds (keydesk-cli.exe from the tests'
/// build, keydesk.exe built here: this is also what keeps the app compiling for Windows) and
/// installed, used and uninstalled in the pass's prefix by tests/installed_windows.rs.
fn installer_pass(
    wine: &Path,
    prefix: &Path,
    skips_file: &Path,
    tally: &mut tally::Tally,
) -> Result<(), String> {
    let mut build = cargo();
    build.args(["build", "--target", WINDOWS_TARGET, "-p", "keydesk"]);
    status(build)?;
    let setup = crate::installer::make("debug")?;
    let test =
        crate::package_test_binaries("keydesk-e2e", "/tests#", &["installed_windows"], false)?;
    let mut run = Command::new(&test[0]);
    run.env(SETUP_VARIABLE, &setup)
        .env(LOADER_VARIABLE, wine)
        .env(tally::SKIPS_VARIABLE, skips_file);
    wine_environment(&mut run, prefix);
    tally::counted(run, tally)
}

fn wine_environment(command: &mut Command, prefix: &Path) {
    command
        .env("WINEPREFIX", prefix)
        // Wine's own diagnostics (display drivers, fixme lines) say nothing about the tests.
        .env("WINEDEBUG", "-all")
        // No display: Wine must not try to open windows for its set-up dialogs.
        .env_remove("DISPLAY")
        // No Mono or Gecko install prompts, and no menu entries or file types written into
        // this user's desktop for the throwaway prefix.
        .env("WINEDLLOVERRIDES", "mscoree,mshtml=;winemenubuilder.exe=d");
}

/// Debian installs the 64-bit loader outside PATH (`/usr/lib/wine/wine64`); the `wine`
/// wrapper comes with the recommended packages only.
fn wine_loader() -> Result<PathBuf, String> {
    let packaged = PathBuf::from("/usr/lib/wine/wine64");
    if packaged.exists() {
        return Ok(packaged);
    }
    which("wine64")
        .or_else(|| which("wine"))
        .ok_or_else(|| "Wine is not installed (apt-get install wine64)".into())
}

/// The stand-in `bcryptprimitives.dll`, built with mingw when its source changed.
fn build_shim() -> Result<PathBuf, String> {
    let source = root().join("xtask/wine/bcryptprimitives.c");
    let folder = target_dir().join("wine");
    std::fs::create_dir_all(&folder).map_err(|e| e.to_string())?;
    let dll = folder.join("bcryptprimitives.dll");
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    if modified(&dll).is_some() && modified(&dll) >= modified(&source) {
        return Ok(dll);
    }
    let mut compile = Command::new("x86_64-w64-mingw32-gcc");
    compile
        .args(["-O2", "-shared", "-o"])
        .arg(&dll)
        .arg(&source)
        .arg("-ladvapi32");
    status(compile)?;
    Ok(dll)
}

/// `xtask wine-run <program.exe> [args]`: cargo's runner for the Windows target, in the pass's
/// prefix (which holds the stand-in DLL). Runs the program under Wine; returns its exit code.
pub fn run(args: &[String]) -> Result<i32, String> {
    let (program, rest) = args
        .split_first()
        .ok_or("wine-run takes the program to run")?;
    let wine = std::env::var_os(LOADER_VARIABLE)
        .map(PathBuf::from)
        .map_or_else(wine_loader, Ok)?;
    let program = PathBuf::from(program);
    let mut child = Command::new(&wine)
        .arg(&program)
        .args(rest)
        .spawn()
        .map_err(|e| format!("{}: {e}", wine.display()))?;
    // A test binary that hangs under Wine (its sockets once blocked a test for good) must not
    // hold the whole `cargo xtask test` until CI's limit: it fails after this long instead.
    let deadline = std::time::Instant::now() + BINARY_DEADLINE;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Ok(status.code().unwrap_or(101));
        }
        if std::time::Instant::now() > deadline {
            eprintln!(
                "xtask wine-run: {} still running after {} s under Wine: stopped, failed",
                program.display(),
                BINARY_DEADLINE.as_secs()
            );
            let _ = child.kill();
            let _ = child.wait();
            // The Windows side of it lives in the prefix's wineserver: end that too.
            let _ = Command::new(wineserver(&wine)).arg("-k").status();
            return Ok(101);
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// The longest one test binary may run under Wine (the slowest here takes 30 s).
const BINARY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(600);

/// The wineserver beside the loader (Debian: `/usr/lib/wine/wineserver`), else the PATH's.
fn wineserver(wine: &Path) -> PathBuf {
    wine.parent()
        .map(|folder| folder.join("wineserver"))
        .filter(|path| path.exists())
        .unwrap_or_else(|| PathBuf::from("wineserver"))
}
