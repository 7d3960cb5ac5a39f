//! Merging what comes from other devices — whole documents, Automerge sync
//! messages, or changes from a bundle — in batches that are all or nothing.
//!
//! Every document a batch touches is held by the batch (not the bounded
//! cache) and merged there; each result is read back as the record it
//! claims to be, and a project's consent ledger and tombstones may only
//! grow, never change or shrink. Only when the whole batch is valid is it
//! written, with its index, in one transaction. A malformed or
//! schema-violating document anywhere in a batch leaves the store exactly
//! as it was. Erased documents are never taken back: they are skipped and
//! their tombstones recorded.

use std::collections::BTreeMap;

use automerge::AutoCommit;
use automerge::sync::{Message, State, SyncDoc};
use chrono::{DateTime, Utc};
use rusqlite::Transaction;
use uuid::Uuid;

use super::{StoreChange, Writer, erasure, index_document, now, persistence, project_uuid};
use crate::documents::ledger_doc::{self, Tombstone};
use crate::documents::{self, DocKind, Header, participant_doc, project_doc, story_doc};
use crate::error::{Error, Result};
use crate::ids::ProjectId;
use crate::keys::ChangeSignature;
use crate::sync;

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
    /// Documents left out because the copy stored here does not load.
    pub unreadable: Vec<Uuid>,
    /// Documents from which changes reusing another change's (actor, seq)
    /// were dropped (see `sync::actors`).
    pub forged: Vec<Uuid>,
    /// Stories from a peer left out because their storytellers do not
    /// allow sharing them within the group (see `arrivals`).
    pub withheld: Vec<Uuid>,
    /// Signatures of other devices' changes the batch takes, to be kept and
    /// passed on with them (see `device_keys`).
    pub signatures: Vec<(Uuid, [u8; 32], Vec<u8>)>,
    /// Every document the batch has touched, held here (not in the bounded
    /// cache, which could drop one halfway) until the batch is written.
    docs: BTreeMap<Uuid, AutoCommit>,
}

impl Batch {
    fn staged_new(&self, id: Uuid) -> bool {
        self.staged.iter().any(|s| s.id == id && s.new)
    }

    fn holds(&self, id: Uuid) -> bool {
        self.docs.contains_key(&id)
    }

    /// The batch's copy of a document, if it holds one.
    pub(crate) fn document(&self, id: Uuid) -> Option<&AutoCommit> {
        self.docs.get(&id)
    }

    pub(crate) fn document_mut(&mut self, id: Uuid) -> Option<&mut AutoCommit> {
        self.docs.get_mut(&id)
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
        // The local limits on text apply to arrivals too.
        DocKind::Story => story_doc::read(doc).and_then(|story| {
            crate::text::long_text("transcript", &story.transcript)?;
            crate::text::long_text("summary", &story.summary)
        }),
        DocKind::Participant => participant_doc::read(doc).map(drop),
        DocKind::Project => project_doc::read(doc).map(drop),
    }
    .map_err(|err| Error::corrupt(format!("the {kind} document is invalid: {}", err.reason())))
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

/// A project's ledger and tombstones before a merge: afterwards every record
/// and tombstone must still be there, unchanged. Merging only ever adds
/// them; a peer whose document would remove or alter one is refused.
struct LedgerGuard {
    records: super::ledger_cache::Ledger,
    tombstones: Vec<String>,
}

impl LedgerGuard {
    fn capture(
        ledgers: &mut super::ledger_cache::LedgerCache,
        id: Uuid,
        doc: &mut AutoCommit,
        kind: DocKind,
    ) -> Result<Option<Self>> {
        if kind != DocKind::Project {
            return Ok(None);
        }
        Ok(Some(Self {
            records: ledgers.ledger(id, doc)?,
            tombstones: ledger_doc::tombstone_keys(doc)?,
        }))
    }

    /// Reads the merged ledger whole (an altered record must be seen) and
    /// leaves it in the cache for the rest of the batch.
    fn check(&self, ledgers: &mut super::ledger_cache::LedgerCache, id: Uuid, doc: &mut AutoCommit) -> Result<()> {
        let records = ledgers.ledger(id, doc)?;
        if !self.records.iter().all(|old| records.contains(old)) {
            return Err(Error::corrupt(
                "the merge would remove or alter consent records; the ledger is append-only",
            ));
        }
        // Keys only: what a tombstone says is judged against the ledger
        // when it is used, so a forged one can neither block nor erase.
        let tombstones = ledger_doc::tombstone_keys(doc)?;
        if !self.tombstones.iter().all(|old| tombstones.binary_search(old).is_ok()) {
            return Err(Error::corrupt("the merge would remove erasure tombstones"));
        }
        Ok(())
    }
}

impl Writer {
    /// Merges a whole document into what this store holds (or takes it as
    /// new) and checks the result. Nothing is written yet.
    pub(crate) fn stage_document(
        &mut self,
        mut incoming: AutoCommit,
        expected: Option<Expected>,
        signatures: Option<&[ChangeSignature]>,
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
        // From a peer (sessions and bundles say what they send): a new
        // story comes in only if its storytellers allow sharing it.
        if expected.is_some()
            && header.kind == DocKind::Story
            && exists.is_none()
            && !batch.holds(id)
            && !self.shared_in_project(&incoming, &header, batch)?
        {
            batch.withheld.push(id);
            return Ok(false);
        }
        let expected = Expected {
            id,
            kind: header.kind,
            project: header.project_id,
        };
        // From a peer, only changes signed by the devices that wrote them
        // are taken (issue 15, finding 5); a new document with any other
        // change is left out whole.
        let mut authenticated = None;
        if let Some(signatures) = signatures {
            let checked = self.authenticate(expected, incoming.get_changes(&[]), signatures, batch)?;
            if checked.dropped > 0 {
                if exists.is_none() && !batch.holds(id) {
                    // Its author's enrolment may still be on its way in
                    // the project's sync: asked for again, like a story
                    // withheld for consent. Otherwise it is a forgery.
                    if checked.author_unknown {
                        batch.withheld.push(id);
                    } else {
                        batch.forged.push(id);
                    }
                    return Ok(false);
                }
                batch.forged.push(id);
                authenticated = Some(checked.kept);
            }
        }
        if let Some(kept) = authenticated {
            return self.merge_into(expected, batch, |doc| {
                sync::apply_without_forgeries(doc, kept).map(drop)
            });
        }
        if exists.is_some() || batch.holds(id) {
            let mut forged = 0;
            let merged = self.merge_into(expected, batch, |doc| match doc.merge(&mut incoming) {
                Err(e) if sync::is_duplicate_seq(&e) => {
                    forged = sync::apply_without_forgeries(doc, incoming.get_changes(&[]))?;
                    Ok(())
                }
                other => other.map(drop).map_err(Error::from),
            });
            if forged > 0 {
                batch.forged.push(id);
            }
            return merged;
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

    /// Applies an Automerge sync message to a document this store holds.
    pub(crate) fn stage_sync_message(
        &mut self,
        expected: Expected,
        state: &mut State,
        mut message: Message,
        signatures: &[ChangeSignature],
        waiting: &mut sync::Waiting,
        batch: &mut Batch,
    ) -> Result<bool> {
        // Changes that waited for a dependency are judged again with these.
        let retried = !waiting.changes.is_empty();
        let mut changes = std::mem::take(&mut waiting.changes);
        for chunk in message.changes.iter() {
            changes.extend(sync::changes_in(chunk)?);
        }
        let mut all_signatures = std::mem::take(&mut waiting.signatures);
        all_signatures.extend_from_slice(signatures);
        let checked = self.authenticate(expected, changes, &all_signatures, batch)?;
        if checked.dropped > 0 {
            batch.forged.push(expected.id);
        }
        if checked.dropped > 0 || retried || !checked.waiting.is_empty() {
            message.changes = checked
                .kept
                .iter()
                .map(|c| c.raw_bytes().to_vec())
                .collect::<Vec<_>>()
                .into();
        }
        waiting.hold(checked.waiting, &all_signatures);
        let mut forged = 0;
        let merged = self.merge_into(expected, batch, |doc| {
            let retry = message.clone();
            let first = doc.sync().receive_sync_message(state, message);
            let result = match first {
                Err(e) if sync::is_duplicate_seq(&e) => {
                    let mut changes = Vec::new();
                    for chunk in retry.changes.iter() {
                        changes.extend(sync::changes_in(chunk)?);
                    }
                    let (kept, dropped) = sync::without_forgeries(doc, changes);
                    forged = dropped;
                    let retry = Message {
                        changes: kept.iter().map(|c| c.raw_bytes().to_vec()).collect::<Vec<_>>().into(),
                        ..retry
                    };
                    doc.sync().receive_sync_message(state, retry)
                }
                other => other,
            };
            result.map_err(|e| Error::corrupt(format!("the sync message does not apply: {e}")))
        });
        if forged > 0 {
            batch.forged.push(expected.id);
        }
        merged
    }

    /// Applies changes from a bundle to a document this store holds; a
    /// document held nowhere here (the bundle was made for another device)
    /// is skipped: `None`.
    pub(crate) fn stage_changes(
        &mut self,
        expected: Expected,
        bytes: &[u8],
        signatures: &[ChangeSignature],
        batch: &mut Batch,
    ) -> Result<Option<bool>> {
        match persistence::doc_row(&self.conn, expected.id)? {
            Some(row) if row.kind == expected.kind && row.project_id == expected.project => {}
            Some(_) => {
                return Err(Error::corrupt(
                    "the changes are for a document of another kind or project",
                ));
            }
            None if batch.holds(expected.id) => {}
            None => return Ok(None),
        }
        let checked = self.authenticate(expected, sync::changes_in(bytes)?, signatures, batch)?;
        let authenticated: Vec<u8>;
        let bytes = if checked.dropped > 0 {
            batch.forged.push(expected.id);
            authenticated = checked.kept.iter().flat_map(|c| c.raw_bytes().to_vec()).collect();
            authenticated.as_slice()
        } else {
            bytes
        };
        let mut forged = 0;
        let merged = self.merge_into(expected, batch, |doc| match doc.load_incremental(bytes) {
            Err(e) if sync::is_duplicate_seq(&e) => {
                forged = sync::apply_without_forgeries(doc, sync::changes_in(bytes)?)?;
                Ok(())
            }
            other => other
                .map(drop)
                .map_err(|e| Error::corrupt(format!("the changes do not load: {e}"))),
        });
        if forged > 0 {
            batch.forged.push(expected.id);
        }
        merged.map(Some)
    }

    /// The common second half of every merge: apply `change` to the
    /// document the batch holds, then check the result is still the same
    /// record, still valid, keeps every consent record and tombstone, and is
    /// not a story an erasure covers. Any failure drops the batch's copy.
    fn merge_into(
        &mut self,
        expected: Expected,
        batch: &mut Batch,
        change: impl FnOnce(&mut AutoCommit) -> Result<()>,
    ) -> Result<bool> {
        let id = expected.id;
        if erasure::is_tombstoned(&self.conn, id)? {
            return Ok(false);
        }
        if !batch.holds(id) && !self.readable(id)? {
            if !batch.unreadable.contains(&id) {
                batch.unreadable.push(id);
            }
            return Ok(false);
        }
        let author = self.author(expected.project).ok();
        let doc = self.batch_document(batch, id, author)?;
        let before = doc.get_heads();
        let ledgers = &mut self.ledgers;
        let checked = LedgerGuard::capture(ledgers, id, doc, expected.kind).and_then(|guard| {
            change(doc)?;
            if doc.get_heads() == before {
                return Ok(false);
            }
            check_expected(&documents::read_header(doc)?, Some(expected))?;
            validate(doc, expected.kind)?;
            if let Some(guard) = guard {
                guard.check(ledgers, id, doc)?;
            }
            Ok(true)
        });
        match checked {
            Ok(false) => return Ok(false),
            Ok(true) => {}
            Err(err) => {
                batch.docs.remove(&id);
                return Err(err);
            }
        }
        if expected.kind == DocKind::Story {
            let doc = batch
                .docs
                .remove(&id)
                .ok_or_else(|| Error::Storage("document left the batch".into()))?;
            let header = documents::read_header(&doc)?;
            let erased = self.erased_on_arrival(&doc, &header, batch);
            match erased {
                Ok(None) => {
                    batch.docs.insert(id, doc);
                }
                Ok(Some(tombstone)) => {
                    batch.erased.push((expected.project, tombstone));
                    return Ok(false);
                }
                Err(err) => return Err(err),
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
                None => persistence::load(&self.conn, id)?
                    .ok_or_else(|| Error::not_found(crate::error::RecordKind::Document, id.hyphenated()))?,
            };
            slot.insert(doc);
        }
        let doc = batch.docs.get_mut(&id).expect("inserted above");
        if let Some(author) = author {
            let actor = author.actor_id();
            if *doc.get_actor() != actor {
                doc.set_actor(actor);
            }
        }
        Ok(doc)
    }

    /// Whether an arriving story must be refused: its project's ledger (as
    /// held here or staged in this batch) has a withdrawal that erases it
    /// or all of one of its storytellers' stories. A tombstone alone does
    /// not count: any member could forge one.
    fn erased_on_arrival(&mut self, doc: &AutoCommit, header: &Header, batch: &mut Batch) -> Result<Option<Tombstone>> {
        if header.kind != DocKind::Story {
            return Ok(None);
        }
        let project_doc = project_uuid(header.project_id);
        if persistence::doc_row(&self.conn, project_doc)?.is_none() && !batch.holds(project_doc) {
            return Ok(None);
        }
        let author = self.author(header.project_id).ok();
        let project = self.batch_document(batch, project_doc, author)?;
        let ledger = self.ledgers.ledger(project_doc, project)?;
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
    /// batch's documents are dropped.
    pub(crate) fn commit_batch(
        &mut self,
        batch: &mut Batch,
        also: impl FnOnce(&Transaction<'_>) -> Result<()>,
    ) -> Result<()> {
        let now = now();
        let mut pending = StoreChange::default();
        let result = self
            .check_ledger_arrivals(batch)
            .and_then(|()| self.write_batch(batch, now, &mut pending, also));
        if result.is_err() {
            self.abort_batch(batch);
            return result;
        }
        self.changes.absorb(pending);
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
        pending: &mut StoreChange,
        also: impl FnOnce(&Transaction<'_>) -> Result<()>,
    ) -> Result<()> {
        let docs = &mut batch.docs;
        pending.origin = super::ChangeOrigin::Merge;
        let tx = self.conn.transaction()?;
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
            index_document(&tx, staged.kind, doc, now, pending, &mut self.ledgers)?;
        }
        super::device_keys::store_signatures(&tx, batch)?;
        also(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// Drops every document the batch touched, so the next read comes from
    /// disk, which the batch never changed.
    pub(crate) fn abort_batch(&mut self, batch: &mut Batch) {
        self.ledgers.clear();
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
