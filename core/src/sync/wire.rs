//! What a session message and a bundle say, before sealing. Encoded with
//! postcard; a version byte leads so that a future format is refused
//! cleanly rather than misread.

use serde::{Deserialize, Serialize};

use super::media_wire::{BundleMedia, MediaPart};
use crate::error::{Error, Result};
pub(crate) use crate::keys::ChangeSignature;

/// The format version this library writes and reads.
/// 2: sessions bound to both sides' random values and devices, the
/// sender's device id inside the envelope (issue 15).
/// 3: every change travels with its author device's signature (issue 15,
/// finding 5).
/// 4: media travel in sessions and bundles (issue 9, ADR 0015).
pub(crate) const WIRE_VERSION: u8 = 4;

/// One document a device holds, as listed in its catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CatalogEntry {
    pub id: [u8; 16],
    pub kind: u8,
    /// The first 8 bytes of a hash of the document's heads: equal on both
    /// sides means nothing to exchange.
    pub heads: [u8; 8],
    /// Roughly how many bytes sending it whole would take.
    pub size: u64,
}

/// A whole document, for a peer that does not have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FullDocument {
    pub id: [u8; 16],
    pub kind: u8,
    pub bytes: Vec<u8>,
    /// The signatures of its changes (see `keys::ChangeSignature`).
    pub signatures: Vec<ChangeSignature>,
}

/// An Automerge sync message for one document both peers hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DocumentSync {
    pub id: [u8; 16],
    pub kind: u8,
    pub message: Vec<u8>,
    /// The signatures of the changes the message carries.
    pub signatures: Vec<ChangeSignature>,
}

/// One message of a sync session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SessionMessage {
    pub version: u8,
    /// Chosen by the initiator; every message of the session carries it.
    pub session: [u8; 16],
    /// 1, 2, 3… per sender: a replayed or reordered message is refused.
    pub seq: u32,
    /// Sent once by each side, in its first message.
    pub catalog: Option<Vec<CatalogEntry>>,
    /// Documents the sender lacks and asks for whole (each asked for once).
    pub want: Vec<[u8; 16]>,
    /// Documents the peer asked for that the sender will not send: no
    /// longer shareable, or erased, since its catalog listed them.
    pub unavailable: Vec<[u8; 16]>,

    pub full: Vec<FullDocument>,
    pub sync: Vec<DocumentSync>,
    /// The sender has nothing more to send after what it has seen.
    pub done: bool,
    /// Media: items held and wanted, keys and chunk lists, chunks.
    pub media: MediaPart,
    /// The sending device's signature over the message with this field
    /// empty (`keys::message_proof_input`): proves which device sent it
    /// (issue 15, finding 10). Empty from a device with no enrolled key.
    pub proof: Vec<u8>,
}

/// One document in a bundle: whole, or the changes since what the intended
/// peer was known to have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct BundleEntry {
    pub id: [u8; 16],
    pub kind: u8,
    pub incremental: bool,
    pub bytes: Vec<u8>,
    /// The signatures of its changes.
    pub signatures: Vec<ChangeSignature>,
}

/// A document the bundle's maker held, and the first 8 bytes of each of
/// its heads (sorted): the importer checks it has them all afterwards (see
/// `store::bundle_manifest`). Eight bytes keep a bundle for a peer small.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ManifestEntry {
    pub id: [u8; 16],
    pub heads: Vec<[u8; 8]>,
}

/// The contents of a bundle file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct BundleBody {
    pub version: u8,
    pub created_at_ms: i64,
    /// The device it was made for, if any.
    pub for_peer: Option<[u8; 16]>,
    pub entries: Vec<BundleEntry>,
    /// Every document the maker could share, including those left out.
    pub manifest: Vec<ManifestEntry>,
    /// Media items of stories the maker may share, with their chunks.
    pub media: Vec<BundleMedia>,
}

pub(crate) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    postcard::to_allocvec(value).map_err(|e| Error::Storage(format!("could not encode a sync message: {e}")))
}

pub(crate) fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8], what: &str) -> Result<T> {
    if bytes.first() != Some(&WIRE_VERSION) {
        return Err(Error::SyncRejected(format!(
            "the {what} uses format version {:?}; this library reads version {WIRE_VERSION}",
            bytes.first()
        )));
    }
    let malformed = || Error::SyncRejected(format!("the {what} is malformed"));
    // Bytes after the value would be read by nobody: a sender that adds them
    // is broken or smuggling, so the whole message is refused.
    match postcard::take_from_bytes(bytes) {
        Ok((value, [])) => Ok(value),
        _ => Err(malformed()),
    }
}
