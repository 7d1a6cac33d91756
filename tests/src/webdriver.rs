//! Helpers for the end-to-end tests in `tests/`: the real app under `tauri-driver`, driven
//! through WebDriver (fantoccini), with screenshots saved under `target/screenshots/`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use fantoccini::error::CmdError;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

/// The workspace root.
pub fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

/// `target/screenshots/`, created.
pub fn screenshot_dir() -> PathBuf {
    let dir = workspace_dir().join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("create target/screenshots");
    dir
}

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind a free port")
        .local_addr()
        .unwrap()
        .port()
}

/// `tauri-driver` in a process group of its own, which is killed whole when dropped: its
/// `WebKitWebDriver` and the app it launched go with it, and none outlives the test holding
/// the test's output open.
pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `tauri-driver` on `port`; the app it launches gets this config, data dir and locale.
pub fn start_driver(
    port: u16,
    config: &Path,
    data_dir: &Path,
    locale: &str,
) -> anyhow::Result<Driver> {
    start_driver_with(port, config, data_dir, locale, &[])
}

/// [`start_driver`], with more environment for the app (`HOME`, say).
pub fn start_driver_with(
    port: u16,
    config: &Path,
    data_dir: &Path,
    locale: &str,
    env: &[(&str, &std::ffi::OsStr)],
) -> anyhow::Result<Driver> {
    use std::os::unix::process::CommandExt as _;
    let child = Command::new("tauri-driver")
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &free_port().to_string(),
        ])
        .env("CALLPOP_CONFIG", config)
        .env("CALLPOP_DATA_DIR", data_dir)
        .env("CALLPOP_LOCALE", locale)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .process_group(0)
        .spawn()
        .context("starting tauri-driver (scripts/setup.sh installs it with cargo install)")?;
    Ok(Driver(child))
}

/// A WebDriver session with the app at `app`, started with `args`.
pub async fn connect(port: u16, app: &Path, args: &[&str]) -> anyhow::Result<Client> {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": app, "args": args }),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return Ok(client),
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => bail!("no WebDriver session: {e}"),
        }
    }
}

/// Switches to the window whose title is `title`.
pub async fn switch_to(client: &Client, title: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        seen.clear();
        for handle in client.windows().await? {
            client.switch_to_window(handle).await?;
            let shown = client.title().await?;
            if shown == title {
                return Ok(());
            }
            seen.push(shown);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    bail!("no window titled {title:?}; the app's windows are titled {seen:?}")
}

/// Waits until `script` (a JS expression) is truthy, returning its value.
pub async fn wait_for(
    client: &Client,
    script: &str,
    within: Duration,
) -> anyhow::Result<serde_json::Value> {
    let deadline = Instant::now() + within;
    loop {
        let value = client.execute(&format!("return {script};"), vec![]).await?;
        if !(value.is_null() || value == false || value == "") {
            return Ok(value);
        }
        if Instant::now() > deadline {
            bail!("timed out waiting for `{script}`");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Clicks the first element matching `selector` once it is shown and enabled (waiting up to
/// `within`). Lists redraw their rows when a sync or a search answer arrives, so an element
/// found just before that is gone when clicked: it is then found again, a few times.
pub async fn click(client: &Client, selector: &str, within: Duration) -> anyhow::Result<()> {
    wait_for(
        client,
        &format!(
            "(() => {{ const e = document.querySelector({selector:?}); \
             return e && !e.disabled && e.offsetParent !== null; }})()"
        ),
        within,
    )
    .await
    .with_context(|| format!("{selector} is there to click"))?;
    let mut attempts = 0;
    loop {
        let clicked = async { client.find(Locator::Css(selector)).await?.click().await }.await;
        match clicked {
            Ok(()) => return Ok(()),
            Err(e) if attempts < 3 && is_stale(&e) => attempts += 1,
            Err(e) => return Err(e).with_context(|| format!("clicking {selector}")),
        }
    }
}

/// True when WebDriver says the element it was handed is no longer in the page.
fn is_stale(error: &CmdError) -> bool {
    let text = error.to_string();
    text.contains("stale element") || text.contains("was not found")
}

/// The text of the first element matching `selector` (empty when there is none).
pub async fn text_of(client: &Client, selector: &str) -> anyhow::Result<String> {
    let script = "return document.querySelector(arguments[0])?.textContent ?? '';";
    let value = client
        .execute(script, vec![serde_json::json!(selector)])
        .await?;
    Ok(value.as_str().unwrap_or_default().to_owned())
}

pub fn save_desktop_screenshot(name: &str) {
    // The whole X display, tray and card as a person sees them; best effort (imagemagick).
    let path = screenshot_dir().join(name);
    let _ = Command::new("import")
        .args(["-window", "root"])
        .arg(&path)
        .status();
}

/// Saves what the WebDriver window shows under `target/screenshots/NAME`.
pub async fn save_screenshot(client: &Client, name: &str) -> anyhow::Result<()> {
    // WebKitWebDriver takes the picture at the page's next frame, and a page WebKit draws without
    // GPU compositing (the caller card) makes no frame while nothing changes: a pixel that keeps
    // changing, invisibly, during the shot gives it one.
    client
        .execute(
            "const tick = document.createElement('div'); tick.id = 'screenshot-tick'; \
             tick.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none'; \
             document.documentElement.append(tick); \
             window.screenshotTicks = setInterval(() => { \
               tick.style.background = tick.style.background ? '' : 'rgba(0,0,0,0.01)'; }, 16);",
            vec![],
        )
        .await?;
    let shot = client.screenshot().await;
    client
        .execute(
            "clearInterval(window.screenshotTicks); document.getElementById('screenshot-tick')?.remove();",
            vec![],
        )
        .await?;
    let shot = shot?;
    std::fs::write(screenshot_dir().join(name), shot)?;
    Ok(())
}
