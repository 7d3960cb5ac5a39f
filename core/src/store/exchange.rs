//! Moving whole documents between stores: exporting a document's bytes and
//! merging bytes from elsewhere into the local copy.
//!
//! Everything that arrives from outside goes through [`Writer::merge_document`]:
//! the result of the merge is read back as a typed record before anything is
//! saved, so a malformed or schema-violating document is refused and the
//! store keeps what it had.

use automerge::AutoCommit;
use uuid::Uuid;

use super::{ChangeOrigin, Store, Writer, consent, erasure, now, persistence, project_uuid};
use crate::documents::ledger_doc::Tombstone;
use crate::documents::{self, DocKind, participant_doc, project_doc, story_doc};

use crate::error::{Error, Result};
use crate::ids::{ParticipantId, ProjectId, StoryId};

/// What merging a document did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportOutcome {
    pub kind: DocumentKind,
    pub id: Uuid,
    /// False when the store already had every change in it.
    pub changed: bool,
}

/// The kind of a document, as the public API names it.
pub type DocumentKind = DocKind;

impl Store {
    /// The saved bytes of a story's document.
    pub fn export_story_document(&self, id: StoryId) -> Result<Vec<u8>> {
        self.export(Uuid::from_bytes(*id.as_bytes()), DocKind::Story)
    }

    /// The saved bytes of a participant's document.
    pub fn export_participant_document(&self, id: ParticipantId) -> Result<Vec<u8>> {
        self.export(Uuid::from_bytes(*id.as_bytes()), DocKind::Participant)
    }

    /// The saved bytes of a project's document.
    pub fn export_project_document(&self, id: ProjectId) -> Result<Vec<u8>> {
        self.export(project_uuid(id), DocKind::Project)
    }

    fn export(&self, id: Uuid, kind: DocKind) -> Result<Vec<u8>> {
        self.write(|w| w.view(id, kind, |doc| Ok(doc.save())))
    }

    /// Merges a document's bytes (from [`Store::export_story_document`] and
    /// friends on another device) into this store. Bytes that are not a
    /// valid Storyloom document are refused and change nothing.
    pub fn import_document(&self, bytes: &[u8]) -> Result<ImportOutcome> {
        let incoming = documents::load_document(bytes)?;
        self.write(|w| {
            w.changes.origin = ChangeOrigin::Merge;
            w.merge_document(incoming)
        })
    }

    /// How a story's document is held on disk (snapshot and chunks).
    pub fn story_storage_stats(&self, id: StoryId) -> Result<StorageStats> {
        self.read(|conn| persistence::stats(conn, Uuid::from_bytes(*id.as_bytes())))?
            .ok_or_else(|| Error::not_found(crate::error::RecordKind::Story, id))
    }
}

use super::StorageStats;

/// Checks that a document reads as the record its header claims to be.
fn validate(doc: &AutoCommit, kind: DocKind) -> Result<()> {
    match kind {
        DocKind::Story => story_doc::read(doc).map(drop),
        DocKind::Participant => participant_doc::read(doc).map(drop),
        DocKind::Project => project_doc::read(doc).map(drop),
    }
    .map_err(|err| Error::corrupt(format!("incoming {kind} document is invalid: {err}")))
}

impl Writer {
    /// Merges a document that came from elsewhere, validating the result
    /// before saving it.
    pub(crate) fn merge_document(&mut self, mut incoming: AutoCommit) -> Result<ImportOutcome> {
        let header = documents::read_header(&incoming)?;
        validate(&incoming, header.kind)?;
        let id = header.id;
        let now = now();
        let outcome = |changed| ImportOutcome {
            kind: header.kind,
            id,
            changed,
        };
        let erased = || Error::Erased {
            kind: super::record_kind(header.kind),
            id: id.hyphenated().to_string(),
        };
        // An erased document is never taken back, from anyone.
        if erasure::is_tombstoned(&self.conn, id)? {
            return Err(erased());
        }
        if header.kind == DocKind::Story {
            let story = story_doc::read(&incoming)?;
            let mut ledger = Vec::new();
            for storyteller in &story.storytellers {
                ledger.extend(consent::ledger_of(&self.conn, *storyteller)?);
            }
            if let Some(withdrawal) = erasure::covers_story(&ledger, story.id, &story.storytellers) {
                let tombstone = Tombstone {
                    id,
                    kind: DocKind::Story,
                    erased_at: now,
                    withdrawal,
                };
                self.apply_erasures(header.project_id, None, Some(tombstone))?;
                return Err(erased());
            }
        }

        match persistence::doc_row(&self.conn, id)? {
            Some(row) => {
                if row.kind != header.kind || row.project_id != header.project_id {
                    return Err(Error::corrupt(
                        "incoming document claims another kind or project than ours",
                    ));
                }
                let author = self.author(row.project_id).ok();
                let doc = self.document(id, author)?;
                let before = doc.get_heads();
                let merged = doc
                    .merge(&mut incoming)
                    .map_err(Error::from)
                    .and_then(|_| validate(doc, header.kind));
                if let Err(err) = merged {
                    self.docs.evict(&id);
                    return Err(err);
                }
                if doc.get_heads() == before {
                    return Ok(outcome(false));
                }
                if let Err(err) = self.save_and_index(id, header.kind, now) {
                    self.docs.evict(&id);
                    return Err(err);
                }
                if header.kind == DocKind::Project {
                    // The merge may have brought withdrawals and tombstones.
                    self.apply_erasures(header.project_id, None, None)?;
                }
                Ok(outcome(true))
            }
            None => {
                if header.kind != DocKind::Project {
                    self.locate(project_uuid(header.project_id), DocKind::Project)?;
                }
                if let Ok(author) = self.author(header.project_id) {
                    incoming.set_actor(author.actor_id());
                }
                self.insert(id, header.kind, header.project_id, incoming, now)?;
                Ok(outcome(true))
            }
        }
    }
}
