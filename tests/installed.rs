//! The `.deb` as a user gets it: `cargo xtask test` builds it with `cargo xtask bundle`, unpacks
//! it into a throwaway root (`dpkg -x`) and names that root in KEYDESK_INSTALLED_ROOT. The
//! installed binary then runs through tauri-driver like any build.

use std::path::PathBuf;

use keydesk_e2e::App;

#[test]
fn the_installed_package_has_its_menu_entry_and_shows_the_page() {
    let Some(root) = std::env::var_os("KEYDESK_INSTALLED_ROOT").map(PathBuf::from) else {
        eprintln!("skipped: KEYDESK_INSTALLED_ROOT is unset (cargo xtask test sets it)");
        return;
    };
    let binary = root.join("usr/bin/keydesk");
    assert!(binary.is_file(), "{} is in the package", binary.display());
    let entry = std::fs::read_to_string(root.join("usr/share/applications/keydesk.desktop"))
        .expect("a desktop entry");
    for line in [
        "Name=Keydesk",
        "Exec=keydesk",
        "Icon=keydesk",
        "Type=Application",
    ] {
        assert!(entry.lines().any(|l| l == line), "{line} in\n{entry}");
    }
    for size in ["32x32", "128x128", "256x256", "512x512"] {
        let icon = root.join(format!("usr/share/icons/hicolor/{size}/apps/keydesk.png"));
        assert!(icon.is_file(), "{}", icon.display());
    }

    // This test binary holds only this test: setting the variable affects nothing else.
    std::env::set_var("KEYDESK_APP_BIN", &binary);
    let (_dir, _app) = App::demo();
}
