//! What the relay needs from the store: which documents there are and their
//! heads, which are erased, objects sealed for publishing, and applying an
//! object pulled from the relay with every check a bundle gets. The relay
//! module does the I/O; this is its only door into the database.

use std::collections::{BTreeMap, BTreeSet};

use automerge::ChangeHash;
use rusqlite::OptionalExtension;
use uuid::Uuid;

use super::merge::kind_order;
use super::sync_session::{kind_code, kind_from_code};
use super::{Store, erasure, now};
use crate::documents::DocKind;
use crate::error::{Error, Result};
use crate::ids::{DeviceId, ProjectId};
use crate::store::BundleOutcome;
use crate::sync::{self, BundleBody, BundleEntry, EnvelopeKind, GroupSecret, Header, SyncLimits, WIRE_VERSION};

/// One document as the relay sees it.
#[derive(Debug, Clone)]
pub(crate) struct RelayDoc {
    /// Sorted.
    pub heads: Vec<ChangeHash>,
    /// Its storytellers allow sharing within the group (always true for
    /// participants and the project document).
    pub shareable: bool,
}

/// A project's documents and erasures on this device.
#[derive(Debug, Clone, Default)]
pub(crate) struct RelayLocal {
    pub docs: BTreeMap<Uuid, RelayDoc>,
    pub erased: BTreeSet<Uuid>,
}

/// A sealed object ready to upload, and what it holds.
#[derive(Debug, Clone)]
pub(crate) struct PackedObject {
    pub sealed: Vec<u8>,
    /// (document, kind code, sorted heads after this object).
    pub docs: Vec<(Uuid, u8, Vec<ChangeHash>)>,
}

/// Which documents of an object to apply: the project documents (ledger
/// and erasures) of every object go first, so an erasure lands before the
/// story it erases can arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ApplyPass {
    ProjectDocuments,
    Rest,
}

impl Store {
    /// Projects this device holds a group secret for, with the secret.
    pub(crate) fn relay_projects(&self) -> Result<Vec<(ProjectId, GroupSecret)>> {
        self.write(|w| {
            let ids: Vec<String> = {
                let mut stmt = w
                    .conn
                    .prepare("SELECT project_id FROM project_secrets ORDER BY project_id")?;
                stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
            };
            let mut out = Vec::new();
            for id in ids {
                let project = ProjectId::from_stored(&id)?;
                out.push((project, w.secret(project)?));
            }
            Ok(out)
        })
    }

    /// The project's documents (with heads and whether they may be shared)
    /// and the documents erased here.
    pub(crate) fn relay_local(&self, project: ProjectId) -> Result<RelayLocal> {
        self.write(|w| {
            let catalog = w.local_catalog(project)?;
            let heads: BTreeMap<String, Vec<u8>> = {
                let mut stmt = w.conn.prepare_cached(
                    "SELECT doc_id, heads FROM documents WHERE project_id = ?1 AND heads IS NOT NULL",
                )?;
                stmt.query_map([project.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?
            };
            let mut local = RelayLocal::default();
            for (id, entry) in catalog {
                let Some(bytes) = heads.get(&id.hyphenated().to_string()) else {
                    continue;
                };
                local.docs.insert(
                    id,
                    RelayDoc {
                        heads: split_heads(bytes)?,
                        shareable: entry.shareable,
                    },
                );
            }
            let mut stmt = w
                .conn
                .prepare_cached("SELECT doc_id FROM tombstones WHERE project_id = ?1")?;
            for id in stmt.query_map([project.to_string()], |r| r.get::<_, String>(0))? {
                let id = id?;
                let id = Uuid::try_parse(&id).map_err(|_| Error::corrupt("stored tombstone id is not a UUID"))?;
                local.erased.insert(id);
            }
            Ok(local)
        })
    }

    /// For each (document, heads): whether this device already holds every
    /// one of those heads, or has erased the document (so there is nothing
    /// to fetch for it).
    pub(crate) fn relay_holds(&self, wanted: &[(Uuid, Vec<ChangeHash>)]) -> Result<Vec<bool>> {
        self.write(|w| {
            let mut out = Vec::with_capacity(wanted.len());
            for (id, heads) in wanted {
                if erasure::is_tombstoned(&w.conn, *id)? {
                    out.push(true);
                    continue;
                }
                let stored: Option<Option<Vec<u8>>> = w
                    .conn
                    .query_row(
                        "SELECT heads FROM documents WHERE doc_id = ?1",
                        [id.hyphenated().to_string()],
                        |r| r.get(0),
                    )
                    .optional()?;
                let Some(stored) = stored else {
                    out.push(false);
                    continue;
                };
                let mut sorted = heads.clone();
                sorted.sort();
                if stored.as_deref().map(split_heads).transpose()?.as_ref() == Some(&sorted) {
                    out.push(true);
                    continue;
                }
                if !w.readable(*id)? {
                    out.push(false);
                    continue;
                }
                let doc = w.document(*id, None)?;
                out.push(doc.get_missing_deps(heads).is_empty());
            }
            Ok(out)
        })
    }

    /// Seals `docs` (each with the heads already published on the relay by
    /// this device, empty for none) into objects of about
    /// `target_bytes`: changes since those heads, or the whole document.
    /// Project documents come first.
    pub(crate) fn relay_pack(
        &self,
        project: ProjectId,
        docs: &[(Uuid, Vec<ChangeHash>)],
        target_bytes: usize,
    ) -> Result<Vec<PackedObject>> {
        self.write(|w| {
            let secret = w.secret(project)?;
            let catalog = w.local_catalog(project)?;
            let mut ordered: Vec<(Uuid, DocKind, &Vec<ChangeHash>)> = docs
                .iter()
                .filter_map(|(id, published)| catalog.get(id).map(|l| (*id, l.kind, published)))
                .collect();
            ordered.sort_by_key(|(id, kind, _)| (kind_order(*kind), *id));
            let mut objects = Vec::new();
            let mut entries: Vec<BundleEntry> = Vec::new();
            let mut held: Vec<(Uuid, u8, Vec<ChangeHash>)> = Vec::new();
            let mut size = 0usize;
            let header = Header {
                kind: EnvelopeKind::Bundle,
                project,
                sender: w.device,
                session: None,
            };
            let mut seal =
                |entries: &mut Vec<BundleEntry>, held: &mut Vec<(Uuid, u8, Vec<ChangeHash>)>| -> Result<()> {
                    if entries.is_empty() {
                        return Ok(());
                    }
                    let body = BundleBody {
                        version: WIRE_VERSION,
                        created_at_ms: now().timestamp_millis(),
                        for_peer: None,
                        entries: std::mem::take(entries),
                        manifest: Vec::new(),
                        media: Vec::new(),
                    };
                    objects.push(PackedObject {
                        sealed: sync::seal(&secret, &header, &sync::encode(&body)?)?,
                        docs: std::mem::take(held),
                    });
                    Ok(())
                };
            for (id, kind, published) in ordered {
                if !w.readable(id)? {
                    continue;
                }
                let doc = w.document(id, None)?;
                let mut heads = doc.get_heads();
                heads.sort();
                let incremental = !published.is_empty() && doc.get_missing_deps(published).is_empty();
                let bytes = if incremental {
                    doc.save_after(published)
                } else {
                    doc.save()
                };
                if size > 0 && size + bytes.len() > target_bytes {
                    seal(&mut entries, &mut held)?;
                    size = 0;
                }
                size += bytes.len();
                held.push((id, kind_code(kind), heads));
                // Every change travels with its author device's signature,
                // as in a bundle: a relay object is checked like one.
                let signatures = w.signatures_for(project, id, &crate::sync::changes_in(&bytes)?)?;
                entries.push(BundleEntry {
                    id: *id.as_bytes(),
                    kind: kind_code(kind),
                    incremental,
                    bytes,
                    signatures,
                });
            }
            seal(&mut entries, &mut held)?;
            Ok(objects)
        })
    }

    /// Opens an object pulled from the relay and merges one pass of it as
    /// one batch. Refused whole (nothing changes) if it does not open under
    /// the group secret, was not sealed by `owner`, or fails a bundle's
    /// checks.
    pub(crate) fn relay_apply(
        &self,
        project: ProjectId,
        owner: DeviceId,
        sealed: &[u8],
        pass: ApplyPass,
        limits: SyncLimits,
    ) -> Result<BundleOutcome> {
        self.write(|w| {
            let secret = w.secret(project)?;
            let (header, plaintext) = sync::open(
                &secret,
                project,
                sync::Opening::Bundle,
                sealed,
                limits.max_message_bytes,
            )
            .map_err(|e| w.explain_wrong_key(project, e))?;
            if header.sender != owner {
                return Err(Error::SyncRejected(
                    "the relay object was sealed by another device than the mailbox it sits in".into(),
                ));
            }
            let mut body: BundleBody = sync::decode(&plaintext, "relay object")?;
            if body.for_peer.is_some() {
                return Err(Error::SyncRejected(
                    "a bundle addressed to one device is not a relay object".into(),
                ));
            }
            body.entries.retain(|e| {
                let is_project = matches!(kind_from_code(e.kind), Ok(DocKind::Project));
                is_project == (pass == ApplyPass::ProjectDocuments)
            });
            if body.entries.is_empty() {
                return Ok(BundleOutcome {
                    project,
                    documents_changed: 0,
                    documents_skipped: 0,
                    unreadable_documents: Vec::new(),
                    documents_missing: 0,
                    media_items: 0,
                });
            }
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                w.apply_bundle_body(project, &body, limits)
            }))
            .unwrap_or_else(|_| {
                w.docs.clear();
                Err(Error::SyncRejected(
                    "the relay object could not be processed safely".into(),
                ))
            })
        })
    }
}

fn split_heads(bytes: &[u8]) -> Result<Vec<ChangeHash>> {
    if !bytes.len().is_multiple_of(32) {
        return Err(Error::corrupt("stored heads are not whole change hashes"));
    }
    let mut heads: Vec<ChangeHash> = bytes
        .chunks_exact(32)
        .map(|c| {
            let mut h = [0u8; 32];
            h.copy_from_slice(c);
            ChangeHash(h)
        })
        .collect();
    heads.sort();
    Ok(heads)
}
