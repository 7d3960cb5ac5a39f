//! Reading a document on a reader connection, so a read never waits on the
//! writer: opening a story while a sync merges a thousand documents
//! returns at once, with the document as last committed.
//!
//! Readers load documents themselves and keep a few of them
//! (`ReaderDocs`), each with the heads it was loaded at. A read happens in
//! one read transaction: it looks up the document's stored heads, uses the
//! kept copy only if its heads are exactly those, else takes in the chunks
//! appended since (or loads the document again) and checks the result has
//! those heads. A kept copy is therefore never older than the disk, and a
//! document the writer erased is never read from memory: its row is gone,
//! and erasure drops it from the readers' copies as it commits (`forget`).

use std::num::NonZeroUsize;
use std::sync::{Mutex, MutexGuard};

use automerge::AutoCommit;
use lru::LruCache;
use rusqlite::{Connection, OptionalExtension};
use uuid::Uuid;

use super::{Store, erasure, persistence, record_kind};
use crate::documents::{self, DocKind};
use crate::error::{Error, Result};

/// Documents the readers keep loaded: enough for the story on screen, its
/// storytellers and project, and little enough for a phone (a story with a
/// 3 KB transcript is about 50 KB loaded).
const CAPACITY: NonZeroUsize = NonZeroUsize::new(16).expect("non-zero");

/// A document loaded by a reader, with what it was loaded from.
struct Loaded {
    doc: AutoCommit,
    /// The heads as stored (`persistence::heads_bytes`) that `doc` has.
    heads: Vec<u8>,
    /// The last chunk taken in, to take in only later ones next time.
    last_seq: i64,
}

#[derive(Default)]
struct Kept {
    docs: Option<LruCache<Uuid, Loaded>>,
    /// Bumped by every `forget`: a reader that started before it does not
    /// put back what it read.
    epoch: u64,
}

/// The documents kept by the reader connections, shared by all of them.
#[derive(Default)]
pub(crate) struct ReaderDocs {
    kept: Mutex<Kept>,
}

impl ReaderDocs {
    fn lock(&self) -> MutexGuard<'_, Kept> {
        // Nothing here is left half-changed by a panic: carry on.
        self.kept.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Taken before a read's snapshot begins: an erasure that commits
    /// after it then keeps the read from putting its copy back.
    fn epoch(&self) -> u64 {
        self.lock().epoch
    }

    fn take(&self, id: Uuid) -> Option<Loaded> {
        self.lock().docs.as_mut().and_then(|docs| docs.pop(&id))
    }

    fn put(&self, id: Uuid, loaded: Loaded, epoch: u64) {
        let mut kept = self.lock();
        if kept.epoch == epoch {
            kept.docs.get_or_insert_with(|| LruCache::new(CAPACITY)).put(id, loaded);
        }
    }

    /// Drops the readers' copies of these documents (they are being
    /// erased), and keeps any read in progress from putting one back.
    pub(crate) fn forget(&self, ids: impl IntoIterator<Item = Uuid>) {
        let mut kept = self.lock();
        kept.epoch += 1;
        if let Some(docs) = kept.docs.as_mut() {
            for id in ids {
                docs.pop(&id);
            }
        }
    }

    /// Drops every copy (the store is closing or being re-keyed).
    pub(crate) fn clear(&self) {
        let mut kept = self.lock();
        kept.epoch += 1;
        kept.docs = None;
    }

    #[cfg(test)]
    pub(crate) fn holds(&self, id: Uuid) -> bool {
        self.lock().docs.as_ref().is_some_and(|docs| docs.contains(&id))
    }
}

impl Store {
    /// Reads a document of the given kind on a reader connection, as last
    /// committed, without waiting on the writer.
    pub(crate) fn view<T>(
        &self,
        id: Uuid,
        kind: DocKind,
        read: impl FnOnce(&mut AutoCommit) -> Result<T>,
    ) -> Result<T> {
        self.read(|conn| {
            let epoch = self.reader_docs.epoch();
            // One snapshot for the row, the heads and the chunks.
            let tx = conn.unchecked_transaction()?;
            // Taken out first, so a copy of a document gone from disk goes
            // from memory too.
            let kept = self.reader_docs.take(id);
            locate(&tx, id, kind)?;
            let stored = stored_heads(&tx, id)?;
            let mut loaded = load(&tx, id, kept, stored)?;
            let value = read(&mut loaded.doc);
            tx.finish()?;
            if !loaded.heads.is_empty() {
                self.reader_docs.put(id, loaded, epoch);
            }
            value
        })
    }
}

/// Where a document lives, or a not-found (or erased) error of the right kind.
pub(crate) fn locate(conn: &Connection, id: Uuid, expected: DocKind) -> Result<persistence::DocRow> {
    match persistence::doc_row(conn, id)? {
        Some(row) if row.kind == expected => Ok(row),
        Some(_) => Err(Error::not_found(record_kind(expected), id.hyphenated())),
        None if erasure::is_tombstoned(conn, id)? => Err(Error::Erased {
            kind: record_kind(expected),
            id: id.hyphenated().to_string(),
        }),
        None => Err(Error::not_found(record_kind(expected), id.hyphenated())),
    }
}

/// The stored heads (empty for an older store that kept none).
fn stored_heads(conn: &Connection, id: Uuid) -> Result<Vec<u8>> {
    let heads: Option<Option<Vec<u8>>> = conn
        .prepare_cached("SELECT heads FROM documents WHERE doc_id = ?1")?
        .query_row([id.hyphenated().to_string()], |row| row.get(0))
        .optional()?;
    Ok(heads.flatten().unwrap_or_default())
}

/// The document at exactly the stored heads: the kept copy if it has them,
/// the kept copy with the chunks appended since if that reaches them, or
/// the document loaded again.
fn load(conn: &Connection, id: Uuid, kept: Option<Loaded>, stored: Vec<u8>) -> Result<Loaded> {
    if let Some(mut loaded) = kept.filter(|_| !stored.is_empty()) {
        if loaded.heads == stored {
            return Ok(loaded);
        }
        if let Some(last_seq) = take_in_later_chunks(conn, id, &mut loaded.doc, loaded.last_seq)?
            && persistence::heads_bytes(&mut loaded.doc) == stored
        {
            loaded.heads = stored;
            loaded.last_seq = last_seq;
            return Ok(loaded);
        }
        // Compacted since, or some other history: load it afresh.
    }
    let (bytes, last_seq) = chunks_after(conn, id, -1)?;
    let bytes = bytes.ok_or_else(|| Error::not_found(crate::error::RecordKind::Document, id.hyphenated()))?;
    let mut doc = documents::load_document(&bytes)?;
    // The heads loaded, which may be newer than `stored` only if the
    // snapshot saw a later write; either way they name `doc` exactly.
    let heads = if stored.is_empty() {
        stored
    } else {
        persistence::heads_bytes(&mut doc)
    };
    Ok(Loaded { doc, heads, last_seq })
}

/// Takes the chunks after `last_seq` into `doc`; the new last chunk, or
/// `None` if they do not load (the kept copy is then thrown away).
fn take_in_later_chunks(conn: &Connection, id: Uuid, doc: &mut AutoCommit, last_seq: i64) -> Result<Option<i64>> {
    let (bytes, seq) = chunks_after(conn, id, last_seq)?;
    let Some(bytes) = bytes else {
        return Ok(None);
    };
    let loaded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| doc.load_incremental(&bytes)));
    Ok(matches!(loaded, Ok(Ok(_))).then_some(seq))
}

/// The chunks after `last_seq`, concatenated, and the last one's number;
/// `None` if there are none.
fn chunks_after(conn: &Connection, id: Uuid, last_seq: i64) -> Result<(Option<Vec<u8>>, i64)> {
    let mut stmt =
        conn.prepare_cached("SELECT seq, data FROM document_chunks WHERE doc_id = ?1 AND seq > ?2 ORDER BY seq")?;
    let mut rows = stmt.query(rusqlite::params![id.hyphenated().to_string(), last_seq])?;
    let mut bytes = Vec::new();
    let mut seq = last_seq;
    let mut found = false;
    while let Some(row) = rows.next()? {
        found = true;
        seq = row.get(0)?;
        bytes.extend_from_slice(
            row.get_ref(1)?
                .as_blob()
                .map_err(|_| Error::corrupt("document chunk is not a blob"))?,
        );
    }
    Ok((found.then_some(bytes), seq))
}

#[cfg(test)]
mod tests {
    //! Reads during a write, and what readers keep after an erasure.

    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc;
    use std::time::Duration;

    use crate::consent::{ConsentMethod, ConsentScope, ExportPurpose, NewConsentGrant, NewConsentWithdrawal};
    use crate::error::Error;
    use crate::ids::{ParticipantId, ProjectId, StoryId};
    use crate::model::{MemberRole, NewParticipant, NewStory};
    use crate::store::{Store, story_uuid};

    fn store_with_a_story(dir: &tempfile::TempDir) -> (Store, ProjectId, ParticipantId, StoryId) {
        let store = Store::open(dir.path().join("s.storyloom")).unwrap();
        let (project, _) = store
            .create_project("Bus routes", "Asha", MemberRole::Reporter)
            .unwrap();
        let teller = store
            .add_participant(
                project,
                &NewParticipant {
                    display_name: "Mrs Okafor".into(),
                    ..Default::default()
                },
            )
            .unwrap();
        let story = store
            .create_story(
                project,
                &NewStory {
                    title: "The 42 bus".into(),
                    storytellers: vec![teller],
                    transcript: "The bus stopped at the market every morning.".into(),
                    ..Default::default()
                },
            )
            .unwrap();
        store
            .grant_consent(
                project,
                &NewConsentGrant::new(teller, vec![ConsentScope::Research], ConsentMethod::Spoken),
            )
            .unwrap();
        (store, project, teller, story)
    }

    /// The writer is held from another thread, as a sync merging a
    /// thousand documents holds it, until this thread's reads are done.
    /// Were any read to wait on the writer, it would return only once the
    /// holder gives up (after a minute) and the test would fail: the
    /// outcome does not depend on timing.
    #[test]
    fn a_ui_reads_every_record_while_a_long_merge_holds_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let (store, project, teller, story) = store_with_a_story(&dir);
        // Read once before, so the readers also keep copies.
        store.story(story).unwrap();
        let (held_tx, held_rx) = mpsc::channel();
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let gave_up = AtomicBool::new(false);
        let (writer_store, writer_gave_up) = (&store, &gave_up);
        std::thread::scope(|scope| {
            scope.spawn(move || {
                writer_store
                    .write(|w| {
                        let edited = w.edit(
                            story_uuid(story),
                            crate::documents::DocKind::Story,
                            crate::model::ChangeKind::TitleChanged,
                            |doc, _| {
                                crate::documents::story_doc::update(
                                    doc,
                                    &crate::model::StoryUpdate {
                                        title: Some("The 42 bus, retold".into()),
                                        ..Default::default()
                                    },
                                )
                            },
                        );
                        held_tx.send(()).unwrap();
                        if done_rx.recv_timeout(Duration::from_secs(60)).is_err() {
                            writer_gave_up.store(true, Ordering::SeqCst);
                        }
                        edited
                    })
                    .unwrap();
            });
            held_rx.recv().unwrap();

            let read = store.story(story).unwrap();
            assert_eq!(read.title, "The 42 bus, retold", "a read sees the last commit");
            assert_eq!(store.participant(teller).unwrap().display_name, "Mrs Okafor");
            assert_eq!(store.consent_records(project, Some(teller)).unwrap().len(), 1);
            assert!(!store.story_history(story).unwrap().is_empty());
            assert!(!store.participant_history(teller).unwrap().is_empty());
            assert_eq!(store.project(project).unwrap().name, "Bus routes");
            assert_eq!(store.search("market", None, 5).unwrap().len(), 1);
            assert!(store.story_consent(story).unwrap().contains(&ConsentScope::Research));
            assert!(store.story_segments(story).unwrap().is_empty());
            assert!(!store.export_story_document(story).unwrap().is_empty());
            assert_eq!(
                store.publish_story(story, ExportPurpose::Research).unwrap().title,
                "The 42 bus, retold"
            );
            let exported = store
                .export_project(
                    project,
                    &dir.path().join("export"),
                    crate::store::ExportFormat::Json,
                    ExportPurpose::Research,
                )
                .unwrap();
            assert_eq!(exported.exported, vec![story]);

            assert!(
                !gave_up.load(Ordering::SeqCst),
                "every read returned while the writer was held"
            );
            done_tx.send(()).unwrap();
        });
    }

    #[test]
    fn an_erasure_takes_the_story_out_of_what_the_readers_keep() {
        let dir = tempfile::tempdir().unwrap();
        let (store, project, teller, story) = store_with_a_story(&dir);
        store.story(story).unwrap();
        assert!(store.reader_docs.holds(story_uuid(story)), "the reader kept its copy");
        store
            .withdraw_consent(
                project,
                &NewConsentWithdrawal {
                    storyteller: teller,
                    story: Some(story),
                    scopes: vec![],
                    erase: true,
                },
            )
            .unwrap();
        assert!(
            !store.reader_docs.holds(story_uuid(story)),
            "erased content is not kept in memory"
        );
        assert!(matches!(store.story(story), Err(Error::Erased { .. })));
        assert!(!store.reader_docs.holds(story_uuid(story)));
    }

    /// A kept copy catches up with every write (appended chunks) and
    /// every compaction (chunks rewritten) it did not see.
    #[test]
    fn a_kept_copy_follows_keystrokes_and_compactions() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _, _, story) = store_with_a_story(&dir);
        let mut expected = store.story(story).unwrap().transcript;
        let line = " They waited in the rain, and the driver always waved.".repeat(8);
        let line = line.as_str();
        let mut compactions = 0;
        let mut chunks = store.storage_stats_of(story);
        for _ in 0..80 {
            let at = expected.encode_utf16().count() as u64;
            store.splice_transcript(story, at, 0, line).unwrap();
            expected.push_str(line);
            assert_eq!(store.story(story).unwrap().transcript, expected);
            let now = store.storage_stats_of(story);
            if now < chunks {
                compactions += 1;
            }
            chunks = now;
        }
        assert!(compactions > 0, "the document was compacted at least once");
    }

    impl Store {
        fn storage_stats_of(&self, story: StoryId) -> u32 {
            self.read(|conn| crate::store::persistence::stats(conn, story_uuid(story)))
                .unwrap()
                .unwrap()
                .chunks
        }
    }
}
