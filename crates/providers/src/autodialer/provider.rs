//! The Autodialer behind the same [`Provider`] seam as the PBXs: it offers [`RobotCalls`] (and
//! plays the recordings its results link to) and nothing else, so the app and the CLI reach it
//! as they reach any capability, never through its client.

use std::time::Duration;

use async_trait::async_trait;
use callpop_core::secrets::Secret;
use callpop_core::{CallEvent, CallRecord};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{
    AutodialerClient, AutodialerClientSettings, CdrQuery, CdrResults, DialOptions, DialRecord,
    NewCallAnswer, SendReport, PROVIDER,
};
use crate::account::ProviderError;
use crate::capability::{Provider, Recordings, RobotCalls};
use crate::recording::{self, Recording};

/// One Autodialer account.
struct AutodialerProvider {
    client: AutodialerClient,
    timeout: Duration,
}

/// The Autodialer of `settings`, with its own `key` (not the PBX's).
pub fn connect(
    settings: &AutodialerClientSettings,
    key: &Secret,
) -> Result<Box<dyn Provider>, ProviderError> {
    Ok(Box::new(AutodialerProvider {
        client: AutodialerClient::new(settings, key)?,
        timeout: settings.timeout,
    }))
}

#[async_trait]
impl Provider for AutodialerProvider {
    async fn start(
        &self,
        _events: mpsc::Sender<CallEvent>,
        _shutdown: CancellationToken,
    ) -> Result<(), ProviderError> {
        // Nothing rings a manager: no live calls to watch. Results come from `results` and
        // the completion webhook (the relay).
        Ok(())
    }

    fn robot_calls(&self) -> Option<&dyn RobotCalls> {
        Some(self)
    }

    fn recordings(&self) -> &dyn Recordings {
        self
    }
}

#[async_trait]
impl RobotCalls for AutodialerProvider {
    async fn send_to_campaign(
        &self,
        records: &[DialRecord],
        options: &DialOptions,
    ) -> Result<SendReport, ProviderError> {
        Ok(self.client.make(records, options).await?)
    }

    async fn robot_call(
        &self,
        record: &DialRecord,
        options: &DialOptions,
    ) -> Result<NewCallAnswer, ProviderError> {
        Ok(self.client.new_call(record, options).await?)
    }

    async fn results(&self, query: &CdrQuery, region: &str) -> Result<CdrResults, ProviderError> {
        Ok(self.client.results(query, region).await?)
    }
}

#[async_trait]
impl Recordings for AutodialerProvider {
    /// `cdr` and the completion webhook give a plain link to the recording.
    async fn recording(&self, call: &CallRecord) -> Result<Recording, ProviderError> {
        recording::from_history_link(call, self.timeout, PROVIDER).await
    }
}
