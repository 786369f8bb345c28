//! `keydesk-server`: an OAuth 2.0 client-credentials token endpoint (RFC 6749 §4.4) with
//! introspection (RFC 7662), revocation (RFC 7009) and metadata (RFC 8414) over Keydesk's
//! store. It holds no rules of its own: `keydesk_core::tokens` decides; this crate speaks HTTP.

pub mod auth;
pub mod endpoints;
pub mod error;
pub mod form;
pub mod limit;
pub mod listen;
pub mod loopback;
pub mod proxy;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;
use keydesk_core::tokens::{BatchIssuer, RecentSecrets};
use keydesk_core::Store;

use crate::limit::{Limiter, Limits};

/// The default access-token lifetime.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
/// How often expired tokens are deleted.
pub const PURGE_EVERY: Duration = Duration::from_secs(600);

#[derive(Debug, Clone)]
pub struct Config {
    /// The URL clients reach this server at, without a trailing slash (RFC 8414 `issuer`).
    pub issuer: String,
    pub token_lifetime: chrono::Duration,
    pub limits: Limits,
    pub purge_every: Duration,
    /// Connections come from a TLS proxy that appends the client's address to
    /// `X-Forwarded-For` (`--behind-tls-proxy`); the rate limit counts that address.
    pub behind_proxy: bool,
    /// With `behind_proxy`: the proxies' networks (`--trusted-proxy`); a connection from
    /// anywhere else is counted as itself, whatever its `X-Forwarded-For` says. Empty: every
    /// peer is taken for the proxy.
    pub trusted_proxies: Vec<proxy::Cidr>,
}

impl Config {
    pub fn new(issuer: &str) -> Config {
        Config {
            issuer: issuer.trim_end_matches('/').to_owned(),
            token_lifetime: chrono::Duration::from_std(DEFAULT_TOKEN_LIFETIME)
                .expect("an hour fits"),
            limits: Limits::default(),
            purge_every: PURGE_EVERY,
            behind_proxy: false,
            trusted_proxies: Vec::new(),
        }
    }
}

/// What the handlers share.
#[derive(Debug)]
pub struct Server {
    pub store: Store,
    /// Writes the tokens of concurrent requests together (`keydesk_core::tokens::BatchIssuer`);
    /// not to be confused with `config.issuer`, the server's URL (RFC 8414).
    pub batches: BatchIssuer,
    /// The token endpoint's memory of secrets it just authenticated (see
    /// `keydesk_core::tokens::RecentSecrets`).
    pub recent: RecentSecrets,
    pub config: Config,
    pub limiter: Limiter,
}

/// The routes. Any other method on them is 405; bodies are limited by `form::read`. Call it
/// within a Tokio runtime: the token issuer's task starts on it.
pub fn router(store: Store, config: Config) -> Router {
    let server = Arc::new(Server {
        batches: BatchIssuer::spawn(store.clone()),
        recent: RecentSecrets::default(),
        store,
        limiter: Limiter::new(config.limits),
        config,
    });
    Router::new()
        .route("/oauth2/token", post(endpoints::token))
        .route("/oauth2/introspect", post(endpoints::introspect))
        .route("/oauth2/revoke", post(endpoints::revoke))
        .route(
            "/.well-known/oauth-authorization-server",
            get(endpoints::metadata),
        )
        .with_state(server)
}

/// The router for a listener bound to `bound`: on loopback (and not behind a proxy, whose
/// requests name the public host) it serves only programs on this computer (`loopback`).
fn router_at(store: Store, config: Config, bound: SocketAddr) -> Router {
    let guarded = bound.ip().is_loopback() && !config.behind_proxy;
    let app = router(store, config);
    if guarded {
        app.layer(axum::middleware::from_fn_with_state(
            bound.port(),
            loopback::only_local_programs,
        ))
    } else {
        app
    }
}

/// Deletes expired tokens every `every`, for as long as the runtime runs.
pub fn spawn_purge(store: Store, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        loop {
            interval.tick().await;
            if let Err(err) = keydesk_core::tokens::purge_expired(&store).await {
                tracing::warn!("expired tokens not purged: {err}");
            }
        }
    })
}

/// How long a client may take to send a request's headers, on a new connection or between
/// requests on a kept-alive one: a slow client (slowloris) is cut off instead of holding a
/// connection open for ever. The body has its own deadline (`form::BODY_DEADLINE`).
pub const HEADER_DEADLINE: Duration = Duration::from_secs(10);

/// Serves plain HTTP on `listener` (loopback, or behind a TLS proxy) until the task ends.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Store,
    config: Config,
) -> std::io::Result<()> {
    serve_until(listener, store, config, std::future::pending()).await
}

/// Serves plain HTTP on `listener` until `shutdown` completes: the listener closes at once
/// (new connections are refused), requests in flight get a few seconds to finish. For a host
/// that starts and stops the endpoint while it runs (the desktop app's "Token endpoint for
/// this computer").
pub async fn serve_until(
    listener: tokio::net::TcpListener,
    store: Store,
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let bound = listener.local_addr()?;
    let server = axum_server::from_tcp(listener.into_std()?)?;
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    let stop = tokio::spawn(async move {
        shutdown.await;
        stopper.graceful_shutdown(Some(Duration::from_secs(5)));
    });
    let purge = spawn_purge(store.clone(), config.purge_every);
    let app = router_at(store, config, bound);
    let served = with_deadlines(server)
        .handle(handle)
        .serve(app.into_make_service_with_connect_info::<SocketAddr>())
        .await;
    stop.abort();
    purge.abort();
    served
}

/// Serves HTTPS on `listener` with rustls until the task ends.
pub async fn serve_tls(
    listener: std::net::TcpListener,
    tls: axum_server::tls_rustls::RustlsConfig,
    store: Store,
    config: Config,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let bound = listener.local_addr()?;
    tls_http1_only(&tls);
    let server = axum_server::tls_rustls::from_tcp_rustls(listener, tls)?;
    let purge = spawn_purge(store.clone(), config.purge_every);
    let app = router_at(store, config, bound);
    let served = with_deadlines(server)
        .serve(app.into_make_service_with_connect_info::<SocketAddr>())
        .await;
    purge.abort();
    served
}

/// HTTP/1.1 only, with the header deadline, also for the first request (a connection that
/// never sends one). hyper's deadline covers HTTP/1 heads only; an HTTP/2 connection
/// (h2c, or TLS with ALPN h2) could hold streams open without it, and a token endpoint gains
/// nothing from HTTP/2. So HTTP/2 is not served (`tls_http1_only` keeps TLS from offering it).
fn with_deadlines<A: axum_server::Address, Acc>(
    server: axum_server::Server<A, Acc>,
) -> axum_server::Server<A, Acc> {
    let mut server = server.http1_only();
    server
        .http_builder()
        .http1()
        .header_read_timeout(HEADER_DEADLINE);
    server.first_request_timeout(HEADER_DEADLINE)
}

/// TLS that offers only `http/1.1` in ALPN (axum-server offers `h2` too by default).
fn tls_http1_only(tls: &axum_server::tls_rustls::RustlsConfig) {
    let mut inner = (*tls.get_inner()).clone();
    inner.alpn_protocols = vec![b"http/1.1".to_vec()];
    tls.reload_from_config(Arc::new(inner));
}
