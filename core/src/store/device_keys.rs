//! This device's keys per project, its enrolment in the project document,
//! and the signatures that travel beside changes (issues 12 and 15).

use automerge::{AutoCommit, Change};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;
use zeroize::Zeroizing;

use std::collections::{HashMap, HashSet};

use super::merge::{Batch, Expected};
use super::{Writer, persistence, project_uuid};
use crate::documents::{DocKind, enrolments};
use crate::error::{Error, Result};
use crate::ids::{DeviceId, MemberId, ProjectId};
use crate::keys::{ChangeSignature, DeviceKeys, Directory, change_message, verify};
use crate::model::ChangeKind;
use crate::sync;

/// A device enrolled in a project, and the member it writes as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct EnrolledDevice {
    pub device: DeviceId,
    pub member: MemberId,
}

impl super::Store {
    /// The devices enrolled in `project` (each with the signing key its
    /// changes must carry), as this device's copy of the project says. A
    /// device with two enrolled keys (a forgery) is not listed.
    pub fn enrolled_devices(&self, project: ProjectId) -> Result<Vec<EnrolledDevice>> {
        self.write(|w| {
            w.locate(project_uuid(project), DocKind::Project)?;
            let directory = w.directory(project, &Batch::default())?;
            Ok(directory
                .devices()
                .map(|(device, enrolment)| EnrolledDevice {
                    device: *device,
                    member: enrolment.member,
                })
                .collect())
        })
    }
}

impl Writer {
    /// This device's keys in `project`, made (and kept) on first use: when
    /// it creates or joins the project, or first syncs a project it held
    /// before keys existed.
    pub(crate) fn device_keys(&mut self, project: ProjectId) -> Result<DeviceKeys> {
        let stored: Option<Zeroizing<Vec<u8>>> = self
            .conn
            .query_row(
                "SELECT keys FROM device_keys WHERE project_id = ?1",
                [project.to_string()],
                |row| row.get::<_, Vec<u8>>(0).map(Zeroizing::new),
            )
            .optional()?;
        if let Some(bytes) = stored {
            return DeviceKeys::from_bytes(&bytes);
        }
        let keys = DeviceKeys::generate()?;
        self.conn.execute(
            "INSERT INTO device_keys (project_id, keys) VALUES (?1, ?2)",
            params![project.to_string(), keys.to_bytes().as_slice()],
        )?;
        Ok(keys)
    }

    /// Enrols this device's public keys in the project document, once,
    /// if it writes in the project and holds the document.
    pub(crate) fn enrol_device(&mut self, project: ProjectId) -> Result<()> {
        let Ok(author) = self.author(project) else {
            return Ok(());
        };
        if persistence::doc_row(&self.conn, project_uuid(project))?.is_none() {
            return Ok(());
        }
        let keys = self.device_keys(project)?.public();
        let enrolled = self.view(project_uuid(project), DocKind::Project, |doc| {
            enrolments::is_enrolled(doc, author.device, &keys)
        })?;
        if enrolled {
            return Ok(());
        }
        self.edit(
            project_uuid(project),
            DocKind::Project,
            ChangeKind::MemberAdded,
            |doc, author| enrolments::enrol(doc, author.device, author.member, &keys),
        )
    }

    /// The enrolled keys of the project's devices, as the batch (if it holds
    /// the project document) or the store has them.
    pub(crate) fn directory(&mut self, project: ProjectId, batch: &Batch) -> Result<Directory> {
        if let Some(doc) = batch.document(project_uuid(project)) {
            return enrolments::directory(doc);
        }
        if persistence::doc_row(&self.conn, project_uuid(project))?.is_none() {
            return Ok(Directory::default());
        }
        self.view(project_uuid(project), DocKind::Project, |doc| {
            enrolments::directory(doc)
        })
    }

    /// The signatures to send with `changes` of a document: this device
    /// signs its own; others' come from what it received with them.
    pub(crate) fn signatures_for(
        &mut self,
        project: ProjectId,
        doc: Uuid,
        changes: &[Change],
    ) -> Result<Vec<ChangeSignature>> {
        let mut keys = None;
        let mut signatures = Vec::with_capacity(changes.len());
        let mut stored = self
            .conn
            .prepare_cached("SELECT signature FROM change_signatures WHERE doc_id = ?1 AND change_hash = ?2")?;
        for change in changes {
            let hash = change.hash().0;
            if actor(change).map(|(device, _)| device) == Some(self.device) {
                if keys.is_none() {
                    keys = Some(
                        self.conn
                            .query_row(
                                "SELECT keys FROM device_keys WHERE project_id = ?1",
                                [project.to_string()],
                                |row| row.get::<_, Vec<u8>>(0).map(Zeroizing::new),
                            )
                            .optional()?
                            .map(|bytes| DeviceKeys::from_bytes(&bytes))
                            .transpose()?,
                    );
                }
                if let Some(Some(keys)) = &keys {
                    signatures.push(ChangeSignature {
                        hash,
                        signature: keys.sign(&change_message(project, doc, &hash)).to_vec(),
                    });
                }
                continue;
            }
            let signature: Option<Vec<u8>> = stored
                .query_row(params![doc.hyphenated().to_string(), hash.as_slice()], |row| row.get(0))
                .optional()?;
            if let Some(signature) = signature {
                signatures.push(ChangeSignature { hash, signature });
            }
        }
        Ok(signatures)
    }

    /// Of `changes` arriving for a document, those this device may take:
    /// held already, or signed by the enrolled key of the device whose
    /// actor id wrote them (and depending on none that is dropped). For the
    /// project document the enrolments the changes themselves carry count,
    /// so a device's first, self-signed enrolment can arrive. Returns the
    /// kept changes (in causal order), how many were dropped, and those
    /// waiting for a change they depend on; the signatures of kept changes
    /// are noted in the batch, to be stored and passed on.
    pub(crate) fn authenticate(
        &mut self,
        expected: Expected,
        changes: Vec<Change>,
        signatures: &[ChangeSignature],
        batch: &mut Batch,
    ) -> Result<Authenticated> {
        let Expected { id, kind, project } = expected;
        let local_exists =
            batch.document(id).is_some() || (persistence::doc_row(&self.conn, id)?.is_some() && self.readable(id)?);
        // Hashes the document here holds, of the changes and their deps.
        let mut held = HashSet::new();
        let mut directory = None;
        if local_exists {
            let local = self.batch_document(batch, id, None)?;
            held.extend(
                changes
                    .iter()
                    .flat_map(|c| std::iter::once(c.hash()).chain(c.deps().iter().copied()))
                    .filter(|h| local.get_change_by_hash(h).is_some()),
            );
            if kind == DocKind::Project {
                let mut candidate = local.fork();
                directory = Some(candidate_directory(&mut candidate, &changes)?);
                super::membership::check_arriving_records(Some(local), &candidate)?;
            }
        } else if kind == DocKind::Project {
            let mut candidate = AutoCommit::new();
            directory = Some(candidate_directory(&mut candidate, &changes)?);
            super::membership::check_arriving_records(None, &candidate)?;
        }
        let directory = match directory {
            Some(directory) => directory,
            None => self.directory(project, batch)?,
        };
        let (ready, waiting) = sync::causal_order(changes, |h| held.contains(h));
        let by_hash: HashMap<[u8; 32], &[u8]> = signatures.iter().map(|s| (s.hash, s.signature.as_slice())).collect();
        let mut dropped = HashSet::new();
        let mut author_unknown = false;
        let mut kept = Vec::with_capacity(ready.len());
        for change in ready {
            let hash = change.hash();
            if held.contains(&hash) {
                kept.push(change);
                continue;
            }
            let signature = by_hash.get(&hash.0).copied();
            let signed = match (actor(&change), signature) {
                (Some((device, member)), Some(signature)) => directory.get(device).is_some_and(|enrolment| {
                    enrolment.member == member
                        && verify(
                            &enrolment.keys.signing,
                            &change_message(project, id, &hash.0),
                            signature,
                        )
                }),
                _ => false,
            };
            if !signed || change.deps().iter().any(|d| dropped.contains(d)) {
                author_unknown |= actor(&change)
                    .is_some_and(|(device, _)| directory.get(device).is_none() && !directory.is_contested(device));
                dropped.insert(hash);
                continue;
            }
            if let (Some(signature), Some((device, _))) = (signature, actor(&change))
                && device != self.device
            {
                batch.signatures.push((id, hash.0, signature.to_vec()));
            }
            kept.push(change);
        }
        Ok(Authenticated {
            kept,
            dropped: dropped.len(),
            author_unknown,
            waiting,
        })
    }
}

/// What [`Writer::authenticate`] found.
pub(crate) struct Authenticated {
    pub kept: Vec<Change>,
    pub dropped: usize,
    /// A dropped change's device has no enrolment here yet: it may still
    /// be on its way in the project document's sync.
    pub author_unknown: bool,
    /// Changes not judged: one they depend on has not arrived (see
    /// `sync::causal`). Neither kept nor dropped.
    pub waiting: Vec<Change>,
}

/// The directory of a project document once `changes` are applied to it.
fn candidate_directory(candidate: &mut AutoCommit, changes: &[Change]) -> Result<Directory> {
    candidate
        .apply_changes(changes.iter().cloned())
        .map_err(|e| Error::corrupt(format!("the changes do not apply: {e}")))?;
    enrolments::directory(candidate)
}

/// Stores the signatures a batch received, in its transaction.
pub(crate) fn store_signatures(tx: &rusqlite::Transaction<'_>, batch: &Batch) -> Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO change_signatures (doc_id, change_hash, signature) VALUES (?1, ?2, ?3)",
    )?;
    for (doc, hash, signature) in &batch.signatures {
        insert.execute(params![doc.hyphenated().to_string(), hash.as_slice(), signature])?;
    }
    Ok(())
}

/// The device and member of a change's actor id (`documents::Author`).
fn actor(change: &Change) -> Option<(DeviceId, MemberId)> {
    let bytes = change.actor_id().to_bytes();
    let device: [u8; 16] = bytes.get(..16)?.try_into().ok()?;
    let member: [u8; 16] = bytes.get(16..)?.try_into().ok()?;
    Some((DeviceId::from_bytes(device), MemberId::from_bytes(member)))
}
