//! HTTPS: the certificate and key from the config, and a listener that does the TLS handshake.
//!
//! rustls on the `ring` provider (the one reqwest already uses: one TLS stack in the build). The
//! listener accepts TCP connections in a task of its own and runs each handshake in its own
//! task, so a client that stalls its handshake holds up nobody else; finished handshakes reach
//! axum through [`axum::serve::Listener`]. The peer address handed on is the TCP socket's: the
//! Vega allow-list relies on it.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::{self, PemObject};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use crate::config::{ConfigError, TlsSettings};

/// How long a client has to finish its handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Handshakes in progress at once. Each costs a socket and some CPU; past this, new
/// connections wait in the kernel's backlog instead of piling up here.
const MAX_PENDING_HANDSHAKES: usize = 256;
/// Finished handshakes waiting for axum to take them.
const ACCEPTED_QUEUE: usize = 64;

/// The rustls server configuration for `settings`: the chain and key read and checked now, so
/// a wrong file is a config error at start-up, naming the file, not a failure on the first
/// connection.
pub fn server_config(settings: &TlsSettings) -> Result<Arc<ServerConfig>, ConfigError> {
    let cert_error = |problem: String| ConfigError::Tls {
        path: settings.cert_path.display().to_string(),
        problem,
    };
    let key_error = |problem: String| ConfigError::Tls {
        path: settings.key_path.display().to_string(),
        problem,
    };
    let chain = CertificateDer::pem_file_iter(&settings.cert_path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| cert_error(pem_problem(e, "CERTIFICATE")))?;
    if chain.is_empty() {
        return Err(cert_error(
            "no certificate in the file: expected a PEM chain (`-----BEGIN CERTIFICATE-----`)"
                .into(),
        ));
    }
    let key = PrivateKeyDer::from_pem_file(&settings.key_path)
        .map_err(|e| key_error(pem_problem(e, "PRIVATE KEY")))?;
    let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| cert_error(format!("rustls refused the protocol versions: {e}")))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| {
            key_error(format!(
                "the key does not fit the certificate {} or is not supported: {e}",
                settings.cert_path.display()
            ))
        })?;
    Ok(Arc::new(config))
}

/// A PEM reading error in words, without the file's content (a key must not reach a log).
fn pem_problem(error: pem::Error, expected: &str) -> String {
    match error {
        pem::Error::Io(e) => format!("cannot read the file: {e}"),
        pem::Error::NoItemsFound => {
            format!("no {expected} in the file: expected PEM (`-----BEGIN {expected}-----`)")
        }
        _ => format!("not a valid PEM {expected} file"),
    }
}

/// Accepts TCP connections and hands on those whose TLS handshake succeeded.
pub(crate) struct TlsListener {
    local_addr: SocketAddr,
    accepted: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
}

impl TlsListener {
    /// Starts accepting on `listener`. The accepting task ends when this is dropped.
    pub(crate) fn new(listener: TcpListener, config: Arc<ServerConfig>) -> io::Result<TlsListener> {
        let local_addr = listener.local_addr()?;
        let (sender, accepted) = mpsc::channel(ACCEPTED_QUEUE);
        tokio::spawn(accept_loop(listener, TlsAcceptor::from(config), sender));
        Ok(TlsListener {
            local_addr,
            accepted,
        })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.accepted.recv().await {
            Some(connection) => connection,
            // The accepting task only ends once this listener is gone; wait like an idle
            // listener would.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    accepted: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    let handshakes = Arc::new(Semaphore::new(MAX_PENDING_HANDSHAKES));
    loop {
        let permit = tokio::select! {
            () = accepted.closed() => return,
            permit = Arc::clone(&handshakes).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return,
            },
        };
        let (tcp, peer) = tokio::select! {
            () = accepted.closed() => return,
            result = listener.accept() => match result {
                Ok(connection) => connection,
                Err(error) => {
                    // Out of file descriptors and the like: give the system a moment, as
                    // axum's own TCP listener does.
                    tracing::warn!("accepting a connection failed: {error}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let acceptor = acceptor.clone();
        let accepted = accepted.clone();
        tokio::spawn(async move {
            let _permit = permit;
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => {
                    // Fails only when the listener is gone: the connection is dropped then.
                    let _ = accepted.send((stream, peer)).await;
                }
                Ok(Err(error)) => tracing::debug!(%peer, "TLS handshake failed: {error}"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(cert: &std::path::Path, key: &std::path::Path) -> TlsSettings {
        TlsSettings {
            cert_path: cert.to_owned(),
            key_path: key.to_owned(),
        }
    }

    #[test]
    fn a_missing_or_wrong_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let garbage = dir.path().join("garbage.pem");
        std::fs::write(&garbage, "not a certificate").unwrap();
        let missing = dir.path().join("missing.pem");
        for (cert, key, named) in [
            (&missing, &garbage, &missing),
            (&garbage, &garbage, &garbage),
        ] {
            let error = server_config(&settings(cert, key)).unwrap_err().to_string();
            assert!(
                error.contains(&named.display().to_string()) && error.contains("[tls]"),
                "{error}"
            );
        }
    }
}
