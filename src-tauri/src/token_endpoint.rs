//! Settings → "Token endpoint for this computer": keydesk-server's router, run inside the app on
//! 127.0.0.1 over the app's own store, started and stopped as the setting changes. The rules
//! and the HTTP are keydesk_server's; this only owns the listener's life.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::Duration;

use keydesk_core::Store;
use serde::Serialize;
use tauri::async_runtime::JoinHandle;
use tokio::sync::oneshot;

use crate::WireError;

/// How long a stop waits for requests in flight before it cuts them.
const STOP_WAIT: Duration = Duration::from_secs(3);

/// What the API CREDENTIALS section shows.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EndpointStatus {
    /// `http://127.0.0.1:PORT/oauth2/token` while it runs.
    pub url: Option<String>,
    /// A `curl` request for a token with HTTP Basic, with placeholders, never a secret.
    pub curl_example: Option<String>,
    /// Why it is not running although the setting is on (the port is taken, …).
    pub error: Option<String>,
}

struct Running {
    port: u16,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// What the page is told: the port it runs on, or why it does not.
#[derive(Default)]
struct Shown {
    port: Option<u16>,
    error: Option<String>,
}

#[derive(Default)]
pub struct TokenEndpoint {
    /// Held across a stop and a start, so two changes in a row do not interleave.
    running: tokio::sync::Mutex<Option<Running>>,
    shown: Mutex<Shown>,
}

fn url(port: u16) -> String {
    format!("http://127.0.0.1:{port}/oauth2/token")
}

pub fn curl_example(port: u16) -> String {
    format!(
        "curl -u '<client id>:<your secret>' -d grant_type=client_credentials {}",
        url(port)
    )
}

fn in_use_message(port: u16, err: &std::io::Error) -> String {
    if err.kind() == std::io::ErrorKind::AddrInUse {
        format!("port {port} is in use by another program; choose another port")
    } else {
        format!("cannot listen on 127.0.0.1:{port}: {err}")
    }
}

impl TokenEndpoint {
    pub fn status(&self) -> EndpointStatus {
        let shown = self.shown.lock().unwrap_or_else(|e| e.into_inner());
        EndpointStatus {
            url: shown.port.map(url),
            curl_example: shown.port.map(curl_example),
            error: shown.error.clone(),
        }
    }

    fn show(&self, port: Option<u16>, error: Option<String>) {
        *self.shown.lock().unwrap_or_else(|e| e.into_inner()) = Shown { port, error };
    }

    /// Binds the port the settings ask for, before they are saved: a taken port is a field
    /// error and nothing changes. `None` when nothing new needs binding (off, or already there).
    pub async fn prepare(
        &self,
        wanted: Option<u16>,
    ) -> Result<Option<std::net::TcpListener>, WireError> {
        let Some(port) = wanted else { return Ok(None) };
        if self
            .running
            .lock()
            .await
            .as_ref()
            .is_some_and(|r| r.port == port)
        {
            return Ok(None);
        }
        bind(port).map(Some).map_err(|err| WireError {
            code: "invalid",
            message: format!("Token endpoint port: {}", in_use_message(port, &err)),
            field: Some("token_endpoint_port"),
        })
    }

    /// Makes the running endpoint match `wanted`: stops it, starts it (on `listener` when the
    /// caller bound one already), or leaves it be.
    pub async fn apply(
        &self,
        store: &Store,
        wanted: Option<u16>,
        listener: Option<std::net::TcpListener>,
    ) {
        let mut running = self.running.lock().await;
        if running.as_ref().map(|r| r.port) == wanted && listener.is_none() {
            return;
        }
        if let Some(old) = running.take() {
            stop(old).await;
        }
        self.show(None, None);
        let Some(port) = wanted else { return };
        let listener = match listener.map(Ok).unwrap_or_else(|| bind(port)) {
            Ok(listener) => listener,
            Err(err) => {
                let message = in_use_message(port, &err);
                tracing::warn!("token endpoint not started: {message}");
                self.show(None, Some(message));
                return;
            }
        };
        *running = Some(start(store.clone(), port, listener));
        self.show(Some(port), None);
    }
}

fn bind(port: u16) -> std::io::Result<std::net::TcpListener> {
    let listener = std::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

fn start(store: Store, port: u16, listener: std::net::TcpListener) -> Running {
    let config = keydesk_server::Config::new(&format!("http://127.0.0.1:{port}"));
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tauri::async_runtime::spawn(async move {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(listener) => listener,
            Err(err) => return tracing::warn!("token endpoint not started: {err}"),
        };
        let signal = async move {
            let _ = stopped.await;
        };
        if let Err(err) = keydesk_server::serve_until(listener, store, config, signal).await {
            tracing::warn!("token endpoint stopped: {err}");
        }
    });
    tracing::info!(port, "token endpoint started on 127.0.0.1");
    Running {
        port,
        shutdown,
        task,
    }
}

async fn stop(running: Running) {
    let _ = running.shutdown.send(());
    let mut task = running.task;
    if tokio::time::timeout(STOP_WAIT, &mut task).await.is_err() {
        task.abort();
    }
    tracing::info!(port = running.port, "token endpoint stopped");
}
