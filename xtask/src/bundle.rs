//! `cargo xtask bundle [--windows]`: the .deb and the .rpm made by Tauri's own bundler (the
//! `tauri-bundler` crate, the library behind `tauri build`) from the release binary and the
//! settings in the root tauri.conf.json; with `--windows`, keydesk.exe and keydesk-cli.exe
//! cross-compiled for x86_64-pc-windows-gnu with mingw and the NSIS installer around them
//! (`installer.rs`).
//!
//! The `tauri` CLI expects the app crate beside tauri.conf.json; this workspace keeps the config
//! at the root, so the xtask builds the binaries itself (with `custom-protocol`, as the CLI
//! does) and hands them to the bundler as a library: pure Rust, offline. AppImage needs tools
//! the bundler downloads (linuxdeploy, appimagetool) and stays configured for a machine that
//! has them cached (see the README); the Windows installer is made with Debian's `makensis`
//! from our own script, because the bundler's NSIS target downloads a plugin from GitHub;
//! .msi and .dmg need their own systems.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use tauri_bundler::{
    AppCategory, BundleBinary, BundleSettings, DebianSettings, PackageSettings, PackageType,
    RpmSettings, SettingsBuilder,
};
use tauri_utils::config::Config;

use crate::system::ensure_packages;
use crate::{cargo, root, status, target_dir, APP_PACKAGES};

pub const WINDOWS_TARGET: &str = "x86_64-pc-windows-gnu";

pub fn bundle(args: &[String]) -> Result<(), String> {
    match args {
        [] => {
            let packages = build_packages(false)?;
            for package in [&packages.deb, &packages.rpm] {
                println!("{} ({})", package.display(), size(package));
            }
            Ok(())
        }
        [flag] if flag == "--appimage" => {
            let packages = build_packages(true)?;
            for package in [&packages.deb, &packages.rpm]
                .into_iter()
                .chain(packages.appimage.as_ref())
            {
                println!("{} ({})", package.display(), size(package));
            }
            Ok(())
        }
        [flag] if flag == "--debug" => {
            // The debug build already made, packaged as `cargo xtask test` packages it: a quick
            // look at the packaging without a release build.
            let packages = packages("debug")?;
            for package in [&packages.deb, &packages.rpm] {
                println!("{} ({})", package.display(), size(package));
            }
            Ok(())
        }
        [flag] if flag == "--windows" => {
            let setup = build_windows()?;
            let built = target_dir().join(WINDOWS_TARGET).join("release");
            println!("{} ({})", setup.display(), size(&setup));
            for (exe, what) in [
                ("keydesk.exe", "the app"),
                ("keydesk-cli.exe", "the command line"),
                ("keydesk-bare.exe", "the bare Tauri app"),
            ] {
                let exe = built.join(exe);
                println!("{} ({}, {what})", exe.display(), size(&exe));
            }
            Ok(())
        }
        _ => Err(format!(
            "bundle takes nothing, --appimage, --debug or --windows (got {args:?})"
        )),
    }
}

fn size(path: &Path) -> String {
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
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
            "keydesk-cli",
            "-p",
            "keydesk-core",
            "--bins",
            "--bench",
            "store",
            "--bench",
            "search",
            "--bench",
            "health",
            "--bench",
            "import",
            "--bench",
            "team",
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

/// Files a package carries besides its binary: where each goes in the .deb and the .rpm (the
/// distributions' zsh folders differ) → the file staged.
#[derive(Default)]
struct Extras {
    deb: std::collections::HashMap<PathBuf, PathBuf>,
    rpm: std::collections::HashMap<PathBuf, PathBuf>,
}

/// `keydesk-cli` (stripped), its bash, zsh and fish completions and its man page, made by the
/// binary itself from its clap definitions (`completions SHELL`, `man`) into `stage`.
fn command_line_files(stage: &Path, profile: &str) -> Result<Extras, String> {
    let binary = target_dir().join(profile).join("keydesk-cli");
    let staged = stage.join("keydesk-cli");
    std::fs::copy(&binary, &staged).map_err(|e| format!("{}: {e}", binary.display()))?;
    let mut strip = Command::new("strip");
    strip.arg(&staged);
    status(strip)?;
    let made = |args: &[&str], name: &str| -> Result<PathBuf, String> {
        let output = Command::new(&staged)
            .args(args)
            .output()
            .map_err(|e| format!("{}: {e}", staged.display()))?;
        if !output.status.success() || output.stdout.is_empty() {
            return Err(format!("keydesk-cli {args:?} made nothing"));
        }
        let path = stage.join(name);
        std::fs::write(&path, &output.stdout).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path)
    };
    let bash = made(&["completions", "bash"], "keydesk-cli.bash")?;
    let zsh = made(&["completions", "zsh"], "_keydesk-cli")?;
    let fish = made(&["completions", "fish"], "keydesk-cli.fish")?;
    let man = made(&["man"], "keydesk-cli.1")?;
    let mut gzip = Command::new("gzip");
    gzip.args(["-n", "-9", "-f"]).arg(&man);
    status(gzip)?;
    let man = stage.join("keydesk-cli.1.gz");
    let common = [
        ("/usr/bin/keydesk-cli", staged),
        ("/usr/share/bash-completion/completions/keydesk-cli", bash),
        (
            "/usr/share/fish/vendor_completions.d/keydesk-cli.fish",
            fish,
        ),
        ("/usr/share/man/man1/keydesk-cli.1.gz", man),
    ];
    let mut extras = Extras::default();
    for (to, from) in common {
        extras.deb.insert(PathBuf::from(to), from.clone());
        extras.rpm.insert(PathBuf::from(to), from);
    }
    extras.deb.insert(
        PathBuf::from("/usr/share/zsh/vendor-completions/_keydesk-cli"),
        zsh.clone(),
    );
    extras.rpm.insert(
        PathBuf::from("/usr/share/zsh/site-functions/_keydesk-cli"),
        zsh,
    );
    Ok(extras)
}

/// A .deb and a .rpm of one binary (and an AppImage when asked for).
pub struct Packages {
    pub deb: PathBuf,
    pub rpm: PathBuf,
    pub appimage: Option<PathBuf>,
}

/// Builds `target/bundle/deb/keydesk_<v>_<arch>.deb` and `target/bundle/rpm/keydesk-<v>-1.<arch>.rpm`
/// (and `target/bundle/appimage/keydesk_<v>_amd64.appimage` with `appimage`).
pub fn build_packages(appimage: bool) -> Result<Packages, String> {
    build_release()?;
    if appimage {
        package("keydesk", None, "release", Some(appimage_tools()?))
    } else {
        packages("release")
    }
}

/// The tools Tauri's bundler runs to make an AppImage. It downloads them from GitHub when they
/// are missing, which this project's machines cannot: they must be in the folder already
/// (`KEYDESK_APPIMAGE_TOOLS`, or `~/.cache/tauri` where `tauri build` leaves them).
fn appimage_tools() -> Result<PathBuf, String> {
    let folder = std::env::var_os("KEYDESK_APPIMAGE_TOOLS")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/tauri")))
        .ok_or("set KEYDESK_APPIMAGE_TOOLS to the folder holding the AppImage tools")?;
    let missing: Vec<&str> = ["AppRun-x86_64", "linuxdeploy-07333c6-x86_64.AppImage"]
        .into_iter()
        .filter(|tool| !folder.join(tool).is_file())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "the AppImage needs {} in {} (KEYDESK_APPIMAGE_TOOLS); Tauri's bundler would \
             download them from github.com/tauri-apps/binary-releases, which the xtask does not do",
            missing.join(" and "),
            folder.display()
        ));
    }
    Ok(folder)
}

/// The packages of Keydesk's `profile` build, already made: "release" is what ships (into
/// target/bundle); "debug" is what `cargo xtask test` packages (into target/bundle/debug): what
/// is tested is the packaging — files, desktop entry, declared dependencies, the unpacked binary
/// running — without a release build of everything on every CI run.
pub fn packages(profile: &str) -> Result<Packages, String> {
    package("keydesk", None, profile, None)
}

/// The bare Tauri app's release build (already made) packaged the same way: the floor for the
/// package sizes in BENCHMARKS.md.
pub fn bare_packages() -> Result<Packages, String> {
    package(
        "keydesk-bare",
        Some("The bare Tauri app Keydesk is measured against"),
        "release",
        None,
    )
}

/// The settings of the root tauri.conf.json; its version must be the workspace's.
pub fn config() -> Result<Config, String> {
    let path = root().join("tauri.conf.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let config: Config =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let version = config
        .version
        .clone()
        .ok_or("tauri.conf.json has no version")?;
    let workspace =
        std::fs::read_to_string(root().join("Cargo.toml")).map_err(|e| e.to_string())?;
    if !workspace.contains(&format!("version = \"{version}\"")) {
        return Err(format!(
            "tauri.conf.json's version {version} is not the workspace's (Cargo.toml)"
        ));
    }
    Ok(config)
}

/// What the `tauri` CLI adds to every Linux package's dependencies (tauri-cli's
/// `tauri_config_to_bundle_settings`), then what tauri.conf.json declares.
fn with_webview(base: &[&str], declared: &Option<Vec<String>>) -> Option<Vec<String>> {
    let mut all: Vec<String> = base.iter().map(|s| s.to_string()).collect();
    for dependency in declared.iter().flatten() {
        if !all.contains(dependency) {
            all.push(dependency.clone());
        }
    }
    Some(all)
}

/// Packs the binary `name` of `profile` (already built) with Tauri's bundler. A bare app's
/// `description` names it in its package instead of Keydesk. With `appimage_tools`, an
/// AppImage too, from the tools in that folder.
fn package(
    name: &str,
    description: Option<&str>,
    profile: &str,
    appimage_tools: Option<PathBuf>,
) -> Result<Packages, String> {
    let config = config()?;
    let bundle = &config.bundle;
    let linux = &bundle.linux;
    let version = config.version.clone().unwrap_or_default();
    let (product_name, short_description) = match description {
        None => (
            config
                .product_name
                .clone()
                .ok_or("tauri.conf.json has no productName")?,
            bundle.short_description.clone().unwrap_or_default(),
        ),
        Some(description) => (name.to_owned(), description.to_owned()),
    };
    let out = match profile {
        "release" => target_dir().join("bundle"),
        other => target_dir().join("bundle").join(other),
    };
    // The bundler reads the binary from, and writes under, its "project out directory"; it
    // also patches the binary in place while it packs. A staged copy keeps target/<profile>
    // untouched (the end-to-end tests run that binary at the same time).
    let stage = out.join(format!(".stage-{name}"));
    let _ = std::fs::remove_dir_all(&stage);
    std::fs::create_dir_all(&stage).map_err(|e| format!("{}: {e}", stage.display()))?;
    let binary = target_dir().join(profile).join(name);
    std::fs::copy(&binary, stage.join(name)).map_err(|e| format!("{}: {e}", binary.display()))?;
    // Symbols are for debugging builds, not for the package (the release profile strips too;
    // this covers the debug build `cargo xtask test` packages).
    let mut strip = Command::new("strip");
    strip.arg(stage.join(name));
    status(strip)?;

    // The app's packages carry the command line beside it, with its completions and man page.
    let extras = if description.is_none() {
        command_line_files(&stage, profile)?
    } else {
        Extras::default()
    };

    let category = bundle
        .category
        .as_deref()
        .map(AppCategory::from_str)
        .transpose()
        .map_err(|closest| match closest {
            Some(closest) => {
                format!("tauri.conf.json bundle.category: unknown; did you mean {closest}?")
            }
            None => {
                "tauri.conf.json bundle.category: not a category Tauri's bundler knows".to_owned()
            }
        })?;
    let mut types = vec![PackageType::Deb, PackageType::Rpm];
    let mut builder = SettingsBuilder::new();
    if let Some(tools) = &appimage_tools {
        types.push(PackageType::AppImage);
        builder = builder.local_tools_directory(tools);
    }
    let settings = builder
        .project_out_directory(&stage)
        .package_types(types)
        .package_settings(PackageSettings {
            product_name: product_name.clone(),
            version: version.clone(),
            description: short_description.clone(),
            homepage: bundle.homepage.clone(),
            authors: None,
            default_run: Some(name.to_owned()),
        })
        .bundle_settings(BundleSettings {
            identifier: Some(config.identifier.clone()),
            publisher: bundle.publisher.clone(),
            homepage: bundle.homepage.clone(),
            icon: Some(
                bundle
                    .icon
                    .iter()
                    .map(|icon| root().join(icon).display().to_string())
                    .collect(),
            ),
            copyright: bundle.copyright.clone(),
            license: bundle.license.clone(),
            category,
            short_description: Some(short_description),
            long_description: bundle.long_description.clone(),
            deb: DebianSettings {
                depends: with_webview(&["libwebkit2gtk-4.1-0", "libgtk-3-0"], &linux.deb.depends),
                recommends: linux.deb.recommends.clone(),
                section: linux.deb.section.clone(),
                priority: linux.deb.priority.clone(),
                files: extras.deb,
                ..Default::default()
            },
            rpm: RpmSettings {
                depends: with_webview(&["webkit2gtk4.1", "gtk3"], &linux.rpm.depends),
                recommends: linux.rpm.recommends.clone(),
                release: linux.rpm.release.clone(),
                epoch: linux.rpm.epoch,
                compression: linux.rpm.compression,
                files: extras.rpm,
                ..Default::default()
            },
            ..Default::default()
        })
        .binaries(vec![BundleBinary::new(name.to_owned(), true)])
        .build()
        .map_err(|e| format!("tauri-bundler settings: {e}"))?;
    let made =
        tauri_bundler::bundle_project(&settings).map_err(|e| format!("tauri-bundler: {e}"))?;

    // The bundler names the files after the product ("Keydesk_…"); the packages inside are
    // `keydesk` either way. Moved to the lower-case name a shell user types.
    let find = |kind: PackageType| -> Result<PathBuf, String> {
        made.iter()
            .find(|b| b.package_type == kind)
            .and_then(|b| b.bundle_paths.first().cloned())
            .ok_or(format!("tauri-bundler made no {}", kind.short_name()))
    };
    let place = |from: PathBuf, folder: &str| -> Result<PathBuf, String> {
        let file = from
            .file_name()
            .and_then(|f| f.to_str())
            .ok_or("a package without a file name")?
            .replacen(&product_name, &product_name.to_lowercase(), 1);
        let to = out.join(folder).join(file);
        std::fs::create_dir_all(to.parent().unwrap()).map_err(|e| e.to_string())?;
        std::fs::rename(&from, &to).map_err(|e| format!("{}: {e}", to.display()))?;
        Ok(to)
    };
    let deb = place(find(PackageType::Deb)?, "deb")?;
    recompress_deb(&deb)?;
    let packages = Packages {
        deb,
        rpm: place(find(PackageType::Rpm)?, "rpm")?,
        appimage: match appimage_tools {
            Some(_) => Some(place(find(PackageType::AppImage)?, "appimage")?),
            None => None,
        },
    };
    let _ = std::fs::remove_dir_all(&stage);
    Ok(packages)
}

pub fn windows_toolchain() -> Result<(), String> {
    ensure_packages(&["gcc-mingw-w64-x86-64"])?;
    let mut target = Command::new("rustup");
    target.args(["target", "add", WINDOWS_TARGET]);
    status(target)
}

/// Cross-compiles keydesk.exe and keydesk-cli.exe in release with mingw (and the bare app's
/// keydesk-bare.exe for comparison), and makes the installer around them; the installer's path.
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
        "-p",
        "keydesk-cli",
        "--features",
        "keydesk/custom-protocol,keydesk-bare/custom-protocol",
    ]);
    status(build)?;
    crate::installer::make("release")
}

/// Tauri's bundler writes a .deb's files as gzip (level 6). Debian's own packages, KeePassXC's
/// among them, are xz, which `dpkg` has read since Debian 6: the same package, files and control
/// data unchanged, recompressed by `dpkg-deb` (issue 30: the package's size).
fn recompress_deb(deb: &Path) -> Result<(), String> {
    let unpacked = tempfile::tempdir().map_err(|e| e.to_string())?;
    let tree = unpacked.path().join("package");
    let mut extract = Command::new("dpkg-deb");
    extract.arg("--raw-extract").arg(deb).arg(&tree);
    status(extract)?;
    let partial = deb.with_extension("deb.part");
    let mut build = Command::new("dpkg-deb");
    build
        .args(["--root-owner-group", "-Zxz", "-z9", "--build"])
        .arg(&tree)
        .arg(&partial);
    status(build)?;
    eprintln!(
        "xtask: {} recompressed with xz: {} (gzip) -> {}",
        deb.display(),
        size(deb),
        size(&partial)
    );
    std::fs::rename(&partial, deb).map_err(|e| format!("{}: {e}", deb.display()))
}
