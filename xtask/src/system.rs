//! What the machine has: Debian packages, tauri-driver, a display.

use std::path::PathBuf;
use std::process::Command;

/// tauri-driver's version, pinned so every machine drives the app the same way.
const TAURI_DRIVER_VERSION: &str = "2.1.0";

pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

pub fn has_display() -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    set("DISPLAY") || set("WAYLAND_DISPLAY")
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

/// Installs the Debian packages that are missing (as root), or says the exact line to run.
pub fn ensure_packages(packages: &[&str]) -> Result<(), String> {
    if which("dpkg-query").is_none() {
        eprintln!(
            "xtask: not a Debian/Ubuntu system; make sure the equivalents of these are installed: {}",
            packages.join(" ")
        );
        return Ok(());
    }
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let line = format!(
        "apt-get install -y --no-install-recommends {}",
        missing.join(" ")
    );
    if !is_root() {
        return Err(format!("missing system packages; install them with:\n\n    sudo apt-get update && sudo {line}\n"));
    }
    eprintln!("xtask: installing {}", missing.join(" "));
    let ok = |mut c: Command| c.status().map(|s| s.success()).unwrap_or(false);
    let mut update = Command::new("apt-get");
    update.args(["update", "-qq"]);
    if !ok(update) {
        return Err("apt-get update failed".into());
    }
    let mut install = Command::new("apt-get");
    install
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive");
    if ok(install) {
        Ok(())
    } else {
        Err(format!("apt-get install failed; try: {line}"))
    }
}

/// tauri-driver from PATH or cargo's bin folder, installed from crates.io when missing.
pub fn ensure_tauri_driver() -> Result<PathBuf, String> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .ok_or("neither CARGO_HOME nor HOME is set")?;
    let in_cargo_bin = cargo_home.join("bin").join("tauri-driver");
    if let Some(found) =
        which("tauri-driver").or_else(|| in_cargo_bin.is_file().then(|| in_cargo_bin.clone()))
    {
        return Ok(found);
    }
    eprintln!("xtask: installing tauri-driver {TAURI_DRIVER_VERSION}");
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args([
            "install",
            "tauri-driver",
            "--locked",
            "--version",
            TAURI_DRIVER_VERSION,
        ])
        .status()
        .map_err(|e| e.to_string())?;
    if status.success() && in_cargo_bin.is_file() {
        Ok(in_cargo_bin)
    } else {
        Err("cargo install tauri-driver failed".into())
    }
}

/// Whether a small tmpfs can be mounted here (root with CAP_SYS_ADMIN, as on the CI machines).
pub fn can_mount_tmpfs() -> bool {
    let Ok(dir) = tempfile::tempdir() else {
        return false;
    };
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(dir.path())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if mounted {
        let _ = Command::new("umount").arg(dir.path()).status();
    }
    mounted
}
