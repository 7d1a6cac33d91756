//! What every route of the relay shares, and the one error shape its replies use. A leaf: the
//! webhook routes and the WebSocket endpoint both read it, and it reads neither.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use callpop_core::Store;
use tokio::sync::Semaphore;

use crate::config::RelayConfig;
use crate::employees::EmployeeList;
use crate::hub::{EventHub, PublishEvents};
use crate::rate_limit::WebhookRateLimit;

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) config: Arc<RelayConfig>,
    pub(crate) hub: EventHub,
    /// Where webhook events go: the hub, or a broker shared by several instances.
    pub(crate) publisher: Arc<dyn PublishEvents>,
    /// The directory the look-ups answer from, and the shared history.
    pub(crate) store: Arc<Store>,
    /// Whom the look-ups name responsible; each request takes a snapshot, the refresher (if
    /// started) swaps the list.
    pub(crate) employees: EmployeeList,
    /// WebSocket sessions allowed at once. Each holds a socket, a task and a buffer; without a
    /// bound, anyone able to open connections (even ones that never authenticate: the hello
    /// wait) could exhaust file descriptors and memory and lock the real desktops out.
    pub(crate) connections: Arc<Semaphore>,
    /// The per-source limit on the webhook routes.
    pub(crate) rate_limit: Arc<WebhookRateLimit>,
}

/// `404 {"error":"Not found"}`.
pub(crate) fn not_found() -> Response {
    json_error(StatusCode::NOT_FOUND, "Not found")
}

/// `status` with `{"error": message}`, the shape every Vega reply uses too.
pub(crate) fn json_error(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}
