//! RFC 6749 §5.2 error responses: JSON `{"error", "error_description"}`, never internals.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An OAuth 2.0 error as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub status: StatusCode,
    pub code: &'static str,
    pub description: &'static str,
    /// `WWW-Authenticate: Basic` (RFC 6749 §5.2: when the client tried HTTP Basic, or sent no
    /// authentication at all).
    pub basic_challenge: bool,
    /// Seconds, for 429.
    pub retry_after: Option<u64>,
}

impl OAuthError {
    pub fn invalid_request(description: &'static str) -> OAuthError {
        OAuthError {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_request",
            description,
            basic_challenge: false,
            retry_after: None,
        }
    }

    /// Failed client authentication. One body for every cause (unknown Client ID, wrong,
    /// expired or revoked secret), so the cause cannot be told apart.
    pub fn invalid_client(basic_challenge: bool) -> OAuthError {
        OAuthError {
            status: StatusCode::UNAUTHORIZED,
            code: "invalid_client",
            description: "client authentication failed",
            basic_challenge,
            retry_after: None,
        }
    }

    pub fn unsupported_grant_type() -> OAuthError {
        OAuthError {
            status: StatusCode::BAD_REQUEST,
            code: "unsupported_grant_type",
            description: "only grant_type=client_credentials is supported",
            basic_challenge: false,
            retry_after: None,
        }
    }

    pub fn invalid_scope() -> OAuthError {
        OAuthError {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_scope",
            description: "this server defines no scopes",
            basic_challenge: false,
            retry_after: None,
        }
    }

    /// RFC 7009 §2.1: a client asked to revoke a token issued to another client.
    pub fn unauthorized_client() -> OAuthError {
        OAuthError {
            status: StatusCode::BAD_REQUEST,
            code: "unauthorized_client",
            description: "the token was not issued to this client",
            basic_challenge: false,
            retry_after: None,
        }
    }

    pub fn too_many_failures(retry_after: u64) -> OAuthError {
        OAuthError {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: "temporarily_unavailable",
            description: "too many failed client authentications; retry later",
            basic_challenge: false,
            retry_after: Some(retry_after),
        }
    }

    /// A request the loopback endpoint does not serve (a web page's, or for another host).
    pub fn forbidden(description: &'static str) -> OAuthError {
        OAuthError {
            status: StatusCode::FORBIDDEN,
            code: "access_denied",
            description,
            basic_challenge: false,
            retry_after: None,
        }
    }

    /// The store failed; the cause goes to the server's log, not to the client.
    pub fn server_error() -> OAuthError {
        OAuthError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "server_error",
            description: "the server could not complete the request; try again",
            basic_challenge: false,
            retry_after: None,
        }
    }
}

impl From<keydesk_core::Error> for OAuthError {
    fn from(err: keydesk_core::Error) -> OAuthError {
        tracing::error!("store: {err}");
        OAuthError::server_error()
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({"error": self.code, "error_description": self.description});
        let mut response = (self.status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        no_store(headers);
        if self.basic_challenge {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"keydesk\", charset=\"UTF-8\""),
            );
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// RFC 6749 §5.1: responses carrying tokens or credentials are not cached.
pub fn no_store(headers: &mut axum::http::HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}
