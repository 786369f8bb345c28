//! The secrets a token endpoint authenticated against a moment ago, kept so that a busy
//! integration's next request does not read them again. Every token request used to start with
//! a read of its Client ID's secrets; under load that read (a hop to SQLite's connection
//! thread and back) was the larger part of an answer's time.
//!
//! Only for issuing tokens, and only for a secret that matches: the batch that writes the
//! token reads the secret's state again inside its transaction (`issue_batch`), so a secret
//! renewed "now", past its end, or deleted gets no token even while it is remembered here. A
//! secret that does not match what is remembered (a wrong one, or a new one after a renewal)
//! is always looked up in the store, so a wrong secret and an unknown Client ID still cost the
//! same. Introspection and revocation do not use it: they authenticate against the store.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::client_auth::{live_secrets, matching, Client};
use crate::entities::credential_secret;
use crate::{Result, Store};

/// How long secrets read from the store are reused (the few seconds of staleness several
/// instances may have; the write re-checks what matters).
const KEPT_FOR: Duration = Duration::from_secs(2);
/// At most this many Client IDs are remembered; past it the memory starts again empty.
const MAX_CLIENT_IDS: usize = 10_000;

/// What a client authenticates for, which decides what its secret is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A token: the secrets authenticated a moment ago may answer, because the token's write
    /// reads the secret's state again (`issue_batch`).
    Token,
    /// Introspection or revocation: the store itself, always (nothing is written after it that
    /// would check again).
    Inspection,
}

#[derive(Default)]
pub struct RecentSecrets {
    by_client_id: Mutex<HashMap<String, (Instant, Vec<credential_secret::Model>)>>,
}

/// How many, never which (no digest in a log line).
impl std::fmt::Debug for RecentSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let remembered = self.by_client_id.lock().map_or(0, |m| m.len());
        f.debug_struct("RecentSecrets")
            .field("client_ids", &remembered)
            .finish()
    }
}

impl RecentSecrets {
    /// Authenticates a client as `purpose` allows: from these recent secrets for a token,
    /// from the store for anything else.
    pub async fn authenticate_for(
        &self,
        purpose: Purpose,
        store: &Store,
        client_id: &str,
        secret: &str,
    ) -> Result<Option<Client>> {
        match purpose {
            Purpose::Token => self.authenticate(store, client_id, secret).await,
            Purpose::Inspection => crate::client_auth::authenticate(store, client_id, secret).await,
        }
    }

    /// `tokens::authenticate`, answered from the secrets read for this Client ID in the last
    /// two seconds when `secret` is one of them and still live by its own dates.
    pub async fn authenticate(
        &self,
        store: &Store,
        client_id: &str,
        secret: &str,
    ) -> Result<Option<Client>> {
        let now = store.now();
        let remembered = {
            let map = self.by_client_id.lock().unwrap();
            map.get(client_id)
                .filter(|(read, _)| read.elapsed() < KEPT_FOR)
                .map(|(_, secrets)| {
                    secrets
                        .iter()
                        .filter(|s| s.is_live(now))
                        .cloned()
                        .collect::<Vec<_>>()
                })
        };
        if let Some(client) = remembered
            .filter(|secrets| !secrets.is_empty())
            .and_then(|secrets| matching(&secrets, client_id, secret))
        {
            return Ok(Some(client));
        }
        let read = Instant::now();
        let secrets = live_secrets(store, client_id, now).await?;
        let found = matching(&secrets, client_id, secret);
        // Only a Client ID that authenticated is remembered: guesses do not fill the memory.
        if found.is_some() {
            let mut map = self.by_client_id.lock().unwrap();
            if map.len() >= MAX_CLIENT_IDS {
                map.clear();
            }
            map.insert(client_id.to_owned(), (read, secrets));
        }
        Ok(found)
    }
}
