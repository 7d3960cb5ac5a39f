//! Erasure that is real on disk.
//!
//! A withdrawal that asks for erasure removes the stories it covers (and,
//! for all of a storyteller's stories, their participant record): the
//! documents with their whole history and their index and search rows
//! (media files join this list when media lands). A tombstone (ids and time, no content) goes into the project
//! document so every device that syncs erases too and never takes the
//! documents back. Then the write-ahead log is checkpointed and truncated:
//! with `secure_delete` and FTS5 `secure-delete` on, no byte of the erased
//! text is left in the database, its WAL or its journal.
//!
//! [`Writer::apply_erasures`] is idempotent: it runs after a local
//! withdrawal, after every merge of a project, and when a document arrives.

use std::collections::BTreeSet;
use std::thread::sleep;
use std::time::Duration;

use automerge::AutoCommit;
use automerge::transaction::Transactable;
use rusqlite::{Connection, Transaction};
use uuid::Uuid;

use super::{Writer, index, index_document, now, persistence, project_uuid};
use crate::consent::{ConsentRecord, ConsentWithdrawal};
use crate::documents::ledger_doc::{self, Tombstone};
use crate::documents::{self, DocKind};
use crate::error::{Error, Result};
use crate::ids::{ConsentRecordId, ParticipantId, ProjectId, StoryId};
use crate::model::ChangeKind;

/// The documents the ledger says must be erased, with the withdrawal that
/// asked: tombstoned ids, stories named by erasing withdrawals, and — for a
/// withdrawal of all stories — every local story the storyteller is in,
/// and their participant record.
fn targets(conn: &Connection, ledger: &[ConsentRecord], tombstones: &[Tombstone]) -> Result<Vec<Tombstone>> {
    let now = now();
    let mut found: Vec<Tombstone> = tombstones.to_vec();
    let mut seen: BTreeSet<Uuid> = tombstones.iter().map(|t| t.id).collect();
    let mut add = |id: Uuid, kind: DocKind, withdrawal: ConsentRecordId, found: &mut Vec<Tombstone>| {
        if seen.insert(id) {
            found.push(Tombstone {
                id,
                kind,
                erased_at: now,
                withdrawal,
            });
        }
    };
    for record in ledger {
        let ConsentRecord::Withdrawal(w) = record else { continue };
        if !w.erase {
            continue;
        }
        match w.story {
            Some(story) => add(Uuid::from_bytes(*story.as_bytes()), DocKind::Story, w.id, &mut found),
            None => {
                for story in stories_of(conn, w.storyteller)? {
                    add(Uuid::from_bytes(*story.as_bytes()), DocKind::Story, w.id, &mut found);
                }
                add(
                    Uuid::from_bytes(*w.storyteller.as_bytes()),
                    DocKind::Participant,
                    w.id,
                    &mut found,
                );
            }
        }
    }
    Ok(found)
}

fn stories_of(conn: &Connection, storyteller: ParticipantId) -> Result<Vec<StoryId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.story_id FROM story_storytellers p JOIN stories s ON s.story_key = p.story_key
         WHERE p.participant_id = ?1",
    )?;
    let ids = stmt.query_map([storyteller.to_string()], |row| row.get::<_, String>(0))?;
    ids.map(|id| StoryId::from_stored(&id?)).collect()
}

/// Whether an arriving story must be refused because an erasure covers it:
/// its id is tombstoned, or one of its storytellers withdrew all their
/// stories with erasure.
pub(crate) fn covers_story(
    ledger: &[ConsentRecord],
    story: StoryId,
    storytellers: &[ParticipantId],
) -> Option<ConsentRecordId> {
    ledger.iter().find_map(|record| match record {
        ConsentRecord::Withdrawal(ConsentWithdrawal {
            erase: true,
            story: None,
            storyteller,
            id,
            ..
        }) if storytellers.contains(storyteller) => Some(*id),
        ConsentRecord::Withdrawal(ConsentWithdrawal {
            erase: true,
            story: Some(s),
            id,
            ..
        }) if *s == story => Some(*id),
        _ => None,
    })
}

pub(crate) fn is_tombstoned(conn: &Connection, id: Uuid) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM tombstones WHERE doc_id = ?1",
            [id.hyphenated().to_string()],
            |_| Ok(()),
        )
        .map(|_| true)
        .or_else(|err| match err {
            rusqlite::Error::QueryReturnedNoRows => Ok(false),
            other => Err(other),
        })?)
}

impl Writer {
    /// Appends `record` (if any) to the project's ledger, then erases every
    /// local document the ledger says must go and records a tombstone for
    /// each, all in one transaction. Returns the ids it erased.
    pub(crate) fn apply_erasures(
        &mut self,
        project: ProjectId,
        record: Option<ConsentRecord>,
        arriving: Vec<Tombstone>,
    ) -> Result<Vec<Tombstone>> {
        let project_doc = project_uuid(project);
        self.locate(project_doc, DocKind::Project)?;
        let author = self.author(project).ok();
        if record.is_some() && author.is_none() {
            return Err(Error::invalid(
                "project_id",
                format!("this device has not joined project {project}"),
            ));
        }
        let now = now();
        self.document(project_doc, author)?;
        let Writer { conn, docs, .. } = &mut *self;
        let doc = docs
            .get_mut(&project_doc)
            .ok_or_else(|| Error::Storage("document left the cache".into()))?;
        let erased = match stage(doc, conn, record.as_ref(), arriving, author.is_some()) {
            Ok(erased) => erased,
            Err(err) => {
                doc.rollback();
                return Err(err);
            }
        };
        if doc.pending_ops() > 0 {
            let kind = if record.is_some() {
                ChangeKind::ConsentRecorded
            } else {
                ChangeKind::Erased
            };
            documents::commit(doc, &kind, now);
        }

        let local: Vec<Tombstone> = erased
            .into_iter()
            .filter(|t| persistence::doc_row(&self.conn, t.id).ok().flatten().is_some())
            .collect();
        if let Err(err) = self.erase_in_transaction(project_doc, &local, now) {
            self.docs.evict(&project_doc);
            return Err(err);
        }
        for tombstone in &local {
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
        if !local.is_empty() {
            scrub_log(&self.conn)?;
        }
        Ok(local)
    }

    /// Runs the erasures every project's ledger calls for: after a crash
    /// between a merge and its erasure, nothing erased stays on disk.
    pub(crate) fn resume_erasures(&mut self) -> Result<()> {
        let projects: Vec<String> = {
            let mut stmt = self.conn.prepare(
                "SELECT DISTINCT project_id FROM tombstones
                UNION SELECT project_id FROM consent_ledger WHERE record LIKE '%\"erase\":true%'",
            )?;
            stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
        };
        for project in projects {
            let project = ProjectId::from_stored(&project)?;
            if persistence::doc_row(&self.conn, project_uuid(project))?.is_some() {
                self.apply_erasures(project, None, vec![])?;
            }
        }
        Ok(())
    }

    fn erase_in_transaction(
        &mut self,
        project_doc: Uuid,
        erase: &[Tombstone],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let Writer {
            conn, docs, changes, ..
        } = self;
        let doc = docs
            .get_mut(&project_doc)
            .ok_or_else(|| Error::Storage("document left the cache".into()))?;
        let mut pending = super::StoreChange::default();
        let tx = conn.transaction()?;
        persistence::save_changes(&tx, project_doc, doc, now.timestamp_millis())?;
        index_document(&tx, DocKind::Project, doc, now, &mut pending)?;
        for tombstone in erase {
            erase_document(&tx, tombstone)?;
        }
        if !erase.is_empty() {
            // Merge the search index's segments so no page still holds the
            // erased terms; secure_delete then zeroes the freed pages.
            tx.execute("INSERT INTO story_search (story_search) VALUES ('optimize')", [])?;
        }
        tx.commit()?;
        changes.absorb(pending);
        Ok(())
    }
}

/// Adds the record and the missing tombstones to the project document (as
/// pending ops), returning every document that must be erased.
fn stage(
    doc: &mut AutoCommit,
    conn: &Connection,
    record: Option<&ConsentRecord>,
    arriving: Vec<Tombstone>,
    can_write: bool,
) -> Result<Vec<Tombstone>> {
    if let Some(record) = record {
        ledger_doc::append(doc, record)?;
    }
    let ledger = ledger_doc::read(doc)?;
    let known = ledger_doc::tombstones(doc)?;
    let mut all = targets(conn, &ledger, &known)?;
    for arriving in arriving {
        if !all.iter().any(|t| t.id == arriving.id) {
            all.push(arriving);
        }
    }

    if can_write {
        for tombstone in all.iter().filter(|t| !known.iter().any(|k| k.id == t.id)) {
            ledger_doc::add_tombstone(doc, tombstone)?;
        }
    }
    Ok(all)
}

/// Deletes a document, its chunks and every index row derived from it.
fn erase_document(tx: &Transaction<'_>, tombstone: &Tombstone) -> Result<()> {
    match tombstone.kind {
        DocKind::Story => index::remove_story(tx, StoryId::from_bytes(*tombstone.id.as_bytes()))?,
        DocKind::Participant => index::remove_participant(tx, ParticipantId::from_bytes(*tombstone.id.as_bytes()))?,
        DocKind::Project => return Err(Error::corrupt("a project cannot be erased by a withdrawal")),
    }
    let key = tombstone.id.hyphenated().to_string();
    tx.execute("DELETE FROM documents WHERE doc_id = ?1", [&key])?;
    tx.execute("DELETE FROM sync_states WHERE doc_id = ?1", [&key])?;
    Ok(())
}

/// Copies the log into the database and truncates it, so the log no longer
/// holds pages written before the erasure. Readers holding an old snapshot
/// block this briefly; they finish in milliseconds.
pub(crate) fn scrub_log(conn: &Connection) -> Result<()> {
    for _ in 0..100 {
        let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))?;
        if busy == 0 {
            return Ok(());
        }
        sleep(Duration::from_millis(20));
    }
    Err(Error::Storage(
        "the erasure is saved, but the write-ahead log could not be truncated while readers hold it; it will be on close".into(),
    ))
}
