//! `sim vega --listen ADDR`: a PBX simulator for trying Callpop without a PBX.

use std::process::ExitCode;

use anyhow::Context as _;
use callpop_sim::vega::{demo, VegaSim, VegaSimConfig};

/// Arguments of `sim`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    provider: Provider,
}

#[derive(clap::Subcommand)]
enum Provider {
    /// The Vega PBX: authorize, active calls, makeCall, and `/_sim/` controls.
    Vega {
        /// Address to listen on (loopback: 127.0.0.1:PORT).
        #[arg(long, default_value = "127.0.0.1:8089")]
        listen: String,
        /// The account domain it accepts.
        #[arg(long, default_value = demo::DEMO_DOMAIN)]
        domain: String,
        /// The API key it accepts (a simulator's, not a secret).
        #[arg(long, default_value = demo::DEMO_API_KEY)]
        api_key: String,
        /// Play a demo call every 20 s to extension 001.
        #[arg(long)]
        demo: bool,
    },
}

/// Serves until Ctrl-C.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Provider::Vega {
        listen,
        domain,
        api_key,
        demo: play_demo,
    } = args.provider;
    let sim = VegaSim::start(listen.as_str(), VegaSimConfig::new(&domain, &api_key))
        .await
        .with_context(|| format!("starting the Vega simulator on {listen}"))?;
    println!(
        "Vega simulator at {} (domain {domain}); Ctrl-C stops it",
        sim.base_url()
    );
    if play_demo {
        tokio::select! {
            result = demo::run(&sim, demo::DemoSettings::default()) => result?,
            _ = tokio::signal::ctrl_c() => {}
        }
    } else {
        tokio::signal::ctrl_c().await?;
    }
    sim.shutdown().await;
    Ok(ExitCode::SUCCESS)
}
