//! Each instance's reader: the stream's tail into the hub at start, then every new entry as it
//! comes (`XREAD BLOCK`), reconnecting with backoff and jitter when Redis goes away. Entries
//! are numbered by the cluster; the hub ignores numbers it has, so reading an entry twice (after
//! a reconnect) delivers it once.

use std::time::Duration;

use callpop_core::backoff::Backoff;
use callpop_core::CallEvent;
use redis::streams::{StreamId, StreamReadReply};
use tokio_util::sync::CancellationToken;

use super::{ClusterError, Redis, EVENTS, SEQ};
use crate::config::ClientEntry;
use crate::hub::EventHub;

/// How long one `XREAD` waits for new entries before asking again.
const BLOCK: Duration = Duration::from_secs(2);
/// Most entries taken per read.
const BATCH: usize = 1000;
/// How often the stream is trimmed by age.
const TRIM_EVERY: Duration = Duration::from_secs(60);
/// The most of the stream's tail loaded at start.
const MAX_TAIL: usize = 200_000;

/// A hub for `clients` filled with the stream's tail, and the task that keeps it fed until
/// the hub shuts down.
pub(crate) async fn start(
    redis: &Redis,
    clients: &[ClientEntry],
    capacity: usize,
) -> Result<EventHub, ClusterError> {
    let unreachable = |error: redis::RedisError| ClusterError::Unreachable {
        url: redis.settings.redis_url.clone(),
        message: error.to_string(),
    };
    let mut connection = redis.connection.clone();
    // Every instance agrees on where numbering starts, even before the first event.
    let _: bool = redis::cmd("SET")
        .arg(SEQ)
        .arg(Redis::clock_seq())
        .arg("NX")
        .query_async::<Option<String>>(&mut connection)
        .await
        .map(|set| set.is_some())
        .map_err(unreachable)?;
    let keep = capacity
        .max(1)
        .saturating_mul(clients.len().max(1))
        .min(MAX_TAIL);
    let tail: Vec<StreamId> = redis::cmd("XREVRANGE")
        .arg(EVENTS)
        .arg("+")
        .arg("-")
        .arg("COUNT")
        .arg(keep)
        .query_async::<redis::streams::StreamRangeReply>(&mut connection)
        .await
        .map_err(unreachable)?
        .ids;
    let counter: u64 = redis::cmd("GET")
        .arg(SEQ)
        .query_async::<Option<u64>>(&mut connection)
        .await
        .map_err(unreachable)?
        .unwrap_or_else(Redis::clock_seq);
    let entries: Vec<(u64, CallEvent)> = tail.iter().rev().filter_map(entry).collect();
    let head = entries.first().map_or(counter, |(seq, _)| seq - 1);
    let last_id = tail
        .first()
        .map_or_else(|| "0-0".to_owned(), |id| id.id.clone());
    let hub = EventHub::fed(clients, capacity, head);
    tracing::info!(
        instance = %redis.settings.instance_name(),
        events = entries.len(),
        "joined the cluster: events loaded from Redis"
    );
    hub.insert_numbered(entries);
    tokio::spawn(follow(redis.clone(), hub.clone(), last_id));
    tokio::spawn(trim(redis.clone(), hub.shutdown_token()));
    Ok(hub)
}

/// One stream entry as a numbered event; `None` (with a warning) for one that does not read.
fn entry(id: &StreamId) -> Option<(u64, CallEvent)> {
    let seq: Option<u64> = id.get("seq");
    let event: Option<String> = id.get("event");
    match (
        seq,
        event.map(|json| serde_json::from_str::<CallEvent>(&json)),
    ) {
        (Some(seq), Some(Ok(event))) => Some((seq, event)),
        _ => {
            tracing::warn!("stream entry {} skipped: not a numbered event", id.id);
            None
        }
    }
}

/// Reads new entries into `hub` until it shuts down.
async fn follow(redis: Redis, hub: EventHub, mut last_id: String) {
    let shutdown = hub.shutdown_token();
    let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(super::COMMAND_TIMEOUT))
        .set_response_timeout(Some(BLOCK + super::COMMAND_TIMEOUT));
    let mut connection = None;
    loop {
        if connection.is_none() {
            let connecting = redis
                .client
                .get_multiplexed_async_connection_with_config(&config);
            let connected = tokio::select! {
                () = shutdown.cancelled() => return,
                connected = connecting => connected,
            };
            match connected {
                Ok(opened) => connection = Some(opened),
                Err(error) => {
                    redis.health.failed("connecting to read the stream", &error);
                    if wait(&shutdown, backoff.next_wait()).await {
                        return;
                    }
                    continue;
                }
            }
        }
        let Some(open) = connection.as_mut() else {
            continue;
        };
        let mut command = redis::cmd("XREAD");
        command
            .arg("COUNT")
            .arg(BATCH)
            .arg("BLOCK")
            .arg(BLOCK.as_millis() as u64)
            .arg("STREAMS")
            .arg(super::EVENTS)
            .arg(&last_id);
        let read = command.query_async::<Option<StreamReadReply>>(open);
        let read = tokio::select! {
            () = shutdown.cancelled() => return,
            read = read => read,
        };
        match read {
            Ok(reply) => {
                redis.health.ok();
                backoff.reset();
                let ids = reply
                    .into_iter()
                    .flat_map(|reply| reply.keys)
                    .flat_map(|key| key.ids);
                let mut batch = Vec::new();
                for id in ids {
                    batch.extend(entry(&id));
                    last_id = id.id;
                }
                hub.insert_numbered(batch);
            }
            Err(error) => {
                redis.health.failed("reading the stream", &error);
                connection = None;
                if wait(&shutdown, backoff.next_wait()).await {
                    return;
                }
            }
        }
    }
}

/// Drops entries older than the retention now and then. Every instance does it; trimming
/// twice is harmless.
async fn trim(redis: Redis, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(TRIM_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let oldest_ms = chrono::Utc::now().timestamp_millis()
            - i64::try_from(redis.settings.retention_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        let mut connection = redis.connection.clone();
        let trimmed = redis::cmd("XTRIM")
            .arg(EVENTS)
            .arg("MINID")
            .arg("~")
            .arg(oldest_ms.max(0))
            .query_async::<u64>(&mut connection)
            .await;
        if let Err(error) = trimmed {
            tracing::debug!("stream not trimmed this time: {error}");
        }
    }
}

/// Sleeps `wait` unless `shutdown` comes first; true when it did.
async fn wait(shutdown: &CancellationToken, wait: Duration) -> bool {
    tokio::select! {
        () = shutdown.cancelled() => true,
        () = tokio::time::sleep(wait) => false,
    }
}
