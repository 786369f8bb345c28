//! Issuing access tokens. A token is one row, and on SQLite every row written is a transaction
//! that waits its turn for the one writer and ends in an fsync; under a busy token endpoint
//! those turns were the whole cost. So tokens are issued in batches: `BatchIssuer` gathers the
//! requests that arrive while a batch is being written and writes them together — one
//! transaction, one fsync, the same few statements for 1 token or 64 (group commit). Each
//! request still gets exactly what a single issue would give it.

use crate::changes::{Change, SECRET_USED};
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, Set};
use tokio::sync::{mpsc, oneshot};

use super::{authenticate, Client, IssuedToken, LAST_USED_RESOLUTION};
use crate::credentials::live;
use crate::entities::{access_token, credential_secret};
use crate::secrets;
use crate::{Error, Result, Store};

/// The most tokens written in one transaction (7 values a row stays far below SQLite's limit on
/// a statement's parameters).
const MAX_BATCH: usize = 64;

/// Authenticates the pair and issues a token living `lifetime`, or until the secret's own end
/// if that comes first. `None`: the pair does not authenticate (unknown, wrong, expired,
/// revoked — all alike).
pub async fn issue_token(
    store: &Store,
    client_id: &str,
    secret: &str,
    lifetime: Duration,
) -> Result<Option<IssuedToken>> {
    let Some(client) = authenticate(store, client_id, secret).await? else {
        return Ok(None);
    };
    issue_for(store, client, lifetime).await
}

/// Issues a token to a client just authenticated, if its secret is still live (a batch of one).
pub async fn issue_for(
    store: &Store,
    client: Client,
    lifetime: Duration,
) -> Result<Option<IssuedToken>> {
    let mut issued = issue_batch(store, &[(client, lifetime)]).await?;
    Ok(issued.pop().flatten())
}

/// Issues one token per (client, lifetime), in one transaction; each answer in the request's
/// place. A renewal ("now") or a delete may land between a client's authentication and this
/// write: that client gets `None`, told to the caller like a wrong secret. Bookkeeping, not
/// activity: a busy integration must not turn every token into an event.
pub async fn issue_batch(
    store: &Store,
    requests: &[(Client, Duration)],
) -> Result<Vec<Option<IssuedToken>>> {
    if requests.is_empty() {
        return Ok(Vec::new());
    }
    let write = store.write().await?;
    let now = write.now();
    let db = write.db();
    let mut secret_ids: Vec<i32> = requests.iter().map(|(c, _)| c.secret_id).collect();
    secret_ids.sort_unstable();
    secret_ids.dedup();
    // A write first: on SQLite the transaction holds the write lock from here, so the read below
    // sees the latest renewal and the INSERT cannot fail to upgrade a read snapshot (BUSY).
    // One conditional statement, no read: "last used" moves at most about once a minute.
    let used = credential_secret::Entity::update_many()
        .col_expr(credential_secret::Column::LastUsedAt, Expr::value(now))
        .filter(credential_secret::Column::Id.is_in(secret_ids.iter().copied()))
        .filter(
            Condition::any()
                .add(credential_secret::Column::LastUsedAt.is_null())
                .add(credential_secret::Column::LastUsedAt.lt(now - LAST_USED_RESOLUTION)),
        )
        .exec(db)
        .await?
        .rows_affected;
    // Each secret still live, with its end (a grace period's or its lifetime's).
    let live_secrets: HashMap<i32, Option<DateTime<Utc>>> = credential_secret::Entity::find()
        .filter(credential_secret::Column::Id.is_in(secret_ids.iter().copied()))
        .filter(live(now))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.ends_at()))
        .collect();
    let mut issued = Vec::with_capacity(requests.len());
    let mut rows = Vec::with_capacity(requests.len());
    for (client, lifetime) in requests {
        let Some(secret_end) = live_secrets.get(&client.secret_id) else {
            issued.push(None);
            continue;
        };
        // A token never outlives the secret that obtained it.
        let mut expires_at = now + *lifetime;
        if let Some(end) = secret_end {
            expires_at = expires_at.min(*end);
        }
        let token = secrets::new_secret()?;
        rows.push(access_token::ActiveModel {
            digest: Set(secrets::digest(token.expose())),
            credential_id: Set(client.credential_id),
            secret_id: Set(client.secret_id),
            issued_at: Set(now),
            expires_at: Set(expires_at),
            revoked_at: Set(None),
            ..Default::default()
        });
        issued.push(Some(IssuedToken {
            token,
            client: client.clone(),
            issued_at: now,
            expires_in: (expires_at - now).num_seconds(),
            expires_at,
        }));
    }
    if !rows.is_empty() {
        access_token::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    // A moved "last used" is on the page: say which credentials (at most once a minute each).
    let mut moved: Vec<i32> = Vec::new();
    if used > 0 {
        moved = requests.iter().map(|(c, _)| c.credential_id).collect();
        moved.sort_unstable();
        moved.dedup();
    }
    write
        .commit_used(moved.into_iter().map(|credential_id| Change {
            account_id: None,
            credential_id: Some(credential_id),
            action: SECRET_USED,
            entry: None,
        }))
        .await?;
    for token in issued.iter().flatten() {
        tracing::info!(client_id = %token.client.client_id, "access token issued");
    }
    Ok(issued)
}

struct Request {
    client: Client,
    lifetime: Duration,
    answer: oneshot::Sender<Result<Option<IssuedToken>>>,
}

/// Issues tokens in batches for many concurrent callers (the token endpoint). One task writes;
/// whatever arrives while it writes goes into the next batch.
#[derive(Debug, Clone)]
pub struct BatchIssuer {
    requests: mpsc::Sender<Request>,
}

impl BatchIssuer {
    /// Starts the writing task on the current Tokio runtime; it ends when the last `BatchIssuer`
    /// clone is dropped.
    pub fn spawn(store: Store) -> BatchIssuer {
        let (requests, mut queue) = mpsc::channel::<Request>(4 * MAX_BATCH);
        tokio::spawn(async move {
            while let Some(first) = queue.recv().await {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match queue.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                let asked: Vec<(Client, Duration)> = batch
                    .iter()
                    .map(|r| (r.client.clone(), r.lifetime))
                    .collect();
                match issue_batch(&store, &asked).await {
                    Ok(issued) => {
                        for (request, token) in batch.into_iter().zip(issued) {
                            let _ = request.answer.send(Ok(token));
                        }
                    }
                    Err(err) => {
                        // Each caller gets the failure as it was (its kind decides the answer:
                        // a moved store is not a busy one).
                        for request in batch {
                            let _ = request.answer.send(Err(err.clone()));
                        }
                    }
                }
            }
        });
        BatchIssuer { requests }
    }

    /// What `issue_for` would answer, written together with other callers' tokens.
    pub async fn issue(&self, client: Client, lifetime: Duration) -> Result<Option<IssuedToken>> {
        let (answer, answered) = oneshot::channel();
        let stopped = || Error::Store(DbErr::Custom("the token issuer has stopped".into()));
        self.requests
            .send(Request {
                client,
                lifetime,
                answer,
            })
            .await
            .map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}
