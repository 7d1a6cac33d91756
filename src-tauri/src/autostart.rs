//! "Start at login". On Linux tauri-plugin-autostart's XDG autostart entry. On Windows the
//! `Callpop` value of the user's `Run` key, written here because the plugin writes the program's
//! path without quotes, which Windows splits at the first space (`C:\Users\Иван Петров\…`); the
//! installer's *Start at login* writes the same value.

use tauri::AppHandle;

/// Whether Callpop starts at login.
pub fn is_enabled(app: &AppHandle) -> Result<bool, String> {
    platform::is_enabled(app)
}

/// Starts Callpop at login, or stops doing so.
pub fn set(app: &AppHandle, on: bool) -> Result<(), String> {
    platform::set(app, on)
}

#[cfg(not(windows))]
mod platform {
    use tauri::AppHandle;
    use tauri_plugin_autostart::ManagerExt as _;

    pub fn is_enabled(app: &AppHandle) -> Result<bool, String> {
        app.autolaunch().is_enabled().map_err(|e| e.to_string())
    }

    pub fn set(app: &AppHandle, on: bool) -> Result<(), String> {
        let autolaunch = app.autolaunch();
        let changed = if on {
            autolaunch.enable()
        } else {
            autolaunch.disable()
        };
        changed.map_err(|e| e.to_string())
    }
}

#[cfg(windows)]
mod platform {
    use tauri::AppHandle;
    use windows_registry::CURRENT_USER;

    const RUN_KEY: &str = r"Software\Microsoft\Windows\CurrentVersion\Run";
    /// Where Task Manager's *Startup apps* records that the user turned an entry off.
    const APPROVED_KEY: &str =
        r"Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run";
    const VALUE: &str = "Callpop";

    pub fn is_enabled(_app: &AppHandle) -> Result<bool, String> {
        enabled()
    }

    pub fn set(_app: &AppHandle, on: bool) -> Result<(), String> {
        turn(on)
    }

    fn enabled() -> Result<bool, String> {
        let Ok(run) = CURRENT_USER.open(RUN_KEY) else {
            return Ok(false);
        };
        if run.get_string(VALUE).is_err() {
            return Ok(false);
        }
        // An odd first byte: turned off in Task Manager.
        let turned_off = CURRENT_USER
            .open(APPROVED_KEY)
            .and_then(|key| key.get_value(VALUE))
            .is_ok_and(|value| value.first().is_some_and(|byte| byte & 1 == 1));
        Ok(!turned_off)
    }

    fn turn(on: bool) -> Result<(), String> {
        let run = CURRENT_USER.create(RUN_KEY).map_err(|e| e.to_string())?;
        if on {
            let program = std::env::current_exe().map_err(|e| e.to_string())?;
            run.set_string(VALUE, format!("\"{}\"", program.display()))
                .map_err(|e| e.to_string())?;
            // Turned on here counts over an earlier "off" in Task Manager.
            if let Ok(approved) = CURRENT_USER.options().write().open(APPROVED_KEY) {
                let _ = approved.remove_value(VALUE);
            }
        } else if run.get_string(VALUE).is_ok() {
            run.remove_value(VALUE).map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// Runs under Wine in scripts/test-windows.sh, against the Wine prefix's registry.
        #[test]
        fn start_at_login_is_the_quoted_program_in_the_run_key_and_respects_task_manager() {
            turn(true).unwrap();
            let program = std::env::current_exe().unwrap();
            let written = CURRENT_USER
                .open(RUN_KEY)
                .unwrap()
                .get_string(VALUE)
                .unwrap();
            assert_eq!(written, format!("\"{}\"", program.display()));
            assert!(enabled().unwrap());

            // Turned off in Task Manager's Startup apps.
            let approved = CURRENT_USER.create(APPROVED_KEY).unwrap();
            approved
                .set_bytes(
                    VALUE,
                    windows_registry::Type::Bytes,
                    &[3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                )
                .unwrap();
            assert!(!enabled().unwrap(), "Task Manager's off counts");
            turn(true).unwrap();
            assert!(enabled().unwrap(), "turned on again in Callpop's settings");

            turn(false).unwrap();
            assert!(!enabled().unwrap());
            assert!(CURRENT_USER
                .open(RUN_KEY)
                .unwrap()
                .get_string(VALUE)
                .is_err());
            turn(false).unwrap();
        }
    }
}
