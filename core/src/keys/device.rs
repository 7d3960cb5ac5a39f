//! A device's key pairs in one project: Ed25519 to sign its changes and
//! prove itself in sessions, X25519 to agree keys with other devices.
//! Private bytes are wiped from memory when dropped.

use ed25519_dalek::{Signer, SigningKey};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// A device's public keys, as enrolled in the project document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct PublicKeys {
    pub signing: [u8; 32],
    pub agreement: [u8; 32],
}

/// A device's private keys in one project. Both types zeroize on drop.
pub(crate) struct DeviceKeys {
    signing: SigningKey,
    agreement: StaticSecret,
}

impl std::fmt::Debug for DeviceKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceKeys").field("public", &self.public()).finish()
    }
}

impl DeviceKeys {
    /// Fresh keys from the operating system's random source.
    pub(crate) fn generate() -> Result<Self> {
        let mut bytes = Zeroizing::new([0u8; 64]);
        getrandom::fill(bytes.as_mut()).map_err(|e| Error::Storage(format!("no randomness available: {e}")))?;
        Self::from_bytes(bytes.as_ref())
    }

    /// Keys as stored: the Ed25519 seed, then the X25519 secret.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let bytes: &[u8; 64] = bytes
            .try_into()
            .map_err(|_| Error::corrupt("stored device keys must be 64 bytes"))?;
        let mut seed = Zeroizing::new([0u8; 32]);
        seed.copy_from_slice(&bytes[..32]);
        let mut agreement = Zeroizing::new([0u8; 32]);
        agreement.copy_from_slice(&bytes[32..]);
        Ok(Self {
            signing: SigningKey::from_bytes(&seed),
            agreement: StaticSecret::from(*agreement),
        })
    }

    /// The bytes to store (wiped when the returned value is dropped).
    pub(crate) fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut bytes = Zeroizing::new(Vec::with_capacity(64));
        bytes.extend_from_slice(self.signing.as_bytes());
        bytes.extend_from_slice(self.agreement.as_bytes());
        bytes
    }

    pub(crate) fn public(&self) -> PublicKeys {
        PublicKeys {
            signing: self.signing.verifying_key().to_bytes(),
            agreement: PublicKey::from(&self.agreement).to_bytes(),
        }
    }

    /// Opens a sealed box addressed to this device's agreement key (an
    /// epoch's group secret, `keys::epochs`). The plaintext is wiped on drop.
    pub(crate) fn unseal(&self, sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let bytes = Zeroizing::new(self.agreement.to_bytes());
        let secret = crypto_box::SecretKey::from_bytes(*bytes);
        secret.unseal(sealed).ok().map(Zeroizing::new)
    }

    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_survive_storage_and_differ_per_device() {
        let a = DeviceKeys::generate().unwrap();
        let b = DeviceKeys::generate().unwrap();
        let stored = DeviceKeys::from_bytes(&a.to_bytes()).unwrap();
        assert_eq!(stored.public(), a.public());
        assert_ne!(a.public(), b.public());
        assert_eq!(stored.sign(b"m"), a.sign(b"m"));
        assert!(DeviceKeys::from_bytes(&[1; 63]).is_err());
    }
}
