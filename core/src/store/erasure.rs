//! Erasure that is real on disk, and that erases exactly what was asked.
//!
//! The consent ledger decides what is erased, never a tombstone alone: an
//! erasing withdrawal for one story erases that story only if it is a story
//! of this project and the withdrawal's storyteller is one of its
//! storytellers; one for all of a storyteller's stories erases this
//! project's stories they are in, and their participant record in this
//! project. Nothing else — no project document, nothing of another project —
//! is ever erased. The erased documents go with their whole history and
//! their index and search rows; a tombstone (ids and time, no content) goes
//! into the project document as a receipt that travels. Then the
//! write-ahead log is checkpointed and truncated: with `secure_delete` and
//! FTS5 `secure-delete` on, no byte of the erased text is left in the
//! database, its WAL or its journal.
//!
//! The checkpoint never holds the writer for long: if another connection
//! or process is reading an older snapshot, the erasure is reported done
//! (it is, in the ledger and the index) and the scrub is marked pending in
//! `meta`; the next write or the next open finishes it.
//!
//! [`Writer::apply_erasures`] is idempotent and writes nothing when there
//! is nothing to erase: it runs after a local withdrawal, after every merge
//! of a project, and at open to finish an erasure a crash interrupted.

use std::collections::BTreeSet;
use std::thread::sleep;
use std::time::{Duration, Instant};

use automerge::AutoCommit;
use automerge::transaction::Transactable;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::ledger_cache::LedgerCache;
use super::{Writer, index, index_document, media_consent, now, persistence, project_uuid};
use crate::consent::{ConsentRecord, ConsentWithdrawal};
use crate::documents::ledger_doc::{self, Tombstone};
use crate::documents::{self, DocKind};
use crate::error::{Error, Result};
use crate::ids::{ConsentRecordId, ParticipantId, ProjectId, StoryId};
use crate::model::ChangeKind;

/// How long an erasure may wait for readers before leaving the scrub of the
/// log to the next write or open.
const SCRUB_PATIENCE: Duration = Duration::from_millis(250);
/// The `meta` key that says a scrub of the log is still owed.
const SCRUB_PENDING: &str = "scrub_pending";

/// The documents held here that the ledger says must be erased, with the
/// withdrawal that asked. Only documents of `project`, and only what each
/// erasing withdrawal really covers.
fn targets(conn: &Connection, project: ProjectId, ledger: &[ConsentRecord]) -> Result<Vec<Tombstone>> {
    let now = now();
    let mut found: Vec<Tombstone> = Vec::new();
    let mut seen: BTreeSet<Uuid> = BTreeSet::new();
    let mut add = |id: Uuid, kind: DocKind, withdrawal: ConsentRecordId| {
        if seen.insert(id) {
            found.push(Tombstone {
                id,
                kind,
                erased_at: now,
                withdrawal,
            });
        }
    };
    for w in erasing(ledger) {
        match w.story {
            Some(story) => {
                if stories_of(conn, project, w.storyteller)?.contains(&story) {
                    add(super::story_uuid(story), DocKind::Story, w.id);
                }
            }
            None => {
                for story in stories_of(conn, project, w.storyteller)? {
                    add(super::story_uuid(story), DocKind::Story, w.id);
                }
                let participant = super::participant_uuid(w.storyteller);
                if held_as(conn, participant, DocKind::Participant, project)? {
                    add(participant, DocKind::Participant, w.id);
                }
            }
        }
    }
    Ok(found)
}

fn erasing(ledger: &[ConsentRecord]) -> impl Iterator<Item = &ConsentWithdrawal> {
    ledger.iter().filter_map(|record| match record {
        ConsentRecord::Withdrawal(w) if w.erase => Some(w),
        _ => None,
    })
}

/// The stories of `project` held here that `storyteller` is a storyteller of.
fn stories_of(conn: &Connection, project: ProjectId, storyteller: ParticipantId) -> Result<Vec<StoryId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.story_id FROM story_storytellers p JOIN stories s ON s.story_key = p.story_key
         JOIN documents d ON d.doc_id = s.story_id AND d.kind = 'story' AND d.project_id = ?2
         WHERE p.participant_id = ?1 AND s.project_id = ?2",
    )?;
    let ids = stmt.query_map([storyteller.to_string(), project.to_string()], |row| {
        row.get::<_, String>(0)
    })?;
    ids.map(|id| StoryId::from_stored(&id?)).collect()
}

fn held_as(conn: &Connection, id: Uuid, kind: DocKind, project: ProjectId) -> Result<bool> {
    Ok(persistence::doc_row(conn, id)?.is_some_and(|row| row.kind == kind && row.project_id == project))
}

/// Whether an arriving story must be refused because the ledger erases it:
/// an erasing withdrawal names it and its storyteller is one of the
/// story's storytellers, or one of its storytellers withdrew all their
/// stories with erasure.
pub(crate) fn covers_story(
    ledger: &[ConsentRecord],
    story: StoryId,
    storytellers: &[ParticipantId],
) -> Option<ConsentRecordId> {
    erasing(ledger)
        .find(|w| storytellers.contains(&w.storyteller) && w.story.is_none_or(|s| s == story))
        .map(|w| w.id)
}

pub(crate) fn is_tombstoned(conn: &Connection, id: Uuid) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM tombstones WHERE doc_id = ?1")?
        .query_row([id.hyphenated().to_string()], |_| Ok(()))
        .optional()?
        .is_some())
}

impl Writer {
    /// Appends `record` (if any) to the project's ledger, then erases every
    /// local document of the project the ledger says must go and records a
    /// tombstone for each, and for each of `arriving` (documents a merge
    /// refused because the ledger erases them), all in one transaction.
    /// Returns the documents it erased here. Writes nothing when there is
    /// nothing to do.
    pub(crate) fn apply_erasures(
        &mut self,
        project: ProjectId,
        record: Option<ConsentRecord>,
        arriving: Vec<Tombstone>,
    ) -> Result<Vec<Tombstone>> {
        let erased = self.apply_ledger(project, record, arriving)?;
        // Media bytes a withdrawal of keep-media no longer allows here.
        self.enforce_media_consent(project)?;
        Ok(erased)
    }

    fn apply_ledger(
        &mut self,
        project: ProjectId,
        record: Option<ConsentRecord>,
        arriving: Vec<Tombstone>,
    ) -> Result<Vec<Tombstone>> {
        let project_doc = project_uuid(project);
        self.locate(project_doc, DocKind::Project)?;
        // A device that has not joined (yet) still erases, but writes no
        // tombstone; any other failure to read the member is an error.
        let author = match self.author(project) {
            Ok(author) => Some(author),
            Err(err @ Error::InvalidInput { .. }) if record.is_some() => return Err(err),
            Err(Error::InvalidInput { .. }) => None,
            Err(err) => return Err(err),
        };
        let now = now();
        self.document(project_doc, author)?;
        let mut new_arrivals = Vec::new();
        for tombstone in arriving {
            if !is_tombstoned(&self.conn, tombstone.id)?
                && !new_arrivals.iter().any(|t: &Tombstone| t.id == tombstone.id)
            {
                new_arrivals.push(tombstone);
            }
        }
        let Writer {
            conn, docs, ledgers, ..
        } = &mut *self;
        let doc = docs
            .get_mut(&project_doc)
            .ok_or_else(|| Error::Storage("document left the cache".into()))?;
        let staged = ledgers.ledger(project_doc, doc).and_then(|before| {
            let ledger = match &record {
                Some(record) => {
                    ledger_doc::append(doc, record)?;
                    LedgerCache::appended(&before, doc, record.id())?
                }
                None => before,
            };
            let erase = stage(doc, conn, project, &ledger, &new_arrivals, author.is_some())?;
            Ok((erase, ledger))
        });
        let (erase, ledger) = match staged {
            Ok(staged) => staged,
            Err(err) => {
                doc.rollback();
                return Err(err);
            }
        };
        if doc.pending_ops() == 0 && erase.is_empty() && new_arrivals.is_empty() {
            return Ok(Vec::new());
        }
        if doc.pending_ops() > 0 {
            let kind = if record.is_some() {
                ChangeKind::ConsentRecorded
            } else {
                ChangeKind::Erased
            };
            documents::commit(doc, &kind, now);
            ledgers.remember(project_doc, doc, ledger);
        }
        if let Err(err) = self.erase_in_transaction(project, &erase, &new_arrivals, now) {
            self.docs.evict(&project_doc);
            self.ledgers.clear();
            return Err(err);
        }
        self.reader_docs.forget(erase.iter().map(|t| t.id));
        for tombstone in &erase {
            self.docs.evict(&tombstone.id);
            match tombstone.kind {
                DocKind::Story => self
                    .changes
                    .erased_stories
                    .push(StoryId::from_bytes(*tombstone.id.as_bytes())),
                DocKind::Participant => self
                    .changes
                    .erased_participants
                    .push(ParticipantId::from_bytes(*tombstone.id.as_bytes())),
                DocKind::Project => {}
            }
        }
        if !erase.is_empty() {
            scrub_log(&self.conn)?;
        }
        Ok(erase)
    }

    /// Runs the erasures every project's ledger calls for and finishes a
    /// scrub of the log left pending: after a crash between a merge and its
    /// erasure, nothing erased stays on disk. Reads only, when there is
    /// nothing to do.
    pub(crate) fn resume_erasures(&mut self) -> Result<()> {
        let erasing: Vec<(String, String)> = {
            let mut stmt = self.conn.prepare(
                "SELECT l.project_id, l.record FROM consent_ledger l
                 JOIN documents d ON d.doc_id = l.project_id AND d.kind = 'project'
                 WHERE l.erase = 1",
            )?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        let mut ledgers: std::collections::BTreeMap<ProjectId, Vec<ConsentRecord>> = Default::default();
        for (project, record) in erasing {
            let record: ConsentRecord =
                serde_json::from_str(&record).map_err(|e| Error::corrupt(format!("consent ledger index: {e}")))?;
            ledgers
                .entry(ProjectId::from_stored(&project)?)
                .or_default()
                .push(record);
        }
        for (project, ledger) in ledgers {
            if !targets(&self.conn, project, &ledger)?.is_empty() {
                self.apply_erasures(project, None, vec![])?;
            }
        }
        finish_scrub(&self.conn)?;
        Ok(())
    }

    fn erase_in_transaction(
        &mut self,
        project: ProjectId,
        erase: &[Tombstone],
        arriving: &[Tombstone],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let project_doc = project_uuid(project);
        let Writer {
            conn,
            docs,
            changes,
            ledgers,
            media,
            ..
        } = self;
        let doc = docs
            .get_mut(&project_doc)
            .ok_or_else(|| Error::Storage("document left the cache".into()))?;
        let mut pending = super::StoreChange::default();
        let tx = conn.transaction()?;
        persistence::save_changes(&tx, project_doc, doc, now.timestamp_millis())?;
        index_document(&tx, DocKind::Project, doc, now, &mut pending, ledgers)?;
        for tombstone in erase.iter().chain(arriving) {
            record_tombstone(&tx, project, tombstone)?;
        }
        let mut media_chunks = Vec::new();
        for tombstone in erase {
            if tombstone.kind == DocKind::Story {
                let story = StoryId::from_bytes(*tombstone.id.as_bytes());
                media_chunks.extend(media_consent::chunks_of_story(&tx, story)?);
                media_consent::erase_story_media(&tx, story)?;
            }
            erase_document(&tx, tombstone)?;
        }
        if !erase.is_empty() {
            // Merge the search index's segments so no page still holds the
            // erased terms; secure_delete then zeroes the freed pages.
            tx.execute("INSERT INTO story_search (story_search) VALUES ('optimize')", [])?;
            tx.execute(
                "INSERT INTO transcript_search (transcript_search) VALUES ('optimize')",
                [],
            )?;
        }
        tx.commit()?;
        changes.absorb(pending);
        // The keys went with the transaction; the chunk files follow (a
        // crash here leaves unreadable files the next open collects).
        media.remove(&media_chunks)?;
        Ok(())
    }
}

/// Adds the missing tombstones to the project document (as pending ops),
/// returning the documents held here that `ledger` (the document's ledger,
/// with any record just appended) says must be erased.
fn stage(
    doc: &mut AutoCommit,
    conn: &Connection,
    project: ProjectId,
    ledger: &[ConsentRecord],
    arriving: &[Tombstone],
    can_write: bool,
) -> Result<Vec<Tombstone>> {
    let erase = targets(conn, project, ledger)?;
    if can_write {
        let known = ledger_doc::tombstone_keys(doc)?;
        for tombstone in erase.iter().chain(arriving) {
            if known.binary_search(&tombstone.id.hyphenated().to_string()).is_err() {
                ledger_doc::add_tombstone(doc, tombstone)?;
            }
        }
    }
    Ok(erase)
}

/// The tombstones table holds only erasures this device checked against
/// its ledger: documents it erased, or refused on arrival.
fn record_tombstone(tx: &Transaction<'_>, project: ProjectId, tombstone: &Tombstone) -> Result<()> {
    tx.execute(
        "INSERT OR IGNORE INTO tombstones (doc_id, project_id, kind, erased_at, withdrawal) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            tombstone.id.hyphenated().to_string(),
            project.to_string(),
            tombstone.kind.as_str(),
            tombstone.erased_at.timestamp_millis(),
            tombstone.withdrawal.to_string()
        ],
    )?;
    Ok(())
}

/// Deletes a document, its chunks and every index row derived from it.
fn erase_document(tx: &Transaction<'_>, tombstone: &Tombstone) -> Result<()> {
    match tombstone.kind {
        DocKind::Story => index::remove_story(tx, StoryId::from_bytes(*tombstone.id.as_bytes()))?,
        DocKind::Participant => index::remove_participant(tx, ParticipantId::from_bytes(*tombstone.id.as_bytes()))?,
        // `targets` never names one; refuse rather than guess.
        DocKind::Project => return Err(Error::corrupt("a project cannot be erased by a withdrawal")),
    }
    let key = tombstone.id.hyphenated().to_string();
    tx.execute("DELETE FROM documents WHERE doc_id = ?1", [&key])?;
    tx.execute("DELETE FROM sync_states WHERE doc_id = ?1", [&key])?;
    Ok(())
}

/// Copies the log into the database and truncates it, so the log no longer
/// holds pages written before the erasure. Waits at most
/// [`SCRUB_PATIENCE`] for readers of an older snapshot; if they are still
/// there, marks the scrub pending for the next write or open.
pub(crate) fn scrub_log(conn: &Connection) -> Result<()> {
    if checkpoint(conn, SCRUB_PATIENCE)? {
        conn.execute("DELETE FROM meta WHERE key = ?1", [SCRUB_PENDING])?;
    } else {
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, '1')",
            [SCRUB_PENDING],
        )?;
    }
    Ok(())
}

/// Finishes a scrub an earlier erasure left pending, if readers allow it
/// now. Returns whether a scrub is still owed. Reads only when none is.
pub(crate) fn finish_scrub(conn: &Connection) -> Result<bool> {
    let owed: Option<String> = conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([SCRUB_PENDING], |r| r.get(0))
        .optional()?;
    if owed.is_none() {
        return Ok(false);
    }
    if !checkpoint(conn, Duration::ZERO)? {
        return Ok(true);
    }
    conn.execute("DELETE FROM meta WHERE key = ?1", [SCRUB_PENDING])?;
    // The delete went to the log; leave it empty again.
    checkpoint(conn, Duration::ZERO)?;
    Ok(false)
}

/// A truncating checkpoint, retried for at most `patience` without SQLite's
/// own busy wait (which would wait the full busy timeout per attempt).
/// Returns whether it completed.
fn checkpoint(conn: &Connection, patience: Duration) -> Result<bool> {
    let started = Instant::now();
    conn.busy_timeout(Duration::ZERO)?;
    let result = loop {
        match conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get::<_, i64>(0)) {
            Ok(0) => break Ok(true),
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) => {}
            Err(err) => break Err(err),
        }
        if started.elapsed() >= patience {
            break Ok(false);
        }
        sleep(Duration::from_millis(10));
    };
    conn.busy_timeout(super::open::BUSY_TIMEOUT)?;
    Ok(result?)
}
