//! Pins the contract between the webview and the Rust side: the commands the UI calls, the
//! permissions the capability file grants, and the handlers the app registers are one list.

use std::collections::BTreeSet;
use std::path::Path;

use keydesk_lib::COMMANDS;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn commands() -> BTreeSet<String> {
    COMMANDS.iter().map(|c| c.to_string()).collect()
}

#[test]
fn the_capability_grants_exactly_the_apps_commands() {
    let capability: serde_json::Value =
        serde_json::from_str(&read("capabilities/main.json")).unwrap();
    let granted: BTreeSet<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p.as_str()
                .expect("plain permission names, no scopes")
                .to_owned()
        })
        .collect();
    let expected: BTreeSet<String> = COMMANDS
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    assert_eq!(
        granted, expected,
        "no plugin or core permission, and every command granted"
    );
    assert_eq!(capability["windows"], serde_json::json!(["main"]));
}

#[test]
fn the_ui_calls_only_registered_commands_and_all_of_them() {
    let api = read("../ui/api.js");
    let called: BTreeSet<String> = api
        .split("call('")
        .skip(1)
        .filter_map(|rest| rest.split('\'').next())
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect();
    assert_eq!(called, commands());
    // The rest of the UI goes through api.js.
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "js") && !path.ends_with("api.js") {
            let source = std::fs::read_to_string(&path).unwrap();
            assert!(
                !source.contains("__TAURI__"),
                "{} reaches Tauri directly",
                path.display()
            );
            assert!(
                !source.contains("innerHTML"),
                "{} uses innerHTML",
                path.display()
            );
        }
    }
}

#[test]
fn no_command_is_declared_twice() {
    // Everything else follows from list.rs; a command written there twice would be registered
    // and granted twice.
    let unique: BTreeSet<&str> = COMMANDS.iter().copied().collect();
    assert_eq!(unique.len(), COMMANDS.len(), "a command is listed twice");
}

#[test]
fn the_csp_is_strict() {
    let conf: serde_json::Value = serde_json::from_str(&read("../tauri.conf.json")).unwrap();
    let csp = &conf["app"]["security"]["csp"];
    assert_eq!(csp["default-src"], "'self'");
    assert_eq!(csp["script-src"], "'self'");
    assert!(!csp.to_string().contains("unsafe"), "{csp}");
}
