//! Callpop as the desktop's handler of `tel:` and `callto:` links (the settings' switch), through
//! tauri-plugin-deep-link: on Linux a `callpop-handler.desktop` entry and `xdg-mime default`, on
//! Windows the per-user URL classes. The Debian package's own desktop entry counts too.

use std::process::Command;

use tauri::AppHandle;
use tauri_plugin_deep_link::DeepLinkExt as _;

/// The link schemes Callpop dials.
pub const SCHEMES: [&str; 2] = ["tel", "callto"];
/// The desktop entry the Debian package installs (`packaging/linux/callpop.desktop`).
const PACKAGE_ENTRY: &str = "callpop.desktop";

/// Whether Callpop handles every scheme in [`SCHEMES`] now; why that cannot be told or
/// changed on this system.
pub fn status(app: &AppHandle) -> Result<bool, String> {
    for scheme in SCHEMES {
        let registered = app
            .deep_link()
            .is_registered(scheme)
            .map_err(|e| describe(&e))?;
        if !registered && !package_handles(scheme) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Makes Callpop the handler of [`SCHEMES`] (`on`), or stops being it; answers the status after.
pub fn set(app: &AppHandle, on: bool) -> Result<bool, String> {
    for scheme in SCHEMES {
        let changed = if on {
            app.deep_link().register(scheme)
        } else {
            app.deep_link().unregister(scheme)
        };
        changed.map_err(|e| format!("{scheme}: links: {}", describe(&e)))?;
    }
    status(app)
}

/// The installed package's entry is the desktop's default for `scheme` (Linux).
fn package_handles(scheme: &str) -> bool {
    cfg!(target_os = "linux")
        && Command::new("xdg-mime")
            .args(["query", "default", &format!("x-scheme-handler/{scheme}")])
            .output()
            .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == PACKAGE_ENTRY)
}

fn describe(error: &tauri_plugin_deep_link::Error) -> String {
    match error {
        tauri_plugin_deep_link::Error::UnsupportedPlatform => crate::user_error::texts_now()
            .links_handler_set_at_install
            .to_owned(),
        other => other.to_string(),
    }
}
