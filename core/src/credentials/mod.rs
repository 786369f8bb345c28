//! API credentials: generate, renew (with a grace period for the old secret), delete, verify,
//! and the optional copy of the current secret in the OS keyring.
//!
//! A secret exists in plaintext only in the `Issued` value that creates it; the store keeps its
//! digest and hint. Time comes from the store's clock, so tests move it.
//!
//! - `lifecycle`: generate, renew, delete (through the write path);
//! - `keyring`: the optional OS keyring copy of the current secret;
//! - `verify`: does a (Client ID, secret) pair work;
//! - `views`: what the page is shown of a credential.

mod keyring;
mod lifecycle;
mod lifetime;
mod verify;
mod views;

pub(crate) use keyring::remove_deleted as remove_from_keyring;
pub use keyring::{
    remove_stale_keyring_entries, secret_from_keyring, SWEEP_EVERY as KEYRING_SWEEP_EVERY,
};
pub use lifecycle::{
    delete, generate, generate_with_lifetime, renew, renew_with_lifetime, set_resource_server,
};
pub use lifetime::{Lifetime, RenewLifetime};
pub use verify::{verify, Verification};
pub use views::SecretNames;
pub use views::{client_id, list_credentials};
pub(crate) use views::{live, named};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::secrets::Secret;
use crate::validation::{email, text, MAX_NAME};
use crate::{Error, Result};

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
