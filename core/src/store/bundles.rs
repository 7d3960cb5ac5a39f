//! Bundles for sneakernet: one encrypted file holding everything a given
//! peer lacks (judged from the sync state saved for that peer) or
//! everything, to carry on a USB stick, an SD card, AirDrop or email.
//! Importing one merges it as one batch, with the same checks as a
//! session; importing the same bundle twice changes nothing the second time.

use uuid::Uuid;

use super::merge::{Batch, Expected, kind_order};
use super::sync_session::{kind_code, kind_from_code};
use super::{Store, Writer, erasure, now};
use crate::documents::{self, DocKind};
use crate::error::{Error, Result};
use crate::ids::{DeviceId, ProjectId};
use crate::sync::{
    self, BundleBody, BundleEntry, EnvelopeKind, Header, ManifestEntry, MediaPolicy, SyncLimits, WIRE_VERSION,
};

/// What importing a bundle did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleOutcome {
    pub project: ProjectId,
    /// Documents this store changed.
    pub documents_changed: u64,
    /// Documents left out: erased here, or changes to a document this
    /// store does not hold (the bundle was made for another device).
    pub documents_skipped: u64,
    /// Documents left out because the copy stored here does not load.
    pub unreadable_documents: Vec<Uuid>,
    /// Documents the bundle's maker held in a version this store still
    /// lacks after importing: it left them out, or sent only changes on
    /// top of what it believed this device had. Nothing is lost — a
    /// session or a bundle for everyone brings them — but non-zero means
    /// the maker's record of this device was wrong: stale, or claimed by
    /// another member posing as this device (issue 15).
    pub documents_missing: u64,
    /// Media items whose bytes this store now holds whole from the bundle.
    pub media_items: u64,
}

/// A bundle, and what it had to leave out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleExport {
    pub bytes: Vec<u8>,
    /// Documents left out because the copy stored here does not load; the
    /// rest of the project is in the bundle.
    pub unreadable_documents: Vec<Uuid>,
}

impl Store {
    /// A bundle of the project for `peer` (only what it lacks, from the sync
    /// state saved for it), or of everything when `peer` is `None`.
    pub fn export_bundle(&self, project: ProjectId, peer: Option<DeviceId>) -> Result<Vec<u8>> {
        self.export_bundle_with_report(project, peer).map(|export| export.bytes)
    }

    /// [`Store::export_bundle`], also saying which documents it left out.
    pub fn export_bundle_with_report(&self, project: ProjectId, peer: Option<DeviceId>) -> Result<BundleExport> {
        self.export_bundle_with_media(project, peer, &MediaPolicy::All)
    }

    /// [`Store::export_bundle_with_report`], carrying the bytes of only the
    /// media items `media` picks (every item's reference travels anyway).
    pub fn export_bundle_with_media(
        &self,
        project: ProjectId,
        peer: Option<DeviceId>,
        media: &MediaPolicy,
    ) -> Result<BundleExport> {
        let exported = self.export_bundle_unlogged(project, peer, media);
        crate::logging::outcome(
            crate::logging::BUNDLE,
            "export_bundle",
            &exported,
            |e: &BundleExport| {
                crate::logging::bundle_exported(project, peer, e.bytes.len(), e.unreadable_documents.len())
            },
        );
        exported
    }

    fn export_bundle_unlogged(
        &self,
        project: ProjectId,
        peer: Option<DeviceId>,
        media: &MediaPolicy,
    ) -> Result<BundleExport> {
        self.write(|w| {
            let mut unreadable = Vec::new();
            let secret = w.secret(project)?;
            w.enrol_device(project)?;
            let catalog = w.local_catalog(project)?;
            let mut ids: Vec<_> = catalog
                .iter()
                .filter(|(_, l)| l.shareable)
                .map(|(id, l)| (*id, l.kind))
                .collect();
            ids.sort_by_key(|(_, kind)| kind_order(*kind));
            let mut entries = Vec::new();
            let mut manifest = Vec::new();
            for (id, kind) in ids {
                // The project document (consent ledger, erasures) always
                // travels whole: a wrong record of the peer never holds it back.
                let known = match peer {
                    Some(peer) if kind != DocKind::Project => w.peer_heads(peer, id)?,
                    _ => Vec::new(),
                };
                if !w.readable(id)? {
                    unreadable.push(id);
                    continue;
                }
                let doc = w.document(id, None)?;
                let mut heads = doc.get_heads();
                heads.sort();
                manifest.push(ManifestEntry {
                    id: *id.as_bytes(),
                    heads: heads.iter().map(crate::sync::head_prefix).collect(),
                });
                let (incremental, bytes) = if known.is_empty() {
                    (false, doc.save())
                } else {
                    let mut heads = doc.get_heads();
                    heads.sort();
                    if heads == known {
                        continue; // the peer has all of it
                    }
                    (true, doc.save_after(&known))
                };
                let signatures = w.signatures_for(project, id, &crate::sync::changes_in(&bytes)?)?;
                entries.push(BundleEntry {
                    id: *id.as_bytes(),
                    kind: kind_code(kind),
                    incremental,
                    bytes,
                    signatures,
                });
            }
            let body = BundleBody {
                version: WIRE_VERSION,
                created_at_ms: now().timestamp_millis(),
                for_peer: peer.map(|p| *p.as_bytes()),
                media: w.bundle_media(project, &catalog, peer, media)?,
                entries,
                manifest,
            };
            let header = Header {
                kind: EnvelopeKind::Bundle,
                project,
                sender: w.device,
                session: None,
            };
            Ok(BundleExport {
                bytes: sync::seal(&secret, &header, &sync::encode(&body)?)?,
                unreadable_documents: unreadable,
            })
        })
    }

    /// Merges a bundle. It is refused whole — nothing changes — if it is
    /// sealed with another group secret, altered, or holds a malformed or
    /// schema-violating document.
    pub fn import_bundle(&self, bundle: &[u8]) -> Result<BundleOutcome> {
        self.import_bundle_with(bundle, SyncLimits::default())
    }

    pub fn import_bundle_with(&self, bundle: &[u8], limits: SyncLimits) -> Result<BundleOutcome> {
        let started = std::time::Instant::now();
        let imported = self.import_bundle_unlogged(bundle, limits);
        crate::logging::outcome(crate::logging::BUNDLE, "import_bundle", &imported, |o| {
            crate::logging::bundle_imported(o, bundle.len(), started)
        });
        imported
    }

    fn import_bundle_unlogged(&self, bundle: &[u8], limits: SyncLimits) -> Result<BundleOutcome> {
        self.ensure_open()?;
        let header = sync::peek(bundle, limits.max_message_bytes)?;
        let project = header.project;
        self.write(|w| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                w.import_bundle_body(project, bundle, limits)
            }))
            .unwrap_or_else(|_| {
                w.docs.clear();
                Err(Error::SyncRejected("the bundle could not be processed safely".into()))
            })
        })
    }
}

impl Writer {
    fn import_bundle_body(&mut self, project: ProjectId, bundle: &[u8], limits: SyncLimits) -> Result<BundleOutcome> {
        let w = self;
        {
            if !w.holds_secret(project)? {
                return Err(Error::wrong_key(
                    crate::error::KeySide::ThisDevice,
                    format!("this device holds no group secret for project {project}; join it first"),
                ));
            }
            let (header, plaintext, _) =
                w.open_sealed(project, None, sync::Opening::Bundle, bundle, limits.max_message_bytes)?;
            w.refuse_removed(project, header.sender)?;
            if header.sender == w.device {
                // Our own bundle: everything in it came from here.
                return Ok(BundleOutcome {
                    project,
                    documents_changed: 0,
                    documents_skipped: 0,
                    unreadable_documents: Vec::new(),
                    documents_missing: 0,
                    media_items: 0,
                });
            }
            let body: BundleBody = sync::decode(&plaintext, "bundle")?;
            sync::check_bundle_addressee(&body, w.device, now(), &limits)?;
            w.apply_bundle_body(project, &body, limits)
        }
    }

    /// Merges an opened, checked bundle body as one batch (also used for
    /// objects pulled from a relay, which get every check a bundle gets).
    pub(crate) fn apply_bundle_body(
        &mut self,
        project: ProjectId,
        body: &BundleBody,
        limits: SyncLimits,
    ) -> Result<BundleOutcome> {
        let w = self;
        {
            let media = super::bundle_media::check_bundle_media(&body.media)?;
            let mut entries: Vec<&BundleEntry> = body.entries.iter().collect();
            for entry in &entries {
                kind_from_code(entry.kind)?;
                if entry.bytes.len() > limits.max_document_bytes {
                    return Err(Error::SyncRejected(format!(
                        "document {} in the bundle is over the size limit",
                        Uuid::from_bytes(entry.id)
                    )));
                }
            }
            entries.sort_by_key(|e| kind_order(kind_from_code(e.kind).unwrap_or(DocKind::Story)));
            let mut batch = Batch::default();
            let mut budget = sync::Budget::new(&limits);
            let mut skipped = 0u64;
            let result = (|| {
                for entry in entries {
                    let id = Uuid::from_bytes(entry.id);
                    if erasure::is_tombstoned(&w.conn, id)? {
                        skipped += 1;
                        continue;
                    }

                    let expected = Expected {
                        id,
                        kind: kind_from_code(entry.kind)?,
                        project,
                    };
                    budget.charge(&entry.bytes)?;
                    let staged = if entry.incremental {
                        w.stage_changes(expected, &entry.bytes, &entry.signatures, &mut batch)
                    } else {
                        documents::load_document(&entry.bytes)
                            .and_then(|doc| w.stage_document(doc, Some(expected), Some(&entry.signatures), &mut batch))
                            .map(Some)
                    };
                    match staged.map_err(|e| bundle_rejected(id, e))? {
                        Some(_) => {}
                        None => skipped += 1,
                    }
                }
                Ok(())
            })();
            if let Err(err) = result {
                w.abort_batch(&mut batch);
                return Err(err);
            }
            skipped += (batch.erased.len() + batch.forged.len() + batch.withheld.len()) as u64;
            w.commit_batch(&mut batch, |_| Ok(()))?;
            w.settle(&batch)?;
            let media_items = w.apply_bundle_media(project, media)?;
            Ok(BundleOutcome {
                media_items,
                project,
                documents_changed: batch.staged.len() as u64,
                documents_skipped: skipped,
                unreadable_documents: batch.unreadable.clone(),
                documents_missing: w.documents_missing(&body.manifest)?,
            })
        }
    }
}

fn bundle_rejected(id: Uuid, err: Error) -> Error {
    match err {
        Error::CorruptData(reason) => Error::SyncRejected(format!("document {id} in the bundle is invalid: {reason}")),
        other => other,
    }
}

impl Writer {
    /// The heads the peer was known to have for a document (from the sync
    /// state saved for it), sorted; empty if unknown.
    fn peer_heads(&self, peer: DeviceId, id: Uuid) -> Result<Vec<automerge::ChangeHash>> {
        let bytes: Option<Vec<u8>> = rusqlite::OptionalExtension::optional(self.conn.query_row(
            "SELECT state FROM sync_states WHERE peer_device = ?1 AND doc_id = ?2",
            [peer.to_string(), id.hyphenated().to_string()],
            |r| r.get(0),
        ))?;
        let mut heads = bytes
            .and_then(|b| automerge::sync::State::decode(&b).ok())
            .map(|s| s.shared_heads)
            .unwrap_or_default();
        heads.sort();
        Ok(heads)
    }
}
