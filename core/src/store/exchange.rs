//! Moving whole documents between stores by hand: exporting a document's
//! bytes and merging bytes from elsewhere. Tools and tests use this; apps
//! sync with sessions and bundles, which go through the same checks.

use uuid::Uuid;

use super::merge::Batch;
use super::{Store, erasure, persistence, project_uuid, record_kind};
use crate::documents::{self, DocKind};
use crate::error::{Error, Result};
use crate::ids::{ParticipantId, ProjectId, StoryId};

pub use super::persistence::StorageStats;

/// What merging a document did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportOutcome {
    pub kind: DocKind,
    pub id: Uuid,
    /// False when the store already had every change in it.
    pub changed: bool,
}

impl Store {
    /// The saved bytes of a story's document, with its whole history, for
    /// tools and tests. It checks no consent: apps hand stories to other
    /// devices with [`Store::share_story_document`], sessions or bundles.
    pub fn export_story_document(&self, id: StoryId) -> Result<Vec<u8>> {
        self.export(Uuid::from_bytes(*id.as_bytes()), DocKind::Story)
    }

    /// The saved bytes of a story's document, to hand to another device of
    /// the group: only if every storyteller allows sharing within the
    /// project (otherwise `ConsentRequired` naming `share-in-project`).
    pub fn share_story_document(&self, id: StoryId) -> Result<Vec<u8>> {
        self.require_consent(id, crate::consent::ConsentScope::ShareInProject)?;
        self.export_story_document(id)
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
        self.view(id, kind, |doc| Ok(doc.save()))
    }

    /// Merges a document's bytes (from [`Store::export_story_document`] and
    /// friends on another device) into this store. Bytes that are not a
    /// valid Storyloom document are refused and change nothing; an erased
    /// document is refused with [`Error::Erased`].
    pub fn import_document(&self, bytes: &[u8]) -> Result<ImportOutcome> {
        self.ensure_open()?;
        crate::sync::Budget::new(&crate::sync::SyncLimits::default())
            .charge(bytes)
            .map_err(|e| match e {
                Error::SyncRejected(reason) => Error::corrupt(reason),
                other => other,
            })?;
        let incoming = documents::load_document(bytes)?;
        let header = documents::read_header(&incoming)?;
        let erased = || Error::Erased {
            kind: record_kind(header.kind),
            id: header.id.hyphenated().to_string(),
        };
        self.write(|w| {
            if erasure::is_tombstoned(&w.conn, header.id)? {
                return Err(erased());
            }
            let mut batch = Batch::default();
            let staged = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                w.stage_document(incoming, None, None, &mut batch)
            }));
            let changed = match staged {
                Ok(result) => result?,
                Err(_) => {
                    w.docs.clear();
                    return Err(Error::corrupt("the document could not be merged safely"));
                }
            };
            w.commit_batch(&mut batch, |_| Ok(()))?;
            w.settle(&batch)?;
            if !batch.erased.is_empty() {
                return Err(erased());
            }
            Ok(ImportOutcome {
                kind: header.kind,
                id: header.id,
                changed,
            })
        })
    }

    /// How a story's document is held on disk (snapshot and chunks).
    pub fn story_storage_stats(&self, id: StoryId) -> Result<StorageStats> {
        self.read(|conn| persistence::stats(conn, Uuid::from_bytes(*id.as_bytes())))?
            .ok_or_else(|| Error::not_found(crate::error::RecordKind::Story, id))
    }
}
