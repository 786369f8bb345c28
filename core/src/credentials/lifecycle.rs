//! Generate, renew and delete: each one write (transaction, activity event, search index)
//! through `Store::write`, then the keyring outside it.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, SqlErr,
};

use super::keyring::{put_in_keyring, remove_deleted};
use super::views::{assemble, find, view, view_of};
use super::{CredentialView, GenerateRequest, Issued, KeyringOutcome, RenewLifetime, RenewRequest};
use crate::audit::{Action, Event, Subject};
use crate::entities::{contact, credential, credential_secret};
use crate::secrets;
use crate::{Error, Keydesk, Result, Store};

/// Generates a Client ID and its first secret, working for the request's lifetime; stores
/// the secret in this computer's keyring if asked.
pub async fn generate(keydesk: &Keydesk, request: &GenerateRequest) -> Result<Issued> {
    let (store, vault) = (&keydesk.store, &keydesk.vault);
    let GenerateRequest {
        account_id,
        ref form,
        lifetime,
        store_in_keyring,
    } = *request;
    let form = form.validate()?;
    let email_key = form.email.to_lowercase();
    let db = store.connection();
    contact::Entity::find()
        .filter(contact::Column::AccountId.eq(account_id))
        .one(db)
        .await?
        .ok_or(Error::NotFound("The account"))?;
    // An address that already holds credentials is found by the unique index on `email_key`
    // when the row goes in (below), not by a read before it: one round trip fewer (issue 30),
    // and the answer is the same.
    let client_id = secrets::new_client_id()?;
    let secret = secrets::new_secret()?;
    let write = store.write().await?;
    let now = write.now();
    let inserted = credential::ActiveModel {
        account_id: Set(account_id),
        client_id: Set(client_id.clone()),
        name: Set(form.name.clone()),
        email: Set(form.email.clone()),
        email_key: Set(email_key.clone()),
        application: Set(form.application.clone()),
        keyring_stored: Set(false),
        resource_server: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(write.db())
    .await;
    let created = match inserted {
        Ok(created) => created,
        // The address already holds credentials (perhaps generated a moment ago in another
        // window): say which, from outside the failed transaction.
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            drop(write);
            let existing = credential::Entity::find()
                .filter(credential::Column::EmailKey.eq(&email_key))
                .one(db)
                .await?;
            return Err(existing
                .map(|e| email_taken(&e.client_id))
                .unwrap_or(Error::Store(err)));
        }
        Err(err) => return Err(err.into()),
    };
    let first = insert_secret(
        write.db(),
        created.id,
        secret.expose(),
        now,
        lifetime.ends_at(now),
    )
    .await?;
    let subject = Subject::credential(account_id, created.id);
    let detail = format!(
        "Client ID {client_id} for {} ({}); the secret {}",
        form.application,
        form.email,
        lifetime.describe()
    );
    // What the page is shown, from the rows just written rather than read back: its one
    // secret, and no keyring entry on this computer (its Client ID did not exist until now).
    let mut credential = assemble(created, vec![first], None);
    write
        .commit(
            Event::new(subject, Action::CredentialGenerated, detail).with_search_term(&client_id),
        )
        .await?;

    let keyring = put_in_keyring(store, vault, &mut credential, &secret, store_in_keyring).await?;
    let issued = Issued {
        credential,
        secret,
        keyring,
    };
    tracing::info!(account_id, client_id = %client_id, "credentials generated");
    debug_issued(&issued);
    Ok(issued)
}

async fn insert_secret<C: ConnectionTrait>(
    db: &C,
    credential_id: i32,
    secret: &str,
    now: DateTime<Utc>,
    lifetime_ends_at: Option<DateTime<Utc>>,
) -> Result<credential_secret::Model> {
    Ok(
        credential_secret::Entity::insert(credential_secret::ActiveModel {
            credential_id: Set(credential_id),
            digest: Set(secrets::digest(secret)),
            hint: Set(secrets::hint(secret)),
            created_at: Set(now),
            expires_at: Set(None),
            revoked_at: Set(None),
            lifetime_ends_at: Set(lifetime_ends_at),
            ..Default::default()
        })
        .exec_with_returning(db)
        .await?,
    )
}

/// Same Client ID, new secret, as long-lived as the current one unless the request chooses
/// another lifetime. Every live older secret stops working after the request's grace (at once
/// by default), all in one transaction with its audit event; the keyring is written after it
/// if asked.
pub async fn renew(keydesk: &Keydesk, request: &RenewRequest) -> Result<Issued> {
    let (store, vault) = (&keydesk.store, &keydesk.vault);
    let RenewRequest {
        credential_id,
        grace,
        lifetime,
        store_in_keyring,
    } = *request;
    let secret = secrets::new_secret()?;
    let write = store.write().await?;
    // To the microsecond (`Store::write`), as are the stored times the lifetime comes from.
    let now = write.now();
    let cutoff = now + grace.duration();
    // Write first: the row lock (PostgreSQL) or the write lock (SQLite) orders concurrent
    // renewals of one credential, so exactly one secret ends up current. RETURNING hands back
    // the row, so nothing reads it again.
    let credential = credential::Entity::update_many()
        .col_expr(
            credential::Column::Version,
            Expr::col(credential::Column::Version).add(1),
        )
        .col_expr(credential::Column::UpdatedAt, Expr::value(now))
        .filter(credential::Column::Id.eq(credential_id))
        .exec_with_returning(write.db())
        .await?
        .pop()
        .ok_or(Error::NotFound("The credentials"))?;
    // One read of the credential's live secrets (an index range, however long its history)
    // names the current one, whose lifetime the new secret may keep, the rows this renewal ends
    // (by primary key), and, with the new row, what the page is shown afterwards. Nothing else
    // ends or revokes secrets, and the row lock above orders renewals of this credential.
    let mut secrets = credential_secret::Entity::find()
        .filter(credential_secret::Column::CredentialId.eq(credential_id))
        .filter(credential_secret::unreplaced(now))
        .all(write.db())
        .await?;
    let length = match lifetime {
        RenewLifetime::Choose(chosen) => chosen.duration(),
        RenewLifetime::Current => secrets
            .iter()
            .filter(|s| s.expires_at.is_none())
            .max_by_key(|s| (s.created_at, s.id))
            .and_then(|s| s.lifetime_ends_at.map(|end| end - s.created_at)),
    };
    let lifetime_ends_at = length.map(|d| now + d);
    // Every one without an end, or ending after the cutoff, now ends at the cutoff.
    let ending: Vec<i32> = secrets
        .iter_mut()
        .filter(|s| s.expires_at.is_none_or(|end| end > cutoff))
        .map(|s| {
            s.expires_at = Some(cutoff);
            s.id
        })
        .collect();
    if !ending.is_empty() {
        credential_secret::Entity::update_many()
            .col_expr(credential_secret::Column::ExpiresAt, Expr::value(cutoff))
            .filter(credential_secret::Column::Id.is_in(ending))
            .exec(write.db())
            .await?;
    }
    secrets.push(
        insert_secret(
            write.db(),
            credential_id,
            secret.expose(),
            now,
            lifetime_ends_at,
        )
        .await?,
    );
    secrets.retain(|s| s.is_live(now));
    let detail = format!(
        "Client ID {}: new secret, which {}; {}",
        credential.client_id,
        match lifetime_ends_at {
            Some(end) => format!("expires on {}", end.format("%-d %b %Y")),
            None => "never expires".to_owned(),
        },
        grace.describe()
    );
    let subject = Subject::credential(credential.account_id, credential.id);
    let mut view = view_of(write.db(), credential, secrets, &store.machine_id()).await?;
    write
        .commit(Event::new(subject, Action::CredentialRenewed, detail))
        .await?;

    let keyring = put_in_keyring(store, vault, &mut view, &secret, store_in_keyring).await?;
    let issued = Issued {
        credential: view,
        secret,
        keyring,
    };
    tracing::info!(client_id = %issued.credential.client_id, ?grace, "secret renewed");
    debug_issued(&issued);
    Ok(issued)
}

/// Removes the credential: its Client ID and every secret stop verifying, and this computer's
/// keyring entry is removed (other computers remove theirs at their next start). Returns the keyring's complaint, if it had one.
pub async fn delete(keydesk: &Keydesk, credential_id: i32) -> Result<Option<String>> {
    let (store, vault) = (&keydesk.store, &keydesk.vault);
    let credential = find(store, credential_id).await?;
    let write = store.write().await?;
    credential::Entity::delete_by_id(credential_id)
        .exec(write.db())
        .await?;
    let detail = format!(
        "Client ID {} for {} ({})",
        credential.client_id, credential.application, credential.email
    );
    let subject = Subject::credential(credential.account_id, credential.id);
    write
        .commit(
            Event::new(subject, Action::CredentialDeleted, detail)
                .with_search_term(&credential.client_id),
        )
        .await?;
    tracing::info!(client_id = %credential.client_id, "credentials deleted");
    remove_deleted(store, vault, &credential).await
}

/// Marks the credential as a resource server's, which may introspect any client's tokens, or
/// as an ordinary client's, which learns only about its own (RFC 7662 §4). The credential as
/// the page shows it afterwards.
pub async fn set_resource_server(
    store: &Store,
    credential_id: i32,
    resource_server: bool,
) -> Result<CredentialView> {
    let credential = find(store, credential_id).await?;
    let write = store.write().await?;
    let updated = credential::ActiveModel {
        id: Set(credential.id),
        resource_server: Set(resource_server),
        ..Default::default()
    }
    .update(write.db())
    .await?;
    let detail = if resource_server {
        format!(
            "Client ID {}: may introspect every client's tokens (resource server)",
            credential.client_id
        )
    } else {
        format!(
            "Client ID {}: may introspect only its own tokens",
            credential.client_id
        )
    };
    let subject = Subject::credential(credential.account_id, credential.id);
    let now = write.now();
    let shown = view(write.db(), updated, now, &store.machine_id()).await?;
    write
        .commit(Event::new(subject, Action::ResourceServerChanged, detail))
        .await?;
    Ok(shown)
}

fn email_taken(existing_client_id: &str) -> Error {
    Error::invalid(
        "email",
        "Email Address",
        format!("already holds a set of credentials (Client ID {existing_client_id}); renew or delete those instead"),
    )
}

/// Ids and counts only: the form's name, email and application are what a person typed, and a
/// debug log is what they attach to a bug report.
fn debug_issued(issued: &Issued) {
    let keyring = match &issued.keyring {
        KeyringOutcome::NotRequested => "not requested",
        KeyringOutcome::Stored => "stored",
        KeyringOutcome::Failed { .. } => "failed",
        KeyringOutcome::NotRemoved { .. } => "replaced secret not removed",
    };
    tracing::debug!(
        credential_id = issued.credential.id,
        account_id = issued.credential.account_id,
        client_id = %issued.credential.client_id,
        live_secrets = issued.credential.secrets.len(),
        keyring,
        "issued"
    );
}
