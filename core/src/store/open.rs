//! Opening the store file: refusing anything that is not a store, the
//! pragmas that make it crash-safe, and the schema version with its
//! migrations.
//!
//! A store is an SQLite database with our `application_id` and a schema
//! version in `user_version`. A new store is built in a temporary file and
//! renamed into place, so a crash while creating it never leaves a
//! half-made file that would later be refused. An existing file is read
//! before SQLite opens it for writing: random bytes, a text file, an empty
//! file or someone else's database are refused and not touched (SQLite would
//! otherwise happily turn an empty file into a database).
//!
//! An encrypted store (SQLCipher, ADR 0010) gets its key before any other
//! statement on every connection, and keeps temporary tables and indices in
//! memory so that nothing unencrypted reaches a temporary file. A wrong key,
//! a missing one or a key for a plaintext store is refused before anything
//! is written.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction};

use crate::error::{Error, Result, StoreKeyProblem};
use crate::keys::StoreKey;

/// Marks the file as a Storyloom store ("SLOM").
pub(crate) const APPLICATION_ID: i32 = 0x534c_4f4d;
/// The schema version this library writes.
pub(crate) const SCHEMA_VERSION: u32 = 8;
/// The whole current schema, for a new store.
const SCHEMA: &str = include_str!("schema/schema.sql");
/// `MIGRATIONS[n]` brings a store from version `n + 1` to `n + 2`.
const MIGRATIONS: &[&str] = &[
    include_str!("schema/migrations/002_consent_ledger.sql"),
    include_str!("schema/migrations/003_sync.sql"),
    include_str!("schema/migrations/004_change_journal.sql"),
    include_str!("schema/migrations/005_erasure_column.sql"),
    include_str!("schema/migrations/006_transcript_pieces.sql"),
    include_str!("schema/migrations/007_media.sql"),
    include_str!("schema/migrations/008_members.sql"),
];

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";
/// How long a connection waits for another connection's (or process's)
/// lock before giving up with `database is locked`.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens (creating if needed) the single writer connection.
pub(crate) fn open_writer(path: &Path, key: Option<&StoreKey>) -> Result<Connection> {
    if !check_existing_file(path, key)? {
        create_store(path, key)?;
    }
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    unlock(&conn, key)?;
    // Every write transaction takes the write lock when it begins. A
    // deferred one that reads first and then upgrades fails at once with
    // SQLITE_BUSY in WAL mode when another process wrote in between — the
    // busy timeout does not apply to that upgrade.
    conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
    check_identity(&conn)?;
    configure_writer(&conn)?;
    migrate(&conn)?;
    Ok(conn)
}

/// Opens one more read-only connection.
pub(crate) fn open_reader(path: &Path, key: Option<&StoreKey>) -> Result<Connection> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    unlock(&conn, key)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// Gives a new connection its key (the first statement it runs, as SQLCipher
/// requires), proves the key by reading the schema, and keeps temporary
/// storage in memory.
pub(crate) fn unlock(conn: &Connection, key: Option<&StoreKey>) -> Result<()> {
    // SQLCipher otherwise writes its own line to stderr for a wrong key (an
    // app's log, the CLI's JSON error stream); the error we return says it.
    // This reads nothing from the file, so the key is still the first
    // statement that touches it.
    conn.execute_batch("PRAGMA cipher_log_level = NONE")?;
    // Plain SQLite ignores `PRAGMA key`: the store would be written in the
    // clear while the app believes it encrypted.
    if key.is_some() && !cfg!(feature = "sqlcipher") {
        return Err(Error::Storage(
            "this build of Storyloom has no SQLCipher (the `sqlcipher` feature): it cannot open a store with a key"
                .into(),
        ));
    }
    if let Some(key) = key {
        conn.execute_batch(&key.pragma("PRAGMA key"))?;
    }
    let readable = conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()));
    match readable {
        Ok(()) => {}
        // Without a key the header was checked already: an unreadable file
        // with a plaintext header is damaged, not encrypted.
        Err(err) if key.is_some() && err.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
            return Err(Error::WrongStoreKey(StoreKeyProblem::WrongKey));
        }
        Err(err) => return Err(err.into()),
    }
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

/// Whether the file exists; refuses one that cannot be a store, or that
/// cannot be opened with (or without) the key given.
///
/// A plaintext store starts with the SQLite header; an encrypted one with
/// a random salt, so without its key it looks like random bytes. A file
/// that is whole pages of SQLCipher's page size (two at least: a store's
/// schema alone fills more) is taken for an encrypted store when no key is
/// given; anything else is not a store.
fn check_existing_file(path: &Path, key: Option<&StoreKey>) -> Result<bool> {
    let metadata = match fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(err) => return Err(err.into()),
    };
    if metadata.is_dir() {
        return Err(Error::NotAStore("the path is a directory".into()));
    }
    if metadata.len() == 0 {
        return Err(Error::NotAStore("the file is empty".into()));
    }
    let mut header = [0u8; 16];
    let mut file = fs::File::open(path)?;
    let read = file.read(&mut header)?;
    let plaintext = read == header.len() && &header == SQLITE_HEADER;
    match (plaintext, key) {
        (true, None) | (false, Some(_)) => Ok(true),
        (true, Some(_)) => Err(Error::WrongStoreKey(StoreKeyProblem::NotEncrypted)),
        (false, None) if metadata.len() >= 2 * CIPHER_PAGE_SIZE && metadata.len() % CIPHER_PAGE_SIZE == 0 => {
            Err(Error::WrongStoreKey(StoreKeyProblem::KeyRequired))
        }
        (false, None) => Err(Error::NotAStore("the file is not an SQLite database".into())),
    }
}

/// SQLCipher 4's page size.
const CIPHER_PAGE_SIZE: u64 = 4096;

/// Refuses an SQLite database that is not ours, or is newer than we are,
/// before anything is written to it.
fn check_identity(conn: &Connection) -> Result<()> {
    let application_id: i32 = conn.pragma_query_value(None, "application_id", |row| row.get(0))?;
    if application_id != APPLICATION_ID {
        return Err(Error::NotAStore(
            "the file is an SQLite database, but not a Storyloom store".into(),
        ));
    }
    let version = user_version(conn)?;
    if version > SCHEMA_VERSION {
        return Err(Error::StoreNewerThanLibrary {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    if version == 0 {
        return Err(Error::NotAStore("the store was never initialised".into()));
    }
    Ok(())
}

fn user_version(conn: &Connection) -> Result<u32> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    u32::try_from(version).map_err(|_| Error::corrupt("negative schema version"))
}

/// WAL for one writer and many readers; FULL sync so that a write the API
/// has returned from survives a pulled battery, not just a killed process;
/// `secure_delete` so deleted content is overwritten, which erasure relies on.
fn configure_writer(conn: &Connection) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::Storage(format!("could not switch to WAL mode (got {mode})")));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(())
}

/// Builds a new store beside the final path and renames it into place.
///
/// Two processes may create the same store at once: each builds its own
/// staging file and links it into place only if nothing is there yet, so
/// the loser opens the winner's store instead of replacing it under it.
fn create_store(path: &Path, key: Option<&StoreKey>) -> Result<()> {
    let staging = staging_path(path);
    let _ = fs::remove_file(&staging);
    {
        let mut conn = Connection::open(&staging)?;
        unlock(&conn, key)?;
        let tx = conn.transaction()?;
        tx.execute_batch(SCHEMA)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('device_id', ?1)",
            [crate::ids::DeviceId::new().to_string()],
        )?;
        tx.commit()?;
    }
    match fs::hard_link(&staging, path) {
        Ok(()) => {
            let _ = fs::remove_file(&staging);
        }
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            let _ = fs::remove_file(&staging);
            return Ok(());
        }
        // A file system without hard links: fall back to a plain rename.
        Err(_) => fs::rename(&staging, path)?,
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // Make the rename itself durable.
        if let Ok(dir) = fs::File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}

fn staging_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    // Unique to this attempt: another process (or thread) may be creating
    // the same store at the same moment.
    static ATTEMPT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let attempt = ATTEMPT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    name.push(format!(".creating-{}-{attempt}", std::process::id()));
    path.with_file_name(name)
}

/// Brings an older store up to date, one version per transaction.
fn migrate(conn: &Connection) -> Result<()> {
    loop {
        let version = user_version(conn)?;
        if version >= SCHEMA_VERSION {
            return Ok(());
        }
        let step = MIGRATIONS
            .get(version as usize - 1)
            .ok_or_else(|| Error::corrupt(format!("no migration from schema version {version}")))?;
        let tx = Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
        // Another process may have run this step while we waited for the lock.
        if user_version(&tx)? != version {
            continue;
        }
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
}

/// The device id written when the store was created.
pub(crate) fn device_id(conn: &Connection) -> Result<crate::ids::DeviceId> {
    let text: String = conn.query_row("SELECT value FROM meta WHERE key = 'device_id'", [], |row| row.get(0))?;
    crate::ids::DeviceId::from_stored(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(contents: &[u8]) -> Error {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        fs::write(&path, contents).unwrap();
        let err = open_writer(&path, None).unwrap_err();
        assert_eq!(fs::read(&path).unwrap(), contents, "the file must be left untouched");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no side files may appear");
        err
    }

    #[test]
    fn an_empty_file_is_refused() {
        assert!(matches!(refused(b""), Error::NotAStore(_)));
    }

    #[test]
    fn a_text_file_is_refused() {
        assert!(matches!(refused(b"shopping list: eggs, milk\n"), Error::NotAStore(_)));
    }

    #[test]
    fn random_bytes_are_refused() {
        let bytes: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert!(matches!(refused(&bytes), Error::NotAStore(_)));
    }

    #[test]
    fn another_apps_database_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
        let before = fs::read(&path).unwrap();
        assert!(matches!(open_writer(&path, None), Err(Error::NotAStore(_))));
        assert_eq!(fs::read(&path).unwrap(), before);
    }

    #[test]
    fn a_newer_store_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        drop(open_writer(&path, None).unwrap());
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        match open_writer(&path, None) {
            Err(Error::StoreNewerThanLibrary { found, supported }) => {
                assert_eq!((found, supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
            }
            other => panic!("expected StoreNewerThanLibrary, got {other:?}"),
        }
    }

    #[test]
    fn stores_created_at_the_same_moment_are_one_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        let devices: Vec<_> = (0..4)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || device_id(&open_writer(&path, None).unwrap()).unwrap())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        assert!(
            devices.windows(2).all(|w| w[0] == w[1]),
            "every opener got the same store"
        );
        let left: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(
            !left.iter().any(|n| n.to_string_lossy().contains(".creating")),
            "{left:?}"
        );
    }

    #[test]
    fn migrating_to_version_5_marks_erasing_withdrawals_however_their_json_is_formatted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        drop(open_writer(&path, None).unwrap());
        {
            // Back to version 4: no erase column (and no media table, from 7, nor device keys, from 8).
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "DROP TABLE media;
                 DROP TABLE device_keys;
                 DROP TABLE change_signatures;
                 DROP INDEX consent_ledger_erasing;
                 ALTER TABLE consent_ledger DROP COLUMN erase;
                 DROP TABLE transcript_search;
                 DROP TABLE transcript_pieces;
                 PRAGMA user_version = 4;",
            )
            .unwrap();
            let rows = [
                ("a", r#"{"kind": "withdrawal", "erase": true}"#),
                ("b", r#"{"kind":"withdrawal","erase":true}"#),
                ("c", r#"{"kind":"withdrawal","erase":false}"#),
                ("d", r#"{"kind":"grant","scopes":["record"]}"#),
            ];
            for (id, record) in rows {
                conn.execute(
                    "INSERT INTO consent_ledger (record_id, project_id, participant_id, at, record)
                     VALUES (?1, 'p', 'q', 0, ?2)",
                    [id, record],
                )
                .unwrap();
            }
        }
        let conn = open_writer(&path, None).unwrap();
        assert_eq!(user_version(&conn).unwrap(), SCHEMA_VERSION);
        let erasing: Vec<String> = conn
            .prepare("SELECT record_id FROM consent_ledger WHERE erase = 1 ORDER BY record_id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(erasing, vec!["a", "b"]);
    }

    #[test]
    fn every_connection_to_an_encrypted_store_is_keyed_and_keeps_temporary_storage_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        let key = StoreKey::from_bytes(&[9; 32]).unwrap();
        let writer = open_writer(&path, Some(&key)).unwrap();
        let reader = open_reader(&path, Some(&key)).unwrap();
        for conn in [&writer, &reader] {
            let temp_store: i64 = conn.pragma_query_value(None, "temp_store", |r| r.get(0)).unwrap();
            assert_eq!(temp_store, 2, "MEMORY");
            let cipher: String = conn.pragma_query_value(None, "cipher_version", |r| r.get(0)).unwrap();
            assert!(!cipher.is_empty());
        }
        assert_eq!(user_version(&reader).unwrap(), SCHEMA_VERSION);
        let header = fs::read(&path).unwrap();
        assert_ne!(
            &header[..16],
            SQLITE_HEADER,
            "the file starts with a salt, not the SQLite header"
        );
        assert!(matches!(
            open_reader(&path, Some(&StoreKey::from_bytes(&[8; 32]).unwrap())),
            Err(Error::WrongStoreKey(StoreKeyProblem::WrongKey))
        ));
    }

    #[test]
    fn a_new_store_is_in_wal_mode_with_the_current_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        let conn = open_writer(&path, None).unwrap();
        let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(user_version(&conn).unwrap(), SCHEMA_VERSION);
        assert!(device_id(&conn).is_ok());
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            3,
            "the store, its -wal and -shm"
        );
    }
}
