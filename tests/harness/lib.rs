//! Drives the real Keydesk binary in its real WebKit webview through tauri-driver, over the
//! W3C WebDriver protocol. Each `App` gets its own tauri-driver on free ports and its own data
//! folder, and shuts everything down (SIGTERM) when dropped.
//!
//! Needs a display (Xvfb) and a session bus; `cargo xtask test` provides both.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod pages;
pub mod walk;
mod webdriver;
use webdriver::WebDriver;
pub use webdriver::{Element, Key};

/// How long a page may take to show what a test waits for.
pub const WAIT: Duration = Duration::from_secs(15);

/// A binary of the workspace's debug build (`cargo test --workspace` builds the server's and
/// the command line's for their own tests).
fn workspace_binary(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let bin = target.join("debug").join(name);
    assert!(
        bin.exists(),
        "{} is missing: cargo build -p {name}",
        bin.display()
    );
    bin
}

pub fn server_binary() -> PathBuf {
    workspace_binary("keydesk-server")
}

pub fn cli_binary() -> PathBuf {
    workspace_binary("keydesk-cli")
}

/// The app binary: `KEYDESK_APP_BIN`, or the workspace's debug build.
pub fn app_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("KEYDESK_APP_BIN") {
        return PathBuf::from(bin);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let bin = target.join("debug").join("keydesk");
    assert!(
        bin.exists(),
        "{} is missing: build the app first (cargo build -p keydesk; cargo xtask test does it)",
        bin.display()
    );
    bin
}

/// The PostgreSQL server `cargo xtask test` starts for the team-store tests
/// (`KEYDESK_E2E_POSTGRES_URL`). Unset (a plain `cargo test`): the calling test is reported
/// skipped by name — on stderr and in xtask's summary — and gets None.
pub fn postgres_server() -> Option<String> {
    match std::env::var("KEYDESK_E2E_POSTGRES_URL") {
        Ok(url) => Some(url),
        Err(_) => {
            keydesk_test_support::skipped(
                "KEYDESK_E2E_POSTGRES_URL is not set (`cargo xtask test` starts a PostgreSQL \
                 server for it)",
            );
            None
        }
    }
}

/// A fresh database on the test server, as a URL for KEYDESK_DATABASE_URL.
pub fn fresh_database(admin_url: &str) -> String {
    let name = format!(
        "keydesk_e2e_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let status = Command::new("psql")
        .args([admin_url, "-q", "-c", &format!("CREATE DATABASE {name}")])
        .status()
        .expect("psql");
    assert!(status.success());
    format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0)
}

/// The running Keydesk processes whose data folder is `data_dir` (as `KEYDESK_DATA_DIR` gave
/// it), found in /proc: a Keydesk that restarted itself (after a restore) is no longer the
/// process WebDriver started, and only this finds it.
pub fn keydesk_processes(data_dir: &Path) -> Vec<u32> {
    let binary = std::fs::canonicalize(app_binary()).unwrap_or_else(|_| app_binary());
    let wanted = format!("KEYDESK_DATA_DIR={}", data_dir.display()).into_bytes();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let is_keydesk =
            std::fs::read_link(entry.path().join("exe")).is_ok_and(|exe| exe == binary);
        let in_folder = std::fs::read(entry.path().join("environ"))
            .is_ok_and(|env| env.split(|b| *b == 0).any(|var| var == wanted.as_slice()));
        if is_keydesk && in_folder {
            found.push(pid);
        }
    }
    found
}

/// Every Keydesk log file under `dir` (the app's log folder is inside its data folder in
/// these tests), concatenated: where the app says what its timers did.
pub fn logs_under(dir: &Path) -> String {
    let mut text = String::new();
    let mut folders = vec![dir.to_owned()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                folders.push(path);
            } else if name.starts_with("keydesk") && name.ends_with(".log") {
                text += &std::fs::read_to_string(&path).unwrap_or_default();
            }
        }
    }
    text
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running Keydesk under tauri-driver.
pub struct App {
    driver: Child,
    webdriver: WebDriver,
    data_dir: PathBuf,
    args: Vec<String>,
}

impl App {
    /// Starts Keydesk with `args`, its data in `data_dir`, and waits for the page to be ready.
    pub fn launch(data_dir: &Path, args: &[&str]) -> App {
        Self::launch_unready(data_dir, args).wait_ready()
    }

    /// What this app's log files say so far (every start in its data folder).
    pub fn log(&self) -> String {
        logs_under(&self.data_dir)
    }

    /// Waits until the log says `line` `times` times (counting every start in this folder).
    pub fn wait_for_log(&self, line: &str, times: usize) {
        self.wait_for(&format!("the log to say {line:?} {times} time(s)"), |a| {
            a.log().matches(line).count() >= times
        });
    }

    /// Starts Keydesk with extra environment variables (e.g. a shorter clipboard delay).
    pub fn launch_with_env(data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> App {
        Self::start(data_dir, args, env).wait_ready()
    }

    /// Starts Keydesk without waiting for the page (for start-up failures).
    pub fn launch_unready(data_dir: &Path, args: &[&str]) -> App {
        Self::start(data_dir, args, &[])
    }

    fn start(data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> App {
        // Free ports are picked, then released for tauri-driver to bind: another test can take
        // one in between, and tauri-driver then quits. A fresh pair of ports settles it.
        // WebKit complains when its cache folders are missing.
        for folder in ["xdg-data", "xdg-cache", "xdg-config"] {
            std::fs::create_dir_all(data_dir.join(folder)).unwrap();
        }
        let mut last_error = String::new();
        for _ in 0..3 {
            let port = free_port();
            let native_port = free_port();
            let driver = Command::new(tauri_driver())
                .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
                .env("KEYDESK_DATA_DIR", data_dir)
                // WebKit's own caches and storage stay inside the test's folder too.
                .env("XDG_DATA_HOME", data_dir.join("xdg-data"))
                .env("XDG_CACHE_HOME", data_dir.join("xdg-cache"))
                // The remembered window size and position live in the config folder.
                .env("XDG_CONFIG_HOME", data_dir.join("xdg-config"))
                .env_remove("KEYDESK_DATABASE_URL")
                // No GPU here; Mesa's shader cache would only warn about its folder.
                .env("MESA_SHADER_CACHE_DISABLE", "true")
                .envs(env.iter().copied())
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("tauri-driver is not installed: cargo install tauri-driver --locked (cargo xtask test does it)");
            let mut app = App {
                driver,
                webdriver: WebDriver::new(format!("http://127.0.0.1:{port}")),
                data_dir: data_dir.to_owned(),
                args: args.iter().map(|s| s.to_string()).collect(),
            };
            match app.try_start_session() {
                Ok(()) => return app,
                Err(err) => last_error = err,
            }
        }
        panic!("no WebDriver session after 3 tries: {last_error}");
    }

    fn start_session(&mut self) {
        self.try_start_session().unwrap_or_else(|e| panic!("{e}"));
    }

    fn try_start_session(&mut self) -> Result<(), String> {
        let capabilities = json!({
            "capabilities": {"alwaysMatch": {
                "tauri:options": {"application": app_binary(), "args": self.args},
            }}
        });
        // tauri-driver takes a moment to listen, and the first connection is sometimes reset.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match self.webdriver.new_session(&capabilities) {
                Ok(()) => return Ok(()),
                Err(err) => {
                    if let Ok(Some(status)) = self.driver.try_wait() {
                        return Err(format!(
                            "tauri-driver exited ({status}) before a session started: {err}"
                        ));
                    }
                    if Instant::now() > deadline {
                        return Err(format!("no WebDriver session within 30 s: {err}"));
                    }
                    sleep(Duration::from_millis(200));
                }
            }
        }
    }

    fn wait_ready(self) -> App {
        self.wait_for("the page to finish loading", |app| {
            app.exec("return document.body.dataset.ready === 'true'", json!([])) == json!(true)
        });
        self
    }

    /// Reloads the page, as F5 would: whatever the page held only in memory is gone.
    pub fn reload(self) -> App {
        self.exec(
            "document.body.dataset.ready = ''; location.reload()",
            json!([]),
        );
        self.wait_ready()
    }

    /// Quits the app and starts it again on the same data folder.
    pub fn restart(mut self) -> App {
        self.webdriver.delete_session();
        self.start_session();
        self.wait_ready()
    }

    /// Quits as a person does from the keyboard: Ctrl+Q, which ends the app through Tauri's
    /// exit request (WebKitWebDriver's Close Window does not: what Keydesk does on quitting
    /// would not run — found in issue 14).
    pub fn quit(&self) {
        self.webdriver
            .send_keys_to_active_and_forget("\u{E009}q\u{E000}");
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Waits until `ready` holds, panicking with `what` after `WAIT`.
    pub fn wait_for(&self, what: &str, ready: impl Fn(&App) -> bool) {
        let deadline = Instant::now() + WAIT;
        while !ready(self) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            sleep(Duration::from_millis(100));
        }
    }

    /// The first element matching `css`, waiting for it to appear.
    pub fn find(&self, css: &str) -> Element {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(element) = self.webdriver.find(css) {
                return element;
            }
            if Instant::now() >= deadline {
                // What the page shows instead says most about why.
                let page = self.exec("return document.body.innerText", json!([]));
                panic!("no element matches {css}; the page reads:\n{page}");
            }
            sleep(Duration::from_millis(100));
        }
    }

    pub fn exists(&self, css: &str) -> bool {
        self.webdriver.find(css).is_some()
    }

    /// Finds `css` and runs `op` on it, finding it again if the page re-rendered meanwhile.
    fn on<T>(&self, css: &str, op: impl Fn(&Element) -> Result<T, String>) -> T {
        let deadline = Instant::now() + WAIT;
        loop {
            match op(&self.find(css)) {
                Ok(value) => return value,
                Err(e) if e.contains("stale element") && Instant::now() < deadline => {
                    sleep(Duration::from_millis(50))
                }
                Err(e) => panic!("{css}: {e}"),
            }
        }
    }

    /// Waits for `css` to show `expected` as its text.
    pub fn wait_text(&self, css: &str, expected: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let text = self
                .webdriver
                .find(css)
                .and_then(|e| self.webdriver.text(&e).ok());
            if text.as_deref() == Some(expected) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{css} shows {text:?}, expected {expected:?}"
            );
            sleep(Duration::from_millis(100));
        }
    }

    pub fn text(&self, css: &str) -> String {
        self.on(css, |e| self.webdriver.text(e))
    }

    pub fn click(&self, css: &str) {
        self.on(css, |e| self.webdriver.click(e))
    }

    /// Replaces the value of the input matching `css` with `text`, as typed keys.
    pub fn fill(&self, css: &str, text: &str) {
        self.on(css, |e| {
            self.webdriver.clear(e)?;
            // WebKitWebDriver refuses to send no keys at all.
            if text.is_empty() {
                return Ok(());
            }
            self.webdriver.send_keys(e, text)
        })
    }

    /// Chooses the option `value` of the `<select>` matching `css`, as picking it from the list
    /// does (a `change` event follows); fails when there is no such option.
    pub fn select(&self, css: &str, value: &str) {
        let chosen = self.exec(
            "const s = document.querySelector(arguments[0]);
             if (!s || ![...s.options].some((o) => o.value === arguments[1])) return false;
             s.value = arguments[1];
             s.dispatchEvent(new Event('change', { bubbles: true }));
             return true;",
            json!([css, value]),
        );
        assert_eq!(chosen, json!(true), "no option {value:?} in {css}");
    }

    /// Sends keys to whatever has focus, as a person at the keyboard would.
    pub fn press(&self, keys: &str) {
        self.webdriver.send_keys_to_active(keys);
    }

    pub fn value(&self, css: &str) -> String {
        self.on(css, |e| self.webdriver.property(e, "value"))
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn is_visible(&self, css: &str) -> bool {
        self.exec(
            "const e = document.querySelector(arguments[0]); return !!e && e.getClientRects().length > 0 && !e.closest('[hidden]');",
            json!([css]),
        ) == json!(true)
    }

    /// The id of the element that has keyboard focus.
    pub fn focused_id(&self) -> String {
        self.exec(
            "return document.activeElement ? document.activeElement.id : ''",
            json!([]),
        )
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    pub fn window_rect(&self) -> Value {
        self.webdriver.window_rect()
    }

    pub fn set_window_rect(&self, rect: Value) -> Value {
        self.webdriver.set_window_rect(rect)
    }

    pub fn exec(&self, script: &str, args: Value) -> Value {
        self.webdriver.execute(script, args)
    }

    /// Runs an asynchronous script: it ends by calling `arguments[arguments.length - 1]`.
    pub fn exec_async(&self, script: &str, args: Value, timeout: Duration) -> Value {
        self.webdriver.execute_async(script, args, timeout)
    }
}

impl Drop for App {
    fn drop(&mut self) {
        self.webdriver.delete_session();
        // SIGTERM lets tauri-driver stop WebKitWebDriver; SIGKILL would leave it on its port.
        let _ = Command::new("kill")
            .args(["-TERM", &self.driver.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.driver.try_wait() {
                return;
            }
            sleep(Duration::from_millis(50));
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// There is one clipboard per display: tests that read or write it take turns.
pub fn exclusive_clipboard() -> std::sync::MutexGuard<'static, ()> {
    static CLIPBOARD: std::sync::Mutex<()> = std::sync::Mutex::new(());
    CLIPBOARD
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Saves a picture of the whole display to `$KEYDESK_SCREENSHOTS/<name>.png` when that
/// variable is set (how docs/ screenshots are made); does nothing otherwise.
pub fn screenshot(name: &str) {
    if let Some(dir) = std::env::var_os("KEYDESK_SCREENSHOTS") {
        let path = PathBuf::from(dir).join(format!("{name}.png"));
        let status = Command::new("import")
            .args(["-window", "root"])
            .arg(&path)
            .status()
            .expect("imagemagick's import");
        assert!(status.success());
    }
}

/// The text on the X11 clipboard, read the way another program would (xclip); None when the
/// clipboard is empty.
pub fn clipboard_text() -> Option<String> {
    // Bounded: xclip waits for ever on an owner that quits before answering.
    let output = Command::new("timeout")
        .args(["5", "xclip", "-o", "-selection", "clipboard"])
        .output()
        .expect("xclip is installed");
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
        .filter(|s| !s.is_empty())
}

/// The formats the clipboard's owner offers (`xclip -t TARGETS`), one per line; empty when
/// nothing owns the clipboard.
pub fn clipboard_targets() -> Vec<String> {
    let output = Command::new("timeout")
        .args([
            "5",
            "xclip",
            "-o",
            "-selection",
            "clipboard",
            "-t",
            "TARGETS",
        ])
        .output()
        .expect("xclip is installed");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Puts `text` on the clipboard from another program; the returned child owns the selection
/// until it is killed.
pub fn put_on_clipboard(text: &str) -> Child {
    use std::io::Write;
    let mut child = Command::new("xclip")
        .args(["-quiet", "-selection", "clipboard", "-i"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("xclip is installed");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    child
}

fn tauri_driver() -> PathBuf {
    if let Some(path) = std::env::var_os("TAURI_DRIVER") {
        return PathBuf::from(path);
    }
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|home| home.join("bin").join("tauri-driver"));
    match cargo_bin {
        Some(path) if path.exists() => path,
        _ => PathBuf::from("tauri-driver"),
    }
}
