//! Does a (Client ID, secret) pair work? Any live secret of the credential does.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{Result, Store};

/// The answer to "does this pair work?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub valid: bool,
    /// Set when the secret is valid only until then (an old secret in its grace period).
    pub expires_at: Option<DateTime<Utc>>,
}

/// Accepts any live secret of the credential — the token endpoint's own rule
/// (`tokens::authenticate`: constant-time, an unknown Client ID costs the same as a wrong
/// secret). A pasted pair is trimmed first.
pub async fn verify(store: &Store, client_id: &str, secret: &str) -> Result<Verification> {
    let client_id = client_id.trim();
    let client = crate::tokens::authenticate(store, client_id, secret.trim()).await?;
    tracing::info!(client_id, valid = client.is_some(), "credentials tested");
    Ok(Verification {
        valid: client.is_some(),
        expires_at: client.and_then(|c| c.secret_expires_at),
    })
}
