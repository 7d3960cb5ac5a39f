//! `storyloom store …` and the store key every command opens the store
//! with: `--key-file` or `STORYLOOM_KEY`.

use std::path::{Path, PathBuf};

use serde_json::json;
use storyloom::{Error, RecordKind, Store, StoreKey};

use crate::args::{Cli, StoreCommand};
use crate::output::Output;

/// The environment variable holding the store key in hexadecimal.
const KEY_VARIABLE: &str = "STORYLOOM_KEY";

/// The key from `--key-file`, else from `STORYLOOM_KEY`; `None` for a
/// plaintext store.
pub fn store_key(cli: &Cli) -> Result<Option<StoreKey>, Error> {
    if let Some(file) = &cli.key_file {
        return read_key_file(file).map(Some);
    }
    match std::env::var(KEY_VARIABLE) {
        Ok(hex) if !hex.is_empty() => StoreKey::from_hex(&hex).map(Some).map_err(|_| Error::InvalidInput {
            field: KEY_VARIABLE.into(),
            reason: "the store key is 64 hexadecimal characters".into(),
        }),
        _ => Ok(None),
    }
}

fn read_key_file(file: &Path) -> Result<StoreKey, Error> {
    let bytes = zeroize::Zeroizing::new(std::fs::read(file).map_err(|err| Error::InvalidInput {
        field: "key-file".into(),
        reason: format!("cannot read {}: {err}", file.display()),
    })?);
    StoreKey::from_file_contents(&bytes)
}

/// Opens the store at `path` with the key given, if any.
pub fn open(path: &Path, key: Option<StoreKey>) -> Result<Store, Error> {
    match key {
        Some(key) => Store::open_with_key(path, key),
        None => Store::open(path),
    }
}

/// `store encrypt` and `store rekey`: they work on the closed file.
pub fn run(cli: &Cli, command: &StoreCommand) -> Result<Output, Error> {
    let path: &PathBuf = cli.store.as_ref().ok_or_else(|| Error::InvalidInput {
        field: "store".into(),
        reason: "give the store file with --store PATH".into(),
    })?;
    if std::fs::symlink_metadata(path).is_err() {
        return Err(Error::NotFound {
            kind: RecordKind::Store,
            id: path.display().to_string(),
        });
    }
    let key = store_key(cli)?.ok_or_else(|| Error::InvalidInput {
        field: "key-file".into(),
        reason: format!("give the store key with --key-file FILE or {KEY_VARIABLE}"),
    })?;
    match command {
        StoreCommand::Encrypt => {
            Store::encrypt(path, &key)?;
            Ok(Output::new(
                json!({"encrypted": true}),
                "The store is encrypted. Keep the key: without it the store cannot be opened.",
            ))
        }
        StoreCommand::Rekey { new_key_file } => {
            let new = read_key_file(new_key_file)?;
            Store::rekey(path, &key, &new)?;
            Ok(Output::new(
                json!({"rekeyed": true}),
                "The store now opens with the new key only.",
            ))
        }
    }
}
