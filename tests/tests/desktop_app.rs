//! The app on the desktop, beyond its own windows: missed-call notifications with "Call back",
//! the hotkey that calls the number in the clipboard, and windows that come back where they
//! were. The real app under Xvfb (WebDriver through `tauri-driver`), the Vega simulator on
//! 127.0.0.1, a notification server on the real session bus (`callpop_tests::desktop`), `xclip`
//! and `xdotool` on the same display. `scripts/test.sh` runs it; plain `cargo test` leaves it out.
//!
//! The tests take turns: there is one notification server name, one clipboard and one keyboard.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use callpop_core::config::DesktopSettings;
use callpop_core::Config;
use callpop_sim::vega::Scenario;
use callpop_tests::desktop::{press_keys, set_clipboard, NotificationServer};
use callpop_tests::vega_desk::VegaDesk;
use callpop_tests::webdriver::{
    save_desktop_screenshot, switch_to, wait_for, workspace_dir, Driver,
};
use fantoccini::Client;

const DIRECTORY_CSV: &str = "ФИО;Компания;Телефон;Ответственный;Ссылка\n\
    Смирнов Алексей;ООО «Северный ветер»;8 (910) 123-45-67;Іван Іванов;https://crm.example.com/contacts/17\n";
/// The app's default hotkey, `CommandOrControl+Alt+Shift+C`, as xdotool writes it.
const HOTKEY_KEYS: &str = "ctrl+alt+shift+c";
/// Generous deadlines for things that happen "soon" (polled, never slept).
const SOON: Duration = Duration::from_secs(15);

/// One test at a time (see the module's comment).
static TAKING_TURNS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The real app on a simulated Vega account (its key in the real keyring) with a one-contact
/// directory, in its own config and data directories that outlive a restart of the app.
struct Desk(VegaDesk);

impl std::ops::Deref for Desk {
    type Target = VegaDesk;

    fn deref(&self) -> &VegaDesk {
        &self.0
    }
}

impl Desk {
    async fn new(test: &str, desktop: Option<DesktopSettings>) -> anyhow::Result<Desk> {
        let desk = Desk(VegaDesk::new(test, "desktop-simulator-key").await?);
        desk.save_config(desktop)?;
        let report = desk.store()?.import_csv(DIRECTORY_CSV.as_bytes())?;
        assert_eq!(report.imported, 1);
        Ok(desk)
    }

    fn save_config(&self, desktop: Option<DesktopSettings>) -> anyhow::Result<()> {
        self.0.save_config(Config {
            desktop,
            ..Default::default()
        })
    }

    /// Starts the app (in English) and opens a WebDriver session with it.
    async fn start_app(&self, args: &[&str]) -> anyhow::Result<RunningApp> {
        let (client, driver) = self.launch("en-US", args).await?;
        Ok(RunningApp {
            client,
            _driver: driver,
        })
    }

    fn finish(&self, result: anyhow::Result<()>) -> anyhow::Result<()> {
        if result.is_err() {
            save_desktop_screenshot("desktop-app-on-failure.png");
        }
        result
    }
}

/// The app under WebDriver; ended when its session closes.
struct RunningApp {
    client: Client,
    _driver: Driver,
}

impl RunningApp {
    async fn quit(self) {
        let _ = self.client.close().await;
    }

    /// Calls an app command from the current window, like the UI does.
    async fn invoke(&self, command: &str) -> anyhow::Result<serde_json::Value> {
        let script = "const done = arguments[arguments.length - 1];\
            window.__TAURI_INTERNALS__.invoke(arguments[0]).then(done, (e) => done({ failed: String(e) }));";
        Ok(self
            .client
            .execute_async(script, vec![serde_json::json!(command)])
            .await?)
    }

    /// Switches to the settings window (its page's title, whatever the language, says so).
    async fn switch_to_settings(&self) -> anyhow::Result<()> {
        let deadline = Instant::now() + SOON;
        loop {
            for handle in self.client.windows().await? {
                self.client.switch_to_window(handle).await?;
                let title = self.client.title().await?.to_lowercase();
                if title.contains("settings") || title.contains("настройки") {
                    return Ok(());
                }
            }
            anyhow::ensure!(Instant::now() < deadline, "no settings window");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits until the app's hotkey is registered (or says why not).
    async fn hotkey_status(&self) -> anyhow::Result<serde_json::Value> {
        switch_to(&self.client, "Callpop card").await?;
        let deadline = Instant::now() + SOON;
        loop {
            let status = self.invoke("hotkey_status").await?;
            if !status["hotkey"].is_null() || !status["error"].is_null() {
                return Ok(status);
            }
            anyhow::ensure!(Instant::now() < deadline, "no hotkey status: {status}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, a session bus with a Secret Service, tauri-driver: run scripts/test.sh"]
async fn a_missed_call_is_notified_once_with_the_contact_and_call_back_calls_the_number(
) -> anyhow::Result<()> {
    let _turn = TAKING_TURNS.lock().await;
    let notifications = NotificationServer::start().await?;
    let desk = Desk::new("notify", None).await?;
    let app = desk.start_app(&[]).await?;
    let result = async {
        desk.sim.play(Scenario::MissedIncoming {
            customer: "+79101234567".into(),
            employee: "001".into(),
            ring_secs: 1.0,
            pbx_contacts: vec![],
        })?;
        let known = notifications
            .wait_for("for the known number", SOON, |n| {
                n.body.contains("+7 910 123-45-67")
            })
            .await?;
        assert_eq!(known.app_name, "Callpop");
        assert_eq!(known.summary, "Missed call");
        assert_eq!(
            known.body,
            "Смирнов Алексей · ООО «Северный ветер»\n+7 910 123-45-67"
        );
        assert_eq!(known.action("call-back"), Some("Call back"));
        assert_eq!(known.action("default"), Some("Open Callpop"));

        // A second missed call, from a number nobody knows: after it is notified, the first
        // one has not been notified again (events reach the notifications in order).
        desk.sim.play(Scenario::MissedIncoming {
            customer: "+74951112233".into(),
            employee: "001".into(),
            ring_secs: 1.0,
            pbx_contacts: vec![],
        })?;
        let unknown = notifications
            .wait_for("for the unknown number", SOON, |n| {
                n.body.contains("+7 495 111-22-33")
            })
            .await?;
        assert_eq!(unknown.body, "+7 495 111-22-33", "no contact to name");
        let shown = notifications.shown();
        assert_eq!(
            shown.len(),
            2,
            "one notification per missed call: {shown:#?}"
        );

        // "Call back" on the first: the PBX rings my phone, then the contact.
        assert!(desk.sim.calls_made().is_empty());
        notifications.invoke_action(known.id, "call-back").await?;
        let calls = desk.wait_for_call_to("+79101234567").await?;
        assert_eq!(calls, 1, "one click, one call");

        // A click on the second notification itself opens the main window. The app listens for
        // the click only once the server has answered its request to show the notification, so
        // on a busy machine a click sent right after the showing can come before the listening;
        // a person clicks again when nothing happens, and so does this test.
        let mut clicks = 0;
        let opened = loop {
            notifications.invoke_action(unknown.id, "default").await?;
            clicks += 1;
            match switch_to(&app.client, "Callpop").await {
                Err(e) if clicks < 3 => eprintln!("click {clicks} on the notification: {e:#}"),
                opened => break opened,
            }
        };
        opened?;
        wait_for(&app.client, "document.visibilityState === 'visible'", SOON)
            .await
            .context("the main window is shown")?;
        anyhow::Ok(())
    }
    .await;
    app.quit().await;
    desk.finish(result)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, a session bus with a Secret Service, tauri-driver: run scripts/test.sh"]
async fn missed_call_notifications_turned_off_in_the_config_stay_off() -> anyhow::Result<()> {
    let _turn = TAKING_TURNS.lock().await;
    let notifications = NotificationServer::start().await?;
    let off = DesktopSettings {
        missed_call_notifications: Some(false),
        call_clipboard_hotkey: None,
    };
    let desk = Desk::new("notify-off", Some(off)).await?;
    let app = desk.start_app(&[]).await?;
    let result = async {
        switch_to(&app.client, "Callpop card").await?;
        desk.sim.play(Scenario::MissedIncoming {
            customer: "+79101234567".into(),
            employee: "001".into(),
            ring_secs: 1.0,
            pbx_contacts: vec![],
        })?;
        // The notification is decided before the card shows the call as missed.
        wait_for(
            &app.client,
            "document.querySelector('.card[data-state=missed]')",
            SOON,
        )
        .await?;
        // Turned back on (the setting is read at each call): the next missed call is notified,
        // and it is the only one.
        desk.save_config(None)?;
        desk.sim.play(Scenario::MissedIncoming {
            customer: "+74951112233".into(),
            employee: "001".into(),
            ring_secs: 1.0,
            pbx_contacts: vec![],
        })?;
        notifications
            .wait_for("for the call after turning them on", SOON, |n| {
                n.body.contains("+7 495 111-22-33")
            })
            .await?;
        let shown = notifications.shown();
        assert_eq!(shown.len(), 1, "nothing while off: {shown:#?}");
        anyhow::Ok(())
    }
    .await;
    app.quit().await;
    desk.finish(result)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, a session bus with a Secret Service, tauri-driver: run scripts/test.sh"]
async fn the_hotkey_calls_the_number_in_the_clipboard_or_says_there_is_none() -> anyhow::Result<()>
{
    let _turn = TAKING_TURNS.lock().await;
    let notifications = NotificationServer::start().await?;
    let desk = Desk::new("hotkey", None).await?;
    let app = desk.start_app(&["--open"]).await?;
    let result = async {
        let status = app.hotkey_status().await?;
        assert_eq!(
            status["hotkey"], "CommandOrControl+Alt+Shift+C",
            "the default hotkey is registered: {status}"
        );
        // Wait until the account is connected, or the call would wait for it (also fine, but
        // not what this test is about).
        switch_to(&app.client, "Callpop").await?;
        wait_for(
            &app.client,
            "document.querySelector('#status.online')",
            SOON,
        )
        .await?;

        set_clipboard("Перезвонить: +7 (495) 111-22-33, после обеда")?;
        press_keys(HOTKEY_KEYS)?;
        let calls = desk.wait_for_call_to("+74951112233").await?;
        assert_eq!(calls, 1);

        set_clipboard("встреча в 10.30")?;
        press_keys(HOTKEY_KEYS)?;
        let message = notifications
            .wait_for("about the clipboard", SOON, |n| {
                n.summary == "No phone number in the clipboard"
            })
            .await?;
        assert_eq!(message.body, "«встреча в 10.30»");
        assert_eq!(desk.sim.calls_made().len(), 1, "no call without a number");

        // A second Callpop (another configuration: its demo) cannot have the same hotkey: it
        // says so instead of failing.
        let other = tempfile::tempdir()?;
        let other_config = other.path().join("config.toml");
        Config {
            desktop: Some(DesktopSettings {
                missed_call_notifications: Some(false),
                call_clipboard_hotkey: None,
            }),
            ..Default::default()
        }
        .save_to(&other_config)?;
        let mut second = std::process::Command::new(workspace_dir().join("target/debug/callpop"))
            .env("CALLPOP_CONFIG", &other_config)
            .env("CALLPOP_DATA_DIR", other.path().join("data"))
            .env("CALLPOP_LOCALE", "en-US")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()?;
        let taken = notifications
            .wait_for("about the taken hotkey", SOON, |n| {
                n.summary == "Callpop's hotkey does not work"
            })
            .await;
        let _ = second.kill();
        let _ = second.wait();
        let taken = taken?;
        assert!(
            taken
                .body
                .starts_with("CommandOrControl+Alt+Shift+C is taken by another program"),
            "{}",
            taken.body
        );
        anyhow::Ok(())
    }
    .await;
    app.quit().await;
    desk.finish(result)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, a session bus with a Secret Service, tauri-driver: run scripts/test.sh"]
async fn windows_come_back_where_they_were_and_the_card_stays_in_its_corner() -> anyhow::Result<()>
{
    let _turn = TAKING_TURNS.lock().await;
    let desk = Desk::new("places", None).await?;
    let places = desk.home().join("window-state.json");
    let main_place = (120, 90, 800, 560);
    // Clear of the caller card's corner (x ≥ 954 on the 1366×768 test screen): a place under it
    // is moved out of it when the window opens (first_run_app.rs).
    let settings_place = (200, 150, 700, 500);

    // 1. The main window moved and resized: written while the app runs (it is usually killed
    // or ended with the session, seldom quit).
    let app = desk.start_app(&["--open"]).await?;
    let result = async {
        switch_to(&app.client, "Callpop").await?;
        let (x, y, width, height) = main_place;
        app.client.set_window_rect(x, y, width, height).await?;
        wait_for_file_with(&places, "\"width\": 800").await
    }
    .await;
    app.quit().await;
    if result.is_err() {
        return desk.finish(result);
    }

    // 2. Started in the tray (the main window never shown): the settings window is moved; the
    // main window's place is kept, not replaced by where a hidden window seems to be.
    let app = desk.start_app(&[]).await?;
    let result = async {
        switch_to(&app.client, "Callpop card").await?;
        app.invoke("open_settings").await?;
        app.switch_to_settings().await?;
        let (x, y, width, height) = settings_place;
        app.client.set_window_rect(x, y, width, height).await?;
        wait_for_file_with(&places, "\"width\": 700").await?;
        let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&places)?)?;
        let main = &saved["main"];
        assert_eq!(
            (&main["x"], &main["y"], &main["width"], &main["height"]),
            (
                &serde_json::json!(main_place.0),
                &serde_json::json!(main_place.1),
                &serde_json::json!(main_place.2),
                &serde_json::json!(main_place.3)
            ),
            "the main window's place is kept: {saved}"
        );
        anyhow::Ok(())
    }
    .await;
    app.quit().await;
    if result.is_err() {
        return desk.finish(result);
    }

    // 3. Both come back where they were; the card still pops in the screen's corner.
    let app = desk.start_app(&["--open"]).await?;
    let result = async {
        switch_to(&app.client, "Callpop").await?;
        let rect = app.client.get_window_rect().await?;
        assert_eq!(rect, widen(main_place), "the main window is where it was");
        app.invoke("open_settings").await?;
        app.switch_to_settings().await?;
        let rect = app.client.get_window_rect().await?;
        assert_eq!(rect, widen(settings_place), "settings are where they were");

        desk.sim.play(Scenario::MissedIncoming {
            customer: "+79101234567".into(),
            employee: "001".into(),
            ring_secs: 3.0,
            pbx_contacts: vec![],
        })?;
        switch_to(&app.client, "Callpop card").await?;
        wait_for(&app.client, "document.querySelector('.card')", SOON).await?;
        let (x, y, width, height) = app.client.get_window_rect().await?;
        // Xvfb's 1366×768 screen has no panels: the work area is the screen; 16 px margin.
        assert_eq!(
            (x + width, y + height),
            (1366 - 16, 768 - 16),
            "bottom right"
        );
        anyhow::Ok(())
    }
    .await;
    app.quit().await;
    desk.finish(result)
}

/// A window rect as WebDriver answers it.
fn widen((x, y, width, height): (u32, u32, u32, u32)) -> (u64, u64, u64, u64) {
    (x.into(), y.into(), width.into(), height.into())
}

/// Waits until the file at `path` contains `text`.
async fn wait_for_file_with(path: &Path, text: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + SOON;
    loop {
        let content = std::fs::read_to_string(path).unwrap_or_default();
        if content.contains(text) {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "{} never said {text}: {content:?}",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
