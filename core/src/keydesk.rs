//! The context of the actions that touch both the store and this computer's OS keyring
//! (issue 25 item 4): generate, renew and delete credentials, delete accounts, bulk actions,
//! the keyring sweep. One value travels instead of `(store, vault)` through every call; the
//! shell, the command line and tests build it the same way.

use crate::vault::Vault;
use crate::Store;

#[derive(Debug, Clone)]
pub struct Keydesk {
    pub store: Store,
    pub vault: Vault,
}

impl Keydesk {
    /// From an open store and a keyring service (both are cheap to clone: a connection pool
    /// and a service name).
    pub fn new(store: &Store, vault: &Vault) -> Keydesk {
        Keydesk {
            store: store.clone(),
            vault: vault.clone(),
        }
    }
}
