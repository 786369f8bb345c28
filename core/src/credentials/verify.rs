//! Does a (Client ID, secret) pair work? Any live secret of the credential does.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationTrait};
use serde::Serialize;

use crate::entities::{credential, credential_secret};
use crate::{secrets, Result, Store};

/// The answer to "does this pair work?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub valid: bool,
    /// Set when the secret is valid only until then: an old secret in its grace period.
    pub expires_at: Option<DateTime<Utc>>,
    /// When a valid secret's lifetime ends; None: never.
    pub lifetime_ends_at: Option<DateTime<Utc>>,
    /// Set when the pair is refused because the secret's lifetime ended then ("expired on …").
    pub expired_on: Option<DateTime<Utc>>,
}

/// Accepts any live secret of the credential — the token endpoint's own rule
/// (`client_auth::authenticate`: constant-time, an unknown Client ID costs the same as a wrong
/// secret). A pasted pair is trimmed first. A refused pair that is a secret whose lifetime ran
/// out says when, so the technician knows to renew rather than to look for a typo.
pub async fn verify(store: &Store, client_id: &str, secret: &str) -> Result<Verification> {
    let client_id = client_id.trim();
    let secret = secret.trim();
    let client = crate::client_auth::authenticate(store, client_id, secret).await?;
    let expired_on = match client {
        Some(_) => None,
        None => lapsed(store, client_id, secret).await?,
    };
    // Not the typed Client ID: a secret pasted into the wrong box would land in the log.
    tracing::info!(
        credential_id = client.as_ref().map(|c| c.credential_id),
        valid = client.is_some(),
        expired = expired_on.is_some(),
        "credentials tested"
    );
    Ok(Verification {
        valid: client.is_some(),
        expires_at: client.as_ref().and_then(|c| c.secret_expires_at),
        lifetime_ends_at: client.as_ref().and_then(|c| c.secret_lifetime_ends_at),
        expired_on,
    })
}

/// When `secret`'s lifetime ended, if it is a secret of `client_id` that its lifetime (not a
/// renewal) ended.
async fn lapsed(store: &Store, client_id: &str, secret: &str) -> Result<Option<DateTime<Utc>>> {
    let now = store.now();
    let candidates = credential_secret::Entity::find()
        .join(
            JoinType::InnerJoin,
            credential_secret::Relation::Credential.def(),
        )
        .filter(credential::Column::ClientId.eq(client_id))
        .filter(credential_secret::Column::RevokedAt.is_null())
        .filter(credential_secret::Column::LifetimeEndsAt.lte(now))
        .all(store.connection())
        .await?;
    Ok(candidates
        .into_iter()
        .filter(|s| secrets::matches(secret, &s.digest))
        .filter_map(|s| match (s.lifetime_ends_at, s.expires_at) {
            (Some(end), Some(grace_end)) if grace_end < end => None,
            (end, _) => end,
        })
        .next())
}
