//! The activity log: every change to an account or a credential leaves an event (what, when,
//! which account, which credential, and — once the next issues fill it — who). Events never
//! carry a secret: details are built from Client IDs, names and choices only.
//!
//! Writers do not record events themselves: they hand them to the write path
//! (`crate::write::Write::commit`), which records them in the same transaction.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;

use crate::entities::audit_event;
use crate::{Result, Store};

/// Where an event belongs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Subject {
    pub account_id: Option<i32>,
    pub credential_id: Option<i32>,
}

impl Subject {
    pub fn account(account_id: i32) -> Subject {
        Subject {
            account_id: Some(account_id),
            credential_id: None,
        }
    }

    pub fn credential(account_id: i32, credential_id: i32) -> Subject {
        Subject {
            account_id: Some(account_id),
            credential_id: Some(credential_id),
        }
    }
}

macro_rules! actions {
    ($($variant:ident = $code:literal, $label:literal;)+) => {
        /// What happened. The code is what the database keeps (stable: old rows keep reading);
        /// the label is what the page shows.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
        pub enum Action {
            $($variant,)+
        }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant,)+];

            pub fn code(self) -> &'static str {
                match self {
                    $(Action::$variant => $code,)+
                }
            }

            pub fn label(self) -> &'static str {
                match self {
                    $(Action::$variant => $label,)+
                }
            }

            pub fn from_code(code: &str) -> Option<Action> {
                match code {
                    $($code => Some(Action::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

actions! {
    AccountCreated = "account.created", "Account created";
    AccountDeleted = "account.deleted", "Account deleted";
    ContactUpdated = "contact.updated", "Contact information updated";
    BillingUpdated = "billing.updated", "Billing information updated";
    CredentialGenerated = "credential.generated", "Credentials generated";
    CredentialRenewed = "credential.renewed", "Secret renewed";
    CredentialDeleted = "credential.deleted", "Credentials deleted";
    KeyringStored = "keyring.stored", "Secret stored in the OS keyring";
    KeyringRemoved = "keyring.removed", "Secret removed from the OS keyring";
    TagsChanged = "tags.changed", "Tags changed";
    ResourceServerChanged = "credential.resource_server", "Token introspection rights changed";
    TechnicianAdded = "team.technician_added", "Technician added";
    TechnicianChanged = "team.technician_changed", "Technician's rights changed";
    TechnicianDisabled = "team.technician_disabled", "Technician disabled";
    TechnicianEnabled = "team.technician_enabled", "Technician enabled";
    LifetimePolicyChanged = "team.lifetime_policy", "Lifetime policy changed";
}

impl Action {
    /// Whether the change alters what an account is found by (company, name, username, email,
    /// Client IDs) or sorted by: the write path then rebuilds the account's search terms.
    pub fn changes_search(self) -> bool {
        matches!(
            self,
            Action::AccountCreated
                | Action::ContactUpdated
                | Action::CredentialGenerated
                | Action::CredentialDeleted
        )
    }
}

/// Who made a change, as the activity names it: the technician (the "Your name" setting; the OS
/// user's full name, or login, when it is empty) on this computer.
pub fn actor(technician: &str) -> String {
    let name = match technician.trim() {
        "" => whoami::realname()
            .ok()
            .filter(|n| !n.trim().is_empty())
            .or_else(|| whoami::username().ok())
            .unwrap_or_else(|| "someone".to_owned()),
        name => name.to_owned(),
    };
    match whoami::hostname()
        .or_else(|_| whoami::devicename())
        .ok()
        .filter(|c| !c.trim().is_empty())
    {
        Some(computer) => format!("{name} on {computer}"),
        None => name,
    }
}

/// One change, as a writer describes it to the write path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub subject: Subject,
    pub action: Action,
    pub detail: String,
    /// The one search term a credential's change adds or removes (its Client ID): the write
    /// path updates that term alone rather than rebuilding every term of the account, which
    /// grew with the account's credentials. None: the account's terms are rebuilt.
    pub search_term: Option<String>,
}

impl Event {
    pub fn new(subject: Subject, action: Action, detail: impl Into<String>) -> Event {
        Event {
            subject,
            action,
            detail: detail.into(),
            search_term: None,
        }
    }

    /// For a credential generated or deleted: its Client ID, the term it adds or removes.
    pub fn with_search_term(mut self, client_id: &str) -> Event {
        self.search_term = Some(client_id.to_owned());
        self
    }
}

/// Records events inside the write path's transaction, many rows per statement (imports and
/// the demo seeder record thousands).
pub(crate) async fn record<C: ConnectionTrait>(
    db: &C,
    events: &[Event],
    actor: Option<&str>,
    at: DateTime<Utc>,
) -> Result<()> {
    // Nothing reads the events back: INSERTs, no SELECT of the new rows.
    for chunk in events.chunks(1000) {
        audit_event::Entity::insert_many(chunk.iter().map(|e| audit_event::ActiveModel {
            account_id: Set(e.subject.account_id),
            credential_id: Set(e.subject.credential_id),
            action: Set(e.action.code().to_owned()),
            detail: Set(e.detail.clone()),
            actor: Set(actor.map(str::to_owned)),
            at: Set(at),
            ..Default::default()
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityEntry {
    pub id: i32,
    /// The stable code (`credential.renewed`).
    pub action: String,
    /// What the page shows ("Secret renewed"); the code itself for one this build does not know.
    pub label: String,
    pub detail: String,
    pub credential_id: Option<i32>,
    /// Who did it; `None` for events recorded before Keydesk knew.
    pub actor: Option<String>,
    pub at: DateTime<Utc>,
}

/// An account's activity, newest first.
pub async fn list_activity(
    store: &Store,
    account_id: i32,
    limit: u64,
) -> Result<Vec<ActivityEntry>> {
    let rows = audit_event::Entity::find()
        .filter(audit_event::Column::AccountId.eq(account_id))
        .order_by_desc(audit_event::Column::At)
        .order_by_desc(audit_event::Column::Id)
        .limit(limit)
        .all(store.connection())
        .await?;
    // On a team store the database wrote the login role; the page shows the technician's name.
    let names = crate::team::display_names(store).await?;
    Ok(rows
        .into_iter()
        .map(|e| ActivityEntry {
            id: e.id,
            label: Action::from_code(&e.action)
                .map(|a| a.label().to_owned())
                .unwrap_or_else(|| e.action.clone()),
            action: e.action,
            detail: e.detail,
            credential_id: e.credential_id,
            actor: e.actor.map(|a| names.get(&a).cloned().unwrap_or(a)),
            at: e.at,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_read_back() {
        // The codes are in every store already written: they must never change.
        let codes: Vec<&str> = Action::ALL.iter().map(|a| a.code()).collect();
        assert_eq!(
            codes,
            [
                "account.created",
                "account.deleted",
                "contact.updated",
                "billing.updated",
                "credential.generated",
                "credential.renewed",
                "credential.deleted",
                "keyring.stored",
                "keyring.removed",
                "tags.changed",
                "credential.resource_server",
                "team.technician_added",
                "team.technician_changed",
                "team.technician_disabled",
                "team.technician_enabled",
                "team.lifetime_policy"
            ]
        );
        for action in Action::ALL {
            assert_eq!(Action::from_code(action.code()), Some(*action));
        }
        assert_eq!(Action::from_code("account.exploded"), None);
    }
}
