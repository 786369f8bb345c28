//! Client authentication (RFC 6749 §2.3): which live secret of a Client ID a presented secret
//! is, compared in constant time. The token endpoint (`tokens`, with its memory of recent
//! secrets) and the Test dialog (`credentials::verify`) both ask here.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationTrait};

use crate::entities::credential;
use crate::entities::credential_secret::{self, live};
use crate::secrets;
use crate::{Result, Store};

/// The digest of no secret: an unknown Client ID is compared against it, so it costs the same
/// as a wrong secret.
const DUMMY_DIGEST: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A client that proved it holds a live secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub credential_id: i32,
    pub secret_id: i32,
    pub client_id: String,
    /// When a renewal's grace period ends for this (old) secret; None: it is the current one.
    pub secret_expires_at: Option<DateTime<Utc>>,
    /// When its lifetime ends; None: never.
    pub secret_lifetime_ends_at: Option<DateTime<Utc>>,
}

/// The live secret of `client_id` that `secret` is, if any. Every live secret of the Client ID
/// is compared in constant time (no early exit); an unknown Client ID is compared against a
/// dummy digest, so both failures cost the same.
pub async fn authenticate(store: &Store, client_id: &str, secret: &str) -> Result<Option<Client>> {
    let candidates = live_secrets(store, client_id, store.now()).await?;
    Ok(matching(&candidates, client_id, secret))
}

/// The live secrets of `client_id` at `now` (digests only).
pub(crate) async fn live_secrets(
    store: &Store,
    client_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<credential_secret::Model>> {
    Ok(credential_secret::Entity::find()
        .join(
            JoinType::InnerJoin,
            credential_secret::Relation::Credential.def(),
        )
        .filter(credential::Column::ClientId.eq(client_id))
        .filter(live(now))
        .all(store.connection())
        .await?)
}

/// Which of `candidates` `secret` is: each compared in constant time, no early exit; none at
/// all compared against a dummy digest, so an unknown Client ID costs what a wrong secret does.
pub(crate) fn matching(
    candidates: &[credential_secret::Model],
    client_id: &str,
    secret: &str,
) -> Option<Client> {
    if candidates.is_empty() {
        let _ = secrets::matches(secret, DUMMY_DIGEST);
        return None;
    }
    let mut found = None;
    for candidate in candidates {
        if secrets::matches(secret, &candidate.digest) && found.is_none() {
            found = Some(Client {
                credential_id: candidate.credential_id,
                secret_id: candidate.id,
                client_id: client_id.to_owned(),
                secret_expires_at: candidate.expires_at,
                secret_lifetime_ends_at: candidate.lifetime_ends_at,
            });
        }
    }
    found
}
