/// Every command the UI may invoke. tauri-build generates an `allow-<name>` permission for each,
/// and capabilities/ grants them explicitly: a command missing here cannot be called at all.
const COMMANDS: &[&str] = &[
    "garage",
    "due_list",
    "presets",
    "add_bike",
    "add_component",
    "add_ride",
    "mark_done",
    "delete_service",
    "mount_component",
    "load_demo",
    "edit_bike",
    "list_rides",
    "edit_rule",
    "snooze_until",
    "snooze_for_use",
    "edit_component",
    "rule_services",
    "move_component",
    "shelve_component",
    "replace_component",
    "retire_component",
    "add_rule",
    "delete_rule",
    "edit_ride",
    "strava_status",
    "strava_connect",
    "strava_cancel_connect",
    "strava_sync_now",
    "strava_disconnect",
    "unassigned_rides",
    "assign_ride",
    "settings_get",
    "settings_set",
    "notification_settings",
    "save_notification_settings",
    "set_secret",
    "send_test",
    "delivery_health",
    "retry_failed",
    "check_now",
    "devices_status",
    "devices_set_up",
    "devices_sync_now",
    "devices_forget",
    "devices_set_name",
    "devices_set_interval",
    "devices_set_forwarding",
    "devices_dismiss_notice",
];

fn main() {
    println!("cargo:rerun-if-changed=../capabilities");
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("../capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        // A build script can only report by failing; say why.
        panic!("tauri-build failed: {e:#}");
    }
}
