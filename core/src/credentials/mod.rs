//! API credentials: generate, renew (with a grace period for the old secret), delete, verify,
//! and the optional copy of the current secret in the OS keyring.
//!
//! A secret exists in plaintext only in the `Issued` value that creates it; the store keeps its
//! digest and hint. Time comes from the store's clock, so tests move it.
//!
//! - `lifecycle`: generate, renew, delete (through the write path);
//! - `keyring`: the optional OS keyring copy of the current secret;
//! - `verify`: does a (Client ID, secret) pair work;
//! - `views`: what the page is shown of a credential;
//! - `client_auth`: a client's secret checked against the live ones (verify and tokens);
//! - `health`: every credential by how soon it ends; `reminders`: the notifications for them.

pub mod client_auth;
pub mod health;
mod keyring;
mod lifecycle;
mod lifetime;
pub mod reminders;
mod verify;
mod views;

pub(crate) use keyring::remove_deleted as remove_from_keyring;
pub use keyring::{
    remove_stale_keyring_entries, secret_from_keyring, SWEEP_EVERY as KEYRING_SWEEP_EVERY,
};
pub use lifecycle::{delete, generate, renew, set_resource_server};
pub use lifetime::{Lifetime, RenewLifetime};
pub use verify::{verify, Verification};
pub use views::SecretNames;
pub use views::{by_client_id, client_id, every_credential, list_credentials};
pub(crate) use views::{live, named};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::secrets::Secret;
use crate::validation::{email, text, MAX_NAME};
use crate::{Error, Result};

/// What Generate is asked for: the single entry point of `generate` (the page's command, the
/// command line, tests). Unset in JSON: a secret that never expires, not in the keyring.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GenerateRequest {
    pub account_id: i32,
    pub form: CredentialForm,
    #[serde(default = "never")]
    pub lifetime: Lifetime,
    #[serde(default)]
    pub store_in_keyring: bool,
}

fn never() -> Lifetime {
    Lifetime::Never
}

impl GenerateRequest {
    /// Credentials for `account_id` from `form`: a secret that never expires, not stored in
    /// the keyring (`lifetime` and `store_in_keyring` change that).
    pub fn new(account_id: i32, form: &CredentialForm) -> GenerateRequest {
        GenerateRequest {
            account_id,
            form: form.clone(),
            lifetime: Lifetime::Never,
            store_in_keyring: false,
        }
    }

    pub fn lifetime(mut self, lifetime: Lifetime) -> GenerateRequest {
        self.lifetime = lifetime;
        self
    }

    pub fn store_in_keyring(mut self, store_in_keyring: bool) -> GenerateRequest {
        self.store_in_keyring = store_in_keyring;
        self
    }
}

/// What Renew is asked for: the single entry point of `renew`. Unset in JSON: the old secret
/// stops now, the new one gets the current one's lifetime, not in the keyring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct RenewRequest {
    pub credential_id: i32,
    #[serde(default)]
    pub grace: Grace,
    #[serde(default)]
    pub lifetime: RenewLifetime,
    #[serde(default)]
    pub store_in_keyring: bool,
}

impl RenewRequest {
    /// A new secret for `credential_id`; the old ones stop after `grace`; the current lifetime
    /// again, not stored in the keyring (`lifetime` and `store_in_keyring` change that).
    pub fn new(credential_id: i32, grace: Grace) -> RenewRequest {
        RenewRequest {
            credential_id,
            grace,
            lifetime: RenewLifetime::Current,
            store_in_keyring: false,
        }
    }

    pub fn lifetime(mut self, lifetime: RenewLifetime) -> RenewRequest {
        self.lifetime = lifetime;
        self
    }

    pub fn store_in_keyring(mut self, store_in_keyring: bool) -> RenewRequest {
        self.store_in_keyring = store_in_keyring;
        self
    }
}

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

    pub const ALL: &'static [Grace] = &[
        Grace::Now,
        Grace::OneHour,
        Grace::OneDay,
        Grace::ThreeDays,
        Grace::SevenDays,
    ];

    /// The choice as the Renew dialog offers it ("Old secret stops working: …").
    pub fn label(self) -> &'static str {
        match self {
            Grace::Now => "Now",
            Grace::OneHour => "In 1 hour",
            Grace::OneDay => "In 24 hours",
            Grace::ThreeDays => "In 3 days",
            Grace::SevenDays => "In 7 days",
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
    /// The end of the lifetime it was made with; None: never ("expires 12 Mar 2027").
    pub lifetime_ends_at: Option<DateTime<Utc>>,
    /// When a platform last obtained a token with it (to about a minute); None: never.
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CredentialView {
    pub id: i32,
    pub account_id: i32,
    pub client_id: String,
    pub name: String,
    pub email: String,
    pub application: String,
    /// This computer's OS keyring holds the current secret (each computer has its own).
    pub in_keyring: bool,
    /// This computer's OS keyring still holds an older secret of this Client ID (replaced
    /// since, here or on another computer, and not removed yet: Keydesk removes it at its next
    /// start or sweep, every `KEYRING_SWEEP_EVERY`). Never copied.
    pub keyring_stale: bool,
    /// May introspect other clients' tokens at the token endpoints (RFC 7662 §4); otherwise
    /// it learns only about its own.
    pub resource_server: bool,
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
    /// Not asked to store the new secret, and the replaced one could not be removed from the
    /// keyring: it is still there (never copied), and the removal is retried.
    NotRemoved {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The requests read from JSON (the command line's input, issue 27): what is left out
    /// takes the safe default — a secret that never expires, the old one stopping now, the
    /// current lifetime again, nothing in the keyring.
    #[test]
    fn requests_read_from_json_with_their_defaults() {
        let generate: GenerateRequest = serde_json::from_value(serde_json::json!({
            "account_id": 4,
            "form": {"name": "n", "email": "n@example.com", "application": "app"}
        }))
        .unwrap();
        assert_eq!(
            generate,
            GenerateRequest::new(
                4,
                &CredentialForm {
                    name: "n".into(),
                    email: "n@example.com".into(),
                    application: "app".into(),
                }
            )
        );
        assert_eq!(generate.lifetime, Lifetime::Never);
        let renew: RenewRequest =
            serde_json::from_value(serde_json::json!({"credential_id": 9})).unwrap();
        assert_eq!(renew, RenewRequest::new(9, Grace::Now));
        assert_eq!(renew.lifetime, RenewLifetime::Current);
        assert!(!renew.store_in_keyring);
        let chosen: RenewRequest = serde_json::from_value(serde_json::json!({
            "credential_id": 9,
            "grace": "24h",
            "lifetime": {"kind": "choose", "lifetime": "90d"},
            "store_in_keyring": true
        }))
        .unwrap();
        assert_eq!(
            chosen,
            RenewRequest::new(9, Grace::OneDay)
                .lifetime(RenewLifetime::Choose(Lifetime::Days90))
                .store_in_keyring(true)
        );
        // The earlier name of "the current lifetime" still reads.
        let kept: RenewLifetime =
            serde_json::from_value(serde_json::json!({"kind": "keep"})).unwrap();
        assert_eq!(kept, RenewLifetime::Current);
    }
}
