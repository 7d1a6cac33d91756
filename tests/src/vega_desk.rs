//! The real app set up on a simulated Vega account, as most end-to-end tests need it: the Vega
//! simulator on 127.0.0.1, a fresh home holding the config file and the data directory (both
//! outlive a restart of the app), "me" = `001`, and the account's key in the real keyring,
//! removed again when the desk is dropped.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use callpop_core::secrets::{self, Secret};
use callpop_core::{AccountConfig, Config, Store};
use callpop_sim::vega::{VegaSim, VegaSimConfig, VegaSimHandle};
use fantoccini::Client;

use crate::webdriver::{connect, free_port, start_driver, workspace_dir, Driver};

/// How long a click-to-call may take to reach the simulator.
const CALL_WITHIN: Duration = Duration::from_secs(15);

/// A Vega account on the simulator, and where the app keeps its config and data for it.
pub struct VegaDesk {
    /// The simulated PBX.
    pub sim: VegaSimHandle,
    /// The account the config names (the simulator's base URL, "me" = `001`).
    pub account: AccountConfig,
    home: tempfile::TempDir,
}

/// Names another build of the app for the tests to drive (the release build, to measure it).
pub const APP_BINARY_ENV: &str = "CALLPOP_APP_BINARY";

/// The app the tests drive: `$CALLPOP_APP_BINARY`, else the debug build (`cargo build -p
/// callpop` makes it).
pub fn app_binary() -> anyhow::Result<PathBuf> {
    // A relative path is the workspace's (cargo runs tests in the package's directory).
    let app = workspace_dir().join(
        std::env::var_os(APP_BINARY_ENV)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("target/debug/callpop")),
    );
    anyhow::ensure!(
        app.exists(),
        "{} is missing: build it first with `cargo build -p callpop`",
        app.display()
    );
    Ok(app)
}

impl VegaDesk {
    /// Starts a simulator for the test named `test` (its domain is unique to this run), stores
    /// `api_key` in the keyring and writes a config with just the account.
    pub async fn new(test: &str, api_key: &str) -> anyhow::Result<VegaDesk> {
        let domain = format!("{test}-{}.pbx.vega.ua", std::process::id());
        let sim = VegaSim::start("127.0.0.1:0", VegaSimConfig::new(&domain, api_key)).await?;
        let mut account = AccountConfig::new("vega", &domain);
        account.base_url = Some(sim.base_url());
        account.user = Some("001".into());
        account.poll_interval_ms = 200;
        secrets::store_api_key(&account, &Secret::new(api_key))
            .context("storing the key in the keyring")?;
        let desk = VegaDesk {
            sim,
            account,
            home: tempfile::tempdir()?,
        };
        desk.save_config(Config::default())?;
        Ok(desk)
    }

    /// The config file the app reads.
    pub fn config_path(&self) -> PathBuf {
        self.home.path().join("config.toml")
    }

    /// The app's data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.home.path().join("data")
    }

    /// The home directory the config and data live in.
    pub fn home(&self) -> &std::path::Path {
        self.home.path()
    }

    /// Opens the app's directory and history file (close it before the app starts writing).
    pub fn store(&self) -> anyhow::Result<Store> {
        Ok(Store::open(&self.data_dir().join("callpop.sqlite3"), "RU")?)
    }

    /// Writes `config` with this desk's account as the active one.
    pub fn save_config(&self, config: Config) -> anyhow::Result<()> {
        Config {
            account: Some(self.account.clone()),
            ..config
        }
        .save_to(&self.config_path())?;
        Ok(())
    }

    /// Starts the app in `locale` with `args` and opens a WebDriver session with it; the
    /// driver (and the app with it) ends when the returned [`Driver`] is dropped.
    pub async fn launch(&self, locale: &str, args: &[&str]) -> anyhow::Result<(Client, Driver)> {
        let app = app_binary()?;
        let port = free_port();
        let driver = start_driver(port, &self.config_path(), &self.data_dir(), locale)?;
        let client = connect(port, &app, args).await?;
        Ok((client, driver))
    }

    /// Waits until the simulator has been asked to call `number` with my phone ringing first;
    /// returns how many calls it was asked to make in all.
    pub async fn wait_for_call_to(&self, number: &str) -> anyhow::Result<usize> {
        let deadline = Instant::now() + CALL_WITHIN;
        loop {
            let made = self.sim.calls_made();
            if let Some(call) = made.iter().find(|call| call.other_leg_num == number) {
                anyhow::ensure!(call.leg_ext == "001", "my phone rings first: {call:?}");
                return Ok(made.len());
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "no makeCall to {number}; made: {made:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for VegaDesk {
    fn drop(&mut self) {
        let _ = secrets::delete_api_key(&self.account);
    }
}
