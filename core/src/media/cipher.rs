//! Per-item encryption of chunks: XChaCha20-Poly1305 with a nonce and
//! associated data bound to the item, the chunk's index and whether it is
//! the last, so chunks cannot be reordered, dropped from the end or moved
//! to another item without failing authentication.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::ids::MediaId;

const AAD_LABEL: &[u8] = b"storyloom media chunk v1";

/// A media item's own key: random, 256 bits, held in the database, wiped
/// from memory when dropped. Destroying it makes every chunk unreadable.
#[derive(Clone)]
pub(crate) struct MediaKey(Zeroizing<[u8; 32]>);

/// Never prints the key.
impl std::fmt::Debug for MediaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MediaKey(..)")
    }
}

impl MediaKey {
    pub(crate) fn generate() -> Result<Self> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(|e| Error::Storage(format!("no randomness available: {e}")))?;
        Ok(Self(bytes))
    }

    /// A key read back from the database; any other length is corruption.
    pub(crate) fn from_stored(bytes: &[u8]) -> Result<Self> {
        let array: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::corrupt("a stored media key has the wrong length"))?;
        Ok(Self(Zeroizing::new(array)))
    }

    pub(crate) fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        let key: &[u8; 32] = &self.0;
        XChaCha20Poly1305::new(key.into())
    }
}

/// The nonce: item id, chunk index, last flag. A key encrypts exactly one
/// item once, so each nonce is used once per key.
fn nonce(item: MediaId, index: u32, last: bool) -> XNonce {
    let mut nonce = [0u8; 24];
    nonce[..16].copy_from_slice(item.as_bytes());
    nonce[16..20].copy_from_slice(&index.to_be_bytes());
    nonce[20] = u8::from(last);
    nonce.into()
}

fn aad(item: MediaId, index: u32, last: bool) -> Vec<u8> {
    let mut aad = Vec::with_capacity(AAD_LABEL.len() + 21);
    aad.extend_from_slice(AAD_LABEL);
    aad.extend_from_slice(item.as_bytes());
    aad.extend_from_slice(&index.to_be_bytes());
    aad.push(u8::from(last));
    aad
}

pub(crate) fn seal(key: &MediaKey, item: MediaId, index: u32, last: bool, plaintext: &[u8]) -> Result<Vec<u8>> {
    let aad = aad(item, index, last);
    key.cipher()
        .encrypt(
            &nonce(item, index, last),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| Error::Storage("media chunk encryption failed".into()))
}

/// Decrypts one chunk; anything that does not authenticate is an error
/// naming the item, never bytes handed on.
pub(crate) fn open(key: &MediaKey, item: MediaId, index: u32, last: bool, ciphertext: &[u8]) -> Result<Vec<u8>> {
    let aad = aad(item, index, last);
    key.cipher()
        .decrypt(
            &nonce(item, index, last),
            Payload {
                msg: ciphertext,
                aad: &aad,
            },
        )
        .map_err(|_| Error::corrupt(format!("media {item}: chunk {index} failed verification")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunk_opens_only_at_its_own_place_in_its_own_item() {
        let key = MediaKey::generate().unwrap();
        let item = MediaId::new();
        let sealed = seal(&key, item, 3, false, b"interview").unwrap();
        assert_eq!(open(&key, item, 3, false, &sealed).unwrap(), b"interview");
        // Reordered, marked last (truncation), moved to another item, or
        // read with another item's key: all refused.
        assert!(open(&key, item, 2, false, &sealed).is_err());
        assert!(open(&key, item, 3, true, &sealed).is_err());
        assert!(open(&key, MediaId::new(), 3, false, &sealed).is_err());
        assert!(open(&MediaKey::generate().unwrap(), item, 3, false, &sealed).is_err());
        let err = open(&key, item, 2, false, &sealed).unwrap_err().to_string();
        assert!(err.contains(&item.to_string()), "{err}");
    }

    #[test]
    fn a_flipped_bit_is_refused() {
        let key = MediaKey::generate().unwrap();
        let item = MediaId::new();
        let mut sealed = seal(&key, item, 0, true, b"abc").unwrap();
        sealed[1] ^= 1;
        assert!(matches!(open(&key, item, 0, true, &sealed), Err(Error::CorruptData(_))));
    }
}
