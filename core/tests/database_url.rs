//! A database URL's password never shows: not in the description (About, the log's "store
//! opened"), not in the error a failed open gives (the start-up error page, stderr, the log).

mod common;

use keydesk_core::{Store, StoreLocation};

/// Hostile URLs pointing at a closed loopback port (nothing leaves the machine), each with the
/// text that must never be shown.
const HOSTILE: &[(&str, &str)] = &[
    ("postgres://keydesk:s3cret@127.0.0.1:1/x", "s3cret"),
    // sqlx splits userinfo at the last '@', a naive split at the first.
    ("postgres://u:p@ss@127.0.0.1:1/db", "p@ss"),
    ("postgres://u:p@ss@127.0.0.1:1/db", "ss@127"),
    ("postgres://u@127.0.0.1:1/db?password=hunter2", "hunter2"),
    (
        "postgres://u@127.0.0.1:1/db?sslmode=require&sslpassword=keypass",
        "keypass",
    ),
    // A mistyped scheme: sea-orm quotes the whole URL in its error.
    ("postgress://u:typo-secret@127.0.0.1:1/db", "typo-secret"),
    (
        "postgresql+tls://u:other-secret@127.0.0.1:1/db",
        "other-secret",
    ),
    // Not even a URL: shown by scheme only.
    ("postgres://u:unparsed-secret@[::1:1/db", "unparsed-secret"),
];

#[tokio::test]
async fn no_password_in_the_description_or_the_error_of_a_failed_open() {
    if common::touches_no_store() {
        return;
    }
    // At once: a refused connection is retried until the connect timeout.
    let mut opens = tokio::task::JoinSet::new();
    for (url, secret) in HOSTILE {
        let location = StoreLocation::Url((*url).to_owned());
        for shown in [location.describe(), format!("{location:?}")] {
            assert!(!shown.contains(secret), "{url} described as {shown}");
        }
        opens.spawn(async move { (url, secret, Store::open(location).await) });
    }
    while let Some(opened) = opens.join_next().await {
        let (url, secret, opened) = opened.unwrap();
        let err = opened.expect_err("nothing listens on port 1");
        eprintln!("{url} → {err}");
        // Everything a person or the log is given: the message, the code, the Debug form.
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(
                !text.contains(secret),
                "{url}: error shows the secret: {text}"
            );
        }
        assert_eq!(err.code(), "store", "{url}: {err}");
    }
}

#[tokio::test]
async fn a_mistyped_scheme_is_named_without_its_password() {
    if common::touches_no_store() {
        return;
    }
    let err = Store::open(StoreLocation::Url(
        "postgress://u:typo-secret@127.0.0.1:1/db".into(),
    ))
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("postgress://u:***@127.0.0.1:1/db"), "{err}");
    assert!(err.contains("no supporting driver"), "{err}");
}
