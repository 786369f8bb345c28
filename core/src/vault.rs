//! The OS keyring (Keychain, Credential Manager, Secret Service) through `keyring`. Calls block
//! on the platform service, so they run on tokio's blocking pool.

use std::path::Path;

use crate::secrets::Secret;

use crate::{Error, Result};

/// This installation's id, kept in `machine-id` in the local data folder (never in a shared
/// store: the point is to tell computers apart). Made on first use, 32 hex characters; a file
/// that is unreadable or garbled is replaced, which only means this computer's older keyring
/// entries are no longer listed as its own.
pub fn machine_id(data_dir: &Path) -> Result<String> {
    let path = data_dir.join("machine-id");
    if let Ok(text) = std::fs::read_to_string(&path) {
        let id = text.trim();
        if id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(id.to_owned());
        }
    }
    let id = crate::secrets::new_client_id()?;
    let written = crate::private_files::private_dir(data_dir)
        .and_then(|()| {
            let _ = std::fs::remove_file(&path);
            crate::private_files::create_private_file(&path)
        })
        .and_then(|mut file| std::io::Write::write_all(&mut file, id.as_bytes()));
    if let Err(err) = written {
        tracing::warn!("machine id not saved in {}: {err}", path.display());
    }
    Ok(id)
}

/// The keyring service name Keydesk's entries live under; the Client ID is the entry's user.
pub const SERVICE: &str = "app.keydesk.desktop";

#[derive(Debug, Clone)]
pub struct Vault {
    service: String,
}

impl Default for Vault {
    fn default() -> Self {
        Vault::new(SERVICE)
    }
}

/// Where the keyring lives, for the sentence that says it is missing.
#[cfg(target_os = "linux")]
const NO_KEYRING: &str =
    "No OS keyring is running on this computer (no Secret Service on the session bus)";
#[cfg(not(target_os = "linux"))]
const NO_KEYRING: &str = "No OS keyring is available on this computer";

/// Says what went wrong as a person would; the platform's own words (a zbus error and a socket
/// path, say) go to the log and to `details`.
fn keyring_error(err: keyring::Error) -> Error {
    let (message, details) = match &err {
        keyring::Error::NoDefaultStore => (
            NO_KEYRING,
            match keyring::Entry::store_status() {
                Err(inner) => inner.to_string(),
                Ok(()) => err.to_string(),
            },
        ),
        keyring::Error::NoStorageAccess(inner) => (
            "The OS keyring is locked or refused access",
            inner.to_string(),
        ),
        keyring::Error::PlatformFailure(inner) => ("The OS keyring failed", inner.to_string()),
        other => ("The OS keyring failed", other.to_string()),
    };
    tracing::warn!("OS keyring: {message}: {details}");
    Error::KeyringFailed {
        message: message.to_owned(),
        details,
    }
}

impl Vault {
    pub fn new(service: impl Into<String>) -> Vault {
        Vault {
            service: service.into(),
        }
    }

    /// The service name its entries live under.
    pub fn service(&self) -> &str {
        &self.service
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(String) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let service = self.service.clone();
        tokio::task::spawn_blocking(move || f(service))
            .await
            .map_err(|e| Error::Keyring(format!("the OS keyring call did not finish ({e})")))?
    }

    /// Stores (or replaces) the secret of `client_id`.
    pub async fn put(&self, client_id: &str, secret: &Secret) -> Result<()> {
        let client_id = client_id.to_owned();
        let secret = secret.clone();
        self.blocking(move |service| {
            let entry = keyring::Entry::new(&service, &client_id).map_err(keyring_error)?;
            entry.set_password(secret.expose()).map_err(keyring_error)
        })
        .await
    }

    pub async fn get(&self, client_id: &str) -> Result<Secret> {
        let client_id = client_id.to_owned();
        self.blocking(move |service| {
            let entry = keyring::Entry::new(&service, &client_id).map_err(keyring_error)?;
            match entry.get_password() {
                Ok(secret) => Ok(Secret::new(secret)),
                Err(keyring::Error::NoEntry) => Err(Error::Keyring(
                    "the OS keyring has no entry for this Client ID".into(),
                )),
                Err(err) => Err(keyring_error(err)),
            }
        })
        .await
    }

    /// Removes the entry of `client_id`; an entry that is already gone is fine.
    pub async fn remove(&self, client_id: &str) -> Result<()> {
        let client_id = client_id.to_owned();
        self.blocking(move |service| {
            let entry = keyring::Entry::new(&service, &client_id).map_err(keyring_error)?;
            match entry.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(err) => Err(keyring_error(err)),
            }
        })
        .await
    }
}
