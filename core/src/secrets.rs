//! Client IDs and secrets: generated from a ChaCha20 CSPRNG seeded by the OS, kept at rest
//! only as SHA-256 digests, compared in constant time. Plaintext lives in `Zeroizing` buffers,
//! and the generator wipes its key, state and output buffer when dropped.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use crate::{Error, Result};

/// 128 random bits, shown as 32 lower-case hex characters.
pub const CLIENT_ID_BYTES: usize = 16;
/// 256 random bits, shown as 43 URL-safe base64 characters.
pub const SECRET_BYTES: usize = 32;
/// How many trailing characters of a secret are kept to recognise it.
pub const HINT_CHARS: usize = 4;

pub(crate) fn random_bytes<const N: usize>() -> Result<Zeroizing<[u8; N]>> {
    // A fresh generator per value, seeded from the OS: nothing long-lived to leak or fork.
    let mut rng = ChaCha20Rng::try_from_rng(&mut getrandom::SysRng)
        .map_err(|e| Error::Random(e.to_string()))?;
    let mut bytes = Zeroizing::new([0u8; N]);
    rng.fill_bytes(bytes.as_mut());
    Ok(bytes)
}

pub fn new_client_id() -> Result<String> {
    let bytes = random_bytes::<CLIENT_ID_BYTES>()?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A plaintext secret. Wiped from memory when dropped; `Debug` prints a placeholder and there
/// is no `Display`, so a log line or an error that formats one cannot leak it: redaction by
/// type. The text is read on purpose, through `expose` only: no `Deref`, so no code reads or
/// copies it by accident. Equality is constant-time.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(text: String) -> Secret {
        Secret(Zeroizing::new(text))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Secret) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for Secret {}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

pub fn new_secret() -> Result<Secret> {
    let bytes = random_bytes::<SECRET_BYTES>()?;
    // Encoded straight into its final buffer: no reallocation leaves an unwiped copy behind.
    let mut text = Zeroizing::new(String::with_capacity(
        base64::encoded_len(SECRET_BYTES, false).expect("32 bytes encode"),
    ));
    URL_SAFE_NO_PAD.encode_string(bytes.as_ref(), &mut text);
    Ok(Secret(text))
}

/// Lower-case hex SHA-256 of a secret: what the store keeps.
pub fn digest(secret: &str) -> String {
    let mut hash: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
    let hex = hash.iter().map(|b| format!("{b:02x}")).collect();
    hash.zeroize();
    hex
}

/// Whether `secret` hashes to the stored `digest`, in time independent of where they differ.
pub fn matches(secret: &str, stored_digest: &str) -> bool {
    let candidate = digest(secret);
    candidate.as_bytes().ct_eq(stored_digest.as_bytes()).into()
}

/// The last characters of a secret, to tell secrets apart on the page.
/// Only those characters are copied.
pub fn hint(secret: &str) -> String {
    let start = secret
        .char_indices()
        .rev()
        .nth(HINT_CHARS - 1)
        .map_or(0, |(at, _)| at);
    secret[start..].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn client_ids_are_32_lowercase_hex_and_unique() {
        let ids: HashSet<String> = (0..1000).map(|_| new_client_id().unwrap()).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            assert_eq!(id.len(), 32);
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
                "{id}"
            );
        }
    }

    #[test]
    fn secrets_are_256_bit_url_safe_and_unique() {
        let secrets: HashSet<String> = (0..1000)
            .map(|_| new_secret().unwrap().expose().to_owned())
            .collect();
        assert_eq!(secrets.len(), 1000);
        for s in &secrets {
            assert_eq!(URL_SAFE_NO_PAD.decode(s).unwrap().len(), 32);
            assert!(
                s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "{s}"
            );
        }
    }

    #[test]
    fn digests_match_only_their_secret() {
        let secret = new_secret().unwrap();
        let stored = digest(secret.expose());
        assert_eq!(stored.len(), 64);
        assert!(!stored.contains(secret.expose()));
        assert!(matches(secret.expose(), &stored));
        assert!(!matches(new_secret().unwrap().expose(), &stored));
        assert!(!matches("", &stored));
        assert_eq!(hint("abcdefXYZ1"), "XYZ1");
        assert_eq!(hint("abc"), "abc");
        assert_eq!(hint("xxé€😀ü"), "é€😀ü");
        assert_eq!(hint(""), "");
    }

    #[test]
    fn secrets_are_equal_only_to_the_same_text() {
        let secret = new_secret().unwrap();
        assert_eq!(secret, secret.clone());
        assert_eq!(secret, Secret::new(secret.expose().to_owned()));
        assert_ne!(secret, new_secret().unwrap());
        assert_ne!(Secret::new("abc".into()), Secret::new("abcd".into()));
    }

    #[test]
    fn a_secret_formatted_for_a_log_shows_no_text() {
        let secret = new_secret().unwrap();
        let logged = format!("{secret:?} {:?}", Some(&secret));
        assert!(!logged.contains(secret.expose()), "{logged}");
        assert!(logged.contains("redacted"));
    }
}
