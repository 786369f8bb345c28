//! The optional copy of a credential's current secret in this computer's OS keyring. The
//! keyring failing never undoes a credential: it is reported, and the page says so.
//!
//! Each computer has a keyring of its own, so which secret which computer's keyring holds is
//! a row per (machine, Client ID) in `keyring_entries`, never one shared flag. A row whose
//! secret is no longer the credential's current one (renewed without the keyring, renewed on
//! another computer, deleted) names an entry to remove: it stays until the removal works, so a
//! failed removal is retried at the next start and every `SWEEP_EVERY` while Keydesk runs —
//! never inside a renewal, which touches only its own credential's entry. A copy from the
//! keyring is checked against the current secret's digest first: a stale entry is reported and
//! removed, never copied.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::views::find;
use super::{CredentialView, KeyringOutcome};
use crate::audit::{Action, Event, Subject};
use crate::entities::{credential, credential_secret, keyring_entry};
use crate::secrets::{self, Secret};
use crate::vault::Vault;
use crate::{Error, Keydesk, Result, Store};

/// What is said when a removal failed: it will be tried again.
const RETRIED: &str =
    "Keydesk tries to remove it again at its next start and every 10 minutes while it runs";

/// How often the shell sweeps this computer's keyring for replaced secrets (`RETRIED` says it
/// in words). A sweep reads every entry row of this machine: off the renew path (issue 25).
pub const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// This computer's entry row for `client_id`, if it has one.
pub(super) async fn this_computers_entry<C: ConnectionTrait>(
    db: &C,
    machine_id: &str,
    client_id: &str,
) -> Result<Option<keyring_entry::Model>> {
    Ok(keyring_entry::Entity::find()
        .filter(keyring_entry::Column::MachineId.eq(machine_id))
        .filter(keyring_entry::Column::ClientId.eq(client_id))
        .one(db)
        .await?)
}

/// The credential's current secret (live, no expiry), if it still has one.
async fn current_secret<C: ConnectionTrait>(
    db: &C,
    credential_id: i32,
    store: &Store,
) -> Result<Option<credential_secret::Model>> {
    Ok(credential_secret::Entity::find()
        .filter(credential_secret::Column::CredentialId.eq(credential_id))
        .filter(super::live(store.now()))
        .filter(credential_secret::Column::ExpiresAt.is_null())
        .order_by_desc(credential_secret::Column::Id)
        .one(db)
        .await?)
}

fn removed(subject: Subject, client_id: &str) -> Event {
    let detail = format!("Client ID {client_id}: secret removed from the OS keyring");
    Event::new(subject, Action::KeyringRemoved, detail)
}

/// Removes the entry a row names from this computer's keyring; on success the row goes and
/// the removal is recorded. On failure the row stays (so it is retried) and the keyring's
/// error is handed back.
async fn remove_entry(
    store: &Store,
    vault: &Vault,
    row: &keyring_entry::Model,
) -> Result<Option<Error>> {
    match vault.remove(&row.client_id).await {
        Ok(()) => {
            let write = store.write().await?;
            keyring_entry::Entity::delete_by_id(row.id)
                .exec(write.db())
                .await?;
            let subject = Subject::credential(row.account_id, row.credential_id);
            write.commit(removed(subject, &row.client_id)).await?;
            Ok(None)
        }
        Err(err) => {
            tracing::warn!(client_id = %row.client_id, "a replaced secret stays in the OS keyring: {err}");
            Ok(Some(err))
        }
    }
}

/// Records that this computer's keyring now holds `credential`'s first secret.
async fn record_stored(store: &Store, machine_id: &str, credential: &CredentialView) -> Result<()> {
    let write = store.write().await?;
    let now = write.now();
    keyring_entry::Entity::delete_many()
        .filter(keyring_entry::Column::MachineId.eq(machine_id))
        .filter(keyring_entry::Column::ClientId.eq(&credential.client_id))
        .exec(write.db())
        .await?;
    keyring_entry::ActiveModel {
        machine_id: Set(machine_id.to_owned()),
        client_id: Set(credential.client_id.clone()),
        account_id: Set(credential.account_id),
        credential_id: Set(credential.id),
        secret_id: Set(credential.secrets.first().map_or(0, |s| s.id)),
        stored_at: Set(now),
        ..Default::default()
    }
    .insert(write.db())
    .await?;
    let detail = format!(
        "Client ID {}: current secret stored in the OS keyring",
        credential.client_id
    );
    let subject = Subject::credential(credential.account_id, credential.id);
    write
        .commit(Event::new(subject, Action::KeyringStored, detail))
        .await?;
    Ok(())
}

/// After a new secret: store it in the keyring when asked, otherwise make sure no older
/// secret lingers there. `credential` is the view being handed back (its first secret is the
/// new one); its keyring fields are brought up to date here. Only this credential's entry is
/// touched: other stale entries are the periodic sweep's.
pub(super) async fn put_in_keyring(
    store: &Store,
    vault: &Vault,
    credential: &mut CredentialView,
    secret: &Secret,
    requested: bool,
) -> Result<KeyringOutcome> {
    let machine_id = store.machine_id();
    let entry =
        this_computers_entry(store.connection(), &machine_id, &credential.client_id).await?;
    let mut outcome = KeyringOutcome::NotRequested;
    if requested {
        match vault.put(&credential.client_id, secret).await {
            Ok(()) => match record_stored(store, &machine_id, credential).await {
                Ok(()) => {
                    credential.in_keyring = true;
                    credential.keyring_stale = false;
                    return Ok(KeyringOutcome::Stored);
                }
                Err(err) => {
                    // No row names the entry just written, so nothing would ever remove it:
                    // take it out again, and say the secret was not kept (it is still shown).
                    tracing::warn!(client_id = %credential.client_id, "the OS keyring entry was not recorded: {err}");
                    if let Err(left) = vault.remove(&credential.client_id).await {
                        tracing::warn!(client_id = %credential.client_id, "an unrecorded OS keyring entry was not removed: {left}");
                    }
                    outcome = KeyringOutcome::Failed {
                        message: format!(
                            "the store could not record the keyring entry ({}), so the secret \
                             was not kept in the OS keyring — copy it now",
                            err.code()
                        ),
                        details: Some(err.to_string()),
                    };
                }
            },
            Err(err) => {
                tracing::warn!(client_id = %credential.client_id, "not stored in the OS keyring: {err}");
                outcome = KeyringOutcome::Failed {
                    message: format!("{err}, so the secret was not stored — copy it now"),
                    details: err.details().map(str::to_owned),
                };
            }
        }
    }
    credential.in_keyring = false;
    credential.keyring_stale = false;
    if let Some(entry) = entry {
        // This computer's entry holds the secret that has just been replaced.
        if let Some(err) = remove_entry(store, vault, &entry).await? {
            credential.keyring_stale = true;
            if outcome == KeyringOutcome::NotRequested {
                outcome = KeyringOutcome::NotRemoved {
                    message: format!(
                        "{err}: the replaced secret is still in this computer's OS keyring (it \
                         will never be copied); {RETRIED}"
                    ),
                    details: err.details().map(str::to_owned),
                };
            }
        }
    }
    Ok(outcome)
}

/// Removes from this computer's keyring every entry whose secret is no longer its credential's
/// current one (renewed without the keyring or on another computer, deleted). Run at start and
/// every `SWEEP_EVERY` (src-tauri's background work); returns what could not be removed,
/// as sentences (also logged). A store error is logged and skipped: this must not block the
/// action it precedes.
pub async fn remove_stale_keyring_entries(keydesk: &Keydesk) -> Vec<String> {
    match try_remove_stale_entries(&keydesk.store, &keydesk.vault).await {
        Ok(complaints) => complaints,
        Err(err) => {
            tracing::warn!("stale OS keyring entries not checked: {err}");
            Vec::new()
        }
    }
}

async fn try_remove_stale_entries(store: &Store, vault: &Vault) -> Result<Vec<String>> {
    let db = store.connection();
    let rows = keyring_entry::Entity::find()
        .filter(keyring_entry::Column::MachineId.eq(store.machine_id()))
        .all(db)
        .await?;
    let mut complaints = Vec::new();
    for row in rows {
        let current = current_secret(db, row.credential_id, store).await?;
        if current.is_some_and(|s| s.id == row.secret_id) {
            continue;
        }
        if let Some(err) = remove_entry(store, vault, &row).await? {
            complaints.push(format!(
                "Client ID {}: a replaced secret is still in this computer's OS keyring ({err}); \
                 {RETRIED}",
                row.client_id
            ));
        }
    }
    Ok(complaints)
}

/// Removes a deleted credential's entry from this computer's keyring (other computers remove
/// theirs at their next start); returns the keyring's complaint. The row is kept when the
/// removal fails, so it is retried.
pub(crate) async fn remove_deleted(
    store: &Store,
    vault: &Vault,
    credential: &credential::Model,
) -> Result<Option<String>> {
    let entry = this_computers_entry(
        store.connection(),
        &store.machine_id(),
        &credential.client_id,
    )
    .await?;
    let Some(entry) = entry else {
        // Nothing recorded here, but a stray entry (e.g. from a crash) must not outlive it.
        let _ = vault.remove(&credential.client_id).await;
        return Ok(None);
    };
    Ok(remove_entry(store, vault, &entry)
        .await?
        .map(|err| format!("{err}; {RETRIED}")))
}

/// The secret kept in this computer's OS keyring, for copying it without showing it. The
/// entry is checked against the current secret's digest first: an entry holding anything else
/// (a secret replaced since, here or on another computer) is removed and reported, never
/// handed out.
pub async fn secret_from_keyring(keydesk: &Keydesk, credential_id: i32) -> Result<Secret> {
    let (store, vault) = (&keydesk.store, &keydesk.vault);
    let credential = find(store, credential_id).await?;
    let db = store.connection();
    let Some(entry) = this_computers_entry(db, &store.machine_id(), &credential.client_id).await?
    else {
        return Err(Error::Keyring(
            "this secret is not stored in this computer's OS keyring".into(),
        ));
    };
    let current = current_secret(db, credential.id, store).await?;
    let secret = match vault.get(&credential.client_id).await {
        Ok(secret) => secret,
        Err(err @ Error::Keyring(_)) => {
            // No entry at all (removed outside Keydesk): the row no longer says anything true.
            let write = store.write().await?;
            keyring_entry::Entity::delete_by_id(entry.id)
                .exec(write.db())
                .await?;
            write.commit_bookkeeping().await?;
            return Err(err);
        }
        Err(err) => return Err(err),
    };
    if current.is_some_and(|c| c.digest == secrets::digest(secret.expose())) {
        return Ok(secret);
    }
    drop(secret);
    tracing::warn!(client_id = %credential.client_id, "a stale OS keyring entry was not copied");
    let said = format!(
        "This computer's OS keyring held an older secret of Client ID {}, replaced since (here or \
         on another computer), so nothing was copied",
        credential.client_id
    );
    Err(Error::Keyring(
        match remove_entry(store, vault, &entry).await? {
            None => format!("{said}; that entry has been removed"),
            Some(err) => format!("{said}; removing that entry failed ({err}); {RETRIED}"),
        },
    ))
}
