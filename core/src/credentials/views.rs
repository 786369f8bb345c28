//! What the page is shown of a credential: never more than a secret's hint.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use std::collections::HashMap;

use super::{CredentialView, SecretView};
use crate::entities::{contact, credential, credential_secret, keyring_entry};
use crate::{Error, Result, Store};

/// A secret that still verifies at `now` (the rule is the entity's, beside `is_live`).
pub(crate) use credential_secret::live;

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
    secrets: Vec<credential_secret::Model>,
    machine_id: &str,
) -> Result<CredentialView> {
    let entry = super::keyring::this_computers_entry(db, machine_id, &c.client_id).await?;
    Ok(assemble(c, secrets, entry.as_ref()))
}

/// The view from what was read: the credential, its live secrets (any order) and this
/// computer's keyring entry for it.
pub(super) fn assemble(
    c: credential::Model,
    mut secrets: Vec<credential_secret::Model>,
    entry: Option<&keyring_entry::Model>,
) -> CredentialView {
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
    let current = secrets
        .first()
        .filter(|s| s.expires_at.is_none())
        .map(|s| s.id);
    let in_keyring = entry.is_some_and(|e| Some(e.secret_id) == current);
    CredentialView {
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
    }
}

/// Every credential the store shows (on a team store: of the accounts in scope), by account,
/// newest first within each: three reads however many there are (the command line's
/// `credentials list` over 10,000 accounts read each account's apart before).
pub async fn every_credential(store: &Store) -> Result<Vec<CredentialView>> {
    let db = store.connection();
    let rows = credential::Entity::find()
        .order_by_asc(credential::Column::AccountId)
        .order_by_desc(credential::Column::CreatedAt)
        .order_by_desc(credential::Column::Id)
        .all(db)
        .await?;
    let mut secrets: HashMap<i32, Vec<credential_secret::Model>> = HashMap::new();
    for secret in credential_secret::Entity::find()
        .filter(live(store.now()))
        .all(db)
        .await?
    {
        secrets
            .entry(secret.credential_id)
            .or_default()
            .push(secret);
    }
    let entries: HashMap<String, keyring_entry::Model> = keyring_entry::Entity::find()
        .filter(keyring_entry::Column::MachineId.eq(store.machine_id()))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.client_id.clone(), e))
        .collect();
    Ok(rows
        .into_iter()
        .map(|c| {
            let live = secrets.remove(&c.id).unwrap_or_default();
            let entry = entries.get(&c.client_id);
            assemble(c, live, entry)
        })
        .collect())
}

pub(super) async fn find(store: &Store, credential_id: i32) -> Result<credential::Model> {
    credential::Entity::find_by_id(credential_id)
        .one(store.connection())
        .await?
        .ok_or(Error::NotFound("The credentials"))
}

/// The credentials a Client ID names (the command line names them so, as platforms do).
pub async fn by_client_id(store: &Store, client_id: &str) -> Result<CredentialView> {
    let row = credential::Entity::find()
        .filter(credential::Column::ClientId.eq(client_id.trim()))
        .one(store.connection())
        .await?
        .ok_or(Error::NotFound("A credential with that Client ID"))?;
    view(store.connection(), row, store.now(), &store.machine_id()).await
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

/// A secret as the health page and a reminder name it: its credential and the account's company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretNames {
    pub secret_id: i32,
    pub credential_id: i32,
    pub account_id: i32,
    pub company_name: String,
    pub application: String,
    pub client_id: String,
}

/// Each of `items` (something of the caller's beside a secret) with its secret's names: two
/// reads however many secrets a page or a round of reminders holds. A secret whose credential
/// was deleted meanwhile is left out.
pub(crate) async fn named<C: ConnectionTrait, T>(
    db: &C,
    items: Vec<(T, credential_secret::Model)>,
) -> Result<Vec<(T, credential_secret::Model, SecretNames)>> {
    let credentials: HashMap<i32, credential::Model> = credential::Entity::find()
        .filter(credential::Column::Id.is_in(items.iter().map(|(_, s)| s.credential_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    // The company name alone: on a team store keydesk-server's login may read that column
    // of the contact information (its alerts name the account) and no other.
    let companies: HashMap<i32, String> = contact::Entity::find()
        .select_only()
        .columns([contact::Column::AccountId, contact::Column::CompanyName])
        .filter(contact::Column::AccountId.is_in(credentials.values().map(|c| c.account_id)))
        .into_tuple::<(i32, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(items
        .into_iter()
        .filter_map(|(item, s)| {
            let c = credentials.get(&s.credential_id)?;
            let names = SecretNames {
                secret_id: s.id,
                credential_id: c.id,
                account_id: c.account_id,
                company_name: companies.get(&c.account_id).cloned().unwrap_or_default(),
                application: c.application.clone(),
                client_id: c.client_id.clone(),
            };
            Some((item, s, names))
        })
        .collect())
}
