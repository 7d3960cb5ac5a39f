//! The group secret: 256 random bits created with a project and handed to
//! new devices in an invite. Every key that protects sync messages and
//! bundles is derived from it with HKDF-SHA256, one key per purpose, so a
//! key can never be used for two kinds of data.

use hkdf::Hkdf;
use sha2::Sha256;

use crate::error::{Error, Result};
use crate::ids::ProjectId;

/// A project's group secret. Its bytes never appear in errors or debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct GroupSecret([u8; 32]);

/// What a derived key protects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyPurpose {
    /// Session messages have keys of their own, bound to the session
    /// (`session_key`).
    Bundle,
}

impl GroupSecret {
    /// A fresh secret from the operating system's random source.
    pub fn generate() -> Result<Self> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| Error::Storage(format!("no randomness available: {e}")))?;
        Ok(Self(bytes))
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::corrupt("a group secret must be 32 bytes"))?;
        Ok(Self(bytes))
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub(crate) fn hkdf(&self, project: ProjectId) -> Hkdf<Sha256> {
        // The project id as salt binds every key to its project.
        Hkdf::<Sha256>::new(Some(project.as_bytes()), &self.0)
    }

    /// The encryption key for one purpose.
    pub(crate) fn key(&self, project: ProjectId, purpose: KeyPurpose) -> [u8; 32] {
        let info: &[u8] = match purpose {
            KeyPurpose::Bundle => b"storyloom v2 bundles",
        };
        let mut key = [0u8; 32];
        self.hkdf(project)
            .expand(info, &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        key
    }

    /// A public fingerprint of the secret, sent in the clear so a receiver
    /// can tell "you hold a different secret" from "this message was
    /// tampered with". It reveals nothing about the keys.
    pub(crate) fn key_id(&self, project: ProjectId) -> [u8; 8] {
        let mut id = [0u8; 8];
        self.hkdf(project)
            .expand(b"storyloom v1 key id", &mut id)
            .expect("8 bytes is a valid HKDF-SHA256 output length");
        id
    }
}

impl std::fmt::Debug for GroupSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GroupSecret(…)")
    }
}

impl Drop for GroupSecret {
    fn drop(&mut self) {
        // Best effort: do not leave the secret in freed memory.
        for byte in &mut self.0 {
            unsafe { std::ptr::write_volatile(byte, 0) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_by_project_and_secret() {
        let secret = GroupSecret::generate().unwrap();
        let project = ProjectId::new();
        assert_ne!(
            secret.key(project, KeyPurpose::Bundle),
            secret.key(ProjectId::new(), KeyPurpose::Bundle)
        );
        let other = GroupSecret::generate().unwrap();
        assert_ne!(secret.key_id(project), other.key_id(project));
        assert_eq!(
            secret.key(project, KeyPurpose::Bundle),
            secret.clone().key(project, KeyPurpose::Bundle)
        );
    }

    #[test]
    fn the_secret_is_not_printed() {
        assert_eq!(format!("{:?}", GroupSecret::generate().unwrap()), "GroupSecret(…)");
    }
}
