//! The floor: one window, one page, one command the page calls when it has rendered — the same
//! signal Keydesk gives (see `page_ready` in Keydesk's shell).

#[tauri::command]
fn page_ready() {
    println!("ready");
}

fn main() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![page_ready])
        .run(tauri::generate_context!())
        .expect("the bare app runs");
}
