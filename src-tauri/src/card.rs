//! The caller card: an always-on-top window created hidden at start, so that showing it on a call
//! costs no start-up time, placed in the bottom-right corner of the work area of the screen the
//! mouse is on (tray-relative positioning does not work on Linux).

use std::time::Duration;

use callpop_core::CallView;
use tauri::{
    AppHandle, Emitter, Manager, PhysicalPosition, PhysicalSize, WebviewUrl, WebviewWindow,
    WebviewWindowBuilder,
};

use crate::state::AppState;

/// The window's label; the UI and the tests find it by this.
pub const CARD_WINDOW: &str = "card";
/// Event carrying a `CallView` to the web UI.
pub const CALL_UPDATE_EVENT: &str = "call-update";
/// Event telling the UI a call's card is gone.
pub const CALL_REMOVED_EVENT: &str = "call-removed";
/// How long a finished call stays on screen, so the manager sees how it ended.
const LINGER_AFTER_END: Duration = Duration::from_secs(4);
/// Logical size of one card; several calls stack.
pub(crate) const CARD_WIDTH: f64 = 380.0;
pub(crate) const CARD_HEIGHT: f64 = 212.0;
/// Gap to the screen's edge, in logical pixels.
pub(crate) const MARGIN: f64 = 16.0;

/// Creates the hidden card window.
pub fn create_window(app: &AppHandle) -> tauri::Result<()> {
    let _window = WebviewWindowBuilder::new(app, CARD_WINDOW, WebviewUrl::App("card.html".into()))
        .title("Callpop card")
        .inner_size(CARD_WIDTH, CARD_HEIGHT)
        .resizable(false)
        .decorations(false)
        .always_on_top(true)
        .visible_on_all_workspaces(true)
        .skip_taskbar(true)
        // The card must not take the keyboard from what the manager is typing.
        .focused(false)
        .visible(false)
        .build()?;
    // `focused(false)` holds only while the window is created: on Windows the style keeps it.
    #[cfg(windows)]
    crate::win32::never_activate(_window.hwnd()?);
    Ok(())
}

/// WebKit's environment switch for drawing without GPU compositing.
#[cfg(target_os = "linux")]
const NO_COMPOSITING_ENV: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Makes WebKitGTK draw the windows in software, unless the user's environment says otherwise.
/// With GPU compositing the card's first showing after the start set WebKit's GL compositor up
/// and took ~120 ms from the call reaching the page to the card on screen (later ones ~20 ms);
/// without it the first takes ~30 ms as well. The windows are small, mostly static pages that
/// gain nothing from the GPU. Call first thing in `main`, before any thread or window exists
/// (switching a page that is already loaded made WebKit end it as hung).
pub fn prefer_software_drawing() {
    #[cfg(target_os = "linux")]
    if std::env::var_os(NO_COMPOSITING_ENV).is_none() {
        std::env::set_var(NO_COMPOSITING_ENV, "1");
    }
}

/// Shows a change of a call: updates the card, shows it, and hides it a while after the end.
pub fn show_update(app: &AppHandle, view: CallView) {
    let state = app.state::<AppState>();
    let count = {
        let mut cards = state.cards.lock().expect("cards lock");
        cards.insert(view.call_id.clone(), view.clone());
        cards.len()
    };
    if let Err(e) = app.emit(CALL_UPDATE_EVENT, &view) {
        tracing::warn!("cannot send the call to the card: {e}");
    }
    if let Some(window) = app.get_webview_window(CARD_WINDOW) {
        if let Err(e) = place_and_show(app, &window, count) {
            tracing::warn!("cannot show the card: {e}");
        }
    }
    if view.state.is_final() {
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(LINGER_AFTER_END).await;
            remove_if_finished(&app, &view.call_id);
        });
    }
}

/// Takes a call off the card (the user closed it); hides the window when none is left.
pub fn remove(app: &AppHandle, call_id: &str) {
    let state = app.state::<AppState>();
    let left = {
        let mut cards = state.cards.lock().expect("cards lock");
        cards.remove(call_id);
        cards.len()
    };
    let _ = app.emit(CALL_REMOVED_EVENT, call_id);
    if let Some(window) = app.get_webview_window(CARD_WINDOW) {
        let result = if left == 0 {
            hide(&window)
        } else {
            place_and_show(app, &window, left)
        };
        if let Err(e) = result {
            tracing::warn!("cannot update the card window: {e}");
        }
    }
}

fn remove_if_finished(app: &AppHandle, call_id: &str) {
    let finished = app
        .state::<AppState>()
        .cards
        .lock()
        .expect("cards lock")
        .get(call_id)
        .is_some_and(|view| view.state.is_final());
    if finished {
        remove(app, call_id);
    }
}

fn place_and_show(app: &AppHandle, window: &WebviewWindow, cards: usize) -> tauri::Result<()> {
    let monitor = app
        .cursor_position()
        .ok()
        .and_then(|p| app.monitor_from_point(p.x, p.y).ok().flatten())
        .or(app.primary_monitor()?);
    let Some(monitor) = monitor else {
        return show(window, None);
    };
    let scale = monitor.scale_factor();
    let area = monitor.work_area();
    let width = (CARD_WIDTH * scale) as u32;
    let max_height = area
        .size
        .height
        .saturating_sub((2.0 * MARGIN * scale) as u32);
    let height = ((CARD_HEIGHT * cards.max(1) as f64 * scale) as u32).min(max_height);
    let margin = (MARGIN * scale) as i32;
    let place = (
        PhysicalPosition::new(
            area.position.x + area.size.width as i32 - width as i32 - margin,
            area.position.y + area.size.height as i32 - height as i32 - margin,
        ),
        PhysicalSize::new(width, height),
    );
    show(window, Some(place))
}

/// Puts the card at `place` (when known) and on screen, without taking the keyboard focus.
#[cfg(not(windows))]
fn show(
    window: &WebviewWindow,
    place: Option<(PhysicalPosition<i32>, PhysicalSize<u32>)>,
) -> tauri::Result<()> {
    if let Some((position, size)) = place {
        window.set_size(size)?;
        window.set_position(position)?;
    }
    if !window.is_visible()? {
        window.show()?;
    }
    Ok(())
}

/// Windows: one `SetWindowPos` that places, raises and shows without activating (tao's `show`
/// would activate the card and take the focus from what the manager types).
#[cfg(windows)]
fn show(
    window: &WebviewWindow,
    place: Option<(PhysicalPosition<i32>, PhysicalSize<u32>)>,
) -> tauri::Result<()> {
    let hwnd = window.hwnd()?;
    let (position, size) = match place {
        Some(place) => place,
        None => (window.outer_position()?, window.outer_size()?),
    };
    crate::win32::show_without_focus(
        hwnd,
        position.x,
        position.y,
        size.width as i32,
        size.height as i32,
    )
    .map_err(|e| tauri::Error::Anyhow(e.into()))
}

fn hide(window: &WebviewWindow) -> tauri::Result<()> {
    #[cfg(windows)]
    crate::win32::hide(window.hwnd()?);
    #[cfg(not(windows))]
    window.hide()?;
    Ok(())
}
