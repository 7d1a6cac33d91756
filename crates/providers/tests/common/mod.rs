//! What the Vega test files share: the account they test (the domain and API key of vega.md's
//! examples), the simulator serving it on 127.0.0.1 (port 0), and a client of it.

// Each test file is its own crate and uses only part of this.
#![allow(dead_code)]

use std::time::Duration;

use callpop_providers::vega::{VegaClient, VegaSettings};
use callpop_sim::vega::{VegaSim, VegaSimConfig, VegaSimHandle};

/// The account domain of vega.md's examples.
pub const DOMAIN: &str = "test4.pbx.vega.ua";
/// The API key of vega.md's examples.
pub const KEY: &str = "bHGbn240QSjFJgydWOWyZ3ve6UeNDT8CV";

/// The simulator with `config`, on a free port.
pub async fn start(config: VegaSimConfig) -> VegaSimHandle {
    VegaSim::start("127.0.0.1:0", config)
        .await
        .expect("simulator starts")
}

/// Settings for `sim`'s account, numbers read as Ukrainian.
pub fn settings(sim: &VegaSimHandle, timeout: Duration) -> VegaSettings {
    VegaSettings {
        base_url: sim.base_url(),
        domain: DOMAIN.to_owned(),
        timeout,
        region: "UA".to_owned(),
    }
}

/// A client of `sim` with a 2 s timeout.
pub fn client(sim: &VegaSimHandle) -> VegaClient {
    VegaClient::new(settings(sim, Duration::from_secs(2)), KEY.to_owned()).unwrap()
}
