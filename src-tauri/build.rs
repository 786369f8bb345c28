// The app's own commands get `allow-<command>` permissions generated here, and the capability
// file that grants exactly those is written from the same list (src/commands/list.rs). Nothing
// else is granted.

// Only the names are read here; the generated wrappers are the app's (src/commands/mod.rs).
macro_rules! commands {
    (
        $($module:ident::$name:ident),+ ;
        $($(#[$doc:meta])* $pass:ident($($args:tt)*) -> $out:ty = $context:ident |$ctx:ident| $call:expr),+ $(,)?
    ) => {
        const COMMANDS: &[&str] = &[$(stringify!($name),)+ $(stringify!($pass)),+];
    };
}

include!("src/commands/list.rs");

const CAPABILITY: &str = "capabilities/main.json";

/// The main window's capability: each command's permission, one by one.
fn capability() -> String {
    let permissions: Vec<String> = COMMANDS
        .iter()
        .map(|c| format!("    \"allow-{}\"", c.replace('_', "-")))
        .collect();
    format!(
        r#"{{
  "$schema": "../gen/schemas/desktop-schema.json",
  "identifier": "main-window",
  "description": "The main window may call only Keydesk's own commands. Written by build.rs from src/commands/list.rs: do not edit.",
  "windows": ["main"],
  "permissions": [
{}
  ]
}}
"#,
        permissions.join(",\n")
    )
}

fn main() {
    println!("cargo:rerun-if-changed=src/commands/list.rs");
    let wanted = capability();
    // Written only when it changes, so an unchanged build leaves the file (and its mtime) alone.
    if std::fs::read_to_string(CAPABILITY).ok().as_deref() != Some(wanted.as_str()) {
        std::fs::write(CAPABILITY, wanted).expect("write the capability file");
    }
    // tauri.conf.json sits at the workspace root (README.md, "Layout"), beside ui/ and icons/.
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).expect("tauri build script");
    // tauri-build does not watch the UI folder, which is embedded into the binary.
    println!("cargo:rerun-if-changed=../ui");
}
