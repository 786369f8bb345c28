//! The loopback endpoint serves programs on this computer, not web pages. A page in the
//! person's browser can POST a form to `127.0.0.1` without a CORS preflight (`mode: 'no-cors'`)
//! and, through DNS rebinding, under a name of its own: enough to spend the rate limit of the
//! person's own integrations. Browsers say where a request comes from (`Origin`,
//! `Sec-Fetch-Site`) and which host they think they reach (`Host`); a request that shows any
//! of these signs is refused with 403 before it reaches the endpoints, so it is counted
//! against no one. No answer carries `Access-Control-Allow-Origin`.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::OAuthError;

/// Why a request to the loopback endpoint is refused; None if it may go on.
pub fn refusal(headers: &HeaderMap, port: u16) -> Option<&'static str> {
    if headers.contains_key(header::ORIGIN) {
        return Some("requests from web pages are not served here");
    }
    if headers
        .get("sec-fetch-site")
        .is_some_and(|site| site.as_bytes() != b"none")
    {
        return Some("requests from web pages are not served here");
    }
    let mut hosts = headers.get_all(header::HOST).iter();
    let host = hosts.next().and_then(|h| h.to_str().ok());
    if hosts.next().is_some() || !host.is_some_and(|h| is_loopback_host(h, port)) {
        return Some("the Host header must name this computer's loopback address and port");
    }
    None
}

/// `127.0.0.1:PORT`, `localhost:PORT` or `[::1]:PORT` (the port is required: a browser that
/// was rebound to this port names its own host, and usually no port or another one).
fn is_loopback_host(host: &str, port: u16) -> bool {
    let Some((name, given_port)) = host.rsplit_once(':') else {
        return false;
    };
    given_port.parse::<u16>().ok() == Some(port)
        && (name == "127.0.0.1" || name.eq_ignore_ascii_case("localhost") || name == "[::1]")
}

/// The middleware: `port` is the one the loopback listener is bound to.
pub async fn only_local_programs(
    State(port): State<u16>,
    request: Request,
    next: Next,
) -> Response {
    match refusal(request.headers(), port) {
        Some(why) => OAuthError::forbidden(why).into_response(),
        None => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn programs_pass_and_pages_and_other_hosts_do_not() {
        let port = 8477;
        for host in [
            "127.0.0.1:8477",
            "localhost:8477",
            "LOCALHOST:8477",
            "[::1]:8477",
        ] {
            assert_eq!(refusal(&headers(&[("host", host)]), port), None, "{host}");
        }
        let same_site = headers(&[("host", "127.0.0.1:8477"), ("sec-fetch-site", "none")]);
        assert_eq!(
            refusal(&same_site, port),
            None,
            "typed into the address bar"
        );
        for refused in [
            headers(&[
                ("host", "127.0.0.1:8477"),
                ("origin", "https://evil.example"),
            ]),
            headers(&[("host", "127.0.0.1:8477"), ("origin", "null")]),
            headers(&[("host", "127.0.0.1:8477"), ("sec-fetch-site", "cross-site")]),
            headers(&[
                ("host", "127.0.0.1:8477"),
                ("sec-fetch-site", "same-origin"),
            ]),
            headers(&[("host", "rebound.evil.example:8477")]),
            headers(&[("host", "127.0.0.1")]),
            headers(&[("host", "127.0.0.1:8478")]),
            headers(&[("host", "127.0.0.1:8477"), ("host", "evil.example:8477")]),
            headers(&[]),
        ] {
            assert!(refusal(&refused, port).is_some(), "{refused:?}");
        }
    }
}
