//! "Test connection": connects with an account that is not saved yet and proves the key works
//! with a real, authenticated call to the PBX, without touching the config or the keyring.

use std::time::Duration;

use callpop_core::secrets::Secret;
use callpop_core::AccountConfig;
use callpop_providers::Account;
use serde::Serialize;

use crate::command_error::{CommandError, ErrorKind};
use crate::user_error::{fill, texts_now};

/// The longest a test may take, whatever the account's own timeout (a login plus one request).
const TEST_TIMEOUT: Duration = Duration::from_secs(20);
/// How far back the history probe looks, for providers that list no employees.
const HISTORY_PROBE: chrono::Duration = chrono::Duration::hours(1);

/// An employee "me" can be picked from.
#[derive(Debug, Clone, Serialize)]
pub struct EmployeeChoice {
    /// What the account's `user` becomes when they are picked.
    pub user: String,
    /// Their name.
    pub name: String,
    /// Their extension, when the PBX gives one.
    pub ext: Option<String>,
}

/// What a successful test found.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectionProof {
    /// The PBX's employees, where it lists them; `None`: "me" is typed in.
    pub employees: Option<Vec<EmployeeChoice>>,
}

/// Connects to `account`'s PBX with `key` and makes one authenticated request: the employee
/// list where the provider has one, else the last hour of missed calls. The error is in words,
/// in the app's language.
pub async fn prove(
    account: &AccountConfig,
    key: &Secret,
    region: &str,
) -> Result<ConnectionProof, CommandError> {
    let connected = Account::connect(account, key, region).map_err(|e| {
        tracing::info!("connection test: {e}");
        CommandError::from(e)
    })?;
    let probe = async {
        if connected.capabilities().employees {
            let employees = connected.employees().await?;
            Ok(ConnectionProof {
                employees: Some(
                    employees
                        .into_iter()
                        .map(|employee| EmployeeChoice {
                            user: connected.user_of(&employee),
                            name: employee.name,
                            ext: employee.ext,
                        })
                        .collect(),
                ),
            })
        } else {
            let until = chrono::Utc::now();
            connected
                .history(until - HISTORY_PROBE, until, true)
                .await?;
            Ok(ConnectionProof { employees: None })
        }
    };
    match tokio::time::timeout(TEST_TIMEOUT, probe).await {
        Ok(result) => result.map_err(|e: callpop_providers::ProviderError| {
            tracing::info!("connection test: {e}");
            CommandError::from(e)
        }),
        Err(_) => Err(CommandError::new(
            ErrorKind::Pbx,
            fill(
                texts_now().test_timed_out,
                &[
                    (
                        "address",
                        &account.base_url.as_deref().unwrap_or(&account.domain),
                    ),
                    ("seconds", &TEST_TIMEOUT.as_secs()),
                ],
            ),
        )),
    }
}
