//! `cargo xtask bundle [--windows]`: a `.deb` made with dpkg-deb from the release binary, the
//! icons and a desktop entry (name, version and description from tauri.conf.json and the
//! workspace); with `--windows`, keydesk.exe cross-compiled for x86_64-pc-windows-gnu with mingw.
//!
//! Tauri's own bundler (the `tauri` CLI) expects the app crate beside tauri.conf.json; this
//! workspace keeps the config at the root, so the .deb is laid out here, the way the bundler
//! lays it out. AppImage, .rpm, .msi/NSIS and .dmg stay configured in tauri.conf.json for a
//! machine with their tools (see the README).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::system::ensure_packages;
use crate::{cargo, root, status, target_dir, APP_PACKAGES};

pub const WINDOWS_TARGET: &str = "x86_64-pc-windows-gnu";

pub fn bundle(args: &[String]) -> Result<(), String> {
    match args {
        [] => {
            let deb = build_deb()?;
            println!("{} ({})", deb.display(), size(&deb));
            Ok(())
        }
        [flag] if flag == "--windows" => {
            let exe = build_windows()?;
            let bare = exe.with_file_name("keydesk-bare.exe");
            println!("{} ({})", exe.display(), size(&exe));
            println!("{} ({}, the bare Tauri app)", bare.display(), size(&bare));
            Ok(())
        }
        _ => Err(format!("bundle takes nothing or --windows (got {args:?})")),
    }
}

fn size(path: &Path) -> String {
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

struct Product {
    name: String,
    version: String,
    description: String,
}

fn product() -> Result<Product, String> {
    let text =
        std::fs::read_to_string(root().join("tauri.conf.json")).map_err(|e| e.to_string())?;
    let config: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let field = |pointer: &str| {
        config
            .pointer(pointer)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .ok_or(format!("tauri.conf.json has no {pointer}"))
    };
    let version = field("/version")?;
    let workspace =
        std::fs::read_to_string(root().join("Cargo.toml")).map_err(|e| e.to_string())?;
    if !workspace.contains(&format!("version = \"{version}\"")) {
        return Err(format!(
            "tauri.conf.json's version {version} is not the workspace's (Cargo.toml)"
        ));
    }
    Ok(Product {
        name: field("/productName")?,
        version,
        description: field("/bundle/shortDescription")?,
    })
}

/// The shipping build: release, UI embedded through the custom protocol. Keydesk, the bare app
/// and keydesk-core's criterion benches are built in one invocation, so one feature resolution
/// covers them and every shared dependency is built once: a separate `cargo bench` resolved
/// core's features on their own and rebuilt 151 crates (3 min 23 s of a fresh `cargo xtask
/// bench` on 2 cores). The binary benchmarked is the binary shipped. Returns the bench
/// executables, by name (`store`, `search`, `import`).
pub fn build_release() -> Result<Vec<(String, PathBuf)>, String> {
    ensure_packages(APP_PACKAGES)?;
    let mut build = cargo();
    build
        .args([
            "build",
            "--release",
            "-p",
            "keydesk",
            "-p",
            "keydesk-bare",
            "-p",
            "keydesk-core",
            "--bins",
            "--bench",
            "store",
            "--bench",
            "search",
            "--bench",
            "import",
            "--features",
            "keydesk/custom-protocol,keydesk-bare/custom-protocol",
            "--message-format",
            "json-render-diagnostics",
        ])
        .stdout(std::process::Stdio::piped());
    let shown = format!("{build:?}");
    eprintln!("xtask: $ {shown}");
    let output = build
        .spawn()
        .and_then(|child| child.wait_with_output())
        .map_err(|e| format!("{shown}: {e}"))?;
    if !output.status.success() {
        return Err(format!("{shown} failed ({})", output.status));
    }
    let mut benches = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let is_bench = message["target"]["kind"]
            .as_array()
            .is_some_and(|kinds| kinds.iter().any(|k| k == "bench"));
        if let (true, Some(name), Some(executable)) = (
            is_bench,
            message["target"]["name"].as_str(),
            message["executable"].as_str(),
        ) {
            benches.push((name.to_owned(), PathBuf::from(executable)));
        }
    }
    Ok(benches)
}

/// Builds `target/bundle/keydesk_<version>_<arch>.deb` and returns its path.
pub fn build_deb() -> Result<PathBuf, String> {
    build_release()?;
    deb("release")
}

/// The package around Keydesk's `profile` build, already made: "release" is what ships; "debug"
/// is what `cargo xtask test` packages (what is tested is the packaging — files, desktop entry,
/// the unpacked binary running — without a release build of everything on every CI run, about
/// 6 minutes on 2 cores).
pub fn deb(profile: &str) -> Result<PathBuf, String> {
    package("keydesk", &product()?, profile)
}

/// The bare Tauri app's release build (already made) packaged the same way: the floor for the
/// package size in BENCHMARKS.md.
pub fn bare_deb() -> Result<PathBuf, String> {
    let mut product = product()?;
    product.name = "keydesk-bare".into();
    product.description = "The bare Tauri app Keydesk is measured against".into();
    package("keydesk-bare", &product, "release")
}

/// Lays out and packs the .deb of the binary `name` of `profile` (already built).
fn package(name: &str, product: &Product, profile: &str) -> Result<PathBuf, String> {
    let binary = target_dir().join(profile).join(name);
    let arch = String::from_utf8_lossy(
        &Command::new("dpkg")
            .arg("--print-architecture")
            .output()
            .map_err(|e| format!("dpkg: {e}"))?
            .stdout,
    )
    .trim()
    .to_owned();
    let out = match profile {
        "release" => target_dir().join("bundle"),
        other => target_dir().join("bundle").join(other),
    };
    let tree = out.join(format!("{name}-deb-root"));
    let _ = std::fs::remove_dir_all(&tree);
    let write = |path: &Path, bytes: &[u8]| -> Result<(), String> {
        std::fs::create_dir_all(path.parent().unwrap()).map_err(|e| e.to_string())?;
        std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
    };

    let installed = tree.join("usr/bin").join(name);
    std::fs::create_dir_all(installed.parent().unwrap()).map_err(|e| e.to_string())?;
    std::fs::copy(&binary, &installed).map_err(|e| e.to_string())?;
    // Symbols are for debugging builds, not for the package (as Tauri's bundler ships it too).
    let _ = Command::new("strip").arg(&installed).status();
    for (file, size) in [
        ("32x32.png", "32x32"),
        ("128x128.png", "128x128"),
        ("128x128@2x.png", "256x256"),
        ("icon.png", "512x512"),
    ] {
        let icon = std::fs::read(root().join("icons").join(file)).map_err(|e| e.to_string())?;
        write(
            &tree.join(format!("usr/share/icons/hicolor/{size}/apps/{name}.png")),
            &icon,
        )?;
    }
    let desktop = format!(
        "[Desktop Entry]\nType=Application\nName={}\nComment={}\nExec={name}\nIcon={name}\n\
         Terminal=false\nCategories=Utility;Office;\nStartupWMClass={name}\n",
        product.name, product.description
    );
    write(
        &tree.join(format!("usr/share/applications/{name}.desktop")),
        desktop.as_bytes(),
    )?;
    let installed_kib = dir_size(&tree) / 1024;
    let control = format!(
        "Package: {name}\nVersion: {}\nArchitecture: {arch}\nMaintainer: Keydesk <team@keydesk.app>\n\
         Installed-Size: {installed_kib}\nDepends: libwebkit2gtk-4.1-0, libgtk-3-0\n\
         Recommends: gnome-keyring\nSection: utils\nPriority: optional\n\
         Description: {}\n {} keeps each account's contact and billing information and its API\n \
         credentials; a new secret is shown once and can be kept in the OS keyring.\n",
        product.version, product.description, product.name
    );
    write(&tree.join("DEBIAN/control"), control.as_bytes())?;

    let deb = out.join(format!("{name}_{}_{arch}.deb", product.version));
    let mut pack = Command::new("dpkg-deb");
    pack.args(["--root-owner-group", "--build"])
        .arg(&tree)
        .arg(&deb);
    status(pack)?;
    Ok(deb)
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                dir_size(&path)
            } else {
                entry.metadata().map(|m| m.len()).unwrap_or(0)
            }
        })
        .sum()
}

fn windows_toolchain() -> Result<(), String> {
    ensure_packages(&["gcc-mingw-w64-x86-64"])?;
    let mut target = Command::new("rustup");
    target.args(["target", "add", WINDOWS_TARGET]);
    status(target)
}

/// `cargo check` for Windows, in every `cargo xtask test`: Windows-only code (keyring's
/// Credential Manager store, paths, the plugins' Windows sides) must keep compiling.
pub fn check_windows() -> Result<(), String> {
    windows_toolchain()?;
    let mut check = cargo();
    check.args(["check", "-p", "keydesk", "--target", WINDOWS_TARGET]);
    status(check)
}

/// Cross-compiles keydesk.exe in release with mingw, and the bare app's for comparison.
pub fn build_windows() -> Result<PathBuf, String> {
    windows_toolchain()?;
    let mut build = cargo();
    build.args([
        "build",
        "--release",
        "--target",
        WINDOWS_TARGET,
        "-p",
        "keydesk",
        "-p",
        "keydesk-bare",
        "--features",
        "keydesk/custom-protocol,keydesk-bare/custom-protocol",
    ]);
    status(build)?;
    Ok(target_dir()
        .join(WINDOWS_TARGET)
        .join("release")
        .join("keydesk.exe"))
}
