// The app's own commands get `allow-<command>` permissions generated here; the capability file
// in capabilities/ then grants them one by one. Nothing else is granted.
include!("src/commands/names.rs");

fn main() {
    // tauri.conf.json sits at the workspace root (see DEVELOPERS.md), beside ui/ and icons/.
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).expect("tauri build script");
    // tauri-build does not watch the UI folder, which is embedded into the binary.
    println!("cargo:rerun-if-changed=../ui");
}
