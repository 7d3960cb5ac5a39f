//! Encrypting a plaintext store in place, and changing a store's key, so
//! that a crash at any moment leaves exactly one whole store: the old one
//! (plaintext, or under the old key) or the new one, never both and never
//! neither. ADR 0010 says why it is done this way rather than with
//! SQLCipher's `PRAGMA rekey`.
//!
//! The store is copied with `sqlcipher_export` into `<store>-rekeying`,
//! encrypted with the new key from its first byte; the copy is synced,
//! renamed over the store and the folder synced. Until the rename the old
//! store is untouched and whole; after it, the new one is. A copy a crash
//! left behind is deleted the next time the store is opened (or changed).

use std::fs;
use std::path::{Path, PathBuf};

use super::{Store, interprocess, open, registry};
use crate::error::{Error, RecordKind, Result};
use crate::keys::StoreKey;

impl Store {
    /// Encrypts the plaintext store at `path` with `key`, in place.
    ///
    /// The store must be closed, in this process and every other one. A
    /// crash leaves either the plaintext store or the encrypted one. Exports
    /// written earlier stay plaintext: they are meant to be read elsewhere.
    pub fn encrypt(path: impl AsRef<Path>, key: &StoreKey) -> Result<()> {
        logged_change_key(path.as_ref(), None, key)
    }

    /// Changes the key of the encrypted store at `path` from `old` to `new`.
    ///
    /// The store must be closed, in this process and every other one. A
    /// crash leaves the store under exactly one of the two keys.
    pub fn rekey(path: impl AsRef<Path>, old: &StoreKey, new: &StoreKey) -> Result<()> {
        logged_change_key(path.as_ref(), Some(old), new)
    }
}

fn logged_change_key(path: &Path, old: Option<&StoreKey>, new: &StoreKey) -> Result<()> {
    let started = std::time::Instant::now();
    let changed = change_key(path, old, new);
    crate::logging::outcome(crate::logging::KEYS, "change_key", &changed, |()| {
        crate::logging::key_changed(old.is_some(), started)
    });
    changed
}

/// Where the re-encrypted copy is built, beside the store.
fn rekeying_path(store: &Path) -> PathBuf {
    side_path(store, "-rekeying")
}

fn side_path(store: &Path, suffix: &str) -> PathBuf {
    let mut name = store.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(suffix);
    store.with_file_name(name)
}

/// The copy and its rollback journal.
fn leftovers(store: &Path) -> [PathBuf; 2] {
    let copy = rekeying_path(store);
    let journal = side_path(&copy, "-journal");
    [copy, journal]
}

/// Deletes a copy that a crash during [`Store::encrypt`] or
/// [`Store::rekey`] left beside the store. Waits for a key change running
/// in another process (it holds the store's write lock) rather than
/// deleting its copy under it.
pub(crate) fn remove_leftovers(store: &Path) -> Result<()> {
    if !leftovers(store).iter().any(|p| p.exists()) {
        return Ok(());
    }
    let lock = interprocess::ProcessLock::open(store)?;
    let _held = lock.acquire()?;
    remove_files(store)
}

fn remove_files(store: &Path) -> Result<()> {
    for path in leftovers(store) {
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err.into()),
        }
    }
    sync_folder(store)
}

fn sync_folder(store: &Path) -> Result<()> {
    if let Some(dir) = store.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

fn change_key(path: &Path, old: Option<&StoreKey>, new: &StoreKey) -> Result<()> {
    if !path.is_file() {
        return Err(Error::not_found(RecordKind::Store, path.display()));
    }
    let claim = registry::claim(path)?;
    let result = (|| {
        let lock = interprocess::ProcessLock::open(path)?;
        let _held = lock.acquire()?;
        remove_files(path)?;
        let copied = copy_under_new_key(path, old, new);
        if copied.is_err() {
            let _ = remove_files(path);
        }
        copied?;
        // The copy is whole and durable: from this rename on, the store is
        // the new one.
        fs::rename(rekeying_path(path), path)?;
        sync_folder(path)
    })();
    registry::release(&claim);
    result
}

/// Writes the whole store, under `new`, to the `-rekeying` file and syncs
/// it; the old store is only read.
fn copy_under_new_key(path: &Path, old: Option<&StoreKey>, new: &StoreKey) -> Result<()> {
    let copy = rekeying_path(path);
    let conn = open::open_writer(path, old)?;
    // Everything in the log goes into the database file, which is what is
    // copied (and no plaintext log is left beside an encrypted store).
    conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")?;
    let copy_name = copy
        .to_str()
        .ok_or_else(|| Error::invalid("path", "the store's path is not valid UTF-8"))?;
    // The writer connection may not create files: the copy starts empty.
    fs::File::create(&copy)?;
    let mut attach = zeroize::Zeroizing::new(String::from("ATTACH DATABASE ?1 AS rekeyed KEY "));
    attach.push_str(&new.sql_literal());
    conn.execute(&attach, [copy_name])?;
    conn.query_row("SELECT sqlcipher_export('rekeyed')", [], |_| Ok(()))?;
    // sqlcipher_export copies tables and rows, not the header fields that
    // make the file a store of a given schema version.
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    conn.pragma_update(Some("rekeyed"), "user_version", version)?;
    conn.pragma_update(Some("rekeyed"), "application_id", open::APPLICATION_ID)?;
    conn.execute_batch("DETACH DATABASE rekeyed")?;
    conn.close().map_err(|(_, err)| Error::from(err))?;
    // The last connection to close deletes the log; if it is still there,
    // another process has the store open and would go on writing to the
    // old file after the rename.
    if side_path(path, "-wal").exists() {
        return Err(Error::invalid(
            "path",
            "the store is open in another process; close it everywhere before changing its key",
        ));
    }
    fs::File::open(&copy)?.sync_all()?;
    Ok(())
}
