//! The packages as a user gets them: `cargo xtask test` makes the .deb and the .rpm with Tauri's
//! bundler (as `cargo xtask bundle` does), unpacks the .deb into a throwaway root (`dpkg -x`,
//! named in KEYDESK_INSTALLED_ROOT) and the .rpm into another (`rpm2cpio | cpio`,
//! KEYDESK_INSTALLED_RPM_ROOT), and names the package files (KEYDESK_INSTALLED_DEB,
//! KEYDESK_INSTALLED_RPM). Each package's declared metadata is read back with its own tool, and
//! each unpacked binary runs through tauri-driver like any build.

use std::path::{Path, PathBuf};
use std::process::Command;

use keydesk_e2e::App;

/// Where the packages put the desktop entry: Tauri's bundler names it after the product.
const DESKTOP_ENTRY: &str = "usr/share/applications/Keydesk.desktop";
/// The icons, by the bundler's hicolor folders (the 256 px file is the 128 px @2x icon).
const ICON_FOLDERS: [&str; 4] = ["32x32", "128x128", "256x256@2", "512x512"];

fn var(name: &str) -> Option<PathBuf> {
    std::env::var_os(name).map(PathBuf::from)
}

fn output(program: &str, args: &[&str], file: &Path) -> String {
    let out = Command::new(program)
        .args(args)
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The unpacked tree: the binary, the menu entry, the icons.
fn assert_installed_tree(root: &Path) {
    let binary = root.join("usr/bin/keydesk");
    assert!(binary.is_file(), "{} is in the package", binary.display());
    let entry = std::fs::read_to_string(root.join(DESKTOP_ENTRY))
        .unwrap_or_else(|e| panic!("{DESKTOP_ENTRY} in {}: {e}", root.display()));
    for line in [
        "Name=Keydesk",
        "Exec=keydesk",
        "Icon=keydesk",
        "Type=Application",
        "Terminal=false",
    ] {
        assert!(entry.lines().any(|l| l == line), "{line} in\n{entry}");
    }
    assert!(
        entry.lines().any(|l| l.starts_with("Categories=Utility;")),
        "the Utility category in\n{entry}"
    );
    for folder in ICON_FOLDERS {
        let icon = root.join(format!("usr/share/icons/hicolor/{folder}/apps/keydesk.png"));
        assert!(icon.is_file(), "{}", icon.display());
    }
}

/// Issue 27: `keydesk-cli` beside the app, working from the unpacked tree (it links no WebKit:
/// it answers on a fresh store), its bash completion completing a subcommand, the zsh and fish
/// completions where each distribution's shells look, and its man page.
fn assert_command_line(root: &Path, zsh_folder: &str) {
    let cli = root.join("usr/bin/keydesk-cli");
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(&cli)
        .args(["--json", "accounts", "list"])
        .env("KEYDESK_DATA_DIR", data.path())
        .env_remove("KEYDESK_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        cli.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
    let bash = root.join("usr/share/bash-completion/completions/keydesk-cli");
    let completed = Command::new("bash")
        .arg("-c")
        .arg(
            "source \"$1\"; COMP_WORDS=(keydesk-cli cred); COMP_CWORD=1; \
             COMP_LINE='keydesk-cli cred'; COMP_POINT=${#COMP_LINE}; \
             _keydesk__cli keydesk-cli cred keydesk-cli; echo \"${COMPREPLY[*]}\"",
        )
        .arg("bash")
        .arg(&bash)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&completed.stdout).trim(),
        "credentials",
        "{}",
        String::from_utf8_lossy(&completed.stderr)
    );
    for file in [
        format!("{zsh_folder}/_keydesk-cli"),
        "usr/share/fish/vendor_completions.d/keydesk-cli.fish".to_owned(),
    ] {
        let text = std::fs::read_to_string(root.join(&file)).unwrap_or_default();
        assert!(
            text.contains("credentials"),
            "{file} completes the commands"
        );
    }
    let man = output(
        "zcat",
        &[],
        &root.join("usr/share/man/man1/keydesk-cli.1.gz"),
    );
    assert!(man.contains(".TH keydesk-cli 1"), "{man}");
}

/// Launches the unpacked binary on the example account and waits for its page.
fn runs(root: &Path) {
    // This test binary holds only this test: setting the variable affects nothing else.
    std::env::set_var("KEYDESK_APP_BIN", root.join("usr/bin/keydesk"));
    let (_dir, _app) = App::demo();
}

#[test]
fn the_deb_and_the_rpm_install_a_menu_entry_declare_their_dependencies_and_show_the_page() {
    let (Some(deb_root), Some(deb), Some(rpm_root), Some(rpm)) = (
        var("KEYDESK_INSTALLED_ROOT"),
        var("KEYDESK_INSTALLED_DEB"),
        var("KEYDESK_INSTALLED_RPM_ROOT"),
        var("KEYDESK_INSTALLED_RPM"),
    ) else {
        eprintln!("skipped: KEYDESK_INSTALLED_* are unset (cargo xtask test sets them)");
        return;
    };

    // The .deb: dpkg's view of its control fields.
    let control = output(
        "dpkg-deb",
        &[
            "--show",
            "--showformat=${Package}|${Depends}|${Recommends}\n",
        ],
        &deb,
    );
    let fields: Vec<&str> = control.trim().split('|').collect();
    assert_eq!(fields[0], "keydesk", "the Debian package name: {control}");
    assert!(
        fields[1].split(", ").any(|d| d == "libwebkit2gtk-4.1-0"),
        "the .deb depends on the webview: {control}"
    );
    assert!(
        fields[2].split(", ").any(|d| d == "gnome-keyring"),
        "the .deb recommends the keyring: {control}"
    );
    assert_installed_tree(&deb_root);
    assert_command_line(&deb_root, "usr/share/zsh/vendor-completions");

    // The .rpm: rpm's view of its name, files and requirements.
    assert_eq!(output("rpm", &["-qp", "--qf", "%{NAME}"], &rpm), "keydesk");
    let files = output("rpm", &["-qpl"], &rpm);
    for file in ["/usr/bin/keydesk".to_owned(), format!("/{DESKTOP_ENTRY}")] {
        assert!(files.lines().any(|l| l == file), "{file} in\n{files}");
    }
    let requires = output("rpm", &["-qpR"], &rpm);
    assert!(
        requires.lines().any(|l| l.trim() == "webkit2gtk4.1"),
        "the .rpm requires the webview:\n{requires}"
    );
    let recommends = output("rpm", &["-qp", "--recommends"], &rpm);
    assert!(
        recommends.lines().any(|l| l.trim() == "gnome-keyring"),
        "the .rpm recommends the keyring:\n{recommends}"
    );
    assert_installed_tree(&rpm_root);
    assert_command_line(&rpm_root, "usr/share/zsh/site-functions");

    // Both unpacked binaries show the page, one after the other.
    runs(&deb_root);
    runs(&rpm_root);
}
