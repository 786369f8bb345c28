//! OAuth 2.0 access tokens for the client-credentials grant (issue 15): authenticate a Client ID
//! and secret, issue a token, introspect it, revoke it, purge expired ones.
//!
//! Tokens are 256 random bits from the same CSPRNG as secrets; the store keeps only their
//! SHA-256 digest. A token is tied to the secret that obtained it and is active only while that
//! secret is live, so what the page says about a secret (renewed now, grace period, deleted) is
//! what the token endpoint does, to the second. Time comes from the store's clock (tests move it).

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, RelationTrait};
use sea_orm::{JoinType, PaginatorTrait};

use crate::credentials::live;

mod issue;
mod recent;
use crate::entities::{access_token, credential, credential_secret};
use crate::secrets::{self, Secret};
use crate::{Result, Store};
pub use issue::{issue_batch, issue_for, issue_token, Issuer};
pub use recent::RecentSecrets;

/// A secret's "last used" is written again only when older than this, so a busy integration
/// does not turn every token into a write.
pub const LAST_USED_RESOLUTION: Duration = Duration::seconds(60);

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

/// A new access token, in plaintext for this one response.
#[derive(Debug)]
pub struct IssuedToken {
    pub token: Secret,
    pub client: Client,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Seconds from `issued_at` to `expires_at`.
    pub expires_in: i64,
}

/// What introspection says about an active token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveToken {
    pub client_id: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The live secret of `client_id` that `secret` is, if any. Every live secret of the Client ID
/// is compared in constant time (no early exit); an unknown Client ID is compared against a
/// dummy digest, so both failures cost the same.
pub async fn authenticate(store: &Store, client_id: &str, secret: &str) -> Result<Option<Client>> {
    let candidates = live_secrets(store, client_id, store.now()).await?;
    Ok(matching(&candidates, client_id, secret))
}

/// The live secrets of `client_id` at `now` (digests only).
async fn live_secrets(
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
fn matching(
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

/// What the introspection endpoint tells `asking`: `introspect`'s answer when the token is
/// its own, or when its credential is marked as a resource server's; for another client's
/// token otherwise, that it is inactive (RFC 7662 §4: the server "MUST determine whether or
/// not the token can be used at the protected resource making the introspection call").
pub async fn introspect_for(
    store: &Store,
    asking: &Client,
    token: &str,
) -> Result<Option<ActiveToken>> {
    let Some((facts, owner)) = active(store, token).await? else {
        return Ok(None);
    };
    if owner != asking.credential_id {
        let may = credential::Entity::find_by_id(asking.credential_id)
            .one(store.connection())
            .await?
            .is_some_and(|c| c.resource_server);
        if !may {
            return Ok(None);
        }
    }
    Ok(Some(facts))
}

/// The token's facts if it is active at `now`: unexpired, unrevoked, and its secret still live
/// (a secret renewed "now", past its grace period, or deleted ends its tokens at once).
pub async fn introspect(store: &Store, token: &str) -> Result<Option<ActiveToken>> {
    Ok(active(store, token).await?.map(|(facts, _)| facts))
}

/// An active token's facts and the id of the credential it was issued to.
async fn active(store: &Store, token: &str) -> Result<Option<(ActiveToken, i32)>> {
    let now = store.now();
    let found = access_token::Entity::find()
        .filter(access_token::Column::Digest.eq(secrets::digest(token)))
        .filter(access_token::Column::RevokedAt.is_null())
        .filter(access_token::Column::ExpiresAt.gt(now))
        .join(JoinType::InnerJoin, access_token::Relation::Secret.def())
        .filter(live(now))
        .find_also_related(credential::Entity)
        .one(store.connection())
        .await?;
    let Some((token, Some(credential))) = found else {
        return Ok(None);
    };

    // A renewal with a grace period shorter than the token's life ends the token with the
    // secret: say so, so a resource server caching the answer until `exp` stops in time.
    let secret_end = credential_secret::Entity::find_by_id(token.secret_id)
        .one(store.connection())
        .await?
        .and_then(|s| s.ends_at());
    let facts = ActiveToken {
        client_id: credential.client_id,
        issued_at: token.issued_at,
        expires_at: secret_end.map_or(token.expires_at, |end| end.min(token.expires_at)),
    };
    Ok(Some((facts, credential.id)))
}

/// What a revocation request came to (RFC 7009 §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// The client's own token, revoked now.
    Revoked,
    /// Unknown, or already revoked: nothing to do, and not an error (§2.2).
    NothingToRevoke,
    /// Issued to another client: refused, and the token stays as it was (§2.1: "the
    /// authorization server … verifies whether the token was issued to the client making the
    /// revocation request. If this validation fails, the request is refused").
    AnotherClients,
}

/// Revokes `token` if it belongs to `credential_id`.
pub async fn revoke(store: &Store, credential_id: i32, token: &str) -> Result<Revocation> {
    let digest = secrets::digest(token);
    let write = store.write().await?;
    let revoked = access_token::Entity::update_many()
        .col_expr(access_token::Column::RevokedAt, Expr::value(write.now()))
        .filter(access_token::Column::Digest.eq(digest.as_str()))
        .filter(access_token::Column::CredentialId.eq(credential_id))
        .filter(access_token::Column::RevokedAt.is_null())
        .exec(write.db())
        .await?
        .rows_affected;
    let outcome = if revoked > 0 {
        Revocation::Revoked
    } else {
        let others = access_token::Entity::find()
            .filter(access_token::Column::Digest.eq(digest.as_str()))
            .filter(access_token::Column::CredentialId.ne(credential_id))
            .count(write.db())
            .await?;
        if others > 0 {
            Revocation::AnotherClients
        } else {
            Revocation::NothingToRevoke
        }
    };
    write.commit_bookkeeping().await?;
    Ok(outcome)
}

/// Deletes the tokens expired by now; how many.
pub async fn purge_expired(store: &Store) -> Result<u64> {
    let write = store.write().await?;
    let purged = access_token::Entity::delete_many()
        .filter(access_token::Column::ExpiresAt.lte(write.now()))
        .exec(write.db())
        .await?
        .rows_affected;
    write.commit_bookkeeping().await?;
    if purged > 0 {
        tracing::info!(purged, "expired access tokens purged");
    }
    Ok(purged)
}

/// How many token rows the store holds (expired ones included until purged).
pub async fn count_tokens(store: &Store) -> Result<u64> {
    Ok(access_token::Entity::find()
        .count(store.connection())
        .await?)
}

/// When the secret last obtained a token.
pub async fn last_used(store: &Store, secret_id: i32) -> Result<Option<DateTime<Utc>>> {
    Ok(credential_secret::Entity::find_by_id(secret_id)
        .one(store.connection())
        .await?
        .and_then(|s| s.last_used_at))
}
