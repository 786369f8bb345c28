//! What the page is shown of a credential: never more than a secret's hint.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use std::collections::HashMap;

use super::{CredentialView, SecretView};
use crate::entities::{contact, credential, credential_secret};
use crate::{Error, Result, Store};

/// A secret that still verifies at `now`: not revoked, not past a grace period's end, not past
/// its lifetime.
pub(crate) fn live(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(credential_secret::Column::RevokedAt.is_null())
        .add(
            Condition::any()
                .add(credential_secret::Column::ExpiresAt.is_null())
                .add(credential_secret::Column::ExpiresAt.gt(now)),
        )
        .add(
            Condition::any()
                .add(credential_secret::Column::LifetimeEndsAt.is_null())
                .add(credential_secret::Column::LifetimeEndsAt.gt(now)),
        )
}

/// `machine_id`: whose OS keyring `in_keyring` and `keyring_stale` speak of.
pub(super) async fn view<C: ConnectionTrait>(
    db: &C,
    c: credential::Model,
    now: DateTime<Utc>,
    machine_id: &str,
) -> Result<CredentialView> {
    let secrets = credential_secret::Entity::find()
        .filter(credential_secret::Column::CredentialId.eq(c.id))
        .filter(live(now))
        .all(db)
        .await?;
    view_of(db, c, secrets, machine_id).await
}

/// The view of a credential whose live secrets are `secrets` (in any order): the current one
/// first, then those in a grace period, newest first.
pub(super) async fn view_of<C: ConnectionTrait>(
    db: &C,
    c: credential::Model,
    mut secrets: Vec<credential_secret::Model>,
    machine_id: &str,
) -> Result<CredentialView> {
    secrets.sort_by_key(|s| {
        (
            s.expires_at.is_some(),
            std::cmp::Reverse((s.created_at, s.id)),
        )
    });
    let secrets: Vec<SecretView> = secrets
        .into_iter()
        .map(|s| SecretView {
            id: s.id,
            hint: s.hint,
            created_at: s.created_at,
            expires_at: s.expires_at,
            lifetime_ends_at: s.lifetime_ends_at,
            last_used_at: s.last_used_at,
        })
        .collect();
    let entry = super::keyring::this_computers_entry(db, machine_id, &c.client_id).await?;
    let current = secrets
        .first()
        .filter(|s| s.expires_at.is_none())
        .map(|s| s.id);
    let in_keyring = entry.as_ref().is_some_and(|e| Some(e.secret_id) == current);
    Ok(CredentialView {
        id: c.id,
        account_id: c.account_id,
        client_id: c.client_id,
        name: c.name,
        email: c.email,
        application: c.application,
        in_keyring,
        keyring_stale: entry.is_some() && !in_keyring,
        resource_server: c.resource_server,
        created_at: c.created_at,
        secrets,
    })
}

pub(super) async fn find(store: &Store, credential_id: i32) -> Result<credential::Model> {
    credential::Entity::find_by_id(credential_id)
        .one(store.connection())
        .await?
        .ok_or(Error::NotFound("The credentials"))
}

/// The account's credentials, newest first.
pub async fn list_credentials(store: &Store, account_id: i32) -> Result<Vec<CredentialView>> {
    let now = store.now();
    let machine_id = store.machine_id();
    let rows = credential::Entity::find()
        .filter(credential::Column::AccountId.eq(account_id))
        .order_by_desc(credential::Column::CreatedAt)
        .order_by_desc(credential::Column::Id)
        .all(store.connection())
        .await?;
    let mut views = Vec::with_capacity(rows.len());
    for row in rows {
        views.push(view(store.connection(), row, now, &machine_id).await?);
    }
    Ok(views)
}

/// The Client ID of a credential, for copying.
pub async fn client_id(store: &Store, credential_id: i32) -> Result<String> {
    Ok(find(store, credential_id).await?.client_id)
}

/// Whose a secret is, to name it on the health page or in a reminder.
pub(crate) struct Owner {
    pub credential: credential::Model,
    pub company_name: String,
}

/// The credentials `credential_ids` name, with their accounts' company names, by credential id:
/// two reads however many secrets a page or a round of reminders holds.
pub(crate) async fn owners<C: ConnectionTrait>(
    db: &C,
    credential_ids: impl IntoIterator<Item = i32>,
) -> Result<HashMap<i32, Owner>> {
    let credentials = credential::Entity::find()
        .filter(credential::Column::Id.is_in(credential_ids))
        .all(db)
        .await?;
    let companies: HashMap<i32, String> = contact::Entity::find()
        .filter(contact::Column::AccountId.is_in(credentials.iter().map(|c| c.account_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.account_id, c.company_name))
        .collect();
    Ok(credentials
        .into_iter()
        .map(|c| {
            let company_name = companies.get(&c.account_id).cloned().unwrap_or_default();
            (
                c.id,
                Owner {
                    credential: c,
                    company_name,
                },
            )
        })
        .collect())
}
