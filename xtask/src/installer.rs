//! Issue 29: Keydesk's Windows installer, `Keydesk_<version>_x64-setup.exe`, made with
//! Debian's `makensis` from `xtask/windows/installer.nsi` around keydesk.exe, keydesk-cli.exe
//! and WebView2Loader.dll as cross-built with mingw. Tauri's bundler was not used: on Linux its NSIS
//! target downloads `nsis_tauri_utils.dll` from GitHub at build time (it is in no package
//! registry), and this project's builds use the registries only.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::bundle::{config, WINDOWS_TARGET};
use crate::system::ensure_packages;
use crate::{root, status, target_dir};

/// The setup program for the Windows build of `profile` ("debug" or "release"), whose
/// keydesk.exe and keydesk-cli.exe are already built.
pub fn make(profile: &str) -> Result<PathBuf, String> {
    ensure_packages(&["nsis"])?;
    let version = config()?.version.ok_or("tauri.conf.json has no version")?;
    let built = target_dir().join(WINDOWS_TARGET).join(profile);
    let bundle = target_dir().join("bundle").join(profile).join("nsis");
    let stage = bundle.join(".stage");
    let _ = std::fs::remove_dir_all(&stage);
    std::fs::create_dir_all(&stage).map_err(|e| format!("{}: {e}", stage.display()))?;
    for exe in ["keydesk.exe", "keydesk-cli.exe"] {
        let from = built.join(exe);
        let to = stage.join(exe);
        std::fs::copy(&from, &to).map_err(|e| format!("{}: {e}", from.display()))?;
        // Debug symbols are for debugging builds, not for what people install (a debug build's
        // keydesk.exe is mostly symbols; release builds are stripped already).
        let mut strip = Command::new("x86_64-w64-mingw32-strip");
        strip.arg(&to);
        status(strip)?;
    }
    // A mingw build of the app loads WebView2 through Microsoft's WebView2Loader.dll, which
    // the webview2-com-sys crate puts beside it (Microsoft's WebView2 SDK, redistributable);
    // Windows does not have it, so it is installed with keydesk.exe, as Tauri's bundler does.
    let loader = built.join("WebView2Loader.dll");
    std::fs::copy(&loader, stage.join("WebView2Loader.dll"))
        .map_err(|e| format!("{}: {e}", loader.display()))?;
    let setup = bundle.join(format!("Keydesk_{version}_x64-setup.exe"));
    let mut makensis = Command::new("makensis");
    makensis
        // Errors and warnings only; a warning fails the build (an unused define, a typo).
        .args(["-V2", "-WX"])
        .arg(format!("-DVERSION={version}"))
        .arg(define("SOURCE", &stage))
        .arg(define("ICON", &root().join("icons/icon.ico")))
        .arg(define("OUTFILE", &setup))
        .arg(root().join("xtask/windows/installer.nsi"));
    status(makensis)?;
    let _ = std::fs::remove_dir_all(&stage);
    Ok(setup)
}

fn define(name: &str, path: &Path) -> String {
    format!("-D{name}={}", path.display())
}
