//! A database URL as it may be shown: in About, on the start-up error page, on stderr and in
//! the log. The password and every query parameter that can carry one are replaced by `***`,
//! and a connection error's text is scrubbed of them before it goes anywhere.

use url::Url;

/// What replaces a hidden value.
const HIDDEN: &str = "***";

/// Query parameters that hold a password or key material (libpq's and sqlx's names).
const SENSITIVE_PARAMETERS: &[&str] = &[
    "password",
    "sslpassword",
    "pass",
    "passwd",
    "pwd",
    "secret",
    "token",
    "sslkey",
];

fn is_sensitive(key: &str) -> bool {
    SENSITIVE_PARAMETERS.contains(&key.to_ascii_lowercase().as_str())
}

/// The URL with its password and sensitive parameters hidden. A URL that cannot be parsed is not
/// shown at all (it may hold a password in a place nobody can find reliably), only its scheme.
pub fn describe(raw: &str) -> String {
    let Ok(mut url) = Url::parse(raw) else {
        let scheme = raw
            .split_once("://")
            .map(|(s, _)| s)
            .filter(|s| {
                s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            })
            .unwrap_or("unknown");
        return format!("{scheme}://… (a database URL that could not be read; not shown)");
    };
    if url.password().is_some() {
        // Only fails for URLs that cannot have a password, and those have none.
        let _ = url.set_password(Some(HIDDEN));
    }
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if is_sensitive(&k) {
                    HIDDEN.to_owned()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

/// `text` (a driver's error) with the URL and every hidden value in it replaced.
pub fn scrub(text: &str, raw: &str) -> String {
    let mut scrubbed = text.replace(raw, &describe(raw));
    for secret in secrets_in(raw) {
        if !secret.is_empty() {
            scrubbed = scrubbed.replace(&secret, HIDDEN);
        }
    }
    scrubbed
}

/// The password and sensitive parameter values of a URL, as written and as decoded.
fn secrets_in(raw: &str) -> Vec<String> {
    let mut found = Vec::new();
    match Url::parse(raw) {
        Ok(url) => {
            if let Some(password) = url.password() {
                found.push(password.to_owned());
            }
            for (key, value) in url.query_pairs() {
                if is_sensitive(&key) {
                    found.push(value.into_owned());
                }
            }
        }
        Err(_) => {
            // Unreadable: take what sits between the first ':' after the scheme and the last '@'.
            let rest = raw.split_once("://").map_or(raw, |(_, r)| r);
            if let Some((userinfo, _)) = rest.rsplit_once('@') {
                if let Some((_, password)) = userinfo.split_once(':') {
                    found.push(password.to_owned());
                }
            }
        }
    }
    let decoded: Vec<String> = found.iter().map(|s| percent_decode(s)).collect();
    found.extend(decoded);
    // Longest first, so a password that contains another is replaced whole.
    found.sort_by_key(|s| std::cmp::Reverse(s.len()));
    found.dedup();
    found
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hostile URLs, each with the text that must never be shown.
    const HOSTILE: &[(&str, &str)] = &[
        ("postgres://keydesk:s3cret@db:5432/x", "s3cret"),
        ("postgres://u:p@ss@h/db", "p@ss"),
        ("postgres://u:p%40ss@h/db", "p@ss"),
        ("postgres://u@h/db?password=hunter2", "hunter2"),
        (
            "postgres://u@h/db?sslmode=require&sslpassword=keypass",
            "keypass",
        ),
        ("postgres://u@h/db?PASSWORD=upper", "upper"),
        ("postgress://u:typo-secret@h/db", "typo-secret"),
        ("postgres://u:sp%20ace@h/db", "sp ace"),
        ("postgres://u:bad%zzpass@[::1/db", "bad%zzpass"),
    ];

    #[test]
    fn no_hostile_url_shows_its_password() {
        for (url, secret) in HOSTILE {
            let shown = describe(url);
            assert!(!shown.contains(secret), "{url} shown as {shown}");
            let err = format!("error connecting to '{url}': password for {secret} rejected");
            let scrubbed = scrub(&err, url);
            assert!(!scrubbed.contains(secret), "{url}: {scrubbed}");
        }
    }

    #[test]
    fn the_rest_of_the_url_is_still_shown() {
        assert_eq!(
            describe("postgres://keydesk:s3cret@db:5432/x"),
            "postgres://keydesk:***@db:5432/x"
        );
        assert_eq!(describe("postgres://u:p@ss@h/db"), "postgres://u:***@h/db");
        assert_eq!(
            describe("postgres://keydesk@db/x"),
            "postgres://keydesk@db/x"
        );
        assert_eq!(
            describe("postgres://u@h/db?sslmode=require&password=x"),
            "postgres://u@h/db?sslmode=require&password=***"
        );
        assert_eq!(
            describe("postgress://u:secret@h/db"),
            "postgress://u:***@h/db"
        );
    }
}
