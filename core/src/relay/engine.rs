//! One relay sync: read every member device's manifest, pull the objects
//! holding what this store lacks (project documents first), publish what
//! is new here (or a snapshot, when compacting), then sweep erased
//! documents from every mailbox. The order is what makes a kill at any
//! point harmless: objects before the manifest naming them, the manifest
//! naming the tombstone before anything is deleted.

use std::collections::{BTreeMap, BTreeSet};

use automerge::ChangeHash;
use opendal::{ErrorKind, Operator};
use uuid::Uuid;

use super::backend::relay_error;
use super::manifest::{self, DocEntry, Manifest, ObjectEntry};
use super::names::Names;
use super::retry::retrying;
use super::{RelayProgress, RelayRejection, RelaySummary};
use crate::error::{Error, Result};
use crate::ids::{DeviceId, ProjectId};
use crate::store::Store;
use crate::store::relay_exchange::{ApplyPass, PackedObject};
use crate::sync::{self, BundleBody, CancelHandle, GroupSecret, SyncLimits};

/// Past this many objects a device replaces its own with a snapshot, so a
/// new device pulls a bounded number of objects.
pub(crate) const COMPACT_AFTER: usize = 8;

/// The kind code of the project document in bundle entries.
const PROJECT_KIND: u8 = 0;

pub(crate) struct Run<'a> {
    store: &'a Store,
    op: Operator,
    url: String,
    progress: &'a mut dyn FnMut(&RelayProgress),
    cancel: &'a CancelHandle,
    limits: SyncLimits,
    state: RelayProgress,
    summary: RelaySummary,
}

/// A downloaded object waiting to be applied.
struct Pulled {
    name: String,
    owner: DeviceId,
    bytes: Vec<u8>,
}

impl<'a> Run<'a> {
    pub(crate) fn new(
        store: &'a Store,
        op: Operator,
        url: &str,
        progress: &'a mut dyn FnMut(&RelayProgress),
        cancel: &'a CancelHandle,
    ) -> Self {
        Self {
            store,
            op,
            url: url.to_string(),
            progress,
            cancel,
            limits: SyncLimits::default(),
            state: RelayProgress::default(),
            summary: RelaySummary::default(),
        }
    }

    pub(crate) fn finish(self) -> RelaySummary {
        let mut summary = self.summary;
        summary.bytes_up = self.state.bytes_up;
        summary.bytes_down = self.state.bytes_down;
        summary
    }

    pub(crate) async fn all(&mut self) -> Result<()> {
        for (project, secret) in self.store.relay_projects()? {
            self.project(project, &secret).await?;
        }
        Ok(())
    }

    fn checkpoint(&mut self) -> Result<()> {
        (self.progress)(&self.state);
        if self.cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        Ok(())
    }

    fn reject(&mut self, name: &str, err: &Error) {
        self.summary.rejected.push(RelayRejection {
            object: name.to_string(),
            reason: err.to_string(),
        });
    }

    async fn read(&mut self, path: &str) -> Result<Option<Vec<u8>>> {
        let op = &self.op;
        match retrying(&mut self.summary.requests, || op.read(path)).await {
            Ok(buffer) => {
                let bytes = buffer.to_vec();
                self.state.bytes_down += bytes.len() as u64;
                Ok(Some(bytes))
            }
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(relay_error(&self.url, "failed while reading", &e)),
        }
    }

    async fn write(&mut self, path: &str, bytes: Vec<u8>) -> Result<()> {
        let len = bytes.len() as u64;
        // Shared, so a retry does not copy the object again.
        let bytes = opendal::Buffer::from(bytes);
        let op = &self.op;
        retrying(&mut self.summary.requests, || op.write(path, bytes.clone()))
            .await
            .map_err(|e| relay_error(&self.url, "failed while writing", &e))?;
        self.state.bytes_up += len;
        Ok(())
    }

    /// Deleting what is already gone is fine (another device got there first).
    async fn delete(&mut self, path: &str) -> Result<()> {
        let op = &self.op;
        match retrying(&mut self.summary.requests, || op.delete(path)).await {
            Ok(()) => {
                self.summary.deleted += 1;
                Ok(())
            }
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(relay_error(&self.url, "failed while deleting", &e)),
        }
    }

    /// The paths directly inside `dir` (folders end in `/`); none if it does
    /// not exist yet.
    async fn list(&mut self, dir: &str) -> Result<Vec<String>> {
        let op = &self.op;
        match retrying(&mut self.summary.requests, || op.list(dir)).await {
            Ok(entries) => Ok(entries
                .into_iter()
                .map(|e| e.path().to_string())
                .filter(|p| p != dir && p.trim_start_matches('/') != dir)
                .collect()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(relay_error(&self.url, "failed while listing", &e)),
        }
    }

    async fn project(&mut self, project: ProjectId, secret: &GroupSecret) -> Result<()> {
        let names = Names::new(secret, project);
        let me = self.store.device_id();
        let project_dir = names.project_dir();
        let mut own: Option<Manifest> = None;
        let mut others: Vec<(DeviceId, Manifest)> = Vec::new();
        let mut unmanifested: Vec<String> = Vec::new();
        for dir in self.list(&project_dir).await? {
            let dir = dir.trim_start_matches('/').to_string();
            if !dir.ends_with('/') {
                continue;
            }
            let path = format!("{dir}manifest");
            let Some(sealed) = self.read(&path).await? else {
                unmanifested.push(dir);
                continue;
            };
            match Manifest::open(secret, project, &sealed) {
                Ok((device, m)) if names.device_dir(device) == dir => {
                    if device == me {
                        own = Some(m);
                    } else {
                        others.push((device, m));
                    }
                }
                Ok(_) => self.reject(
                    &path,
                    &Error::SyncRejected("the manifest was sealed by another device than its mailbox's".into()),
                ),
                Err(err) => self.reject(&path, &err),
            }
        }
        self.checkpoint()?;
        self.pull(project, &names, &others).await?;
        let mut own = own.unwrap_or_else(Manifest::empty);
        let local = self.store.relay_local(project)?;
        self.push(project, secret, &names, &mut own, &others, &local).await?;
        self.sweep(project, secret, &names, &mut own, &others, &unmanifested, &local.erased)
            .await
    }

    async fn pull(&mut self, project: ProjectId, names: &Names, others: &[(DeviceId, Manifest)]) -> Result<()> {
        let mut needed: Vec<(DeviceId, &ObjectEntry)> = Vec::new();
        for (device, m) in others {
            let wanted: Vec<(Uuid, Vec<ChangeHash>)> = m
                .objects
                .iter()
                .flat_map(|o| o.docs.iter().map(|d| (d.id(), d.heads())))
                .collect();
            let holds = self.store.relay_holds(&wanted)?;
            let mut i = 0;
            for object in &m.objects {
                let lacking = holds[i..i + object.docs.len()].iter().any(|h| !h);
                i += object.docs.len();
                if lacking {
                    needed.push((*device, object));
                }
            }
        }
        self.state.objects_expected += needed.len() as u64;
        // Objects carrying a project document (ledger, erasures) first, and
        // their project documents before anything else in them; the rest
        // one at a time, each applied as it arrives, so a sync cut short
        // keeps what it had applied.
        let (first, rest): (Vec<_>, Vec<_>) = needed
            .into_iter()
            .partition(|(_, o)| o.docs.iter().any(|d| d.kind == PROJECT_KIND));
        let mut pulled = Vec::new();
        for (owner, object) in first {
            if let Some(p) = self.download(names, owner, object).await? {
                pulled.push(p);
            }
        }
        for pass in [ApplyPass::ProjectDocuments, ApplyPass::Rest] {
            let mut kept = Vec::new();
            for object in pulled {
                if self.apply(project, &object, pass)? {
                    kept.push(object);
                }
            }
            pulled = kept;
        }
        for (owner, object) in rest {
            if let Some(p) = self.download(names, owner, object).await? {
                self.apply(project, &p, ApplyPass::Rest)?;
            }
        }
        Ok(())
    }

    /// Fetches one object and checks it against its manifest entry; `None`
    /// if it is gone or refused (and reported).
    async fn download(&mut self, names: &Names, owner: DeviceId, object: &ObjectEntry) -> Result<Option<Pulled>> {
        self.checkpoint()?;
        let name = names.object(owner, object.seq);
        if object.size > self.limits.max_message_bytes as u64 {
            self.reject(
                &name,
                &Error::SyncRejected("the relay object is over the size limit".into()),
            );
            return Ok(None);
        }
        let Some(bytes) = self.read(&name).await? else {
            // Gone (swept, or its owner compacted meanwhile): nothing to
            // infer from that; the next sync sees the owner's new manifest.
            return Ok(None);
        };
        self.state.objects_done += 1;
        if bytes.len() as u64 != object.size || manifest::digest(&bytes) != object.digest {
            self.reject(
                &name,
                &Error::SyncRejected(
                    "the relay object does not match its manifest (tampered, replayed or truncated)".into(),
                ),
            );
            return Ok(None);
        }
        Ok(Some(Pulled { name, owner, bytes }))
    }

    /// Applies one pass of an object; false if it was refused (and reported).
    fn apply(&mut self, project: ProjectId, object: &Pulled, pass: ApplyPass) -> Result<bool> {
        self.checkpoint()?;
        match self
            .store
            .relay_apply(project, object.owner, &object.bytes, pass, self.limits)
        {
            Ok(outcome) => {
                self.summary.pulled += outcome.documents_changed;
                Ok(true)
            }
            Err(err @ (Error::Storage(_) | Error::Io(_) | Error::Closed)) => Err(err),
            Err(err) => {
                self.reject(&object.name, &err);
                Ok(false)
            }
        }
    }

    async fn push(
        &mut self,
        project: ProjectId,
        secret: &GroupSecret,
        names: &Names,
        own: &mut Manifest,
        others: &[(DeviceId, Manifest)],
        local: &crate::store::relay_exchange::RelayLocal,
    ) -> Result<()> {
        let me = self.store.device_id();
        let published = own.published();
        // Heads some mailbox already carries: a document merged from others'
        // objects is not published again.
        let mut on_relay: BTreeMap<Uuid, BTreeSet<ChangeHash>> = BTreeMap::new();
        for m in std::iter::once(&*own).chain(others.iter().map(|(_, m)| m)) {
            for object in &m.objects {
                for doc in &object.docs {
                    on_relay.entry(doc.id()).or_default().extend(doc.heads());
                }
            }
        }
        let shareable: BTreeSet<Uuid> = local
            .docs
            .iter()
            .filter(|(_, d)| d.shareable)
            .map(|(id, _)| *id)
            .collect();
        let new: Vec<Uuid> = local
            .docs
            .iter()
            .filter(|(id, d)| d.shareable && published.get(*id) != Some(&d.heads))
            .filter(|(id, d)| {
                !on_relay
                    .get(*id)
                    .is_some_and(|held| d.heads.iter().all(|h| held.contains(h)))
            })
            .map(|(id, _)| *id)
            .collect();
        let compact = own.objects.len() > COMPACT_AFTER || published.keys().any(|id| !shareable.contains(id));
        if !compact && new.is_empty() {
            return Ok(());
        }
        let docs: Vec<(Uuid, Vec<ChangeHash>)> = if compact {
            let mut ids: BTreeSet<Uuid> = published.keys().filter(|id| shareable.contains(id)).copied().collect();
            ids.extend(new.iter().copied());
            ids.into_iter().map(|id| (id, Vec::new())).collect()
        } else {
            new.iter()
                .map(|id| (*id, published.get(id).cloned().unwrap_or_default()))
                .collect()
        };
        let packed = self
            .store
            .relay_pack(project, &docs, self.limits.target_message_bytes)?;
        self.state.objects_expected += packed.len() as u64;
        let mut entries = Vec::new();
        let mut seq = own.next_seq;
        for PackedObject { sealed, docs } in packed {
            self.checkpoint()?;
            entries.push(ObjectEntry {
                seq,
                digest: manifest::digest(&sealed),
                size: sealed.len() as u64,
                docs: docs
                    .into_iter()
                    .map(|(id, kind, heads)| DocEntry {
                        id: *id.as_bytes(),
                        kind,
                        heads: heads.iter().map(|h| h.0).collect(),
                    })
                    .collect(),
            });
            self.write(&names.object(me, seq), sealed).await?;
            self.state.objects_done += 1;
            seq += 1;
        }
        let retired: Vec<u64> = if compact {
            own.objects.iter().map(|o| o.seq).collect()
        } else {
            Vec::new()
        };
        if compact {
            own.objects = entries;
        } else {
            own.objects.extend(entries);
        }
        own.next_seq = seq;
        own.created_at_ms = crate::store::now().timestamp_millis();
        self.write(&names.manifest(me), own.seal(secret, project, me)?).await?;
        self.summary.pushed += new.len() as u64;
        if compact {
            for seq in retired {
                self.checkpoint()?;
                self.delete(&names.object(me, seq)).await?;
            }
            // Orphans of syncs killed between an upload and the manifest.
            let named: BTreeSet<String> = own.objects.iter().map(|o| names.object(me, o.seq)).collect();
            for path in self.list(&names.objects_dir(me)).await? {
                let path = path.trim_start_matches('/').to_string();
                if !path.ends_with('/') && !named.contains(&path) {
                    self.delete(&path).await?;
                }
            }
        }
        Ok(())
    }

    /// Deletes, from every mailbox, the objects holding a document erased
    /// here, once per erasure this device has not swept yet.
    #[allow(clippy::too_many_arguments)]
    async fn sweep(
        &mut self,
        project: ProjectId,
        secret: &GroupSecret,
        names: &Names,
        own: &mut Manifest,
        others: &[(DeviceId, Manifest)],
        unmanifested: &[String],
        erased: &BTreeSet<Uuid>,
    ) -> Result<()> {
        let swept: BTreeSet<Uuid> = own.swept.iter().map(|id| Uuid::from_bytes(*id)).collect();
        if erased.is_subset(&swept) {
            return Ok(());
        }
        let me = self.store.device_id();
        let mut dirs: Vec<(String, BTreeSet<String>)> = Vec::new();
        for (device, m) in others {
            let mut named = BTreeSet::new();
            for object in &m.objects {
                let name = names.object(*device, object.seq);
                if object.docs.iter().any(|d| erased.contains(&d.id())) {
                    self.checkpoint()?;
                    self.delete(&name).await?;
                } else {
                    named.insert(name);
                }
            }
            dirs.push((names.objects_dir(*device), named));
        }
        for dir in unmanifested {
            dirs.push((format!("{dir}o/"), BTreeSet::new()));
        }
        // Objects no manifest names (an upload racing this sync, or the
        // orphan of a killed one): open them to see what they hold.
        for (dir, named) in dirs {
            for path in self.list(&dir).await? {
                let path = path.trim_start_matches('/').to_string();
                if path.ends_with('/') || named.contains(&path) {
                    continue;
                }
                self.checkpoint()?;
                let Some(bytes) = self.read(&path).await? else {
                    continue;
                };
                if holds_any(secret, project, &bytes, erased, self.limits) {
                    self.delete(&path).await?;
                }
            }
        }
        own.swept = erased.iter().map(|id| *id.as_bytes()).collect();
        own.created_at_ms = crate::store::now().timestamp_millis();
        self.write(&names.manifest(me), own.seal(secret, project, me)?).await
    }
}

/// Whether a sealed object of the group holds any of `ids`. One that does
/// not open is left alone: it is not the group's to judge.
fn holds_any(
    secret: &GroupSecret,
    project: ProjectId,
    sealed: &[u8],
    ids: &BTreeSet<Uuid>,
    limits: SyncLimits,
) -> bool {
    let Ok((_, plaintext)) = sync::open(secret, project, sync::Opening::Bundle, sealed, limits.max_message_bytes)
    else {
        return false;
    };
    let Ok(body) = sync::decode::<BundleBody>(&plaintext, "relay object") else {
        return false;
    };
    body.entries.iter().any(|e| ids.contains(&Uuid::from_bytes(e.id)))
}
