//! The optional copy of a credential's current secret in the OS keyring. The keyring failing
//! never undoes a credential: it is reported, and the page says so.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::views::find;
use super::{CredentialView, KeyringOutcome};
use crate::audit::{Action, Event, Subject};
use crate::entities::credential;
use crate::secrets::Secret;
use crate::vault::Vault;
use crate::{Error, Result, Store};

/// After a new secret: store it in the keyring when asked, otherwise make sure no older
/// secret lingers there. `credential` is the view being handed back; its `in_keyring` (the
/// row's flag as read) is brought up to date here, with the row, in one write with its events.
pub(super) async fn keep_in_keyring(
    store: &Store,
    vault: &Vault,
    credential: &mut CredentialView,
    secret: &Secret,
    requested: bool,
) -> Result<KeyringOutcome> {
    let subject = Subject::credential(credential.account_id, credential.id);
    let mut events = Vec::new();
    let (stored, outcome) = if requested {
        match vault.put(&credential.client_id, secret).await {
            Ok(()) => {
                let detail = format!(
                    "Client ID {}: current secret stored in the OS keyring",
                    credential.client_id
                );
                events.push(Event::new(subject, Action::KeyringStored, detail));
                (true, KeyringOutcome::Stored)
            }
            Err(err) => {
                tracing::warn!(client_id = %credential.client_id, "not stored in the OS keyring: {err}");
                (
                    false,
                    KeyringOutcome::Failed {
                        message: format!("{err}, so the secret was not stored — copy it now"),
                        details: err.details().map(str::to_owned),
                    },
                )
            }
        }
    } else {
        (false, KeyringOutcome::NotRequested)
    };
    if credential.in_keyring && !stored {
        // The entry holds a secret that has just been replaced.
        if vault.remove(&credential.client_id).await.is_ok() {
            events.push(removed(subject, &credential.client_id));
        }
    }
    if stored != credential.in_keyring || !events.is_empty() {
        let write = store.write().await?;
        if stored != credential.in_keyring {
            credential::Entity::update_many()
                .col_expr(credential::Column::KeyringStored, Expr::value(stored))
                .filter(credential::Column::Id.eq(credential.id))
                .exec(write.db())
                .await?;
        }
        write.commit_all(&events).await?;
        credential.in_keyring = stored;
    }
    Ok(outcome)
}

fn removed(subject: Subject, client_id: &str) -> Event {
    let detail = format!("Client ID {client_id}: secret removed from the OS keyring");
    Event::new(subject, Action::KeyringRemoved, detail)
}

/// Removes a deleted credential's entry and records it; returns the keyring's complaint.
pub(super) async fn record_removal(
    store: &Store,
    vault: &Vault,
    subject: Subject,
    client_id: &str,
) -> Result<Option<String>> {
    match vault.remove(client_id).await {
        Ok(()) => {
            store
                .write()
                .await?
                .commit(removed(subject, client_id))
                .await?;
            Ok(None)
        }
        Err(err) => Ok(Some(err.to_string())),
    }
}

/// The secret kept in the OS keyring, for copying it without showing it.
pub async fn secret_from_keyring(
    store: &Store,
    vault: &Vault,
    credential_id: i32,
) -> Result<Secret> {
    let credential = find(store, credential_id).await?;
    if !credential.keyring_stored {
        return Err(Error::Keyring(
            "this secret is not stored in the OS keyring".into(),
        ));
    }
    vault.get(&credential.client_id).await
}
