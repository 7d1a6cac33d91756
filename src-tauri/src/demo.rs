//! The built-in demo, run when nothing is configured: the Vega simulator on 127.0.0.1, a sample
//! directory in memory, and a call every ~20 s, so a newcomer sees Callpop work at once.
//!
//! The calls wait while the first-run wizard is open ([`hold`]): the card, always on top in the
//! screen's corner, would pop over the wizard every few seconds while the newcomer types.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use callpop_core::secrets::Secret;
use callpop_core::{AccountConfig, Store};
use callpop_sim::vega::{demo, VegaSim};
use tauri::{AppHandle, Manager};
use tokio::sync::watch;

/// The sample CRM's "new contact" form (the sample directory's links point at the same site).
pub const NEW_CONTACT_URL: &str = "https://crm.example.com/contacts/new?phone={phone}";

/// The first demo call comes a moment after start, once the app is in the tray.
const FIRST_CALL_AFTER: Duration = Duration::from_secs(3);

/// Whether the demo's calls wait (the wizard is open); the app manages one.
pub struct DemoHold(watch::Sender<bool>);

impl Default for DemoHold {
    fn default() -> DemoHold {
        DemoHold(watch::Sender::new(false))
    }
}

/// Holds the demo's calls (`true`) or lets them go on (`false`). A call already ringing plays
/// to its end; the next waits.
pub fn hold(app: &AppHandle, held: bool) {
    let hold = app.state::<DemoHold>();
    if hold.0.send_replace(held) != held {
        tracing::info!(
            "demo: calls {} while the set-up wizard is open",
            if held { "held" } else { "go on" }
        );
    }
}

/// What the demo's call loop watches.
pub fn hold_watch(app: &AppHandle) -> watch::Receiver<bool> {
    app.state::<DemoHold>().0.subscribe()
}

/// A running demo. The simulator and its call loop run for the rest of the app's life.
pub struct Demo {
    /// The simulated account, as if configured.
    pub account: AccountConfig,
    /// Its (public, demo-only) key.
    pub key: Secret,
    /// The sample directory.
    pub store: Arc<Store>,
}

impl Demo {
    /// Starts the simulator and its call loop, and loads the sample directory; no call starts
    /// while `held` says so.
    pub async fn start(region: &str, held: watch::Receiver<bool>) -> anyhow::Result<Demo> {
        let sim = VegaSim::start("127.0.0.1:0", demo::demo_config()).await?;
        let store = Store::open_in_memory(region)?;
        let report = store
            .import_csv(demo::DEMO_CONTACTS_CSV.as_bytes())
            .context("loading the sample directory")?;
        tracing::info!(
            "demo: simulator at {}, {} sample contacts",
            sim.base_url(),
            report.imported
        );

        let mut account = AccountConfig::new("vega", demo::DEMO_DOMAIN);
        account.base_url = Some(sim.base_url());
        account.user = Some(demo::DEMO_EMPLOYEE_EXT.to_owned());

        tokio::spawn(async move {
            tokio::time::sleep(FIRST_CALL_AFTER).await;
            if let Err(e) = demo::run_unless_held(&sim, demo::DemoSettings::default(), held).await {
                tracing::warn!("demo calls stopped: {e}");
            }
        });
        Ok(Demo {
            account,
            key: Secret::new(demo::DEMO_API_KEY),
            store: Arc::new(store),
        })
    }
}
