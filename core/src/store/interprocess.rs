//! Several processes on one store: the lock every write holds, and how a
//! process learns what the others wrote.
//!
//! An app, its sync worker, a share extension and the CLI may all open the
//! same file. Each process's writer caches documents and writes as the same
//! actor (device ‖ member), so a write made from a stale cached copy would
//! reuse the other process's Automerge sequence numbers and leave the
//! document unreadable. So every `Store::write` holds an exclusive lock on
//! `<store>-lock` for its whole duration (document changes, transactions,
//! erasure), and first catches up: `PRAGMA data_version` says whether any
//! other connection committed, and the `change_journal` (filled by triggers
//! on `documents`) says which documents — those leave the cache and are
//! reported to the listeners. See ADR 0004.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension};
use uuid::Uuid;

use super::{ChangeOrigin, StoreChange, Writer};
use crate::documents::DocKind;
use crate::error::{Error, Result};
use crate::ids::{ParticipantId, ProjectId, StoryId};

/// How long a write waits for another process's write before giving up.
/// A sync merging a large batch holds the lock for a few seconds at most.
const LOCK_TIMEOUT: Duration = super::open::BUSY_TIMEOUT;

/// The lock file beside the store, held exclusively by the process that is
/// writing. The kernel releases it if that process dies.
pub(crate) struct ProcessLock {
    file: File,
}

/// Held while a write runs; releases the lock when dropped.
pub(crate) struct Held<'a>(&'a File);

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

pub(crate) fn lock_path(store: &Path) -> PathBuf {
    let mut name = store.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push("-lock");
    store.with_file_name(name)
}

impl ProcessLock {
    pub fn open(store: &Path) -> Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(lock_path(store))?;
        Ok(Self { file })
    }

    /// Waits (up to [`LOCK_TIMEOUT`]) until no other process is writing.
    pub fn acquire(&self) -> Result<Held<'_>> {
        let started = Instant::now();
        let mut pause = Duration::from_micros(200);
        loop {
            match self.file.try_lock() {
                Ok(()) => return Ok(Held(&self.file)),
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(err)) => return Err(err.into()),
            }
            if started.elapsed() >= LOCK_TIMEOUT {
                return Err(Error::Storage(format!(
                    "another process has been writing to the store for {} s; try again",
                    LOCK_TIMEOUT.as_secs()
                )));
            }
            sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(5));
        }
    }
}

/// Where this process stands in the change journal.
pub(crate) struct JournalCursor {
    /// `PRAGMA data_version` on the writer connection when last looked:
    /// it changes only when another connection commits.
    data_version: i64,
    /// The last journal row this process has accounted for.
    seen: i64,
}

impl JournalCursor {
    pub fn new(conn: &Connection) -> Result<Self> {
        Ok(Self {
            data_version: data_version(conn)?,
            seen: last_seq(conn)?,
        })
    }
}

fn data_version(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("PRAGMA data_version")?
        .query_row([], |row| row.get(0))?)
}

fn last_seq(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT MAX(seq) FROM change_journal")?
        .query_row([], |row| row.get::<_, Option<i64>>(0))?
        .unwrap_or(0))
}

impl Writer {
    /// Drops from the cache every document another process changed since
    /// this one last looked, and notes the change for the listeners. Cheap
    /// (one pragma) when nobody else wrote.
    pub(crate) fn catch_up(&mut self) -> Result<()> {
        let version = data_version(&self.conn)?;
        if version == self.cursor.data_version {
            return Ok(());
        }
        self.cursor.data_version = version;
        // Another process may have joined or left a project.
        self.local_members.clear();
        let first: Option<i64> = self
            .conn
            .query_row("SELECT MIN(seq) FROM change_journal", [], |row| row.get(0))
            .optional()?
            .flatten();
        if first.is_some_and(|first| first > self.cursor.seen + 1) {
            return self.catch_up_from_scratch();
        }
        let rows: Vec<(i64, String, String, String, bool)> = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT seq, doc_id, kind, project_id, erased FROM change_journal WHERE seq > ?1 ORDER BY seq",
            )?;
            stmt.query_map([self.cursor.seen], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<rusqlite::Result<_>>()?
        };
        for (seq, id, kind, project, erased) in rows {
            self.cursor.seen = seq;
            let Ok(id) = Uuid::try_parse(&id) else { continue };
            self.docs.evict(&id);
            self.unreadable.remove(&id);
            let (Ok(kind), Ok(project)) = (DocKind::from_stored(&kind), ProjectId::from_stored(&project)) else {
                continue;
            };
            note(&mut self.foreign, id, kind, project, erased);
        }
        Ok(())
    }

    /// This process fell so far behind that the journal no longer reaches
    /// back to where it stood: forget every cached document and report every
    /// record as changed.
    fn catch_up_from_scratch(&mut self) -> Result<()> {
        self.docs.clear();
        self.unreadable.clear();
        self.cursor.seen = last_seq(&self.conn)?;
        let rows: Vec<(String, String, String)> = {
            let mut stmt = self.conn.prepare("SELECT doc_id, kind, project_id FROM documents")?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        for (id, kind, project) in rows {
            if let (Ok(id), Ok(kind), Ok(project)) = (
                Uuid::try_parse(&id),
                DocKind::from_stored(&kind),
                ProjectId::from_stored(&project),
            ) {
                note(&mut self.foreign, id, kind, project, false);
            }
        }
        Ok(())
    }

    /// After this process's own writes (made under the lock, so nobody
    /// else's rows are among them): they are not news to it.
    pub(crate) fn mark_own_writes(&mut self) -> Result<()> {
        self.cursor.seen = last_seq(&self.conn)?;
        self.cursor.data_version = data_version(&self.conn)?;
        Ok(())
    }

    /// Documents found unreadable since they were last written.
    pub(crate) fn unreadable_documents(&self) -> BTreeSet<Uuid> {
        self.unreadable.clone()
    }
}

fn note(change: &mut StoreChange, id: Uuid, kind: DocKind, project: ProjectId, erased: bool) {
    change.origin = ChangeOrigin::Merge;
    match (kind, erased) {
        (DocKind::Project, _) => change.project(project),
        (DocKind::Story, false) => change.story(StoryId::from_bytes(*id.as_bytes())),
        (DocKind::Participant, false) => change.participant(ParticipantId::from_bytes(*id.as_bytes())),
        (DocKind::Story, true) => {
            let id = StoryId::from_bytes(*id.as_bytes());
            change.stories.retain(|s| *s != id);
            if !change.erased_stories.contains(&id) {
                change.erased_stories.push(id);
            }
        }
        (DocKind::Participant, true) => {
            let id = ParticipantId::from_bytes(*id.as_bytes());
            change.participants.retain(|p| *p != id);
            if !change.erased_participants.contains(&id) {
                change.erased_participants.push(id);
            }
        }
    }
}
