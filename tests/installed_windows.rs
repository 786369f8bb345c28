//! Issue 29: the Windows installer as a user runs it, under Wine. `cargo xtask test`'s Windows
//! pass makes `Keydesk_<version>_x64-setup.exe` (xtask/windows/installer.nsi, Debian's
//! makensis) around that pass's keydesk.exe and keydesk-cli.exe, and runs this binary natively
//! with the setup program (KEYDESK_WINDOWS_SETUP), the Wine loader and the pass's own Wine
//! prefix (WINEPREFIX). Elsewhere (a plain `cargo test`, the Linux pass) it skips by name.
//!
//! What Wine cannot show: the window (no WebView2 in Wine), so keydesk.exe is installed but not
//! started; the setup's WebView2 step is told WebView2 is there the way its installer records
//! it (the registry), or finds it missing and no way to fetch it.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use keydesk_test_support::skipped;
use keydesk_test_support::wine::{LOADER_VARIABLE, SETUP_VARIABLE};

/// Where the WebView2 Runtime's installers record its version (what the setup reads).
const WEBVIEW2_KEY: &str = r"HKLM\SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}";
const UNINSTALL_KEY: &str = r"HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\Keydesk";
const INTERNET_SETTINGS: &str = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings";

/// Both tests change the one prefix's registry and Program Files: one at a time.
static PREFIX: Mutex<()> = Mutex::new(());

struct Wine {
    loader: PathBuf,
    prefix: PathBuf,
    setup: PathBuf,
}

impl Wine {
    /// The pass's Wine, or `None` (skipped by name) outside it.
    fn from_pass() -> Option<Wine> {
        let var = |name: &str| std::env::var_os(name).map(PathBuf::from);
        match (var(SETUP_VARIABLE), var(LOADER_VARIABLE), var("WINEPREFIX")) {
            (Some(setup), Some(loader), Some(prefix)) => Some(Wine {
                loader,
                prefix,
                setup,
            }),
            _ => {
                skipped(&format!(
                    "not set: {SETUP_VARIABLE}, {LOADER_VARIABLE}, WINEPREFIX (`cargo xtask test` \
                     sets them in its Windows pass, which runs this under Wine)"
                ));
                None
            }
        }
    }

    /// Runs a Windows program (or Wine's own `reg`) to its end.
    fn run(&self, program: &str, args: &[&str]) -> Output {
        Command::new(&self.loader)
            .arg(program)
            .args(args)
            // Wine hands the Unix environment to Windows programs: none of the test run's
            // own store settings may reach the installed command line.
            .env_remove("KEYDESK_DATA_DIR")
            .env_remove("KEYDESK_DATABASE_URL")
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", self.loader.display()))
    }

    fn reg(&self, args: &[&str]) -> Output {
        self.run("reg", args)
    }

    /// A C: path as the Linux side sees it.
    fn c_drive(&self, path: &str) -> PathBuf {
        self.prefix.join("drive_c").join(path)
    }

    /// This user's %APPDATA% (Wine names the profile after the Unix user).
    fn app_data(&self) -> PathBuf {
        let users = self.c_drive("users");
        std::fs::read_dir(&users)
            .unwrap_or_else(|e| panic!("{}: {e}", users.display()))
            .filter_map(Result::ok)
            .map(|entry| entry.path().join("AppData/Roaming"))
            .find(|roaming| roaming.is_dir())
            .unwrap_or_else(|| panic!("no user profile with AppData\\Roaming in {users:?}"))
    }

    /// The values under a registry key, as `reg query` prints them; `None` if it is absent.
    fn query(&self, key: &str) -> Option<String> {
        let out = self.reg(&["query", key]);
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn setup(&self) -> Output {
        let setup = self.setup.to_str().expect("a UTF-8 path");
        // Wine maps the Unix root to Z:, so the Linux path runs as it is.
        self.run(setup, &["/S"])
    }
}

fn install_folder(wine: &Wine) -> PathBuf {
    wine.c_drive("Program Files/Keydesk")
}

fn start_menu_entry(wine: &Wine) -> PathBuf {
    wine.c_drive("ProgramData/Microsoft/Windows/Start Menu/Programs/Keydesk.lnk")
}

fn value_of(listing: &str, name: &str) -> Option<String> {
    listing.lines().find_map(|line| {
        let mut parts = line.trim().splitn(3, "    ");
        (parts.next()? == name).then(|| parts.nth(1).map(str::to_owned))?
    })
}

fn assert_ran(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: {:?}\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The DLLs a Windows program imports, as mingw's objdump lists them.
fn imports(exe: &std::path::Path) -> Vec<String> {
    let out = Command::new("x86_64-w64-mingw32-objdump")
        .arg("-p")
        .arg(exe)
        .output()
        .unwrap_or_else(|e| panic!("x86_64-w64-mingw32-objdump: {e}"));
    assert_ran(&out, "objdump -p");
    let dlls: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| line.trim().strip_prefix("DLL Name: "))
        .map(str::to_owned)
        .collect();
    assert!(!dlls.is_empty(), "{} imports nothing?", exe.display());
    dlls
}

/// The names in a folder, lower-cased (Windows' file names are case-insensitive).
fn file_names(folder: &std::path::Path) -> std::collections::HashSet<String> {
    std::fs::read_dir(folder)
        .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().to_lowercase())
        .collect()
}

/// Waits for `done`: the uninstaller hands its work to a copy of itself in %TEMP% and returns.
fn wait_for(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "after 60 s: {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn setup_installs_into_program_files_and_uninstalling_keeps_each_persons_store() {
    let Some(wine) = Wine::from_pass() else {
        return;
    };
    let _one_at_a_time = PREFIX.lock().unwrap_or_else(|e| e.into_inner());
    // As the WebView2 Runtime's installer records itself (Windows 11 has it).
    assert_ran(
        &wine.reg(&[
            "add",
            WEBVIEW2_KEY,
            "/v",
            "pv",
            "/t",
            "REG_SZ",
            "/d",
            "131.0.2903.86",
            "/f",
        ]),
        "marking WebView2 installed",
    );

    assert_ran(&wine.setup(), "setup.exe /S");

    let folder = install_folder(&wine);
    for exe in [
        "keydesk.exe",
        "WebView2Loader.dll",
        "keydesk-cli.exe",
        "uninstall.exe",
    ] {
        let path = folder.join(exe);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        assert!(size > 0, "{} installed (size {size})", path.display());
    }
    // Every DLL the installed programs load is installed beside them or is part of Windows
    // (Wine's system32 standing in for it): a missing one stops a program before its first
    // line, which is how a mingw keydesk.exe without WebView2Loader.dll fails on Windows.
    let system = file_names(&wine.c_drive("windows/system32"));
    let installed = file_names(&folder);
    for exe in ["keydesk.exe", "keydesk-cli.exe"] {
        for dll in imports(&folder.join(exe)) {
            let lower = dll.to_lowercase();
            // API sets (`api-ms-win-…`) are names Windows' loader maps, not files.
            let api_set = lower.starts_with("api-ms-win-") || lower.starts_with("ext-ms-");
            assert!(
                api_set || installed.contains(&lower) || system.contains(&lower),
                "{exe} loads {dll}, which is neither installed beside it nor part of Windows"
            );
        }
    }
    assert!(start_menu_entry(&wine).is_file(), "a Start menu entry");
    let listing = wine
        .query(UNINSTALL_KEY)
        .expect("Settings → Apps lists Keydesk (the uninstall key)");
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        value_of(&listing, "DisplayVersion").as_deref(),
        Some(version),
        "{listing}"
    );
    assert_eq!(
        value_of(&listing, "QuietUninstallString").as_deref(),
        Some(r#""C:\Program Files\Keydesk\uninstall.exe" /S"#),
        "{listing}"
    );

    // The command line runs from where it was installed, and makes this person's store in
    // their own %APPDATA%.
    let cli = r"C:\Program Files\Keydesk\keydesk-cli.exe";
    let out = wine.run(cli, &["--version"]);
    assert_ran(&out, "keydesk-cli.exe --version");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("keydesk-cli {version}")
    );
    let out = wine.run(cli, &["--json", "accounts", "list"]);
    assert_ran(&out, "keydesk-cli.exe accounts list");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
    let store = wine
        .app_data()
        .join("app.keydesk.desktop")
        .join("keydesk.sqlite3");
    assert!(store.is_file(), "the store at {}", store.display());

    // Uninstalling quietly, as Settings → Apps would.
    assert_ran(
        &wine.run(r"C:\Program Files\Keydesk\uninstall.exe", &["/S"]),
        "uninstall.exe /S",
    );
    wait_for("the program files are removed", || {
        ["keydesk.exe", "WebView2Loader.dll", "keydesk-cli.exe"]
            .iter()
            .all(|name| !folder.join(name).exists())
    });
    wait_for("the install folder is removed", || !folder.exists());
    assert!(
        !start_menu_entry(&wine).exists(),
        "the Start menu entry is removed"
    );
    assert_eq!(
        wine.query(UNINSTALL_KEY),
        None,
        "the uninstall key is removed"
    );
    assert!(
        store.is_file(),
        "uninstalling keeps the person's store ({})",
        store.display()
    );
}

#[test]
fn without_webview2_and_no_way_to_fetch_it_setup_stops_and_installs_nothing() {
    let Some(wine) = Wine::from_pass() else {
        return;
    };
    let _one_at_a_time = PREFIX.lock().unwrap_or_else(|e| e.into_inner());
    // No WebView2, and every download goes to a proxy that is not there (port 9, discard,
    // closed): the one failure a machine with a network would not otherwise show.
    let _ = wine.reg(&["delete", WEBVIEW2_KEY, "/f"]);
    for (name, kind, value) in [
        ("ProxyEnable", "REG_DWORD", "1"),
        ("ProxyServer", "REG_SZ", "127.0.0.1:9"),
    ] {
        assert_ran(
            &wine.reg(&[
                "add",
                INTERNET_SETTINGS,
                "/v",
                name,
                "/t",
                kind,
                "/d",
                value,
                "/f",
            ]),
            "pointing downloads at a closed proxy",
        );
    }
    let out = wine.setup();
    let _ = wine.reg(&["delete", INTERNET_SETTINGS, "/v", "ProxyEnable", "/f"]);
    let _ = wine.reg(&["delete", INTERNET_SETTINGS, "/v", "ProxyServer", "/f"]);

    // NSIS's exit code for a setup its script stopped: 2.
    assert_eq!(out.status.code(), Some(2), "setup.exe /S stops: {out:?}");
    assert!(
        !install_folder(&wine).join("keydesk.exe").exists(),
        "nothing is installed"
    );
    assert_eq!(wine.query(UNINSTALL_KEY), None, "nothing is listed");
}
