//! The first run as a newcomer meets it, on the screens offices have (1366×768, 1280×720,
//! 1920×1080): a fresh profile (no config, no data directory, not even the config's directory),
//! the real app on an `Xvfb` of that size, the windows measured where the X server has them.
//!
//! - The set-up wizard opens over the demo; the demo's calls wait while it is open (the app's
//!   log says its next call waits, and no card is on screen), and the wizard's buttons are clear
//!   of the place the caller card takes.
//! - Once the wizard is closed the calls go on: the card shows where it was expected, and the
//!   settings window opened beside it is clear of it too.
//! - The window places are saved without a warning: their directory is made first.
//!
//! Screenshots: `target/screenshots/first-run-WxH.png` (the wizard, the demo waiting) and
//! `first-run-WxH-card.png` (the settings window beside a demo call's card).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use callpop_tests::screen::{Rect, Screen};
use callpop_tests::vega_desk::app_binary;
use callpop_tests::webdriver::{click, connect, free_port, start_driver_with, switch_to, wait_for};
use fantoccini::Client;

/// Generous: the app starts, WebKit draws, the X server maps.
const WITHIN: Duration = Duration::from_secs(20);
/// A demo call starts every ~20 s; the first one after the hold is lifted comes at once.
const CARD_WITHIN: Duration = Duration::from_secs(30);
const WIZARD_TITLE: &str = "Callpop settings";
/// The X titles the app gives its windows (English).
const SETTINGS_X_TITLE: &str = "Callpop — settings";
const CARD_X_TITLE: &str = "Callpop card";
/// The card as `src-tauri/src/card.rs` places one: logical size and margin, bottom right of the
/// work area (the whole screen here: Xvfb has no panels), at scale 1.
const CARD: (f64, f64, f64) = (380.0, 212.0, 16.0);
/// What the app logs while the demo's next call waits (crates/sim's demo loop).
const DEMO_WAITS: &str = "demo: the next call waits until the hold is lifted";
const DEMO_GOES_ON: &str = "demo: the hold is lifted";
/// The warning a fresh profile used to log: the window places' directory did not exist.
const PLACES_WARNING: &str = "cannot save where the windows are";

fn card_place(screen: &Screen) -> Rect {
    let (width, height, margin) = CARD;
    Rect {
        x: f64::from(screen.width) - width - margin,
        y: f64::from(screen.height) - height - margin,
        width,
        height,
    }
}

/// Waits until `check` holds, saying `what` when it never does.
async fn until(what: &str, within: Duration, check: impl Fn() -> bool) -> anyhow::Result<()> {
    let deadline = Instant::now() + within;
    while !check() {
        anyhow::ensure!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

fn log_text(log: &Path) -> String {
    std::fs::read_to_string(log).unwrap_or_default()
}

/// The one mapped window titled `title`.
fn the_window(screen: &Screen, title: &str) -> anyhow::Result<Rect> {
    let windows = screen.windows_titled(title)?;
    match windows.as_slice() {
        [one] => Ok(*one),
        _ => anyhow::bail!("{} windows titled {title:?} on screen", windows.len()),
    }
}

/// Where the current WebDriver window's elements matching `selectors` are on the screen: the
/// page's rectangles moved by where its X window is (`window`), the page at its bottom.
async fn on_screen(
    client: &Client,
    window: Rect,
    selectors: &[&str],
) -> anyhow::Result<Vec<(String, Rect)>> {
    let mut found = Vec::new();
    for selector in selectors {
        let value = client
            .execute(
                "const e = document.querySelector(arguments[0]); \
                 if (!e || e.offsetParent === null) return null; \
                 const r = e.getBoundingClientRect(); \
                 return [r.x, r.y, r.width, r.height, window.innerWidth, window.innerHeight];",
                vec![serde_json::json!(selector)],
            )
            .await?;
        let Some(numbers) = value.as_array() else {
            anyhow::bail!("{selector} is not shown");
        };
        let n: Vec<f64> = numbers.iter().filter_map(|v| v.as_f64()).collect();
        anyhow::ensure!(n.len() == 6, "{selector}: {value}");
        // Anything above the page (a title bar, were there a window manager) is the difference.
        let (left, top) = (
            window.x + (window.width - n[4]) / 2.0,
            window.y + (window.height - n[5]),
        );
        found.push((
            (*selector).to_owned(),
            Rect {
                x: left + n[0],
                y: top + n[1],
                width: n[2],
                height: n[3],
            },
        ));
    }
    Ok(found)
}

/// One screen size: the wizard with the demo waiting, then the settings beside a card.
async fn first_run_on(width: u32, height: u32) -> anyhow::Result<()> {
    let screen = Screen::start(width, height)?;
    let home = tempfile::tempdir()?;
    // A fresh profile: neither the config's directory nor the data directory exists.
    let config_dir = home.path().join(".config/callpop");
    let config = config_dir.join("config.toml");
    let data_dir = home.path().join(".local/share/callpop");
    let log = home.path().join("app.log");
    let (data_home, config_home) = (
        home.path().join(".local/share"),
        home.path().join(".config"),
    );
    // The app logs to its standard output, which the WebDriver drops: a wrapper keeps it.
    let wrapper = home.path().join("callpop-logged");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nexec '{}' \"$@\" >'{}' 2>&1\n",
            app_binary()?.display(),
            log.display()
        ),
    )?;
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )?;
    let port = free_port();
    let _driver = start_driver_with(
        port,
        &config,
        &data_dir,
        "en-US",
        &[
            ("DISPLAY", std::ffi::OsStr::new(&screen.display)),
            ("HOME", home.path().as_os_str()),
            ("XDG_DATA_HOME", data_home.as_os_str()),
            ("XDG_CONFIG_HOME", config_home.as_os_str()),
        ],
    )?;
    let client = connect(port, &wrapper, &[]).await?;
    let size = format!("{width}x{height}");
    let result = async {
        switch_to(&client, WIZARD_TITLE).await?;
        wait_for(
            &client,
            "document.querySelector('input[name=provider][value=vega]')",
            WITHIN,
        )
        .await?;

        // The demo's first call is due a few seconds after the start: it waits instead.
        until(&format!("{DEMO_WAITS:?} in the app's log"), WITHIN, || {
            log_text(&log).contains(DEMO_WAITS)
        })
        .await
        .with_context(|| format!("the demo does not hold its calls; log:\n{}", log_text(&log)))?;
        anyhow::ensure!(
            screen.windows_titled(CARD_X_TITLE)?.is_empty(),
            "{size}: a caller card is on screen while the wizard is open"
        );
        assert_eq!(
            wait_for(
                &client,
                "document.querySelector('#w-demo-waits').textContent",
                WITHIN
            )
            .await?,
            "The demo's calls wait while this window is open."
        );

        // The connection step has the most buttons.
        click(&client, "input[name=provider][value=vega]", WITHIN).await?;
        click(&client, "#w-next", WITHIN).await?;
        wait_for(
            &client,
            "document.querySelector('#test-connection')",
            WITHIN,
        )
        .await?;
        let wizard = the_window(&screen, SETTINGS_X_TITLE)?;
        let buttons = on_screen(
            &client,
            wizard,
            &["#w-next", "#w-back", "#w-demo", "#test-connection"],
        )
        .await?;
        let card = card_place(&screen);
        for (selector, place) in &buttons {
            assert!(
                !place.overlaps(&card),
                "{size}: the wizard's {selector} at {place:?} is under the card's place {card:?}"
            );
        }
        assert!(
            !wizard.overlaps(&card),
            "{size}: the wizard {wizard:?} reaches into the card's place {card:?}"
        );
        screen.screenshot(&format!("first-run-{size}.png"))?;

        // "Try the demo first": the wizard goes and the calls go on.
        click(&client, "#w-demo", WITHIN).await?;
        until("the wizard to close", WITHIN, || {
            screen
                .windows_titled(SETTINGS_X_TITLE)
                .is_ok_and(|w| w.is_empty())
        })
        .await?;
        until("a demo call's card", CARD_WITHIN, || {
            screen
                .windows_titled(CARD_X_TITLE)
                .is_ok_and(|w| !w.is_empty())
        })
        .await?;
        assert!(log_text(&log).contains(DEMO_GOES_ON));
        let shown = the_window(&screen, CARD_X_TITLE)?;
        assert_eq!(shown, card, "{size}: the card is where it was expected");
        for (selector, place) in &buttons {
            assert!(!place.overlaps(&shown), "{size}: {selector} under the card");
        }

        // The settings window opened while a card is up is clear of it too.
        switch_to(&client, "Callpop").await?;
        client
            .execute("window.__TAURI__.core.invoke('open_settings');", vec![])
            .await?;
        until("the settings window", WITHIN, || {
            screen
                .windows_titled(SETTINGS_X_TITLE)
                .is_ok_and(|w| !w.is_empty())
        })
        .await?;
        switch_to(&client, WIZARD_TITLE).await?;
        wait_for(&client, "document.querySelector('#accounts')", WITHIN).await?;
        let settings = the_window(&screen, SETTINGS_X_TITLE)?;
        assert!(
            !settings.overlaps(&shown),
            "{size}: the settings window {settings:?} reaches under the card {shown:?}"
        );
        if !screen.windows_titled(CARD_X_TITLE)?.is_empty() {
            screen.screenshot(&format!("first-run-{size}-card.png"))?;
        }

        // The window places were written (the wizard moved, then closed) without a warning.
        let places = config_dir.join("window-state.json");
        until("the window places written or refused", WITHIN, || {
            places.exists() || log_text(&log).contains(PLACES_WARNING)
        })
        .await?;
        let text = log_text(&log);
        anyhow::ensure!(
            !text.contains(PLACES_WARNING),
            "{size}: a fresh profile warned about the window places:\n{text}"
        );
        Ok(())
    }
    .await;
    if result.is_err() {
        let _ = screen.screenshot(&format!("first-run-{size}-on-failure.png"));
    }
    let _ = client.close().await;
    result
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, a D-Bus session and tauri-driver: run scripts/test.sh"]
async fn on_office_screens_the_wizard_is_clear_of_the_card_and_the_demo_waits_for_it(
) -> anyhow::Result<()> {
    for (width, height) in [(1366, 768), (1280, 720), (1920, 1080)] {
        first_run_on(width, height)
            .await
            .with_context(|| format!("at {width}x{height}"))?;
    }
    Ok(())
}
