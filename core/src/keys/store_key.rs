//! The store key: the raw 256-bit key SQLCipher encrypts the store with.
//!
//! The app creates it once and keeps it sealed by the platform keystore
//! (docs/android.md, docs/ios.md); Storyloom never derives it from a
//! passphrase, so opening costs no key stretching. The bytes live only in
//! zeroised memory: they are wiped when the key is dropped, and neither
//! `Debug` nor any error shows them.

use std::fmt;

use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// A store key: exactly 32 random bytes.
#[derive(Clone)]
pub struct StoreKey(Zeroizing<[u8; StoreKey::LEN]>);

impl StoreKey {
    /// The key length in bytes (256 bits).
    pub const LEN: usize = 32;

    /// A new random key, from the operating system's generator.
    pub fn generate() -> Result<Self> {
        let mut bytes = Zeroizing::new([0u8; Self::LEN]);
        getrandom::fill(bytes.as_mut())
            .map_err(|err| Error::Storage(format!("no randomness for a store key: {err}")))?;
        Ok(Self(bytes))
    }

    /// The key from its 32 raw bytes; any other length (a truncated key, a
    /// passphrase) is refused.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != Self::LEN {
            return Err(Error::invalid(
                "store key",
                format!("a store key is {} bytes, not {}", Self::LEN, bytes.len()),
            ));
        }
        let mut key = Zeroizing::new([0u8; Self::LEN]);
        key.copy_from_slice(bytes);
        Ok(Self(key))
    }

    /// The key from 64 hexadecimal characters (surrounding whitespace, such
    /// as a final newline in a key file, is ignored).
    pub fn from_hex(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.len() != 2 * Self::LEN {
            return Err(Error::invalid(
                "store key",
                format!(
                    "a store key in hexadecimal is {} characters, not {}",
                    2 * Self::LEN,
                    text.len()
                ),
            ));
        }
        let mut key = Zeroizing::new([0u8; Self::LEN]);
        for (byte, pair) in key.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
            *byte = (hex_digit(pair[0])? << 4) | hex_digit(pair[1])?;
        }
        Ok(Self(key))
    }

    /// The key as a key file holds it: 32 raw bytes, or 64 hexadecimal
    /// characters (with or without a final newline).
    pub fn from_file_contents(contents: &[u8]) -> Result<Self> {
        if contents.len() == Self::LEN {
            return Self::from_bytes(contents);
        }
        match std::str::from_utf8(contents) {
            Ok(text) if text.trim().len() == 2 * Self::LEN => Self::from_hex(text),
            _ => Err(Error::invalid(
                "store key",
                format!(
                    "a key file holds {} raw bytes or {} hexadecimal characters, not {} bytes",
                    Self::LEN,
                    2 * Self::LEN,
                    contents.len()
                ),
            )),
        }
    }

    /// The raw key bytes, for the app to seal in its keystore.
    pub fn as_bytes(&self) -> &[u8; Self::LEN] {
        &self.0
    }

    /// The statement that hands the key to SQLCipher as a raw key (no key
    /// derivation): `PRAGMA <schema>key = "x'…'"`, in memory wiped on drop.
    pub(crate) fn pragma(&self, statement: &str) -> Zeroizing<String> {
        let literal = self.sql_literal();
        let mut sql = Zeroizing::new(String::with_capacity(statement.len() + 3 + literal.len()));
        sql.push_str(statement);
        sql.push_str(" = ");
        sql.push_str(&literal);
        sql
    }

    /// The key as SQL text for `ATTACH … KEY …`: `"x'…'"`, wiped on drop.
    pub(crate) fn sql_literal(&self) -> Zeroizing<String> {
        let mut text = Zeroizing::new(String::with_capacity(2 * Self::LEN + 5));
        text.push_str("\"x'");
        for byte in self.0.iter() {
            text.push(char::from(HEX[usize::from(byte >> 4)]));
            text.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        text.push_str("'\"");
        text
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hex_digit(c: u8) -> Result<u8> {
    match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        _ => Err(Error::invalid(
            "store key",
            "a hexadecimal store key holds only 0-9 and a-f",
        )),
    }
}

impl fmt::Debug for StoreKey {
    /// Never the bytes: a key may end up in a log or a crash report.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoreKey(..)")
    }
}

impl PartialEq for StoreKey {
    /// In constant time: comparing keys must not leak where they differ.
    fn eq(&self, other: &Self) -> bool {
        self.0.iter().zip(other.0.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

impl Eq for StoreKey {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_may_hold_raw_bytes_or_hex_with_a_newline() {
        let raw: Vec<u8> = (0u8..32).collect();
        let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        let from_raw = StoreKey::from_file_contents(&raw).unwrap();
        let from_hex = StoreKey::from_file_contents(format!("{hex}\n").as_bytes()).unwrap();
        assert_eq!(from_raw, from_hex);
        assert_eq!(from_raw.as_bytes().as_slice(), raw.as_slice());
        assert_eq!(StoreKey::from_hex(&hex.to_uppercase()).unwrap(), from_raw);
    }

    #[test]
    fn truncated_long_and_non_hex_keys_are_refused() {
        for contents in [&[7u8; 31][..], &[7u8; 33][..], b"", &[b'g'; 64][..], &[b'a'; 63][..]] {
            assert!(
                matches!(StoreKey::from_file_contents(contents), Err(Error::InvalidInput { ref field, .. }) if field == "store key"),
                "{} bytes",
                contents.len()
            );
        }
    }

    #[test]
    fn debug_and_errors_never_show_the_key() {
        let key = StoreKey::from_bytes(&[0xab; 32]).unwrap();
        assert_eq!(format!("{key:?}"), "StoreKey(..)");
        let err = StoreKey::from_hex(&"ab".repeat(31)).unwrap_err().to_string();
        assert!(!err.contains("abab"), "{err}");
    }

    #[test]
    fn the_pragma_is_a_raw_key_literal() {
        let key = StoreKey::from_bytes(&[0x0f; 32]).unwrap();
        assert_eq!(
            *key.pragma("PRAGMA key"),
            format!("PRAGMA key = \"x'{}'\"", "0f".repeat(32))
        );
        assert_eq!(*key.sql_literal(), format!("\"x'{}'\"", "0f".repeat(32)));
    }

    #[test]
    fn generated_keys_differ() {
        assert_ne!(StoreKey::generate().unwrap(), StoreKey::generate().unwrap());
    }
}
