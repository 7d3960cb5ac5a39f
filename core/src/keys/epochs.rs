//! Epochs of the group secret: when a member or device is removed, a fresh
//! group secret is wrapped to each remaining device's enrolled X25519 key
//! as a sealed box (`crypto_box`: X25519 + XSalsa20-Poly1305, libsodium's
//! `crypto_box_seal`), and the boxes go into the project document with the
//! removal (issue 12, ADR 0016). Only the device holding the private key
//! opens its box; the record's public key id tells the opened secret is the
//! one the signed record names, so a box cannot be swapped for another.

use crypto_box::aead::OsRng;

use super::DeviceKeys;
use crate::error::{Error, Result};
use crate::ids::ProjectId;
use crate::sync::GroupSecret;

/// `secret` sealed to the device whose enrolled agreement key is `agreement`.
pub(crate) fn wrap_secret(secret: &GroupSecret, agreement: &[u8; 32]) -> Result<Vec<u8>> {
    crypto_box::PublicKey::from(*agreement)
        .seal(&mut OsRng, secret.as_bytes())
        .map_err(|_| Error::Storage("could not seal the group secret to a device".into()))
}

/// The secret in `sealed` if it was sealed to this device and is the one
/// with `key_id`; `None` otherwise (not ours, altered, or swapped).
pub(crate) fn unwrap_secret(
    keys: &DeviceKeys,
    project: ProjectId,
    key_id: [u8; 8],
    sealed: &[u8],
) -> Option<GroupSecret> {
    let opened = keys.unseal(sealed)?;
    let secret = GroupSecret::from_bytes(&opened).ok()?;
    (secret.key_id(project) == key_id).then_some(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_addressed_device_opens_its_box_and_only_for_the_named_secret() {
        let (a, b) = (DeviceKeys::generate().unwrap(), DeviceKeys::generate().unwrap());
        let project = ProjectId::new();
        let secret = GroupSecret::generate().unwrap();
        let key_id = secret.key_id(project);
        let sealed = wrap_secret(&secret, &a.public().agreement).unwrap();
        assert_eq!(unwrap_secret(&a, project, key_id, &sealed), Some(secret.clone()));
        assert_eq!(unwrap_secret(&b, project, key_id, &sealed), None);
        assert_eq!(unwrap_secret(&a, project, [0; 8], &sealed), None, "another secret's id");
        let mut altered = sealed.clone();
        altered[40] ^= 1;
        assert_eq!(unwrap_secret(&a, project, key_id, &altered), None);
        assert_ne!(
            sealed,
            wrap_secret(&secret, &a.public().agreement).unwrap(),
            "fresh ephemeral key"
        );
    }
}
