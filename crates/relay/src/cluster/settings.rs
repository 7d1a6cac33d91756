//! `[cluster]`: where the shared Redis is, and how long its stream keeps events.

use serde::{Deserialize, Serialize};

use crate::config::ConfigError;

/// The environment variable the Redis password is read from: a password is a secret and the
/// config file is not the place for one.
pub const REDIS_PASSWORD_ENV: &str = "CALLPOP_REDIS_PASSWORD";

/// Several relay instances sharing one Redis (or Valkey).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSettings {
    /// `redis://host:port/db`, or `rediss://` for TLS; without a password (it comes from
    /// `CALLPOP_REDIS_PASSWORD`).
    pub redis_url: String,
    /// This instance's name in logs; the host name when absent.
    #[serde(default)]
    pub instance: Option<String>,
    /// Events the stream keeps, at least (Redis trims in whole blocks, so a few more stay).
    #[serde(default = "default_retention_events")]
    pub retention_events: u64,
    /// Events older than this many seconds leave the stream.
    #[serde(default = "default_retention_secs")]
    pub retention_secs: u64,
}

fn default_retention_events() -> u64 {
    100_000
}

fn default_retention_secs() -> u64 {
    24 * 60 * 60
}

impl ClusterSettings {
    /// This instance's name: the configured one, else the host name.
    pub fn instance_name(&self) -> String {
        self.instance
            .clone()
            .filter(|name| !name.trim().is_empty())
            .unwrap_or_else(|| gethostname::gethostname().to_string_lossy().into_owned())
    }

    /// Checks what can be checked without connecting.
    pub(crate) fn check(&self) -> Result<(), ConfigError> {
        self.client(None).map(|_| ())?;
        if self.retention_events == 0 || self.retention_secs == 0 {
            return Err(invalid(
                "retention_events and retention_secs must be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// A Redis client for `redis_url` with `password` (else none).
    pub(crate) fn client(&self, password: Option<&str>) -> Result<redis::Client, ConfigError> {
        let info = redis::IntoConnectionInfo::into_connection_info(self.redis_url.as_str())
            .map_err(|error| {
                invalid(format!(
                    "redis_url must look like redis://127.0.0.1:6379/0 ({error})"
                ))
            })?;
        if info.redis_settings().password().is_some() {
            return Err(invalid(format!(
                "redis_url must not hold the password: set {REDIS_PASSWORD_ENV} instead"
            )));
        }
        let info = match password.filter(|p| !p.is_empty()) {
            Some(password) => {
                let settings = info.redis_settings().clone().set_password(password);
                info.set_redis_settings(settings)
            }
            None => info,
        };
        redis::Client::open(info).map_err(|error| invalid(format!("redis_url: {error}")))
    }
}

fn invalid(message: String) -> ConfigError {
    ConfigError::Section {
        section: "cluster",
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(url: &str) -> ClusterSettings {
        ClusterSettings {
            redis_url: url.into(),
            instance: None,
            retention_events: 10,
            retention_secs: 10,
        }
    }

    #[test]
    fn a_password_in_the_url_is_refused_and_the_message_does_not_repeat_it() {
        let error = settings("redis://:hunter2-secret@127.0.0.1:6379/0")
            .check()
            .unwrap_err()
            .to_string();
        assert!(error.contains(REDIS_PASSWORD_ENV), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
    }

    #[test]
    fn a_url_that_is_not_redis_is_refused() {
        let error = settings("http://127.0.0.1:6379").check().unwrap_err();
        assert!(error.to_string().contains("redis://"), "{error}");
        assert!(settings("redis://127.0.0.1:6379/0").check().is_ok());
    }

    #[test]
    fn the_instance_defaults_to_the_host_name() {
        assert!(!settings("redis://127.0.0.1").instance_name().is_empty());
    }
}
