//! The desktop around the app under test: a notification server on the real D-Bus session bus,
//! the X clipboard (`xclip`) and the keyboard (`xdotool`), on the display the app runs on.
//!
//! [`NotificationServer`] implements the freedesktop Notifications interface
//! (<https://specifications.freedesktop.org/notification-spec/latest/>): it records each `Notify`
//! call and, when the test acts for the user, emits `ActionInvoked` and `NotificationClosed`
//! exactly as a real server does after a click.

use std::collections::HashMap;
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use zbus::zvariant::OwnedValue;

const BUS_NAME: &str = "org.freedesktop.Notifications";
const OBJECT_PATH: &str = "/org/freedesktop/Notifications";
/// The spec's reason code for a notification closed by the user.
const CLOSED_BY_USER: u32 = 2;

/// One `Notify` call as the server received it.
#[derive(Debug, Clone)]
pub struct Shown {
    /// The id the server gave it.
    pub id: u32,
    /// The sender's name.
    pub app_name: String,
    /// The first line.
    pub summary: String,
    /// The text under it.
    pub body: String,
    /// `(action key, label)` pairs, in order.
    pub actions: Vec<(String, String)>,
}

impl Shown {
    /// The label of the action `key`, if offered.
    pub fn action(&self, key: &str) -> Option<&str> {
        self.actions
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, label)| label.as_str())
    }
}

#[derive(Default)]
struct Received {
    shown: Vec<Shown>,
}

struct Notifications {
    received: Arc<Mutex<Received>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Notifications {
    fn get_capabilities(&self) -> Vec<String> {
        ["actions", "body", "body-markup"]
            .map(String::from)
            .to_vec()
    }

    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut received = self.received.lock().expect("received lock");
        let id = received.shown.len() as u32 + 1;
        received.shown.push(Shown {
            id,
            app_name,
            summary,
            body,
            actions: actions
                .chunks(2)
                .map(|pair| (pair[0].clone(), pair.get(1).cloned().unwrap_or_default()))
                .collect(),
        });
        id
    }

    fn close_notification(&self, _id: u32) {}

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "callpop-tests".into(),
            "callpop".into(),
            "0.1".into(),
            "1.2".into(),
        )
    }
}

/// A notification server owning `org.freedesktop.Notifications` on the session bus; releases
/// the name when dropped.
pub struct NotificationServer {
    connection: zbus::Connection,
    received: Arc<Mutex<Received>>,
}

impl NotificationServer {
    /// Takes the name on the session bus (`DBUS_SESSION_BUS_ADDRESS`); fails when another server
    /// holds it.
    pub async fn start() -> anyhow::Result<NotificationServer> {
        let received = Arc::new(Mutex::new(Received::default()));
        let connection = zbus::connection::Builder::session()?
            .serve_at(
                OBJECT_PATH,
                Notifications {
                    received: received.clone(),
                },
            )?
            .name(BUS_NAME)?
            .build()
            .await
            .context("owning org.freedesktop.Notifications on the session bus (is another notification server running?)")?;
        Ok(NotificationServer {
            connection,
            received,
        })
    }

    /// Every notification received so far, in order.
    pub fn shown(&self) -> Vec<Shown> {
        self.received.lock().expect("received lock").shown.clone()
    }

    /// Waits for a notification that `matches`, polling up to `within`.
    pub async fn wait_for(
        &self,
        what: &str,
        within: Duration,
        matches: impl Fn(&Shown) -> bool,
    ) -> anyhow::Result<Shown> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(found) = self.shown().into_iter().find(|shown| matches(shown)) {
                return Ok(found);
            }
            if Instant::now() > deadline {
                bail!("no notification {what}; received: {:#?}", self.shown());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// What a click on the action `key` of notification `id` makes a server send: the action,
    /// then the notification's closing.
    pub async fn invoke_action(&self, id: u32, key: &str) -> anyhow::Result<()> {
        self.connection
            .emit_signal(
                None::<()>,
                OBJECT_PATH,
                BUS_NAME,
                "ActionInvoked",
                &(id, key),
            )
            .await?;
        self.connection
            .emit_signal(
                None::<()>,
                OBJECT_PATH,
                BUS_NAME,
                "NotificationClosed",
                &(id, CLOSED_BY_USER),
            )
            .await?;
        Ok(())
    }
}

/// Puts `text` in the X clipboard (`xclip`, which keeps serving it in the background until
/// another program takes the clipboard).
pub fn set_clipboard(text: &str) -> anyhow::Result<()> {
    let mut xclip = Command::new("xclip")
        .args(["-selection", "clipboard", "-in"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting xclip (scripts/setup.sh installs it)")?;
    xclip
        .stdin
        .take()
        .context("xclip's input")?
        .write_all(text.as_bytes())?;
    let status = xclip.wait()?;
    anyhow::ensure!(status.success(), "xclip failed: {status}");
    Ok(())
}

/// Presses a key combination (`ctrl+alt+shift+c`) on the X display.
pub fn press_keys(keys: &str) -> anyhow::Result<()> {
    let status = Command::new("xdotool")
        .args(["key", "--clearmodifiers", keys])
        .status()
        .context("starting xdotool (scripts/setup.sh installs it)")?;
    anyhow::ensure!(status.success(), "xdotool key {keys} failed: {status}");
    Ok(())
}

/// The windows below `root` (itself included) titled `title`: their `_NET_WM_NAME`, else their
/// `WM_NAME`.
pub fn windows_named(
    conn: &impl x11rb::connection::Connection,
    root: u32,
    title: &str,
) -> anyhow::Result<Vec<u32>> {
    use x11rb::protocol::xproto::{AtomEnum, ConnectionExt as _};

    let atom =
        |name: &[u8]| -> anyhow::Result<u32> { Ok(conn.intern_atom(false, name)?.reply()?.atom) };
    let (net_wm_name, utf8_string) = (atom(b"_NET_WM_NAME")?, atom(b"UTF8_STRING")?);
    let mut to_visit = vec![root];
    let mut titled = Vec::new();
    while let Some(window) = to_visit.pop() {
        let mut name = conn
            .get_property(false, window, net_wm_name, utf8_string, 0, 256)?
            .reply()?
            .value;
        if name.is_empty() {
            name = conn
                .get_property(false, window, AtomEnum::WM_NAME, AtomEnum::STRING, 0, 256)?
                .reply()?
                .value;
        }
        if name == title.as_bytes() {
            titled.push(window);
        }
        to_visit.extend(conn.query_tree(window)?.reply()?.children);
    }
    Ok(titled)
}

/// Asks the windows titled `title` to close the way a window manager does when the user clicks
/// a window's close button: a `WM_DELETE_WINDOW` message (ICCCM 4.2.8.1) on `$DISPLAY`. Errors
/// when no window has that title.
pub fn close_window_titled(title: &str) -> anyhow::Result<()> {
    use x11rb::connection::Connection as _;
    use x11rb::protocol::xproto::{ClientMessageEvent, ConnectionExt as _, EventMask};

    let (conn, screen) = x11rb::connect(None).context("connecting to the X display")?;
    let atom =
        |name: &[u8]| -> anyhow::Result<u32> { Ok(conn.intern_atom(false, name)?.reply()?.atom) };
    let wm_protocols = atom(b"WM_PROTOCOLS")?;
    let wm_delete_window = atom(b"WM_DELETE_WINDOW")?;
    let titled = windows_named(&conn, conn.setup().roots[screen].root, title)?;
    anyhow::ensure!(!titled.is_empty(), "no X window is titled {title:?}");
    for window in titled {
        let message = ClientMessageEvent::new(
            32,
            window,
            wm_protocols,
            [wm_delete_window, x11rb::CURRENT_TIME, 0, 0, 0],
        );
        conn.send_event(false, window, EventMask::NO_EVENT, message)?;
    }
    conn.flush()?;
    Ok(())
}
