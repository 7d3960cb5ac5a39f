//! The store key: open an encrypted store, encrypt a plaintext one in place,
//! change the key. Keys cross as 32 raw bytes, which the app keeps sealed by
//! the Android Keystore or the iOS Keychain (docs/android.md, docs/ios.md);
//! the copies made here are wiped as soon as the core holds the key.

use std::sync::Arc;

use zeroize::Zeroizing;

use crate::error::Result;
use crate::store::Store;
use crate::worker::off_thread;

fn store_key(bytes: Vec<u8>) -> Result<storyloom::StoreKey> {
    let bytes = Zeroizing::new(bytes);
    Ok(storyloom::StoreKey::from_bytes(&bytes)?)
}

#[uniffi::export]
impl Store {
    /// Opens (creating if needed) the store at `path`, encrypted at rest with
    /// `key` (32 bytes). A wrong key, an encrypted store opened without a
    /// key, or a plaintext store opened with one fails with `WrongStoreKey`
    /// and changes no file. Suspends (Kotlin) or awaits (Swift) while a
    /// worker thread opens, decrypts and migrates the file.
    #[uniffi::constructor]
    pub async fn open_with_key(path: String, key: Vec<u8>) -> Result<Arc<Self>> {
        let key = store_key(key)?;
        off_thread("open", None, move || {
            Ok(Arc::new(Self {
                inner: storyloom::Store::open_with_key(path, key)?,
            }))
        })
        .await
    }

    /// Whether the store is encrypted at rest.
    pub fn is_encrypted(&self) -> bool {
        self.inner.is_encrypted()
    }
}

/// A new random store key (32 bytes), for the app to seal in its keystore.
#[uniffi::export]
pub fn generate_store_key() -> Result<Vec<u8>> {
    Ok(storyloom::StoreKey::generate()?.as_bytes().to_vec())
}

/// Encrypts the plaintext store at `path` with `key`, in place. The store
/// must be closed everywhere; a crash leaves either the plaintext store or
/// the encrypted one. Runs on a worker thread: every page is rewritten.
#[uniffi::export]
pub async fn encrypt_store(path: String, key: Vec<u8>) -> Result<()> {
    let key = store_key(key)?;
    off_thread("encrypt", None, move || Ok(storyloom::Store::encrypt(path, &key)?)).await
}

/// Changes the key of the encrypted store at `path`. The store must be
/// closed everywhere; a crash leaves it under exactly one of the two keys.
/// Runs on a worker thread: every page is rewritten.
#[uniffi::export]
pub async fn rekey_store(path: String, old_key: Vec<u8>, new_key: Vec<u8>) -> Result<()> {
    let old_key = store_key(old_key)?;
    let new_key = store_key(new_key)?;
    off_thread("rekey", None, move || {
        Ok(storyloom::Store::rekey(path, &old_key, &new_key)?)
    })
    .await
}
