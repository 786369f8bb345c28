//! API credentials: generate, renew (with a grace period for the old secret), delete, verify,
//! and the optional copy of the current secret in the OS keyring.
//!
//! A secret exists in plaintext only in the `Issued` value that creates it; the store keeps its
//! digest and hint. Functions take `now` so tests can move the clock.

use crate::secrets::Secret;
use chrono::{DateTime, Duration, SubsecRound, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set, SqlErr,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Subject};
use crate::entities::{contact, credential, credential_secret};
use crate::validation::{email, text, MAX_NAME};
use crate::vault::Vault;
use crate::{search, secrets};
use crate::{Error, Result, Store};

/// The Generate form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CredentialForm {
    pub name: String,
    pub email: String,
    pub application: String,
}

impl CredentialForm {
    pub fn validate(&self) -> Result<CredentialForm> {
        let form = CredentialForm {
            name: text("name", "Name", &self.name, MAX_NAME, true)?,
            email: email("email", "Email Address", &self.email)?,
            application: text(
                "application",
                "Application",
                &self.application,
                MAX_NAME,
                true,
            )?,
        };
        if form.email.is_empty() {
            return Err(Error::invalid("email", "Email Address", "is required"));
        }
        Ok(form)
    }
}

/// When the old secret stops working after a renewal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Grace {
    #[default]
    #[serde(rename = "now")]
    Now,
    #[serde(rename = "1h")]
    OneHour,
    #[serde(rename = "24h")]
    OneDay,
    #[serde(rename = "3d")]
    ThreeDays,
    #[serde(rename = "7d")]
    SevenDays,
}

impl Grace {
    pub fn duration(self) -> Duration {
        match self {
            Grace::Now => Duration::zero(),
            Grace::OneHour => Duration::hours(1),
            Grace::OneDay => Duration::hours(24),
            Grace::ThreeDays => Duration::days(3),
            Grace::SevenDays => Duration::days(7),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Grace::Now => "the old secret stopped working at once",
            Grace::OneHour => "the old secret works for 1 more hour",
            Grace::OneDay => "the old secret works for 24 more hours",
            Grace::ThreeDays => "the old secret works for 3 more days",
            Grace::SevenDays => "the old secret works for 7 more days",
        }
    }
}

/// A live secret as the page shows it: never more than its hint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretView {
    pub id: i32,
    pub hint: String,
    pub created_at: DateTime<Utc>,
    /// None for the current secret; set while an old one's grace period runs.
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CredentialView {
    pub id: i32,
    pub account_id: i32,
    pub client_id: String,
    pub name: String,
    pub email: String,
    pub application: String,
    pub in_keyring: bool,
    pub created_at: DateTime<Utc>,
    /// Live secrets, current first.
    pub secrets: Vec<SecretView>,
}

/// What happened to the keyring copy of a new secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum KeyringOutcome {
    NotRequested,
    Stored,
    /// `message` for people; `details` the platform's cause, behind a disclosure.
    Failed {
        message: String,
        details: Option<String>,
    },
}

/// A credential with its new secret, in plaintext for this one response.
#[derive(Debug)]
pub struct Issued {
    pub credential: CredentialView,
    pub secret: Secret,
    pub keyring: KeyringOutcome,
}

fn live(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(credential_secret::Column::RevokedAt.is_null())
        .add(
            Condition::any()
                .add(credential_secret::Column::ExpiresAt.is_null())
                .add(credential_secret::Column::ExpiresAt.gt(now)),
        )
}

async fn view<C: sea_orm::ConnectionTrait>(
    db: &C,
    c: credential::Model,
    now: DateTime<Utc>,
) -> Result<CredentialView> {
    let mut secrets: Vec<SecretView> = credential_secret::Entity::find()
        .filter(credential_secret::Column::CredentialId.eq(c.id))
        .filter(live(now))
        .order_by_desc(credential_secret::Column::CreatedAt)
        .order_by_desc(credential_secret::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|s| SecretView {
            id: s.id,
            hint: s.hint,
            created_at: s.created_at,
            expires_at: s.expires_at,
        })
        .collect();
    secrets.sort_by_key(|s| s.expires_at.is_some());
    Ok(CredentialView {
        id: c.id,
        account_id: c.account_id,
        client_id: c.client_id,
        name: c.name,
        email: c.email,
        application: c.application,
        in_keyring: c.keyring_stored,
        created_at: c.created_at,
        secrets,
    })
}

async fn find(store: &Store, credential_id: i32) -> Result<credential::Model> {
    credential::Entity::find_by_id(credential_id)
        .one(store.connection())
        .await?
        .ok_or(Error::NotFound("The credentials"))
}

fn email_taken(existing_client_id: &str) -> Error {
    Error::invalid(
        "email",
        "Email Address",
        format!("already holds a set of credentials (Client ID {existing_client_id}); renew or delete those instead"),
    )
}

/// The account's credentials, newest first.
pub async fn list_credentials(
    store: &Store,
    account_id: i32,
    now: DateTime<Utc>,
) -> Result<Vec<CredentialView>> {
    let rows = credential::Entity::find()
        .filter(credential::Column::AccountId.eq(account_id))
        .order_by_desc(credential::Column::CreatedAt)
        .order_by_desc(credential::Column::Id)
        .all(store.connection())
        .await?;
    let mut views = Vec::with_capacity(rows.len());
    for row in rows {
        views.push(view(store.connection(), row, now).await?);
    }
    Ok(views)
}

/// Generates a Client ID and its first secret; optionally stores the secret in the keyring.
pub async fn generate(
    store: &Store,
    vault: &Vault,
    account_id: i32,
    form: &CredentialForm,
    store_in_keyring: bool,
    now: DateTime<Utc>,
) -> Result<Issued> {
    store.ensure_file_in_place()?;
    let form = form.validate()?;
    let email_key = form.email.to_lowercase();
    let db = store.connection();
    contact::Entity::find()
        .filter(contact::Column::AccountId.eq(account_id))
        .one(db)
        .await?
        .ok_or(Error::NotFound("The account"))?;
    if let Some(existing) = credential::Entity::find()
        .filter(credential::Column::EmailKey.eq(&email_key))
        .one(db)
        .await?
    {
        return Err(email_taken(&existing.client_id));
    }

    let client_id = secrets::new_client_id()?;
    let secret = secrets::new_secret()?;
    let txn = db.begin().await?;
    let inserted = credential::ActiveModel {
        account_id: Set(account_id),
        client_id: Set(client_id.clone()),
        name: Set(form.name.clone()),
        email: Set(form.email.clone()),
        email_key: Set(email_key.clone()),
        application: Set(form.application.clone()),
        keyring_stored: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let created = match inserted {
        Ok(created) => created,
        // Another window generated for this address between our check and our insert.
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            txn.rollback().await?;
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
    insert_secret(&txn, created.id, &secret, now).await?;
    let subject = Subject::credential(account_id, created.id);
    let detail = format!(
        "Client ID {client_id} for {} ({})",
        form.application, form.email
    );
    audit::record(&txn, subject, "credential.generated", &detail, now).await?;
    search::add_client_id(&txn, account_id, &client_id).await?;
    let mut credential = view(&txn, created, now).await?;
    txn.commit().await?;

    let keyring = keep_in_keyring(
        store,
        vault,
        &mut credential,
        &secret,
        store_in_keyring,
        now,
    )
    .await?;
    let issued = Issued {
        credential,
        secret,
        keyring,
    };
    tracing::info!(account_id, client_id = %client_id, "credentials generated");
    // The whole value at debug level: its secret prints as a placeholder (see secrets::Secret).
    tracing::debug!(?issued);
    Ok(issued)
}

async fn insert_secret<C: sea_orm::ConnectionTrait>(
    db: &C,
    credential_id: i32,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    credential_secret::Entity::insert(credential_secret::ActiveModel {
        credential_id: Set(credential_id),
        digest: Set(secrets::digest(secret)),
        hint: Set(secrets::hint(secret)),
        created_at: Set(now),
        expires_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// After a new secret: store it in the keyring when asked, otherwise make sure no older
/// secret lingers there. The keyring failing never undoes the credential. `credential` is the
/// view being handed back; its `in_keyring` (the row's flag as read) is brought up to date here,
/// with the row.
async fn keep_in_keyring(
    store: &Store,
    vault: &Vault,
    credential: &mut CredentialView,
    secret: &Secret,
    requested: bool,
    now: DateTime<Utc>,
) -> Result<KeyringOutcome> {
    let subject = Subject::credential(credential.account_id, credential.id);
    let (stored, outcome) = if requested {
        match vault.put(&credential.client_id, secret).await {
            Ok(()) => {
                let detail = format!(
                    "Client ID {}: current secret stored in the OS keyring",
                    credential.client_id
                );
                audit::record(store.connection(), subject, "keyring.stored", &detail, now).await?;
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
        remove_from_keyring(store, vault, subject, &credential.client_id, now).await?;
    }
    if stored != credential.in_keyring {
        credential::Entity::update_many()
            .col_expr(credential::Column::KeyringStored, Expr::value(stored))
            .filter(credential::Column::Id.eq(credential.id))
            .exec(store.connection())
            .await?;
        credential.in_keyring = stored;
    }
    Ok(outcome)
}

async fn remove_from_keyring(
    store: &Store,
    vault: &Vault,
    subject: Subject,
    client_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>> {
    match vault.remove(client_id).await {
        Ok(()) => {
            let detail = format!("Client ID {client_id}: secret removed from the OS keyring");
            audit::record(store.connection(), subject, "keyring.removed", &detail, now).await?;
            Ok(None)
        }
        Err(err) => Ok(Some(err.to_string())),
    }
}

/// Same Client ID, new secret. Every live older secret stops working after `grace` (at once by
/// default), all in one transaction with its audit event.
pub async fn renew(
    store: &Store,
    vault: &Vault,
    credential_id: i32,
    grace: Grace,
    store_in_keyring: bool,
    now: DateTime<Utc>,
) -> Result<Issued> {
    store.ensure_file_in_place()?;
    let secret = secrets::new_secret()?;
    // PostgreSQL keeps microseconds; SQLite would keep more. Store the same on both.
    let cutoff = (now + grace.duration()).trunc_subsecs(6);
    let txn = store.connection().begin().await?;
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
        .exec_with_returning(&txn)
        .await?
        .pop()
        .ok_or(Error::NotFound("The credentials"))?;
    credential_secret::Entity::update_many()
        .col_expr(credential_secret::Column::ExpiresAt, Expr::value(cutoff))
        .filter(credential_secret::Column::CredentialId.eq(credential_id))
        .filter(credential_secret::Column::RevokedAt.is_null())
        .filter(
            Condition::any()
                .add(credential_secret::Column::ExpiresAt.is_null())
                .add(credential_secret::Column::ExpiresAt.gt(cutoff)),
        )
        .exec(&txn)
        .await?;
    insert_secret(&txn, credential_id, &secret, now).await?;
    let detail = format!(
        "Client ID {}: new secret; {}",
        credential.client_id,
        grace.describe()
    );
    audit::record(
        &txn,
        Subject::credential(credential.account_id, credential.id),
        "credential.renewed",
        &detail,
        now,
    )
    .await?;
    // Read inside the transaction: the secrets as committed, without another round trip later.
    let mut view = view(&txn, credential, now).await?;
    txn.commit().await?;

    let keyring = keep_in_keyring(store, vault, &mut view, &secret, store_in_keyring, now).await?;
    let issued = Issued {
        credential: view,
        secret,
        keyring,
    };
    tracing::info!(client_id = %issued.credential.client_id, ?grace, "secret renewed");
    tracing::debug!(?issued);
    Ok(issued)
}

/// Removes the credential: its Client ID and every secret stop verifying, and its keyring
/// entry is removed. Returns the keyring's complaint, if it had one.
pub async fn delete(
    store: &Store,
    vault: &Vault,
    credential_id: i32,
    now: DateTime<Utc>,
) -> Result<Option<String>> {
    store.ensure_file_in_place()?;
    let credential = find(store, credential_id).await?;
    let txn = store.connection().begin().await?;
    credential::Entity::delete_by_id(credential_id)
        .exec(&txn)
        .await?;
    let detail = format!(
        "Client ID {} for {} ({})",
        credential.client_id, credential.application, credential.email
    );
    audit::record(
        &txn,
        Subject::credential(credential.account_id, credential.id),
        "credential.deleted",
        &detail,
        now,
    )
    .await?;
    search::remove_client_id(&txn, credential.account_id, &credential.client_id).await?;
    txn.commit().await?;
    tracing::info!(client_id = %credential.client_id, "credentials deleted");
    if credential.keyring_stored {
        let subject = Subject::credential(credential.account_id, credential.id);
        return remove_from_keyring(store, vault, subject, &credential.client_id, now).await;
    }
    // Nothing recorded as stored, but a stray entry (e.g. from a crash) must not outlive it.
    let _ = vault.remove(&credential.client_id).await;
    Ok(None)
}

/// The answer to "does this pair work?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub valid: bool,
    /// Set when the secret is valid only until then (an old secret in its grace period).
    pub expires_at: Option<DateTime<Utc>>,
}

/// Accepts any live secret of the credential; digests are compared in constant time.
pub async fn verify(
    store: &Store,
    client_id: &str,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Verification> {
    let invalid = Verification {
        valid: false,
        expires_at: None,
    };
    let client_id = client_id.trim();
    let Some(credential) = credential::Entity::find()
        .filter(credential::Column::ClientId.eq(client_id))
        .one(store.connection())
        .await?
    else {
        // Hash anyway, so an unknown Client ID costs the same as a wrong secret.
        let _ = secrets::digest(secret);
        return Ok(invalid);
    };
    let candidates = credential_secret::Entity::find()
        .filter(credential_secret::Column::CredentialId.eq(credential.id))
        .filter(live(now))
        .all(store.connection())
        .await?;
    let mut result = invalid;
    for candidate in candidates {
        // No early exit: every live secret is compared.
        if secrets::matches(secret.trim(), &candidate.digest) && !result.valid {
            result = Verification {
                valid: true,
                expires_at: candidate.expires_at,
            };
        }
    }
    tracing::info!(client_id, valid = result.valid, "credentials tested");
    Ok(result)
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

/// The Client ID of a credential, for copying.
pub async fn client_id(store: &Store, credential_id: i32) -> Result<String> {
    Ok(find(store, credential_id).await?.client_id)
}
