//! The request body: `application/x-www-form-urlencoded`, read strictly (RFC 6749 §3.2): a
//! parameter without a value is absent, none may appear twice, and the text must be UTF-8.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{header, HeaderMap};
use http_body_util::BodyExt;
use percent_encoding::percent_decode;
use zeroize::{Zeroize, Zeroizing};

use crate::error::OAuthError;

/// The largest body read. A token request is a few hundred bytes.
pub const MAX_BODY: usize = 8 * 1024;
/// How much of a too-large body is read and thrown away before answering.
pub const MAX_DRAINED: usize = 1024 * 1024;
/// How long a client may take to send its body: a few hundred bytes need milliseconds; a
/// client that trickles them (slowloris) must not hold a connection and its buffers for ever.
pub const BODY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// The parameters of one request. Values may hold a client secret or a token: wiped on drop.
#[derive(Default)]
pub struct Params(BTreeMap<String, String>);

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

impl Drop for Params {
    fn drop(&mut self) {
        for value in self.0.values_mut() {
            value.zeroize();
        }
    }
}

/// Checks the content type, reads the body and parses it.
pub async fn read(headers: &HeaderMap, body: Body) -> Result<Params, OAuthError> {
    // The body is read before anything is refused: an unread body makes the server close the
    // connection, and a client reusing it would see a reset instead of the answer.
    let bytes = tokio::time::timeout(BODY_DEADLINE, read_limited(body))
        .await
        .map_err(|_| OAuthError::invalid_request("the body took too long to arrive"))??;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if !media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(OAuthError::invalid_request(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    parse(&bytes)
}

/// Reads at most `MAX_BODY` bytes. A longer body is still read to its end (up to
/// `MAX_DRAINED`) so the client gets the error instead of a reset connection; past that the
/// connection is dropped.
async fn read_limited(mut body: Body) -> Result<Zeroizing<Vec<u8>>, OAuthError> {
    let mut bytes = Zeroizing::new(Vec::new());
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| OAuthError::invalid_request("the body was cut short"))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen += data.len();
        if seen > MAX_DRAINED {
            break;
        }
        if seen <= MAX_BODY {
            bytes.extend_from_slice(&data);
        }
    }
    if seen > MAX_BODY {
        return Err(OAuthError::invalid_request("the body is too large"));
    }
    Ok(bytes)
}

/// Parses a form body.
pub fn parse(body: &[u8]) -> Result<Params, OAuthError> {
    let mut params = Params::default();
    let mut seen = std::collections::HashSet::new();
    for pair in body.split(|b| *b == b'&') {
        if pair.is_empty() {
            continue;
        }
        let (name, value) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &[][..]),
        };
        let name = decode(name)?;
        let value = decode(value)?;
        // RFC 6749 §3.2: none may appear twice — also when one of them is empty.
        if !seen.insert(name.clone()) {
            return Err(OAuthError::invalid_request(
                "a parameter appears more than once",
            ));
        }
        // A parameter sent with no value counts as absent.
        if !value.is_empty() {
            params.0.insert(name, value);
        }
    }
    Ok(params)
}

/// One form-url-encoded component: `+` is a space, `%XX` a byte; the result must be UTF-8.
pub fn decode(encoded: &[u8]) -> Result<String, OAuthError> {
    let spaced: Vec<u8> = encoded
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    let decoded: Vec<u8> = percent_decode(&spaced).collect();
    String::from_utf8(decoded)
        .map_err(|_| OAuthError::invalid_request("the body is not UTF-8 text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_are_absent_and_repeats_refused() {
        let p = parse(b"grant_type=client_credentials&scope=&x").unwrap();
        assert_eq!(p.get("grant_type"), Some("client_credentials"));
        assert_eq!(p.get("scope"), None);
        assert_eq!(p.get("x"), None);
        assert!(parse(b"a=1&a=2").is_err());
        assert!(
            parse(b"client_secret=&client_secret=x").is_err(),
            "an empty one counts too"
        );
        assert_eq!(parse(b"a=%2B+b%3A").unwrap().get("a"), Some("+ b:"));
        assert!(parse(b"a=%FF").is_err());
    }
}
