//! The per-device manifest: what a device has published on the relay (its
//! objects in order, the digest of each, the documents and heads in each)
//! and which erasures it has swept from the relay. Sealed with the group
//! secret like a bundle, so the operator reads nothing and can change
//! nothing; reading one per member device is all a sync with nothing new
//! costs.

use std::collections::BTreeMap;

use automerge::ChangeHash;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::ids::{DeviceId, ProjectId};
use crate::sync::{self, EnvelopeKind, GroupSecret, Header, WIRE_VERSION};

/// Marks a manifest's body apart from a bundle's (both are sealed as bundles).
const MAGIC: [u8; 8] = *b"SLRELAYM";
const VERSION: u8 = 1;
/// A bigger manifest is refused before it is opened.
pub(crate) const MAX_MANIFEST_BYTES: usize = 16 * 1024 * 1024;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Manifest {
    /// The sync wire version, first like every sealed body.
    wire: u8,
    magic: [u8; 8],
    version: u8,
    pub created_at_ms: i64,
    /// The sequence number the device's next object takes.
    pub next_seq: u64,
    /// Oldest first.
    pub objects: Vec<ObjectEntry>,
    /// Erased documents this device has swept from every mailbox.
    pub swept: Vec<[u8; 16]>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ObjectEntry {
    pub seq: u64,
    /// SHA-256 of the sealed bytes: a replayed, swapped or truncated object fails it.
    pub digest: [u8; 32],
    pub size: u64,
    pub docs: Vec<DocEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DocEntry {
    pub id: [u8; 16],
    pub kind: u8,
    /// The document's heads once this object is applied, sorted.
    pub heads: Vec<[u8; 32]>,
}

impl DocEntry {
    pub(crate) fn id(&self) -> Uuid {
        Uuid::from_bytes(self.id)
    }

    pub(crate) fn heads(&self) -> Vec<ChangeHash> {
        self.heads.iter().map(|h| ChangeHash(*h)).collect()
    }
}

impl Manifest {
    pub(crate) fn empty() -> Self {
        Self {
            wire: WIRE_VERSION,
            magic: MAGIC,
            version: VERSION,
            ..Self::default()
        }
    }

    /// The heads this device last published for each document.
    pub(crate) fn published(&self) -> BTreeMap<Uuid, Vec<ChangeHash>> {
        let mut out = BTreeMap::new();
        for object in &self.objects {
            for doc in &object.docs {
                out.insert(doc.id(), doc.heads());
            }
        }
        out
    }

    pub(crate) fn seal(&self, secret: &GroupSecret, project: ProjectId, device: DeviceId) -> Result<Vec<u8>> {
        let header = Header {
            kind: EnvelopeKind::Bundle,
            project,
            sender: device,
            session: None,
        };
        sync::seal(secret, &header, &sync::encode(self)?)
    }

    /// Opens a manifest and says which device sealed it.
    pub(crate) fn open(secret: &GroupSecret, project: ProjectId, sealed: &[u8]) -> Result<(DeviceId, Self)> {
        let (header, plaintext) = sync::open(secret, project, sync::Opening::Bundle, sealed, MAX_MANIFEST_BYTES)?;
        let manifest: Manifest = sync::decode(&plaintext, "relay manifest")?;
        if manifest.magic != MAGIC {
            return Err(Error::SyncRejected("the relay manifest is not a manifest".into()));
        }
        if manifest.version != VERSION {
            return Err(Error::SyncRejected(format!(
                "the relay manifest has version {}, this version of Storyloom reads {VERSION}; update the app",
                manifest.version
            )));
        }
        Ok((header.sender, manifest))
    }
}

pub(crate) fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}
