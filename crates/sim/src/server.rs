//! The HTTP server under every simulator: an axum app served in the background on a listener,
//! stopped gracefully when its shutdown token is cancelled (by [`SimServer::stop`], by dropping
//! the server, or by anything else holding the token, such as a scenario's tasks).

use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// One simulator's running server. Dropping it asks the server to stop.
pub(crate) struct SimServer {
    /// The simulator's name in warnings ("cloud PBX", "Vega"...).
    name: &'static str,
    shutdown: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl SimServer {
    /// Serves `app` on `listener` until `shutdown` is cancelled; a serving failure is logged
    /// under `name`, as nothing waits on the task to be told.
    pub(crate) fn spawn(
        name: &'static str,
        listener: TcpListener,
        app: Router,
        shutdown: CancellationToken,
    ) -> SimServer {
        let signal = shutdown.clone().cancelled_owned();
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app)
                .with_graceful_shutdown(signal)
                .await
            {
                tracing::warn!(%error, "{name} simulator stopped serving");
            }
        });
        SimServer {
            name,
            shutdown,
            task: Some(task),
        }
    }

    /// The token that stops the simulator: work in progress (scenarios, deliveries) selects on
    /// it to end with the server.
    pub(crate) fn shutdown_token(&self) -> &CancellationToken {
        &self.shutdown
    }

    /// Stops serving and waits until the server has closed its connections.
    pub(crate) async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            if let Err(error) = task.await {
                tracing::warn!(%error, "{} simulator task failed", self.name);
            }
        }
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}
