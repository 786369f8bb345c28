//! Desktop manners: one Keydesk per user, the window where it was left, About and the data
//! folder in reach.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use keydesk_e2e::{app_binary, App, Key};
use serde_json::json;

#[test]
fn a_second_launch_exits_and_the_first_window_says_it_is_here() {
    let dir = tempfile::tempdir().unwrap();
    // The OS's own data folder (under this test's XDG_DATA_HOME), as a user runs Keydesk: a
    // KEYDESK_DATA_DIR would make it a separate profile, which may run beside another.
    let app = App::launch_with_env(dir.path(), &["--demo"], &[("KEYDESK_DATA_DIR", "")]);
    app.wait_text("#page-heading", "Contact information: Alexcompany (Alex)");

    let mut second = Command::new(app_binary())
        .env_remove("KEYDESK_DATA_DIR")
        .env("XDG_DATA_HOME", dir.path().join("xdg-data"))
        .env("XDG_CACHE_HOME", dir.path().join("xdg-cache"))
        .env("XDG_CONFIG_HOME", dir.path().join("xdg-config"))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = second.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = second.kill();
            panic!("the second launch kept running beside the first");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "{status}");
    app.wait_text("#toast", "Keydesk is already open — here it is.");
}

#[test]
fn window_size_and_position_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::launch(dir.path(), &["--demo"]);
    let wanted = json!({"x": 40, "y": 30, "width": 1000, "height": 700});
    app.set_window_rect(wanted.clone());
    app.wait_for("the window to take its new size", |app| {
        let rect = app.window_rect();
        rect["width"] == wanted["width"] && rect["height"] == wanted["height"]
    });
    let before = app.window_rect();
    let app = app.restart();
    let after = app.window_rect();
    for key in ["width", "height", "x", "y"] {
        assert_eq!(after[key], before[key], "{key}: {before} then {after}");
    }
}

#[test]
fn about_names_the_version_and_the_data_folder() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::launch(dir.path(), &["--demo"]);
    app.click("#preferences-button");
    app.click("#menu-about");
    app.wait_text(
        "#about-version",
        &format!("Keydesk {}", env!("CARGO_PKG_VERSION")),
    );
    assert_eq!(
        app.text("#about-data-dir"),
        dir.path().display().to_string()
    );
    assert!(
        app.text("#about-log-dir").ends_with("logs"),
        "{}",
        app.text("#about-log-dir")
    );
    assert_eq!(app.focused_id(), "about-close");
    app.press(Key::ESCAPE);
    app.wait_for("the dialog to close", |app| !app.exists("#about-dialog"));

    // Settings shows the same folder.
    app.click("#preferences-button");
    app.click("#menu-settings");
    app.wait_text("#settings-data-dir", &dir.path().display().to_string());
}
