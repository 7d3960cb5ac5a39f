//! The store: one SQLite file per app user holding every document and the
//! index over them.
//!
//! One writer connection (behind a mutex, with the document cache) and a
//! pool of read-only connections: SQLite in WAL mode lets the readers list,
//! search and load documents of their own (`reads`) while the writer
//! writes, so no read waits on a write; and a single writer means no
//! `SQLITE_BUSY` between our own connections. `Store` is `Send + Sync`; call
//! it from any thread. Other processes may open the same file: every write
//! holds a lock file and first catches up with what they wrote
//! (`interprocess`).
//!
//! The public API is spread over one file per kind of record (`projects`,
//! `participants`, `stories`, `annotations`, …); this file holds the
//! machinery they share.

mod annotations;
mod arrivals;
mod bundle_manifest;
mod bundle_media;
mod bundles;
mod cache;
mod consent;
mod device_keys;
mod erasure;
mod export;
mod export_cleanup;
mod export_media;

mod exchange;
mod history;
mod index;
mod interprocess;
mod ledger_cache;
mod listeners;
mod media;
mod media_consent;
mod media_sync;
mod membership;
mod merge;
mod open;
mod output_files;
mod participants;
pub(crate) mod persistence;
mod projects;
mod query;
mod reads;
mod registry;
mod rekey;
#[cfg(feature = "relay")]
pub(crate) mod relay_exchange;
mod search;
mod secrets;
mod segments;
mod session_proof;
mod stories;
mod sync_session;
mod transcript_index;
mod typing;
mod unreadable;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use automerge::AutoCommit;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction};
use uuid::Uuid;

pub use bundles::{BundleExport, BundleOutcome};
pub use device_keys::EnrolledDevice;
pub use membership::MemberStatus;
#[cfg(feature = "test-support")]
pub(crate) use sync_session::kind_code;

pub use exchange::ImportOutcome;
pub use export::{ExportFormat, ExportReport, Withheld};
pub use export_media::{ExportedMedia, WithheldMedia};

pub use listeners::{ChangeListener, ChangeOrigin, ListenerId, StoreChange};
pub use media::{MAX_MEDIA_READ, MediaTransfer};
pub use persistence::StorageStats;
pub use search::SearchHit;

use crate::documents::{self, Author, DocKind, ledger_doc, participant_doc, project_doc, story_doc};
use crate::error::{Error, RecordKind, Result};
use crate::ids::{DeviceId, MemberId, ParticipantId, ProjectId, StoryId};
use crate::keys::StoreKey;
use crate::model::ChangeKind;
use cache::DocCache;
use listeners::Listeners;

/// Idle read connections kept open.
const MAX_IDLE_READERS: usize = 4;

/// A Storyloom store, opened by path.
pub struct Store {
    path: PathBuf,
    /// Kept for the read connections opened later; wiped when dropped.
    key: Option<StoreKey>,
    registry_key: PathBuf,
    device_id: DeviceId,
    writer: Mutex<Option<Writer>>,
    /// Held by whichever process is writing.
    process_lock: interprocess::ProcessLock,
    readers: Mutex<Vec<Connection>>,
    /// The documents the readers keep loaded (`reads`).
    reader_docs: Arc<reads::ReaderDocs>,
    closed: AtomicBool,
    listeners: Listeners,
}

/// The single writer connection and what only it may touch.
pub(crate) struct Writer {
    conn: Connection,
    docs: DocCache,
    device: DeviceId,
    local_members: HashMap<ProjectId, MemberId>,
    /// What the write in progress changed, for the listeners.
    changes: StoreChange,
    /// What other processes changed, for the listeners, since last told.
    foreign: StoreChange,
    /// Where this process stands in the change journal.
    cursor: interprocess::JournalCursor,
    /// Documents whose stored bytes failed to load since they were last
    /// written: sync, bundles and export carry on without them.
    unreadable: BTreeSet<Uuid>,
    /// What is derived from each project's consent ledger (`ledger_cache`).
    ledgers: ledger_cache::LedgerCache,
    /// The transcript last edited, for the next keystroke (`typing`).
    last_transcript: typing::LastTranscript,
    /// The transcript a keystroke in progress leaves, for the index; the
    /// index hands it back when it used it (`typing`).
    transcript_for_index: Option<(Uuid, String)>,
    /// The folder of media chunks beside the database.
    media: crate::media::ChunkDir,
    /// The readers' loaded documents, which an erasure empties of what it
    /// erases.
    reader_docs: Arc<reads::ReaderDocs>,
}

impl Store {
    /// Opens the store at `path`, creating it if there is no file there.
    ///
    /// A file that is not a Storyloom store is refused and left untouched; a
    /// store written by a newer version of the library is refused.
    ///
    /// A store may be open only once per process: share one `Store` (it is
    /// `Send + Sync`) between threads. Several processes may each open it
    /// (an app and its sync worker or share extension, the CLI): their
    /// writes take turns and each sees the others' (see the README).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_keyed(path.as_ref(), None)
    }

    /// Opens (creating if needed) the store at `path` encrypted with `key`
    /// (SQLCipher, ADR 0010).
    ///
    /// A wrong key, or a store that is not encrypted, is refused with
    /// [`Error::WrongStoreKey`] and the files are left untouched; opening an
    /// encrypted store with [`Store::open`] is refused the same way. Every
    /// process that opens the store needs the key.
    pub fn open_with_key(path: impl AsRef<Path>, key: StoreKey) -> Result<Self> {
        Self::open_keyed(path.as_ref(), Some(key))
    }

    fn open_keyed(path: &Path, store_key: Option<StoreKey>) -> Result<Self> {
        let started = std::time::Instant::now();
        let encrypted = store_key.is_some();
        let opened = Self::open_unlogged(path, store_key);
        crate::logging::outcome(crate::logging::STORE, "open", &opened, |store: &Self| {
            crate::logging::store_opened(store.device_id, open::SCHEMA_VERSION, encrypted, started)
        });
        opened
    }

    fn open_unlogged(path: &Path, store_key: Option<StoreKey>) -> Result<Self> {
        let path = path.to_path_buf();
        let key = registry::claim(&path)?;
        let opened = rekey::remove_leftovers(&path)
            .and_then(|()| open::open_writer(&path, store_key.as_ref()))
            .and_then(|conn| {
                Ok((
                    (open::device_id(&conn)?, interprocess::ProcessLock::open(&path)?),
                    interprocess::JournalCursor::new(&conn)?,
                    conn,
                ))
            });
        let ((device_id, process_lock), cursor, conn) = match opened {
            Ok(opened) => opened,
            Err(err) => {
                registry::release(&key);
                return Err(err);
            }
        };
        let media = crate::media::ChunkDir::for_store(&path);
        let reader_docs = Arc::new(reads::ReaderDocs::default());
        let store = Self {
            path,
            key: store_key,
            registry_key: key,
            device_id,
            writer: Mutex::new(Some(Writer {
                conn,
                docs: DocCache::new(),
                device: device_id,
                local_members: HashMap::new(),
                changes: StoreChange::default(),
                foreign: StoreChange::default(),
                cursor,
                unreadable: BTreeSet::new(),
                ledgers: ledger_cache::LedgerCache::default(),
                last_transcript: None,
                transcript_for_index: None,
                media,
                reader_docs: Arc::clone(&reader_docs),
            })),
            process_lock,
            readers: Mutex::new(Vec::new()),
            reader_docs,
            closed: AtomicBool::new(false),
            listeners: Listeners::default(),
        };
        // Finish any erasure a crash interrupted (idempotent; cheap when
        // there is nothing to do).
        store.write(|w| w.resume_erasures())?;
        // Chunks a crash left unreferenced (an attach cut short, a removal
        // or erasure that committed before its files went).
        store.write(|w| w.collect_media(media::COLLECT_GRACE))?;
        Ok(store)
    }

    /// The path the store was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the store is encrypted at rest (opened with a key).
    pub fn is_encrypted(&self) -> bool {
        self.key.is_some()
    }

    /// This store's device id: every change it writes carries it.
    pub fn device_id(&self) -> DeviceId {
        self.device_id
    }

    /// Closes the store: checkpoints the write-ahead log into the database
    /// file and closes every connection. Any later call returns
    /// [`Error::Closed`]. Closing twice is harmless.
    pub fn close(&self) -> Result<()> {
        let started = std::time::Instant::now();
        let was_open = !self.closed.load(Ordering::SeqCst);
        let closed = self.close_unlogged();
        if was_open {
            crate::logging::outcome(crate::logging::STORE, "close", &closed, |()| {
                crate::logging::store_closed(self.device_id, started)
            });
        }
        closed
    }

    fn close_unlogged(&self) -> Result<()> {
        self.closed.store(true, Ordering::SeqCst);
        let writer = self.lock_writer().take();
        self.readers.lock().unwrap_or_else(|p| p.into_inner()).clear();
        self.reader_docs.clear();
        let result = match writer {
            Some(writer) => writer
                .conn
                .pragma_update(None, "wal_checkpoint", "TRUNCATE")
                .map_err(Error::from)
                .and_then(|_| writer.conn.close().map_err(|(_, err)| Error::from(err))),
            None => Ok(()),
        };
        registry::release(&self.registry_key);
        result
    }

    /// Whether [`Store::close`] has been called.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// `Closed` before anything else, for the calls that look at their
    /// input before taking the writer: a closed store says it is closed,
    /// not that the bytes are bad.
    pub(crate) fn ensure_open(&self) -> Result<()> {
        if self.is_closed() { Err(Error::Closed) } else { Ok(()) }
    }

    /// Registers a listener told about every change, local or merged.
    pub fn add_listener(&self, listener: Arc<dyn ChangeListener>) -> ListenerId {
        self.listeners.add(listener)
    }

    /// Unregisters a listener; returns whether it was registered.
    pub fn remove_listener(&self, id: ListenerId) -> bool {
        self.listeners.remove(id)
    }

    fn lock_writer(&self) -> MutexGuard<'_, Option<Writer>> {
        self.writer.lock().unwrap_or_else(|poisoned| {
            // A panic while writing left the cache in an unknown state; the
            // database rolled the transaction back, so reload from disk,
            // once, and carry on.
            let mut guard = poisoned.into_inner();
            if let Some(writer) = guard.as_mut() {
                writer.docs.clear();
            }
            self.writer.clear_poison();
            guard
        })
    }

    /// Runs `f` with the writer, holding the store's lock against other
    /// processes and caught up with what they wrote, then tells the
    /// listeners what changed.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&mut Writer) -> Result<T>) -> Result<T> {
        let (result, foreign, changes) = {
            let mut guard = self.lock_writer();
            let writer = guard.as_mut().ok_or(Error::Closed)?;
            let held = self.process_lock.acquire()?;
            writer.changes = StoreChange::default();
            let result = writer.catch_up().and_then(|()| f(writer));
            if result.is_err() {
                // A failed write may have indexed ledger records in a
                // transaction that rolled back.
                writer.ledgers.clear();
                writer.last_transcript = None;
            }
            if result.is_ok() {
                // An erasure's scrub of the log that readers held up; it
                // stays pending (and is retried) if they still do.
                let _still_owed = erasure::finish_scrub(&writer.conn);
            }
            let marked = writer.mark_own_writes();
            drop(held);
            let foreign = std::mem::take(&mut writer.foreign);
            let changes = std::mem::take(&mut writer.changes);
            (result.and_then(|value| marked.map(|()| value)), foreign, changes)
        };
        if let Err(err) = &result {
            crate::logging::write_refused(err);
        }
        // Tell listeners about everything that was committed, even if the
        // write failed afterwards (an erasure whose log scrub timed out is
        // still an erasure).
        self.listeners.notify(&foreign);
        self.listeners.notify(&changes);
        result
    }

    /// Tells the listeners what other processes wrote since this one last
    /// looked, unless this process is writing right now (the write will).
    fn catch_up_listeners(&self) {
        let foreign = match self.writer.try_lock() {
            Ok(mut guard) => match guard.as_mut() {
                Some(writer) => {
                    // A failure here is the next write's to report.
                    let _ = writer.catch_up();
                    std::mem::take(&mut writer.foreign)
                }
                None => return,
            },
            Err(_) => return,
        };
        self.listeners.notify(&foreign);
    }

    /// Documents whose stored bytes were found not to load, by id: sync,
    /// bundles and export carry on without them.
    pub fn unreadable_documents(&self) -> Result<Vec<Uuid>> {
        self.write(|w| Ok(w.unreadable_documents().into_iter().collect()))
    }

    /// Runs `f` on a read-only connection from the pool.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        self.catch_up_listeners();
        let pooled = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => open::open_reader(&self.path, self.key.as_ref())?,
        };
        let result = f(&conn);
        let mut readers = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if readers.len() < MAX_IDLE_READERS && !self.is_closed() {
            readers.push(conn);
        }
        result
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        let _ = self.close();
    }
}

pub(crate) fn now() -> DateTime<Utc> {
    Utc::now()
}

impl Writer {
    /// The author this device writes as in `project`.
    fn author(&mut self, project: ProjectId) -> Result<Author> {
        if let Some(member) = self.local_members.get(&project) {
            return Ok(Author {
                device: self.device,
                member: *member,
            });
        }
        let member: Option<String> = self
            .conn
            .query_row(
                "SELECT member_id FROM local_members WHERE project_id = ?1",
                [project.to_string()],
                |row| row.get(0),
            )
            .optional()?;
        let member = match member {
            Some(member) => MemberId::from_stored(&member)?,
            None => {
                return Err(Error::invalid(
                    "project_id",
                    format!("this device has not joined project {project}"),
                ));
            }
        };
        self.local_members.insert(project, member);
        Ok(Author {
            device: self.device,
            member,
        })
    }

    /// Where a document lives, or a not-found (or erased) error of the right kind.
    fn locate(&self, id: Uuid, expected: DocKind) -> Result<persistence::DocRow> {
        reads::locate(&self.conn, id, expected)
    }

    /// The document, from the cache or loaded from disk.
    ///
    /// With an author, the document writes as that author even if it was
    /// loaded for reading only (by a sync, say) without one: every change
    /// must say which member and device made it.
    fn document(&mut self, id: Uuid, author: Option<Author>) -> Result<&mut AutoCommit> {
        if self.docs.get_mut(&id).is_none() {
            let doc = match persistence::load(&self.conn, id) {
                Ok(doc) => doc.ok_or_else(|| Error::not_found(RecordKind::Document, id.hyphenated()))?,
                Err(err) => {
                    if matches!(err, Error::CorruptData(_)) {
                        self.unreadable.insert(id);
                    }
                    return Err(err);
                }
            };
            self.docs.insert(id, doc);
        }
        let doc = self.docs.get_mut(&id).expect("loaded above");
        if let Some(author) = author {
            let actor = author.actor_id();
            if *doc.get_actor() != actor {
                doc.set_actor(actor);
            }
        }
        Ok(doc)
    }

    /// Reads a document of the given kind without changing it.
    fn view<T>(&mut self, id: Uuid, kind: DocKind, read: impl FnOnce(&mut AutoCommit) -> Result<T>) -> Result<T> {
        let row = self.locate(id, kind)?;
        let author = self.author(row.project_id).ok();
        let doc = self.document(id, author)?;
        read(doc)
    }

    /// Edits an existing document as one Automerge change, then saves the
    /// change and re-indexes the record in one SQLite transaction. If the
    /// edit is refused nothing changes; if saving fails the cached document
    /// is dropped so memory never runs ahead of disk.
    fn edit<T>(
        &mut self,
        id: Uuid,
        kind: DocKind,
        change: ChangeKind,
        edit: impl FnOnce(&mut AutoCommit, &Author) -> Result<T>,
    ) -> Result<T> {
        self.edit_with(id, kind, change, edit, |_| Ok(()))
    }

    /// [`Writer::edit`], also running `also` in the transaction that saves
    /// the change (a media row goes in or out with its reference).
    fn edit_with<T>(
        &mut self,
        id: Uuid,
        kind: DocKind,
        change: ChangeKind,
        edit: impl FnOnce(&mut AutoCommit, &Author) -> Result<T>,
        also: impl FnOnce(&Transaction<'_>) -> Result<()>,
    ) -> Result<T> {
        let row = self.locate(id, kind)?;
        let author = self.author(row.project_id)?;
        let now = now();
        let doc = self.document(id, Some(author))?;
        let value = match edit(doc, &author) {
            Ok(value) => value,
            Err(err) => {
                doc.rollback();
                return Err(err);
            }
        };
        documents::commit(doc, &change, now);
        if let Err(err) = self.save_and_index(id, kind, &change, now, also) {
            self.docs.evict(&id);
            self.ledgers.clear();
            return Err(err);
        }
        Ok(value)
    }

    fn save_and_index(
        &mut self,
        id: Uuid,
        kind: DocKind,
        change: &ChangeKind,
        now: DateTime<Utc>,
        also: impl FnOnce(&Transaction<'_>) -> Result<()>,
    ) -> Result<()> {
        let Writer {
            conn,
            docs,
            changes,
            ledgers,
            transcript_for_index,
            ..
        } = self;
        let doc = docs
            .get_mut(&id)
            .ok_or_else(|| Error::Storage("document left the cache".into()))?;
        let mut pending = StoreChange::default();
        let tx = conn.transaction()?;
        let committed = doc.get_heads();
        persistence::save_changes(&tx, id, doc, now.timestamp_millis())?;
        if kind == DocKind::Story && *change == ChangeKind::TranscriptEdited {
            // A keystroke: only the transcript's pieces change in the index.
            // The text a keystroke computed is used only if the save took
            // in nothing another writer stored meanwhile.
            let hint = transcript_for_index.take();
            let from_keystroke = hint.is_some();
            let text = match hint.filter(|(story, _)| *story == id && doc.get_heads() == committed) {
                Some((_, text)) => text,
                None => story_doc::transcript(doc)?,
            };
            let story = StoryId::from_bytes(*id.as_bytes());
            index::write_transcript(&tx, story, &text, now)?;
            if from_keystroke {
                *transcript_for_index = Some((id, text));
            }
            pending.story(story);
        } else {
            index_document(&tx, kind, doc, now, &mut pending, ledgers)?;
        }
        also(&tx)?;
        tx.commit()?;
        changes.absorb(pending);
        Ok(())
    }

    /// Creates a new document in `project` as one change, and saves and
    /// indexes it in one transaction.
    fn create(
        &mut self,
        kind: DocKind,
        id: Uuid,
        project: ProjectId,
        build: impl FnOnce(&mut AutoCommit, &Author, DateTime<Utc>) -> Result<()>,
    ) -> Result<()> {
        self.locate(project_uuid(project), DocKind::Project)?;
        let author = self.author(project)?;
        let now = now();
        let mut doc = documents::new_document(&author);
        let header = documents::Header {
            kind,
            id,
            project_id: project,
        };
        documents::write_header(&mut doc, &header, now)?;
        build(&mut doc, &author, now)?;
        documents::commit(&mut doc, &ChangeKind::Created, now);
        self.insert(id, kind, project, doc, now)
    }

    /// Saves a document new to this store, and indexes it, in one transaction.
    fn insert(
        &mut self,
        id: Uuid,
        kind: DocKind,
        project: ProjectId,
        mut doc: AutoCommit,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut pending = StoreChange::default();
        let indexed = (|| {
            let tx = self.conn.transaction()?;
            persistence::insert(&tx, id, kind, project, &mut doc, now.timestamp_millis())?;
            index_document(&tx, kind, &mut doc, now, &mut pending, &mut self.ledgers)?;
            tx.commit()?;
            Ok(())
        })();
        if let Err(err) = indexed {
            self.ledgers.clear();
            return Err(err);
        }
        self.changes.absorb(pending);
        self.docs.insert(id, doc);
        Ok(())
    }
}

/// Writes the index rows of a document from its current content.
fn index_document(
    tx: &Transaction<'_>,
    kind: DocKind,
    doc: &mut AutoCommit,
    now: DateTime<Utc>,
    changes: &mut StoreChange,
    ledgers: &mut ledger_cache::LedgerCache,
) -> Result<()> {
    match kind {
        DocKind::Story => {
            let story = story_doc::read(doc)?;
            index::write_story(tx, &story, now)?;
            changes.story(story.id);
        }
        DocKind::Participant => {
            let participant = participant_doc::read(doc)?;
            index::write_participant(tx, &participant, now)?;
            changes.participant(participant.id);
        }
        DocKind::Project => {
            // The ledger comes from the cache, which read and checked it
            // whole for this very state of the document.
            let project = project_doc::read_without_ledger(doc)?;
            let ledger = ledgers.ledger(project_uuid(project.id), doc)?;
            ledger_doc::tombstones(doc)?;
            // Records never change once written: only the new ones are
            // indexed. Tombstones are indexed by `erasure` once checked,
            // not as they come.
            let new = ledgers.unindexed(tx, project.id, &ledger)?;
            index::write_project(tx, &project, new)?;
            changes.project(project.id);
        }
    }
    Ok(())
}

fn record_kind(kind: DocKind) -> RecordKind {
    match kind {
        DocKind::Project => RecordKind::Project,
        DocKind::Story => RecordKind::Story,
        DocKind::Participant => RecordKind::Participant,
    }
}

fn story_uuid(id: StoryId) -> Uuid {
    Uuid::from_bytes(*id.as_bytes())
}

fn participant_uuid(id: ParticipantId) -> Uuid {
    Uuid::from_bytes(*id.as_bytes())
}

fn project_uuid(id: ProjectId) -> Uuid {
    Uuid::from_bytes(*id.as_bytes())
}
