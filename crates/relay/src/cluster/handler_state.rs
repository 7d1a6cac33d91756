//! The webhook side of a cluster: a request is handled with the provider's state as the
//! cluster last left it, and its events and the new state are written to Redis in one script.
//!
//! Why a lock and not per-key merging: a handler's state is its own business (Vega's live
//! calls and duplicate filter, the cloud PBX's directions, Telediscount's seen events), and a
//! call's webhooks arrive a few per second at most. So requests for one provider take turns
//! across the cluster (a lock with a lease, so a killed instance cannot hold it), which is
//! exactly what one instance does with its mutex; the state travels as the handler's own JSON
//! ([`WebhookHandler::shared_state`]) and is read only when another instance wrote it since.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use callpop_core::CallEvent;
use callpop_providers::webhook::{Handled, WebhookContext, WebhookHandler, WebhookRequest};
use rand::Rng;

use super::{Redis, COMMAND_TIMEOUT, EVENTS, SEQ};
use crate::hub::{handle_all, PublishError, PublishEvents};

/// How long a lock holder may take before the lock lapses (a killed instance's lock).
const LEASE: Duration = Duration::from_secs(5);
/// How long a request waits for its provider's lock before it is answered 503.
const LOCK_WAIT: Duration = Duration::from_secs(3);
/// A shared state not touched for this long is dropped: no call lasts a day.
const STATE_TTL_SECS: u64 = 24 * 60 * 60;

/// Appends events (numbered from the counter, atomically) and, when given, stores a
/// provider's state and bumps its version. Returns the new version (0: no state given).
const APPEND: &str = r"
if redis.call('EXISTS', KEYS[2]) == 0 then redis.call('SET', KEYS[2], ARGV[2]) end
for i = 5, #ARGV do
  local seq = redis.call('INCR', KEYS[2])
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'seq', seq, 'event', ARGV[i])
end
if ARGV[4] == '' then return 0 end
redis.call('SET', KEYS[3], ARGV[4], 'EX', ARGV[3])
local version = redis.call('INCR', KEYS[4])
redis.call('EXPIRE', KEYS[4], ARGV[3])
return version
";

/// Deletes the lock only if it is still ours (a lapsed lease may have passed it on).
const UNLOCK: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

/// [`PublishEvents`] for a cluster member.
pub(crate) struct ClusterPublisher {
    redis: Redis,
    append: redis::Script,
    unlock: redis::Script,
    /// The state version each provider's handler here last read or wrote; `None`: unknown
    /// (read it before the next request).
    versions: Mutex<HashMap<&'static str, u64>>,
}

impl ClusterPublisher {
    pub(crate) fn new(redis: Redis) -> ClusterPublisher {
        ClusterPublisher {
            redis,
            append: redis::Script::new(APPEND),
            unlock: redis::Script::new(UNLOCK),
            versions: Mutex::new(HashMap::new()),
        }
    }

    fn version(&self, provider: &'static str) -> Option<u64> {
        let versions = self.versions.lock().unwrap_or_else(|p| p.into_inner());
        versions.get(provider).copied()
    }

    fn set_version(&self, provider: &'static str, version: Option<u64>) {
        let mut versions = self.versions.lock().unwrap_or_else(|p| p.into_inner());
        match version {
            Some(version) => versions.insert(provider, version),
            None => versions.remove(provider),
        };
    }

    /// Runs `command` with the command timeout; a failure is reported to the health log.
    async fn run<T>(
        &self,
        doing: &str,
        command: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, PublishError> {
        let outcome = match tokio::time::timeout(COMMAND_TIMEOUT, command).await {
            Ok(Ok(value)) => {
                self.redis.health.ok();
                return Ok(value);
            }
            Ok(Err(error)) => error.to_string(),
            Err(_) => format!("no answer within {COMMAND_TIMEOUT:?}"),
        };
        self.redis.health.failed(doing, &outcome);
        Err(PublishError::Broker(format!("{doing}: {outcome}")))
    }

    /// Appends `events` and, with `state`, stores it as `provider`'s; the state's new version.
    async fn append(
        &self,
        events: &[CallEvent],
        state: Option<(&'static str, String)>,
    ) -> Result<u64, PublishError> {
        let mut invocation = self.append.prepare_invoke();
        let (state_key, version_key, state_text) = match state {
            Some((provider, text)) => (state_key(provider), version_key(provider), text),
            None => (String::new(), String::new(), String::new()),
        };
        invocation
            .key(EVENTS)
            .key(SEQ)
            .key(state_key)
            .key(version_key)
            .arg(self.redis.settings.retention_events)
            .arg(Redis::clock_seq())
            .arg(STATE_TTL_SECS)
            .arg(state_text);
        for event in events {
            let json = serde_json::to_string(event)
                .map_err(|error| PublishError::Broker(format!("encoding an event: {error}")))?;
            invocation.arg(json);
        }
        let mut connection = self.redis.connection.clone();
        self.run(
            "appending events",
            invocation.invoke_async::<u64>(&mut connection),
        )
        .await
    }

    /// Takes `provider`'s lock, waiting up to [`LOCK_WAIT`]; the token that releases it.
    async fn lock(&self, provider: &'static str) -> Result<String, PublishError> {
        let token = format!("{:032x}", rand::thread_rng().gen::<u128>());
        let deadline = tokio::time::Instant::now() + LOCK_WAIT;
        loop {
            let mut connection = self.redis.connection.clone();
            let taken: Option<String> = self
                .run(
                    "taking the webhook lock",
                    redis::cmd("SET")
                        .arg(lock_key(provider))
                        .arg(&token)
                        .arg("NX")
                        .arg("PX")
                        .arg(LEASE.as_millis() as u64)
                        .query_async(&mut connection),
                )
                .await?;
            if taken.is_some() {
                return Ok(token);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(PublishError::Broker(format!(
                    "the {provider} webhook lock stayed taken for {LOCK_WAIT:?}"
                )));
            }
            // Jittered, so instances waiting for the same lock do not retry in step. (Trying
            // again at once, paced by Redis's round trip, was measured slower on this 2-core
            // machine: the spinning took CPU from the holder.)
            let wait = rand::thread_rng().gen_range(1..=4);
            tokio::time::sleep(Duration::from_millis(wait)).await;
        }
    }

    async fn unlock(&self, provider: &'static str, token: &str) {
        let mut connection = self.redis.connection.clone();
        let mut invocation = self.unlock.prepare_invoke();
        invocation.key(lock_key(provider)).arg(token);
        // A lock not released lapses with its lease.
        let _ = self
            .run(
                "releasing the webhook lock",
                invocation.invoke_async::<i64>(&mut connection),
            )
            .await;
    }

    /// Brings `handler` up to the state the cluster holds for its provider, if another
    /// instance wrote one since this one last looked. False when the cluster holds none yet.
    async fn take_over_state(
        &self,
        handler: &mut dyn WebhookHandler,
    ) -> Result<bool, PublishError> {
        let provider = handler.provider();
        let mut connection = self.redis.connection.clone();
        let (version, state): (Option<u64>, Option<String>) = self
            .run(
                "reading the handler state",
                redis::cmd("MGET")
                    .arg(version_key(provider))
                    .arg(state_key(provider))
                    .query_async(&mut connection),
            )
            .await?;
        let (Some(version), Some(state)) = (version, state) else {
            return Ok(false);
        };
        if self.version(provider) == Some(version) {
            return Ok(true);
        }
        if let Err(error) = handler.restore_shared_state(&state) {
            // Written by another version of the relay, say: this instance goes on with what it
            // has, which is what a single relay after a restart does.
            tracing::warn!("{provider} state from Redis not taken over: {error}");
        }
        self.set_version(provider, Some(version));
        Ok(true)
    }

    async fn handle_locked(
        &self,
        handler: &mut dyn WebhookHandler,
        requests: &[(WebhookRequest, WebhookContext<'_>)],
    ) -> Result<Vec<Handled>, PublishError> {
        let provider = handler.provider();
        // A refused batch is undone by reading the cluster's state again before the next; with
        // none there yet, by going back to this.
        let before = if self.take_over_state(handler).await? {
            None
        } else {
            handler.shared_state()
        };
        let (handled, events) = handle_all(handler, requests);
        let state = handler.shared_state().map(|text| (provider, text));
        if events.is_empty() && state.is_none() {
            return Ok(handled);
        }
        match self.append(&events, state).await {
            Ok(version) => {
                if version > 0 {
                    self.set_version(provider, Some(version));
                }
                Ok(handled)
            }
            Err(error) => {
                // The handler's state has moved on but the cluster's has not: read it again
                // before the next request.
                self.set_version(provider, None);
                if let Some(before) = before {
                    let _ = handler.restore_shared_state(&before);
                }
                Err(error)
            }
        }
    }
}

fn lock_key(provider: &str) -> String {
    format!("callpop:lock:{provider}")
}

fn state_key(provider: &str) -> String {
    format!("callpop:state:{provider}")
}

fn version_key(provider: &str) -> String {
    format!("callpop:state:{provider}:version")
}

impl PublishEvents for ClusterPublisher {
    fn publish(&self, events: Vec<CallEvent>) -> Result<(), PublishError> {
        if events.is_empty() {
            return Ok(());
        }
        self.redis
            .runtime
            .block_on(self.append(&events, None))
            .map(|_| ())
    }

    fn handle_batch(
        &self,
        handler: &mut dyn WebhookHandler,
        requests: &[(WebhookRequest, WebhookContext<'_>)],
    ) -> Result<Vec<Handled>, PublishError> {
        let provider = handler.provider();
        self.redis.runtime.block_on(async {
            let token = self.lock(provider).await?;
            let handled = self.handle_locked(handler, requests).await;
            self.unlock(provider, &token).await;
            handled
        })
    }
}
