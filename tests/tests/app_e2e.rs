//! The real app under Xvfb, driven through WebDriver (`tauri-driver` + `WebKitWebDriver`), against
//! the Vega simulator on 127.0.0.1. `scripts/test.sh` runs it (inside `xvfb-run` and a D-Bus
//! session with gnome-keyring); plain `cargo test` leaves it out because it needs those.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use callpop_core::secrets::{self, Secret};
use callpop_core::{AutodialerSettings, Config, CrmLinks};
use callpop_sim::vega::Scenario;
use callpop_tests::desktop::close_window_titled;
use callpop_tests::vega_desk::VegaDesk;
use callpop_tests::webdriver::{
    click, save_desktop_screenshot, save_screenshot, switch_to, text_of, wait_for, workspace_dir,
    Driver,
};
use fantoccini::{Client, Locator};

const DIRECTORY_CSV: &str = "ФИО;Компания;Телефон;Ответственный;Ссылка\n\
    Смирнов Алексей;ООО «Северный ветер»;8 (910) 123-45-67;Іван Іванов;https://crm.example.com/contacts/17\n";

/// Whether one of the app's windows has the title `title` now.
async fn window_titled(client: &Client, title: &str) -> anyhow::Result<bool> {
    for handle in client.windows().await? {
        if client.switch_to_window(handle).await.is_ok()
            && client.title().await.is_ok_and(|shown| shown == title)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The real app on a simulated Vega account whose key is in the real OS keyring, with a
/// one-contact directory, driven through WebDriver. Cleans up when dropped.
struct AppUnderTest {
    client: Client,
    autodialer: Option<AutodialerSettings>,
    _driver: Driver,
    desk: VegaDesk,
}

impl std::ops::Deref for AppUnderTest {
    type Target = VegaDesk;

    fn deref(&self) -> &VegaDesk {
        &self.desk
    }
}

impl AppUnderTest {
    async fn start(test: &str, locale: &str, args: &[&str]) -> anyhow::Result<AppUnderTest> {
        AppUnderTest::start_with(test, locale, args, None).await
    }

    /// [`start`](Self::start) with an Autodialer configured (its key in the keyring too).
    async fn start_with(
        test: &str,
        locale: &str,
        args: &[&str],
        autodialer: Option<(AutodialerSettings, &str)>,
    ) -> anyhow::Result<AppUnderTest> {
        let desk = VegaDesk::new(test, "e2e-simulator-key").await?;
        if let Some((settings, key)) = &autodialer {
            secrets::store_autodialer_key(settings, &Secret::new(*key))
                .context("storing the Autodialer key in the keyring")?;
        }
        let autodialer = autodialer.map(|(settings, _)| settings);
        desk.save_config(Config {
            crm: Some(CrmLinks {
                new_contact_url: "https://crm.example.com/contacts/new?phone={phone}".into(),
            }),
            autodialer: autodialer.clone(),
            ..Default::default()
        })?;
        let report = desk.store()?.import_csv(DIRECTORY_CSV.as_bytes())?;
        assert_eq!(report.imported, 1);
        let (client, driver) = desk.launch(locale, args).await?;
        Ok(AppUnderTest {
            client,
            autodialer,
            _driver: driver,
            desk,
        })
    }

    /// Runs the test body; on failure keeps a screenshot of the whole display.
    async fn finish(self, result: anyhow::Result<()>) -> anyhow::Result<()> {
        if result.is_err() {
            save_desktop_screenshot("desktop-on-failure.png");
        }
        let _ = self.client.close().await;
        if let Some(settings) = &self.autodialer {
            let _ = secrets::delete_autodialer_key(settings);
        }
        result
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, a Secret Service and tauri-driver: run scripts/test.sh"]
async fn incoming_call_pops_a_card_with_the_directory_contact_then_closes_after_hang_up(
) -> anyhow::Result<()> {
    let app = AppUnderTest::start("card", "ru-RU", &[]).await?;
    let client = &app.client;
    let result = async {
        switch_to(client, "Callpop card").await?;
        client
            .find(Locator::Id("cards"))
            .await
            .context("the card page is loaded")?;

        app.sim.play(Scenario::AnsweredIncoming {
            customer: "+79101234567".into(),
            employee: "001".into(),
            ring_secs: 4.0,
            talk_secs: 3.0,
            pbx_contacts: vec![],
        })?;

        let name = wait_for(
            client,
            "document.querySelector('.card .name')?.textContent",
            Duration::from_secs(10),
        )
        .await?;
        assert_eq!(name, "Смирнов Алексей");
        assert_eq!(
            text_of(client, ".card .company").await?,
            "ООО «Северный ветер»"
        );
        assert_eq!(text_of(client, ".card .number").await?, "+7 910 123-45-67");
        let responsible = text_of(client, ".card .responsible").await?;
        assert!(responsible.contains("Іван Іванов"), "{responsible}");
        assert_eq!(text_of(client, ".card .state").await?, "Входящий звонок");
        assert_eq!(text_of(client, ".card .crm").await?, "Открыть в CRM");
        let crm_hidden = client
            .execute(
                "return document.querySelector('.card .crm').hidden;",
                vec![],
            )
            .await?;
        assert_eq!(crm_hidden, false, "Open in CRM is offered");
        // The window was created hidden; the call shows it.
        wait_for(
            client,
            "document.visibilityState === 'visible'",
            Duration::from_secs(5),
        )
        .await?;
        save_screenshot(client, "card-ringing.png").await?;
        save_desktop_screenshot("desktop-card-ringing.png");

        wait_for(
            client,
            "document.querySelector('.card[data-state=answered]')",
            Duration::from_secs(6),
        )
        .await?;
        save_screenshot(client, "card-answered.png").await?;
        wait_for(
            client,
            "document.querySelector('.card[data-state=ended]')",
            Duration::from_secs(8),
        )
        .await?;
        save_screenshot(client, "card-ended.png").await?;
        // The card goes away a few seconds after the hang-up.
        wait_for(
            client,
            "document.querySelectorAll('.card').length === 0",
            Duration::from_secs(10),
        )
        .await?;

        // A number nobody knows: the card says so and offers to create the contact.
        app.sim.play(Scenario::MissedIncoming {
            customer: "+74951112233".into(),
            employee: "001".into(),
            ring_secs: 3.0,
            pbx_contacts: vec![],
        })?;
        wait_for(
            client,
            "document.querySelector('.card .name.unknown')",
            Duration::from_secs(10),
        )
        .await?;
        assert_eq!(text_of(client, ".card .name").await?, "Неизвестный номер");
        assert_eq!(text_of(client, ".card .number").await?, "+7 495 111-22-33");
        assert_eq!(text_of(client, ".card .crm").await?, "Создать контакт");
        save_screenshot(client, "card-unknown-number.png").await?;
        wait_for(
            client,
            "document.querySelector('.card[data-state=missed]')",
            Duration::from_secs(8),
        )
        .await?;
        assert_eq!(text_of(client, ".card .state").await?, "Пропущенный звонок");
        save_screenshot(client, "card-missed.png").await?;
        wait_for(
            client,
            "document.querySelectorAll('.card').length === 0",
            Duration::from_secs(10),
        )
        .await?;

        // A long call ended from the card: "Завершить" reaches the PBX, which ends it.
        app.sim.play(Scenario::AnsweredIncoming {
            customer: "+79101234567".into(),
            employee: "001".into(),
            ring_secs: 1.0,
            talk_secs: 300.0,
            pbx_contacts: vec![],
        })?;
        wait_for(
            client,
            "document.querySelector('.card[data-state=answered] .hangup:not([hidden])')",
            Duration::from_secs(10),
        )
        .await?;
        assert_eq!(text_of(client, ".card .hangup").await?, "Завершить");
        client
            .find(Locator::Css(".card .hangup"))
            .await?
            .click()
            .await?;
        wait_for(
            client,
            "document.querySelector('.card[data-state=ended]')",
            Duration::from_secs(10),
        )
        .await
        .context("the hang-up reached the PBX and the call ended")?;
        assert_eq!(
            client
                .execute(
                    "return document.querySelector('.card .hangup').hidden;",
                    vec![]
                )
                .await?,
            true,
            "no hang-up on an ended call"
        );
        anyhow::Ok(())
    }
    .await;
    app.finish(result).await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, a Secret Service and tauri-driver: run scripts/test.sh"]
async fn main_window_shows_the_connection_finds_contacts_and_calls_them() -> anyhow::Result<()> {
    let app = AppUnderTest::start("main", "en-US", &["--open"]).await?;
    let client = &app.client;
    let result = async {
        switch_to(client, "Callpop").await?;
        wait_for(
            client,
            "document.querySelector('#status.online')",
            Duration::from_secs(10),
        )
        .await?;
        assert_eq!(text_of(client, "#status").await?, "Online");

        let search = client.find(Locator::Id("search")).await?;
        search.send_keys("8910").await?;
        wait_for(
            client,
            "document.querySelector('#contacts li .title')?.textContent === 'Смирнов Алексей'",
            Duration::from_secs(5),
        )
        .await?;
        // No Autodialer configured: its action is shown disabled, with the reason.
        let toggle = wait_for(
            client,
            "document.querySelector('#autodial-toggle').disabled && document.querySelector('#autodial-toggle').title",
            Duration::from_secs(5),
        )
        .await?;
        assert!(
            toggle.as_str().unwrap_or_default().contains("[autodialer]"),
            "the reason says how to configure it: {toggle}"
        );
        // The page's CSP lets the audio player play what `recording_data` gives (a `data:` URL)
        // and nothing from the network: a script slipped into the page could not make the
        // WebView fetch (and leak through) a URL of its choosing as media. WebKitGTK fires no
        // `securitypolicyviolation` for media, so the test listens where a fetch would land.
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let remote = format!("http://{}/recording.wav", listener.local_addr()?);
        let players = client
            .execute_async(
                "const [remoteUrl, done] = arguments;
                 const recording = new Audio();
                 recording.src = 'data:audio/wav;base64,UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQAAAAA=';
                 recording.load();
                 const remote = new Audio();
                 remote.src = remoteUrl;
                 remote.load();
                 setTimeout(() => done({ recording: recording.error?.code ?? null }), 1500);",
                vec![serde_json::json!(remote)],
            )
            .await?;
        assert_eq!(
            players["recording"],
            serde_json::Value::Null,
            "a data: recording loads: {players}"
        );
        match listener.accept() {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            other => anyhow::bail!("the page fetched remote media {remote}: {other:?}"),
        }

        // WebKit paints a window shown at start-up a moment after its DOM is ready; the picture,
        // not the assertions, needs the wait.
        tokio::time::sleep(Duration::from_secs(2)).await;
        save_screenshot(client, "main-window.png").await?;
        save_desktop_screenshot("desktop-main-window.png");

        // Click-to-call from the contact list reaches the PBX: my phone, then the contact.
        click(client, "#contacts li button", Duration::from_secs(5)).await?;
        let deadline = Instant::now() + Duration::from_secs(5);
        while app.sim.calls_made().is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let made = app.sim.calls_made();
        assert_eq!(made.len(), 1, "one makeCall");
        assert_eq!(made[0].leg_ext, "001");
        assert_eq!(made[0].other_leg_num, "+79101234567");

        // A `tel:` link opened elsewhere starts Callpop again: the second instance hands the
        // link to this one and exits; this one places the call.
        let second = std::process::Command::new(workspace_dir().join("target/debug/callpop"))
            .arg("tel:+7%20495%20111-22-33")
            .env("CALLPOP_CONFIG", app.config_path())
            .env("CALLPOP_DATA_DIR", app.data_dir())
            .status()
            .context("starting a second instance")?;
        assert!(
            second.success(),
            "the second instance exits cleanly: {second}"
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while app.sim.calls_made().len() < 2 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let made = app.sim.calls_made();
        assert_eq!(made.len(), 2, "the link placed one more call: {made:?}");
        assert_eq!(made[1].other_leg_num, "+74951112233");
        wait_for(
            client,
            "document.querySelector('#banner.info')?.textContent.includes('+7 495 111-22-33')",
            Duration::from_secs(5),
        )
        .await?;

        // Closing the main window (as its close button does) destroys it; opening Callpop again
        // (here: launching it a second time, which asks the running one to open its window)
        // makes it anew.
        // Asked again each second, as a user clicks again: GTK may drop a request that
        // arrives while the window is busy (seen once in six runs).
        let deadline = Instant::now() + Duration::from_secs(10);
        while window_titled(client, "Callpop").await? {
            anyhow::ensure!(Instant::now() < deadline, "the main window stays after Close");
            close_window_titled("Callpop")?;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let again = std::process::Command::new(workspace_dir().join("target/debug/callpop"))
            .env("CALLPOP_CONFIG", app.config_path())
            .env("CALLPOP_DATA_DIR", app.data_dir())
            .status()
            .context("starting Callpop again")?;
        assert!(again.success(), "the second launch exits cleanly: {again}");
        switch_to(client, "Callpop").await?;
        wait_for(
            client,
            "document.querySelector('#status.online') && document.visibilityState === 'visible'",
            Duration::from_secs(10),
        )
        .await?;
        anyhow::Ok(())
    }
    .await;
    app.finish(result).await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, a Secret Service and tauri-driver: run scripts/test.sh"]
async fn selected_contacts_go_to_an_autodialer_campaign_after_the_no_window_warning(
) -> anyhow::Result<()> {
    let key = "e2e-autodialer-key";
    let autodialer = callpop_sim::autodialer::start(
        "127.0.0.1:0",
        callpop_sim::autodialer::AutodialerSimConfig {
            api_key: key.into(),
            ..Default::default()
        },
    )
    .await?;
    let mut settings = AutodialerSettings::new(&autodialer.base_url());
    settings.campaign = Some("7".into());
    let app =
        AppUnderTest::start_with("autodial", "ru-RU", &["--open"], Some((settings, key))).await?;
    let client = &app.client;
    let result = async {
        switch_to(client, "Callpop").await?;
        wait_for(
            client,
            "document.querySelector('#autodial-toggle') && !document.querySelector('#autodial-toggle').disabled",
            Duration::from_secs(10),
        )
        .await?;
        client.find(Locator::Id("autodial-toggle")).await?.click().await?;
        let pick = wait_for(
            client,
            "document.querySelector('#contacts input.pick')",
            Duration::from_secs(5),
        )
        .await;
        pick.context("contacts can be picked")?;
        click(client, "#contacts input.pick", Duration::from_secs(5)).await?;
        assert_eq!(text_of(client, "#autodial-count").await?, "Выбрано: 1");
        assert_eq!(
            client
                .execute("return document.querySelector('#ad-campaign').value;", vec![])
                .await?,
            "7",
            "the configured campaign is offered"
        );

        // No time window: the Autodialer would dial at once, whatever the hour. Asked first.
        client.find(Locator::Id("ad-send")).await?.click().await?;
        let warning = wait_for(
            client,
            "!document.querySelector('#ad-warning').hidden && document.querySelector('#ad-warning').textContent",
            Duration::from_secs(5),
        )
        .await?;
        assert!(autodialer.records().is_empty(), "nothing sent before the confirmation: {warning}");
        client.find(Locator::Id("ad-send")).await?.click().await?;
        let report = wait_for(
            client,
            "!document.querySelector('#ad-report').hidden && document.querySelector('#ad-report').textContent",
            Duration::from_secs(10),
        )
        .await?;
        let records = autodialer.records();
        assert_eq!(records.len(), 1, "one contact sent: {report}");
        assert_eq!(records[0].generation_type, "7");
        assert_eq!(records[0].phone, "89101234567");
        assert_eq!(records[0].name.as_deref(), Some("Смирнов Алексей"));
        tokio::time::sleep(Duration::from_millis(500)).await; // let WebKit paint
        save_screenshot(client, "main-window-autodialer.png").await?;
        anyhow::Ok(())
    }
    .await;
    app.finish(result).await
}
