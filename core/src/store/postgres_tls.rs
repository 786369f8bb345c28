//! TLS to a PostgreSQL server that is not on this machine: certificate and host name verified
//! (`sslmode=verify-full`) unless the URL asks for `verify-ca`; anything that could travel in
//! clear or unverified (`disable`, `allow`, `prefer`, `require`) is refused. A local socket or
//! a loopback address never leaves the machine and is left as the URL says.
//!
//! Certificates are checked by rustls against the OS's trusted roots, or the CA named by
//! `sslrootcert=` in the URL (or `PGSSLROOTCERT`).

use std::net::IpAddr;
use std::str::FromStr;

use sea_orm::sqlx::postgres::{PgConnectOptions, PgSslMode};

/// The mode to force on the connection (`None`: the URL's own), or why it is refused.
pub fn required_mode(url: &str) -> Result<Option<PgSslMode>, String> {
    let is_postgres = url.starts_with("postgres://") || url.starts_with("postgresql://");
    if !is_postgres {
        return Ok(None);
    }
    // An unreadable URL fails in the driver, with its error scrubbed of the password.
    let Ok(options) = PgConnectOptions::from_str(url) else {
        return Ok(None);
    };
    let host = options.get_host();
    if is_local(host) {
        return Ok(None);
    }
    let chosen = url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k == "sslmode" || k == "ssl-mode")
                .map(|(_, v)| v.into_owned())
        })
        .or_else(|| std::env::var("PGSSLMODE").ok());
    let Some(chosen) = chosen else {
        return Ok(Some(PgSslMode::VerifyFull));
    };
    match options.get_ssl_mode() {
        PgSslMode::VerifyFull | PgSslMode::VerifyCa => Ok(None),
        _ => Err(format!(
            "refusing to connect to {host} with sslmode={chosen}: the store's contact data and \
             the digests that decide which secret works would cross the network unencrypted or \
             to an unverified server. Leave sslmode out (Keydesk then verifies the server's \
             certificate and name, sslmode=verify-full) and add sslrootcert=/path/to/ca.crt if \
             the server's certificate comes from your own CA"
        )),
    }
}

/// A Unix socket, `localhost` or a loopback address.
fn is_local(host: &str) -> bool {
    host.starts_with('/')
        || host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remote_server_is_verified_and_never_spoken_to_in_clear() {
        let mode = |url: &str| required_mode(url);
        assert!(matches!(
            mode("postgres://u:p@db.example/keydesk"),
            Ok(Some(PgSslMode::VerifyFull))
        ));
        assert!(matches!(
            mode("postgres://u@10.1.2.3:5432/keydesk"),
            Ok(Some(PgSslMode::VerifyFull))
        ));
        assert!(matches!(
            mode("postgres://u@db.example/k?sslmode=verify-full&sslrootcert=/ca.crt"),
            Ok(None)
        ));
        assert!(matches!(
            mode("postgres://u@db.example/k?sslmode=verify-ca"),
            Ok(None)
        ));
        for weak in ["disable", "allow", "prefer", "require"] {
            let refused = mode(&format!("postgres://u@db.example/k?sslmode={weak}")).unwrap_err();
            assert!(refused.contains(&format!("sslmode={weak}")), "{refused}");
            assert!(refused.contains("db.example"), "{refused}");
        }
    }

    #[test]
    fn a_local_server_is_left_as_the_url_says() {
        for url in [
            "postgres://u@127.0.0.1:5432/k",
            "postgres://u@localhost/k?sslmode=disable",
            "postgres://u@[::1]/k",
            "postgres://u@%2Frun%2Fpostgresql/k",
            "sqlite:///tmp/x.sqlite3",
        ] {
            assert!(matches!(required_mode(url), Ok(None)), "{url}");
        }
    }
}
