//! The four endpoints. Every rule is core's (`keydesk_core::tokens`); this file speaks HTTP.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use keydesk_core::tokens::{self, Client, Purpose, Revocation};
use serde_json::json;
use zeroize::Zeroizing;

use crate::auth::{presented, Presented};
use crate::error::{no_store, OAuthError};
use crate::form::{self, Params};
use crate::Server;

/// The client behind the request, checked against the store and the rate limit.
async fn authenticate(
    server: &Server,
    address: IpAddr,
    presented: &Presented,
    purpose: Purpose,
) -> Result<Client, OAuthError> {
    let attempt = server
        .limiter
        .attempt(address, &presented.client_id)
        .await
        .map_err(OAuthError::too_many_failures)?;
    let (client_id, secret) = (&presented.client_id, presented.secret.expose());
    // Which secrets answer is core's rule (`tokens::Purpose`).
    let found = server
        .recent
        .authenticate_for(purpose, &server.store, client_id, secret)
        .await?;
    match found {
        Some(client) => {
            attempt.succeeded();
            Ok(client)
        }
        None => {
            attempt.failed();
            tracing::info!(%address, "client authentication failed");
            Err(OAuthError::invalid_client(presented.basic))
        }
    }
}

/// Where the request comes from, for the rate limit (`proxy::source`).
fn source(server: &Server, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    let config = &server.config;
    crate::proxy::source(config.behind_proxy, &config.trusted_proxies, peer, headers)
}

async fn read(request: Request) -> Result<(HeaderMap, Params), OAuthError> {
    let (parts, body) = request.into_parts();
    let params = form::read(&parts.headers, body).await?;
    Ok((parts.headers, params))
}

fn into_response(result: Result<Response, OAuthError>) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

/// RFC 6749 §4.4: the client-credentials grant.
pub async fn token(
    State(server): State<Arc<Server>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    into_response(token_inner(&server, peer, request).await)
}

async fn token_inner(
    server: &Server,
    peer: SocketAddr,
    request: Request,
) -> Result<Response, OAuthError> {
    let (headers, params) = read(request).await?;
    let presented = presented(&headers, &params)?;
    let address = source(server, peer, &headers);
    match params.get("grant_type") {
        None => return Err(OAuthError::invalid_request("grant_type is required")),
        Some("client_credentials") => {}
        Some(_) => return Err(OAuthError::unsupported_grant_type()),
    }
    if params.get("scope").is_some() {
        return Err(OAuthError::invalid_scope());
    }
    let client = authenticate(server, address, &presented, Purpose::Token).await?;
    let Some(issued) = server
        .batches
        .issue(client, server.config.token_lifetime)
        .await?
    else {
        // The secret was renewed or deleted a moment ago: refused like a wrong one.
        return Err(OAuthError::invalid_client(presented.basic));
    };
    // RFC 6749 §4.4.3: no refresh token.
    let body = json!({
        "access_token": issued.token.expose(),
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
    });
    let mut response = (StatusCode::OK, Json(body)).into_response();
    no_store(response.headers_mut());
    Ok(response)
}

/// RFC 7662: token introspection, for authenticated clients.
pub async fn introspect(
    State(server): State<Arc<Server>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    into_response(introspect_inner(&server, peer, request).await)
}

async fn introspect_inner(
    server: &Server,
    peer: SocketAddr,
    request: Request,
) -> Result<Response, OAuthError> {
    let (client, token) = client_and_token(server, peer, request).await?;
    let body = match tokens::introspect_for(&server.store, &client, &token).await? {
        Some(active) => json!({
            "active": true,
            "client_id": active.client_id,
            "token_type": "Bearer",
            "iat": active.issued_at.timestamp(),
            "exp": active.expires_at.timestamp(),
        }),
        None => json!({"active": false}),
    };
    let mut response = (StatusCode::OK, Json(body)).into_response();
    no_store(response.headers_mut());
    Ok(response)
}

/// RFC 7009: a client revokes its own token; an unknown one is not an error, another client's
/// is refused.
pub async fn revoke(
    State(server): State<Arc<Server>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    into_response(revoke_inner(&server, peer, request).await)
}

async fn revoke_inner(
    server: &Server,
    peer: SocketAddr,
    request: Request,
) -> Result<Response, OAuthError> {
    let (client, token) = client_and_token(server, peer, request).await?;
    if tokens::revoke(&server.store, client.credential_id, &token).await?
        == Revocation::AnotherClients
    {
        return Err(OAuthError::unauthorized_client());
    }
    let mut response = StatusCode::OK.into_response();
    no_store(response.headers_mut());
    Ok(response)
}

/// What introspection and revocation both take: an authenticated client naming a `token`
/// (RFC 7662 §2.1, RFC 7009 §2.1). A missing token is refused before authentication is tried.
async fn client_and_token(
    server: &Server,
    peer: SocketAddr,
    request: Request,
) -> Result<(Client, Zeroizing<String>), OAuthError> {
    let (headers, params) = read(request).await?;
    let presented = presented(&headers, &params)?;
    let token = params
        .get("token")
        .map(|t| Zeroizing::new(t.to_owned()))
        .ok_or(OAuthError::invalid_request("token is required"))?;
    let client = authenticate(
        server,
        source(server, peer, &headers),
        &presented,
        Purpose::Inspection,
    )
    .await?;
    Ok((client, token))
}

/// RFC 8414: authorization server metadata.
pub async fn metadata(State(server): State<Arc<Server>>) -> Response {
    let issuer = &server.config.issuer;
    let methods = ["client_secret_basic", "client_secret_post"];
    Json(json!({
        "issuer": issuer,
        "token_endpoint": format!("{issuer}/oauth2/token"),
        "introspection_endpoint": format!("{issuer}/oauth2/introspect"),
        "revocation_endpoint": format!("{issuer}/oauth2/revoke"),
        "grant_types_supported": ["client_credentials"],
        // Required by RFC 8414 §2, though this server has no authorization endpoint. Authlib's
        // validator (a widely used client library) refuses `[]` as missing; "none" (OAuth 2.0
        // Multiple Response Type Encoding Practices §4) issues no credential, so it claims no
        // flow Keydesk lacks. oauth4webapi reads only the issuer.
        "response_types_supported": ["none"],
        "token_endpoint_auth_methods_supported": methods,
        "introspection_endpoint_auth_methods_supported": methods,
        "revocation_endpoint_auth_methods_supported": methods,
    }))
    .into_response()
}
