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

mod issue;
mod recent;
// Client authentication is its own module, which `credentials::verify` uses too.
pub use crate::client_auth::{authenticate, Client};
use crate::entities::credential_secret::live;
use crate::entities::{access_token, credential, credential_secret};
use crate::secrets::{self, Secret};
use crate::{Result, Store};
pub use issue::{issue_batch, issue_for, issue_token, BatchIssuer};
pub use recent::{Purpose, RecentSecrets};

/// A secret's "last used" is written again only when older than this, so a busy integration
/// does not turn every token into a write.
pub const LAST_USED_RESOLUTION: Duration = Duration::seconds(60);

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
