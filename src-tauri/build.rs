//! Builds the app's context, and the permissions of its commands: each command listed here gets
//! an `allow-<command>` permission, and a window may call only the commands its capability file
//! (capabilities/<window>.json) grants (tests/capabilities.rs keeps the three in step).

/// Every command `main.rs` registers (`tauri::generate_handler!`), by name.
const COMMANDS: &[&str] = &[
    "current_calls",
    "close_card",
    "open_url",
    "call_number",
    "status",
    "call_history",
    "hang_up",
    "sync_contacts",
    "sync_history",
    "presence",
    "refresh_presence",
    "set_dnd",
    "set_group_subscription",
    "employees",
    "set_me",
    "capabilities",
    "card_notes",
    "recording_data",
    "autodialer_status",
    "autodial_send",
    "autodial_call",
    "ui_locale",
    "settings_view",
    "providers",
    "open_settings",
    "close_settings",
    "test_connection",
    "save_account",
    "use_account",
    "remove_account",
    "save_relay",
    "set_language",
    "save_desktop",
    "set_autostart",
    "set_links_handler",
    "search_contacts",
    "contacts_page",
    "import_contacts",
    "crm_contact",
    "crm_employees",
    "crm_create",
    "crm_update",
    "crm_delete",
    "crm_upload_candidates",
    "crm_upload",
    "crm_notes",
    "crm_add_note",
    "crm_update_note",
    "crm_delete_note",
    "hotkey_status",
];

fn main() {
    let acl = tauri_build::AppManifest::new().commands(COMMANDS);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(acl))
        .expect("tauri-build: the app's context and permissions");
}
