//! Keys: the store key that encrypts the database at rest (SQLCipher).

mod store_key;

pub use store_key::StoreKey;
