//! Keys: the store key that encrypts the database at rest (SQLCipher), and
//! the keys that belong to one device: its signing and key-agreement key
//! pairs per project, the directory of every device's public keys as
//! enrolled in the project document, and change signatures (issues 11, 12
//! and 15).
//!
//! Pure: no SQLite here. `store::device_keys` keeps the private keys;
//! `documents::project_doc` holds the enrolments.

mod device;
mod directory;
mod epochs;
pub(crate) mod membership;
mod signatures;
mod store_key;

pub(crate) use device::{DeviceKeys, PublicKeys};
pub(crate) use directory::{Directory, Enrolment};
pub(crate) use epochs::{unwrap_secret, wrap_secret};
pub(crate) use signatures::{ChangeSignature, change_message, message_proof_input, verify};
pub use store_key::StoreKey;
