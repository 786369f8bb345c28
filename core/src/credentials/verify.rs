//! Does a (Client ID, secret) pair work? Any live secret of the credential does.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use super::views::live;
use crate::entities::{credential, credential_secret};
use crate::{secrets, Result, Store};

/// The answer to "does this pair work?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub valid: bool,
    /// Set when the secret is valid only until then (an old secret in its grace period).
    pub expires_at: Option<DateTime<Utc>>,
}

/// Accepts any live secret of the credential; digests are compared in constant time.
pub async fn verify(store: &Store, client_id: &str, secret: &str) -> Result<Verification> {
    let now = store.now();
    let invalid = Verification {
        valid: false,
        expires_at: None,
    };
    let client_id = client_id.trim();
    let Some(credential) = credential::Entity::find()
        .filter(credential::Column::ClientId.eq(client_id))
        .one(store.connection())
        .await?
    else {
        // Hash anyway, so an unknown Client ID costs the same as a wrong secret.
        let _ = secrets::digest(secret);
        return Ok(invalid);
    };
    let candidates = credential_secret::Entity::find()
        .filter(credential_secret::Column::CredentialId.eq(credential.id))
        .filter(live(now))
        .all(store.connection())
        .await?;
    let mut result = invalid;
    for candidate in candidates {
        // No early exit: every live secret is compared.
        if secrets::matches(secret.trim(), &candidate.digest) && !result.valid {
            result = Verification {
                valid: true,
                expires_at: candidate.expires_at,
            };
        }
    }
    tracing::info!(client_id, valid = result.valid, "credentials tested");
    Ok(result)
}
