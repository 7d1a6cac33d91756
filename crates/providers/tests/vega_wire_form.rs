//! The Vega client's wire form remembered between runs (`vega::wire_form`), against the
//! simulator over real HTTP on 127.0.0.1: each "run" is a new `VegaClient` given the same memory
//! directory, as each `callpop-cli` command or app start is.

use std::path::PathBuf;
use std::time::Duration;

use callpop_providers::vega::wire_form::{WireForm, WireFormMemory, FILE_NAME};
use callpop_providers::vega::{Directions, VegaClient, VegaError};
use callpop_sim::vega::{VegaSimConfig, VegaSimHandle, WireForms};

mod common;

use common::{client, settings, start, DOMAIN, KEY};

/// A fresh memory directory under the system's temp dir, removed when dropped.
struct MemoryDir(PathBuf);

impl MemoryDir {
    fn new(test: &str) -> MemoryDir {
        let dir = std::env::temp_dir().join(format!(
            "callpop-vega-wire-form-{test}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        MemoryDir(dir)
    }

    /// What the directory remembers for `sim`'s account.
    fn recall(&self, sim: &VegaSimHandle) -> Option<WireForm> {
        self.memory(sim).recall()
    }

    fn memory(&self, sim: &VegaSimHandle) -> WireFormMemory {
        WireFormMemory::new(&self.0, &settings(sim, Duration::from_secs(2)))
    }
}

impl Drop for MemoryDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn sim_taking(wire_forms: WireForms) -> VegaSimHandle {
    let mut config = VegaSimConfig::new(DOMAIN, KEY);
    config.wire_forms = wire_forms;
    start(config).await
}

/// A new client of `sim` remembering in `dir`: one run of the program.
fn run(sim: &VegaSimHandle, dir: &MemoryDir) -> VegaClient {
    client(sim).with_wire_form_memory(dir.0.clone())
}

#[tokio::test]
async fn a_new_client_for_a_post_only_server_sends_no_get_once_a_run_found_out() {
    let sim = sim_taking(WireForms::PostJsonOnly).await;
    let dir = MemoryDir::new("post-only");

    let first = run(&sim, &dir);
    assert!(!first.uses_post_json_form(), "nothing remembered yet");
    assert_eq!(first.users().await.unwrap().len(), 4);
    let after_first = sim.stats();
    assert_eq!(after_first.method_not_allowed, 1, "{after_first:?}");
    assert_eq!(dir.recall(&sim), Some(WireForm::PostJson));
    drop(first);

    let second = run(&sim, &dir);
    assert!(second.uses_post_json_form());
    second.active_calls().await.unwrap();
    assert_eq!(second.users().await.unwrap().len(), 4);
    let stats = sim.stats();
    assert_eq!(
        (stats.method_not_allowed, stats.query_form_requests),
        (1, 0),
        "the second run sent no GET: {stats:?}"
    );
    assert_eq!(stats.json_form_requests, after_first.json_form_requests + 2);
}

#[tokio::test]
async fn without_a_memory_each_new_client_probes_with_get_again() {
    let sim = sim_taking(WireForms::PostJsonOnly).await;
    client(&sim).users().await.unwrap();
    client(&sim)
        .with_wire_form_memory(None)
        .users()
        .await
        .unwrap();
    assert_eq!(sim.stats().method_not_allowed, 2);
}

#[tokio::test]
async fn a_remembered_post_for_a_server_that_now_takes_only_get_switches_back_and_remembers_get() {
    let sim = sim_taking(WireForms::QueryOnly).await;
    let dir = MemoryDir::new("get-only");
    dir.memory(&sim).remember(WireForm::PostJson);

    let client = run(&sim, &dir);
    assert!(
        client.uses_post_json_form(),
        "starts with the remembered POST"
    );
    assert_eq!(client.users().await.unwrap().len(), 4);
    assert!(!client.uses_post_json_form());
    let stats = sim.stats();
    assert_eq!(
        (
            stats.method_not_allowed,
            stats.json_form_requests,
            stats.query_form_requests
        ),
        (1, 0, 1),
        "one refused POST, then GET: {stats:?}"
    );
    assert_eq!(dir.recall(&sim), Some(WireForm::Query));

    let next_run = run(&sim, &dir);
    assert!(!next_run.uses_post_json_form());
    next_run.active_calls().await.unwrap();
    assert_eq!(sim.stats().method_not_allowed, 1, "no POST tried again");
}

#[tokio::test]
async fn a_corrupt_memory_file_is_not_known_requests_work_and_the_switch_repairs_it() {
    let sim = sim_taking(WireForms::PostJsonOnly).await;
    let dir = MemoryDir::new("corrupt");
    std::fs::create_dir_all(&dir.0).unwrap();
    std::fs::write(dir.0.join(FILE_NAME), b"{\"accounts\": {\"half a").unwrap();

    let client = run(&sim, &dir);
    assert!(!client.uses_post_json_form());
    assert_eq!(client.users().await.unwrap().len(), 4);
    assert_eq!(sim.stats().method_not_allowed, 1);
    assert_eq!(dir.recall(&sim), Some(WireForm::PostJson));

    run(&sim, &dir).users().await.unwrap();
    assert_eq!(sim.stats().method_not_allowed, 1);
}

#[tokio::test]
async fn a_server_taking_the_spec_s_form_writes_no_memory() {
    let sim = sim_taking(WireForms::Both).await;
    let dir = MemoryDir::new("both");
    let client = run(&sim, &dir);
    client.users().await.unwrap();
    client.active_calls().await.unwrap();
    assert!(!dir.0.join(FILE_NAME).exists());
    let stats = sim.stats();
    assert_eq!(
        (stats.query_form_requests, stats.json_form_requests),
        (2, 0)
    );
}

#[tokio::test]
async fn bad_parameters_under_a_remembered_post_keep_post_and_report_its_400() {
    let sim = sim_taking(WireForms::PostJsonOnly).await;
    let dir = MemoryDir::new("bad-parameters");
    dir.memory(&sim).remember(WireForm::PostJson);
    let client = run(&sim, &dir);
    let at = chrono::Utc::now();
    // company.api takes directions 1, 2 and 4 only (vega.md B.5).
    match client
        .company_calls(at, at, Some(Directions::HOLD))
        .await
        .unwrap_err()
    {
        VegaError::Http { status, body, .. } => {
            assert_eq!(status, 400);
            assert!(body.contains("directions"), "{body}");
        }
        other => panic!("expected the POST form's 400, got {other:?}"),
    }
    assert!(client.uses_post_json_form());
    assert_eq!(dir.recall(&sim), Some(WireForm::PostJson));
}
