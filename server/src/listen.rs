//! The command line and where to listen: loopback is plain HTTP; any other address needs TLS
//! (RFC 6749 §1.6, §3.2) — our own (`--tls-cert`, `--tls-key`) or a proxy's
//! (`--behind-tls-proxy`).

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::proxy::Cidr;

pub const USAGE: &str = "usage: keydesk-server [--listen ADDR:PORT] [--issuer URL] \
[--token-lifetime SECONDS] [--tls-cert FILE --tls-key FILE]
       [--behind-tls-proxy [--trusted-proxy CIDR]...] [--alerts-every SECONDS] [--warning-days N]
       [--smtp-password-file FILE]
       keydesk-server migrate   (update a team store's schema: as a PostgreSQL superuser, or a
                                 member of keydesk_owner; then exit)

  --listen            where to listen (default 127.0.0.1:8477)
  --issuer            the URL clients reach this server at (default http(s)://ADDR:PORT)
  --token-lifetime    access-token lifetime in seconds, 60..=86400 (default 3600)
  --tls-cert/--tls-key  PEM certificate chain and private key: serve HTTPS
  --behind-tls-proxy  plain HTTP on a non-loopback address, for a proxy that terminates TLS;
                      needs --issuer https://<public name>
  --trusted-proxy     the proxy's address or network (repeat, or separate with commas): only
                      connections from there have their X-Forwarded-For read
  --alerts-every      how often expiry alerts are looked for and sent to the store's channels
                      (webhooks, Slack, Teams; set up in the app's Settings), in seconds,
                      10..=3600 (default 60); 0: this server sends none
  --warning-days      when the first alert of a secret goes out, days before its end (default 30)
  --smtp-password-file  the SMTP password of the store's e-mail channels (or KEYDESK_SMTP_PASSWORD);
                      never in the store

The store is Keydesk's: KEYDESK_DATABASE_URL if set (postgres://… for a team), otherwise the
SQLite file in KEYDESK_DATA_DIR or the app's data folder.";

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8477";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub listen: SocketAddr,
    pub issuer: Option<String>,
    pub token_lifetime_secs: i64,
    pub tls: Option<(PathBuf, PathBuf)>,
    pub behind_tls_proxy: bool,
    pub trusted_proxies: Vec<Cidr>,
    /// Seconds between alert rounds; 0: none.
    pub alerts_every_secs: u64,
    pub warning_days: i64,
    pub smtp_password_file: Option<PathBuf>,
}

/// Parses the arguments (without the program name); the error is the message to print.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
    let mut listen = DEFAULT_LISTEN.to_owned();
    let mut issuer = None;
    let mut lifetime = 3600i64;
    let mut cert = None;
    let mut key = None;
    let mut behind_tls_proxy = false;
    let mut trusted_proxies = Vec::new();
    let mut alerts_every_secs = 60u64;
    let mut warning_days = 30i64;
    let mut smtp_password_file = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--listen" => listen = value("--listen")?,
            "--issuer" => {
                let url = value("--issuer")?;
                // RFC 8414 §2: a URL with no query or fragment.
                if !(url.starts_with("https://") || url.starts_with("http://"))
                    || url.contains(['?', '#'])
                {
                    return Err(format!(
                        "--issuer {url}: give the URL clients reach this server at, e.g. \
                         https://auth.example.com (no query or fragment)"
                    ));
                }
                issuer = Some(url);
            }
            "--token-lifetime" => {
                let text = value("--token-lifetime")?;
                lifetime = text
                    .parse()
                    .ok()
                    .filter(|s| (60..=86_400).contains(s))
                    .ok_or(format!(
                        "--token-lifetime {text}: give seconds from 60 to 86400"
                    ))?;
            }
            "--tls-cert" => cert = Some(PathBuf::from(value("--tls-cert")?)),
            "--tls-key" => key = Some(PathBuf::from(value("--tls-key")?)),
            "--behind-tls-proxy" => behind_tls_proxy = true,
            "--trusted-proxy" => {
                for network in value("--trusted-proxy")?.split(',') {
                    trusted_proxies
                        .push(Cidr::parse(network).map_err(|e| format!("--trusted-proxy {e}"))?);
                }
            }
            "--alerts-every" => {
                let text = value("--alerts-every")?;
                alerts_every_secs = text
                    .parse()
                    .ok()
                    .filter(|s| *s == 0 || (10..=3600).contains(s))
                    .ok_or(format!(
                        "--alerts-every {text}: give seconds from 10 to 3600, or 0 for none"
                    ))?;
            }
            "--warning-days" => {
                let text = value("--warning-days")?;
                warning_days = text
                    .parse()
                    .ok()
                    .filter(|d| (1..=365).contains(d))
                    .ok_or(format!("--warning-days {text}: give days from 1 to 365"))?;
            }
            "--smtp-password-file" => {
                smtp_password_file = Some(PathBuf::from(value("--smtp-password-file")?))
            }
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other}\n\n{USAGE}")),
        }
    }
    let listen: SocketAddr = listen.parse().map_err(|_| {
        format!("--listen {listen}: give an address and port, e.g. {DEFAULT_LISTEN}")
    })?;
    let tls = match (cert, key) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (None, None) => None,
        _ => return Err("--tls-cert and --tls-key go together".to_owned()),
    };
    let options = Options {
        listen,
        issuer,
        token_lifetime_secs: lifetime,
        tls,
        behind_tls_proxy,
        trusted_proxies,
        alerts_every_secs,
        warning_days,
        smtp_password_file,
    };
    check_transport(&options)?;
    if !options.trusted_proxies.is_empty() && !options.behind_tls_proxy {
        return Err("--trusted-proxy goes with --behind-tls-proxy".to_owned());
    }
    // RFC 8414 §2: the issuer is an https URL. Loopback may stay plain http (a program on this
    // computer); off loopback the clients reach TLS, so the metadata must say https.
    if !options.listen.ip().is_loopback() && options.tls.is_none() {
        match &options.issuer {
            Some(url) if url.starts_with("https://") => {}
            _ => {
                return Err(format!(
                    "--behind-tls-proxy needs --issuer with the https URL clients reach through \
                     the proxy (RFC 8414 §2), e.g. --issuer https://auth.example.com; without \
                     it the metadata would advertise http://{}",
                    options.listen
                ))
            }
        }
    }
    Ok(options)
}

/// Credentials cross the network only inside TLS.
pub fn check_transport(options: &Options) -> Result<(), String> {
    if options.listen.ip().is_loopback() || options.tls.is_some() || options.behind_tls_proxy {
        return Ok(());
    }
    Err(format!(
        "refusing to listen on {} without TLS: client secrets and tokens would cross the network \
         in clear. Give --tls-cert and --tls-key, or --behind-tls-proxy if a proxy or load \
         balancer in front terminates TLS, or listen on 127.0.0.1.",
        options.listen
    ))
}

impl Options {
    /// The `issuer`: as given, or this server's own URL.
    pub fn issuer(&self, bound: SocketAddr) -> String {
        match &self.issuer {
            Some(issuer) => issuer.trim_end_matches('/').to_owned(),
            None if self.tls.is_some() => format!("https://{bound}"),
            None => format!("http://{bound}"),
        }
    }
}

/// Binds `addr` as `std::net::TcpListener::bind` does, except that an IPv6 wildcard (`[::]`)
/// takes IPv4 clients too on every platform: Linux does so by default, Windows does not
/// (IPV6_V6ONLY is on there; found running the server under Wine). Non-blocking, for tokio.
pub fn bind(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv6() && addr.ip().is_unspecified() {
        socket.set_only_v6(false)?;
    }
    // As std does on Unix: a restarted server may listen again while old connections linger
    // in TIME_WAIT. (On Windows the same option would let another program take the port.)
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn a_non_loopback_address_needs_tls_or_a_tls_proxy() {
        let refused = parse(args("--listen 0.0.0.0:8477")).unwrap_err();
        assert!(refused.contains("without TLS"), "{refused}");
        let no_issuer = parse(args("--listen 0.0.0.0:8477 --behind-tls-proxy")).unwrap_err();
        assert!(no_issuer.contains("--issuer"), "{no_issuer}");
        assert!(parse(args(
            "--listen 0.0.0.0:8477 --behind-tls-proxy --issuer http://auth.example.com"
        ))
        .is_err());
        assert!(parse(args(
            "--listen 0.0.0.0:8477 --behind-tls-proxy --issuer https://auth.example.com"
        ))
        .is_ok());
        assert!(parse(args("--listen 0.0.0.0:8477 --tls-cert c --tls-key k")).is_ok());
        assert!(parse(args("--listen [::1]:8477")).is_ok());
        assert!(parse(args("--tls-cert c")).is_err());
        assert!(parse(args("--token-lifetime 5")).is_err());
        assert!(parse(args("--issuer https://auth.example.com/")).is_ok());
        assert!(parse(args("--issuer auth.example.com")).is_err());
        assert!(parse(args("--issuer https://a.example?x=1")).is_err());
        let proxies = parse(args(
            "--listen [::]:8477 --behind-tls-proxy --issuer https://a.example \
             --trusted-proxy 10.0.0.0/8,192.0.2.7 --trusted-proxy fd00::/8",
        ))
        .unwrap();
        assert_eq!(proxies.trusted_proxies.len(), 3);
        assert!(parse(args("--trusted-proxy 10.0.0.0/8")).is_err());
        assert!(parse(args(
            "--listen 0.0.0.0:1 --behind-tls-proxy --issuer https://a --trusted-proxy x"
        ))
        .is_err());
        assert_eq!(
            parse(args("")).unwrap().listen,
            DEFAULT_LISTEN.parse().unwrap()
        );
    }
}
