//! The OS keyring (Keychain, Credential Manager, Secret Service) through `keyring`. Calls block
//! on the platform service, so they run on tokio's blocking pool.

use crate::secrets::Secret;

use crate::{Error, Result};

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

fn keyring_error(err: keyring::Error) -> Error {
    let cause = match &err {
        keyring::Error::NoDefaultStore => match keyring::Entry::store_status() {
            Err(inner) => format!("the OS keyring is not available ({inner})"),
            Ok(()) => "the OS keyring is not available".to_owned(),
        },
        keyring::Error::NoStorageAccess(inner) => {
            format!("the OS keyring is locked or refused access ({inner})")
        }
        keyring::Error::PlatformFailure(inner) => format!("the OS keyring failed ({inner})"),
        other => format!("the OS keyring failed ({other})"),
    };
    Error::Keyring(cause)
}

impl Vault {
    pub fn new(service: impl Into<String>) -> Vault {
        Vault {
            service: service.into(),
        }
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
            entry.set_password(&secret).map_err(keyring_error)
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
