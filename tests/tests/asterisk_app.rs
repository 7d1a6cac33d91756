//! The real app against the real Asterisk of the PBX lab (`tests/pbx-lab`), with real SIP
//! phones (`sipp`): a customer calls ext 101 (me) and the app's card follows the call from
//! ringing, with the directory contact, to its end with the right duration. Skipped loudly when
//! the lab is not there (see `callpop_tests::lab`).
//!
//! `measure_invite_to_card` is not a test but the measurement issue #8 asks for (INVITE sent by
//! sipp → card on screen, p50/p99): it runs only with `CALLPOP_MEASURE_CARDS=N` and prints.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use callpop_core::secrets::{self, Secret};
use callpop_core::{AccountConfig, Config, Store};
use callpop_tests::lab::{customer_calls, desk_phone_answering_after, invite_times, lab, Running};
use callpop_tests::vega_desk::app_binary;
use callpop_tests::webdriver::{
    connect, free_port, save_screenshot, start_driver, switch_to, text_of, wait_for, Driver,
};
use fantoccini::Client;

const CUSTOMER: &str = "0301111111";
const DIRECTORY_CSV: &str = "ФИО;Компания;Телефон\nИван Лабов;ООО Лаборатория;0301111111\n";

/// The app as ext 101 on the lab's Asterisk (AMI user `ci`, its secret in the keyring).
struct AppOnAsterisk {
    client: Client,
    account: AccountConfig,
    _driver: Driver,
    _home: tempfile::TempDir,
}

impl AppOnAsterisk {
    async fn start() -> anyhow::Result<AppOnAsterisk> {
        let app = app_binary()?;
        let home = tempfile::tempdir()?;
        let config_path = home.path().join("config.toml");
        let data_dir = home.path().join("data");
        let mut account = AccountConfig::new("asterisk", "127.0.0.1");
        account.base_url = Some("tcp://127.0.0.1:5038".into());
        account.user = Some("101".into());
        account.login = Some("ci".into());
        secrets::store_api_key(&account, &Secret::new("ci-secret")).context("keyring")?;
        Config {
            account: Some(account.clone()),
            ..Default::default()
        }
        .save_to(&config_path)?;
        Store::open(&data_dir.join("callpop.sqlite3"), "RU")?
            .import_csv(DIRECTORY_CSV.as_bytes())?;
        let port = free_port();
        let driver = start_driver(port, &config_path, &data_dir, "ru-RU")?;
        let client = connect(port, &app, &["--open"]).await?;
        // Calls only reach the app once it is connected to the PBX.
        switch_to(&client, "Callpop").await?;
        wait_for(
            &client,
            "document.querySelector('#status.online')",
            Duration::from_secs(20),
        )
        .await
        .context("the app connects to Asterisk")?;
        switch_to(&client, "Callpop card").await?;
        Ok(AppOnAsterisk {
            client,
            account,
            _driver: driver,
            _home: home,
        })
    }

    async fn finish(self, result: anyhow::Result<()>) -> anyhow::Result<()> {
        let _ = self.client.close().await;
        let _ = secrets::delete_api_key(&self.account);
        result
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the PBX lab (root), Xvfb, a Secret Service and tauri-driver: run scripts/test.sh"]
async fn a_customer_calling_101_pops_the_card_that_follows_the_call_to_its_end(
) -> anyhow::Result<()> {
    let Some(_turn) = lab("app card from Asterisk").await else {
        return Ok(());
    };
    let _desk_phone = desk_phone_answering_after(1500);
    let app = AppOnAsterisk::start().await?;
    let client = &app.client;
    let result = async {
        let mut customer = Running(customer_calls(CUSTOMER, 1, 2000, None));
        let name = wait_for(
            client,
            "document.querySelector('.card .name')?.textContent",
            Duration::from_secs(20),
        )
        .await?;
        assert_eq!(name, "Иван Лабов");
        assert_eq!(text_of(client, ".card .company").await?, "ООО Лаборатория");
        assert_eq!(text_of(client, ".card .state").await?, "Входящий звонок");
        save_screenshot(client, "card-asterisk-ringing.png").await?;
        wait_for(
            client,
            "document.querySelector('.card[data-state=answered]')",
            Duration::from_secs(20),
        )
        .await?;
        wait_for(
            client,
            "document.querySelector('.card[data-state=ended]')",
            Duration::from_secs(20),
        )
        .await?;
        // "Звонок завершён · 0:02": the customer talked 2 s after 101 answered.
        let state = text_of(client, ".card .state").await?;
        let seconds: u32 = state
            .rsplit(':')
            .next()
            .and_then(|s| s.trim().parse().ok())
            .with_context(|| format!("a duration in {state:?}"))?;
        assert!((1..=6).contains(&seconds), "talked {seconds} s: {state}");
        assert_eq!(
            client
                .execute("return document.querySelectorAll('.card').length;", vec![])
                .await?,
            1,
            "one card for all the legs"
        );
        assert!(
            customer.0.wait()?.success(),
            "the customer's sipp succeeded"
        );
        anyhow::Ok(())
    }
    .await;
    app.finish(result).await
}

/// Longer than the card lingers after a call's end (`card::LINGER_AFTER_END`, 4 s).
const CARD_GONE: Duration = Duration::from_millis(5500);

/// Places `calls` customer calls one after another and returns, per call, the milliseconds
/// from sipp sending its INVITE to the frame showing its new card.
async fn invites_to_cards(client: &Client, calls: u32) -> anyhow::Result<Vec<f64>> {
    let log = tempfile::NamedTempFile::new()?;
    let painted_before: usize = serde_json::from_value(
        client
            .execute("return window.cardPaints.length;", vec![])
            .await?,
    )?;
    let status = Running(customer_calls(CUSTOMER, calls, 100, Some(log.path())))
        .0
        .wait()?;
    anyhow::ensure!(status.success(), "the customers' sipp failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let painted = client
        .execute(
            "return window.cardPaints.slice(arguments[0]).map((p) => p.at);",
            vec![serde_json::json!(painted_before)],
        )
        .await?;
    let mut painted: Vec<f64> = serde_json::from_value(painted)?;
    painted.sort_by(f64::total_cmp);
    let invites = invite_times(log.path());
    anyhow::ensure!(
        invites.len() == calls as usize && painted.len() == calls as usize,
        "{} INVITEs, {} cards painted, {calls} calls",
        invites.len(),
        painted.len()
    );
    Ok(invites
        .iter()
        .zip(&painted)
        .map(|(invite, card)| card - invite * 1000.0)
        .collect())
}

/// "p50=… p99=… max=…" of `latencies` (ms).
fn percentiles(latencies: &[f64]) -> String {
    let mut sorted = latencies.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    format!(
        "p50={:.1} ms p99={:.1} ms max={:.1} ms",
        at(0.5),
        at(0.99),
        sorted[sorted.len() - 1]
    )
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement, not a test: CALLPOP_MEASURE_CARDS=20 cargo test -p callpop-tests --test asterisk_app measure -- --ignored --nocapture"]
async fn measure_invite_to_card() -> anyhow::Result<()> {
    let Some(calls) = std::env::var("CALLPOP_MEASURE_CARDS")
        .ok()
        .and_then(|n| n.parse::<u32>().ok())
    else {
        eprintln!("not measuring: set CALLPOP_MEASURE_CARDS=N (N calls)");
        return Ok(());
    };
    let Some(_turn) = lab("measure INVITE to card").await else {
        return Ok(());
    };
    let _desk_phone = desk_phone_answering_after(100);
    let app = AppOnAsterisk::start().await?;
    let client = &app.client;
    let result = async {
        // Back to back: each card arrives while the last one is still on screen.
        let started = Instant::now();
        let back_to_back = invites_to_cards(client, calls).await?;
        let first = back_to_back[0];
        println!(
            "INVITE -> card painted, {calls} calls back to back ({:.1} s): the first card after the start {first:.1} ms; \
             the {} after it {}",
            started.elapsed().as_secs_f64(),
            calls - 1,
            percentiles(&back_to_back[1..]),
        );
        let in_page: Vec<f64> = serde_json::from_value(
            client
                .execute("return window.cardPaints.map((p) => p.at - p.received);", vec![])
                .await?,
        )?;
        println!(
            "  of which in the card's page (the call received -> the frame showing it): the first {:.1} ms, the rest {}",
            in_page[0],
            percentiles(&in_page[1..]),
        );
        // As a manager meets them: each call after the card has gone (hidden after the last
        // call's end), so every card is a window shown anew.
        let mut from_hidden = Vec::new();
        for _ in 0..calls.min(20) {
            tokio::time::sleep(CARD_GONE).await;
            from_hidden.extend(invites_to_cards(client, 1).await?);
        }
        println!(
            "INVITE -> card painted, {} calls each after the card had gone: {}",
            from_hidden.len(),
            percentiles(&from_hidden),
        );
        anyhow::Ok(())
    }
    .await;
    app.finish(result).await
}
