//! The desktops a cluster lets in, where every instance sees them: a Redis hash,
//! `callpop:clients`, name → the entry as JSON (the token's hash, never the token).
//! `callpop-cli relay add-client` / `remove-client` write it; each instance reads it with its
//! config file's `[[clients]]` every few seconds, a name in Redis taking the file's place.

use std::collections::HashMap;

use redis::AsyncCommands;

use super::{ClusterError, ClusterSettings, Redis, REDIS_PASSWORD_ENV};
use crate::config::ClientEntry;

/// The hash of clients.
const CLIENTS: &str = "callpop:clients";

/// The cluster's clients as Redis has them; an entry that does not read is skipped with a
/// warning (it cannot let anyone in).
pub(crate) async fn read(redis: &Redis) -> redis::RedisResult<Vec<ClientEntry>> {
    let mut connection = redis.connection.clone();
    let stored: HashMap<String, String> = connection.hgetall(CLIENTS).await?;
    let mut entries: Vec<ClientEntry> = stored
        .into_iter()
        .filter_map(
            |(name, json)| match serde_json::from_str::<ClientEntry>(&json) {
                Ok(entry) if entry.name == name => Some(entry),
                _ => {
                    tracing::warn!("client {name:?} in Redis skipped: not a client entry");
                    None
                }
            },
        )
        .collect();
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(entries)
}

/// `file` with `shared` laid over it: a name in both takes the shared entry.
pub(crate) fn merge(file: &[ClientEntry], shared: &[ClientEntry]) -> Vec<ClientEntry> {
    let mut merged: Vec<ClientEntry> = file
        .iter()
        .filter(|entry| !shared.iter().any(|s| s.name == entry.name))
        .cloned()
        .collect();
    merged.extend(shared.iter().cloned());
    merged
}

async fn connect(settings: &ClusterSettings) -> Result<Redis, ClusterError> {
    Redis::connect(settings).await
}

/// Adds (or replaces) `entry` in the cluster's clients: every instance lets it in within
/// seconds.
pub async fn add(settings: &ClusterSettings, entry: &ClientEntry) -> Result<(), ClusterError> {
    let redis = connect(settings).await?;
    let json = serde_json::to_string(entry).map_err(|error| ClusterError::Unreachable {
        url: settings.redis_url.clone(),
        message: format!("encoding the client: {error}"),
    })?;
    let mut connection = redis.connection.clone();
    connection
        .hset::<_, _, _, ()>(CLIENTS, &entry.name, json)
        .await
        .map_err(|error| unreachable(settings, &error))
}

/// Takes `name` out of the cluster's clients; false when it was not there.
pub async fn remove(settings: &ClusterSettings, name: &str) -> Result<bool, ClusterError> {
    let redis = connect(settings).await?;
    let mut connection = redis.connection.clone();
    let removed: u64 = connection
        .hdel(CLIENTS, name)
        .await
        .map_err(|error| unreachable(settings, &error))?;
    Ok(removed > 0)
}

fn unreachable(settings: &ClusterSettings, error: &redis::RedisError) -> ClusterError {
    ClusterError::Unreachable {
        url: settings.redis_url.clone(),
        message: format!("{error} (password from {REDIS_PASSWORD_ENV})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::issue_client_token;

    #[test]
    fn a_shared_entry_takes_the_place_of_the_files_by_name() {
        let (_, olena_file) = issue_client_token("olena", Some("001"), &[]);
        let (_, boss) = issue_client_token("boss", None, &[]);
        let (_, olena_shared) = issue_client_token("olena", Some("002"), &[]);
        let merged = merge(
            &[olena_file, boss.clone()],
            std::slice::from_ref(&olena_shared),
        );
        assert_eq!(merged, [boss, olena_shared]);
    }
}
