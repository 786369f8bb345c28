//! How the client authenticated (RFC 6749 §2.3.1): HTTP Basic, whose user and password are
//! form-url-encoded before base64 (Appendix B), or `client_id` / `client_secret` in the body.
//! One method per request (§2.3).

use axum::http::{header, HeaderMap};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use keydesk_core::secrets::Secret;

use crate::error::OAuthError;
use crate::form::{decode, Params};

/// The longest Authorization header read; a Basic pair of a Client ID and a secret is < 200.
pub const MAX_AUTHORIZATION: usize = 1024;

/// The credentials a request presented.
#[derive(Debug)]
pub struct Presented {
    pub client_id: String,
    pub secret: Secret,
    /// Basic was used: a failure answers with `WWW-Authenticate: Basic`.
    pub basic: bool,
}

/// The client's credentials, or the error for a request that presented none, presented two
/// methods at once, or a malformed Basic header.
pub fn presented(headers: &HeaderMap, params: &Params) -> Result<Presented, OAuthError> {
    let body_id = params.get("client_id");
    let body_secret = params.get("client_secret");
    let mut authorizations = headers.get_all(header::AUTHORIZATION).iter();
    let authorization = authorizations.next();
    if authorizations.next().is_some() {
        return Err(OAuthError::invalid_request(
            "more than one Authorization header",
        ));
    }
    match authorization {
        Some(value) => {
            if value.len() > MAX_AUTHORIZATION {
                return Err(OAuthError::invalid_request(
                    "the Authorization header is too long",
                ));
            }
            let basic = basic(value.as_bytes()).ok_or(OAuthError::invalid_client(true))?;
            if body_secret.is_some() || body_id.is_some_and(|id| id != basic.client_id) {
                return Err(OAuthError::invalid_request(
                    "use one client authentication method: HTTP Basic or the body, not both",
                ));
            }
            Ok(basic)
        }
        None => match (body_id, body_secret) {
            (Some(client_id), Some(secret)) => Ok(Presented {
                client_id: client_id.to_owned(),
                secret: Secret::new(secret.to_owned()),
                basic: false,
            }),
            // A Client ID without a secret (a public client): this server has none.
            (Some(_), None) => Err(OAuthError::invalid_client(false)),
            _ => Err(OAuthError::invalid_client(true)),
        },
    }
}

/// `Basic base64(urlencode(id) ":" urlencode(secret))`; None if it is not that.
fn basic(value: &[u8]) -> Option<Presented> {
    let text = std::str::from_utf8(value).ok()?;
    let (scheme, encoded) = text.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = zeroize::Zeroizing::new(STANDARD.decode(encoded.trim()).ok()?);
    let colon = decoded.iter().position(|b| *b == b':')?;
    let client_id = decode(&decoded[..colon]).ok()?;
    let secret = decode(&decoded[colon + 1..]).ok()?;
    if client_id.is_empty() {
        return None;
    }
    Some(Presented {
        client_id,
        secret: Secret::new(secret),
        basic: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_is_form_url_decoded_after_base64() {
        let header = format!("Basic {}", STANDARD.encode("a%2Bb:s%3Ae+c%25"));
        let p = basic(header.as_bytes()).unwrap();
        assert_eq!(p.client_id, "a+b");
        assert_eq!(p.secret.expose(), "s:e c%");
        assert!(basic(b"Bearer abc").is_none());
        assert!(basic(b"Basic !!!").is_none());
    }
}
