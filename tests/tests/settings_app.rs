//! The first-run wizard and the settings window, in the real app under Xvfb driven through
//! WebDriver, against PBX simulators on 127.0.0.1 and the real OS keyring: setting up an
//! account (a wrong key is reported, the right one proves itself, "me" comes from the PBX),
//! adding a second account and switching to it, the language switch and starting at login.
//! `scripts/test.sh` runs it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use callpop_core::secrets::{self, Secret};
use callpop_core::{AccountConfig, Config};
use callpop_sim::cloudpbx::{self, CloudPbxSimConfig};
use callpop_sim::vega::{VegaSim, VegaSimConfig, VegaSimHandle};
use callpop_tests::vega_desk::app_binary;
use callpop_tests::webdriver::{
    connect, free_port, save_desktop_screenshot, save_screenshot, start_driver_with, switch_to,
    text_of, wait_for, workspace_dir, Driver,
};
use fantoccini::{Client, Locator};

const VEGA_KEY: &str = "e2e-settings-vega-key";
const CLOUD_KEY: &str = "e2e-settings-cloud-key";
const SETTINGS_TITLE: &str = "Callpop settings";
/// Generous: the app connects, the PBX answers, WebKit redraws.
const WITHIN: Duration = Duration::from_secs(15);

/// The real app with a fresh home, config path and data dir; keys it stored are removed from
/// the keyring when it finishes.
struct SettingsApp {
    client: Client,
    home: tempfile::TempDir,
    keyring_accounts: Vec<AccountConfig>,
    _driver: Driver,
}

impl SettingsApp {
    /// Starts the app in `locale`; `config`: the config file it finds (none: the first run),
    /// with the keys to put into the keyring first.
    async fn start(
        locale: &str,
        config: Option<(Config, Vec<(AccountConfig, &str)>)>,
    ) -> anyhow::Result<SettingsApp> {
        let app = app_binary()?;
        let home = tempfile::tempdir()?;
        let mut keyring_accounts = Vec::new();
        // Set up already: started from the menu, with its main window; the first run shows
        // only the wizard.
        let args: &[&str] = if config.is_some() { &["--open"] } else { &[] };
        if let Some((config, keys)) = config {
            for (account, key) in keys {
                secrets::store_api_key(&account, &Secret::new(key))
                    .context("storing the key in the keyring")?;
                keyring_accounts.push(account);
            }
            config.save_to(&home.path().join("config.toml"))?;
        }
        let port = free_port();
        // Starting at login and the link handler write to the XDG directories: a home of its
        // own (the keyring stays the session's: it is reached over D-Bus).
        let (data_home, config_home) = (
            home.path().join(".local/share"),
            home.path().join(".config"),
        );
        let driver = start_driver_with(
            port,
            &home.path().join("config.toml"),
            &home.path().join("data"),
            locale,
            &[
                ("HOME", home.path().as_os_str()),
                ("XDG_DATA_HOME", data_home.as_os_str()),
                ("XDG_CONFIG_HOME", config_home.as_os_str()),
            ],
        )?;
        let client = connect(port, &app, args).await?;
        Ok(SettingsApp {
            client,
            home,
            keyring_accounts,
            _driver: driver,
        })
    }

    fn config_path(&self) -> PathBuf {
        self.home.path().join("config.toml")
    }

    /// Opens the settings window as the tray's "Settings…" does, and switches to it.
    async fn open_settings(&self) -> anyhow::Result<()> {
        // From the card's window: the one window that always exists.
        switch_to(&self.client, "Callpop card").await?;
        self.client
            .execute("window.__TAURI__.core.invoke('open_settings');", vec![])
            .await?;
        switch_to(&self.client, SETTINGS_TITLE).await?;
        wait_for(&self.client, "document.querySelector('#accounts')", WITHIN).await?;
        Ok(())
    }

    /// Cleans up; on failure keeps a screenshot of the whole display.
    async fn finish(self, result: anyhow::Result<()>) -> anyhow::Result<()> {
        if result.is_err() {
            save_desktop_screenshot("desktop-settings-on-failure.png");
        }
        let _ = self.client.close().await;
        for account in &self.keyring_accounts {
            let _ = secrets::delete_api_key(account);
        }
        result
    }
}

async fn vega_sim(test: &str) -> anyhow::Result<(VegaSimHandle, AccountConfig)> {
    let domain = format!("{test}-{}.pbx.vega.ua", std::process::id());
    let sim = VegaSim::start("127.0.0.1:0", VegaSimConfig::new(&domain, VEGA_KEY)).await?;
    let mut account = AccountConfig::new("vega", &domain);
    account.base_url = Some(sim.base_url());
    account.user = Some("001".into());
    account.poll_interval_ms = 200;
    Ok((sim, account))
}

/// A config with `account` active and its key to store.
fn configured(account: &AccountConfig) -> Option<(Config, Vec<(AccountConfig, &'static str)>)> {
    let config = Config {
        account: Some(account.clone()),
        ..Config::default()
    };
    Some((config, vec![(account.clone(), VEGA_KEY)]))
}

async fn click(client: &Client, selector: &str) -> anyhow::Result<()> {
    client
        .find(Locator::Css(selector))
        .await
        .with_context(|| format!("no {selector}"))?
        .click()
        .await
        .with_context(|| format!("clicking {selector}"))?;
    Ok(())
}

/// Fills the wizard's connection step with `account` and the key [`WRONG_KEY`], runs *Test
/// connection* and returns the error it shows.
async fn test_with_wrong_key(client: &Client, account: &AccountConfig) -> anyhow::Result<String> {
    fill(client, "#f-domain", &account.domain).await?;
    fill(client, "#f-base_url", &account.base_url()).await?;
    fill(client, "#f-key", WRONG_KEY).await?;
    click(client, "#test-connection").await?;
    let error = wait_for(
        client,
        "document.querySelector('#test-result.error:not([hidden])')?.textContent",
        WITHIN,
    )
    .await?;
    Ok(error.as_str().unwrap_or_default().to_owned())
}

/// A key the simulators refuse.
const WRONG_KEY: &str = "not-the-key";

async fn fill(client: &Client, selector: &str, text: &str) -> anyhow::Result<()> {
    let input = client
        .find(Locator::Css(selector))
        .await
        .with_context(|| format!("no {selector}"))?;
    input.clear().await?;
    input.send_keys(text).await?;
    Ok(())
}

async fn choose(client: &Client, selector: &str, value: &str) -> anyhow::Result<()> {
    client
        .find(Locator::Css(selector))
        .await
        .with_context(|| format!("no {selector}"))?
        .select_by_value(value)
        .await
        .with_context(|| format!("choosing {value} in {selector}"))?;
    Ok(())
}

/// WebKit paints a moment after the DOM changes; the picture, not the assertions, needs it.
async fn screenshot(client: &Client, name: &str) -> anyhow::Result<()> {
    tokio::time::sleep(Duration::from_millis(400)).await;
    save_screenshot(client, name).await
}

async fn until(what: &str, check: impl Fn() -> bool) -> anyhow::Result<()> {
    let deadline = Instant::now() + WITHIN;
    while !check() {
        anyhow::ensure!(Instant::now() < deadline, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// Clicks a button that closes its own window, then waits until it is gone. WebKitWebDriver may
/// answer such a click with an (empty) error when the window goes before the answer does: the
/// window closing is what tells whether the click worked.
async fn click_closing(client: &Client, selector: &str, title: &str) -> anyhow::Result<()> {
    let clicked = click(client, selector).await;
    until_closed(client, title)
        .await
        .with_context(|| format!("after clicking {selector} ({clicked:?})"))
}

/// Waits until no window is titled `title` (it closes); a window closing while it is asked
/// for its title is skipped, not an error.
async fn until_closed(client: &Client, title: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + WITHIN;
    loop {
        let mut open = false;
        for handle in client.windows().await? {
            if client.switch_to_window(handle).await.is_ok()
                && client.title().await.is_ok_and(|shown| shown == title)
            {
                open = true;
            }
        }
        if !open {
            return Ok(());
        }
        anyhow::ensure!(Instant::now() < deadline, "the window {title:?} stays open");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn read_config(path: &Path) -> anyhow::Result<(String, Config)> {
    let text = std::fs::read_to_string(path)?;
    let config = Config::load_from(path)?;
    Ok((text, config))
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, a Secret Service and tauri-driver: run scripts/test.sh"]
async fn the_first_run_wizard_tests_the_key_picks_me_from_the_pbx_and_connects(
) -> anyhow::Result<()> {
    let (_sim, expected) = vega_sim("wizard").await?;
    let app = SettingsApp::start("en-US", None).await?;
    let client = &app.client;
    let result = async {
        // No config file: the wizard opens by itself, over the demo.
        switch_to(client, SETTINGS_TITLE).await?;
        wait_for(client, "document.querySelector('input[name=provider][value=vega]')", WITHIN)
            .await?;
        assert_eq!(text_of(client, ".lead").await?, "Which PBX does your company use?");
        assert_eq!(
            client
                .execute("return document.querySelector('#w-next').disabled;", vec![])
                .await?,
            true,
            "no provider chosen yet"
        );
        click(client, "input[name=provider][value=vega]").await?;
        screenshot(client, "wizard-1-provider-en.png").await?;
        click(client, "#w-next").await?;

        let error = &test_with_wrong_key(client, &expected).await?;
        assert!(
            error.starts_with("Cannot connect: Vega rejected the API key"),
            "the wrong key is reported in words: {error}"
        );
        assert!(!error.contains(WRONG_KEY), "the key is not shown: {error}");
        assert_eq!(
            client
                .execute("return document.querySelector('#w-next').disabled;", vec![])
                .await?,
            true,
            "no going on without a working connection"
        );
        screenshot(client, "wizard-2-connection-error-en.png").await?;

        fill(client, "#f-key", VEGA_KEY).await?;
        click(client, "#test-connection").await?;
        wait_for(
            client,
            "document.querySelector('#test-result.ok:not([hidden])')",
            WITHIN,
        )
        .await?;
        assert_eq!(
            text_of(client, "#test-result").await?,
            "Connected. The PBX lists 4 employees."
        );
        assert!(
            !app.config_path().exists(),
            "testing saves nothing to the config file"
        );
        assert!(
            secrets::keyring_api_key(&expected).is_err(),
            "testing stores no key"
        );
        screenshot(client, "wizard-2-connection-ok-en.png").await?;
        click(client, "#w-next").await?;

        // "Me" from the PBX's employees.
        wait_for(client, "document.querySelector('select#f-user')", WITHIN).await?;
        let names = client
            .execute(
                "return [...document.querySelectorAll('#f-user option')].map(o => o.textContent);",
                vec![],
            )
            .await?;
        assert!(
            names.to_string().contains("Петро Петров (002)"),
            "the simulator's employees: {names}"
        );
        choose(client, "#f-user", "002").await?;
        screenshot(client, "wizard-3-me-en.png").await?;
        click(client, "#w-next").await?;
        wait_for(client, "document.querySelector('#relay-url')", WITHIN).await?;
        assert_eq!(text_of(client, "#w-next").await?, "Skip");
        screenshot(client, "wizard-4-relay-en.png").await?;
        click(client, "#w-next").await?;
        wait_for(client, "document.querySelector('.summary')", WITHIN).await?;
        screenshot(client, "wizard-5-done-en.png").await?;
        click(client, "#w-next").await?;

        // Saved: the account and "me" in the file, the key only in the keyring.
        let path = app.config_path();
        until("the config file is written", || path.exists()).await?;
        let (text, config) = read_config(&path)?;
        let account = config.account.context("the account is saved")?;
        assert_eq!(account.provider, "vega");
        assert_eq!(account.domain, expected.domain);
        assert_eq!(account.base_url, expected.base_url);
        assert_eq!(account.user.as_deref(), Some("002"));
        assert!(!text.contains(VEGA_KEY), "the key stays out of the file: {text}");
        let stored = secrets::keyring_api_key(&expected).context("the key is in the keyring")?;
        assert_eq!(stored.expose(), VEGA_KEY);

        // The wizard closed; the main window shows the account connected.
        until_closed(client, SETTINGS_TITLE).await?;
        switch_to(client, "Callpop").await?;
        let script = format!(
            "document.querySelector('#status.online') && !document.querySelector('#banner:not([hidden])')?.textContent.includes('Demo') && document.querySelector('#account').textContent.includes('{}')",
            expected.domain
        );
        wait_for(client, &script, WITHIN).await?;
        anyhow::Ok(())
    }
    .await;
    let _ = secrets::delete_api_key(&expected);
    app.finish(result).await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, a Secret Service and tauri-driver: run scripts/test.sh"]
async fn the_wizard_speaks_russian_and_the_demo_can_be_tried_first() -> anyhow::Result<()> {
    let (_sim, vega) = vega_sim("wizard-ru").await?;
    let app = SettingsApp::start("ru-RU", None).await?;
    let client = &app.client;
    let result = async {
        switch_to(client, SETTINGS_TITLE).await?;
        wait_for(
            client,
            "document.querySelector('input[name=provider]')",
            WITHIN,
        )
        .await?;
        assert_eq!(
            text_of(client, ".lead").await?,
            "Какая АТС у вашей компании?"
        );
        assert_eq!(
            text_of(client, "#w-demo").await?,
            "Сначала попробовать демо"
        );
        click(client, "input[name=provider][value=asterisk]").await?;
        screenshot(client, "wizard-1-provider-ru.png").await?;
        click(client, "#w-next").await?;
        wait_for(client, "document.querySelector('#f-login')", WITHIN).await?;
        // A required field left empty is named under the field, in Russian.
        fill(client, "#f-domain", "pbx.office.lan").await?;
        fill(client, "#f-key", "x").await?;
        click(client, "#test-connection").await?;
        let why = wait_for(
            client,
            "document.querySelector('.field.invalid[data-field=login] .why')?.textContent",
            WITHIN,
        )
        .await?;
        assert_eq!(why, "Заполните это поле.");
        screenshot(client, "wizard-2-connection-ru.png").await?;

        // A wrong key: what happened and what to do in Russian, the PBX's words for support.
        click(client, "#w-back").await?;
        click(client, "input[name=provider][value=vega]").await?;
        click(client, "#w-next").await?;
        wait_for(client, "document.querySelector('#f-domain')", WITHIN).await?;
        let error = &test_with_wrong_key(client, &vega).await?;
        assert!(
            error.starts_with(
                "Не удалось подключиться: АТС не приняла ключ API. Проверьте адрес АТС и \
                 скопируйте ключ из её личного кабинета заново.\nПодробности: Vega rejected \
                 the API key"
            ),
            "the wrong key is told in Russian, the detail in English: {error}"
        );
        assert!(!error.contains(WRONG_KEY), "the key is not shown: {error}");
        screenshot(client, "wizard-ru-wrong-key.png").await?;

        // "Try the demo first": the wizard goes, nothing is saved, the demo runs on.
        click_closing(client, "#w-demo", SETTINGS_TITLE).await?;
        switch_to(client, "Callpop").await?;
        wait_for(client, "document.querySelector('#status.online')", WITHIN).await?;
        assert!(!app.config_path().exists(), "the demo needs no config file");
        anyhow::Ok(())
    }
    .await;
    app.finish(result).await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, a Secret Service and tauri-driver: run scripts/test.sh"]
async fn a_second_account_is_added_in_the_settings_and_the_app_switches_to_it() -> anyhow::Result<()>
{
    let (_vega, vega) = vega_sim("accounts").await?;
    let cloud_sim = cloudpbx::start(
        "127.0.0.1:0",
        CloudPbxSimConfig {
            token: CLOUD_KEY.into(),
            ..CloudPbxSimConfig::default()
        },
    )
    .await?;
    let cloud_domain = format!("accounts-{}.example.com", std::process::id());
    let cloud = AccountConfig::new("cloudpbx", &cloud_domain);
    let app = SettingsApp::start("en-US", configured(&vega)).await?;
    let client = &app.client;
    let result = async {
        app.open_settings().await?;
        wait_for(client, "document.querySelectorAll('#accounts li[data-id]').length === 1", WITHIN).await?;
        click(client, "#add-account").await?;
        choose(client, "#f-provider", "cloudpbx").await?;
        wait_for(client, "document.querySelector('label[data-field=domain] .label')?.textContent === 'PBX domain *'", WITHIN).await?;
        fill(client, "#f-domain", &cloud_domain).await?;
        fill(client, "#f-base_url", &cloud_sim.base_url()).await?;
        fill(client, "#f-key", CLOUD_KEY).await?;
        click(client, "#test-connection").await?;
        wait_for(client, "document.querySelector('#test-result.ok:not([hidden])') && document.querySelector('select#f-user')", WITHIN).await?;
        choose(client, "#f-user", "daria").await?;
        // Added, not used yet.
        click(client, "#make-active").await?;
        screenshot(client, "settings-add-account-en.png").await?;
        click(client, "#save-account").await?;
        wait_for(client, "document.querySelectorAll('#accounts li[data-id]').length === 2", WITHIN).await?;
        let (text, config) = read_config(&app.config_path())?;
        assert_eq!(config.account.as_ref().map(|a| a.domain.as_str()), Some(vega.domain.as_str()));
        assert_eq!(config.other_accounts.len(), 1);
        assert_eq!(config.other_accounts[0].user.as_deref(), Some("daria"));
        assert!(!text.contains(CLOUD_KEY), "the key stays out of the file: {text}");
        assert_eq!(secrets::keyring_api_key(&cloud)?.expose(), CLOUD_KEY);
        screenshot(client, "settings-accounts-en.png").await?;

        // "Use this one": the session restarts on the cloud PBX.
        click(client, &format!("#accounts li[data-id='cloudpbx:{cloud_domain}'] button.use")).await?;
        wait_for(client, &format!("document.querySelector(\"#accounts li[data-id='cloudpbx:{cloud_domain}'] .badge.active\")"), WITHIN).await?;
        assert!(
            client.find(Locator::Css(&format!("#accounts li[data-id='vega:{}'] button.use", vega.domain))).await.is_ok(),
            "the first account stays listed, ready to switch back"
        );
        let config = Config::load_from(&app.config_path())?;
        assert_eq!(config.account.as_ref().map(|a| a.provider.as_str()), Some("cloudpbx"));
        assert_eq!(config.other_accounts.first().map(|a| a.domain.as_str()), Some(vega.domain.as_str()));
        screenshot(client, "settings-switched-en.png").await?;

        switch_to(client, "Callpop").await?;
        wait_for(
            client,
            &format!("document.querySelector('#status.online') && document.querySelector('#account').textContent.startsWith('cloudpbx {cloud_domain}')"),
            WITHIN,
        )
        .await
        .context("the main window shows the cloud PBX account connected")?;
        anyhow::Ok(())
    }
    .await;
    let _ = secrets::delete_api_key(&cloud);
    app.finish(result).await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, a Secret Service and tauri-driver: run scripts/test.sh"]
async fn switching_the_language_to_russian_redraws_the_main_window_in_russian() -> anyhow::Result<()>
{
    let (_sim, vega) = vega_sim("language").await?;
    let app = SettingsApp::start("en-US", configured(&vega)).await?;
    let client = &app.client;
    let result = async {
        switch_to(client, "Callpop").await?;
        wait_for(
            client,
            "document.querySelector('#contacts-title')?.textContent === 'Contacts'",
            WITHIN,
        )
        .await?;
        app.open_settings().await?;
        screenshot(client, "settings-en.png").await?;
        click(client, "#tab-general").await?;
        screenshot(client, "settings-general-en.png").await?;
        click(client, "input[name=language][value=ru]").await?;

        switch_to(client, "Callpop").await?;
        wait_for(
            client,
            "document.querySelector('#contacts-title')?.textContent === 'Контакты'",
            WITHIN,
        )
        .await
        .context("the main window is redrawn in Russian")?;
        wait_for(
            client,
            "document.querySelector('#status')?.textContent === 'На связи'",
            WITHIN,
        )
        .await?;
        assert_eq!(
            Config::load_from(&app.config_path())?.language.as_deref(),
            Some("ru")
        );

        switch_to(client, SETTINGS_TITLE).await?;
        wait_for(
            client,
            "document.querySelector('#accounts-section h2')?.textContent === 'Аккаунты'",
            WITHIN,
        )
        .await?;
        assert_eq!(
            client
                .execute(
                    "return document.querySelector('input[name=language][value=ru]').checked;",
                    vec![]
                )
                .await?,
            true
        );
        // The page was redrawn: back on its first tab.
        screenshot(client, "settings-ru.png").await?;
        click(client, "#tab-general").await?;
        screenshot(client, "settings-general-ru.png").await?;
        click(client, "#tab-accounts").await?;
        click(client, "#add-account").await?;
        screenshot(client, "settings-add-account-ru.png").await?;
        anyhow::Ok(())
    }
    .await;
    app.finish(result).await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, a Secret Service and tauri-driver: run scripts/test.sh"]
async fn start_at_login_writes_the_autostart_entry_and_notifications_can_be_turned_off(
) -> anyhow::Result<()> {
    let (_sim, vega) = vega_sim("autostart").await?;
    let app = SettingsApp::start("en-US", configured(&vega)).await?;
    let client = &app.client;
    let entry = app.home.path().join(".config/autostart/Callpop.desktop");
    let result = async {
        app.open_settings().await?;
        assert_eq!(
            client.execute("return document.querySelector('#autostart').checked;", vec![]).await?,
            false
        );
        assert!(!entry.exists());
        click(client, "#tab-general").await?;
        click(client, "#startup .switch").await?;
        until("the autostart entry is written", || entry.exists()).await?;
        let text = std::fs::read_to_string(&entry)?;
        let app_path = workspace_dir().join("target/debug/callpop");
        assert!(
            text.contains(&format!("Exec={}", app_path.display())),
            "the entry starts this app: {text}"
        );
        wait_for(client, "document.querySelector('#autostart').checked && !document.querySelector('#autostart').disabled", WITHIN).await?;
        click(client, "#startup .switch").await?;
        until("the autostart entry is removed", || !entry.exists()).await?;

        // Missed-call notifications off: saved in the file for the app to follow.
        click(client, "#notify-missed").await?;
        click(client, "#save-desktop").await?;
        let path = app.config_path();
        until("the desktop settings are saved", || {
            Config::load_from(&path)
                .ok()
                .and_then(|config| config.desktop)
                .is_some_and(|desktop| desktop.missed_call_notifications == Some(false))
        })
        .await?;
        screenshot(client, "settings-general-desktop-en.png").await?;
        wait_for(client, "!document.querySelector('#autostart').checked", WITHIN).await?;
        anyhow::Ok(())
    }
    .await;
    app.finish(result).await
}

/// The desktop's default app for `scheme` links, as `xdg-mime` answers in the app's home.
fn link_handler(home: &Path, scheme: &str) -> anyhow::Result<String> {
    let output = std::process::Command::new("xdg-mime")
        .args(["query", "default", &format!("x-scheme-handler/{scheme}")])
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .output()
        .context("xdg-mime (xdg-utils, scripts/setup.sh installs it)")?;
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, a Secret Service and tauri-driver: run scripts/test.sh"]
async fn the_switch_makes_callpop_the_desktops_handler_of_tel_and_callto_links(
) -> anyhow::Result<()> {
    let (_sim, vega) = vega_sim("links").await?;
    let app = SettingsApp::start("en-US", configured(&vega)).await?;
    let client = &app.client;
    let home = app.home.path().to_owned();
    let entry = home.join(".local/share/applications/callpop-handler.desktop");
    let result = async {
        app.open_settings().await?;
        click(client, "#tab-general").await?;
        wait_for(client, "document.querySelector('#links-handler') && !document.querySelector('#links-handler').disabled", WITHIN).await?;
        assert_eq!(
            client.execute("return document.querySelector('#links-handler').checked;", vec![]).await?,
            false,
            "not the handler until asked"
        );
        click(client, "#links .switch").await?;
        wait_for(client, "document.querySelector('#links-handler').checked && !document.querySelector('#links-handler').disabled", WITHIN).await?;
        for scheme in ["tel", "callto"] {
            assert_eq!(link_handler(&home, scheme)?, "callpop-handler.desktop", "{scheme}: links");
        }
        let text = std::fs::read_to_string(&entry)?;
        assert!(text.contains("x-scheme-handler/tel") && text.contains("x-scheme-handler/callto"), "{text}");
        assert!(
            text.contains(&format!("{}\" %u", app_binary()?.display())),
            "the entry starts this app with the link: {text}"
        );
        screenshot(client, "settings-general-links-en.png").await?;

        click(client, "#links .switch").await?;
        wait_for(client, "!document.querySelector('#links-handler').checked && !document.querySelector('#links-handler').disabled", WITHIN).await?;
        for scheme in ["tel", "callto"] {
            assert_ne!(link_handler(&home, scheme)?, "callpop-handler.desktop", "{scheme}: handed back");
        }
        anyhow::Ok(())
    }
    .await;
    app.finish(result).await
}
