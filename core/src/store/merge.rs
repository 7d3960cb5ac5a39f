//! Merging what comes from other devices, whole documents or Automerge sync
//! messages, in batches that are all or nothing.
//!
//! Everything is merged into the cached copies first and each result is
//! read back as the record it claims to be; only when the whole batch is
//! valid is it written, with its index, in one transaction. A malformed or
//! schema-violating document anywhere in a batch leaves the store exactly
//! as it was. Erased documents are never taken back: they are skipped and
//! their tombstones recorded.

use std::collections::BTreeMap;

use automerge::AutoCommit;
use automerge::sync::{Message, State, SyncDoc};
use chrono::{DateTime, Utc};
use rusqlite::Transaction;
use uuid::Uuid;

use super::{ChangeOrigin, Writer, erasure, index_document, now, persistence, project_uuid};
use crate::documents::ledger_doc::{self, Tombstone};
use crate::documents::{self, DocKind, Header, participant_doc, project_doc, story_doc};
use crate::error::{Error, Result};
use crate::ids::ProjectId;

/// A document merged in memory, waiting to be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Staged {
    pub id: Uuid,
    pub kind: DocKind,
    pub project: ProjectId,
    /// New to this store (inserted, not appended to).
    pub new: bool,
}

/// What a batch of arrivals did, in memory so far.
#[derive(Default)]
pub(crate) struct Batch {
    pub staged: Vec<Staged>,
    /// Documents refused because they are erased, with their tombstones.
    pub erased: Vec<(ProjectId, Tombstone)>,
    /// Every document the batch has touched, held here (not in the bounded
    /// cache, which could drop one halfway) until the batch is written.
    docs: BTreeMap<Uuid, AutoCommit>,
}

impl Batch {
    fn staged_new(&self, id: Uuid) -> bool {
        self.staged.iter().any(|s| s.id == id && s.new)
    }

    fn add(&mut self, staged: Staged) {
        if !self.staged.iter().any(|s| s.id == staged.id) {
            self.staged.push(staged);
        }
    }
}

/// Checks that a document reads as the record its header claims to be.
pub(crate) fn validate(doc: &AutoCommit, kind: DocKind) -> Result<()> {
    match kind {
        DocKind::Story => story_doc::read(doc).map(drop),
        DocKind::Participant => participant_doc::read(doc).map(drop),
        DocKind::Project => project_doc::read(doc).map(drop),
    }
    .map_err(|err| Error::corrupt(format!("the {kind} document is invalid: {err}")))
}

/// What the caller knows a document must be.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Expected {
    pub id: Uuid,
    pub kind: DocKind,
    pub project: ProjectId,
}

fn check_expected(header: &Header, expected: Option<Expected>) -> Result<()> {
    if let Some(e) = expected
        && (header.id != e.id || header.kind != e.kind || header.project_id != e.project)
    {
        return Err(Error::corrupt(
            "the document is not the one it was sent as (id, kind or project differ)",
        ));
    }
    if header.kind == DocKind::Project && header.id != project_uuid(header.project_id) {
        return Err(Error::corrupt("a project document must carry its project's id"));
    }
    Ok(())
}

impl Writer {
    /// Merges a whole document (or a document made of changes) into the
    /// cache and checks the result. Nothing is written yet.
    pub(crate) fn stage_document(
        &mut self,
        mut incoming: AutoCommit,
        expected: Option<Expected>,
        batch: &mut Batch,
    ) -> Result<bool> {
        let header = documents::read_header(&incoming)?;
        check_expected(&header, expected)?;
        let id = header.id;
        if erasure::is_tombstoned(&self.conn, id)? {
            return Ok(false);
        }
        validate(&incoming, header.kind)?;
        if let Some(tombstone) = self.erased_on_arrival(&incoming, &header, batch)? {
            batch.erased.push((header.project_id, tombstone));
            return Ok(false);
        }
        let exists = persistence::doc_row(&self.conn, id)?;
        if let Some(row) = exists
            && (row.kind != header.kind || row.project_id != header.project_id)
        {
            return Err(Error::corrupt(
                "the document claims another kind or project than the copy here",
            ));
        }
        if exists.is_some() || batch.staged_new(id) {
            let author = self.author(header.project_id).ok();
            let doc = self.batch_document(batch, id, author)?;
            let before = doc.get_heads();
            if let Err(err) = doc
                .merge(&mut incoming)
                .map_err(Error::from)
                .and_then(|_| validate(doc, header.kind))
            {
                batch.docs.remove(&id);
                return Err(err);
            }
            if doc.get_heads() == before {
                return Ok(false);
            }
            batch.add(Staged {
                id,
                kind: header.kind,
                project: header.project_id,
                new: exists.is_none(),
            });
            return Ok(true);
        }
        if header.kind != DocKind::Project && !batch.staged_new(project_uuid(header.project_id)) {
            self.locate(project_uuid(header.project_id), DocKind::Project)?;
        }
        if let Ok(author) = self.author(header.project_id) {
            incoming.set_actor(author.actor_id());
        }
        batch.docs.insert(id, incoming);
        batch.add(Staged {
            id,
            kind: header.kind,
            project: header.project_id,
            new: true,
        });
        Ok(true)
    }

    /// Applies an Automerge sync message to a document this store holds,
    /// checks the result, and stages it. Returns whether it changed.
    pub(crate) fn stage_sync_message(
        &mut self,
        expected: Expected,
        state: &mut State,
        message: Message,
        batch: &mut Batch,
    ) -> Result<bool> {
        let id = expected.id;
        if erasure::is_tombstoned(&self.conn, id)? {
            return Ok(false);
        }
        let author = self.author(expected.project).ok();
        let doc = self.batch_document(batch, id, author)?;
        let before = doc.get_heads();
        let applied = doc
            .sync()
            .receive_sync_message(state, message)
            .map_err(|e| Error::corrupt(format!("the sync message does not apply: {e}")));
        let result = applied.and_then(|_| {
            if doc.get_heads() == before {
                return Ok(false);
            }
            let header = documents::read_header(doc)?;
            check_expected(&header, Some(expected))?;
            validate(doc, expected.kind)?;
            Ok(true)
        });

        let changed = match result {
            Ok(changed) => changed,
            Err(err) => {
                batch.docs.remove(&id);
                return Err(err);
            }
        };
        if !changed {
            return Ok(false);
        }
        if expected.kind == DocKind::Story {
            let snapshot = batch
                .docs
                .get(&id)
                .cloned()
                .ok_or_else(|| Error::Storage("document left the batch".into()))?;
            let header = documents::read_header(&snapshot)?;
            if let Some(tombstone) = self.erased_on_arrival(&snapshot, &header, batch)? {
                batch.docs.remove(&id);
                batch.erased.push((expected.project, tombstone));
                return Ok(false);
            }
        }
        let new = batch.staged_new(id);
        batch.add(Staged {
            id,
            kind: expected.kind,
            project: expected.project,
            new,
        });
        Ok(true)
    }

    /// The document, held by the batch: taken from the cache or loaded
    /// from disk the first time the batch touches it.
    pub(crate) fn batch_document<'b>(
        &mut self,
        batch: &'b mut Batch,
        id: Uuid,
        author: Option<documents::Author>,
    ) -> Result<&'b mut AutoCommit> {
        if let std::collections::btree_map::Entry::Vacant(slot) = batch.docs.entry(id) {
            let doc = match self.docs.take(&id) {
                Some(doc) => doc,
                None => {
                    let mut doc = persistence::load(&self.conn, id)?
                        .ok_or_else(|| Error::not_found(crate::error::RecordKind::Document, id.hyphenated()))?;
                    if let Some(author) = author {
                        doc.set_actor(author.actor_id());
                    }
                    doc
                }
            };
            slot.insert(doc);
        }
        Ok(batch.docs.get_mut(&id).expect("inserted above"))
    }

    /// Whether an arriving story is covered by an erasure in its project's
    /// ledger (here or staged in this batch).
    fn erased_on_arrival(&mut self, doc: &AutoCommit, header: &Header, batch: &mut Batch) -> Result<Option<Tombstone>> {
        if header.kind != DocKind::Story {
            return Ok(None);
        }
        let project_doc = project_uuid(header.project_id);
        if persistence::doc_row(&self.conn, project_doc)?.is_none() && !batch.staged_new(project_doc) {
            return Ok(None);
        }
        let author = self.author(header.project_id).ok();
        let ledger = ledger_doc::read(self.batch_document(batch, project_doc, author)?)?;
        let story = story_doc::read(doc)?;
        Ok(
            erasure::covers_story(&ledger, story.id, &story.storytellers).map(|withdrawal| Tombstone {
                id: header.id,
                kind: DocKind::Story,
                erased_at: now(),
                withdrawal,
            }),
        )
    }

    /// Writes every staged document and its index, and whatever `also`
    /// writes, in one transaction; on failure nothing is written and the
    /// staged documents are dropped from the cache.
    pub(crate) fn commit_batch(
        &mut self,
        batch: &mut Batch,
        also: impl FnOnce(&Transaction<'_>) -> Result<()>,
    ) -> Result<()> {
        let now = now();
        let result = self.write_batch(batch, now, also);
        if result.is_err() {
            self.abort_batch(batch);
            return result;
        }
        // Written: the documents go back to the cache, as on disk.
        for (id, doc) in std::mem::take(&mut batch.docs) {
            self.docs.insert(id, doc);
        }
        result
    }

    fn write_batch(
        &mut self,
        batch: &mut Batch,
        now: DateTime<Utc>,
        also: impl FnOnce(&Transaction<'_>) -> Result<()>,
    ) -> Result<()> {
        let Writer { conn, changes, .. } = self;
        let docs = &mut batch.docs;
        changes.origin = ChangeOrigin::Merge;
        let tx = conn.transaction()?;
        // Projects first: their ledgers and tombstones index before stories.
        let mut ordered: Vec<&Staged> = batch.staged.iter().collect();
        ordered.sort_by_key(|s| kind_order(s.kind));
        for staged in ordered {
            let doc = docs
                .get_mut(&staged.id)
                .ok_or_else(|| Error::Storage("document left the batch".into()))?;
            if staged.new {
                persistence::insert(&tx, staged.id, staged.kind, staged.project, doc, now.timestamp_millis())?;
            } else {
                persistence::save_changes(&tx, staged.id, doc, now.timestamp_millis())?;
            }
            index_document(&tx, staged.kind, doc, now, changes)?;
        }
        also(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// Drops every document the batch touched, so the next read comes from
    /// disk, which the batch never changed.
    pub(crate) fn abort_batch(&mut self, batch: &mut Batch) {
        batch.docs.clear();
        batch.staged.clear();
    }

    /// After a batch is written: runs the erasures its projects' ledgers
    /// call for, records tombstones for refused documents, and completes a
    /// pending join when the project itself has arrived.
    pub(crate) fn settle(&mut self, batch: &Batch) -> Result<()> {
        let mut projects: Vec<ProjectId> = batch
            .staged
            .iter()
            .filter(|s| s.kind == DocKind::Project)
            .map(|s| s.project)
            .collect();
        projects.extend(batch.erased.iter().map(|(p, _)| *p));
        projects.sort();
        projects.dedup();
        for project in projects {
            if persistence::doc_row(&self.conn, project_uuid(project))?.is_none() {
                continue;
            }
            self.complete_pending_join(project)?;
            let arriving = batch
                .erased
                .iter()
                .filter(|(p, _)| *p == project)
                .map(|(_, t)| *t)
                .collect();
            self.apply_erasures(project, None, arriving)?;
        }
        Ok(())
    }
}

/// The order documents are applied in: erasures travel first.
pub(crate) fn kind_order(kind: DocKind) -> u8 {
    match kind {
        DocKind::Project => 0,
        DocKind::Participant => 1,
        DocKind::Story => 2,
    }
}
