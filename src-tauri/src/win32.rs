//! The few things Windows needs done through its own API, beneath what Tauri offers: a message
//! box before any window exists, the app's identity for toast notifications, and a caller card
//! that appears without taking the keyboard focus.

use windows::core::{HSTRING, PCWSTR};
use windows::Win32::Foundation::HWND;
use windows::Win32::UI::Shell::SetCurrentProcessExplicitAppUserModelID;
use windows::Win32::UI::WindowsAndMessaging::{
    GetWindowLongPtrW, MessageBoxW, SetWindowLongPtrW, SetWindowPos, ShowWindow, GWL_EXSTYLE,
    HWND_TOPMOST, MB_ICONERROR, MB_OK, MB_SETFOREGROUND, SWP_NOACTIVATE, SWP_SHOWWINDOW, SW_HIDE,
    WS_EX_NOACTIVATE,
};

/// Callpop's AppUserModelID: the installer files it under
/// `HKCU\Software\Classes\AppUserModelId` and on the Start-menu shortcut; toasts name it so
/// Windows routes their buttons ("Call back") back to this process.
pub const APP_USER_MODEL_ID: &str = "org.callpop.desktop";

/// Shows an error message box and waits until it is closed.
pub fn message_box(title: &str, text: &str) {
    let (title, text) = (HSTRING::from(title), HSTRING::from(text));
    // SAFETY: both strings are NUL-terminated UTF-16 that outlive the call; no owner window.
    unsafe {
        MessageBoxW(
            None,
            PCWSTR(text.as_ptr()),
            PCWSTR(title.as_ptr()),
            MB_OK | MB_ICONERROR | MB_SETFOREGROUND,
        );
    }
}

/// Gives the process Callpop's AppUserModelID and makes sure Windows knows its name and icon,
/// also when Callpop was started without the installer (a copied folder, a developer build).
pub fn register_app_identity() {
    let id = HSTRING::from(APP_USER_MODEL_ID);
    // SAFETY: a NUL-terminated UTF-16 string that outlives the call.
    if let Err(e) = unsafe { SetCurrentProcessExplicitAppUserModelID(PCWSTR(id.as_ptr())) } {
        tracing::warn!("cannot set the AppUserModelID: {e}");
    }
    let key = format!(r"Software\Classes\AppUserModelId\{APP_USER_MODEL_ID}");
    if windows_registry::CURRENT_USER.open(&key).is_ok() {
        return;
    }
    let written = windows_registry::CURRENT_USER
        .create(&key)
        .and_then(|entry| {
            entry.set_string("DisplayName", "Callpop")?;
            if let Some(icon) = icon_beside_the_program() {
                entry.set_string("IconUri", icon)?;
            }
            Ok(())
        });
    if let Err(e) = written {
        tracing::warn!("cannot register Callpop for notifications: {e}");
    }
}

/// The icon the installer puts beside `callpop.exe`.
fn icon_beside_the_program() -> Option<String> {
    let icon = std::env::current_exe().ok()?.with_file_name("callpop.ico");
    icon.is_file().then(|| icon.display().to_string())
}

/// Marks the card's window as one that never becomes the active window, not even when clicked:
/// what the manager types keeps going where it went.
pub fn never_activate(window: HWND) {
    // SAFETY: `window` is the card's live top-level window; the call reads and sets its style.
    unsafe {
        let style = GetWindowLongPtrW(window, GWL_EXSTYLE);
        SetWindowLongPtrW(window, GWL_EXSTYLE, style | WS_EX_NOACTIVATE.0 as isize);
    }
}

/// Puts the card at `x, y` (physical pixels), `width × height`, topmost and shown, without
/// activating it. tao shows a window with `SW_SHOW`, which activates it and so would take the
/// keyboard focus from the manager's work at every call.
pub fn show_without_focus(
    window: HWND,
    x: i32,
    y: i32,
    width: i32,
    height: i32,
) -> windows::core::Result<()> {
    // SAFETY: `window` is the card's live top-level window.
    unsafe {
        SetWindowPos(
            window,
            Some(HWND_TOPMOST),
            x,
            y,
            width,
            height,
            SWP_NOACTIVATE | SWP_SHOWWINDOW,
        )
    }
}

/// Hides the card shown by [`show_without_focus`].
pub fn hide(window: HWND) {
    // SAFETY: `window` is the card's live top-level window.
    unsafe {
        let _ = ShowWindow(window, SW_HIDE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs under Wine in scripts/test-windows.sh, against the Wine prefix's registry.
    #[test]
    fn the_app_identity_is_filed_for_toasts() {
        let key = format!(r"Software\Classes\AppUserModelId\{APP_USER_MODEL_ID}");
        let _ = windows_registry::CURRENT_USER.remove_tree(&key);
        register_app_identity();
        let filed = windows_registry::CURRENT_USER.open(&key).unwrap();
        assert_eq!(filed.get_string("DisplayName").unwrap(), "Callpop");
    }
}
